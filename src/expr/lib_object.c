/* lib_object: object, void, arrays, exceptions and the Enumerable extension methods
 * (owner: interpreter core). Contract: value.h. Members are added here, one table per
 * class. Enumerable methods are eager: they return arrays (C#'s lazy IEnumerable has the
 * same results for the side-effect-free lambdas policy expressions write). */
#include "expr/bound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(c) {(c), NULL}
#define NATIVE(name)                                                                               \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,              \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc

/* ---- object ---- */

NATIVE(obj_to_string)
{
    UNUSED_ARGS;
    return expr_value_to_string(rt, self, out);
}

NATIVE(obj_equals)
{
    UNUSED_ARGS;
    *out = expr_bool(expr_value_equals(self, &args[0]));
    return 0;
}

NATIVE(obj_hash)
{
    UNUSED_ARGS;
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *p;
    size_t n;
    if (self->tag == EXPR_V_STRING) p = (const unsigned char *)self->u.s.ptr, n = self->u.s.len;
    else p = (const unsigned char *)&self->u, n = sizeof self->u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    *out = expr_int((int32_t)(h ^ (h >> 32)));
    return 0;
}

static const expr_member_t object_members[] = {
    {.name = "ToString", .kind = EXPR_M_METHOD, .ret = T(&expr_class_string), .fn = obj_to_string},
    {.name = "Equals", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_bool), .fn = obj_equals},
    {.name = "GetHashCode", .kind = EXPR_M_METHOD, .ret = T(&expr_class_int), .fn = obj_hash},
};

const expr_class_t expr_class_object = {
    .name = "object",
    .full_name = "System.Object",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .members = object_members,
    .member_count = sizeof object_members / sizeof object_members[0],
};

const expr_class_t expr_class_void = {
    .name = "void",
    .full_name = "System.Void",
    .tag = EXPR_V_NULL,
    .is_nameable = false,
};

/* ---- arrays, and the element access the core gives strings and byte[] ---- */

static int index_of(expr_rt_t *rt, const expr_value_t *i, uint32_t count, uint32_t *out)
{
    if (i->tag != EXPR_V_INT && i->tag != EXPR_V_LONG && i->tag != EXPR_V_CHAR)
        return expr_throw(rt, "InvalidCastException", "an array index must be an integer");
    if (i->u.i < 0 || i->u.i >= (int64_t)count)
        return expr_throw(rt, "IndexOutOfRangeException", "Index was outside the bounds of the array.");
    *out = (uint32_t)i->u.i;
    return 0;
}

NATIVE(core_index)
{
    UNUSED_ARGS;
    uint32_t k;
    if (self->tag == EXPR_V_ARRAY) {
        if (index_of(rt, &args[0], self->u.arr.count, &k)) return EXPR_THROWN;
        *out = self->u.arr.items[k];
        return 0;
    }
    if (self->tag == EXPR_V_BYTES) {
        if (index_of(rt, &args[0], self->u.s.len, &k)) return EXPR_THROWN;
        *out = expr_int((unsigned char)self->u.s.ptr[k]);
        return 0;
    }
    if (self->tag == EXPR_V_STRING) {
        expr_value_t *items;
        uint32_t n;
        if (expr_rt_enumerate(rt, self, &items, &n)) return EXPR_THROWN;
        if (args[0].tag != EXPR_V_INT || args[0].u.i < 0 || args[0].u.i >= (int64_t)n)
            return expr_throw(rt, "IndexOutOfRangeException", "Index was outside the bounds of the array.");
        *out = items[args[0].u.i];
        return 0;
    }
    return expr_throw(rt, "InvalidCastException", "cannot apply indexing");
}

const expr_member_t expr_core_index_member = {
    .name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1, .ret_rule = EXPR_RET_ELEM, .fn = core_index};

/* a[i] = v on a T[] or byte[] made writable by `new` (value.h EXPR_AUX_WRITABLE); v has
   the element type (the checker converts it); a byte takes the low 8 bits, as (byte) */
NATIVE(core_set_index)
{
    UNUSED_ARGS;
    uint32_t k;
    if (self->tag != EXPR_V_ARRAY && self->tag != EXPR_V_BYTES)
        return expr_throw(rt, "InvalidCastException", "cannot assign to an element of this value");
    if (!(self->aux & EXPR_AUX_WRITABLE))
        return expr_throw(rt, "NotSupportedException",
                          "this array is read-only in policy expressions: only arrays created with 'new' can be written");
    if (self->tag == EXPR_V_ARRAY) {
        if (index_of(rt, &args[0], self->u.arr.count, &k)) return EXPR_THROWN;
        self->u.arr.items[k] = args[1];
    } else {
        if (index_of(rt, &args[0], self->u.s.len, &k)) return EXPR_THROWN;
        if (args[1].tag != EXPR_V_INT && args[1].tag != EXPR_V_LONG && args[1].tag != EXPR_V_CHAR)
            return expr_throw(rt, "InvalidCastException", "a byte[] element must be a number");
        ((char *)self->u.s.ptr)[k] = (char)(uint8_t)args[1].u.i;
    }
    *out = args[1];
    return 0;
}

const expr_member_t expr_core_set_index_member = {
    .name = "set_Item", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2, .ret_rule = EXPR_RET_ELEM, .fn = core_set_index};

