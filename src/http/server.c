/* http_server, the server and its connections: the listener and accepting, the list of
 * connections, the work list flushed once per loop iteration, the per-connection timer
 * (header and idle timeouts), closing and lingering close. Contract in server.h; the
 * structs and the helpers the other pieces share are in server_internal.h, the exchange
 * API in server_exchange.c, the input side in server_read.c. */
#include "http/server_internal.h"

#include "base/buf.h"
#include "base/log.h"
#include "http/addr.h"
#include "http/response.h"

#include <stdlib.h>
#include <sys/resource.h>

static void conn_finish_close(conn_t *c);
static void on_flush_check(uv_check_t *h);
static void on_flush_idle(uv_idle_t *h);
static void on_server_handle_closed(uv_handle_t *h);

void http_server_options_default(http_server_options_t *o)
{
    o->limits = http_default_limits;
    o->max_body_bytes = 4ULL << 30;
    o->header_timeout_ms = 10000;
    o->idle_timeout_ms = 75000;
    o->write_high_water = 256 * 1024;
    o->server_header = NULL;
    /* The other quarter is kept for backend connections, listeners, logs and files. */
    struct rlimit rl;
    o->max_connections = 0;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        o->max_connections = (size_t)rl.rlim_cur / 4 * 3;
}

/* ---- work list: flushes and deferred processing, once per loop iteration ---- */

void http_server__schedule(conn_t *c)
{
    if (c->in_work_list || c->closing) return;
    c->in_work_list = true;
    c->work_next = c->srv->work;
    c->srv->work = c;
    uv_check_start(&c->srv->flush_check, on_flush_check);
    /* Work scheduled from a timer or another connection's event must not wait for the
     * next I/O event: an active idle handle keeps poll from blocking until the check
     * phase has run it. */
    uv_idle_start(&c->srv->flush_idle, on_flush_idle);
}

static void conn_flush(conn_t *c)
{
    if (c->closing) return;
    if (http_outq_flush(&c->out) < 0) {
        http_server__conn_close(c);
        return;
    }
    c->last_progress_ms = uv_now(c->srv->loop);
}

static void check_drain(conn_t *c)
{
    http_exchange_t *ex = c->ex;
    if (!ex || !ex->over_high_water) return;
    if (http_server__conn_pending(c) <= c->srv->opts.write_high_water / 2) {
        ex->over_high_water = false;
        if (c->srv->handler.on_drain) c->srv->handler.on_drain(ex, c->srv->ud);
    }
}

static void on_written(http_outq_t *q, int status)
{
    conn_t *c = q->owner;
    if (c->closing) return;
    if (status < 0) {
        http_server__conn_close(c);
        return;
    }
    c->last_progress_ms = uv_now(c->srv->loop);
    if (c->lingering) return;
    http_server__schedule(c);
}

static void on_flush_check(uv_check_t *h)
{
    http_server_t *s = h->data;
    while (s->work) {
        conn_t *c = s->work;
        s->work = c->work_next;
        c->in_work_list = false;
        http_server__conn_process(c);
        if (c->closing) continue;
        conn_flush(c);
        if (c->closing) continue;
        check_drain(c);
        if (!c->closing && c->close_after && !c->ex && http_server__conn_pending(c) == 0)
            conn_finish_close(c);
    }
    uv_check_stop(&s->flush_check);
    uv_idle_stop(&s->flush_idle);
}

static void on_flush_idle(uv_idle_t *h)
{
    (void)h;
}

void http_server__queue_bytes(conn_t *c, const char *data, size_t len)
{
    if (c->closing) return;
    if (http_outq_append(&c->out, data, len) < 0) {
        http_server__conn_close(c);
        return;
    }
    http_server__schedule(c);
}

/* ---- connection life ---- */

