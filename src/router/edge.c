/* The L7 edge: see edge.h. */
#include "router/edge.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/random.h"
#include "http/cookie.h"
#include "http/hop.h"
#include "http/server.h"
#include "http/upstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct router_edge {
    uv_loop_t *loop;
    router_edge_options_t opts;
    http_server_t *server;
    http_server_t *tls_server;  /* the HTTPS listener, when there is one */
    upstream_pool_t *pool;
    router_edge_stats_t stats;
};

/* A chosen endpoint, copied into the request's arena. */
typedef struct {
    const char *name, *target;
    uint16_t port;
    bool tls;               /* the endpoint speaks HTTPS (its profile probes HTTPS) */
    char affinity[17];      /* its session-affinity cookie value */
} edge_choice_t;

/* One request in flight, in the exchange's arena. */
typedef struct {
    router_edge_t *edge;
    http_exchange_t *ex;
    upstream_request_t *up;
    /* Copies (in the arena) of the chosen endpoints' names and addresses: a reload may free
     * the configuration they came from while the request still retries. */
    edge_choice_t choices[ROUTER_MAX_CHOICES];
    bool has_affinity;          /* the profile keeps sessions on their endpoint (spec §8) */
    bool may_establish;         /* the request carries Authorization (spec §8 step 5) */
    char client_affinity[17];   /* the ASLBSA cookie the client sent, "" when none */
    size_t choice_count, next;
    char *head;                 /* the upstream request head, kept for a retry */
    size_t head_len;
    bool is_retryable;          /* idempotent, and its body (if any) buffered */
    bool has_body;
    bool is_buffering;          /* reading the body before the first attempt */
    buf_t body;                 /* the buffered body of a retryable request */
    /* The response of an attempt that can still be retried elsewhere is held, head and
     * body, until it is complete or too large to hold: a region that dies mid-response
     * then costs a retry, not a cut response. */
    bool is_holding;
    http_response_head_t held_head; /* fields copied into the arena */
    char *held;                 /* the held body, in the arena */
    size_t held_len, held_cap;
} edge_ctx_t;

/* An idempotent request with a body up to this size is read whole before it is sent, so
 * that it can be sent again to the next region (like the upstream pool's own replay). */
#define MAX_REPLAY_BODY 65536
/* A response up to this size is held until complete while a retry is still possible;
 * a larger one is relayed from the point it grows past this (and can no longer move). */
#define MAX_HELD_RESPONSE 65536

