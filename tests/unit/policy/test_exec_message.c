/* The message-editing policies the executor owns (src/policy/exec_policies.h, spec §2.3):
 * set-header (exists-action, several values, protected and repeated headers, request vs
 * response by section), set-query-parameter, rewrite-uri, set-method, set-status. */
#include "exec_harness.h"

#include <errno.h>

TestSuite(message, .init = harness_setup, .fini = harness_teardown);

Test(message, set_header_exists_actions_on_the_request)
{
    add_header(&H.io.headers, "X-Over", "old");
    add_header(&H.io.headers, "X-Skip", "old");
    add_header(&H.io.headers, "X-App", "a");
    add_header(&H.io.headers, "X-Del", "gone");
    compile_ok(POLICIES("<set-header name=\"X-Over\" exists-action=\"override\"><value>new</value></set-header>"
                        "<set-header name=\"X-Skip\" exists-action=\"skip\"><value>new</value></set-header>"
                        "<set-header name=\"X-Skip-New\" exists-action=\"skip\"><value>set</value></set-header>"
                        "<set-header name=\"X-App\" exists-action=\"append\"><value>b</value><value>c</value></set-header>"
                        "<set-header name=\"x-del\" exists-action=\"delete\"/>"
                        "<set-header name=\"X-Many\"><value>1</value><value>2</value></set-header>"
                        "<set-header name=\"Cookie\"><value>a=1</value><value>b=2</value></set-header>"
                        "<set-header name=\"X-Empty\"/>"
                        "<set-header name=\"Content-Length\" exists-action=\"delete\"/>"
                        "<set-header name=\"@(&quot;X-&quot; + &quot;Computed&quot;)\" exists-action=\"@(&quot;override&quot;)\">"
                        "<value>@(context.Request.Method.ToLower())</value></set-header>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(forwarded_header("X-Over"), "new");
    cr_assert_str_eq(forwarded_header("X-Skip"), "old");
    cr_assert_str_eq(forwarded_header("X-Skip-New"), "set");
    cr_assert_str_eq(forwarded_header("X-App"), "a,b,c");
    cr_assert_null(forwarded_header("X-Del"));
    /* several values: one comma-joined line, except the headers sent as repeated lines */
    cr_assert_eq(policy_fields_count(&H.io.forwarded.headers, "X-Many", 6), 1);
    cr_assert_str_eq(forwarded_header("X-Many"), "1,2");
    cr_assert_eq(policy_fields_count(&H.io.forwarded.headers, "Cookie", 6), 2);
    cr_assert_str_eq(forwarded_header("X-Empty"), "");
    cr_assert_str_eq(forwarded_header("X-Computed"), "get");
}

Test(message, set_header_in_outbound_edits_the_response)
{
    add_header(&H.io.backend_headers, "X-Powered-By", "backend");
    add_header(&H.io.backend_headers, "Server", "backend");
    compile_ok(POLICIES("<base/>", "<base/>",
                        "<set-header name=\"X-Powered-By\" exists-action=\"delete\"/>"
                        "<set-header name=\"Server\" exists-action=\"delete\"/>"
                        "<set-header name=\"X-Out\"><value>@(context.Response.StatusCode.ToString())</value></set-header>",
                        "<base/>"));
    run();
    cr_assert_null(response_header("X-Powered-By"));
    cr_assert_str_eq(response_header("Server"), "backend"); /* cannot be removed (§2.3) */
    cr_assert_str_eq(response_header("X-Out"), "200");
    cr_assert_null(forwarded_header("X-Out"));
}

Test(message, computed_header_names_get_the_rules_of_literal_ones)
{
    /* literal names have their protected/repeated/Server rules found when compiling; a name
     * computed per request must get the same rules */
    add_header(&H.io.backend_headers, "Server", "backend");
    add_header(&H.io.backend_headers, "Content-Length", "12");
    compile_ok(POLICIES("<set-header name=\"@(&quot;Coo&quot; + &quot;kie&quot;)\"><value>a=1</value><value>b=2</value></set-header>",
                        "<base/>",
                        "<set-header name=\"@(&quot;Ser&quot; + &quot;ver&quot;)\" exists-action=\"delete\"/>"
                        "<set-header name=\"@(&quot;Content-&quot; + &quot;Length&quot;)\" exists-action=\"delete\"/>",
                        "<base/>"));
    run();
    cr_assert_eq(policy_fields_count(&H.io.forwarded.headers, "Cookie", 6), 2);
    cr_assert_str_eq(response_header("Server"), "backend");
    cr_assert_str_eq(response_header("Content-Length"), "12");
}

Test(message, a_bad_exists_action_from_an_expression_fails_the_request)
{
    compile_ok(POLICIES("<set-header name=\"X\" exists-action=\"@(&quot;replace&quot;)\"><value>1</value></set-header>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(H.io.exec->last_error->message,
                     "exists-action 'replace' is not override, skip, append or delete");
    cr_assert_str_eq(H.io.exec->last_error->path, "set-header[1]");
}

Test(message, set_query_parameter_encodes_and_repeats)
{
    H.io.url = "http://gw.example/orders/1?keep=1&over=old&skip=old&del=x";
    compile_ok(POLICIES("<set-query-parameter name=\"over\" exists-action=\"override\"><value>a b</value></set-query-parameter>"
                        "<set-query-parameter name=\"skip\" exists-action=\"skip\"><value>new</value></set-query-parameter>"
                        "<set-query-parameter name=\"del\" exists-action=\"delete\"/>"
                        "<set-query-parameter name=\"multi\" exists-action=\"append\"><value>1</value><value>2&amp;3</value></set-query-parameter>",
                        "<base/>", "<base/>", "<base/>"));
    run();
    cr_assert_str_eq(H.io.forwarded.url,
                     "http://gw.example/orders/1?keep=1&skip=old&over=a%20b&multi=1&multi=2%263");
}

Test(message, rewrite_uri_fills_parameters_and_copies_unmatched_query)
{
    /* §2.3 example: request /get?a=b&c=d, operation /get?a={b}, rewrite /put ⇒ /put?c=d */
    H.io.url = "http://gw.example/get?a=b&c=d";
    compile_ok(POLICIES("<rewrite-uri template=\"/put\"/>", "<base/>", "<base/>", "<base/>"));
    run();
    /* the offline host has no operation template: every parameter is unmatched */
    cr_assert_str_eq(H.io.forwarded.url, "http://gw.example/put?a=b&c=d");
}

/* A run set up by hand, with what the gateway's route match gives (the offline host knows no
 * operation): the operation's URL template and its matched parameters. No host: the
 * document must not forward (an empty <backend/>). */
static void run_with_operation(const char *url_template, const char *const *params)
{
    policy_exec_t *exec = policy_exec_new(&H.arena, policy_local_program(H.program), NULL, NULL);
    cr_assert_not_null(exec);
    cr_assert_eq(policy_url_parse(&H.arena, H.io.url, strlen(H.io.url), false, &exec->request.url), 0);
    exec->request.method = "GET";
    exec->info.operation_url_template = url_template;
    for (size_t i = 0; params[i]; i += 2)
        cr_assert_eq(policy_fields_add(&exec->info.matched_parameters, &H.arena, params[i],
                                       strlen(params[i]), params[i + 1], strlen(params[i + 1])),
                     0);
    H.io.exec = exec;
    cr_assert_eq(policy_exec_start(exec), 0);
    cr_assert_eq(exec->state, POLICY_EXEC_DONE);
}

Test(message, rewrite_uri_with_an_operation_template)
{
    H.io.url = "http://gw.example/get?a=b&c=d";
    compile_ok("<policies><inbound><rewrite-uri template=\"/put\"/></inbound><backend/></policies>");
    run_with_operation("/get?a={b}", (const char *const[]){"b", "b", NULL});
    char *url = policy_exec_backend_url(H.io.exec, NULL);
    cr_assert_str_eq(url, "http://gw.example/put?c=d");
}

Test(message, rewrite_uri_without_copying_and_with_placeholders)
{
    H.io.url = "http://gw.example/stores/12/orders?ordernumber=7&extra=1";
    compile_ok("<policies><inbound><rewrite-uri template=\"/v2/US/hardware/{storenumber}&amp;{ordernumber}?City=city&amp;State=state\" "
               "copy-unmatched-params=\"false\"/></inbound><backend/></policies>");
    run_with_operation("/stores/{storenumber}/orders?ordernumber={ordernumber}",
                       (const char *const[]){"storenumber", "12 a", "ordernumber", "7", NULL});
    cr_assert_str_eq(policy_exec_backend_url(H.io.exec, NULL),
                     "http://gw.example/v2/US/hardware/12%20a&7?City=city&State=state");
}

Test(message, set_method_and_set_status)
{
    compile_ok(POLICIES("<set-method>@(&quot;PO&quot; + &quot;ST&quot;)</set-method>", "<base/>",
                        "<set-status code=\"@(201 + 1)\" reason=\"Made\"/>", "<base/>"));
    run();
    cr_assert_str_eq(H.io.forwarded.method, "POST");
    cr_assert_eq(H.io.exec->response.status, 202);
    cr_assert_str_eq(H.io.exec->response.reason, "Made");
}

Test(message, set_status_out_of_range_fails_and_empty_set_method_is_refused)
{
    compile_ok(POLICIES("<base/>", "<base/>", "<set-status code=\"@(99)\" reason=\"x\"/>", "<base/>"));
    run();
    cr_assert_str_eq(H.io.exec->last_error->message, "status code 99 is not between 100 and 599");
    cr_assert_eq(try_compile("<policies><inbound><set-method></set-method></inbound></policies>"), -EINVAL);
    cr_assert(strstr(H.err.message, "<set-method> needs a method"), "%s", H.err.message);
}
