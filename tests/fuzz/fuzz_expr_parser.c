/* Fuzz driver for the policy expression front end: src/expr/lexer.h, parser.h and the
 * printer and child walk of ast.h. Each input is parsed from an exact-size copy in the
 * three modes (policy value @(...)/@{...}, bare expression, bare statements), and once more
 * with a depth limit taken from the input. abort() on any broken invariant:
 * - expr_parse returns 0 or EXPR_ERR_SYNTAX / UNSUPPORTED / LIMIT; on failure the root is
 *   NULL, the message is not empty, and the position lies in the input with a line and
 *   column that agree with its byte offset (counted again here: LF, CR LF and a lone CR
 *   break lines, columns count code points);
 * - when the lexer alone fails on the input, expression mode fails with the same code,
 *   position and message (the parser lexes first); when it succeeds, its tokens lie in
 *   the input, in order, without overlapping, and their positions agree with their
 *   offsets;
 * - a tree: every node has a known kind, a span inside the input and inside its parent's
 *   span, a line and column that agree with its offset, and a height of 1 + its tallest
 *   child, never more than the depth limit;
 * - print(tree) parses again (bare expression, or the statements inside the printed
 *   block) and prints the same text: the printer's fixed point (ast.h);
 * - nothing leaks (every arena is freed; LeakSanitizer checks), and no input overflows the
 *   stack (deep nesting must come back as EXPR_ERR_LIMIT). */
#include "expr/parser.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_expr_parser: invariant failed: %s (line %d)\n", #cond,          \
                    __LINE__);                                                                     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct {
    const char *text;
    size_t len;
} input_t;

/* Line and column of byte `offset`, by the lexer's rules (lexer.h "Positions"). */
static void line_col(const input_t *in, uint32_t offset, uint32_t *line, uint32_t *col)
{
    *line = 1;
    *col = 1;
    for (uint32_t k = 0; k < offset && k < in->len; k++) {
        unsigned char c = (unsigned char)in->text[k];
        bool crlf = c == '\r' && k + 1 < in->len && in->text[k + 1] == '\n';
        if (c == '\n' || (c == '\r' && !crlf)) {
            ++*line;
            *col = 1;
        } else if ((c & 0xC0) != 0x80 && c != '\r') {
            ++*col;
        }
    }
}

static void check_pos(const input_t *in, expr_pos_t pos)
{
    CHECK(pos.offset <= in->len);
    CHECK(pos.len <= in->len - pos.offset);
    uint32_t line, col;
    line_col(in, pos.offset, &line, &col);
    CHECK(pos.line == line);
    CHECK(pos.col == col);
}

static void check_error(const input_t *in, int rc, const expr_error_t *err)
{
    CHECK(rc == EXPR_ERR_SYNTAX || rc == EXPR_ERR_UNSUPPORTED || rc == EXPR_ERR_LIMIT);
    CHECK(err->code == rc);
    CHECK(err->message[0] != '\0');
    CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
    check_pos(in, err->pos);
}

/* ---- trees ---- */

typedef struct {
    const input_t *in;
    const expr_node_t *parent;
    uint32_t tallest;
} walk_t;

static void check_node(const expr_node_t *n, void *ctx);

static void check_child(const expr_node_t *child, void *ctx)
{
    walk_t *w = ctx;
    if (child->height > w->tallest) w->tallest = child->height;
    const expr_node_t *p = w->parent;
    CHECK(child->pos.offset >= p->pos.offset);
    CHECK(child->pos.offset + child->pos.len <= p->pos.offset + p->pos.len);
    check_node(child, (void *)w->in);
}

static void check_node(const expr_node_t *n, void *ctx)
{
    const input_t *in = ctx;
    CHECK(n->kind < EXPR_KIND_COUNT);
    CHECK(strcmp(expr_ast_kind_name((expr_kind_t)n->kind), "node") != 0);
    check_pos(in, n->pos);
    walk_t w = {in, n, 0};
    expr_ast_for_each_child(n, check_child, &w);
    CHECK(n->height == w.tallest + 1);
    switch (n->kind) {
    case EXPR_UNARY:
    case EXPR_BINARY:
    case EXPR_ASSIGN:
        CHECK(n->op > EXPR_OP_NONE && n->op < EXPR_OP_COUNT);
        break;
    case EXPR_TYPE_PREDEFINED:
        CHECK(n->op < EXPR_PREDEF_COUNT);
        break;
    case EXPR_INT:
        CHECK(n->op <= EXPR_NUM_ULONG);
        break;
    case EXPR_REAL:
        CHECK(n->op >= EXPR_NUM_DOUBLE && n->op <= EXPR_NUM_DECIMAL);
        break;
    default:
        break;
    }
}

