/* The caching policies (§2.6) against a host with an in-memory cache: keys (vary-by-*),
 * what is stored, hits that skip the backend and resume outbound after cache-store, values. */
#include "policy/exec_local.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define MAX_ENTRIES 16
#define MAX_OPS 32

typedef struct {
    char key[512];
    size_t key_len;
    char value[4096];
    size_t value_len;
} entry_t;

/* The test host: forward answers 200 (or `backend_status`) with a numbered body; the cache
 * is a table; completions are queued and delivered after the executor returned. */
static struct {
    entry_t entries[MAX_ENTRIES];
    size_t entry_count;
    policy_cache_op_t ops[MAX_OPS]; /* every op seen (keys copied into `op_keys`) */
    char op_keys[MAX_OPS][512];
    size_t op_count;
    int forwards;
    int backend_status;
    enum { NONE, FORWARD, CACHE } pending;
    policy_cache_result_t result;
    bool is_done;
} T;

static entry_t *find(const char *key, size_t len)
{
    for (size_t i = 0; i < T.entry_count; i++)
        if (T.entries[i].key_len == len && memcmp(T.entries[i].key, key, len) == 0) return &T.entries[i];
    return NULL;
}

static int host_forward(policy_exec_t *exec, const policy_forward_t *opts)
{
    (void)opts;
    T.forwards++;
    policy_response_t *r = &exec->response;
    r->status = T.backend_status ? T.backend_status : 200;
    char *body = arena_alloc(exec->arena, 32);
    int n = snprintf(body, 32, "backend-%d", T.forwards);
    r->body = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = body, .len = (size_t)n};
    policy_fields_add(&r->headers, exec->arena, "X-Backend", 9, body, (size_t)n);
    T.pending = FORWARD;
    return 0;
}

static int host_cache(policy_exec_t *exec, const policy_cache_op_t *op)
{
    cr_assert_lt(T.op_count, MAX_OPS);
    cr_assert_lt(op->key_len, sizeof T.op_keys[0]);
    memcpy(T.op_keys[T.op_count], op->key, op->key_len);
    T.ops[T.op_count] = *op;
    T.ops[T.op_count].key = T.op_keys[T.op_count];
    T.op_count++;
    entry_t *e = find(op->key, op->key_len);
    switch (op->verb) {
    case POLICY_CACHE_SET:
        if (!e) {
            cr_assert_lt(T.entry_count, MAX_ENTRIES);
            e = &T.entries[T.entry_count++];
        }
        cr_assert_lt(op->value_len, sizeof e->value);
        memcpy(e->key, op->key, op->key_len);
        e->key_len = op->key_len;
        memcpy(e->value, op->value, op->value_len);
        e->value_len = op->value_len;
        return 0;
    case POLICY_CACHE_REMOVE:
        if (e) *e = T.entries[--T.entry_count];
        return 0;
    case POLICY_CACHE_GET: {
        T.result = (policy_cache_result_t){0};
        if (e) {
            char *copy = arena_alloc(exec->arena, e->value_len);
            memcpy(copy, e->value, e->value_len);
            T.result = (policy_cache_result_t){true, copy, e->value_len};
        }
        T.pending = CACHE;
        return 0;
    }
    }
    return -1;
}

static void host_done(policy_exec_t *exec)
{
    (void)exec;
    T.is_done = true;
}

static const policy_host_t host = {.forward = host_forward, .cache = host_cache, .done = host_done};
static const policy_host_t host_without_cache = {.forward = host_forward, .done = host_done};

static policy_local_program_t *program;
static arena_t arena;

static void setup(void)
{
    memset(&T, 0, sizeof T);
    arena_init(&arena, 8192);
    program = NULL;
}

static void teardown(void)
{
    policy_local_program_free(program);
    arena_free(&arena);
}

static void compile(const char *text)
{
    policy_doc_error_t err;
    policy_local_program_free(program);
    cr_assert_eq(policy_local_compile(text, strlen(text), "api policy", NULL, &program, &err), 0, "%s",
                 err.message);
}

typedef struct {
    const char *method, *url, *user_id;
    const char *headers[4][2];
} request_t;