static int build_head(buf_t *b, const http_request_t *req, const char *peer_ip, bool is_tls)
{
    http_connection_tokens_t listed;
    http_collect_connection_tokens(req->headers, req->header_count, &listed);
    buf_append(b, req->method.ptr, req->method.len);
    buf_append(b, " ", 1);
    buf_append(b, req->path.ptr, req->path.len);
    if (req->has_query) {
        buf_append(b, "?", 1);
        buf_append(b, req->query.ptr, req->query.len);
    }
    buf_append_cstr(b, " HTTP/1.1\r\n");
    if (req->host.len) {
        buf_append_cstr(b, "Host: ");
        buf_append(b, req->host.ptr, req->host.len);
        buf_append(b, "\r\n", 2);
    }
    bool xff_seen = false;
    for (size_t i = 0; i < req->header_count; i++) {
        const http_header_t *h = &req->headers[i];
        if (http_is_hop_by_hop(h->name, &listed) || slice_eq_nocase_cstr(h->name, "host") ||
            slice_eq_nocase_cstr(h->name, "expect") ||
            slice_eq_nocase_cstr(h->name, "x-forwarded-proto"))
            continue;
        if (slice_eq_nocase_cstr(h->name, "x-forwarded-for")) {
            if (xff_seen) continue;
            xff_seen = true;
            /* Repeated fields are joined, and the peer appended (RFC 9110 §5.3). */
            buf_append_cstr(b, "X-Forwarded-For: ");
            for (size_t j = i; j < req->header_count; j++) {
                const http_header_t *x = &req->headers[j];
                if (!slice_eq_nocase_cstr(x->name, "x-forwarded-for")) continue;
                buf_append(b, x->value.ptr, x->value.len);
                buf_append(b, ", ", 2);
            }
            buf_append_cstr(b, peer_ip);
            buf_append(b, "\r\n", 2);
            continue;
        }
        buf_append(b, h->name.ptr, h->name.len);
        buf_append(b, ": ", 2);
        buf_append(b, h->value.ptr, h->value.len);
        buf_append(b, "\r\n", 2);
    }
    if (!xff_seen) buf_printf(b, "X-Forwarded-For: %s\r\n", peer_ip);
    buf_append_cstr(b, is_tls ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n");
    if (req->is_chunked) buf_append_cstr(b, "Transfer-Encoding: chunked\r\n");
    else if (req->content_length >= 0) buf_printf(b, "Content-Length: %lld\r\n", (long long)req->content_length);
    return buf_append(b, "\r\n", 2);
}

/* The client address used for routing: the peer, or the last X-Forwarded-For entry when
 * the hop in front of us is trusted. */
static router_addr_t client_address(const router_edge_t *edge, const http_request_t *req,
                                    const char *peer_ip)
{
    router_addr_t a;
    memset(&a, 0, sizeof a);
    if (edge->opts.trust_xff) {
        const http_header_t *last = NULL;
        for (size_t i = 0; i < req->header_count; i++)
            if (slice_eq_nocase_cstr(req->headers[i].name, "x-forwarded-for")) last = &req->headers[i];
        if (last) {
            const char *p = last->value.ptr, *end = p + last->value.len;
            const char *comma = end;
            while (comma > p && comma[-1] != ',') comma--;
            slice_t t = slice_trim_ows(slice_make(comma, (size_t)(end - comma)));
            char text[64];
            if (t.len < sizeof text) {
                memcpy(text, t.ptr, t.len);
                text[t.len] = '\0';
                if (router_addr_parse(text, &a)) return a;
            }
        }
    }
    router_addr_parse(peer_ip, &a);
    return a;
}

static const router_profile_t *profile_for(const router_edge_t *edge, slice_t host)
{
    const router_config_t *c = edge->opts.cfg;
    size_t len = host.len;
    if (len && host.ptr[0] != '[') {
        const char *colon = memchr(host.ptr, ':', len);
        if (colon) len = (size_t)(colon - host.ptr);
    }
    const router_profile_t *p = router_config_find(c, host.ptr, len);
    if (p) return p;
    if (edge->opts.fallback) return edge->opts.fallback;
    return c->profile_count ? &c->profiles[0] : NULL;
}

/* ---- upstream side ---- */

static void start_attempt(edge_ctx_t *ctx);

/* Worth holding: a retry is possible, and the response has a body that may fit (a
 * bodiless one — HEAD, 204, 304 — completes with its head). An event stream is relayed as
 * it comes (its events must not wait for an end that may never come). */
static bool should_hold(const edge_ctx_t *ctx, const http_response_t *resp)
{
    if (!ctx->is_retryable || ctx->next >= ctx->choice_count) return false;
    if (!http_response_has_body(http_exchange_request(ctx->ex)->method_id, resp->status)) return false;
    if (resp->content_length > MAX_HELD_RESPONSE) return false;
    for (size_t i = 0; i < resp->header_count; i++)
        if (slice_eq_nocase_cstr(resp->headers[i].name, "content-type") &&
            resp->headers[i].value.len >= 17 &&
            slice_eq_nocase_cstr(slice_make(resp->headers[i].value.ptr, 17), "text/event-stream"))
            return false;
    return true;
}

/* Copies the head to relay into the arena: its fields point into the upstream's read
 * buffer, which the body reads reuse. False when out of memory (it is relayed at once). */
static bool hold_head(edge_ctx_t *ctx, http_response_head_t head, int64_t content_length)
{
    const http_header_t *fields = head.headers;
    /* One allocation for the fields and their text. */
    size_t text = 0;
    for (size_t i = 0; i < head.header_count; i++) text += fields[i].name.len + fields[i].value.len;
    http_header_t *copy = arena_alloc(http_exchange_arena(ctx->ex), head.header_count * sizeof *copy + text + 1);
    if (!copy) return false;
    char *p = (char *)(copy + head.header_count);
    for (size_t i = 0; i < head.header_count; i++) {
        memcpy(p, fields[i].name.ptr, fields[i].name.len);
        copy[i].name = slice_make(p, fields[i].name.len);
        p += fields[i].name.len;
        memcpy(p, fields[i].value.ptr, fields[i].value.len);
        copy[i].value = slice_make(p, fields[i].value.len);
        p += fields[i].value.len;
    }
    head.headers = copy;
    ctx->held_head = head;
    /* Room for the announced length, or a first 4 KiB; an earlier attempt's is dropped. */
    ctx->held_len = 0;
    ctx->held_cap = content_length >= 0 ? (size_t)content_length : 4096;
    ctx->held = arena_alloc(http_exchange_arena(ctx->ex), ctx->held_cap);
    if (!ctx->held) return false;
    ctx->is_holding = true;
    return true;
}

/* Relays what was held; from here on the response streams. Returns what sending returns. */
static int release_held(edge_ctx_t *ctx)
{
    ctx->is_holding = false;
    if (http_exchange_send_head(ctx->ex, &ctx->held_head) < 0) return -1;
    if (ctx->held_len && http_exchange_send_body(ctx->ex, ctx->held, ctx->held_len) < 0) return -1;
    return 0;
}

/* Appends to the held body, growing it in the arena; false past the limit (or out of
 * memory): the response is then relayed. */
static bool hold_body(edge_ctx_t *ctx, const char *data, size_t len)
{
    size_t need = ctx->held_len + len;
    if (need > MAX_HELD_RESPONSE) return false;
    if (need > ctx->held_cap) {
        size_t cap = ctx->held_cap * 2 > need ? ctx->held_cap * 2 : need;
        char *grown = arena_alloc(http_exchange_arena(ctx->ex), cap);
        if (!grown) return false;
        memcpy(grown, ctx->held, ctx->held_len);
        ctx->held = grown;
        ctx->held_cap = cap;
    }
    memcpy(ctx->held + ctx->held_len, data, len);
    ctx->held_len = need;
    return true;
}

/* Spec §8 step 5: affinity is established by a response that must not be cached
 * (Cache-Control: no-store), one to a request with Authorization, or a 302 — not by a
 * cacheable one, which a shared cache would hand to other users with the cookie. */
static bool establishes_affinity(const edge_ctx_t *ctx, const http_response_t *resp)
{
    if (ctx->may_establish || resp->status == 302) return true;
    for (size_t i = 0; i < resp->header_count; i++) {
        const http_header_t *h = &resp->headers[i];
        if (!slice_eq_nocase_cstr(h->name, "cache-control")) continue;
        for (size_t k = 0; k + 8 <= h->value.len; k++)
            if (slice_eq_nocase_cstr(slice_make(h->value.ptr + k, 8), "no-store")) return true;
    }
    return false;
}

/* Appends the session-affinity cookies (ASLBSA; ASLBSACORS too over HTTPS, for
 * cross-site requests) for the endpoint that answered, unless the client has it already. */
static void add_affinity_cookies(edge_ctx_t *ctx, const http_response_t *resp, http_header_t *fields,
                                 size_t *count)
{
    const char *token = ctx->choices[ctx->next - 1].affinity;
    if (!ctx->has_affinity || strcmp(token, ctx->client_affinity) == 0 ||
        !establishes_affinity(ctx, resp))
        return;
    arena_t *arena = http_exchange_arena(ctx->ex);
    bool is_tls = http_exchange_is_tls(ctx->ex);
    for (int k = 0; k < (is_tls ? 2 : 1); k++) {
        char *v = arena_alloc(arena, 96);
        if (!v) return;
        int n = snprintf(v, 96, k ? "ASLBSACORS=%s; Path=/; HttpOnly; SameSite=None; Secure"
                                  : "ASLBSA=%s; Path=/; HttpOnly", token);
        fields[(*count)++] = (http_header_t){SLICE_LIT("Set-Cookie"), slice_make(v, (size_t)n)};
    }
}

static void up_on_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    edge_ctx_t *ctx = ud;
    http_header_t fields[HTTP_MAX_HEADERS + 2]; /* room for the affinity cookies */
    http_response_head_t head;
    http_relayed_response_head(resp, fields, &head);
    add_affinity_cookies(ctx, resp, fields, &head.header_count);
    if (should_hold(ctx, resp) && hold_head(ctx, head, resp->content_length)) return;
    http_exchange_send_head(ctx->ex, &head);
}

