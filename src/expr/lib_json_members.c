/* The JToken class family's members: JToken (base), JObject, JArray, JValue, JProperty
 * (Newtonsoft.Json.Linq). Members declared on JToken dispatch on the runtime JSON type,
 * because the checker binds them on the static type (usually JToken: obj["a"]["b"]). */
#include "expr/lib_json_internal.h"

#include <string.h>

#define NATIVE(name)                                                                         \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,     \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc, (void)out

int json_member_oom(expr_rt_t *rt)
{
    return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
}

const char *json_full_name_of(const expr_json_token_t *t)
{
    if (t->name) return "Newtonsoft.Json.Linq.JProperty";
    if (json_is_object(t->json)) return "Newtonsoft.Json.Linq.JObject";
    if (json_is_array(t->json)) return "Newtonsoft.Json.Linq.JArray";
    return "Newtonsoft.Json.Linq.JValue";
}

int json_self_token(expr_rt_t *rt, const expr_value_t *self, const expr_json_token_t **t)
{
    *t = self ? json_tok(self) : NULL;
    if (!*t) return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    return 0;
}

static int no_children(expr_rt_t *rt, const expr_json_token_t *t)
{
    return expr_throw(rt, "InvalidOperationException", "Cannot access child value on %s.", json_full_name_of(t));
}

/* A token read from container token `parent` (search: somewhere below it, as SelectToken
 * finds it), so that Parent and Remove() can reach the container. */
int json_tok_child(expr_rt_t *rt, const expr_json_token_t *parent, bool search, json_t *json,
                     const char *name, size_t name_len, expr_value_t *out)
{
    if (json_tok_new(rt, json, name, name_len, out)) return EXPR_THROWN;
    expr_json_token_t *t = out->u.obj.ptr;
    t->parent = parent;
    t->parent_is_ancestor = search;
    return 0;
}

static bool string_arg(const expr_value_t *v, const char **s, size_t *len)
{
    if (v->tag != EXPR_V_STRING) return false;
    *s = v->u.s.ptr ? v->u.s.ptr : "";
    *len = v->u.s.len;
    return true;
}

int json_need_string(expr_rt_t *rt, const expr_value_t *v, const char *param, const char **s,
                       size_t *len)
{
    if (string_arg(v, s, len)) return 0;
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    return expr_throw(rt, "ArgumentException", "Argument '%s' must be a string.", param);
}

/* ---- reading children ---- */

/* The child under key (string for objects, int for arrays), C# null when absent. */
static int child_get(expr_rt_t *rt, const expr_json_token_t *t, const expr_value_t *key,
                     expr_value_t *out)
{
    if (t->name) return no_children(rt, t);
    const char *name = NULL;
    size_t len = 0;
    if (json_is_object(t->json)) {
        if (!string_arg(key, &name, &len))
            return expr_throw(rt, "ArgumentException", "Accessed JObject values with invalid key value: %s. Object property name expected.",
                              key->tag == EXPR_V_NULL ? "null" : "a non-string key");
        json_t *v = json_object_getn(t->json, name, len);
        if (!v) {
            *out = expr_null();
            return 0;
        }
        return json_tok_child(rt, t, false, v, NULL, 0, out);
    }
    if (json_is_array(t->json)) {
        if (key->tag != EXPR_V_INT && key->tag != EXPR_V_LONG) {
            if (string_arg(key, &name, &len))
                return expr_throw(rt, "ArgumentException", "Accessed JArray values with invalid key value: \"%.*s\". Int32 array index expected.",
                                  (int)len, name);
            return expr_throw(rt, "ArgumentException", "Accessed JArray values with invalid key value. Int32 array index expected.");
        }
        if (key->u.i < 0 || (uint64_t)key->u.i >= json_array_size(t->json))
            return expr_throw(rt, "ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')");
        return json_tok_child(rt, t, false, json_array_get(t->json, (size_t)key->u.i), NULL, 0, out);
    }
    return no_children(rt, t);
}

