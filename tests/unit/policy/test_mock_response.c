/* mock-response with the operation's documented responses (spec §2.3, policy_exec_options_t
 * examples): the example for the status and content type, the first content type of the
 * status when none is given, an empty body when nothing matches, and expressions choosing at
 * run time. */
#include "exec_harness.h"

#include <stdio.h>

TestSuite(mock_response, .init = harness_setup, .fini = harness_teardown);

static const policy_response_example_t examples[] = {
    {.status = 200, .content_type = "application/json", .body = "{\"id\":1}", .body_len = 8},
    {.status = 200, .content_type = "application/xml", .body = "<id>1</id>", .body_len = 10},
    {.status = 404, .content_type = "application/problem+json"}, /* documented, no example */
    {.status = 201, .content_type = "text/plain", .body = "a\0b", .body_len = 3},
};

static void compile_mock(const char *attributes)
{
    char text[512];
    snprintf(text, sizeof text,
             "<policies><inbound><mock-response %s/></inbound><backend><forward-request/></backend>"
             "<outbound/><on-error/></policies>",
             attributes);
    policy_local_options_t opts = {.exec = {.examples = examples, .example_count = 4}};
    cr_assert_eq(compile_with(text, &opts), 0, "%s", H.err.message);
}

static void expect(int status, const char *content_type, const char *body, size_t body_len)
{
    run();
    cr_assert_not(H.io.is_forwarded);
    const policy_response_t *r = &H.io.exec->response;
    cr_assert_eq(r->status, status);
    if (content_type) cr_assert_str_eq(response_header("Content-Type"), content_type);
    else cr_assert_null(response_header("Content-Type"));
    if (!body) {
        cr_assert(r->body.kind == POLICY_BODY_NONE || r->body.len == 0, "a body: %.*s", (int)r->body.len,
                  r->body.bytes);
        return;
    }
    cr_assert_eq(r->body.kind, POLICY_BODY_BYTES);
    cr_assert_eq(r->body.len, body_len);
    cr_assert_eq(memcmp(r->body.bytes, body, body_len), 0);
}

Test(mock_response, default_status_takes_the_first_representation)
{
    compile_mock("");
    expect(200, "application/json", "{\"id\":1}", 8);
}

Test(mock_response, content_type_picks_the_representation)
{
    compile_mock("status-code=\"200\" content-type=\"APPLICATION/XML\"");
    expect(200, "APPLICATION/XML", "<id>1</id>", 10);
}

Test(mock_response, a_documented_response_without_example_has_no_body)
{
    compile_mock("status-code=\"404\"");
    expect(404, "application/problem+json", NULL, 0);
}

Test(mock_response, nothing_documented_answers_empty)
{
    compile_mock("status-code=\"500\" content-type=\"text/html\"");
    expect(500, "text/html", NULL, 0);
    compile_mock("status-code=\"200\" content-type=\"text/csv\"");
    expect(200, "text/csv", NULL, 0);
}

Test(mock_response, bodies_keep_their_bytes)
{
    compile_mock("status-code=\"201\"");
    expect(201, "text/plain", "a\0b", 3);
}

Test(mock_response, expressions_choose_per_request)
{
    compile_mock("status-code=\"@(context.Request.Headers.GetValueOrDefault(&quot;X-Status&quot;, &quot;200&quot;))\"");
    expect(200, "application/json", "{\"id\":1}", 8);
    add_header(&H.io.headers, "X-Status", "201");
    rerun();
    cr_assert_eq(H.io.exec->response.status, 201);
    cr_assert_eq(H.io.exec->response.body.len, 3);
}

Test(mock_response, without_examples_the_body_is_empty)
{
    cr_assert_eq(try_compile("<policies><inbound><mock-response status-code=\"200\"/></inbound>"
                             "<backend><forward-request/></backend><outbound/><on-error/></policies>"),
                 0, "%s", H.err.message);
    expect(200, NULL, NULL, 0);
}
