/* JArray's own members (Newtonsoft.Json.Linq.JArray): constructors, Add, Insert, RemoveAt,
 * Remove, IndexOf, Contains, Clear; and the edits that need a token's container: JToken's
 * Parent and Remove(). The class tables are in lib_json_members.c with the rest of the
 * JToken family. */
#include "expr/lib_json_internal.h"

#define NATIVE(name)                                                                         \
    int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,            \
             expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc, (void)out

static int oom(expr_rt_t *rt)
{
    return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
}

static int array_self(expr_rt_t *rt, const expr_value_t *self, const expr_json_token_t **t)
{
    if (json_self_token(rt, self, t)) return EXPR_THROWN;
    if ((*t)->name || !json_is_array((*t)->json)) return json_cast_error(rt, *t, &expr_class_jarray);
    return 0;
}

int json_array_add(expr_rt_t *rt, json_t *arr, const expr_value_t *v, bool flatten, int depth)
{
    const expr_json_token_t *t = json_tok(v);
    if (t && t->name)
        return expr_throw(rt, "ArgumentException", "Can not add Newtonsoft.Json.Linq.JProperty to Newtonsoft.Json.Linq.JArray.");
    if (flatten && !t && depth < 8 && (v->tag == EXPR_V_ARRAY || (v->tag == EXPR_V_OBJECT && v->u.obj.cls && v->u.obj.cls->enumerate))) {
        expr_value_t *items = v->u.arr.items;
        uint32_t count = v->u.arr.count;
        if (v->tag == EXPR_V_OBJECT && v->u.obj.cls->enumerate(rt, v, &items, &count)) return EXPR_THROWN;
        for (uint32_t i = 0; i < count; i++)
            if (json_array_add(rt, arr, &items[i], false, depth + 1)) return EXPR_THROWN;
        return 0;
    }
    json_t *j = NULL;
    if (json_for_add(rt, v, arr, &j)) return EXPR_THROWN;
    return json_array_append_new(arr, j) ? oom(rt) : 0;
}

/* new JArray(), new JArray(JArray other) (a copy), new JArray(params object[] content):
 * an enumerable argument (not a token) adds its items, as Newtonsoft's JContainer.Add. */
NATIVE(json_arr_ctor)
{
    (void)call, (void)self;
    const expr_json_token_t *t = argc == 1 ? json_tok(&args[0]) : NULL;
    if (t && !t->name && json_is_array(t->json)) return json_tok_steal(rt, json_deep_copy(t->json), out);
    json_t *arr = json_array();
    if (!arr) return oom(rt);
    for (unsigned i = 0; i < argc; i++)
        if (json_array_add(rt, arr, &args[i], true, 0)) {
            json_decref(arr);
            return EXPR_THROWN;
        }
    return json_tok_steal(rt, arr, out);
}

NATIVE(json_arr_add)
{
    (void)call, (void)argc;
    const expr_json_token_t *t;
    if (array_self(rt, self, &t)) return EXPR_THROWN;
    *out = expr_null();
    return json_array_add(rt, t->json, &args[0], true, 0);
}

static int index_arg(expr_rt_t *rt, const expr_value_t *v, size_t limit, size_t *index)
{
    if (v->tag != EXPR_V_INT && v->tag != EXPR_V_LONG)
        return expr_throw(rt, "ArgumentException", "The index must be an int.");
    if (v->u.i < 0 || (uint64_t)v->u.i > limit)
        return expr_throw(rt, "ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')");
    *index = (size_t)v->u.i;
    return 0;
}

NATIVE(json_arr_insert)
{
    (void)call, (void)argc;
    const expr_json_token_t *t;
    size_t index = 0;
    if (array_self(rt, self, &t) || index_arg(rt, &args[0], json_array_size(t->json), &index)) return EXPR_THROWN;
    *out = expr_null();
    if (json_tok(&args[1]) && json_tok(&args[1])->name)
        return expr_throw(rt, "ArgumentException", "Can not add Newtonsoft.Json.Linq.JProperty to Newtonsoft.Json.Linq.JArray.");
    json_t *j = NULL;
    if (json_for_add(rt, &args[1], t->json, &j)) return EXPR_THROWN;
    return json_array_insert_new(t->json, index, j) ? oom(rt) : 0;
}

NATIVE(json_arr_remove_at)
{
    (void)call, (void)argc;
    const expr_json_token_t *t;
    size_t index = 0;
    if (array_self(rt, self, &t)) return EXPR_THROWN;
    size_t n = json_array_size(t->json);
    if (index_arg(rt, &args[0], n ? n - 1 : 0, &index)) return EXPR_THROWN;
    if (index >= n)
        return expr_throw(rt, "ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'index')");
    json_array_remove(t->json, index);
    *out = expr_null();
    return 0;
}

