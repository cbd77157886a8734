/* http_upstream, the bytes on the wire: the request's write queue and its drain signal,
 * reads (plain, or ciphertext decrypted through http/tls.h into the same buffer), and
 * decoding the response: interim responses skipped, the head handed over, the body
 * delivered by Content-Length, chunks or until close. */
#include "http/upstream_internal.h"

#include "base/log.h"

/* ---- writing ---- */

/* Tells the request its body may flow again once the write queue fell under half the
 * high-water mark. Called after every flush: a flush that empties the queue at once
 * (uv_try_write took it all) gets no write callback. */
void upstream__conn_check_drain(upconn_t *c)
{
    upstream_request_t *r = c->req;
    if (!r || !r->want_drain || http_outq_size(&c->out) > c->pool->opts.write_high_water / 2) return;
    r->want_drain = false;
    if (!r->cb.on_drain) return;
    r->busy++;
    r->cb.on_drain(r, r->ud);
    r->busy--;
    if (r->cancelled && !r->busy) upstream__request_free(r);
}

void upstream__on_written(http_outq_t *q, int status)
{
    upconn_t *c = q->owner;
    if (c->closing) return;
    upstream_request_t *r = c->req;
    if (status < 0) {
        if (r) upstream__request_fail(r, upstream__lost_error(r));
        else upstream__conn_close(c);
        return;
    }
    if (http_outq_flush(&c->out) < 0) {
        upstream__conn_close(c);
        return;
    }
    upstream__conn_check_drain(c);
}

/* ---- reading ---- */

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

/* Decrypts one read of ciphertext into `in` and sends what the engine answers (handshake
 * messages; the request once the handshake is done). Returns the plaintext bytes added,
 * UV_EOF on close_notify, UV_ENOMEM, or UV_EPROTO when TLS failed (the reason is logged). */
static ssize_t conn_tls_input(upconn_t *c, const char *data, size_t len)
{
    size_t before = c->in.len;
    int rc = http_tls_decrypt(c->tls, data, len, &c->in, READ_CHUNK);
    if (rc == HTTP_TLS_EOF) return c->in.len > before ? (ssize_t)(c->in.len - before) : UV_EOF;
    /* Out of memory is not the backend's TLS failing: it ends like a broken connection. */
    if (rc == HTTP_TLS_ERR_NOMEM) return UV_ENOMEM;
    if (rc < 0 || http_outq_flush(&c->out) < 0) {
        log_warn("upstream: TLS to %s: %s", c->origin->key, http_tls_error(c->tls));
        return UV_EPROTO;
    }
    upstream__conn_check_drain(c);
    return (ssize_t)(c->in.len - before);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    upconn_t *c = s->data;
    if (c->tls && nread > 0) {
        nread = conn_tls_input(c, b->base, (size_t)nread);
        if (c->closing || nread == 0) return;
        if (nread == UV_EPROTO) {
            upstream_request_t *r = c->req;
            if (r) upstream__request_fail(r, r->head_received ? UPSTREAM_ERR_TRUNCATED : UPSTREAM_ERR_TLS);
            else upstream__conn_close(c);
            return;
        }
    }
    if (nread < 0) {
        /* A paused request may still hold undelivered bytes: leave the end of the stream
         * for after the resume (reading again reports EOF again; an error reads as EOF). */
        if (c->req && c->req->paused) {
            upstream__conn_set_reading(c, false);
            return;
        }
        upstream__conn_on_eof_or_error(c, nread == UV_EOF);
        return;
    }
    if (nread == 0) return;
    if (!c->tls) c->in.len += (size_t)nread; /* TLS: conn_tls_input appended the plaintext */
    if (!c->req) {
        upstream__conn_close(c); /* bytes on an idle connection: the backend is confused */
        return;
    }
    if (c->req->head_received && !c->req->paused)
        uv_timer_start(&c->timer, upstream__on_conn_timer, c->req->response_timeout_ms, 0);
    upstream__conn_process(c);
}

void upstream__conn_set_reading(upconn_t *c, bool want)
{
    if (c->closing || !c->connected || want == c->reading) return;
    c->reading = want;
    if (want) uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    else uv_read_stop((uv_stream_t *)&c->tcp);
}

/* ---- the response ---- */

/* Parses the response head and delivers body bytes buffered in c->in. */
void upstream__conn_process(upconn_t *c)
{
    upstream_request_t *r = c->req;
    if (!r) {
        upstream__conn_set_reading(c, true);
        return;
    }
    while (!r->head_received) {
        http_response_t resp;
        int n = http_parse_response(c->in.data, c->in.len, &c->pool->opts.limits, &resp);
        if (n == HTTP_PARSE_INCOMPLETE) {
            upstream__conn_set_reading(c, true);
            return;
        }
        if (n < 0 || resp.status == 101) {
            upstream__request_fail(r, UPSTREAM_ERR_BAD_RESPONSE);
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
        uv_timer_start(&c->timer, upstream__on_conn_timer, r->response_timeout_ms, 0);
        r->busy++;
        r->cb.on_head(r, &resp, r->ud);
        r->busy--;
        if (r->cancelled) {
            upstream__request_release(r);
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
                upstream__request_fail(r, UPSTREAM_ERR_TRUNCATED);
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
                upstream__request_release(r);
                return;
            }
            if (r->finished) return;
        }
    }
    buf_consume(&c->in, pos);
    if (complete) {
        /* Bytes after a complete response on a keep-alive connection: not ours to guess. */
        if (c->in.len) r->response_keep_alive = false;
        upstream__request_done(r);
        return;
    }
    upstream__conn_set_reading(c, !r->paused);
}
