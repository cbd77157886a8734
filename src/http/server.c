/* HTTP/1.1 server connections: see server.h for the contract.
 *
 * Memory: each connection owns one read buffer `in`. While an exchange is active the
 * request head sits at the start of `in` (the parser's slices point into it) and body or
 * pipelined bytes follow it; body bytes are delivered and then dropped, so a large upload
 * never needs more than one read's worth of buffer. Output is appended to `out` and
 * flushed once per loop iteration (uv_check), so a head and a small body, or several
 * pipelined responses, leave in one write. */
#include "http/server.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "http/addr.h"
#include "http/outq.h"
#include "http/response.h"
#include "http/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#define READ_CHUNK (64 * 1024)
#define IN_INITIAL (16 * 1024)

typedef struct conn conn_t;

typedef enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED } body_kind_t;

struct http_exchange {
    conn_t *c;
    http_request_t req;
    arena_t arena;
    void *userdata;
    uint64_t start_ns;
    uint64_t bytes_in;
    uint64_t bytes_out_start; /* c->bytes_out when the exchange started */
    int status;

    body_kind_t body_kind;
    uint64_t body_remaining; /* BODY_LENGTH */
    uint64_t body_total;     /* decoded bytes delivered */
    http_chunked_decoder_t chunked;
    bool body_requested;
    bool body_paused;
    bool body_done;
    bool body_end_delivered;

    bool head_sent;
    bool finished;
    bool is_head;
    bool resp_chunked;
    bool resp_close_delimited;
    bool resp_no_body;
    int64_t resp_remaining; /* Content-Length responses */
    bool over_high_water;
};
/* start_exchange clears an exchange in three parts around `req` and `arena`: nothing else may
 * sit between them. */
_Static_assert(offsetof(http_exchange_t, req) == sizeof(conn_t *), "c, then req");
_Static_assert(offsetof(http_exchange_t, userdata) - offsetof(http_exchange_t, arena) < sizeof(arena_t) + 16,
               "arena directly before userdata");

struct conn {
    uv_tcp_t tcp; /* first: handle pointer == conn pointer */
    uv_timer_t timer;
    http_server_t *srv;
    conn_t *prev, *next;           /* all connections */
    conn_t *work_next;             /* pending flush / work list */
    bool in_work_list;
    buf_t in;
    size_t pos;                    /* first unconsumed byte in `in` */
    http_outq_t out;
    http_exchange_t *ex;
    uint64_t head_started_ms;      /* first byte of a pending head, 0 = none */
    uint64_t last_progress_ms;
    char peer_ip[64];
    http_tls_t *tls;               /* NULL on a plain listener */
    bool reading;
    bool peer_eof;
    bool lingering;
    bool close_after;              /* close once `out` is flushed */
    bool closing;
    int handles_open;
};

/* Under AddressSanitizer nothing is recycled, so that a use of an exchange after its end is
 * still reported as a use after free. */
#if defined(__SANITIZE_ADDRESS__)
#define SPARE_EXCHANGES 1
#define RECYCLE_EXCHANGES 0
#else
#define SPARE_EXCHANGES 64
#define RECYCLE_EXCHANGES 1
#endif

struct http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_check_t flush_check;
    uv_idle_t flush_idle; /* active while work is pending: keeps poll from blocking */
    http_server_options_t opts;
    http_handler_t handler;
    void *ud;
    conn_t *conns;
    conn_t *work;
    size_t conn_count;
    size_t active;
    bool listening;
    bool stopping;
    bool closing;
    int handles_open;
    /* Finished exchanges kept with one arena chunk for the next requests: a keep-alive
     * request then costs no malloc/free for its exchange and arena. */
    http_exchange_t *spare[SPARE_EXCHANGES];
    size_t spare_count;
    http_tls_ctx_t *tls_ctx; /* NULL: plain HTTP */
    char *tls_scratch;       /* ciphertext read buffer, READ_CHUNK bytes: a read is
                                decrypted into the connection's `in` at once */
};

static void conn_close(conn_t *c);
static void conn_finish_close(conn_t *c);
static void on_flush_check(uv_check_t *h);
static void on_flush_idle(uv_idle_t *h);
static void conn_process(conn_t *c);
static void conn_update_reading(conn_t *c);
static void request_rebase(http_request_t *req, const char *old, const char *new_base);
static void on_server_handle_closed(uv_handle_t *h);
static int conn_reserve_in(conn_t *c, size_t want);
static void exchange_fail(http_exchange_t *ex);

