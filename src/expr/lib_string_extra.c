/* lib_string_extra: char, StringBuilder and composite formatting (string.Format,
 * StringBuilder.AppendFormat). The class list is lib_string.c's.
 * Contract: value.h, lib_text.h. */
#include "expr/lib_text.h"

#include <string.h>

#define T_INT {&expr_class_int, NULL}
#define T_BOOL {&expr_class_bool, NULL}
#define T_STR {&expr_class_string, NULL}
#define T_CHAR {&expr_class_char, NULL}
#define T_SB {&expr_class_string_builder, NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}

static const char BAD_FORMAT[] = "Input string was not in a correct format.";

static int range_error(expr_rt_t *rt, const char *param, const char *msg)
{
    return expr_throw(rt, "ArgumentOutOfRangeException", "%s (Parameter '%s')", msg, param);
}

/* ---- composite formatting ---- */

/* The ToString(format) member of a class or its bases, or NULL. */
static const expr_member_t *to_string_with_format(const expr_class_t *cls)
{
    for (; cls; cls = cls->base)
        for (size_t k = 0; k < cls->member_count; k++) {
            const expr_member_t *m = &cls->members[k];
            if (m->kind == EXPR_M_METHOD && m->max_args >= 1 && m->min_args <= 1 && !strcmp(m->name, "ToString"))
                return m;
        }
    return NULL;
}

static int format_item(expr_text_buf_t *b, const expr_value_t *v, const char *f, size_t flen,
                       bool has_format)
{
    if (!has_format || v->tag == EXPR_V_NULL) return expr_text_put_value(b, v);
    if (v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG || v->tag == EXPR_V_DOUBLE)
        return expr_numfmt(b, v, f, flen);
    const expr_member_t *m = to_string_with_format(expr_value_class(v));
    if (!m) return expr_text_put_value(b, v);
    expr_value_t fmt_arg, res;
    if (expr_str_copy(b->rt, f, flen, &fmt_arg)) return EXPR_THROWN;
    expr_call_t call = {.member = m, .receiver_type = {expr_value_class(v), NULL}};
    if (m->fn(b->rt, &call, v, &fmt_arg, 1, &res)) return EXPR_THROWN;
    return expr_text_put_value(b, &res);
}

int expr_text_format(expr_text_buf_t *b, const char *f, size_t len, const expr_value_t *args,
                     unsigned argc)
{
    expr_rt_t *rt = b->rt;
    size_t i = 0;
    while (i < len) {
        char c = f[i];
        if (c == '}') {
            if (i + 1 < len && f[i + 1] == '}') {
                if (expr_text_putc(b, '}')) return EXPR_THROWN;
                i += 2;
                continue;
            }
            return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
        }
        if (c != '{') {
            size_t j = i;
            while (j < len && f[j] != '{' && f[j] != '}') j++;
            if (expr_text_put(b, f + i, j - i)) return EXPR_THROWN;
            i = j;
            continue;
        }
        if (i + 1 < len && f[i + 1] == '{') {
            if (expr_text_putc(b, '{')) return EXPR_THROWN;
            i += 2;
            continue;
        }
        /* {index[,alignment][:format]} */
        i++;
        if (i >= len || f[i] < '0' || f[i] > '9') return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
        uint32_t index = 0;
        while (i < len && f[i] >= '0' && f[i] <= '9') {
            index = index * 10 + (uint32_t)(f[i++] - '0');
            if (index > 1000000) return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
        }
        while (i < len && f[i] == ' ') i++;
        int32_t align = 0;
        if (i < len && f[i] == ',') {
            i++;
            while (i < len && f[i] == ' ') i++;
            bool neg = i < len && f[i] == '-';
            if (neg) i++;
            if (i >= len || f[i] < '0' || f[i] > '9') return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
            while (i < len && f[i] >= '0' && f[i] <= '9') {
                align = align * 10 + (f[i++] - '0');
                if (align > 1000000) return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
            }
            if (neg) align = -align;
            while (i < len && f[i] == ' ') i++;
        }
        const char *item_fmt = NULL;
        size_t item_len = 0;
        bool has_format = false;
        if (i < len && f[i] == ':') {
            i++;
            item_fmt = f + i;
            while (i < len && f[i] != '}') {
                if (f[i] == '{') return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
                i++;
            }
            item_len = (size_t)(f + i - item_fmt);
            has_format = item_len > 0;
        }
        if (i >= len || f[i] != '}') return expr_throw(rt, "FormatException", "%s", BAD_FORMAT);
        i++;
        if (index >= argc)
            return expr_throw(rt, "FormatException", "Index (zero based) must be greater than or equal to zero and less than the size of the argument list.");
        size_t start = b->len;
        if (format_item(b, &args[index], item_fmt, item_len, has_format)) return EXPR_THROWN;
        size_t units = expr_text_u16_len(b->ptr ? b->ptr + start : "", b->len - start);
        size_t width = (size_t)(align < 0 ? -align : align);
        if (units < width) {
            size_t padn = width - units;
            if (expr_text_reserve(b, padn)) return EXPR_THROWN;
            if (align > 0) {
                memmove(b->ptr + start + padn, b->ptr + start, b->len - start);
                memset(b->ptr + start, ' ', padn);
                b->len += padn;
            } else if (expr_text_fill(b, ' ', padn)) {
                return EXPR_THROWN;
            }
        }
    }
    return 0;
}

