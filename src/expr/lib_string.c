/* lib_string: the string class (members of System.String) and the enums StringComparison,
 * StringSplitOptions; the static members and the enums are in lib_string_static.c, char,
 * StringBuilder and composite formatting in lib_string_extra.c.
 * Contract: value.h. Positions and lengths are UTF-16 code units (lib_text.h converts). */
#include "expr/lib_string.h"

#include <string.h>

/* ---- helpers ---- */

static int self_string(expr_rt_t *rt, const expr_value_t *self, const char **p, size_t *len)
{
    *p = "";
    *len = 0;
    if (!self || self->tag != EXPR_V_STRING)
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    *p = self->u.s.ptr;
    *len = self->u.s.len;
    return 0;
}

/* StringComparison: CurrentCulture 0, CurrentCultureIgnoreCase 1, InvariantCulture 2,
 * InvariantCultureIgnoreCase 3, Ordinal 4, OrdinalIgnoreCase 5. */

int expr_string_arg_comparison(expr_rt_t *rt, const expr_value_t *v, expr_string_cmp_t *cmp)
{
    if (v->tag != EXPR_V_INT || v->u.i < 0 || v->u.i > 5)
        return expr_throw(rt, "ArgumentException", "The string comparison type passed in is currently not supported. (Parameter 'comparisonType')");
    cmp->ignore_case = v->u.i & 1;
    cmp->culture = v->u.i < 4;
    return 0;
}


static uint32_t fold(uint32_t c, bool ignore_case)
{
    return ignore_case ? expr_text_upper(c) : c;
}

/* Does hay[at..] start with needle (code point by code point)? *end = byte end of the match. */
static bool match_at(const char *hay, size_t hlen, size_t at, const char *needle, size_t nlen,
                     bool ignore_case, size_t *end)
{
    if (!ignore_case) {
        if (hlen - at < nlen || memcmp(hay + at, needle, nlen)) return false;
        *end = at + nlen;
        return true;
    }
    size_t i = at, j = 0;
    while (j < nlen) {
        if (i >= hlen) return false;
        if (fold(expr_text_next_cp(hay, hlen, &i), true) != fold(expr_text_next_cp(needle, nlen, &j), true))
            return false;
    }
    *end = i;
    return true;
}

static size_t cp_next(const char *p, size_t len, size_t i)
{
    expr_text_next_cp(p, len, &i);
    return i;
}

/* The byte offset of the first match of needle in hay[from..to), or SIZE_MAX. */
static size_t find_forward(const char *hay, size_t from, size_t to, const char *needle, size_t nlen,
                           bool ignore_case)
{
    size_t end;
    for (size_t i = from; i <= to; i = cp_next(hay, to, i)) {
        if (match_at(hay, to, i, needle, nlen, ignore_case, &end)) return i;
        if (i == to) break;
    }
    return SIZE_MAX;
}

/* The byte offset of the last match starting in [from, to] whose end is <= limit. */
static size_t find_backward(const char *hay, size_t limit, const char *needle, size_t nlen,
                            bool ignore_case)
{
    size_t best = SIZE_MAX, end;
    for (size_t i = 0; i <= limit; i = cp_next(hay, limit, i)) {
        if (match_at(hay, limit, i, needle, nlen, ignore_case, &end)) best = i;
        if (i == limit) break;
    }
    return best;
}

/* A value (string or char) as UTF-8 text; chars go into `tmp`. */
int expr_string_arg_text(expr_rt_t *rt, const expr_value_t *v, const char *param, char tmp[4],
                    const char **p, size_t *len)
{
    if (v->tag == EXPR_V_CHAR) {
        expr_text_buf_t b = {rt, tmp, 0, 4};
        uint16_t u = (uint16_t)v->u.i;
        /* a char is one code unit: at most 3 bytes, no reallocation */
        if (expr_text_put_u16(&b, &u, 1)) return EXPR_THROWN;
        *p = tmp;
        *len = b.len;
        return 0;
    }
    return expr_text_arg_str(rt, v, param, false, p, len);
}

static int range_error(expr_rt_t *rt, const char *param, const char *msg)
{
    return expr_throw(rt, "ArgumentOutOfRangeException", "%s (Parameter '%s')", msg, param);
}

/* Substring in UTF-16 units [start, start+count) of a validated range. */
int expr_string_sub_units(expr_rt_t *rt, const char *p, size_t len, size_t start, size_t count,
                     expr_value_t *out)
{
    if (expr_text_is_ascii(p, len)) {
        *out = expr_str_ref(p + start, count);
        return 0;
    }
    expr_u16_t u;
    if (expr_text_to_u16(rt, p, len, &u)) return EXPR_THROWN;
    return expr_text_from_u16(rt, u.u + start, count, out);
}

/* ---- comparison ---- */

/* Ordinal: UTF-16 code unit order (the difference of the first differing units, as .NET).
 * Culture: an approximation of ICU's invariant collation — case-insensitive order first,
 * then lower case before upper case; -1, 0 or 1. */
