/* lib_math: Math, MidpointRounding, Convert and BitConverter (Encoding is in
 * lib_encoding.c). The class list is lib_number.c's.
 * Contract: value.h, lib_text.h. */
#include "expr/lib_text.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#define T_INT {&expr_class_int, NULL}
#define T_LONG {&expr_class_long, NULL}
#define T_DOUBLE {&expr_class_double, NULL}
#define T_BOOL {&expr_class_bool, NULL}
#define T_STR {&expr_class_string, NULL}
#define T_CHAR {&expr_class_char, NULL}
#define T_BYTES {&expr_class_bytes, NULL}
#define T_DYN {NULL, NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}
#define MEMBER_ARG0(n, lo, hi, f)                                                              \
    {.name = n, .kind = EXPR_M_STATIC_METHOD, .min_args = lo, .max_args = hi,                  \
     .ret_rule = EXPR_RET_ARG0, .fn = f}
#define MEMBERS(t) .members = t, .member_count = sizeof t / sizeof t[0]

static const char BAD_FORMAT[] = "Input string was not in a correct format.";

static int range_error(expr_rt_t *rt, const char *param, const char *msg)
{
    return expr_throw(rt, "ArgumentOutOfRangeException", "%s (Parameter '%s')", msg, param);
}

static int arg_number(expr_rt_t *rt, const expr_value_t *v, const char *param, double *d)
{
    if (expr_text_num_double(v, d)) return 0;
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    return expr_throw(rt, "ArgumentException", "Argument '%s' must be a number.", param);
}

/* ---- Math ---- */

EXPR_NATIVE(math_abs)
{
    const expr_value_t *v = &args[0];
    if (v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG) {
        if ((v->tag == EXPR_V_INT && v->u.i == INT32_MIN) || (v->tag == EXPR_V_LONG && v->u.i == INT64_MIN))
            return expr_throw(rt, "OverflowException", "Negating the minimum value of a twos complement number is invalid.");
        *out = *v;
        out->aux = 0;
        if (v->u.i < 0) out->u.i = -v->u.i;
        return 0;
    }
    double d;
    if (arg_number(rt, v, "value", &d)) return EXPR_THROWN;
    *out = expr_double(fabs(d));
    return 0;
}

/* Max / Min with C#'s numeric promotion: double if either is, else long if either is. */
static int min_max(expr_rt_t *rt, expr_value_t *args, expr_value_t *out, bool max)
{
    const expr_value_t *a = &args[0], *b = &args[1];
    if ((expr_text_is_integer(a) || a->tag == EXPR_V_CHAR) && (expr_text_is_integer(b) || b->tag == EXPR_V_CHAR)) {
        bool is_long = a->tag == EXPR_V_LONG || b->tag == EXPR_V_LONG;
        int64_t r = max ? (a->u.i > b->u.i ? a->u.i : b->u.i) : (a->u.i < b->u.i ? a->u.i : b->u.i);
        *out = is_long ? expr_long(r) : expr_int((int32_t)r);
        return 0;
    }
    double x, y;
    if (arg_number(rt, a, "val1", &x) || arg_number(rt, b, "val2", &y)) return EXPR_THROWN;
    if (isnan(x) || isnan(y)) *out = expr_double(NAN);
    else *out = expr_double(max ? (x > y || (x == y && !signbit(x)) ? x : y) : (x < y || (x == y && signbit(x)) ? x : y));
    return 0;
}

EXPR_NATIVE(math_max)
{
    return min_max(rt, args, out, true);
}

EXPR_NATIVE(math_min)
{
    return min_max(rt, args, out, false);
}

