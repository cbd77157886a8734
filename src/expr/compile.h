/* expr_compile: a policy expression's text → a checked, bound program, once, when the
 * configuration is compiled (spec/apim-gateway.md §3, STYLE.md habit 6); expr_run evaluates
 * it per request.
 *
 * Compile = expr_parse (parser.h) → check and bind: every name is resolved (locals to frame
 * slots, `context` to the host's class, type names to expr_nameable_classes, members to
 * the expr_member_t of the receiver's class — the whole `context.Request.Headers` chain
 * becomes direct native calls), every overload's argument count checked, static types
 * inferred (value.h: dynamic where C# would say object), definite assignment and "every
 * code path returns a value" (§3.1) checked, constants folded. What the parser refused, or
 * what the checker cannot bind — an unknown name or member, a construct the interpreter
 * does not run — is a compile error that names it with its position; nothing unknown is
 * left for run time.
 *
 * The program is immutable, allocated in the arena given to expr_compile (the
 * configuration's), and may be run by any number of runtimes at once. */
#ifndef MERIDIAN_EXPR_COMPILE_H
#define MERIDIAN_EXPR_COMPILE_H

#include "base/arena.h"
#include "expr/lexer.h"
#include "expr/value.h"

#include <stddef.h>

typedef struct expr_program expr_program_t;

typedef struct {
    /* The class of the name `context` (policy/context.h); NULL: `context` is unknown. */
    const expr_class_t *context_class;
    /* Where the text starts in its document, so positions in errors are the user's. */
    expr_origin_t origin;
    /* The type the value is wanted as, for messages and checks ("the condition of <when>
     * must be bool"): {NULL, NULL} = any. A mismatch that can never convert is an error. */
    expr_type_t expected;
    /* The host's classes users may write in code next to the libraries' (casts, `is`,
     * generic arguments): policy_context_nameable_classes (IResponse). NULL-terminated;
     * NULL = none. Searched before the libraries. */
    const expr_class_t *const *host_classes;
} expr_compile_options_t;

/* Compiles text[0, len), which is a whole policy value ("@(...)" or "@{...}"). Returns 0 with
 * *out, or a negative EXPR_ERR_* with err filled (position and a message that names the
 * construct: "'Foo' is not a member of string", "'goto' statement is not supported"). */
int expr_compile(arena_t *arena, const char *text, size_t len, const expr_compile_options_t *opts,
                 expr_program_t **out, expr_error_t *err);

/* The static type of the program's result. */
expr_type_t expr_program_type(const expr_program_t *program);

/* Evaluates the program in `rt`. 0 with *out (values in rt->arena), or EXPR_THROWN with the
 * exception in rt (type and message). */
int expr_run(const expr_program_t *program, expr_rt_t *rt, expr_value_t *out);

#endif
