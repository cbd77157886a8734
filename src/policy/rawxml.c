/* The raw-XML pre-pass of spec/apim-gateway.md §0. See rawxml.h for the contract. */
#include "policy/rawxml.h"

#include "base/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One inserted escape: the input byte at `in` became `out_len` bytes at `out`. Between
 * anchors the escaped text is a byte-for-byte copy of the input. */
struct policy_rawxml_anchor {
    uint32_t out;
    uint32_t in;
    uint32_t out_len;
};

/* ---- line index ---- */

static bool is_break(const char *s, size_t len, size_t i, size_t *width)
{
    if (s[i] == '\n') {
        *width = 1;
        return true;
    }
    if (s[i] == '\r') {
        *width = (i + 1 < len && s[i + 1] == '\n') ? 2 : 1;
        return true;
    }
    return false;
}

int policy_rawxml_lines_init(policy_rawxml_lines_t *lines, const char *src, size_t len)
{
    size_t count = 1, w;
    for (size_t i = 0; i < len; i++)
        if (is_break(src, len, i, &w)) {
            count++;
            i += w - 1;
        }
    lines->line_starts = malloc(count * sizeof *lines->line_starts);
    if (!lines->line_starts) return -ENOMEM;
    lines->src = src;
    lines->len = len;
    lines->line_count = count;
    lines->bom_len = (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
    size_t n = 0;
    lines->line_starts[n++] = 0;
    for (size_t i = 0; i < len; i++)
        if (is_break(src, len, i, &w)) {
            i += w - 1;
            lines->line_starts[n++] = i + 1;
        }
    return 0;
}

void policy_rawxml_lines_free(policy_rawxml_lines_t *lines)
{
    free(lines->line_starts);
    lines->line_starts = NULL;
    lines->line_count = 0;
}

static size_t count_chars(const char *s, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

static size_t line_content_start(const policy_rawxml_lines_t *lines, size_t index)
{
    size_t start = lines->line_starts[index];
    return index == 0 ? start + lines->bom_len : start;
}

policy_rawxml_pos_t policy_rawxml_lines_position(const policy_rawxml_lines_t *lines, size_t offset)
{
    if (offset > lines->len) offset = lines->len;
    /* the LF of a CRLF is the same line break as its CR */
    if (offset > 0 && offset < lines->len && lines->src[offset] == '\n' &&
        lines->src[offset - 1] == '\r')
        offset--;
    size_t lo = 0, hi = lines->line_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (lines->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    size_t start = line_content_start(lines, lo);
    size_t col = offset > start ? count_chars(lines->src, start, offset) : 0;
    return (policy_rawxml_pos_t){(unsigned)(lo + 1), (unsigned)(col + 1)};
}

size_t policy_rawxml_lines_width(const policy_rawxml_lines_t *lines, unsigned line)
{
    if (line == 0 || line > lines->line_count) return 0;
    size_t start = line_content_start(lines, line - 1);
    size_t end = line < lines->line_count ? lines->line_starts[line] : lines->len;
    while (end > start && (lines->src[end - 1] == '\n' || lines->src[end - 1] == '\r'))
        end--;
    return end > start ? count_chars(lines->src, start, end) : 0;
}

/* ---- entities (XML 1.0 §4.1, §4.6) ---- */

static bool is_xml_char(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

static int digit_value(char c, bool hex)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (!hex) return -1;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t policy_rawxml_entity_len(const char *s, size_t n, uint32_t *codepoint)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } predefined[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    if (n < 3 || s[0] != '&') return 0;
    for (size_t k = 0; k < sizeof predefined / sizeof predefined[0]; k++) {
        size_t l = strlen(predefined[k].name);
        if (n - 1 >= l && memcmp(s + 1, predefined[k].name, l) == 0) {
            *codepoint = predefined[k].cp;
            return l + 1;
        }
    }
    if (s[1] != '#') return 0;
    size_t i = 2;
    bool hex = i < n && s[i] == 'x';
    if (hex) i++;
    uint32_t v = 0;
    size_t digits = 0;
    bool too_big = false;
    for (int d; i < n && (d = digit_value(s[i], hex)) >= 0; i++, digits++) {
        v = v * (hex ? 16 : 10) + (uint32_t)d;
        if (v > 0x10FFFF) {
            too_big = true;
            v = 0x110000;
        }
    }
    if (digits == 0 || i >= n || s[i] != ';' || too_big || !is_xml_char(v)) return 0;
    *codepoint = v;
    return i + 1;
}

/* ---- the pass ---- */

typedef struct {
    const char *src;
    size_t len;
    unsigned max_depth;
    buf_t out;
    size_t copied; /* src[0..copied) has been written to out */
    policy_rawxml_anchor_t *anchors;
    size_t anchor_count, anchor_cap;
    policy_rawxml_mark_t *marks;
    size_t mark_count, mark_cap;
    unsigned depth;   /* open elements */
    size_t cdata_end; /* just past the last CDATA section, SIZE_MAX before the first */
    bool gave_up;
    const policy_rawxml_lines_t *lines;
    policy_rawxml_error_t *err;
} pass_t;

static int fail(pass_t *p, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(pass_t *p, size_t offset, const char *fmt, ...)
{
    p->err->offset = offset;
    p->err->pos = policy_rawxml_lines_position(p->lines, offset);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int out_of_memory(pass_t *p)
{
    p->err->offset = 0;
    p->err->pos = (policy_rawxml_pos_t){0, 0};
    snprintf(p->err->message, sizeof p->err->message, "out of memory");
    return -ENOMEM;
}

static int flush_to(pass_t *p, size_t upto)
{
    if (upto <= p->copied) return 0;
    if (buf_append(&p->out, p->src + p->copied, upto - p->copied)) return out_of_memory(p);
    p->copied = upto;
    return 0;
}

/* Writes `rep` in place of the input byte at `at` (everything before it is flushed). */
static int substitute(pass_t *p, size_t at, const char *rep)
{
    int rc = flush_to(p, at);
    if (rc) return rc;
    if (p->anchor_count == p->anchor_cap) {
        size_t cap = p->anchor_cap ? p->anchor_cap * 2 : 64;
        policy_rawxml_anchor_t *a = realloc(p->anchors, cap * sizeof *a);
        if (!a) return out_of_memory(p);
        p->anchors = a;
        p->anchor_cap = cap;
    }
    size_t rep_len = strlen(rep);
    p->anchors[p->anchor_count++] =
        (policy_rawxml_anchor_t){(uint32_t)p->out.len, (uint32_t)at, (uint32_t)rep_len};
    if (buf_append(&p->out, rep, rep_len)) return out_of_memory(p);
    p->copied = at + 1;
    return 0;
}

/* Appends a mark; returns its index or -ENOMEM. */
static long add_mark(pass_t *p, policy_rawxml_mark_kind_t kind, size_t offset)
{
    if (p->mark_count == p->mark_cap) {
        size_t cap = p->mark_cap ? p->mark_cap * 2 : 64;
        policy_rawxml_mark_t *m = realloc(p->marks, cap * sizeof *m);
        if (!m) return out_of_memory(p);
        p->marks = m;
        p->mark_cap = cap;
    }
    p->marks[p->mark_count] = (policy_rawxml_mark_t){.kind = kind,
                                                     .offset = (uint32_t)offset,
                                                     .value_offset = (uint32_t)offset,
                                                     .value_end = (uint32_t)offset};
    return (long)p->mark_count++;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool starts_with(const pass_t *p, size_t i, const char *lit)
{
    size_t l = strlen(lit);
    return i <= p->len && p->len - i >= l && memcmp(p->src + i, lit, l) == 0;
}

static size_t find(const pass_t *p, size_t from, const char *lit)
{
    size_t l = strlen(lit);
    if (from > p->len) return SIZE_MAX;
    const char *hit = memmem(p->src + from, p->len - from, lit, l);
    return hit ? (size_t)(hit - p->src) : SIZE_MAX;
}

static bool starts_expression(const pass_t *p, size_t i)
{
    return i + 1 < p->len && p->src[i] == '@' && (p->src[i + 1] == '(' || p->src[i + 1] == '{');
}

/* ---- C# scanner (spec §0, §3.1) ---- */

/* The character at src[i] as the expression will read it once XML has decoded it: a valid
 * entity stands for its character. *n = bytes it takes. -1 at the end; non-ASCII → 0x80. */
static int peek(const pass_t *p, size_t i, size_t *n)
{
    if (i >= p->len) {
        *n = 0;
        return -1;
    }
    unsigned char c = (unsigned char)p->src[i];
    if (c == '&') {
        uint32_t cp;
        size_t e = policy_rawxml_entity_len(p->src + i, p->len - i, &cp);
        if (e) {
            *n = e;
            return cp < 0x80 ? (int)cp : 0x80;
        }
    }
    *n = 1;
    return c;
}

typedef enum {
    FRAME_CODE,   /* inside ( [ { : ends at `closer` */
    FRAME_HOLE,   /* code in an interpolation hole: ends at }, a top-level ':' starts a format */
    FRAME_INTERP, /* $"..." */
    FRAME_VINTERP /* $@"..." or @$"..." */
} frame_kind_t;

typedef struct {
    frame_kind_t kind;
    char closer;
    size_t open; /* where it opened, for errors */
} frame_t;

typedef struct {
    frame_t frames[POLICY_RAWXML_MAX_NESTING];
    size_t top;
} frame_stack_t;

static int push(pass_t *p, frame_stack_t *st, frame_kind_t kind, char closer, size_t open)
{
    if (st->top == POLICY_RAWXML_MAX_NESTING)
        return fail(p, open, "expression nests deeper than %d brackets, strings and holes",
                    POLICY_RAWXML_MAX_NESTING);
    st->frames[st->top++] = (frame_t){kind, closer, open};
    return 0;
}

/* Skips a "..." (verbatim: @"..." with "" for a quote) string whose opening quote is at
 * `open` and whose content starts at `from`; *end = just past the closing quote. */
static int skip_string(pass_t *p, size_t open, size_t from, bool verbatim, size_t *end)
{
    size_t i = from, n, n2;
    for (;;) {
        int c = peek(p, i, &n);
        if (c < 0)
            return fail(p, open, "%sstring literal is not closed", verbatim ? "verbatim " : "");
        if (c == '\\' && !verbatim) {
            i += n;
            peek(p, i, &n2);
            i += n2;
            continue;
        }
        if (c == '"') {
            if (verbatim && peek(p, i + n, &n2) == '"') {
                i += n + n2;
                continue;
            }
            *end = i + n;
            return 0;
        }
        i += n;
    }
}

static int skip_char_literal(pass_t *p, size_t open, size_t from, size_t *end)
{
    size_t i = from, n, n2;
    for (;;) {
        int c = peek(p, i, &n);
        if (c < 0) return fail(p, open, "character literal is not closed");
        if (c == '\\') {
            i += n;
            peek(p, i, &n2);
            i += n2;
            continue;
        }
        i += n;
        if (c == '\'') {
            *end = i;
            return 0;
        }
    }
}

static int not_closed(pass_t *p, const frame_stack_t *st, size_t at)
{
    const frame_t *f = &st->frames[st->top - 1];
    switch (f->kind) {
    case FRAME_CODE:
        if (st->top == 1)
            return fail(p, at, "expression '@%c' is not closed: no matching '%c'",
                        f->closer == ')' ? '(' : '{', f->closer);
        return fail(p, f->open, "'%c' in the expression is not closed: no matching '%c'",
                    p->src[f->open], f->closer);
    case FRAME_HOLE:
        return fail(p, f->open, "interpolation hole '{' is not closed: no matching '}'");
    default:
        return fail(p, f->open, "interpolated string is not closed");
    }
}

/* A closer that does not match the innermost bracket (§0 asks only for the span, C# is
 * checked later): it closes the nearest open bracket it matches, and everything opened
 * since, without crossing an interpolated string; a closer that matches nothing open is an
 * ordinary character. So `@{ f(x["a" }` ends at its '}', as its author meant. */
static void close_unmatched(frame_stack_t *st, int c)
{
    for (size_t k = st->top; k-- > 0;) {
        const frame_t *f = &st->frames[k];
        if (f->kind == FRAME_INTERP || f->kind == FRAME_VINTERP) return;
        if (f->closer == c) {
            st->top = k;
            return;
        }
    }
}

/* Inside an interpolated string: one step. */
static int step_interpolated(pass_t *p, frame_stack_t *st, size_t *i)
{
    bool verbatim = st->frames[st->top - 1].kind == FRAME_VINTERP;
    size_t n, n2;
    int c = peek(p, *i, &n);
    int c2 = peek(p, *i + n, &n2);
    if (c == '"') {
        if (verbatim && c2 == '"') {
            *i += n + n2;
            return 0;
        }
        st->top--;
        *i += n;
        return 0;
    }
    if (c == '\\' && !verbatim) {
        *i += n + n2;
        return 0;
    }
    if (c == '{' && c2 != '{') {
        int rc = push(p, st, FRAME_HOLE, '}', *i);
        *i += n;
        return rc;
    }
    /* {{ and }} stand for literal braces */
    *i += (c == '{' || (c == '}' && c2 == '}')) ? n + n2 : n;
    return 0;
}

/* In code: one step. */
static int step_code(pass_t *p, frame_stack_t *st, size_t at, size_t *i)
{
    frame_t *f = &st->frames[st->top - 1];
    size_t n, n2, n3;
    int c = peek(p, *i, &n);
    int c2 = peek(p, *i + n, &n2);
    int c3 = c2 >= 0 ? peek(p, *i + n + n2, &n3) : -1;
    switch (c) {
    case '"':
        return skip_string(p, *i, *i + n, false, i);
    case '\'':
        return skip_char_literal(p, *i, *i + n, i);
    case '@':
        if (c2 == '"') return skip_string(p, *i, *i + n + n2, true, i);
        if (c2 == '$' && c3 == '"') {
            int rc = push(p, st, FRAME_VINTERP, '"', *i);
            *i += n + n2 + n3;
            return rc;
        }
        break;
    case '$':
        if (c2 == '"' || (c2 == '@' && c3 == '"')) {
            int rc = push(p, st, c2 == '"' ? FRAME_INTERP : FRAME_VINTERP, '"', *i);
            *i += c2 == '"' ? n + n2 : n + n2 + n3;
            return rc;
        }
        break;
    case '/':
        if (c2 == '/') {
            size_t j = *i + n + n2;
            for (int d; (d = peek(p, j, &n3)) >= 0 && d != '\n' && d != '\r';)
                j += n3;
            *i = j;
            return 0;
        }
        if (c2 == '*') {
            size_t j = *i + n + n2;
            for (;;) {
                int d = peek(p, j, &n3);
                if (d < 0) return fail(p, *i, "comment in the expression is not closed");
                size_t n4;
                if (d == '*' && peek(p, j + n3, &n4) == '/') {
                    *i = j + n3 + n4;
                    return 0;
                }
                j += n3;
            }
        }
        break;
    case '(':
    case '[':
    case '{': {
        int rc = push(p, st, FRAME_CODE, c == '(' ? ')' : c == '[' ? ']' : '}', *i);
        *i += n;
        return rc;
    }
    case ')':
    case ']':
    case '}':
        if (c == f->closer)
            st->top--;
        else
            close_unmatched(st, c);
        *i += n;
        return 0;
    case ':':
        if (f->kind == FRAME_HOLE) { /* format specifier: literal up to the hole's '}' */
            size_t j = *i + n;
            int d;
            while ((d = peek(p, j, &n3)) >= 0 && d != '}')
                j += n3;
            if (d < 0) return not_closed(p, st, at);
            st->top--;
            *i = j + n3;
            return 0;
        }
        break;
    default:
        break;
    }
    *i += n;
    return 0;
}

/* src[at] is '@' followed by '(' or '{': sets *end just past the matching bracket. */
static int scan_expression(pass_t *p, size_t at, size_t *end)
{
    frame_stack_t st;
    st.top = 0;
    int rc = push(p, &st, FRAME_CODE, p->src[at + 1] == '(' ? ')' : '}', at);
    size_t i = at + 2, n;
    while (rc == 0 && st.top > 0) {
        if (peek(p, i, &n) < 0) return not_closed(p, &st, at);
        frame_kind_t k = st.frames[st.top - 1].kind;
        rc = (k == FRAME_INTERP || k == FRAME_VINTERP) ? step_interpolated(p, &st, &i)
                                                       : step_code(p, &st, at, &i);
    }
    *end = i;
    return rc;
}

/* Escapes src[from..to) (spec §0): quotes, '<', '>' and every '&' that starts no entity. */
static int escape_span(pass_t *p, size_t from, size_t to)
{
    for (size_t j = from; j < to;) {
        const char *rep = NULL;
        uint32_t cp;
        switch (p->src[j]) {
        case '&': {
            size_t e = policy_rawxml_entity_len(p->src + j, to - j, &cp);
            if (e) {
                j += e;
                continue;
            }
            rep = "&amp;";
            break;
        }
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        default:
            break;
        }
        if (rep) {
            int rc = substitute(p, j, rep);
            if (rc) return rc;
        }
        j++;
    }
    return 0;
}

/* ---- markup ---- */

static bool is_name_delim(char c)
{
    return is_ws(c) || c == '=' || c == '/' || c == '>' || c == '<' || c == '"' || c == '\'';
}

static size_t name_end(const pass_t *p, size_t i)
{
    while (i < p->len && !is_name_delim(p->src[i]))
        i++;
    return i;
}

static size_t skip_ws(const pass_t *p, size_t i)
{
    while (i < p->len && is_ws(p->src[i]))
        i++;
    return i;
}

static void give_up(pass_t *p, size_t *i)
{
    p->gave_up = true;
    *i = p->len;
}

/* One attribute at *j (its name). Returns 1 when the pass gave up. */
static int attribute(pass_t *p, size_t *j)
{
    size_t name = *j, name_stop = name_end(p, name);
    size_t k = skip_ws(p, name_stop);
    if (name_stop == name || k >= p->len || p->src[k] != '=') return 1;
    k = skip_ws(p, k + 1);
    if (k >= p->len || (p->src[k] != '"' && p->src[k] != '\'')) return 1;
    char quote = p->src[k];
    size_t value = k + 1, rest = value;
    bool is_expression = starts_expression(p, value);
    if (is_expression) {
        /* the expression decides where the value ends: a quote inside it does not (§0) */
        int rc = scan_expression(p, value, &rest);
        if (rc == 0) rc = escape_span(p, value, rest);
        if (rc) return rc;
    }
    const char *close = memchr(p->src + rest, quote, p->len - rest);
    if (!close) return 1;
    long m = add_mark(p, POLICY_RAWXML_ATTRIBUTE, name);
    if (m < 0) return (int)m;
    policy_rawxml_mark_t *mk = &p->marks[m];
    mk->name_len = (uint32_t)(name_stop - name);
    mk->value_offset = (uint32_t)value;
    mk->value_end = (uint32_t)(close - p->src);
    mk->is_expression = is_expression;
    *j = (size_t)(close - p->src) + 1;
    return 0;
}

static int start_tag(pass_t *p, size_t *i)
{
    size_t name = *i + 1, j = name_end(p, name);
    if (j == name) {
        give_up(p, i);
        return 0;
    }
    if (p->max_depth && p->depth + 1 > p->max_depth)
        return fail(p, *i, "elements nest deeper than %u levels", p->max_depth);
    long m = add_mark(p, POLICY_RAWXML_ELEMENT, *i);
    if (m < 0) return (int)m;
    p->marks[m].name_len = (uint32_t)(j - name);
    for (;;) {
        j = skip_ws(p, j);
        if (j >= p->len) break;
        if (p->src[j] == '>') {
            p->depth++;
            *i = j + 1;
            return 0;
        }
        if (p->src[j] == '/') {
            if (j + 1 < p->len && p->src[j + 1] == '>') {
                *i = j + 2;
                return 0;
            }
            break;
        }
        int rc = attribute(p, &j);
        if (rc < 0) return rc;
        if (rc > 0) break;
    }
    give_up(p, i);
    return 0;
}

/* A comment keeps its place; "--" inside it (XML 1.0 §2.5 forbids it) is spaced out. */
static int comment(pass_t *p, size_t *i)
{
    size_t end = find(p, *i + 4, "-->");
    if (end == SIZE_MAX) return fail(p, *i, "comment is not closed: '-->' is missing");
    for (size_t j = *i + 4; j < end; j++)
        if (p->src[j] == '-' && (j + 1 == end || p->src[j + 1] == '-')) {
            int rc = substitute(p, j, "- ");
            if (rc) return rc;
        }
    *i = end + 3;
    return 0;
}

static int cdata(pass_t *p, size_t *i)
{
    size_t content = *i + 9, end = find(p, content, "]]>");
    if (end == SIZE_MAX) return fail(p, *i, "CDATA section is not closed: ']]>' is missing");
    if (p->depth > 0) {
        long m = add_mark(p, POLICY_RAWXML_CDATA, content);
        if (m < 0) return (int)m;
        p->marks[m].value_end = (uint32_t)end;
        p->marks[m].continues_cdata = p->cdata_end == *i;
    }
    *i = p->cdata_end = end + 3;
    return 0;
}

static int markup(pass_t *p, size_t *i)
{
    if (starts_with(p, *i, "<!--")) return comment(p, i);
    if (starts_with(p, *i, "<![CDATA[")) return cdata(p, i);
    if (starts_with(p, *i, "<!"))
        return fail(p, *i,
                    "DOCTYPE and other <!...> declarations are not allowed in a policy "
                    "document (no DTD, no entities)");
    if (starts_with(p, *i, "<?")) {
        size_t end = find(p, *i + 2, "?>");
        if (end == SIZE_MAX)
            return fail(p, *i, "processing instruction is not closed: '?>' is missing");
        *i = end + 2;
        return 0;
    }
    if (starts_with(p, *i, "</")) {
        const char *gt = memchr(p->src + *i, '>', p->len - *i);
        if (!gt) {
            give_up(p, i);
            return 0;
        }
        if (p->depth > 0) p->depth--;
        *i = (size_t)(gt - p->src) + 1;
        return 0;
    }
    return start_tag(p, i);
}

/* Character data up to the next '<'. Inside an element, text that starts with @( or @{
 * (after whitespace) is an expression: scanned and escaped, then the run goes on. */
static int text_run(pass_t *p, size_t *i)
{
    size_t start = *i, from = start;
    if (p->depth > 0) {
        long m = add_mark(p, POLICY_RAWXML_TEXT, start);
        if (m < 0) return (int)m;
        size_t k = skip_ws(p, start);
        if (starts_expression(p, k)) {
            p->marks[m].is_expression = true;
            int rc = scan_expression(p, k, &from);
            if (rc == 0) rc = escape_span(p, k, from);
            if (rc) return rc;
        }
        const char *lt = memchr(p->src + from, '<', p->len - from);
        *i = lt ? (size_t)(lt - p->src) : p->len;
        p->marks[m].value_end = (uint32_t)*i;
        return 0;
    }
    const char *lt = memchr(p->src + from, '<', p->len - from);
    *i = lt ? (size_t)(lt - p->src) : p->len;
    return 0;
}

static int run(pass_t *p)
{
    size_t i = 0;
    while (i < p->len && !p->gave_up) {
        int rc = p->src[i] == '<' ? markup(p, &i) : text_run(p, &i);
        if (rc) return rc;
    }
    int rc = flush_to(p, p->len);
    if (rc == 0 && buf_append(&p->out, "", 1)) rc = out_of_memory(p);
    return rc;
}

int policy_rawxml_escape(const char *src, size_t len, unsigned max_depth, policy_rawxml_t **out,
                         policy_rawxml_error_t *err)
{
    *out = NULL;
    memset(err, 0, sizeof *err);
    if (len > POLICY_RAWXML_MAX_INPUT) {
        snprintf(err->message, sizeof err->message, "document is larger than %u bytes",
                 POLICY_RAWXML_MAX_INPUT);
        return -EFBIG;
    }
    policy_rawxml_t *rx = calloc(1, sizeof *rx);
    pass_t p = {.src = src, .len = len, .max_depth = max_depth, .cdata_end = SIZE_MAX, .err = err};
    if (!rx) return out_of_memory(&p);
    buf_init(&p.out);
    if (policy_rawxml_lines_init(&rx->lines, src, len)) {
        free(rx);
        return out_of_memory(&p);
    }
    p.lines = &rx->lines;
    int rc = run(&p);
    if (rc) {
        buf_free(&p.out);
        free(p.anchors);
        free(p.marks);
        policy_rawxml_lines_free(&rx->lines);
        free(rx);
        return rc;
    }
    rx->text = p.out.data;
    rx->len = p.out.len - 1;
    rx->marks = p.marks;
    rx->mark_count = p.mark_count;
    rx->is_complete = !p.gave_up;
    rx->anchors_ = p.anchors;
    rx->anchor_count_ = p.anchor_count;
    *out = rx;
    return 0;
}

void policy_rawxml_free(policy_rawxml_t *rx)
{
    if (!rx) return;
    free(rx->text);
    free((void *)rx->marks);
    free(rx->anchors_);
    policy_rawxml_lines_free(&rx->lines);
    free(rx);
}

size_t policy_rawxml_source_offset(const policy_rawxml_t *rx, size_t escaped_offset)
{
    size_t lo = 0, hi = rx->anchor_count_;
    while (lo < hi) { /* first anchor after escaped_offset */
        size_t mid = lo + (hi - lo) / 2;
        if (rx->anchors_[mid].out <= escaped_offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return escaped_offset;
    const policy_rawxml_anchor_t *a = &rx->anchors_[lo - 1];
    if (escaped_offset < (size_t)a->out + a->out_len) return a->in;
    return (size_t)a->in + 1 + (escaped_offset - a->out - a->out_len);
}
