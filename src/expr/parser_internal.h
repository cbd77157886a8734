/* Shared state and helpers of the expression parser (parser.c, parser_type.c,
 * parser_expr.c, parser_stmt.c). Not part of the module's contract: include parser.h. */
#ifndef MERIDIAN_EXPR_PARSER_INTERNAL_H
#define MERIDIAN_EXPR_PARSER_INTERNAL_H

#include "expr/parser.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    arena_t *arena;
    expr_token_t *toks; /* the whole input, lexed up front; ends with EXPR_TOK_EOF */
    uint32_t count;
    int32_t *match; /* for an opening bracket, the index of its closer, else -1 */
    uint32_t i;     /* current token */
    /* A "?[" token in a type is a nullable '?' followed by an array rank's '['; once the
     * '?' has been taken this is set and the token reads as '['. */
    bool qbracket_split;
    unsigned depth, max_depth; /* max_depth limits the tree's height */
    unsigned max_recursion;    /* EXPR_RECURSION_PER_LEVEL * max_depth */
    int failed;                /* 0, or the code of the first error */
    expr_error_t *err;
    expr_node_t **stack; /* list builder: items of the lists being built, innermost last */
    uint32_t sp, cap;
} expr_parser_t;

/* ---- tokens (parser.c) ---- */

static inline const expr_token_t *pp_tok(const expr_parser_t *p)
{
    return &p->toks[p->i];
}

static inline expr_tok_t pp_kind_at(const expr_parser_t *p, uint32_t index)
{
    return index < p->count ? (expr_tok_t)p->toks[index].kind : EXPR_TOK_EOF;
}

static inline expr_tok_t pp_kind(const expr_parser_t *p)
{
    return pp_kind_at(p, p->i);
}

static inline expr_tok_t pp_peek(const expr_parser_t *p, uint32_t ahead)
{
    return pp_kind_at(p, p->i + ahead);
}

static inline bool pp_at(const expr_parser_t *p, expr_tok_t kind)
{
    return pp_kind(p) == kind;
}

/* The identifier at index (a contextual keyword check): true when it is spelled `name`
 * and was not written verbatim (@var is a plain name). */
bool pp_is_contextual(const expr_parser_t *p, uint32_t index, const char *name);

/* Consumes the current token when it is `kind`. */
bool pp_accept(expr_parser_t *p, expr_tok_t kind);
/* Consumes `kind` or records "expected X, found Y" (`what` overrides X when not NULL). */
bool pp_expect(expr_parser_t *p, expr_tok_t kind, const char *what);
/* True when the tokens at a and a+1 touch (no space between): '>' '>' makes a shift. */
bool pp_adjacent(const expr_parser_t *p, uint32_t a);

