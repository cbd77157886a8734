/* expr_lex: see lexer.h. Grammar references are to the C# 7 language specification,
 * §2.3 (lexical structure: whitespace, comments) and §2.4 (tokens, literals). */
#include "expr/lexer.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int expr_error_set(expr_error_t *err, int code, expr_pos_t pos, const char *fmt, ...)
{
    if (!err) return code;
    err->code = code;
    err->pos = pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- token names ---- */

static const char *const spellings[EXPR_TOK_COUNT] = {
#define X_SPELL(name, spelling) [EXPR_TOK_##name] = spelling,
#define X_SPELL_KW(name, spelling) [EXPR_TOK_KW_##name] = spelling,
    EXPR_PUNCTUATORS(X_SPELL) EXPR_KEYWORDS(X_SPELL_KW)
#undef X_SPELL
#undef X_SPELL_KW
};

static const char *const quoted[EXPR_TOK_COUNT] = {
    [EXPR_TOK_EOF] = "end of input",
    [EXPR_TOK_IDENT] = "identifier",
    [EXPR_TOK_INT] = "integer literal",
    [EXPR_TOK_REAL] = "real literal",
    [EXPR_TOK_CHAR] = "character literal",
    [EXPR_TOK_STRING] = "string literal",
    [EXPR_TOK_INTERP_START] = "interpolated string",
    [EXPR_TOK_INTERP_TEXT] = "interpolated string text",
    [EXPR_TOK_INTERP_HOLE_START] = "'{' of an interpolation",
    [EXPR_TOK_INTERP_FORMAT] = "format specifier",
    [EXPR_TOK_INTERP_HOLE_END] = "'}' of an interpolation",
    [EXPR_TOK_INTERP_END] = "end of interpolated string",
#define X_QUOTE(name, spelling) [EXPR_TOK_##name] = "'" spelling "'",
#define X_QUOTE_KW(name, spelling) [EXPR_TOK_KW_##name] = "'" spelling "'",
    EXPR_PUNCTUATORS(X_QUOTE) EXPR_KEYWORDS(X_QUOTE_KW)
#undef X_QUOTE
#undef X_QUOTE_KW
};

const char *expr_tok_describe(expr_tok_t kind)
{
    return (unsigned)kind < EXPR_TOK_COUNT ? quoted[kind] : "token";
}

const char *expr_tok_spelling(expr_tok_t kind)
{
    return (unsigned)kind < EXPR_TOK_COUNT ? spellings[kind] : NULL;
}

expr_tok_t expr_tok_keyword(const char *name, size_t len)
{
    size_t lo = EXPR_TOK_FIRST_KEYWORD, hi = EXPR_TOK_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *kw = spellings[mid];
        size_t kwlen = strlen(kw);
        int c = memcmp(name, kw, len < kwlen ? len : kwlen);
        if (c == 0) c = len < kwlen ? -1 : len > kwlen ? 1 : 0;
        if (c == 0) return (expr_tok_t)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return EXPR_TOK_IDENT;
}

/* ---- UTF-8 ---- */

/* Decodes one UTF-8 sequence (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
 * Returns its length, or 0 when invalid or cut off. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0) return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* Writes a code point as UTF-8; surrogates (from \u escapes) in their 3-byte form. */
static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Unicode space separators (category Zs) and the BOM count as whitespace (§2.3.3). */
static bool is_unicode_space(uint32_t cp)
{
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

/* ---- cursor ---- */

void expr_lex_init(expr_lexer_t *lx, arena_t *arena, const char *text, size_t len,
                   const expr_origin_t *origin)
{
    memset(lx, 0, sizeof *lx);
    lx->src = text;
    lx->len = len;
    lx->arena = arena;
    lx->base_offset = origin ? origin->offset : 0;
    lx->line = origin && origin->line ? origin->line : 1;
    lx->col = origin && origin->col ? origin->col : 1;
}

static int peek_at(const expr_lexer_t *lx, size_t ahead)
{
    size_t p = lx->pos + ahead;
    return p < lx->len ? (unsigned char)lx->src[p] : -1;
}

static int peek(const expr_lexer_t *lx)
{
    return peek_at(lx, 0);
}

/* Moves n bytes forward, keeping line and column (code points; CR LF is one break). */
static void advance(expr_lexer_t *lx, size_t n)
{
    for (size_t i = 0; i < n && lx->pos < lx->len; i++) {
        unsigned char c = (unsigned char)lx->src[lx->pos++];
        if (c == '\n' || (c == '\r' && peek(lx) != '\n')) {
            lx->line++;
            lx->col = 1;
        } else if ((c & 0xC0) != 0x80 && c != '\r') {
            lx->col++;
        }
    }
}

static expr_pos_t here(const expr_lexer_t *lx)
{
    return (expr_pos_t){(uint32_t)(lx->base_offset + lx->pos), 0, lx->line, lx->col};
}

static int fail(expr_lexer_t *lx, expr_error_t *err, int code, const char *fmt, const char *arg)
{
    return expr_error_set(err, code, here(lx), fmt, arg);
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool is_ident_ascii(int c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && is_digit(c));
}

/* Length of the identifier character at pos (0 if none); invalid UTF-8 gives -1. */
static long ident_char_len(const expr_lexer_t *lx, size_t pos, bool first)
{
    if (pos >= lx->len) return 0;
    unsigned char c = (unsigned char)lx->src[pos];
    if (c < 0x80) return is_ident_ascii(c, first) ? 1 : 0;
    uint32_t cp;
    size_t n = utf8_decode((const unsigned char *)lx->src + pos, lx->len - pos, &cp);
    if (n == 0) return -1;
    return is_unicode_space(cp) ? 0 : (long)n;
}

/* ---- whitespace and comments (§2.3.2, §2.3.3) ---- */

static int skip_trivia(expr_lexer_t *lx, expr_error_t *err)
{
    for (;;) {
        int c = peek(lx);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
            advance(lx, 1);
        } else if (c == '/' && peek_at(lx, 1) == '/') {
            while (lx->pos < lx->len && peek(lx) != '\n' && peek(lx) != '\r')
                advance(lx, 1);
        } else if (c == '/' && peek_at(lx, 1) == '*') {
            expr_pos_t start = here(lx);
            advance(lx, 2);
            for (;;) {
                if (lx->pos >= lx->len)
                    return expr_error_set(err, EXPR_ERR_SYNTAX, start, "unterminated comment");
                if (peek(lx) == '*' && peek_at(lx, 1) == '/') {
                    advance(lx, 2);
                    break;
                }
                advance(lx, 1);
            }
        } else if (c >= 0x80) {
            uint32_t cp;
            size_t n =
                utf8_decode((const unsigned char *)lx->src + lx->pos, lx->len - lx->pos, &cp);
            if (n == 0) return fail(lx, err, EXPR_ERR_SYNTAX, "invalid UTF-8%s", "");
            if (!is_unicode_space(cp)) return 0;
            advance(lx, n);
        } else {
            return 0;
        }
    }
}

/* ---- escapes and text (§2.4.4.4, §2.4.4.5) ---- */

/* Reads the escape sequence at pos (which is '\'). `max` is 0xFFFF for char literals. */
static int read_escape(expr_lexer_t *lx, expr_error_t *err, uint32_t *cp, uint32_t max)
{
    expr_pos_t start = here(lx);
    int c = peek_at(lx, 1);
    static const char simple_from[] = "'\"\\0abfnrtv";
    static const char simple_to[] = "'\"\\\0\a\b\f\n\r\t\v";
    const char *s = c > 0 ? strchr(simple_from, c) : NULL;
    if (s && c != 0) {
        *cp = (unsigned char)simple_to[s - simple_from];
        advance(lx, 2);
        return 0;
    }
    size_t min_digits, max_digits;
    if (c == 'x') {
        min_digits = 1, max_digits = 4;
    } else if (c == 'u') {
        min_digits = max_digits = 4;
    } else if (c == 'U') {
        min_digits = max_digits = 8;
    } else {
        char shown[8] = "";
        if (c > 0x20 && c < 0x7F) snprintf(shown, sizeof shown, "%c", c);
        return expr_error_set(err, EXPR_ERR_SYNTAX, start, "unrecognized escape sequence '\\%s'",
                              shown);
    }
    uint32_t v = 0;
    size_t n = 0;
    while (n < max_digits && hex_value(peek_at(lx, 2 + n)) >= 0)
        v = v * 16 + (uint32_t)hex_value(peek_at(lx, 2 + n++));
    if (n < min_digits)
        return expr_error_set(err, EXPR_ERR_SYNTAX, start,
                              "escape sequence '\\%c' needs %zu hexadecimal digits", c, min_digits);
    if (v > max)
        return expr_error_set(err, EXPR_ERR_SYNTAX, start, "escape sequence out of range%s",
                              max == 0xFFFF ? " for a char" : "");
    advance(lx, 2 + n);
    *cp = v;
    return 0;
}

typedef enum { TEXT_REGULAR, TEXT_VERBATIM, TEXT_INTERP, TEXT_INTERP_VERBATIM } text_kind_t;

/* Finds the end of string text starting at pos, without consuming: for plain strings the
 * closing quote, for interpolated ones also a single '{'. Returns the byte count. */
static size_t text_extent(const expr_lexer_t *lx, text_kind_t kind)
{
    bool verbatim = kind == TEXT_VERBATIM || kind == TEXT_INTERP_VERBATIM;
    bool interp = kind == TEXT_INTERP || kind == TEXT_INTERP_VERBATIM;
    size_t p = lx->pos;
    while (p < lx->len) {
        char c = lx->src[p];
        if (c == '"') {
            if (verbatim && p + 1 < lx->len && lx->src[p + 1] == '"') {
                p += 2;
                continue;
            }
            break;
        }
        if (!verbatim && (c == '\n' || c == '\r')) break;
        if (!verbatim && c == '\\') {
            p += p + 1 < lx->len ? 2 : 1;
            continue;
        }
        if (interp && (c == '{' || c == '}')) {
            if (p + 1 < lx->len && lx->src[p + 1] == c) {
                p += 2;
                continue;
            }
            break;
        }
        p++;
    }
    return p - lx->pos;
}

/* Decodes `n` bytes of string text (as measured by text_extent) into the arena. */
static int decode_text(expr_lexer_t *lx, expr_error_t *err, text_kind_t kind, size_t n,
                       slice_t *out)
{
    bool verbatim = kind == TEXT_VERBATIM || kind == TEXT_INTERP_VERBATIM;
    bool interp = kind == TEXT_INTERP || kind == TEXT_INTERP_VERBATIM;
    char *buf = arena_alloc(lx->arena, n + 1);
    if (!buf) return fail(lx, err, EXPR_ERR_NOMEM, "out of memory%s", "");
    size_t end = lx->pos + n, w = 0;
    while (lx->pos < end) {
        unsigned char c = (unsigned char)lx->src[lx->pos];
        if (verbatim && c == '"') { /* "" */
            buf[w++] = '"';
            advance(lx, 2);
        } else if (interp && (c == '{' || c == '}')) { /* {{ or }} */
            buf[w++] = (char)c;
            advance(lx, 2);
        } else if (!verbatim && c == '\\') {
            uint32_t cp;
            int rc = read_escape(lx, err, &cp, 0x10FFFF);
            if (rc) return rc;
            int next = peek_at(lx, 1);
            if (cp >= 0xD800 && cp <= 0xDBFF && peek(lx) == '\\' &&
                (next == 'u' || next == 'x' || next == 'U')) {
                size_t save_pos = lx->pos;
                uint32_t save_line = lx->line, save_col = lx->col, low;
                rc = read_escape(lx, err, &low, 0x10FFFF);
                if (rc) return rc;
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else {
                    lx->pos = save_pos, lx->line = save_line, lx->col = save_col;
                }
            }
            w += utf8_encode(cp, buf + w);
        } else if (c < 0x80) {
            buf[w++] = (char)c;
            advance(lx, 1);
        } else {
            uint32_t cp;
            size_t len = utf8_decode((const unsigned char *)lx->src + lx->pos, end - lx->pos, &cp);
            if (len == 0) return fail(lx, err, EXPR_ERR_SYNTAX, "invalid UTF-8%s", "");
            memcpy(buf + w, lx->src + lx->pos, len);
            w += len;
            advance(lx, len);
        }
    }
    buf[w] = '\0';
    *out = slice_make(buf, w);
    return 0;
}

static void finish(const expr_lexer_t *lx, expr_token_t *tok)
{
    tok->pos.len = (uint32_t)(lx->base_offset + lx->pos) - tok->pos.offset;
}

/* A regular "..." or verbatim @"..." string; pos is at the opening quote. */
static int lex_string(expr_lexer_t *lx, expr_token_t *tok, expr_error_t *err, bool verbatim)
{
    expr_pos_t start = tok->pos;
    advance(lx, 1);
    text_kind_t kind = verbatim ? TEXT_VERBATIM : TEXT_REGULAR;
    size_t n = text_extent(lx, kind);
    int rc = decode_text(lx, err, kind, n, &tok->v.text);
    if (rc) return rc;
    if (peek(lx) != '"')
        return expr_error_set(err, EXPR_ERR_SYNTAX, start,
                              lx->pos < lx->len ? "newline in string literal"
                                                : "unterminated string literal");
    advance(lx, 1);
    tok->kind = EXPR_TOK_STRING;
    tok->flags = verbatim ? EXPR_TOKF_VERBATIM : 0;
    finish(lx, tok);
    return 0;
}

static int lex_char(expr_lexer_t *lx, expr_token_t *tok, expr_error_t *err)
{
    expr_pos_t start = tok->pos;
    advance(lx, 1);
    int c = peek(lx);
    uint32_t cp;
    if (c == '\'') return expr_error_set(err, EXPR_ERR_SYNTAX, start, "empty character literal");
    if (c < 0 || c == '\n' || c == '\r')
        return expr_error_set(err, EXPR_ERR_SYNTAX, start, "unterminated character literal");
    if (c == '\\') {
        int rc = read_escape(lx, err, &cp, 0xFFFF);
        if (rc) return rc;
    } else {
        size_t n = utf8_decode((const unsigned char *)lx->src + lx->pos, lx->len - lx->pos, &cp);
        if (n == 0) return fail(lx, err, EXPR_ERR_SYNTAX, "invalid UTF-8%s", "");
        if (cp > 0xFFFF)
            return expr_error_set(err, EXPR_ERR_SYNTAX, start,
                                  "character literal does not fit in one UTF-16 code unit");
        advance(lx, n);
    }
    if (peek(lx) != '\'') {
        size_t p = lx->pos;
        while (p < lx->len && lx->src[p] != '\'' && lx->src[p] != '\n' && lx->src[p] != '\r')
            p++;
        return expr_error_set(err, EXPR_ERR_SYNTAX, start,
                              p < lx->len && lx->src[p] == '\''
                                  ? "too many characters in character literal"
                                  : "unterminated character literal");
    }
    advance(lx, 1);
    tok->kind = EXPR_TOK_CHAR;
    tok->v.ch = cp;
    finish(lx, tok);
    return 0;
}

/* ---- numbers (§2.4.4.2, §2.4.4.3) ---- */

/* Consumes digits of the given radix with '_' separators between them (C# 7); returns the
 * number of digits, or -1 when a separator ends the run. */
static long scan_digits(expr_lexer_t *lx, int radix)
{
    long count = 0;
    int last = 0;
    for (;;) {
        int c = peek(lx);
        int v = hex_value(c);
        if (c == '_' && (count > 0 || radix != 10)) {
            advance(lx, 1);
            last = c;
        } else if (v >= 0 && v < radix) {
            advance(lx, 1);
            count++;
            last = c;
        } else {
            break;
        }
    }
    return last == '_' ? -1 : count;
}

static int lex_number(expr_lexer_t *lx, expr_token_t *tok, expr_error_t *err)
{
    expr_pos_t start = tok->pos;
    size_t begin = lx->pos;
    int radix = 10;
    bool is_real = false;
    if (peek(lx) == '0' && (peek_at(lx, 1) == 'x' || peek_at(lx, 1) == 'X')) radix = 16;
    if (peek(lx) == '0' && (peek_at(lx, 1) == 'b' || peek_at(lx, 1) == 'B')) radix = 2;
    if (radix != 10) advance(lx, 2);
    size_t digits_begin = lx->pos;
    long n = peek(lx) == '.' ? 0 : scan_digits(lx, radix);
    if (n < 0)
        return expr_error_set(err, EXPR_ERR_SYNTAX, start, "a numeric literal cannot end with '_'");
    if (radix != 10 && n == 0)
        return expr_error_set(err, EXPR_ERR_SYNTAX, start, "%s literal without digits",
                              radix == 16 ? "hexadecimal" : "binary");
    if (radix == 10 && peek(lx) == '.' && is_digit(peek_at(lx, 1))) {
        advance(lx, 1);
        if (scan_digits(lx, 10) < 0)
            return expr_error_set(err, EXPR_ERR_SYNTAX, start,
                                  "a numeric literal cannot end with '_'");
        is_real = true;
    }
    if (radix == 10 && (peek(lx) == 'e' || peek(lx) == 'E')) {
        size_t sign = peek_at(lx, 1) == '+' || peek_at(lx, 1) == '-';
        if (!is_digit(peek_at(lx, 1 + sign)))
            return expr_error_set(err, EXPR_ERR_SYNTAX, start, "exponent without digits");
        advance(lx, 1 + sign);
        if (scan_digits(lx, 10) < 0)
            return expr_error_set(err, EXPR_ERR_SYNTAX, start,
                                  "a numeric literal cannot end with '_'");
        is_real = true;
    }
    size_t digits_end = lx->pos;
    /* Suffixes. */
    int c = peek(lx);
    int real_suffix = 0;
    bool has_u = false, has_l = false;
    if (radix == 10 && (c == 'f' || c == 'F' || c == 'd' || c == 'D' || c == 'm' || c == 'M')) {
        real_suffix = c | 0x20;
        advance(lx, 1);
        is_real = true;
    } else {
        for (int k = 0; k < 2; k++) {
            c = peek(lx);
            if ((c == 'u' || c == 'U') && !has_u) {
                has_u = true;
                advance(lx, 1);
            } else if ((c == 'l' || c == 'L') && !has_l) {
                has_l = true;
                advance(lx, 1);
            }
        }
        if ((has_u || has_l) && is_real)
            return expr_error_set(err, EXPR_ERR_SYNTAX, start, "integer suffix on a real literal");
    }
    long trailing = ident_char_len(lx, lx->pos, false);
    if (trailing != 0)
        return expr_error_set(err, EXPR_ERR_SYNTAX, start, "invalid numeric literal '%.*s'",
                              (int)(lx->pos - begin + (trailing > 0 ? (size_t)trailing : 0)),
                              lx->src + begin);
    if (is_real) {
        char *clean = arena_alloc(lx->arena, digits_end - digits_begin + 1);
        if (!clean) return fail(lx, err, EXPR_ERR_NOMEM, "out of memory%s", "");
        size_t w = 0;
        for (size_t p = digits_begin; p < digits_end; p++)
            if (lx->src[p] != '_') clean[w++] = lx->src[p];
        clean[w] = '\0';
        tok->kind = EXPR_TOK_REAL;
        tok->v.real.digits = slice_make(clean, w);
        if (real_suffix == 'f') {
            float f = strtof(clean, NULL);
            if (isinf(f))
                return expr_error_set(err, EXPR_ERR_SYNTAX, start,
                                      "floating-point constant is outside the range of 'float'");
            tok->num_type = EXPR_NUM_FLOAT;
            tok->v.real.value = f;
        } else {
            double d = strtod(clean, NULL);
            if (isinf(d))
                return expr_error_set(err, EXPR_ERR_SYNTAX, start,
                                      "floating-point constant is outside the range of 'double'");
            /* decimal: at most 2^96 - 1 (System.Decimal.MaxValue); as a double, values
             * within one unit of the limit are not told apart, the digits are exact. */
            if (real_suffix == 'm' && fabs(d) > 0x1p96)
                return expr_error_set(err, EXPR_ERR_SYNTAX, start,
                                      "constant is outside the range of 'decimal'");
            tok->num_type = real_suffix == 'm' ? EXPR_NUM_DECIMAL : EXPR_NUM_DOUBLE;
            tok->v.real.value = d;
        }
        finish(lx, tok);
        return 0;
    }
    uint64_t v = 0;
    for (size_t p = digits_begin; p < digits_end; p++) {
        if (lx->src[p] == '_') continue;
        uint64_t d = (uint64_t)hex_value((unsigned char)lx->src[p]);
        if (v > (UINT64_MAX - d) / (uint64_t)radix)
            return expr_error_set(err, EXPR_ERR_SYNTAX, start, "integral constant is too large");
        v = v * (uint64_t)radix + d;
    }
    /* §2.4.4.2: the first of the suffix's candidate types that can hold the value. */
    expr_num_type_t t;
    if (has_u && has_l)
        t = EXPR_NUM_ULONG;
    else if (has_u)
        t = v <= UINT32_MAX ? EXPR_NUM_UINT : EXPR_NUM_ULONG;
    else if (has_l)
        t = v <= INT64_MAX ? EXPR_NUM_LONG : EXPR_NUM_ULONG;
    else if (v <= INT32_MAX)
        t = EXPR_NUM_INT;
    else if (v <= UINT32_MAX)
        t = EXPR_NUM_UINT;
    else if (v <= INT64_MAX)
        t = EXPR_NUM_LONG;
    else
        t = EXPR_NUM_ULONG;
    tok->kind = EXPR_TOK_INT;
    tok->num_type = (uint8_t)t;
    tok->flags = (has_u ? EXPR_TOKF_SUFFIX_U : 0) | (has_l ? EXPR_TOKF_SUFFIX_L : 0) |
                 (radix != 10 ? EXPR_TOKF_RADIX : 0);
    tok->v.integer = v;
    finish(lx, tok);
    return 0;
}

/* ---- identifiers and keywords (§2.4.2, §2.4.3) ---- */

static int lex_ident(expr_lexer_t *lx, expr_token_t *tok, expr_error_t *err, bool verbatim)
{
    if (verbatim) advance(lx, 1);
    size_t begin = lx->pos;
    for (bool first = true;; first = false) {
        long n = ident_char_len(lx, lx->pos, first);
        if (n < 0) return fail(lx, err, EXPR_ERR_SYNTAX, "invalid UTF-8%s", "");
        if (n == 0) break;
        advance(lx, (size_t)n);
    }
    if (peek(lx) == '\\')
        return fail(lx, err, EXPR_ERR_UNSUPPORTED,
                    "unicode escapes in identifiers are not supported%s", "");
    size_t n = lx->pos - begin;
    expr_tok_t kw = verbatim ? EXPR_TOK_IDENT : expr_tok_keyword(lx->src + begin, n);
    tok->kind = (uint16_t)kw;
    tok->flags = verbatim ? EXPR_TOKF_VERBATIM : 0;
    if (kw == EXPR_TOK_IDENT) {
        char *name = arena_strndup(lx->arena, lx->src + begin, n);
        if (!name) return fail(lx, err, EXPR_ERR_NOMEM, "out of memory%s", "");
        tok->v.text = slice_make(name, n);
    }
    finish(lx, tok);
    return 0;
}

/* ---- punctuators (§2.4.5) ---- */

static const struct {
    const char *text;
    expr_tok_t kind;
} punct_table[] = {
    /* longest first where one is a prefix of another */
    {"<<=", EXPR_TOK_SHL_ASSIGN},
    {"?\?=", EXPR_TOK_QUESTION_QUESTION_ASSIGN},
    {"??", EXPR_TOK_QUESTION_QUESTION},
    {"::", EXPR_TOK_COLON_COLON},
    {"++", EXPR_TOK_PLUS_PLUS},
    {"--", EXPR_TOK_MINUS_MINUS},
    {"&&", EXPR_TOK_AMP_AMP},
    {"||", EXPR_TOK_PIPE_PIPE},
    {"==", EXPR_TOK_EQ},
    {"!=", EXPR_TOK_NE},
    {"<=", EXPR_TOK_LE},
    {">=", EXPR_TOK_GE},
    {"<<", EXPR_TOK_SHL},
    {"=>", EXPR_TOK_ARROW},
    {"->", EXPR_TOK_PTR_ARROW},
    {"+=", EXPR_TOK_PLUS_ASSIGN},
    {"-=", EXPR_TOK_MINUS_ASSIGN},
    {"*=", EXPR_TOK_STAR_ASSIGN},
    {"/=", EXPR_TOK_SLASH_ASSIGN},
    {"%=", EXPR_TOK_PERCENT_ASSIGN},
    {"&=", EXPR_TOK_AMP_ASSIGN},
    {"|=", EXPR_TOK_PIPE_ASSIGN},
    {"^=", EXPR_TOK_CARET_ASSIGN},
    {"?[", EXPR_TOK_QUESTION_BRACKET},
    {"{", EXPR_TOK_LBRACE},
    {"}", EXPR_TOK_RBRACE},
    {"(", EXPR_TOK_LPAREN},
    {")", EXPR_TOK_RPAREN},
    {"[", EXPR_TOK_LBRACKET},
    {"]", EXPR_TOK_RBRACKET},
    {".", EXPR_TOK_DOT},
    {",", EXPR_TOK_COMMA},
    {":", EXPR_TOK_COLON},
    {";", EXPR_TOK_SEMICOLON},
    {"+", EXPR_TOK_PLUS},
    {"-", EXPR_TOK_MINUS},
    {"*", EXPR_TOK_STAR},
    {"/", EXPR_TOK_SLASH},
    {"%", EXPR_TOK_PERCENT},
    {"&", EXPR_TOK_AMP},
    {"|", EXPR_TOK_PIPE},
    {"^", EXPR_TOK_CARET},
    {"!", EXPR_TOK_BANG},
    {"~", EXPR_TOK_TILDE},
    {"=", EXPR_TOK_ASSIGN},
    {"<", EXPR_TOK_LT},
    {">", EXPR_TOK_GT},
    {"?", EXPR_TOK_QUESTION},
};

static int lex_punct(expr_lexer_t *lx, expr_token_t *tok, expr_error_t *err)
{
    /* "?." is the null-conditional operator unless a digit follows (c ? .5 : 1). */
    if (peek(lx) == '?' && peek_at(lx, 1) == '.' && !is_digit(peek_at(lx, 2))) {
        tok->kind = EXPR_TOK_QUESTION_DOT;
        advance(lx, 2);
        finish(lx, tok);
        return 0;
    }
    for (size_t i = 0; i < sizeof punct_table / sizeof punct_table[0]; i++) {
        size_t n = strlen(punct_table[i].text);
        if (lx->len - lx->pos >= n && memcmp(lx->src + lx->pos, punct_table[i].text, n) == 0) {
            tok->kind = (uint16_t)punct_table[i].kind;
            advance(lx, n);
            finish(lx, tok);
            return 0;
        }
    }
    int c = peek(lx);
    if (c == '#')
        return fail(lx, err, EXPR_ERR_UNSUPPORTED, "preprocessor directives are not supported%s",
                    "");
    if (c >= 0x21 && c < 0x7F) {
        char shown[2] = {(char)c, 0};
        return fail(lx, err, EXPR_ERR_SYNTAX, "unexpected character '%s'", shown);
    }
    if (c >= 0x80) return fail(lx, err, EXPR_ERR_SYNTAX, "invalid UTF-8%s", "");
    char shown[8];
    snprintf(shown, sizeof shown, "0x%02X", (unsigned)c);
    return fail(lx, err, EXPR_ERR_SYNTAX, "unexpected character %s", shown);
}

/* ---- interpolated strings (C# 6) ---- */

static int push_mode(expr_lexer_t *lx, expr_error_t *err, bool in_hole, bool verbatim,
                     expr_pos_t start)
{
    if (lx->mode_count == EXPR_LEX_MAX_NESTING)
        return expr_error_set(err, EXPR_ERR_LIMIT, start,
                              "interpolated strings nested too deeply (limit %d)",
                              EXPR_LEX_MAX_NESTING);
    lx->modes[lx->mode_count].in_hole = in_hole;
    lx->modes[lx->mode_count].verbatim = verbatim;
    lx->modes[lx->mode_count].depth = 0;
    lx->modes[lx->mode_count].start = start;
    lx->mode_count++;
    return 0;
}

/* Inside the text of an interpolated string: text, a hole's '{', or the closing quote. */
static int lex_interp_text(expr_lexer_t *lx, expr_token_t *tok, expr_error_t *err)
{
    bool verbatim = lx->modes[lx->mode_count - 1].verbatim;
    expr_pos_t string_start = lx->modes[lx->mode_count - 1].start;
    int c = peek(lx);
    if (c == '"' && !(verbatim && peek_at(lx, 1) == '"')) {
        tok->kind = EXPR_TOK_INTERP_END;
        advance(lx, 1);
        lx->mode_count--;
        finish(lx, tok);
        return 0;
    }
    if (c == '{' && peek_at(lx, 1) != '{') {
        tok->kind = EXPR_TOK_INTERP_HOLE_START;
        advance(lx, 1);
        finish(lx, tok);
        lx->modes[lx->mode_count - 1].in_hole = 1;
        return 0;
    }
    if (c == '}' && peek_at(lx, 1) != '}')
        return fail(lx, err, EXPR_ERR_SYNTAX,
                    "a '}' in an interpolated string must be doubled ('}}')%s", "");
    if (c < 0 || (!verbatim && (c == '\n' || c == '\r')))
        return expr_error_set(err, EXPR_ERR_SYNTAX, string_start,
                              c < 0 ? "unterminated interpolated string"
                                    : "newline in interpolated string");
    text_kind_t kind = verbatim ? TEXT_INTERP_VERBATIM : TEXT_INTERP;
    size_t n = text_extent(lx, kind);
    int rc = decode_text(lx, err, kind, n, &tok->v.text);
    if (rc) return rc;
    tok->kind = EXPR_TOK_INTERP_TEXT;
    finish(lx, tok);
    return 0;
}

/* The format specifier after a hole's top-level ':' runs to the hole's '}'; escapes
 * count in a regular string, not in a verbatim one. */
static int lex_interp_format(expr_lexer_t *lx, expr_token_t *tok, expr_error_t *err)
{
    bool verbatim = lx->modes[lx->mode_count - 1].verbatim;
    expr_pos_t colon = here(lx);
    advance(lx, 1);
    size_t p = lx->pos;
    while (p < lx->len && lx->src[p] != '}' && lx->src[p] != '{' && lx->src[p] != '"' &&
           (verbatim || (lx->src[p] != '\n' && lx->src[p] != '\r'))) {
        if (!verbatim && lx->src[p] == '\\' && p + 1 < lx->len) p++;
        p++;
    }
    if (p >= lx->len || lx->src[p] != '}')
        return expr_error_set(err, EXPR_ERR_SYNTAX, colon,
                              "format specifier of an interpolation must end with '}'");
    int rc =
        decode_text(lx, err, verbatim ? TEXT_VERBATIM : TEXT_REGULAR, p - lx->pos, &tok->v.text);
    if (rc) return rc;
    tok->kind = EXPR_TOK_INTERP_FORMAT;
    finish(lx, tok);
    return 0;
}

int expr_lex_next(expr_lexer_t *lx, expr_token_t *tok, expr_error_t *err)
{
    memset(tok, 0, sizeof *tok);
    if (lx->mode_count && !lx->modes[lx->mode_count - 1].in_hole) {
        tok->pos = here(lx);
        return lex_interp_text(lx, tok, err);
    }
    int rc = skip_trivia(lx, err);
    if (rc) return rc;
    tok->pos = here(lx);
    if (lx->pos >= lx->len) {
        if (lx->mode_count)
            return expr_error_set(err, EXPR_ERR_SYNTAX, lx->modes[lx->mode_count - 1].start,
                                  "unterminated interpolated string");
        tok->kind = EXPR_TOK_EOF;
        return 0;
    }
    int c = peek(lx), c1 = peek_at(lx, 1), c2 = peek_at(lx, 2);
    if (lx->mode_count) { /* inside a hole */
        uint32_t *depth = &lx->modes[lx->mode_count - 1].depth;
        if (*depth == 0 && c == '}') {
            tok->kind = EXPR_TOK_INTERP_HOLE_END;
            advance(lx, 1);
            finish(lx, tok);
            lx->modes[lx->mode_count - 1].in_hole = 0;
            return 0;
        }
        if (*depth == 0 && c == ':') return lex_interp_format(lx, tok, err);
        if (c == '(' || c == '[' || c == '{' || (c == '?' && c1 == '[')) ++*depth;
        if ((c == ')' || c == ']' || c == '}') && *depth > 0) --*depth;
    }
    if (c == '"') return lex_string(lx, tok, err, false);
    if (c == '\'') return lex_char(lx, tok, err);
    if (is_digit(c) || (c == '.' && is_digit(c1))) return lex_number(lx, tok, err);
    if (c == '@' && c1 == '"') {
        advance(lx, 1);
        return lex_string(lx, tok, err, true);
    }
    bool interp_verbatim =
        (c == '$' && c1 == '@' && c2 == '"') || (c == '@' && c1 == '$' && c2 == '"');
    if ((c == '$' && c1 == '"') || interp_verbatim) {
        advance(lx, interp_verbatim ? 3 : 2);
        tok->kind = EXPR_TOK_INTERP_START;
        tok->flags = interp_verbatim ? EXPR_TOKF_VERBATIM : 0;
        finish(lx, tok);
        return push_mode(lx, err, false, interp_verbatim, tok->pos);
    }
    if (c == '@') {
        if (ident_char_len(lx, lx->pos + 1, true) > 0) return lex_ident(lx, tok, err, true);
        return fail(lx, err, EXPR_ERR_SYNTAX, "'@' must start a verbatim identifier or string%s",
                    "");
    }
    if (c == '$')
        return fail(lx, err, EXPR_ERR_SYNTAX, "'$' must start an interpolated string%s", "");
    long n = ident_char_len(lx, lx->pos, true);
    if (n < 0) return fail(lx, err, EXPR_ERR_SYNTAX, "invalid UTF-8%s", "");
    if (n > 0) return lex_ident(lx, tok, err, false);
    return lex_punct(lx, tok, err);
}