NATIVE(json_arr_clear)
{
    UNUSED_ARGS;
    const expr_json_token_t *t;
    if (array_self(rt, self, &t)) return EXPR_THROWN;
    json_array_clear(t->json);
    *out = expr_null();
    return 0;
}

/* IndexOf / Contains / Remove(item): by reference, as Newtonsoft's JArray (a token read
 * from this array is found; an equal copy is not). */
static long array_find(const json_t *arr, const expr_value_t *item)
{
    const expr_json_token_t *t = json_tok(item);
    if (!t || t->name) return -1;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (json_array_get(arr, i) == t->json) return (long)i;
    return -1;
}

NATIVE(json_arr_find)
{
    (void)argc;
    const expr_json_token_t *t;
    if (array_self(rt, self, &t)) return EXPR_THROWN;
    long i = array_find(t->json, &args[0]);
    switch (call->member->name[0]) {
    case 'I': *out = expr_int((int32_t)i); break;       /* IndexOf */
    case 'C': *out = expr_bool(i >= 0); break;          /* Contains */
    default:                                            /* Remove */
        if (i >= 0) json_array_remove(t->json, (size_t)i);
        *out = expr_bool(i >= 0);
    }
    return 0;
}


/* ---- Parent, Remove() ---- */

static json_t *find_container(json_t *root, const json_t *target, int depth)
{
    if (depth > 4096) return NULL;
    if (json_is_object(root)) {
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v) {
            if (v == target) return root;
        }
        json_object_foreach(root, key, v) {
            json_t *c = find_container(v, target, depth + 1);
            if (c) return c;
        }
    } else if (json_is_array(root)) {
        for (size_t i = 0; i < json_array_size(root); i++)
            if (json_array_get(root, i) == target) return root;
        for (size_t i = 0; i < json_array_size(root); i++) {
            json_t *c = find_container(json_array_get(root, i), target, depth + 1);
            if (c) return c;
        }
    }
    return NULL;
}

/* The token of t's container, NULL when unknown (a token made by a constructor or Parse, or
 * one whose container was not recorded). */
static int container_of(expr_rt_t *rt, const expr_json_token_t *t, const expr_json_token_t **out)
{
    *out = NULL;
    if (!t->parent) return 0;
    if (!t->parent_is_ancestor) {
        *out = t->parent;
        return 0;
    }
    json_t *c = find_container(t->parent->json, t->json, 0);
    if (!c) return 0;
    if (c == t->parent->json && !t->parent->name) {
        *out = t->parent;
        return 0;
    }
    expr_value_t v;
    if (json_tok_new(rt, c, NULL, 0, &v)) return EXPR_THROWN;
    *out = v.u.obj.ptr;
    return 0;
}

static expr_value_t value_of(const expr_json_token_t *t)
{
    const expr_class_t *cls = t->name                ? &expr_class_jproperty
                              : json_is_object(t->json) ? &expr_class_jobject
                              : json_is_array(t->json)  ? &expr_class_jarray
                                                        : &expr_class_jvalue;
    return expr_object(cls, (void *)t);
}

/* Parent: a property's object, an item's array; a value inside an object has its JProperty
 * as parent (as Newtonsoft), made here. null when unknown. */
NATIVE(json_tok_parent)
{
    (void)call, (void)args, (void)argc;
    const expr_json_token_t *t, *c;
    if (json_self_token(rt, self, &t) || container_of(rt, t, &c)) return EXPR_THROWN;
    *out = expr_null();
    if (!c) return 0;
    if (t->name || c->name || !json_is_object(c->json)) {
        *out = value_of(c);
        return 0;
    }
    const char *key;
    size_t key_len;
    json_t *v;
    json_object_keylen_foreach(c->json, key, key_len, v) {
        if (v != t->json) continue;
        if (json_tok_new(rt, v, key, key_len, out)) return EXPR_THROWN;
        expr_json_token_t *p = out->u.obj.ptr;
        p->parent = c;
        return 0;
    }
    return 0;
}

/* Remove(): takes a property out of its object, an item out of its array. */
NATIVE(json_tok_remove)
{
    (void)call, (void)args, (void)argc;
    const expr_json_token_t *t, *c;
    if (json_self_token(rt, self, &t) || container_of(rt, t, &c)) return EXPR_THROWN;
    *out = expr_null();
    if (!c) return expr_throw(rt, "InvalidOperationException", "The parent is missing.");
    if (t->name && !c->name && json_is_object(c->json)) {
        if (json_object_getn(c->json, t->name, t->name_len) == t->json)
            json_object_deln(c->json, t->name, t->name_len);
        return 0;
    }
    if (!t->name && !c->name && json_is_array(c->json)) {
        for (size_t i = 0; i < json_array_size(c->json); i++)
            if (json_array_get(c->json, i) == t->json) {
                json_array_remove(c->json, i);
                break;
            }
        return 0;
    }
    return expr_throw(rt, "InvalidOperationException", "Cannot add or remove items from Newtonsoft.Json.Linq.JProperty.");
}
