/* rate-limit, rate-limit-by-key, quota, quota-by-key run with the offline host's counters
 * (policy/exec_local.h): limits at the boundary, 429 / 403 bodies and Retry-After (§2.5,
 * §4.6), headers and variables, increment-condition before and after the response, the
 * per-subscription forms and their <api>/<operation> counters, counters unreachable. */
#include "exec_harness.h"

#include <stdio.h>
#include <stdlib.h>

static void limits_setup(void)
{
    harness_setup();
    policy_local_counters_reset();
    H.io.now_ms = 1700000000000LL; /* 2023-11-14T22:13:20Z: 20 s into a minute */
}

TestSuite(limits, .init = limits_setup, .fini = harness_teardown);

static int status_of_run(void)
{
    rerun();
    return H.io.exec->response.status;
}

static long var_int(const char *name)
{
    const expr_value_t *v = policy_exec_var_get(H.io.exec, name, strlen(name));
    cr_assert_not_null(v, "variable %s", name);
    return (long)v->u.i;
}

Test(limits, rate_limit_by_key_enforces_at_the_boundary)
{
    compile_ok(POLICIES("<rate-limit-by-key calls=\"3\" renewal-period=\"60\" counter-key=\"k1\" "
                        "remaining-calls-header-name=\"X-Left\" remaining-calls-variable-name=\"left\" "
                        "total-calls-header-name=\"X-Total\" retry-after-variable-name=\"wait\" "
                        "retry-after-header-name=\"X-Wait\"/>",
                        "<base/>", "<base/>", ""));
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(status_of_run(), 200, "call %d", i);
        char left[8];
        snprintf(left, sizeof left, "%d", 2 - i);
        cr_assert_str_eq(response_header("X-Left"), left);
        cr_assert_str_eq(response_header("X-Total"), "3");
        cr_assert_eq(var_int("left"), 2 - i);
    }
    cr_assert_eq(status_of_run(), 429);
    cr_assert_not(H.io.is_forwarded);
    cr_assert_str_eq(H.io.exec->last_error->reason, "RateLimitExceeded");
    cr_assert_str_eq(H.io.exec->last_error->source, "rate-limit-by-key");
    /* 4 counted in the minute that began 20 s ago (a refused call counts too, §2.5); in the
     * next one they weigh ceil(4 * (60 - t) / 60) <= 2 from t = 30 s: 40 + 30 s */
    cr_assert_str_eq(response_header("X-Wait"), "70");
    cr_assert_null(response_header("Retry-After"), "the header has the configured name");
    cr_assert_eq(var_int("wait"), 70);
    cr_assert_str_eq(response_body(), "{ \"statusCode\": 429, \"message\": \"Rate limit is exceeded. Try again in 70 seconds.\" }");
    cr_assert(strstr(response_header("Content-Type"), "application/json"));

    /* a minute and a half later the window has room again */
    H.io.now_ms += 90000;
    cr_assert_eq(status_of_run(), 200);
}

Test(limits, increment_count_and_condition_before_the_response)
{
    compile_ok(POLICIES("<rate-limit-by-key calls=\"5\" renewal-period=\"10\" counter-key=\"k2\" "
                        "increment-count=\"2\" "
                        "increment-condition=\"@(context.Request.Method == &quot;GET&quot;)\"/>",
                        "<base/>", "<base/>", ""));
    cr_assert_eq(status_of_run(), 200); /* 2 */
    cr_assert_eq(status_of_run(), 200); /* 4 */
    H.io.method = "POST";               /* not counted, but checked: 4 < 5 */
    cr_assert_eq(status_of_run(), 200);
    H.io.method = "GET";
    cr_assert_eq(status_of_run(), 429); /* 6 > 5 */
    H.io.method = "POST";
    cr_assert_eq(status_of_run(), 429, "no room left: even an uncounted call is refused");
}

Test(limits, condition_on_the_response_counts_after_it)
{
    compile_ok(POLICIES("<rate-limit-by-key calls=\"2\" renewal-period=\"60\" counter-key=\"k3\" "
                        "increment-condition=\"@(context.Response.StatusCode == 200)\"/>",
                        "<base/>", "<base/>", ""));
    H.io.backend_status = 500;
    for (int i = 0; i < 4; i++) cr_assert_eq(status_of_run(), 500, "failures are not counted");
    H.io.backend_status = 200;
    cr_assert_eq(status_of_run(), 200);
    cr_assert_eq(status_of_run(), 200);
    cr_assert_eq(status_of_run(), 429);
}

