/* http_outq: the write side of a libuv stream. Bytes are appended (copied) and flushed with
 * uv_try_write; what the socket does not take is handed to uv_write without another copy
 * (the buffer itself moves to the write request). At most one uv_write is in flight. */
#ifndef MERIDIAN_HTTP_OUTQ_H
#define MERIDIAN_HTTP_OUTQ_H

#include "base/buf.h"

#include <stdbool.h>
#include <uv.h>

typedef struct http_outq http_outq_t;

/* Called when the in-flight write ended: status 0 or a negative libuv error. */
typedef void (*http_outq_cb)(http_outq_t *q, int status);

struct http_outq {
    buf_t pending;      /* appended, not yet handed to the kernel or uv_write */
    size_t inflight;    /* bytes in the uv_write in progress */
    char *inflight_data;
    uv_write_t req;
    uv_stream_t *stream;
    http_outq_cb on_written;
    void *owner;
    uint64_t written;   /* total bytes the kernel accepted */
};

void http_outq_init(http_outq_t *q, uv_stream_t *stream, http_outq_cb on_written, void *owner);
/* Frees buffers. Call only after the stream is closed (an in-flight write's buffer is
 * released here, after libuv cancelled it). */
void http_outq_free(http_outq_t *q);
int http_outq_append(http_outq_t *q, const void *data, size_t len);
/* Writes what it can now. Returns 0 or a negative libuv error (the stream is broken). */
int http_outq_flush(http_outq_t *q);
static inline size_t http_outq_size(const http_outq_t *q)
{
    return q->pending.len + q->inflight;
}

#endif