static int child_set(expr_rt_t *rt, const expr_json_token_t *t, const expr_value_t *key,
                     const expr_value_t *value)
{
    if (t->name || (!json_is_object(t->json) && !json_is_array(t->json)))
        return expr_throw(rt, "InvalidOperationException", "Cannot set child value on %s.", json_full_name_of(t));
    const char *name = NULL;
    size_t len = 0;
    if (json_is_object(t->json) && !string_arg(key, &name, &len))
        return expr_throw(rt, "ArgumentException", "Set JObject values with invalid key value. Object property name expected.");
    if (json_is_array(t->json)) {
        if (key->tag != EXPR_V_INT && key->tag != EXPR_V_LONG)
            return expr_throw(rt, "ArgumentException", "Set JArray values with invalid key value. Int32 array index expected.");
        if (key->u.i < 0 || (uint64_t)key->u.i >= json_array_size(t->json))
            return expr_throw(rt, "ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')");
    }
    if (json_tok(value) && json_tok(value)->name)
        return expr_throw(rt, "ArgumentException", "Can not add Newtonsoft.Json.Linq.JProperty to %s.", json_full_name_of(t));
    json_t *j = NULL;
    if (json_for_add(rt, value, t->json, &j)) return EXPR_THROWN;
    int rc = json_is_object(t->json) ? json_object_setn_new_nocheck(t->json, name, len, j)
                                     : json_array_set_new(t->json, (size_t)key->u.i, j);
    return rc ? json_member_oom(rt) : 0;
}

/* token[key] (1 argument) and token[key] = value (2 arguments: the interpreter's indexer
 * assignment calls the class's set_Item(key, value), bound to this same native). Setting
 * returns the value assigned. */
NATIVE(tok_indexer)
{
    (void)call;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    if (argc == 2) {
        if (child_set(rt, t, &args[0], &args[1])) return EXPR_THROWN;
        *out = args[1];
        return 0;
    }
    return child_get(rt, t, &args[0], out);
}

int json_cast_error(expr_rt_t *rt, const expr_json_token_t *t, const expr_class_t *to)
{
    return expr_throw(rt, "InvalidCastException", "Unable to cast object of type '%s' to type '%s'.",
                      json_full_name_of(t), to->full_name ? to->full_name : to->name);
}

static bool is_token_class(const expr_class_t *c)
{
    return c == &expr_class_jtoken || c == &expr_class_jobject || c == &expr_class_jarray ||
           c == &expr_class_jvalue || c == &expr_class_jproperty;
}

/* Newtonsoft's Extensions.Convert<JToken, T> (Value<T>, ToObject<T>): a missing token gives
 * default(T); a token of class T is returned as is; a JValue converts its value. */
int json_convert_generic(expr_rt_t *rt, const expr_value_t *token, const expr_class_t *to,
                           expr_value_t *out)
{
    const expr_json_token_t *t = json_tok(token);
    if (!to) {
        *out = *token;
        return 0;
    }
    if (!t) {
        if (to == &expr_class_int) *out = expr_int(0);
        else if (to == &expr_class_long) *out = expr_long(0);
        else if (to == &expr_class_double) *out = expr_double(0);
        else if (to == &expr_class_bool) *out = expr_bool(false);
        else if (to == &expr_class_datetime) *out = (expr_value_t){.tag = EXPR_V_DATETIME};
        else *out = expr_null();
        return 0;
    }
    if (is_token_class(to)) {
        if (to == &expr_class_jtoken || to == token->u.obj.cls) {
            *out = *token;
            return 0;
        }
        return expr_throw(rt, "InvalidCastException", "Cannot cast %s to %s.", json_full_name_of(t), to->full_name);
    }
    if (t->name || json_is_object(t->json) || json_is_array(t->json)) {
        if (to == &expr_class_object) {
            *out = *token;
            return 0;
        }
        return expr_throw(rt, "InvalidCastException", "Cannot cast %s to Newtonsoft.Json.Linq.JToken.", json_full_name_of(t));
    }
    if (json_is_null(t->json)) {
        if (to == &expr_class_string || to == &expr_class_object) {
            *out = expr_null();
            return 0;
        }
        return expr_throw(rt, "InvalidCastException", "Null object cannot be converted to a value type.");
    }
    if (to == &expr_class_object) {
        /* JValue.Value: long, double, string or bool */
        json_t *j = t->json;
        if (json_is_string(j)) return expr_str_copy(rt, json_string_value(j), json_string_length(j), out);
        if (json_is_integer(j)) *out = expr_long(json_integer_value(j));
        else if (json_is_real(j)) *out = expr_double(json_real_value(j));
        else *out = expr_bool(json_is_true(j));
        return 0;
    }
    int rc = json_convert_to(rt, t, to, out);
    if (rc == 1)
        return expr_throw(rt, "InvalidCastException", "Invalid cast from '%s' to '%s'.",
                          json_token_type_name(json_token_type(t)), to->full_name ? to->full_name : to->name);
    return rc;
}

/* token.Value<T>(key) / jvalue.Value<T>() */
NATIVE(tok_value_generic)
{
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    expr_value_t token = *self;
    if (argc == 1 && child_get(rt, t, &args[0], &token)) return EXPR_THROWN;
    return json_convert_generic(rt, &token, call->type_arg, out);
}

