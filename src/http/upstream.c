/* http_upstream, the pool and its connections: options, origins (one per key and TLS
 * settings, hashed), the idle keep-alive lists, opening a connection (name resolution on
 * libuv's thread pool with a short cache, connect, TLS engine), its timer and closing it.
 * Contract in upstream.h; the structs and the helpers the pieces share are in
 * upstream_internal.h, a request's life in upstream_request.c, the bytes on the wire
 * (writes, reads, response decoding) in upstream_io.c. */
#include "http/upstream_internal.h"

#include "base/clock.h"
#include "base/log.h"

#include <stdlib.h>
#include <string.h>

/* ---- the pool and its origins ---- */

void upstream_options_default(upstream_options_t *o)
{
    o->connect_timeout_ms = 5000;
    o->idle_timeout_ms = 60000;
    o->max_idle_per_origin = 256;
    o->dns_ttl_ms = 10000;
    o->write_high_water = 256 * 1024;
    o->limits = http_default_limits;
}

const char *upstream_error_name(int err)
{
    switch (err) {
    case UPSTREAM_ERR_CONNECT: return "BackendConnectionFailure";
    case UPSTREAM_ERR_TIMEOUT: return "Timeout";
    case UPSTREAM_ERR_CLOSED: return "BackendConnectionClosed";
    case UPSTREAM_ERR_BAD_RESPONSE: return "BadBackendResponse";
    case UPSTREAM_ERR_TRUNCATED: return "BackendResponseTruncated";
    case UPSTREAM_ERR_NOMEM: return "OutOfMemory";
    case UPSTREAM_ERR_TLS: return "BackendConnectionFailure";
    default: return "Unknown";
    }
}

upstream_pool_t *upstream_pool_new(uv_loop_t *loop, const upstream_options_t *opts)
{
    upstream_pool_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->loop = loop;
    p->opts = *opts;
    return p;
}

void upstream_pool_set_options(upstream_pool_t *p, const upstream_options_t *opts)
{
    p->opts = *opts;
}

void upstream_pool_set_tls(upstream_pool_t *p, http_tls_ctx_t *ctx)
{
    http_tls_ctx_unref(p->tls_ctx);
    p->tls_ctx = http_tls_ctx_ref(ctx);
}

static void origin_free(origin_t *o)
{
    free(o->key);
    free(o->host);
    free(o->tls_name);
    free(o);
}

static void pool_free_if_done(upstream_pool_t *p)
{
    if (!p->closing || p->conn_count) return;
    while (p->spare) {
        upstream_request_t *next = p->spare->next_spare;
        free(p->spare->head);
        free(p->spare);
        p->spare = next;
    }
    for (size_t i = 0; i < ORIGIN_BUCKETS; i++) {
        origin_t *o = p->buckets[i];
        while (o) {
            origin_t *next = o->next;
            origin_free(o);
            o = next;
        }
    }
    http_tls_ctx_unref(p->tls_ctx);
    free(p->tls_scratch);
    free(p);
}

void upstream_pool_close(upstream_pool_t *p)
{
    p->closing = true;
    for (size_t i = 0; i < ORIGIN_BUCKETS; i++)
        for (origin_t *o = p->buckets[i]; o; o = o->next)
            while (o->idle) upstream__conn_close(o->idle);
    pool_free_if_done(p);
}

void upstream_pool_foreach_origin(const upstream_pool_t *p, upstream_origin_cb cb, void *ud)
{
    for (size_t i = 0; i < ORIGIN_BUCKETS; i++)
        for (const origin_t *o = p->buckets[i]; o; o = o->next)
            cb(o->key, o->idle_count, o->active_count, ud);
}