NATIVE(array_length)
{
    UNUSED_ARGS;
    *out = expr_int((int32_t)(self->tag == EXPR_V_ARRAY ? self->u.arr.count : self->u.s.len));
    return 0;
}

/* Array's static methods (below, after the comparison they share with OrderBy) */
static int arr_copy(expr_rt_t *, const expr_call_t *, const expr_value_t *, expr_value_t *, unsigned, expr_value_t *);
static int arr_exists(expr_rt_t *, const expr_call_t *, const expr_value_t *, expr_value_t *, unsigned, expr_value_t *);
static int arr_index_of(expr_rt_t *, const expr_call_t *, const expr_value_t *, expr_value_t *, unsigned, expr_value_t *);
static int arr_reverse(expr_rt_t *, const expr_call_t *, const expr_value_t *, expr_value_t *, unsigned, expr_value_t *);
static int arr_sort(expr_rt_t *, const expr_call_t *, const expr_value_t *, expr_value_t *, unsigned, expr_value_t *);

static const expr_member_t array_members[] = {
    {.name = "Length", .kind = EXPR_M_PROPERTY, .ret = T(&expr_class_int), .fn = array_length},
    {.name = "Copy", .kind = EXPR_M_STATIC_METHOD, .min_args = 3, .max_args = 3, .ret = T(&expr_class_void), .fn = arr_copy},
    {.name = "Copy", .kind = EXPR_M_STATIC_METHOD, .min_args = 5, .max_args = 5, .ret = T(&expr_class_void), .fn = arr_copy},
    {.name = "Exists", .kind = EXPR_M_STATIC_METHOD, .min_args = 2, .max_args = 2, .lambda_mask = 2,
     .ret = T(&expr_class_bool), .fn = arr_exists},
    {.name = "IndexOf", .kind = EXPR_M_STATIC_METHOD, .min_args = 2, .max_args = 2, .ret = T(&expr_class_int), .fn = arr_index_of},
    {.name = "Reverse", .kind = EXPR_M_STATIC_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_void), .fn = arr_reverse},
    {.name = "Sort", .kind = EXPR_M_STATIC_METHOD, .min_args = 1, .max_args = 1, .ret = T(&expr_class_void), .fn = arr_sort},
    {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1, .ret_rule = EXPR_RET_ELEM, .fn = core_index},
};

const expr_class_t expr_class_array = {
    .name = "Array",
    .full_name = "System.Array",
    .tag = EXPR_V_ARRAY,
    .is_nameable = true,
    .members = array_members,
    .member_count = sizeof array_members / sizeof array_members[0],
};

/* ---- Enumerable (System.Linq) ---- */

#define ITEMS()                                                                                    \
    expr_value_t *items;                                                                           \
    uint32_t count;                                                                                \
    if (expr_rt_enumerate(rt, self, &items, &count)) return EXPR_THROWN

/* An arena array for `count` values (one at least: an empty result still gets memory). */
static expr_value_t *alloc_values(expr_rt_t *rt, uint32_t count)
{
    return expr_rt_alloc(rt, (count ? count : 1) * sizeof(expr_value_t));
}

static const expr_class_t *elem_class(const expr_call_t *call, const expr_value_t *self)
{
    if (self->tag == EXPR_V_ARRAY && self->u.arr.elem) return self->u.arr.elem;
    if (self->tag == EXPR_V_STRING) return &expr_class_char;
    return call->receiver_type.elem;
}

static int make_array(expr_rt_t *rt, expr_value_t *items, uint32_t n, const expr_class_t *elem, expr_value_t *out)
{
    (void)rt;
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, n, elem}};
    return 0;
}

static int pred(expr_rt_t *rt, const expr_value_t *fn, const expr_value_t *item, uint32_t index, bool *r)
{
    expr_value_t a[2] = {*item, expr_int((int32_t)index)}, v;
    if (expr_rt_invoke(rt, fn, a, 2, &v)) return EXPR_THROWN;
    if (v.tag != EXPR_V_BOOL) return expr_throw(rt, "InvalidCastException", "the lambda must return a bool");
    *r = v.u.b;
    return 0;
}

NATIVE(en_where)
{
    UNUSED_ARGS;
    ITEMS();
    expr_value_t *res = alloc_values(rt, count);
    if (!res) return EXPR_THROWN;
    uint32_t n = 0;
    for (uint32_t i = 0; i < count; i++) {
        bool keep;
        if (pred(rt, &args[0], &items[i], i, &keep)) return EXPR_THROWN;
        if (keep) res[n++] = items[i];
    }
    return make_array(rt, res, n, elem_class(call, self), out);
}

NATIVE(en_select)
{
    UNUSED_ARGS;
    ITEMS();
    expr_value_t *res = alloc_values(rt, count);
    if (!res) return EXPR_THROWN;
    for (uint32_t i = 0; i < count; i++) {
        expr_value_t a[2] = {items[i], expr_int((int32_t)i)};
        if (expr_rt_invoke(rt, &args[0], a, 2, &res[i])) return EXPR_THROWN;
    }
    return make_array(rt, res, count, NULL, out);
}

NATIVE(en_any)
{
    UNUSED_ARGS;
    ITEMS();
    bool r = false;
    for (uint32_t i = 0; i < count && !r; i++) {
        if (argc == 0) r = true;
        else if (pred(rt, &args[0], &items[i], i, &r)) return EXPR_THROWN;
    }
    *out = expr_bool(r);
    return 0;
}