int expr_string_compare(expr_rt_t *rt, const char *a, size_t alen, const char *b, size_t blen,
                          expr_string_cmp_t cmp, int *result)
{
    expr_u16_t ua, ub;
    if (expr_text_to_u16(rt, a, alen, &ua) || expr_text_to_u16(rt, b, blen, &ub)) return EXPR_THROWN;
    size_t n = ua.n < ub.n ? ua.n : ub.n;
    int tie = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = ua.u[i], y = ub.u[i];
        if (x == y) continue;
        uint32_t fx = expr_text_upper(x), fy = expr_text_upper(y);
        if (cmp.ignore_case || cmp.culture) {
            if (fx == fy) {
                if (!cmp.ignore_case && !tie) tie = expr_text_is_lower(x) ? -1 : 1;
                continue;
            }
            if (cmp.culture) {
                uint32_t lx = expr_text_lower(x), ly = expr_text_lower(y);
                *result = lx < ly ? -1 : 1;
            } else {
                *result = (int)fx - (int)fy;
            }
            return 0;
        }
        *result = (int)x - (int)y;
        return 0;
    }
    if (ua.n != ub.n) {
        *result = cmp.culture ? (ua.n < ub.n ? -1 : 1) : (int)ua.n - (int)ub.n;
        return 0;
    }
    *result = tie;
    return 0;
}

int expr_string_equal(expr_rt_t *rt, const char *a, size_t alen, const char *b, size_t blen,
                        expr_string_cmp_t cmp, bool *eq)
{
    if (!cmp.ignore_case) {
        *eq = alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
        return 0;
    }
    /* ASCII on both sides (header names, regions, methods): fold bytes directly instead of
     * converting both strings to UTF-16 first. A non-ASCII byte takes the general path. */
    if (alen == blen) {
        size_t i = 0;
        for (; i < alen; i++) {
            unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
            if ((x | y) & 0x80) break;
            if (x == y) continue;
            if ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z') {
                *eq = false;
                return 0;
            }
        }
        if (i == alen) {
            *eq = true;
            return 0;
        }
    }
    int r;
    if (expr_string_compare(rt, a, alen, b, blen, (expr_string_cmp_t){true, false}, &r)) return EXPR_THROWN;
    *eq = r == 0;
    return 0;
}

/* ---- properties, indexer ---- */

EXPR_NATIVE(str_length)
{
    const char *p;
    size_t len;
    if (self_string(rt, self, &p, &len)) return EXPR_THROWN;
    *out = expr_int((int32_t)expr_text_u16_len(p, len));
    return 0;
}

EXPR_NATIVE(str_index)
{
    const char *p;
    size_t len;
    int32_t i;
    if (self_string(rt, self, &p, &len) || expr_text_arg_int(rt, &args[0], "index", &i)) return EXPR_THROWN;
    if (i >= 0 && (size_t)i < len && expr_text_is_ascii(p, len)) {
        *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = (unsigned char)p[i]};
        return 0;
    }
    expr_u16_t u;
    if (expr_text_to_u16(rt, p, len, &u)) return EXPR_THROWN;
    if (i < 0 || (size_t)i >= u.n)
        return expr_throw(rt, "IndexOutOfRangeException", "Index was outside the bounds of the array.");
    *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = u.u[i]};
    return 0;
}

/* ---- search ---- */

/* Contains / StartsWith / EndsWith (value [, StringComparison]); mode 0, 1, 2. Contains and
 * a char argument compare ordinally, a string argument of StartsWith/EndsWith by culture. */
static int str_match(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc,
                     expr_value_t *out, int mode)
{
    const char *p, *v;
    size_t len, vlen;
    char tmp[4];
    expr_string_cmp_t cmp = mode == 0 || args[0].tag == EXPR_V_CHAR ? CMP_ORDINAL : CMP_CULTURE;
    if (self_string(rt, self, &p, &len) || expr_string_arg_text(rt, &args[0], "value", tmp, &v, &vlen)) return EXPR_THROWN;
    if (argc > 1) {
        if (args[1].tag == EXPR_V_BOOL) cmp.ignore_case = args[1].u.b; /* (value, ignoreCase, culture) */
        else if (expr_string_arg_comparison(rt, &args[1], &cmp)) return EXPR_THROWN;
    }
    size_t end;
    bool r;
    if (mode == 0) r = find_forward(p, 0, len, v, vlen, cmp.ignore_case) != SIZE_MAX;
    else if (mode == 1) r = match_at(p, len, 0, v, vlen, cmp.ignore_case, &end);
    else {
        size_t at = find_backward(p, len, v, vlen, cmp.ignore_case);
        r = false;
        if (at != SIZE_MAX) r = match_at(p, len, at, v, vlen, cmp.ignore_case, &end) && end == len;
        if (!r && vlen == 0) r = true;
        if (!r && cmp.ignore_case) {
            /* the last match may end before len while another, ending at len, exists */
            for (size_t i = 0; i < len && !r; i = cp_next(p, len, i))
                r = match_at(p, len, i, v, vlen, true, &end) && end == len;
        }
    }
    *out = expr_bool(r);
    return 0;
}

