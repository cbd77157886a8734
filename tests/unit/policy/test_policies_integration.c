/* Through the executor: the §2.7 policies that call Azure services (configured endpoints or
 * a clear error), and the families that compile now but enforce little (§2.5 limits, §2.6
 * caches, §2.8 validation): attribute checks with positions, defaults, run behaviour. */
#include "exec_harness.h"

#include "policy/concurrency.h"

#include <stdio.h>

TestSuite(integration, .init = harness_setup, .fini = harness_teardown);

/* ---- a host with endpoints: the offline host's program, run by a small host of our own ---- */

typedef struct {
    policy_send_t sent[4];
    size_t sent_count;
    bool is_done, has_pending;
    policy_response_t answer;
    const char *endpoint; /* for every service and name; NULL: none */
    char asked[128];      /* "service/name" of the last endpoint lookup */
} endpoint_host_t;

static endpoint_host_t E;

static int e_forward(policy_exec_t *exec, const policy_forward_t *opts)
{
    (void)opts;
    exec->response.status = 200;
    E.has_pending = true;
    return 0;
}

static int e_send(policy_exec_t *exec, const policy_send_t *req)
{
    (void)exec;
    if (E.sent_count < 4) E.sent[E.sent_count++] = *req;
    if (!req->is_one_way) E.has_pending = true;
    return 0;
}

static void e_done(policy_exec_t *exec)
{
    (void)exec;
    E.is_done = true;
}

static const char *e_endpoint(policy_exec_t *exec, const char *service, const char *name)
{
    (void)exec;
    snprintf(E.asked, sizeof E.asked, "%s/%s", service, name);
    return E.endpoint;
}

static const policy_host_t endpoint_host = {
    .forward = e_forward, .send = e_send, .done = e_done, .endpoint = e_endpoint};

static policy_exec_t *run_with_endpoints(const char *doc)
{
    compile_ok(doc);
    policy_exec_t *exec = policy_exec_new(&H.arena, policy_local_program(H.program), &endpoint_host, NULL);
    cr_assert_not_null(exec);
    const char *url = "http://gw.example/orders/1";
    cr_assert_eq(policy_url_parse(&H.arena, url, strlen(url), false, &exec->info.original_url), 0);
    exec->request.method = exec->info.original_method = "POST";
    exec->request.url = exec->info.original_url;
    exec->info.client_ip = "127.0.0.1";
    cr_assert_eq(policy_exec_start(exec), 0);
    while (!E.is_done && E.has_pending) {
        E.has_pending = false;
        if (exec->pending_resume && exec->pending_step &&
            exec->pending_step->policy && strcmp(exec->pending_step->policy->name, "forward-request") == 0)
            policy_exec_forward_done(exec, 0);
        else
            policy_exec_send_done(exec, 0, &E.answer);
    }
    cr_assert(E.is_done);
    return exec;
}

static void endpoint_setup(void)
{
    harness_setup();
    memset(&E, 0, sizeof E);
    E.answer = (policy_response_t){.status = 200, .headers.is_case_insensitive = true};
}

static const char *sent_header(const policy_send_t *s, const char *name)
{
    return policy_fields_join(&s->headers, &H.arena, name, strlen(name), NULL);
}

Test(integration, log_to_eventhub_posts_to_the_logger_endpoint, .init = endpoint_setup,
     .fini = harness_teardown)
{
    E.endpoint = "http://logs.internal/ingest";
    policy_exec_t *exec = run_with_endpoints(
        POLICIES("<log-to-eventhub logger-id=\"audit\" partition-key=\"@(context.Request.Method)\">"
                 "@(&quot;called &quot; + context.Request.Url.Path)</log-to-eventhub>",
                 "<base/>", "<base/>", ""));
    cr_assert_null(exec->last_error);
    cr_assert_str_eq(E.asked, "logger/audit");
    cr_assert_eq(E.sent_count, 1);
    cr_assert_str_eq(E.sent[0].url, "http://logs.internal/ingest");
    cr_assert_str_eq(E.sent[0].method, "POST");
    cr_assert(E.sent[0].is_one_way);
    cr_assert_eq(E.sent[0].body.len, strlen("called /orders/1"));
    cr_assert_eq(memcmp(E.sent[0].body.bytes, "called /orders/1", E.sent[0].body.len), 0);
    cr_assert_str_eq(sent_header(&E.sent[0], "X-Partition-Key"), "POST");
    cr_assert_eq(exec->response.status, 200, "the request went on");
}

Test(integration, publish_to_dapr_uses_the_sidecar_api, .init = endpoint_setup,
     .fini = harness_teardown)
{
    E.endpoint = "http://localhost:3500/";
    E.answer.status = 204;
    policy_exec_t *exec = run_with_endpoints(
        POLICIES("<publish-to-dapr pubsub-name=\"orders\" topic=\"new order\" "
                 "response-variable-name=\"r\">{\"id\":1}</publish-to-dapr>",
                 "<base/>", "<base/>", ""));
    cr_assert_null(exec->last_error);
    cr_assert_eq(E.sent_count, 1);
    cr_assert_str_eq(E.sent[0].url, "http://localhost:3500/v1.0/publish/orders/new%20order");
    cr_assert_str_eq(sent_header(&E.sent[0], "Content-Type"), "application/json");
    const expr_value_t *r = policy_exec_var_get(exec, "r", 1);
    cr_assert_not_null(r);
    cr_assert_eq(r->tag, EXPR_V_OBJECT);
}

