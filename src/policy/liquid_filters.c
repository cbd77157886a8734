/* liquid filters (liquid.h): the vendor's list, with DotLiquid's C# semantics where they
 * differ from Ruby Liquid (Date takes .NET format strings; UrlEncode is WebUtility's: space
 * → '+'). Every filter takes borrowed values and returns a new reference. */
#include "policy/liquid_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- helpers ---- */

static const char *sval(json_t *s)
{
    return json_string_value(s);
}
static size_t slen(json_t *s)
{
    return json_string_length(s);
}

/* Reads a value as a number: numbers themselves, numeric strings (Ruby's to_number).
 * *is_int tells whether it was an integer. */
static double as_number(json_t *v, bool *is_int)
{
    double d = 0;
    *is_int = json_is_integer(v);
    if (liquid__number(v, &d)) return d;
    if (json_is_string(v)) {
        const char *s = sval(v);
        char *end;
        long long i = strtoll(s, &end, 10);
        while (isspace((unsigned char)*end)) end++;
        if (end != s && *end == 0) {
            *is_int = true;
            return (double)i;
        }
        d = strtod(s, &end);
        return end != s ? d : 0;
    }
    return 0;
}

static json_t *number_result(double d, bool is_int)
{
    if (is_int && d >= -9.2e18 && d <= 9.2e18) return json_integer((json_int_t)d);
    return json_real(d);
}

static json_t *str_of(const char *p, size_t len)
{
    return json_stringn_nocheck(p ? p : "", len);
}

/* Builds a string from pieces into a buffer then a JSON string. */
json_t *liquid__buf_to_string(buf_t *b)
{
    json_t *s = str_of(b->data, b->len);
    buf_free(b);
    return s;
}

int liquid__buf_result(buf_t *b, int rc, json_t **out)
{
    if (rc) return buf_free(b), -ENOMEM;
    *out = liquid__buf_to_string(b);
    return 0;
}

size_t liquid__utf8_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

#define WITH_STRING(name, in)                                                                      \
    json_t *name = liquid__to_string(in);                                                          \
    if (!name) return -ENOMEM

/* The filters that rewrite text byte by byte: `put` appends what one byte becomes. */
static int map_bytes(json_t *in, int (*put)(buf_t *b, unsigned char c), json_t **out)
{
    WITH_STRING(s, in);
    buf_t b;
    buf_init(&b);
    int rc = 0;
    for (size_t i = 0; i < slen(s) && rc == 0; i++) rc = put(&b, (unsigned char)sval(s)[i]);
    json_decref(s);
    return liquid__buf_result(&b, rc, out);
}

/* ---- string filters ---- */

static int f_append(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)n;
    WITH_STRING(s, in);
    WITH_STRING(t, a[0]);
    buf_t b;
    buf_init(&b);
    int rc = buf_append(&b, sval(s), slen(s)) || buf_append(&b, sval(t), slen(t));
    json_decref(s);
    json_decref(t);
    return liquid__buf_result(&b, rc, out);
}

static int f_prepend(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    json_t *args[1] = {in};
    return f_append(r, a[0], args, n, out);
}

static int map_chars(json_t *in, int mode, json_t **out)
{
    WITH_STRING(s, in);
    json_t *res = str_of(sval(s), slen(s));
    json_decref(s);
    if (!res) return -ENOMEM;
    char *p = (char *)json_string_value(res);
    size_t len = json_string_length(res);
    for (size_t i = 0; i < len; i++) {
        if (mode == 0) p[i] = (char)tolower((unsigned char)p[i]);
        else if (mode == 1) p[i] = (char)toupper((unsigned char)p[i]);
        else if (i == 0) p[i] = (char)toupper((unsigned char)p[i]);
    }
    *out = res;
    return 0;
}

static int f_downcase(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    return map_chars(in, 0, out);
}
static int f_upcase(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    return map_chars(in, 1, out);
}
static int f_capitalize(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    return map_chars(in, 2, out);
}

static int put_escaped(buf_t *b, unsigned char c)
{
    const char *rep = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
                      : c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;
    return rep ? buf_append_cstr(b, rep) : buf_append(b, &c, 1);
}
static int f_escape(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    if (json_is_null(in)) return *out = json_null(), 0;
    return map_bytes(in, put_escaped, out);
}

