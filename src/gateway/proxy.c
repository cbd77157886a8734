/* The request pipeline: see proxy.h. */
#include "gateway/proxy.h"
#include "gateway/proxy_internal.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "gateway/route.h"

#include <string.h>

static void append_header(buf_t *b, slice_t name, slice_t value)
{
    buf_append(b, name.ptr, name.len);
    buf_append(b, ": ", 2);
    buf_append(b, value.ptr, value.len);
    buf_append(b, "\r\n", 2);
}

/* The request head sent to the backend (spec §4.4, §4.5). Returns 0 or -1 (no memory). */
static int build_upstream_head(buf_t *b, const http_request_t *req, const route_match_t *m,
                               const char *client_ip, bool is_tls)
{
    const gw_backend_url_t *be = &m->api->backend;
    http_connection_tokens_t listed;
    http_collect_connection_tokens(req->headers, req->header_count, &listed);

    b->len = 0;
    buf_append(b, req->method.ptr, req->method.len);
    buf_append(b, " ", 1);
    buf_append_cstr(b, be->base_path);
    if (m->suffix.len) buf_append(b, m->suffix.ptr, m->suffix.len);
    else if (!be->base_path[0]) buf_append(b, "/", 1);
    if (req->has_query) {
        buf_append(b, "?", 1);
        buf_append(b, req->query.ptr, req->query.len);
    }
    buf_append_cstr(b, " HTTP/1.1\r\nHost: ");
    buf_append_cstr(b, be->host_header);
    buf_append(b, "\r\n", 2);

    bool xff_seen = false;
    for (size_t i = 0; i < req->header_count; i++) {
        const http_header_t *h = &req->headers[i];
        if (http_is_hop_by_hop(h->name, &listed)) continue;
        switch (h->name.len) {
        case 4:
            if (slice_eq_nocase_cstr(h->name, "host")) continue;
            break;
        case 6: /* our side answered Expect: 100-continue already (server.h) */
            if (slice_eq_nocase_cstr(h->name, "expect")) continue;
            break;
        case 15:
            if (slice_eq_nocase_cstr(h->name, "x-forwarded-for")) {
                if (xff_seen) continue;
                xff_seen = true;
                /* Append the client to the chain, joining repeated fields (RFC 9110 §5.3). */
                buf_append_cstr(b, "X-Forwarded-For: ");
                for (size_t j = i; j < req->header_count; j++) {
                    const http_header_t *x = &req->headers[j];
                    if (x->name.len != 15 || !slice_eq_nocase_cstr(x->name, "x-forwarded-for")) continue;
                    buf_append(b, x->value.ptr, x->value.len);
                    buf_append(b, ", ", 2);
                }
                buf_append_cstr(b, client_ip);
                buf_append(b, "\r\n", 2);
                continue;
            }
            break;
        case 16:
            if (slice_eq_nocase_cstr(h->name, "x-forwarded-host")) continue;
            break;
        case 17:
            if (slice_eq_nocase_cstr(h->name, "x-forwarded-proto")) continue;
            break;
        default:
            break;
        }
        append_header(b, h->name, h->value);
    }
    if (!xff_seen) {
        buf_append_cstr(b, "X-Forwarded-For: ");
        buf_append_cstr(b, client_ip);
        buf_append(b, "\r\n", 2);
    }
    /* The scheme the client used to reach this gateway (its HTTP or HTTPS listener). */
    buf_append_cstr(b, is_tls ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n");
    if (req->host.len) append_header(b, SLICE_LIT("X-Forwarded-Host"), req->host);
    if (req->is_chunked) buf_append_cstr(b, "Transfer-Encoding: chunked\r\n");
    else if (req->content_length >= 0) {
        buf_append_cstr(b, "Content-Length: ");
        buf_append_u64(b, (unsigned long long)req->content_length);
        buf_append(b, "\r\n", 2);
    }
    return buf_append(b, "\r\n", 2);
}

/* ---- upstream callbacks ---- */

static void up_on_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->backend_ms = (double)(clock_mono_ns() - ctx->backend_start_ns) / 1e6;
    http_relay_response_head(ctx->ex, resp);
}

static void up_on_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    proxy_ctx_t *ctx = ud;
    /* On failure the exchange may be gone already, and ctx with it. */
    if (http_exchange_send_body(ctx->ex, data, len) < 0) return;
    /* Backpressure: a slow client stops the backend's reads (bounded memory). */
    if (http_exchange_write_blocked(ctx->ex)) upstream_request_pause_response(r);
}

static void up_on_done(upstream_request_t *r, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->up = NULL;
    http_exchange_finish(ctx->ex); /* may complete the exchange and free ctx */
}