EXPR_NATIVE(str_contains)
{
    return str_match(rt, self, args, argc, out, 0);
}

EXPR_NATIVE(str_starts_with)
{
    return str_match(rt, self, args, argc, out, 1);
}

EXPR_NATIVE(str_ends_with)
{
    return str_match(rt, self, args, argc, out, 2);
}

/* IndexOf / LastIndexOf (value [, startIndex [, count]] [, StringComparison]). */
static int str_index_of(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc,
                        expr_value_t *out, bool last)
{
    const char *p, *v;
    size_t len, vlen;
    char tmp[4];
    expr_string_cmp_t cmp = args[0].tag == EXPR_V_CHAR ? CMP_ORDINAL : CMP_CULTURE;
    if (self_string(rt, self, &p, &len) || expr_string_arg_text(rt, &args[0], "value", tmp, &v, &vlen)) return EXPR_THROWN;
    int32_t nums[2];
    unsigned nnums = 0;
    for (unsigned k = 1; k < argc; k++) {
        if (k == argc - 1 && (expr_text_is_enum(&args[k]) || (k == 3))) {
            if (expr_string_arg_comparison(rt, &args[k], &cmp)) return EXPR_THROWN;
        } else {
            if (nnums >= 2) return expr_throw(rt, "ArgumentException", "Too many arguments to IndexOf.");
            if (expr_text_arg_int(rt, &args[k], nnums ? "count" : "startIndex", &nums[nnums])) return EXPR_THROWN;
            nnums++;
        }
    }
    size_t units = expr_text_u16_len(p, len);
    int64_t start, count;
    if (!last) {
        start = nnums > 0 ? nums[0] : 0;
        if (start < 0 || (size_t)start > units)
            return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than or equal to the size of the collection.");
        count = nnums > 1 ? nums[1] : (int64_t)units - start;
        if (count < 0 || (size_t)(start + count) > units)
            return range_error(rt, "count", "Count must be positive and count must refer to a location within the string/array/collection.");
        size_t from = expr_text_u16_offset(p, len, (size_t)start);
        /* a start inside a surrogate pair: no match can begin before the next code point */
        if (from < len && expr_text_u16_pos(p, len, from) < (size_t)start) from = cp_next(p, len, from);
        size_t to = expr_text_u16_offset(p, len, (size_t)(start + count));
        size_t at = find_forward(p, from, to, v, vlen, cmp.ignore_case);
        *out = expr_int(at == SIZE_MAX ? -1 : (int32_t)expr_text_u16_pos(p, len, at));
        return 0;
    }
    /* LastIndexOf searches backward from startIndex over count units */
    if (units == 0) {
        *out = expr_int(vlen == 0 ? 0 : -1);
        return 0;
    }
    start = nnums > 0 ? nums[0] : (int64_t)units - 1;
    if (start == (int64_t)units && nnums > 0) start--; /* .NET allows startIndex == Length */
    if (start < 0 || (size_t)start >= units)
        return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.");
    count = nnums > 1 ? nums[1] : start + 1;
    if (count < 0 || start - count + 1 < 0)
        return range_error(rt, "count", "Count must be positive and count must refer to a location within the string/array/collection.");
    size_t lo = expr_text_u16_offset(p, len, (size_t)(start - count + 1));
    size_t hi = expr_text_u16_offset(p, len, (size_t)start + 1);
    size_t at = find_backward(p + lo, hi - lo, v, vlen, cmp.ignore_case);
    if (vlen == 0) {
        *out = expr_int((int32_t)start);
        return 0;
    }
    *out = expr_int(at == SIZE_MAX ? -1 : (int32_t)expr_text_u16_pos(p, len, lo + at));
    return 0;
}

EXPR_NATIVE(str_index_of_fn)
{
    return str_index_of(rt, self, args, argc, out, false);
}

EXPR_NATIVE(str_last_index_of)
{
    return str_index_of(rt, self, args, argc, out, true);
}

/* The char[] argument of IndexOfAny / Trim / Split as code units. */
int expr_string_arg_chars(expr_rt_t *rt, const expr_value_t *v, const char *param, uint16_t **chars,
                     size_t *n)
{
    if (v->tag == EXPR_V_CHAR) {
        uint16_t *c = expr_rt_alloc(rt, sizeof *c);
        if (!c) return EXPR_THROWN;
        *c = (uint16_t)v->u.i;
        *chars = c;
        *n = 1;
        return 0;
    }
    if (v->tag == EXPR_V_NULL) {
        *chars = NULL;
        *n = 0;
        return 0;
    }
    if (v->tag != EXPR_V_ARRAY)
        return expr_throw(rt, "ArgumentException", "Argument '%s' must be a char[].", param);
    uint16_t *c = expr_rt_alloc(rt, (v->u.arr.count + 1) * sizeof *c);
    if (!c) return EXPR_THROWN;
    for (uint32_t k = 0; k < v->u.arr.count; k++) {
        if (v->u.arr.items[k].tag != EXPR_V_CHAR)
            return expr_throw(rt, "ArgumentException", "Argument '%s' must be a char[].", param);
        c[k] = (uint16_t)v->u.arr.items[k].u.i;
    }
    *chars = c;
    *n = v->u.arr.count;
    return 0;
}