static void up_on_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    edge_ctx_t *ctx = ud;
    if (ctx->is_holding) {
        if (hold_body(ctx, data, len)) return;
        if (release_held(ctx) < 0) return;
    }
    if (http_exchange_send_body(ctx->ex, data, len) < 0) return;
    if (http_exchange_write_blocked(ctx->ex)) upstream_request_pause_response(r);
}

static void up_on_done(upstream_request_t *r, void *ud)
{
    (void)r;
    edge_ctx_t *ctx = ud;
    ctx->up = NULL;
    if (ctx->is_holding && release_held(ctx) < 0) return;
    http_exchange_finish(ctx->ex);
}

static void up_on_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    edge_ctx_t *ctx = ud;
    ctx->up = NULL;
    const char *failed = ctx->choices[ctx->next - 1].name;
    /* A held response was never relayed: the client has seen nothing of this attempt. */
    bool before_head = http_exchange_status(ctx->ex) == 0;
    bool was_held = ctx->is_holding;
    ctx->is_holding = false;
    bool is_region_failure = err == UPSTREAM_ERR_CONNECT || err == UPSTREAM_ERR_CLOSED ||
                             err == UPSTREAM_ERR_TIMEOUT || (was_held && err == UPSTREAM_ERR_TRUNCATED);
    if (before_head && is_region_failure && ctx->is_retryable && ctx->next < ctx->choice_count) {
        log_debug("router: edge: %s on endpoint %s%s, retrying on %s", upstream_error_name(err),
                  failed, was_held ? " (response held, not relayed)" : "", ctx->choices[ctx->next].name);
        ctx->edge->stats.retries++;
        start_attempt(ctx);
        return;
    }
    ctx->edge->stats.failed++;
    if (before_head) {
        log_info("router: edge: %s on endpoint %s, no endpoint left to retry",
                 upstream_error_name(err), failed);
        http_exchange_respond_error(ctx->ex, 502, "Bad gateway: the region failed");
    } else {
        http_exchange_abort(ctx->ex); /* mid-response: the client must see it cut short */
    }
}

