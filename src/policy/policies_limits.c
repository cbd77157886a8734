/* Rate limits, quotas and token limits (spec/apim-gateway.md §2.5; limit-concurrency, §2.1, is
 * in policies_control.c). The counters are the host's (exec.h policy_host_t.counter: the
 * gateway's region table or Redis, docs/limits.md); this file decides what is counted, under
 * which key, and what the caller gets when a limit is exceeded (§4.6). The token limits
 * compile and let requests through (they need the model's token accounting). */
#include "policy/limit_window.h"
#include "policy/policies_support.h"
#include "policy/registry_tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Header and variable names that report a limit; literals in every rate-limit form (§2.5). */
#define LIMIT_NAMES                                                                                \
    A_STRD("retry-after-header-name", LIT, "Retry-After"), A_STR("retry-after-variable-name", LIT), \
        A_STR("remaining-calls-header-name", LIT), A_STR("remaining-calls-variable-name", LIT),    \
        A_STR("total-calls-header-name", LIT)

/* Token limits: every attribute and expression is compiled (errors are configuration errors)
 * and the run does nothing — docs/policies.md says they are not enforced. */
static int compile_limit(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                         const void **data, policy_doc_error_t *err)
{
    (void)data;
    return policy_support_compile_all(cc, element, cc->spec, err);
}

/* ---- compiled form ---- */

typedef enum {
    LIMIT_RATE,           /* rate-limit: per subscription, sliding window */
    LIMIT_RATE_BY_KEY,    /* rate-limit-by-key */
    LIMIT_QUOTA,          /* quota: per subscription, fixed periods */
    LIMIT_QUOTA_BY_KEY,   /* quota-by-key */
} limit_kind_t;

/* <api> or <operation> of rate-limit / quota: its own counter (§2.5; id wins over name). */
typedef struct limit_child {
    const char *id, *name;
    int64_t calls, bandwidth_kb, period_s;
    struct limit_child *operations;
    size_t operation_count;
} limit_child_t;

typedef struct {
    limit_kind_t kind;
    policy_value_t calls, period, key, condition, count; /* by-key forms may be expressions */
    int64_t bandwidth_kb; /* quotas: 0 = none */
    int64_t origin_ms;    /* quota-by-key first-period-start */
    /* increment-condition reads context.Response: it is evaluated once the response is
     * known (§2.5 [I]); the request is only checked on the way in. */
    bool is_condition_after;
    const char *retry_header, *retry_var, *remaining_header, *remaining_var, *total_header;
    limit_child_t *apis; /* rate-limit / quota children */
    size_t api_count;
} limit_data_t;