void http_server_options_default(http_server_options_t *o)
{
    o->limits = http_default_limits;
    o->max_body_bytes = 4ULL << 30;
    o->header_timeout_ms = 10000;
    o->idle_timeout_ms = 75000;
    o->write_high_water = 256 * 1024;
    o->server_header = NULL;
}

/* ---- work list: flushes and deferred processing, once per loop iteration ---- */

static void schedule(conn_t *c)
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
        conn_close(c);
        return;
    }
    c->last_progress_ms = uv_now(c->srv->loop);
}

static size_t conn_pending(const conn_t *c)
{
    return http_outq_size(&c->out);
}

static void check_drain(conn_t *c)
{
    http_exchange_t *ex = c->ex;
    if (!ex || !ex->over_high_water) return;
    if (conn_pending(c) <= c->srv->opts.write_high_water / 2) {
        ex->over_high_water = false;
        if (c->srv->handler.on_drain) c->srv->handler.on_drain(ex, c->srv->ud);
    }
}

static void on_written(http_outq_t *q, int status)
{
    conn_t *c = q->owner;
    if (c->closing) return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    c->last_progress_ms = uv_now(c->srv->loop);
    if (c->lingering) return;
    schedule(c);
}

static void on_flush_check(uv_check_t *h)
{
    http_server_t *s = h->data;
    while (s->work) {
        conn_t *c = s->work;
        s->work = c->work_next;
        c->in_work_list = false;
        conn_process(c);
        if (c->closing) continue;
        conn_flush(c);
        if (c->closing) continue;
        check_drain(c);
        if (!c->closing && c->close_after && !c->ex && conn_pending(c) == 0) conn_finish_close(c);
    }
    uv_check_stop(&s->flush_check);
    uv_idle_stop(&s->flush_idle);
}

static void on_flush_idle(uv_idle_t *h)
{
    (void)h;
}

static void queue_bytes(conn_t *c, const char *data, size_t len)
{
    if (c->closing) return;
    if (http_outq_append(&c->out, data, len) < 0) {
        conn_close(c);
        return;
    }
    schedule(c);
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

static void conn_close(conn_t *c)
{
    if (c->closing) return;
    c->closing = true;
    http_server_t *s = c->srv;
    if (c->ex) exchange_fail(c->ex);
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
        conn_close(c);
        return;
    }
    c->pos += (size_t)nread; /* counts discarded bytes while lingering */
    if (c->pos > LINGER_MAX_BYTES) conn_close(c);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    conn_t *c = req->data;
    free(req);
    if (c->closing) return;
    if (status < 0) conn_close(c);
}

static void on_linger_timer(uv_timer_t *t)
{
    conn_close(t->data);
}

