/* The router's feed client: see feed.h. */
#include "router/feed.h"

#include "base/buf.h"
#include "base/lkg.h"
#include "base/log.h"
#include "http/upstream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define BACKOFF_INITIAL_MS 100u
#define BACKOFF_MAX_MS 5000u
#define DEFAULT_WAIT_S 30u
#define DEFAULT_REPORT_MS 5000u
#define POLL_SLACK_MS 15000u
#define REPORT_TIMEOUT_MS 5000u
#define MAX_DOCUMENT_BYTES (64u * 1024 * 1024)

typedef struct {
    uv_work_t work;
    router_feed_t *feed;
    char *dir, *token, *body;
    size_t len;
    uint64_t revision;
    int rc;
    char *err;
} persist_job_t;

struct router_feed {
    uv_loop_t *loop;
    router_feed_options_t opts;
    router_feed_host_t host;
    char *token;
    char host_name[256], base[256], host_header[300], origin_key[300];
    uint16_t port;
    upstream_pool_t *pool;
    bool is_https;
    http_tls_ctx_t *tls; /* https: the client context (the pool holds a reference) */
    bool is_stopping;

    int64_t revision;  /* in use, -1 = none */
    int64_t refused;   /* highest refused revision, -1 = none: not asked for again */
    char *body;        /* the document in use, for the last-known-good */
    size_t body_len;

    /* The poll in flight. */
    upstream_request_t *poll;
    int status;
    int64_t poll_revision;
    char signature[LKG_SIGNATURE_MAX];
    size_t signature_len;
    buf_t poll_body;
    bool is_too_big;
    uv_timer_t retry_timer;
    uint32_t backoff_ms;
    unsigned failures;

    uv_timer_t report_timer;
    upstream_request_t *report;
    int report_status;

    persist_job_t *persisting;
    bool is_persist_wanted;
    uv_work_t token_work;
    bool is_reading_token;
    char *token_read, *token_err;
};

const char *router_feed_parse_url(const char *url, char *host, uint16_t *port, char *base,
                                  bool *is_https)
{
    *is_https = strncasecmp(url, "https://", 8) == 0;
    if (!*is_https && strncasecmp(url, "http://", 7) != 0)
        return "the management plane's URL must start with http:// or https://";
    const char *a = url + (*is_https ? 8 : 7);
    if (strpbrk(a, "?#@")) return "the URL takes no query, fragment or user information";
    size_t auth = strcspn(a, "/");
    const char *host_end = a + auth;
    *port = *is_https ? 443 : 80;
    const char *h = a;
    size_t hlen;
    if (*a == '[') {
        const char *close = memchr(a, ']', auth);
        if (!close) return "unclosed '[' in the host";
        h = a + 1;
        hlen = (size_t)(close - h);
        host_end = close + 1;
    } else {
        const char *colon = memchr(a, ':', auth);
        hlen = colon ? (size_t)(colon - a) : auth;
        host_end = a + hlen;
    }
    if (hlen == 0 || hlen > 255) return "no host";
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    if (*host_end == ':') {
        char *end;
        long p = strtol(host_end + 1, &end, 10);
        if (end != a + auth || p < 1 || p > 65535) return "bad port";
        *port = (uint16_t)p;
    } else if (host_end != a + auth) {
        return "bad host";
    }
    const char *path = a + auth;
    size_t plen = strlen(path);
    while (plen && path[plen - 1] == '/') plen--;
    if (plen > 255) return "base path too long";
    memcpy(base, path, plen);
    base[plen] = '\0';
    return NULL;
}

/* ---- last-known-good ---- */

static void persist_start(router_feed_t *f);

static void persist_work(uv_work_t *w)
{
    persist_job_t *j = w->data;
    j->rc = lkg_write(j->dir, j->token, j->revision, j->body, j->len, &j->err);
}

static void persist_done(uv_work_t *w, int status)
{
    persist_job_t *j = w->data;
    router_feed_t *f = j->feed;
    f->persisting = NULL;
    if (status == 0 && j->rc < 0) log_error("router: cannot persist the last-known-good: %s", j->err);
    free(j->err);
    free(j->dir);
    free(j->token);
    free(j->body);
    free(j);
    if (f->is_persist_wanted && !f->is_stopping) persist_start(f);
}

static void persist_start(router_feed_t *f)
{
    f->is_persist_wanted = false;
    if (!f->opts.state_dir || f->revision < 0) return;
    if (f->persisting) { /* one write at a time: an older one never renames over a newer */
        f->is_persist_wanted = true;
        return;
    }
    persist_job_t *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->feed = f;
    j->dir = strdup(f->opts.state_dir);
    j->token = strdup(f->token);
    j->body = malloc(f->body_len + 1);
    if (!j->dir || !j->token || !j->body) abort();
    memcpy(j->body, f->body, f->body_len);
    j->len = f->body_len;
    j->revision = (uint64_t)f->revision;
    j->work.data = j;
    if (uv_queue_work(f->loop, &j->work, persist_work, persist_done) < 0) {
        free(j->dir);
        free(j->token);
        free(j->body);
        free(j);
        return;
    }
    f->persisting = j;
}