/* Records the first error; returns NULL so callers can `return pp_fail(...)`. */
void *pp_fail(expr_parser_t *p, int code, expr_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "expected <what>, found <current token>" at the current token. */
void *pp_fail_expected(expr_parser_t *p, const char *what);

/* Reading back a printed tree of height h takes at most 3 guarded calls per level (a
 * parenthesis, the operator, the operand), so the recursion budget is a multiple of the
 * height limit: whatever the parser returned, it also reads back from print. */
#define EXPR_RECURSION_PER_LEVEL 4

/* Recursion guard: false (error recorded) when nesting exceeds max_recursion. */
bool pp_enter(expr_parser_t *p);
static inline void pp_leave(expr_parser_t *p)
{
    p->depth--;
}

/* ---- nodes and lists (parser.c) ---- */

/* A zeroed node starting at token `start`. */
expr_node_t *pp_node(expr_parser_t *p, expr_kind_t kind, uint32_t start);
/* A zeroed node starting where `first` starts (for nodes built around an operand). */
expr_node_t *pp_node_from(expr_parser_t *p, expr_kind_t kind, const expr_node_t *first);
/* Finishes a node: its span runs to the end of the last consumed token, its height is
 * computed and checked against the depth limit. Returns n, or NULL on error. */
expr_node_t *pp_done(expr_parser_t *p, expr_node_t *n);

uint32_t pp_list_mark(const expr_parser_t *p);
bool pp_list_push(expr_parser_t *p, expr_node_t *item);
/* The items pushed since `mark`, copied into the arena; pops them. */
expr_list_t pp_list_take(expr_parser_t *p, uint32_t mark);
/* Pops items pushed since `mark` (on an error path). */
void pp_list_drop(expr_parser_t *p, uint32_t mark);
slice_t pp_copy_name(expr_parser_t *p, const expr_token_t *t);

/* ---- types (parser_type.c) ---- */

typedef enum {
    PP_TYPE_PLAIN, /* '?' always makes a nullable type */
    PP_TYPE_LOCAL, /* like PLAIN, and `var` is the implicit type */
    PP_TYPE_IS_AS, /* after is/as: '?' is nullable only if no expression can follow */
} pp_type_ctx_t;

#define PP_SCAN_MUST_BE_TYPE 0x1 /* predefined, array or nullable: not an expression */
#define PP_SCAN_GENERIC 0x2      /* has type arguments */

/* Speculative: is there a type at token `at`? Returns the index after it (0 if none) and
 * sets *flags. Consumes nothing, allocates nothing. */
uint32_t pp_scan_type(const expr_parser_t *p, uint32_t at, unsigned *flags);
/* Speculative: a type-argument list starting at the '<' at `at`; index after '>' or 0. */
uint32_t pp_scan_type_args(const expr_parser_t *p, uint32_t at);
/* C# §7.6.4.2: after a possible type-argument list, these tokens keep it one. */
bool pp_type_args_may_follow(expr_tok_t kind);

expr_node_t *pp_parse_type(expr_parser_t *p, pp_type_ctx_t ctx);
/* A type without trailing '?' or ranks (the T of new T[...], new T?(...)). */
expr_node_t *pp_parse_non_array_type(expr_parser_t *p, pp_type_ctx_t ctx);
/* Parses '<' types '>' into a list (the caller has checked with pp_scan_type_args). */
bool pp_parse_type_args(expr_parser_t *p, expr_list_t *out);
/* Rank specifiers [] [,] ... after an element type: wraps `element` in array types. */
expr_node_t *pp_parse_rank_specifiers(expr_parser_t *p, expr_node_t *element);
/* new T?(...) / new T?[n]: wraps *type in a nullable type when a '?' follows. */
bool pp_take_new_nullable(expr_parser_t *p, expr_node_t **type);
bool pp_at_lbracket(const expr_parser_t *p);
void pp_take_lbracket(expr_parser_t *p);

/* ---- expressions (parser_expr.c) ---- */

expr_node_t *pp_parse_expression(expr_parser_t *p);
/* An expression, or a throw expression where C# 7 allows one. */
expr_node_t *pp_parse_expression_or_throw(expr_parser_t *p);
/* True for the kinds C# accepts as a statement (§8.6): assignment, call, ++/--, new. */
bool pp_is_statement_expression(const expr_node_t *e);
/* After the opening '(' or '[': arguments up to `close`, consumed. Named arguments
 * (name: value) and ref/out/in modifiers with `out var x` / `out T x` declarations. */
bool pp_parse_args(expr_parser_t *p, expr_tok_t close, expr_list_t *out);
/* new ... (parser_new.c); the cursor is on `new`. */
expr_node_t *pp_parse_new(expr_parser_t *p);
/* Array initializer { a, b, { c } } (a local's initializer or new T[] { }). */
expr_node_t *pp_parse_array_initializer(expr_parser_t *p);
/* A declaration of `out T x` / `out var x`: type at the current token followed by a name? */
bool pp_at_declaration(const expr_parser_t *p, uint32_t at);

/* ---- statements (parser_stmt.c) ---- */

expr_node_t *pp_parse_block(expr_parser_t *p);
/* Statements up to (not including) `end` (EXPR_TOK_EOF or '}') into a block node. */
expr_node_t *pp_parse_statements(expr_parser_t *p, uint32_t start, expr_tok_t end);

#endif
