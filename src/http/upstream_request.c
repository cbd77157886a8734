/* http_upstream, a request's life: starting it on an idle pooled connection or a new one
 * (recycled request structs), the request body (with a replay copy while small), response
 * backpressure, cancelling, and its end: done (the connection goes back to the pool or is
 * closed), failed, or retried once on a fresh connection when a stale pooled one failed
 * before any response byte (RFC 9112 §9.3.1). This is the surface the proxy programs
 * against; the connections are in upstream.c, the wire in upstream_io.c. */
#include "http/upstream_internal.h"

#include <stdlib.h>
#include <string.h>

/* Request body bytes kept (as sent, framing included) so that a request that fails on a
 * stale pooled connection can be replayed on a new one. Bigger bodies are not retried. */
#define REPLAY_MAX (64 * 1024)

/* ---- request lifecycle ---- */

void upstream__request_free(upstream_request_t *r)
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
void upstream__request_release(upstream_request_t *r)
{
    if (r->busy) {
        r->cancelled = true;
        return;
    }
    upstream__request_free(r);
}

void upstream__request_detach(upstream_request_t *r)
{
    upconn_t *c = r->conn;
    if (!c) return;
    c->req = NULL;
    r->conn = NULL;
    if (c->origin->active_count) c->origin->active_count--;
}

void upstream__request_fail(upstream_request_t *r, int err)
{
    if (r->finished) return;
    r->finished = true;
    upconn_t *c = r->conn;
    upstream__request_detach(r);
    if (c) upstream__conn_close(c);
    if (!r->cancelled) {
        r->busy++;
        r->cb.on_error(r, err, r->ud);
        r->busy--;
    }
    upstream__request_release(r);
}

void upstream__request_done(upstream_request_t *r)
{
    if (r->finished) return;
    r->finished = true;
    upconn_t *c = r->conn;
    bool reusable = r->response_keep_alive && (!r->has_body || r->body_ended) &&
                    http_outq_size(&c->out) == 0 && r->resp_kind != RESP_UNTIL_CLOSE;
    upstream__request_detach(r);
    c->served++;
    uv_timer_stop(&c->timer);
    if (reusable) upstream__conn_make_idle(c);
    else upstream__conn_close(c);
    if (!r->cancelled) {
        r->busy++;
        r->cb.on_done(r, r->ud);
        r->busy--;
    }
    upstream__request_release(r);
}

static void request_attach(upstream_request_t *r, upconn_t *c)
{
    r->conn = c;
    c->req = r;
    c->origin->active_count++;
    if (http_outq_append(&c->out, r->head, r->head_len) < 0) {
        upstream__request_fail(r, UPSTREAM_ERR_NOMEM);
        return;
    }
}

/* ---- the end of the connection under a request: retry or fail ---- */

static bool retryable(const upstream_request_t *r)
{
    /* RFC 9112 §9.3.1: a request on a reused connection that failed before any response
     * byte may be retried automatically only if idempotent, and here only if its body so
     * far is small enough to have been kept for replay. */
    return r->on_reused_conn && !r->retried && (!r->has_body || r->replayable) &&
           !r->head_received && http_method_is_idempotent(r->method);
}

static void request_retry(upstream_request_t *r)
{
    upconn_t *old = r->conn;
    upstream__request_detach(r);
    upstream__conn_close(old);
    r->retried = true;
    r->on_reused_conn = false;
    upconn_t *c = upstream__conn_new(r->pool, r->origin);
    if (!c) {
        upstream__request_fail(r, UPSTREAM_ERR_NOMEM);
        return;
    }
    request_attach(r, c);
    if (r->replay.len && http_outq_append(&c->out, r->replay.data, r->replay.len) < 0) {
        upstream__request_fail(r, UPSTREAM_ERR_NOMEM);
        return;
    }
    upstream__conn_start_connect(c);
}

void upstream__conn_on_eof_or_error(upconn_t *c, bool is_eof)
{
    upstream_request_t *r = c->req;
    if (!r) {
        upstream__conn_close(c);
        return;
    }
    if (r->head_received && r->resp_kind == RESP_UNTIL_CLOSE && is_eof) {
        r->response_keep_alive = false;
        upstream__request_done(r);
        return;
    }
    if (!r->head_received && c->in.len == 0 && retryable(r)) {
        request_retry(r);
        return;
    }
    upstream__request_fail(r, upstream__lost_error(r));
}

/* ---- start ---- */

/* Defers connecting so no callback runs inside upstream_request_start(). */
static void on_start_timer(uv_timer_t *t)
{
    upconn_t *c = t->data;
    if (c->closing) return;
    upstream__conn_start_connect(c);
}

/* Writing the head on a pooled connection failed inside upstream_request_start(). */
static void on_start_failed(uv_timer_t *t)
{
    upconn_t *c = t->data;
    if (c->closing) return;
    upstream__conn_on_eof_or_error(c, false);
}

upstream_request_t *upstream_request_start(upstream_pool_t *p, const upstream_request_spec_t *spec,
                                           const upstream_callbacks_t *cb, void *ud)
{
    origin_t *o = upstream__origin_get(p, spec);
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
        upstream__idle_remove(c);
        uv_timer_stop(&c->timer);
        r->on_reused_conn = true;
    } else {
        c = upstream__conn_new(p, o);
        if (!c) {
            upstream__request_free(r);
            return NULL;
        }
    }
    request_attach(r, c);
    if (r->on_reused_conn) {
        /* Hot path: the head leaves now, in this loop iteration. A failure is reported
         * from the timer so that no callback runs inside this call. */
        uv_timer_start(&c->timer, upstream__on_conn_timer, r->response_timeout_ms, 0);
        if (http_outq_flush(&c->out) < 0) uv_timer_start(&c->timer, on_start_failed, 0, 0);
        return r;
    }
    uv_timer_start(&c->timer, on_start_timer, 0, 0);
    return r;
}

/* ---- request body, response backpressure, cancel ---- */

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
    uv_timer_start(&c->timer, upstream__on_conn_timer, r->response_timeout_ms, 0);
    /* Resumed from inside one of this request's callbacks (a policy host answering while
     * on_head runs): the conn_process below us goes on by itself once the callback returns;
     * entering it again here would deliver the unconsumed head as body bytes. */
    if (r->busy) return;
    upstream__conn_process(c);
}

void upstream_request_cancel(upstream_request_t *r)
{
    if (r->finished) {
        return;
    }
    r->finished = true;
    r->cancelled = true;
    upconn_t *c = r->conn;
    upstream__request_detach(r);
    if (c) upstream__conn_close(c);
    if (!r->busy) upstream__request_free(r);
}

uint64_t upstream_request_head_ms(const upstream_request_t *r)
{
    return r->head_ms;
}