Test(integration, dapr_error_status_fails_unless_ignored, .init = endpoint_setup,
     .fini = harness_teardown)
{
    E.endpoint = "http://localhost:3500";
    E.answer.status = 500;
    policy_exec_t *exec = run_with_endpoints(
        POLICIES("<invoke-dapr-binding name=\"queue\" operation=\"create\"><metadata><item "
                 "key=\"k\">v</item></metadata><data>{\"a\":1}</data></invoke-dapr-binding>",
                 "<base/>", "<base/>", ""));
    cr_assert_not_null(exec->last_error);
    cr_assert_str_eq(exec->last_error->source, "invoke-dapr-binding");
    cr_assert_str_eq(exec->last_error->reason, "ExternalEndpointFailure");
    cr_assert_str_eq(E.sent[0].url, "http://localhost:3500/v1.0/bindings/queue");
    cr_assert_eq(E.sent[0].body.len, strlen("{\"data\":{\"a\":1},\"metadata\":{\"k\":\"v\"},\"operation\":\"create\"}"));
}

Test(integration, service_bus_without_endpoint_fails_clearly)
{
    compile_ok(POLICIES("<send-service-bus-message queue-name=\"orders\"><payload>x</payload>"
                        "</send-service-bus-message>",
                        "<base/>", "<base/>",
                        "<set-header name=\"X-Reason\"><value>@(context.LastError.Reason)</value>"
                        "</set-header>"));
    run();
    cr_assert_not(H.io.is_forwarded);
    const policy_last_error_t *e = H.io.exec->last_error;
    cr_assert_str_eq(e->source, "send-service-bus-message");
    cr_assert_str_eq(e->reason, "ExternalEndpointNotConfigured");
    cr_assert(strstr(e->message, "none is configured for service-bus 'orders'"), "%s", e->message);
    cr_assert_str_eq(response_header("X-Reason"), "ExternalEndpointNotConfigured");
    cr_assert_eq(H.io.exec->response.status, 500);
    cr_assert(strstr(response_body(), "\"statusCode\": 500"), "%s", response_body());
}

