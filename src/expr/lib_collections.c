/* lib_collections: List<T>, Dictionary<TKey, TValue>, KeyValuePair<TKey, TValue> and
 * HashSet<T> (System.Collections.Generic) for code that builds collections in @{ }
 * blocks: `var l = new List<string>(); l.Add(x);`, `new Dictionary<string, string> {
 * { "a", "b" } }`, `d["k"] = v`, foreach over either. Owner: interpreter core. Contract:
 * value.h (a settable indexer is the method "set_Item").
 *
 * Instances live in the request's arena and grow by doubling (the old array stays in the
 * arena until the request ends: collections in policies are small). Dictionaries and sets
 * keep insertion order and look keys up linearly with Equals (ordinal for strings) — the
 * enumeration order .NET gives for a dictionary nobody removed from. */
#include "expr/bound.h"

#include <string.h>

#define NATIVE(name)                                                                               \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,              \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc
#define T(c) {(c), NULL}

extern const expr_class_t expr_class_list, expr_class_dictionary, expr_class_kvp, expr_class_hashset;

typedef struct {
    expr_value_t *items; /* dictionaries: key, value, key, value... */
    uint32_t count;      /* items (dictionaries: pairs) */
    uint32_t cap;        /* in values */
    const expr_class_t *elem;
} coll_t;

typedef struct {
    expr_value_t key, value;
} kvp_t;

static coll_t *coll_of(const expr_value_t *self)
{
    return self->u.obj.ptr;
}

static int coll_new(expr_rt_t *rt, const expr_class_t *cls, const expr_class_t *elem, expr_value_t *out)
{
    coll_t *c = expr_rt_alloc(rt, sizeof *c);
    if (!c) return EXPR_THROWN;
    memset(c, 0, sizeof *c);
    c->elem = elem;
    *out = expr_object(cls, c);
    return 0;
}

/* Room for `more` values after the first `used`. */
static int coll_reserve(expr_rt_t *rt, coll_t *c, uint32_t used, uint32_t more)
{
    if (used + more <= c->cap) return 0;
    if (used > (1u << 24)) return expr_throw(rt, "OutOfMemoryException", "collection too large");
    uint32_t cap = c->cap ? c->cap * 2 : 8;
    while (cap < used + more) cap *= 2;
    expr_value_t *n = expr_rt_alloc(rt, cap * sizeof *n);
    if (!n) return EXPR_THROWN;
    if (used) memcpy(n, c->items, used * sizeof *n);
    c->items = n;
    c->cap = cap;
    return 0;
}

static int coll_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items, uint32_t *count)
{
    (void)rt;
    coll_t *c = coll_of(self);
    *items = c->items;
    *count = c->count;
    return 0;
}

static int index_arg(expr_rt_t *rt, const expr_value_t *v, uint32_t count, uint32_t *out)
{
    if ((v->tag != EXPR_V_INT && v->tag != EXPR_V_LONG) || v->u.i < 0 || v->u.i >= (int64_t)count)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Index was out of range. Must be non-negative and less than the size of the collection.");
    *out = (uint32_t)v->u.i;
    return 0;
}

/* ---- List<T> ---- */

NATIVE(list_new)
{
    UNUSED_ARGS;
    if (coll_new(rt, &expr_class_list, call->receiver_type.elem, out)) return EXPR_THROWN;
    if (argc == 1 && args[0].tag != EXPR_V_INT) { /* new List<T>(collection) */
        expr_value_t *items;
        uint32_t n;
        if (expr_rt_enumerate(rt, &args[0], &items, &n)) return EXPR_THROWN;
        coll_t *c = coll_of(out);
        if (coll_reserve(rt, c, 0, n)) return EXPR_THROWN;
        if (n) memcpy(c->items, items, n * sizeof *items);
        c->count = n;
    }
    return 0;
}

NATIVE(list_add)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    if (coll_reserve(rt, c, c->count, 1)) return EXPR_THROWN;
    c->items[c->count++] = args[0];
    *out = expr_null();
    return 0;
}

