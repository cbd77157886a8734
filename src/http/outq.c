#include "http/outq.h"

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
}

void http_outq_free(http_outq_t *q)
{
    buf_free(&q->pending);
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
    if (status == 0) q->written += q->inflight;
    q->inflight = 0;
    if (q->on_written) q->on_written(q, status);
}

int http_outq_flush(http_outq_t *q)
{
    if (q->inflight || q->pending.len == 0) return 0;
    uv_buf_t b = uv_buf_init(q->pending.data, (unsigned)q->pending.len);
    int n = uv_try_write(q->stream, &b, 1);
    if (n == UV_EAGAIN) n = 0;
    if (n < 0) return n;
    q->written += (uint64_t)n;
    if ((size_t)n == q->pending.len) {
        q->pending.len = 0;
        return 0;
    }
    q->inflight_data = q->pending.data;
    q->inflight = q->pending.len - (size_t)n;
    uv_buf_t rest = uv_buf_init(q->pending.data + n, (unsigned)q->inflight);
    buf_init(&q->pending);
    int rc = uv_write(&q->req, q->stream, &rest, 1, on_write);
    if (rc < 0) {
        free(q->inflight_data);
        q->inflight_data = NULL;
        q->inflight = 0;
        return rc;
    }
    return 0;
}
