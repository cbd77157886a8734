/* The body transformation policies (src/policy/transform.h) through the executor and its
 * offline host: set-body, find-and-replace, json-to-xml, xml-to-json, jsonp, xsl-transform —
 * attributes, defaults, compile errors, run-time errors and on-error. */
#include "exec_harness.h"

#include "policy/transform.h"

#include <stdio.h>
#include <stdlib.h>

TestSuite(transform, .init = harness_setup, .fini = harness_teardown);

#define JSON_BODY(text)                                                                            \
    do {                                                                                           \
        H.io.method = "POST";                                                                      \
        H.io.body = text;                                                                          \
        H.io.body_len = strlen(text);                                                              \
        add_header(&H.io.headers, "Content-Type", "application/json");                             \
    } while (0)

/* ---- set-body ---- */

Test(transform, set_body_literal_in_both_directions)
{
    compile_ok(POLICIES("<base /><set-body>Hello world!</set-body>", "<base />",
                        "<base /><set-body>bye</set-body>", ""));
    cr_expect_eq(program_flags() & (POLICY_NEEDS_REQUEST_BODY | POLICY_NEEDS_RESPONSE_BODY), 0,
                 "a literal body reads nothing");
    run();
    cr_expect_str_eq(request_body_sent(), "Hello world!");
    cr_expect_str_eq(forwarded_header("Content-Length"), "12");
    cr_expect_str_eq(response_body(), "bye");
    cr_expect_str_eq(response_header("Content-Length"), "3");
}

Test(transform, set_body_expression)
{
    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><set-body>@(\"status \" + context.Response.StatusCode)</set-body>",
                        ""));
    H.io.backend_status = 201;
    run();
    cr_expect_str_eq(response_body(), "status 201");
}

Test(transform, set_body_expression_reads_and_replaces_the_body)
{
    compile_ok(POLICIES("<base /><set-body>@(context.Request.Body.As&lt;string&gt;() + \" and happy\")</set-body>",
                        "<base />", "<base />", ""));
    cr_expect(program_flags() & POLICY_NEEDS_REQUEST_BODY);
    JSON_BODY("so sad");
    run();
    cr_expect_str_eq(request_body_sent(), "so sad and happy");
}

Test(transform, set_body_xml_content_is_the_literal_body)
{
    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><set-body><r a=\"1 &amp; 2\"><b>x &lt; y</b><c/></r></set-body>",
                        ""));
    run();
    cr_expect_str_eq(response_body(), "<r a=\"1 &amp; 2\"><b>x &lt; y</b><c /></r>");
}

Test(transform, set_body_liquid_json)
{
    compile_ok(POLICIES("<base /><set-body template=\"liquid\">{\"order\": {\"id\": "
                        "\"{{body.customer.purchase.identifier}}\", \"who\": "
                        "\"{{context.Request.Headers.X-User | Upcase}}\", \"path\": "
                        "\"{{context.Request.OriginalUrl.Path}}\"}}</set-body>",
                        "<base />", "<base />", ""));
    cr_expect(program_flags() & POLICY_NEEDS_REQUEST_BODY);
    JSON_BODY("{\"customer\": {\"purchase\": {\"identifier\": \"A-17\"}}}");
    add_header(&H.io.headers, "X-User", "ann");
    run();
    cr_expect_str_eq(request_body_sent(),
                     "{\"order\": {\"id\": \"A-17\", \"who\": \"ANN\", \"path\": \"/orders/1\"}}");
}

Test(transform, set_body_liquid_soap_markup_and_variables)
{
    compile_ok(POLICIES(
        "<base /><set-variable name=\"region\" value=\"West\" />"
        "<set-body template=\"liquid\"><soap:Envelope "
        "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetOpenOrders>"
        "<cust>{{body.getOpenOrders.cust}}</cust><region>{{context.Variables.region}}</region>"
        "</GetOpenOrders></soap:Body></soap:Envelope></set-body>",
        "<base />", "<base />", ""));
    JSON_BODY("{\"getOpenOrders\": {\"cust\": \"C&1\"}}");
    run();
    cr_expect_str_eq(request_body_sent(),
                     "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                     "<soap:Body><GetOpenOrders><cust>C&1</cust><region>West</region>"
                     "</GetOpenOrders></soap:Body></soap:Envelope>");
}