NATIVE(list_add_range)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    expr_value_t *items;
    uint32_t n;
    if (expr_rt_enumerate(rt, &args[0], &items, &n)) return EXPR_THROWN;
    if (coll_reserve(rt, c, c->count, n)) return EXPR_THROWN;
    if (n) memmove(c->items + c->count, items, n * sizeof *items);
    c->count += n;
    *out = expr_null();
    return 0;
}

NATIVE(list_count)
{
    UNUSED_ARGS;
    *out = expr_int((int32_t)coll_of(self)->count);
    return 0;
}

NATIVE(list_get)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    uint32_t i = 0;
    if (index_arg(rt, &args[0], c->count, &i)) return EXPR_THROWN;
    *out = c->items[i];
    return 0;
}

NATIVE(list_set)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    uint32_t i = 0;
    if (index_arg(rt, &args[0], c->count, &i)) return EXPR_THROWN;
    c->items[i] = args[1];
    *out = args[1];
    return 0;
}

static int64_t find_value(const coll_t *c, const expr_value_t *v)
{
    for (uint32_t i = 0; i < c->count; i++)
        if (expr_value_equals(&c->items[i], v)) return i;
    return -1;
}

NATIVE(list_contains)
{
    UNUSED_ARGS;
    *out = expr_bool(find_value(coll_of(self), &args[0]) >= 0);
    return 0;
}

NATIVE(list_index_of)
{
    UNUSED_ARGS;
    *out = expr_int((int32_t)find_value(coll_of(self), &args[0]));
    return 0;
}

static void remove_at(coll_t *c, uint32_t i)
{
    memmove(c->items + i, c->items + i + 1, (c->count - i - 1) * sizeof *c->items);
    c->count--;
}

NATIVE(list_remove)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    int64_t i = find_value(c, &args[0]);
    if (i >= 0) remove_at(c, (uint32_t)i);
    *out = expr_bool(i >= 0);
    return 0;
}

NATIVE(list_remove_at)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    uint32_t i = 0;
    if (index_arg(rt, &args[0], c->count, &i)) return EXPR_THROWN;
    remove_at(c, i);
    *out = expr_null();
    return 0;
}

NATIVE(list_insert)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    if (args[0].tag != EXPR_V_INT || args[0].u.i < 0 || args[0].u.i > (int64_t)c->count)
        return expr_throw(rt, "ArgumentOutOfRangeException", "Index must be within the bounds of the List.");
    if (coll_reserve(rt, c, c->count, 1)) return EXPR_THROWN;
    uint32_t i = (uint32_t)args[0].u.i;
    memmove(c->items + i + 1, c->items + i, (c->count - i) * sizeof *c->items);
    c->items[i] = args[1];
    c->count++;
    *out = expr_null();
    return 0;
}

NATIVE(list_clear)
{
    UNUSED_ARGS;
    coll_of(self)->count = 0;
    *out = expr_null();
    return 0;
}

NATIVE(list_to_array)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    expr_value_t *items = expr_rt_alloc(rt, (c->count ? c->count : 1) * sizeof *items);
    if (!items) return EXPR_THROWN;
    if (c->count) memcpy(items, c->items, c->count * sizeof *items);
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, c->count, c->elem}};
    return 0;
}

NATIVE(list_sort)
{
    UNUSED_ARGS;
    /* insertion sort with the default comparer (ordinal strings, numbers) */
    coll_t *c = coll_of(self);
    for (uint32_t i = 1; i < c->count; i++) {
        expr_value_t v = c->items[i];
        uint32_t k = i;
        while (k > 0) {
            expr_value_t lt;
            const expr_value_t *p = &c->items[k - 1];
            if (v.tag == EXPR_V_STRING && p->tag == EXPR_V_STRING) {
                size_t m = v.u.s.len < p->u.s.len ? v.u.s.len : p->u.s.len;
                int r = memcmp(v.u.s.ptr, p->u.s.ptr, m);
                lt = expr_bool(r < 0 || (r == 0 && v.u.s.len < p->u.s.len));
            } else if (expr_interp_binary(rt, EXPR_OP_LT, &v, p, &lt)) {
                return EXPR_THROWN;
            }
            if (!lt.u.b) break;
            c->items[k] = c->items[k - 1];
            k--;
        }
        c->items[k] = v;
    }
    *out = expr_null();
    return 0;
}