NATIVE(tok_to_object)
{
    (void)args, (void)argc;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    return json_convert_generic(rt, self, call->type_arg, out);
}

NATIVE(tok_type)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    return json_enum_value(rt, &expr_class_jtokentype, json_token_type(t), out);
}

NATIVE(tok_has_values)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    bool has = t->name ? true
               : json_is_object(t->json) ? json_object_size(t->json) > 0
               : json_is_array(t->json)  ? json_array_size(t->json) > 0
                                         : false;
    *out = expr_bool(has);
    return 0;
}

/* The children of a token as values: JObject → JProperty, JArray → items, JProperty → its
 * value, JValue → none. */
static int children_of(expr_rt_t *rt, const expr_json_token_t *t, expr_value_t **items,
                       uint32_t *count)
{
    size_t n = t->name ? 1 : json_is_object(t->json) ? json_object_size(t->json)
                           : json_is_array(t->json)  ? json_array_size(t->json)
                                                     : 0;
    expr_value_t *v = expr_rt_alloc(rt, (n ? n : 1) * sizeof *v);
    if (!v) return EXPR_THROWN;
    if (t->name) {
        if (json_tok_child(rt, t, false, t->json, NULL, 0, &v[0])) return EXPR_THROWN;
    } else if (json_is_object(t->json)) {
        const char *key;
        size_t key_len, i = 0;
        json_t *value;
        json_object_keylen_foreach(t->json, key, key_len, value) {
            if (json_tok_child(rt, t, false, value, key, key_len, &v[i++])) return EXPR_THROWN;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            if (json_tok_child(rt, t, false, json_array_get(t->json, i), NULL, 0, &v[i])) return EXPR_THROWN;
    }
    *items = v;
    *count = (uint32_t)n;
    return 0;
}

int json_tok_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items,
                         uint32_t *count)
{
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    return children_of(rt, t, items, count);
}

static int array_of(const expr_class_t *elem, expr_value_t *items, uint32_t count,
                    expr_value_t *out)
{
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, count, elem}};
    return 0;
}

NATIVE(tok_children)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    expr_value_t *items = NULL;
    uint32_t count = 0;
    if (json_self_token(rt, self, &t) || children_of(rt, t, &items, &count)) return EXPR_THROWN;
    return array_of(&expr_class_jtoken, items, count, out);
}

NATIVE(obj_properties)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    expr_value_t *items = NULL;
    uint32_t count = 0;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    if (t->name || !json_is_object(t->json)) return json_cast_error(rt, t, &expr_class_jobject);
    if (children_of(rt, t, &items, &count)) return EXPR_THROWN;
    return array_of(&expr_class_jproperty, items, count, out);
}

/* First / Last (properties, not LINQ's First()). */
NATIVE(tok_first_last)
{
    (void)args, (void)argc;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    bool last = call->member->name[0] == 'L';
    if (t->name) return json_tok_child(rt, t, false, t->json, NULL, 0, out);
    if (json_is_array(t->json)) {
        size_t n = json_array_size(t->json);
        if (!n) {
            *out = expr_null();
            return 0;
        }
        return json_tok_child(rt, t, false, json_array_get(t->json, last ? n - 1 : 0), NULL, 0, out);
    }
    if (!json_is_object(t->json)) return no_children(rt, t);
    void *it = json_object_iter(t->json), *found = it;
    if (last)
        for (; it; it = json_object_iter_next(t->json, it)) found = it;
    if (!found) {
        *out = expr_null();
        return 0;
    }
    return json_tok_child(rt, t, false, json_object_iter_value(found), json_object_iter_key(found),
                        json_object_iter_key_len(found), out);
}

int json_tok_count(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                   expr_value_t *args, unsigned argc, expr_value_t *out)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    size_t n = t->name ? 1 : json_is_object(t->json) ? json_object_size(t->json)
                           : json_is_array(t->json)  ? json_array_size(t->json)
                                                     : 0;
    *out = expr_int((int32_t)n);
    return 0;
}