static void conn_finish_close(conn_t *c)
{
    if (c->closing || c->lingering) return;
    if (c->ex) {
        conn_close(c);
        return;
    }
    if (c->tls) {
        http_tls_shutdown(c->tls); /* close_notify (RFC 8446 §6.1) before the FIN */
        if (http_outq_flush(&c->out) < 0) {
            conn_close(c);
            return;
        }
    }
    uv_shutdown_t *req = malloc(sizeof *req);
    if (!req) {
        conn_close(c);
        return;
    }
    req->data = c;
    if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) < 0) {
        free(req);
        conn_close(c);
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

static void send_error_and_close(conn_t *c, int status, const char *message)
{
    buf_t b;
    buf_init(&b);
    if (http_response_error_bytes(&b, status, message, true) == 0) queue_bytes(c, b.data, b.len);
    buf_free(&b);
    c->close_after = true;
    c->peer_eof = true; /* read nothing more from this stream */
    conn_update_reading(c);
    schedule(c);
}

/* ---- exchange ---- */

static void exchange_free(http_exchange_t *ex)
{
    http_server_t *s = ex->c->srv;
    if (RECYCLE_EXCHANGES && s->spare_count < SPARE_EXCHANGES && !s->closing) {
        arena_recycle(&ex->arena);
        s->spare[s->spare_count++] = ex;
        return;
    }
    arena_free(&ex->arena);
    free(ex);
}

/* The exchange is over (ok or not): tell the handler, then release it. */
static void exchange_end(http_exchange_t *ex, bool ok)
{
    conn_t *c = ex->c;
    http_server_t *s = c->srv;
    c->ex = NULL;
    s->active--;
    if (s->handler.on_complete) s->handler.on_complete(ex, ok, s->ud);
    exchange_free(ex);
}

static void exchange_fail(http_exchange_t *ex)
{
    exchange_end(ex, false);
}

/* Drops the head and consumed body bytes of the finished exchange from `in`. */
static void conn_compact(conn_t *c)
{
    buf_consume(&c->in, c->pos);
    c->pos = 0;
    if (c->in.len == 0 && c->in.cap > 2 * IN_INITIAL) buf_free(&c->in);
}

static void exchange_complete(http_exchange_t *ex)
{
    conn_t *c = ex->c;
    bool body_fully_read = ex->body_kind == BODY_NONE || ex->body_done;
    if (!body_fully_read) c->close_after = true;
    if (!ex->req.keep_alive) c->close_after = true;
    exchange_end(ex, true);
    if (c->close_after) {
        c->peer_eof = true;
        conn_update_reading(c);
        schedule(c);
        return;
    }
    conn_compact(c);
    c->head_started_ms = 0;
    conn_update_reading(c);
    schedule(c); /* pipelined bytes may already wait in `in` */
}

const http_request_t *http_exchange_request(const http_exchange_t *ex)
{
    return &ex->req;
}
arena_t *http_exchange_arena(http_exchange_t *ex)
{
    return &ex->arena;
}
const char *http_exchange_peer_ip(const http_exchange_t *ex)
{
    return ex->c->peer_ip;
}
uint64_t http_exchange_start_ns(const http_exchange_t *ex)
{
    return ex->start_ns;
}
uint64_t http_exchange_bytes_in(const http_exchange_t *ex)
{
    return ex->bytes_in;
}
uint64_t http_exchange_bytes_out(const http_exchange_t *ex)
{
    return ex->c->out.written + conn_pending(ex->c) - ex->bytes_out_start;
}
int http_exchange_status(const http_exchange_t *ex)
{
    return ex->status;
}
bool http_exchange_is_tls(const http_exchange_t *ex)
{
    return ex->c->tls != NULL;
}
const char *http_exchange_tls_sni(const http_exchange_t *ex)
{
    return ex->c->tls ? http_tls_sni(ex->c->tls) : NULL;
}
void http_exchange_set_userdata(http_exchange_t *ex, void *p)
{
    ex->userdata = p;
}
void *http_exchange_userdata(const http_exchange_t *ex)
{
    return ex->userdata;
}

void http_exchange_read_body(http_exchange_t *ex)
{
    if (ex->body_requested) return;
    ex->body_requested = true;
    conn_t *c = ex->c;
    /* RFC 9110 §10.1.1: answer 100 only to HTTP/1.1 clients, and only if the body has not
     * started arriving already. */
    if (ex->req.expect_continue && ex->req.minor_version == 1 && !ex->head_sent &&
        ex->body_kind != BODY_NONE && c->pos == c->in.len) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        queue_bytes(c, cont, sizeof cont - 1);
    }
    conn_update_reading(c);
    schedule(c);
}

void http_exchange_pause_body(http_exchange_t *ex)
{
    ex->body_paused = true;
    conn_update_reading(ex->c);
}

void http_exchange_resume_body(http_exchange_t *ex)
{
    if (!ex->body_paused) return;
    ex->body_paused = false;
    conn_update_reading(ex->c);
    schedule(ex->c);
}

void http_exchange_close_after(http_exchange_t *ex)
{
    ex->c->close_after = true;
}