static void up_on_drain(upstream_request_t *r, void *ud)
{
    (void)r;
    edge_ctx_t *ctx = ud;
    http_exchange_resume_body(ctx->ex);
}

static const upstream_callbacks_t upstream_callbacks = {
    .on_head = up_on_head,
    .on_body = up_on_body,
    .on_done = up_on_done,
    .on_error = up_on_error,
    .on_drain = up_on_drain,
};

static void start_attempt(edge_ctx_t *ctx)
{
    const char *target = ctx->choices[ctx->next].target;
    bool tls = ctx->choices[ctx->next].tls;
    uint16_t port = ctx->choices[ctx->next++].port;
    arena_t *arena = http_exchange_arena(ctx->ex);
    char key[300];
    int n = snprintf(key, sizeof key, "%s:%u", target, port);
    upstream_request_spec_t spec = {
        .host = target,
        .port = port,
        .origin_key = arena_strndup(arena, key, n > 0 ? (size_t)n : 0),
        .head = ctx->head,
        .head_len = ctx->head_len,
        .method = http_exchange_request(ctx->ex)->method_id,
        .has_body = ctx->has_body,
        .chunked_body = http_exchange_request(ctx->ex)->is_chunked,
        .response_timeout_ms = ctx->edge->opts.response_timeout_ms,
        /* Verified against the router's CAs, by the name the endpoint is reached at. */
        .tls = tls,
    };
    if (!spec.origin_key) {
        http_exchange_respond_error(ctx->ex, 503, "Service unavailable");
        return;
    }
    ctx->up = upstream_request_start(ctx->edge->pool, &spec, &upstream_callbacks, ctx);
    if (!ctx->up) {
        http_exchange_respond_error(ctx->ex, 503, "Service unavailable");
        return;
    }
    if (ctx->has_body && ctx->is_retryable &&
        (upstream_request_send_body(ctx->up, ctx->body.data, ctx->body.len) < 0 ||
         upstream_request_end_body(ctx->up) < 0))
        return; /* the upstream request failed: its on_error answers */
}

/* ---- server side ---- */

/* Spec §8 step 5: a client whose cookie names an endpoint still in the list (healthy) goes
 * back to it first; the others stay next, for a retry. */
