/* lib_string_static: string's static members (Equals, Compare, CompareOrdinal,
 * IsNullOrEmpty, IsNullOrWhiteSpace, Empty, Format, Join, Concat, the constructor) and the
 * StringComparison / StringSplitOptions enums. The member table is lib_string.c's.
 * Contract: value.h, lib_string.h. */
#include "expr/lib_string.h"

#include <string.h>

#define T_INT {&expr_class_int, NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}

static int range_error(expr_rt_t *rt, const char *param, const char *msg)
{
    return expr_throw(rt, "ArgumentOutOfRangeException", "%s (Parameter '%s')", msg, param);
}

EXPR_NATIVE_EXTERN(expr_string_static_equals)
{
    expr_string_cmp_t cmp = CMP_ORDINAL;
    if (argc > 2 && expr_string_arg_comparison(rt, &args[2], &cmp)) return EXPR_THROWN;
    for (int k = 0; k < 2; k++)
        if (args[k].tag != EXPR_V_STRING && args[k].tag != EXPR_V_NULL) {
            *out = expr_bool(false);
            return 0;
        }
    if (args[0].tag == EXPR_V_NULL || args[1].tag == EXPR_V_NULL) {
        *out = expr_bool(args[0].tag == args[1].tag);
        return 0;
    }
    bool eq;
    if (expr_string_equal(rt, args[0].u.s.ptr, args[0].u.s.len, args[1].u.s.ptr, args[1].u.s.len, cmp, &eq))
        return EXPR_THROWN;
    *out = expr_bool(eq);
    return 0;
}

/* string.Compare(a, b [, ignoreCase | StringComparison]) and
 * string.Compare(a, indexA, b, indexB, length [, ignoreCase | StringComparison]). */
static int compare_static(expr_rt_t *rt, expr_value_t *args, unsigned argc, expr_value_t *out,
                          expr_string_cmp_t cmp)
{
    expr_value_t a = args[0], b;
    unsigned opt = 2;
    if (argc >= 5) {
        int32_t ia, ib, n;
        b = args[2];
        if (expr_text_arg_int(rt, &args[1], "indexA", &ia) || expr_text_arg_int(rt, &args[3], "indexB", &ib) ||
            expr_text_arg_int(rt, &args[4], "length", &n))
            return EXPR_THROWN;
        if (n < 0 || ia < 0 || ib < 0)
            return range_error(rt, "length", "Length cannot be less than zero.");
        expr_value_t *sides[2] = {&a, &b};
        int32_t idx[2] = {ia, ib};
        for (int s = 0; s < 2; s++) {
            if (sides[s]->tag == EXPR_V_NULL) continue;
            if (sides[s]->tag != EXPR_V_STRING)
                return expr_throw(rt, "ArgumentException", "Object must be of type String.");
            size_t units = expr_text_u16_len(sides[s]->u.s.ptr, sides[s]->u.s.len);
            if ((size_t)idx[s] > units)
                return range_error(rt, s ? "indexB" : "indexA", "Index was out of range. Must be non-negative and less than the size of the collection.");
            size_t take = units - (size_t)idx[s] < (size_t)n ? units - (size_t)idx[s] : (size_t)n;
            if (expr_string_sub_units(rt, sides[s]->u.s.ptr, sides[s]->u.s.len, (size_t)idx[s], take, sides[s]))
                return EXPR_THROWN;
        }
        opt = 5;
    } else {
        b = args[1];
    }
    if (argc > opt) {
        if (args[opt].tag == EXPR_V_BOOL) cmp.ignore_case = args[opt].u.b;
        else if (expr_string_arg_comparison(rt, &args[opt], &cmp)) return EXPR_THROWN;
    }
    if (a.tag == EXPR_V_NULL || b.tag == EXPR_V_NULL) {
        *out = expr_int(a.tag == b.tag ? 0 : a.tag == EXPR_V_NULL ? -1 : 1);
        return 0;
    }
    if (a.tag != EXPR_V_STRING || b.tag != EXPR_V_STRING)
        return expr_throw(rt, "ArgumentException", "Object must be of type String.");
    int r;
    if (expr_string_compare(rt, a.u.s.ptr, a.u.s.len, b.u.s.ptr, b.u.s.len, cmp, &r)) return EXPR_THROWN;
    *out = expr_int(r);
    return 0;
}

