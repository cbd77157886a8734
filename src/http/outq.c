#include "http/outq.h"

#include "http/tls.h"

#include <stdlib.h>

void http_outq_init(http_outq_t *q, uv_stream_t *stream, http_outq_cb on_written, void *owner)
{
    buf_init(&q->pending);
    q->inflight = 0;
    q->inflight_data = NULL;
    q->req.data = q;
    q->stream = stream;
    q->on_written = on_written;
    q->owner = owner;
    q->written = 0;
    q->tls = NULL;
    buf_init(&q->wire);
}

void http_outq_set_tls(http_outq_t *q, struct http_tls *tls)
{
    q->tls = tls;
}

void http_outq_free(http_outq_t *q)
{
    buf_free(&q->pending);
    buf_free(&q->wire);
    free(q->inflight_data);
    q->inflight_data = NULL;
    q->inflight = 0;
}

int http_outq_append(http_outq_t *q, const void *data, size_t len)
{
    return buf_append(&q->pending, data, len) < 0 ? UV_ENOMEM : 0;
}

static void on_write(uv_write_t *req, int status)
{
    http_outq_t *q = req->data;
    free(q->inflight_data);
    q->inflight_data = NULL;
    if (status == 0 && !q->tls) q->written += q->inflight;
    q->inflight = 0;
    if (q->on_written) q->on_written(q, status);
}

/* TLS: plaintext in `pending` becomes ciphertext in `wire` (once the handshake is done),
 * along with whatever the engine has to send by itself. */
static int outq_encrypt(http_outq_t *q)
{
    int n = q->pending.len ? http_tls_write(q->tls, q->pending.data, q->pending.len)
                           : http_tls_handshake(q->tls);
    if (n < 0) return n == HTTP_TLS_ERR_NOMEM ? UV_ENOMEM : UV_EPROTO;
    if (q->pending.len && n > 0) {
        q->written += (uint64_t)n;
        buf_consume(&q->pending, (size_t)n);
    }
    return http_tls_take_output(q->tls, &q->wire) < 0 ? UV_ENOMEM : 0;
}

int http_outq_flush(http_outq_t *q)
{
    buf_t *out = &q->pending;
    if (q->tls) {
        int rc = outq_encrypt(q);
        if (rc < 0) return rc;
        out = &q->wire;
    }
    if (q->inflight || out->len == 0) return 0;
    uv_buf_t b = uv_buf_init(out->data, (unsigned)out->len);
    int n = uv_try_write(q->stream, &b, 1);
    if (n == UV_EAGAIN) n = 0;
    if (n < 0) return n;
    if (!q->tls) q->written += (uint64_t)n;
    if ((size_t)n == out->len) {
        out->len = 0;
        return 0;
    }
    q->inflight_data = out->data;
    q->inflight = out->len - (size_t)n;
    uv_buf_t rest = uv_buf_init(out->data + n, (unsigned)q->inflight);
    buf_init(out);
    int rc = uv_write(&q->req, q->stream, &rest, 1, on_write);
    if (rc < 0) {
        free(q->inflight_data);
        q->inflight_data = NULL;
        q->inflight = 0;
        return rc;
    }
    return 0;
}
