/* http_outq: the write side of a libuv stream. Bytes are appended (copied) and flushed with
 * uv_try_write; what the socket does not take is handed to uv_write without another copy
 * (the buffer itself moves to the write request). At most one uv_write is in flight.
 *
 * With a TLS engine attached (http_outq_set_tls), `pending` holds plaintext: a flush
 * encrypts it into `wire` and writes that; a flush also sends what the engine produced by
 * itself (handshake messages, alerts). Without one, `wire` stays empty and unused. */
#ifndef MERIDIAN_HTTP_OUTQ_H
#define MERIDIAN_HTTP_OUTQ_H

#include "base/buf.h"

#include <stdbool.h>
#include <uv.h>

typedef struct http_outq http_outq_t;
struct http_tls;

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
    uint64_t written;   /* total bytes the kernel accepted (with TLS: plaintext bytes
                           encrypted) */
    struct http_tls *tls; /* NULL: plain stream; borrowed, the owner frees it */
    buf_t wire;           /* TLS: ciphertext not yet written */
};

void http_outq_init(http_outq_t *q, uv_stream_t *stream, http_outq_cb on_written, void *owner);
/* Frees buffers. Call only after the stream is closed (an in-flight write's buffer is
 * released here, after libuv cancelled it). */
void http_outq_free(http_outq_t *q);
int http_outq_append(http_outq_t *q, const void *data, size_t len);
/* Puts a TLS engine between the queue and the stream (before anything is appended). */
void http_outq_set_tls(http_outq_t *q, struct http_tls *tls);
/* Writes what it can now. Returns 0, a negative libuv error (the stream is broken) or,
 * with TLS, UV_EPROTO when the engine failed (http_tls_error() says why). */
int http_outq_flush(http_outq_t *q);
static inline size_t http_outq_size(const http_outq_t *q)
{
    return q->pending.len + q->inflight + q->wire.len;
}

#endif