NATIVE(en_all)
{
    UNUSED_ARGS;
    ITEMS();
    bool r = true;
    for (uint32_t i = 0; i < count && r; i++)
        if (pred(rt, &args[0], &items[i], i, &r)) return EXPR_THROWN;
    *out = expr_bool(r);
    return 0;
}

NATIVE(en_count)
{
    UNUSED_ARGS;
    ITEMS();
    int32_t n = 0;
    for (uint32_t i = 0; i < count; i++) {
        bool r = true;
        if (argc && pred(rt, &args[0], &items[i], i, &r)) return EXPR_THROWN;
        n += r;
    }
    *out = expr_int(n);
    return 0;
}

/* First / FirstOrDefault / Last / LastOrDefault share one walk. */
static int find_one(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc, bool last,
                    bool or_default, expr_value_t *out)
{
    ITEMS();
    for (uint32_t k = 0; k < count; k++) {
        uint32_t i = last ? count - 1 - k : k;
        bool r = true;
        if (argc && pred(rt, &args[0], &items[i], i, &r)) return EXPR_THROWN;
        if (r) {
            *out = items[i];
            return 0;
        }
    }
    if (or_default) {
        *out = expr_null();
        return 0;
    }
    return expr_throw(rt, "InvalidOperationException",
                      argc ? "Sequence contains no matching element" : "Sequence contains no elements");
}

NATIVE(en_first)
{
    UNUSED_ARGS;
    return find_one(rt, self, args, argc, false, false, out);
}
NATIVE(en_first_or_default)
{
    UNUSED_ARGS;
    return find_one(rt, self, args, argc, false, true, out);
}
NATIVE(en_last)
{
    UNUSED_ARGS;
    return find_one(rt, self, args, argc, true, false, out);
}
NATIVE(en_last_or_default)
{
    UNUSED_ARGS;
    return find_one(rt, self, args, argc, true, true, out);
}

static int single(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc, bool or_default,
                  expr_value_t *out)
{
    ITEMS();
    bool found = false;
    *out = expr_null();
    for (uint32_t i = 0; i < count; i++) {
        bool r = true;
        if (argc && pred(rt, &args[0], &items[i], i, &r)) return EXPR_THROWN;
        if (!r) continue;
        if (found)
            return expr_throw(rt, "InvalidOperationException",
                              argc ? "Sequence contains more than one matching element" : "Sequence contains more than one element");
        found = true;
        *out = items[i];
    }
    if (!found && !or_default)
        return expr_throw(rt, "InvalidOperationException",
                          argc ? "Sequence contains no matching element" : "Sequence contains no elements");
    return 0;
}

NATIVE(en_single)
{
    UNUSED_ARGS;
    return single(rt, self, args, argc, false, out);
}
NATIVE(en_single_or_default)
{
    UNUSED_ARGS;
    return single(rt, self, args, argc, true, out);
}

NATIVE(en_element_at)
{
    UNUSED_ARGS;
    ITEMS();
    if (args[0].tag != EXPR_V_INT || args[0].u.i < 0 || args[0].u.i >= (int64_t)count)
        return expr_throw(rt, "ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection.");
    *out = items[args[0].u.i];
    return 0;
}

NATIVE(en_reverse)
{
    UNUSED_ARGS;
    ITEMS();
    expr_value_t *res = alloc_values(rt, count);
    if (!res) return EXPR_THROWN;
    for (uint32_t i = 0; i < count; i++) res[i] = items[count - 1 - i];
    return make_array(rt, res, count, elem_class(call, self), out);
}

NATIVE(en_to_array)
{
    UNUSED_ARGS;
    ITEMS();
    expr_value_t *res = alloc_values(rt, count);
    if (!res) return EXPR_THROWN;
    if (count) memcpy(res, items, count * sizeof *res);
    return make_array(rt, res, count, elem_class(call, self), out);
}

NATIVE(en_contains)
{
    UNUSED_ARGS;
    ITEMS();
    bool r = false;
    for (uint32_t i = 0; i < count && !r; i++) r = expr_value_equals(&items[i], &args[0]);
    *out = expr_bool(r);
    return 0;
}

static int skip_take(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, const expr_value_t *n,
                     bool take, expr_value_t *out)
{
    ITEMS();
    int64_t k = n->u.i < 0 ? 0 : n->u.i;
    if (k > count) k = count;
    if (take) return make_array(rt, items, (uint32_t)k, elem_class(call, self), out);
    return make_array(rt, items + k, count - (uint32_t)k, elem_class(call, self), out);
}

NATIVE(en_skip)
{
    UNUSED_ARGS;
    return skip_take(rt, call, self, &args[0], false, out);
}
NATIVE(en_take)
{
    UNUSED_ARGS;
    return skip_take(rt, call, self, &args[0], true, out);
}