static const expr_type_t int_param[] = {{&expr_class_int, NULL}, {NULL, NULL}};

static const expr_member_t list_members[] = {
    {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = 0, .max_args = 1, .fn = list_new},
    {.name = "Add", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_void), .fn = list_add},
    {.name = "AddRange", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_void), .fn = list_add_range},
    {.name = "Count", .kind = EXPR_M_PROPERTY, .ret = T(&expr_class_int), .fn = list_count},
    {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1, .ret_rule = EXPR_RET_ELEM, .params = int_param,
     .fn = list_get},
    {.name = "set_Item", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2, .ret_rule = EXPR_RET_ELEM, .params = int_param,
     .fn = list_set},
    {.name = "Contains", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_bool), .fn = list_contains},
    {.name = "IndexOf", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_int), .fn = list_index_of},
    {.name = "Remove", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_bool), .fn = list_remove},
    {.name = "RemoveAt", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_void), .params = int_param,
     .fn = list_remove_at},
    {.name = "Insert", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2, .ret = T(&expr_class_void), .params = int_param,
     .fn = list_insert},
    {.name = "Clear", .kind = EXPR_M_METHOD, .ret = T(&expr_class_void), .fn = list_clear},
    {.name = "Sort", .kind = EXPR_M_METHOD, .ret = T(&expr_class_void), .fn = list_sort},
    {.name = "ToArray", .kind = EXPR_M_METHOD, .ret_rule = EXPR_RET_ELEM_ARRAY, .fn = list_to_array},
};

const expr_class_t expr_class_list = {
    .name = "List",
    .full_name = "System.Collections.Generic.List",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = list_members,
    .member_count = sizeof list_members / sizeof list_members[0],
    .enumerate = coll_enumerate,
};

/* ---- HashSet<T> ---- */

NATIVE(set_new)
{
    UNUSED_ARGS;
    if (coll_new(rt, &expr_class_hashset, call->receiver_type.elem, out)) return EXPR_THROWN;
    if (argc == 1) {
        expr_value_t *items;
        uint32_t n;
        if (expr_rt_enumerate(rt, &args[0], &items, &n)) return EXPR_THROWN;
        coll_t *c = coll_of(out);
        for (uint32_t i = 0; i < n; i++) {
            if (find_value(c, &items[i]) >= 0) continue;
            if (coll_reserve(rt, c, c->count, 1)) return EXPR_THROWN;
            c->items[c->count++] = items[i];
        }
    }
    return 0;
}

NATIVE(set_add)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    bool added = find_value(c, &args[0]) < 0;
    if (added) {
        if (coll_reserve(rt, c, c->count, 1)) return EXPR_THROWN;
        c->items[c->count++] = args[0];
    }
    *out = expr_bool(added);
    return 0;
}

static const expr_member_t set_members[] = {
    {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = 0, .max_args = 1, .fn = set_new},
    {.name = "Add", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_bool), .fn = set_add},
    {.name = "Count", .kind = EXPR_M_PROPERTY, .ret = T(&expr_class_int), .fn = list_count},
    {.name = "Contains", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_bool), .fn = list_contains},
    {.name = "Remove", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_bool), .fn = list_remove},
    {.name = "Clear", .kind = EXPR_M_METHOD, .ret = T(&expr_class_void), .fn = list_clear},
};

const expr_class_t expr_class_hashset = {
    .name = "HashSet",
    .full_name = "System.Collections.Generic.HashSet",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = set_members,
    .member_count = sizeof set_members / sizeof set_members[0],
    .enumerate = coll_enumerate,
};

/* ---- KeyValuePair<K, V> ---- */

NATIVE(kvp_key)
{
    UNUSED_ARGS;
    *out = ((const kvp_t *)self->u.obj.ptr)->key;
    return 0;
}

NATIVE(kvp_value)
{
    UNUSED_ARGS;
    *out = ((const kvp_t *)self->u.obj.ptr)->value;
    return 0;
}

