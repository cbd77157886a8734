/* The policy path of the request pipeline: the gateway as the policy executor's host
 * (policy/exec.h). For an operation with a program, the request is described to the
 * executor (proxy_policy_describe.c), the program runs, and the host does the I/O it asks
 * for — forward-request and send-request (proxy_policy_backend.c), timers — then writes
 * the response the program decided. This file holds the run itself: starting it (also for
 * a refused subscription key), the client's body, timers, the response and the host table;
 * the cache and counter operations are proxy_cache.c and limits_host.c.
 *
 * Bodies stream unless the program needs them (POLICY_NEEDS_*_BODY, decided when the
 * configuration compiled): then the client's body is read before the program starts, and
 * the backend's before outbound runs. A streamed backend body is paused while outbound runs
 * and piped once the response head is written, so bounded memory holds for any body size. */
#include "gateway/proxy_policy_internal.h"

#include "base/log.h"
#include "gateway/config_policy.h"
#include "gateway/limits_host.h"
#include "gateway/metrics.h"
#include "gateway/proxy_cache.h"
#include "policy/exec.h"

#include <stdlib.h>
#include <string.h>

struct proxy_timer {
    uv_timer_t handle;
    proxy_ctx_t *ctx; /* NULL once the exchange is gone */
};

static const policy_host_t gateway_policy_host;

/* ---- starting the run; the client's body ---- */

static bool request_has_body(const http_request_t *req)
{
    return req->is_chunked || req->content_length > 0;
}

static void respond_oom(proxy_ctx_t *ctx)
{
    ctx->error = "OutOfMemory";
    http_exchange_respond_error(ctx->ex, 503, "Service unavailable");
}

static void start_program(proxy_ctx_t *ctx)
{
    if (policy_exec_start(ctx->exec) != 0) respond_oom(ctx);
}

/* A run of ctx->program for the matched request, described to the executor; NULL (the
 * request answered 503) when out of memory. */
static policy_exec_t *new_run(proxy_ctx_t *ctx, const route_match_t *m)
{
    ctx->is_policy = true;
    ctx->backend_length = -1;
    buf_init(&ctx->body_in);
    buf_init(&ctx->body_out);
    policy_exec_t *exec = policy_exec_new(http_exchange_arena(ctx->ex), ctx->program,
                                          &gateway_policy_host, ctx);
    if (!exec) {
        respond_oom(ctx);
        return NULL;
    }
    ctx->exec = exec;
    if (proxy_policy_describe_request(ctx, exec, m) < 0) {
        respond_oom(ctx);
        return NULL;
    }
    return exec;
}

void proxy_policy_start(proxy_ctx_t *ctx, const route_match_t *m)
{
    policy_exec_t *exec = new_run(ctx, m);
    if (!exec) return;
    const http_request_t *req = http_exchange_request(ctx->ex);
    if (!request_has_body(req)) {
        exec->request.body.kind = POLICY_BODY_NONE;
        start_program(ctx);
        return;
    }
    if (policy_exec_program_flags(ctx->program) & POLICY_NEEDS_REQUEST_BODY) {
        if (req->content_length > (int64_t)POLICY_MAX_BUFFERED_BODY) {
            http_exchange_respond_error(ctx->ex, 413, "Request entity too large");
            return;
        }
        ctx->is_buffering_request = true;
        ctx->is_client_body_started = true;
        http_exchange_read_body(ctx->ex);
        return;
    }
    exec->request.body.kind = POLICY_BODY_STREAM;
    start_program(ctx);
}