/* Unix ms of 0001-01-01T00:00:00Z, the vendor's default period origin. */
#define YEAR_ONE_MS (-62135596800000LL)

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* "yyyy-MM-ddTHH:mm:ssZ" → Unix ms; -1 when malformed (§2.5 quota-by-key). */
static int parse_period_start(const char *t, int64_t *out)
{
    unsigned y, mo, d, h, mi, se;
    char z = 0;
    int n = 0;
    if (sscanf(t, "%4u-%2u-%2uT%2u:%2u:%2u%c%n", &y, &mo, &d, &h, &mi, &se, &z, &n) != 7 || z != 'Z' ||
        t[n] != '\0' || y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        return -1;
    *out = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000;
    return 0;
}

static const char *literal(const policy_doc_node_t *e, const char *name)
{
    const char *v = policy_doc_attr_value(e, name);
    return v && *v ? v : NULL;
}

static int64_t literal_int(const policy_doc_node_t *e, const char *name, int64_t dflt)
{
    const char *v = literal(e, name);
    return v ? strtoll(v, NULL, 10) : dflt;
}

/* <api>/<operation> children (literals, already checked by the registry). */
static limit_child_t *compile_children(arena_t *a, const policy_doc_node_t *parent, const char *name,
                                       int64_t period_default, size_t *count)
{
    *count = policy_doc_element_count(parent, name);
    if (!*count) return NULL;
    limit_child_t *out = arena_alloc(a, *count * sizeof *out);
    if (!out) return NULL;
    size_t i = 0;
    for (const policy_doc_node_t *c = policy_doc_first_element(parent, name); c;
         c = policy_doc_next_element(c, name), i++) {
        limit_child_t *k = &out[i];
        *k = (limit_child_t){.id = literal(c, "id"), .name = literal(c, "name"),
                             .calls = literal_int(c, "calls", 0),
                             .bandwidth_kb = literal_int(c, "bandwidth", 0),
                             .period_s = literal_int(c, "renewal-period", period_default)};
        if (strcmp(name, "api") == 0)
            k->operations = compile_children(a, c, "operation", k->period_s, &k->operation_count);
    }
    return out;
}

static int compile_counted(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                           const void **data, policy_doc_error_t *err, limit_kind_t kind)
{
    int rc = policy_support_compile_all(cc, element, cc->spec, err);
    if (rc < 0) return rc;
    limit_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->origin_ms = YEAR_ONE_MS;
    bool is_by_key = kind == LIMIT_RATE_BY_KEY || kind == LIMIT_QUOTA_BY_KEY;
    bool is_quota = kind == LIMIT_QUOTA || kind == LIMIT_QUOTA_BY_KEY;
    if ((rc = policy_compile_attr(cc, element, "calls", POLICY_VALUE_INT, &d->calls, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "renewal-period", POLICY_VALUE_INT, &d->period, err)) < 0)
        return rc;
    if (is_by_key &&
        ((rc = policy_compile_attr(cc, element, "counter-key", POLICY_VALUE_STRING, &d->key, err)) < 0 ||
         (rc = policy_compile_attr(cc, element, "increment-condition", POLICY_VALUE_BOOL, &d->condition, err)) < 0 ||
         (rc = policy_compile_attr(cc, element, "increment-count", POLICY_VALUE_INT, &d->count, err)) < 0))
        return rc;
    if (is_by_key) {
        const char *cond = policy_doc_attr_value(element, "increment-condition");
        d->is_condition_after = cond && strstr(cond, "context.Response");
    }
    if (is_quota) d->bandwidth_kb = literal_int(element, "bandwidth", 0);
    if (!is_quota) {
        d->retry_header = literal(element, "retry-after-header-name");
        if (!d->retry_header) d->retry_header = "Retry-After";
        d->retry_var = literal(element, "retry-after-variable-name");
        d->remaining_header = literal(element, "remaining-calls-header-name");
        d->remaining_var = literal(element, "remaining-calls-variable-name");
        d->total_header = literal(element, "total-calls-header-name");
    }
    if (kind == LIMIT_QUOTA_BY_KEY) {
        const char *start = literal(element, "first-period-start");
        if (start && parse_period_start(start, &d->origin_ms) < 0)
            return policy_support_error(cc, element->pos, err,
                                        "attribute 'first-period-start' must be yyyy-MM-ddTHH:mm:ssZ, not '%s'",
                                        start);
    }
    if (kind == LIMIT_RATE || kind == LIMIT_QUOTA) {
        d->apis = compile_children(cc->arena, element, "api", literal_int(element, "renewal-period", 0),
                                   &d->api_count);
        if (policy_doc_element_count(element, "api") && !d->apis) return -ENOMEM;
    }
    *data = d;
    return 0;
}

static int compile_rate_limit(policy_compile_ctx_t *cc, const policy_doc_node_t *e, const void **data,
                              policy_doc_error_t *err)
{
    return compile_counted(cc, e, data, err, LIMIT_RATE);
}

static int compile_rate_limit_by_key(policy_compile_ctx_t *cc, const policy_doc_node_t *e,
                                     const void **data, policy_doc_error_t *err)
{
    return compile_counted(cc, e, data, err, LIMIT_RATE_BY_KEY);
}

static int compile_quota(policy_compile_ctx_t *cc, const policy_doc_node_t *e, const void **data,
                         policy_doc_error_t *err)
{
    return compile_counted(cc, e, data, err, LIMIT_QUOTA);
}

static int compile_quota_by_key(policy_compile_ctx_t *cc, const policy_doc_node_t *e,
                                const void **data, policy_doc_error_t *err)
{
    return compile_counted(cc, e, data, err, LIMIT_QUOTA_BY_KEY);
}

/* ---- run ---- */

/* One counter a request checks: the policy's own, or an <api>/<operation> child's. */
typedef struct {
    policy_counter_op_t op;
    int64_t calls;        /* 0: this counter does not limit calls (bandwidth only) */
    int64_t bandwidth_kb; /* quotas: 0 = none */
    bool is_main;         /* the policy's own counter: headers and variables report it */
} limit_check_t;

#define MAX_CHECKS 3 /* the policy's, its <api>'s, its <operation>'s */

/* A run's state across host round trips (policy_exec_step_state). */
typedef struct {
    limit_check_t checks[MAX_CHECKS];
    size_t count, next;
    bool is_bandwidth_phase; /* checking the bandwidth counter of checks[next] */
    int64_t amount;          /* what the inbound check adds (0: checked only) */
    policy_counter_result_t result;
} limit_run_t;

static bool is_quota(const limit_data_t *d)
{
    return d->kind == LIMIT_QUOTA || d->kind == LIMIT_QUOTA_BY_KEY;
}

static int set_int_var(policy_exec_t *exec, const char *name, int64_t v)
{
    if (!name) return 0;
    return policy_exec_var_set(exec, name, strlen(name), expr_int((int32_t)(v > INT32_MAX ? INT32_MAX : v)));
}

static int final_int_header(policy_exec_t *exec, const char *name, int64_t v)
{
    if (!name) return 0;
    char text[24];
    int n = snprintf(text, sizeof text, "%lld", (long long)v);
    return policy_exec_final_header(exec, POLICY_FINAL_SET, name, strlen(name), text, (size_t)n);
}

/* The key of a counter: "<form>:<period>:<what>" so that the forms and periods never share a
 * counter (rate-limit-by-key and quota-by-key on one key count apart). */
static const char *make_key(policy_exec_t *exec, const char *form, int64_t period_s, const char *a,
                            const char *b, const char *c, size_t *len)
{
    int n = snprintf(NULL, 0, "%s:%lld:%s%s%s%s%s", form, (long long)period_s, a, b ? ":" : "",
                     b ? b : "", c ? ":" : "", c ? c : "");
    char *k = arena_alloc(exec->arena, (size_t)n + 1);
    if (!k) return NULL;
    snprintf(k, (size_t)n + 1, "%s:%lld:%s%s%s%s%s", form, (long long)period_s, a, b ? ":" : "",
             b ? b : "", c ? ":" : "", c ? c : "");
    *len = (size_t)n;
    return k;
}

static bool child_matches(const limit_child_t *c, const char *id, const char *name)
{
    if (c->id) return id && strcmp(c->id, id) == 0;
    return c->name && name && strcmp(c->name, name) == 0;
}

static int add_check(policy_exec_t *exec, limit_run_t *run, const limit_data_t *d, const char *form,
                     int64_t calls, int64_t bandwidth_kb, int64_t period_s, const char *what,
                     const char *api, const char *op)
{
    limit_check_t *c = &run->checks[run->count];
    size_t len;
    const char *key = make_key(exec, form, period_s, what, api, op, &len);
    if (!key) return -ENOMEM;
    *c = (limit_check_t){
        .op = {.key = key, .key_len = len, .period_ms = period_s * 1000, .origin_ms = d->origin_ms},
        .calls = calls,
        .bandwidth_kb = bandwidth_kb,
        .is_main = run->count == 0,
    };
    run->count++;
    return 0;
}

static int run_checks(policy_exec_t *exec, const policy_step_t *step);

/* The counters are unreachable: the host's setting says whether the request goes on. */
static int unavailable(policy_exec_t *exec, const policy_step_t *step, int status)
{
    if (status == POLICY_E_COUNTER_OPEN) return POLICY_RUN_NEXT;
    return policy_exec_raise(exec, step, NULL, 503, "CounterStoreUnavailable", "Service unavailable",
                             "the counters of %s are unreachable and the gateway is set to refuse "
                             "requests then (docs/limits.md \"failure\")",
                             step->policy->name);
}

static int exceeded(policy_exec_t *exec, const policy_step_t *step, const limit_data_t *d,
                    const limit_check_t *c, const policy_counter_result_t *r, bool is_bandwidth)
{
    char message[160];
    if (is_quota(d)) {
        int64_t s = limit_period_retry_after_s(r, c->op.period_ms);
        char span[40];
        limit_format_timespan(s, span, sizeof span);
        snprintf(message, sizeof message, "Out of %s quota. Quota will be replenished in %s.",
                 is_bandwidth ? "bandwidth" : "call volume", span);
        final_int_header(exec, "Retry-After", s);
        return policy_exec_raise(exec, step, NULL, 403, "QuotaExceeded", message, "%s", message);
    }
    int64_t s = limit_window_retry_after_s(r, c->op.period_ms, c->calls);
    snprintf(message, sizeof message, "Rate limit is exceeded. Try again in %lld seconds.", (long long)s);
    if (c->is_main) {
        final_int_header(exec, d->retry_header, s);
        set_int_var(exec, d->retry_var, s);
    } else {
        final_int_header(exec, "Retry-After", s);
    }
    return policy_exec_raise(exec, step, NULL, 429, "RateLimitExceeded", message, "%s", message);
}

/* Judges the result of checks[next] (its calls, or its bandwidth phase). */
static int judge(policy_exec_t *exec, const policy_step_t *step, limit_run_t *run)
{
    const limit_data_t *d = step->data;
    limit_check_t *c = &run->checks[run->next];
    const policy_counter_result_t *r = &run->result;
    if (run->is_bandwidth_phase) {
        if (r->current >= c->bandwidth_kb * 1024) return exceeded(exec, step, d, c, r, true);
        run->is_bandwidth_phase = false;
        run->next++;
        return POLICY_RUN_NEXT;
    }
    int64_t count = is_quota(d) ? r->current : limit_window_count(r, c->op.period_ms);
    bool is_over = c->calls && (run->amount > 0 ? count > c->calls : count >= c->calls);
    if (is_over) return exceeded(exec, step, d, c, r, false);
    if (c->is_main && !is_quota(d)) {
        int64_t remaining = c->calls - count;
        if (remaining < 0) remaining = 0;
        final_int_header(exec, d->remaining_header, remaining);
        set_int_var(exec, d->remaining_var, remaining);
        final_int_header(exec, d->total_header, c->calls);
    }
    if (c->bandwidth_kb) run->is_bandwidth_phase = true;
    else run->next++;
    return POLICY_RUN_NEXT;
}

static int on_counted(policy_exec_t *exec, const policy_step_t *step, int status, void *result)
{
    limit_run_t *run = *policy_exec_step_state(exec, step);
    if (status < 0) return unavailable(exec, step, status);
    run->result = *(const policy_counter_result_t *)result;
    int rc = judge(exec, step, run);
    if (rc != POLICY_RUN_NEXT) return rc;
    return run_checks(exec, step);
}

static int run_checks(policy_exec_t *exec, const policy_step_t *step)
{
    limit_run_t *run = *policy_exec_step_state(exec, step);
    while (run->next < run->count) {
        limit_check_t *c = &run->checks[run->next];
        policy_counter_op_t op = c->op;
        if (!run->is_bandwidth_phase && !c->calls) {
            /* a bandwidth-only quota */
            run->is_bandwidth_phase = c->bandwidth_kb > 0;
            if (!run->is_bandwidth_phase) run->next++;
            continue;
        }
        if (run->is_bandwidth_phase) {
            /* bandwidth counts after the response (count_after); here it is only read */
            size_t len;
            op.key = make_key(exec, "bw", op.period_ms / 1000, c->op.key, NULL, NULL, &len);
            if (!op.key) return policy_exec_raise_oom(exec, step);
            op.key_len = len;
            op.amount = 0;
        } else {
            op.amount = c->calls ? run->amount : 0;
        }
        int rc = exec->host->counter(exec, &op, &run->result);
        if (rc == 0) return policy_exec_suspend(exec, step, on_counted);
        if (rc < 0) return unavailable(exec, step, rc);
        rc = judge(exec, step, run);
        if (rc != POLICY_RUN_NEXT) return rc;
    }
    return POLICY_RUN_NEXT;
}

/* After the response (policy_exec_at_finish): the deferred increment-condition and the
 * bandwidth of the response. Nothing here can change the response: an expression that
 * throws leaves the request uncounted (docs/limits.md). */
typedef struct {
    const policy_step_t *step;
    limit_run_t *run;
    int64_t count;      /* the increment when the condition holds */
    bool has_condition; /* evaluate d->condition now */
} limit_after_t;

static int64_t response_bytes(const policy_exec_t *exec)
{
    const policy_response_t *r = &exec->response;
    if (r->body.kind == POLICY_BODY_BYTES) return (int64_t)r->body.len;
    long i = policy_fields_find(&r->headers, "Content-Length", 14, 0);
    return i >= 0 ? strtoll(r->headers.items[i].value, NULL, 10) : 0;
}

static void count_after(policy_exec_t *exec, void *arg)
{
    limit_after_t *a = arg;
    const limit_data_t *d = a->step->data;
    if (!exec->host->counter) return;
    policy_counter_result_t ignored;
    if (a->has_condition) {
        policy_last_error_t *saved = exec->last_error;
        bool holds = false;
        int rc = policy_value_bool(exec, a->step, &d->condition, &holds);
        exec->last_error = saved;
        if (rc == 0 && holds && a->count > 0) {
            for (size_t i = 0; i < a->run->count; i++) {
                policy_counter_op_t op = a->run->checks[i].op;
                op.amount = a->count;
                op.is_no_reply = true;
                exec->host->counter(exec, &op, &ignored);
            }
        }
    }
    int64_t bytes = response_bytes(exec);
    for (size_t i = 0; bytes > 0 && i < a->run->count; i++) {
        const limit_check_t *c = &a->run->checks[i];
        if (!c->bandwidth_kb) continue;
        size_t len;
        policy_counter_op_t op = c->op;
        op.key = make_key(exec, "bw", op.period_ms / 1000, c->op.key, NULL, NULL, &len);
        if (!op.key) return;
        op.key_len = len;
        op.amount = bytes;
        op.is_no_reply = true;
        exec->host->counter(exec, &op, &ignored);
    }
}

static bool has_bandwidth(const limit_run_t *run)
{
    for (size_t i = 0; i < run->count; i++)
        if (run->checks[i].bandwidth_kb) return true;
    return false;
}

static int run_counted(policy_exec_t *exec, const policy_step_t *step)
{
    const limit_data_t *d = step->data;
    if (!exec->host->counter)
        return policy_exec_raise(exec, step, NULL, 500, "CountersNotAvailable", NULL,
                                 "%s needs counters and this host keeps none (docs/limits.md)",
                                 step->policy->name);
    const policy_request_info_t *info = &exec->info;
    bool is_by_key = d->kind == LIMIT_RATE_BY_KEY || d->kind == LIMIT_QUOTA_BY_KEY;
    /* rate-limit and quota count per subscription: anonymous calls are not limited (§2.5) */
    if (!is_by_key && !info->subscription_id) return POLICY_RUN_NEXT;

    void **slot = policy_exec_step_state(exec, step);
    limit_run_t *run = slot ? arena_alloc(exec->arena, sizeof *run) : NULL;
    if (!run) return policy_exec_raise_oom(exec, step);
    memset(run, 0, sizeof *run);
    *slot = run;

    int64_t calls = 0, period_s = 0, count = 1;
    bool holds = true;
    if (d->calls.is_present && policy_value_long(exec, step, &d->calls, &calls) < 0) return -EIO;
    if (policy_value_long(exec, step, &d->period, &period_s) < 0) return -EIO;
    if (!is_quota(d) && (period_s < 1 || period_s > 300 || calls < 1))
        return policy_exec_raise(exec, step, NULL, 500, "InvalidLimit", NULL,
                                 "calls must be at least 1 and renewal-period from 1 to 300 seconds "
                                 "(got %lld and %lld)", (long long)calls, (long long)period_s);
    if (is_by_key) {
        const char *key;
        size_t key_len;
        if (policy_value_string(exec, step, &d->key, &key, &key_len) < 0) return -EIO;
        if (d->count.is_present && policy_value_long(exec, step, &d->count, &count) < 0) return -EIO;
        if (count < 0) count = 0;
        if (!d->is_condition_after && d->condition.is_present &&
            policy_value_bool(exec, step, &d->condition, &holds) < 0)
            return -EIO;
        const char *form = d->kind == LIMIT_RATE_BY_KEY ? "rk" : "qk";
        if (add_check(exec, run, d, form, calls, d->bandwidth_kb, period_s, key, NULL, NULL) < 0)
            return policy_exec_raise_oom(exec, step);
    } else {
        const char *form = d->kind == LIMIT_RATE ? "rs" : "qs";
        if (add_check(exec, run, d, form, calls, d->bandwidth_kb, period_s, info->subscription_id,
                      NULL, NULL) < 0)
            return policy_exec_raise_oom(exec, step);
        for (size_t i = 0; i < d->api_count; i++) {
            const limit_child_t *api = &d->apis[i];
            if (!child_matches(api, info->api_id, info->api_name)) continue;
            const char *api_key = info->api_id ? info->api_id : api->name;
            if (add_check(exec, run, d, form, api->calls, api->bandwidth_kb, api->period_s,
                          info->subscription_id, api_key, NULL) < 0)
                return policy_exec_raise_oom(exec, step);
            for (size_t k = 0; k < api->operation_count; k++) {
                const limit_child_t *op = &api->operations[k];
                if (!child_matches(op, info->operation_id, info->operation_name)) continue;
                if (add_check(exec, run, d, form, op->calls, op->bandwidth_kb, op->period_s,
                              info->subscription_id, api_key,
                              info->operation_id ? info->operation_id : op->name) < 0)
                    return policy_exec_raise_oom(exec, step);
                break;
            }
            break;
        }
    }
    run->amount = holds && !d->is_condition_after ? count : 0;

    if (d->is_condition_after || has_bandwidth(run)) {
        limit_after_t *after = arena_alloc(exec->arena, sizeof *after);
        if (!after) return policy_exec_raise_oom(exec, step);
        *after = (limit_after_t){.step = step, .run = run, .count = count,
                                 .has_condition = d->is_condition_after};
        if (policy_exec_at_finish(exec, count_after, after) < 0) return policy_exec_raise_oom(exec, step);
    }
    return run_checks(exec, step);
}

#define WINDOW_MAX 300 /* sliding windows are at most 300 s (§2.5) */

static const policy_descriptor_t rate_limit = {
    .name = "rate-limit",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_AT_PRODUCT | POLICY_AT_API | POLICY_AT_OPERATION,
    .flags = POLICY_ONCE_PER_DOCUMENT,
    .element = {ATTRS(A_INT("calls", R | LIT, NULL, 1, 2147483647L),
                      A_DUR("renewal-period", R | LIT, NULL, WINDOW_MAX), LIMIT_NAMES),
                CHILDREN(CHILD("api", 0, 0,
                               ATTRS(A_STR("name", LIT), A_STR("id", LIT),
                                     A_INT("calls", R | LIT, NULL, 1, 2147483647L),
                                     A_DUR("renewal-period", R | LIT, NULL, WINDOW_MAX)),
                               CHILDREN(CHILD("operation", 0, 0,
                                              ATTRS(A_STR("name", LIT), A_STR("id", LIT),
                                                    A_INT("calls", R | LIT, NULL, 1, 2147483647L),
                                                    A_DUR("renewal-period", R | LIT, NULL,
                                                          WINDOW_MAX))))))},
    .compile = compile_rate_limit,
    .run = run_counted,
};

static const policy_descriptor_t rate_limit_by_key = {
    .name = "rate-limit-by-key",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_INT("calls", R, NULL, 1, 2147483647L),
                      A_DUR("renewal-period", R, NULL, WINDOW_MAX), A_STR("counter-key", R),
                      A_BOOL("increment-condition", 0, "true"),
                      A_INT("increment-count", 0, "1", 0, 2147483647L), LIMIT_NAMES)},
    .compile = compile_rate_limit_by_key,
    .run = run_counted,
};

