/* lib_number: bool, int, long, double and byte[] (Parse, TryParse, ToString(format),
 * constants, CompareTo, Equals), and .NET's invariant number parsing (lib_text.h). Math,
 * Convert, BitConverter, Encoding and MidpointRounding are in lib_math.c.
 * Contract: value.h. */
#include "expr/lib_text.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define T_INT {&expr_class_int, NULL}
#define T_LONG {&expr_class_long, NULL}
#define T_DOUBLE {&expr_class_double, NULL}
#define T_BOOL {&expr_class_bool, NULL}
#define T_STR {&expr_class_string, NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}

static const char BAD_FORMAT[] = "Input string was not in a correct format.";

/* ---- parsing ---- */

/* NumberStyles white space: U+0009..U+000D and U+0020 (and trailing NULs, as .NET). */
static bool parse_white(char c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D);
}

static void parse_trim(const char **p, size_t *len)
{
    while (*len && parse_white(**p)) {
        (*p)++;
        (*len)--;
    }
    while (*len && (parse_white((*p)[*len - 1]) || (*p)[*len - 1] == '\0')) (*len)--;
}

int expr_numparse_int(const char *p, size_t len, int64_t min, int64_t max, int64_t *out)
{
    parse_trim(&p, &len);
    bool neg = false;
    size_t i = 0;
    if (i < len && (p[i] == '-' || p[i] == '+')) neg = p[i++] == '-';
    if (i == len) return 1;
    uint64_t v = 0;
    bool overflow = false;
    for (; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return 1;
        if (v > (UINT64_MAX - 9) / 10) overflow = true;
        else v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (overflow) return 2;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return 2;
        int64_t s = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
        if (s < min) return 2;
        *out = s;
        return 0;
    }
    if (v > (uint64_t)max) return 2;
    *out = (int64_t)v;
    return 0;
}

static bool ascii_ieq(const char *p, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n) return false;
    for (size_t k = 0; k < n; k++)
        if ((p[k] | 0x20) != (word[k] | 0x20)) return false;
    return true;
}

int expr_numparse_double(const char *p, size_t len, double *out)
{
    parse_trim(&p, &len);
    size_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '-' || p[i] == '+')) neg = p[i++] == '-';
    const char *rest = p + i;
    size_t rlen = len - i;
    if (ascii_ieq(rest, rlen, "NaN")) {
        *out = NAN;
        return 0;
    }
    if (ascii_ieq(rest, rlen, "Infinity") || (rlen == 3 && !memcmp(rest, "\xE2\x88\x9E", 3))) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    /* a clean copy for strtod: digits, '.', exponent; thousands separators dropped */
    char buf[400];
    size_t n = 0;
    if (neg) buf[n++] = '-';
    size_t digits = 0;
    for (; i < len && ((p[i] >= '0' && p[i] <= '9') || (p[i] == ',' && digits)); i++) {
        if (p[i] == ',') continue;
        if (n < sizeof buf - 40) buf[n++] = p[i];
        digits++;
    }
    if (i < len && p[i] == '.') {
        if (n < sizeof buf - 40) buf[n++] = '.';
        for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
            if (n < sizeof buf - 40) buf[n++] = p[i];
            digits++;
        }
    }
    if (!digits) return 1;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        buf[n++] = 'e';
        i++;
        if (i < len && (p[i] == '-' || p[i] == '+')) buf[n++] = p[i++];
        size_t ed = 0;
        for (; i < len && p[i] >= '0' && p[i] <= '9'; i++, ed++)
            if (ed < 30) buf[n++] = p[i];
        if (!ed) return 1;
    }
    if (i != len) return 1;
    buf[n] = '\0';
    /* overflow gives ±Infinity, as .NET Core 3.0+ */
    *out = strtod(buf, NULL);
    return 0;
}

int expr_numparse_bool(const char *p, size_t len, bool *out)
{
    parse_trim(&p, &len);
    if (ascii_ieq(p, len, "True")) *out = true;
    else if (ascii_ieq(p, len, "False")) *out = false;
    else return 1;
    return 0;
}

/* ---- Parse / TryParse ---- */

static int parse_string_arg(expr_rt_t *rt, const expr_value_t *v, const char *param, const char **p,
                            size_t *len)
{
    return expr_text_arg_str(rt, v, param, false, p, len);
}