Test(transform, set_body_liquid_xml_body_and_xsi_nil)
{
    const char *doc = POLICIES("<base />", "<base />",
                               "<base /><set-body template=\"liquid\" xsi-nil=\"%s\">"
                               "[{{body.Body.Price}}|{{ body.Body.Gone | Default: 'none' }}]"
                               "</set-body>",
                               "");
    char text[1024];
    const char *xml = "<s:Envelope xmlns:s=\"urn:s\" "
                      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><s:Body>"
                      "<Price>12</Price><Gone xsi:nil=\"true\"/></s:Body></s:Envelope>";
    snprintf(text, sizeof text, doc, "null");
    compile_ok(text);
    cr_expect(program_flags() & POLICY_NEEDS_RESPONSE_BODY);
    H.io.backend_body = xml;
    add_header(&H.io.backend_headers, "Content-Type", "text/xml; charset=utf-8");
    run();
    cr_expect_str_eq(response_body(), "[12|none]");

    snprintf(text, sizeof text, doc, "blank");
    compile_ok(text);
    rerun();
    cr_expect_str_eq(response_body(), "[12|none]", "Default replaces \"\" too");
}

Test(transform, set_body_liquid_errors)
{
    compile_error(POLICIES("<base /><set-body template=\"liquid\">\n  {{ body.x | Frobnicate }}"
                           "</set-body>",
                           "<base />", "<base />", ""),
                  "api policy:2:15: Liquid template: unknown filter 'Frobnicate'");
    compile_error(POLICIES("<base /><set-body template=\"liquid\">{% if x %}</set-body>", "<base />",
                           "<base />", ""),
                  "'if' is not closed");
    compile_error(POLICIES("<base /><set-body template=\"mustache\">x</set-body>", "<base />",
                           "<base />", ""),
                  "template");
    /* Division by zero at run time: an error, on-error runs. */
    compile_ok(POLICIES("<base /><set-body template=\"liquid\">{{ 1 | DividedBy: 0 }}</set-body>",
                        "<base />", "<base />",
                        "<set-body>@(context.LastError.Message)</set-body>"));
    run();
    cr_expect_eq(H.io.exec->response.status, 500);
    cr_expect_str_eq(response_body(), "Liquid template, line 1 column 8: divided by 0");
}

Test(transform, set_body_template_none_is_literal)
{
    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><set-body template=\"none\">{{ not liquid }}</set-body>", ""));
    run();
    cr_expect_str_eq(response_body(), "{{ not liquid }}");
}

/* ---- find-and-replace ---- */

Test(transform, find_and_replace)
{
    compile_ok(POLICIES("<base /><find-and-replace from=\"sad\" to=\"happy\" />", "<base />",
                        "<base /><find-and-replace from=\"@(&quot;x&quot; + &quot;y&quot;)\" "
                        "to=\"\" />",
                        ""));
    cr_expect(program_flags() & POLICY_NEEDS_REQUEST_BODY);
    cr_expect(program_flags() & POLICY_NEEDS_RESPONSE_BODY);
    JSON_BODY("sad sad sa");
    H.io.backend_body = "axyb xyxy";
    run();
    cr_expect_str_eq(request_body_sent(), "happy happy sa");
    cr_expect_str_eq(forwarded_header("Content-Length"), "14");
    cr_expect_str_eq(response_body(), "ab ");
    compile_error(POLICIES("<base /><find-and-replace from=\"a\" />", "<base />", "<base />", ""),
                  "to");
}

/* ---- json-to-xml / xml-to-json ---- */

Test(transform, json_to_xml_outbound)
{
    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><json-to-xml apply=\"always\" consider-accept-header=\"false\" "
                        "parse-date=\"false\" namespace-separator=\":\" namespace-prefix=\"xmlns\" "
                        "attribute-block-name=\"#attrs\" />",
                        ""));
    H.io.backend_body = "{\"a:Root\": {\"xmlns:a\": \"urn:a\", \"#attrs\": {\"id\": \"7\"}, "
                        "\"a:When\": \"2012-03-21T05:40Z\"}}";
    run();
    cr_expect_str_eq(response_body(),
                     "<a:Root xmlns:a=\"urn:a\" id=\"7\"><a:When>2012-03-21T05:40Z</a:When></a:Root>");
    cr_expect_str_eq(response_header("Content-Type"), "application/xml");
}

Test(transform, json_to_xml_apply_and_accept)
{
    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><json-to-xml apply=\"content-type-json\" />", ""));
    H.io.backend_body = "{\"a\": 1}";
    run();
    cr_expect_str_eq(response_body(), "{\"a\": 1}", "no JSON Content-Type: unchanged");

    add_header(&H.io.backend_headers, "Content-Type", "application/json");
    rerun();
    cr_expect_str_eq(response_body(), "{\"a\": 1}", "Accept does not ask for XML: unchanged");

    add_header(&H.io.headers, "Accept", "application/xml");
    rerun();
    cr_expect_str_eq(response_body(), "<a>1</a>");
}