/* SelectToken(path[, errorWhenNoMatch]) / SelectTokens(path[, errorWhenNoMatch]) */
NATIVE(tok_select)
{
    const expr_json_token_t *t;
    const char *path = NULL;
    size_t len = 0;
    if (json_self_token(rt, self, &t) || json_need_string(rt, &args[0], "path", &path, &len)) return EXPR_THROWN;
    bool strict = argc > 1 && args[1].tag == EXPR_V_BOOL && args[1].u.b;
    json_t **matches = NULL;
    size_t count = 0;
    if (json_path_select(rt, t->json, path, len, strict, &matches, &count)) return EXPR_THROWN;
    bool many = strcmp(call->member->name, "SelectTokens") == 0;
    if (!many) {
        if (count > 1) return expr_throw(rt, JSON_EXC, "Path returned multiple tokens.");
        if (count == 0) {
            *out = expr_null();
            return 0;
        }
        /* "$" on a JProperty is the property itself */
        if (matches[0] == t->json && t->name) {
            *out = *self;
            return 0;
        }
        return json_tok_child(rt, t, true, matches[0], NULL, 0, out);
    }
    expr_value_t *items = expr_rt_alloc(rt, (count ? count : 1) * sizeof *items);
    if (!items) return EXPR_THROWN;
    for (size_t i = 0; i < count; i++)
        if (json_tok_child(rt, t, true, matches[i], NULL, 0, &items[i])) return EXPR_THROWN;
    return array_of(&expr_class_jtoken, items, (uint32_t)count, out);
}

NATIVE(tok_deep_clone)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    json_t *copy = json_deep_copy(t->json);
    if (!copy) return json_member_oom(rt);
    int rc = json_tok_new(rt, copy, t->name, t->name_len, out);
    json_decref(copy);
    if (rc == 0) ((expr_json_token_t *)out->u.obj.ptr)->has_parent = false;
    return rc;
}

/* JValue.ToString(): the value's own text ("abc", "1.5", "True", "" for null); every other
 * token, and ToString(Formatting) on any, is JSON text. */
static int to_string_plain(expr_rt_t *rt, const expr_json_token_t *t, expr_value_t *out)
{
    json_t *j = t->json;
    if (t->name || json_is_object(j) || json_is_array(j)) return json_write_token(rt, t, true, out);
    if (json_is_null(j)) return expr_str_copy(rt, "", 0, out);
    return json_convert_to(rt, t, &expr_class_string, out);
}

int json_tok_class_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    return to_string_plain(rt, t, out);
}

NATIVE(tok_to_string)
{
    (void)call;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    if (argc == 0) return to_string_plain(rt, t, out);
    int formatting = json_enum_of(&args[0]);
    if (formatting != 0 && formatting != 1)
        return expr_throw(rt, "ArgumentException", "ToString expects a Newtonsoft.Json.Formatting value.");
    return json_write_token(rt, t, formatting == 1, out);
}

/* (string)token, (int)token... and (JObject)token casts. */
int json_tok_convert(expr_rt_t *rt, const expr_value_t *self, const expr_class_t *to,
                       expr_value_t *out)
{
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    if (is_token_class(to)) {
        if (to == &expr_class_jtoken || to == self->u.obj.cls) {
            *out = *self;
            return 0;
        }
        return json_cast_error(rt, t, to);
    }
    return json_convert_to(rt, t, to, out);
}

bool json_tok_equals(const expr_value_t *a, const expr_value_t *b)
{
    const expr_json_token_t *x = json_tok(a), *y = json_tok(b);
    if (!x || !y) return x == y;
    if (x->json != y->json) return false;
    if (!x->name || !y->name) return x->name == y->name;
    return x->name_len == y->name_len && memcmp(x->name, y->name, x->name_len) == 0;
}

/* ---- statics: Parse, FromObject, DeepEquals ---- */

static const char *reader_item(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "StartObject";
    case JSON_ARRAY: return "StartArray";
    case JSON_STRING: return "String";
    case JSON_INTEGER: return "Integer";
    case JSON_REAL: return "Float";
    case JSON_TRUE:
    case JSON_FALSE: return "Boolean";
    case JSON_NULL: return "Null";
    }
    return "None";
}

/* The token must be of the class the static member belongs to (JObject.Parse gives a
 * JObject): Newtonsoft's JsonReaderException otherwise. */
static int require_kind(expr_rt_t *rt, const expr_class_t *want, const expr_value_t *tok)
{
    if (want == &expr_class_jtoken || tok->u.obj.cls == want) return 0;
    const expr_json_token_t *t = tok->u.obj.ptr;
    return expr_throw(rt, JSON_EXC_READER, "Error reading %s from JsonReader. Current JsonReader item is not an %s: %s. Path '', line 1, position 1.",
                      want->name, want == &expr_class_jobject ? "object" : "array", reader_item(t->json));
}

int expr_json_parse_as(expr_rt_t *rt, const char *text, size_t len, const expr_class_t *cls,
                       expr_value_t *out)
{
    if (expr_json_parse(rt, text, len, out)) return EXPR_THROWN;
    return require_kind(rt, cls, out);
}