/* ---- char ---- */

static int arg_char_at(expr_rt_t *rt, expr_value_t *args, unsigned argc, uint32_t *c)
{
    if (argc == 1) {
        if (args[0].tag != EXPR_V_CHAR)
            return expr_throw(rt, "ArgumentException", "Argument 'c' must be a char.");
        *c = (uint32_t)args[0].u.i;
        return 0;
    }
    const char *p;
    size_t len;
    int32_t index;
    if (expr_text_arg_str(rt, &args[0], "s", false, &p, &len) || expr_text_arg_int(rt, &args[1], "index", &index))
        return EXPR_THROWN;
    expr_u16_t u;
    if (expr_text_to_u16(rt, p, len, &u)) return EXPR_THROWN;
    if (index < 0 || (size_t)index >= u.n)
        return range_error(rt, "index", "Index was out of range. Must be non-negative and less than the size of the collection.");
    *c = u.u[index];
    return 0;
}

static bool is_punctuation(uint32_t c)
{
    if (c < 0x80) return c > 0x20 && c < 0x7F && strchr("!\"#%&'()*,-./:;?@[\\]_{}", (int)c);
    return c == 0xA1 || c == 0xA7 || c == 0xAB || c == 0xB6 || c == 0xB7 || c == 0xBB ||
           c == 0xBF || (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205E) ||
           (c >= 0x3001 && c <= 0x3003);
}

#define CHAR_TEST(fn, expr)                                                                    \
    EXPR_NATIVE(fn)                                                                            \
    {                                                                                          \
        uint32_t c;                                                                            \
        if (arg_char_at(rt, args, argc, &c)) return EXPR_THROWN;                               \
        *out = expr_bool(expr);                                                                \
        return 0;                                                                              \
    }

CHAR_TEST(char_is_digit, expr_text_is_digit(c))
CHAR_TEST(char_is_number, expr_text_is_digit(c) || c == 0xB2 || c == 0xB3 || c == 0xB9 || (c >= 0xBC && c <= 0xBE))
CHAR_TEST(char_is_letter, expr_text_is_letter(c))
CHAR_TEST(char_is_letter_or_digit, expr_text_is_letter(c) || expr_text_is_digit(c))
CHAR_TEST(char_is_white_space, expr_text_is_white(c))
CHAR_TEST(char_is_upper, expr_text_is_upper(c))
CHAR_TEST(char_is_lower, expr_text_is_lower(c))
CHAR_TEST(char_is_punctuation, is_punctuation(c))
CHAR_TEST(char_is_control, c < 0x20 || (c >= 0x7F && c <= 0x9F))
CHAR_TEST(char_is_surrogate, c >= 0xD800 && c <= 0xDFFF)
CHAR_TEST(char_is_high_surrogate, c >= 0xD800 && c <= 0xDBFF)
CHAR_TEST(char_is_low_surrogate, c >= 0xDC00 && c <= 0xDFFF)
CHAR_TEST(char_is_ascii, c < 0x80)

