/* Upstream client and keep-alive pool: see upstream.h for the contract. */
#include "http/upstream.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "http/outq.h"
#include "http/tls.h"

#include <stdlib.h>
#include <string.h>

#define ORIGIN_BUCKETS 256
#define READ_CHUNK (64 * 1024)
/* Request body bytes kept (as sent, framing included) so that a request that fails on a
 * stale pooled connection can be replayed on a new one. Bigger bodies are not retried. */
#define REPLAY_MAX (64 * 1024)

typedef struct upconn upconn_t;

typedef struct origin {
    struct origin *next; /* hash chain */
    char *key;
    char *host;
    uint16_t port;
    bool is_literal;
    struct sockaddr_storage addr;
    bool has_addr;
    uint64_t addr_expires_ms;
    bool tls;
    bool tls_skip_chain, tls_skip_name;
    char *tls_name; /* SNI and the name checked */
    upconn_t *idle; /* most recently used first */
    size_t idle_count;
    size_t active_count;
} origin_t;

struct upstream_pool {
    uv_loop_t *loop;
    upstream_options_t opts;
    origin_t *buckets[ORIGIN_BUCKETS];
    size_t conn_count;
    bool closing;
    /* Finished requests kept with their head buffer for the next ones: a proxied request
     * then costs no calloc/malloc/free here. Off under AddressSanitizer (a use after the
     * end stays a reported use after free). */
    upstream_request_t *spare;
    size_t spare_count;
    http_tls_ctx_t *tls_ctx;
    char *tls_scratch; /* ciphertext read buffer (READ_CHUNK), decrypted at once */
};

#define SPARE_REQUESTS 64
#if defined(__SANITIZE_ADDRESS__)
#define RECYCLE_REQUESTS 0
#else
#define RECYCLE_REQUESTS 1
#endif

typedef enum { RESP_NONE, RESP_LENGTH, RESP_CHUNKED, RESP_UNTIL_CLOSE } resp_kind_t;

struct upstream_request {
    upstream_pool_t *pool;
    origin_t *origin;
    upconn_t *conn;
    upstream_callbacks_t cb;
    void *ud;
    char *head;
    size_t head_len, head_cap;
    upstream_request_t *next_spare;
    http_method_t method;
    bool has_body;
    bool chunked_body;
    bool body_ended;
    bool replayable;   /* every body byte sent so far is in `replay` */
    buf_t replay;
    bool retried;
    bool on_reused_conn;
    bool want_drain;
    uint32_t response_timeout_ms;
    uint64_t start_ms;
    uint64_t head_ms;
    bool head_received;
    bool response_keep_alive;
    bool paused;
    resp_kind_t resp_kind;
    uint64_t resp_remaining;
    http_chunked_decoder_t dec;
    int busy;        /* inside a callback */
    bool cancelled;  /* cancelled during a callback: free when it returns */
    bool finished;   /* on_done/on_error delivered */
};

struct upconn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t connect_req;
    uv_getaddrinfo_t gai;
    upstream_pool_t *pool;
    origin_t *origin;
    upconn_t *idle_next;
    upstream_request_t *req;
    buf_t in;
    http_outq_t out;
    http_tls_t *tls;
    int handles_open;
    unsigned served;
    bool connected;
    bool resolving;
    bool closing;
    bool reading;
    bool is_idle;
};

static void conn_close(upconn_t *c);
static void conn_start_connect(upconn_t *c);
static void conn_process(upconn_t *c);
static void conn_set_reading(upconn_t *c, bool want);
static void request_fail(upstream_request_t *r, int err);

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
            free(o->key);
            free(o->host);
            free(o->tls_name);
            free(o);
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
            while (o->idle) conn_close(o->idle);
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

static origin_t *origin_get(upstream_pool_t *p, const upstream_request_spec_t *spec)
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
        free(o->key);
        free(o->host);
        free(o->tls_name);
        free(o);
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

static void idle_remove(upconn_t *c)
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

/* ---- request lifecycle ---- */

static void request_free(upstream_request_t *r)
{
    buf_free(&r->replay);
    upstream_pool_t *p = r->pool;
    if (RECYCLE_REQUESTS && p && !p->closing && p->spare_count < SPARE_REQUESTS) {
        r->next_spare = p->spare;
        p->spare = r;
        p->spare_count++;
        return;
    }
    free(r->head);
    free(r);
}

