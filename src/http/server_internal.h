/* http_server internals: the structs and helpers shared by the pieces of the HTTP server.
 * Included only by src/http/server*.c; the contract for everyone else is server.h.
 *
 * The server is one module (prefix http_server, internal helpers http_server__) in three
 * files, one concern each:
 *   server.c           the listener, the connection list, the per-iteration work list and
 *                      flush, timeouts, closing and lingering close
 *   server_exchange.c  an exchange from start to end: the public http_exchange_* API
 *                      (body control, response head, body and end) and the recycled
 *                      exchanges
 *   server_read.c      the input side: reads (plain, or decrypted through http/tls.h),
 *                      parsing request heads, delivering request bodies
 *
 * Memory: each connection owns one read buffer `in`. While an exchange is active the
 * request head sits at the start of `in` (the parser's slices point into it) and body or
 * pipelined bytes follow it; body bytes are delivered and then dropped, so a large upload
 * never needs more than one read's worth of buffer. Output is appended to `out` and
 * flushed once per loop iteration (uv_check), so a head and a small body, or several
 * pipelined responses, leave in one write. */
#ifndef MERIDIAN_HTTP_SERVER_INTERNAL_H
#define MERIDIAN_HTTP_SERVER_INTERNAL_H

#include "base/buf.h"
#include "http/outq.h"
#include "http/server.h"
#include "http/tls.h"

#include <stddef.h>

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
/* http_server__start_exchange clears an exchange in three parts around `req` and `arena`:
 * nothing else may sit between them. */
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
    uint64_t refused_count;      /* clients refused past max_connections */
    uint64_t refused_logged_ms;  /* when that was last logged (once per 10 s at most) */
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

/* Bytes queued for the client and not yet written. */
static inline size_t http_server__conn_pending(const conn_t *c)
{
    return http_outq_size(&c->out);
}

/* ---- server.c ---- */

/* Puts the connection on the work list: processed and flushed in this loop iteration's
 * check phase, never inside the caller. */
void http_server__schedule(conn_t *c);
/* Appends bytes to the output (copied) and schedules a flush; closes on OOM. */
void http_server__queue_bytes(conn_t *c, const char *data, size_t len);
/* Closes at once: the exchange in progress fails (on_complete ok=false). */
void http_server__conn_close(conn_t *c);
/* Answers with the spec's JSON error body and closes once it is written; nothing more is
 * read from the connection. */
void http_server__send_error_and_close(conn_t *c, int status, const char *message);

/* ---- server_exchange.c ---- */

/* A parsed request head at the start of `in` becomes the connection's exchange; the
 * handler's on_request runs. Answers 503 and closes when out of memory. */
void http_server__start_exchange(conn_t *c, const http_request_t *req);
/* Ends the exchange unsuccessfully: on_complete(ok=false), then the exchange is released. */
void http_server__exchange_fail(http_exchange_t *ex);

/* ---- server_read.c ---- */

/* Runs whatever can run now: body delivery, or parsing of the next request. */
void http_server__conn_process(conn_t *c);
/* Starts or stops reading from the client according to what the connection waits for. */
void http_server__conn_update_reading(conn_t *c);
/* Drops the head and consumed body bytes of the finished exchange from `in`. */
void http_server__conn_compact(conn_t *c);

#endif
