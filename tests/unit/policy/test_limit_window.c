/* Counter arithmetic shared by every host (policy/limit_window.h): buckets, the sliding
 * window estimate, Retry-After, TimeSpan text. */
#include "policy/limit_window.h"

#include <criterion/criterion.h>
#include <stdint.h>

#define MIN_MS 60000LL

Test(limit_window, buckets_roll_and_reset)
{
    limit_bucket_t b = {.index = INT64_MIN};
    policy_counter_result_t r;
    limit_bucket_add(&b, 10 * MIN_MS + 5000, 0, MIN_MS, 3, &r);
    cr_assert_eq(r.current, 3);
    cr_assert_eq(r.previous, 0);
    cr_assert_eq(r.bucket_start_ms, 10 * MIN_MS);
    limit_bucket_add(&b, 10 * MIN_MS + 59999, 0, MIN_MS, 2, &r);
    cr_assert_eq(r.current, 5);
    /* the next bucket: current becomes previous */
    limit_bucket_add(&b, 11 * MIN_MS, 0, MIN_MS, 1, &r);
    cr_assert_eq(r.current, 1);
    cr_assert_eq(r.previous, 5);
    cr_assert_eq(r.bucket_start_ms, 11 * MIN_MS);
    /* two buckets later: both gone */
    limit_bucket_add(&b, 13 * MIN_MS + 1, 0, MIN_MS, 0, &r);
    cr_assert_eq(r.current, 0);
    cr_assert_eq(r.previous, 0);
    /* period 0: one bucket for ever */
    limit_bucket_t q = {.index = INT64_MIN};
    limit_bucket_add(&q, 1, 0, 0, 4, &r);
    limit_bucket_add(&q, 1000 * MIN_MS, 0, 0, 4, &r);
    cr_assert_eq(r.current, 8);
}

Test(limit_window, origin_before_the_epoch_aligns_buckets)
{
    /* 0001-01-01 as the origin (the vendor's default first-period-start) */
    int64_t origin = -62135596800000LL;
    int64_t day = 86400000LL;
    int64_t idx = limit_bucket_index(5 * day + 123, origin, day);
    cr_assert_eq(limit_bucket_start(idx, origin, day), 5 * day, "a day bucket starts at midnight UTC");
    cr_assert_eq(limit_bucket_index(-1, 0, 1000), -1, "floor, not truncation, before the origin");
}

Test(limit_window, sliding_estimate_weights_the_previous_bucket_up)
{
    policy_counter_result_t r = {.current = 2, .previous = 10, .bucket_start_ms = 0, .now_ms = 15000};
    /* 45 of 60 s of the previous bucket still in the window: ceil(10 * 0.75) = 8 */
    cr_assert_eq(limit_window_count(&r, MIN_MS), 10);
    r.now_ms = 59999; /* ceil(10 * 1/60000) = 1: never rounded away while it counts */
    cr_assert_eq(limit_window_count(&r, MIN_MS), 3);
    r.now_ms = 0;
    cr_assert_eq(limit_window_count(&r, MIN_MS), 12);
    r.previous = 0;
    cr_assert_eq(limit_window_count(&r, MIN_MS), 2);
}

Test(limit_window, retry_after_is_when_one_more_call_fits)
{
    /* limit 5, all 5 in this bucket, 20 s in: the next bucket weights them down from 5;
     * one more fits when ceil(5 * (60 - t2) / 60) <= 4, t2 = 12 s: 40 + 12 = 52 s */
    policy_counter_result_t r = {.current = 5, .previous = 0, .bucket_start_ms = 0, .now_ms = 20000};
    cr_assert_eq(limit_window_retry_after_s(&r, MIN_MS, 5), 52);
    /* room in this bucket once the previous one weighs little enough:
     * current 1, previous 8, limit 5: ceil(8 * (60 - 10 - t) / 60) <= 3 → t = 27.5 s */
    policy_counter_result_t s = {.current = 1, .previous = 8, .bucket_start_ms = 0, .now_ms = 10000};
    cr_assert_eq(limit_window_retry_after_s(&s, MIN_MS, 5), 28);
    /* limit 1 and the call counted: a whole bucket after this one ends */
    policy_counter_result_t t = {.current = 1, .previous = 0, .bucket_start_ms = 0, .now_ms = 59500};
    cr_assert_eq(limit_window_retry_after_s(&t, MIN_MS, 1), 61);
    /* never less than 1 */
    policy_counter_result_t u = {.current = 0, .previous = 0, .bucket_start_ms = 0, .now_ms = 0};
    cr_assert_eq(limit_window_retry_after_s(&u, MIN_MS, 5), 1);
}

Test(limit_window, period_retry_after_and_timespan_text)
{
    policy_counter_result_t r = {.current = 9, .bucket_start_ms = 0, .now_ms = 3600 * 1000 - 1500};
    cr_assert_eq(limit_period_retry_after_s(&r, 3600 * 1000), 2);
    cr_assert_eq(limit_period_retry_after_s(&r, 0), INT32_MAX);
    char t[40];
    limit_format_timespan(3725, t, sizeof t);
    cr_assert_str_eq(t, "01:02:05");
    limit_format_timespan(90061, t, sizeof t);
    cr_assert_str_eq(t, "1.01:01:01");
    limit_format_timespan(0, t, sizeof t);
    cr_assert_str_eq(t, "00:00:00");
}