static int kvp_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    const kvp_t *p = self->u.obj.ptr;
    expr_value_t k, v;
    if (expr_value_to_string(rt, &p->key, &k) || expr_value_to_string(rt, &p->value, &v)) return EXPR_THROWN;
    return expr_str_printf(rt, out, "[%.*s, %.*s]", (int)k.u.s.len, k.u.s.ptr, (int)v.u.s.len, v.u.s.ptr);
}

static bool kvp_equals(const expr_value_t *a, const expr_value_t *b)
{
    if (b->tag != EXPR_V_OBJECT || b->u.obj.cls != a->u.obj.cls) return false;
    const kvp_t *x = a->u.obj.ptr, *y = b->u.obj.ptr;
    return expr_value_equals(&x->key, &y->key) && expr_value_equals(&x->value, &y->value);
}

static const expr_member_t kvp_members[] = {
    {.name = "Key", .kind = EXPR_M_PROPERTY, .fn = kvp_key},
    {.name = "Value", .kind = EXPR_M_PROPERTY, .fn = kvp_value},
};

const expr_class_t expr_class_kvp = {
    .name = "KeyValuePair",
    .full_name = "System.Collections.Generic.KeyValuePair",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = kvp_members,
    .member_count = sizeof kvp_members / sizeof kvp_members[0],
    .to_string = kvp_to_string,
    .equals = kvp_equals,
};

/* ---- Dictionary<K, V> ---- */

static int64_t find_key(const coll_t *c, const expr_value_t *k)
{
    for (uint32_t i = 0; i < c->count; i++)
        if (expr_value_equals(&c->items[2 * i], k)) return i;
    return -1;
}

static int null_key(expr_rt_t *rt)
{
    return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'key')");
}

NATIVE(dict_new)
{
    UNUSED_ARGS;
    return coll_new(rt, &expr_class_dictionary, NULL, out);
}

static int dict_put(expr_rt_t *rt, coll_t *c, const expr_value_t *k, const expr_value_t *v, bool replace)
{
    if (k->tag == EXPR_V_NULL) return null_key(rt);
    int64_t i = find_key(c, k);
    if (i >= 0) {
        if (!replace) return expr_throw(rt, "ArgumentException", "An item with the same key has already been added.");
        c->items[2 * i + 1] = *v;
        return 0;
    }
    if (coll_reserve(rt, c, 2 * c->count, 2)) return EXPR_THROWN;
    c->items[2 * c->count] = *k;
    c->items[2 * c->count + 1] = *v;
    c->count++;
    return 0;
}

NATIVE(dict_add)
{
    UNUSED_ARGS;
    *out = expr_null();
    return dict_put(rt, coll_of(self), &args[0], &args[1], false);
}

NATIVE(dict_set)
{
    UNUSED_ARGS;
    *out = args[1];
    return dict_put(rt, coll_of(self), &args[0], &args[1], true);
}

NATIVE(dict_get)
{
    UNUSED_ARGS;
    if (args[0].tag == EXPR_V_NULL) return null_key(rt);
    coll_t *c = coll_of(self);
    int64_t i = find_key(c, &args[0]);
    if (i < 0) {
        expr_value_t k;
        if (expr_value_to_string(rt, &args[0], &k)) return EXPR_THROWN;
        return expr_throw(rt, "KeyNotFoundException", "The given key '%.*s' was not present in the dictionary.",
                          (int)(k.u.s.len > 100 ? 100 : k.u.s.len), k.u.s.ptr);
    }
    *out = c->items[2 * i + 1];
    return 0;
}

NATIVE(dict_try_get)
{
    UNUSED_ARGS;
    if (args[0].tag == EXPR_V_NULL) return null_key(rt);
    coll_t *c = coll_of(self);
    int64_t i = find_key(c, &args[0]);
    args[1] = i >= 0 ? c->items[2 * i + 1] : expr_null();
    *out = expr_bool(i >= 0);
    return 0;
}

NATIVE(dict_get_or_default)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    int64_t i = args[0].tag == EXPR_V_NULL ? -1 : find_key(c, &args[0]);
    *out = i >= 0 ? c->items[2 * i + 1] : argc > 1 ? args[1] : expr_null();
    return 0;
}