EXPR_NATIVE(math_clamp)
{
    expr_value_t lo_hi[2] = {args[1], args[2]}, t;
    double lo, hi;
    if (arg_number(rt, &args[1], "min", &lo) || arg_number(rt, &args[2], "max", &hi)) return EXPR_THROWN;
    if (lo > hi) {
        expr_text_buf_t b;
        expr_value_t s1, s2;
        expr_text_buf_init(&b, rt);
        if (expr_text_value_string(rt, &args[1], &s1) || expr_text_value_string(rt, &args[2], &s2)) return EXPR_THROWN;
        return expr_throw(rt, "ArgumentException", "'%.*s' cannot be greater than %.*s.", (int)s1.u.s.len, s1.u.s.ptr,
                          (int)s2.u.s.len, s2.u.s.ptr);
    }
    expr_value_t pair[2] = {args[0], lo_hi[0]};
    if (min_max(rt, pair, &t, true)) return EXPR_THROWN;
    pair[0] = t;
    pair[1] = lo_hi[1];
    return min_max(rt, pair, out, false);
}

typedef double (*unary_fn)(double);

static int unary(expr_rt_t *rt, expr_value_t *args, expr_value_t *out, unary_fn f)
{
    double d;
    if (arg_number(rt, &args[0], "d", &d)) return EXPR_THROWN;
    *out = expr_double(f(d));
    return 0;
}

#define MATH_UNARY(fn, cfn)                                                                    \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        return unary(rt, args, out, cfn);                                                      \
    }

MATH_UNARY(math_floor, floor)
MATH_UNARY(math_ceiling, ceil)
MATH_UNARY(math_truncate, trunc)
MATH_UNARY(math_sqrt, sqrt)
MATH_UNARY(math_log10, log10)
MATH_UNARY(math_log2, log2)
MATH_UNARY(math_exp, exp)
MATH_UNARY(math_sin, sin)
MATH_UNARY(math_cos, cos)
MATH_UNARY(math_tan, tan)
MATH_UNARY(math_atan, atan)
MATH_UNARY(math_cbrt, cbrt)

EXPR_NATIVE(math_log)
{
    double d, base;
    if (arg_number(rt, &args[0], "a", &d)) return EXPR_THROWN;
    if (argc < 2) {
        *out = expr_double(log(d));
        return 0;
    }
    if (arg_number(rt, &args[1], "newBase", &base)) return EXPR_THROWN;
    /* .NET: NaN for base 1, a NaN operand, or a negative base */
    if (isnan(d) || isnan(base) || base == 1 || base < 0 || (d != 1 && (base == 0 || isinf(base))))
        *out = expr_double(NAN);
    else
        *out = expr_double(log(d) / log(base));
    return 0;
}

EXPR_NATIVE(math_pow)
{
    double x, y;
    if (arg_number(rt, &args[0], "x", &x) || arg_number(rt, &args[1], "y", &y)) return EXPR_THROWN;
    *out = expr_double(pow(x, y));
    return 0;
}

EXPR_NATIVE(math_atan2)
{
    double y, x;
    if (arg_number(rt, &args[0], "y", &y) || arg_number(rt, &args[1], "x", &x)) return EXPR_THROWN;
    *out = expr_double(atan2(y, x));
    return 0;
}

EXPR_NATIVE(math_sign)
{
    double d;
    if (arg_number(rt, &args[0], "value", &d)) return EXPR_THROWN;
    if (isnan(d)) return expr_throw(rt, "ArithmeticException", "Function does not accept floating point Not-a-Number values.");
    *out = expr_int(d > 0 ? 1 : d < 0 ? -1 : 0);
    return 0;
}

/* MidpointRounding: ToEven 0, AwayFromZero 1, ToZero 2, ToNegativeInfinity 3,
 * ToPositiveInfinity 4. */
static double round_mode(double v, int mode)
{
    switch (mode) {
    case 1: {
        double ip;
        double frac = modf(v, &ip);
        if (fabs(frac) >= 0.5) ip += frac < 0 ? -1 : 1;
        return ip;
    }
    case 2: return trunc(v);
    case 3: return floor(v);
    case 4: return ceil(v);
    default: return nearbyint(v); /* round half to even (default FP environment) */
    }
}

/* Math.Round(x [, digits] [, mode]) as .NET Core: scale by 10^digits, round, unscale, for
 * |x| < 1e16. Integer arguments come back as double (decimal is not supported). */