/* Hands a verified document to the host; keeps it as the one in use when applied. */
static bool apply(router_feed_t *f, char *body, size_t len, int64_t revision, const char *what)
{
    char source[64], err[1024];
    snprintf(source, sizeof source, "%s revision %" PRId64, what, revision);
    if (f->host.apply(body, len, source, f->host.ud, err, sizeof err) < 0) {
        log_error("router: %s refused: %s", source, err);
        if (revision > f->refused) f->refused = revision;
        free(body);
        return false;
    }
    log_info("router: using %s", source);
    free(f->body);
    f->body = body;
    f->body_len = len;
    f->revision = revision;
    return true;
}

bool router_feed_load_lkg(router_feed_t *f)
{
    if (!f->opts.state_dir) return false;
    lkg_t l;
    char *err = NULL;
    int rc = lkg_read(f->opts.state_dir, f->token, &l, &err);
    if (rc < 0) {
        if (rc == -ENOENT) log_info("router: no last-known-good in %s", f->opts.state_dir);
        else log_error("router: last-known-good refused: %s", err);
        free(err);
        return false;
    }
    return apply(f, l.body, l.len, (int64_t)l.revision, "last-known-good");
}

/* ---- the long poll ---- */

static void poll_start(router_feed_t *f);

static void on_retry(uv_timer_t *t) { poll_start(t->data); }

static void retry_later(router_feed_t *f)
{
    if (f->is_stopping) return;
    uv_timer_start(&f->retry_timer, on_retry, f->backoff_ms, 0);
    f->backoff_ms = f->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : f->backoff_ms * 2;
}

static void poll_failed(router_feed_t *f, const char *why)
{
    if (f->failures++ == 0)
        log_warn("router: feed: %s; retrying with back-off%s", why,
                 f->revision >= 0 ? ", serving the profiles in use" : "");
    retry_later(f);
}

static void on_poll_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    router_feed_t *f = ud;
    f->status = resp->status;
    f->poll_revision = -1;
    const http_header_t *rev = http_find_header(resp->headers, resp->header_count, "X-Meridian-Revision");
    if (rev && rev->value.len > 0 && rev->value.len < 19) {
        int64_t v = 0;
        size_t i = 0;
        while (i < rev->value.len && rev->value.ptr[i] >= '0' && rev->value.ptr[i] <= '9')
            v = v * 10 + (rev->value.ptr[i++] - '0');
        if (i == rev->value.len) f->poll_revision = v;
    }
    const http_header_t *sig = http_find_header(resp->headers, resp->header_count, "X-Meridian-Signature");
    f->signature_len = 0;
    if (sig && sig->value.len < LKG_SIGNATURE_MAX) {
        memcpy(f->signature, sig->value.ptr, sig->value.len);
        f->signature_len = sig->value.len;
    }
}

static void on_poll_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r;
    router_feed_t *f = ud;
    if (f->is_too_big || f->poll_body.len + len > MAX_DOCUMENT_BYTES ||
        buf_append(&f->poll_body, data, len) < 0)
        f->is_too_big = true;
}

static void token_check_start(router_feed_t *f);

static void on_poll_done(upstream_request_t *r, void *ud)
{
    (void)r;
    router_feed_t *f = ud;
    f->poll = NULL;
    char why[64];
    if (f->status == 304) {
        f->failures = 0;
        f->backoff_ms = BACKOFF_INITIAL_MS;
        poll_start(f);
        return;
    }
    if (f->status != 200 || f->is_too_big) {
        if (f->status == 401) token_check_start(f);
        snprintf(why, sizeof why, f->is_too_big ? "document too large" : "answered %d", f->status);
        poll_failed(f, why);
        return;
    }
    if (f->failures) log_info("router: feed reachable again");
    f->failures = 0;
    const char *body = f->poll_body.data ? f->poll_body.data : "";
    if (!lkg_signature_verify(f->token, body, f->poll_body.len, f->signature, f->signature_len)) {
        log_error("router: feed: the X-Meridian-Signature does not verify with the token: refused");
        retry_later(f);
        return;
    }
    if (f->poll_revision < 0 || f->poll_revision <= f->revision) {
        log_error("router: feed: revision %" PRId64 " is missing or not newer than %" PRId64
                  " in use: refused", f->poll_revision, f->revision);
        retry_later(f);
        return;
    }
    if (f->body && f->body_len == f->poll_body.len && memcmp(f->body, body, f->body_len) == 0) {
        /* A write elsewhere in the service: the profiles are the same, nothing to reload. */
        f->revision = f->poll_revision;
        persist_start(f);
        f->backoff_ms = BACKOFF_INITIAL_MS;
        poll_start(f);
        return;
    }
    char *doc = malloc(f->poll_body.len + 1);
    if (!doc) abort();
    memcpy(doc, body, f->poll_body.len);
    doc[f->poll_body.len] = '\0';
    if (apply(f, doc, f->poll_body.len, f->poll_revision, "feed")) persist_start(f);
    f->backoff_ms = BACKOFF_INITIAL_MS;
    poll_start(f);
}