/* Sum/Min/Max over numbers (optionally through a selector lambda). */
static int aggregate_num(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc, int mode,
                         expr_value_t *out)
{
    ITEMS();
    expr_value_t acc = mode == 0 ? expr_int(0) : expr_null();
    for (uint32_t i = 0; i < count; i++) {
        expr_value_t v = items[i];
        if (argc) {
            expr_value_t a[2] = {items[i], expr_int((int32_t)i)};
            if (expr_rt_invoke(rt, &args[0], a, 2, &v)) return EXPR_THROWN;
        }
        if (v.tag == EXPR_V_NULL) continue;
        if (acc.tag == EXPR_V_NULL) {
            acc = v;
            if (mode == 0) continue;
            continue;
        }
        if (mode == 0) {
            if (expr_interp_binary(rt, EXPR_OP_ADD, &acc, &v, &acc)) return EXPR_THROWN;
        } else {
            expr_value_t lt;
            if (v.tag == EXPR_V_STRING && acc.tag == EXPR_V_STRING) {
                size_t m = v.u.s.len < acc.u.s.len ? v.u.s.len : acc.u.s.len;
                int c = memcmp(v.u.s.ptr, acc.u.s.ptr, m);
                if (c == 0) c = (v.u.s.len > acc.u.s.len) - (v.u.s.len < acc.u.s.len);
                lt = expr_bool(c < 0);
            } else if (expr_interp_binary(rt, EXPR_OP_LT, &v, &acc, &lt)) {
                return EXPR_THROWN;
            }
            if (lt.u.b == (mode == 1)) acc = v;
        }
    }
    if (mode != 0 && acc.tag == EXPR_V_NULL && count == 0)
        return expr_throw(rt, "InvalidOperationException", "Sequence contains no elements");
    *out = acc;
    return 0;
}

NATIVE(en_sum)
{
    UNUSED_ARGS;
    return aggregate_num(rt, self, args, argc, 0, out);
}
NATIVE(en_min)
{
    UNUSED_ARGS;
    return aggregate_num(rt, self, args, argc, 1, out);
}
NATIVE(en_max)
{
    UNUSED_ARGS;
    return aggregate_num(rt, self, args, argc, 2, out);
}

NATIVE(en_distinct)
{
    UNUSED_ARGS;
    ITEMS();
    expr_value_t *res = alloc_values(rt, count);
    if (!res) return EXPR_THROWN;
    uint32_t n = 0;
    for (uint32_t i = 0; i < count; i++) {
        bool seen = false;
        for (uint32_t k = 0; k < n && !seen; k++) seen = expr_value_equals(&res[k], &items[i]);
        if (!seen) res[n++] = items[i];
    }
    return make_array(rt, res, n, elem_class(call, self), out);
}

NATIVE(en_concat)
{
    UNUSED_ARGS;
    ITEMS();
    expr_value_t *more;
    uint32_t nmore;
    if (expr_rt_enumerate(rt, &args[0], &more, &nmore)) return EXPR_THROWN;
    expr_value_t *res = expr_rt_alloc(rt, ((size_t)count + nmore + 1) * sizeof *res);
    if (!res) return EXPR_THROWN;
    if (count) memcpy(res, items, count * sizeof *res);
    if (nmore) memcpy(res + count, more, nmore * sizeof *res);
    return make_array(rt, res, count + nmore, elem_class(call, self), out);
}

static int compare_values(expr_rt_t *rt, const expr_value_t *a, const expr_value_t *b, int *cmp)
{
    if (a->tag == EXPR_V_NULL || b->tag == EXPR_V_NULL) {
        *cmp = (a->tag != EXPR_V_NULL) - (b->tag != EXPR_V_NULL);
        return 0;
    }
    if (a->tag == EXPR_V_STRING && b->tag == EXPR_V_STRING) {
        size_t m = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
        int c = memcmp(a->u.s.ptr, b->u.s.ptr, m);
        *cmp = c ? c : (a->u.s.len > b->u.s.len) - (a->u.s.len < b->u.s.len);
        return 0;
    }
    expr_value_t lt, gt;
    if (expr_interp_binary(rt, EXPR_OP_LT, a, b, &lt) || expr_interp_binary(rt, EXPR_OP_GT, a, b, &gt))
        return EXPR_THROWN;
    *cmp = lt.u.b ? -1 : gt.u.b ? 1 : 0;
    return 0;
}

/* A stable merge sort of (key, item) pairs: OrderBy is stable in .NET. */
static int order_by(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args, bool desc,
                    expr_value_t *out)
{
    ITEMS();
    expr_value_t *keys = alloc_values(rt, 2 * count);
    expr_value_t *res = alloc_values(rt, 2 * count);
    if (!keys || !res) return EXPR_THROWN;
    for (uint32_t i = 0; i < count; i++) {
        expr_value_t a[2] = {items[i], expr_int((int32_t)i)};
        if (expr_rt_invoke(rt, &args[0], a, 2, &keys[i])) return EXPR_THROWN;
        res[i] = items[i];
    }
    expr_value_t *k2 = keys + count, *r2 = res + count;
    for (uint32_t w = 1; w < count; w *= 2) {
        for (uint32_t lo = 0; lo < count; lo += 2 * w) {
            uint32_t mid = lo + w < count ? lo + w : count, hi = lo + 2 * w < count ? lo + 2 * w : count;
            uint32_t i = lo, j = mid, o = lo;
            while (i < mid || j < hi) {
                bool take_left = j >= hi;
                if (i < mid && j < hi) {
                    int c;
                    if (compare_values(rt, &keys[i], &keys[j], &c)) return EXPR_THROWN;
                    take_left = desc ? c >= 0 : c <= 0;
                } else if (i >= mid) {
                    take_left = false;
                }
                if (take_left) k2[o] = keys[i], r2[o++] = res[i++];
                else k2[o] = keys[j], r2[o++] = res[j++];
            }
        }
        memcpy(keys, k2, count * sizeof *keys);
        memcpy(res, r2, count * sizeof *res);
    }
    return make_array(rt, res, count, elem_class(call, self), out);
}