EXPR_NATIVE(math_round)
{
    double v;
    int32_t digits = 0, mode = 0;
    if (arg_number(rt, &args[0], "value", &v)) return EXPR_THROWN;
    for (unsigned k = 1; k < argc; k++) {
        if (expr_text_is_enum(&args[k]) || k == 2) {
            if (expr_text_arg_int(rt, &args[k], "mode", &mode)) return EXPR_THROWN;
            if (mode < 0 || mode > 4)
                return expr_throw(rt, "ArgumentException", "The value '%d' is not valid for this usage of the type MidpointRounding. (Parameter 'mode')", mode);
        } else {
            if (expr_text_arg_int(rt, &args[k], "digits", &digits)) return EXPR_THROWN;
            if (digits < 0 || digits > 15)
                return range_error(rt, "digits", "Rounding digits must be between 0 and 15, inclusive.");
        }
    }
    if (fabs(v) < 1e16) {
        double p10 = pow(10, digits);
        v = round_mode(v * p10, mode) / p10;
    }
    *out = expr_double(v);
    return 0;
}

#define CONST_NATIVE(fn, value)                                                                \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        *out = value;                                                                          \
        return 0;                                                                              \
    }

CONST_NATIVE(math_pi, expr_double(3.14159265358979323846))
CONST_NATIVE(math_e, expr_double(2.7182818284590452354))
CONST_NATIVE(mr_to_even, expr_text_enum(0))
CONST_NATIVE(mr_away, expr_text_enum(1))
CONST_NATIVE(mr_to_zero, expr_text_enum(2))
CONST_NATIVE(mr_to_neg, expr_text_enum(3))
CONST_NATIVE(mr_to_pos, expr_text_enum(4))

static const expr_member_t math_members[] = {
    MEMBER_ARG0("Abs", 1, 1, math_abs),
    MEMBER_ARG0("Max", 2, 2, math_max),
    MEMBER_ARG0("Min", 2, 2, math_min),
    MEMBER_ARG0("Clamp", 3, 3, math_clamp),
    MEMBER("Floor", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_floor),
    MEMBER("Ceiling", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_ceiling),
    MEMBER("Truncate", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_truncate),
    MEMBER("Round", EXPR_M_STATIC_METHOD, 1, 3, T_DOUBLE, math_round),
    MEMBER("Pow", EXPR_M_STATIC_METHOD, 2, 2, T_DOUBLE, math_pow),
    MEMBER("Sqrt", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_sqrt),
    MEMBER("Cbrt", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_cbrt),
    MEMBER("Log", EXPR_M_STATIC_METHOD, 1, 2, T_DOUBLE, math_log),
    MEMBER("Log10", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_log10),
    MEMBER("Log2", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_log2),
    MEMBER("Exp", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_exp),
    MEMBER("Sin", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_sin),
    MEMBER("Cos", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_cos),
    MEMBER("Tan", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_tan),
    MEMBER("Atan", EXPR_M_STATIC_METHOD, 1, 1, T_DOUBLE, math_atan),
    MEMBER("Atan2", EXPR_M_STATIC_METHOD, 2, 2, T_DOUBLE, math_atan2),
    MEMBER("Sign", EXPR_M_STATIC_METHOD, 1, 1, T_INT, math_sign),
    MEMBER("PI", EXPR_M_STATIC_PROPERTY, 0, 0, T_DOUBLE, math_pi),
    MEMBER("E", EXPR_M_STATIC_PROPERTY, 0, 0, T_DOUBLE, math_e),
};

const expr_class_t expr_class_math = {
    .name = "Math",
    .full_name = "System.Math",
    .tag = EXPR_V_OBJECT,
    .is_static_only = true,
    .is_nameable = true,
    MEMBERS(math_members),
};

static const expr_member_t midpoint_members[] = {
    MEMBER("ToEven", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, mr_to_even),
    MEMBER("AwayFromZero", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, mr_away),
    MEMBER("ToZero", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, mr_to_zero),
    MEMBER("ToNegativeInfinity", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, mr_to_neg),
    MEMBER("ToPositiveInfinity", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, mr_to_pos),
};

