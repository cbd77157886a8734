/* The policy path, part 2: requests to backends — forward-request (the operation's backend,
 * or where set-backend-service pointed it) and send-request / send-one-way-request (§2.7).
 * Each is a request head built from what the program left in the context (hop-by-hop
 * fields dropped, Host from the URL, X-Forwarded-* on a forward: §4.4, §4.5), sent on the
 * unit's upstream pool after --connect-to, its answer handed back to the executor.
 * See proxy_policy_internal.h. */
#include "gateway/proxy_policy_internal.h"

#include "base/clock.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *host;
    uint16_t port;
    const char *origin_key;
    bool tls;             /* https */
    const char *tls_name; /* the URL's host: SNI and the certificate name check */
    bool tls_skip_chain, tls_skip_name;
} origin_t;

/* Where to connect for `url` (after --connect-to). */
static int url_origin(proxy_ctx_t *ctx, arena_t *a, const policy_url_t *url, origin_t *out)
{
    bool tls = strcmp(url->scheme, "https") == 0;
    if (!tls && strcmp(url->scheme, "http") != 0) return -1;
    /* IUrl.Host keeps an IPv6 literal's brackets; the connection, the --connect-to lookup and
     * the pool key do not want them. */
    const char *host = url->host;
    size_t host_len = strlen(host);
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host = arena_strndup(a, host + 1, host_len - 2);
        if (!host) return -1;
    }
    const gateway_connect_to_rule_t *r =
        ctx->gw->connect_to
            ? gateway_connect_to_find(ctx->gw->connect_to, host, (uint16_t)url->port)
            : NULL;
    /* The API's own backend keeps its Backend resource's tls switches (spec §4.4). */
    const gw_backend_url_t *be = &ctx->api->backend;
    bool is_api_backend = tls && be->is_https && be->port == url->port && strcmp(be->host, host) == 0;
    bool skip_chain = is_api_backend && be->skip_chain_check;
    bool skip_name = is_api_backend && be->skip_name_check;
    if (r) {
        *out = (origin_t){r->to_host, r->to_port, r->to_origin_key, tls, host, skip_chain, skip_name};
        return 0;
    }
    char key[300];
    bool v6 = strchr(host, ':') != NULL;
    int n = snprintf(key, sizeof key, v6 ? "[%s]:%d" : "%s:%d", host, url->port);
    if (n < 0 || (size_t)n >= sizeof key) return -1;
    *out = (origin_t){host, (uint16_t)url->port, arena_strndup(a, key, (size_t)n), tls, host,
                      skip_chain, skip_name};
    return out->origin_key ? 0 : -1;
}

