/* A small `context` class for the expression core tests (test_check.c, test_interp.c, the
 * fuzz driver): context.Name, context.Count, context.Request.Method,
 * context.Request.Headers.GetValueOrDefault(name, default), context.Request.Headers[name],
 * context.Variables[name] (object), ContainsKey, GetValueOrDefault<T>(name[, default]),
 * context.Items (string[]), context.Nothing (null IUrl-like object), context.Trace(msg). */
#ifndef MERIDIAN_TESTS_EXPR_TEST_CONTEXT_H
#define MERIDIAN_TESTS_EXPR_TEST_CONTEXT_H

#include "expr/value.h"

#include <string.h>

#define TC_NATIVE(name)                                                                            \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,              \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define TC_UNUSED (void)rt, (void)call, (void)self, (void)args, (void)argc

extern const expr_class_t tc_context_class, tc_request_class, tc_headers_class, tc_vars_class;

static int tc_str_eq(const expr_value_t *v, const char *s)
{
    return v->tag == EXPR_V_STRING && v->u.s.len == strlen(s) && memcmp(v->u.s.ptr, s, v->u.s.len) == 0;
}

TC_NATIVE(tc_name)
{
    TC_UNUSED;
    *out = expr_str_ref("meridian", 8);
    return 0;
}
TC_NATIVE(tc_count)
{
    TC_UNUSED;
    *out = expr_int(42);
    return 0;
}
TC_NATIVE(tc_request)
{
    TC_UNUSED;
    *out = expr_object(&tc_request_class, (void *)1);
    return 0;
}
TC_NATIVE(tc_variables)
{
    TC_UNUSED;
    *out = expr_object(&tc_vars_class, (void *)2);
    return 0;
}
TC_NATIVE(tc_nothing)
{
    TC_UNUSED;
    *out = expr_null();
    return 0;
}
static expr_value_t tc_items_values[3];
TC_NATIVE(tc_items)
{
    TC_UNUSED;
    tc_items_values[0] = expr_str_ref("b", 1);
    tc_items_values[1] = expr_str_ref("a", 1);
    tc_items_values[2] = expr_str_ref("cc", 2);
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {tc_items_values, 3, &expr_class_string}};
    return 0;
}
/* context.Dispose() counts its calls (using statements), context.Disposed reads the count */
static int tc_disposed;
TC_NATIVE(tc_dispose)
{
    TC_UNUSED;
    tc_disposed++;
    *out = expr_null();
    return 0;
}
TC_NATIVE(tc_disposed_get)
{
    TC_UNUSED;
    *out = expr_int(tc_disposed);
    return 0;
}
TC_NATIVE(tc_trace)
{
    TC_UNUSED;
    *out = expr_null();
    return 0;
}
TC_NATIVE(tc_method)
{
    TC_UNUSED;
    *out = expr_str_ref("GET", 3);
    return 0;
}
TC_NATIVE(tc_headers)
{
    TC_UNUSED;
    *out = expr_object(&tc_headers_class, (void *)3);
    return 0;
}
/* Headers: "Host" → "example.com", "X-Num" → "7"; anything else absent. */
static int tc_header_lookup(const expr_value_t *name, expr_value_t *out)
{
    if (tc_str_eq(name, "Host")) *out = expr_str_ref("example.com", 11);
    else if (tc_str_eq(name, "X-Num")) *out = expr_str_ref("7", 1);
    else return 0;
    return 1;
}
TC_NATIVE(tc_header_get)
{
    TC_UNUSED;
    if (args[0].tag != EXPR_V_STRING) return expr_throw(rt, "ArgumentNullException", "name");
    if (!tc_header_lookup(&args[0], out)) *out = argc > 1 ? args[1] : expr_null();
    return 0;
}
TC_NATIVE(tc_header_index)
{
    TC_UNUSED;
    if (!tc_header_lookup(&args[0], out))
        return expr_throw(rt, "KeyNotFoundException", "The given key was not present in the dictionary.");
    return 0;
}
/* Variables: "s" → "text", "n" → 5 (int), "l" → 6L, "b" → true. */
static int tc_var_lookup(const expr_value_t *name, expr_value_t *out)
{
    if (tc_str_eq(name, "s")) *out = expr_str_ref("text", 4);
    else if (tc_str_eq(name, "n")) *out = expr_int(5);
    else if (tc_str_eq(name, "l")) *out = expr_long(6);
    else if (tc_str_eq(name, "b")) *out = expr_bool(true);
    else if (tc_str_eq(name, "arr")) tc_items(NULL, NULL, NULL, NULL, 0, out);
    else return 0;
    return 1;
}
TC_NATIVE(tc_var_index)
{
    TC_UNUSED;
    if (!tc_var_lookup(&args[0], out))
        return expr_throw(rt, "KeyNotFoundException", "The given key was not present in the dictionary.");
    return 0;
}
TC_NATIVE(tc_var_contains)
{
    TC_UNUSED;
    expr_value_t v;
    *out = expr_bool(tc_var_lookup(&args[0], &v));
    return 0;
}
TC_NATIVE(tc_var_get)
{
    TC_UNUSED;
    if (!tc_var_lookup(&args[0], out)) {
        *out = argc > 1 ? args[1] : expr_null();
        return 0;
    }
    if (call->type_arg && call->type_arg != &expr_class_object && call->type_arg->tag != out->tag)
        return expr_throw(rt, "InvalidCastException", "stored value has another type");
    return 0;
}