/* Parse(s [, provider]): a provider other than a CultureInfo (NumberStyles is not
 * supported) is an ArgumentException. */
static int parse_provider(expr_rt_t *rt, expr_value_t *args, unsigned argc)
{
    if (argc > 1 && !expr_text_is_provider(&args[1]) && args[1].tag != EXPR_V_NULL)
        return expr_throw(rt, "ArgumentException", "Only an IFormatProvider (CultureInfo) is supported as the second argument of Parse.");
    return 0;
}

static int parse_integer(expr_rt_t *rt, expr_value_t *args, unsigned argc, expr_value_t *out, bool is_long)
{
    if (parse_provider(rt, args, argc)) return EXPR_THROWN;
    const char *p;
    size_t len;
    if (parse_string_arg(rt, &args[0], "s", &p, &len)) return EXPR_THROWN;
    int64_t v;
    int r = is_long ? expr_numparse_int(p, len, INT64_MIN, INT64_MAX, &v)
                    : expr_numparse_int(p, len, INT32_MIN, INT32_MAX, &v);
    if (r == 1) return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
    if (r == 2)
        return expr_throw(rt, "OverflowException", "Value was either too large or too small for an %s.",
                          is_long ? "Int64" : "Int32");
    *out = is_long ? expr_long(v) : expr_int((int32_t)v);
    return 0;
}

EXPR_NATIVE(int_parse)
{
    return parse_integer(rt, args, argc, out, false);
}

EXPR_NATIVE(long_parse)
{
    return parse_integer(rt, args, argc, out, true);
}

EXPR_NATIVE(double_parse)
{
    const char *p;
    size_t len;
    double d;
    if (parse_provider(rt, args, argc) || parse_string_arg(rt, &args[0], "s", &p, &len)) return EXPR_THROWN;
    if (expr_numparse_double(p, len, &d)) return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
    *out = expr_double(d);
    return 0;
}

EXPR_NATIVE(bool_parse)
{
    const char *p;
    size_t len;
    bool b;
    if (parse_string_arg(rt, &args[0], "value", &p, &len)) return EXPR_THROWN;
    if (expr_numparse_bool(p, len, &b))
        return expr_throw(rt, "FormatException", "String '%.*s' was not recognized as a valid Boolean.",
                          (int)(len > 100 ? 100 : len), p);
    *out = expr_bool(b);
    return 0;
}

/* TryParse(s, out x): false (and x = default) for null, bad format or overflow. */
EXPR_NATIVE(int_try_parse)
{
    int64_t v = 0;
    bool ok = args[0].tag == EXPR_V_STRING &&
              expr_numparse_int(args[0].u.s.ptr, args[0].u.s.len, INT32_MIN, INT32_MAX, &v) == 0;
    args[1] = expr_int(ok ? (int32_t)v : 0);
    *out = expr_bool(ok);
    return 0;
}

EXPR_NATIVE(long_try_parse)
{
    int64_t v = 0;
    bool ok = args[0].tag == EXPR_V_STRING &&
              expr_numparse_int(args[0].u.s.ptr, args[0].u.s.len, INT64_MIN, INT64_MAX, &v) == 0;
    args[1] = expr_long(ok ? v : 0);
    *out = expr_bool(ok);
    return 0;
}

EXPR_NATIVE(double_try_parse)
{
    double d = 0;
    bool ok = args[0].tag == EXPR_V_STRING && expr_numparse_double(args[0].u.s.ptr, args[0].u.s.len, &d) == 0;
    args[1] = expr_double(ok ? d : 0);
    *out = expr_bool(ok);
    return 0;
}

EXPR_NATIVE(bool_try_parse)
{
    bool b = false;
    bool ok = args[0].tag == EXPR_V_STRING && expr_numparse_bool(args[0].u.s.ptr, args[0].u.s.len, &b) == 0;
    args[1] = expr_bool(ok && b);
    *out = expr_bool(ok);
    return 0;
}

/* ---- ToString, CompareTo, Equals ---- */

static int check_self(expr_rt_t *rt, const expr_value_t *self, expr_vtag_t tag)
{
    if (!self || self->tag != tag)
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    return 0;
}

/* ToString() / ToString(format) of int, long, double; a non-string argument (an
 * IFormatProvider) is ignored: everything is invariant. */
