/* lib_json_value: JValue and JProperty (value.h tables; the rest of the JToken family is
 * in lib_json_members.c). */
#include "expr/lib_json_internal.h"

#include <string.h>

#define NATIVE(name)                                                                         \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,     \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc, (void)out

/* ---- JValue ---- */

NATIVE(val_ctor)
{
    (void)call, (void)self, (void)argc;
    if (args[0].tag == EXPR_V_ARRAY || json_tok(&args[0]))
        return expr_throw(rt, "ArgumentException", "Could not determine JSON object type for type %s.",
                          args[0].tag == EXPR_V_ARRAY ? "System.Array" : json_full_name_of(json_tok(&args[0])));
    json_t *j = NULL;
    if (expr_json_from_value(rt, &args[0], &j)) return EXPR_THROWN;
    if (json_is_object(j) || json_is_array(j)) {
        json_decref(j);
        return expr_throw(rt, "ArgumentException", "Could not determine JSON object type for an enumerable.");
    }
    return json_tok_steal(rt, j, out);
}

NATIVE(val_create_null)
{
    UNUSED_ARGS;
    return json_tok_steal(rt, json_null(), out);
}

NATIVE(val_create_string)
{
    (void)call, (void)self, (void)argc;
    if (args[0].tag == EXPR_V_NULL) return json_tok_steal(rt, json_null(), out);
    const char *s = NULL;
    size_t len = 0;
    if (json_need_string(rt, &args[0], "value", &s, &len)) return EXPR_THROWN;
    return json_tok_steal(rt, json_stringn_nocheck(s, len), out);
}

/* JValue.Value: the primitive (long, double, string, bool or null). */
NATIVE(val_value)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    return json_convert_generic(rt, self, &expr_class_object, out);
}

/* ---- JProperty ---- */

/* new JProperty(name, value) / new JProperty(name, params object[] content): several
 * values (or an enumerable) make a JArray value, as Newtonsoft. */
NATIVE(prop_ctor)
{
    (void)call, (void)self;
    const char *name = NULL;
    size_t len = 0;
    if (json_need_string(rt, &args[0], "name", &name, &len)) return EXPR_THROWN;
    json_t *value;
    if (argc == 1) {
        value = json_null();
    } else if (argc == 2) {
        if (json_tok(&args[1]) && json_tok(&args[1])->name)
            return expr_throw(rt, "ArgumentException", "Can not add Newtonsoft.Json.Linq.JProperty to Newtonsoft.Json.Linq.JProperty.");
        if (json_for_add(rt, &args[1], NULL, &value)) return EXPR_THROWN;
    } else {
        value = json_array();
        if (!value) return json_member_oom(rt);
        for (unsigned i = 1; i < argc; i++)
            if (json_array_add(rt, value, &args[i], false, 0)) {
                json_decref(value);
                return EXPR_THROWN;
            }
    }
    if (!value) return json_member_oom(rt);
    int rc = json_tok_new(rt, value, name, len, out);
    json_decref(value);
    if (rc == 0) ((expr_json_token_t *)out->u.obj.ptr)->has_parent = false;
    return rc;
}

/* The JProperty self: a token with a name (InvalidCastException for another token). */
static int property_self(expr_rt_t *rt, const expr_value_t *self, const expr_json_token_t **t)
{
    if (json_self_token(rt, self, t)) return EXPR_THROWN;
    return (*t)->name ? 0 : json_cast_error(rt, *t, &expr_class_jproperty);
}

NATIVE(prop_name)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    if (property_self(rt, self, &t)) return EXPR_THROWN;
    *out = expr_str_ref(t->name, t->name_len);
    return 0;
}

NATIVE(prop_value)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    if (property_self(rt, self, &t)) return EXPR_THROWN;
    return json_tok_child(rt, t, false, t->json, NULL, 0, out);
}

/* ---- tables ---- */

#define PROP(n, cls, f) {.name = n, .kind = EXPR_M_PROPERTY, .ret = {cls, NULL}, .fn = f}
#define METHOD(n, lo, hi, cls, f) {.name = n, .kind = EXPR_M_METHOD, .min_args = lo, .max_args = hi, .ret = {cls, NULL}, .fn = f}
#define STATIC(n, lo, hi, cls, f) {.name = n, .kind = EXPR_M_STATIC_METHOD, .min_args = lo, .max_args = hi, .ret = {cls, NULL}, .fn = f}
#define CTOR(lo, hi, f) {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = lo, .max_args = hi, .fn = f}

static const expr_member_t jvalue_members[] = {
    CTOR(1, 1, val_ctor),
    STATIC("CreateNull", 0, 0, &expr_class_jvalue, val_create_null),
    STATIC("CreateString", 1, 1, &expr_class_jvalue, val_create_string),
    {.name = "Value", .kind = EXPR_M_PROPERTY, .ret = {NULL, NULL}, .fn = val_value},
};

const expr_class_t expr_class_jvalue = {
    .name = "JValue",
    .full_name = "Newtonsoft.Json.Linq.JValue",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_jtoken,
    .members = jvalue_members,
    .member_count = sizeof jvalue_members / sizeof jvalue_members[0],
    .elem = &expr_class_jtoken,
    .enumerate = json_tok_enumerate,
    .convert = json_tok_convert,
    .to_string = json_tok_class_to_string,
    .equals = json_tok_equals,
};

static const expr_member_t jproperty_members[] = {
    CTOR(1, 255, prop_ctor),
    PROP("Name", &expr_class_string, prop_name),
    PROP("Key", &expr_class_string, prop_name),
    {.name = "Value", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_jtoken, NULL}, .fn = prop_value},
    PROP("Count", &expr_class_int, json_tok_count),
};

const expr_class_t expr_class_jproperty = {
    .name = "JProperty",
    .full_name = "Newtonsoft.Json.Linq.JProperty",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_jtoken,
    .members = jproperty_members,
    .member_count = sizeof jproperty_members / sizeof jproperty_members[0],
    .elem = &expr_class_jtoken,
    .enumerate = json_tok_enumerate,
    .convert = json_tok_convert,
    .to_string = json_tok_class_to_string,
    .equals = json_tok_equals,
};