#define CALLS_OR_BANDWIDTH (const char *const[]){"calls", "bandwidth", NULL}

static int check_quota(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                       policy_doc_error_t *err)
{
    return policy_check_at_least_one(ctx, element, CALLS_OR_BANDWIDTH, err);
}

#define QUOTA_LIMITS                                                                               \
    A_INT("calls", LIT, NULL, 1, 2147483647L), A_INT("bandwidth", LIT, NULL, 1, 2147483647L)
#define QUOTA_COUNTS QUOTA_LIMITS, A_DUR("renewal-period", R | LIT, NULL, 0)
/* <api>/<operation> inside quota: the period defaults to the policy's. */
#define QUOTA_CHILD_COUNTS QUOTA_LIMITS, A_DUR("renewal-period", LIT, NULL, 0)

/* Spec §7 decision 4: product scope is documented; other scopes are accepted. */
static const policy_descriptor_t quota = {
    .name = "quota",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_DOCUMENT,
    .element = {ATTRS(QUOTA_COUNTS),
                CHILDREN(CHILD("api", 0, 0,
                               ATTRS(A_STR("name", LIT), A_STR("id", LIT), QUOTA_CHILD_COUNTS),
                               CHILDREN(CHILD("operation", 0, 0,
                                              ATTRS(A_STR("name", LIT), A_STR("id", LIT),
                                                    QUOTA_CHILD_COUNTS)))))},
    .check = check_quota,
    .compile = compile_quota,
    .run = run_counted,
};

