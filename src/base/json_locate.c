#include "base/json_locate.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* RFC 8259 §2: insignificant whitespace is exactly these four bytes. */
static size_t skip_ws(const char *t, size_t len, size_t i)
{
    while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    return i;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads 4 hex digits at t[i..]; -1 when they are not there. */
static long read_hex4(const char *t, size_t len, size_t i)
{
    if (i + 4 > len) return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hex_value(t[i + k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static size_t utf8_encode(uint32_t cp, unsigned char out[4])
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Scans the string whose opening quote is at t[*i], leaving *i after the closing quote.
 * When `key` is non-NULL, compares the decoded string with it (RFC 8259 §7 escapes, so
 * "a\u0062" names member "ab"). Returns 1 equal, 0 different, -1 unterminated. */
static int scan_string(const char *t, size_t len, size_t *i, const char *key, size_t key_len)
{
    size_t p = *i + 1, k = 0;
    bool equal = key != NULL;
    while (p < len && t[p] != '"') {
        unsigned char dec[4];
        size_t n = 1;
        if (t[p] != '\\') {
            dec[0] = (unsigned char)t[p];
            p++;
        } else {
            if (p + 1 >= len) return -1;
            char e = t[p + 1];
            p += 2;
            switch (e) {
            case 'b':
                dec[0] = '\b';
                break;
            case 'f':
                dec[0] = '\f';
                break;
            case 'n':
                dec[0] = '\n';
                break;
            case 'r':
                dec[0] = '\r';
                break;
            case 't':
                dec[0] = '\t';
                break;
            case 'u': {
                long cp = read_hex4(t, len, p);
                if (cp < 0) return -1;
                p += 4;
                /* A surrogate pair is one code point (RFC 8259 §7). */
                if (cp >= 0xD800 && cp <= 0xDBFF && p + 1 < len && t[p] == '\\' &&
                    t[p + 1] == 'u') {
                    long lo = read_hex4(t, len, p + 2);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        p += 6;
                    }
                }
                n = utf8_encode((uint32_t)cp, dec);
                break;
            }
            default:
                dec[0] = (unsigned char)e;
                break; /* \" \\ \/ */
            }
        }
        if (equal) {
            if (k + n > key_len || memcmp(key + k, dec, n) != 0) equal = false;
            k += n;
        }
    }
    if (p >= len) return -1;
    *i = p + 1;
    return equal && k == key_len;
}

/* Skips the value starting at t[i] (i at its first byte); returns the index after it.
 * Containers are skipped by counting brackets, without recursion, so a deeply nested
 * document cannot exhaust the stack. */
static size_t skip_value(const char *t, size_t len, size_t i)
{
    if (i >= len) return len;
    if (t[i] == '"') {
        return scan_string(t, len, &i, NULL, 0) < 0 ? len : i;
    }
    if (t[i] == '{' || t[i] == '[') {
        size_t depth = 0;
        while (i < len) {
            char c = t[i];
            if (c == '"') {
                if (scan_string(t, len, &i, NULL, 0) < 0) return len;
                continue;
            }
            if (c == '{' || c == '[') depth++;
            if (c == '}' || c == ']') {
                depth--;
                if (depth == 0) return i + 1;
            }
            i++;
        }
        return len;
    }
    /* number, true, false, null: up to the next delimiter */
    while (i < len && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\t' &&
           t[i] != '\n' && t[i] != '\r')
        i++;
    return i;
}

/* With i at '{', finds member `key`; returns the offset of its value or len. */
static size_t find_member(const char *t, size_t len, size_t i, const char *key, size_t key_len)
{
    i = skip_ws(t, len, i + 1);
    while (i < len && t[i] == '"') {
        int eq = scan_string(t, len, &i, key, key_len);
        if (eq < 0) return len;
        i = skip_ws(t, len, i);
        if (i >= len || t[i] != ':') return len;
        i = skip_ws(t, len, i + 1);
        if (eq == 1) return i < len ? i : len;
        i = skip_ws(t, len, skip_value(t, len, i));
        if (i >= len || t[i] != ',') return len;
        i = skip_ws(t, len, i + 1);
    }
    return len;
}

/* With i at '[', finds element `index`; returns its offset or len. */
static size_t find_element(const char *t, size_t len, size_t i, size_t index)
{
    i = skip_ws(t, len, i + 1);
    if (i < len && t[i] == ']') return len;
    for (size_t n = 0; i < len; n++) {
        if (n == index) return i;
        i = skip_ws(t, len, skip_value(t, len, i));
        if (i >= len || t[i] != ',') return len;
        i = skip_ws(t, len, i + 1);
    }
    return len;
}

json_locate_pos_t json_locate_offset(const char *text, size_t len, size_t offset)
{
    if (offset > len) offset = len;
    json_locate_pos_t pos = {offset, 1, 1};
    for (size_t i = 0; i < offset; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            pos.line++;
            pos.column = 1;
        } else if ((c & 0xC0) != 0x80) {
            /* UTF-8 continuation bytes do not start a character (jansson counts the same). */
            pos.column++;
        }
    }
    return pos;
}

int json_locate(const char *text, size_t len, const json_locate_step_t *path, size_t depth,
                json_locate_pos_t *pos)
{
    size_t at = skip_ws(text, len, 0);
    *pos = json_locate_offset(text, len, at);
    if (at >= len) return -1;
    size_t resolved = 0;
    for (; resolved < depth; resolved++) {
        const json_locate_step_t *s = &path[resolved];
        size_t next = len;
        if (s->key && text[at] == '{')
            next = find_member(text, len, at, s->key, s->key_len);
        else if (!s->key && text[at] == '[')
            next = find_element(text, len, at, s->index);
        if (next >= len) break;
        at = next;
    }
    *pos = json_locate_offset(text, len, at);
    return (int)resolved;
}

static bool is_identifier(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
                  (i > 0 && ((c >= '0' && c <= '9') || c == '-'));
        if (!ok) return false;
    }
    return true;
}

/* Appends to out like snprintf would, tracking the length it wanted. */
static void put(char *out, size_t size, size_t *used, const char *s, size_t n)
{
    if (size > 0 && *used < size - 1) {
        size_t room = size - 1 - *used;
        memcpy(out + *used, s, n < room ? n : room);
    }
    *used += n;
}

size_t json_locate_format_path(const json_locate_step_t *path, size_t depth, char *out, size_t size)
{
    size_t used = 0;
    for (size_t d = 0; d < depth; d++) {
        const json_locate_step_t *s = &path[d];
        if (!s->key) {
            char num[32];
            int n = snprintf(num, sizeof num, "[%zu]", s->index);
            put(out, size, &used, num, (size_t)n);
        } else if (is_identifier(s->key, s->key_len)) {
            if (d > 0) put(out, size, &used, ".", 1);
            put(out, size, &used, s->key, s->key_len);
        } else {
            put(out, size, &used, "[\"", 2);
            for (size_t i = 0; i < s->key_len; i++) {
                if (s->key[i] == '"' || s->key[i] == '\\') put(out, size, &used, "\\", 1);
                put(out, size, &used, &s->key[i], 1);
            }
            put(out, size, &used, "\"]", 2);
        }
    }
    if (size > 0) out[used < size ? used : size - 1] = '\0';
    return used;
}

int json_locate_parse_path(const char *s, size_t len, json_locate_step_t *steps, size_t max)
{
    size_t i = 0, n = 0;
    if (len == 0) return -1;
    while (i < len) {
        if (n == max) return -1;
        if (s[i] == '[') {
            size_t v = 0, start = ++i;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                if (v > (SIZE_MAX - 9) / 10) return -1;
                v = v * 10 + (size_t)(s[i] - '0');
                i++;
            }
            if (i == start || i >= len || s[i] != ']') return -1;
            i++;
            steps[n++] = (json_locate_step_t){NULL, 0, v};
            continue;
        }
        if (s[i] == '.') {
            if (n == 0) return -1;
            i++;
        } else if (n > 0) {
            return -1; /* a key after a key needs a dot */
        }
        size_t start = i;
        while (i < len && s[i] != '.' && s[i] != '[')
            i++;
        if (!is_identifier(s + start, i - start)) return -1;
        steps[n++] = (json_locate_step_t){s + start, i - start, 0};
    }
    return (int)n;
}