Test(integration, log_to_eventhub_compile_errors)
{
    cr_assert_neq(try_compile(POLICIES("<log-to-eventhub logger-id=\"@(context.Api.Name)\">x</log-to-eventhub>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert(strstr(H.err.message, "api policy:1:"), "%s", H.err.message);
    cr_assert_neq(try_compile(POLICIES("<log-to-eventhub logger-id=\"a\" partition-id=\"1\" "
                                       "partition-key=\"k\">x</log-to-eventhub>",
                                       "<base/>", "<base/>", "")),
                  0);
}

/* ---- limits: token limits compile, not enforced (rate limits: test_policies_limits.c) ---- */

Test(integration, token_limits_compile_and_let_requests_through)
{
    compile_ok(POLICIES("<llm-token-limit counter-key=\"k\" tokens-per-minute=\"10\"/>",
                        "<base/>", "<base/>", ""));
    for (int i = 0; i < 3; i++) {
        H.io.is_done = H.io.is_forwarded = false;
        run();
        cr_assert(H.io.is_forwarded, "run %d", i);
    }
}

Test(integration, rate_limit_attribute_checks_name_the_place)
{
    cr_assert_neq(try_compile(POLICIES("<rate-limit-by-key calls=\"5\"\n renewal-period=\"301\" "
                                       "counter-key=\"k\"/>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert(strstr(H.err.message, "api policy:2:18: attribute 'renewal-period'"), "%s", H.err.message);
    cr_assert_neq(try_compile(POLICIES("<rate-limit-by-key calls=\"5\" renewal-period=\"10\" "
                                       "counter-key=\"@(context.Nope)\"/>",
                                       "<base/>", "<base/>", "")),
                  0, "expressions of compile-only policies are compiled too");
    cr_assert_neq(try_compile(POLICIES("<quota-by-key renewal-period=\"3600\" counter-key=\"k\"/>",
                                       "<base/>", "<base/>", "")),
                  0, "calls or bandwidth");
}

Test(integration, limit_concurrency_rejects_over_max_count_and_gives_slots_back)
{
    compile_ok(POLICIES("<limit-concurrency key=\"@(&quot;lc-&quot; + context.Request.Method)\" "
                        "max-count=\"2\"><set-header name=\"X-In\"><value>1</value></set-header>"
                        "</limit-concurrency>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert(H.io.is_forwarded);
    cr_assert_str_eq(forwarded_header("X-In"), "1");
    cr_assert_eq(policy_concurrency_count("lc-GET", 6), 0, "the slot was given back");
    /* Two requests are inside the block elsewhere: the third is refused at once. */
    cr_assert_eq(policy_concurrency_acquire("lc-GET", 6, 2), 0);
    cr_assert_eq(policy_concurrency_acquire("lc-GET", 6, 2), 0);
    H.io.is_done = H.io.is_forwarded = false;
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(H.io.exec->response.status, 429);
    cr_assert_str_eq(H.io.exec->last_error->source, "limit-concurrency");
    cr_assert_str_eq(H.io.exec->last_error->reason, "ConcurrencyLimitExceeded");
    cr_assert_str_eq(response_body(), "{ \"statusCode\": 429, \"message\": \"Too many requests\" }");
    policy_concurrency_release("lc-GET", 6);
    policy_concurrency_release("lc-GET", 6);
    cr_assert_eq(policy_concurrency_count("lc-GET", 6), 0);
}

/* ---- caches: always a miss ---- */

Test(integration, cache_lookup_value_is_a_miss_with_the_default)
{
    compile_ok(POLICIES("<cache-store-value key=\"k\" value=\"v\" duration=\"60\"/>"
                        "<cache-lookup-value key=\"k\" variable-name=\"hit\" default-value=\"none\"/>"
                        "<cache-lookup-value key=\"k\" variable-name=\"unset\"/>"
                        "<cache-remove-value key=\"k\"/>"
                        "<set-header name=\"X-Hit\"><value>@((string)context.Variables[&quot;hit&quot;])</value></set-header>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert_str_eq(forwarded_header("X-Hit"), "none");
    cr_assert_null(policy_exec_var_get(H.io.exec, "unset", 5), "no default-value: not set");
    const expr_value_t *v = policy_exec_var_get(H.io.exec, "hit", 3);
    cr_assert_not_null(v);
}

Test(integration, cache_lookup_and_store_compile_and_miss)
{
    compile_ok(POLICIES("<cache-lookup vary-by-developer=\"false\" vary-by-developer-groups=\"false\">"
                        "<vary-by-header>Accept</vary-by-header></cache-lookup>",
                        "<base/>", "<cache-store duration=\"60\"/>", ""));
    run();
    cr_assert(H.io.is_forwarded);
    cr_assert_neq(try_compile(POLICIES("<cache-lookup vary-by-developer=\"maybe\" "
                                       "vary-by-developer-groups=\"false\"/>",
                                       "<base/>", "<base/>", "")),
                  0);
}

/* ---- validation ---- */

#define VALIDATE_CONTENT                                                                           \
    "<validate-content unspecified-content-type-action=\"prevent\" max-size=\"10\" "               \
    "size-exceeded-action=\"prevent\" errors-variable-name=\"errors\">"                            \
    "<content type=\"application/json\" validate-as=\"json\" action=\"prevent\"/></validate-content>"

Test(integration, validate_content_size_limit)
{
    H.io.method = "POST";
    H.io.body = "{\"a\":\"0123456789\"}";
    H.io.body_len = strlen(H.io.body);
    add_header(&H.io.headers, "Content-Type", "application/json");
    compile_ok(POLICIES(VALIDATE_CONTENT, "<base/>", "<base/>", ""));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(H.io.exec->response.status, 400);
    cr_assert_str_eq(H.io.exec->last_error->source, "validate-content");
    cr_assert_str_eq(H.io.exec->last_error->reason, "SizeLimit");
    cr_assert_str_eq(H.io.exec->last_error->message,
                     "Request's body is 18 bytes long and exceeds the limit of 10 bytes.");
}

Test(integration, validate_content_type)
{
    H.io.method = "POST";
    H.io.body = "<a/>";
    H.io.body_len = 4;
    add_header(&H.io.headers, "Content-Type", "application/xml; charset=utf-8");
    compile_ok(POLICIES(VALIDATE_CONTENT, "<base/>", "<base/>", ""));
    run();
    cr_assert_eq(H.io.exec->response.status, 400);
    cr_assert_str_eq(H.io.exec->last_error->reason, "Unspecified");
    harness_teardown();
    harness_setup();
    H.io.method = "POST";
    H.io.body = "{}";
    H.io.body_len = 2;
    add_header(&H.io.headers, "Content-Type", "Application/JSON; charset=utf-8");
    compile_ok(POLICIES(VALIDATE_CONTENT, "<base/>", "<base/>", ""));
    run();
    cr_assert(H.io.is_forwarded);
}

Test(integration, other_validation_policies_pass)
{
    compile_ok(POLICIES("<validate-parameters specified-parameter-action=\"prevent\" "
                        "unspecified-parameter-action=\"prevent\"/>",
                        "<base/>",
                        "<validate-headers specified-header-action=\"prevent\" unspecified-header-action=\"prevent\"/>"
                        "<validate-status-code unspecified-status-code-action=\"prevent\"/>",
                        ""));
    run();
    cr_assert(H.io.is_forwarded);
    cr_assert_eq(H.io.exec->response.status, 200);
    cr_assert_neq(try_compile(POLICIES("<validate-parameters specified-parameter-action=\"block\" "
                                       "unspecified-parameter-action=\"prevent\"/>",
                                       "<base/>", "<base/>", "")),
                  0);
}