NATIVE(dict_contains_key)
{
    UNUSED_ARGS;
    if (args[0].tag == EXPR_V_NULL) return null_key(rt);
    *out = expr_bool(find_key(coll_of(self), &args[0]) >= 0);
    return 0;
}

NATIVE(dict_contains_value)
{
    UNUSED_ARGS;
    coll_t *c = coll_of(self);
    bool found = false;
    for (uint32_t i = 0; i < c->count && !found; i++) found = expr_value_equals(&c->items[2 * i + 1], &args[0]);
    *out = expr_bool(found);
    return 0;
}

NATIVE(dict_remove)
{
    UNUSED_ARGS;
    if (args[0].tag == EXPR_V_NULL) return null_key(rt);
    coll_t *c = coll_of(self);
    int64_t i = find_key(c, &args[0]);
    if (i >= 0) {
        memmove(c->items + 2 * i, c->items + 2 * i + 2, (c->count - (uint32_t)i - 1) * 2 * sizeof *c->items);
        c->count--;
    }
    *out = expr_bool(i >= 0);
    return 0;
}

/* Keys (part 0) or Values (part 1) as an array. */
static int dict_part(expr_rt_t *rt, const expr_value_t *self, unsigned part, expr_value_t *out)
{
    coll_t *c = coll_of(self);
    expr_value_t *items = expr_rt_alloc(rt, (c->count ? c->count : 1) * sizeof *items);
    if (!items) return EXPR_THROWN;
    for (uint32_t i = 0; i < c->count; i++) items[i] = c->items[2 * i + part];
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, c->count, NULL}};
    return 0;
}

NATIVE(dict_keys)
{
    UNUSED_ARGS;
    return dict_part(rt, self, 0, out);
}

NATIVE(dict_values)
{
    UNUSED_ARGS;
    return dict_part(rt, self, 1, out);
}

static int dict_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items, uint32_t *count)
{
    coll_t *c = coll_of(self);
    expr_value_t *res = expr_rt_alloc(rt, (c->count ? c->count : 1) * sizeof *res);
    kvp_t *pairs = expr_rt_alloc(rt, (c->count ? c->count : 1) * sizeof *pairs);
    if (!res || !pairs) return EXPR_THROWN;
    for (uint32_t i = 0; i < c->count; i++) {
        pairs[i] = (kvp_t){c->items[2 * i], c->items[2 * i + 1]};
        res[i] = expr_object(&expr_class_kvp, &pairs[i]);
    }
    *items = res;
    *count = c->count;
    return 0;
}

static const char *const dict_get_params[] = {"key", "defaultValue", NULL};

static const expr_member_t dict_members[] = {
    {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = 0, .max_args = 1, .fn = dict_new},
    {.name = "Add", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2, .ret = T(&expr_class_void), .fn = dict_add},
    {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1, .fn = dict_get},
    {.name = "set_Item", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2, .fn = dict_set},
    {.name = "TryGetValue", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2, .ret = T(&expr_class_bool),
     .out_mask = 2, .fn = dict_try_get},
    {.name = "GetValueOrDefault", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 2, .param_names = dict_get_params,
     .fn = dict_get_or_default},
    {.name = "ContainsKey", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_bool),
     .fn = dict_contains_key},
    {.name = "ContainsValue", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_bool),
     .fn = dict_contains_value},
    {.name = "Remove", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_bool), .fn = dict_remove},
    {.name = "Count", .kind = EXPR_M_PROPERTY, .ret = T(&expr_class_int), .fn = list_count},
    {.name = "Keys", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_array, NULL}, .fn = dict_keys},
    {.name = "Values", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_array, NULL}, .fn = dict_values},
    {.name = "Clear", .kind = EXPR_M_METHOD, .ret = T(&expr_class_void), .fn = list_clear},
};

const expr_class_t expr_class_dictionary = {
    .name = "Dictionary",
    .full_name = "System.Collections.Generic.Dictionary",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = dict_members,
    .member_count = sizeof dict_members / sizeof dict_members[0],
    .elem = &expr_class_kvp,
    .enumerate = dict_enumerate,
};
