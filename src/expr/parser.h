/* expr_parse: turns the text of a policy expression (spec/apim-gateway.md §3.1) into a
 * syntax tree (ast.h). Runs when a configuration is compiled, never per request.
 *
 * Contract
 * - Recursive descent over the C# 7 grammar: full operator precedence and associativity
 *   (C# spec §7.3.1), the cast and generic-argument disambiguations (§7.7.6, §7.6.4.2),
 *   lambdas, object and array creation, and the statements of @{ } blocks. What is valid
 *   C# but refused (using, lock, goto, yield, local functions, tuples, LINQ query syntax,
 *   anonymous methods, pointers, async/await...) gives EXPR_ERR_UNSUPPORTED with a message
 *   naming the construct; invalid C# gives EXPR_ERR_SYNTAX. Either way `err` has the
 *   position of the offending token. docs/expressions.md lists both sides for users.
 * - The parser checks syntax only: names, types, overloads, definite assignment and
 *   "every path returns" are the checker's job. It does enforce the few rules C# states
 *   in its grammar: only assignments, calls, ++/-- and object creation are statements;
 *   the left of an assignment or the operand of ++/-- is a name, member or element.
 * - Depth: a tree taller than max_depth (default EXPR_PARSE_DEFAULT_MAX_DEPTH) is refused
 *   with EXPR_ERR_LIMIT, so every recursive walk of a returned tree is bounded; a chain
 *   built by a loop counts too (a + b + ... with 256 operators, a.b.c... 256 long). The
 *   parser's own recursion is bounded by a small multiple of max_depth (parentheses
 *   nest without adding nodes), so no input exhausts the stack here either.
 * - Named values ({{name}}, §3.6) must be substituted before parsing; a {{ where an
 *   expression is expected is reported as an unsubstituted named value.
 * - On success the tree is in `arena` (see ast.h); on failure nothing useful is, but what
 *   was allocated stays in the arena until it is reset. No other memory outlives the call.
 *
 * Section numbers (§) in this module refer to the C# Language Specification 5.0; what
 * C# 6 and 7 added (interpolated strings, ?., out variables, patterns, local functions,
 * throw expressions) is cited by name.
 */
#ifndef MERIDIAN_EXPR_PARSER_H
#define MERIDIAN_EXPR_PARSER_H

#include "base/arena.h"
#include "expr/ast.h"
#include "expr/lexer.h"

#include <stddef.h>

#define EXPR_PARSE_DEFAULT_MAX_DEPTH 256

typedef enum {
    /* A whole policy value: "@(expression)" or "@{ statements }" — whitespace and
     * comments may follow, nothing else. The root is the expression, or an
     * EXPR_STMT_BLOCK spanning the braces. */
    EXPR_PARSE_POLICY = 0,
    /* Just an expression (what is inside @( )). */
    EXPR_PARSE_EXPRESSION,
    /* Just statements (what is inside @{ }); the root is an EXPR_STMT_BLOCK spanning the
     * text. */
    EXPR_PARSE_STATEMENTS,
} expr_parse_mode_t;

typedef struct {
    expr_parse_mode_t mode;
    expr_origin_t origin; /* where the text starts in its document (lexer.h) */
    unsigned max_depth;   /* 0: EXPR_PARSE_DEFAULT_MAX_DEPTH */
} expr_parse_options_t;

/* Parses text[0, len). opts may be NULL (policy form, default depth). Returns 0 with
 * *root set, or a negative EXPR_ERR_* with `err` filled (err may be NULL). */
int expr_parse(arena_t *arena, const char *text, size_t len, const expr_parse_options_t *opts,
               expr_node_t **root, expr_error_t *err);

#endif
