/* The executor (src/policy/exec.h): the pipeline of §1.4 (sections in order, no
 * forward-request ⇒ no backend and an empty 200, errors to on-error, an error in on-error ⇒
 * the default response of the first error, return-response ends everything), LastError
 * (§1.5), default error responses (§4.6), the step layout of choose/retry/wait, program
 * flags, and the message model helpers. */
#include "exec_harness.h"

#include "policy/concurrency.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

TestSuite(exec, .init = harness_setup, .fini = harness_teardown);

Test(exec, default_pipeline_forwards_to_the_service_url)
{
    H.io.service_url = "http://backend.example/api/10.4/";
    H.io.api_path = "orders";
    H.io.url = "http://gw.example/orders/partners/15?version=2013-05&subscription-key=abcdef";
    add_header(&H.io.backend_headers, "X-Backend", "yes");
    H.io.backend_status = 201;
    H.io.backend_body = "created";
    compile_ok(POLICIES("<base/>", "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert(H.io.is_forwarded);
    /* §2.2 example: base + operation remainder + query, no "//" at the join (§4.4) */
    cr_assert_str_eq(H.io.forwarded.url,
                     "http://backend.example/api/10.4/partners/15?version=2013-05&subscription-key=abcdef");
    cr_assert_str_eq(H.io.forwarded.method, "GET");
    cr_assert_eq(H.io.forwarded.forward.timeout_ms, 300000); /* forward-request default 300 s */
    cr_assert_eq(H.io.exec->response.status, 201);
    cr_assert_str_eq(response_header("X-Backend"), "yes");
    cr_assert_str_eq(response_body(), "created");
    cr_assert_null(H.io.exec->last_error);
    cr_assert(policy_exec_program_flags(policy_local_program(H.program)) & POLICY_CALLS_BACKEND);
}

Test(exec, no_forward_request_means_no_backend_and_an_empty_200)
{
    compile_ok("<policies><inbound/><backend/><outbound>"
               "<set-header name=\"X-Out\"><value>1</value></set-header></outbound></policies>");
    /* an API document whose backend section is empty replaces the global forward-request */
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(H.io.exec->response.status, 200);
    cr_assert_eq(H.io.exec->response.body.kind, POLICY_BODY_NONE);
    cr_assert_str_eq(response_header("X-Out"), "1"); /* outbound ran */
}

Test(exec, return_response_ends_every_section)
{
    compile_ok(POLICIES("<return-response><set-status code=\"403\" reason=\"Nope\"/>"
                        "<set-header name=\"X-A\"><value>a</value></set-header>"
                        "<set-body>denied</set-body></return-response>"
                        "<set-header name=\"X-Never\"><value>1</value></set-header>",
                        "<base/>", "<set-header name=\"X-Out\"><value>1</value></set-header>",
                        "<base/>"));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(H.io.exec->response.status, 403);
    cr_assert_str_eq(H.io.exec->response.reason, "Nope");
    cr_assert_str_eq(response_header("X-A"), "a");
    cr_assert_null(response_header("X-Out"));
    cr_assert_str_eq(response_body(), "denied");
}

Test(exec, return_response_defaults_to_an_empty_200)
{
    compile_ok(POLICIES("<return-response/>", "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.exec->response.status, 200);
    cr_assert_eq(H.io.exec->response.headers.count, 0);
    cr_assert_eq(H.io.exec->response.body.kind, POLICY_BODY_NONE);
}

Test(exec, backend_failure_goes_to_on_error_with_last_error)
{
    H.io.backend_error = POLICY_E_BACKEND_CONNECTION;
    compile_ok(POLICIES("<base/>", "<base/>", "<set-header name=\"X-Out\"><value>1</value></set-header>",
                        "<set-header name=\"X-Err\"><value>seen</value></set-header>"));
    run();
    const policy_last_error_t *e = H.io.exec->last_error;
    cr_assert_not_null(e);
    cr_assert_str_eq(e->source, "forward-request");
    cr_assert_str_eq(e->reason, "BackendConnectionFailure");
    cr_assert_str_eq(e->section, "backend");
    cr_assert_str_eq(e->scope, "global");
    cr_assert_str_eq(e->path, "forward-request[1]");
    /* §4.6: 500 with the JSON body and activityId; on-error's header applied; outbound skipped */
    cr_assert_eq(H.io.exec->response.status, 500);
    cr_assert_str_eq(response_header("X-Err"), "seen");
    cr_assert_null(response_header("X-Out"));
    cr_assert_str_eq(response_header("Content-Type"), "application/json; charset=utf-8");
    cr_assert_str_eq(response_body(), "{ \"statusCode\": 500, \"message\": \"Internal server error\", "
                                      "\"activityId\": \"10111213-1415-1617-1819-1a1b1c1d1e1f\" }");
}

Test(exec, timeout_has_reason_timeout)
{
    H.io.backend_error = POLICY_E_TIMEOUT;
    compile_ok(POLICIES("<base/>", "<forward-request timeout=\"5\"/>", "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(H.io.exec->last_error->reason, "Timeout");
    cr_assert_str_eq(H.io.exec->last_error->scope, "api");
    cr_assert_eq(H.io.forwarded.forward.timeout_ms, 5000);
    cr_assert_eq(H.io.exec->response.status, 500);
}

Test(exec, on_error_can_replace_the_error_response)
{
    H.io.backend_error = POLICY_E_TIMEOUT;
    compile_ok(POLICIES("<base/>", "<base/>", "<base/>",
                        "<return-response><set-status code=\"504\" reason=\"Slow\"/></return-response>"));
    run();
    cr_assert_eq(H.io.exec->response.status, 504);
}

Test(exec, an_error_in_on_error_gives_the_default_response_of_the_first_error)
{
    H.io.backend_error = POLICY_E_BACKEND_CONNECTION;
    /* send-request without a host that answers errors: make it fail with a bad mode */
    compile_ok(POLICIES("<base/>", "<base/>", "<base/>",
                        "<set-status code=\"418\" reason=\"Teapot\"/>"
                        "<send-request mode=\"new\" response-variable-name=\"r\">"
                        "<set-url>not a url</set-url><set-method>BAD METHOD</set-method></send-request>"
                        "<set-header name=\"X-Never\"><value>1</value></set-header>"));
    run();
    cr_assert_str_eq(H.io.exec->last_error->reason, "BackendConnectionFailure");
    cr_assert_eq(H.io.exec->response.status, 500);
    cr_assert_null(response_header("X-Never"));
}

Test(exec, fail_on_error_status_code_raises)
{
    H.io.backend_status = 503;
    compile_ok(POLICIES("<base/>", "<forward-request fail-on-error-status-code=\"true\"/>", "<base/>",
                        "<base/>"));
    run();
    cr_assert_not_null(H.io.exec->last_error);
    cr_assert_str_eq(H.io.exec->last_error->source, "forward-request");
    cr_assert_eq(H.io.exec->response.status, 500);
}

Test(exec, backend_error_status_passes_through_by_default)
{
    H.io.backend_status = 503;
    compile_ok(POLICIES("<base/>", "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_null(H.io.exec->last_error);
    cr_assert_eq(H.io.exec->response.status, 503);
}

/* ---- choose ---- */

static const char choose_doc[] =
    POLICIES("<choose>"
             "<when condition=\"false\"><set-header name=\"X-Branch\"><value>first</value></set-header></when>"
             "<when condition=\"true\"><set-header name=\"X-Branch\"><value>second</value></set-header>"
             "<set-header name=\"X-Second\"><value>yes</value></set-header></when>"
             "<otherwise><set-header name=\"X-Branch\"><value>other</value></set-header></otherwise>"
             "</choose><set-header name=\"X-After\"><value>1</value></set-header>",
             "<base/>", "<base/>", "<base/>");

Test(exec, choose_runs_the_first_true_when_only)
{
    compile_ok(choose_doc);
    run();
    cr_assert_str_eq(forwarded_header("X-Branch"), "second");
    cr_assert_str_eq(forwarded_header("X-Second"), "yes");
    cr_assert_str_eq(forwarded_header("X-After"), "1");
}

Test(exec, choose_falls_to_otherwise_and_without_otherwise_does_nothing)
{
    compile_ok(POLICIES("<choose><when condition=\"false\"><set-header name=\"X-Branch\"><value>w</value>"
                        "</set-header></when><otherwise><set-header name=\"X-Branch\"><value>o</value>"
                        "</set-header></otherwise></choose>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(forwarded_header("X-Branch"), "o");
    harness_teardown();
    harness_setup();
    compile_ok(POLICIES("<choose><when condition=\"FALSE\"><set-header name=\"X-Branch\"><value>w</value>"
                        "</set-header></when></choose>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_null(forwarded_header("X-Branch"));
}

Test(exec, choose_compiles_to_jumps)
{
    compile_ok(choose_doc);
    /* when, set-header, jump, when, set-header, set-header, jump, set-header (otherwise),
     * set-header (after) */
    cr_assert_eq(policy_exec_program_steps(policy_local_program(H.program), POLICY_SECTION_INBOUND), 9);
}

Test(exec, last_error_path_names_nested_elements)
{
    compile_ok(POLICIES("<set-header name=\"a\"><value>1</value></set-header>"
                        "<choose><when condition=\"false\"/><when condition=\"true\">"
                        "<set-header name=\"b\"><value>1</value></set-header>"
                        "<set-status code=\"200\" id=\"mine\"/>"
                        "<mock-response status-code=\"200\"/></when></choose>",
                        "<base/>", "<base/>", "<base/>"));
    const policy_exec_program_t *p = policy_local_program(H.program);
    (void)p;
    /* force an error in the nested set-header: an empty header name at run time is refused,
     * so use a step whose run fails — send-request with a non-absolute URL */
    compile_ok(POLICIES("<choose><when condition=\"false\"/><when condition=\"true\">"
                        "<set-header name=\"b\"><value>1</value></set-header>"
                        "<send-request mode=\"new\" response-variable-name=\"r\" id=\"call\">"
                        "<set-url>http://x.example/</set-url><set-method>BAD METHOD</set-method>"
                        "</send-request></when></choose>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    const policy_last_error_t *e = H.io.exec->last_error;
    cr_assert_not_null(e);
    cr_assert_str_eq(e->path, "choose[1]/when[2]/send-request[1]");
    cr_assert_str_eq(e->policy_id, "call");
    cr_assert_str_eq(e->source, "send-request");
    cr_assert_str_eq(e->section, "inbound");
    cr_assert_str_eq(e->message, "invalid HTTP method");
}

/* ---- forward-request twice on one composed path (§1.6 counts per document) ---- */

Test(exec, a_second_forward_resends_the_current_request_and_replaces_the_response)
{
    compile_ok(POLICIES("<base/>", "<base/>", "<base/>", "<base/>"));
    /* one forward-request outside <retry>: the body may stream, nothing replays it */
    cr_assert_not(policy_exec_program_flags(policy_local_program(H.program)) & POLICY_NEEDS_REQUEST_BODY);

    H.io.method = "POST";
    H.io.body = "payload";
    H.io.body_len = 7;
    H.io.backend_status = 201;
    H.io.backend_body = "created";
    add_header(&H.io.backend_headers, "X-Backend", "yes");
    /* the global document forwards, then the API document changes the request and the
     * response, and forwards again */
    compile_ok(POLICIES("<base/>",
                        "<base/><choose><when condition=\"true\">"
                        "<set-header name=\"X-Attempt\" exists-action=\"override\">"
                        "<value>@(context.Response.StatusCode.ToString())</value></set-header>"
                        "<set-status code=\"299\" reason=\"Between\"/>"
                        "<forward-request timeout=\"7\"/></when></choose>",
                        "<set-header name=\"X-Out\" exists-action=\"override\">"
                        "<value>@(context.Response.StatusCode.ToString())</value></set-header>",
                        "<base/>"));
    /* the second forward must send the body again: the host buffers it */
    cr_assert(policy_exec_program_flags(policy_local_program(H.program)) & POLICY_NEEDS_REQUEST_BODY);
    run();
    cr_assert_null(H.io.exec->last_error);
    cr_assert_eq(H.io.forward_count, 2);
    /* what was sent last is the current request: the header set between the two, the body */
    cr_assert_str_eq(forwarded_header("X-Attempt"), "201"); /* the first answer was visible */
    cr_assert_str_eq(H.io.forwarded.method, "POST");
    cr_assert_eq(H.io.forwarded.forward.timeout_ms, 7000);
    cr_assert_eq(H.io.forwarded.body.kind, POLICY_BODY_BYTES);
    cr_assert_eq(H.io.forwarded.body.len, 7);
    cr_assert_eq(memcmp(H.io.forwarded.body.bytes, "payload", 7), 0);
    /* the second answer replaced the response, the set-status between them included, and
     * the first answer's headers are not kept beside the second's */
    cr_assert_eq(H.io.exec->response.status, 201);
    cr_assert(!H.io.exec->response.reason || strcmp(H.io.exec->response.reason, "Between") != 0);
    cr_assert_str_eq(response_header("X-Backend"), "yes");
    cr_assert_str_eq(response_header("X-Out"), "201");
    cr_assert_str_eq(response_body(), "created");
}

/* ---- XmlReader in a policy (lib_xml_reader.c): the conformance document runs, and
 * malformed XML goes to on-error ---- */

Test(exec, extract_value_from_xml_conformance_document_answers_the_value)
{
    /* read in place; a missing document is a failure (STYLE.md §10) */
    FILE *f = fopen("../shared/conformance/policy-snippets/Extract-value-from-XML.xml", "rb");
    cr_assert_not_null(f, "the conformance documents must be present (../shared/conformance)");
    static char text[8192];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    cr_assert(len > 0 && len < sizeof text - 1);
    int rc = policy_local_compile(text, len, "api policy", NULL, &H.program, &H.err);
    cr_assert_eq(rc, 0, "%s", H.err.message);
    run();
    cr_assert_null(H.io.exec->last_error);
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(H.io.exec->response.status, 200);
    cr_assert_str_eq(response_body(), "ABCDEF123456789");
}

Test(exec, malformed_xml_in_an_xml_reader_goes_to_on_error)
{
    compile_ok(POLICIES("<set-variable name=\"v\" value=\"@{ using (var r = XmlReader.Create(new "
                        "StringReader(&quot;&lt;a&gt;&lt;b&gt;&lt;/a&gt;&quot;))) { while (r.Read()) { } } "
                        "return 1; }\"/>",
                        "<base/>", "<base/>",
                        "<set-header name=\"X-Error\"><value>@(context.LastError.Reason)</value></set-header>"));
    run();
    const policy_last_error_t *e = H.io.exec->last_error;
    cr_assert_not_null(e);
    cr_assert_str_eq(e->reason, "ExpressionValueEvaluationFailure");
    cr_assert(strstr(e->message, "XmlException"), "%s", e->message);
    cr_assert(strstr(e->message, "Opening and ending tag mismatch"), "%s", e->message);
    cr_assert_eq(H.io.exec->response.status, 500);
    cr_assert_str_eq(response_header("X-Error"), "ExpressionValueEvaluationFailure");
}

/* ---- retry ---- */

Test(exec, retry_runs_once_when_the_condition_is_false)
{
    compile_ok(POLICIES("<base/>",
                        "<retry condition=\"false\" count=\"3\" interval=\"1\"><forward-request/></retry>",
                        "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.forward_count, 1);
    cr_assert_eq(H.io.waited_ms, 0);
    /* a retried forward-request replays the body: the host must buffer it */
    cr_assert(policy_exec_program_flags(policy_local_program(H.program)) & POLICY_NEEDS_REQUEST_BODY);
}

Test(exec, retry_repeats_count_times_with_fixed_interval)
{
    compile_ok(POLICIES("<base/>",
                        "<retry condition=\"true\" count=\"3\" interval=\"2\"><forward-request/></retry>",
                        "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.forward_count, 4); /* the first attempt + 3 retries */
    cr_assert_eq(H.io.waited_ms, 6000);
}

Test(exec, retry_linear_and_first_fast)
{
    compile_ok(POLICIES("<base/>",
                        "<retry condition=\"true\" count=\"3\" interval=\"1\" delta=\"2\" "
                        "first-fast-retry=\"true\"><forward-request/></retry>",
                        "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.forward_count, 4);
    /* retry 1 immediate, retry 2: 1 + 1*2, retry 3: 1 + 2*2 */
    cr_assert_eq(H.io.waited_ms, 3000 + 5000);
}

Test(exec, retry_exponential_is_capped_by_max_interval)
{
    compile_ok(POLICIES("<base/>",
                        "<retry condition=\"true\" count=\"6\" interval=\"10\" delta=\"10\" "
                        "max-interval=\"100\"><forward-request/></retry>",
                        "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.forward_count, 7);
    /* 10, ~20, ~40, ~80, 100, 100 (±20% on the growth) */
    cr_assert_geq(H.io.waited_ms, (10 + 18 + 34 + 66 + 100 + 100) * 1000ull);
    cr_assert_leq(H.io.waited_ms, (10 + 22 + 46 + 94 + 100 + 100) * 1000ull);
}

/* ---- wait ---- */

Test(exec, wait_all_runs_every_child_and_any_stops_after_the_first)
{
    compile_ok(POLICIES("<wait for=\"all\">"
                        "<send-request mode=\"new\" response-variable-name=\"a\"><set-url>http://a.example/</set-url></send-request>"
                        "<send-request mode=\"new\" response-variable-name=\"b\"><set-url>http://b.example/</set-url></send-request>"
                        "</wait>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.sent_count, 2);
    cr_assert_not_null(policy_exec_var_get(H.io.exec, "a", 1));
    cr_assert_not_null(policy_exec_var_get(H.io.exec, "b", 1));
    harness_teardown();
    harness_setup();
    compile_ok(POLICIES("<wait for=\"any\">"
                        "<send-request mode=\"new\" response-variable-name=\"a\"><set-url>http://a.example/</set-url></send-request>"
                        "<send-request mode=\"new\" response-variable-name=\"b\"><set-url>http://b.example/</set-url></send-request>"
                        "</wait>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.sent_count, 1);
    cr_assert_str_eq(H.io.sent[0].url, "http://a.example/");
}

/* ---- compile errors ---- */

/* ---- limit-concurrency: ENTER body LEAVE, and every other exit gives the slot back ---- */

Test(exec, limit_concurrency_gives_its_slot_back_on_every_exit)
{
    compile_ok(POLICIES("<limit-concurrency key=\"exec-test\" max-count=\"1\">"
                        "<set-header name=\"X-In\"><value>1</value></set-header></limit-concurrency>",
                        "<limit-concurrency key=\"exec-test-b\" max-count=\"1\"><forward-request/></limit-concurrency>",
                        "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(forwarded_header("X-In"), "1");
    cr_assert_eq(policy_concurrency_count("exec-test", 9), 0);
    cr_assert_eq(policy_concurrency_count("exec-test-b", 11), 0);
    /* the backend fails inside the block: on-error runs, the slot is free again */
    harness_teardown();
    harness_setup();
    H.io.backend_error = POLICY_E_BACKEND_CONNECTION;
    compile_ok(POLICIES("<base/>",
                        "<limit-concurrency key=\"exec-test-b\" max-count=\"1\"><forward-request/></limit-concurrency>",
                        "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.exec->response.status, 500);
    cr_assert_eq(policy_concurrency_count("exec-test-b", 11), 0);
    /* return-response inside the block */
    harness_teardown();
    harness_setup();
    compile_ok(POLICIES("<limit-concurrency key=\"exec-test\" max-count=\"1\"><return-response/></limit-concurrency>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_eq(policy_concurrency_count("exec-test", 9), 0);
    cr_assert_not(H.io.is_forwarded);
}

Test(exec, a_full_limit_concurrency_answers_429)
{
    cr_assert_eq(policy_concurrency_acquire("exec-full", 9, 1), 0);
    compile_ok(POLICIES("<limit-concurrency key=\"exec-full\" max-count=\"1\"><set-header name=\"X\">"
                        "<value>1</value></set-header></limit-concurrency>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    policy_concurrency_release("exec-full", 9);
    cr_assert_eq(H.io.exec->response.status, 429);
    cr_assert_str_eq(H.io.exec->last_error->source, "limit-concurrency");
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(policy_concurrency_count("exec-full", 9), 0);
}

Test(exec, literal_backend_id_must_exist)
{
    cr_assert_eq(try_compile("<policies><inbound><set-backend-service backend-id=\"nope\"/></inbound></policies>"),
                 -EINVAL);
    cr_assert_str_eq(H.err.message, "api policy:1:53: backend 'nope' is not defined");
}

/* ---- message model ---- */

Test(exec, fields_are_case_insensitive_for_headers_and_join_with_commas)
{
    policy_fields_t f = {.is_case_insensitive = true};
    add_header(&f, "Accept", "a");
    add_header(&f, "X", "1");
    add_header(&f, "accept", "b");
    cr_assert_eq(policy_fields_count(&f, "ACCEPT", 6), 2);
    cr_assert_str_eq(header_of(&f, "accept"), "a,b");
    cr_assert_eq(policy_fields_find(&f, "accept", 6, 1), 2);
    cr_assert_eq(policy_fields_remove(&f, "Accept", 6), 2);
    cr_assert_eq(f.count, 1);
    cr_assert_null(header_of(&f, "accept"));
    policy_fields_t q = {0};
    add_header(&q, "a", "1");
    cr_assert_eq(policy_fields_count(&q, "A", 1), 0); /* query names are case-sensitive */
}

Test(exec, url_parse_and_format)
{
    policy_url_t u;
    cr_assert_eq(policy_url_parse(&H.arena, "https://h.example:8443/base/?a=1&b", 34, true, &u), 0);
    cr_assert_str_eq(u.scheme, "https");
    cr_assert_str_eq(u.host, "h.example");
    cr_assert_eq(u.port, 8443);
    cr_assert_str_eq(u.base_path, "/base/");
    cr_assert_eq(u.query.count, 2);
    u.path = "/x";
    cr_assert_str_eq(policy_url_format(&H.arena, &u, NULL), "https://h.example:8443/base/x?a=1&b");
    cr_assert_str_eq(policy_url_path(&H.arena, &u), "/base/x");
    cr_assert_eq(policy_url_parse(&H.arena, "ftp://x/", 8, false, &u), -EINVAL);
    cr_assert_eq(policy_url_parse(&H.arena, "http://:80/", 11, false, &u), -EINVAL);
    cr_assert_eq(policy_url_parse(&H.arena, "http://h/", 9, false, &u), 0);
    cr_assert_eq(u.port, 80);
    cr_assert_str_eq(policy_url_format(&H.arena, &u, NULL), "http://h/");
}

Test(exec, status_reasons)
{
    cr_assert_str_eq(policy_status_reason(200), "OK");
    cr_assert_str_eq(policy_status_reason(429), "Too Many Requests");
    cr_assert_str_eq(policy_status_reason(299), "Unknown");
}

Test(exec, variables_replace_by_name)
{
    compile_ok(POLICIES("<set-variable name=\"v\" value=\"one\"/><set-variable name=\"v\" value=\"two\"/>"
                        "<set-variable name=\"w\" value=\"3\"/>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    const expr_value_t *v = policy_exec_var_get(H.io.exec, "v", 1);
    cr_assert_not_null(v);
    cr_assert_eq(v->tag, EXPR_V_STRING);
    cr_assert_eq(v->u.s.len, 3);
    cr_assert_eq(memcmp(v->u.s.ptr, "two", 3), 0);
    /* a literal is a string, even when it looks like a number (§2.3 set-variable) */
    cr_assert_eq(policy_exec_var_get(H.io.exec, "w", 1)->tag, EXPR_V_STRING);
    cr_assert_null(policy_exec_var_get(H.io.exec, "x", 1));
}

/* ---- per-request cost ---- */

static double ns_per_run(int runs)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < runs; i++) {
        arena_reset(&H.arena);
        memset(&H.io.forwarded, 0, sizeof H.io.forwarded);
        H.io.is_done = false;
        H.io.forward_count = 0;
        H.io.headers = (policy_fields_t){.is_case_insensitive = true};
        add_header(&H.io.headers, "X-Client", "meridian");
        cr_assert_eq(policy_local_run(policy_local_program(H.program), &H.arena, &H.io), 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / runs;
}

/* The benchmark program: the canonical regional example + check-header + set-header,
 * run with the offline host (which also parses the request URL and copies headers, as a
 * gateway does when it fills the request). */
Test(exec, per_request_cost_of_the_canonical_example)
{
    H.io.url = "http://gw.example/orders/1";
    H.io.api_path = "orders";
    H.io.region = "East Asia";
    compile_ok(POLICIES("<base/><check-header name=\"X-Client\" failed-check-httpcode=\"401\" "
                        "failed-check-error-message=\"no\" ignore-case=\"true\"><value>meridian</value></check-header>"
                        "<choose><when condition=\"@(&quot;West US&quot;.Equals(context.Deployment.Region, "
                        "StringComparison.OrdinalIgnoreCase))\"><set-backend-service base-url=\"http://contoso-us.com/\"/></when>"
                        "<when condition=\"@(&quot;East Asia&quot;.Equals(context.Deployment.Region, "
                        "StringComparison.OrdinalIgnoreCase))\"><set-backend-service base-url=\"http://contoso-asia.com/\"/></when>"
                        "<otherwise><set-backend-service base-url=\"http://contoso-other.com/\"/></otherwise></choose>"
                        "<set-header name=\"X-Region\" exists-action=\"override\"><value>@(context.Deployment.Region)</value></set-header>",
                        "<base/>", "<base/>", "<base/>"));
    ns_per_run(1000); /* warm up */
    double ns = ns_per_run(20000);
    cr_assert_str_eq(H.io.forwarded.url, "http://contoso-asia.com/1");
    cr_assert_str_eq(forwarded_header("X-Region"), "East Asia");
    cr_assert_null(H.io.exec->last_error);
    fprintf(stderr, "exec: canonical example + check-header + set-header, offline host: %.0f ns per request\n", ns);
    /* the same without policies: what the offline host itself costs */
    compile_ok(POLICIES("<base/>", "<base/>", "<base/>", "<base/>"));
    double base = ns_per_run(20000);
    fprintf(stderr, "exec: forward only (the host's own work): %.0f ns per request\n", base);
}

/* ---- host contract ---- */

typedef struct {
    int forwards;
    bool done;
} sync_host_t;

/* A host that completes inside the call (against the contract): the executor still runs
 * every step once and in order. */
static int sync_forward(policy_exec_t *exec, const policy_forward_t *opts)
{
    (void)opts;
    sync_host_t *h = exec->host_data;
    h->forwards++;
    exec->response.status = 204;
    policy_exec_forward_done(exec, 0);
    return 0;
}

static void sync_done(policy_exec_t *exec)
{
    sync_host_t *h = exec->host_data;
    cr_assert_not(h->done, "done called twice");
    h->done = true;
}

Test(exec, a_host_completing_inside_the_call_is_handled)
{
    compile_ok(POLICIES("<base/>", "<retry condition=\"true\" count=\"2\" interval=\"0\"><forward-request/></retry>",
                        "<set-header name=\"X-Out\"><value>1</value></set-header>", "<base/>"));
    static const policy_host_t host = {.forward = sync_forward, .done = sync_done};
    sync_host_t h = {0};
    policy_exec_t *exec = policy_exec_new(&H.arena, policy_local_program(H.program), &host, &h);
    cr_assert_eq(policy_url_parse(&H.arena, "http://b.example/x", 18, false, &exec->request.url), 0);
    exec->request.method = "GET";
    cr_assert_eq(policy_exec_start(exec), 0);
    cr_assert(h.done);
    cr_assert_eq(h.forwards, 3);
    cr_assert_eq(exec->response.status, 204);
    cr_assert_str_eq(header_of(&exec->response.headers, "X-Out"), "1");
    cr_assert_eq(policy_exec_start(exec), -EINVAL); /* once */
}

Test(exec, a_client_gone_while_waiting_gets_no_response)
{
    H.io.backend_error = POLICY_E_CLIENT_CONNECTION;
    compile_ok(POLICIES("<base/>", "<base/>", "<base/>", "<set-header name=\"X-Err\"><value>1</value></set-header>"));
    run();
    cr_assert_str_eq(H.io.exec->last_error->reason, "ClientConnectionFailure");
    cr_assert_eq(H.io.exec->response.status, 0);
    cr_assert_null(response_header("X-Err")); /* on-error does not run for nobody */
}

/* ---- policy_compile_defer: what a policy's compile allocates goes with the program ---- */

static int freed_order[4];
static int freed_count;

static void record_free(void *p)
{
    freed_order[freed_count++] = *(int *)p;
}

Test(exec, compile_defer_hooks_run_newest_first_when_the_program_is_freed)
{
    static const char text[] = "<policies><inbound/><backend/><outbound/><on-error/></policies>";
    policy_doc_t *doc = NULL;
    policy_program_t *composed = NULL;
    policy_exec_program_t *program = NULL;
    cr_assert_eq(policy_doc_load(text, sizeof text - 1, POLICY_DOC_POLICY, "global policy", &doc,
                                 &H.err), 0, "%s", H.err.message);
    policy_compose_input_t in = {0};
    in.docs[POLICY_SCOPE_GLOBAL] = doc;
    cr_assert_eq(policy_compose(&in, &composed, &H.err), 0, "%s", H.err.message);
    cr_assert_eq(policy_exec_compile(composed, NULL, &program, &H.err), 0, "%s", H.err.message);
    /* what a compile function is given names the program it builds */
    static int ids[] = {1, 2, 3};
    policy_compile_ctx_t cc = {.target = program};
    freed_count = 0;
    for (int i = 0; i < 3; i++) cr_assert_eq(policy_compile_defer(&cc, record_free, &ids[i]), 0);
    cr_assert_eq(freed_count, 0, "nothing runs before the program is freed");
    policy_exec_program_free(program);
    cr_assert_eq(freed_count, 3);
    cr_assert_eq(freed_order[0], 3);
    cr_assert_eq(freed_order[1], 2);
    cr_assert_eq(freed_order[2], 1);
    /* no program to tie it to: given back at once, and the caller is told */
    policy_compile_ctx_t none = {0};
    cr_assert_eq(policy_compile_defer(&none, record_free, &ids[0]), -ENOMEM);
    cr_assert_eq(freed_count, 4);
    cr_assert_eq(freed_order[3], 1);
    policy_program_free(composed);
    policy_doc_free(doc);
}

/* ---- policy_local_run: one io, several runs ---- */

Test(exec, a_second_run_on_the_same_io_starts_from_nothing)
{
    H.io.send_body = "side";
    compile_ok(POLICIES("<send-request mode=\"new\" response-variable-name=\"r\" timeout=\"5\">"
                        "<set-url>http://side.example/x</set-url><set-method>GET</set-method>"
                        "</send-request>",
                        "<retry condition=\"@(context.Response.StatusCode == 503)\" count=\"1\" "
                        "interval=\"2\"><forward-request/></retry>",
                        "<set-header name=\"X-Side\"><value>@(((IResponse)context.Variables"
                        "[&quot;r&quot;]).StatusCode.ToString())</value></set-header>",
                        "<base/>"));
    H.io.backend_status = 503;
    run();
    cr_assert_eq(H.io.forward_count, 2);
    cr_assert_eq(H.io.sent_count, 1);
    cr_assert_eq(H.io.waited_ms, 2000);
    /* the same io again: every output describes the second run only */
    H.io.backend_status = 200;
    run();
    cr_assert_eq(H.io.exec->response.status, 200);
    cr_assert_str_eq(response_header("X-Side"), "200", "the run went to its end");
    cr_assert_eq(H.io.forward_count, 1);
    cr_assert_eq(H.io.sent_count, 1);
    cr_assert_eq(H.io.waited_ms, 0);
    cr_assert(H.io.is_forwarded);
}
