/* A policy expression compiled and run by a test, its outcome written as one line of text
 * for compact assertions: the result's ToString(), "null", "!Type: message" for an
 * exception, "!tostring" when ToString() itself threw, or "error L:C: message" when it does
 * not compile. Shared by the built-in library tests (lib_call.h, lib_test_util.h), the
 * interpreter's, lib_json_run's, lib_auth's and the policy context's tests. Header-only:
 * every test is one translation unit. */
#ifndef MERIDIAN_TESTS_EXPR_OUTCOME_H
#define MERIDIAN_TESTS_EXPR_OUTCOME_H

#include "expr/compile.h"
#include "expr/value.h"

#include <stdio.h>
#include <string.h>

/* Compiles `text` with `opts` into `cfg`, runs it in `rt` (its context, clock... set by the
 * caller) and writes the outcome into out[0, size); returns out. */
static inline const char *expr_outcome(arena_t *cfg, const expr_compile_options_t *opts,
                                       expr_rt_t *rt, const char *text, char *out, size_t size)
{
    expr_program_t *p;
    expr_error_t err;
    if (expr_compile(cfg, text, strlen(text), opts, &p, &err)) {
        snprintf(out, size, "error %u:%u: %s", err.pos.line, err.pos.col, err.message);
        return out;
    }
    expr_value_t v, s;
    if (expr_run(p, rt, &v))
        snprintf(out, size, "!%s: %s", rt->exception_type, rt->exception_message);
    else if (v.tag == EXPR_V_NULL)
        snprintf(out, size, "null");
    else if (expr_value_to_string(rt, &v, &s))
        snprintf(out, size, "!tostring");
    else
        snprintf(out, size, "%.*s", (int)s.u.s.len, s.u.s.ptr);
    return out;
}

#endif
