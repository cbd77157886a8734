/* http_server, an exchange from start to end: taking a parsed request on as an exchange
 * (recycled exchanges and their arenas), the public http_exchange_* API (accessors, request
 * body control, response head, body and end, the one-call responses) and the end of an
 * exchange (on_complete, then keep-alive or close). Kept apart from the connection
 * machinery in server.c because this is the surface the handlers program against. */
#include "http/server_internal.h"

#include "base/buf.h"
#include "base/clock.h"
#include "http/response.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- start and end ---- */

static void exchange_free(http_exchange_t *ex)
{
    http_server_t *s = ex->c->srv;
    if (RECYCLE_EXCHANGES && s->spare_count < SPARE_EXCHANGES && !s->closing) {
        arena_recycle(&ex->arena);
        s->spare[s->spare_count++] = ex;
        return;
    }
    arena_free(&ex->arena);
    free(ex);
}

void http_server__start_exchange(conn_t *c, const http_request_t *req)
{
    http_server_t *s = c->srv;
    /* Per request: the request's 100-entry header array (3.2 KB) is neither cleared nor
     * copied beyond header_count, the only entries anyone reads (parser.h). */
    bool recycled = s->spare_count > 0;
    http_exchange_t *ex = recycled ? s->spare[--s->spare_count] : malloc(sizeof *ex);
    if (!ex) {
        http_server__send_error_and_close(c, 503, "Service unavailable");
        return;
    }
    const size_t req_at = offsetof(http_exchange_t, req);
    const size_t headers_at = offsetof(http_request_t, headers);
    const size_t after_headers = headers_at + sizeof req->headers;
    memset(ex, 0, req_at);
    memcpy(&ex->req, req, headers_at);
    memcpy(ex->req.headers, req->headers, req->header_count * sizeof req->headers[0]);
    memcpy((char *)&ex->req + after_headers, (const char *)req + after_headers,
           sizeof *req - after_headers);
    /* The fields after the arena are cleared; a recycled exchange keeps its arena (reset,
     * with one chunk), a new one gets a fresh arena. */
    const size_t after_arena = offsetof(http_exchange_t, userdata);
    memset((char *)ex + after_arena, 0, sizeof *ex - after_arena);
    ex->c = c;
    if (!recycled) arena_init(&ex->arena, 4096);
    ex->start_ns = clock_mono_ns();
    ex->bytes_in = req->head_len;
    ex->bytes_out_start = c->out.written + http_server__conn_pending(c);
    ex->is_head = req->method_id == HTTP_METHOD_HEAD;
    ex->resp_remaining = -1;
    if (req->is_chunked) {
        ex->body_kind = BODY_CHUNKED;
        http_chunked_decoder_init(&ex->chunked);
    } else if (req->content_length > 0) {
        ex->body_kind = BODY_LENGTH;
        ex->body_remaining = (uint64_t)req->content_length;
    } else {
        ex->body_kind = BODY_NONE;
        ex->body_done = true;
    }
    c->ex = ex;
    c->pos = req->head_len;
    c->head_started_ms = 0;
    s->active++;
    http_server__conn_update_reading(c);
    if (s->handler.on_request) s->handler.on_request(ex, s->ud);
}

/* The exchange is over (ok or not): tell the handler, then release it. */
static void exchange_end(http_exchange_t *ex, bool ok)
{
    conn_t *c = ex->c;
    http_server_t *s = c->srv;
    c->ex = NULL;
    s->active--;
    if (s->handler.on_complete) s->handler.on_complete(ex, ok, s->ud);
    exchange_free(ex);
}

void http_server__exchange_fail(http_exchange_t *ex)
{
    exchange_end(ex, false);
}

static void exchange_complete(http_exchange_t *ex)
{
    conn_t *c = ex->c;
    bool body_fully_read = ex->body_kind == BODY_NONE || ex->body_done;
    if (!body_fully_read) c->close_after = true;
    if (!ex->req.keep_alive) c->close_after = true;
    exchange_end(ex, true);
    if (c->close_after) {
        c->peer_eof = true;
        http_server__conn_update_reading(c);
        http_server__schedule(c);
        return;
    }
    http_server__conn_compact(c);
    c->head_started_ms = 0;
    http_server__conn_update_reading(c);
    http_server__schedule(c); /* pipelined bytes may already wait in `in` */
}

/* ---- the API ---- */

const http_request_t *http_exchange_request(const http_exchange_t *ex)
{
    return &ex->req;
}
arena_t *http_exchange_arena(http_exchange_t *ex)
{
    return &ex->arena;
}
const char *http_exchange_peer_ip(const http_exchange_t *ex)
{
    return ex->c->peer_ip;
}
uint64_t http_exchange_start_ns(const http_exchange_t *ex)
{
    return ex->start_ns;
}
uint64_t http_exchange_bytes_in(const http_exchange_t *ex)
{
    return ex->bytes_in;
}
uint64_t http_exchange_bytes_out(const http_exchange_t *ex)
{
    return ex->c->out.written + http_server__conn_pending(ex->c) - ex->bytes_out_start;
}
int http_exchange_status(const http_exchange_t *ex)
{
    return ex->status;
}
bool http_exchange_is_tls(const http_exchange_t *ex)
{
    return ex->c->tls != NULL;
}
const char *http_exchange_tls_sni(const http_exchange_t *ex)
{
    return ex->c->tls ? http_tls_sni(ex->c->tls) : NULL;
}
void http_exchange_set_userdata(http_exchange_t *ex, void *p)
{
    ex->userdata = p;
}
void *http_exchange_userdata(const http_exchange_t *ex)
{
    return ex->userdata;
}

