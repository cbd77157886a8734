/* Counter arithmetic (limit_window.h). */
#include "policy/limit_window.h"

#include <stdio.h>

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return -floor_div(-a, b);
}

int64_t limit_bucket_index(int64_t now_ms, int64_t origin_ms, int64_t period_ms)
{
    return period_ms > 0 ? floor_div(now_ms - origin_ms, period_ms) : 0;
}

int64_t limit_bucket_start(int64_t index, int64_t origin_ms, int64_t period_ms)
{
    return origin_ms + index * period_ms;
}

void limit_bucket_add(limit_bucket_t *b, int64_t now_ms, int64_t origin_ms, int64_t period_ms,
                      int64_t amount, policy_counter_result_t *out)
{
    int64_t index = limit_bucket_index(now_ms, origin_ms, period_ms);
    if (index == b->index + 1) {
        b->previous = b->current;
        b->current = 0;
    } else if (index != b->index) {
        /* the first use, more than a bucket passed, or the clock went back: start over */
        b->previous = 0;
        b->current = 0;
    }
    b->index = index;
    b->current += amount;
    *out = (policy_counter_result_t){
        .current = b->current,
        .previous = b->previous,
        .bucket_start_ms = limit_bucket_start(index, origin_ms, period_ms),
        .now_ms = now_ms,
    };
}

/* How much of the bucket has passed, clamped to [0, period]. */
static int64_t elapsed_ms(const policy_counter_result_t *r, int64_t period_ms)
{
    int64_t e = r->now_ms - r->bucket_start_ms;
    return e < 0 ? 0 : e > period_ms ? period_ms : e;
}

int64_t limit_window_count(const policy_counter_result_t *r, int64_t period_ms)
{
    if (period_ms <= 0 || r->previous <= 0) return r->current;
    return r->current + ceil_div(r->previous * (period_ms - elapsed_ms(r, period_ms)), period_ms);
}

int64_t limit_window_retry_after_s(const policy_counter_result_t *r, int64_t period_ms, int64_t limit)
{
    if (period_ms <= 0) return 1;
    int64_t e = elapsed_ms(r, period_ms), room = limit - 1, wait_ms;
    if (r->current <= room) {
        /* within this bucket: when ceil(previous * (P - e - t) / P) <= room - current */
        int64_t allowed = room - r->current;
        if (r->previous <= allowed) wait_ms = 0;
        else wait_ms = (period_ms - e) - allowed * period_ms / r->previous;
    } else {
        /* the next bucket: current becomes previous, weighted down from 1 to 0 */
        int64_t t2 = room <= 0 ? period_ms : period_ms - room * period_ms / r->current;
        wait_ms = (period_ms - e) + t2;
    }
    int64_t s = ceil_div(wait_ms, 1000);
    return s < 1 ? 1 : s;
}

int64_t limit_period_retry_after_s(const policy_counter_result_t *r, int64_t period_ms)
{
    if (period_ms <= 0) return INT32_MAX;
    int64_t s = ceil_div(r->bucket_start_ms + period_ms - r->now_ms, 1000);
    return s < 1 ? 1 : s;
}

void limit_format_timespan(int64_t seconds, char *out, size_t size)
{
    if (seconds < 0) seconds = 0;
    int64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
    if (d) snprintf(out, size, "%lld.%02lld:%02lld:%02lld", (long long)d, (long long)h, (long long)m, (long long)s);
    else snprintf(out, size, "%02lld:%02lld:%02lld", (long long)h, (long long)m, (long long)s);
}