static bool in_chars(uint16_t c, const uint16_t *set, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (set[k] == c) return true;
    return false;
}

static int str_index_of_any(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args,
                            unsigned argc, expr_value_t *out, bool last)
{
    const char *p;
    size_t len, n;
    uint16_t *set;
    expr_u16_t u;
    if (self_string(rt, self, &p, &len)) return EXPR_THROWN;
    if (args[0].tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'anyOf')");
    if (expr_string_arg_chars(rt, &args[0], "anyOf", &set, &n) || expr_text_to_u16(rt, p, len, &u)) return EXPR_THROWN;
    int32_t start = last ? (int32_t)u.n - 1 : 0, count;
    if (argc > 1 && expr_text_arg_int(rt, &args[1], "startIndex", &start)) return EXPR_THROWN;
    if (start < 0 || (size_t)start > u.n || (last && u.n && (size_t)start >= u.n))
        return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.");
    count = last ? start + 1 : (int32_t)u.n - start;
    if (argc > 2 && expr_text_arg_int(rt, &args[2], "count", &count)) return EXPR_THROWN;
    if (count < 0 || (!last && (size_t)start + (size_t)count > u.n) || (last && start - count + 1 < 0))
        return range_error(rt, "count", "Count must be positive and count must refer to a location within the string/array/collection.");
    int32_t found = -1;
    if (!last) {
        for (int32_t i = start; i < start + count && found < 0; i++)
            if (in_chars(u.u[i], set, n)) found = i;
    } else {
        for (int32_t i = start; i > start - count && found < 0; i--)
            if (in_chars(u.u[i], set, n)) found = i;
    }
    *out = expr_int(found);
    return 0;
}

EXPR_NATIVE(str_index_of_any_fn)
{
    return str_index_of_any(rt, self, args, argc, out, false);
}

EXPR_NATIVE(str_last_index_of_any)
{
    return str_index_of_any(rt, self, args, argc, out, true);
}

/* ---- pieces ---- */

EXPR_NATIVE(str_substring)
{
    const char *p;
    size_t len;
    int32_t start, count;
    if (self_string(rt, self, &p, &len) || expr_text_arg_int(rt, &args[0], "startIndex", &start))
        return EXPR_THROWN;
    size_t units = expr_text_u16_len(p, len);
    if (start < 0) return range_error(rt, "startIndex", "StartIndex cannot be less than zero.");
    if ((size_t)start > units)
        return range_error(rt, "startIndex", "startIndex cannot be larger than length of string.");
    count = (int32_t)(units - (size_t)start);
    if (argc > 1) {
        if (expr_text_arg_int(rt, &args[1], "length", &count)) return EXPR_THROWN;
        if (count < 0) return range_error(rt, "length", "Length cannot be less than zero.");
        if ((size_t)start + (size_t)count > units)
            return range_error(rt, "length", "Index and length must refer to a location within the string.");
    }
    return expr_string_sub_units(rt, p, len, (size_t)start, (size_t)count, out);
}

/* Remove(startIndex [, count]) and Insert(startIndex, value). */
EXPR_NATIVE(str_remove)
{
    const char *p;
    size_t len;
    int32_t start, count;
    expr_u16_t u;
    if (self_string(rt, self, &p, &len) || expr_text_arg_int(rt, &args[0], "startIndex", &start) ||
        expr_text_to_u16(rt, p, len, &u))
        return EXPR_THROWN;
    if (start < 0) return range_error(rt, "startIndex", "StartIndex cannot be less than zero.");
    if (argc == 1) {
        if ((size_t)start >= u.n && !(u.n == 0 && start == 0))
            return range_error(rt, "startIndex", "startIndex must be less than length of string.");
        count = (int32_t)(u.n - (size_t)start);
    } else {
        if (expr_text_arg_int(rt, &args[1], "count", &count)) return EXPR_THROWN;
        if (count < 0) return range_error(rt, "count", "Count cannot be less than zero.");
        if ((size_t)start + (size_t)count > u.n)
            return range_error(rt, "count", "Index and count must refer to a location within the string.");
    }
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_put_u16(&b, u.u, (size_t)start) ||
        expr_text_put_u16(&b, u.u + start + count, u.n - (size_t)start - (size_t)count))
        return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

