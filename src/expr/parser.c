/* expr_parse: entry point, token cursor, node and list helpers (see parser.h). The
 * grammar lives in parser_type.c, parser_expr.c and parser_stmt.c. */
#include "expr/parser_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ---- */

void *pp_fail(expr_parser_t *p, int code, expr_pos_t pos, const char *fmt, ...)
{
    if (p->failed) return NULL;
    p->failed = code;
    if (p->err) {
        p->err->code = code;
        p->err->pos = pos;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

void *pp_fail_expected(expr_parser_t *p, const char *what)
{
    const expr_token_t *t = pp_tok(p);
    if (t->kind == EXPR_TOK_IDENT)
        return pp_fail(p, EXPR_ERR_SYNTAX, t->pos, "expected %s, found '%s'", what, t->v.text.ptr);
    return pp_fail(p, EXPR_ERR_SYNTAX, t->pos, "expected %s, found %s", what,
                   expr_tok_describe(t->kind));
}

bool pp_enter(expr_parser_t *p)
{
    if (p->failed) return false;
    if (p->depth >= p->max_recursion) {
        pp_fail(p, EXPR_ERR_LIMIT, pp_tok(p)->pos, "nested too deeply (limit %u levels)",
                p->max_depth);
        return false;
    }
    p->depth++;
    return true;
}

/* ---- tokens ---- */

bool pp_is_contextual(const expr_parser_t *p, uint32_t index, const char *name)
{
    if (pp_kind_at(p, index) != EXPR_TOK_IDENT) return false;
    const expr_token_t *t = &p->toks[index];
    return !(t->flags & EXPR_TOKF_VERBATIM) && strcmp(t->v.text.ptr, name) == 0;
}

bool pp_accept(expr_parser_t *p, expr_tok_t kind)
{
    if (!pp_at(p, kind)) return false;
    p->i++;
    return true;
}

bool pp_expect(expr_parser_t *p, expr_tok_t kind, const char *what)
{
    if (pp_accept(p, kind)) return true;
    pp_fail_expected(p, what ? what : expr_tok_describe(kind));
    return false;
}

bool pp_adjacent(const expr_parser_t *p, uint32_t a)
{
    if (a + 1 >= p->count) return false;
    const expr_token_t *x = &p->toks[a], *y = &p->toks[a + 1];
    return x->pos.offset + x->pos.len == y->pos.offset;
}

/* ---- nodes ---- */

expr_node_t *pp_node(expr_parser_t *p, expr_kind_t kind, uint32_t start)
{
    if (p->failed) return NULL;
    expr_node_t *n = arena_alloc(p->arena, sizeof *n);
    if (!n) return pp_fail(p, EXPR_ERR_NOMEM, pp_tok(p)->pos, "out of memory");
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    const expr_token_t *t = &p->toks[start < p->count ? start : p->count - 1];
    n->pos = t->pos;
    n->pos.len = 0;
    return n;
}

expr_node_t *pp_node_from(expr_parser_t *p, expr_kind_t kind, const expr_node_t *first)
{
    expr_node_t *n = pp_node(p, kind, p->i);
    if (n) {
        n->pos = first->pos;
        n->pos.len = 0;
    }
    return n;
}

static void tallest(const expr_node_t *child, void *ctx)
{
    uint32_t *h = ctx;
    if (child->height > *h) *h = child->height;
}

expr_node_t *pp_done(expr_parser_t *p, expr_node_t *n)
{
    if (!n || p->failed) return NULL;
    if (p->i > 0) {
        const expr_token_t *last = &p->toks[p->i - 1];
        uint32_t end = last->pos.offset + last->pos.len;
        if (end > n->pos.offset) n->pos.len = end - n->pos.offset;
    }
    uint32_t h = 0;
    expr_ast_for_each_child(n, tallest, &h);
    if (h + 1 > p->max_depth)
        return pp_fail(p, EXPR_ERR_LIMIT, n->pos, "nested too deeply (limit %u levels)",
                       p->max_depth);
    n->height = (uint16_t)(h + 1);
    return n;
}

/* ---- lists ---- */

uint32_t pp_list_mark(const expr_parser_t *p)
{
    return p->sp;
}

bool pp_list_push(expr_parser_t *p, expr_node_t *item)
{
    if (p->failed || !item) return false;
    if (p->sp == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 64;
        expr_node_t **s = realloc(p->stack, cap * sizeof *s);
        if (!s) {
            pp_fail(p, EXPR_ERR_NOMEM, pp_tok(p)->pos, "out of memory");
            return false;
        }
        p->stack = s;
        p->cap = cap;
    }
    p->stack[p->sp++] = item;
    return true;
}

expr_list_t pp_list_take(expr_parser_t *p, uint32_t mark)
{
    expr_list_t l = {NULL, 0};
    uint32_t n = p->sp - mark;
    if (n && !p->failed) {
        l.items = arena_alloc(p->arena, n * sizeof *l.items);
        if (!l.items) {
            pp_fail(p, EXPR_ERR_NOMEM, pp_tok(p)->pos, "out of memory");
        } else {
            memcpy(l.items, p->stack + mark, n * sizeof *l.items);
            l.count = n;
        }
    }
    p->sp = mark;
    return l;
}

void pp_list_drop(expr_parser_t *p, uint32_t mark)
{
    p->sp = mark;
}

slice_t pp_copy_name(expr_parser_t *p, const expr_token_t *t)
{
    (void)p;
    /* The lexer already copied identifiers into the arena. */
    return t->v.text;
}

/* ---- entry ---- */

static int lex_all(expr_parser_t *p, const char *text, size_t len, const expr_origin_t *origin)
{
    expr_lexer_t lx;
    expr_lex_init(&lx, p->arena, text, len, origin);
    uint32_t cap = 0;
    for (;;) {
        if (p->count == cap) {
            cap = cap ? cap * 2 : 64;
            expr_token_t *t = realloc(p->toks, cap * sizeof *t);
            if (!t) {
                expr_pos_t at = {origin ? origin->offset : 0, 0, 1, 1};
                return expr_error_set(p->err, EXPR_ERR_NOMEM, at, "out of memory");
            }
            p->toks = t;
        }
        expr_token_t *t = &p->toks[p->count];
        int rc = expr_lex_next(&lx, t, p->err);
        if (rc) return rc;
        p->count++;
        if (t->kind == EXPR_TOK_EOF) return 0;
    }
}

static expr_tok_t closer_of(expr_tok_t open)
{
    switch (open) {
    case EXPR_TOK_LPAREN:
        return EXPR_TOK_RPAREN;
    case EXPR_TOK_LBRACKET:
    case EXPR_TOK_QUESTION_BRACKET:
        return EXPR_TOK_RBRACKET;
    case EXPR_TOK_LBRACE:
        return EXPR_TOK_RBRACE;
    case EXPR_TOK_INTERP_START:
        return EXPR_TOK_INTERP_END;
    case EXPR_TOK_INTERP_HOLE_START:
        return EXPR_TOK_INTERP_HOLE_END;
    default:
        return EXPR_TOK_EOF;
    }
}

/* Pairs brackets once, so that lambda and cast detection look ahead in O(1). An
 * unbalanced closer is left unpaired; the grammar reports it where it is met. */
static int match_brackets(expr_parser_t *p)
{
    p->match = malloc(p->count * sizeof *p->match);
    uint32_t *open = malloc(p->count * sizeof *open);
    if (!p->match || !open) {
        free(open);
        return expr_error_set(p->err, EXPR_ERR_NOMEM, p->toks[0].pos, "out of memory");
    }
    uint32_t n = 0;
    for (uint32_t k = 0; k < p->count; k++) {
        p->match[k] = -1;
        expr_tok_t kind = (expr_tok_t)p->toks[k].kind;
        if (closer_of(kind) != EXPR_TOK_EOF) {
            open[n++] = k;
        } else if (n && closer_of((expr_tok_t)p->toks[open[n - 1]].kind) == kind) {
            p->match[open[--n]] = (int32_t)k;
        }
    }
    free(open);
    return 0;
}

int expr_parse(arena_t *arena, const char *text, size_t len, const expr_parse_options_t *opts,
               expr_node_t **root, expr_error_t *err)
{
    static const expr_parse_options_t defaults = {0};
    if (!opts) opts = &defaults;
    expr_error_t scratch;
    expr_parser_t p = {
        .arena = arena,
        .max_depth = opts->max_depth ? opts->max_depth : EXPR_PARSE_DEFAULT_MAX_DEPTH,
        .err = err ? err : &scratch,
    };
    p.max_recursion = p.max_depth * EXPR_RECURSION_PER_LEVEL;
    *root = NULL;
    expr_origin_t origin = opts->origin;
    expr_pos_t at0 = {origin.offset, 0, origin.line ? origin.line : 1, origin.col ? origin.col : 1};
    size_t skip = 0;
    if (opts->mode == EXPR_PARSE_POLICY) {
        /* §3.1: a policy value is an expression only when it starts with @( or @{. */
        if (len < 2 || text[0] != '@' || (text[1] != '(' && text[1] != '{'))
            return expr_error_set(p.err, EXPR_ERR_SYNTAX, at0,
                                  "a policy expression starts with '@(' or '@{'");
        skip = 1;
        origin.offset += 1;
        origin.col = at0.col + 1;
        origin.line = at0.line;
    }
    int rc = lex_all(&p, text + skip, len - skip, &origin);
    if (rc == 0) rc = match_brackets(&p);
    if (rc) {
        free(p.toks);
        free(p.match);
        return rc;
    }
    expr_node_t *result = NULL;
    if (opts->mode == EXPR_PARSE_STATEMENTS) {
        result = pp_parse_statements(&p, 0, EXPR_TOK_EOF);
    } else if (opts->mode == EXPR_PARSE_EXPRESSION) {
        if (pp_at(&p, EXPR_TOK_EOF))
            pp_fail(&p, EXPR_ERR_SYNTAX, pp_tok(&p)->pos, "empty expression");
        else
            result = pp_parse_expression(&p);
    } else if (pp_at(&p, EXPR_TOK_LBRACE)) {
        result = pp_parse_block(&p);
    } else {
        pp_expect(&p, EXPR_TOK_LPAREN, NULL);
        if (pp_at(&p, EXPR_TOK_RPAREN))
            pp_fail(&p, EXPR_ERR_SYNTAX, pp_tok(&p)->pos, "empty expression");
        else
            result = pp_parse_expression(&p);
        if (result && pp_at(&p, EXPR_TOK_COMMA))
            pp_fail(&p, EXPR_ERR_UNSUPPORTED, pp_tok(&p)->pos,
                    "tuple expressions are not supported");
        pp_expect(&p, EXPR_TOK_RPAREN, "')' closing the expression");
    }
    if (result && !pp_at(&p, EXPR_TOK_EOF)) {
        if (opts->mode == EXPR_PARSE_POLICY)
            pp_fail(&p, EXPR_ERR_SYNTAX, pp_tok(&p)->pos,
                    "unexpected %s after the end of the expression",
                    expr_tok_describe(pp_kind(&p)));
        else
            pp_fail_expected(&p, "end of expression");
    }
    free(p.toks);
    free(p.match);
    free(p.stack);
    if (p.failed) return p.failed;
    *root = result;
    return 0;
}
