/* Parses every policy expression of the public policy documents in ../shared/conformance
 * (read in place; tests run from the repository root). The documents are often not
 * well-formed XML (spec/apim-gateway.md §0), so this file has its own small extractor:
 * an attribute value or an element's text that starts with @( or @{ runs to the matching
 * bracket, honouring C# strings, chars and comments; XML entities are then decoded. It
 * is deliberately independent of the real loader in src/policy/.
 *
 * Named values ({{name}}, §3.6) are substituted before parsing, as the loader does; the
 * stand-in value is 1, which fits every place they occur in these documents (numbers in
 * code, text in strings).
 *
 * Prints the number of expressions and every failure as document:line:col: message, so
 * that unsupported constructs are visible in the test output. */
#include "../conformance_files.h"
#include "expr/parser.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the C#-aware scan ---- */

static size_t scan_code(const char *s, size_t n, size_t i, char closer);

/* After the opening quote of an interpolated string: to just after its closing quote. */
static size_t scan_interpolated(const char *s, size_t n, size_t i, bool verbatim)
{
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            if (verbatim && i + 1 < n && s[i + 1] == '"') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        if (!verbatim && c == '\\') {
            i += 2;
        } else if ((c == '{' || c == '}') && i + 1 < n && s[i + 1] == c) {
            i += 2;
        } else if (c == '{') {
            i = scan_code(s, n, i + 1, '}');
            if (!i) return 0;
        } else {
            i++;
        }
    }
    return 0;
}

/* C# code from i up to and including `closer` at bracket depth 0; 0 when unbalanced. */
static size_t scan_code(const char *s, size_t n, size_t i, char closer)
{
    char stack[256];
    size_t depth = 0;
    while (i < n) {
        char c = s[i];
        if (c == '"' || (c == '@' && i + 1 < n && s[i + 1] == '"')) {
            bool verbatim = c == '@';
            i += verbatim ? 2 : 1;
            while (i < n && s[i] != '"') {
                if (!verbatim && s[i] == '\\') i++;
                i++;
            }
            if (verbatim) {
                while (i + 1 < n && s[i + 1] == '"') { /* "" inside @"..." */
                    i += 2;
                    while (i < n && s[i] != '"')
                        i++;
                }
            }
            i++;
        } else if ((c == '$' && i + 1 < n && s[i + 1] == '"') ||
                   (i + 2 < n && ((c == '$' && s[i + 1] == '@') || (c == '@' && s[i + 1] == '$')) &&
                    s[i + 2] == '"')) {
            bool verbatim = s[i + 1] == '@' || c == '@';
            i = scan_interpolated(s, n, i + (verbatim ? 3 : 2), verbatim);
            if (!i) return 0;
        } else if (c == '\'') {
            i++;
            while (i < n && s[i] != '\'') {
                if (s[i] == '\\') i++;
                i++;
            }
            i++;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            const char *end = strstr(s + i + 2, "*/");
            if (!end) return 0;
            i = (size_t)(end - s) + 2;
        } else if (c == '(' || c == '[' || c == '{') {
            if (depth == sizeof stack) return 0;
            stack[depth++] = c == '(' ? ')' : c == '[' ? ']' : '}';
            i++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth == 0) return c == closer ? i + 1 : 0;
            if (stack[--depth] != c) return 0;
            i++;
        } else {
            i++;
        }
    }
    return 0;
}

/* ---- XML ---- */

typedef struct {
    const char *doc;
    unsigned line, col;
    char *text; /* entities decoded, named values substituted */
    size_t len;
} expression_t;

static expression_t *exprs;
static size_t expr_count, expr_cap;