static int strip(json_t *in, bool left, bool right, json_t **out)
{
    WITH_STRING(s, in);
    const char *p = sval(s);
    size_t start = 0, end = slen(s);
    if (left)
        while (start < end && isspace((unsigned char)p[start])) start++;
    if (right)
        while (end > start && isspace((unsigned char)p[end - 1])) end--;
    *out = str_of(p + start, end - start);
    json_decref(s);
    return 0;
}
static int f_strip(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    return strip(in, true, true, out);
}
static int f_lstrip(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    return strip(in, true, false, out);
}
static int f_rstrip(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    return strip(in, false, true, out);
}

/* Replaces `from` by `to` in `in` (all occurrences, or the first). */
static int replace(json_t *in, json_t *from_v, json_t *to_v, bool first_only, json_t **out)
{
    WITH_STRING(s, in);
    json_t *from = liquid__to_string(from_v);
    json_t *to = to_v ? liquid__to_string(to_v) : json_string("");
    buf_t b;
    buf_init(&b);
    int rc = from && to ? 0 : -ENOMEM;
    const char *p = sval(s), *end = p + slen(s);
    size_t flen = from ? slen(from) : 0;
    bool done = false;
    while (rc == 0 && p < end) {
        const char *hit = flen && !done ? memmem(p, (size_t)(end - p), sval(from), flen) : NULL;
        if (!hit) {
            rc = buf_append(&b, p, (size_t)(end - p));
            break;
        }
        rc = buf_append(&b, p, (size_t)(hit - p)) || buf_append(&b, sval(to), slen(to));
        p = hit + flen;
        done = first_only;
    }
    json_decref(s);
    json_decref(from);
    json_decref(to);
    return liquid__buf_result(&b, rc, out);
}
static int f_replace(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r;
    return replace(in, a[0], n > 1 ? a[1] : NULL, false, out);
}
static int f_replace_first(liquid__render_t *r, json_t *in, json_t *const *a, size_t n,
                           json_t **out)
{
    (void)r;
    return replace(in, a[0], n > 1 ? a[1] : NULL, true, out);
}
static int f_remove(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)n;
    return replace(in, a[0], NULL, false, out);
}
static int f_remove_first(liquid__render_t *r, json_t *in, json_t *const *a, size_t n,
                          json_t **out)
{
    (void)r, (void)n;
    return replace(in, a[0], NULL, true, out);
}

static int put_unless_newline(buf_t *b, unsigned char c)
{
    return c == '\r' || c == '\n' ? 0 : buf_append(b, &c, 1);
}
static int f_strip_newlines(liquid__render_t *r, json_t *in, json_t *const *a, size_t n,
                            json_t **out)
{
    (void)r, (void)a, (void)n;
    return map_bytes(in, put_unless_newline, out);
}

static int put_br_before_newline(buf_t *b, unsigned char c)
{
    int rc = c == '\n' ? buf_append_cstr(b, "<br />") : 0;
    return rc ? rc : buf_append(b, &c, 1);
}
static int f_newline_to_br(liquid__render_t *r, json_t *in, json_t *const *a, size_t n,
                           json_t **out)
{
    (void)r, (void)a, (void)n;
    return map_bytes(in, put_br_before_newline, out);
}

static int f_strip_html(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    WITH_STRING(s, in);
    const char *p = sval(s), *end = p + slen(s);
    buf_t b;
    buf_init(&b);
    int rc = 0;
    while (p < end && rc == 0) {
        if (*p != '<') {
            rc = buf_append(&b, p++, 1);
            continue;
        }
        /* <script> and <style> go with their content, other tags alone. */
        const char *close = NULL;
        if ((size_t)(end - p) > 7 && strncasecmp(p, "<script", 7) == 0)
            close = "</script>";
        else if ((size_t)(end - p) > 6 && strncasecmp(p, "<style", 6) == 0)
            close = "</style>";
        if (close) {
            const char *q = p;
            size_t cl = strlen(close);
            while (q + cl <= end && strncasecmp(q, close, cl) != 0) q++;
            p = q + cl <= end ? q + cl : end;
            continue;
        }
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (!gt) {
            rc = buf_append(&b, p, (size_t)(end - p));
            break;
        }
        p = gt + 1;
    }
    json_decref(s);
    return liquid__buf_result(&b, rc, out);
}

/* Byte offset of the `chars`-th UTF-8 character in s[0, len) (len when past the end). */
static size_t char_offset(const char *s, size_t len, size_t chars)
{
    size_t i = 0;
    while (i < len && chars > 0) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
        chars--;
    }
    return i;
}

