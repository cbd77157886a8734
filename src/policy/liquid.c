/* liquid: template compilation into a node list (liquid.h). Rendering is in
 * liquid_render.c, filters and dates in liquid_filters.c. */
#include "policy/liquid_internal.h"

#include "base/arena.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- positions and errors ---- */

static void set_error(liquid_error_t *err, const char *text, size_t offset, const char *fmt,
                      va_list ap)
{
    if (!err) return;
    err->offset = offset;
    err->line = 1;
    err->col = 1;
    for (size_t i = 0; i < offset && text; i++) {
        if (text[i] == '\n') {
            err->line++;
            err->col = 1;
        } else {
            err->col++;
        }
    }
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

int liquid__fail(liquid__render_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(r->err, r->text, r->offset, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* ---- the parser ---- */

typedef struct {
    liquid_template_t *tpl;
    liquid_error_t *err;
    size_t pos;       /* scanner position in tpl->text */
    bool trim_next;   /* the previous markup ended with '-': strip the next text's left */
    int depth;
    int loop_depth;
    int rc;           /* first error */
} lq_parser_t;

static int perr(lq_parser_t *p, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(lq_parser_t *p, size_t offset, const char *fmt, ...)
{
    if (p->rc == 0) {
        va_list ap;
        va_start(ap, fmt);
        set_error(p->err, p->tpl->text, offset, fmt, ap);
        va_end(ap);
        p->rc = -EINVAL;
    }
    return p->rc;
}

static void *zalloc(lq_parser_t *p, size_t size)
{
    void *ptr = arena_alloc(p->tpl->arena, size);
    if (!ptr) {
        if (p->rc == 0) p->rc = -ENOMEM;
        return NULL;
    }
    memset(ptr, 0, size);
    return ptr;
}

/* A segment of the template: text, {{ output }} or {% tag %}. */
enum { S_END, S_TEXT, S_OUTPUT, S_TAG };
typedef struct {
    int kind;
    size_t start, len; /* text, or the markup inside the delimiters (without '-') */
    size_t offset;     /* the segment's first byte */
} lq_seg_text_t;

/* Finds the end of markup starting at `from` (after "{{" or "{%"), skipping quoted strings:
 * the offset of the closing delimiter, or (size_t)-1. */
static size_t markup_end(const char *t, size_t len, size_t from, char close)
{
    char quote = 0;
    for (size_t i = from; i + 1 < len + 1; i++) {
        if (i >= len) break;
        char c = t[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == close && i + 1 < len && t[i + 1] == '}') {
            return i;
        }
    }
    return (size_t)-1;
}

static lq_seg_text_t scan_next(lq_parser_t *p)
{
    const char *t = p->tpl->text;
    size_t len = p->tpl->len;
    lq_seg_text_t s = {.kind = S_END, .offset = p->pos};
    if (p->pos >= len) return s;
    size_t i = p->pos;
    size_t open = (size_t)-1;
    for (; i + 1 < len; i++) {
        if (t[i] == '{' && (t[i + 1] == '{' || t[i + 1] == '%')) {
            open = i;
            break;
        }
    }
    if (open != p->pos) {
        size_t end = open == (size_t)-1 ? len : open;
        size_t start = p->pos;
        if (p->trim_next)
            while (start < end && isspace((unsigned char)t[start])) start++;
        if (open != (size_t)-1 && open + 2 < len && t[open + 2] == '-')
            while (end > start && isspace((unsigned char)t[end - 1])) end--;
        p->trim_next = false;
        p->pos = open == (size_t)-1 ? len : open;
        s.kind = S_TEXT;
        s.start = start;
        s.len = end - start;
        return s;
    }
    char close = t[open + 1] == '{' ? '}' : '%';
    size_t inner = open + 2;
    if (inner < len && t[inner] == '-') inner++;
    size_t end = markup_end(t, len, inner, close);
    if (end == (size_t)-1) {
        perr(p, open, "'%s' is not closed by '%s'", close == '}' ? "{{" : "{%",
             close == '}' ? "}}" : "%}");
        return s;
    }
    size_t inner_end = end;
    p->trim_next = false;
    if (inner_end > inner && t[inner_end - 1] == '-') {
        inner_end--;
        p->trim_next = true;
    }
    p->pos = end + 2;
    s.kind = close == '}' ? S_OUTPUT : S_TAG;
    s.start = inner;
    s.len = inner_end - inner;
    return s;
}

/* ---- markup tokens ---- */

enum { T_END, T_IDENT, T_STRING, T_NUMBER, T_PUNCT };
typedef struct {
    int type;
    size_t start, len; /* in the template text; T_STRING: inside the quotes */
} lq_tok_t;

typedef struct {
    lq_parser_t *p;
    size_t pos, end;
    lq_tok_t tok; /* current */
} lq_lex_t;

static bool is_ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}
static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static void lex_next(lq_lex_t *lx)
{
    const char *t = lx->p->tpl->text;
    while (lx->pos < lx->end && isspace((unsigned char)t[lx->pos])) lx->pos++;
    lq_tok_t tok = {.type = T_END, .start = lx->pos, .len = 0};
    if (lx->pos >= lx->end) {
        lx->tok = tok;
        return;
    }
    size_t i = lx->pos;
    char c = t[i];
    if (is_ident_start(c)) {
        while (i < lx->end && is_ident_char(t[i])) i++;
        if (i < lx->end && t[i] == '?') i++;
        tok.type = T_IDENT;
        tok.len = i - tok.start;
    } else if (c == '"' || c == '\'') {
        size_t j = i + 1;
        while (j < lx->end && t[j] != c) j++;
        if (j >= lx->end) {
            perr(lx->p, i, "string is not closed");
            lx->tok = tok;
            lx->pos = lx->end;
            return;
        }
        tok.type = T_STRING;
        tok.start = i + 1;
        tok.len = j - i - 1;
        i = j + 1;
    } else if (isdigit((unsigned char)c) ||
               (c == '-' && i + 1 < lx->end && isdigit((unsigned char)t[i + 1]))) {
        i++;
        while (i < lx->end && isdigit((unsigned char)t[i])) i++;
        if (i + 1 < lx->end && t[i] == '.' && isdigit((unsigned char)t[i + 1])) {
            i++;
            while (i < lx->end && isdigit((unsigned char)t[i])) i++;
        }
        tok.type = T_NUMBER;
        tok.len = i - tok.start;
    } else {
        static const char *const two[] = {"..", "==", "!=", "<>", "<=", ">=", NULL};
        tok.type = T_PUNCT;
        tok.len = 1;
        for (size_t k = 0; two[k]; k++)
            if (i + 1 < lx->end && t[i] == two[k][0] && t[i + 1] == two[k][1]) tok.len = 2;
        if (tok.len == 1 && !strchr(".[]()|:,<>=", c)) {
            perr(lx->p, i, "unexpected character '%c'", c);
            lx->pos = lx->end;
            lx->tok = (lq_tok_t){.type = T_END, .start = i};
            return;
        }
        i += tok.len;
    }
    lx->pos = i;
    lx->tok = tok;
}

static void lex_init(lq_lex_t *lx, lq_parser_t *p, size_t start, size_t len)
{
    lx->p = p;
    lx->pos = start;
    lx->end = start + len;
    lex_next(lx);
}

static bool tok_is(const lq_lex_t *lx, int type, const char *s)
{
    if (lx->tok.type != type) return false;
    if (!s) return true;
    size_t n = strlen(s);
    return lx->tok.len == n && memcmp(lx->p->tpl->text + lx->tok.start, s, n) == 0;
}

static bool accept(lq_lex_t *lx, int type, const char *s)
{
    if (!tok_is(lx, type, s)) return false;
    lex_next(lx);
    return true;
}

static int expect(lq_lex_t *lx, int type, const char *s, const char *what)
{
    if (accept(lx, type, s)) return 0;
    return perr(lx->p, lx->tok.start, "expected %s", what);
}

static lq_expr_t *parse_expr(lq_lex_t *lx);

static lq_expr_t *parse_literal_or_var(lq_lex_t *lx)
{
    lq_parser_t *p = lx->p;
    const char *t = p->tpl->text;
    lq_expr_t *e = zalloc(p, sizeof *e);
    if (!e) return NULL;
    e->offset = lx->tok.start;
    lq_tok_t tok = lx->tok;
    if (tok.type == T_STRING) {
        e->kind = E_LIT;
        e->lit = L_STRING;
        e->str = t + tok.start;
        e->str_len = tok.len;
        lex_next(lx);
        if (tok.start > 0) e->offset = tok.start - 1;
        return e;
    }
    if (tok.type == T_NUMBER) {
        char num[64];
        if (tok.len >= sizeof num) {
            perr(p, tok.start, "number too long");
            return NULL;
        }
        memcpy(num, t + tok.start, tok.len);
        num[tok.len] = 0;
        e->kind = E_LIT;
        if (strchr(num, '.')) {
            e->lit = L_REAL;
            e->dval = strtod(num, NULL);
        } else {
            e->lit = L_INT;
            e->ival = strtoll(num, NULL, 10);
        }
        lex_next(lx);
        return e;
    }
    if (tok_is(lx, T_PUNCT, "(")) {
        lex_next(lx);
        e->kind = E_RANGE;
        e->from = parse_expr(lx);
        if (!e->from || expect(lx, T_PUNCT, "..", "'..' in a range")) return NULL;
        e->to = parse_expr(lx);
        if (!e->to || expect(lx, T_PUNCT, ")", "')' closing the range")) return NULL;
        return e;
    }
    if (tok.type != T_IDENT) {
        perr(p, tok.start, tok.type == T_END ? "expected a value" : "unexpected '%.*s'",
             (int)tok.len, t + tok.start);
        return NULL;
    }
    static const struct {
        const char *word;
        int kind;
        int lit; /* 0 nil, 1 true, 2 false */
    } words[] = {{"true", E_LIT, 1},  {"false", E_LIT, 2},   {"nil", E_LIT, 0},
                 {"null", E_LIT, 0},  {"empty", E_EMPTY, 0}, {"blank", E_BLANK, 0}};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
        if (tok_is(lx, T_IDENT, words[k].word)) {
            lex_next(lx);
            e->kind = words[k].kind;
            if (e->kind == E_LIT)
                e->lit = words[k].lit == 1 ? L_TRUE : words[k].lit == 2 ? L_FALSE : L_NIL;
            return e;
        }
    }
    e->kind = E_VAR;
    e->root = t + tok.start;
    e->root_len = tok.len;
    lex_next(lx);
    size_t cap = 0;
    for (;;) {
        lq_seg_t seg = {0};
        if (tok_is(lx, T_PUNCT, ".")) {
            lex_next(lx);
            if (lx->tok.type != T_IDENT) {
                perr(p, lx->tok.start, "expected a member name after '.'");
                return NULL;
            }
            seg.name = t + lx->tok.start;
            seg.len = lx->tok.len;
            lex_next(lx);
        } else if (tok_is(lx, T_PUNCT, "[")) {
            lex_next(lx);
            seg.index = parse_expr(lx);
            if (!seg.index || expect(lx, T_PUNCT, "]", "']'")) return NULL;
        } else {
            break;
        }
        if (e->seg_count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            lq_seg_t *segs = zalloc(p, ncap * sizeof *segs);
            if (!segs) return NULL;
            if (cap) memcpy(segs, e->segs, cap * sizeof *segs);
            e->segs = segs;
            cap = ncap;
        }
        e->segs[e->seg_count++] = seg;
    }
    return e;
}

static lq_expr_t *parse_expr(lq_lex_t *lx)
{
    if (lx->p->rc) return NULL;
    return parse_literal_or_var(lx);
}

/* Appends to a growing arena array (copying: arenas do not realloc). */
static void *grow(lq_parser_t *p, void *items, size_t count, size_t *cap, size_t size)
{
    if (count < *cap) return items;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *n = zalloc(p, ncap * size);
    if (!n) return NULL;
    if (count) memcpy(n, items, count * size);
    *cap = ncap;
    return n;
}

static int parse_filtered(lq_lex_t *lx, lq_filtered_t *out)
{
    lq_parser_t *p = lx->p;
    out->expr = parse_expr(lx);
    if (!out->expr) return p->rc;
    size_t cap = 0;
    while (accept(lx, T_PUNCT, "|")) {
        if (lx->tok.type != T_IDENT) return perr(p, lx->tok.start, "expected a filter name");
        lq_call_t call = {.offset = lx->tok.start};
        call.def = liquid__filter_find(p->tpl->text + lx->tok.start, lx->tok.len);
        if (!call.def)
            return perr(p, lx->tok.start, "unknown filter '%.*s'", (int)lx->tok.len,
                        p->tpl->text + lx->tok.start);
        lex_next(lx);
        size_t acap = 0;
        if (accept(lx, T_PUNCT, ":")) {
            do {
                lq_expr_t *a = parse_expr(lx);
                if (!a) return p->rc;
                call.args = grow(p, call.args, call.argc, &acap, sizeof *call.args);
                if (!call.args) return p->rc;
                call.args[call.argc++] = a;
            } while (accept(lx, T_PUNCT, ","));
        }
        if (call.argc < call.def->min_args || call.argc > call.def->max_args)
            return perr(p, call.offset, "filter '%s' takes %u to %u argument(s), not %zu",
                        call.def->name, call.def->min_args, call.def->max_args, call.argc);
        out->calls = grow(p, out->calls, out->call_count, &cap, sizeof *out->calls);
        if (!out->calls) return p->rc;
        out->calls[out->call_count++] = call;
    }
    return p->rc;
}

static lq_cond_t *parse_cond(lq_lex_t *lx)
{
    static const struct {
        const char *op;
        int code;
    } ops[] = {{"==", C_EQ}, {"!=", C_NE}, {"<>", C_NE}, {"<=", C_LE},
               {">=", C_GE}, {"<", C_LT},  {">", C_GT}};
    lq_parser_t *p = lx->p;
    lq_cond_t *c = zalloc(p, sizeof *c);
    if (!c) return NULL;
    c->op = C_TRUTHY;
    c->lhs = parse_expr(lx);
    if (!c->lhs) return NULL;
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (tok_is(lx, T_PUNCT, ops[k].op)) c->op = ops[k].code;
    if (c->op == C_TRUTHY && tok_is(lx, T_IDENT, "contains")) c->op = C_CONTAINS;
    if (c->op != C_TRUTHY) {
        lex_next(lx);
        c->rhs = parse_expr(lx);
        if (!c->rhs) return NULL;
    }
    int logic = tok_is(lx, T_IDENT, "and") ? C_AND : tok_is(lx, T_IDENT, "or") ? C_OR : 0;
    if (!logic) return c;
    lex_next(lx);
    /* Liquid evaluates and/or from right to left: `a or b and c` is `a or (b and c)`. */
    lq_cond_t *both = zalloc(p, sizeof *both);
    if (!both) return NULL;
    both->op = logic;
    both->left = c;
    both->right = parse_cond(lx);
    return both->right ? both : NULL;
}

static int expect_end(lq_lex_t *lx, const char *tag)
{
    if (lx->tok.type == T_END) return lx->p->rc;
    return perr(lx->p, lx->tok.start, "unexpected '%.*s' in '%s'", (int)lx->tok.len,
                lx->p->tpl->text + lx->tok.start, tag);
}

/* A tag's name and the lexer over the rest of its markup. */
typedef struct {
    size_t offset;
    const char *name;
    size_t name_len;
    lq_lex_t lx;
} lq_tag_t;

static bool tag_is(const lq_tag_t *tag, const char *name)
{
    return tag->name_len == strlen(name) && memcmp(tag->name, name, tag->name_len) == 0;
}

static int open_tag(lq_parser_t *p, const lq_seg_text_t *s, lq_tag_t *tag)
{
    lex_init(&tag->lx, p, s->start, s->len);
    tag->offset = s->offset;
    if (tag->lx.tok.type != T_IDENT) return perr(p, s->offset, "expected a tag name");
    tag->name = p->tpl->text + tag->lx.tok.start;
    tag->name_len = tag->lx.tok.len;
    lex_next(&tag->lx);
    return p->rc;
}

/* Skips raw text up to {% <end> %}; the skipped text (for raw) in *start and *len. */
static int skip_to(lq_parser_t *p, const char *end_name, size_t tag_offset, size_t *start,
                   size_t *len)
{
    const char *t = p->tpl->text;
    size_t from = p->pos;
    for (size_t i = from; i + 1 < p->tpl->len; i++) {
        if (t[i] != '{' || t[i + 1] != '%') continue;
        size_t j = i + 2;
        if (j < p->tpl->len && t[j] == '-') j++;
        while (j < p->tpl->len && isspace((unsigned char)t[j])) j++;
        size_t n = strlen(end_name);
        if (j + n > p->tpl->len || memcmp(t + j, end_name, n) != 0) continue;
        size_t close = markup_end(t, p->tpl->len, j + n, '%');
        if (close == (size_t)-1) break;
        *start = from;
        *len = i - from;
        p->trim_next = close > 0 && t[close - 1] == '-';
        p->pos = close + 2;
        return 0;
    }
    return perr(p, tag_offset, "'{%% %.*s %%}' is not closed by '{%% %s %%}'",
                (int)(strlen(end_name) - 3), end_name + 3, end_name);
}

/* Parses nodes until a tag named in `ends` (NULL-terminated; NULL: the end of the text).
 * The closing tag is left in *closing (its lexer after the name). */
static lq_node_t *parse_body(lq_parser_t *p, const char *const *ends, lq_tag_t *closing,
                             size_t open_offset, const char *open_name);

static lq_node_t *new_node(lq_parser_t *p, int kind, size_t offset)
{
    lq_node_t *n = zalloc(p, sizeof *n);
    if (n) {
        n->kind = kind;
        n->offset = offset;
    }
    return n;
}

static lq_node_t *parse_if(lq_parser_t *p, lq_tag_t *tag, bool is_unless)
{
    lq_node_t *n = new_node(p, N_IF, tag->offset);
    if (!n) return NULL;
    static const char *const ends_if[] = {"elsif", "else", "endif", NULL};
    static const char *const ends_unless[] = {"elsif", "else", "endunless", NULL};
    const char *const *ends = is_unless ? ends_unless : ends_if;
    const char *end_name = is_unless ? "endunless" : "endif";
    lq_branch_t **tail = &n->branches;
    lq_tag_t cur = *tag;
    bool negate = is_unless;
    for (;;) {
        lq_branch_t *b = zalloc(p, sizeof *b);
        if (!b) return NULL;
        b->negate = negate;
        negate = false;
        b->cond = parse_cond(&cur.lx);
        if (!b->cond || expect_end(&cur.lx, is_unless ? "unless" : "if")) return NULL;
        lq_tag_t closing;
        b->body = parse_body(p, ends, &closing, tag->offset, is_unless ? "unless" : "if");
        if (p->rc) return NULL;
        *tail = b;
        tail = &b->next;
        if (tag_is(&closing, "elsif")) {
            cur = closing;
            continue;
        }
        if (tag_is(&closing, "else")) {
            if (expect_end(&closing.lx, "else")) return NULL;
            static const char *const ends_else_if[] = {"endif", NULL};
            static const char *const ends_else_unless[] = {"endunless", NULL};
            n->else_body = parse_body(p, is_unless ? ends_else_unless : ends_else_if, &closing,
                                      tag->offset, is_unless ? "unless" : "if");
            if (p->rc) return NULL;
        }
        if (expect_end(&closing.lx, end_name)) return NULL;
        return n;
    }
}

static lq_node_t *parse_case(lq_parser_t *p, lq_tag_t *tag)
{
    lq_node_t *n = new_node(p, N_CASE, tag->offset);
    if (!n) return NULL;
    n->subject = parse_expr(&tag->lx);
    if (!n->subject || expect_end(&tag->lx, "case")) return NULL;
    static const char *const ends[] = {"when", "else", "endcase", NULL};
    lq_tag_t closing;
    /* Text between {% case %} and the first {% when %} is ignored, as Liquid does. */
    lq_node_t *ignored = parse_body(p, ends, &closing, tag->offset, "case");
    (void)ignored;
    if (p->rc) return NULL;
    lq_branch_t **tail = &n->branches;
    while (tag_is(&closing, "when")) {
        lq_branch_t *b = zalloc(p, sizeof *b);
        if (!b) return NULL;
        size_t cap = 0;
        do {
            lq_expr_t *v = parse_expr(&closing.lx);
            if (!v) return NULL;
            b->whens = grow(p, b->whens, b->when_count, &cap, sizeof *b->whens);
            if (!b->whens) return NULL;
            b->whens[b->when_count++] = v;
        } while (accept(&closing.lx, T_PUNCT, ",") || accept(&closing.lx, T_IDENT, "or"));
        if (expect_end(&closing.lx, "when")) return NULL;
        b->body = parse_body(p, ends, &closing, tag->offset, "case");
        if (p->rc) return NULL;
        *tail = b;
        tail = &b->next;
    }
    if (tag_is(&closing, "else")) {
        if (expect_end(&closing.lx, "else")) return NULL;
        static const char *const ends_else[] = {"endcase", NULL};
        n->else_body = parse_body(p, ends_else, &closing, tag->offset, "case");
        if (p->rc) return NULL;
    }
    if (expect_end(&closing.lx, "endcase")) return NULL;
    return n;
}

static lq_node_t *parse_for(lq_parser_t *p, lq_tag_t *tag)
{
    lq_node_t *n = new_node(p, N_FOR, tag->offset);
    if (!n) return NULL;
    lq_lex_t *lx = &tag->lx;
    if (lx->tok.type != T_IDENT) {
        perr(p, lx->tok.start, "expected a variable name after 'for'");
        return NULL;
    }
    n->name = p->tpl->text + lx->tok.start;
    n->name_len = lx->tok.len;
    lex_next(lx);
    if (expect(lx, T_IDENT, "in", "'in'")) return NULL;
    n->collection = parse_expr(lx);
    if (!n->collection) return NULL;
    for (;;) {
        if (accept(lx, T_IDENT, "reversed")) {
            n->reversed = true;
        } else if (accept(lx, T_IDENT, "limit")) {
            if (expect(lx, T_PUNCT, ":", "':' after 'limit'")) return NULL;
            if (!(n->limit = parse_expr(lx))) return NULL;
        } else if (accept(lx, T_IDENT, "offset")) {
            if (expect(lx, T_PUNCT, ":", "':' after 'offset'")) return NULL;
            if (!(n->skip = parse_expr(lx))) return NULL;
        } else {
            break;
        }
        accept(lx, T_PUNCT, ",");
    }
    if (expect_end(lx, "for")) return NULL;
    static const char *const ends[] = {"else", "endfor", NULL};
    lq_tag_t closing;
    p->loop_depth++;
    n->body = parse_body(p, ends, &closing, tag->offset, "for");
    p->loop_depth--;
    if (p->rc) return NULL;
    if (tag_is(&closing, "else")) {
        if (expect_end(&closing.lx, "else")) return NULL;
        static const char *const ends_else[] = {"endfor", NULL};
        n->else_body = parse_body(p, ends_else, &closing, tag->offset, "for");
        if (p->rc) return NULL;
    }
    if (expect_end(&closing.lx, "endfor")) return NULL;
    return n;
}

static lq_node_t *parse_tag(lq_parser_t *p, lq_tag_t *tag)
{
    if (tag_is(tag, "if")) return parse_if(p, tag, false);
    if (tag_is(tag, "unless")) return parse_if(p, tag, true);
    if (tag_is(tag, "case")) return parse_case(p, tag);
    if (tag_is(tag, "for")) return parse_for(p, tag);
    if (tag_is(tag, "assign")) {
        lq_node_t *n = new_node(p, N_ASSIGN, tag->offset);
        if (!n) return NULL;
        if (tag->lx.tok.type != T_IDENT) {
            perr(p, tag->lx.tok.start, "expected a variable name after 'assign'");
            return NULL;
        }
        n->name = p->tpl->text + tag->lx.tok.start;
        n->name_len = tag->lx.tok.len;
        lex_next(&tag->lx);
        if (expect(&tag->lx, T_PUNCT, "=", "'=' in 'assign'")) return NULL;
        if (parse_filtered(&tag->lx, &n->value) || expect_end(&tag->lx, "assign")) return NULL;
        return n;
    }
    if (tag_is(tag, "echo")) {
        lq_node_t *n = new_node(p, N_OUTPUT, tag->offset);
        if (!n || parse_filtered(&tag->lx, &n->value) || expect_end(&tag->lx, "echo"))
            return NULL;
        return n;
    }
    if (tag_is(tag, "capture")) {
        lq_node_t *n = new_node(p, N_CAPTURE, tag->offset);
        if (!n) return NULL;
        if (tag->lx.tok.type != T_IDENT && tag->lx.tok.type != T_STRING) {
            perr(p, tag->lx.tok.start, "expected a variable name after 'capture'");
            return NULL;
        }
        n->name = p->tpl->text + tag->lx.tok.start;
        n->name_len = tag->lx.tok.len;
        lex_next(&tag->lx);
        if (expect_end(&tag->lx, "capture")) return NULL;
        static const char *const ends[] = {"endcapture", NULL};
        lq_tag_t closing;
        n->body = parse_body(p, ends, &closing, tag->offset, "capture");
        if (p->rc || expect_end(&closing.lx, "endcapture")) return NULL;
        return n;
    }
    if (tag_is(tag, "break") || tag_is(tag, "continue")) {
        if (p->loop_depth == 0) {
            perr(p, tag->offset, "'%.*s' outside a 'for' loop", (int)tag->name_len, tag->name);
            return NULL;
        }
        lq_node_t *n = new_node(p, tag_is(tag, "break") ? N_BREAK : N_CONTINUE, tag->offset);
        if (!n || expect_end(&tag->lx, "break")) return NULL;
        return n;
    }
    if (tag_is(tag, "raw") || tag_is(tag, "comment")) {
        bool is_raw = tag_is(tag, "raw");
        size_t start = 0, len = 0;
        if (skip_to(p, is_raw ? "endraw" : "endcomment", tag->offset, &start, &len)) return NULL;
        lq_node_t *n = new_node(p, N_TEXT, start);
        if (!n) return NULL;
        if (is_raw) {
            n->text = p->tpl->text + start;
            n->len = len;
        }
        return n;
    }
    static const char *const closers[] = {"elsif", "else", "when", "endif", "endunless",
                                          "endcase", "endfor", "endcapture", "endraw",
                                          "endcomment", NULL};
    for (size_t k = 0; closers[k]; k++)
        if (tag_is(tag, closers[k])) {
            perr(p, tag->offset, "'%s' without its opening tag", closers[k]);
            return NULL;
        }
    perr(p, tag->offset, "unknown tag '%.*s'", (int)tag->name_len, tag->name);
    return NULL;
}

static lq_node_t *parse_body(lq_parser_t *p, const char *const *ends, lq_tag_t *closing,
                             size_t open_offset, const char *open_name)
{
    lq_node_t *head = NULL, **tail = &head;
    if (++p->depth > LIQUID_MAX_DEPTH) {
        perr(p, open_offset, "blocks nested deeper than %d", LIQUID_MAX_DEPTH);
        return NULL;
    }
    for (;;) {
        lq_seg_text_t s = scan_next(p);
        if (p->rc) return NULL;
        lq_node_t *n = NULL;
        if (s.kind == S_END) {
            if (ends) {
                perr(p, open_offset, "'%s' is not closed", open_name);
                return NULL;
            }
            break;
        }
        if (s.kind == S_TEXT) {
            if (s.len == 0) continue;
            n = new_node(p, N_TEXT, s.start);
            if (!n) return NULL;
            n->text = p->tpl->text + s.start;
            n->len = s.len;
        } else if (s.kind == S_OUTPUT) {
            n = new_node(p, N_OUTPUT, s.offset);
            if (!n) return NULL;
            lq_lex_t lx;
            lex_init(&lx, p, s.start, s.len);
            if (parse_filtered(&lx, &n->value) || expect_end(&lx, "{{ }}")) return NULL;
        } else {
            lq_tag_t tag;
            if (open_tag(p, &s, &tag)) return NULL;
            bool is_end = false;
            for (size_t k = 0; ends && ends[k]; k++) is_end |= tag_is(&tag, ends[k]);
            if (is_end) {
                *closing = tag;
                break;
            }
            n = parse_tag(p, &tag);
            if (!n) {
                if (p->rc == 0) p->rc = -ENOMEM;
                return NULL;
            }
        }
        *tail = n;
        tail = &n->next;
    }
    p->depth--;
    return head;
}

static int compile_into(liquid_template_t *tpl, const char *text, size_t len,
                        liquid_error_t *err)
{
    tpl->text = arena_strndup(tpl->arena, text ? text : "", len);
    tpl->len = len;
    if (!tpl->text) return -ENOMEM;
    lq_parser_t p = {.tpl = tpl, .err = err};
    tpl->root = parse_body(&p, NULL, NULL, 0, NULL);
    return p.rc;
}

int liquid_compile(const char *text, size_t len, liquid_template_t **out, liquid_error_t *err)
{
    liquid_template_t *tpl = calloc(1, sizeof *tpl);
    if (!tpl) return -ENOMEM;
    arena_init(&tpl->own_arena, 16 * 1024);
    tpl->arena = &tpl->own_arena;
    int rc = compile_into(tpl, text, len, err);
    if (rc) {
        liquid_free(tpl);
        return rc;
    }
    *out = tpl;
    return 0;
}

int liquid_compile_in(arena_t *arena, const char *text, size_t len, liquid_template_t **out,
                      liquid_error_t *err)
{
    liquid_template_t *tpl = arena_alloc(arena, sizeof *tpl);
    if (!tpl) return -ENOMEM;
    memset(tpl, 0, sizeof *tpl);
    tpl->arena = arena;
    int rc = compile_into(tpl, text, len, err);
    if (rc) return rc;
    *out = tpl;
    return 0;
}

void liquid_free(liquid_template_t *tpl)
{
    if (!tpl || tpl->arena != &tpl->own_arena) return;
    arena_free(&tpl->own_arena);
    free(tpl);
}