EXPR_NATIVE(char_to_upper)
{
    if (args[0].tag != EXPR_V_CHAR) return expr_throw(rt, "ArgumentException", "Argument 'c' must be a char.");
    *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = expr_text_upper((uint32_t)args[0].u.i)};
    return 0;
}

EXPR_NATIVE(char_to_lower)
{
    if (args[0].tag != EXPR_V_CHAR) return expr_throw(rt, "ArgumentException", "Argument 'c' must be a char.");
    *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = expr_text_lower((uint32_t)args[0].u.i)};
    return 0;
}

EXPR_NATIVE(char_to_string)
{
    const expr_value_t *c = argc ? &args[0] : self;
    if (!c || c->tag != EXPR_V_CHAR) return expr_throw(rt, "ArgumentException", "Argument 'c' must be a char.");
    return expr_text_value_string(rt, c, out);
}

/* char.Parse(s): exactly one UTF-16 unit. */
EXPR_NATIVE(char_parse)
{
    const char *p;
    size_t len;
    if (expr_text_arg_str(rt, &args[0], "s", false, &p, &len)) return EXPR_THROWN;
    expr_u16_t u;
    if (expr_text_to_u16(rt, p, len, &u)) return EXPR_THROWN;
    if (u.n != 1) return expr_throw(rt, "FormatException", "String must be exactly one character long.");
    *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = u.u[0]};
    return 0;
}

EXPR_NATIVE(char_try_parse)
{
    bool ok = false;
    args[1] = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = 0};
    if (args[0].tag == EXPR_V_STRING) {
        expr_u16_t u;
        if (expr_text_to_u16(rt, args[0].u.s.ptr, args[0].u.s.len, &u)) return EXPR_THROWN;
        if (u.n == 1) {
            ok = true;
            args[1].u.i = u.u[0];
        }
    }
    *out = expr_bool(ok);
    return 0;
}

EXPR_NATIVE(char_compare_to)
{
    if (!self || self->tag != EXPR_V_CHAR || args[0].tag != EXPR_V_CHAR)
        return expr_throw(rt, "ArgumentException", "Object must be of type Char.");
    *out = expr_int((int32_t)(self->u.i - args[0].u.i));
    return 0;
}

EXPR_NATIVE(char_equals)
{
    (void)rt;
    *out = expr_bool(self && args[0].tag == EXPR_V_CHAR && self->u.i == args[0].u.i);
    return 0;
}

EXPR_NATIVE(char_max)
{
    (void)rt;
    *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = 0xFFFF};
    return 0;
}

EXPR_NATIVE(char_min)
{
    (void)rt;
    *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = 0};
    return 0;
}