static void up_on_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->up = NULL;
    ctx->error = upstream_error_name(err);
    if (ctx->backend_ms < 0) ctx->backend_ms = (double)(clock_mono_ns() - ctx->backend_start_ns) / 1e6;
    if (http_exchange_status(ctx->ex) == 0) {
        /* Spec §4.6 and §7 #7: backend failures answer 500 with an activityId. */
        int status = err == UPSTREAM_ERR_BAD_RESPONSE ? 502 : 500;
        const char *message = status == 502 ? "Bad gateway" : "Internal server error";
        http_exchange_respond_error(ctx->ex, status, message);
    } else {
        /* Mid-response: the client must see a cut-short message, never a complete one. */
        http_exchange_abort(ctx->ex);
    }
}

static void up_on_drain(upstream_request_t *r, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    http_exchange_resume_body(ctx->ex);
}

static const upstream_callbacks_t upstream_callbacks = {
    .on_head = up_on_head,
    .on_body = up_on_body,
    .on_done = up_on_done,
    .on_error = up_on_error,
    .on_drain = up_on_drain,
};

/* ---- server callbacks ---- */

static void respond_status(gateway_t *gw, http_exchange_t *ex)
{
    /* Spec §4.1 [I]: 200 with an empty body while a configuration is loaded and the unit
     * is not draining, and its region's gateway is not disabled (§5.3); 503 otherwise, so
     * that probes route around this unit. */
    bool healthy = gw->config && !gw->draining && !gw->config->is_gateway_disabled;
    http_exchange_respond(ex, healthy ? 200 : 503, NULL, "", 0);
}

static void on_request(http_exchange_t *ex, void *ud)
{
    gateway_t *gw = ud;
    const http_request_t *req = http_exchange_request(ex);
    proxy_ctx_t *ctx = arena_alloc(http_exchange_arena(ex), sizeof *ctx);
    if (!ctx) {
        http_exchange_respond_error(ex, 503, "Service unavailable");
        return;
    }
    memset(ctx, 0, sizeof *ctx);
    ctx->gw = gw;
    ctx->ex = ex;
    ctx->backend_ms = -1;
    http_exchange_set_userdata(ex, ctx);

    if ((req->method_id == HTTP_METHOD_GET || req->method_id == HTTP_METHOD_HEAD) &&
        (slice_eq(req->path, SLICE_LIT(GATEWAY_STATUS_PATH)) ||
         slice_eq(req->path, SLICE_LIT(GATEWAY_INTERNAL_STATUS_PATH)))) {
        respond_status(gw, ex);
        return;
    }
    if (!gw->config) {
        http_exchange_respond_error(ex, 503, "Service unavailable: no configuration loaded");
        return;
    }
    ctx->config = gateway_config_ref(gw->config);

    route_match_t m;
    int rc = route_table_match(ctx->config->routes, req->host, req->method, req->path, req->query, &m);
    /* spec §4.2 step 3: the request's scheme must be among the API's protocols. */
    if (rc == ROUTE_OK && !(http_exchange_is_tls(ex) ? m.api->protocol_https : m.api->protocol_http))
        rc = ROUTE_NO_API;
    if (rc != ROUTE_OK) {
        ctx->error = "OperationNotFound";
        http_exchange_respond_error(ex, 404, "Resource not found");
        return;
    }
    ctx->api = m.api;
    ctx->op = m.operation;
    /* Spec §4.2 step 5, §4.3: the subscription key decides access and the product context,
     * which picks the operation's program (§1.2). */
    int granted = subscription_authorize(ctx->config->keys, m.api, req, http_exchange_arena(ex),
                                         &ctx->grant);
    if (granted != SUBSCRIPTION_OK) {
        subscription_refusal_t refusal;
        subscription_refusal(granted, &refusal);
        ctx->error = granted == SUBSCRIPTION_NO_MEMORY ? "OutOfMemory" : refusal.error_reason;
        /* The vendor runs on-error for built-in errors (§1.4): an operation whose program
         * has an on-error section gets to shape the 401; the others answer it directly. */
        if (granted != SUBSCRIPTION_NO_MEMORY && m.operation->policy &&
            policy_exec_program_steps(m.operation->policy, POLICY_SECTION_ON_ERROR) > 0) {
            ctx->program = m.operation->policy;
            proxy_policy_start_refused(ctx, &m, granted);
            return;
        }
        subscription_respond_refusal(ex, granted, m.api);
        return;
    }
    ctx->program = ctx->grant.product ? m.operation->product_policies[ctx->grant.product_slot]
                                      : m.operation->policy;
    if (ctx->program) {
        proxy_policy_start(ctx, &m);
        return;
    }

    static buf_t head; /* one unit = one thread: reused for every request's head */
    if (build_upstream_head(&head, req, &m, http_exchange_peer_ip(ex), http_exchange_is_tls(ex)) < 0) {
        http_exchange_respond_error(ex, 503, "Service unavailable");
        return;
    }
    bool has_body = req->is_chunked || req->content_length > 0;
    const gw_backend_url_t *be = &m.api->backend;
    const gateway_connect_to_rule_t *redirect =
        gw->connect_to ? gateway_connect_to_find(gw->connect_to, be->host, be->port) : NULL;
    upstream_request_spec_t spec = {
        .host = redirect ? redirect->to_host : be->host,
        .port = redirect ? redirect->to_port : be->port,
        .origin_key = redirect ? redirect->to_origin_key : be->origin_key,
        .head = head.data,
        .head_len = head.len,
        .method = req->method_id,
        .has_body = has_body,
        .chunked_body = req->is_chunked,
        .response_timeout_ms = m.operation->timeout_ms,
        .tls = be->is_https,
        .tls_server_name = be->host, /* the URL's name, also through --connect-to */
        .tls_skip_chain_check = be->skip_chain_check,
        .tls_skip_name_check = be->skip_name_check,
    };
    ctx->backend_start_ns = clock_mono_ns();
    ctx->up = upstream_request_start(gw->pool, &spec, &upstream_callbacks, ctx);
    if (!ctx->up) {
        http_exchange_respond_error(ex, 503, "Service unavailable");
        return;
    }
    if (has_body) http_exchange_read_body(ex);
}