NATIVE(en_order_by)
{
    UNUSED_ARGS;
    return order_by(rt, call, self, args, false, out);
}
NATIVE(en_order_by_desc)
{
    UNUSED_ARGS;
    return order_by(rt, call, self, args, true, out);
}

NATIVE(en_aggregate)
{
    UNUSED_ARGS;
    ITEMS();
    uint32_t i = 0;
    expr_value_t acc;
    const expr_value_t *fn;
    if (argc == 1) {
        if (count == 0) return expr_throw(rt, "InvalidOperationException", "Sequence contains no elements");
        acc = items[i++];
        fn = &args[0];
    } else {
        acc = args[0];
        fn = &args[1];
    }
    for (; i < count; i++) {
        expr_value_t a[2] = {acc, items[i]};
        if (expr_rt_invoke(rt, fn, a, 2, &acc)) return EXPR_THROWN;
    }
    *out = acc;
    return 0;
}

#define EXT(nm, lo, hi, rule, lam, f)                                                              \
    {.name = nm, .kind = EXPR_M_EXTENSION, .min_args = lo, .max_args = hi, .ret_rule = rule, .lambda_mask = lam, .fn = f}
#define EXTR(nm, lo, hi, rtype, lam, f)                                                            \
    {.name = nm, .kind = EXPR_M_EXTENSION, .min_args = lo, .max_args = hi, .ret = T(rtype), .lambda_mask = lam, .fn = f}

static const expr_member_t enumerable_members[] = {
    EXT("Where", 1, 1, EXPR_RET_SAME, 1, en_where),
    EXT("Select", 1, 1, EXPR_RET_LAMBDA_ENUM, 1, en_select),
    EXTR("Any", 0, 1, &expr_class_bool, 1, en_any),
    EXTR("All", 1, 1, &expr_class_bool, 1, en_all),
    EXTR("Count", 0, 1, &expr_class_int, 1, en_count),
    EXT("First", 0, 1, EXPR_RET_ELEM, 1, en_first),
    EXT("FirstOrDefault", 0, 1, EXPR_RET_ELEM, 1, en_first_or_default),
    EXT("Last", 0, 1, EXPR_RET_ELEM, 1, en_last),
    EXT("LastOrDefault", 0, 1, EXPR_RET_ELEM, 1, en_last_or_default),
    EXT("ToArray", 0, 0, EXPR_RET_ELEM_ARRAY, 0, en_to_array),
    EXT("ToList", 0, 0, EXPR_RET_ELEM_ARRAY, 0, en_to_array),
    EXTR("Contains", 1, 1, &expr_class_bool, 0, en_contains),
    EXT("Skip", 1, 1, EXPR_RET_SAME, 0, en_skip),
    EXT("Take", 1, 1, EXPR_RET_SAME, 0, en_take),
    EXT("Sum", 0, 1, EXPR_RET_ELEM, 1, en_sum),
    EXT("Min", 0, 1, EXPR_RET_ELEM, 1, en_min),
    EXT("Max", 0, 1, EXPR_RET_ELEM, 1, en_max),
    EXT("Distinct", 0, 0, EXPR_RET_SAME, 0, en_distinct),
    EXT("Concat", 1, 1, EXPR_RET_SAME, 0, en_concat),
    EXT("OrderBy", 1, 1, EXPR_RET_SAME, 1, en_order_by),
    EXT("OrderByDescending", 1, 1, EXPR_RET_SAME, 1, en_order_by_desc),
    EXTR("Aggregate", 1, 2, NULL, 3, en_aggregate),
    EXT("Single", 0, 1, EXPR_RET_ELEM, 1, en_single),
    EXT("SingleOrDefault", 0, 1, EXPR_RET_ELEM, 1, en_single_or_default),
    EXT("ElementAt", 1, 1, EXPR_RET_ELEM, 0, en_element_at),
    EXT("Reverse", 0, 0, EXPR_RET_SAME, 0, en_reverse),
};

const expr_class_t expr_class_enumerable = {
    .name = "Enumerable",
    .full_name = "System.Linq.Enumerable",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .members = enumerable_members,
    .member_count = sizeof enumerable_members / sizeof enumerable_members[0],
};

/* ---- exceptions ---- */

typedef struct {
    const char *message;
} exception_t;

NATIVE(ex_message)
{
    UNUSED_ARGS;
    const exception_t *e = self->u.obj.ptr;
    *out = expr_str_ref(e->message, strlen(e->message));
    return 0;
}

NATIVE(ex_new);

static int ex_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    const exception_t *e = self->u.obj.ptr;
    const expr_class_t *c = self->u.obj.cls;
    return expr_str_printf(rt, out, "%s: %s", c->full_name, e->message);
}

static const expr_member_t exception_members[] = {
    {.name = "Message", .kind = EXPR_M_PROPERTY, .ret = T(&expr_class_string), .fn = ex_message},
    {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = 0, .max_args = 2, .fn = ex_new},
};

#define EXCEPTION_CLASS(var, nm, full, parent)                                                     \
    static const expr_class_t var = {.name = nm, .full_name = full, .tag = EXPR_V_OBJECT,          \
                                     .is_nameable = true, .base = parent,                          \
                                     .members = exception_members, .member_count = 2,              \
                                     .to_string = ex_to_string}