static void on_handle_closed(uv_handle_t *h)
{
    conn_t *c = h->data;
    if (--c->handles_open > 0) return;
    buf_free(&c->in);
    http_outq_free(&c->out);
    http_tls_free(c->tls);
    free(c);
}

void http_server__conn_close(conn_t *c)
{
    if (c->closing) return;
    c->closing = true;
    http_server_t *s = c->srv;
    if (c->ex) http_server__exchange_fail(c->ex);
    if (c->prev) c->prev->next = c->next;
    else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->conn_count--;
    if (c->in_work_list) {
        conn_t **pp = &s->work;
        while (*pp && *pp != c) pp = &(*pp)->work_next;
        if (*pp) *pp = c->work_next;
        c->in_work_list = false;
    }
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

/* Lingering close: after the last response, shut down our side and read (and drop) what
 * the client still sends for a short while, so that a client still uploading receives
 * the response instead of a reset (RFC 9112 §9.6). */
#define LINGER_MS 2000
#define LINGER_MAX_BYTES (4u << 20)

static void on_linger_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *out)
{
    (void)suggested;
    conn_t *c = h->data;
    if (c->in.cap < IN_INITIAL && buf_reserve(&c->in, IN_INITIAL) < 0) {
        *out = uv_buf_init(NULL, 0);
        return;
    }
    *out = uv_buf_init(c->in.data, (unsigned)c->in.cap);
}

static void on_linger_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *b)
{
    (void)b;
    conn_t *c = stream->data;
    if (nread < 0) {
        http_server__conn_close(c);
        return;
    }
    c->pos += (size_t)nread; /* counts discarded bytes while lingering */
    if (c->pos > LINGER_MAX_BYTES) http_server__conn_close(c);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    conn_t *c = req->data;
    free(req);
    if (c->closing) return;
    if (status < 0) http_server__conn_close(c);
}

static void on_linger_timer(uv_timer_t *t)
{
    http_server__conn_close(t->data);
}

static void conn_finish_close(conn_t *c)
{
    if (c->closing || c->lingering) return;
    if (c->ex) {
        http_server__conn_close(c);
        return;
    }
    if (c->tls) {
        http_tls_shutdown(c->tls); /* close_notify (RFC 8446 §6.1) before the FIN */
        if (http_outq_flush(&c->out) < 0) {
            http_server__conn_close(c);
            return;
        }
    }
    uv_shutdown_t *req = malloc(sizeof *req);
    if (!req) {
        http_server__conn_close(c);
        return;
    }
    req->data = c;
    if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) < 0) {
        free(req);
        http_server__conn_close(c);
        return;
    }
    c->lingering = true;
    c->in.len = 0;
    c->pos = 0;
    if (c->reading) uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = true;
    uv_read_start((uv_stream_t *)&c->tcp, on_linger_alloc, on_linger_read);
    uv_timer_stop(&c->timer);
    uv_timer_start(&c->timer, on_linger_timer, LINGER_MS, 0);
}

void http_server__send_error_and_close(conn_t *c, int status, const char *message)
{
    buf_t b;
    buf_init(&b);
    if (http_response_error_bytes(&b, status, message, true) == 0)
        http_server__queue_bytes(c, b.data, b.len);
    buf_free(&b);
    c->close_after = true;
    c->peer_eof = true; /* read nothing more from this stream */
    http_server__conn_update_reading(c);
    http_server__schedule(c);
}

/* ---- timeouts: one coarse timer per connection ---- */