NATIVE(tok_parse)
{
    (void)self, (void)argc;
    const char *s = NULL;
    size_t len = 0;
    if (json_need_string(rt, &args[0], "json", &s, &len)) return EXPR_THROWN;
    return expr_json_parse_as(rt, s, len, call->member->ret.cls, out);
}

NATIVE(tok_from_object)
{
    (void)self, (void)argc;
    if (args[0].tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'o')");
    json_t *j = NULL;
    if (expr_json_from_value(rt, &args[0], &j)) return EXPR_THROWN;
    json_t *copy = json_deep_copy(j);
    json_decref(j);
    if (json_tok_steal(rt, copy, out)) return EXPR_THROWN;
    const expr_class_t *want = call->member->ret.cls;
    if (want != &expr_class_jtoken && out->u.obj.cls != want)
        return expr_throw(rt, "ArgumentException", "Object serialized to %s. %s instance expected.",
                          json_token_type_name(json_token_type(out->u.obj.ptr)), want->full_name);
    return 0;
}

static bool deep_equals(const json_t *a, const json_t *b, int depth)
{
    if (depth > 4096) return false;
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b)) return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b)) return false;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b)) return false;
        const char *key;
        size_t key_len;
        json_t *v;
        json_object_keylen_foreach((json_t *)a, key, key_len, v) {
            json_t *w = json_object_getn(b, key, key_len);
            if (!w || !deep_equals(v, w, depth + 1)) return false;
        }
        return true;
    }
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b)) return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!deep_equals(json_array_get(a, i), json_array_get(b, i), depth + 1)) return false;
        return true;
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    default:
        return true; /* true, false, null: same type */
    }
}

NATIVE(tok_deep_equals)
{
    (void)rt, (void)call, (void)self, (void)argc;
    const expr_json_token_t *a = json_tok(&args[0]), *b = json_tok(&args[1]);
    if (!a || !b) {
        *out = expr_bool(!a && !b && args[0].tag == EXPR_V_NULL && args[1].tag == EXPR_V_NULL);
        return 0;
    }
    bool same_name = (!a->name && !b->name) ||
                     (a->name && b->name && a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0);
    *out = expr_bool(same_name && deep_equals(a->json, b->json, 0));
    return 0;
}

/* ---- JObject ---- */

static int object_self(expr_rt_t *rt, const expr_value_t *self, const expr_json_token_t **t)
{
    if (json_self_token(rt, self, t)) return EXPR_THROWN;
    if ((*t)->name || !json_is_object((*t)->json)) return json_cast_error(rt, *t, &expr_class_jobject);
    return 0;
}

/* The JObject self, the property name argument of Property/GetValue/ContainsKey/
 * TryGetValue/Remove, and that property's value (*v NULL when there is none). */
static int object_lookup(expr_rt_t *rt, const expr_value_t *self, const expr_value_t *arg, const char *param,
                         const expr_json_token_t **t, const char **name, size_t *len, json_t **v)
{
    if (object_self(rt, self, t) || json_need_string(rt, arg, param, name, len)) return EXPR_THROWN;
    *v = json_object_getn((*t)->json, *name, *len);
    return 0;
}

static int add_property(expr_rt_t *rt, json_t *obj, const char *name, size_t len,
                        const expr_value_t *value)
{
    if (json_object_getn(obj, name, len))
        return expr_throw(rt, "ArgumentException", "Can not add property %.*s to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object.",
                          (int)len, name);
    json_t *j = NULL;
    if (json_for_add(rt, value, obj, &j)) return EXPR_THROWN;
    return json_object_setn_new_nocheck(obj, name, len, j) ? json_member_oom(rt) : 0;
}

/* JContainer.Add(content) on a JObject: JProperty, or an enumerable of them; null is
 * ignored. */
static int object_add_content(expr_rt_t *rt, json_t *obj, const expr_value_t *v, int depth)
{
    if (v->tag == EXPR_V_NULL) return 0;
    const expr_json_token_t *t = json_tok(v);
    if (t && t->name) {
        expr_value_t value;
        if (json_tok_new(rt, t->json, NULL, 0, &value)) return EXPR_THROWN;
        /* a property without a parent brings its value along; one read from another
         * object is cloned with it */
        ((expr_json_token_t *)value.u.obj.ptr)->has_parent = t->has_parent;
        ((expr_json_token_t *)t)->has_parent = true;
        return add_property(rt, obj, t->name, t->name_len, &value);
    }
    if (!t && depth < 8 && (v->tag == EXPR_V_ARRAY || (v->tag == EXPR_V_OBJECT && v->u.obj.cls && v->u.obj.cls->enumerate))) {
        expr_value_t *items = v->u.arr.items;
        uint32_t count = v->u.arr.count;
        if (v->tag == EXPR_V_OBJECT && v->u.obj.cls->enumerate(rt, v, &items, &count)) return EXPR_THROWN;
        for (uint32_t i = 0; i < count; i++)
            if (object_add_content(rt, obj, &items[i], depth + 1)) return EXPR_THROWN;
        return 0;
    }
    const char *what = t ? json_full_name_of(t) : "Newtonsoft.Json.Linq.JValue";
    return expr_throw(rt, "ArgumentException", "Can not add %s to Newtonsoft.Json.Linq.JObject.", what);
}