static int f_truncate(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r;
    if (json_is_null(in)) return *out = json_null(), 0;
    bool is_int;
    long long max = n > 0 ? (long long)as_number(a[0], &is_int) : 50;
    WITH_STRING(s, in);
    json_t *ell = n > 1 ? liquid__to_string(a[1]) : json_string("...");
    if (!ell) return json_decref(s), -ENOMEM;
    size_t count = liquid__utf8_count(sval(s), slen(s));
    if (max < 0) max = 0;
    if ((size_t)max >= count) {
        json_decref(ell);
        *out = s;
        return 0;
    }
    size_t ell_chars = liquid__utf8_count(sval(ell), slen(ell));
    size_t keep = (size_t)max > ell_chars ? (size_t)max - ell_chars : 0;
    size_t cut = char_offset(sval(s), slen(s), keep);
    buf_t b;
    buf_init(&b);
    int rc = buf_append(&b, sval(s), cut) || buf_append(&b, sval(ell), slen(ell));
    json_decref(s);
    json_decref(ell);
    return liquid__buf_result(&b, rc, out);
}

static int f_truncate_words(liquid__render_t *r, json_t *in, json_t *const *a, size_t n,
                            json_t **out)
{
    (void)r;
    if (json_is_null(in)) return *out = json_null(), 0;
    bool is_int;
    long long max = n > 0 ? (long long)as_number(a[0], &is_int) : 15;
    if (max < 1) max = 1;
    WITH_STRING(s, in);
    json_t *ell = n > 1 ? liquid__to_string(a[1]) : json_string("...");
    if (!ell) return json_decref(s), -ENOMEM;
    const char *p = sval(s), *end = p + slen(s);
    buf_t b;
    buf_init(&b);
    int rc = 0;
    long long words = 0;
    bool cut = false;
    while (p < end && rc == 0) {
        while (p < end && isspace((unsigned char)*p)) p++;
        if (p >= end) break;
        const char *w = p;
        while (p < end && !isspace((unsigned char)*p)) p++;
        if (words == max) {
            cut = true;
            break;
        }
        if (words++) rc = buf_append(&b, " ", 1);
        if (rc == 0) rc = buf_append(&b, w, (size_t)(p - w));
    }
    if (rc == 0 && cut) rc = buf_append(&b, sval(ell), slen(ell));
    json_t *orig = s;
    json_decref(ell);
    if (rc) {
        json_decref(orig);
        return buf_free(&b), -ENOMEM;
    }
    if (!cut) {
        buf_free(&b);
        *out = orig;
        return 0;
    }
    json_decref(orig);
    *out = liquid__buf_to_string(&b);
    return 0;
}

static bool is_url_safe(unsigned char c)
{
    /* WebUtility.UrlEncode leaves these as they are and writes a space as '+'. */
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '!' || c == '*' || c == '(' ||
           c == ')';
}

static int put_url_encoded(buf_t *b, unsigned char c)
{
    if (is_url_safe(c)) return buf_append(b, &c, 1);
    if (c == ' ') return buf_append(b, "+", 1);
    return buf_printf(b, "%%%02X", c);
}
static int f_url_encode(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    return map_bytes(in, put_url_encoded, out);
}

static int hexval(char c)
{
    return isdigit((unsigned char)c) ? c - '0'
           : (c >= 'a' && c <= 'f')  ? c - 'a' + 10
           : (c >= 'A' && c <= 'F')  ? c - 'A' + 10
                                     : -1;
}

static int f_url_decode(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    WITH_STRING(s, in);
    buf_t b;
    buf_init(&b);
    int rc = 0;
    const char *p = sval(s);
    size_t len = slen(s);
    for (size_t i = 0; i < len && rc == 0; i++) {
        char c = p[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            c = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        }
        rc = buf_append(&b, &c, 1);
    }
    json_decref(s);
    /* A decoded byte sequence that is not UTF-8 is kept as bytes. */
    return liquid__buf_result(&b, rc, out);
}