static const policy_descriptor_t quota_by_key = {
    .name = "quota-by-key",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(QUOTA_COUNTS, A_STR("counter-key", R), A_BOOL("increment-condition", 0, "true"),
                      A_INT("increment-count", 0, "1", 0, 2147483647L),
                      A_STRD("first-period-start", LIT, "0001-01-01T00:00:00Z"))},
    .check = check_quota,
    .compile = compile_quota_by_key,
    .run = run_counted,
};

/* Token limits for language-model backends: counting needs the model's token accounting,
 * an external endpoint here. */
#define TOKEN_LIMIT_ATTRS                                                                          \
    A_STR("counter-key", R), A_INT("tokens-per-minute", 0, NULL, 1, 2147483647L),                  \
        A_INT("token-quota", 0, NULL, 1, 2147483647L),                                             \
        A_ENUM("token-quota-period", 0, NULL, "hourly", "daily", "weekly", "monthly", "yearly"),   \
        A_BOOL("estimate-prompt-tokens", LIT, NULL), A_BOOL("estimate-prompt-token", LIT, NULL), \
        A_STR("retry-after-header-name", LIT), A_STR("retry-after-variable-name", LIT),            \
        A_STR("remaining-quota-tokens-header-name", LIT),                                          \
        A_STR("remaining-quota-tokens-variable-name", LIT),                                        \
        A_STR("remaining-tokens-header-name", LIT), A_STR("remaining-tokens-variable-name", LIT),  \
        A_STR("tokens-consumed-header-name", LIT), A_STR("tokens-consumed-variable-name", LIT)

/* tokens-per-minute and/or a token quota with its period. */
static int check_token_limit(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                             policy_doc_error_t *err)
{
    return policy_check_at_least_one(
        ctx, element, (const char *const[]){"tokens-per-minute", "token-quota", NULL}, err);
}

static const policy_descriptor_t azure_openai_token_limit = {
    .name = "azure-openai-token-limit",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(TOKEN_LIMIT_ATTRS)},
    .check = check_token_limit,
    .compile = compile_limit,
    .run = policy_support_noop_run,
};

static const policy_descriptor_t llm_token_limit = {
    .name = "llm-token-limit",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(TOKEN_LIMIT_ATTRS)},
    .check = check_token_limit,
    .compile = compile_limit,
    .run = policy_support_noop_run,
};

const policy_descriptor_t *const policy_family_limits[] = {
    &rate_limit, &rate_limit_by_key, &quota, &quota_by_key, &azure_openai_token_limit,
    &llm_token_limit, NULL,
};
