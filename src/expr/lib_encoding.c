/* lib_encoding: Encoding (UTF8, ASCII, Unicode, BigEndianUnicode, Latin1, Default,
 * GetEncoding) with GetBytes, GetByteCount, GetString, WebName. The class list is
 * lib_number.c's. Contract: value.h, lib_text.h. */
#include "expr/lib_text.h"

#include <string.h>
#include <strings.h>

#define T_INT {&expr_class_int, NULL}
#define T_STR {&expr_class_string, NULL}
#define T_BYTES {&expr_class_bytes, NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}
#define MEMBERS(t) .members = t, .member_count = sizeof t / sizeof t[0]

/* ---- Encoding ---- */

typedef enum { ENC_UTF8, ENC_ASCII, ENC_UTF16LE, ENC_UTF16BE, ENC_LATIN1 } encoding_kind_t;

typedef struct {
    encoding_kind_t kind;
    const char *web_name;
    const char *type_name;
} encoding_t;

static const encoding_t encodings[] = {
    {ENC_UTF8, "utf-8", "System.Text.UTF8Encoding+UTF8EncodingSealed"},
    {ENC_ASCII, "us-ascii", "System.Text.ASCIIEncoding+ASCIIEncodingSealed"},
    {ENC_UTF16LE, "utf-16", "System.Text.UnicodeEncoding"},
    {ENC_UTF16BE, "utf-16BE", "System.Text.UnicodeEncoding"},
    {ENC_LATIN1, "iso-8859-1", "System.Text.Latin1Encoding+Latin1EncodingSealed"},
};

static int self_encoding(expr_rt_t *rt, const expr_value_t *self, const encoding_t **e)
{
    *e = &encodings[0];
    if (!self || self->tag != EXPR_V_OBJECT || self->u.obj.cls != &expr_class_encoding)
        return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
    *e = self->u.obj.ptr;
    return 0;
}

/* The UTF-16 units of a GetBytes/GetByteCount argument: a string or a char[]. */
static int encoding_source(expr_rt_t *rt, expr_value_t *args, unsigned argc, expr_u16_t *u)
{
    if (args[0].tag == EXPR_V_STRING || args[0].tag == EXPR_V_NULL) {
        const char *p;
        size_t len;
        if (expr_text_arg_str(rt, &args[0], "s", false, &p, &len) || expr_text_to_u16(rt, p, len, u)) return EXPR_THROWN;
    } else if (args[0].tag == EXPR_V_ARRAY) {
        u->n = args[0].u.arr.count;
        u->u = expr_rt_alloc(rt, (u->n + 1) * sizeof *u->u);
        if (!u->u) return EXPR_THROWN;
        for (size_t k = 0; k < u->n; k++) {
            if (args[0].u.arr.items[k].tag != EXPR_V_CHAR)
                return expr_throw(rt, "ArgumentException", "Argument 'chars' must be a char[].");
            u->u[k] = (uint16_t)args[0].u.arr.items[k].u.i;
        }
    } else {
        return expr_throw(rt, "ArgumentException", "Argument 's' must be a string or a char[].");
    }
    size_t off, n;
    if (expr_text_arg_range(rt, args, argc, 1, u->n, "index", "count", &off, &n)) return EXPR_THROWN;
    u->u += off;
    u->n = n;
    return 0;
}

/* Encodes; with out == NULL only counts (*count). Unpaired surrogates become U+FFFD (UTF-8,
 * UTF-16) or '?' (ASCII, Latin-1), as .NET's replacement fallbacks. */