EXPR_NATIVE(str_insert)
{
    const char *p, *v;
    size_t len, vlen;
    int32_t start;
    expr_u16_t u;
    if (self_string(rt, self, &p, &len) || expr_text_arg_int(rt, &args[0], "startIndex", &start) ||
        expr_text_arg_str(rt, &args[1], "value", false, &v, &vlen) || expr_text_to_u16(rt, p, len, &u))
        return EXPR_THROWN;
    if (start < 0 || (size_t)start > u.n)
        return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than or equal to the size of the collection.");
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_put_u16(&b, u.u, (size_t)start) || expr_text_put(&b, v, vlen) ||
        expr_text_put_u16(&b, u.u + start, u.n - (size_t)start))
        return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

static int pad(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc,
               expr_value_t *out, bool left)
{
    const char *p;
    size_t len;
    int32_t width;
    uint16_t c = ' ';
    if (self_string(rt, self, &p, &len) || expr_text_arg_int(rt, &args[0], "totalWidth", &width))
        return EXPR_THROWN;
    if (width < 0) return range_error(rt, "totalWidth", "Non-negative number required.");
    if (argc > 1) {
        if (args[1].tag != EXPR_V_CHAR)
            return expr_throw(rt, "ArgumentException", "Argument 'paddingChar' must be a char.");
        c = (uint16_t)args[1].u.i;
    }
    size_t units = expr_text_u16_len(p, len);
    if ((size_t)width <= units) {
        *out = *self;
        return 0;
    }
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (!left && expr_text_put(&b, p, len)) return EXPR_THROWN;
    for (size_t k = units; k < (size_t)width; k++)
        if (expr_text_put_u16(&b, &c, 1)) return EXPR_THROWN;
    if (left && expr_text_put(&b, p, len)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

EXPR_NATIVE(str_pad_left)
{
    return pad(rt, self, args, argc, out, true);
}

EXPR_NATIVE(str_pad_right)
{
    return pad(rt, self, args, argc, out, false);
}

/* Trim / TrimStart / TrimEnd ([chars...]): no chars (or null, or empty) = white space. */
static int trim(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc,
                expr_value_t *out, bool start, bool end)
{
    const char *p;
    size_t len;
    if (self_string(rt, self, &p, &len)) return EXPR_THROWN;
    uint16_t *set = NULL;
    size_t n = 0;
    if (argc == 1) {
        if (expr_string_arg_chars(rt, &args[0], "trimChars", &set, &n)) return EXPR_THROWN;
    } else if (argc > 1) {
        set = expr_rt_alloc(rt, argc * sizeof *set);
        if (!set) return EXPR_THROWN;
        for (unsigned k = 0; k < argc; k++) {
            if (args[k].tag != EXPR_V_CHAR)
                return expr_throw(rt, "ArgumentException", "Argument 'trimChars' must be a char[].");
            set[n++] = (uint16_t)args[k].u.i;
        }
    }
    expr_u16_t u;
    if (expr_text_to_u16(rt, p, len, &u)) return EXPR_THROWN;
    size_t lo = 0, hi = u.n;
    while (start && lo < hi && (n ? in_chars(u.u[lo], set, n) : expr_text_is_white(u.u[lo]))) lo++;
    while (end && hi > lo && (n ? in_chars(u.u[hi - 1], set, n) : expr_text_is_white(u.u[hi - 1]))) hi--;
    if (lo == 0 && hi == u.n) {
        *out = *self;
        return 0;
    }
    return expr_string_sub_units(rt, p, len, lo, hi - lo, out);
}

EXPR_NATIVE(str_trim)
{
    return trim(rt, self, args, argc, out, true, true);
}

EXPR_NATIVE(str_trim_start)
{
    return trim(rt, self, args, argc, out, true, false);
}

EXPR_NATIVE(str_trim_end)
{
    return trim(rt, self, args, argc, out, false, true);
}

static int change_case(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out, bool upper)
{
    const char *p;
    size_t len;
    if (self_string(rt, self, &p, &len)) return EXPR_THROWN;
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, len)) return EXPR_THROWN;
    for (size_t i = 0; i < len;) {
        uint32_t c = expr_text_next_cp(p, len, &i);
        if (expr_text_put_cp(&b, upper ? expr_text_upper(c) : expr_text_lower(c))) return EXPR_THROWN;
    }
    return expr_text_finish(&b, out);
}

EXPR_NATIVE(str_to_upper)
{
    return change_case(rt, self, out, true);
}

EXPR_NATIVE(str_to_lower)
{
    return change_case(rt, self, out, false);
}

EXPR_NATIVE(str_to_string)
{
    const char *p;
    size_t len;
    if (self_string(rt, self, &p, &len)) return EXPR_THROWN;
    *out = *self;
    return 0;
}

static int make_char_array(expr_rt_t *rt, const uint16_t *u, size_t n, expr_value_t *out)
{
    expr_value_t *items = expr_rt_alloc(rt, (n ? n : 1) * sizeof *items);
    if (!items) return EXPR_THROWN;
    for (size_t k = 0; k < n; k++) items[k] = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = u[k]};
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, (uint32_t)n, &expr_class_char}};
    return 0;
}