int http_exchange_send_head(http_exchange_t *ex, const http_response_head_t *head)
{
    conn_t *c = ex->c;
    if (ex->head_sent || c->closing) return -EINVAL;
    ex->head_sent = true;
    ex->status = head->status;
    if (c->srv->stopping) c->close_after = true;
    bool client_keep_alive = ex->req.keep_alive && !c->close_after;
    http_response_framing_t f;
    http_response_plan(ex->req.method_id, ex->req.minor_version, head->status,
                       head->content_length, &f);
    if (f.close_delimited) client_keep_alive = false;
    /* A response sent before the request body was read to its end: the rest of the body
     * cannot be told apart from the next request unless we read it; close instead. */
    bool body_pending = ex->body_kind != BODY_NONE && !ex->body_done;
    if (body_pending) client_keep_alive = false;
    if (!client_keep_alive) c->close_after = true;
    ex->resp_chunked = f.chunked;
    ex->resp_close_delimited = f.close_delimited;
    ex->resp_no_body = f.no_body;
    ex->resp_remaining = f.no_body ? 0 : head->content_length;

    size_t before = c->out.pending.len;
    int rc = http_response_head_bytes(&c->out.pending, head, &f, ex->req.minor_version,
                                      client_keep_alive, c->srv->opts.server_header);
    if (rc < 0) {
        c->out.pending.len = before;
        http_exchange_abort(ex);
        return rc;
    }
    schedule(c);
    return 0;
}

int http_exchange_send_body(http_exchange_t *ex, const char *data, size_t len)
{
    conn_t *c = ex->c;
    if (!ex->head_sent || ex->finished || c->closing) return -EINVAL;
    if (len == 0 || ex->resp_no_body) return 0;
    if (ex->resp_remaining >= 0) {
        if ((int64_t)len > ex->resp_remaining) len = (size_t)ex->resp_remaining;
        ex->resp_remaining -= (int64_t)len;
    }
    if (ex->resp_chunked) {
        char line[24];
        size_t n = http_chunk_size_line(line, len);
        queue_bytes(c, line, n);
        queue_bytes(c, data, len);
        queue_bytes(c, "\r\n", 2);
    } else {
        queue_bytes(c, data, len);
    }
    if (conn_pending(c) > c->srv->opts.write_high_water) ex->over_high_water = true;
    return c->closing ? -EPIPE : 0;
}

size_t http_exchange_write_pending(const http_exchange_t *ex)
{
    return conn_pending(ex->c);
}

bool http_exchange_write_blocked(const http_exchange_t *ex)
{
    return ex->over_high_water;
}

int http_exchange_finish(http_exchange_t *ex)
{
    conn_t *c = ex->c;
    if (!ex->head_sent || ex->finished) return -EINVAL;
    if (ex->resp_remaining > 0) {
        /* Fewer bytes than announced: the client must not take this as complete. */
        http_exchange_abort(ex);
        return -EPIPE;
    }
    ex->finished = true;
    if (ex->resp_chunked) queue_bytes(c, "0\r\n\r\n", 5);
    if (ex->resp_close_delimited) c->close_after = true;
    exchange_complete(ex);
    return 0;
}

void http_exchange_abort(http_exchange_t *ex)
{
    conn_close(ex->c);
}

int http_exchange_respond(http_exchange_t *ex, int status, const char *content_type,
                          const char *body, size_t len)
{
    http_header_t h[1];
    size_t n = 0;
    if (content_type) h[n++] = (http_header_t){SLICE_LIT("Content-Type"), slice_from_cstr(content_type)};
    http_response_head_t head = {status, NULL, h, n, (int64_t)len};
    int rc = http_exchange_send_head(ex, &head);
    if (rc < 0) return rc;
    rc = http_exchange_send_body(ex, body, len);
    if (rc < 0) return rc;
    return http_exchange_finish(ex);
}

int http_exchange_respond_error(http_exchange_t *ex, int status, const char *message)
{
    buf_t b;
    buf_init(&b);
    int rc = http_response_error_json(&b, status, message);
    if (rc == 0) rc = http_exchange_respond(ex, status, "application/json", b.data, b.len);
    buf_free(&b);
    return rc;
}

/* ---- reading and parsing ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *out)
{
    (void)suggested;
    conn_t *c = h->data;
    if (c->tls) {
        *out = uv_buf_init(c->srv->tls_scratch, READ_CHUNK);
        return;
    }
    if (conn_reserve_in(c, c->ex ? READ_CHUNK : IN_INITIAL) < 0) {
        *out = uv_buf_init(NULL, 0);
        return;
    }
    *out = uv_buf_init(c->in.data + c->in.len, (unsigned)(c->in.cap - c->in.len));
}

/* Room for at least `want / 2` more bytes in `in`. The active request's slices point into
 * `in`: they move along with it. */