void proxy_policy_start_refused(proxy_ctx_t *ctx, const route_match_t *m, int refusal)
{
    policy_exec_t *exec = new_run(ctx, m);
    if (!exec) return;
    /* Nothing is forwarded: the client's body stays unread (the connection closes after). */
    exec->request.body.kind = POLICY_BODY_NONE;
    subscription_refusal_t r;
    subscription_refusal(refusal, &r);
    policy_field_t challenge = {.name = "WWW-Authenticate", .name_len = 16};
    size_t len = 0;
    if (refusal == SUBSCRIPTION_KEY_MISSING)
        challenge.value = subscription_challenge(exec->arena, http_exchange_request(ctx->ex),
                                                 m->api, &len);
    challenge.value_len = (uint32_t)len;
    if (policy_exec_start_error(exec, "authorization", r.status, r.error_reason, r.message,
                                r.reason_phrase, &challenge, challenge.value ? 1 : 0) != 0)
        respond_oom(ctx);
}

void proxy_policy_on_body(proxy_ctx_t *ctx, const char *data, size_t len)
{
    if (ctx->is_buffering_request) {
        if (ctx->body_in.len + len > POLICY_MAX_BUFFERED_BODY) {
            ctx->is_buffering_request = false;
            http_exchange_respond_error(ctx->ex, 413, "Request entity too large");
            return;
        }
        if (buf_append(&ctx->body_in, data, len) < 0) {
            ctx->is_buffering_request = false;
            respond_oom(ctx);
        }
        return;
    }
    if (!ctx->up) return; /* answered already: the body is dropped */
    if (upstream_request_send_body(ctx->up, data, len) < 0) return;
    if (upstream_request_over_high_water(ctx->up)) http_exchange_pause_body(ctx->ex);
}

void proxy_policy_on_body_end(proxy_ctx_t *ctx)
{
    ctx->is_client_body_done = true;
    if (ctx->is_buffering_request) {
        ctx->is_buffering_request = false;
        policy_body_t *b = &ctx->exec->request.body;
        b->kind = POLICY_BODY_BYTES;
        b->bytes = ctx->body_in.data ? ctx->body_in.data : "";
        b->len = ctx->body_in.len;
        start_program(ctx);
        return;
    }
    if (ctx->up) upstream_request_end_body(ctx->up);
}

void proxy_policy_on_drain(proxy_ctx_t *ctx)
{
    if (ctx->up) upstream_request_resume_response(ctx->up);
}

/* ---- timers: wait, retry intervals ---- */

static void timer_closed(uv_handle_t *h)
{
    free(h->data);
}

static void timer_fired(uv_timer_t *h)
{
    struct proxy_timer *t = h->data;
    proxy_ctx_t *ctx = t->ctx;
    uv_close((uv_handle_t *)h, timer_closed);
    if (!ctx) return;
    ctx->timer = NULL;
    policy_exec_timer_done(ctx->exec);
}

static int start_timer(proxy_ctx_t *ctx, uint64_t ms)
{
    struct proxy_timer *t = calloc(1, sizeof *t);
    if (!t) return -1;
    t->ctx = ctx;
    uv_timer_init(ctx->gw->loop, &t->handle);
    t->handle.data = t;
    uv_timer_start(&t->handle, timer_fired, ms, 0);
    ctx->timer = t;
    return 0;
}

static int host_timer(policy_exec_t *exec, uint64_t ms)
{
    proxy_ctx_t *ctx = exec->host_data;
    return start_timer(ctx, ms) < 0 ? POLICY_E_BACKEND_CONNECTION : 0;
}

/* ---- the response ---- */