EXPR_NATIVE(str_to_char_array)
{
    const char *p;
    size_t len;
    expr_u16_t u;
    if (self_string(rt, self, &p, &len) || expr_text_to_u16(rt, p, len, &u)) return EXPR_THROWN;
    int32_t start = 0, count = (int32_t)u.n;
    if (argc == 2) {
        if (expr_text_arg_int(rt, &args[0], "startIndex", &start) ||
            expr_text_arg_int(rt, &args[1], "length", &count))
            return EXPR_THROWN;
        if (start < 0 || (size_t)start > u.n || count < 0 || (size_t)start + (size_t)count > u.n)
            return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.");
    }
    return make_char_array(rt, u.u + start, (size_t)count, out);
}

/* ---- Replace, Split ---- */

EXPR_NATIVE(str_replace)
{
    const char *p, *old, *nw;
    size_t len, olen, nlen;
    char t1[4], t2[4];
    if (self_string(rt, self, &p, &len)) return EXPR_THROWN;
    if (args[0].tag == EXPR_V_CHAR) {
        if (args[1].tag != EXPR_V_CHAR)
            return expr_throw(rt, "ArgumentException", "Argument 'newChar' must be a char.");
    }
    if (args[0].tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'oldValue')");
    if (expr_string_arg_text(rt, &args[0], "oldValue", t1, &old, &olen)) return EXPR_THROWN;
    if (args[1].tag == EXPR_V_NULL) {
        nw = "";
        nlen = 0;
    } else if (expr_string_arg_text(rt, &args[1], "newValue", t2, &nw, &nlen)) {
        return EXPR_THROWN;
    }
    if (olen == 0)
        return expr_throw(rt, "ArgumentException", "String cannot be of zero length. (Parameter 'oldValue')");
    expr_string_cmp_t cmp = CMP_ORDINAL;
    if (argc > 2) {
        if (args[2].tag == EXPR_V_BOOL) cmp.ignore_case = args[2].u.b;
        else if (expr_string_arg_comparison(rt, &args[2], &cmp)) return EXPR_THROWN;
    }
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    size_t i = 0, from = 0, end;
    bool any = false;
    while (i < len) {
        if (match_at(p, len, i, old, olen, cmp.ignore_case, &end)) {
            if (expr_text_put(&b, p + from, i - from) || expr_text_put(&b, nw, nlen)) return EXPR_THROWN;
            i = from = end;
            any = true;
        } else {
            i = cp_next(p, len, i);
        }
    }
    if (!any) {
        *out = *self;
        return 0;
    }
    if (expr_text_put(&b, p + from, len - from)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

typedef struct {
    const char *p;
    size_t len;
} piece_t;

/* The next separator at or after byte `from`: the first of `seps` (in their order) that
 * matches at a position, or any white space when there are none. */
static bool split_next(const char *p, size_t len, size_t from, const piece_t *seps, size_t nseps,
                       size_t *at, size_t *end)
{
    for (size_t i = from; i < len; i = cp_next(p, len, i)) {
        if (nseps == 0) {
            size_t j = i;
            if (expr_text_is_white(expr_text_next_cp(p, len, &j))) {
                *at = i;
                *end = j;
                return true;
            }
            continue;
        }
        for (size_t s = 0; s < nseps; s++)
            if (match_at(p, len, i, seps[s].p, seps[s].len, false, end)) {
                *at = i;
                return true;
            }
    }
    return false;
}

/* One entry of Split, trimmed with TrimEntries. */
static int split_piece(expr_rt_t *rt, const char *p, size_t len, bool trim_entries, piece_t *out)
{
    *out = (piece_t){p, len};
    if (!trim_entries) return 0;
    expr_value_t v = expr_str_ref(p, len), t;
    if (trim(rt, &v, NULL, 0, &t, true, true)) return EXPR_THROWN;
    *out = (piece_t){t.u.s.ptr, t.u.s.len};
    return 0;
}

/* Split(separators..., [count], [options]): separators are a char, a string, a char[] or a
 * string[] (null/empty = white space); count and options follow. */
EXPR_NATIVE(str_split)
{
    const char *p;
    size_t len;
    if (self_string(rt, self, &p, &len)) return EXPR_THROWN;
    piece_t *seps = NULL;
    size_t nseps = 0;
    int32_t count = INT32_MAX, options = 0;
    unsigned k = 0;
    /* separators: everything before the first int */
    size_t cap = 0;
    for (unsigned j = 0; j < argc && args[j].tag != EXPR_V_INT; j++)
        cap += args[j].tag == EXPR_V_ARRAY ? args[j].u.arr.count : 1;
    seps = expr_rt_alloc(rt, (cap + 1) * sizeof *seps);
    if (!seps) return EXPR_THROWN;
    for (; k < argc && args[k].tag != EXPR_V_INT; k++) {
        const expr_value_t *a = &args[k];
        size_t nitems = a->tag == EXPR_V_ARRAY ? a->u.arr.count : 1;
        for (size_t j = 0; j < nitems; j++) {
            const expr_value_t *it = a->tag == EXPR_V_ARRAY ? &a->u.arr.items[j] : a;
            if (it->tag == EXPR_V_NULL) continue;
            char *tmp = expr_rt_alloc(rt, 4);
            if (!tmp) return EXPR_THROWN;
            const char *sp;
            size_t sl;
            if (expr_string_arg_text(rt, it, "separator", tmp, &sp, &sl)) return EXPR_THROWN;
            if (sl) seps[nseps++] = (piece_t){sp, sl};
            else if (it->tag == EXPR_V_STRING && a->tag != EXPR_V_ARRAY) nseps = SIZE_MAX - 1;
        }
    }
    bool no_split = nseps == SIZE_MAX - 1; /* Split("") : the whole string */
    if (no_split) nseps = 0;
    if (k < argc) {
        if (k + 1 < argc || !expr_text_is_enum(&args[k])) {
            if (expr_text_arg_int(rt, &args[k], "count", &count)) return EXPR_THROWN;
            if (count < 0) return range_error(rt, "count", "Count cannot be less than zero.");
            k++;
        }
        if (k < argc && expr_text_arg_int(rt, &args[k], "options", &options)) return EXPR_THROWN;
        if (options < 0 || options > 3)
            return expr_throw(rt, "ArgumentException", "Value of flags is invalid. (Parameter 'options')");
    }
    bool remove_empty = options & 1, trim_entries = options & 2;
    piece_t *pieces = expr_rt_alloc(rt, (len + 2) * sizeof *pieces);
    if (!pieces) return EXPR_THROWN;
    size_t np = 0;
    if (count == 0) goto done;
    size_t from = 0, s_at, s_end;
    while (!no_split && np + 1 < (size_t)count && split_next(p, len, from, seps, nseps, &s_at, &s_end)) {
        piece_t pc;
        if (split_piece(rt, p + from, s_at - from, trim_entries, &pc)) return EXPR_THROWN;
        if (pc.len || !remove_empty) pieces[np++] = pc;
        from = s_end;
        /* the last piece is the rest; with RemoveEmptyEntries .NET first skips the empty
         * entries in front of it (SplitWithPostProcessing) */
        while (remove_empty && np + 1 == (size_t)count && split_next(p, len, from, seps, nseps, &s_at, &s_end)) {
            if (split_piece(rt, p + from, s_at - from, trim_entries, &pc)) return EXPR_THROWN;
            if (pc.len) break;
            from = s_end;
        }
    }
    {
        piece_t pc;
        if (split_piece(rt, p + from, len - from, trim_entries, &pc)) return EXPR_THROWN;
        if (pc.len || !remove_empty) pieces[np++] = pc;
    }
done:;
    expr_value_t *items = expr_rt_alloc(rt, (np ? np : 1) * sizeof *items);
    if (!items) return EXPR_THROWN;
    for (size_t j = 0; j < np; j++) items[j] = expr_str_ref(pieces[j].p, pieces[j].len);
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, (uint32_t)np, &expr_class_string}};
    return 0;
}

