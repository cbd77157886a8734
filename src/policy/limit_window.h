/* limit_window: the arithmetic of counters shared by every host (exec.h policy_counter_*):
 * buckets, the sliding-window estimate, Retry-After, and the .NET TimeSpan text of quota
 * messages (spec §2.5, §4.6; docs/limits.md "How counting works").
 *
 * A counter keeps two buckets of one period: the current one and the one before. A sliding
 * window (rate-limit, rate-limit-by-key) is estimated as
 *     current + ceil(previous * (period - elapsed) / period)
 * (the previous bucket weighted by how much of it the window still covers; rounded up so the
 * estimate never lets more through than the limit). A fixed period (quota, quota-by-key) is
 * the current bucket alone. Pure functions: unit tested in tests/unit/policy/test_limit_window.c. */
#ifndef MERIDIAN_POLICY_LIMIT_WINDOW_H
#define MERIDIAN_POLICY_LIMIT_WINDOW_H

#include "policy/exec.h"

#include <stddef.h>
#include <stdint.h>

/* One counter's state, as a host stores it (a table entry; Redis keeps one key a bucket). */
typedef struct {
    int64_t index;    /* bucket number of `current` */
    int64_t current;  /* count in bucket `index` */
    int64_t previous; /* count in bucket `index - 1` */
} limit_bucket_t;

/* The bucket number of `now_ms` (floor((now - origin) / period); 0 when period is 0) and
 * when that bucket started (Unix ms). */
int64_t limit_bucket_index(int64_t now_ms, int64_t origin_ms, int64_t period_ms);
int64_t limit_bucket_start(int64_t index, int64_t origin_ms, int64_t period_ms);

/* Moves *b to the bucket of now_ms (rolling current into previous, or dropping both when
 * more than one bucket passed), adds `amount`, and fills *out. */
void limit_bucket_add(limit_bucket_t *b, int64_t now_ms, int64_t origin_ms, int64_t period_ms,
                      int64_t amount, policy_counter_result_t *out);

/* The sliding-window count of a result (see above). */
int64_t limit_window_count(const policy_counter_result_t *r, int64_t period_ms);

/* Whole seconds (at least 1) until the window has room for one more call under `limit`. */
int64_t limit_window_retry_after_s(const policy_counter_result_t *r, int64_t period_ms, int64_t limit);

/* Whole seconds (at least 1) until the fixed period of a result ends; INT32_MAX when it
 * never does (period 0). */
int64_t limit_period_retry_after_s(const policy_counter_result_t *r, int64_t period_ms);

/* TimeSpan's default text of `seconds` ("hh:mm:ss", "d.hh:mm:ss" from one day). */
void limit_format_timespan(int64_t seconds, char *out, size_t size);

#endif