static int f_split(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)n;
    WITH_STRING(s, in);
    json_t *sep = liquid__to_string(a[0]);
    json_t *arr = json_array();
    int rc = sep && arr ? 0 : -ENOMEM;
    const char *p = sval(s), *end = p + slen(s);
    size_t sl = sep ? slen(sep) : 0;
    while (rc == 0 && p < end) {
        const char *hit;
        if (sl == 0) {
            hit = p + char_offset(p, (size_t)(end - p), 1);
            rc = json_array_append_new(arr, str_of(p, (size_t)(hit - p)));
            p = hit;
            continue;
        }
        hit = memmem(p, (size_t)(end - p), sval(sep), sl);
        const char *stop = hit ? hit : end;
        rc = json_array_append_new(arr, str_of(p, (size_t)(stop - p)));
        p = hit ? hit + sl : end;
    }
    /* Ruby drops trailing empty items. */
    while (rc == 0 && json_array_size(arr) &&
           json_string_length(json_array_get(arr, json_array_size(arr) - 1)) == 0)
        json_array_remove(arr, json_array_size(arr) - 1);
    json_decref(s);
    json_decref(sep);
    if (rc) return json_decref(arr), -ENOMEM;
    *out = arr;
    return 0;
}

static int f_slice(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r;
    bool is_int;
    long long start = (long long)as_number(a[0], &is_int);
    long long count = n > 1 ? (long long)as_number(a[1], &is_int) : 1;
    if (json_is_array(in)) {
        long long size = (long long)json_array_size(in);
        if (start < 0) start += size;
        json_t *arr = json_array();
        if (!arr) return -ENOMEM;
        for (long long i = start < 0 ? 0 : start; i < size && i < start + count; i++)
            if (json_array_append(arr, json_array_get(in, (size_t)i))) return json_decref(arr), -ENOMEM;
        *out = arr;
        return 0;
    }
    WITH_STRING(s, in);
    long long size = (long long)liquid__utf8_count(sval(s), slen(s));
    if (start < 0) start += size;
    if (start < 0 || start >= size || count <= 0) {
        json_decref(s);
        *out = json_string("");
        return 0;
    }
    if (start + count > size) count = size - start;
    size_t from = char_offset(sval(s), slen(s), (size_t)start);
    size_t to = char_offset(sval(s), slen(s), (size_t)(start + count));
    *out = str_of(sval(s) + from, to - from);
    json_decref(s);
    return 0;
}

/* ---- arrays and values ---- */

static int f_size(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    size_t size = json_is_array(in)    ? json_array_size(in)
                  : json_is_object(in) ? json_object_size(in)
                  : json_is_string(in) ? liquid__utf8_count(sval(in), slen(in))
                                       : 0;
    *out = json_integer((json_int_t)size);
    return 0;
}

static int first_last(json_t *in, bool last, json_t **out)
{
    if (json_is_array(in)) {
        size_t n = json_array_size(in);
        *out = n ? json_incref(json_array_get(in, last ? n - 1 : 0)) : json_null();
        return 0;
    }
    if (json_is_string(in) && slen(in)) {
        const char *p = sval(in);
        size_t len = slen(in);
        if (!last) {
            *out = str_of(p, char_offset(p, len, 1));
        } else {
            size_t i = len - 1;
            while (i > 0 && ((unsigned char)p[i] & 0xC0) == 0x80) i--;
            *out = str_of(p + i, len - i);
        }
        return 0;
    }
    *out = json_null();
    return 0;
}
static int f_first(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    return first_last(in, false, out);
}
static int f_last(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    return first_last(in, true, out);
}

static int f_join(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r;
    if (!json_is_array(in)) return (*out = liquid__to_string(in)) ? 0 : -ENOMEM;
    json_t *sep = n ? liquid__to_string(a[0]) : json_string(" ");
    if (!sep) return -ENOMEM;
    buf_t b;
    buf_init(&b);
    int rc = 0;
    size_t i;
    json_t *item;
    json_array_foreach(in, i, item)
    {
        if (i && rc == 0) rc = buf_append(&b, sval(sep), slen(sep));
        if (rc == 0) rc = liquid__text(item, &b);
    }
    json_decref(sep);
    return liquid__buf_result(&b, rc, out);
}

static int f_map(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)n;
    json_t *arr = json_array();
    if (!arr) return -ENOMEM;
    if (!json_is_string(a[0])) {
        *out = arr;
        return 0;
    }
    size_t i;
    json_t *item;
    json_t *one = json_is_array(in) ? NULL : json_pack("[O]", in);
    json_t *src = one ? one : in;
    json_array_foreach(src, i, item)
    {
        json_t *v = json_is_object(item) ? json_object_getn(item, sval(a[0]), slen(a[0])) : NULL;
        if (json_array_append(arr, v ? v : json_null())) {
            json_decref(one);
            json_decref(arr);
            return -ENOMEM;
        }
    }
    json_decref(one);
    *out = arr;
    return 0;
}