static void on_timer(uv_timer_t *t)
{
    conn_t *c = t->data;
    http_server_t *s = c->srv;
    uint64_t now = uv_now(s->loop); /* the loop's cached time: no clock read per event */
    if (c->closing || c->lingering) return;
    if (!c->ex) {
        if (c->head_started_ms && now - c->head_started_ms >= s->opts.header_timeout_ms) {
            http_server__send_error_and_close(c, 408, "Request timeout");
            uv_timer_start(&c->timer, on_timer, 1000, 0); /* give the 408 a moment to leave */
            return;
        }
        if (c->close_after) {
            http_server__conn_close(c);
            return;
        }
        if (!c->head_started_ms && now - c->last_progress_ms >= s->opts.idle_timeout_ms) {
            http_server__conn_close(c);
            return;
        }
    } else {
        http_exchange_t *ex = c->ex;
        bool stalled = now - c->last_progress_ms >= s->opts.idle_timeout_ms;
        bool reading_body = ex->body_requested && !ex->body_done && !ex->body_paused;
        if (stalled && (http_server__conn_pending(c) > 0 || reading_body)) {
            http_server__conn_close(c);
            return;
        }
    }
    uint64_t next = c->head_started_ms && !c->ex ? s->opts.header_timeout_ms : s->opts.idle_timeout_ms;
    if (next > 1000) next = 1000; /* coarse tick: a deadline is checked at least every second */
    uv_timer_start(&c->timer, on_timer, next, 0);
}

/* ---- the server: listening, accepting, stopping ---- */

static void on_server_handle_closed(uv_handle_t *h)
{
    http_server_t *s = h->data;
    if (--s->handles_open == 0) {
        for (size_t i = 0; i < s->spare_count; i++) {
            arena_free(&s->spare[i]->arena);
            free(s->spare[i]);
        }
        http_tls_ctx_unref(s->tls_ctx);
        free(s->tls_scratch);
        free(s);
    }
}

/* Frees a connection that failed while being accepted (not yet on the list). */
static void conn_discard(conn_t *c)
{
    c->closing = true;
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

/* A client past max_connections: accepted only to be told 503 and closed. */
typedef struct {
    uv_tcp_t tcp;
} refused_t;

static void on_refused_closed(uv_handle_t *h) { free(h->data); }

static void refuse_connection(http_server_t *s, uv_stream_t *listener)
{
    refused_t *r = malloc(sizeof *r);
    if (!r) return;
    uv_tcp_init(s->loop, &r->tcp);
    r->tcp.data = r;
    if (uv_accept(listener, (uv_stream_t *)&r->tcp) == 0) {
        /* One small write into an empty socket buffer: it does not block, and a client that
         * reads nothing loses nothing it was promised. The spec's error body (§4.6). */
        buf_t answer;
        buf_init(&answer);
        if (http_response_error_bytes(&answer, 503, "Service unavailable: too many open connections",
                                      true) == 0) {
            uv_buf_t b = uv_buf_init(answer.data, (unsigned)answer.len);
            (void)uv_try_write((uv_stream_t *)&r->tcp, &b, 1);
        }
        buf_free(&answer);
    }
    uv_close((uv_handle_t *)&r->tcp, on_refused_closed);
    s->refused_count++;
    uint64_t now = uv_now(s->loop);
    if (!s->refused_logged_ms || now - s->refused_logged_ms >= 10000) {
        s->refused_logged_ms = now;
        log_warn("http: %zu open connections (the cap): new clients get 503 (%llu so far)",
                 s->conn_count, (unsigned long long)s->refused_count);
    }
}

static void on_connection(uv_stream_t *listener, int status)
{
    http_server_t *s = listener->data;
    if (status < 0) return;
    if (s->opts.max_connections && s->conn_count >= s->opts.max_connections) {
        refuse_connection(s, listener);
        return;
    }
    conn_t *c = calloc(1, sizeof *c);
    if (!c) return;
    c->srv = s;
    uv_tcp_init(s->loop, &c->tcp);
    c->tcp.data = c;
    http_outq_init(&c->out, (uv_stream_t *)&c->tcp, on_written, c);
    c->handles_open = 2;
    uv_timer_init(s->loop, &c->timer);
    c->timer.data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
        conn_discard(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    if (s->tls_ctx) {
        c->tls = http_tls_new_server(s->tls_ctx);
        if (!c->tls) {
            conn_discard(c);
            return;
        }
        http_outq_set_tls(&c->out, c->tls);
        /* The handshake counts against the first request's header timeout: a client that
         * never finishes it is dropped like one that never finishes a head. */
        c->head_started_ms = uv_now(s->loop);
    }
    struct sockaddr_storage peer;
    int len = sizeof peer;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &len) == 0)
        http_addr_host((struct sockaddr *)&peer, c->peer_ip, sizeof c->peer_ip);
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->conn_count++;
    c->last_progress_ms = uv_now(c->srv->loop);
    uv_timer_start(&c->timer, on_timer, 1000, 0);
    http_server__conn_update_reading(c);
}

