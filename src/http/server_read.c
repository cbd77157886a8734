/* http_server, the input side: reading from the client (plain, or ciphertext decrypted
 * through http/tls.h into the same buffer), whether to read at all (backpressure, limits),
 * parsing request heads and delivering request bodies (Content-Length or chunked). The
 * request's slices point into the connection's read buffer: when the buffer grows they are
 * moved with it (request_rebase). */
#include "http/server_internal.h"

#include "base/buf.h"
#include "base/log.h"

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

/* The read buffer moved from `old` (it grew): the active request's slices move with it. */
static void conn_in_moved(conn_t *c, const char *old)
{
    if (c->ex && old && old != c->in.data) request_rebase(&c->ex->req, old, c->in.data);
}

/* How much `in` grows by for a read: a whole chunk while a body streams, less for heads. */
static size_t conn_read_size(const conn_t *c)
{
    return c->ex ? READ_CHUNK : IN_INITIAL;
}

/* Drops the head and consumed body bytes of the finished exchange from `in`. */
void http_server__conn_compact(conn_t *c)
{
    buf_consume(&c->in, c->pos);
    c->pos = 0;
    if (c->in.len == 0 && c->in.cap > 2 * IN_INITIAL) buf_free(&c->in);
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *out)
{
    (void)suggested;
    conn_t *c = h->data;
    if (c->tls) {
        *out = uv_buf_init(c->srv->tls_scratch, READ_CHUNK);
        return;
    }
    /* Room for at least half a read's worth more bytes in `in`. */
    size_t want = conn_read_size(c);
    if (c->in.cap - c->in.len < want / 2) {
        const char *old = c->in.data;
        if (buf_reserve(&c->in, want) < 0) {
            *out = uv_buf_init(NULL, 0);
            return;
        }
        conn_in_moved(c, old);
    }
    *out = uv_buf_init(c->in.data + c->in.len, (unsigned)(c->in.cap - c->in.len));
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
    const char *old = c->in.data;
    int rc = http_tls_decrypt(c->tls, data, len, &c->in, conn_read_size(c));
    conn_in_moved(c, old); /* before any close: on_complete may still read the request */
    if (rc == 0) {
        /* Handshake messages and session tickets leave with this iteration's flush. */
        http_server__schedule(c);
        return (ssize_t)(c->in.len - before);
    }
    if (rc == HTTP_TLS_EOF) {
        c->peer_eof = true;
    } else if (rc != HTTP_TLS_ERR_NOMEM) {
        /* Out of memory there is no alert to build nor anything worth logging per peer. */
        log_debug("http: TLS from %s: %s", c->peer_ip, http_tls_error(c->tls));
        conn_tls_send_alert(c);
    }
    http_server__conn_close(c);
    return -1;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *b)
{
    conn_t *c = stream->data;
    if (c->tls && nread > 0) {
        nread = conn_tls_input(c, b->base, (size_t)nread);
        if (nread <= 0) return;
        c->last_progress_ms = uv_now(c->srv->loop);
        http_server__conn_process(c);
        return;
    }
    if (nread == UV_ENOBUFS) {
        http_server__conn_close(c);
        return;
    }
    if (nread < 0) {
        if (nread == UV_EOF) {
            /* Without an exchange: the client is done. With one: the client left before
             * its answer (the vendor's ClientConnectionFailure, spec §4.6); as nginx does
             * (499), stop working for it rather than guess a half-close. */
            c->peer_eof = true;
            http_server__conn_close(c);
            return;
        }
        http_server__conn_close(c);
        return;
    }
    if (nread == 0) return;
    c->in.len += (size_t)nread;
    c->last_progress_ms = uv_now(c->srv->loop);
    http_server__conn_process(c);
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

void http_server__conn_update_reading(conn_t *c)
{
    if (c->closing || c->lingering) return;
    bool want = conn_wants_read(c);
    if (want == c->reading) return;
    c->reading = want;
    if (want) uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    else uv_read_stop((uv_stream_t *)&c->tcp);
}

/* The request body cannot be taken (bad chunk framing, over the size limit): the exchange
 * fails and the client gets the error unless the handler already answered, in which case
 * the stream can only be cut. */
static void exchange_refuse_body(http_exchange_t *ex, int status, const char *message)
{
    conn_t *c = ex->c;
    bool head_sent = ex->head_sent;
    http_server__exchange_fail(ex);
    if (!head_sent) http_server__send_error_and_close(c, status, message);
    else http_server__conn_close(c);
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
                exchange_refuse_body(ex, 400, "Invalid chunked request body");
                return;
            }
            if (r == HTTP_CHUNK_DONE) ex->body_done = true;
            if (r != HTTP_CHUNK_DATA) data_len = 0;
        }
        ex->bytes_in += c->pos - pos_before; /* raw body bytes, chunk framing included */
        if (data_len) {
            ex->body_total += data_len;
            if (s->opts.max_body_bytes && ex->body_total > s->opts.max_body_bytes) {
                exchange_refuse_body(ex, 413, "Request entity too large");
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

/* Runs whatever can run now: body delivery, or parsing of the next request. */
void http_server__conn_process(conn_t *c)
{
    http_server_t *s = c->srv;
    if (c->closing || c->lingering) return;
    http_exchange_t *ex = c->ex;
    if (ex) {
        if (ex->body_requested) {
            exchange_deliver_body(ex);
            if (c->closing) return;
        }
        http_server__conn_update_reading(c);
        return;
    }
    if (c->close_after) return;
    size_t avail = c->in.len - c->pos;
    if (avail == 0) {
        if (c->peer_eof && http_server__conn_pending(c) == 0) http_server__conn_close(c);
        else http_server__conn_update_reading(c);
        return;
    }
    if (c->pos > 0) http_server__conn_compact(c);
    if (!c->head_started_ms) c->head_started_ms = uv_now(s->loop);
    http_request_t req;
    int r = http_parse_request(c->in.data, c->in.len, &s->opts.limits, &req);
    if (r == HTTP_PARSE_INCOMPLETE) {
        if (c->peer_eof) http_server__conn_close(c);
        else http_server__conn_update_reading(c);
        return;
    }
    if (r < 0) {
        http_server__send_error_and_close(c, http_error_status(r), http_error_message(r));
        return;
    }
    if (req.content_length >= 0 && s->opts.max_body_bytes &&
        (uint64_t)req.content_length > s->opts.max_body_bytes) {
        http_server__send_error_and_close(c, 413, "Request entity too large");
        return;
    }
    http_server__start_exchange(c, &req);
}