/* build_head reserves the whole head once, then copies without checks. */
static inline void put(buf_t *b, const char *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

static size_t query_length(const policy_fields_t *q)
{
    size_t n = 0;
    for (uint32_t i = 0; i < q->count; i++) n += q->items[i].name_len + q->items[i].value_len + 2;
    return n;
}

static void put_query(buf_t *b, const policy_fields_t *q)
{
    for (uint32_t i = 0; i < q->count; i++) {
        put(b, i ? "&" : "?", 1);
        put(b, q->items[i].name, q->items[i].name_len);
        if (q->items[i].value_len) {
            put(b, "=", 1);
            put(b, q->items[i].value, q->items[i].value_len);
        }
    }
}

/* What build_head does with a request field, decided by length first (hot path). */
typedef enum { FIELD_COPY, FIELD_DROP, FIELD_DROP_IF_FORWARDED, FIELD_XFF } field_action_t;

static field_action_t request_field_action(const policy_field_t *f)
{
    slice_t n = slice_make(f->name, f->name_len);
    switch (n.len) {
    case 4: return slice_eq_nocase_cstr(n, "host") ? FIELD_DROP : FIELD_COPY;
    case 6: return slice_eq_nocase_cstr(n, "expect") ? FIELD_DROP : FIELD_COPY;
    case 15: return slice_eq_nocase_cstr(n, "x-forwarded-for") ? FIELD_XFF : FIELD_COPY;
    case 16: return slice_eq_nocase_cstr(n, "x-forwarded-host") ? FIELD_DROP_IF_FORWARDED : FIELD_COPY;
    case 17: return slice_eq_nocase_cstr(n, "x-forwarded-proto") ? FIELD_DROP_IF_FORWARDED : FIELD_COPY;
    default: return FIELD_COPY;
    }
}

/* The request head for `url`, `method`, `headers` (§4.4, §4.5): hop-by-hop and framing
 * fields dropped, Host from the URL, X-Forwarded-* added when `forwarded`. */
static int build_head(proxy_ctx_t *ctx, buf_t *b, const char *method, const policy_url_t *url,
                      const policy_fields_t *headers, const policy_body_t *body, bool forwarded,
                      bool chunked_stream, int64_t stream_length)
{
    const http_request_t *req = http_exchange_request(ctx->ex);
    const char *peer_ip = http_exchange_peer_ip(ctx->ex);
    const char *base, *sep, *path;
    size_t base_len;
    policy_url_path_pieces(url, &base, &base_len, &sep, &path);
    size_t method_len = strlen(method), path_len = strlen(path), host_len = strlen(url->host);
    size_t fields_len = 0;
    for (uint32_t i = 0; i < headers->count; i++)
        fields_len += headers->items[i].name_len + headers->items[i].value_len + 4;
    /* An upper bound of everything below: the fixed texts take less than 256 bytes (port,
     * lengths and the X-Forwarded-* names included). */
    size_t need = method_len + base_len + 1 + path_len + 1 + query_length(&url->query) +
                  host_len + fields_len + strlen(peer_ip) + req->host.len + 256;
    b->len = 0;
    if (buf_reserve(b, need) < 0) return -1;

    put(b, method, method_len);
    put(b, " ", 1);
    size_t path_start = b->len;
    put(b, base, base_len);
    put(b, sep, strlen(sep));
    put(b, path, path_len);
    if (b->len == path_start) put(b, "/", 1);
    put_query(b, &url->query);
    PUT_LIT(b, " HTTP/1.1\r\nHost: ");
    bool v6 = url->host[0] != '[' && memchr(url->host, ':', host_len) != NULL;
    bool default_port = (url->port == 80 && strcmp(url->scheme, "http") == 0) ||
                        (url->port == 443 && strcmp(url->scheme, "https") == 0);
    if (v6) put(b, "[", 1);
    put(b, url->host, host_len);
    if (v6) put(b, "]", 1);
    if (!default_port) {
        put(b, ":", 1);
        buf_append_u64(b, (unsigned)url->port);
    }
    put(b, "\r\n", 2);

    /* Connection-listed names are hop-by-hop (RFC 9110 §7.6.1). */
    http_header_t conn_fields[HTTP_MAX_CONNECTION_TOKENS];
    size_t conn_count = 0;
    for (uint32_t i = 0; i < headers->count && conn_count < HTTP_MAX_CONNECTION_TOKENS; i++)
        if (headers->items[i].name_len == 10 &&
            proxy_policy_field_is(&headers->items[i], "connection"))
            conn_fields[conn_count++] =
                (http_header_t){slice_make(headers->items[i].name, headers->items[i].name_len),
                                slice_make(headers->items[i].value, headers->items[i].value_len)};
    http_connection_tokens_t listed;
    http_collect_connection_tokens(conn_fields, conn_count, &listed);

    const char *xff = NULL;
    size_t xff_len = 0;
    for (uint32_t i = 0; i < headers->count; i++) {
        const policy_field_t *f = &headers->items[i];
        slice_t name = slice_make(f->name, f->name_len);
        if (http_is_hop_by_hop(name, &listed)) continue;
        field_action_t action = request_field_action(f);
        if (action == FIELD_DROP || (forwarded && action == FIELD_DROP_IF_FORWARDED)) continue;
        if (forwarded && action == FIELD_XFF) {
            if (!xff) {
                xff = f->value;
                xff_len = f->value_len;
                continue;
            }
        }
        put(b, f->name, f->name_len);
        put(b, ": ", 2);
        put(b, f->value, f->value_len);
        put(b, "\r\n", 2);
    }
    if (forwarded) {
        PUT_LIT(b, "X-Forwarded-For: ");
        if (xff) {
            put(b, xff, xff_len);
            put(b, ", ", 2);
        }
        put(b, peer_ip, strlen(peer_ip));
        /* The scheme the client used to reach this gateway (its HTTP or HTTPS listener). */
        if (http_exchange_is_tls(ctx->ex)) PUT_LIT(b, "\r\nX-Forwarded-Proto: https\r\n");
        else PUT_LIT(b, "\r\nX-Forwarded-Proto: http\r\n");
        if (req->host.len) {
            PUT_LIT(b, "X-Forwarded-Host: ");
            put(b, req->host.ptr, req->host.len);
            put(b, "\r\n", 2);
        }
    }
    if (body->kind == POLICY_BODY_BYTES || (body->kind == POLICY_BODY_STREAM && !chunked_stream)) {
        PUT_LIT(b, "Content-Length: ");
        buf_append_u64(b, body->kind == POLICY_BODY_BYTES ? (unsigned long long)body->len
                                                          : (unsigned long long)stream_length);
        put(b, "\r\n", 2);
    } else if (body->kind == POLICY_BODY_STREAM) {
        PUT_LIT(b, "Transfer-Encoding: chunked\r\n");
    }
    put(b, "\r\n", 2);
    return 0;
}

/* The part of a request's spec that is the same for every kind: where to connect, how
 * (TLS switches) and the head; the caller adds the body's framing and the timeout. */
static upstream_request_spec_t origin_spec(const origin_t *origin, const buf_t *head,
                                           const char *method)
{
    return (upstream_request_spec_t){
        .host = origin->host,
        .port = origin->port,
        .origin_key = origin->origin_key,
        .tls = origin->tls,
        .tls_server_name = origin->tls_name,
        .tls_skip_chain_check = origin->tls_skip_chain,
        .tls_skip_name_check = origin->tls_skip_name,
        .head = head->data,
        .head_len = head->len,
        .method = http_method_from_name(method, strlen(method)),
    };
}

/* A body held in memory goes out whole. When its bytes cannot be queued the body is not
 * ended, so the connection is never reused with half a body on it; upstream reports the
 * failure through on_error. */
static void send_bytes_body(upstream_request_t *r, const policy_body_t *body)
{
    if (body->kind != POLICY_BODY_BYTES) return;
    if (body->len && upstream_request_send_body(r, body->bytes, body->len) < 0) return;
    upstream_request_end_body(r);
}

/* The buffered body_out as a body in the run's arena (NUL-terminated, for the expression
 * runtime's string views); body_out is emptied for the next one. -1 when out of memory. */
static int take_buffered_body(proxy_ctx_t *ctx, policy_body_t *out)
{
    size_t len = ctx->body_out.len;
    char *copy = arena_alloc(ctx->exec->arena, len + 1);
    if (!copy) return -1;
    if (len) memcpy(copy, ctx->body_out.data, len);
    copy[len] = '\0';
    ctx->body_out.len = 0;
    *out = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = copy, .len = len};
    return 0;
}

