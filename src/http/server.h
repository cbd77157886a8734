/* http_server: HTTP/1.1 server connections on a libuv loop.
 *
 * The server accepts connections, parses request heads with http_parser (strict,
 * zero-copy), decodes request bodies (Content-Length or chunked) and writes responses,
 * with keep-alive, pipelining (requests on one connection are handled one after another,
 * in order), Expect: 100-continue, HEAD (body bytes suppressed), Connection: close, and
 * backpressure both ways. It knows nothing about APIs: an http_handler_t decides what to
 * answer. The gateway's proxy, the demo backend and later the management API use it.
 *
 * Lifecycle of an exchange (one request and its response):
 *   on_request(ex)            head parsed; request slices stay valid until on_complete
 *   on_body(ex, data, len)*   decoded body bytes, only after http_exchange_read_body();
 *                             data is valid only during the callback (copy it)
 *   on_body_end(ex)           request body complete (also for requests with no body)
 *   on_complete(ex, ok)       the exchange is over: response fully written (ok=true) or the
 *                             connection failed/closed first (ok=false). After it returns
 *                             the exchange is freed; the handler must drop its pointer.
 * Callbacks never run inside the call that caused them (libuv rule, STYLE.md), except
 * on_complete, which runs inside http_exchange_finish()/respond*() (ok=true) and inside
 * http_exchange_abort() or a failing call (ok=false): after those calls the exchange may
 * be gone, so touch nothing that lives in its arena.
 *
 * Rejections by the server itself (parse errors, limits, timeouts) answer with the
 * spec's JSON error body {"statusCode":N,"message":"..."} (apim-gateway.md §4.6) and close
 * the connection when the stream can no longer be trusted; the handler never sees them. */
#ifndef MERIDIAN_HTTP_SERVER_H
#define MERIDIAN_HTTP_SERVER_H

#include "base/arena.h"
#include "http/parser.h"
#include "http/tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct http_server http_server_t;
typedef struct http_exchange http_exchange_t;

typedef struct {
    void (*on_request)(http_exchange_t *ex, void *ud);
    void (*on_body)(http_exchange_t *ex, const char *data, size_t len, void *ud);
    void (*on_body_end)(http_exchange_t *ex, void *ud);
    void (*on_complete)(http_exchange_t *ex, bool ok, void *ud);
    /* Optional: the response write queue fell back under the low-water mark after
     * http_exchange_write_pending() reported it over the high-water mark. */
    void (*on_drain)(http_exchange_t *ex, void *ud);
} http_handler_t;

typedef struct {
    http_limits_t limits;
    uint64_t max_body_bytes;      /* 413 above; 0 = no limit */
    uint32_t header_timeout_ms;   /* first byte of a request to end of its head: 408 + close */
    uint32_t idle_timeout_ms;     /* keep-alive idle, and no progress while reading a body
                                     or writing a response: close */
    size_t write_high_water;      /* http_exchange_write_pending() > this: stop producing */
    const char *server_header;    /* value of Server on generated responses, NULL = none */
    /* Open client connections at most; past it a new client gets a canned 503 (Connection:
     * close) and is closed, so that requests already accepted always find a descriptor
     * for their backend connection. 0 = no cap. Default: three quarters of the process's
     * descriptor limit (RLIMIT_NOFILE, as raised by base/fdlimit.h). */
    size_t max_connections;
} http_server_options_t;

/* Defaults: http_default_limits, 4 GiB body, 10 s, 75 s, 256 KiB, NULL, 3/4 of the
 * descriptor limit. */
void http_server_options_default(http_server_options_t *o);

/* Creates a server on `loop` listening on `addr` ("host:port", "[v6]:port").
 * reuse_port sets SO_REUSEPORT so several units can share the address.
 * Returns 0 or a negative libuv error; on success *out is set. */
int http_server_listen(uv_loop_t *loop, const char *addr, bool reuse_port,
                       const http_server_options_t *opts, const http_handler_t *handler,
                       void *ud, http_server_t **out);

/* Changes options for connections accepted and requests parsed from now on. */
void http_server_set_options(http_server_t *s, const http_server_options_t *opts);
/* Connections accepted from now on speak TLS with `ctx` (a server context, referenced
 * by the server); NULL goes back to plain HTTP. Returns 0 or UV_ENOMEM. */