static int encode(expr_rt_t *rt, const encoding_t *e, const expr_u16_t *u, size_t *count, expr_value_t *out)
{
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    for (size_t i = 0; i < u->n; i++) {
        uint32_t c = u->u[i];
        bool paired = false;
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < u->n && u->u[i + 1] >= 0xDC00 && u->u[i + 1] <= 0xDFFF) {
            paired = true;
            c = 0x10000 + ((c - 0xD800) << 10) + (u->u[i + 1] - 0xDC00);
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        int r = 0;
        switch (e->kind) {
        case ENC_UTF8: r = expr_text_put_cp(&b, c); break;
        case ENC_ASCII: r = expr_text_putc(&b, c < 0x80 ? (char)c : '?'); break;
        case ENC_LATIN1: r = expr_text_putc(&b, c < 0x100 ? (char)c : '?'); break;
        case ENC_UTF16LE:
        case ENC_UTF16BE: {
            uint16_t units[2];
            size_t nu = 1;
            if (c >= 0x10000) {
                units[0] = u->u[i];
                units[1] = u->u[i + 1];
                nu = 2;
            } else {
                units[0] = (uint16_t)c;
            }
            for (size_t k = 0; k < nu && !r; k++) {
                char two[2] = {(char)(units[k] & 0xFF), (char)(units[k] >> 8)};
                if (e->kind == ENC_UTF16BE) {
                    char t = two[0];
                    two[0] = two[1];
                    two[1] = t;
                }
                r = expr_text_put(&b, two, 2);
            }
            break;
        }
        }
        if (r) return EXPR_THROWN;
        if (paired) i++;
    }
    *count = b.len;
    if (!out) return 0;
    if (expr_text_finish(&b, out)) return EXPR_THROWN;
    out->tag = EXPR_V_BYTES;
    return 0;
}

EXPR_NATIVE(encoding_get_bytes)
{
    const encoding_t *e;
    expr_u16_t u;
    size_t n;
    if (self_encoding(rt, self, &e) || encoding_source(rt, args, argc, &u)) return EXPR_THROWN;
    return encode(rt, e, &u, &n, out);
}

EXPR_NATIVE(encoding_get_byte_count)
{
    const encoding_t *e;
    expr_u16_t u;
    size_t n;
    if (self_encoding(rt, self, &e) || encoding_source(rt, args, argc, &u) || encode(rt, e, &u, &n, NULL))
        return EXPR_THROWN;
    *out = expr_int((int32_t)n);
    return 0;
}

/* Length of a well-formed UTF-8 sequence at s[i], or 0 with *skip = the maximal subpart
 * to replace by one U+FFFD (Unicode §3.9, what .NET's decoder does). */
static size_t utf8_sequence(const unsigned char *s, size_t len, size_t i, size_t *skip)
{
    unsigned c = s[i];
    if (c < 0x80) return 1;
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        *skip = 1;
        return 0;
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xBF;
        if (i + k >= len || s[i + k] < lo_k || s[i + k] > hi_k) {
            *skip = k;
            return 0;
        }
    }
    return need + 1;
}

static int decode(expr_rt_t *rt, const encoding_t *e, const unsigned char *p, size_t n, expr_value_t *out)
{
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, n)) return EXPR_THROWN;
    switch (e->kind) {
    case ENC_UTF8:
        for (size_t i = 0; i < n;) {
            size_t skip = 0, len = utf8_sequence(p, n, i, &skip);
            int r = len ? expr_text_put(&b, (const char *)p + i, len) : expr_text_put_cp(&b, 0xFFFD);
            if (r) return EXPR_THROWN;
            i += len ? len : skip;
        }
        break;
    case ENC_ASCII:
    case ENC_LATIN1:
        for (size_t i = 0; i < n; i++)
            if (expr_text_put_cp(&b, e->kind == ENC_ASCII && p[i] >= 0x80 ? '?' : p[i])) return EXPR_THROWN;
        break;
    case ENC_UTF16LE:
    case ENC_UTF16BE: {
        size_t nu = n / 2;
        uint16_t *u = expr_rt_alloc(rt, (nu + 2) * sizeof *u);
        if (!u) return EXPR_THROWN;
        for (size_t k = 0; k < nu; k++)
            u[k] = e->kind == ENC_UTF16LE ? (uint16_t)(p[2 * k] | p[2 * k + 1] << 8) : (uint16_t)(p[2 * k] << 8 | p[2 * k + 1]);
        for (size_t k = 0; k < nu; k++) {
            bool high = u[k] >= 0xD800 && u[k] <= 0xDBFF, low = u[k] >= 0xDC00 && u[k] <= 0xDFFF;
            if (high && k + 1 < nu && u[k + 1] >= 0xDC00 && u[k + 1] <= 0xDFFF) {
                k++;
                continue;
            }
            if (high || low) u[k] = 0xFFFD;
        }
        if (n % 2) u[nu++] = 0xFFFD;
        if (expr_text_put_u16(&b, u, nu)) return EXPR_THROWN;
        break;
    }
    }
    return expr_text_finish(&b, out);
}

