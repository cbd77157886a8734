/* Fuzz driver for the Liquid engine of set-body template="liquid" (src/policy/liquid.h).
 * The input is a template; it is compiled (from an exact-size copy) and, when it compiles,
 * rendered twice against a fixed model. abort() on any broken invariant:
 * - liquid_compile returns 0 or -EINVAL (-ENOMEM only when memory runs out); on -EINVAL
 *   the message is not empty, the offset lies in the input and line:col agree with it
 *   (LF breaks lines, columns count bytes);
 * - liquid_render returns 0, -EINVAL (a render error, with a message) or -E2BIG, never
 *   writes more than LIQUID_MAX_OUTPUT bytes, and renders the same output both times (a
 *   compiled template is immutable, rendering has no hidden state);
 * - nothing leaks (LeakSanitizer), and no input overflows the stack (nesting is bounded by
 *   LIQUID_MAX_DEPTH at compile time). */
#include "policy/liquid.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_liquid: invariant failed: %s (line %d)\n", #cond, __LINE__);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char model_text[] =
    "{\"body\": {\"a\": 1, \"s\": \"x y\", \"items\": [{\"n\": \"a\", \"q\": 2}, {\"n\": \"b\", "
    "\"q\": 3.5}], \"when\": \"2012-03-21T05:40Z\", \"nil\": null, \"t\": true},"
    " \"context\": {\"Request\": {\"Method\": \"POST\", \"Headers\": {\"Accept\": \"*/*\"},"
    " \"Url\": {\"Path\": \"/p\", \"ToString\": \"http://h/p\"}}, \"Variables\": {\"v\": \"w\"}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    CHECK(text != NULL);
    if (size) memcpy(text, data, size);
    liquid_template_t *tpl = NULL;
    liquid_error_t err;
    memset(&err, 0, sizeof err);
    int rc = liquid_compile(text, size, &tpl, &err);
    if (rc == -ENOMEM) {
        free(text);
        return 0;
    }
    CHECK(rc == 0 || rc == -EINVAL);
    if (rc) {
        CHECK(err.message[0] != 0);
        CHECK(err.offset <= size);
        unsigned line = 1, col = 1;
        for (size_t i = 0; i < err.offset; i++) {
            if (text[i] == '\n') line++, col = 1;
            else col++;
        }
        CHECK(err.line == line && err.col == col);
        free(text);
        return 0;
    }
    json_t *model = json_loads(model_text, 0, NULL);
    CHECK(model != NULL);
    buf_t first, second;
    buf_init(&first);
    buf_init(&second);
    int r1 = liquid_render(tpl, model, 1709618828LL, &first, &err);
    CHECK(r1 == 0 || r1 == -EINVAL || r1 == -E2BIG || r1 == -ENOMEM);
    if (r1 == -EINVAL) CHECK(err.message[0] != 0);
    CHECK(first.len <= LIQUID_MAX_OUTPUT);
    int r2 = liquid_render(tpl, model, 1709618828LL, &second, &err);
    if (r1 != -ENOMEM && r2 != -ENOMEM) {
        CHECK(r1 == r2);
        CHECK(first.len == second.len);
        CHECK(first.len == 0 || memcmp(first.data, second.data, first.len) == 0);
    }
    buf_free(&first);
    buf_free(&second);
    json_decref(model);
    liquid_free(tpl);
    free(text);
    return 0;
}