TC_NATIVE(tc_var_try_get)
{
    TC_UNUSED;
    *out = expr_bool(tc_var_lookup(&args[0], &args[1]));
    if (!out->u.b) args[1] = expr_null();
    return 0;
}

static const char *const tc_get_params[] = {"name", "defaultValue", NULL};
static const expr_type_t tc_str_params[] = {{&expr_class_string, NULL}, {&expr_class_string, NULL}};

static const expr_member_t tc_context_members[] = {
    {.name = "Name", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_string, NULL}, .fn = tc_name},
    {.name = "Count", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_int, NULL}, .fn = tc_count},
    {.name = "Request", .kind = EXPR_M_PROPERTY, .ret = {&tc_request_class, NULL}, .fn = tc_request},
    {.name = "Variables", .kind = EXPR_M_PROPERTY, .ret = {&tc_vars_class, NULL}, .fn = tc_variables},
    {.name = "Nothing", .kind = EXPR_M_PROPERTY, .ret = {&tc_request_class, NULL}, .fn = tc_nothing},
    {.name = "Items", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_array, &expr_class_string}, .fn = tc_items},
    {.name = "Trace", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = {&expr_class_void, NULL}, .fn = tc_trace},
    {.name = "Dispose", .kind = EXPR_M_METHOD, .ret = {&expr_class_void, NULL}, .fn = tc_dispose},
    {.name = "Disposed", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_int, NULL}, .fn = tc_disposed_get},
};
const expr_class_t tc_context_class = {.name = "IContext", .tag = EXPR_V_OBJECT, .members = tc_context_members,
                                       .member_count = sizeof tc_context_members / sizeof tc_context_members[0]};

static const expr_member_t tc_request_members[] = {
    {.name = "Method", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_string, NULL}, .fn = tc_method},
    {.name = "Headers", .kind = EXPR_M_PROPERTY, .ret = {&tc_headers_class, NULL}, .fn = tc_headers},
};
const expr_class_t tc_request_class = {.name = "IRequest", .tag = EXPR_V_OBJECT, .members = tc_request_members,
                                       .member_count = sizeof tc_request_members / sizeof tc_request_members[0]};

static const expr_member_t tc_headers_members[] = {
    {.name = "GetValueOrDefault", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 2, .ret = {&expr_class_string, NULL},
     .param_names = tc_get_params, .params = tc_str_params, .fn = tc_header_get},
    {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1, .ret = {&expr_class_string, NULL},
     .params = tc_str_params, .fn = tc_header_index},
};
const expr_class_t tc_headers_class = {.name = "IHeaders", .tag = EXPR_V_OBJECT, .members = tc_headers_members,
                                       .member_count = sizeof tc_headers_members / sizeof tc_headers_members[0]};

static const expr_member_t tc_vars_members[] = {
    {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1, .ret = {NULL, NULL}, .fn = tc_var_index},
    {.name = "ContainsKey", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = {&expr_class_bool, NULL},
     .fn = tc_var_contains},
    {.name = "GetValueOrDefault", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 2, .ret_rule = EXPR_RET_TYPE_ARG,
     .param_names = tc_get_params, .fn = tc_var_get},
    {.name = "TryGetValue", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2, .ret = {&expr_class_bool, NULL},
     .out_mask = 2, .fn = tc_var_try_get},
};
const expr_class_t tc_vars_class = {.name = "IVariables", .tag = EXPR_V_OBJECT, .members = tc_vars_members,
                                    .member_count = sizeof tc_vars_members / sizeof tc_vars_members[0]};

#endif