const expr_class_t expr_class_midpoint_rounding = {
    .name = "MidpointRounding",
    .full_name = "System.MidpointRounding",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    MEMBERS(midpoint_members),
};

/* ---- Convert ---- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

EXPR_NATIVE(convert_to_base64)
{
    const unsigned char *p;
    size_t len, off, n;
    if (expr_text_arg_bytes(rt, &args[0], "inArray", &p, &len) ||
        expr_text_arg_range(rt, args, argc, 1, len, "offset", "length", &off, &n))
        return EXPR_THROWN;
    p += off;
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, (n + 2) / 3 * 4)) return EXPR_THROWN;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], i + 1 < n ? B64[(v >> 6) & 63] : '=', i + 2 < n ? B64[v & 63] : '='};
        if (expr_text_put(&b, q, 4)) return EXPR_THROWN;
    }
    return expr_text_finish(&b, out);
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* FromBase64String: white space (SP, TAB, CR, LF) ignored; length a multiple of 4 with at
 * most two '=' at the end. */
EXPR_NATIVE(convert_from_base64)
{
    const char *s;
    size_t len;
    if (expr_text_arg_str(rt, &args[0], "s", false, &s, &len)) return EXPR_THROWN;
    unsigned char *clean = expr_rt_alloc(rt, len + 1), *outp;
    if (!clean) return EXPR_THROWN;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') clean[n++] = (unsigned char)s[i];
    static const char bad[] = "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.";
    if (n % 4) return expr_throw(rt, "FormatException", "%s", bad);
    size_t pad = 0;
    while (pad < n && pad < 3 && clean[n - 1 - pad] == '=') pad++;
    if (pad > 2) return expr_throw(rt, "FormatException", "%s", bad);
    size_t data = n - pad;
    if (expr_text_make_bytes(rt, n / 4 * 3, &outp, out)) return EXPR_THROWN;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < data; i++) {
        int v = b64_value(clean[i]);
        if (v < 0) return expr_throw(rt, "FormatException", "%s", bad);
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            outp[o++] = (unsigned char)(acc >> bits);
        }
    }
    out->u.s.len = (uint32_t)o;
    return 0;
}

static int convert_overflow(expr_rt_t *rt, const char *type)
{
    return expr_throw(rt, "OverflowException", "Value was either too large or too small for %s.", type);
}

static int invalid_cast(expr_rt_t *rt, const expr_value_t *v, const char *to)
{
    static const char *const names[] = {"Object", "Boolean", "Int32", "Int64", "Double", "Char",
                                        "String", "Byte[]", "DateTime", "TimeSpan", "Guid",
                                        "Array", "Object", "Object"};
    const char *from = v->tag < EXPR_V_TAG_COUNT ? names[v->tag] : "Object";
    if (v->tag == EXPR_V_DATETIME || v->tag == EXPR_V_CHAR || v->tag == EXPR_V_BOOL)
        return expr_throw(rt, "InvalidCastException", "Invalid cast from '%s' to '%s'.", from, to);
    return expr_throw(rt, "InvalidCastException", "Unable to cast object of type 'System.%s' to type 'System.IConvertible'.", from);
}

/* Parses s in base 2, 8, 10 or 16 as Convert.ToInt32/64(s, fromBase): other bases keep the
 * two's complement bits ("FFFFFFFF" is -1), base 16 takes a "0x" prefix. */