void http_exchange_read_body(http_exchange_t *ex)
{
    if (ex->body_requested) return;
    ex->body_requested = true;
    conn_t *c = ex->c;
    /* RFC 9110 §10.1.1: answer 100 only to HTTP/1.1 clients, and only if the body has not
     * started arriving already. */
    if (ex->req.expect_continue && ex->req.minor_version == 1 && !ex->head_sent &&
        ex->body_kind != BODY_NONE && c->pos == c->in.len) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        http_server__queue_bytes(c, cont, sizeof cont - 1);
    }
    http_server__conn_update_reading(c);
    http_server__schedule(c);
}

void http_exchange_pause_body(http_exchange_t *ex)
{
    ex->body_paused = true;
    http_server__conn_update_reading(ex->c);
}

void http_exchange_resume_body(http_exchange_t *ex)
{
    if (!ex->body_paused) return;
    ex->body_paused = false;
    http_server__conn_update_reading(ex->c);
    http_server__schedule(ex->c);
}

void http_exchange_close_after(http_exchange_t *ex)
{
    ex->c->close_after = true;
}

int http_exchange_send_head(http_exchange_t *ex, const http_response_head_t *head)
{
    conn_t *c = ex->c;
    if (ex->head_sent || c->closing) return -EINVAL;
    ex->head_sent = true;
    ex->status = head->status;
    if (c->srv->stopping) c->close_after = true;
    bool client_keep_alive = ex->req.keep_alive && !c->close_after;
    http_response_framing_t f;
    http_response_plan(ex->req.method_id, ex->req.minor_version, head->status,
                       head->content_length, &f);
    if (f.close_delimited) client_keep_alive = false;
    /* A response sent before the request body was read to its end: the rest of the body
     * cannot be told apart from the next request unless we read it; close instead. */
    bool body_pending = ex->body_kind != BODY_NONE && !ex->body_done;
    if (body_pending) client_keep_alive = false;
    if (!client_keep_alive) c->close_after = true;
    ex->resp_chunked = f.chunked;
    ex->resp_close_delimited = f.close_delimited;
    ex->resp_no_body = f.no_body;
    ex->resp_remaining = f.no_body ? 0 : head->content_length;

    size_t before = c->out.pending.len;
    int rc = http_response_head_bytes(&c->out.pending, head, &f, ex->req.minor_version,
                                      client_keep_alive, c->srv->opts.server_header);
    if (rc < 0) {
        c->out.pending.len = before;
        http_exchange_abort(ex);
        return rc;
    }
    http_server__schedule(c);
    return 0;
}

int http_exchange_send_body(http_exchange_t *ex, const char *data, size_t len)
{
    conn_t *c = ex->c;
    if (!ex->head_sent || ex->finished || c->closing) return -EINVAL;
    if (len == 0 || ex->resp_no_body) return 0;
    if (ex->resp_remaining >= 0) {
        if ((int64_t)len > ex->resp_remaining) len = (size_t)ex->resp_remaining;
        ex->resp_remaining -= (int64_t)len;
    }
    if (ex->resp_chunked) {
        char line[24];
        size_t n = http_chunk_size_line(line, len);
        http_server__queue_bytes(c, line, n);
        http_server__queue_bytes(c, data, len);
        http_server__queue_bytes(c, "\r\n", 2);
    } else {
        http_server__queue_bytes(c, data, len);
    }
    if (http_server__conn_pending(c) > c->srv->opts.write_high_water) ex->over_high_water = true;
    return c->closing ? -EPIPE : 0;
}

size_t http_exchange_write_pending(const http_exchange_t *ex)
{
    return http_server__conn_pending(ex->c);
}

bool http_exchange_write_blocked(const http_exchange_t *ex)
{
    return ex->over_high_water;
}

int http_exchange_finish(http_exchange_t *ex)
{
    conn_t *c = ex->c;
    if (!ex->head_sent || ex->finished) return -EINVAL;
    if (ex->resp_remaining > 0) {
        /* Fewer bytes than announced: the client must not take this as complete. */
        http_exchange_abort(ex);
        return -EPIPE;
    }
    ex->finished = true;
    if (ex->resp_chunked) http_server__queue_bytes(c, "0\r\n\r\n", 5);
    if (ex->resp_close_delimited) c->close_after = true;
    exchange_complete(ex);
    return 0;
}

void http_exchange_abort(http_exchange_t *ex)
{
    http_server__conn_close(ex->c);
}

int http_exchange_respond(http_exchange_t *ex, int status, const char *content_type,
                          const char *body, size_t len)
{
    http_header_t h[1];
    size_t n = 0;
    if (content_type) h[n++] = (http_header_t){SLICE_LIT("Content-Type"), slice_from_cstr(content_type)};
    http_response_head_t head = {status, NULL, h, n, (int64_t)len};
    int rc = http_exchange_send_head(ex, &head);
    if (rc < 0) return rc;
    rc = http_exchange_send_body(ex, body, len);
    if (rc < 0) return rc;
    return http_exchange_finish(ex);
}

int http_exchange_respond_error(http_exchange_t *ex, int status, const char *message)
{
    buf_t b;
    buf_init(&b);
    int rc = http_response_error_json(&b, status, message);
    if (rc == 0) rc = http_exchange_respond(ex, status, "application/json", b.data, b.len);
    buf_free(&b);
    return rc;
}