static void on_poll_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    router_feed_t *f = ud;
    f->poll = NULL;
    poll_failed(f, err == UPSTREAM_ERR_CONNECT ? "cannot connect" : upstream_error_name(err));
}

static const upstream_callbacks_t poll_callbacks = {
    .on_head = on_poll_head,
    .on_body = on_poll_body,
    .on_done = on_poll_done,
    .on_error = on_poll_error,
};

static upstream_request_t *request(router_feed_t *f, const char *method, const char *path_query,
                                   const char *body, uint32_t timeout_ms,
                                   const upstream_callbacks_t *cb)
{
    buf_t head;
    buf_init(&head);
    int rc = buf_printf(&head, "%s %s%s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n", method,
                        f->base, path_query, f->host_header, f->token);
    if (body)
        rc |= buf_printf(&head, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                         strlen(body));
    rc |= buf_append_cstr(&head, "\r\n");
    if (rc < 0) abort();
    upstream_request_spec_t spec = {
        .host = f->host_name,
        .port = f->port,
        .origin_key = f->origin_key,
        .tls = f->is_https,
        .tls_server_name = f->host_name,
        .head = head.data,
        .head_len = head.len,
        .method = body ? HTTP_METHOD_POST : HTTP_METHOD_GET,
        .has_body = body != NULL,
        .response_timeout_ms = timeout_ms,
    };
    upstream_request_t *r = upstream_request_start(f->pool, &spec, cb, f);
    buf_free(&head);
    if (r && body) {
        upstream_request_send_body(r, body, strlen(body));
        upstream_request_end_body(r);
    }
    return r;
}

static void poll_start(router_feed_t *f)
{
    if (f->is_stopping || f->poll) return;
    buf_free(&f->poll_body);
    buf_init(&f->poll_body);
    f->is_too_big = false;
    f->status = 0;
    int64_t after = f->revision > f->refused ? f->revision : f->refused;
    uint32_t wait_s = f->opts.wait_s ? f->opts.wait_s : DEFAULT_WAIT_S;
    char pq[96];
    snprintf(pq, sizeof pq, "/router/v1/config?after=%" PRId64 "&wait=%u", after, wait_s);
    f->poll = request(f, "GET", pq, NULL, wait_s * 1000u + POLL_SLACK_MS, &poll_callbacks);
    if (!f->poll) poll_failed(f, "cannot start a request");
}

/* ---- status reports ---- */

static void on_report_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    ((router_feed_t *)ud)->report_status = resp->status;
}

static void on_report_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r, (void)data, (void)len, (void)ud;
}

static void on_report_done(upstream_request_t *r, void *ud)
{
    (void)r;
    router_feed_t *f = ud;
    f->report = NULL;
    if (f->report_status != 204) log_debug("router: status report answered %d", f->report_status);
}

static void on_report_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    router_feed_t *f = ud;
    f->report = NULL;
    log_debug("router: status report failed: %s", upstream_error_name(err));
}

static const upstream_callbacks_t report_callbacks = {
    .on_head = on_report_head,
    .on_body = on_report_body,
    .on_done = on_report_done,
    .on_error = on_report_error,
};

static void token_work(uv_work_t *w)
{
    router_feed_t *f = w->data;
    f->token_read = lkg_read_token_file(f->opts.token_file, &f->token_err);
}

static void token_done(uv_work_t *w, int status)
{
    router_feed_t *f = w->data;
    f->is_reading_token = false;
    char *t = f->token_read;
    f->token_read = NULL;
    if (status == 0 && t && strcmp(t, f->token) != 0 && lkg_token_is_header_safe(t)) {
        log_info("router: the token in %s changed: using the new one", f->opts.token_file);
        free(f->token);
        f->token = t;
        t = NULL;
        if (!f->is_stopping) persist_start(f); /* re-signed with the new token */
    } else if (!t && f->token_err) {
        log_warn("router: keeping the token in use: %s", f->token_err);
    }
    free(t);
    free(f->token_err);
    f->token_err = NULL;
}