/* ---- equality, comparison ---- */

EXPR_NATIVE(str_equals)
{
    const char *p, *v;
    size_t len, vlen;
    if (self_string(rt, self, &p, &len)) return EXPR_THROWN;
    expr_string_cmp_t cmp = CMP_ORDINAL;
    if (argc > 1 && expr_string_arg_comparison(rt, &args[1], &cmp)) return EXPR_THROWN;
    if (args[0].tag != EXPR_V_STRING) {
        *out = expr_bool(false);
        return 0;
    }
    v = args[0].u.s.ptr;
    vlen = args[0].u.s.len;
    bool eq;
    if (expr_string_equal(rt, p, len, v, vlen, cmp, &eq)) return EXPR_THROWN;
    *out = expr_bool(eq);
    return 0;
}

EXPR_NATIVE(str_compare_to)
{
    const char *p, *v;
    size_t len, vlen;
    if (self_string(rt, self, &p, &len)) return EXPR_THROWN;
    if (args[0].tag == EXPR_V_NULL) {
        *out = expr_int(1);
        return 0;
    }
    if (args[0].tag != EXPR_V_STRING)
        return expr_throw(rt, "ArgumentException", "Object must be of type String.");
    v = args[0].u.s.ptr;
    vlen = args[0].u.s.len;
    int r;
    if (expr_string_compare(rt, p, len, v, vlen, CMP_CULTURE, &r)) return EXPR_THROWN;
    *out = expr_int(r);
    return 0;
}

/* ---- the class ---- */

#define T_INT {&expr_class_int, NULL}
#define T_BOOL {&expr_class_bool, NULL}
#define T_STR {&expr_class_string, NULL}
#define T_CHAR {&expr_class_char, NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}