static int parse_base(expr_rt_t *rt, const char *s, size_t len, int base, int bits, int64_t *out)
{
    if (base != 2 && base != 8 && base != 10 && base != 16)
        return expr_throw(rt, "ArgumentException", "Invalid Base. (Parameter 'fromBase')");
    if (base == 10) {
        int r = expr_numparse_int(s, len, bits == 32 ? INT32_MIN : INT64_MIN, bits == 32 ? INT32_MAX : INT64_MAX, out);
        if (r == 1) return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
        if (r == 2) return convert_overflow(rt, bits == 32 ? "an Int32" : "an Int64");
        return 0;
    }
    size_t i = 0;
    if (len == 0) return expr_throw(rt, "ArgumentOutOfRangeException", "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'startIndex')");
    if (base == 16 && len >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') i = 2;
    uint64_t v = 0;
    size_t digits = 0;
    for (; i < len; i++, digits++) {
        int d;
        char c = s[i];
        if (c >= '0' && c <= '9') d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
        else d = 99;
        if (d >= base) {
            if (digits == 0) return expr_throw(rt, "FormatException", "Could not find any recognizable digits.");
            return expr_throw(rt, "FormatException", "Additional non-parsable characters are at the end of the string.");
        }
        uint64_t limit = bits == 32 ? UINT32_MAX : UINT64_MAX;
        if (v > (limit - (uint64_t)d) / (uint64_t)base) return convert_overflow(rt, bits == 32 ? "an Int32" : "an Int64");
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (!digits) return expr_throw(rt, "FormatException", "Could not find any recognizable digits.");
    *out = bits == 32 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
    return 0;
}

/* Convert.ToInt32/ToInt64/ToByte: strings parse, doubles round half to even, bool is 0/1. */
static int convert_integer(expr_rt_t *rt, expr_value_t *args, unsigned argc, int64_t min, int64_t max,
                           const char *type_a, const char *cast_name, int64_t *r)
{
    const expr_value_t *v = &args[0];
    switch (v->tag) {
    case EXPR_V_NULL:
        *r = 0;
        return 0;
    case EXPR_V_BOOL:
        *r = v->u.b;
        return 0;
    case EXPR_V_INT:
    case EXPR_V_LONG:
    case EXPR_V_CHAR:
        if (v->u.i < min || v->u.i > max) return convert_overflow(rt, type_a);
        *r = v->u.i;
        return 0;
    case EXPR_V_DOUBLE: {
        double d = nearbyint(v->u.d);
        if (isnan(d) || d < (double)min - 0.5 || d >= (double)max + 1.0) return convert_overflow(rt, type_a);
        *r = (int64_t)d;
        if (*r < min || *r > max) return convert_overflow(rt, type_a);
        return 0;
    }
    case EXPR_V_STRING: {
        if (argc > 1 && !expr_text_is_provider(&args[1])) {
            int32_t base;
            if (expr_text_arg_int(rt, &args[1], "fromBase", &base)) return EXPR_THROWN;
            if (parse_base(rt, v->u.s.ptr, v->u.s.len, base, max > INT32_MAX ? 64 : 32, r)) return EXPR_THROWN;
            if (*r < min || *r > max) return convert_overflow(rt, type_a);
            return 0;
        }
        int res = expr_numparse_int(v->u.s.ptr, v->u.s.len, min, max, r);
        if (res == 1) return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
        if (res == 2) return convert_overflow(rt, type_a);
        return 0;
    }
    default:
        return invalid_cast(rt, v, cast_name);
    }
}

EXPR_NATIVE(convert_to_int32)
{
    int64_t r;
    if (convert_integer(rt, args, argc, INT32_MIN, INT32_MAX, "an Int32", "Int32", &r)) return EXPR_THROWN;
    *out = expr_int((int32_t)r);
    return 0;
}

EXPR_NATIVE(convert_to_int64)
{
    int64_t r;
    if (convert_integer(rt, args, argc, INT64_MIN, INT64_MAX, "an Int64", "Int64", &r)) return EXPR_THROWN;
    *out = expr_long(r);
    return 0;
}

EXPR_NATIVE(convert_to_byte)
{
    int64_t r;
    if (convert_integer(rt, args, argc, 0, 255, "an unsigned byte", "Byte", &r)) return EXPR_THROWN;
    *out = expr_int((int32_t)r);
    return 0;
}

EXPR_NATIVE(convert_to_double)
{
    const expr_value_t *v = &args[0];
    double d;
    switch (v->tag) {
    case EXPR_V_NULL: d = 0; break;
    case EXPR_V_BOOL: d = v->u.b; break;
    case EXPR_V_INT:
    case EXPR_V_LONG: d = (double)v->u.i; break;
    case EXPR_V_DOUBLE: d = v->u.d; break;
    case EXPR_V_STRING:
        if (expr_numparse_double(v->u.s.ptr, v->u.s.len, &d)) return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
        break;
    default: return invalid_cast(rt, v, "Double");
    }
    *out = expr_double(d);
    return 0;
}

EXPR_NATIVE(convert_to_boolean)
{
    const expr_value_t *v = &args[0];
    bool b;
    switch (v->tag) {
    case EXPR_V_NULL: b = false; break;
    case EXPR_V_BOOL: b = v->u.b; break;
    case EXPR_V_INT:
    case EXPR_V_LONG: b = v->u.i != 0; break;
    case EXPR_V_DOUBLE: b = v->u.d != 0; break;
    case EXPR_V_STRING:
        if (expr_numparse_bool(v->u.s.ptr, v->u.s.len, &b))
            return expr_throw(rt, "FormatException", "String '%.*s' was not recognized as a valid Boolean.",
                              (int)(v->u.s.len > 100 ? 100 : v->u.s.len), v->u.s.ptr);
        break;
    default: return invalid_cast(rt, v, "Boolean");
    }
    *out = expr_bool(b);
    return 0;
}

EXPR_NATIVE(convert_to_char)
{
    const expr_value_t *v = &args[0];
    switch (v->tag) {
    case EXPR_V_CHAR:
        *out = *v;
        return 0;
    case EXPR_V_INT:
    case EXPR_V_LONG:
        if (v->u.i < 0 || v->u.i > 0xFFFF) return convert_overflow(rt, "a character");
        *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = v->u.i};
        return 0;
    case EXPR_V_STRING: {
        expr_u16_t u;
        if (expr_text_to_u16(rt, v->u.s.ptr, v->u.s.len, &u)) return EXPR_THROWN;
        if (u.n != 1) return expr_throw(rt, "FormatException", "String must be exactly one character long.");
        *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = u.u[0]};
        return 0;
    }
    case EXPR_V_NULL:
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'value')");
    default:
        return invalid_cast(rt, v, "Char");
    }
}

