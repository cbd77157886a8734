/* The configuration feed and heartbeats on the management loop (feed.h). */
#include "manage/feed.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "manage/gateway_token.h"
#include "manage/profiles.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_PREFIX "/gateway/v1/"
#define ROUTER_PREFIX "/router/v1/"
#define WAIT_DEFAULT_S 30
#define WAIT_MAX_S 60
/* Polls parked at once: past this a poll is answered 503 with Retry-After. */
#define MAX_PARKED 4096
#define MAX_FEED_BODY 65536

typedef struct feed_req {
    manage_exchange_kind_t kind; /* first: see feed.h */
    struct feed_req *prev, *next; /* in the parked list while parked */
    manage_feed_t *feed;
    http_exchange_t *ex;        /* NULL once the exchange is over */
    bool is_parked;
    bool is_done;               /* a response was started */
    bool is_router;             /* a router's poll: answered with the router's document */
    int64_t after;
    char token[MANAGE_TOKEN_MAX];
    buf_t body;
    uv_timer_t timer;
} feed_req_t;

struct manage_feed {
    uv_loop_t *loop;
    manage_units_t *units;
    manage_feed_view_t view;
    bool has_view;
    bool is_stopping;
    feed_req_t *parked;
    size_t parked_count;
};

manage_feed_t *manage_feed_new(uv_loop_t *loop, manage_units_t *units)
{
    manage_feed_t *f = calloc(1, sizeof *f);
    if (!f) abort();
    f->loop = loop;
    f->units = units;
    f->view.revision = -1;
    return f;
}

void manage_feed_free(manage_feed_t *f)
{
    if (!f) return;
    if (f->has_view) manage_feed_view_free(&f->view);
    free(f);
}

bool manage_feed_is_feed_path(const http_request_t *req)
{
    return slice_starts_with_nocase(req->path, SLICE_LIT(FEED_PREFIX)) ||
           slice_starts_with_nocase(req->path, SLICE_LIT(ROUTER_PREFIX));
}

int64_t manage_feed_revision(const manage_feed_t *f)
{
    return f->view.revision;
}

size_t manage_feed_parked_count(const manage_feed_t *f)
{
    return f->parked_count;
}

/* ---- responses ---- */

static void unpark(feed_req_t *r)
{
    if (!r->is_parked) return;
    manage_feed_t *f = r->feed;
    if (r->prev) r->prev->next = r->next;
    else f->parked = r->next;
    if (r->next) r->next->prev = r->prev;
    r->prev = r->next = NULL;
    r->is_parked = false;
    f->parked_count--;
    uv_timer_stop(&r->timer);
}