static int f_compact(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    if (!json_is_array(in)) return *out = json_incref(in), 0;
    json_t *arr = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(in, i, item) if (arr && !json_is_null(item) && json_array_append(arr, item))
    {
        json_decref(arr);
        arr = NULL;
    }
    *out = arr;
    return arr ? 0 : -ENOMEM;
}

static int f_uniq(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    if (!json_is_array(in)) return *out = json_incref(in), 0;
    json_t *arr = json_array();
    if (!arr) return -ENOMEM;
    size_t i, j;
    json_t *item, *seen;
    json_array_foreach(in, i, item)
    {
        bool dup = false;
        json_array_foreach(arr, j, seen) dup |= liquid__equal(item, seen);
        if (!dup && json_array_append(arr, item)) return json_decref(arr), -ENOMEM;
    }
    *out = arr;
    return 0;
}

static int f_sort(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r;
    if (!json_is_array(in)) return *out = json_incref(in), 0;
    json_t *arr = json_copy(in);
    if (!arr) return -ENOMEM;
    const char *prop = n && json_is_string(a[0]) ? sval(a[0]) : NULL;
    /* Insertion sort: stable, and lists in a body are short. Values that cannot be
     * ordered (mixed types, nil) keep their order and go after the others. */
    size_t size = json_array_size(arr);
    for (size_t i = 1; i < size; i++) {
        for (size_t j = i; j > 0; j--) {
            json_t *x = json_array_get(arr, j - 1), *y = json_array_get(arr, j);
            json_t *kx = prop && json_is_object(x) ? json_object_get(x, prop) : x;
            json_t *ky = prop && json_is_object(y) ? json_object_get(y, prop) : y;
            int cmp;
            bool ordered = kx && ky && liquid__compare(kx, ky, &cmp);
            bool swap = ordered ? cmp > 0 : (!kx || json_is_null(kx)) && ky && !json_is_null(ky);
            if (!swap) break;
            json_incref(x);
            json_array_set(arr, j - 1, y);
            json_array_set_new(arr, j, x);
        }
    }
    *out = arr;
    return 0;
}

static int f_default(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)n;
    bool use = json_is_null(in) || json_is_false(in) || (json_is_string(in) && slen(in) == 0) ||
               (json_is_array(in) && json_array_size(in) == 0);
    *out = json_incref(use ? a[0] : in);
    return 0;
}

/* ---- numbers ---- */

enum { OP_PLUS, OP_MINUS, OP_TIMES, OP_DIV, OP_MOD, OP_MIN, OP_MAX };

static int arith(liquid__render_t *r, json_t *in, json_t *arg, int op, json_t **out)
{
    bool ia, ib;
    double x = as_number(in, &ia), y = as_number(arg, &ib);
    bool is_int = ia && ib;
    if ((op == OP_DIV || op == OP_MOD) && y == 0 && is_int) return liquid__fail(r, "divided by 0");
    double res = 0;
    switch (op) {
    case OP_PLUS: res = x + y; break;
    case OP_MINUS: res = x - y; break;
    case OP_TIMES: res = x * y; break;
    case OP_DIV: res = is_int ? (double)((long long)x / (long long)y) : x / y; break;
    case OP_MOD: res = is_int ? (double)((long long)x % (long long)y) : fmod(x, y); break;
    case OP_MIN: res = x < y ? x : y; break;
    case OP_MAX: res = x > y ? x : y; break;
    }
    if (op == OP_DIV && is_int) {
        /* Ruby floors integer division (-7 / 2 = -4). */
        long long q = (long long)x / (long long)y;
        if (((long long)x % (long long)y != 0) && ((x < 0) != (y < 0))) q--;
        res = (double)q;
    }
    *out = number_result(res, is_int);
    return *out ? 0 : -ENOMEM;
}

#define ARITH(fname, op)                                                                           \
    static int fname(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)   \
    {                                                                                              \
        (void)n;                                                                                   \
        return arith(r, in, a[0], op, out);                                                        \
    }
ARITH(f_plus, OP_PLUS)
ARITH(f_minus, OP_MINUS)
ARITH(f_times, OP_TIMES)
ARITH(f_divided_by, OP_DIV)
ARITH(f_modulo, OP_MOD)
ARITH(f_at_least, OP_MAX)
ARITH(f_at_most, OP_MIN)

static int f_abs(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    bool is_int;
    double x = as_number(in, &is_int);
    *out = number_result(fabs(x), is_int);
    return *out ? 0 : -ENOMEM;
}

