/* policy_exec_start_error: a run that starts in on-error for an error a built-in step of the
 * host raised (subscription keys, docs/subscriptions.md). */
#include "exec_harness.h"

static bool done;
static void host_done(policy_exec_t *exec)
{
    (void)exec;
    done = true;
}
static const policy_host_t host = {.done = host_done};

static policy_exec_t *start(const char *doc, const policy_field_t *extra, size_t n)
{
    compile_ok(doc);
    policy_exec_t *exec = policy_exec_new(&H.arena, policy_local_program(H.program), &host, NULL);
    cr_assert_not_null(exec);
    exec->request.method = "GET";
    exec->request.headers.is_case_insensitive = true;
    exec->response.headers.is_case_insensitive = true;
    done = false;
    cr_assert_eq(policy_exec_start_error(exec, "authorization", 401, "SubscriptionKeyNotFound",
                                         "Access denied.", "Access Denied", extra, n),
                 0);
    cr_assert(done, "host->done was not called");
    return exec;
}

TestSuite(exec_error, .init = harness_setup, .fini = harness_teardown);

Test(exec_error, on_error_sees_last_error_and_the_default_response)
{
    policy_field_t challenge = {"WWW-Authenticate", "Key realm=\"x\"", 16, 14};
    policy_exec_t *exec = start(
        POLICIES("<set-header name=\"X-In\" exists-action=\"override\"><value>no</value></set-header>",
                 "<forward-request />", "",
                 "<set-header name=\"X-Error\" exists-action=\"override\"><value>@(context.LastError."
                 "Source + \"/\" + context.LastError.Reason + \"/\" + context.LastError.Section + "
                 "\"/\" + context.LastError.Message + \"/\" + context.Response.StatusCode)</value>"
                 "</set-header>"),
        &challenge, 1);
    cr_assert_str_eq(header_of(&exec->response.headers, "X-Error"),
                     "authorization/SubscriptionKeyNotFound/inbound/Access denied./401");
    cr_assert_null(header_of(&exec->response.headers, "X-In"), "inbound never ran");
    cr_assert_eq(exec->response.status, 401);
    cr_assert_str_eq(exec->response.reason, "Access Denied");
    cr_assert_str_eq(header_of(&exec->response.headers, "WWW-Authenticate"), "Key realm=\"x\"");
    cr_assert_str_eq(header_of(&exec->response.headers, "Content-Type"), "application/json; charset=utf-8");
    const policy_body_t *b = &exec->response.body;
    cr_assert_eq(b->kind, POLICY_BODY_BYTES);
    cr_assert_eq(strncmp(b->bytes, "{ \"statusCode\": 401, \"message\": \"Access denied.\" }", b->len),
                 0, "%.*s", (int)b->len, b->bytes);
    cr_assert_null(exec->last_error->scope, "a built-in step has no scope");
}

Test(exec_error, return_response_in_on_error_replaces_the_refusal)
{
    policy_exec_t *exec = start(
        POLICIES("", "<forward-request />", "",
                 "<return-response><set-status code=\"403\" reason=\"Forbidden\" />"
                 "<set-body>custom</set-body></return-response>"),
        NULL, 0);
    cr_assert_eq(exec->response.status, 403);
    cr_assert_str_eq(exec->response.reason, "Forbidden");
    cr_assert_eq(exec->response.body.len, 6);
}

Test(exec_error, twice_is_refused)
{
    policy_exec_t *exec = start(POLICIES("", "<forward-request />", "", ""), NULL, 0);
    cr_assert_eq(exec->response.status, 401);
    cr_assert_eq(policy_exec_start_error(exec, "authorization", 401, NULL, "x", NULL, NULL, 0),
                 -EINVAL);
}