static int upstream_error_code(int err)
{
    return err == UPSTREAM_ERR_TIMEOUT ? POLICY_E_TIMEOUT : POLICY_E_BACKEND_CONNECTION;
}

/* -- forward-request -- */

static void fwd_on_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    proxy_ctx_t *ctx = ud;
    policy_exec_t *exec = ctx->exec;
    ctx->backend_ms = (double)(clock_mono_ns() - ctx->backend_start_ns) / 1e6;
    if (proxy_policy_describe_response(exec->arena, resp, &exec->response) < 0) {
        upstream_request_cancel(r);
        ctx->up = NULL;
        policy_exec_forward_done(exec, POLICY_E_BACKEND_CONNECTION);
        return;
    }
    ctx->backend_length = resp->is_chunked ? -1 : resp->content_length;
    if (ctx->is_buffering_response) return; /* forward_done when the body is complete */
    /* Streaming: outbound runs now; the body waits (paused) until the head is written. */
    upstream_request_pause_response(r);
    exec->response.body.kind = POLICY_BODY_STREAM;
    ctx->is_response_streaming = true;
    policy_exec_forward_done(exec, 0);
}

static void fwd_on_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    proxy_ctx_t *ctx = ud;
    if (ctx->is_buffering_response) {
        if (ctx->body_out.len + len > POLICY_MAX_BUFFERED_BODY || buf_append(&ctx->body_out, data, len) < 0) {
            upstream_request_cancel(r);
            ctx->up = NULL;
            ctx->is_buffering_response = false;
            ctx->error = "BackendResponseTooLarge";
            policy_exec_forward_done(ctx->exec, POLICY_E_BACKEND_CONNECTION);
        }
        return;
    }
    if (!ctx->is_done) return; /* the program replaced the body: the backend's is dropped */
    if (http_exchange_send_body(ctx->ex, data, len) < 0) return;
    if (http_exchange_write_blocked(ctx->ex)) upstream_request_pause_response(r);
}