static void position(const char *s, size_t at, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t k = 0; k < at; k++) {
        if (s[k] == '\n') {
            ++*line;
            *col = 1;
        } else if ((s[k] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

static size_t decode_entity(const char *s, size_t n, char *out)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"&quot;", '"'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}};
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        size_t len = strlen(named[k].name);
        if (n >= len && memcmp(s, named[k].name, len) == 0) {
            *out = named[k].c;
            return len;
        }
    }
    if (n > 3 && s[1] == '#') {
        char *end;
        long v = s[2] == 'x' ? strtol(s + 3, &end, 16) : strtol(s + 2, &end, 10);
        if (*end == ';' && v > 0 && v < 0x80) {
            *out = (char)v;
            return (size_t)(end - s) + 1;
        }
    }
    return 0;
}

static bool is_named_value_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

static void add_expression(const char *doc, const char *s, size_t start, size_t end)
{
    if (expr_count == expr_cap) {
        expr_cap = expr_cap ? expr_cap * 2 : 256;
        exprs = realloc(exprs, expr_cap * sizeof *exprs);
    }
    expression_t *e = &exprs[expr_count++];
    e->doc = doc;
    position(s, start, &e->line, &e->col);
    e->text = malloc(end - start + 1);
    size_t w = 0;
    for (size_t k = start; k < end;) {
        char c;
        size_t used = s[k] == '&' ? decode_entity(s + k, end - k, &c) : 0;
        if (used) {
            e->text[w++] = c;
            k += used;
            continue;
        }
        if (s[k] == '{' && k + 1 < end && s[k + 1] == '{') { /* {{name}} */
            size_t m = k + 2;
            while (m < end && is_named_value_char(s[m]))
                m++;
            if (m > k + 2 && m + 1 < end && s[m] == '}' && s[m + 1] == '}') {
                e->text[w++] = '1';
                k = m + 2;
                continue;
            }
        }
        e->text[w++] = s[k++];
    }
    e->text[w] = '\0';
    e->len = w;
}

static bool at_expression(const char *s, size_t n, size_t i)
{
    return i + 1 < n && s[i] == '@' && (s[i + 1] == '(' || s[i + 1] == '{');
}

static size_t skip_past(const char *s, size_t i, const char *marker)
{
    const char *end = strstr(s + i, marker);
    return end ? (size_t)(end - s) + strlen(marker) : strlen(s);
}

/* Start tag at s[i] == '<': attributes, then the element's text when it starts with @. */
static size_t scan_tag(const char *doc, const char *s, size_t n, size_t i)
{
    i++;
    if (i < n && s[i] == '/') return skip_past(s, i, ">");
    while (i < n && s[i] != '>' && s[i] != '/' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
           s[i] != '\r')
        i++;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i >= n) return n;
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '>') return i + 2;
        if (s[i] == '>') break;
        while (i < n && s[i] != '=' && s[i] != '>' && s[i] != ' ' && s[i] != '/')
            i++;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i >= n || s[i] != '=') { /* a name without a value, or stray text */
            if (i < n && s[i] != '>') i++;
            continue;
        }
        i++;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i >= n || (s[i] != '"' && s[i] != '\'')) continue;
        char quote = s[i++];
        size_t close = i;
        while (close < n && s[close] != quote)
            close++;
        if (at_expression(s, n, i)) {
            /* Raw documents hold unescaped quotes inside the expression: trust the C#
             * scan when it ends right at the closing quote, else the document is
             * well-formed and the value ends at the first quote. */
            size_t end = scan_code(s, n, i + 2, s[i + 1] == '(' ? ')' : '}');
            if (end && end < n && s[end] == quote) close = end;
            add_expression(doc, s, i, close);
        }
        i = close + 1;
    }
    i++; /* '>' */
    size_t t = i;
    while (t < n && (s[t] == ' ' || s[t] == '\t' || s[t] == '\n' || s[t] == '\r'))
        t++;
    if (at_expression(s, n, t)) {
        size_t end = scan_code(s, n, t + 2, s[t + 1] == '(' ? ')' : '}');
        if (!end) end = skip_past(s, t, "</") - 2;
        add_expression(doc, s, t, end);
        return end;
    }
    return i;
}