/* A cleared request with room for a head of `head_len` bytes, recycled when possible. */
static upstream_request_t *request_new(upstream_pool_t *p, size_t head_len)
{
    upstream_request_t *r = p->spare;
    char *head = NULL;
    size_t cap = 0;
    if (r) {
        p->spare = r->next_spare;
        p->spare_count--;
        head = r->head;
        cap = r->head_cap;
        memset(r, 0, sizeof *r);
    } else if (!(r = calloc(1, sizeof *r))) {
        return NULL;
    }
    if (cap < head_len) {
        char *grown = realloc(head, head_len);
        if (!grown) {
            free(head);
            free(r);
            return NULL;
        }
        head = grown;
        cap = head_len;
    }
    r->head = head;
    r->head_cap = cap;
    return r;
}

/* Ends the request after a callback: frees it unless a callback is still on the stack. */
static void request_release(upstream_request_t *r)
{
    if (r->busy) {
        r->cancelled = true;
        return;
    }
    request_free(r);
}

static void request_detach(upstream_request_t *r)
{
    upconn_t *c = r->conn;
    if (!c) return;
    c->req = NULL;
    r->conn = NULL;
    if (c->origin->active_count) c->origin->active_count--;
}

static void request_fail(upstream_request_t *r, int err)
{
    if (r->finished) return;
    r->finished = true;
    upconn_t *c = r->conn;
    request_detach(r);
    if (c) conn_close(c);
    if (!r->cancelled) {
        r->busy++;
        r->cb.on_error(r, err, r->ud);
        r->busy--;
    }
    request_release(r);
}

static void on_conn_timer(uv_timer_t *t);

static void conn_make_idle(upconn_t *c)
{
    upstream_pool_t *p = c->pool;
    origin_t *o = c->origin;
    if (p->closing || o->idle_count >= p->opts.max_idle_per_origin || c->in.len) {
        conn_close(c);
        return;
    }
    c->is_idle = true;
    c->idle_next = o->idle;
    o->idle = c;
    o->idle_count++;
    /* Keep a read pending: a backend closing the idle connection is noticed at once. */
    if (!c->reading) conn_process(c);
    uv_timer_start(&c->timer, on_conn_timer, p->opts.idle_timeout_ms, 0);
}