static void host_done(policy_exec_t *exec)
{
    proxy_ctx_t *ctx = exec->host_data;
    policy_response_t *resp = &exec->response;
    ctx->is_done = true;
    if (exec->last_error && !ctx->error) ctx->error = exec->last_error->reason;
    int status = resp->status ? resp->status : 200;
    bool streams = resp->body.kind == POLICY_BODY_STREAM && ctx->is_response_streaming;
    if (!streams && ctx->up) {
        /* The program answered with its own body: the backend's is not needed. */
        upstream_request_cancel(ctx->up);
        ctx->up = NULL;
    }
    if (streams && ctx->is_upstream_failed) {
        http_exchange_respond_error(ctx->ex, 502, "Bad gateway");
        return;
    }
    size_t n = 0;
    http_header_t *headers = arena_alloc(exec->arena, (resp->headers.count + 1) * sizeof *headers);
    if (!headers) {
        respond_oom(ctx);
        return;
    }
    for (uint32_t i = 0; i < resp->headers.count; i++) {
        const policy_field_t *f = &resp->headers.items[i];
        /* framing and connection fields are the server's (server.h) */
        if ((f->name_len == 14 && proxy_policy_field_is(f, "content-length")) ||
            (f->name_len == 17 && proxy_policy_field_is(f, "transfer-encoding")) ||
            (f->name_len == 10 && (proxy_policy_field_is(f, "connection") ||
                                   proxy_policy_field_is(f, "keep-alive"))))
            continue;
        headers[n++] = (http_header_t){slice_make(f->name, f->name_len),
                                       slice_make(f->value, f->value_len)};
    }
    http_response_head_t head = {
        .status = status,
        .reason = resp->reason,
        .headers = headers,
        .header_count = n,
        .content_length = streams ? ctx->backend_length
                          : resp->body.kind == POLICY_BODY_BYTES ? (int64_t)resp->body.len
                                                                  : 0,
    };
    if (http_exchange_send_head(ctx->ex, &head) < 0) return;
    if (streams) {
        if (ctx->is_upstream_done || !ctx->up) {
            http_exchange_finish(ctx->ex);
            return;
        }
        upstream_request_resume_response(ctx->up);
        return;
    }
    if (resp->body.kind == POLICY_BODY_BYTES && resp->body.len &&
        http_exchange_send_body(ctx->ex, resp->body.bytes, resp->body.len) < 0)
        return;
    http_exchange_finish(ctx->ex);
}

static void host_trace(policy_exec_t *exec, const policy_trace_t *t)
{
    (void)exec;
    log_info("trace [%s] %s", t->source ? t->source : "", t->message ? t->message : "");
}

static void host_metric(policy_exec_t *exec, const policy_metric_t *m)
{
    proxy_ctx_t *ctx = exec->host_data;
    enum { MAX_DIMENSIONS = 10 }; /* the vendor allows at most 10 dimensions per metric */
    const char *dims[2 * MAX_DIMENSIONS];
    size_t n = 0;
    for (uint32_t i = 0; m->dimensions && i < m->dimensions->count && n < MAX_DIMENSIONS; i++, n++) {
        dims[2 * n] = m->dimensions->items[i].name;
        dims[2 * n + 1] = m->dimensions->items[i].value;
    }
    gateway_metrics_custom(ctx->gw->metrics, m->namespace_, m->name, m->value, dims, n);
}

static const char *host_endpoint(policy_exec_t *exec, const char *service, const char *name)
{
    proxy_ctx_t *ctx = exec->host_data;
    return gateway_policies_endpoint(ctx->config->policies, service, name);
}

static const policy_host_t gateway_policy_host = {
    .endpoint = host_endpoint,
    .cache = proxy_cache_op,
    .forward = proxy_policy_forward,
    .send = proxy_policy_send,
    .timer = host_timer,
    .done = host_done,
    .trace = host_trace,
    .metric = host_metric,
    .counter = gateway_limits_counter,
};

void proxy_policy_complete(proxy_ctx_t *ctx)
{
    proxy_cache_cancel(&ctx->cache_wait);
    gateway_limits_cancel(ctx);
    if (ctx->side) {
        upstream_request_cancel(ctx->side);
        ctx->side = NULL;
    }
    if (ctx->timer) {
        ctx->timer->ctx = NULL;
        uv_timer_stop(&ctx->timer->handle);
        uv_close((uv_handle_t *)&ctx->timer->handle, timer_closed);
        ctx->timer = NULL;
    }
    buf_free(&ctx->body_in);
    buf_free(&ctx->body_out);
}