static void keep_affinity(edge_ctx_t *ctx, const http_request_t *req)
{
    ctx->has_affinity = true;
    for (size_t i = 0; i < req->header_count; i++)
        if (slice_eq_nocase_cstr(req->headers[i].name, "authorization")) ctx->may_establish = true;
    /* Ours are 16 hex digits: another size names no endpoint. */
    for (size_t i = 0; i < req->header_count && !ctx->client_affinity[0]; i++)
        if (slice_eq_nocase_cstr(req->headers[i].name, "cookie") &&
            http_cookie_value(req->headers[i].value, "ASLBSA", ctx->client_affinity,
                              sizeof ctx->client_affinity) &&
            strlen(ctx->client_affinity) != sizeof ctx->client_affinity - 1)
            ctx->client_affinity[0] = '\0';
    if (!ctx->client_affinity[0]) return;
    for (size_t i = 1; i < ctx->choice_count; i++) {
        if (strcmp(ctx->choices[i].affinity, ctx->client_affinity) != 0) continue;
        edge_choice_t kept = ctx->choices[i];
        memmove(&ctx->choices[1], &ctx->choices[0], i * sizeof ctx->choices[0]);
        ctx->choices[0] = kept;
        return;
    }
}

static void on_request(http_exchange_t *ex, void *ud)
{
    router_edge_t *edge = ud;
    const http_request_t *req = http_exchange_request(ex);
    arena_t *arena = http_exchange_arena(ex);
    edge_ctx_t *ctx = arena_alloc(arena, sizeof *ctx);
    if (!ctx) {
        http_exchange_respond_error(ex, 503, "Service unavailable");
        return;
    }
    memset(ctx, 0, sizeof *ctx);
    ctx->edge = edge;
    ctx->ex = ex;
    http_exchange_set_userdata(ex, ctx);

    const router_profile_t *p = profile_for(edge, req->host);
    const char *peer = http_exchange_peer_ip(ex);
    router_addr_t client = client_address(edge, req, peer);
    uint64_t entropy;
    random_fill(&entropy, sizeof entropy);
    router_choice_t choice = {.result = ROUTER_NODATA};
    if (p) router_route(edge->opts.cfg, p, edge->opts.statuses, &client, entropy, &choice);
    if (choice.result != ROUTER_ANSWER || choice.count == 0) {
        edge->stats.failed++;
        http_exchange_respond_error(ex, 503, "Service unavailable: no endpoint for this client");
        return;
    }
    for (size_t i = 0; i < choice.count; i++) {
        const router_endpoint_t *e = choice.endpoints[i];
        ctx->choices[i].name = arena_strndup(arena, e->name, strlen(e->name));
        ctx->choices[i].target = arena_strndup(arena, e->target, strlen(e->target));
        ctx->choices[i].port = e->port;
        ctx->choices[i].tls = edge->opts.cfg->profiles[e->profile].monitor.protocol == ROUTER_PROBE_HTTPS;
        memcpy(ctx->choices[i].affinity, e->affinity, sizeof e->affinity);
        if (!ctx->choices[i].name || !ctx->choices[i].target) {
            http_exchange_respond_error(ex, 503, "Service unavailable");
            return;
        }
    }
    ctx->choice_count = choice.count;
    if (p->session_affinity) keep_affinity(ctx, req);
    ctx->has_body = req->is_chunked || req->content_length > 0;
    bool is_idempotent = http_method_is_idempotent(req->method_id);
    ctx->is_retryable = is_idempotent && (!ctx->has_body || (!req->is_chunked &&
                                                             req->content_length <= MAX_REPLAY_BODY));
    buf_init(&ctx->body);

    buf_t head;
    buf_init(&head);
    int rc = build_head(&head, req, peer, http_exchange_is_tls(ex));
    ctx->head = rc == 0 ? arena_strndup(arena, head.data, head.len) : NULL;
    ctx->head_len = head.len;
    buf_free(&head);
    if (!ctx->head) {
        http_exchange_respond_error(ex, 503, "Service unavailable");
        return;
    }
    if (ctx->has_body && ctx->is_retryable) {
        ctx->is_buffering = true;
        http_exchange_read_body(ex);
        return;
    }
    start_attempt(ctx);
    if (ctx->has_body && ctx->up) http_exchange_read_body(ex);
}

