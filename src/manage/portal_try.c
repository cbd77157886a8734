/* The try-it console's forwarding to the global endpoint (portal_try.h). */
#include "manage/portal_try.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "http/upstream.h"
#include "manage/assets.h"
#include "manage/feed.h"
#include "manage/resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct manage_forward {
    char host[256];
    uint16_t port;
    bool is_tls; /* https: the pool's client context (the system's CA store) */
    char origin_key[300];
    http_method_t method;
    buf_t head;
    char *body;
    size_t body_len;
};

struct manage_try {
    upstream_pool_t *pool;
};

typedef struct {
    manage_exchange_kind_t kind; /* MANAGE_EXCHANGE_TRY */
    http_exchange_t *ex;
    upstream_request_t *up;
    manage_forward_t *f;
    int status;
    json_t *headers;
    buf_t body;
    bool is_truncated;
    uint64_t start_ms;
} try_call_t;

void manage_forward_free(manage_forward_t *f)
{
    if (!f) return;
    buf_free(&f->head);
    free(f->body);
    free(f);
}

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_token(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!is_tchar(*s)) return false;
    return true;
}

/* Field values: visible ASCII, obs-text, space and tab (RFC 9110 §5.5); no CR, LF, NUL. */
static bool is_field_value(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 && c != '\t') return false;
        if (c == 0x7f) return false;
    }
    return true;
}

/* The target: '/' then visible ASCII (what a browser's URL bar would percent-encode is
 * expected encoded already). */
static bool is_target(const char *s)
{
    if (s[0] != '/') return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '#') return false;
    return true;
}