/* Runs the program for `rq`; returns the finished exec. */
static policy_exec_t *run_with(const policy_host_t *h, const request_t *rq)
{
    T.is_done = false;
    T.op_count = 0;
    policy_exec_t *exec = policy_exec_new(&arena, policy_local_program(program), h, NULL);
    cr_assert_not_null(exec);
    exec->request.method = rq->method ? rq->method : "GET";
    const char *url = rq->url ? rq->url : "http://gw.example/items/1";
    cr_assert_eq(policy_url_parse(&arena, url, strlen(url), false, &exec->info.original_url), 0);
    cr_assert_eq(policy_url_parse(&arena, url, strlen(url), false, &exec->request.url), 0);
    exec->info.api_id = "items";
    exec->info.operation_id = "get";
    exec->info.user_id = rq->user_id;
    for (int i = 0; i < 4 && rq->headers[i][0]; i++)
        policy_fields_add(&exec->request.headers, &arena, rq->headers[i][0], strlen(rq->headers[i][0]),
                          rq->headers[i][1], strlen(rq->headers[i][1]));
    cr_assert_eq(policy_exec_start(exec), 0);
    while (!T.is_done) {
        cr_assert_neq(T.pending, NONE, "the run waits for nothing");
        int what = T.pending;
        T.pending = NONE;
        if (what == FORWARD) policy_exec_forward_done(exec, 0);
        else policy_exec_resume(exec, 0, &T.result);
    }
    return exec;
}

static policy_exec_t *run_get(const char *url)
{
    request_t rq = {.url = url};
    return run_with(&host, &rq);
}

static const char *header(policy_exec_t *exec, const char *name)
{
    return policy_fields_join(&exec->response.headers, &arena, name, strlen(name), NULL);
}

static const char *body(policy_exec_t *exec)
{
    return arena_strndup(&arena, exec->response.body.bytes, exec->response.body.len);
}

#define POLICY(lookup, store)                                                                      \
    "<policies><inbound><base/>" lookup "</inbound><backend><base/></backend><outbound><base/>"    \
    "<set-header name=\"X-Before\" exists-action=\"override\"><value>@(context.Response.StatusCode.ToString())</value></set-header>" \
    store                                                                                          \
    "<set-header name=\"X-After\" exists-action=\"append\"><value>after</value></set-header>"     \
    "</outbound><on-error><base/></on-error></policies>"
#define LOOKUP(attrs, children)                                                                    \
    "<cache-lookup vary-by-developer=\"false\" vary-by-developer-groups=\"false\" " attrs ">"      \
    children "</cache-lookup>"

TestSuite(policies_cache, .init = setup, .fini = teardown);

Test(policies_cache, miss_stores_then_hit_skips_backend_and_resumes_after_store)
{
    compile(POLICY(LOOKUP("downstream-caching-type=\"private\"", ""), "<cache-store duration=\"60\"/>"));
    policy_exec_t *first = run_get(NULL);
    cr_assert_eq(T.forwards, 1);
    cr_assert_str_eq(body(first), "backend-1");
    cr_assert_str_eq(header(first, "Cache-Control"), "private, max-age=60, must-revalidate");
    cr_assert_eq(T.entry_count, 1);
    policy_exec_t *second = run_get(NULL);
    cr_assert_eq(T.forwards, 1, "a hit does not call the backend");
    cr_assert_eq(second->response.status, 200);
    cr_assert_str_eq(body(second), "backend-1");
    cr_assert_str_eq(header(second, "X-Backend"), "backend-1");
    cr_assert_str_eq(header(second, "X-Before"), "200", "stored with the response");
    cr_assert_str_eq(header(second, "X-After"), "after", "runs again after the store, once");
    cr_assert(strncmp(header(second, "Cache-Control"), "private, max-age=", 17) == 0);
}

Test(policies_cache, only_200_unless_cache_response)
{
    compile(POLICY(LOOKUP("", ""), "<cache-store duration=\"60\"/>"));
    T.backend_status = 404;
    run_get(NULL);
    run_get(NULL);
    cr_assert_eq(T.forwards, 2);
    cr_assert_eq(T.entry_count, 0);
    compile(POLICY(LOOKUP("", ""), "<cache-store duration=\"60\" cache-response=\"true\"/>"));
    run_get(NULL);
    policy_exec_t *hit = run_get(NULL);
    cr_assert_eq(T.forwards, 3);
    cr_assert_eq(hit->response.status, 404);
}

Test(policies_cache, non_get_and_authorization_are_not_looked_up)
{
    compile(POLICY(LOOKUP("", ""), "<cache-store duration=\"60\"/>"));
    request_t post = {.method = "POST"};
    run_with(&host, &post);
    cr_assert_eq(T.op_count, 0);
    request_t authorized = {.headers = {{"Authorization", "Bearer x"}}};
    run_with(&host, &authorized);
    cr_assert_eq(T.op_count, 0);
    compile(POLICY(LOOKUP("allow-private-response-caching=\"true\"", ""), "<cache-store duration=\"60\"/>"));
    run_with(&host, &authorized);
    cr_assert_eq(T.op_count, 2, "a lookup and a store");
}