/* Convert.ToString(value) and ToString(int|long, toBase). */
EXPR_NATIVE(convert_to_string)
{
    if (argc > 1 && expr_text_is_integer(&args[0]) && args[1].tag == EXPR_V_INT) {
        int32_t base = (int32_t)args[1].u.i;
        if (base != 2 && base != 8 && base != 10 && base != 16)
            return expr_throw(rt, "ArgumentException", "Invalid Base. (Parameter 'toBase')");
        if (base == 10) return expr_text_value_string(rt, &args[0], out);
        uint64_t u = args[0].tag == EXPR_V_INT ? (uint64_t)(uint32_t)(int32_t)args[0].u.i : (uint64_t)args[0].u.i;
        char tmp[70];
        size_t n = sizeof tmp;
        do {
            tmp[--n] = "0123456789abcdef"[u % (uint64_t)base];
            u /= (uint64_t)base;
        } while (u);
        return expr_str_copy(rt, tmp + n, sizeof tmp - n, out);
    }
    if (argc > 1 && args[1].tag == EXPR_V_STRING && (args[0].tag == EXPR_V_INT || args[0].tag == EXPR_V_LONG || args[0].tag == EXPR_V_DOUBLE)) {
        expr_text_buf_t b;
        expr_text_buf_init(&b, rt);
        if (expr_numfmt(&b, &args[0], args[1].u.s.ptr, args[1].u.s.len)) return EXPR_THROWN;
        return expr_text_finish(&b, out);
    }
    return expr_text_value_string(rt, &args[0], out);
}