static int conn_reserve_in(conn_t *c, size_t want)
{
    if (c->in.cap - c->in.len >= want / 2) return 0;
    const char *old = c->in.data;
    if (buf_reserve(&c->in, want) < 0) return -1;
    if (c->ex && old && old != c->in.data) request_rebase(&c->ex->req, old, c->in.data);
    return 0;
}

/* Sends what the engine queued after a failure (its alert) without waiting: the
 * connection closes right after. */
static void conn_tls_send_alert(conn_t *c)
{
    buf_t wire;
    buf_init(&wire);
    if (http_tls_take_output(c->tls, &wire) == 0 && wire.len && !c->out.inflight) {
        uv_buf_t b = uv_buf_init(wire.data, (unsigned)wire.len);
        (void)uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    }
    buf_free(&wire);
}

/* Decrypts one read of ciphertext into `in`. Returns the plaintext bytes added, or -1
 * when the connection was closed (TLS failure or close_notify). */
static ssize_t conn_tls_input(conn_t *c, const char *data, size_t len)
{
    size_t before = c->in.len;
    if (http_tls_feed(c->tls, data, len) < 0) {
        conn_close(c);
        return -1;
    }
    for (;;) {
        if (conn_reserve_in(c, c->ex ? READ_CHUNK : IN_INITIAL) < 0) {
            conn_close(c);
            return -1;
        }
        int n = http_tls_read(c->tls, c->in.data + c->in.len, c->in.cap - c->in.len);
        if (n > 0) {
            c->in.len += (size_t)n;
            continue;
        }
        if (n == 0) break;
        if (n == HTTP_TLS_EOF) {
            c->peer_eof = true;
        } else {
            log_debug("http: TLS from %s: %s", c->peer_ip, http_tls_error(c->tls));
            conn_tls_send_alert(c);
        }
        conn_close(c);
        return -1;
    }
    /* Handshake messages and session tickets leave with this iteration's flush. */
    schedule(c);
    return (ssize_t)(c->in.len - before);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *b)
{
    conn_t *c = stream->data;
    if (c->tls && nread > 0) {
        nread = conn_tls_input(c, b->base, (size_t)nread);
        if (nread <= 0) return;
        c->last_progress_ms = uv_now(c->srv->loop);
        conn_process(c);
        return;
    }
    if (nread == UV_ENOBUFS) {
        conn_close(c);
        return;
    }
    if (nread < 0) {
        if (nread == UV_EOF) {
            /* Without an exchange: the client is done. With one: the client left before
             * its answer (the vendor's ClientConnectionFailure, spec §4.6); as nginx does
             * (499), stop working for it rather than guess a half-close. */
            c->peer_eof = true;
            conn_close(c);
            return;
        }
        conn_close(c);
        return;
    }
    if (nread == 0) return;
    c->in.len += (size_t)nread;
    c->last_progress_ms = uv_now(c->srv->loop);
    conn_process(c);
}

static bool conn_wants_read(const conn_t *c)
{
    if (c->closing || c->peer_eof) return false;
    http_exchange_t *ex = c->ex;
    if (!ex) return c->in.len - c->pos < c->srv->opts.limits.max_header_bytes + READ_CHUNK;
    if (ex->body_kind != BODY_NONE && !ex->body_done)
        return ex->body_requested && !ex->body_paused && c->pos == c->in.len;
    /* Body complete: read ahead a little (pipelined requests; notice the client leaving). */
    return c->in.len - c->pos < IN_INITIAL;
}

static void conn_update_reading(conn_t *c)
{
    if (c->closing || c->lingering) return;
    bool want = conn_wants_read(c);
    if (want == c->reading) return;
    c->reading = want;
    if (want) uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    else uv_read_stop((uv_stream_t *)&c->tcp);
}