static void fwd_on_done(upstream_request_t *r, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->up = NULL;
    if (ctx->is_buffering_response) {
        ctx->is_buffering_response = false;
        int rc = take_buffered_body(ctx, &ctx->exec->response.body) < 0
                     ? POLICY_E_BACKEND_CONNECTION
                     : 0;
        policy_exec_forward_done(ctx->exec, rc);
        return;
    }
    if (!ctx->is_done) {
        ctx->is_upstream_done = true; /* finish once the head is written */
        return;
    }
    http_exchange_finish(ctx->ex); /* may complete the exchange and free ctx */
}

static void fwd_on_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->up = NULL;
    ctx->error = upstream_error_name(err);
    if (ctx->backend_ms < 0) ctx->backend_ms = (double)(clock_mono_ns() - ctx->backend_start_ns) / 1e6;
    if (ctx->is_response_streaming) {
        if (!ctx->is_done) {
            ctx->is_upstream_failed = true; /* decided when the head would be written */
            return;
        }
        http_exchange_abort(ctx->ex); /* mid-body: the client must see a cut-short message */
        return;
    }
    ctx->is_buffering_response = false;
    policy_exec_forward_done(ctx->exec, upstream_error_code(err));
}

static void fwd_on_drain(upstream_request_t *r, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    http_exchange_resume_body(ctx->ex);
}

static const upstream_callbacks_t forward_callbacks = {
    .on_head = fwd_on_head,
    .on_body = fwd_on_body,
    .on_done = fwd_on_done,
    .on_error = fwd_on_error,
    .on_drain = fwd_on_drain,
};

int proxy_policy_forward(policy_exec_t *exec, const policy_forward_t *opts)
{
    proxy_ctx_t *ctx = exec->host_data;
    const http_request_t *req = http_exchange_request(ctx->ex);
    policy_request_t *rq = &exec->request;
    if (rq->body.kind == POLICY_BODY_STREAM && ctx->is_client_body_started)
        return POLICY_E_BACKEND_CONNECTION; /* the client's body went out already */
    if (ctx->up) {
        /* A retry: the previous answer (paused, its body unread) is dropped with its
         * connection; this may run inside that request's own on_head, which upstream allows. */
        upstream_request_cancel(ctx->up);
        ctx->up = NULL;
    }
    origin_t origin;
    if (url_origin(ctx, exec->arena, &rq->url, &origin) < 0) return POLICY_E_BACKEND_CONNECTION;
    static buf_t head; /* one unit = one thread: reused for every request's head */
    if (build_head(ctx, &head, rq->method, &rq->url, &rq->headers, &rq->body, true,
                   req->is_chunked, req->content_length) < 0)
        return POLICY_E_BACKEND_CONNECTION;
    ctx->is_buffering_response = (exec->program && (policy_exec_program_flags(exec->program) &
                                                    POLICY_NEEDS_RESPONSE_BODY)) &&
                                 opts->buffer_response;
    ctx->is_response_streaming = false;
    ctx->is_upstream_done = false;
    ctx->is_upstream_failed = false;
    ctx->body_out.len = 0;
    uint64_t timeout = opts->timeout_ms ? opts->timeout_ms : ctx->op->timeout_ms;
    upstream_request_spec_t spec = origin_spec(&origin, &head, rq->method);
    spec.has_body = rq->body.kind != POLICY_BODY_NONE;
    spec.chunked_body = rq->body.kind == POLICY_BODY_STREAM && req->is_chunked;
    spec.response_timeout_ms = timeout > UINT32_MAX ? UINT32_MAX : (uint32_t)timeout;
    ctx->backend_start_ns = clock_mono_ns();
    ctx->up = upstream_request_start(ctx->gw->pool, &spec, &forward_callbacks, ctx);
    if (!ctx->up) return POLICY_E_BACKEND_CONNECTION;
    if (rq->body.kind == POLICY_BODY_STREAM) {
        ctx->is_client_body_started = true;
        http_exchange_read_body(ctx->ex);
    } else {
        send_bytes_body(ctx->up, &rq->body);
    }
    return 0;
}