EXCEPTION_CLASS(cls_exception, "Exception", "System.Exception", &expr_class_object);
EXCEPTION_CLASS(cls_system_exception, "SystemException", "System.SystemException", &cls_exception);
EXCEPTION_CLASS(cls_argument, "ArgumentException", "System.ArgumentException", &cls_system_exception);
EXCEPTION_CLASS(cls_argument_null, "ArgumentNullException", "System.ArgumentNullException", &cls_argument);
EXCEPTION_CLASS(cls_argument_range, "ArgumentOutOfRangeException", "System.ArgumentOutOfRangeException", &cls_argument);
EXCEPTION_CLASS(cls_invalid_op, "InvalidOperationException", "System.InvalidOperationException", &cls_system_exception);
EXCEPTION_CLASS(cls_format, "FormatException", "System.FormatException", &cls_system_exception);
EXCEPTION_CLASS(cls_invalid_cast, "InvalidCastException", "System.InvalidCastException", &cls_system_exception);
EXCEPTION_CLASS(cls_null_ref, "NullReferenceException", "System.NullReferenceException", &cls_system_exception);
EXCEPTION_CLASS(cls_arith, "ArithmeticException", "System.ArithmeticException", &cls_system_exception);
EXCEPTION_CLASS(cls_div_zero, "DivideByZeroException", "System.DivideByZeroException", &cls_arith);
EXCEPTION_CLASS(cls_overflow, "OverflowException", "System.OverflowException", &cls_arith);
EXCEPTION_CLASS(cls_index, "IndexOutOfRangeException", "System.IndexOutOfRangeException", &cls_system_exception);
EXCEPTION_CLASS(cls_key, "KeyNotFoundException", "System.Collections.Generic.KeyNotFoundException", &cls_system_exception);
EXCEPTION_CLASS(cls_not_supported, "NotSupportedException", "System.NotSupportedException", &cls_system_exception);
EXCEPTION_CLASS(cls_not_impl, "NotImplementedException", "System.NotImplementedException", &cls_system_exception);
EXCEPTION_CLASS(cls_unauthorized, "UnauthorizedAccessException", "System.UnauthorizedAccessException", &cls_system_exception);

static const expr_class_t *const exception_classes[] = {
    &cls_exception,    &cls_system_exception, &cls_argument, &cls_argument_null, &cls_argument_range,
    &cls_invalid_op,   &cls_format,           &cls_invalid_cast, &cls_null_ref,   &cls_arith,
    &cls_div_zero,     &cls_overflow,         &cls_index,    &cls_key,           &cls_not_supported,
    &cls_not_impl,     &cls_unauthorized,     NULL,
};

NATIVE(ex_new)
{
    UNUSED_ARGS;
    exception_t *e = expr_rt_alloc(rt, sizeof *e);
    if (!e) return EXPR_THROWN;
    e->message = "Exception of type was thrown.";
    if (argc >= 1 && args[0].tag == EXPR_V_STRING) {
        char *m = expr_rt_alloc(rt, args[0].u.s.len + 1);
        if (!m) return EXPR_THROWN;
        memcpy(m, args[0].u.s.ptr, args[0].u.s.len);
        m[args[0].u.s.len] = '\0';
        e->message = m;
    } else {
        const expr_class_t *c = call->receiver_type.cls;
        char *m = expr_rt_alloc(rt, 64 + strlen(c->full_name));
        if (!m) return EXPR_THROWN;
        sprintf(m, "Exception of type '%s' was thrown.", c->full_name);
        e->message = m;
    }
    *out = expr_object(call->receiver_type.cls, e);
    return 0;
}

static const expr_class_t *exception_by_type(const char *type)
{
    for (const expr_class_t *const *c = exception_classes; *c; c++)
        if (strcmp((*c)->full_name, type) == 0 ||
            (strncmp(type, "System.", 7) == 0 && strcmp((*c)->name, type + 7) == 0))
            return *c;
    return NULL;
}

/* The pending exception of rt as a value (catch (Exception ex)). */
int expr_exception_from_rt(expr_rt_t *rt, expr_value_t *out)
{
    const expr_class_t *c = exception_by_type(rt->exception_type);
    exception_t *e = arena_alloc(rt->arena, sizeof *e);
    char *m = arena_strndup(rt->arena, rt->exception_message, strlen(rt->exception_message));
    if (!e || !m) return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
    e->message = m;
    if (!c) {
        /* an exception type without a class here (JsonReaderException...): keep its name */
        expr_class_t *dyn = arena_alloc(rt->arena, sizeof *dyn);
        char *full = arena_strndup(rt->arena, rt->exception_type, strlen(rt->exception_type));
        if (!dyn || !full) return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
        *dyn = cls_exception;
        dyn->full_name = full;
        const char *dot = strrchr(full, '.');
        dyn->name = dot ? dot + 1 : full;
        dyn->base = &cls_exception;
        c = dyn;
    }
    *out = expr_object(c, e);
    return 0;
}

/* throw ex; */
int expr_exception_throw(expr_rt_t *rt, const expr_value_t *ex)
{
    if (ex->tag == EXPR_V_NULL)
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    if (ex->tag != EXPR_V_OBJECT || !expr_class_is(ex->u.obj.cls, &cls_exception))
        return expr_throw(rt, "InvalidCastException", "only exceptions can be thrown");
    const exception_t *e = ex->u.obj.ptr;
    return expr_throw(rt, ex->u.obj.cls->full_name, "%s", e->message);
}