/* The key of the GET op of the last run, as text (fields separated by '|'). */
static const char *last_key(void)
{
    for (size_t i = 0; i < T.op_count; i++)
        if (T.ops[i].verb == POLICY_CACHE_GET) {
            char *k = arena_strndup(&arena, T.ops[i].key, T.ops[i].key_len);
            for (char *p = k; *p; p++)
                if (*p == '\n') *p = '|';
            return k;
        }
    cr_assert_fail("no lookup");
    return NULL;
}

Test(policies_cache, vary_key)
{
    compile(POLICY(LOOKUP("", "<vary-by-header>Accept</vary-by-header>"
                              "<vary-by-query-parameter>a; b</vary-by-query-parameter>"),
                   "<cache-store duration=\"60\"/>"));
    request_t rq = {.url = "http://gw.example/items/1?b=2&c=3&a=1&a=4", .headers = {{"Accept", "text/plain"}}};
    run_with(&host, &rq);
    cr_assert_str_eq(last_key(), "r|items||get|/items/1|q:a=1,4|q:b=2|h:Accept=text/plain");
    request_t other_c = {.url = "http://gw.example/items/1?c=9&b=2&a=1&a=4", .headers = {{"Accept", "text/plain"}}};
    run_with(&host, &other_c);
    cr_assert_eq(T.forwards, 1, "an unlisted parameter does not change the key");
    request_t other_accept = {.url = rq.url, .headers = {{"Accept", "text/html"}}};
    run_with(&host, &other_accept);
    cr_assert_eq(T.forwards, 2);

    compile(POLICY("<cache-lookup vary-by-developer=\"true\" vary-by-developer-groups=\"false\"/>",
                   "<cache-store duration=\"60\"/>"));
    request_t alice = {.user_id = "alice"}, bob = {.user_id = "bob"};
    run_with(&host, &alice);
    cr_assert_str_eq(last_key(), "r|items||get|/items/1|u:alice");
    run_with(&host, &bob);
    run_with(&host, &alice);
    cr_assert_eq(T.forwards, 4, "alice's response is not bob's");
}

Test(policies_cache, values_keep_their_type_and_miss_leaves_the_variable_unset)
{
    compile("<policies><inbound><base/>"
            "<cache-lookup-value key=\"n\" variable-name=\"n\"/>"
            "<cache-store-value key=\"n\" value=\"@(context.Variables.ContainsKey(&quot;n&quot;) ? (int)context.Variables[&quot;n&quot;] * 2 : 21)\" duration=\"5\"/>"
            "<cache-lookup-value key=\"missing\" variable-name=\"d\" default-value=\"@(7)\"/>"
            "<return-response><set-status code=\"200\"/><set-header name=\"X-N\" exists-action=\"override\">"
            "<value>@(context.Variables.ContainsKey(&quot;n&quot;) ? (context.Variables[&quot;n&quot;] is int ? &quot;int:&quot; : &quot;other:&quot;) + context.Variables[&quot;n&quot;] : &quot;unset&quot;)</value></set-header>"
            "<set-header name=\"X-D\" exists-action=\"override\"><value>@(context.Variables[&quot;d&quot;].ToString())</value></set-header>"
            "</return-response></inbound><backend><base/></backend><outbound><base/></outbound></policies>");
    policy_exec_t *first = run_get(NULL);
    cr_assert_str_eq(header(first, "X-N"), "unset");
    cr_assert_str_eq(header(first, "X-D"), "7");
    cr_assert_eq(T.ops[1].verb, POLICY_CACHE_SET);
    cr_assert_eq(T.ops[1].ttl_ms, 5000);
    cr_assert_eq(T.ops[1].key_len, 3);
    cr_assert(memcmp(T.ops[1].key, "v\nn", 3) == 0, "value keys are apart from response keys");
    policy_exec_t *second = run_get(NULL);
    cr_assert_str_eq(header(second, "X-N"), "int:21");
    policy_exec_t *third = run_get(NULL);
    cr_assert_str_eq(header(third, "X-N"), "int:42");
}

Test(policies_cache, a_host_without_a_cache_misses)
{
    compile(POLICY(LOOKUP("", ""), "<cache-store duration=\"60\"/>"));
    request_t rq = {0};
    run_with(&host_without_cache, &rq);
    run_with(&host_without_cache, &rq);
    cr_assert_eq(T.forwards, 2);
}