static const expr_member_t char_members[] = {
    MEMBER("IsDigit", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_digit),
    MEMBER("IsNumber", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_number),
    MEMBER("IsLetter", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_letter),
    MEMBER("IsLetterOrDigit", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_letter_or_digit),
    MEMBER("IsWhiteSpace", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_white_space),
    MEMBER("IsUpper", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_upper),
    MEMBER("IsLower", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_lower),
    MEMBER("IsPunctuation", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_punctuation),
    MEMBER("IsControl", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_control),
    MEMBER("IsSurrogate", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_surrogate),
    MEMBER("IsHighSurrogate", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_high_surrogate),
    MEMBER("IsLowSurrogate", EXPR_M_STATIC_METHOD, 1, 2, T_BOOL, char_is_low_surrogate),
    MEMBER("IsAscii", EXPR_M_STATIC_METHOD, 1, 1, T_BOOL, char_is_ascii),
    MEMBER("ToUpper", EXPR_M_STATIC_METHOD, 1, 1, T_CHAR, char_to_upper),
    MEMBER("ToLower", EXPR_M_STATIC_METHOD, 1, 1, T_CHAR, char_to_lower),
    MEMBER("ToUpperInvariant", EXPR_M_STATIC_METHOD, 1, 1, T_CHAR, char_to_upper),
    MEMBER("ToLowerInvariant", EXPR_M_STATIC_METHOD, 1, 1, T_CHAR, char_to_lower),
    MEMBER("ToString", EXPR_M_STATIC_METHOD, 1, 1, T_STR, char_to_string),
    MEMBER("Parse", EXPR_M_STATIC_METHOD, 1, 1, T_CHAR, char_parse),
    {.name = "TryParse", .kind = EXPR_M_STATIC_METHOD, .min_args = 2, .max_args = 2, .ret = T_BOOL,
     .out_mask = 2, .fn = char_try_parse},
    MEMBER("MaxValue", EXPR_M_STATIC_PROPERTY, 0, 0, T_CHAR, char_max),
    MEMBER("MinValue", EXPR_M_STATIC_PROPERTY, 0, 0, T_CHAR, char_min),
    MEMBER("ToString", EXPR_M_METHOD, 0, 0, T_STR, char_to_string),
    MEMBER("CompareTo", EXPR_M_METHOD, 1, 1, T_INT, char_compare_to),
    MEMBER("Equals", EXPR_M_METHOD, 1, 1, T_BOOL, char_equals),
};

const expr_class_t expr_class_char = {
    .name = "char",
    .full_name = "System.Char",
    .tag = EXPR_V_CHAR,
    .is_nameable = true,
    .members = char_members,
    .member_count = sizeof char_members / sizeof char_members[0],
};

/* ---- StringBuilder ---- */

typedef struct {
    expr_text_buf_t buf;
} string_builder_t;

static int self_builder(expr_rt_t *rt, const expr_value_t *self, string_builder_t **sb)
{
    *sb = NULL;
    if (!self || self->tag != EXPR_V_OBJECT || self->u.obj.cls != &expr_class_string_builder)
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    *sb = self->u.obj.ptr;
    /* the buffer allocates in the evaluation that uses it */
    (*sb)->buf.rt = rt;
    return 0;
}

EXPR_NATIVE(sb_ctor)
{
    string_builder_t *sb = expr_rt_alloc(rt, sizeof *sb);
    if (!sb) return EXPR_THROWN;
    expr_text_buf_init(&sb->buf, rt);
    if (argc >= 1 && args[0].tag == EXPR_V_STRING && expr_text_put(&sb->buf, args[0].u.s.ptr, args[0].u.s.len))
        return EXPR_THROWN;
    if (argc >= 1 && args[0].tag == EXPR_V_INT && args[0].u.i < 0)
        return range_error(rt, "capacity", "'capacity' must be greater than zero.");
    *out = expr_object(&expr_class_string_builder, sb);
    return 0;
}