/* The ARM error shape, like every other answer of the management API. */
static void respond_error(feed_req_t *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void respond_error(feed_req_t *r, int status, const char *code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unpark(r);
    r->is_done = true;
    json_t *body = json_pack("{s:{s:s, s:s, s:[]}}", "error", "code", code, "message", msg, "details");
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    http_exchange_t *ex = r->ex;
    if (!text) {
        http_exchange_respond_error(ex, 503, "Out of memory");
        return;
    }
    http_header_t headers[2] = {{SLICE_LIT("Content-Type"), SLICE_LIT("application/json; charset=utf-8")}};
    size_t n = 1;
    if (status == 401) headers[n++] = (http_header_t){SLICE_LIT("WWW-Authenticate"), SLICE_LIT("GatewayKey")};
    if (status == 503) headers[n++] = (http_header_t){SLICE_LIT("Retry-After"), SLICE_LIT("1")};
    http_response_head_t head = {.status = status, .headers = headers, .header_count = n,
                                 .content_length = (int64_t)strlen(text)};
    if (http_exchange_send_head(ex, &head) == 0 && http_exchange_send_body(ex, text, strlen(text)) == 0)
        http_exchange_finish(ex);
    free(text);
}

static void respond_snapshot(feed_req_t *r)
{
    manage_feed_t *f = r->feed;
    unpark(r);
    r->is_done = true;
    char rev[32], sig[128];
    const char *doc = r->is_router ? f->view.router_doc : f->view.snapshot;
    size_t doc_len = r->is_router ? f->view.router_doc_len : f->view.snapshot_len;
    snprintf(rev, sizeof rev, "%lld", (long long)f->view.revision);
    manage_feed_signature(r->token, doc, doc_len, sig, sizeof sig);
    http_header_t headers[] = {
        {SLICE_LIT("Content-Type"), SLICE_LIT("application/json; charset=utf-8")},
        {SLICE_LIT("X-Meridian-Revision"), slice_from_cstr(rev)},
        {SLICE_LIT("X-Meridian-Signature"), slice_from_cstr(sig)},
    };
    http_response_head_t head = {.status = 200, .headers = headers, .header_count = 3,
                                 .content_length = (int64_t)doc_len};
    http_exchange_t *ex = r->ex;
    if (http_exchange_send_head(ex, &head) == 0 && http_exchange_send_body(ex, doc, doc_len) == 0)
        http_exchange_finish(ex);
}

static void respond_status(feed_req_t *r, int status)
{
    unpark(r);
    r->is_done = true;
    char rev[32];
    snprintf(rev, sizeof rev, "%lld", (long long)r->feed->view.revision);
    http_header_t headers[] = {{SLICE_LIT("X-Meridian-Revision"), slice_from_cstr(rev)}};
    http_response_head_t head = {.status = status, .headers = headers, .header_count = 1,
                                 .content_length = status == 304 ? -1 : 0};
    http_exchange_t *ex = r->ex;
    if (http_exchange_send_head(ex, &head) == 0) http_exchange_finish(ex);
}

static void on_wait_over(uv_timer_t *t)
{
    feed_req_t *r = t->data;
    if (r->ex && !r->is_done) respond_status(r, 304);
}

/* ---- request ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f') return (c | 32) - 'a' + 10;
    return -1;
}

/* The decoded value of query parameter `name` into out; 1 found, 0 absent, -1 malformed. */
static int query_param(slice_t q, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    const char *p = q.ptr, *end = q.ptr + q.len;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t o = 0;
            for (const char *v = p + nlen + 1; v < stop; v++) {
                char c = *v;
                if (c == '%') {
                    if (stop - v < 3 || hexval(v[1]) < 0 || hexval(v[2]) < 0) return -1;
                    c = (char)(hexval(v[1]) * 16 + hexval(v[2]));
                    v += 2;
                } else if (c == '+') {
                    c = ' ';
                }
                if (c == 0 || o + 1 >= cap) return -1;
                out[o++] = c;
            }
            out[o] = 0;
            return 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static bool parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!*s || strlen(s) > 18) return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (*p - '0');
    }
    if (v < min || v > max) return false;
    *out = v;
    return true;
}

/* Authorization and region: on success *slug is the region. Answers and returns -1
 * otherwise. */
static int authorize(feed_req_t *r, const http_request_t *req, char *region, size_t region_size)
{
    manage_feed_t *f = r->feed;
    /* The router's identity is the primary location's: it uses one of its gateway tokens
     * (docs/router.md "Feed mode"); the paths under /router/v1/ are its scope. */
    int rc = r->is_router ? 1 : query_param(req->query, "region", region, region_size);
    if (r->is_router) snprintf(region, region_size, "%s", f->view.router_slug);
    if (rc <= 0 || !*region) {
        respond_error(r, 400, "InvalidRequestContent",
                      "The query parameter 'region' (the location's slug, like 'eastasia') is required.");
        return -1;
    }
    const http_header_t *h = http_find_header(req->headers, req->header_count, "Authorization");
    char slug[MANAGE_SLUG_MAX];
    time_t expiry;
    if (!h || manage_token_parse(h->value.ptr, h->value.len, r->token, sizeof r->token, slug, sizeof slug,
                                 &expiry) < 0) {
        respond_error(r, 401, "Unauthorized",
                      "Send 'Authorization: GatewayKey {slug}&{expiry}&{signature}' (a gateway token "
                      "from POST .../locations/{slug}/generateToken).");
        return -1;
    }
    const json_t *loc = json_object_get(f->view.locations, slug);
    manage_token_status_t st =
        loc ? manage_token_verify(r->token, json_string_value(json_object_get(loc, "primaryKey")),
                                  json_string_value(json_object_get(loc, "secondaryKey")), time(NULL))
            : MANAGE_TOKEN_BAD_SIGNATURE;
    if (st != MANAGE_TOKEN_OK) {
        log_info("gateway feed: refused a token for '%s' (%s)", slug,
                 st == MANAGE_TOKEN_EXPIRED ? "expired" : "not signed by a current key of that location");
        respond_error(r, 401, "Unauthorized",
                      st == MANAGE_TOKEN_EXPIRED ? "The gateway token has expired."
                                                 : "The gateway token is not valid for any current key "
                                                   "of its location.");
        return -1;
    }
    if (!json_object_get(f->view.locations, region)) {
        respond_error(r, 404, "ResourceNotFound", "The location '%s' does not exist.", region);
        return -1;
    }
    if (strcmp(slug, region) != 0) {
        respond_error(r, 403, "Forbidden",
                      r->is_router ? "The token is for the location '%s'; the router uses a token of "
                                     "the primary location '%s'."
                                   : "The token is for the location '%s', not '%s'.",
                      slug, region);
        return -1;
    }
    return 0;
}