static void token_check_start(router_feed_t *f)
{
    if (!f->opts.token_file || f->is_reading_token || f->is_stopping) return;
    f->is_reading_token = true;
    f->token_work.data = f;
    if (uv_queue_work(f->loop, &f->token_work, token_work, token_done) < 0) f->is_reading_token = false;
}

static void on_report_timer(uv_timer_t *t)
{
    router_feed_t *f = t->data;
    token_check_start(f);
    if (f->report || !f->host.report) return; /* the previous one is still out */
    char *body = f->host.report(f->host.ud);
    if (!body) return;
    f->report_status = 0;
    f->report = request(f, "POST", "/router/v1/status", body, REPORT_TIMEOUT_MS, &report_callbacks);
    free(body);
}

/* ---- lifecycle ---- */

router_feed_t *router_feed_new(uv_loop_t *loop, const router_feed_options_t *opts,
                               const router_feed_host_t *host, char **err)
{
    *err = NULL;
    router_feed_t *f = calloc(1, sizeof *f);
    if (!f) abort();
    f->loop = loop;
    f->opts = *opts;
    f->host = *host;
    f->revision = f->refused = -1;
    f->backoff_ms = BACKOFF_INITIAL_MS;
    buf_init(&f->poll_body);
    const char *why = opts->config_url
                          ? router_feed_parse_url(opts->config_url, f->host_name, &f->port, f->base,
                                                  &f->is_https)
                          : "missing";
    if (why) {
        if (asprintf(err, "--config-url \"%s\": %s", opts->config_url ? opts->config_url : "", why) < 0)
            abort();
        free(f);
        return NULL;
    }
    bool v6 = strchr(f->host_name, ':') != NULL;
    snprintf(f->host_header, sizeof f->host_header, v6 ? "[%s]:%u" : "%s:%u", f->host_name, f->port);
    snprintf(f->origin_key, sizeof f->origin_key, "%s:%u", f->host_name, f->port);
    f->token = opts->token ? strdup(opts->token) : lkg_read_token_file(opts->token_file, err);
    if (f->token && !lkg_token_is_header_safe(f->token)) {
        free(f->token);
        f->token = NULL;
        if (asprintf(err, "the token contains control characters") < 0) abort();
    }
    if (f->token && opts->state_dir && mkdir(opts->state_dir, 0700) != 0 && errno != EEXIST) {
        free(f->token);
        f->token = NULL;
        if (asprintf(err, "cannot create the state directory %s: %s", opts->state_dir,
                     strerror(errno)) < 0)
            abort();
    }
    if (!f->token) {
        free(f);
        return NULL;
    }
    char tls_err[512];
    if (f->is_https && http_tls_client_ctx_new(opts->ca_file, opts->tls_client_cert,
                                               opts->tls_client_key, &f->tls, tls_err,
                                               sizeof tls_err) < 0) {
        if (asprintf(err, "%s", tls_err) < 0) abort();
        free(f->token);
        free(f);
        return NULL;
    }
    upstream_options_t uo;
    upstream_options_default(&uo);
    uo.max_idle_per_origin = 2;
    f->pool = upstream_pool_new(loop, &uo);
    if (!f->pool) abort();
    if (f->tls) upstream_pool_set_tls(f->pool, f->tls);
    uv_timer_init(loop, &f->retry_timer);
    uv_timer_init(loop, &f->report_timer);
    f->retry_timer.data = f->report_timer.data = f;
    return f;
}

void router_feed_start(router_feed_t *f)
{
    log_info("router: feed %s%s", f->opts.config_url,
             f->revision < 0 ? " (no profiles until it answers)" : "");
    poll_start(f);
    uint32_t every = f->opts.report_ms ? f->opts.report_ms : DEFAULT_REPORT_MS;
    uv_timer_start(&f->report_timer, on_report_timer, every, every);
}

int64_t router_feed_revision(const router_feed_t *f)
{
    return f->revision;
}

void router_feed_stop(router_feed_t *f)
{
    if (!f || f->is_stopping) return;
    f->is_stopping = true;
    if (f->poll) upstream_request_cancel(f->poll);
    if (f->report) upstream_request_cancel(f->report);
    f->poll = f->report = NULL;
    uv_close((uv_handle_t *)&f->retry_timer, NULL);
    uv_close((uv_handle_t *)&f->report_timer, NULL);
    upstream_pool_close(f->pool);
    f->pool = NULL;
}

void router_feed_free(router_feed_t *f)
{
    if (!f) return;
    buf_free(&f->poll_body);
    free(f->body);
    free(f->token);
    if (f->tls) http_tls_ctx_unref(f->tls);
    free(f);
}