int http_server_set_tls(http_server_t *s, http_tls_ctx_t *ctx);

/* Stops accepting (closes the listener). Existing connections go on; idle keep-alive
 * connections are closed, busy ones get "Connection: close" on their current response. */
void http_server_stop_accepting(http_server_t *s);
/* Number of open client connections / exchanges in progress. */
size_t http_server_connection_count(const http_server_t *s);
size_t http_server_active_exchanges(const http_server_t *s);
/* Closes every connection at once and frees the server (after stop_accepting). The
 * close completes on the loop; on_complete(ok=false) is called for exchanges in flight. */
void http_server_close(http_server_t *s);

/* ---- exchange ---- */

const http_request_t *http_exchange_request(const http_exchange_t *ex);
/* Per-exchange arena, freed when the exchange completes. */
arena_t *http_exchange_arena(http_exchange_t *ex);
/* The peer's IP address as text ("127.0.0.1", "::1"). */
const char *http_exchange_peer_ip(const http_exchange_t *ex);
uint64_t http_exchange_start_ns(const http_exchange_t *ex);
uint64_t http_exchange_bytes_in(const http_exchange_t *ex);  /* head + body bytes read */
uint64_t http_exchange_bytes_out(const http_exchange_t *ex); /* bytes written */
int http_exchange_status(const http_exchange_t *ex);         /* status sent, 0 if none yet */
/* True on a TLS connection (an https request); the SNI name the client sent, or NULL. */
bool http_exchange_is_tls(const http_exchange_t *ex);
const char *http_exchange_tls_sni(const http_exchange_t *ex);
void http_exchange_set_userdata(http_exchange_t *ex, void *p);
void *http_exchange_userdata(const http_exchange_t *ex);

/* Starts delivering the request body through on_body/on_body_end. Sends
 * "100 Continue" first when the client asked for it (RFC 9110 §10.1.1). */
void http_exchange_read_body(http_exchange_t *ex);
/* Backpressure on the request body: stop/restart reading from the client. */
void http_exchange_pause_body(http_exchange_t *ex);
void http_exchange_resume_body(http_exchange_t *ex);

typedef struct {
    int status;
    const char *reason;               /* NULL = standard phrase */
    const http_header_t *headers;     /* end-to-end headers only: the server adds framing
                                         (Content-Length / Transfer-Encoding), Connection
                                         and Date */
    size_t header_count;
    int64_t content_length;           /* >= 0: exactly that many body bytes will follow;
                                         -1: length unknown: chunked to HTTP/1.1 clients,
                                         close-delimited to HTTP/1.0 clients */
} http_response_head_t;

/* Writes the response head. Returns 0 or a negative error (the exchange is then failed). */
int http_exchange_send_head(http_exchange_t *ex, const http_response_head_t *head);
/* Queues body bytes (copied). Suppressed for HEAD. */
int http_exchange_send_body(http_exchange_t *ex, const char *data, size_t len);
/* Ends the response (terminal chunk when chunked). When the request body has not been
 * read to its end, the connection is closed after the response instead of kept alive. */
int http_exchange_finish(http_exchange_t *ex);
/* Bytes queued for writing to the client and not yet written. */
size_t http_exchange_write_pending(const http_exchange_t *ex);
/* True once the write queue passed the high-water mark: stop producing until on_drain. */
bool http_exchange_write_blocked(const http_exchange_t *ex);
/* Marks the connection to close after this exchange (adds Connection: close if the head
 * is not sent yet). */
void http_exchange_close_after(http_exchange_t *ex);
/* Aborts: closes the connection without completing the response (e.g. the upstream died
 * mid-response: the client must see a truncated message, not a complete one). */
void http_exchange_abort(http_exchange_t *ex);

/* Whole response in one call: head with Content-Length, body, finish. */
int http_exchange_respond(http_exchange_t *ex, int status, const char *content_type,
                          const char *body, size_t len);
/* The spec's error body: {"statusCode":N,"message":"..."} (apim-gateway.md §4.6);
 * status >= 500 adds "activityId" (a random GUID). */
int http_exchange_respond_error(http_exchange_t *ex, int status, const char *message);

/* Standard reason phrase ("OK", "Not Found"...). */
const char *http_status_reason(int status);

#endif