EXPR_NATIVE(convert_from_hex)
{
    const char *s;
    size_t len;
    unsigned char *p;
    if (expr_text_arg_str(rt, &args[0], "s", false, &s, &len)) return EXPR_THROWN;
    if (len % 2) return expr_throw(rt, "FormatException", "The input is not a valid hex string as its length is not a multiple of 2.");
    if (expr_text_make_bytes(rt, len / 2, &p, out)) return EXPR_THROWN;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (d < 0) return expr_throw(rt, "FormatException", "The input is not a valid hex string as it contains a non-hex character.");
        if (i % 2 == 0) p[i / 2] = (unsigned char)(d << 4);
        else p[i / 2] |= (unsigned char)d;
    }
    return 0;
}

static int to_hex(expr_rt_t *rt, expr_value_t *args, unsigned argc, expr_value_t *out, const char *digits)
{
    const unsigned char *p;
    size_t len, off, n;
    if (expr_text_arg_bytes(rt, &args[0], "inArray", &p, &len) || expr_text_arg_range(rt, args, argc, 1, len, "offset", "length", &off, &n))
        return EXPR_THROWN;
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, n * 2)) return EXPR_THROWN;
    for (size_t i = off; i < off + n; i++) {
        b.ptr[b.len++] = digits[p[i] >> 4];
        b.ptr[b.len++] = digits[p[i] & 15];
    }
    return expr_text_finish(&b, out);
}

EXPR_NATIVE(convert_to_hex)
{
    return to_hex(rt, args, argc, out, "0123456789ABCDEF");
}

EXPR_NATIVE(convert_to_hex_lower)
{
    return to_hex(rt, args, argc, out, "0123456789abcdef");
}

static const expr_member_t convert_members[] = {
    MEMBER("ToBase64String", EXPR_M_STATIC_METHOD, 1, 3, T_STR, convert_to_base64),
    MEMBER("FromBase64String", EXPR_M_STATIC_METHOD, 1, 1, T_BYTES, convert_from_base64),
    MEMBER("ToInt32", EXPR_M_STATIC_METHOD, 1, 2, T_INT, convert_to_int32),
    MEMBER("ToInt64", EXPR_M_STATIC_METHOD, 1, 2, T_LONG, convert_to_int64),
    MEMBER("ToByte", EXPR_M_STATIC_METHOD, 1, 2, T_INT, convert_to_byte),
    MEMBER("ToDouble", EXPR_M_STATIC_METHOD, 1, 2, T_DOUBLE, convert_to_double),
    MEMBER("ToBoolean", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, convert_to_boolean),
    MEMBER("ToChar", EXPR_M_STATIC_METHOD, 1, 2, T_CHAR, convert_to_char),
    MEMBER("ToString", EXPR_M_STATIC_METHOD, 1, 2, T_STR, convert_to_string),
    MEMBER("FromHexString", EXPR_M_STATIC_METHOD, 1, 1, T_BYTES, convert_from_hex),
    MEMBER("ToHexString", EXPR_M_STATIC_METHOD, 1, 3, T_STR, convert_to_hex),
    MEMBER("ToHexStringLower", EXPR_M_STATIC_METHOD, 1, 3, T_STR, convert_to_hex_lower),
};

const expr_class_t expr_class_convert = {
    .name = "Convert",
    .full_name = "System.Convert",
    .tag = EXPR_V_OBJECT,
    .is_static_only = true,
    .is_nameable = true,
    MEMBERS(convert_members),
};

/* ---- BitConverter ---- */

EXPR_NATIVE(bitconv_to_string)
{
    const unsigned char *p;
    size_t len, off, n;
    if (expr_text_arg_bytes(rt, &args[0], "value", &p, &len) || expr_text_arg_range(rt, args, argc, 1, len, "startIndex", "length", &off, &n))
        return EXPR_THROWN;
    if (argc > 1 && off >= len && len > 0)
        return range_error(rt, "startIndex", "StartIndex cannot be greater than or equal to the array length.");
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, n * 3)) return EXPR_THROWN;
    for (size_t i = off; i < off + n; i++) {
        if (i > off) b.ptr[b.len++] = '-';
        b.ptr[b.len++] = "0123456789ABCDEF"[p[i] >> 4];
        b.ptr[b.len++] = "0123456789ABCDEF"[p[i] & 15];
    }
    return expr_text_finish(&b, out);
}