/* Delivers request body bytes already in `in`. */
static void exchange_deliver_body(http_exchange_t *ex)
{
    conn_t *c = ex->c;
    http_server_t *s = c->srv;
    while (!c->closing && c->ex == ex && !ex->body_done && !ex->body_paused && c->pos < c->in.len) {
        size_t pos_before = c->pos;
        const char *p = c->in.data + c->pos;
        size_t avail = c->in.len - c->pos;
        const char *data = NULL;
        size_t data_len = 0;
        if (ex->body_kind == BODY_LENGTH) {
            data = p;
            data_len = avail < ex->body_remaining ? avail : (size_t)ex->body_remaining;
            c->pos += data_len;
            ex->body_remaining -= data_len;
            if (ex->body_remaining == 0) ex->body_done = true;
        } else {
            size_t consumed = 0;
            int r = http_chunked_decode(&ex->chunked, p, avail, &consumed, &data, &data_len);
            c->pos += consumed;
            if (r < 0) {
                bool head_sent = ex->head_sent;
                exchange_fail(ex);
                if (!head_sent) send_error_and_close(c, 400, "Invalid chunked request body");
                else conn_close(c);
                return;
            }
            if (r == HTTP_CHUNK_DONE) ex->body_done = true;
            if (r != HTTP_CHUNK_DATA) data_len = 0;
        }
        ex->bytes_in += c->pos - pos_before; /* raw body bytes, chunk framing included */
        if (data_len) {
            ex->body_total += data_len;
            if (s->opts.max_body_bytes && ex->body_total > s->opts.max_body_bytes) {
                bool head_sent = ex->head_sent;
                exchange_fail(ex);
                if (!head_sent) send_error_and_close(c, 413, "Request entity too large");
                else conn_close(c);
                return;
            }
            if (s->handler.on_body) s->handler.on_body(ex, data, data_len, s->ud);
        }
    }
    if (c->closing || c->ex != ex) return;
    if (c->pos == c->in.len && c->in.len > ex->req.head_len) {
        /* Everything after the head was consumed: read the next bytes right after it. */
        c->in.len = ex->req.head_len;
        c->pos = c->in.len;
    }
    if (ex->body_done && !ex->body_end_delivered) {
        ex->body_end_delivered = true;
        if (s->handler.on_body_end) s->handler.on_body_end(ex, s->ud);
    }
}

static void start_exchange(conn_t *c, const http_request_t *req)
{
    http_server_t *s = c->srv;
    /* Per request: the request's 100-entry header array (3.2 KB) is neither cleared nor
     * copied beyond header_count, the only entries anyone reads (parser.h). */
    bool recycled = s->spare_count > 0;
    http_exchange_t *ex = recycled ? s->spare[--s->spare_count] : malloc(sizeof *ex);
    if (!ex) {
        send_error_and_close(c, 503, "Service unavailable");
        return;
    }
    const size_t req_at = offsetof(http_exchange_t, req);
    const size_t headers_at = offsetof(http_request_t, headers);
    const size_t after_headers = headers_at + sizeof req->headers;
    memset(ex, 0, req_at);
    memcpy(&ex->req, req, headers_at);
    memcpy(ex->req.headers, req->headers, req->header_count * sizeof req->headers[0]);
    memcpy((char *)&ex->req + after_headers, (const char *)req + after_headers,
           sizeof *req - after_headers);
    /* The fields after the arena are cleared; a recycled exchange keeps its arena (reset,
     * with one chunk), a new one gets a fresh arena. */
    const size_t after_arena = offsetof(http_exchange_t, userdata);
    memset((char *)ex + after_arena, 0, sizeof *ex - after_arena);
    ex->c = c;
    if (!recycled) arena_init(&ex->arena, 4096);
    ex->start_ns = clock_mono_ns();
    ex->bytes_in = req->head_len;
    ex->bytes_out_start = c->out.written + conn_pending(c);
    ex->is_head = req->method_id == HTTP_METHOD_HEAD;
    ex->resp_remaining = -1;
    if (req->is_chunked) {
        ex->body_kind = BODY_CHUNKED;
        http_chunked_decoder_init(&ex->chunked);
    } else if (req->content_length > 0) {
        ex->body_kind = BODY_LENGTH;
        ex->body_remaining = (uint64_t)req->content_length;
    } else {
        ex->body_kind = BODY_NONE;
        ex->body_done = true;
    }
    c->ex = ex;
    c->pos = req->head_len;
    c->head_started_ms = 0;
    s->active++;
    conn_update_reading(c);
    if (s->handler.on_request) s->handler.on_request(ex, s->ud);
}