EXPR_NATIVE(encoding_get_string)
{
    const encoding_t *e;
    const unsigned char *p;
    size_t len, off, n;
    if (self_encoding(rt, self, &e) || expr_text_arg_bytes(rt, &args[0], "bytes", &p, &len) ||
        expr_text_arg_range(rt, args, argc, 1, len, "index", "count", &off, &n))
        return EXPR_THROWN;
    return decode(rt, e, p + off, n, out);
}

EXPR_NATIVE(encoding_web_name)
{
    const encoding_t *e;
    if (self_encoding(rt, self, &e)) return EXPR_THROWN;
    *out = expr_str_ref(e->web_name, strlen(e->web_name));
    return 0;
}

static int encoding_value(const encoding_t *e, expr_value_t *out)
{
    *out = expr_object(&expr_class_encoding, (void *)e);
    return 0;
}

EXPR_NATIVE(encoding_utf8)
{
    return encoding_value(&encodings[ENC_UTF8], out);
}

EXPR_NATIVE(encoding_ascii)
{
    return encoding_value(&encodings[ENC_ASCII], out);
}

EXPR_NATIVE(encoding_unicode)
{
    return encoding_value(&encodings[ENC_UTF16LE], out);
}

EXPR_NATIVE(encoding_big_endian_unicode)
{
    return encoding_value(&encodings[ENC_UTF16BE], out);
}

EXPR_NATIVE(encoding_latin1)
{
    return encoding_value(&encodings[ENC_LATIN1], out);
}

/* Encoding.GetEncoding(name): the names .NET Core knows without a provider. */
EXPR_NATIVE(encoding_get_encoding)
{
    const char *p;
    size_t len;
    if (expr_text_arg_str(rt, &args[0], "name", false, &p, &len)) return EXPR_THROWN;
    static const struct {
        const char *name;
        encoding_kind_t kind;
    } names[] = {{"utf-8", ENC_UTF8}, {"utf8", ENC_UTF8}, {"us-ascii", ENC_ASCII}, {"ascii", ENC_ASCII},
                 {"utf-16", ENC_UTF16LE}, {"unicode", ENC_UTF16LE}, {"utf-16le", ENC_UTF16LE},
                 {"utf-16be", ENC_UTF16BE}, {"iso-8859-1", ENC_LATIN1}, {"latin1", ENC_LATIN1}};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strlen(names[k].name) == len && !strncasecmp(p, names[k].name, len))
            return encoding_value(&encodings[names[k].kind], out);
    return expr_throw(rt, "ArgumentException", "'%.*s' is not a supported encoding name. (Parameter 'name')",
                      (int)(len > 60 ? 60 : len), p);
}

static int encoding_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    const encoding_t *e;
    if (self_encoding(rt, self, &e)) return EXPR_THROWN;
    *out = expr_str_ref(e->type_name, strlen(e->type_name));
    return 0;
}

#define T_ENC {&expr_class_encoding, NULL}

static const expr_member_t encoding_members[] = {
    MEMBER("UTF8", EXPR_M_STATIC_PROPERTY, 0, 0, T_ENC, encoding_utf8),
    MEMBER("ASCII", EXPR_M_STATIC_PROPERTY, 0, 0, T_ENC, encoding_ascii),
    MEMBER("Unicode", EXPR_M_STATIC_PROPERTY, 0, 0, T_ENC, encoding_unicode),
    MEMBER("BigEndianUnicode", EXPR_M_STATIC_PROPERTY, 0, 0, T_ENC, encoding_big_endian_unicode),
    MEMBER("Latin1", EXPR_M_STATIC_PROPERTY, 0, 0, T_ENC, encoding_latin1),
    MEMBER("Default", EXPR_M_STATIC_PROPERTY, 0, 0, T_ENC, encoding_utf8),
    MEMBER("GetEncoding", EXPR_M_STATIC_METHOD, 1, 1, T_ENC, encoding_get_encoding),
    MEMBER("GetBytes", EXPR_M_METHOD, 1, 3, T_BYTES, encoding_get_bytes),
    MEMBER("GetByteCount", EXPR_M_METHOD, 1, 3, T_INT, encoding_get_byte_count),
    MEMBER("GetString", EXPR_M_METHOD, 1, 3, T_STR, encoding_get_string),
    MEMBER("WebName", EXPR_M_PROPERTY, 0, 0, T_STR, encoding_web_name),
};

const expr_class_t expr_class_encoding = {
    .name = "Encoding",
    .full_name = "System.Text.Encoding",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    MEMBERS(encoding_members),
    .to_string = encoding_to_string,
};