static void handle_config(feed_req_t *r, const http_request_t *req)
{
    manage_feed_t *f = r->feed;
    char region[MANAGE_SLUG_MAX + 8], after_s[32], wait_s[32];
    if (!slice_eq_nocase_cstr(req->method, "GET") && !slice_eq_nocase_cstr(req->method, "HEAD")) {
        respond_error(r, 405, "MethodNotAllowed", "The method is not allowed here (allowed: GET).");
        return;
    }
    /* A unit without any configuration sends after=-1 (or no after): a fresh service's
     * revision 0 is a configuration too. */
    int64_t after = -1, wait = WAIT_DEFAULT_S;
    int ra = query_param(req->query, "after", after_s, sizeof after_s);
    int rw = query_param(req->query, "wait", wait_s, sizeof wait_s);
    if (ra < 0 || (ra == 1 && strcmp(after_s, "-1") != 0 && !parse_int(after_s, 0, INT64_MAX, &after))) {
        respond_error(r, 400, "InvalidRequestContent",
                      "The query parameter 'after' (the revision the gateway has, -1 for none) must be a "
                      "whole number >= -1.");
        return;
    }
    if (rw < 0 || (rw == 1 && !parse_int(wait_s, 0, WAIT_MAX_S, &wait))) {
        respond_error(r, 400, "InvalidRequestContent",
                      "The query parameter 'wait' must be a whole number of seconds from 0 to %d.", WAIT_MAX_S);
        return;
    }
    if (authorize(r, req, region, sizeof region) < 0) return;
    r->after = after;
    if (f->view.revision > after) {
        respond_snapshot(r);
        return;
    }
    if (wait == 0) {
        respond_status(r, 304);
        return;
    }
    if (f->parked_count >= MAX_PARKED) {
        respond_error(r, 503, "ServerBusy", "Too many gateway polls are waiting; retry shortly.");
        return;
    }
    r->is_parked = true;
    r->next = f->parked;
    if (f->parked) f->parked->prev = r;
    f->parked = r;
    f->parked_count++;
    uv_timer_start(&r->timer, on_wait_over, (uint64_t)wait * 1000, 0);
}

/* POST /router/v1/status: the router's endpoint statuses, shown in the locations. */
static void handle_router_status(feed_req_t *r, const http_request_t *req)
{
    char region[MANAGE_SLUG_MAX + 8];
    if (!slice_eq_nocase_cstr(req->method, "POST")) {
        respond_error(r, 405, "MethodNotAllowed", "The method is not allowed here (allowed: POST).");
        return;
    }
    if (authorize(r, req, region, sizeof region) < 0) return;
    const char *why;
    if (manage_profiles_record_report(r->body.data ? r->body.data : "", r->body.len,
                                      r->feed->view.service_name, time(NULL), &why) < 0) {
        respond_error(r, 400, "InvalidRequestContent", "Bad status report: %s.", why);
        return;
    }
    respond_status(r, 204);
}