/* -- send-request -- */

static void side_on_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    policy_response_t *out = arena_alloc(ctx->exec->arena, sizeof *out);
    ctx->body_out.len = 0;
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (proxy_policy_describe_response(ctx->exec->arena, resp, out) < 0) return;
    ctx->side_response = out;
}

static void side_on_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    proxy_ctx_t *ctx = ud;
    if (ctx->body_out.len + len > POLICY_MAX_BUFFERED_BODY || buf_append(&ctx->body_out, data, len) < 0) {
        upstream_request_cancel(r);
        ctx->side = NULL;
        ctx->side_response = NULL;
        policy_exec_send_done(ctx->exec, POLICY_E_BACKEND_CONNECTION, NULL);
    }
}

static void side_on_done(upstream_request_t *r, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->side = NULL;
    policy_response_t *resp = ctx->side_response;
    ctx->side_response = NULL;
    if (!resp) {
        policy_exec_send_done(ctx->exec, POLICY_E_BACKEND_CONNECTION, NULL);
        return;
    }
    if (take_buffered_body(ctx, &resp->body) < 0) {
        policy_exec_send_done(ctx->exec, POLICY_E_BACKEND_CONNECTION, NULL);
        return;
    }
    policy_exec_send_done(ctx->exec, 0, resp);
}

static void side_on_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->side = NULL;
    ctx->side_response = NULL;
    policy_exec_send_done(ctx->exec, upstream_error_code(err), NULL);
}

/* send-one-way-request, log-to-eventhub...: fire and forget. The request belongs to the
 * unit, not to the exchange: it goes on after the client's response and is dropped, logged
 * only, when it fails. */
static void oneway_on_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    (void)ud;
    if (resp->status >= 400) log_warn("one-way request answered %d", resp->status);
}

static void oneway_on_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r;
    (void)data;
    (void)len;
    (void)ud;
}

static void oneway_on_done(upstream_request_t *r, void *ud)
{
    (void)r;
    (void)ud;
}

static void oneway_on_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    (void)ud;
    log_warn("one-way request failed: %s", upstream_error_name(err));
}

static const upstream_callbacks_t oneway_callbacks = {
    .on_head = oneway_on_head,
    .on_body = oneway_on_body,
    .on_done = oneway_on_done,
    .on_error = oneway_on_error,
};

static const upstream_callbacks_t side_callbacks = {
    .on_head = side_on_head,
    .on_body = side_on_body,
    .on_done = side_on_done,
    .on_error = side_on_error,
};

int proxy_policy_send(policy_exec_t *exec, const policy_send_t *s)
{
    proxy_ctx_t *ctx = exec->host_data;
    if (ctx->side && !s->is_one_way) return POLICY_E_BACKEND_CONNECTION; /* one at a time */
    policy_url_t url;
    memset(&url, 0, sizeof url);
    if (policy_url_parse(exec->arena, s->url, strlen(s->url), false, &url) != 0)
        return POLICY_E_BACKEND_CONNECTION;
    origin_t origin;
    if (url_origin(ctx, exec->arena, &url, &origin) < 0) return POLICY_E_BACKEND_CONNECTION;
    buf_t head;
    buf_init(&head);
    if (build_head(ctx, &head, s->method, &url, &s->headers, &s->body, false, false,
                   0) < 0) {
        buf_free(&head);
        return POLICY_E_BACKEND_CONNECTION;
    }
    upstream_request_spec_t spec = origin_spec(&origin, &head, s->method);
    spec.has_body = s->body.kind == POLICY_BODY_BYTES;
    spec.response_timeout_ms = s->timeout_ms ? (uint32_t)s->timeout_ms : 60000;
    upstream_request_t *r;
    if (s->is_one_way) {
        /* The executor does not wait (exec.h): the head and body are copied by upstream. */
        r = upstream_request_start(ctx->gw->pool, &spec, &oneway_callbacks, NULL);
    } else {
        ctx->body_out.len = 0;
        ctx->side_response = NULL;
        r = ctx->side = upstream_request_start(ctx->gw->pool, &spec, &side_callbacks, ctx);
    }
    buf_free(&head);
    if (!r) return POLICY_E_BACKEND_CONNECTION;
    send_bytes_body(r, &s->body);
    return 0;
}