static bool is_refused_header(const char *name)
{
    static const char *const refused[] = {"host", "content-length", "transfer-encoding", "connection",
                                          "keep-alive", "te", "trailer", "upgrade",
                                          "proxy-connection", "proxy-authorization", "cookie",
                                          "expect"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (strcasecmp(name, refused[i]) == 0) return true;
    return false;
}

manage_forward_t *manage_forward_build(const char *endpoint, const char *method,
                                       const char *target, const json_t *headers,
                                       const char *body, size_t body_len,
                                       const char *key_header, const char *key,
                                       const char **why)
{
    static const struct { const char *name; http_method_t id; } methods[] = {
        {"GET", HTTP_METHOD_GET},       {"POST", HTTP_METHOD_POST},
        {"PUT", HTTP_METHOD_PUT},       {"PATCH", HTTP_METHOD_PATCH},
        {"DELETE", HTTP_METHOD_DELETE}, {"HEAD", HTTP_METHOD_HEAD},
        {"OPTIONS", HTTP_METHOD_OPTIONS},
    };
    http_method_t id = HTTP_METHOD_OTHER;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (method && strcmp(method, methods[i].name) == 0) id = methods[i].id;
    if (id == HTTP_METHOD_OTHER) return *why = "method must be GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS", NULL;
    if (!target || !is_target(target) || strlen(target) > 4000)
        return *why = "path must start with '/' and hold visible ASCII only (percent-encode the rest)", NULL;
    if (body_len > MANAGE_TRY_MAX_REQUEST) return *why = "the request body is larger than 64 KiB", NULL;
    bool is_tls = endpoint && strncmp(endpoint, "https://", 8) == 0;
    if (!endpoint || (!is_tls && strncmp(endpoint, "http://", 7) != 0))
        return *why = "the management plane has no usable --global-endpoint (http://host:port)", NULL;

    /* http[s]://host[:port][/base] */
    const char *authority = endpoint + (is_tls ? 8 : 7);
    const char *slash = strchr(authority, '/');
    size_t alen = slash ? (size_t)(slash - authority) : strlen(authority);
    const char *base = slash ? slash : "";
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/') blen--;
    manage_forward_t *f = calloc(1, sizeof *f);
    if (!f) abort();
    buf_init(&f->head);
    f->method = id;
    f->is_tls = is_tls;
    const char *colon = memrchr(authority, ':', alen);
    if (colon && memchr(colon, ']', (size_t)(authority + alen - colon))) colon = NULL; /* [v6] */
    size_t hlen = colon ? (size_t)(colon - authority) : alen;
    unsigned long port = is_tls ? 443 : 80;
    if (colon) {
        char *end;
        port = strtoul(colon + 1, &end, 10);
        if (end != authority + alen || port == 0 || port > 65535) goto bad_endpoint;
    }
    const char *host = authority;
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') { /* an IPv6 literal */
        host++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof f->host) goto bad_endpoint;
    memcpy(f->host, host, hlen);
    f->host[hlen] = 0;
    f->port = (uint16_t)port;
    snprintf(f->origin_key, sizeof f->origin_key, "%s:%u", f->host, f->port);

    if (buf_printf(&f->head, "%s %.*s%s HTTP/1.1\r\nHost: %.*s\r\n", method, (int)blen, base,
                   target, (int)alen, authority) < 0)
        abort();
    size_t i;
    const json_t *pair;
    json_array_foreach(headers, i, pair)
    {
        const char *name = json_string_value(json_array_get(pair, 0));
        const char *value = json_string_value(json_array_get(pair, 1));
        if (!json_is_array(pair) || !name || !value || !is_token(name) || !is_field_value(value)) {
            *why = "headers must be [name, value] pairs of a field name and a one-line value";
            goto fail;
        }
        if (is_refused_header(name)) {
            *why = "Host, Cookie, Content-Length, Expect and hop-by-hop fields cannot be set";
            goto fail;
        }
        if (key_header && strcasecmp(name, key_header) == 0) continue; /* ours wins */
        if (buf_printf(&f->head, "%s: %s\r\n", name, value) < 0) abort();
    }
    if (key_header && key && buf_printf(&f->head, "%s: %s\r\n", key_header, key) < 0) abort();
    bool has_body = body_len > 0 || id == HTTP_METHOD_POST || id == HTTP_METHOD_PUT ||
                    id == HTTP_METHOD_PATCH;
    if (has_body && buf_printf(&f->head, "Content-Length: %zu\r\n", body_len) < 0) abort();
    if (buf_append_cstr(&f->head, "\r\n") < 0) abort();
    if (body_len) {
        f->body = malloc(body_len);
        if (!f->body) abort();
        memcpy(f->body, body, body_len);
        f->body_len = body_len;
    }
    return f;
bad_endpoint:
    *why = "the management plane's --global-endpoint is not http[s]://host[:port][/path]";
fail:
    manage_forward_free(f);
    return NULL;
}

const char *manage_forward_head(const manage_forward_t *f, size_t *len)
{
    *len = f->head.len;
    return f->head.data;
}

const char *manage_forward_origin(const manage_forward_t *f, bool *is_tls)
{
    *is_tls = f->is_tls;
    return f->origin_key;
}

/* ---- the loop side ---- */

manage_try_t *manage_try_new(uv_loop_t *loop)
{
    manage_try_t *t = calloc(1, sizeof *t);
    if (!t) abort();
    upstream_options_t uo;
    upstream_options_default(&uo);
    uo.connect_timeout_ms = 3000;
    t->pool = upstream_pool_new(loop, &uo);
    if (!t->pool) abort();
    return t;
}

void manage_try_free(manage_try_t *t)
{
    if (!t) return;
    upstream_pool_close(t->pool);
    free(t);
}

static void respond_json(http_exchange_t *ex, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) abort();
    http_header_t headers[16];
    size_t n = 0;
    for (size_t i = 0; i < manage_web_header_count; i++) headers[n++] = manage_web_headers[i];
    headers[n++] = (http_header_t){SLICE_LIT("Content-Type"), SLICE_LIT("application/json; charset=utf-8")};
    headers[n++] = (http_header_t){SLICE_LIT("Cache-Control"), SLICE_LIT("no-store")};
    size_t len = strlen(text);
    http_response_head_t head = {.status = status, .headers = headers, .header_count = n,
                                 .content_length = (int64_t)len};
    if (http_exchange_send_head(ex, &head) == 0 && http_exchange_send_body(ex, text, len) == 0)
        http_exchange_finish(ex);
    free(text);
}