/* GetBytes(bool|char|int|long|double): little-endian, as on every .NET host. */
EXPR_NATIVE(bitconv_get_bytes)
{
    const expr_value_t *v = &args[0];
    size_t n;
    uint64_t bits;
    switch (v->tag) {
    case EXPR_V_BOOL: n = 1; bits = v->u.b; break;
    case EXPR_V_CHAR: n = 2; bits = (uint64_t)v->u.i; break;
    case EXPR_V_INT: n = 4; bits = (uint64_t)(uint32_t)(int32_t)v->u.i; break;
    case EXPR_V_LONG: n = 8; bits = (uint64_t)v->u.i; break;
    case EXPR_V_DOUBLE: n = 8; memcpy(&bits, &v->u.d, 8); break;
    default: return expr_throw(rt, "ArgumentException", "BitConverter.GetBytes takes a bool, char, int, long or double.");
    }
    unsigned char *p;
    if (expr_text_make_bytes(rt, n, &p, out)) return EXPR_THROWN;
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(bits >> (8 * i));
    return 0;
}

static int bitconv_read(expr_rt_t *rt, expr_value_t *args, size_t n, uint64_t *bits)
{
    const unsigned char *p;
    size_t len;
    int32_t start;
    if (expr_text_arg_bytes(rt, &args[0], "value", &p, &len) || expr_text_arg_int(rt, &args[1], "startIndex", &start))
        return EXPR_THROWN;
    if (start < 0 || (size_t)start >= len)
        return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.");
    if ((size_t)start + n > len)
        return expr_throw(rt, "ArgumentException", "Destination array is not long enough to copy all the items in the collection. Check array index and length. (Parameter 'value')");
    *bits = 0;
    for (size_t i = 0; i < n; i++) *bits |= (uint64_t)p[start + i] << (8 * i);
    return 0;
}

EXPR_NATIVE(bitconv_to_int32)
{
    uint64_t bits;
    if (bitconv_read(rt, args, 4, &bits)) return EXPR_THROWN;
    *out = expr_int((int32_t)(uint32_t)bits);
    return 0;
}

EXPR_NATIVE(bitconv_to_int64)
{
    uint64_t bits;
    if (bitconv_read(rt, args, 8, &bits)) return EXPR_THROWN;
    *out = expr_long((int64_t)bits);
    return 0;
}

EXPR_NATIVE(bitconv_to_double)
{
    uint64_t bits;
    double d;
    if (bitconv_read(rt, args, 8, &bits)) return EXPR_THROWN;
    memcpy(&d, &bits, 8);
    *out = expr_double(d);
    return 0;
}

CONST_NATIVE(bitconv_little_endian, expr_bool(true))

static const expr_member_t bit_converter_members[] = {
    MEMBER("ToString", EXPR_M_STATIC_METHOD, 1, 3, T_STR, bitconv_to_string),
    MEMBER("GetBytes", EXPR_M_STATIC_METHOD, 1, 1, T_BYTES, bitconv_get_bytes),
    MEMBER("ToInt32", EXPR_M_STATIC_METHOD, 2, 2, T_INT, bitconv_to_int32),
    MEMBER("ToInt64", EXPR_M_STATIC_METHOD, 2, 2, T_LONG, bitconv_to_int64),
    MEMBER("ToDouble", EXPR_M_STATIC_METHOD, 2, 2, T_DOUBLE, bitconv_to_double),
    MEMBER("IsLittleEndian", EXPR_M_STATIC_PROPERTY, 0, 0, T_BOOL, bitconv_little_endian),
};

const expr_class_t expr_class_bit_converter = {
    .name = "BitConverter",
    .full_name = "System.BitConverter",
    .tag = EXPR_V_OBJECT,
    .is_static_only = true,
    .is_nameable = true,
    MEMBERS(bit_converter_members),
};