/* Append(value) / Append(char, repeatCount) / Append(string|char[], startIndex, count). */
EXPR_NATIVE(sb_append)
{
    string_builder_t *sb;
    if (self_builder(rt, self, &sb)) return EXPR_THROWN;
    if (argc == 2 && args[0].tag == EXPR_V_CHAR) {
        int32_t n;
        if (expr_text_arg_int(rt, &args[1], "repeatCount", &n)) return EXPR_THROWN;
        if (n < 0) return range_error(rt, "repeatCount", "Count cannot be less than zero.");
        uint16_t c = (uint16_t)args[0].u.i;
        for (int32_t k = 0; k < n; k++)
            if (expr_text_put_u16(&sb->buf, &c, 1)) return EXPR_THROWN;
    } else if (args[0].tag == EXPR_V_ARRAY && args[0].u.arr.elem == &expr_class_char) {
        uint32_t start = 0, count = args[0].u.arr.count;
        if (argc == 3) {
            int32_t s, c;
            if (expr_text_arg_int(rt, &args[1], "startIndex", &s) || expr_text_arg_int(rt, &args[2], "charCount", &c))
                return EXPR_THROWN;
            if (s < 0 || c < 0 || (uint64_t)s + (uint64_t)c > count)
                return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.");
            start = (uint32_t)s;
            count = (uint32_t)c;
        }
        for (uint32_t k = start; k < start + count; k++)
            if (expr_text_put_value(&sb->buf, &args[0].u.arr.items[k])) return EXPR_THROWN;
    } else if (argc == 3) {
        const char *p;
        size_t len;
        int32_t s, c;
        if (expr_text_arg_str(rt, &args[0], "value", true, &p, &len) ||
            expr_text_arg_int(rt, &args[1], "startIndex", &s) || expr_text_arg_int(rt, &args[2], "count", &c))
            return EXPR_THROWN;
        size_t units = expr_text_u16_len(p, len);
        if (s < 0 || c < 0 || (size_t)s + (size_t)c > units)
            return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.");
        expr_u16_t u;
        if (expr_text_to_u16(rt, p, len, &u) || expr_text_put_u16(&sb->buf, u.u + s, (size_t)c)) return EXPR_THROWN;
    } else if (expr_text_put_value(&sb->buf, &args[0])) {
        return EXPR_THROWN;
    }
    *out = *self;
    return 0;
}

EXPR_NATIVE(sb_append_line)
{
    string_builder_t *sb;
    if (self_builder(rt, self, &sb)) return EXPR_THROWN;
    if (argc && expr_text_put_value(&sb->buf, &args[0])) return EXPR_THROWN;
    /* Environment.NewLine of the Windows-hosted managed gateway */
    if (expr_text_put(&sb->buf, "\r\n", 2)) return EXPR_THROWN;
    *out = *self;
    return 0;
}

EXPR_NATIVE(sb_append_format)
{
    string_builder_t *sb;
    const char *f;
    size_t flen;
    if (argc > 1 && expr_text_is_provider(&args[0])) {
        args++;
        argc--;
    }
    if (self_builder(rt, self, &sb) || expr_text_arg_str(rt, &args[0], "format", false, &f, &flen))
        return EXPR_THROWN;
    const expr_value_t *items = args + 1;
    unsigned n = argc - 1;
    if (n == 1 && args[1].tag == EXPR_V_ARRAY &&
        (!args[1].u.arr.elem || args[1].u.arr.elem->tag == EXPR_V_STRING || args[1].u.arr.elem->tag == EXPR_V_OBJECT)) {
        items = args[1].u.arr.items;
        n = args[1].u.arr.count;
    }
    if (expr_text_format(&sb->buf, f, flen, items, n)) return EXPR_THROWN;
    *out = *self;
    return 0;
}

/* The builder's content as UTF-16 units. */
static int sb_units(expr_rt_t *rt, string_builder_t *sb, expr_u16_t *u)
{
    return expr_text_to_u16(rt, sb->buf.ptr ? sb->buf.ptr : "", sb->buf.len, u);
}

static int sb_set_units(string_builder_t *sb, const uint16_t *a, size_t an, const char *mid,
                        size_t midlen, const uint16_t *c, size_t cn)
{
    expr_text_buf_t nb;
    expr_text_buf_init(&nb, sb->buf.rt);
    if (expr_text_put_u16(&nb, a, an) || expr_text_put(&nb, mid, midlen) || expr_text_put_u16(&nb, c, cn))
        return EXPR_THROWN;
    sb->buf = nb;
    return 0;
}