EXPR_NATIVE(num_to_string)
{
    if (!self || (self->tag != EXPR_V_INT && self->tag != EXPR_V_LONG && self->tag != EXPR_V_DOUBLE))
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    const char *f = NULL;
    size_t flen = 0;
    if (argc >= 1 && args[0].tag == EXPR_V_STRING) {
        f = args[0].u.s.ptr;
        flen = args[0].u.s.len;
    }
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_numfmt(&b, self, f, flen)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

EXPR_NATIVE(bool_to_string)
{
    if (check_self(rt, self, EXPR_V_BOOL)) return EXPR_THROWN;
    *out = self->u.b ? expr_str_ref("True", 4) : expr_str_ref("False", 5);
    return 0;
}

static int compare_numbers(expr_rt_t *rt, const expr_value_t *self, const expr_value_t *arg,
                           const char *type, expr_value_t *out)
{
    if (arg->tag == EXPR_V_NULL) {
        *out = expr_int(1);
        return 0;
    }
    if (self->tag == EXPR_V_DOUBLE || arg->tag == EXPR_V_DOUBLE) {
        double a, b;
        if (!expr_text_num_double(self, &a) || !expr_text_num_double(arg, &b))
            return expr_throw(rt, "ArgumentException", "Object must be of type %s.", type);
        /* CompareTo orders NaN first and equal to itself */
        int r = isnan(a) ? (isnan(b) ? 0 : -1) : isnan(b) ? 1 : a < b ? -1 : a > b ? 1 : 0;
        *out = expr_int(r);
        return 0;
    }
    if (!expr_text_is_integer(arg) && arg->tag != EXPR_V_CHAR)
        return expr_throw(rt, "ArgumentException", "Object must be of type %s.", type);
    *out = expr_int(self->u.i < arg->u.i ? -1 : self->u.i > arg->u.i ? 1 : 0);
    return 0;
}

EXPR_NATIVE(int_compare_to)
{
    if (check_self(rt, self, EXPR_V_INT)) return EXPR_THROWN;
    return compare_numbers(rt, self, &args[0], "Int32", out);
}

EXPR_NATIVE(long_compare_to)
{
    if (check_self(rt, self, EXPR_V_LONG)) return EXPR_THROWN;
    return compare_numbers(rt, self, &args[0], "Int64", out);
}

EXPR_NATIVE(double_compare_to)
{
    if (check_self(rt, self, EXPR_V_DOUBLE)) return EXPR_THROWN;
    return compare_numbers(rt, self, &args[0], "Double", out);
}

EXPR_NATIVE(bool_compare_to)
{
    if (check_self(rt, self, EXPR_V_BOOL)) return EXPR_THROWN;
    if (args[0].tag == EXPR_V_NULL) {
        *out = expr_int(1);
        return 0;
    }
    if (args[0].tag != EXPR_V_BOOL) return expr_throw(rt, "ArgumentException", "Object must be of type Boolean.");
    *out = expr_int((int)self->u.b - (int)args[0].u.b);
    return 0;
}

/* Equals(x): C# picks Equals(T) when x converts implicitly to T, else Equals(object),
 * which wants the same type: 1.Equals(1L) is false, 1L.Equals(1) true. */
EXPR_NATIVE(num_equals)
{
    if (!self) return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    const expr_value_t *a = &args[0];
    bool eq = false;
    switch (self->tag) {
    case EXPR_V_INT:
        eq = (a->tag == EXPR_V_INT || a->tag == EXPR_V_CHAR) && a->u.i == self->u.i;
        break;
    case EXPR_V_LONG:
        eq = (a->tag == EXPR_V_INT || a->tag == EXPR_V_LONG || a->tag == EXPR_V_CHAR) && a->u.i == self->u.i;
        break;
    case EXPR_V_DOUBLE: {
        double d;
        eq = expr_text_num_double(a, &d) && (d == self->u.d || (isnan(d) && isnan(self->u.d)));
        break;
    }
    case EXPR_V_BOOL:
        eq = a->tag == EXPR_V_BOOL && a->u.b == self->u.b;
        break;
    default:
        break;
    }
    *out = expr_bool(eq);
    return 0;
}

/* ---- constants and double tests ---- */

#define CONST_NATIVE(fn, value)                                                                \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        *out = value;                                                                          \
        return 0;                                                                              \
    }