/* Does the pending exception of rt derive from cls (catch (FormatException))? */
bool expr_exception_matches(const expr_rt_t *rt, const expr_class_t *cls)
{
    if (cls == &cls_exception) return true;
    const expr_class_t *c = exception_by_type(rt->exception_type);
    if (c) return expr_class_is(c, cls);
    return cls->full_name && strcmp(cls->full_name, rt->exception_type) == 0;
}

extern const expr_class_t expr_class_list, expr_class_dictionary, expr_class_kvp, expr_class_hashset; /* lib_collections.c */

const expr_class_t *const expr_lib_object_classes[] = {
    &expr_class_list,    &expr_class_dictionary, &expr_class_kvp,   &expr_class_hashset,
    &expr_class_object,  &expr_class_void,    &expr_class_array,   &expr_class_enumerable,
    &cls_exception,      &cls_system_exception, &cls_argument,     &cls_argument_null,
    &cls_argument_range, &cls_invalid_op,     &cls_format,         &cls_invalid_cast,
    &cls_null_ref,       &cls_arith,          &cls_div_zero,       &cls_overflow,
    &cls_index,          &cls_key,            &cls_not_supported,  &cls_not_impl,
    &cls_unauthorized,   NULL,
};

/* ---- Array's static methods (System.Array) ---- */

static int arr_arg(expr_rt_t *rt, const expr_value_t *v, const char *param, uint32_t *count)
{
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "System.ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    if (v->tag == EXPR_V_ARRAY) *count = v->u.arr.count;
    else if (v->tag == EXPR_V_BYTES) *count = v->u.s.len;
    else return expr_throw(rt, "System.ArgumentException", "Object must be an array. (Parameter '%s')", param);
    return 0;
}

static int arr_writable(expr_rt_t *rt, const expr_value_t *v)
{
    if (v->aux & EXPR_AUX_WRITABLE) return 0;
    return expr_throw(rt, "System.NotSupportedException",
                      "this array is read-only in policy expressions: only arrays created with 'new' can be written");
}

/* The array Reverse(array) and Sort(array) rearrange in place: 0 with its length, 1 when
 * there is nothing to move (fewer than two items: even a read-only array is fine then), or
 * EXPR_THROWN. *out is null (void) either way. */
static int in_place_arg(expr_rt_t *rt, const expr_value_t *v, uint32_t *n, expr_value_t *out)
{
    *out = expr_null();
    if (arr_arg(rt, v, "array", n)) return EXPR_THROWN;
    if (*n < 2) return 1;
    return arr_writable(rt, v);
}

static int arr_int(expr_rt_t *rt, const expr_value_t *v, const char *param, int64_t *out)
{
    if (v->tag != EXPR_V_INT && v->tag != EXPR_V_LONG)
        return expr_throw(rt, "System.ArgumentException", "an integer is expected (Parameter '%s')", param);
    if (v->u.i < 0)
        return expr_throw(rt, "System.ArgumentOutOfRangeException", "Non-negative number required. (Parameter '%s')",
                          param);
    *out = v->u.i;
    return 0;
}

/* Copy(src, dst, length) | Copy(src, srcIndex, dst, dstIndex, length): overlapping ranges of
   one array copy as if through a temporary, as .NET does */
static int arr_copy(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args,
                    unsigned argc, expr_value_t *out)
{
    UNUSED_ARGS;
    const expr_value_t *src = &args[0], *dst = &args[argc == 5 ? 2 : 1];
    int64_t si = 0, di = 0, len = 0;
    uint32_t sn, dn;
    if (arr_arg(rt, src, "sourceArray", &sn) || arr_arg(rt, dst, "destinationArray", &dn)) return EXPR_THROWN;
    if (argc == 5) {
        if (arr_int(rt, &args[1], "sourceIndex", &si) || arr_int(rt, &args[3], "destinationIndex", &di))
            return EXPR_THROWN;
    }
    if (arr_int(rt, &args[argc - 1], "length", &len)) return EXPR_THROWN;
    if (si + len > (int64_t)sn)
        return expr_throw(rt, "System.ArgumentException",
                          "Source array was not long enough. Check the source index, length, and the array's lower bounds. (Parameter 'sourceArray')");
    if (di + len > (int64_t)dn)
        return expr_throw(rt, "System.ArgumentException",
                          "Destination array was not long enough. Check the destination index, length, and the array's lower bounds. (Parameter 'destinationArray')");
    if (src->tag != dst->tag)
        return expr_throw(rt, "System.ArrayTypeMismatchException",
                          "Source array type cannot be assigned to destination array type.");
    *out = expr_null();
    if (len == 0) return 0;
    if (arr_writable(rt, dst)) return EXPR_THROWN;
    if (dst->tag == EXPR_V_BYTES) memmove((char *)dst->u.s.ptr + di, src->u.s.ptr + si, (size_t)len);
    else memmove(dst->u.arr.items + di, src->u.arr.items + si, (size_t)len * sizeof *dst->u.arr.items);
    return 0;
}

/* the items of an array or byte[] argument as values (byte[] items are ints) */
static int arr_items(expr_rt_t *rt, const expr_value_t *v, expr_value_t **items, uint32_t *count)
{
    if (arr_arg(rt, v, "array", count)) return EXPR_THROWN;
    return expr_rt_enumerate(rt, v, items, count);
}