int http_server_listen(uv_loop_t *loop, const char *addr, bool reuse_port,
                       const http_server_options_t *opts, const http_handler_t *handler,
                       void *ud, http_server_t **out)
{
    struct sockaddr_storage sa;
    int rc = http_addr_parse(addr, &sa);
    if (rc < 0) return rc;
    http_server_t *s = calloc(1, sizeof *s);
    if (!s) return UV_ENOMEM;
    s->loop = loop;
    s->opts = *opts;
    s->handler = *handler;
    s->ud = ud;
    uv_tcp_init_ex(loop, &s->listener, sa.ss_family);
    s->listener.data = s;
    if (reuse_port) {
        uv_os_fd_t fd;
        int one = 1;
        if (uv_fileno((uv_handle_t *)&s->listener, &fd) == 0)
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    }
    rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&sa, 0);
    if (rc == 0) rc = uv_listen((uv_stream_t *)&s->listener, 1024, on_connection);
    if (rc < 0) {
        s->handles_open = 1;
        uv_close((uv_handle_t *)&s->listener, on_server_handle_closed);
        return rc;
    }
    s->listening = true;
    s->handles_open = 1; /* the server's own reference, dropped by http_server_close */
    uv_check_init(loop, &s->flush_check);
    s->flush_check.data = s;
    uv_idle_init(loop, &s->flush_idle);
    s->flush_idle.data = s;
    *out = s;
    return 0;
}

void http_server_set_options(http_server_t *s, const http_server_options_t *opts)
{
    s->opts = *opts;
}

int http_server_set_tls(http_server_t *s, http_tls_ctx_t *ctx)
{
    if (!s->tls_scratch && !(s->tls_scratch = malloc(READ_CHUNK))) return UV_ENOMEM;
    http_tls_ctx_unref(s->tls_ctx);
    s->tls_ctx = http_tls_ctx_ref(ctx);
    return 0;
}

void http_server_stop_accepting(http_server_t *s)
{
    if (s->stopping) return;
    s->stopping = true;
    if (s->listening) {
        s->listening = false;
        uv_read_stop((uv_stream_t *)&s->listener);
        /* Closing the socket makes the kernel send new connections to the other units
         * sharing the port (SO_REUSEPORT). */
        s->handles_open++;
        uv_close((uv_handle_t *)&s->listener, on_server_handle_closed);
    }
    for (conn_t *c = s->conns, *next; c; c = next) {
        next = c->next;
        c->close_after = true;
        if (!c->ex && c->in.len == c->pos && http_server__conn_pending(c) == 0)
            http_server__conn_close(c);
    }
}

size_t http_server_connection_count(const http_server_t *s)
{
    return s->conn_count;
}

size_t http_server_active_exchanges(const http_server_t *s)
{
    return s->active;
}

void http_server_close(http_server_t *s)
{
    http_server_stop_accepting(s);
    s->closing = true;
    while (s->conns) http_server__conn_close(s->conns);
    s->handles_open += 2;
    uv_close((uv_handle_t *)&s->flush_check, on_server_handle_closed);
    uv_close((uv_handle_t *)&s->flush_idle, on_server_handle_closed);
    s->handles_open--; /* cannot reach 0 here: two closes are pending */
}
