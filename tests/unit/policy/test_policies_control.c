/* Control-flow policies run by the executor (spec §2.1, §2.3): choose with expression
 * conditions (the canonical regional routing example), set-variable values and types,
 * return-response from a stored send-request response, mock-response, wait/retry with
 * expressions, and the errors expressions raise (LastError, on-error). */
#include "exec_harness.h"

#include <errno.h>
#include <stdio.h>

TestSuite(control, .init = harness_setup, .fini = harness_teardown);

static const char *var_string(const char *name)
{
    const expr_value_t *v = policy_exec_var_get(H.io.exec, name, strlen(name));
    if (!v || v->tag != EXPR_V_STRING) return NULL;
    return arena_strndup(&H.arena, v->u.s.ptr, v->u.s.len);
}

#define REGIONAL                                                                                   \
    POLICIES("<base/><choose>"                                                                     \
             "<when condition=\"@(&quot;West US&quot;.Equals(context.Deployment.Region, "          \
             "StringComparison.OrdinalIgnoreCase))\"><set-backend-service "                        \
             "base-url=\"http://contoso-us.com/\"/></when>"                                        \
             "<when condition=\"@(&quot;East Asia&quot;.Equals(context.Deployment.Region, "        \
             "StringComparison.OrdinalIgnoreCase))\"><set-backend-service "                        \
             "base-url=\"http://contoso-asia.com/\"/></when>"                                      \
             "<otherwise><set-backend-service base-url=\"http://contoso-other.com/\"/></otherwise>" \
             "</choose>",                                                                          \
             "<base/>", "<base/>", "<base/>")