static void on_body(http_exchange_t *ex, const char *data, size_t len, void *ud)
{
    (void)ud;
    proxy_ctx_t *ctx = http_exchange_userdata(ex);
    if (ctx && ctx->is_policy) {
        proxy_policy_on_body(ctx, data, len);
        return;
    }
    if (!ctx || !ctx->up) return; /* answered already: the body is dropped */
    if (upstream_request_send_body(ctx->up, data, len) < 0) return;
    if (upstream_request_over_high_water(ctx->up)) http_exchange_pause_body(ex);
}

static void on_body_end(http_exchange_t *ex, void *ud)
{
    (void)ud;
    proxy_ctx_t *ctx = http_exchange_userdata(ex);
    if (ctx && ctx->is_policy) {
        proxy_policy_on_body_end(ctx);
        return;
    }
    if (ctx && ctx->up) upstream_request_end_body(ctx->up);
}

static void on_drain(http_exchange_t *ex, void *ud)
{
    (void)ud;
    proxy_ctx_t *ctx = http_exchange_userdata(ex);
    if (ctx && ctx->is_policy) {
        proxy_policy_on_drain(ctx);
        return;
    }
    if (ctx && ctx->up) upstream_request_resume_response(ctx->up);
}

static void on_complete(http_exchange_t *ex, bool ok, void *ud)
{
    gateway_t *gw = ud;
    proxy_ctx_t *ctx = http_exchange_userdata(ex);
    const http_request_t *req = http_exchange_request(ex);
    double total_ms = (double)(clock_mono_ns() - http_exchange_start_ns(ex)) / 1e6;
    int status = http_exchange_status(ex);
    if (ctx && ctx->is_policy) proxy_policy_complete(ctx);
    if (ctx && ctx->up) {
        upstream_request_cancel(ctx->up); /* the client went away (ClientConnectionFailure) */
        ctx->up = NULL;
        if (!ctx->error) ctx->error = "ClientConnectionFailure";
    }
    if (!ok && ctx && !ctx->error) ctx->error = "ClientConnectionFailure";
    const char *api = ctx && ctx->api ? ctx->api->id : "";
    const char *op = ctx && ctx->op ? ctx->op->id : "";
    /* A request the client abandoned before any response is counted as status 0. */
    gateway_metrics_request(gw->metrics, api, status, total_ms / 1e3);
    gateway_access_entry_t e = {
        .region = gw->region,
        .unit = gw->unit_index,
        .api = api,
        .operation = op,
        .method = req->method,
        .path = req->path,
        .status = status,
        .bytes_in = http_exchange_bytes_in(ex),
        .bytes_out = http_exchange_bytes_out(ex),
        .backend_ms = ctx ? ctx->backend_ms : -1,
        .total_ms = total_ms,
        .client_ip = http_exchange_peer_ip(ex),
        .error = ctx ? ctx->error : NULL,
    };
    gateway_access_log_write(gw->access_log, &e);
    if (ctx && ctx->config) gateway_config_unref(ctx->config);
}

const http_handler_t gateway_proxy_handler = {
    .on_request = on_request,
    .on_body = on_body,
    .on_body_end = on_body_end,
    .on_complete = on_complete,
    .on_drain = on_drain,
};
