/* JSON text as Newtonsoft.Json writes it (JsonTextWriter with the default settings), and
 * .NET's double.ToString(), which both the writer and (string)jvalue use. */
#include "expr/lib_json_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than this is refused rather than risking the stack (jansson's parser stops at 2048). */
#define WRITE_MAX_DEPTH 4096

void json_format_double(double d, char buf[32])
{
    if (isnan(d)) {
        strcpy(buf, "NaN");
        return;
    }
    if (isinf(d)) {
        strcpy(buf, d < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (d == 0) {
        strcpy(buf, signbit(d) ? "-0" : "0");
        return;
    }
    /* The shortest digits that read back as d (what "R" gives since .NET Core 3.0). */
    char sci[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, d);
        if (strtod(sci, NULL) == d) break;
    }
    bool negative = sci[0] == '-';
    char digits[24];
    size_t nd = 0;
    const char *p = sci + negative;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[nd++] = *p;
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    /* .NET Core 3.0+'s general format for the shortest round trip: scientific when the
     * decimal point would sit past max(digits, 17) (DoublePrecision) or more than 3 zeros
     * after it (Number.Formatting FormatGeneral). */
    int scale = exp10 + 1;
    int max_digits = nd > 17 ? (int)nd : 17;
    char *o = buf;
    if (negative) *o++ = '-';
    if (scale > max_digits || scale < -3) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, nd - 1);
            o += nd - 1;
        }
        int e = abs(exp10); /* at most 324 */
        *o++ = 'E';
        *o++ = exp10 < 0 ? '-' : '+';
        if (e >= 100) *o++ = (char)('0' + e / 100);
        *o++ = (char)('0' + e / 10 % 10);
        *o++ = (char)('0' + e % 10);
        *o = '\0';
        return;
    }
    if (scale <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -scale; i++) *o++ = '0';
        memcpy(o, digits, nd);
        o += nd;
    } else {
        for (int i = 0; i < scale; i++) *o++ = (size_t)i < nd ? digits[i] : '0';
        if ((size_t)scale < nd) {
            *o++ = '.';
            memcpy(o, digits + scale, nd - (size_t)scale);
            o += nd - (size_t)scale;
        }
    }
    *o = '\0';
}

/* A JSON string as Newtonsoft escapes it (StringEscapeHandling.Default): control characters,
 * quote and backslash, plus U+0085, U+2028 and U+2029; everything else verbatim. */
static int write_string(buf_t *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (buf_append(b, "\"", 1)) return -ENOMEM;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        size_t esc_len = 0, skip = 1;
        if (c < 0x20 || c == '"' || c == '\\') {
            esc[0] = '\\';
            esc_len = 2;
            switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\b': esc[1] = 'b'; break;
            case '\t': esc[1] = 't'; break;
            case '\n': esc[1] = 'n'; break;
            case '\f': esc[1] = 'f'; break;
            case '\r': esc[1] = 'r'; break;
            default:
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                esc_len = 6;
            }
        } else if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0x85) {
            memcpy(esc, "\\u0085", 6);
            esc_len = 6;
            skip = 2;
        } else if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
            memcpy(esc, (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
            esc_len = 6;
            skip = 3;
        }
        if (!esc_len) {
            run++;
            continue;
        }
        if (buf_append(b, s + i - run, run) || buf_append(b, esc, esc_len)) return -ENOMEM;
        run = 0;
        i += skip - 1;
    }
    if (buf_append(b, s + len - run, run)) return -ENOMEM;
    return buf_append(b, "\"", 1);
}

static int write_indent(buf_t *b, bool indented, int level)
{
    if (!indented) return 0;
    if (buf_append(b, "\n", 1) || buf_reserve(b, (size_t)level * 2)) return -ENOMEM;
    memset(b->data + b->len, ' ', (size_t)level * 2);
    b->len += (size_t)level * 2;
    return 0;
}

static int write_value(buf_t *b, const json_t *j, bool indented, int level);

static int write_member(buf_t *b, const char *name, size_t name_len, const json_t *value,
                        bool indented, int level)
{
    if (write_string(b, name, name_len)) return -ENOMEM;
    if (buf_append(b, indented ? ": " : ":", indented ? 2 : 1)) return -ENOMEM;
    return write_value(b, value, indented, level);
}

static int write_value(buf_t *b, const json_t *j, bool indented, int level)
{
    if (level > WRITE_MAX_DEPTH) return -E2BIG;
    char num[40];
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (json_object_size(j) == 0) return buf_append(b, "{}", 2);
        if (buf_append(b, "{", 1)) return -ENOMEM;
        const char *key;
        size_t key_len;
        json_t *value;
        bool first = true;
        json_object_keylen_foreach((json_t *)j, key, key_len, value) {
            if (!first && buf_append(b, ",", 1)) return -ENOMEM;
            first = false;
            int rc = write_indent(b, indented, level + 1);
            if (!rc) rc = write_member(b, key, key_len, value, indented, level + 1);
            if (rc) return rc;
        }
        if (write_indent(b, indented, level)) return -ENOMEM;
        return buf_append(b, "}", 1);
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (n == 0) return buf_append(b, "[]", 2);
        if (buf_append(b, "[", 1)) return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
            if (i && buf_append(b, ",", 1)) return -ENOMEM;
            int rc = write_indent(b, indented, level + 1);
            if (!rc) rc = write_value(b, json_array_get(j, i), indented, level + 1);
            if (rc) return rc;
        }
        if (write_indent(b, indented, level)) return -ENOMEM;
        return buf_append(b, "]", 1);
    }
    case JSON_STRING:
        return write_string(b, json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(j));
        return buf_append_cstr(b, num);
    case JSON_REAL: {
        double d = json_real_value(j);
        json_format_double(d, num);
        /* FloatFormatHandling.String: NaN and infinities are written as strings. */
        if (!isfinite(d)) return write_string(b, num, strlen(num));
        /* JsonConvert.ToString(double) keeps a float a float: 1.0 is "1.0", not "1". */
        if (!strpbrk(num, ".E")) strcat(num, ".0");
        return buf_append_cstr(b, num);
    }
    case JSON_TRUE:
        return buf_append(b, "true", 4);
    case JSON_FALSE:
        return buf_append(b, "false", 5);
    case JSON_NULL:
        return buf_append(b, "null", 4);
    }
    return -EINVAL;
}

int json_write_buf(buf_t *b, const json_t *json, const char *name, size_t name_len,
                   bool indented)
{
    if (name) return write_member(b, name, name_len, json, indented, 0);
    return write_value(b, json, indented, 0);
}

int json_write_token(expr_rt_t *rt, const expr_json_token_t *t, bool indented,
                     expr_value_t *out)
{
    buf_t b;
    buf_init(&b);
    int rc = json_write_buf(&b, t->json, t->name, t->name_len, indented);
    if (rc == -E2BIG) {
        buf_free(&b);
        return expr_throw(rt, JSON_EXC, "The JSON is nested too deeply to be written (more than %d levels).",
                          WRITE_MAX_DEPTH);
    }
    if (rc) {
        buf_free(&b);
        return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
    }
    rc = expr_str_copy(rt, b.data ? b.data : "", b.len, out);
    buf_free(&b);
    return rc;
}

int expr_json_write(expr_rt_t *rt, const json_t *json, bool indented, expr_value_t *out)
{
    expr_json_token_t t = {.json = (json_t *)json};
    return json_write_token(rt, &t, indented, out);
}