CONST_NATIVE(int_max, expr_int(INT32_MAX))
CONST_NATIVE(int_min, expr_int(INT32_MIN))
CONST_NATIVE(long_max, expr_long(INT64_MAX))
CONST_NATIVE(long_min, expr_long(INT64_MIN))
CONST_NATIVE(double_max, expr_double(DBL_MAX))
CONST_NATIVE(double_min, expr_double(-DBL_MAX))
CONST_NATIVE(double_epsilon, expr_double(4.9406564584124654e-324))
CONST_NATIVE(double_nan, expr_double(NAN))
CONST_NATIVE(double_pos_inf, expr_double(INFINITY))
CONST_NATIVE(double_neg_inf, expr_double(-INFINITY))
CONST_NATIVE(bool_true_string, expr_str_ref("True", 4))
CONST_NATIVE(bool_false_string, expr_str_ref("False", 5))

static int arg_double(expr_rt_t *rt, const expr_value_t *v, double *d)
{
    if (!expr_text_num_double(v, d))
        return expr_throw(rt, "ArgumentException", "Argument 'd' must be a number.");
    return 0;
}

#define DOUBLE_TEST(fn, test)                                                                  \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        double d;                                                                              \
        if (arg_double(rt, &args[0], &d)) return EXPR_THROWN;                                  \
        *out = expr_bool(test);                                                                \
        return 0;                                                                              \
    }

DOUBLE_TEST(double_is_nan, isnan(d))
DOUBLE_TEST(double_is_infinity, isinf(d))
DOUBLE_TEST(double_is_pos_inf, isinf(d) && d > 0)
DOUBLE_TEST(double_is_neg_inf, isinf(d) && d < 0)
DOUBLE_TEST(double_is_finite, isfinite(d))

/* ---- byte[] ---- */

EXPR_NATIVE(bytes_length)
{
    if (check_self(rt, self, EXPR_V_BYTES)) return EXPR_THROWN;
    *out = expr_int((int32_t)self->u.s.len);
    return 0;
}

/* There is no byte class: an element reads as an int 0..255. */
EXPR_NATIVE(bytes_index)
{
    int32_t i;
    if (check_self(rt, self, EXPR_V_BYTES) || expr_text_arg_int(rt, &args[0], "index", &i)) return EXPR_THROWN;
    if (i < 0 || (uint32_t)i >= self->u.s.len)
        return expr_throw(rt, "IndexOutOfRangeException", "Index was outside the bounds of the array.");
    *out = expr_int((unsigned char)self->u.s.ptr[i]);
    return 0;
}

/* ---- classes ---- */


#define TRY_PARSE(native) \
    {.name = "TryParse", .kind = EXPR_M_STATIC_METHOD, .min_args = 2, .max_args = 2, .ret = T_BOOL, \
     .out_mask = 2, .fn = native}

static const expr_member_t bool_members[] = {
    MEMBER("Parse", EXPR_M_STATIC_METHOD, 1, 1, T_BOOL, bool_parse),
    TRY_PARSE(bool_try_parse),
    MEMBER("TrueString", EXPR_M_STATIC_PROPERTY, 0, 0, T_STR, bool_true_string),
    MEMBER("FalseString", EXPR_M_STATIC_PROPERTY, 0, 0, T_STR, bool_false_string),
    MEMBER("ToString", EXPR_M_METHOD, 0, 1, T_STR, bool_to_string),
    MEMBER("CompareTo", EXPR_M_METHOD, 1, 1, T_INT, bool_compare_to),
    MEMBER("Equals", EXPR_M_METHOD, 1, 1, T_BOOL, num_equals),
};

static const expr_member_t int_members[] = {
    MEMBER("Parse", EXPR_M_STATIC_METHOD, 1, 2, T_INT, int_parse),
    TRY_PARSE(int_try_parse),
    MEMBER("MaxValue", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, int_max),
    MEMBER("MinValue", EXPR_M_STATIC_PROPERTY, 0, 0, T_INT, int_min),
    MEMBER("ToString", EXPR_M_METHOD, 0, 2, T_STR, num_to_string),
    MEMBER("CompareTo", EXPR_M_METHOD, 1, 1, T_INT, int_compare_to),
    MEMBER("Equals", EXPR_M_METHOD, 1, 1, T_BOOL, num_equals),
};