/* Runs whatever can run now: body delivery, or parsing of the next request. */
static void conn_process(conn_t *c)
{
    http_server_t *s = c->srv;
    if (c->closing || c->lingering) return;
    http_exchange_t *ex = c->ex;
    if (ex) {
        if (ex->body_requested) {
            exchange_deliver_body(ex);
            if (c->closing) return;
        }
        conn_update_reading(c);
        return;
    }
    if (c->close_after) return;
    size_t avail = c->in.len - c->pos;
    if (avail == 0) {
        if (c->peer_eof && conn_pending(c) == 0) conn_close(c);
        else conn_update_reading(c);
        return;
    }
    if (c->pos > 0) conn_compact(c);
    if (!c->head_started_ms) c->head_started_ms = uv_now(s->loop);
    http_request_t req;
    int r = http_parse_request(c->in.data, c->in.len, &s->opts.limits, &req);
    if (r == HTTP_PARSE_INCOMPLETE) {
        if (c->peer_eof) conn_close(c);
        else conn_update_reading(c);
        return;
    }
    if (r < 0) {
        send_error_and_close(c, http_error_status(r), http_error_message(r));
        return;
    }
    if (req.content_length >= 0 && s->opts.max_body_bytes &&
        (uint64_t)req.content_length > s->opts.max_body_bytes) {
        send_error_and_close(c, 413, "Request entity too large");
        return;
    }
    start_exchange(c, &req);
}

static void on_timer(uv_timer_t *t)
{
    conn_t *c = t->data;
    http_server_t *s = c->srv;
    uint64_t now = uv_now(s->loop); /* the loop's cached time: no clock read per event */
    if (c->closing || c->lingering) return;
    if (!c->ex) {
        if (c->head_started_ms && now - c->head_started_ms >= s->opts.header_timeout_ms) {
            send_error_and_close(c, 408, "Request timeout");
            uv_timer_start(&c->timer, on_timer, 1000, 0); /* give the 408 a moment to leave */
            return;
        }
        if (c->close_after) {
            conn_close(c);
            return;
        }
        if (!c->head_started_ms && now - c->last_progress_ms >= s->opts.idle_timeout_ms) {
            conn_close(c);
            return;
        }
    } else {
        http_exchange_t *ex = c->ex;
        bool stalled = now - c->last_progress_ms >= s->opts.idle_timeout_ms;
        bool reading_body = ex->body_requested && !ex->body_done && !ex->body_paused;
        if (stalled && (conn_pending(c) > 0 || reading_body)) {
            conn_close(c);
            return;
        }
    }
    uint64_t next = c->head_started_ms && !c->ex ? s->opts.header_timeout_ms : s->opts.idle_timeout_ms;
    if (next > 1000) next = 1000; /* coarse tick: a deadline is checked at least every second */
    uv_timer_start(&c->timer, on_timer, next, 0);
}

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

/* Moves every slice of `req` from a buffer at `old` to the same offsets at `new_base`. */
static void request_rebase(http_request_t *req, const char *old, const char *new_base)
{
#define REBASE(sl)                                                                          \
    do {                                                                                   \
        if ((sl).ptr) (sl).ptr = new_base + ((sl).ptr - old);                              \
    } while (0)
    REBASE(req->method);
    REBASE(req->target);
    REBASE(req->path);
    REBASE(req->query);
    REBASE(req->host);
    for (size_t i = 0; i < req->header_count; i++) {
        REBASE(req->headers[i].name);
        REBASE(req->headers[i].value);
    }
#undef REBASE
}

static void on_connection(uv_stream_t *listener, int status)
{
    http_server_t *s = listener->data;
    if (status < 0) return;
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
        c->closing = true;
        uv_close((uv_handle_t *)&c->timer, on_handle_closed);
        uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    if (s->tls_ctx) {
        c->tls = http_tls_new_server(s->tls_ctx);
        if (!c->tls) {
            c->closing = true;
            uv_close((uv_handle_t *)&c->timer, on_handle_closed);
            uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
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
    conn_update_reading(c);
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
        if (!c->ex && c->in.len == c->pos && conn_pending(c) == 0) conn_close(c);
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
    while (s->conns) conn_close(s->conns);
    s->handles_open += 2;
    uv_close((uv_handle_t *)&s->flush_check, on_server_handle_closed);
    uv_close((uv_handle_t *)&s->flush_idle, on_server_handle_closed);
    s->handles_open--; /* cannot reach 0 here: two closes are pending */
}
