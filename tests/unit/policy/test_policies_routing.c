/* Routing policies run by the executor (spec §2.2, §4.4): set-backend-service (base-url and
 * backend-id, literal and computed, the backend-id quirk), forward-request options, proxy. */
#include "exec_harness.h"

#include <errno.h>

TestSuite(routing, .init = harness_setup, .fini = harness_teardown);

static int backends(void *ctx, const char *id, const char **url, const void **handle)
{
    (void)ctx;
    static const int orders_handle = 1, billing_handle = 2;
    if (strcmp(id, "orders") == 0) {
        *url = "https://orders.internal:8443/v2";
        *handle = &orders_handle;
        return 0;
    }
    if (strcmp(id, "billing") == 0) {
        *url = "http://billing.internal/";
        *handle = &billing_handle;
        return 0;
    }
    return -ENOENT;
}

static const policy_local_options_t with_backends = {.exec = {.backend_lookup = backends}};

Test(routing, base_url_keeps_the_operation_path_and_query)
{
    H.io.url = "http://gw.example/api/partners/15?version=2013-05&subscription-key=abcdef";
    H.io.api_path = "api";
    compile_ok(POLICIES("<set-backend-service base-url=\"http://contoso.com/api/10.4/\"/>", "<base/>",
                        "<base/>", "<base/>"));
    run();
    /* the §2.2 example */
    cr_assert_str_eq(H.io.forwarded.url,
                     "http://contoso.com/api/10.4/partners/15?version=2013-05&subscription-key=abcdef");
}