static const expr_member_t string_members[] = {
    MEMBER("Length", EXPR_M_PROPERTY, 0, 0, T_INT, str_length),
    MEMBER("[]", EXPR_M_INDEXER, 1, 1, T_CHAR, str_index),
    MEMBER("Contains", EXPR_M_METHOD, 1, 2, T_BOOL, str_contains),
    MEMBER("StartsWith", EXPR_M_METHOD, 1, 3, T_BOOL, str_starts_with),
    MEMBER("EndsWith", EXPR_M_METHOD, 1, 3, T_BOOL, str_ends_with),
    MEMBER("Equals", EXPR_M_METHOD, 1, 2, T_BOOL, str_equals),
    MEMBER("CompareTo", EXPR_M_METHOD, 1, 1, T_INT, str_compare_to),
    MEMBER("IndexOf", EXPR_M_METHOD, 1, 4, T_INT, str_index_of_fn),
    MEMBER("LastIndexOf", EXPR_M_METHOD, 1, 4, T_INT, str_last_index_of),
    MEMBER("IndexOfAny", EXPR_M_METHOD, 1, 3, T_INT, str_index_of_any_fn),
    MEMBER("LastIndexOfAny", EXPR_M_METHOD, 1, 3, T_INT, str_last_index_of_any),
    MEMBER("Substring", EXPR_M_METHOD, 1, 2, T_STR, str_substring),
    MEMBER("Split", EXPR_M_METHOD, 0, 255, ((expr_type_t){&expr_class_array, &expr_class_string}), str_split),
    MEMBER("Replace", EXPR_M_METHOD, 2, 4, T_STR, str_replace),
    MEMBER("ToLower", EXPR_M_METHOD, 0, 1, T_STR, str_to_lower),
    MEMBER("ToUpper", EXPR_M_METHOD, 0, 1, T_STR, str_to_upper),
    MEMBER("ToLowerInvariant", EXPR_M_METHOD, 0, 0, T_STR, str_to_lower),
    MEMBER("ToUpperInvariant", EXPR_M_METHOD, 0, 0, T_STR, str_to_upper),
    MEMBER("Trim", EXPR_M_METHOD, 0, 255, T_STR, str_trim),
    MEMBER("TrimStart", EXPR_M_METHOD, 0, 255, T_STR, str_trim_start),
    MEMBER("TrimEnd", EXPR_M_METHOD, 0, 255, T_STR, str_trim_end),
    MEMBER("PadLeft", EXPR_M_METHOD, 1, 2, T_STR, str_pad_left),
    MEMBER("PadRight", EXPR_M_METHOD, 1, 2, T_STR, str_pad_right),
    MEMBER("Insert", EXPR_M_METHOD, 2, 2, T_STR, str_insert),
    MEMBER("Remove", EXPR_M_METHOD, 1, 2, T_STR, str_remove),
    MEMBER("ToCharArray", EXPR_M_METHOD, 0, 2, ((expr_type_t){&expr_class_array, &expr_class_char}), str_to_char_array),
    MEMBER("ToString", EXPR_M_METHOD, 0, 1, T_STR, str_to_string),
    MEMBER("Clone", EXPR_M_METHOD, 0, 0, T_STR, str_to_string),
    MEMBER("IsNullOrEmpty", EXPR_M_STATIC_METHOD, 1, 1, T_BOOL, expr_string_is_null_or_empty),
    MEMBER("IsNullOrWhiteSpace", EXPR_M_STATIC_METHOD, 1, 1, T_BOOL, expr_string_is_null_or_white_space),
    MEMBER("Equals", EXPR_M_STATIC_METHOD, 2, 3, T_BOOL, expr_string_static_equals),
    MEMBER("Compare", EXPR_M_STATIC_METHOD, 2, 6, T_INT, expr_string_compare_fn),
    MEMBER("CompareOrdinal", EXPR_M_STATIC_METHOD, 2, 5, T_INT, expr_string_compare_ordinal),
    MEMBER("Format", EXPR_M_STATIC_METHOD, 1, 255, T_STR, expr_string_format),
    MEMBER("Join", EXPR_M_STATIC_METHOD, 2, 255, T_STR, expr_string_join),
    MEMBER("Concat", EXPR_M_STATIC_METHOD, 0, 255, T_STR, expr_string_concat),
    MEMBER("Empty", EXPR_M_STATIC_PROPERTY, 0, 0, T_STR, expr_string_empty),
    MEMBER(".ctor", EXPR_M_CONSTRUCTOR, 1, 3, T_STR, expr_string_ctor),
};

static bool string_value_equals(const expr_value_t *a, const expr_value_t *b)
{
    return a->tag == EXPR_V_STRING && b->tag == EXPR_V_STRING && a->u.s.len == b->u.s.len &&
           (a->u.s.len == 0 || memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0);
}

const expr_class_t expr_class_string = {
    .name = "string",
    .full_name = "System.String",
    .tag = EXPR_V_STRING,
    .is_nameable = true,
    .members = string_members,
    .member_count = sizeof string_members / sizeof string_members[0],
    .elem = &expr_class_char,
    .equals = string_value_equals,
};

const expr_class_t *const expr_lib_string_classes[] = {
    &expr_class_string, &expr_class_char, &expr_class_string_comparison,
    &expr_class_string_split_options, &expr_class_string_builder, NULL};