/* new JObject(), new JObject(JObject other) (a copy), new JObject(params object[] content) */
NATIVE(obj_ctor)
{
    (void)call, (void)self;
    json_t *obj = json_object();
    if (!obj) return json_member_oom(rt);
    const expr_json_token_t *t = argc == 1 ? json_tok(&args[0]) : NULL;
    if (t && !t->name && json_is_object(t->json)) {
        json_t *copy = json_deep_copy(t->json);
        json_decref(obj);
        return json_tok_steal(rt, copy, out);
    }
    for (unsigned i = 0; i < argc; i++)
        if (object_add_content(rt, obj, &args[i], 0)) {
            json_decref(obj);
            return EXPR_THROWN;
        }
    return json_tok_steal(rt, obj, out);
}

NATIVE(obj_property)
{
    (void)call, (void)argc;
    const expr_json_token_t *t;
    const char *name = NULL;
    size_t len = 0;
    json_t *v;
    if (object_lookup(rt, self, &args[0], "name", &t, &name, &len, &v)) return EXPR_THROWN;
    if (!v) {
        *out = expr_null();
        return 0;
    }
    return json_tok_child(rt, t, false, v, name, len, out);
}

static bool ignore_case_arg(expr_rt_t *rt, const expr_value_t *v)
{
    /* StringComparison: CurrentCultureIgnoreCase 1, InvariantCultureIgnoreCase 3,
     * OrdinalIgnoreCase 5 — odd values ignore case; an enum object prints its name */
    if (v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG) return v->u.i & 1;
    expr_value_t s;
    if (v->tag == EXPR_V_OBJECT && v->u.obj.cls && v->u.obj.cls->to_string &&
        v->u.obj.cls->to_string(rt, v, &s) == 0 && s.tag == EXPR_V_STRING)
        return s.u.s.len >= 10 && memcmp(s.u.s.ptr + s.u.s.len - 10, "IgnoreCase", 10) == 0;
    return false;
}

/* GetValue(name[, StringComparison]) */
NATIVE(obj_get_value)
{
    (void)call;
    const expr_json_token_t *t;
    const char *name = NULL;
    size_t len = 0;
    json_t *v;
    if (object_lookup(rt, self, &args[0], "propertyName", &t, &name, &len, &v)) return EXPR_THROWN;
    if (!v && argc > 1 && ignore_case_arg(rt, &args[1])) {
        const char *key;
        size_t key_len;
        json_t *value;
        json_object_keylen_foreach(t->json, key, key_len, value) {
            if (key_len == len && strncasecmp(key, name, len) == 0) {
                v = value;
                break;
            }
        }
    }
    if (!v) {
        *out = expr_null();
        return 0;
    }
    return json_tok_child(rt, t, false, v, NULL, 0, out);
}

NATIVE(obj_contains_key)
{
    (void)call, (void)argc;
    const expr_json_token_t *t;
    const char *name = NULL;
    size_t len = 0;
    json_t *v;
    if (object_lookup(rt, self, &args[0], "propertyName", &t, &name, &len, &v)) return EXPR_THROWN;
    *out = expr_bool(v != NULL);
    return 0;
}

/* TryGetValue(name, out JToken value) */
NATIVE(obj_try_get_value)
{
    (void)call, (void)argc;
    const expr_json_token_t *t;
    const char *name = NULL;
    size_t len = 0;
    json_t *v;
    if (object_lookup(rt, self, &args[0], "propertyName", &t, &name, &len, &v)) return EXPR_THROWN;
    args[1] = expr_null();
    if (v && json_tok_child(rt, t, false, v, NULL, 0, &args[1])) return EXPR_THROWN;
    *out = expr_bool(v != NULL);
    return 0;
}

