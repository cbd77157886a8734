/* context.Variables (spec/apim-gateway.md §3.4, §3.5): IReadOnlyDictionary<string, object>
 * over the request's variables (set-variable, send-request's response-variable-name...).
 * The indexer's result is dynamic (C#'s object): users cast it, `(string)x` or
 * `(IResponse)x`. GetValueOrDefault<T> is the typed read: the stored value must be a T, as
 * .NET's unboxing cast requires (an int is not a long), else InvalidCastException. */
#include "policy/context_internal.h"

/* Variable names compare ordinally (.NET's Dictionary<string, object> default). The list
 * is short (a policy sets a handful), so a walk beats hashing. */
static const expr_value_t *var_find(const policy_exec_t *exec, slice_t name)
{
    for (const policy_variable_t *v = exec->variables; v; v = v->next)
        if (v->name_len == name.len && memcmp(v->name, name.ptr, name.len) == 0)
            return &v->value;
    return NULL;
}

static uint32_t var_count(const policy_exec_t *exec)
{
    uint32_t n = 0;
    for (const policy_variable_t *v = exec->variables; v; v = v->next) n++;
    return n;
}

/* C#'s value types: null cannot be unboxed to them. */
static bool is_value_type(const expr_class_t *t)
{
    switch (t->tag) {
    case EXPR_V_BOOL:
    case EXPR_V_INT:
    case EXPR_V_LONG:
    case EXPR_V_DOUBLE:
    case EXPR_V_CHAR:
    case EXPR_V_DATETIME:
    case EXPR_V_TIMESPAN:
    case EXPR_V_GUID:
        return true;
    default:
        return false;
    }
}

/* default(T). */
static expr_value_t default_of(const expr_class_t *t)
{
    if (!t || !is_value_type(t)) return expr_null();
    expr_value_t v = {.tag = t->tag};
    return v; /* zero: false, 0, 0.0, '\0', DateTime.MinValue, TimeSpan.Zero, Guid.Empty */
}

/* (T)value as .NET's cast from object: reference conversions and exact unboxing only. */
static int cast_to(expr_rt_t *rt, const expr_value_t *v, const expr_class_t *t, expr_value_t *out)
{
    if (!t || t == &expr_class_object) CTX_RETURN(*v);
    if (v->tag == EXPR_V_NULL) {
        if (is_value_type(t))
            return expr_throw(rt, "NullReferenceException",
                              "Object reference not set to an instance of an object.");
        CTX_RETURN(*v);
    }
    const expr_class_t *cls = expr_value_class(v);
    if (expr_class_is(cls, t)) CTX_RETURN(*v);
    return expr_throw(rt, "InvalidCastException",
                      "Unable to cast object of type '%s' to type '%s'.",
                      cls->full_name ? cls->full_name : cls->name,
                      t->full_name ? t->full_name : t->name);
}

static int vars_index(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                      expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)argc;
    slice_t name;
    if (ctx_arg_string(rt, args, 0, "key", &name)) return EXPR_THROWN;
    const expr_value_t *v = var_find(self->u.obj.ptr, name);
    if (!v)
        return expr_throw(rt, "System.Collections.Generic.KeyNotFoundException",
                          "The given key '%.*s' was not present in the dictionary.",
                          (int)(name.len > 100 ? 100 : name.len), name.ptr);
    CTX_RETURN(*v);
}

static int vars_contains(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)argc;
    slice_t name;
    if (ctx_arg_string(rt, args, 0, "key", &name)) return EXPR_THROWN;
    CTX_RETURN(expr_bool(var_find(self->u.obj.ptr, name) != NULL));
}

static int vars_try(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)argc;
    slice_t name;
    if (ctx_arg_string(rt, args, 0, "key", &name)) return EXPR_THROWN;
    const expr_value_t *v = var_find(self->u.obj.ptr, name);
    args[1] = v ? *v : expr_null();
    CTX_RETURN(expr_bool(v != NULL));
}

/* GetValueOrDefault<T>(name[, default]): the variable as T (InvalidCastException when it is
 * not one), or the default (default(T) when not given). Without <T> the value is returned
 * as stored (C# would infer T from the default; the checker types the result dynamic). */
static int vars_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    slice_t name;
    if (ctx_arg_string(rt, args, 0, "name", &name)) return EXPR_THROWN;
    const expr_value_t *v = var_find(self->u.obj.ptr, name);
    const expr_class_t *t = call ? call->type_arg : NULL;
    if (!v) {
        if (argc > 1) return t ? cast_to(rt, &args[1], t, out) : (*out = args[1], 0);
        CTX_RETURN(default_of(t));
    }
    return cast_to(rt, v, t, out);
}

/* Keys and items in the order the variables were first set (.NET's Dictionary order when
 * nothing was removed); the executor's list is newest first. */
static int vars_keys(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                     expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)args, (void)argc;
    const policy_exec_t *exec = self->u.obj.ptr;
    uint32_t n = var_count(exec), i = n;
    expr_value_t *items = NULL;
    if (n && !(items = expr_rt_alloc(rt, n * sizeof *items))) return EXPR_THROWN;
    for (const policy_variable_t *v = exec->variables; v; v = v->next)
        items[--i] = expr_str_ref(v->name, v->name_len);
    CTX_RETURN(((expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, n, &expr_class_string}}));
}

static int vars_count(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                      expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt, (void)call, (void)args, (void)argc;
    CTX_RETURN(expr_int((int32_t)var_count(self->u.obj.ptr)));
}

static int vars_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items,
                          uint32_t *count)
{
    const policy_exec_t *exec = self->u.obj.ptr;
    uint32_t n = var_count(exec), i = n;
    expr_value_t *v = NULL;
    if (n && !(v = expr_rt_alloc(rt, n * sizeof *v))) return EXPR_THROWN;
    for (const policy_variable_t *var = exec->variables; var; var = var->next)
        if (ctx_kvp_new(rt, &ctx_class_kvp_object, expr_str_ref(var->name, var->name_len),
                        var->value, &v[--i]))
            return EXPR_THROWN;
    *items = v;
    *count = n;
    return 0;
}

static const char *const name_default_names[] = {"name", "defaultValue", NULL};
static const char *const key_value_names[] = {"key", "value", NULL};

static const expr_member_t vars_members[] = {
    {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1, .ret = {NULL, NULL},
     .fn = vars_index},
    {.name = "ContainsKey", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1,
     .ret = {&expr_class_bool, NULL}, .fn = vars_contains},
    {.name = "TryGetValue", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2,
     .ret = {&expr_class_bool, NULL}, .out_mask = 2u, .param_names = key_value_names,
     .fn = vars_try},
    {.name = "GetValueOrDefault", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 2,
     .ret_rule = EXPR_RET_TYPE_ARG, .ret = {NULL, NULL}, .param_names = name_default_names,
     .fn = vars_get},
    CTX_PROP("Keys", &expr_class_array, &expr_class_string, vars_keys),
    CTX_PROP("Count", &expr_class_int, NULL, vars_count),
};

const expr_class_t ctx_class_variables = {
    .name = "Variables",
    .full_name = "System.Collections.Generic.IReadOnlyDictionary<string, object>",
    .tag = EXPR_V_OBJECT,
    .members = vars_members,
    .member_count = CTX_COUNT(vars_members),
    .elem = &ctx_class_kvp_object,
    .enumerate = vars_enumerate,
};
