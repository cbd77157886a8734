/* Fuzz driver for the expression core: expr_compile (checker/binder, compile.h) and
 * expr_run (interpreter) over the libraries, with the small test `context` class of the
 * unit tests. Each input is compiled as a policy value (@(...) / @{...}); when it
 * compiles, it runs with a small step budget. abort() on any broken invariant:
 * - expr_compile returns 0, or an EXPR_ERR_* with a message and a position inside the
 *   input; on success the program has a body and a type;
 * - expr_run returns 0 with a value whose ToString works, or EXPR_THROWN with a pending
 *   exception that has a type ("System.X" or another dotted name) and fits its buffers;
 *   never anything else, and never an endless loop (the budget);
 * - an input ending in a newline is compiled once more without a context class (then
 *   `context` is an unknown name): it must fail or run the same way, without a crash;
 * - nothing leaks (arenas freed, cleanups run; LeakSanitizer checks), no sanitizer report. */
#include "../unit/expr/expr_test_context.h"
#include "expr/compile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_expr_eval: invariant failed: %s (line %d)\n", #cond, __LINE__); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void compile_and_run(const char *text, size_t len, const expr_class_t *context_class)
{
    arena_t cfg, req;
    arena_init(&cfg, 4096);
    arena_init(&req, 4096);
    expr_compile_options_t opts = {.context_class = context_class};
    expr_program_t *p = NULL;
    expr_error_t err;
    memset(&err, 0, sizeof err);
    int rc = expr_compile(&cfg, text, len, &opts, &p, &err);
    if (rc) {
        CHECK(rc == EXPR_ERR_SYNTAX || rc == EXPR_ERR_UNSUPPORTED || rc == EXPR_ERR_LIMIT ||
              rc == EXPR_ERR_NOMEM);
        CHECK(p == NULL);
        CHECK(err.message[0] != '\0');
        CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        CHECK(err.pos.offset <= len);
        CHECK(err.pos.line >= 1 && err.pos.col >= 1);
    } else {
        CHECK(p != NULL);
        (void)expr_program_type(p);
        expr_rt_t rt;
        expr_rt_init(&rt, &req, NULL);
        rt.context = expr_object(&tc_context_class, NULL);
        rt.now_ticks = 638398046450000000LL;
        rt.budget = 5000;
        expr_value_t v;
        int r = expr_run(p, &rt, &v);
        CHECK(r == 0 || r == EXPR_THROWN);
        if (r == 0) {
            CHECK(v.tag < EXPR_V_TAG_COUNT && v.tag != EXPR_V_LAMBDA);
            expr_value_t s;
            int sr = expr_value_to_string(&rt, &v, &s);
            CHECK(sr == 0 || sr == EXPR_THROWN);
            if (sr == 0) CHECK(s.tag == EXPR_V_STRING);
        } else {
            CHECK(rt.has_exception);
            CHECK(memchr(rt.exception_type, '\0', sizeof rt.exception_type) != NULL);
            CHECK(strchr(rt.exception_type, '.') != NULL);
            CHECK(memchr(rt.exception_message, '\0', sizeof rt.exception_message) != NULL);
        }
        expr_rt_end(&rt);
    }
    arena_free(&cfg);
    arena_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    /* An exact-size copy: nothing may read past `size`. */
    char *text = calloc(1, size ? size : 1);
    if (!text) abort();
    if (size) memcpy(text, data, size);
    compile_and_run(text, size, &tc_context_class);
    if (size && data[size - 1] == '\n') compile_and_run(text, size, NULL);
    free(text);
    return 0;
}