static void check_tree(const input_t *in, const expr_node_t *root, unsigned max_depth)
{
    CHECK(root != NULL);
    CHECK(root->height >= 1 && root->height <= max_depth);
    check_node(root, (void *)in);
}

/* print → parse → print gives the same text. */
static void check_fixed_point(const expr_node_t *root)
{
    buf_t first, second;
    buf_init(&first);
    buf_init(&second);
    CHECK(expr_ast_print(&first, root) == 0);
    bool block = root->kind == EXPR_STMT_BLOCK;
    if (block) CHECK(first.len >= 2 && first.data[0] == '{' && first.data[first.len - 1] == '}');
    expr_parse_options_t opts = {.mode = block ? EXPR_PARSE_STATEMENTS : EXPR_PARSE_EXPRESSION};
    arena_t a;
    arena_init(&a, 4096);
    expr_node_t *again = NULL;
    expr_error_t err;
    int rc = expr_parse(&a, first.data + block, first.len - 2 * block, &opts, &again, &err);
    if (rc != 0) {
        fprintf(stderr, "printed form does not parse: %u:%u: %s\n%.*s\n", err.pos.line,
                err.pos.col, err.message, (int)first.len, first.data);
        abort();
    }
    CHECK(expr_ast_print(&second, again) == 0);
    if (first.len != second.len || memcmp(first.data, second.data, first.len) != 0) {
        fprintf(stderr, "not a fixed point:\n%.*s\n%.*s\n", (int)first.len, first.data,
                (int)second.len, second.data);
        abort();
    }
    arena_free(&a);
    buf_free(&first);
    buf_free(&second);
}

/* ---- the lexer alone ---- */

static void check_lexer(const input_t *in)
{
    arena_t a;
    arena_init(&a, 4096);
    expr_lexer_t lx;
    expr_lex_init(&lx, &a, in->text, in->len, NULL);
    expr_token_t tok;
    expr_error_t lex_err;
    uint32_t end = 0;
    int rc;
    for (;;) {
        rc = expr_lex_next(&lx, &tok, &lex_err);
        if (rc) break;
        check_pos(in, tok.pos);
        CHECK(tok.pos.offset >= end);
        end = tok.pos.offset + tok.pos.len;
        CHECK(tok.kind < EXPR_TOK_COUNT);
        if (tok.kind == EXPR_TOK_EOF) {
            CHECK(tok.pos.offset == in->len);
            break;
        }
        CHECK(tok.pos.len > 0);
    }
    /* The parser lexes the whole input first: a lexer error is its error too. */
    expr_parse_options_t opts = {.mode = EXPR_PARSE_EXPRESSION};
    expr_node_t *root = NULL;
    expr_error_t parse_err;
    int prc = expr_parse(&a, in->text, in->len, &opts, &root, &parse_err);
    if (rc) {
        check_error(in, rc, &lex_err);
        CHECK(prc == rc);
        CHECK(parse_err.pos.offset == lex_err.pos.offset);
        CHECK(strcmp(parse_err.message, lex_err.message) == 0);
    }
    arena_free(&a);
}

/* ---- the entry ---- */

static void parse_and_check(const input_t *in, expr_parse_mode_t mode, unsigned max_depth)
{
    arena_t a;
    arena_init(&a, 4096);
    expr_parse_options_t opts = {.mode = mode, .max_depth = max_depth};
    expr_node_t *root = (expr_node_t *)&a; /* must be overwritten */
    expr_error_t err;
    memset(&err, 0, sizeof err);
    int rc = expr_parse(&a, in->text, in->len, &opts, &root, &err);
    if (rc == 0) {
        check_tree(in, root, max_depth ? max_depth : EXPR_PARSE_DEFAULT_MAX_DEPTH);
        CHECK(mode == EXPR_PARSE_EXPRESSION ? root->kind < EXPR_STMT_BLOCK
                                            : mode == EXPR_PARSE_STATEMENTS
                                                  ? root->kind == EXPR_STMT_BLOCK
                                                  : true);
        if (max_depth == 0) check_fixed_point(root);
    } else {
        CHECK(root == NULL);
        check_error(in, rc, &err);
    }
    arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX / 2) return 0;
    /* An exact-size copy: nothing may read past `size`. */
    char *text = malloc(size ? size : 1);
    if (!text) abort();
    if (size) memcpy(text, data, size);
    input_t in = {text, size};
    parse_and_check(&in, EXPR_PARSE_POLICY, 0);
    parse_and_check(&in, EXPR_PARSE_EXPRESSION, 0);
    parse_and_check(&in, EXPR_PARSE_STATEMENTS, 0);
    unsigned small = 1 + (size ? data[size - 1] % 24 : 0);
    parse_and_check(&in, size && data[0] == '@' ? EXPR_PARSE_POLICY : EXPR_PARSE_EXPRESSION,
                    small);
    check_lexer(&in);
    free(text);
    return 0;
}