Test(control, choose_routes_by_region)
{
    static const struct {
        const char *region, *url;
    } cases[] = {{"West US", "http://contoso-us.com/orders/1?x=1"},
                 {"east asia", "http://contoso-asia.com/orders/1?x=1"},
                 {"North Europe", "http://contoso-other.com/orders/1?x=1"},
                 {NULL, "http://contoso-other.com/orders/1?x=1"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        harness_teardown();
        harness_setup();
        H.io.region = cases[i].region;
        compile_ok(REGIONAL);
        run();
        cr_assert_str_eq(H.io.forwarded.url, cases[i].url, "region %s", cases[i].region);
    }
}

Test(control, a_condition_that_is_not_bool_is_a_compile_error_at_its_place)
{
    cr_assert_eq(try_compile("<policies><inbound><choose>\n"
                             "<when condition=\"@(context.Request.Method)\"/></choose></inbound></policies>"),
                 -EINVAL);
    cr_assert(strncmp(H.err.message, "api policy:2:", 13) == 0, "%s", H.err.message);
}

Test(control, an_expression_error_names_its_position_in_the_document)
{
    cr_assert_eq(try_compile("<policies>\n<inbound>\n"
                             "    <set-variable name=\"v\" value=\"@(context.NoSuchThing)\" />\n"
                             "</inbound></policies>"),
                 -EINVAL);
    /* line 3; the value starts at column 38, the member after "context." */
    cr_assert(strncmp(H.err.message, "api policy:3:", 13) == 0, "%s", H.err.message);
    cr_assert(strstr(H.err.message, "NoSuchThing"), "%s", H.err.message);
}

Test(control, set_variable_keeps_the_expression_type)
{
    compile_ok(POLICIES("<set-variable name=\"n\" value=\"@(1 + 2)\"/>"
                        "<set-variable name=\"b\" value=\"@(context.Request.Method == &quot;GET&quot;)\"/>"
                        "<set-variable name=\"s\" value=\"@(&quot;x&quot; + (string)context.Variables[&quot;n&quot;].ToString())\"/>"
                        "<set-variable name=\"lit\" value=\"plain\"/>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    const expr_value_t *n = policy_exec_var_get(H.io.exec, "n", 1);
    cr_assert_eq(n->tag, EXPR_V_INT);
    cr_assert_eq(n->u.i, 3);
    const expr_value_t *b = policy_exec_var_get(H.io.exec, "b", 1);
    cr_assert_eq(b->tag, EXPR_V_BOOL);
    cr_assert(b->u.b);
    cr_assert_str_eq(var_string("s"), "x3");
    cr_assert_str_eq(var_string("lit"), "plain");
}

Test(control, an_exception_goes_to_on_error_as_expression_value_evaluation_failure)
{
    compile_ok(POLICIES("<set-variable name=\"x\" value=\"@(1 / context.Variables.GetValueOrDefault&lt;int&gt;(&quot;zero&quot;, 0))\"/>"
                        "<set-header name=\"X-Never\"><value>1</value></set-header>",
                        "<base/>", "<base/>",
                        "<set-header name=\"X-Error\"><value>@(context.LastError.Reason + &quot;|&quot; + context.LastError.Source + &quot;|&quot; + context.LastError.Section)</value></set-header>"));
    run();
    cr_assert_not(H.io.is_forwarded);
    const policy_last_error_t *e = H.io.exec->last_error;
    cr_assert_str_eq(e->reason, "ExpressionValueEvaluationFailure");
    cr_assert_str_eq(e->source, "set-variable");
    cr_assert_str_eq(e->path, "set-variable[1]");
    cr_assert(strstr(e->message, "DivideByZeroException"), "%s", e->message);
    cr_assert_eq(H.io.exec->response.status, 500);
    cr_assert_str_eq(response_header("X-Error"), "ExpressionValueEvaluationFailure|set-variable|inbound");
}

Test(control, return_response_from_a_send_request_variable)
{
    H.io.send_status = 202;
    H.io.send_body = "from the side";
    compile_ok(POLICIES("<send-request mode=\"new\" response-variable-name=\"side\" timeout=\"7\">"
                        "<set-url>@(&quot;http://side.example/&quot; + context.Request.Method)</set-url>"
                        "<set-method>POST</set-method>"
                        "<set-header name=\"X-Call\" exists-action=\"override\"><value>1</value></set-header>"
                        "<set-body>@(&quot;payload&quot;)</set-body></send-request>"
                        "<return-response response-variable-name=\"side\">"
                        "<set-header name=\"X-Added\"><value>yes</value></set-header></return-response>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.sent_count, 1);
    cr_assert_str_eq(H.io.sent[0].url, "http://side.example/GET");
    cr_assert_str_eq(H.io.sent[0].method, "POST");
    cr_assert_str_eq(header_of(&H.io.sent[0].headers, "X-Call"), "1");
    cr_assert_eq(H.io.sent[0].body.len, 7);
    cr_assert_eq(H.io.exec->response.status, 202);
    cr_assert_str_eq(response_body(), "from the side");
    cr_assert_str_eq(response_header("X-Added"), "yes");
    cr_assert_not(H.io.is_forwarded);
}

Test(control, send_request_response_is_readable_in_expressions)
{
    H.io.send_status = 404;
    compile_ok(POLICIES("<send-request mode=\"copy\" response-variable-name=\"r\"/>"
                        "<set-header name=\"X-Side\"><value>@(((IResponse)context.Variables[&quot;r&quot;]).StatusCode.ToString())</value></set-header>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    /* mode="copy" sends the current request to the current URL */
    cr_assert_str_eq(H.io.sent[0].url, "http://gw.example/orders/1?x=1");
    cr_assert_str_eq(forwarded_header("X-Side"), "404");
}

Test(control, mock_response_stops_with_status_and_content_type)
{
    compile_ok(POLICIES("<mock-response status-code=\"201\" content-type=\"application/json\"/>",
                        "<base/>", "<set-header name=\"X-Out\"><value>1</value></set-header>", "<base/>"));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(H.io.exec->response.status, 201);
    cr_assert_str_eq(response_header("Content-Type"), "application/json");
    cr_assert_null(response_header("X-Out"));
}

Test(control, retry_with_an_expression_condition_stops_when_it_turns_false)
{
    H.io.backend_status = 500;
    compile_ok(POLICIES("<base/>",
                        "<retry condition=\"@(context.Response.StatusCode &gt;= 500)\" count=\"@(2)\" interval=\"0\">"
                        "<forward-request/></retry>",
                        "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.forward_count, 3);
    harness_teardown();
    harness_setup();
    H.io.backend_status = 200;
    compile_ok(POLICIES("<base/>",
                        "<retry condition=\"@(context.Response.StatusCode &gt;= 500)\" count=\"2\" interval=\"1\">"
                        "<forward-request/></retry>",
                        "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.forward_count, 1);
}

Test(control, send_request_failure_with_ignore_error_leaves_null)
{
    compile_ok(POLICIES("<send-request mode=\"new\" response-variable-name=\"r\" ignore-error=\"true\">"
                        "<set-url>http://side.example/</set-url><set-method>BAD METHOD</set-method></send-request>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    /* a malformed method is this gateway's error, not the side service's: still an error */
    cr_assert_not_null(H.io.exec->last_error);
    cr_assert_str_eq(H.io.exec->last_error->source, "send-request");
}

static char traced[256], measured[256];

static void on_trace(void *ctx, const policy_trace_t *t)
{
    (void)ctx;
    snprintf(traced, sizeof traced, "%s/%d/%s/%.*s=%.*s", t->source, (int)t->severity, t->message,
             (int)t->metadata->items[0].name_len, t->metadata->items[0].name,
             (int)t->metadata->items[0].value_len, t->metadata->items[0].value);
}

static void on_metric(void *ctx, const policy_metric_t *m)
{
    (void)ctx;
    snprintf(measured, sizeof measured, "%s=%g %s=%s %s=%s", m->name, m->value,
             m->dimensions->items[0].name, m->dimensions->items[0].value,
             m->dimensions->items[1].name, m->dimensions->items[1].value);
}

Test(control, trace_and_emit_metric_reach_the_host)
{
    H.io.region = "West US";
    H.io.trace = on_trace;
    H.io.metric = on_metric;
    compile_ok(POLICIES("<trace source=\"t\" severity=\"information\"><message>@(&quot;m=&quot; + context.Request.Method)</message>"
                        "<metadata name=\"k\" value=\"v\"/></trace>"
                        "<emit-metric name=\"calls\" value=\"@(2.5)\"><dimension name=\"Location\"/>"
                        "<dimension name=\"Client\" value=\"@(context.Request.IpAddress)\"/></emit-metric>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(traced, "t/1/m=GET/k=v");
    cr_assert_str_eq(measured, "calls=2.5 Location=West US Client=127.0.0.1");
}

Test(control, return_response_with_a_liquid_body)
{
    add_header(&H.io.headers, "X-Name", "ada");
    compile_ok(POLICIES("<return-response><set-status code=\"200\" reason=\"OK\"/>"
                        "<set-body template=\"liquid\">method={{context.Request.Method}}</set-body></return-response>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_eq(H.io.exec->response.status, 200);
    cr_assert_str_eq(response_body(), "method=GET");
}

/* A body written as markup (a literal XML body, or a Liquid template producing XML) is taken
 * back as text (spec §2.3), in return-response as in set-body. */
Test(control, return_response_with_a_markup_body)
{
    compile_ok(POLICIES("<return-response><set-body><root a=\"1\"><b>t &amp; u</b></root>"
                        "</set-body></return-response>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(response_body(), "<root a=\"1\"><b>t &amp; u</b></root>");
}

Test(control, return_response_with_a_liquid_template_written_as_markup)
{
    compile_ok(POLICIES("<set-variable name=\"v\" value=\"abc\"/>"
                        "<return-response><set-body template=\"liquid\">"
                        "<m v=\"{{context.Variables.v}}\"><n>{{context.Request.Method}}</n></m>"
                        "</set-body></return-response>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(response_body(), "<m v=\"abc\"><n>GET</n></m>");
}

/* set-header exists-action="override" evaluates its values before touching the message: a
 * value that throws leaves the old header for on-error to see. */
Test(control, a_failing_override_leaves_the_header_as_it_was)
{
    add_header(&H.io.headers, "X-A", "old");
    compile_ok(POLICIES("<set-header name=\"X-A\" exists-action=\"override\">"
                        "<value>@(int.Parse(\"x\").ToString())</value></set-header>",
                        "<base/>", "<base/>",
                        "<set-header name=\"X-Seen\" exists-action=\"override\"><value>"
                        "@(context.Request.Headers.GetValueOrDefault(\"X-A\", \"gone\"))"
                        "</value></set-header>"));
    run();
    cr_assert_str_eq(response_header("X-Seen"), "old");
}