EXPR_NATIVE(sb_insert)
{
    string_builder_t *sb;
    int32_t index, count = 1;
    expr_u16_t u;
    if (self_builder(rt, self, &sb) || expr_text_arg_int(rt, &args[0], "index", &index) || sb_units(rt, sb, &u))
        return EXPR_THROWN;
    if (index < 0 || (size_t)index > u.n)
        return range_error(rt, "index", "Index was out of range. Must be non-negative and less than or equal to the size of the collection.");
    if (argc > 2 && expr_text_arg_int(rt, &args[2], "count", &count)) return EXPR_THROWN;
    if (count < 0) return range_error(rt, "count", "Count cannot be less than zero.");
    expr_text_buf_t mid;
    expr_text_buf_init(&mid, rt);
    for (int32_t k = 0; k < count; k++)
        if (expr_text_put_value(&mid, &args[1])) return EXPR_THROWN;
    if (sb_set_units(sb, u.u, (size_t)index, mid.ptr ? mid.ptr : "", mid.len, u.u + index, u.n - (size_t)index))
        return EXPR_THROWN;
    *out = *self;
    return 0;
}

EXPR_NATIVE(sb_remove)
{
    string_builder_t *sb;
    int32_t start, length;
    expr_u16_t u;
    if (self_builder(rt, self, &sb) || expr_text_arg_int(rt, &args[0], "startIndex", &start) ||
        expr_text_arg_int(rt, &args[1], "length", &length) || sb_units(rt, sb, &u))
        return EXPR_THROWN;
    if (start < 0 || length < 0 || (size_t)start + (size_t)length > u.n)
        return range_error(rt, "length", "Index was out of range. Must be non-negative and less than the size of the collection.");
    if (sb_set_units(sb, u.u, (size_t)start, "", 0, u.u + start + length, u.n - (size_t)start - (size_t)length))
        return EXPR_THROWN;
    *out = *self;
    return 0;
}

/* Replace(old, new [, startIndex, count]) for strings or chars, ordinal. */
EXPR_NATIVE(sb_replace)
{
    string_builder_t *sb;
    expr_u16_t u, old, nw = {NULL, 0};
    if (self_builder(rt, self, &sb) || sb_units(rt, sb, &u)) return EXPR_THROWN;
    expr_value_t o = args[0], n = args[1];
    if (o.tag == EXPR_V_CHAR) {
        if (expr_text_value_string(rt, &args[0], &o) || expr_text_value_string(rt, &args[1], &n))
            return EXPR_THROWN;
    }
    const char *op, *np;
    size_t olen, nlen;
    if (expr_text_arg_str(rt, &o, "oldValue", false, &op, &olen) || expr_text_arg_str(rt, &n, "newValue", true, &np, &nlen))
        return EXPR_THROWN;
    if (olen == 0) return expr_throw(rt, "ArgumentException", "The value cannot be an empty string. (Parameter 'oldValue')");
    if (expr_text_to_u16(rt, op, olen, &old) || (np && expr_text_to_u16(rt, np, nlen, &nw))) return EXPR_THROWN;
    int32_t start = 0, count = (int32_t)u.n;
    if (argc == 4) {
        if (expr_text_arg_int(rt, &args[2], "startIndex", &start) || expr_text_arg_int(rt, &args[3], "count", &count))
            return EXPR_THROWN;
        if (start < 0 || count < 0 || (size_t)start + (size_t)count > u.n)
            return range_error(rt, "startIndex", "Index was out of range. Must be non-negative and less than the size of the collection.");
    }
    expr_text_buf_t nb;
    expr_text_buf_init(&nb, rt);
    if (expr_text_put_u16(&nb, u.u, (size_t)start)) return EXPR_THROWN;
    size_t i = (size_t)start, end = (size_t)start + (size_t)count;
    while (i < end) {
        if (end - i >= old.n && !memcmp(u.u + i, old.u, old.n * sizeof *old.u)) {
            if (expr_text_put_u16(&nb, nw.u, nw.n)) return EXPR_THROWN;
            i += old.n;
        } else {
            size_t j = i + 1;
            if (expr_text_put_u16(&nb, u.u + i, 1)) return EXPR_THROWN;
            i = j;
        }
    }
    if (expr_text_put_u16(&nb, u.u + end, u.n - end)) return EXPR_THROWN;
    sb->buf = nb;
    *out = *self;
    return 0;
}