EXPR_NATIVE_EXTERN(expr_string_compare_fn)
{
    return compare_static(rt, args, argc, out, CMP_CULTURE);
}

EXPR_NATIVE_EXTERN(expr_string_compare_ordinal)
{
    return compare_static(rt, args, argc, out, CMP_ORDINAL);
}

/* ---- statics ---- */

EXPR_NATIVE_EXTERN(expr_string_is_null_or_empty)
{
    if (args[0].tag != EXPR_V_NULL && args[0].tag != EXPR_V_STRING)
        return expr_throw(rt, "ArgumentException", "Argument 'value' must be a string.");
    *out = expr_bool(args[0].tag == EXPR_V_NULL || args[0].u.s.len == 0);
    return 0;
}

EXPR_NATIVE_EXTERN(expr_string_is_null_or_white_space)
{
    if (args[0].tag != EXPR_V_NULL && args[0].tag != EXPR_V_STRING)
        return expr_throw(rt, "ArgumentException", "Argument 'value' must be a string.");
    bool r = true;
    if (args[0].tag == EXPR_V_STRING) {
        const char *p = args[0].u.s.ptr;
        size_t len = args[0].u.s.len;
        for (size_t i = 0; i < len && r;) r = expr_text_is_white(expr_text_next_cp(p, len, &i));
    }
    *out = expr_bool(r);
    return 0;
}

EXPR_NATIVE_EXTERN(expr_string_empty)
{
    *out = expr_str_ref("", 0);
    return 0;
}

/* The values of a params argument list: one array (not of a value type: C#'s array
 * covariance makes string[] an object[]) is the list itself. */
static void params_list(expr_value_t *args, unsigned argc, const expr_value_t **items,
                        unsigned *count, bool any_array)
{
    if (argc == 1 && args[0].tag == EXPR_V_ARRAY &&
        (any_array || !args[0].u.arr.elem || args[0].u.arr.elem->tag == EXPR_V_STRING ||
         args[0].u.arr.elem->tag == EXPR_V_OBJECT)) {
        *items = args[0].u.arr.items;
        *count = args[0].u.arr.count;
        return;
    }
    *items = args;
    *count = argc;
}

EXPR_NATIVE_EXTERN(expr_string_format)
{
    const char *f;
    size_t flen;
    if (argc > 1 && expr_text_is_provider(&args[0])) {
        /* string.Format(IFormatProvider, format, args...) */
        args++;
        argc--;
    }
    if (expr_text_arg_str(rt, &args[0], "format", false, &f, &flen)) return EXPR_THROWN;
    const expr_value_t *items;
    unsigned n;
    params_list(args + 1, argc - 1, &items, &n, false);
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_format(&b, f, flen, items, n)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

/* string.Join(separator, values...): separator string or char; values a params list, an
 * array, or any enumerable; Join(sep, string[], startIndex, count). */
EXPR_NATIVE_EXTERN(expr_string_join)
{
    const char *sep = "";
    size_t seplen = 0;
    char tmp[4];
    if (args[0].tag != EXPR_V_NULL && expr_string_arg_text(rt, &args[0], "separator", tmp, &sep, &seplen))
        return EXPR_THROWN;
    const expr_value_t *items;
    unsigned n;
    expr_value_t *enum_items;
    uint32_t enum_count;
    if (argc == 4 && args[1].tag == EXPR_V_ARRAY && args[2].tag == EXPR_V_INT) {
        int32_t start, count;
        if (expr_text_arg_int(rt, &args[2], "startIndex", &start) || expr_text_arg_int(rt, &args[3], "count", &count))
            return EXPR_THROWN;
        if (start < 0 || count < 0 || (uint64_t)start + (uint64_t)count > args[1].u.arr.count)
            return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.");
        items = args[1].u.arr.items + start;
        n = (unsigned)count;
    } else if (argc == 2 && args[1].tag == EXPR_V_NULL) {
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'values')");
    } else if (argc == 2 && args[1].tag == EXPR_V_OBJECT) {
        if (expr_rt_enumerate(rt, &args[1], &enum_items, &enum_count)) return EXPR_THROWN;
        items = enum_items;
        n = enum_count;
    } else {
        params_list(args + 1, argc - 1, &items, &n, true);
    }
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    for (unsigned k = 0; k < n; k++) {
        if (k && expr_text_put(&b, sep, seplen)) return EXPR_THROWN;
        if (expr_text_put_value(&b, &items[k])) return EXPR_THROWN;
    }
    return expr_text_finish(&b, out);
}