static void request_done(upstream_request_t *r)
{
    if (r->finished) return;
    r->finished = true;
    upconn_t *c = r->conn;
    bool reusable = r->response_keep_alive && (!r->has_body || r->body_ended) &&
                    http_outq_size(&c->out) == 0 && r->resp_kind != RESP_UNTIL_CLOSE;
    request_detach(r);
    c->served++;
    uv_timer_stop(&c->timer);
    if (reusable) conn_make_idle(c);
    else conn_close(c);
    if (!r->cancelled) {
        r->busy++;
        r->cb.on_done(r, r->ud);
        r->busy--;
    }
    request_release(r);
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

static void conn_close(upconn_t *c)
{
    if (c->closing) return;
    c->closing = true;
    idle_remove(c);
    upstream_request_t *r = c->req;
    if (r) {
        request_detach(r);
        if (!r->finished) {
            /* Closed under an active request (e.g. idle timer raced): report it. */
            r->finished = true;
            if (!r->cancelled) {
                r->busy++;
                r->cb.on_error(r, r->head_received ? UPSTREAM_ERR_TRUNCATED : UPSTREAM_ERR_CLOSED, r->ud);
                r->busy--;
            }
            request_release(r);
        }
    }
    if (c->resolving) uv_cancel((uv_req_t *)&c->gai); /* its callback still runs */
    uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
}

/* Tells the request its body may flow again once the write queue fell under half the
 * high-water mark. Called after every flush: a flush that empties the queue at once
 * (uv_try_write took it all) gets no write callback. */
static void conn_check_drain(upconn_t *c)
{
    upstream_request_t *r = c->req;
    if (!r || !r->want_drain || http_outq_size(&c->out) > c->pool->opts.write_high_water / 2) return;
    r->want_drain = false;
    if (!r->cb.on_drain) return;
    r->busy++;
    r->cb.on_drain(r, r->ud);
    r->busy--;
    if (r->cancelled && !r->busy) request_free(r);
}

static void on_written(http_outq_t *q, int status)
{
    upconn_t *c = q->owner;
    if (c->closing) return;
    upstream_request_t *r = c->req;
    if (status < 0) {
        if (r) request_fail(r, r->head_received ? UPSTREAM_ERR_TRUNCATED : UPSTREAM_ERR_CLOSED);
        else conn_close(c);
        return;
    }
    if (http_outq_flush(&c->out) < 0) {
        conn_close(c);
        return;
    }
    conn_check_drain(c);
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

static upconn_t *conn_new(upstream_pool_t *p, origin_t *o)
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
    http_outq_init(&c->out, (uv_stream_t *)&c->tcp, on_written, c);
    p->conn_count++;
    if (o->tls) {
        c->tls = pool_tls_ctx(p) ? http_tls_new_client(p->tls_ctx, o->tls_name, !o->tls_skip_chain,
                                                     !o->tls_skip_name)
                                 : NULL;
        if (!c->tls) {
            conn_close(c); /* freed on the loop; the caller reports the failure */
            return NULL;
        }
        http_outq_set_tls(&c->out, c->tls);
    }
    return c;
}

static void on_conn_timer(uv_timer_t *t)
{
    upconn_t *c = t->data;
    upstream_request_t *r = c->req;
    if (!r) {
        conn_close(c);
        return;
    }
    if (!c->connected) request_fail(r, UPSTREAM_ERR_CONNECT);
    else if (!r->head_received) request_fail(r, UPSTREAM_ERR_TIMEOUT);
    else request_fail(r, UPSTREAM_ERR_TRUNCATED);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *out)
{
    (void)suggested;
    upconn_t *c = h->data;
    if (c->tls) {
        *out = uv_buf_init(c->pool->tls_scratch, READ_CHUNK);
        return;
    }
    if (c->in.cap - c->in.len < READ_CHUNK / 2 && buf_reserve(&c->in, READ_CHUNK) < 0) {
        *out = uv_buf_init(NULL, 0);
        return;
    }
    *out = uv_buf_init(c->in.data + c->in.len, (unsigned)(c->in.cap - c->in.len));
}

static bool retryable(const upstream_request_t *r)
{
    /* RFC 9112 §9.3.1: a request on a reused connection that failed before any response
     * byte may be retried automatically only if idempotent, and here only if its body so
     * far is small enough to have been kept for replay. */
    return r->on_reused_conn && !r->retried && (!r->has_body || r->replayable) &&
           !r->head_received && http_method_is_idempotent(r->method);
}

static void request_attach(upstream_request_t *r, upconn_t *c);

static void request_retry(upstream_request_t *r)
{
    upconn_t *old = r->conn;
    request_detach(r);
    conn_close(old);
    r->retried = true;
    r->on_reused_conn = false;
    upconn_t *c = conn_new(r->pool, r->origin);
    if (!c) {
        request_fail(r, UPSTREAM_ERR_NOMEM);
        return;
    }
    request_attach(r, c);
    if (r->replay.len && http_outq_append(&c->out, r->replay.data, r->replay.len) < 0) {
        request_fail(r, UPSTREAM_ERR_NOMEM);
        return;
    }
    conn_start_connect(c);
}

static void conn_on_eof_or_error(upconn_t *c, bool is_eof)
{
    upstream_request_t *r = c->req;
    if (!r) {
        conn_close(c);
        return;
    }
    if (r->head_received && r->resp_kind == RESP_UNTIL_CLOSE && is_eof) {
        r->response_keep_alive = false;
        request_done(r);
        return;
    }
    if (!r->head_received && c->in.len == 0 && retryable(r)) {
        request_retry(r);
        return;
    }
    request_fail(r, r->head_received ? UPSTREAM_ERR_TRUNCATED : UPSTREAM_ERR_CLOSED);
}

/* Decrypts one read of ciphertext into `in` and sends what the engine answers (handshake
 * messages; the request once the handshake is done). Returns the plaintext bytes added,
 * UV_EOF on close_notify, or UV_EPROTO when TLS failed (the reason is logged). */
static ssize_t conn_tls_input(upconn_t *c, const char *data, size_t len)
{
    size_t before = c->in.len;
    int n = http_tls_feed(c->tls, data, len);
    while (n == 0) {
        if (c->in.cap - c->in.len < READ_CHUNK / 2 && buf_reserve(&c->in, READ_CHUNK) < 0)
            return UV_ENOMEM;
        n = http_tls_read(c->tls, c->in.data + c->in.len, c->in.cap - c->in.len);
        if (n > 0) {
            c->in.len += (size_t)n;
            n = 0;
            continue;
        }
        if (n == 0) break;
    }
    if (n == HTTP_TLS_EOF) return c->in.len > before ? (ssize_t)(c->in.len - before) : UV_EOF;
    if (n < 0) {
        log_warn("upstream: TLS to %s: %s", c->origin->key, http_tls_error(c->tls));
        return UV_EPROTO;
    }
    if (http_outq_flush(&c->out) < 0) {
        log_warn("upstream: TLS to %s: %s", c->origin->key, http_tls_error(c->tls));
        return UV_EPROTO;
    }
    conn_check_drain(c);
    return (ssize_t)(c->in.len - before);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    upconn_t *c = s->data;
    if (c->tls && nread > 0) {
        nread = conn_tls_input(c, b->base, (size_t)nread);
        if (c->closing || nread == 0) return;
        if (nread == UV_EPROTO) {
            if (c->req) request_fail(c->req, c->req->head_received ? UPSTREAM_ERR_TRUNCATED : UPSTREAM_ERR_TLS);
            else conn_close(c);
            return;
        }
    }
    if (nread < 0) {
        /* A paused request may still hold undelivered bytes: leave the end of the stream
         * for after the resume (reading again reports EOF again; an error reads as EOF). */
        if (c->req && c->req->paused) {
            conn_set_reading(c, false);
            return;
        }
        conn_on_eof_or_error(c, nread == UV_EOF);
        return;
    }
    if (nread == 0) return;
    if (!c->tls) c->in.len += (size_t)nread; /* TLS: conn_tls_input appended the plaintext */
    if (!c->req) {
        conn_close(c); /* bytes on an idle connection: the backend is confused */
        return;
    }
    if (c->req->head_received && !c->req->paused)
        uv_timer_start(&c->timer, on_conn_timer, c->req->response_timeout_ms, 0);
    conn_process(c);
}

static void conn_set_reading(upconn_t *c, bool want)
{
    if (c->closing || !c->connected || want == c->reading) return;
    c->reading = want;
    if (want) uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    else uv_read_stop((uv_stream_t *)&c->tcp);
}

/* Parses the response head and delivers body bytes buffered in c->in. */
static void conn_process(upconn_t *c)
{
    upstream_request_t *r = c->req;
    if (!r) {
        conn_set_reading(c, true);
        return;
    }
    while (!r->head_received) {
        http_response_t resp;
        int n = http_parse_response(c->in.data, c->in.len, &c->pool->opts.limits, &resp);
        if (n == HTTP_PARSE_INCOMPLETE) {
            conn_set_reading(c, true);
            return;
        }
        if (n < 0 || resp.status == 101) {
            request_fail(r, UPSTREAM_ERR_BAD_RESPONSE);
            return;
        }
        if (resp.status < 200) { /* interim response: skip it (RFC 9110 §15.2) */
            buf_consume(&c->in, (size_t)n);
            continue;
        }
        r->head_received = true;
        r->head_ms = uv_now(r->pool->loop) - r->start_ms;
        r->response_keep_alive = resp.keep_alive;
        if (!http_response_has_body(r->method, resp.status)) {
            r->resp_kind = RESP_NONE;
        } else if (resp.is_chunked) {
            r->resp_kind = RESP_CHUNKED;
            http_chunked_decoder_init(&r->dec);
        } else if (resp.content_length >= 0) {
            r->resp_kind = RESP_LENGTH;
            r->resp_remaining = (uint64_t)resp.content_length;
        } else {
            r->resp_kind = RESP_UNTIL_CLOSE;
            r->response_keep_alive = false;
        }
        uv_timer_start(&c->timer, on_conn_timer, r->response_timeout_ms, 0);
        r->busy++;
        r->cb.on_head(r, &resp, r->ud);
        r->busy--;
        if (r->cancelled) {
            request_release(r);
            return;
        }
        if (r->finished) return;
        buf_consume(&c->in, (size_t)n);
    }
    size_t pos = 0;
    bool complete = r->resp_kind == RESP_NONE || (r->resp_kind == RESP_LENGTH && r->resp_remaining == 0);
    while (!complete && !r->paused && pos < c->in.len) {
        const char *data = c->in.data + pos;
        size_t len = c->in.len - pos;
        if (r->resp_kind == RESP_LENGTH) {
            if (len > r->resp_remaining) len = (size_t)r->resp_remaining;
            r->resp_remaining -= len;
            pos += len;
            complete = r->resp_remaining == 0;
        } else if (r->resp_kind == RESP_CHUNKED) {
            size_t consumed = 0;
            const char *span = NULL;
            size_t span_len = 0;
            int rc = http_chunked_decode(&r->dec, data, len, &consumed, &span, &span_len);
            pos += consumed;
            if (rc < 0) {
                request_fail(r, UPSTREAM_ERR_TRUNCATED);
                return;
            }
            complete = rc == HTTP_CHUNK_DONE;
            data = span;
            len = rc == HTTP_CHUNK_DATA ? span_len : 0;
        } else {
            pos += len;
        }
        if (len) {
            r->busy++;
            r->cb.on_body(r, data, len, r->ud);
            r->busy--;
            if (r->cancelled) {
                request_release(r);
                return;
            }
            if (r->finished) return;
        }
    }
    buf_consume(&c->in, pos);
    if (complete) {
        /* Bytes after a complete response on a keep-alive connection: not ours to guess. */
        if (c->in.len) r->response_keep_alive = false;
        request_done(r);
        return;
    }
    conn_set_reading(c, !r->paused);
}

static void request_attach(upstream_request_t *r, upconn_t *c)
{
    r->conn = c;
    c->req = r;
    c->origin->active_count++;
    if (http_outq_append(&c->out, r->head, r->head_len) < 0) {
        request_fail(r, UPSTREAM_ERR_NOMEM);
        return;
    }
}

static void on_connect(uv_connect_t *req, int status)
{
    upconn_t *c = req->data;
    if (c->closing) return;
    upstream_request_t *r = c->req;
    if (status < 0) {
        if (r) request_fail(r, UPSTREAM_ERR_CONNECT);
        else conn_close(c);
        return;
    }
    c->connected = true;
    uv_tcp_nodelay(&c->tcp, 1);
    if (!r) {
        conn_close(c);
        return;
    }
    uv_timer_start(&c->timer, on_conn_timer, r->response_timeout_ms, 0);
    if (http_outq_flush(&c->out) < 0) {
        request_fail(r, UPSTREAM_ERR_CONNECT);
        return;
    }
    conn_set_reading(c, true);
    conn_check_drain(c);
}

static void conn_connect_addr(upconn_t *c)
{
    c->connect_req.data = c;
    uv_timer_start(&c->timer, on_conn_timer, c->pool->opts.connect_timeout_ms, 0);
    int rc = uv_tcp_connect(&c->connect_req, &c->tcp, (struct sockaddr *)&c->origin->addr, on_connect);
    if (rc < 0) {
        if (c->req) request_fail(c->req, UPSTREAM_ERR_CONNECT);
        else conn_close(c);
    }
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
        if (c->req) request_fail(c->req, UPSTREAM_ERR_CONNECT);
        else conn_close(c);
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

static void conn_start_connect(upconn_t *c)
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
    uv_timer_start(&c->timer, on_conn_timer, c->pool->opts.connect_timeout_ms, 0);
    int rc = uv_getaddrinfo(c->pool->loop, &c->gai, on_resolved, o->host, NULL, &hints);
    if (rc < 0) {
        c->resolving = false;
        c->handles_open--;
        if (c->req) request_fail(c->req, UPSTREAM_ERR_CONNECT);
        else conn_close(c);
    }
}

/* Defers connecting so no callback runs inside upstream_request_start(). */
static void on_start_timer(uv_timer_t *t)
{
    upconn_t *c = t->data;
    if (c->closing) return;
    conn_start_connect(c);
}

/* Writing the head on a pooled connection failed inside upstream_request_start(). */
static void on_start_failed(uv_timer_t *t)
{
    upconn_t *c = t->data;
    if (c->closing) return;
    conn_on_eof_or_error(c, false);
}

upstream_request_t *upstream_request_start(upstream_pool_t *p, const upstream_request_spec_t *spec,
                                           const upstream_callbacks_t *cb, void *ud)
{
    origin_t *o = origin_get(p, spec);
    if (!o) return NULL;
    upstream_request_t *r = request_new(p, spec->head_len);
    if (!r) return NULL;
    memcpy(r->head, spec->head, spec->head_len);
    r->head_len = spec->head_len;
    r->pool = p;
    r->origin = o;
    r->cb = *cb;
    r->ud = ud;
    r->method = spec->method;
    r->has_body = spec->has_body;
    r->chunked_body = spec->chunked_body;
    r->replayable = http_method_is_idempotent(spec->method);
    r->response_timeout_ms = spec->response_timeout_ms;
    r->start_ms = uv_now(p->loop);

    upconn_t *c = o->idle;
    if (c) {
        idle_remove(c);
        uv_timer_stop(&c->timer);
        r->on_reused_conn = true;
    } else {
        c = conn_new(p, o);
        if (!c) {
            request_free(r);
            return NULL;
        }
    }
    request_attach(r, c);
    if (r->on_reused_conn) {
        /* Hot path: the head leaves now, in this loop iteration. A failure is reported
         * from the timer so that no callback runs inside this call. */
        uv_timer_start(&c->timer, on_conn_timer, r->response_timeout_ms, 0);
        if (http_outq_flush(&c->out) < 0) uv_timer_start(&c->timer, on_start_failed, 0, 0);
        return r;
    }
    uv_timer_start(&c->timer, on_start_timer, 0, 0);
    return r;
}

/* Queues body bytes as they go on the wire, keeping a replay copy while it is small. */
static int request_queue_body(upstream_request_t *r, const char *data, size_t len)
{
    if (r->replayable) {
        if (r->replay.len + len > REPLAY_MAX) {
            r->replayable = false;
            buf_free(&r->replay);
        } else if (buf_append(&r->replay, data, len) < 0) {
            r->replayable = false;
        }
    }
    return http_outq_append(&r->conn->out, data, len);
}

int upstream_request_send_body(upstream_request_t *r, const char *data, size_t len)
{
    upconn_t *c = r->conn;
    if (!c || len == 0) return 0;
    int rc = 0;
    if (r->chunked_body) {
        char line[24];
        size_t n = http_chunk_size_line(line, len);
        rc |= request_queue_body(r, line, n);
        rc |= request_queue_body(r, data, len);
        rc |= request_queue_body(r, "\r\n", 2);
    } else {
        rc = request_queue_body(r, data, len);
    }
    if (rc < 0) return UPSTREAM_ERR_NOMEM;
    if (c->connected && http_outq_flush(&c->out) < 0) return UPSTREAM_ERR_CLOSED;
    if (http_outq_size(&c->out) > r->pool->opts.write_high_water) r->want_drain = true;
    return 0;
}

int upstream_request_end_body(upstream_request_t *r)
{
    upconn_t *c = r->conn;
    r->body_ended = true;
    if (!c) return 0;
    if (r->chunked_body && request_queue_body(r, "0\r\n\r\n", 5) < 0) return UPSTREAM_ERR_NOMEM;
    if (c->connected && http_outq_flush(&c->out) < 0) return UPSTREAM_ERR_CLOSED;
    return 0;
}

size_t upstream_request_write_pending(const upstream_request_t *r)
{
    return r->conn ? http_outq_size(&r->conn->out) : 0;
}

bool upstream_request_over_high_water(const upstream_request_t *r)
{
    return r->want_drain;
}

void upstream_request_pause_response(upstream_request_t *r)
{
    if (r->paused) return;
    r->paused = true;
    /* Reading stops lazily: conn_process stops it when bytes arrive while paused. Most
     * pauses (a policy host running outbound on a response already in the buffer) end
     * before another byte comes, and stopping and restarting the read would cost two
     * epoll_ctl calls per request. At most one more read buffer is taken in meanwhile. */
    if (r->conn) uv_timer_stop(&r->conn->timer);
}

void upstream_request_resume_response(upstream_request_t *r)
{
    if (!r->paused) return;
    r->paused = false;
    upconn_t *c = r->conn;
    if (!c) return;
    uv_timer_start(&c->timer, on_conn_timer, r->response_timeout_ms, 0);
    /* Resumed from inside one of this request's callbacks (a policy host answering while
     * on_head runs): the conn_process below us goes on by itself once the callback returns;
     * entering it again here would deliver the unconsumed head as body bytes. */
    if (r->busy) return;
    conn_process(c);
}

void upstream_request_cancel(upstream_request_t *r)
{
    if (r->finished) {
        return;
    }
    r->finished = true;
    r->cancelled = true;
    upconn_t *c = r->conn;
    request_detach(r);
    if (c) conn_close(c);
    if (!r->busy) request_free(r);
}

uint64_t upstream_request_head_ms(const upstream_request_t *r)
{
    return r->head_ms;
}