EXPR_NATIVE(sb_clear)
{
    string_builder_t *sb;
    if (self_builder(rt, self, &sb)) return EXPR_THROWN;
    sb->buf.len = 0;
    *out = *self;
    return 0;
}

static int sb_content(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    string_builder_t *sb;
    if (self_builder(rt, self, &sb)) return EXPR_THROWN;
    /* copied: the builder may change after ToString */
    return expr_str_copy(rt, sb->buf.ptr ? sb->buf.ptr : "", sb->buf.len, out);
}

EXPR_NATIVE(sb_to_string)
{
    if (argc == 0) return sb_content(rt, self, out);
    string_builder_t *sb;
    int32_t start, length;
    expr_u16_t u;
    if (self_builder(rt, self, &sb) || expr_text_arg_int(rt, &args[0], "startIndex", &start) ||
        expr_text_arg_int(rt, &args[1], "length", &length) || sb_units(rt, sb, &u))
        return EXPR_THROWN;
    if (start < 0 || length < 0 || (size_t)start + (size_t)length > u.n)
        return range_error(rt, "length", "Index and length must refer to a location within the string.");
    return expr_text_from_u16(rt, u.u + start, (size_t)length, out);
}

EXPR_NATIVE(sb_length)
{
    string_builder_t *sb;
    if (self_builder(rt, self, &sb)) return EXPR_THROWN;
    *out = expr_int((int32_t)expr_text_u16_len(sb->buf.ptr ? sb->buf.ptr : "", sb->buf.len));
    return 0;
}

EXPR_NATIVE(sb_index)
{
    string_builder_t *sb;
    int32_t index;
    expr_u16_t u;
    if (self_builder(rt, self, &sb) || expr_text_arg_int(rt, &args[0], "index", &index) || sb_units(rt, sb, &u))
        return EXPR_THROWN;
    if (index < 0 || (size_t)index >= u.n)
        return expr_throw(rt, "IndexOutOfRangeException", "Index was outside the bounds of the array.");
    *out = (expr_value_t){.tag = EXPR_V_CHAR, .u.i = u.u[index]};
    return 0;
}

static const expr_member_t string_builder_members[] = {
    MEMBER(".ctor", EXPR_M_CONSTRUCTOR, 0, 2, T_SB, sb_ctor),
    MEMBER("Append", EXPR_M_METHOD, 1, 3, T_SB, sb_append),
    MEMBER("AppendLine", EXPR_M_METHOD, 0, 1, T_SB, sb_append_line),
    MEMBER("AppendFormat", EXPR_M_METHOD, 1, 255, T_SB, sb_append_format),
    MEMBER("Insert", EXPR_M_METHOD, 2, 3, T_SB, sb_insert),
    MEMBER("Remove", EXPR_M_METHOD, 2, 2, T_SB, sb_remove),
    MEMBER("Replace", EXPR_M_METHOD, 2, 4, T_SB, sb_replace),
    MEMBER("Clear", EXPR_M_METHOD, 0, 0, T_SB, sb_clear),
    MEMBER("ToString", EXPR_M_METHOD, 0, 2, T_STR, sb_to_string),
    MEMBER("Length", EXPR_M_PROPERTY, 0, 0, T_INT, sb_length),
    MEMBER("[]", EXPR_M_INDEXER, 1, 1, T_CHAR, sb_index),
};

const expr_class_t expr_class_string_builder = {
    .name = "StringBuilder",
    .full_name = "System.Text.StringBuilder",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .members = string_builder_members,
    .member_count = sizeof string_builder_members / sizeof string_builder_members[0],
    .to_string = sb_content,
};
