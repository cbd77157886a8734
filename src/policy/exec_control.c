/* The executor's control steps (exec_internal.h): <when> branches, jumps, <retry> and
 * <wait for="any"> (spec/apim-gateway.md §2.1). */
#include "policy/exec_internal.h"

#include <string.h>
#include <strings.h>

int policy_step_when(policy_exec_t *exec, const policy_step_t *step)
{
    const policy_when_data_t *d = step->data;
    bool is_true = false;
    int rc = policy_value_bool(exec, step, &d->condition, &is_true);
    if (rc) return rc;
    if (!is_true) policy_exec_jump(exec, step->jump);
    return POLICY_RUN_NEXT;
}

int policy_step_jump(policy_exec_t *exec, const policy_step_t *step)
{
    policy_exec_jump(exec, step->jump);
    return POLICY_RUN_NEXT;
}

int policy_step_retry_enter(policy_exec_t *exec, const policy_step_t *step)
{
    exec->slots[step->slot] = 0;
    return POLICY_RUN_NEXT;
}

/* A factor in [0.8, 1.2) for the exponential wait (§2.1), from a small generator seeded by
 * the request id and the attempt: no shared state between threads. */
static double jitter(const policy_exec_t *exec, int64_t attempt)
{
    uint64_t x = 0x9e3779b97f4a7c15ull ^ (uint64_t)attempt;
    for (int i = 0; i < 16; i++) x = (x ^ exec->info.request_id[i]) * 0x100000001b3ull;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return 0.8 + 0.4 * (double)(x >> 11) / (double)(1ull << 53);
}

static int retry_resume(policy_exec_t *exec, const policy_step_t *step, int status, void *result)
{
    (void)status, (void)result;
    policy_exec_jump(exec, step->jump);
    return POLICY_RUN_NEXT;
}

/* The wait before retry number n (1-based), in milliseconds (§2.1 wait algorithm). */
static int retry_delay_ms(policy_exec_t *exec, const policy_step_t *step, int64_t n,
                          uint64_t *out)
{
    const policy_retry_data_t *d = step->data;
    int64_t interval = 0, delta = 0, max_interval = 0;
    bool is_fast = false;
    int rc = policy_value_long(exec, step, &d->interval, &interval);
    if (!rc && d->delta.is_present) rc = policy_value_long(exec, step, &d->delta, &delta);
    if (!rc && d->max_interval.is_present)
        rc = policy_value_long(exec, step, &d->max_interval, &max_interval);
    if (!rc) rc = policy_value_bool(exec, step, &d->first_fast_retry, &is_fast);
    if (rc) return rc;
    if (is_fast && n == 1) return *out = 0, 0;
    double seconds = (double)interval;
    if (d->delta.is_present && d->max_interval.is_present) {
        /* exponential: min(interval + (2^(n-1) - 1) * random(0.8δ, 1.2δ), max) — the
         * documented example 10, 20, 40, 80, 100, 100 counts n from 0 */
        int64_t e = n - 1 > 40 ? 40 : n - 1;
        seconds = (double)interval + (double)((1ll << e) - 1) * (double)delta * jitter(exec, n);
        if (seconds > (double)max_interval) seconds = (double)max_interval;
    } else if (d->delta.is_present) {
        seconds = (double)interval + (double)(n - 1) * (double)delta; /* linear */
    }
    if (seconds < 0) seconds = 0;
    *out = (uint64_t)(seconds * 1000.0);
    return 0;
}

int policy_step_retry_check(policy_exec_t *exec, const policy_step_t *step)
{
    const policy_retry_data_t *d = step->data;
    bool again = false;
    int64_t count = 0;
    int rc = policy_value_bool(exec, step, &d->condition, &again);
    if (rc || !again) return rc;
    if ((rc = policy_value_long(exec, step, &d->count, &count))) return rc;
    int64_t *attempts = &exec->slots[step->slot];
    if (*attempts >= count) return POLICY_RUN_NEXT;
    ++*attempts;
    uint64_t ms = 0;
    if ((rc = retry_delay_ms(exec, step, *attempts, &ms))) return rc;
    if (ms == 0 || !exec->host || !exec->host->timer) {
        policy_exec_jump(exec, step->jump);
        return POLICY_RUN_NEXT;
    }
    policy_exec_suspend(exec, step, retry_resume);
    rc = exec->host->timer(exec, ms);
    if (rc < 0) {
        exec->pending_resume = NULL;
        return policy_exec_raise(exec, step, "retry", 500, NULL, NULL, "the retry timer failed");
    }
    return POLICY_RUN_PENDING;
}

int policy_step_wait_next(policy_exec_t *exec, const policy_step_t *step)
{
    const policy_wait_data_t *d = step->data;
    const char *mode = NULL;
    int rc = policy_value_string(exec, step, &d->for_, &mode, NULL);
    if (rc) return rc;
    if (mode && strcasecmp(mode, "any") == 0) policy_exec_jump(exec, step->jump);
    return POLICY_RUN_NEXT;
}