NATIVE(obj_remove)
{
    (void)call, (void)argc;
    const expr_json_token_t *t;
    const char *name = NULL;
    size_t len = 0;
    json_t *v;
    if (object_lookup(rt, self, &args[0], "propertyName", &t, &name, &len, &v)) return EXPR_THROWN;
    char *key = expr_rt_alloc(rt, len + 1);
    if (!key) return EXPR_THROWN;
    memcpy(key, name, len);
    key[len] = '\0';
    *out = expr_bool(v && json_object_deln(t->json, key, len) == 0);
    return 0;
}

/* Add(name, value) or Add(JProperty) */
NATIVE(obj_add)
{
    (void)call;
    const expr_json_token_t *t;
    if (object_self(rt, self, &t)) return EXPR_THROWN;
    *out = expr_null();
    if (argc == 1) return object_add_content(rt, t->json, &args[0], 0);
    const char *name = NULL;
    size_t len = 0;
    if (json_need_string(rt, &args[0], "propertyName", &name, &len)) return EXPR_THROWN;
    if (json_tok(&args[1]) && json_tok(&args[1])->name)
        return expr_throw(rt, "ArgumentException", "Can not add Newtonsoft.Json.Linq.JProperty to a property value.");
    return add_property(rt, t->json, name, len, &args[1]);
}

/* JContainer.Merge with the default settings: objects merge recursively, arrays concatenate,
 * a null in the content does not replace an existing value. */
static int merge_into(expr_rt_t *rt, json_t *dst, json_t *src, int depth)
{
    if (depth > 4096) return expr_throw(rt, JSON_EXC, "The JSON is nested too deeply to merge.");
    if (json_is_array(dst) && json_is_array(src)) {
        for (size_t i = 0; i < json_array_size(src); i++)
            if (json_array_append_new(dst, json_deep_copy(json_array_get(src, i)))) return json_member_oom(rt);
        return 0;
    }
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach(src, key, key_len, value) {
        json_t *existing = json_object_getn(dst, key, key_len);
        if (existing && ((json_is_object(existing) && json_is_object(value)) ||
                         (json_is_array(existing) && json_is_array(value)))) {
            if (merge_into(rt, existing, value, depth + 1)) return EXPR_THROWN;
        } else if (!existing || !json_is_null(value)) {
            if (json_object_setn_new_nocheck(dst, key, key_len, json_deep_copy(value))) return json_member_oom(rt);
        }
    }
    return 0;
}

NATIVE(tok_merge)
{
    (void)call, (void)argc;
    const expr_json_token_t *t;
    if (json_self_token(rt, self, &t)) return EXPR_THROWN;
    *out = expr_null();
    const expr_json_token_t *src = json_tok(&args[0]);
    if (args[0].tag == EXPR_V_NULL) return 0;
    if (!src || src->name || json_typeof(src->json) != json_typeof(t->json) ||
        !(json_is_object(t->json) || json_is_array(t->json)))
        return 0; /* Newtonsoft merges only a container of the same kind */
    if (src->json == t->json) return 0;
    return merge_into(rt, t->json, src->json, 0);
}

/* ---- tables ---- */

#define PROP(n, cls, f) {.name = n, .kind = EXPR_M_PROPERTY, .ret = {cls, NULL}, .fn = f}
#define METHOD(n, lo, hi, cls, f) {.name = n, .kind = EXPR_M_METHOD, .min_args = lo, .max_args = hi, .ret = {cls, NULL}, .fn = f}
#define STATIC(n, lo, hi, cls, f) {.name = n, .kind = EXPR_M_STATIC_METHOD, .min_args = lo, .max_args = hi, .ret = {cls, NULL}, .fn = f}
#define INDEXER {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1, .ret = {&expr_class_jtoken, NULL}, .fn = tok_indexer}
#define CTOR(lo, hi, f) {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = lo, .max_args = hi, .fn = f}

static const expr_member_t jtoken_members[] = {
    INDEXER,
    {.name = "set_Item", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2, .ret = {&expr_class_void, NULL}, .fn = tok_indexer},
    {.name = "Value", .kind = EXPR_M_METHOD, .min_args = 0, .max_args = 1, .ret_rule = EXPR_RET_TYPE_ARG, .fn = tok_value_generic},
    {.name = "ToObject", .kind = EXPR_M_METHOD, .min_args = 0, .max_args = 0, .ret_rule = EXPR_RET_TYPE_ARG, .fn = tok_to_object},
    PROP("Type", &expr_class_jtokentype, tok_type),
    PROP("HasValues", &expr_class_bool, tok_has_values),
    PROP("First", &expr_class_jtoken, tok_first_last),
    PROP("Last", &expr_class_jtoken, tok_first_last),
    PROP("Parent", &expr_class_jtoken, json_tok_parent),
    METHOD("Remove", 0, 0, &expr_class_void, json_tok_remove),
    {.name = "Children", .kind = EXPR_M_METHOD, .ret = {&expr_class_array, &expr_class_jtoken}, .fn = tok_children},
    METHOD("SelectToken", 1, 2, &expr_class_jtoken, tok_select),
    {.name = "SelectTokens", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 2, .ret = {&expr_class_array, &expr_class_jtoken}, .fn = tok_select},
    {.name = "DeepClone", .kind = EXPR_M_METHOD, .ret_rule = EXPR_RET_SAME, .fn = tok_deep_clone},
    METHOD("ToString", 0, 1, &expr_class_string, tok_to_string),
    STATIC("Parse", 1, 1, &expr_class_jtoken, tok_parse),
    STATIC("FromObject", 1, 1, &expr_class_jtoken, tok_from_object),
    STATIC("DeepEquals", 2, 2, &expr_class_bool, tok_deep_equals),
};

