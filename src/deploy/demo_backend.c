#include "deploy/demo_backend.h"

#include "base/arena.h"
#include "base/log.h"
#include "http/drain.h"
#include "http/server.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

/* Longest wait for requests in flight after SIGTERM/SIGINT. */
#define DEMO_DRAIN_MS 2000u
#define DEMO_DRAIN_POLL_MS 50u

typedef struct {
    uv_loop_t loop;
    http_server_t *server;
    const char *name;
    http_drain_t drain; /* SIGTERM/SIGINT: a graceful stop */
} demo_backend_t;

typedef struct {
    uint64_t body_bytes;
} echo_exchange_t;

/* Length of the valid UTF-8 sequence at s (RFC 3629 §4), or 0 when it is not one. */
static size_t utf8_sequence_length(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0) lo = 0xa0; /* no overlong forms */
        if (c == 0xed) hi = 0x9f; /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0) lo = 0x90; /* no overlong forms */
        if (c == 0xf4) hi = 0x8f; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (len < need || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < need; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return need;
}

/* Appends a quoted JSON string; invalid UTF-8 bytes become U+FFFD (RFC 8259 §8.1). */
static int append_json_string(buf_t *out, const char *s, size_t len)
{
    if (buf_append(out, "\"", 1)) return -ENOMEM;
    const unsigned char *u = (const unsigned char *)s;
    size_t run_start = 0, i = 0;
    while (i < len) {
        size_t n = utf8_sequence_length(u + i, len - i);
        if (n > 0) {
            i += n;
            continue;
        }
        if (buf_append_json_escaped(out, s + run_start, i - run_start) ||
            buf_append_cstr(out, "\\ufffd"))
            return -ENOMEM;
        i++;
        run_start = i;
    }
    if (buf_append_json_escaped(out, s + run_start, len - run_start) || buf_append(out, "\"", 1))
        return -ENOMEM;
    return 0;
}

static int append_json_slice(buf_t *out, slice_t s)
{
    return append_json_string(out, s.ptr ? s.ptr : "", s.len);
}

static int append_headers_object(buf_t *out, const http_request_t *req)
{
    if (buf_append(out, "{", 1)) return -ENOMEM;
    bool is_first = true;
    for (size_t i = 0; i < req->header_count; i++) {
        const http_header_t *h = &req->headers[i];
        bool is_repeat = false;
        for (size_t j = 0; j < i && !is_repeat; j++)
            is_repeat = slice_eq_nocase(req->headers[j].name, h->name);
        if (is_repeat) continue; /* already joined into the first occurrence */

        if (!is_first && buf_append(out, ",", 1)) return -ENOMEM;
        is_first = false;
        if (append_json_slice(out, h->name) || buf_append(out, ":", 1)) return -ENOMEM;

        /* Join the values of every field with this name, in order (RFC 9110 §5.3). */
        buf_t joined;
        buf_init(&joined);
        int rc = buf_append(&joined, h->value.ptr ? h->value.ptr : "", h->value.len);
        for (size_t k = i + 1; k < req->header_count && rc == 0; k++) {
            if (!slice_eq_nocase(req->headers[k].name, h->name)) continue;
            const slice_t v = req->headers[k].value;
            rc = buf_append(&joined, ", ", 2);
            if (rc == 0) rc = buf_append(&joined, v.ptr ? v.ptr : "", v.len);
        }
        if (rc == 0) rc = append_json_string(out, joined.data ? joined.data : "", joined.len);
        buf_free(&joined);
        if (rc) return -ENOMEM;
    }
    return buf_append(out, "}", 1) ? -ENOMEM : 0;
}

int demo_backend_format_echo(buf_t *out, const char *name, const http_request_t *req,
                             uint64_t body_bytes)
{
    const char *backend = name ? name : "demo";
    if (buf_append_cstr(out, "{\"backend\":") ||
        append_json_string(out, backend, strlen(backend)) || buf_append_cstr(out, ",\"method\":") ||
        append_json_slice(out, req->method) || buf_append_cstr(out, ",\"path\":") ||
        append_json_slice(out, req->path) || buf_append_cstr(out, ",\"query\":") ||
        append_json_slice(out, req->query) || buf_append_cstr(out, ",\"headers\":") ||
        append_headers_object(out, req) ||
        buf_printf(out, ",\"bodyBytes\":%llu}\n", (unsigned long long)body_bytes))
        return -ENOMEM;
    return 0;
}

/* ---- HTTP handler ---- */

static void on_request(http_exchange_t *ex, void *ud)
{
    (void)ud;
    echo_exchange_t *state = arena_alloc(http_exchange_arena(ex), sizeof *state);
    if (!state) {
        http_exchange_respond_error(ex, 503, "Out of memory");
        return;
    }
    state->body_bytes = 0;
    http_exchange_set_userdata(ex, state);
    http_exchange_read_body(ex);
}

static void on_body(http_exchange_t *ex, const char *data, size_t len, void *ud)
{
    (void)data;
    (void)ud;
    echo_exchange_t *state = http_exchange_userdata(ex);
    if (state) state->body_bytes += len;
}

static void on_body_end(http_exchange_t *ex, void *ud)
{
    const demo_backend_t *backend = ud;
    echo_exchange_t *state = http_exchange_userdata(ex);
    if (!state) return; /* already answered (out of memory in on_request) */
    buf_t body;
    buf_init(&body);
    if (demo_backend_format_echo(&body, backend->name, http_exchange_request(ex),
                                 state->body_bytes) == 0)
        http_exchange_respond(ex, 200, "application/json", body.data, body.len);
    else
        http_exchange_respond_error(ex, 503, "Out of memory");
    buf_free(&body);
}

static void on_complete(http_exchange_t *ex, bool ok, void *ud)
{
    (void)ok;
    (void)ud;
    http_exchange_set_userdata(ex, NULL);
}

static const http_handler_t demo_handler = {
    .on_request = on_request,
    .on_body = on_body,
    .on_body_end = on_body_end,
    .on_complete = on_complete,
};

int demo_backend_run(const demo_backend_options_t *opts)
{
    demo_backend_t b = {.name = opts->name ? opts->name : "demo"};
    char prefix[128];
    snprintf(prefix, sizeof prefix, "demo-backend[%s]", b.name);
    log_set_prefix(prefix);
    /* A client that disconnects mid-response must fail that write, not kill the process. */
    signal(SIGPIPE, SIG_IGN);

    int rc = uv_loop_init(&b.loop);
    if (rc) {
        log_error("uv_loop_init: %s", uv_strerror(rc));
        return 1;
    }
    http_drain_options_t drain_opts = {.drain_ms = DEMO_DRAIN_MS, .poll_ms = DEMO_DRAIN_POLL_MS,
                                       .server = &b.server};
    http_drain_init(&b.drain, &b.loop, &drain_opts);

    http_server_options_t server_opts;
    http_server_options_default(&server_opts);
    rc = http_server_listen(&b.loop, opts->listen_addr, false, &server_opts, &demo_handler, &b,
                            &b.server);
    if (rc) {
        log_error("cannot listen on %s: %s", opts->listen_addr, uv_strerror(rc));
        goto fail_listen;
    }
    if ((rc = http_drain_watch(&b.drain))) {
        log_error("uv_signal_start: %s", uv_strerror(rc));
        goto fail_signal;
    }
    log_info("listening on %s", opts->listen_addr);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    uv_loop_close(&b.loop);
    log_info("stopped");
    return 0;

fail_signal:
    http_server_stop_accepting(b.server);
fail_listen:
    http_drain_close(&b.drain);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    uv_loop_close(&b.loop);
    return 1;
}