static uint32_t hash_key(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static bool origin_is(const origin_t *o, const upstream_request_spec_t *spec)
{
    if (strcmp(o->key, spec->origin_key) != 0 || o->tls != spec->tls) return false;
    if (!spec->tls) return true;
    const char *name = spec->tls_server_name ? spec->tls_server_name : spec->host;
    return o->tls_skip_chain == spec->tls_skip_chain_check &&
           o->tls_skip_name == spec->tls_skip_name_check && strcmp(o->tls_name, name) == 0;
}

origin_t *upstream__origin_get(upstream_pool_t *p, const upstream_request_spec_t *spec)
{
    uint32_t b = hash_key(spec->origin_key) % ORIGIN_BUCKETS;
    for (origin_t *o = p->buckets[b]; o; o = o->next)
        if (origin_is(o, spec)) return o;
    if (spec->tls && !p->tls_scratch && !(p->tls_scratch = malloc(READ_CHUNK))) return NULL;
    origin_t *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->key = strdup(spec->origin_key);
    o->host = strdup(spec->host);
    if (spec->tls) {
        o->tls = true;
        o->tls_skip_chain = spec->tls_skip_chain_check;
        o->tls_skip_name = spec->tls_skip_name_check;
        o->tls_name = strdup(spec->tls_server_name ? spec->tls_server_name : spec->host);
    }
    if (!o->key || !o->host || (spec->tls && !o->tls_name)) {
        origin_free(o);
        return NULL;
    }
    o->port = spec->port;
    if (uv_ip4_addr(o->host, o->port, (struct sockaddr_in *)&o->addr) == 0 ||
        uv_ip6_addr(o->host, o->port, (struct sockaddr_in6 *)&o->addr) == 0) {
        o->is_literal = true;
        o->has_addr = true;
    }
    o->next = p->buckets[b];
    p->buckets[b] = o;
    return o;
}

/* ---- idle list ---- */

void upstream__idle_remove(upconn_t *c)
{
    if (!c->is_idle) return;
    origin_t *o = c->origin;
    upconn_t **pp = &o->idle;
    while (*pp && *pp != c) pp = &(*pp)->idle_next;
    if (*pp) *pp = c->idle_next;
    c->idle_next = NULL;
    c->is_idle = false;
    o->idle_count--;
}

void upstream__conn_make_idle(upconn_t *c)
{
    upstream_pool_t *p = c->pool;
    origin_t *o = c->origin;
    if (p->closing || o->idle_count >= p->opts.max_idle_per_origin || c->in.len) {
        upstream__conn_close(c);
        return;
    }
    c->is_idle = true;
    c->idle_next = o->idle;
    o->idle = c;
    o->idle_count++;
    /* Keep a read pending: a backend closing the idle connection is noticed at once. */
    if (!c->reading) upstream__conn_process(c);
    uv_timer_start(&c->timer, upstream__on_conn_timer, p->opts.idle_timeout_ms, 0);
}

/* ---- connection ---- */

/* Drops one of the connection's open handles (tcp, timer, and a DNS lookup while one is
 * running); the last one frees it. */
static void conn_unref(upconn_t *c)
{
    if (--c->handles_open > 0) return;
    upstream_pool_t *p = c->pool;
    buf_free(&c->in);
    http_outq_free(&c->out);
    http_tls_free(c->tls);
    free(c);
    p->conn_count--;
    pool_free_if_done(p);
}

static void on_conn_handle_closed(uv_handle_t *h)
{
    conn_unref(h->data);
}

void upstream__conn_close(upconn_t *c)
{
    if (c->closing) return;
    c->closing = true;
    upstream__idle_remove(c);
    upstream_request_t *r = c->req;
    if (r) {
        /* Closed under an active request (e.g. idle timer raced): report it. Detached
         * first, so that failing it does not come back here. */
        upstream__request_detach(r);
        upstream__request_fail(r, upstream__lost_error(r));
    }
    if (c->resolving) uv_cancel((uv_req_t *)&c->gai); /* its callback still runs */
    uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
}

/* The pool's client context, the system's CA store unless the owner set one. */
static http_tls_ctx_t *pool_tls_ctx(upstream_pool_t *p)
{
    if (!p->tls_ctx) {
        char err[256];
        if (http_tls_client_ctx_new(NULL, NULL, NULL, &p->tls_ctx, err, sizeof err) < 0) {
            log_warn("upstream: %s", err);
            p->tls_ctx = NULL;
        }
    }
    return p->tls_ctx;
}

upconn_t *upstream__conn_new(upstream_pool_t *p, origin_t *o)
{
    upconn_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->pool = p;
    c->origin = o;
    uv_tcp_init(p->loop, &c->tcp);
    uv_timer_init(p->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->handles_open = 2;
    http_outq_init(&c->out, (uv_stream_t *)&c->tcp, upstream__on_written, c);
    p->conn_count++;
    if (o->tls) {
        c->tls = pool_tls_ctx(p) ? http_tls_new_client(p->tls_ctx, o->tls_name, !o->tls_skip_chain,
                                                     !o->tls_skip_name)
                                 : NULL;
        if (!c->tls) {
            upstream__conn_close(c); /* freed on the loop; the caller reports the failure */
            return NULL;
        }
        http_outq_set_tls(&c->out, c->tls);
    }
    return c;
}

void upstream__on_conn_timer(uv_timer_t *t)
{
    upconn_t *c = t->data;
    upstream_request_t *r = c->req;
    if (!r) {
        upstream__conn_close(c);
        return;
    }
    if (!c->connected) upstream__request_fail(r, UPSTREAM_ERR_CONNECT);
    else if (!r->head_received) upstream__request_fail(r, UPSTREAM_ERR_TIMEOUT);
    else upstream__request_fail(r, UPSTREAM_ERR_TRUNCATED);
}

/* ---- connecting: resolve, connect ---- */

/* Resolving or connecting failed (DNS, refused, unreachable): the request, if it is still
 * there, fails with UPSTREAM_ERR_CONNECT; the connection is closed either way. */
static void conn_connect_failed(upconn_t *c)
{
    if (c->req) upstream__request_fail(c->req, UPSTREAM_ERR_CONNECT);
    else upstream__conn_close(c);
}

static void on_connect(uv_connect_t *req, int status)
{
    upconn_t *c = req->data;
    if (c->closing) return;
    upstream_request_t *r = c->req;
    if (status < 0) {
        conn_connect_failed(c);
        return;
    }
    c->connected = true;
    uv_tcp_nodelay(&c->tcp, 1);
    if (!r) {
        upstream__conn_close(c);
        return;
    }
    uv_timer_start(&c->timer, upstream__on_conn_timer, r->response_timeout_ms, 0);
    if (http_outq_flush(&c->out) < 0) {
        upstream__request_fail(r, UPSTREAM_ERR_CONNECT);
        return;
    }
    upstream__conn_set_reading(c, true);
    upstream__conn_check_drain(c);
}

static void conn_connect_addr(upconn_t *c)
{
    c->connect_req.data = c;
    uv_timer_start(&c->timer, upstream__on_conn_timer, c->pool->opts.connect_timeout_ms, 0);
    int rc = uv_tcp_connect(&c->connect_req, &c->tcp, (struct sockaddr *)&c->origin->addr, on_connect);
    if (rc < 0) conn_connect_failed(c);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    upconn_t *c = req->data;
    c->resolving = false;
    if (c->closing) {
        uv_freeaddrinfo(res);
        conn_unref(c);
        return;
    }
    c->handles_open--; /* the lookup is over; tcp and timer remain */
    if (status < 0 || !res) {
        uv_freeaddrinfo(res);
        conn_connect_failed(c);
        return;
    }
    origin_t *o = c->origin;
    memcpy(&o->addr, res->ai_addr, res->ai_addrlen);
    if (o->addr.ss_family == AF_INET) ((struct sockaddr_in *)&o->addr)->sin_port = htons(o->port);
    else ((struct sockaddr_in6 *)&o->addr)->sin6_port = htons(o->port);
    o->has_addr = true;
    o->addr_expires_ms = clock_mono_ms() + c->pool->opts.dns_ttl_ms;
    uv_freeaddrinfo(res);
    conn_connect_addr(c);
}

void upstream__conn_start_connect(upconn_t *c)
{
    origin_t *o = c->origin;
    if (o->has_addr && (o->is_literal || clock_mono_ms() < o->addr_expires_ms)) {
        conn_connect_addr(c);
        return;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    c->gai.data = c;
    c->resolving = true;
    c->handles_open++;
    uv_timer_start(&c->timer, upstream__on_conn_timer, c->pool->opts.connect_timeout_ms, 0);
    int rc = uv_getaddrinfo(c->pool->loop, &c->gai, on_resolved, o->host, NULL, &hints);
    if (rc < 0) {
        c->resolving = false;
        c->handles_open--;
        conn_connect_failed(c);
    }
}
