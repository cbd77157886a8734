/* Shared by the executor's tests: compile a document (API scope under the default global
 * policy) and run it with the offline host (policy/exec_local.h). */
#ifndef MERIDIAN_TESTS_EXEC_HARNESS_H
#define MERIDIAN_TESTS_EXEC_HARNESS_H

#include "policy/exec_local.h"

#include <criterion/criterion.h>
#include <string.h>

typedef struct {
    policy_local_program_t *program;
    arena_t arena;
    policy_local_t io;
    policy_doc_error_t err;
} harness_t;

static harness_t H;

static __attribute__((unused)) void harness_setup(void)
{
    memset(&H, 0, sizeof H);
    arena_init(&H.arena, 8192);
    H.io.method = "GET";
    H.io.url = "http://gw.example/orders/1?x=1";
    H.io.headers.is_case_insensitive = true;
    H.io.backend_headers.is_case_insensitive = true;
}

static __attribute__((unused)) void harness_teardown(void)
{
    policy_local_program_free(H.program);
    H.program = NULL;
    arena_free(&H.arena);
}

/* Compiles; returns the code (0) and leaves the message in H.err.message. */
static __attribute__((unused)) int compile_with(const char *text, const policy_local_options_t *opts)
{
    policy_local_program_free(H.program);
    H.program = NULL;
    return policy_local_compile(text, strlen(text), "api policy", opts, &H.program, &H.err);
}

static __attribute__((unused)) int try_compile(const char *text)
{
    return compile_with(text, NULL);
}

static __attribute__((unused)) void compile_ok(const char *text)
{
    cr_assert_eq(try_compile(text), 0, "%s", H.err.message);
}

/* The document must not compile, with a message that contains `part`. */
static __attribute__((unused)) void compile_error(const char *text, const char *part)
{
    cr_assert_neq(try_compile(text), 0, "compiled: %s", text);
    cr_expect(strstr(H.err.message, part) != NULL, "message '%s' lacks '%s'", H.err.message, part);
}

/* What the compiled program asks the host for (POLICY_NEEDS_*). */
static __attribute__((unused)) unsigned program_flags(void)
{
    return policy_exec_program_flags(policy_local_program(H.program));
}

static __attribute__((unused)) void run(void)
{
    cr_assert_not_null(H.program);
    cr_assert_eq(policy_local_run(policy_local_program(H.program), &H.arena, &H.io), 0);
    cr_assert(H.io.is_done, "the run did not finish");
}

/* Another run of the same io (policy_local_run keeps is_done and what was forwarded and sent
 * from the last run). */
static __attribute__((unused)) void rerun(void)
{
    H.io.is_done = false;
    H.io.is_forwarded = false;
    H.io.sent_count = 0;
    run();
}

static __attribute__((unused)) void add_header(policy_fields_t *f, const char *name, const char *value)
{
    cr_assert_eq(policy_fields_add(f, &H.arena, name, strlen(name), value, strlen(value)), 0);
}

/* Comma-joined values of a header, or NULL. */
static __attribute__((unused)) const char *header_of(const policy_fields_t *f, const char *name)
{
    return policy_fields_join(f, &H.arena, name, strlen(name), NULL);
}

static __attribute__((unused)) const char *response_header(const char *name)
{
    return header_of(&H.io.exec->response.headers, name);
}

static __attribute__((unused)) const char *forwarded_header(const char *name)
{
    cr_assert(H.io.is_forwarded, "the request was not forwarded");
    return header_of(&H.io.forwarded.headers, name);
}

/* The body forwarded to the backend, or NULL when there is none. */
static __attribute__((unused)) const char *request_body_sent(void)
{
    cr_assert(H.io.is_forwarded, "the request was not forwarded");
    const policy_body_t *b = &H.io.forwarded.body;
    if (b->kind != POLICY_BODY_BYTES) return NULL;
    return arena_strndup(&H.arena, b->bytes, b->len);
}

static __attribute__((unused)) const char *response_body(void)
{
    const policy_body_t *b = &H.io.exec->response.body;
    if (b->kind != POLICY_BODY_BYTES) return NULL;
    return arena_strndup(&H.arena, b->bytes, b->len);
}

#define POLICIES(inbound, backend, outbound, on_error)                                             \
    "<policies><inbound>" inbound "</inbound><backend>" backend "</backend><outbound>" outbound    \
    "</outbound><on-error>" on_error "</on-error></policies>"

#endif