EXPR_NATIVE_EXTERN(expr_string_concat)
{
    const expr_value_t *items;
    unsigned n;
    expr_value_t *enum_items;
    uint32_t enum_count;
    if (argc == 1 && args[0].tag == EXPR_V_OBJECT && args[0].u.obj.cls && args[0].u.obj.cls->enumerate) {
        if (expr_rt_enumerate(rt, &args[0], &enum_items, &enum_count)) return EXPR_THROWN;
        items = enum_items;
        n = enum_count;
    } else {
        params_list(args, argc, &items, &n, true);
    }
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    for (unsigned k = 0; k < n; k++)
        if (expr_text_put_value(&b, &items[k])) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

/* new string(char, count) / new string(char[]) / new string(char[], start, length). */
EXPR_NATIVE_EXTERN(expr_string_ctor)
{
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (args[0].tag == EXPR_V_CHAR) {
        int32_t count;
        if (argc < 2) return expr_throw(rt, "ArgumentException", "new string(char, int) needs a count.");
        if (expr_text_arg_int(rt, &args[1], "count", &count)) return EXPR_THROWN;
        if (count < 0) return range_error(rt, "count", "Non-negative number required.");
        uint16_t c = (uint16_t)args[0].u.i;
        for (int32_t k = 0; k < count; k++)
            if (expr_text_put_u16(&b, &c, 1)) return EXPR_THROWN;
        return expr_text_finish(&b, out);
    }
    uint16_t *chars;
    size_t n;
    if (expr_string_arg_chars(rt, &args[0], "value", &chars, &n)) return EXPR_THROWN;
    int32_t start = 0, count = (int32_t)n;
    if (argc == 3) {
        if (expr_text_arg_int(rt, &args[1], "startIndex", &start) || expr_text_arg_int(rt, &args[2], "length", &count))
            return EXPR_THROWN;
        if (start < 0 || count < 0 || (size_t)start + (size_t)count > n)
            return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.");
    }
    if (expr_text_put_u16(&b, chars + start, (size_t)count)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

/* ---- StringComparison, StringSplitOptions ---- */

#define ENUM_CONST(fn, v)                                                                      \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        (void)rt;                                                                              \
        *out = expr_text_enum(v);                                                              \
        return 0;                                                                              \
    }

ENUM_CONST(cmp_current_culture, 0)
ENUM_CONST(cmp_current_culture_ic, 1)
ENUM_CONST(cmp_invariant_culture, 2)
ENUM_CONST(cmp_invariant_culture_ic, 3)
ENUM_CONST(cmp_ordinal, 4)
ENUM_CONST(cmp_ordinal_ic, 5)
ENUM_CONST(split_none, 0)
ENUM_CONST(split_remove_empty, 1)
ENUM_CONST(split_trim, 2)

static const expr_member_t string_comparison_members[] = {
    MEMBER("CurrentCulture", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, cmp_current_culture),
    MEMBER("CurrentCultureIgnoreCase", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, cmp_current_culture_ic),
    MEMBER("InvariantCulture", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, cmp_invariant_culture),
    MEMBER("InvariantCultureIgnoreCase", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, cmp_invariant_culture_ic),
    MEMBER("Ordinal", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, cmp_ordinal),
    MEMBER("OrdinalIgnoreCase", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, cmp_ordinal_ic),
};

const expr_class_t expr_class_string_comparison = {
    .name = "StringComparison",
    .full_name = "System.StringComparison",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    .members = string_comparison_members,
    .member_count = sizeof string_comparison_members / sizeof string_comparison_members[0],
};

static const expr_member_t string_split_options_members[] = {
    MEMBER("None", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, split_none),
    MEMBER("RemoveEmptyEntries", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, split_remove_empty),
    MEMBER("TrimEntries", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, split_trim),
};

const expr_class_t expr_class_string_split_options = {
    .name = "StringSplitOptions",
    .full_name = "System.StringSplitOptions",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    .members = string_split_options_members,
    .member_count = sizeof string_split_options_members / sizeof string_split_options_members[0],
};

