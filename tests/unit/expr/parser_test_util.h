/* Helpers shared by the parser tests: parse, print, check the printer's fixed point,
 * compare canonical forms and error positions. Included by test_parser*.c only. */
#ifndef MERIDIAN_TESTS_EXPR_PARSER_TEST_UTIL_H
#define MERIDIAN_TESTS_EXPR_PARSER_TEST_UTIL_H

#include "expr/parser.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static arena_t arena;
static expr_error_t err;
static char printed[1 << 18];

static void setup(void)
{
    arena_init(&arena, 4096);
}

static void teardown(void)
{
    arena_free(&arena);
}

static inline int parse_mode(expr_parse_mode_t mode, const char *text, expr_node_t **root)
{
    expr_parse_options_t opts = {.mode = mode};
    memset(&err, 0, sizeof err);
    return expr_parse(&arena, text, strlen(text), &opts, root, &err);
}

/* Prints `root` into `out` and checks that the printed form parses back to a tree that
 * prints the same (the printer's contract, ast.h). */
static inline void print_checked(const expr_node_t *root, char *out, size_t size)
{
    buf_t b;
    buf_init(&b);
    cr_assert_eq(expr_ast_print(&b, root), 0);
    cr_assert_lt(b.len, size);
    memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    bool block = root->kind == EXPR_STMT_BLOCK;
    expr_parse_options_t opts = {.mode = block ? EXPR_PARSE_STATEMENTS : EXPR_PARSE_EXPRESSION};
    expr_node_t *again;
    int rc = expr_parse(&arena, b.data + block, b.len - 2 * block, &opts, &again, &err);
    cr_assert_eq(rc, 0, "printed form '%s' does not parse: %u:%u: %s", out, err.pos.line,
                 err.pos.col, err.message);
    buf_t c;
    buf_init(&c);
    cr_assert_eq(expr_ast_print(&c, again), 0);
    cr_assert(c.len == b.len && memcmp(c.data, b.data, b.len) == 0,
              "not a fixed point:\n  %s\n  %.*s", out, (int)c.len, c.data);
    buf_free(&b);
    buf_free(&c);
}

static inline expr_node_t *parse_ok(expr_parse_mode_t mode, const char *text)
{
    expr_node_t *root;
    int rc = parse_mode(mode, text, &root);
    cr_assert_eq(rc, 0, "'%s' does not parse: %u:%u: %s", text, err.pos.line, err.pos.col,
                 err.message);
    cr_assert_not_null(root);
    cr_assert_leq(root->height, EXPR_PARSE_DEFAULT_MAX_DEPTH);
    print_checked(root, printed, sizeof printed);
    return root;
}

static inline expr_node_t *expr(const char *text)
{
    return parse_ok(EXPR_PARSE_EXPRESSION, text);
}

/* Parses an expression and compares its canonical form. */
static inline void expect_expr(const char *text, const char *canonical)
{
    expr(text);
    cr_assert_str_eq(printed, canonical, "'%s' printed as '%s', expected '%s'", text, printed,
                     canonical);
}

/* Parses statements (the inside of @{ }) and compares the block's canonical form. */
static inline void expect_stmts(const char *text, const char *canonical)
{
    parse_ok(EXPR_PARSE_STATEMENTS, text);
    cr_assert_str_eq(printed, canonical, "'%s' printed as '%s', expected '%s'", text, printed,
                     canonical);
}

static inline void expect_error_mode(expr_parse_mode_t mode, const char *text, int code,
                                     unsigned line, unsigned col, const char *fragment)
{
    expr_node_t *root = (expr_node_t *)1;
    int rc = parse_mode(mode, text, &root);
    cr_assert_eq(rc, code, "'%s': rc %d, expected %d (%u:%u: %s)", text, rc, code, err.pos.line,
                 err.pos.col, err.message);
    cr_assert_null(root);
    cr_assert_eq(err.code, code);
    cr_assert(strstr(err.message, fragment), "'%s': message '%s' lacks '%s'", text, err.message,
              fragment);
    cr_assert_eq(err.pos.line, line, "'%s': error at line %u, expected %u (%s)", text, err.pos.line,
                 line, err.message);
    cr_assert_eq(err.pos.col, col, "'%s': error at column %u, expected %u (%s)", text, err.pos.col,
                 col, err.message);
}

static inline void expect_error(const char *text, int code, unsigned line, unsigned col,
                                const char *fragment)
{
    expect_error_mode(EXPR_PARSE_EXPRESSION, text, code, line, col, fragment);
}

static inline void expect_stmt_error(const char *text, int code, unsigned line, unsigned col,
                                     const char *fragment)
{
    expect_error_mode(EXPR_PARSE_STATEMENTS, text, code, line, col, fragment);
}

static inline char *repeat(const char *prefix, const char *unit, size_t times, const char *suffix)
{
    size_t pl = strlen(prefix), ul = strlen(unit), sl = strlen(suffix);
    char *s = malloc(pl + ul * times + sl + 1);
    memcpy(s, prefix, pl);
    for (size_t k = 0; k < times; k++)
        memcpy(s + pl + k * ul, unit, ul);
    memcpy(s + pl + ul * times, suffix, sl + 1);
    return s;
}

#endif