static int arr_exists(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args,
                      unsigned argc, expr_value_t *out)
{
    UNUSED_ARGS;
    expr_value_t *items;
    uint32_t count;
    if (arr_items(rt, &args[0], &items, &count)) return EXPR_THROWN;
    if (args[1].tag != EXPR_V_LAMBDA)
        return expr_throw(rt, "System.ArgumentNullException", "Value cannot be null. (Parameter 'match')");
    for (uint32_t i = 0; i < count; i++) {
        expr_value_t a[1] = {items[i]}, v;
        if (expr_rt_invoke(rt, &args[1], a, 1, &v)) return EXPR_THROWN;
        if (v.tag != EXPR_V_BOOL) return expr_throw(rt, "InvalidCastException", "the lambda must return a bool");
        if (v.u.b) {
            *out = expr_bool(true);
            return 0;
        }
    }
    *out = expr_bool(false);
    return 0;
}

static int arr_index_of(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args,
                        unsigned argc, expr_value_t *out)
{
    UNUSED_ARGS;
    expr_value_t *items;
    uint32_t count;
    if (arr_items(rt, &args[0], &items, &count)) return EXPR_THROWN;
    for (uint32_t i = 0; i < count; i++)
        if (expr_value_equals(&items[i], &args[1])) {
            *out = expr_int((int32_t)i);
            return 0;
        }
    *out = expr_int(-1);
    return 0;
}

static int arr_reverse(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args,
                       unsigned argc, expr_value_t *out)
{
    UNUSED_ARGS;
    uint32_t n;
    int rc = in_place_arg(rt, &args[0], &n, out);
    if (rc) return rc < 0 ? rc : 0;
    for (uint32_t i = 0, j = n - 1; i < j; i++, j--) {
        if (args[0].tag == EXPR_V_BYTES) {
            char *p = (char *)args[0].u.s.ptr, t = p[i];
            p[i] = p[j];
            p[j] = t;
        } else {
            expr_value_t t = args[0].u.arr.items[i];
            args[0].u.arr.items[i] = args[0].u.arr.items[j];
            args[0].u.arr.items[j] = t;
        }
    }
    return 0;
}

static int byte_cmp(const void *a, const void *b)
{
    return (int)*(const unsigned char *)a - (int)*(const unsigned char *)b;
}

/* Sort(array): in place, strings ordinally, numbers by value (a merge sort: stable, which
   .NET's introsort is not, but equal items are indistinguishable here) */
static int arr_sort(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args,
                    unsigned argc, expr_value_t *out)
{
    UNUSED_ARGS;
    uint32_t n;
    int rc = in_place_arg(rt, &args[0], &n, out);
    if (rc) return rc < 0 ? rc : 0;
    if (args[0].tag == EXPR_V_BYTES) {
        qsort((char *)args[0].u.s.ptr, n, 1, byte_cmp);
        return 0;
    }
    expr_value_t *a = args[0].u.arr.items, *tmp = expr_rt_alloc(rt, n * sizeof *tmp);
    if (!tmp) return EXPR_THROWN;
    for (uint32_t w = 1; w < n; w *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * w) {
            uint32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint32_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                int c;
                if (compare_values(rt, &a[i], &a[j], &c)) return EXPR_THROWN;
                tmp[o++] = c <= 0 ? a[i++] : a[j++];
            }
            while (i < mid) tmp[o++] = a[i++];
            while (j < hi) tmp[o++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof *a);
    }
    return 0;
}

/* ---- anonymous objects (value.h): an array of values, one per member of the class ---- */

bool expr_anonymous_fields(const expr_value_t *v, uint32_t *count, const expr_member_t **names,
                           const expr_value_t **values)
{
    if (v->tag != EXPR_V_OBJECT || !v->u.obj.cls || v->u.obj.cls->to_string != expr_anonymous_to_string) return false;
    *count = (uint32_t)v->u.obj.cls->member_count;
    *names = v->u.obj.cls->members;
    *values = v->u.obj.ptr;
    return true;
}

int expr_anonymous_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args,
                       unsigned argc, expr_value_t *out)
{
    UNUSED_ARGS;
    const expr_value_t *vals = self->u.obj.ptr;
    *out = vals[call->member - self->u.obj.cls->members];
    return 0;
}

/* "{ a = 1, b = x }", as C#'s generated ToString (null values print empty) */
int expr_anonymous_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    const expr_class_t *cls = self->u.obj.cls;
    const expr_value_t *vals = self->u.obj.ptr;
    expr_value_t acc = expr_str_ref("{", 1);
    for (size_t i = 0; i < cls->member_count; i++) {
        expr_value_t s = expr_str_ref("", 0);
        if (vals[i].tag != EXPR_V_NULL && expr_value_to_string(rt, &vals[i], &s)) return EXPR_THROWN;
        if (expr_str_printf(rt, &acc, "%.*s%s %s = %.*s", (int)acc.u.s.len, acc.u.s.ptr, i ? "," : "",
                            cls->members[i].name, (int)s.u.s.len, s.u.s.ptr))
            return EXPR_THROWN;
    }
    return expr_str_printf(rt, out, "%.*s }", (int)acc.u.s.len, acc.u.s.ptr);
}