const expr_class_t expr_class_jtoken = {
    .name = "JToken",
    .full_name = "Newtonsoft.Json.Linq.JToken",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = jtoken_members,
    .member_count = sizeof jtoken_members / sizeof jtoken_members[0],
    .elem = &expr_class_jtoken,
    .enumerate = json_tok_enumerate,
    .convert = json_tok_convert,
    .to_string = json_tok_class_to_string,
    .equals = json_tok_equals,
};

static const expr_member_t jobject_members[] = {
    INDEXER,
    CTOR(0, 255, obj_ctor),
    STATIC("Parse", 1, 1, &expr_class_jobject, tok_parse),
    STATIC("FromObject", 1, 1, &expr_class_jobject, tok_from_object),
    {.name = "Properties", .kind = EXPR_M_METHOD, .ret = {&expr_class_array, &expr_class_jproperty}, .fn = obj_properties},
    METHOD("Property", 1, 1, &expr_class_jproperty, obj_property),
    METHOD("GetValue", 1, 2, &expr_class_jtoken, obj_get_value),
    METHOD("ContainsKey", 1, 1, &expr_class_bool, obj_contains_key),
    {.name = "TryGetValue", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2, .ret = {&expr_class_bool, NULL},
     .out_mask = 1u << 1, .params = (const expr_type_t[]){{&expr_class_string, NULL}, {&expr_class_jtoken, NULL}},
     .fn = obj_try_get_value},
    METHOD("Remove", 1, 1, &expr_class_bool, obj_remove),
    METHOD("Add", 1, 2, &expr_class_void, obj_add),
    METHOD("Merge", 1, 2, &expr_class_void, tok_merge),
    PROP("Count", &expr_class_int, json_tok_count),
};

const expr_class_t expr_class_jobject = {
    .name = "JObject",
    .full_name = "Newtonsoft.Json.Linq.JObject",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_jtoken,
    .members = jobject_members,
    .member_count = sizeof jobject_members / sizeof jobject_members[0],
    .elem = &expr_class_jproperty,
    .enumerate = json_tok_enumerate,
    .convert = json_tok_convert,
    .to_string = json_tok_class_to_string,
    .equals = json_tok_equals,
};

static const expr_member_t jarray_members[] = {
    INDEXER,
    CTOR(0, 255, json_arr_ctor),
    STATIC("Parse", 1, 1, &expr_class_jarray, tok_parse),
    STATIC("FromObject", 1, 1, &expr_class_jarray, tok_from_object),
    PROP("Count", &expr_class_int, json_tok_count),
    METHOD("Add", 1, 1, &expr_class_void, json_arr_add),
    METHOD("Insert", 2, 2, &expr_class_void, json_arr_insert),
    METHOD("RemoveAt", 1, 1, &expr_class_void, json_arr_remove_at),
    METHOD("Remove", 1, 1, &expr_class_bool, json_arr_find),
    METHOD("IndexOf", 1, 1, &expr_class_int, json_arr_find),
    METHOD("Contains", 1, 1, &expr_class_bool, json_arr_find),
    METHOD("Clear", 0, 0, &expr_class_void, json_arr_clear),
    METHOD("Merge", 1, 2, &expr_class_void, tok_merge),
};

const expr_class_t expr_class_jarray = {
    .name = "JArray",
    .full_name = "Newtonsoft.Json.Linq.JArray",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_jtoken,
    .members = jarray_members,
    .member_count = sizeof jarray_members / sizeof jarray_members[0],
    .elem = &expr_class_jtoken,
    .enumerate = json_tok_enumerate,
    .convert = json_tok_convert,
    .to_string = json_tok_class_to_string,
    .equals = json_tok_equals,
};
