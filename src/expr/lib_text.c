/* lib_text: shared helpers of the string, number and net libraries (lib_text.h). */
#include "expr/lib_text.h"

#include <inttypes.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wctype.h>

/* ---- buffer ---- */

void expr_text_buf_init(expr_text_buf_t *b, expr_rt_t *rt)
{
    b->rt = rt;
    b->ptr = NULL;
    b->len = b->cap = 0;
}

int expr_text_reserve(expr_text_buf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return 0;
    if (b->len + extra > UINT32_MAX)
        return expr_throw(b->rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = expr_rt_alloc(b->rt, cap);
    if (!p) return EXPR_THROWN;
    if (b->len) memcpy(p, b->ptr, b->len);
    b->ptr = p;
    b->cap = cap;
    return 0;
}

int expr_text_put(expr_text_buf_t *b, const char *p, size_t n)
{
    if (expr_text_reserve(b, n)) return EXPR_THROWN;
    if (n) memcpy(b->ptr + b->len, p, n);
    b->len += n;
    return 0;
}

int expr_text_puts(expr_text_buf_t *b, const char *s)
{
    return expr_text_put(b, s, strlen(s));
}

int expr_text_putc(expr_text_buf_t *b, char c)
{
    return expr_text_put(b, &c, 1);
}

int expr_text_fill(expr_text_buf_t *b, char c, size_t n)
{
    if (expr_text_reserve(b, n)) return EXPR_THROWN;
    memset(b->ptr + b->len, c, n);
    b->len += n;
    return 0;
}

int expr_text_put_cp(expr_text_buf_t *b, uint32_t cp)
{
    char t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return expr_text_put(b, t, n);
}

int expr_text_printf(expr_text_buf_t *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return expr_throw(b->rt, "FormatException", "Format specifier was invalid.");
    if ((size_t)n < sizeof tmp) return expr_text_put(b, tmp, (size_t)n);
    if (expr_text_reserve(b, (size_t)n)) return EXPR_THROWN;
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int expr_text_finish(expr_text_buf_t *b, expr_value_t *out)
{
    if (!b->ptr) {
        *out = expr_str_ref("", 0);
        return 0;
    }
    b->ptr[b->len] = '\0';
    *out = expr_str_ref(b->ptr, b->len);
    return 0;
}

void expr_text_sink_put(expr_text_sink_t *s, const char *p, size_t n)
{
    if (!s->failed && n && expr_text_put(&s->text, p, n)) s->failed = true;
}

void expr_text_sink_put_cp(expr_text_sink_t *s, uint32_t cp)
{
    if (!s->failed && expr_text_put_cp(&s->text, cp)) s->failed = true;
}

int expr_text_sink_finish(expr_text_sink_t *s, expr_value_t *out)
{
    return s->failed ? EXPR_THROWN : expr_text_finish(&s->text, out);
}

/* ---- UTF-8 / UTF-16 ---- */

bool expr_text_is_ascii(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] >= 0x80) return false;
    return true;
}

uint32_t expr_text_next_cp(const char *p, size_t len, size_t *i)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t k = *i;
    unsigned c = s[k];
    if (c < 0x80) {
        *i = k + 1;
        return c;
    }
    size_t need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        *i = k + 1;
        return 0xFFFD;
    }
    for (size_t j = 1; j <= need; j++) {
        if (k + j >= len || (s[k + j] & 0xC0) != 0x80) {
            *i = k + 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[k + j] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF) {
        *i = k + 1;
        return 0xFFFD;
    }
    *i = k + need + 1;
    return cp; /* may be a lone surrogate (kept on purpose, see lib_text.h) */
}

size_t expr_text_u16_len(const char *p, size_t len)
{
    size_t n = 0, i = 0;
    while (i < len) {
        if ((unsigned char)p[i] < 0x80) {
            i++;
            n++;
            continue;
        }
        n += expr_text_next_cp(p, len, &i) >= 0x10000 ? 2 : 1;
    }
    return n;
}

size_t expr_text_u16_offset(const char *p, size_t len, size_t unit)
{
    size_t n = 0, i = 0;
    while (i < len && n < unit) {
        size_t start = i;
        uint32_t cp = expr_text_next_cp(p, len, &i);
        n += cp >= 0x10000 ? 2 : 1;
        if (n > unit) return start; /* inside a pair: callers go through UTF-16 then */
    }
    return i;
}

size_t expr_text_u16_pos(const char *p, size_t len, size_t off)
{
    return expr_text_u16_len(p, off < len ? off : len);
}

int expr_text_to_u16(expr_rt_t *rt, const char *p, size_t len, expr_u16_t *out)
{
    uint16_t *u = expr_rt_alloc(rt, (len + 1) * sizeof *u);
    if (!u) return EXPR_THROWN;
    size_t n = 0, i = 0;
    while (i < len) {
        uint32_t cp = expr_text_next_cp(p, len, &i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[n++] = (uint16_t)(0xD800 | (cp >> 10));
            u[n++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
        } else {
            u[n++] = (uint16_t)cp;
        }
    }
    out->u = u;
    out->n = n;
    return 0;
}

int expr_text_put_u16(expr_text_buf_t *b, const uint16_t *u, size_t n)
{
    if (expr_text_reserve(b, n * 3)) return EXPR_THROWN;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
            i++;
        }
        if (expr_text_put_cp(b, c)) return EXPR_THROWN;
    }
    return 0;
}