static void on_body(http_exchange_t *ex, const char *data, size_t len, void *ud)
{
    (void)ud;
    edge_ctx_t *ctx = http_exchange_userdata(ex);
    if (ctx && ctx->is_buffering) {
        if (ctx->body.len + len > MAX_REPLAY_BODY || buf_append(&ctx->body, data, len) < 0) {
            ctx->is_buffering = false;
            http_exchange_respond_error(ex, 503, "Service unavailable");
        }
        return;
    }
    if (!ctx || !ctx->up) return;
    if (upstream_request_send_body(ctx->up, data, len) < 0) return;
    if (upstream_request_over_high_water(ctx->up)) http_exchange_pause_body(ex);
}

static void on_body_end(http_exchange_t *ex, void *ud)
{
    (void)ud;
    edge_ctx_t *ctx = http_exchange_userdata(ex);
    if (ctx && ctx->is_buffering) {
        ctx->is_buffering = false;
        start_attempt(ctx);
        return;
    }
    if (ctx && ctx->up) upstream_request_end_body(ctx->up);
}

static void on_drain(http_exchange_t *ex, void *ud)
{
    (void)ud;
    edge_ctx_t *ctx = http_exchange_userdata(ex);
    if (ctx && ctx->up) upstream_request_resume_response(ctx->up);
}

static void on_complete(http_exchange_t *ex, bool ok, void *ud)
{
    router_edge_t *edge = ud;
    edge_ctx_t *ctx = http_exchange_userdata(ex);
    edge->stats.requests++;
    if (ctx) buf_free(&ctx->body);
    if (ctx && ctx->up) {
        upstream_request_cancel(ctx->up); /* the client went away */
        ctx->up = NULL;
    }
    (void)ok;
}

static const http_handler_t edge_handler = {
    .on_request = on_request,
    .on_body = on_body,
    .on_body_end = on_body_end,
    .on_complete = on_complete,
    .on_drain = on_drain,
};

int router_edge_listen(uv_loop_t *loop, const char *addr, const router_edge_options_t *opts,
                       router_edge_t **out)
{
    router_edge_t *e = calloc(1, sizeof *e);
    if (!e) return UV_ENOMEM;
    e->opts = *opts;
    if (!e->opts.connect_timeout_ms) e->opts.connect_timeout_ms = 2000;
    if (!e->opts.response_timeout_ms) e->opts.response_timeout_ms = 30000;
    upstream_options_t uo;
    upstream_options_default(&uo);
    uo.connect_timeout_ms = e->opts.connect_timeout_ms;
    e->loop = loop;
    e->pool = upstream_pool_new(loop, &uo);
    if (!e->pool) {
        free(e);
        return UV_ENOMEM;
    }
    if (opts->client_tls) upstream_pool_set_tls(e->pool, opts->client_tls);
    if (addr) {
        http_server_options_t so;
        http_server_options_default(&so);
        int rc = http_server_listen(loop, addr, false, &so, &edge_handler, e, &e->server);
        if (rc < 0) {
            upstream_pool_close(e->pool);
            free(e);
            return rc;
        }
    }
    *out = e;
    return 0;
}

int router_edge_listen_tls(router_edge_t *e, const char *addr, http_tls_ctx_t *server_tls)
{
    http_server_options_t so;
    http_server_options_default(&so);
    int rc = http_server_listen(e->loop, addr, false, &so, &edge_handler, e, &e->tls_server);
    if (rc < 0) return rc;
    rc = http_server_set_tls(e->tls_server, server_tls);
    if (rc < 0) {
        http_server_close(e->tls_server);
        e->tls_server = NULL;
    }
    return rc;
}

void router_edge_set_config(router_edge_t *e, const router_config_t *cfg,
                            const router_status_t *statuses, const router_profile_t *fallback)
{
    e->opts.cfg = cfg;
    e->opts.statuses = statuses;
    e->opts.fallback = fallback;
}

router_edge_stats_t router_edge_stats(const router_edge_t *e) { return e->stats; }

void router_edge_close(router_edge_t *e)
{
    if (!e) return;
    http_server_t *servers[] = {e->server, e->tls_server};
    for (size_t i = 0; i < 2; i++) {
        if (!servers[i]) continue;
        http_server_stop_accepting(servers[i]);
        http_server_close(servers[i]);
    }
    upstream_pool_close(e->pool);
}

void router_edge_free(router_edge_t *e) { free(e); }