static void handle_heartbeat(feed_req_t *r, const http_request_t *req)
{
    char region[MANAGE_SLUG_MAX + 8];
    if (!slice_eq_nocase_cstr(req->method, "POST")) {
        respond_error(r, 405, "MethodNotAllowed", "The method is not allowed here (allowed: POST).");
        return;
    }
    if (authorize(r, req, region, sizeof region) < 0) return;
    json_error_t jerr;
    json_t *body = json_loadb(r->body.data ? r->body.data : "", r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!body) {
        respond_error(r, 400, "InvalidRequestContent", "The heartbeat is not valid JSON: %s.", jerr.text);
        return;
    }
    manage_heartbeat_t hb;
    const char *why;
    if (manage_heartbeat_parse(body, &hb, &why) < 0) {
        json_decref(body);
        respond_error(r, 400, "InvalidRequestContent", "Bad heartbeat: %s.", why);
        return;
    }
    manage_units_record(r->feed->units, region, &hb, clock_mono_ms(), time(NULL));
    json_decref(body);
    respond_status(r, 204);
}

void manage_feed_on_request(manage_feed_t *f, http_exchange_t *ex)
{
    feed_req_t *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->kind = MANAGE_EXCHANGE_FEED;
    r->feed = f;
    r->ex = ex;
    buf_init(&r->body);
    uv_timer_init(f->loop, &r->timer);
    r->timer.data = r;
    http_exchange_set_userdata(ex, r);
    const http_request_t *req = http_exchange_request(ex);
    if (req->content_length > MAX_FEED_BODY) {
        http_exchange_close_after(ex);
        respond_error(r, 413, "RequestEntityTooLarge", "A gateway request body is at most %d bytes.", MAX_FEED_BODY);
        return;
    }
    http_exchange_read_body(ex);
}

void manage_feed_on_body(http_exchange_t *ex, const char *data, size_t len)
{
    feed_req_t *r = http_exchange_userdata(ex);
    if (!r || r->is_done) return;
    if (r->body.len + len > MAX_FEED_BODY) {
        http_exchange_close_after(ex);
        respond_error(r, 413, "RequestEntityTooLarge", "A gateway request body is at most %d bytes.", MAX_FEED_BODY);
        return;
    }
    if (buf_append(&r->body, data, len) != 0) respond_error(r, 503, "ServerBusy", "Out of memory.");
}

void manage_feed_on_body_end(http_exchange_t *ex)
{
    feed_req_t *r = http_exchange_userdata(ex);
    if (!r || r->is_done) return;
    const http_request_t *req = http_exchange_request(ex);
    if (!r->feed->has_view || r->feed->is_stopping) {
        respond_error(r, 503, "ServerBusy", "The management plane is %s.",
                      r->feed->is_stopping ? "stopping" : "starting");
    } else if (slice_eq_nocase(req->path, SLICE_LIT(FEED_PREFIX "config"))) {
        handle_config(r, req);
    } else if (slice_eq_nocase(req->path, SLICE_LIT(FEED_PREFIX "heartbeat"))) {
        handle_heartbeat(r, req);
    } else if (slice_eq_nocase(req->path, SLICE_LIT(ROUTER_PREFIX "config"))) {
        r->is_router = true;
        handle_config(r, req);
    } else if (slice_eq_nocase(req->path, SLICE_LIT(ROUTER_PREFIX "status"))) {
        r->is_router = true;
        handle_router_status(r, req);
    } else {
        respond_error(r, 404, "ResourceNotFound",
                      "No gateway endpoint here: use /gateway/v1/config or /gateway/v1/heartbeat.");
    }
}

static void free_req(uv_handle_t *h)
{
    feed_req_t *r = h->data;
    buf_free(&r->body);
    free(r);
}

void manage_feed_on_complete(http_exchange_t *ex)
{
    feed_req_t *r = http_exchange_userdata(ex);
    if (!r) return;
    http_exchange_set_userdata(ex, NULL);
    unpark(r);
    r->ex = NULL;
    uv_close((uv_handle_t *)&r->timer, free_req);
}

void manage_feed_update(manage_feed_t *f, manage_feed_view_t *view)
{
    if (f->has_view) manage_feed_view_free(&f->view);
    f->view = *view;
    f->has_view = true;
    memset(view, 0, sizeof *view);
    /* Answering unlinks each request; walk a snapshot of the list. */
    feed_req_t *r = f->parked;
    while (r) {
        feed_req_t *next = r->next;
        if (f->view.revision > r->after) respond_snapshot(r);
        r = next;
    }
}

void manage_feed_release_all(manage_feed_t *f)
{
    f->is_stopping = true;
    while (f->parked) respond_error(f->parked, 503, "ServerBusy", "The management plane is stopping.");
}