int expr_text_from_u16(expr_rt_t *rt, const uint16_t *u, size_t n, expr_value_t *out)
{
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_reserve(&b, n) || expr_text_put_u16(&b, u, n)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

/* ---- characters ---- */

/* Unicode case mapping and letter classes come from glibc's built-in C.UTF-8 locale (the
 * invariant culture's simple mappings); without it only ASCII is mapped. */
static locale_t text_locale;
static pthread_once_t text_locale_once = PTHREAD_ONCE_INIT;

static void text_locale_init(void)
{
    text_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t text_loc(void)
{
    pthread_once(&text_locale_once, text_locale_init);
    return text_locale;
}

bool expr_text_is_white(uint32_t c)
{
    /* char.IsWhiteSpace: Unicode Zs, Zl, Zp, and U+0009..U+000D, U+0085 */
    if (c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0) return true;
    if (c < 0x1680) return false;
    return c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

bool expr_text_is_digit(uint32_t c)
{
    if (c < 0x80) return c >= '0' && c <= '9';
    static const uint16_t zeros[] = {0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6,
                                     0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0E50, 0x0ED0,
                                     0x0F20, 0x1040, 0x17E0, 0x1810, 0xFF10};
    for (size_t k = 0; k < sizeof zeros / sizeof zeros[0]; k++)
        if (c >= zeros[k] && c <= zeros[k] + 9u) return true;
    return false;
}

bool expr_text_is_letter(uint32_t c)
{
    if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (c >= 0xD800 && c <= 0xDFFF) return false;
    locale_t l = text_loc();
    return l && iswalpha_l((wint_t)c, l) && !expr_text_is_digit(c);
}

bool expr_text_is_upper(uint32_t c)
{
    if (c < 0x80) return c >= 'A' && c <= 'Z';
    locale_t l = text_loc();
    return l && iswupper_l((wint_t)c, l);
}

bool expr_text_is_lower(uint32_t c)
{
    if (c < 0x80) return c >= 'a' && c <= 'z';
    locale_t l = text_loc();
    return l && iswlower_l((wint_t)c, l);
}

uint32_t expr_text_upper(uint32_t c)
{
    if (c < 0x80) return c >= 'a' && c <= 'z' ? c - 32 : c;
    if (c >= 0xD800 && c <= 0xDFFF) return c;
    locale_t l = text_loc();
    if (!l) return c;
    uint32_t u = (uint32_t)towupper_l((wint_t)c, l);
    /* one UTF-16 unit stays one (ToUpper never changes a string's length in .NET) */
    if (c <= 0xFFFF && u > 0xFFFF) return c;
    return u;
}

uint32_t expr_text_lower(uint32_t c)
{
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xD800 && c <= 0xDFFF) return c;
    locale_t l = text_loc();
    if (!l) return c;
    uint32_t u = (uint32_t)towlower_l((wint_t)c, l);
    if (c <= 0xFFFF && u > 0xFFFF) return c;
    return u;
}

/* ---- arguments ---- */

static const char *tag_name(const expr_value_t *v)
{
    static const char *const names[] = {"null", "System.Boolean", "System.Int32", "System.Int64",
                                        "System.Double", "System.Char", "System.String",
                                        "System.Byte[]", "System.DateTime", "System.TimeSpan",
                                        "System.Guid", "System.Array", "System.Object",
                                        "lambda"};
    if (v->tag == EXPR_V_OBJECT && v->u.obj.cls)
        return v->u.obj.cls->full_name ? v->u.obj.cls->full_name : v->u.obj.cls->name;
    return v->tag < EXPR_V_TAG_COUNT ? names[v->tag] : "?";
}

int expr_text_arg_str(expr_rt_t *rt, const expr_value_t *v, const char *param, bool allow_null,
                      const char **p, size_t *len)
{
    if (v->tag == EXPR_V_STRING) {
        *p = v->u.s.ptr;
        *len = v->u.s.len;
        return 0;
    }
    if (v->tag == EXPR_V_NULL) {
        *p = NULL;
        *len = 0;
        if (allow_null) return 0;
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    }
    return expr_throw(rt, "ArgumentException", "Object of type '%s' cannot be converted to type 'System.String'. (Parameter '%s')",
                      tag_name(v), param);
}

int expr_text_arg_int(expr_rt_t *rt, const expr_value_t *v, const char *param, int32_t *out)
{
    if ((v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG || v->tag == EXPR_V_CHAR) &&
        v->u.i >= INT32_MIN && v->u.i <= INT32_MAX) {
        *out = (int32_t)v->u.i;
        return 0;
    }
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    return expr_throw(rt, "ArgumentException", "Object of type '%s' cannot be converted to type 'System.Int32'. (Parameter '%s')",
                      tag_name(v), param);
}

bool expr_text_num_double(const expr_value_t *v, double *out)
{
    switch (v->tag) {
    case EXPR_V_INT:
    case EXPR_V_LONG:
    case EXPR_V_CHAR:
        *out = (double)v->u.i;
        return true;
    case EXPR_V_DOUBLE:
        *out = v->u.d;
        return true;
    default:
        return false;
    }
}

bool expr_text_is_integer(const expr_value_t *v)
{
    return v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG;
}

int expr_text_put_value(expr_text_buf_t *b, const expr_value_t *v)
{
    switch (v->tag) {
    case EXPR_V_NULL:
        return 0;
    case EXPR_V_STRING:
        return expr_text_put(b, v->u.s.ptr, v->u.s.len);
    case EXPR_V_CHAR: {
        uint16_t u = (uint16_t)v->u.i;
        return expr_text_put_u16(b, &u, 1);
    }
    case EXPR_V_BOOL:
        return expr_text_puts(b, v->u.b ? "True" : "False");
    case EXPR_V_INT:
    case EXPR_V_LONG:
        return expr_text_printf(b, "%" PRId64, v->u.i);
    case EXPR_V_DOUBLE:
        return expr_numfmt_double(b, v->u.d);
    default: {
        expr_value_t s;
        if (expr_text_value_string(b->rt, v, &s)) return EXPR_THROWN;
        return expr_text_put(b, s.u.s.ptr, s.u.s.len);
    }
    }
}

int expr_text_value_string(expr_rt_t *rt, const expr_value_t *v, expr_value_t *out)
{
    switch (v->tag) {
    case EXPR_V_STRING:
        *out = *v;
        return 0;
    case EXPR_V_NULL:
        *out = expr_str_ref("", 0);
        return 0;
    case EXPR_V_CHAR:
    case EXPR_V_BOOL:
    case EXPR_V_INT:
    case EXPR_V_LONG:
    case EXPR_V_DOUBLE: {
        expr_text_buf_t b;
        expr_text_buf_init(&b, rt);
        if (expr_text_put_value(&b, v)) return EXPR_THROWN;
        return expr_text_finish(&b, out);
    }
    case EXPR_V_OBJECT:
        if (v->u.obj.cls && v->u.obj.cls->to_string) return v->u.obj.cls->to_string(rt, v, out);
        return expr_value_to_string(rt, v, out);
    default:
        return expr_value_to_string(rt, v, out);
    }
}

static int text_range_error(expr_rt_t *rt, const char *param, const char *msg)
{
    return expr_throw(rt, "ArgumentOutOfRangeException", "%s (Parameter '%s')", msg, param);
}

int expr_text_arg_bytes(expr_rt_t *rt, const expr_value_t *v, const char *param, const unsigned char **p,
                     size_t *len)
{
    if (v->tag == EXPR_V_BYTES) {
        *p = (const unsigned char *)v->u.s.ptr;
        *len = v->u.s.len;
        return 0;
    }
    *p = NULL;
    *len = 0;
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    return expr_throw(rt, "ArgumentException", "Argument '%s' must be a byte[].", param);
}

/* The [offset, offset+count) range of a buffer from optional arguments args[first..]. */
int expr_text_arg_range(expr_rt_t *rt, expr_value_t *args, unsigned argc, unsigned first, size_t len,
                     const char *off_name, const char *count_name, size_t *off, size_t *count)
{
    *off = 0;
    *count = len;
    if (argc <= first) return 0;
    int32_t o, c = 0;
    if (expr_text_arg_int(rt, &args[first], off_name, &o)) return EXPR_THROWN;
    if (argc > first + 1 && expr_text_arg_int(rt, &args[first + 1], count_name, &c)) return EXPR_THROWN;
    if (o < 0) return text_range_error(rt, off_name, "Non-negative number required.");
    if (argc <= first + 1) c = (int32_t)((size_t)o <= len ? len - (size_t)o : 0);
    if (c < 0) return text_range_error(rt, count_name, "Non-negative number required.");
    if ((size_t)o > len || (size_t)o + (size_t)c > len)
        return text_range_error(rt, count_name, "Index and count must refer to a location within the buffer.");
    *off = (size_t)o;
    *count = (size_t)c;
    return 0;
}

int expr_text_check_block(expr_rt_t *rt, int64_t off, int64_t count, size_t len, const char *off_param)
{
    if (off < 0)
        return expr_throw(rt, "ArgumentOutOfRangeException", "Non-negative number required. (Parameter '%s')", off_param);
    if (count < 0 || (uint64_t)off + (uint64_t)count > len)
        return expr_throw(rt, "ArgumentException", "Offset and length were out of bounds for the array or count is "
                          "greater than the number of elements from index to the end of the source collection.");
    return 0;
}

int expr_text_make_bytes(expr_rt_t *rt, size_t len, unsigned char **p, expr_value_t *out)
{
    *p = expr_rt_alloc(rt, len + 1);
    if (!*p) return EXPR_THROWN;
    *out = (expr_value_t){.tag = EXPR_V_BYTES, .u.s = {(const char *)*p, (uint32_t)len}};
    return 0;
}
