/* http_upstream internals: the structs and helpers shared by the pieces of the upstream
 * client. Included only by src/http/upstream*.c; the contract for everyone else is
 * upstream.h.
 *
 * The client is one module (prefix upstream, internal helpers upstream__) in three files,
 * one concern each:
 *   upstream.c          the pool, its origins and idle lists, opening (resolve, connect,
 *                       TLS engine), timing out and closing connections
 *   upstream_request.c  a request from start to end: the public upstream_request_* API,
 *                       request bodies and replay, done / failed / retried once
 *   upstream_io.c       the bytes on the wire: write drain, reads (plain or TLS), response
 *                       head and body decoding
 *
 * Ownership: a request and its connection point at each other while attached
 * (upstream__request_detach cuts both links). A request inside one of its callbacks has
 * busy > 0: ending it then only marks it (cancelled) and the code that called the callback
 * frees it when the callback returns. */
#ifndef MERIDIAN_HTTP_UPSTREAM_INTERNAL_H
#define MERIDIAN_HTTP_UPSTREAM_INTERNAL_H

#include "base/buf.h"
#include "http/outq.h"
#include "http/tls.h"
#include "http/upstream.h"

#define ORIGIN_BUCKETS 256
#define READ_CHUNK (64 * 1024)

typedef struct upconn upconn_t;

typedef struct origin {
    struct origin *next; /* hash chain */
    char *key;
    char *host;
    uint16_t port;
    bool is_literal;
    struct sockaddr_storage addr;
    bool has_addr;
    uint64_t addr_expires_ms;
    bool tls;
    bool tls_skip_chain, tls_skip_name;
    char *tls_name; /* SNI and the name checked */
    upconn_t *idle; /* most recently used first */
    size_t idle_count;
    size_t active_count;
} origin_t;

struct upstream_pool {
    uv_loop_t *loop;
    upstream_options_t opts;
    origin_t *buckets[ORIGIN_BUCKETS];
    size_t conn_count;
    bool closing;
    /* Finished requests kept with their head buffer for the next ones: a proxied request
     * then costs no calloc/malloc/free here. Off under AddressSanitizer (a use after the
     * end stays a reported use after free). */
    upstream_request_t *spare;
    size_t spare_count;
    http_tls_ctx_t *tls_ctx;
    char *tls_scratch; /* ciphertext read buffer (READ_CHUNK), decrypted at once */
};

#define SPARE_REQUESTS 64
#if defined(__SANITIZE_ADDRESS__)
#define RECYCLE_REQUESTS 0
#else
#define RECYCLE_REQUESTS 1
#endif

typedef enum { RESP_NONE, RESP_LENGTH, RESP_CHUNKED, RESP_UNTIL_CLOSE } resp_kind_t;

struct upstream_request {
    upstream_pool_t *pool;
    origin_t *origin;
    upconn_t *conn;
    upstream_callbacks_t cb;
    void *ud;
    char *head;
    size_t head_len, head_cap;
    upstream_request_t *next_spare;
    http_method_t method;
    bool has_body;
    bool chunked_body;
    bool body_ended;
    bool replayable;   /* every body byte sent so far is in `replay` */
    buf_t replay;
    bool retried;
    bool on_reused_conn;
    bool want_drain;
    uint32_t response_timeout_ms;
    uint64_t start_ms;
    uint64_t head_ms;
    bool head_received;
    bool response_keep_alive;
    bool paused;
    resp_kind_t resp_kind;
    uint64_t resp_remaining;
    http_chunked_decoder_t dec;
    int busy;        /* inside a callback */
    bool cancelled;  /* cancelled during a callback: free when it returns */
    bool finished;   /* on_done/on_error delivered */
};

struct upconn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t connect_req;
    uv_getaddrinfo_t gai;
    upstream_pool_t *pool;
    origin_t *origin;
    upconn_t *idle_next;
    upstream_request_t *req;
    buf_t in;
    http_outq_t out;
    http_tls_t *tls;
    int handles_open;
    unsigned served;
    bool connected;
    bool resolving;
    bool closing;
    bool reading;
    bool is_idle;
};

/* The error for a connection lost under the request: before the response head the
 * backend closed it, after the head the body was cut short. */
static inline int upstream__lost_error(const upstream_request_t *r)
{
    return r->head_received ? UPSTREAM_ERR_TRUNCATED : UPSTREAM_ERR_CLOSED;
}

/* ---- upstream.c ---- */

/* A new connection to origin `o` (not yet connecting; TLS engine attached for https
 * origins). NULL when out of memory or the TLS context is unusable. */
upconn_t *upstream__conn_new(upstream_pool_t *p, origin_t *o);
/* Resolves the origin (unless cached or a literal) and connects, under the connect timeout. */
void upstream__conn_start_connect(upconn_t *c);
/* Closes the connection; an attached, unfinished request gets on_error. */
void upstream__conn_close(upconn_t *c);
/* After a reusable response: back on the origin's idle list (or closed when the list is
 * full, the pool is closing or bytes are left over). */
void upstream__conn_make_idle(upconn_t *c);
/* The pool's origin for the spec's key and TLS settings, created on first use. NULL when
 * out of memory. */
origin_t *upstream__origin_get(upstream_pool_t *p, const upstream_request_spec_t *spec);
void upstream__idle_remove(upconn_t *c);
/* The connection timer: connect, response or idle timeout, by the connection's state. */
void upstream__on_conn_timer(uv_timer_t *t);

/* ---- upstream_request.c ---- */

/* Frees the request (or keeps it as a spare for the next one). */
void upstream__request_free(upstream_request_t *r);
/* Ends the request after a callback: frees it unless a callback is still on the stack. */
void upstream__request_release(upstream_request_t *r);
/* Cuts the links between the request and its connection. */
void upstream__request_detach(upstream_request_t *r);
/* The request failed: its connection is closed, on_error runs, the request is released. */
void upstream__request_fail(upstream_request_t *r, int err);
/* The response is complete: the connection goes idle or is closed, on_done runs. */
void upstream__request_done(upstream_request_t *r);
/* The connection ended (EOF, or a read or write error): the end of a close-delimited body,
 * a retry on a fresh connection, or a failure. */
void upstream__conn_on_eof_or_error(upconn_t *c, bool is_eof);

/* ---- upstream_io.c ---- */

/* The outq's write callback. */
void upstream__on_written(http_outq_t *q, int status);
/* Calls on_drain once the request body's write queue fell under half the high-water mark. */
void upstream__conn_check_drain(upconn_t *c);
void upstream__conn_set_reading(upconn_t *c, bool want);
/* Parses the response head and delivers the body bytes buffered in c->in. */
void upstream__conn_process(upconn_t *c);

#endif
