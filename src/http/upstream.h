/* http_upstream: the client side toward backends, with a keep-alive pool per origin.
 *
 * - One pool per unit (per loop). Origins ("host:port") get a bounded list of idle
 *   keep-alive connections, each closed after the idle timeout or when the backend closes
 *   it (noticed while idle by a pending read).
 * - A request taken by a pooled connection that the backend had already closed (the
 *   connection fails before any response byte) is retried once on a fresh connection when
 *   the request is idempotent and its body (if any) is at most 64 KiB so far: those bytes
 *   are kept until the response starts and replayed (RFC 9112 §9.3.1).
 * - Host names are resolved on libuv's thread pool (uv_getaddrinfo) and cached for a few
 *   seconds per origin; IP literals are never resolved.
 * - Connect timeout and response timeout per request; the response timeout runs from the
 *   start of the request to the end of the response head, then as an idle timeout while
 *   the body streams.
 *
 * - https origins (spec.tls): TLS through http/tls.h with the pool's client context
 *   (upstream_pool_set_tls; the system's CA store when none was set), SNI and a name check
 *   on tls_server_name; an origin is its key plus its TLS settings.
 *
 * Callbacks never run inside upstream_request_start(). After on_done or on_error the
 * request is freed: drop the pointer. upstream_request_cancel() frees it without callbacks. */
#ifndef MERIDIAN_HTTP_UPSTREAM_H
#define MERIDIAN_HTTP_UPSTREAM_H

#include "http/parser.h"
#include "http/tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct upstream_pool upstream_pool_t;
typedef struct upstream_request upstream_request_t;

typedef enum {
    UPSTREAM_ERR_CONNECT = -1,      /* DNS failure, refused, unreachable, connect timeout */
    UPSTREAM_ERR_TIMEOUT = -2,      /* no response (head) within the response timeout */
    UPSTREAM_ERR_CLOSED = -3,       /* connection closed or reset before the response head */
    UPSTREAM_ERR_BAD_RESPONSE = -4, /* response head or body framing invalid */
    UPSTREAM_ERR_TRUNCATED = -5,    /* failed after the head: body cut short */
    UPSTREAM_ERR_NOMEM = -6,
    UPSTREAM_ERR_TLS = -7,          /* TLS handshake failed or the certificate was rejected
                                       (named BackendConnectionFailure, spec §1.5) */
} upstream_error_t;

const char *upstream_error_name(int err);

typedef struct {
    uint32_t connect_timeout_ms;   /* default 5000 */
    uint32_t idle_timeout_ms;      /* pooled connection lifetime when idle, default 60000 */
    uint32_t max_idle_per_origin;  /* default 256 */
    uint32_t dns_ttl_ms;           /* default 10000 */
    size_t write_high_water;       /* request body backpressure, default 256 KiB */
    http_limits_t limits;          /* response head limits */
} upstream_options_t;

void upstream_options_default(upstream_options_t *o);

upstream_pool_t *upstream_pool_new(uv_loop_t *loop, const upstream_options_t *opts);
void upstream_pool_set_options(upstream_pool_t *p, const upstream_options_t *opts);
/* The client context for https origins (referenced by the pool; NULL = drop it). Set it
 * before the first https request; connections already open keep theirs. */
void upstream_pool_set_tls(upstream_pool_t *p, http_tls_ctx_t *ctx);
/* Closes idle connections; active ones are closed as their requests end. Frees the pool
 * when the last connection has closed. */
void upstream_pool_close(upstream_pool_t *p);

typedef struct {
    /* Response head. Slices are valid only during the call. 1xx interim responses are
     * skipped. */
    void (*on_head)(upstream_request_t *r, const http_response_t *resp, void *ud);
    /* Decoded body bytes, valid only during the call. */
    void (*on_body)(upstream_request_t *r, const char *data, size_t len, void *ud);
    void (*on_done)(upstream_request_t *r, void *ud);
    void (*on_error)(upstream_request_t *r, int err, void *ud);
    /* Optional: request-body write queue fell back under half the high-water mark. */
    void (*on_drain)(upstream_request_t *r, void *ud);
} upstream_callbacks_t;

typedef struct {
    const char *host;        /* name or IP literal */
    uint16_t port;
    const char *origin_key;  /* "host:port": pool key */
    const char *head;        /* complete request head, ending with CRLF CRLF (copied) */
    size_t head_len;
    http_method_t method;
    bool has_body;           /* body bytes will follow via upstream_request_send_body */
    bool chunked_body;       /* encode them as chunks (the head says Transfer-Encoding) */
    uint32_t response_timeout_ms;
    /* https: TLS to the origin. tls_server_name (NULL = host) is sent as SNI and checked
     * against the certificate; the skip switches are the Backend resource's
     * tls.validateCertificateChain / validateCertificateName set to false. */
    bool tls;
    const char *tls_server_name;
    bool tls_skip_chain_check;
    bool tls_skip_name_check;
} upstream_request_spec_t;

upstream_request_t *upstream_request_start(upstream_pool_t *p, const upstream_request_spec_t *spec,
                                           const upstream_callbacks_t *cb, void *ud);
/* Queues request body bytes (copied; chunk-encoded when chunked_body). */
int upstream_request_send_body(upstream_request_t *r, const char *data, size_t len);
/* The request body is complete (writes the last chunk when chunked_body). */
int upstream_request_end_body(upstream_request_t *r);
size_t upstream_request_write_pending(const upstream_request_t *r);
bool upstream_request_over_high_water(const upstream_request_t *r);
/* Backpressure on the response body. */
void upstream_request_pause_response(upstream_request_t *r);
void upstream_request_resume_response(upstream_request_t *r);
/* Abandons the request (the client went away): its connection is closed; no callback. */
void upstream_request_cancel(upstream_request_t *r);
/* Milliseconds from start to the response head (0 before it). */
uint64_t upstream_request_head_ms(const upstream_request_t *r);

/* Per-origin connection counts, for metrics. */
typedef void (*upstream_origin_cb)(const char *origin_key, size_t idle, size_t active, void *ud);
void upstream_pool_foreach_origin(const upstream_pool_t *p, upstream_origin_cb cb, void *ud);

#endif