static void extract(const char *doc, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (strncmp(s + i, "<!--", 4) == 0)
            i = skip_past(s, i, "-->");
        else if (strncmp(s + i, "<![CDATA[", 9) == 0)
            i = skip_past(s, i, "]]>");
        else if (strncmp(s + i, "<?", 2) == 0 || strncmp(s + i, "<!", 2) == 0)
            i = skip_past(s, i, ">");
        else if (s[i] == '<')
            i = scan_tag(doc, s, n, i);
        else
            i++;
    }
}

/* ---- the test ---- */

static bool round_trips(arena_t *a, const expr_node_t *root, char *why, size_t why_len)
{
    buf_t first, second;
    buf_init(&first);
    buf_init(&second);
    cr_assert_eq(expr_ast_print(&first, root), 0);
    expr_parse_options_t opts = {.mode = root->kind == EXPR_STMT_BLOCK ? EXPR_PARSE_STATEMENTS
                                                                       : EXPR_PARSE_EXPRESSION};
    /* A printed block is "{ ... }": parse its inside. */
    const char *text = first.data;
    size_t len = first.len;
    if (root->kind == EXPR_STMT_BLOCK) {
        text++;
        len -= 2;
    }
    expr_node_t *again;
    expr_error_t err;
    bool ok = expr_parse(a, text, len, &opts, &again, &err) == 0;
    if (!ok) {
        snprintf(why, why_len, "printed form does not parse (%u:%u: %s): %.*s", err.pos.line,
                 err.pos.col, err.message, (int)first.len, first.data);
    } else {
        cr_assert_eq(expr_ast_print(&second, again), 0);
        ok = first.len == second.len && memcmp(first.data, second.data, first.len) == 0;
        if (!ok)
            snprintf(why, why_len, "printing is not a fixed point:\n  %.*s\n  %.*s", (int)first.len,
                     first.data, (int)second.len, second.data);
    }
    buf_free(&first);
    buf_free(&second);
    return ok;
}

Test(conformance_expressions, every_expression_of_the_public_documents_parses)
{
    list_t files = conformance_list();
    char **texts = calloc(files.count, sizeof *texts);
    for (size_t f = 0; f < files.count; f++) {
        size_t len;
        texts[f] = read_file(files.paths[f], &len);
        extract(files.paths[f], texts[f], len);
    }
    cr_assert_gt(expr_count, 0, "no expressions found");

    size_t parsed = 0, unsupported = 0;
    for (size_t k = 0; k < expr_count; k++) {
        expression_t *e = &exprs[k];
        arena_t a;
        arena_init(&a, 4096);
        expr_parse_options_t opts = {.origin = {.line = e->line, .col = e->col}};
        expr_node_t *root;
        expr_error_t err;
        int rc = expr_parse(&a, e->text, e->len, &opts, &root, &err);
        if (rc == 0) {
            parsed++;
            char why[4096];
            cr_expect(round_trips(&a, root, why, sizeof why), "%s:%u:%u: %s", e->doc, e->line,
                      e->col, why);
        } else {
            unsupported += rc == EXPR_ERR_UNSUPPORTED;
            printf("  %s:%u:%u: %s%s\n", e->doc + strlen(CONFORMANCE) + 1, err.pos.line,
                   err.pos.col, rc == EXPR_ERR_UNSUPPORTED ? "unsupported: " : "", err.message);
        }
        arena_free(&a);
    }
    printf("conformance expressions: %zu documents, %zu expressions, %zu parse (%.1f%%), "
           "%zu refused as unsupported, %zu syntax errors\n",
           files.count, expr_count, parsed, 100.0 * (double)parsed / (double)expr_count,
           unsupported, expr_count - parsed - unsupported);
    fflush(stdout);
    cr_expect_geq(parsed * 100, expr_count * 95, "only %zu of %zu expressions parse", parsed,
                  expr_count);

    for (size_t k = 0; k < expr_count; k++)
        free(exprs[k].text);
    free(exprs);
    for (size_t f = 0; f < files.count; f++)
        free(texts[f]);
    free(texts);
    conformance_list_free(&files);
}