static int f_round(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r;
    bool is_int, unused;
    double x = as_number(in, &is_int);
    int digits = n ? (int)as_number(a[0], &unused) : 0;
    if (digits < 0) digits = 0;
    if (digits > 15) digits = 15;
    double scale = pow(10, digits);
    double res = round(x * scale) / scale;
    *out = number_result(res, is_int || digits == 0);
    return *out ? 0 : -ENOMEM;
}

static int f_currency(liquid__render_t *r, json_t *in, json_t *const *a, size_t n, json_t **out)
{
    (void)r, (void)a, (void)n;
    bool is_int;
    double x = as_number(in, &is_int);
    /* .NET's invariant culture "C" format: ¤ sign, group separators, two decimals. */
    char digits[64];
    snprintf(digits, sizeof digits, "%.2f", fabs(x));
    char *dot = strchr(digits, '.');
    size_t int_len = dot ? (size_t)(dot - digits) : strlen(digits);
    buf_t b;
    buf_init(&b);
    int rc = x < 0 ? buf_append_cstr(&b, "(") : 0;
    if (rc == 0) rc = buf_append_cstr(&b, "\xC2\xA4");
    for (size_t i = 0; i < int_len && rc == 0; i++) {
        if (i && (int_len - i) % 3 == 0) rc = buf_append(&b, ",", 1);
        if (rc == 0) rc = buf_append(&b, digits + i, 1);
    }
    if (rc == 0 && dot) rc = buf_append_cstr(&b, dot);
    if (rc == 0 && x < 0) rc = buf_append_cstr(&b, ")");
    return liquid__buf_result(&b, rc, out);
}

/* ---- the table ---- */

static const liquid__filter_def_t filters[] = {
    {"Abs", 0, 0, f_abs},
    {"Append", 1, 1, f_append},
    {"AtLeast", 1, 1, f_at_least},
    {"AtMost", 1, 1, f_at_most},
    {"Capitalize", 0, 0, f_capitalize},
    {"Compact", 0, 0, f_compact},
    {"Currency", 0, 1, f_currency},
    {"Date", 1, 1, liquid__filter_date},
    {"Default", 1, 1, f_default},
    {"DividedBy", 1, 1, f_divided_by},
    {"Downcase", 0, 0, f_downcase},
    {"Escape", 0, 0, f_escape},
    {"First", 0, 0, f_first},
    {"H", 0, 0, f_escape},
    {"Join", 0, 1, f_join},
    {"Last", 0, 0, f_last},
    {"Lstrip", 0, 0, f_lstrip},
    {"Map", 1, 1, f_map},
    {"Minus", 1, 1, f_minus},
    {"Modulo", 1, 1, f_modulo},
    {"NewlineToBr", 0, 0, f_newline_to_br},
    {"Plus", 1, 1, f_plus},
    {"Prepend", 1, 1, f_prepend},
    {"Remove", 1, 1, f_remove},
    {"RemoveFirst", 1, 1, f_remove_first},
    {"Replace", 1, 2, f_replace},
    {"ReplaceFirst", 1, 2, f_replace_first},
    {"Round", 0, 1, f_round},
    {"Rstrip", 0, 0, f_rstrip},
    {"Size", 0, 0, f_size},
    {"Slice", 1, 2, f_slice},
    {"Sort", 0, 1, f_sort},
    {"Split", 1, 1, f_split},
    {"Strip", 0, 0, f_strip},
    {"StripHtml", 0, 0, f_strip_html},
    {"StripNewlines", 0, 0, f_strip_newlines},
    {"Times", 1, 1, f_times},
    {"Truncate", 0, 2, f_truncate},
    {"TruncateWords", 0, 2, f_truncate_words},
    {"Uniq", 0, 0, f_uniq},
    {"Upcase", 0, 0, f_upcase},
    {"UrlDecode", 0, 0, f_url_decode},
    {"UrlEncode", 0, 0, f_url_encode},
};

const liquid__filter_def_t *liquid__filter_find(const char *name, size_t len)
{
    /* "UrlEncode", "urlencode" and "url_encode" name the same filter: compare ignoring
     * case and underscores. */
    char key[32];
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '_') continue;
        if (k + 1 >= sizeof key) return NULL;
        key[k++] = (char)tolower((unsigned char)name[i]);
    }
    key[k] = 0;
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        if (strcasecmp(filters[i].name, key) == 0) return &filters[i];
    return NULL;
}