static const expr_member_t long_members[] = {
    MEMBER("Parse", EXPR_M_STATIC_METHOD, 1, 2, T_LONG, long_parse),
    TRY_PARSE(long_try_parse),
    MEMBER("MaxValue", EXPR_M_STATIC_PROPERTY, 0, 0, T_LONG, long_max),
    MEMBER("MinValue", EXPR_M_STATIC_PROPERTY, 0, 0, T_LONG, long_min),
    MEMBER("ToString", EXPR_M_METHOD, 0, 2, T_STR, num_to_string),
    MEMBER("CompareTo", EXPR_M_METHOD, 1, 1, T_INT, long_compare_to),
    MEMBER("Equals", EXPR_M_METHOD, 1, 1, T_BOOL, num_equals),
};

static const expr_member_t double_members[] = {
    MEMBER("Parse", EXPR_M_STATIC_METHOD, 1, 2, T_DOUBLE, double_parse),
    TRY_PARSE(double_try_parse),
    MEMBER("MaxValue", EXPR_M_STATIC_PROPERTY, 0, 0, T_DOUBLE, double_max),
    MEMBER("MinValue", EXPR_M_STATIC_PROPERTY, 0, 0, T_DOUBLE, double_min),
    MEMBER("Epsilon", EXPR_M_STATIC_PROPERTY, 0, 0, T_DOUBLE, double_epsilon),
    MEMBER("NaN", EXPR_M_STATIC_PROPERTY, 0, 0, T_DOUBLE, double_nan),
    MEMBER("PositiveInfinity", EXPR_M_STATIC_PROPERTY, 0, 0, T_DOUBLE, double_pos_inf),
    MEMBER("NegativeInfinity", EXPR_M_STATIC_PROPERTY, 0, 0, T_DOUBLE, double_neg_inf),
    MEMBER("IsNaN", EXPR_M_STATIC_METHOD, 1, 1, T_BOOL, double_is_nan),
    MEMBER("IsInfinity", EXPR_M_STATIC_METHOD, 1, 1, T_BOOL, double_is_infinity),
    MEMBER("IsPositiveInfinity", EXPR_M_STATIC_METHOD, 1, 1, T_BOOL, double_is_pos_inf),
    MEMBER("IsNegativeInfinity", EXPR_M_STATIC_METHOD, 1, 1, T_BOOL, double_is_neg_inf),
    MEMBER("IsFinite", EXPR_M_STATIC_METHOD, 1, 1, T_BOOL, double_is_finite),
    MEMBER("ToString", EXPR_M_METHOD, 0, 2, T_STR, num_to_string),
    MEMBER("CompareTo", EXPR_M_METHOD, 1, 1, T_INT, double_compare_to),
    MEMBER("Equals", EXPR_M_METHOD, 1, 1, T_BOOL, num_equals),
};

static const expr_member_t bytes_members[] = {
    MEMBER("Length", EXPR_M_PROPERTY, 0, 0, T_INT, bytes_length),
    MEMBER("[]", EXPR_M_INDEXER, 1, 1, T_INT, bytes_index),
};

#define MEMBERS(t) .members = t, .member_count = sizeof t / sizeof t[0]

const expr_class_t expr_class_bool = {
    .name = "bool",
    .full_name = "System.Boolean",
    .tag = EXPR_V_BOOL,
    .is_nameable = true,
    MEMBERS(bool_members),
};

const expr_class_t expr_class_int = {
    .name = "int",
    .full_name = "System.Int32",
    .tag = EXPR_V_INT,
    .is_nameable = true,
    MEMBERS(int_members),
};

const expr_class_t expr_class_long = {
    .name = "long",
    .full_name = "System.Int64",
    .tag = EXPR_V_LONG,
    .is_nameable = true,
    MEMBERS(long_members),
};

const expr_class_t expr_class_double = {
    .name = "double",
    .full_name = "System.Double",
    .tag = EXPR_V_DOUBLE,
    .is_nameable = true,
    MEMBERS(double_members),
};

const expr_class_t expr_class_bytes = {
    .name = "byte[]",
    .full_name = "System.Byte[]",
    .tag = EXPR_V_BYTES,
    .is_nameable = true,
    MEMBERS(bytes_members),
    .elem = &expr_class_int,
};

const expr_class_t *const expr_lib_number_classes[] = {
    &expr_class_bool, &expr_class_int, &expr_class_long, &expr_class_double, &expr_class_bytes,
    &expr_class_math, &expr_class_convert, &expr_class_bit_converter, &expr_class_encoding,
    &expr_class_midpoint_rounding, &expr_class_random, NULL};