static void on_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    try_call_t *c = ud;
    c->status = resp->status;
    for (size_t i = 0; i < resp->header_count; i++) {
        char name[256], value[2048];
        snprintf(name, sizeof name, "%.*s", (int)resp->headers[i].name.len, resp->headers[i].name.ptr);
        snprintf(value, sizeof value, "%.*s", (int)resp->headers[i].value.len, resp->headers[i].value.ptr);
        manage_utf8_repair(name);
        manage_utf8_repair(value);
        json_array_append_new(c->headers, json_pack("[s, s]", name, value));
    }
}

static void on_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r;
    try_call_t *c = ud;
    size_t room = MANAGE_TRY_MAX_BODY - c->body.len;
    if (len > room) {
        c->is_truncated = true;
        len = room;
    }
    if (len && buf_append(&c->body, data, len) < 0) c->is_truncated = true;
}

static void on_done(upstream_request_t *r, void *ud)
{
    (void)r;
    try_call_t *c = ud;
    c->up = NULL;
    char *text = malloc(c->body.len + 1);
    if (!text) abort();
    if (c->body.len) memcpy(text, c->body.data, c->body.len);
    text[c->body.len] = 0;
    /* A NUL would end the text early: show it as '?' like any other non-text byte. */
    for (size_t i = 0; i < c->body.len; i++)
        if (!text[i]) text[i] = '?';
    manage_utf8_repair(text);
    json_t *out = json_pack("{s:i, s:O, s:s, s:b, s:I}", "status", c->status, "headers", c->headers,
                            "body", text, "truncated", c->is_truncated, "elapsedMs",
                            (json_int_t)(clock_mono_ms() - c->start_ms));
    free(text);
    if (!out) abort();
    respond_json(c->ex, 200, out); /* on_complete frees c */
}

static void on_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    try_call_t *c = ud;
    c->up = NULL;
    log_info("portal try-it: %s from %s", upstream_error_name(err), c->f->origin_key);
    json_t *out = json_pack("{s:{s:s, s:s}}", "error", "code", "BadGateway", "message",
                            "The global endpoint did not answer");
    json_object_set_new(json_object_get(out, "error"), "reason", json_string(upstream_error_name(err)));
    respond_json(c->ex, 502, out);
}

static const upstream_callbacks_t callbacks = {
    .on_head = on_head,
    .on_body = on_body,
    .on_done = on_done,
    .on_error = on_error,
};

void manage_try_start(manage_try_t *t, http_exchange_t *ex, manage_forward_t *f)
{
    try_call_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->kind = MANAGE_EXCHANGE_TRY;
    c->ex = ex;
    c->f = f;
    c->headers = json_array();
    buf_init(&c->body);
    c->start_ms = clock_mono_ms();
    http_exchange_set_userdata(ex, c);
    upstream_request_spec_t spec = {
        .host = f->host,
        .port = f->port,
        .origin_key = f->origin_key,
        .head = f->head.data,
        .head_len = f->head.len,
        .method = f->method,
        .has_body = f->body_len > 0,
        .tls = f->is_tls,
        .response_timeout_ms = MANAGE_TRY_TIMEOUT_MS,
    };
    c->up = upstream_request_start(t->pool, &spec, &callbacks, c);
    if (!c->up) {
        http_exchange_respond_error(ex, 503, "Service unavailable");
        return;
    }
    if (f->body_len &&
        (upstream_request_send_body(c->up, f->body, f->body_len) < 0 || upstream_request_end_body(c->up) < 0))
        return; /* on_error answers */
}

void manage_try_on_complete(http_exchange_t *ex)
{
    try_call_t *c = http_exchange_userdata(ex);
    http_exchange_set_userdata(ex, NULL);
    if (!c) return;
    if (c->up) upstream_request_cancel(c->up);
    json_decref(c->headers);
    buf_free(&c->body);
    manage_forward_free(c->f);
    free(c);
}
