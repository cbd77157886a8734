/* router_monitor: the per-endpoint state machine (traffic-routing.md §5.2, §11 "Monitoring"
 * vectors), expected status ranges and the detection arithmetic (§6.2), driven with fake
 * probe results. */
#include "router/monitor.h"

#include <criterion/criterion.h>

Test(router_monitor, tolerated_three_degrades_on_the_fourth_failure)
{
    router_probe_state_t s = {ROUTER_CHECKING, 0};
    cr_assert(router_monitor_step(&s, true, 3));
    cr_assert_eq(s.status, ROUTER_ONLINE);
    for (int i = 1; i <= 3; i++) {
        cr_assert_not(router_monitor_step(&s, false, 3), "changed on failure %d", i);
        cr_assert_eq(s.status, ROUTER_ONLINE);
        cr_assert_eq(s.failures, (unsigned)i);
    }
    cr_assert(router_monitor_step(&s, false, 3));
    cr_assert_eq(s.status, ROUTER_DEGRADED);
    cr_assert_not(router_monitor_step(&s, false, 3)); /* probing continues while Degraded */
    cr_assert(router_monitor_step(&s, true, 3));      /* one success recovers */
    cr_assert_eq(s.status, ROUTER_ONLINE);
    cr_assert_eq(s.failures, 0);
}

Test(router_monitor, success_resets_the_count)
{
    router_probe_state_t s = {ROUTER_ONLINE, 0};
    router_monitor_step(&s, false, 1);
    router_monitor_step(&s, true, 1);
    router_monitor_step(&s, false, 1);
    cr_assert_eq(s.status, ROUTER_ONLINE);
    router_monitor_step(&s, false, 1);
    cr_assert_eq(s.status, ROUTER_DEGRADED);
}

Test(router_monitor, tolerated_zero_first_failure_is_fatal)
{
    router_probe_state_t s = {ROUTER_CHECKING, 0};
    cr_assert(router_monitor_step(&s, false, 0));
    cr_assert_eq(s.status, ROUTER_DEGRADED);
}

Test(router_monitor, checking_stays_checking_below_the_limit)
{
    router_probe_state_t s = {ROUTER_CHECKING, 0};
    cr_assert_not(router_monitor_step(&s, false, 2));
    cr_assert_eq(s.status, ROUTER_CHECKING);
}

Test(router_monitor, expected_status_ranges)
{
    router_monitor_config_t m = {.range_count = 1};
    m.ranges[0].min = m.ranges[0].max = 200;
    cr_assert(router_monitor_status_ok(&m, 200));
    cr_assert_not(router_monitor_status_ok(&m, 204)); /* any other 2xx fails */
    cr_assert_not(router_monitor_status_ok(&m, 302)); /* redirects are not followed */
    m.ranges[1].min = 300;
    m.ranges[1].max = 399;
    m.range_count = 2;
    cr_assert(router_monitor_status_ok(&m, 302));
    cr_assert_not(router_monitor_status_ok(&m, 503));
}

Test(router_monitor, detection_time_bounds)
{
    /* Spec §11 timing vector: I=10, F=0, T=5 → Degraded within <= 15 s. */
    router_monitor_config_t m = {.interval_ms = 10000, .timeout_ms = 5000, .tolerated_failures = 0};
    cr_assert_eq(router_monitor_detect_max_ms(&m), 15000);
    cr_assert_eq(router_monitor_detect_min_ms(&m), 5000);
    m.interval_ms = 30000;
    m.timeout_ms = 10000;
    m.tolerated_failures = 3;
    cr_assert_eq(router_monitor_detect_min_ms(&m), 100000);
    cr_assert_eq(router_monitor_detect_max_ms(&m), 130000);
}