Test(limits, condition_that_throws)
{
    compile_ok(POLICIES("<rate-limit-by-key calls=\"1\" renewal-period=\"60\" counter-key=\"k4\" "
                        "increment-condition=\"@(int.Parse(&quot;x&quot;) &gt; 0)\"/>",
                        "<base/>", "<base/>", ""));
    cr_assert_eq(status_of_run(), 500);
    cr_assert_str_eq(H.io.exec->last_error->reason, "ExpressionValueEvaluationFailure");
    /* after the response: the response stands and the call is not counted */
    compile_ok(POLICIES("<rate-limit-by-key calls=\"1\" renewal-period=\"60\" counter-key=\"k5\" "
                        "increment-condition=\"@(context.Response.StatusCode == int.Parse(&quot;x&quot;))\"/>",
                        "<base/>", "<base/>", ""));
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(status_of_run(), 200);
        cr_assert_null(H.io.exec->last_error);
    }
}

Test(limits, rate_limit_counts_per_subscription_with_api_and_operation_counters)
{
    compile_ok(POLICIES("<rate-limit calls=\"10\" renewal-period=\"60\">"
                        "<api name=\"Orders\" calls=\"2\" renewal-period=\"60\"/></rate-limit>",
                        "<base/>", "<base/>", ""));
    /* anonymous calls are not limited (§2.5) */
    for (int i = 0; i < 4; i++) cr_assert_eq(status_of_run(), 200);
    /* the api counter matches by name (the local host has no api id) */
    H.io.subscription_id = "sub-1";
    cr_assert_eq(status_of_run(), 200);
    cr_assert_eq(status_of_run(), 200);
    cr_assert_eq(status_of_run(), 200, "no <api> named like this API: only the 10-call counter");
}

Test(limits, quota_by_key_403_with_timespan_and_bandwidth)
{
    compile_ok(POLICIES("<quota-by-key calls=\"2\" renewal-period=\"3600\" counter-key=\"q1\" "
                        "first-period-start=\"2023-11-14T22:00:00Z\"/>",
                        "<base/>", "<base/>", ""));
    cr_assert_eq(status_of_run(), 200);
    cr_assert_eq(status_of_run(), 200);
    cr_assert_eq(status_of_run(), 403);
    cr_assert_str_eq(H.io.exec->last_error->reason, "QuotaExceeded");
    /* the period began 22:00:00, now 22:13:20: 46:40 left */
    cr_assert_str_eq(response_header("Retry-After"), "2800");
    cr_assert_str_eq(response_body(), "{ \"statusCode\": 403, \"message\": \"Out of call volume quota. "
                                      "Quota will be replenished in 00:46:40.\" }");

    compile_ok(POLICIES("<quota-by-key bandwidth=\"1\" renewal-period=\"300\" counter-key=\"q2\"/>",
                        "<base/>", "<base/>", ""));
    static char body[1051];
    memset(body, 'x', 1050);
    H.io.backend_body = body;
    cr_assert_eq(status_of_run(), 200, "1050 bytes sent: counted after the response");
    cr_assert_eq(status_of_run(), 403, "1 KiB used up");
    cr_assert(strstr(response_body(), "Out of bandwidth quota. Quota will be replenished in 00:"));
}

Test(limits, counters_unreachable_open_or_closed)
{
    compile_ok(POLICIES("<rate-limit-by-key calls=\"1\" renewal-period=\"60\" counter-key=\"k6\"/>",
                        "<base/>", "<base/>", ""));
    H.io.counter_error = POLICY_E_COUNTER_OPEN;
    cr_assert_eq(status_of_run(), 200);
    cr_assert_eq(status_of_run(), 200);
    H.io.counter_error = POLICY_E_COUNTER_CLOSED;
    cr_assert_eq(status_of_run(), 503);
    cr_assert_str_eq(H.io.exec->last_error->reason, "CounterStoreUnavailable");
}

Test(limits, bad_first_period_start_is_a_configuration_error)
{
    cr_assert_neq(try_compile(POLICIES("<quota-by-key calls=\"1\" renewal-period=\"300\" counter-key=\"k\" "
                                       "first-period-start=\"yesterday\"/>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert(strstr(H.err.message, "first-period-start"), "%s", H.err.message);
}