Test(routing, base_url_from_an_expression)
{
    add_header(&H.io.headers, "X-Target", "blue");
    compile_ok(POLICIES("<set-backend-service base-url=\"@(&quot;https://&quot; + "
                        "context.Request.Headers.GetValueOrDefault(&quot;X-Target&quot;, &quot;green&quot;) + "
                        "&quot;.example:9000/root&quot;)\"/>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(H.io.forwarded.url, "https://blue.example:9000/root/orders/1?x=1");
}

Test(routing, a_computed_base_url_that_is_not_a_url_fails_the_request)
{
    compile_ok(POLICIES("<set-backend-service base-url=\"@(&quot;nope&quot;)\"/>", "<base/>", "<base/>",
                        "<base/>"));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_str_eq(H.io.exec->last_error->source, "set-backend-service");
    cr_assert_str_eq(H.io.exec->last_error->message, "'nope' is not an absolute http(s) URL");
    cr_assert_eq(H.io.exec->response.status, 500);
}

Test(routing, backend_id_resolved_at_compile_time)
{
    cr_assert_eq(compile_with(POLICIES("<set-backend-service backend-id=\"orders\"/>", "<base/>", "<base/>",
                                       "<base/>"),
                              &with_backends),
                 0, "%s", H.err.message);
    run();
    cr_assert_str_eq(H.io.forwarded.url, "https://orders.internal:8443/v2/orders/1?x=1");
    cr_assert_not_null(H.io.exec->backend);
    cr_assert_eq(*(const int *)H.io.exec->backend, 1);
    cr_assert_eq(compile_with(POLICIES("<set-backend-service backend-id=\"ghost\"/>", "<base/>", "<base/>",
                                       "<base/>"),
                              &with_backends),
                 -EINVAL);
    cr_assert(strstr(H.err.message, "backend 'ghost' is not defined"), "%s", H.err.message);
}

Test(routing, backend_id_from_an_expression_is_looked_up_per_request)
{
    add_header(&H.io.headers, "X-Backend", "billing");
    cr_assert_eq(compile_with(POLICIES("<set-backend-service backend-id=\"@(context.Request.Headers.GetValueOrDefault(&quot;X-Backend&quot;, &quot;&quot;))\"/>",
                                       "<base/>", "<base/>", "<base/>"),
                              &with_backends),
                 0, "%s", H.err.message);
    run();
    cr_assert_str_eq(H.io.forwarded.url, "http://billing.internal/orders/1?x=1");
    harness_teardown();
    harness_setup();
    add_header(&H.io.headers, "X-Backend", "ghost");
    cr_assert_eq(compile_with(POLICIES("<set-backend-service backend-id=\"@(context.Request.Headers.GetValueOrDefault(&quot;X-Backend&quot;, &quot;&quot;))\"/>",
                                       "<base/>", "<base/>", "<base/>"),
                              &with_backends),
                 0);
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_str_eq(H.io.exec->last_error->message, "backend 'ghost' is not defined");
}

Test(routing, a_later_base_url_does_not_override_a_backend_id)
{
    /* §2.2 quirk: only another backend-id replaces one */
    cr_assert_eq(compile_with(POLICIES("<set-backend-service backend-id=\"orders\"/>"
                                       "<set-backend-service base-url=\"http://other.example/\"/>",
                                       "<base/>", "<base/>", "<base/>"),
                              &with_backends),
                 0, "%s", H.err.message);
    run();
    cr_assert_str_eq(H.io.forwarded.url, "https://orders.internal:8443/v2/orders/1?x=1");
    cr_assert_eq(compile_with(POLICIES("<set-backend-service backend-id=\"orders\"/>"
                                       "<set-backend-service backend-id=\"billing\"/>",
                                       "<base/>", "<base/>", "<base/>"),
                              &with_backends),
                 0);
    harness_teardown();
    harness_setup();
    cr_assert_eq(compile_with(POLICIES("<set-backend-service backend-id=\"orders\"/>"
                                       "<set-backend-service backend-id=\"billing\"/>",
                                       "<base/>", "<base/>", "<base/>"),
                              &with_backends),
                 0);
    run();
    cr_assert_str_eq(H.io.forwarded.url, "http://billing.internal/orders/1?x=1");
}

Test(routing, set_backend_service_in_the_backend_section)
{
    compile_ok(POLICIES("<base/>", "<choose><when condition=\"true\"><set-backend-service base-url=\"http://b.example\"/>"
                        "</when></choose>",
                        "<base/>", "<base/>"));
    run();
    /* the backend section's own choose replaced the global forward-request: not called */
    cr_assert_not(H.io.is_forwarded);
}

Test(routing, forward_request_options)
{
    compile_ok(POLICIES("<base/>",
                        "<forward-request timeout-ms=\"@(1500)\" follow-redirects=\"@(true)\" "
                        "buffer-request-body=\"true\" buffer-response=\"false\" http-version=\"2or1\" "
                        "continue-timeout=\"2\"/>",
                        "<base/>", "<base/>"));
    run();
    const policy_forward_t *f = &H.io.forwarded.forward;
    cr_assert_eq(f->timeout_ms, 1500);
    cr_assert_eq(f->continue_timeout_ms, 2000);
    cr_assert(f->follow_redirects);
    cr_assert(f->buffer_request_body);
    cr_assert_not(f->buffer_response);
    cr_assert_not(f->fail_on_error_status_code);
    cr_assert_eq(f->http_version, 21);
}

Test(routing, forward_request_defaults)
{
    compile_ok(POLICIES("<base/>", "<forward-request/>", "<base/>", "<base/>"));
    run();
    const policy_forward_t *f = &H.io.forwarded.forward;
    cr_assert_eq(f->timeout_ms, 300000);
    cr_assert_not(f->follow_redirects);
    cr_assert_not(f->buffer_request_body);
    cr_assert(f->buffer_response);
    cr_assert_eq(f->http_version, 1);
    cr_assert_null(f->proxy_url);
    /* no retry, no body read: the request body may stream */
    cr_assert_not(policy_exec_program_flags(policy_local_program(H.program)) & POLICY_NEEDS_REQUEST_BODY);
}

Test(routing, proxy_applies_to_forward_request)
{
    compile_ok(POLICIES("<proxy url=\"http://proxy.example:3128\" username=\"u\" password=\"@(&quot;p&quot;)\"/>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    const policy_forward_t *f = &H.io.forwarded.forward;
    cr_assert_str_eq(f->proxy_url, "http://proxy.example:3128");
    cr_assert_str_eq(f->proxy_username, "u");
    cr_assert_str_eq(f->proxy_password, "p");
}

Test(routing, forward_request_outside_backend_is_refused_by_composition)
{
    cr_assert_eq(try_compile(POLICIES("<forward-request/>", "<base/>", "<base/>", "<base/>")), -EINVAL);
}

Test(routing, the_dapr_form_is_refused_by_name)
{
    cr_assert_eq(compile_with(POLICIES("<set-backend-service backend-id=\"dapr\" dapr-app-id=\"orders\"/>",
                                       "<base/>", "<base/>", "<base/>"),
                              &with_backends),
                 -EINVAL);
    cr_assert(strstr(H.err.message, ":1:59: the Dapr form of <set-backend-service> ('dapr-app-id') is not supported"),
              "%s", H.err.message);
}