Test(transform, json_to_xml_errors)
{
    compile_error(POLICIES("<base />", "<base />", "<base /><json-to-xml />", ""), "apply");
    compile_error(POLICIES("<base />", "<base />",
                           "<base /><json-to-xml apply=\"always\" namespace-separator=\"::\" />", ""),
                  "must be one character");
    compile_error(POLICIES("<base />", "<base />",
                           "<base /><json-to-xml apply=\"always\" parse-date=\"@(true)\" />", ""),
                  "parse-date");
    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><json-to-xml apply=\"always\" consider-accept-header=\"false\" />",
                        "<set-body>@(context.LastError.Source + \": \" + "
                        "context.LastError.Message)</set-body>"));
    H.io.backend_body = "{not json";
    run();
    cr_expect_eq(H.io.exec->response.status, 500);
    const char *body = response_body();
    cr_expect(strncmp(body, "json-to-xml: the body is not JSON", 33) == 0, "%s", body);
}

Test(transform, xml_to_json_kinds)
{
    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><xml-to-json kind=\"direct\" apply=\"always\" "
                        "consider-accept-header=\"false\" />",
                        ""));
    H.io.backend_body = "<a x=\"1\"><b>t</b><b>u</b></a>";
    run();
    cr_expect_str_eq(response_body(), "{\"a\":{\"@x\":\"1\",\"b\":[\"t\",\"u\"]}}");
    cr_expect_str_eq(response_header("Content-Type"), "application/json");

    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><xml-to-json kind=\"@(&quot;javascript-friendly&quot;)\" "
                        "apply=\"content-type-xml\" always-array-child-elements=\"true\" />",
                        ""));
    add_header(&H.io.backend_headers, "Content-Type", "application/soap+xml");
    add_header(&H.io.headers, "Accept", "application/json");
    H.io.backend_body = "<p:a xmlns:p=\"urn:p\" x=\"1\"><p:b>t</p:b></p:a>";
    rerun();
    cr_expect_str_eq(response_body(), "{\"a\":{\"x\":\"1\",\"b\":[\"t\"]}}");
}

Test(transform, xml_to_json_inbound_and_errors)
{
    compile_ok(POLICIES("<base /><xml-to-json kind=\"direct\" apply=\"always\" "
                        "consider-accept-header=\"false\" />",
                        "<base />", "<base />", ""));
    H.io.method = "POST";
    H.io.body = "<r>1</r>";
    H.io.body_len = 8;
    run();
    cr_expect_str_eq(request_body_sent(), "{\"r\":\"1\"}");
    cr_expect_str_eq(forwarded_header("Content-Type"), "application/json");

    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><xml-to-json kind=\"@(&quot;sideways&quot;)\" apply=\"always\" />",
                        "<set-body>@(context.LastError.Message)</set-body>"));
    rerun();
    cr_expect_str_eq(response_body(), "kind 'sideways' is not one of javascript-friendly or direct");
}

/* ---- jsonp ---- */

Test(transform, jsonp_wraps_the_response)
{
    compile_ok(POLICIES("<base />", "<base />", "<base /><jsonp callback-parameter-name=\"cb\" />",
                        ""));
    cr_expect(program_flags() & POLICY_NEEDS_RESPONSE_BODY);
    H.io.url = "http://gw.example/orders/1?cb=jQuery.handle_2";
    H.io.backend_body = "{\"a\":1}";
    run();
    cr_expect_str_eq(response_body(), "jQuery.handle_2({\"a\":1})");
    cr_expect_str_eq(response_header("Content-Type"), "application/javascript");

    H.io.url = "http://gw.example/orders/1?other=1";
    rerun();
    cr_expect_str_eq(response_body(), "{\"a\":1}", "no callback parameter: unchanged");
}

Test(transform, jsonp_invalid_callback)
{
    compile_ok(POLICIES("<base />", "<base />", "<base /><jsonp callback-parameter-name=\"cb\" />",
                        "<set-body>@(context.LastError.Reason + \"|\" + "
                        "context.LastError.Message)</set-body>"));
    H.io.url = "http://gw.example/orders/1?cb=alert(1)%3B";
    H.io.backend_body = "{}";
    run();
    cr_expect_eq(H.io.exec->response.status, 400);
    cr_expect_str_eq(response_body(), "CallbackParameterInvalid|Value of callback parameter cb is "
                                      "not a valid JavaScript identifier.");
}

/* ---- xsl-transform ---- */

Test(transform, xsl_transform_compiles_and_fails_at_run_time)
{
    compile_ok(POLICIES("<base />", "<base />",
                        "<base /><xsl-transform><xsl:stylesheet version=\"1.0\" "
                        "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"><xsl:template "
                        "match=\"/\"><x/></xsl:template></xsl:stylesheet></xsl-transform>",
                        "<set-body>@(context.LastError.Source + \"|\" + "
                        "context.LastError.Message)</set-body>"));
    run();
    cr_expect_eq(H.io.exec->response.status, 500);
    cr_expect_str_eq(response_body(), "xsl-transform|xsl-transform is not supported by this "
                                      "gateway: it has no XSLT processor");
    compile_error(POLICIES("<base />", "<base />", "<base /><xsl-transform />", ""),
                  "holds no stylesheet");
}
