/* The configuration feed client of a unit: see sync.h. */
#include "gateway/sync.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "base/lkg.h"
#include "http/upstream.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Back-off after a failed poll: 100 ms doubling to 5 s (REGIONS-CONTRACT). */
#define BACKOFF_INITIAL_MS 100u
#define BACKOFF_MAX_MS 5000u
#define HEARTBEAT_MS 5000u
#define DEFAULT_WAIT_S 30u
/* The feed answers within `wait`; allow for a slow commit and the network on top. */
#define POLL_SLACK_MS 15000u
#define PEER_TIMEOUT_MS 5000u
#define HEARTBEAT_TIMEOUT_MS 5000u
/* A snapshot larger than this is refused rather than buffered. */
#define MAX_SNAPSHOT_BYTES (256u * 1024 * 1024)
#define SLUG_MAX 128

typedef struct gateway_sync gateway_sync_t;

/* One answer being received: a poll of the feed or a fetch from a peer. */
typedef struct {
    upstream_request_t *req;
    bool is_peer;
    int status;
    bool has_revision;
    uint64_t revision;
    char signature[LKG_SIGNATURE_MAX];
    size_t signature_len;
    buf_t body;
    bool is_too_big;
} fetch_t;

/* A last-known-good write (thread pool); one at a time so that an older revision can
 * never be renamed over a newer one. */
typedef struct {
    uv_work_t work;
    gateway_sync_t *sync;
    char *body;
    size_t len;
    uint64_t revision;
    char *token;
    int rc;
    char *err;
} persist_job_t;

struct gateway_sync {
    uv_loop_t *loop;
    gateway_sync_options_t opts;
    gateway_sync_host_t host;
    char *token;
    char slug[SLUG_MAX];
    gw_backend_url_t feed, peer;
    bool has_peer;
    upstream_pool_t *pool;
    char instance_id[37];
    uint64_t started_ms;
    bool is_stopping;

    /* The configuration in use (as installed through host->install). */
    bool has_config;
    uint64_t revision;
    gateway_source_t source;
    char *body; /* its snapshot bytes, served to peers */
    size_t body_len;
    char signature[LKG_SIGNATURE_MAX];
    /* Highest revision refused because it did not compile: not asked for again. */
    uint64_t refused_revision;
    bool has_refused;

    fetch_t fetch;
    bool is_next_peer; /* next attempt goes to the peer (no configuration yet) */
    uv_timer_t retry_timer;
    uint32_t backoff_ms;
    unsigned failures; /* consecutive, for logging a streak once */

    /* Compile on the thread pool. */
    uv_work_t compile_work;
    bool is_compiling;
    char *compile_body;
    size_t compile_len;
    uint64_t compile_revision;
    gateway_source_t compile_source;
    gateway_config_t *compile_result;
    char *compile_err;

    persist_job_t *persisting;
    bool is_persist_wanted; /* persist the config in use once the running write ends */

    /* Heartbeats and the token file check. */
    uv_timer_t heartbeat_timer;
    upstream_request_t *heartbeat;
    int heartbeat_status;
    uv_work_t token_work;
    bool is_reading_token;
    char *token_read;
    char *token_err;
    int handles_open;
};

const char *gateway_source_name(gateway_source_t s)
{
    switch (s) {
    case GATEWAY_SOURCE_FEED:
        return "feed";
    case GATEWAY_SOURCE_LKG:
        return "last-known-good";
    case GATEWAY_SOURCE_PEER:
        return "peer";
    default:
        return "none";
    }
}

void gateway_format_uuid(const uint8_t id[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9], id[10], id[11],
             id[12], id[13], id[14], id[15]);
}

size_t gateway_region_slug(const char *name, char *out, size_t n)
{
    size_t len = 0;
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch >= 0x80 || !isalnum(ch)) continue;
        if (len + 1 >= n) return 0;
        out[len++] = (char)tolower(ch);
    }
    if (n) out[len] = '\0';
    return len;
}

/* ---- token ---- */

/* ---- installing and persisting ---- */

static void persist_start(gateway_sync_t *s);

static void persist_work(uv_work_t *w)
{
    persist_job_t *job = w->data;
    job->rc = lkg_write(job->sync->opts.state_dir, job->token, job->revision, job->body,
                                job->len, &job->err);
}

static void persist_done(uv_work_t *w, int status)
{
    persist_job_t *job = w->data;
    gateway_sync_t *s = job->sync;
    s->persisting = NULL;
    if (status == 0 && job->rc == 0)
        log_debug("last-known-good is revision %" PRIu64, job->revision);
    else if (status == 0)
        log_error("cannot persist the last-known-good: %s", job->err);
    free(job->err);
    free(job->body);
    free(job->token);
    free(job);
    if (s->is_persist_wanted && !s->is_stopping) persist_start(s);
}

/* Writes the configuration in use as the last-known-good (after any write in progress). */
static void persist_start(gateway_sync_t *s)
{
    s->is_persist_wanted = false;
    if (!s->opts.state_dir || !s->has_config) return;
    if (s->persisting) {
        s->is_persist_wanted = true;
        return;
    }
    persist_job_t *job = calloc(1, sizeof *job);
    if (!job) abort();
    job->sync = s;
    job->body = malloc(s->body_len + 1);
    job->token = strdup(s->token);
    if (!job->body || !job->token) abort();
    memcpy(job->body, s->body, s->body_len);
    job->len = s->body_len;
    job->revision = s->revision;
    job->work.data = job;
    if (uv_queue_work(s->loop, &job->work, persist_work, persist_done) < 0) {
        log_error("cannot queue the last-known-good write");
        free(job->body);
        free(job->token);
        free(job);
        return;
    }
    s->persisting = job;
}

/* Takes body (malloc'd) as the bytes in use and hands cfg to the host. */
static void install(gateway_sync_t *s, gateway_config_t *cfg, gateway_source_t source, char *body,
                    size_t len)
{
    free(s->body);
    s->body = body;
    s->body_len = len;
    s->has_config = true;
    s->revision = cfg->revision;
    s->source = source;
    if (lkg_signature_compute(s->token, body, len, s->signature) < 0) s->signature[0] = '\0';
    gateway_metrics_set_source(s->host.metrics, gateway_source_name(source));
    s->host.install(cfg, source, s->host.ud);
}

static void refuse(gateway_sync_t *s, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(gateway_sync_t *s, const char *reason, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_error("snapshot refused (%s): %s", reason, msg);
    gateway_metrics_refused(s->host.metrics, reason);
}

bool gateway_sync_load_lkg(gateway_sync_t *s)
{
    if (!s->opts.state_dir) return false;
    lkg_t l;
    char *err = NULL;
    int rc = lkg_read(s->opts.state_dir, s->token, &l, &err);
    if (rc == -ENOENT) {
        log_info("no last-known-good in %s", s->opts.state_dir);
        free(err);
        return false;
    }
    if (rc < 0) {
        refuse(s, "last-known-good", "%s", err);
        free(err);
        return false;
    }
    char source[64];
    snprintf(source, sizeof source, "last-known-good revision %" PRIu64, l.revision);
    gateway_config_t *cfg = gateway_config_compile(l.body, l.len, source, s->opts.region, &err);
    if (!cfg) {
        refuse(s, "last-known-good", "%s", err);
        free(err);
        lkg_free(&l);
        return false;
    }
    if (cfg->revision != l.revision) {
        refuse(s, "last-known-good", "the header says revision %" PRIu64 ", the snapshot %" PRIu64,
               l.revision, cfg->revision);
        gateway_config_unref(cfg);
        lkg_free(&l);
        return false;
    }
    log_info("serving last-known-good revision %" PRIu64, l.revision);
    install(s, cfg, GATEWAY_SOURCE_LKG, l.body, l.len);
    return true;
}

/* ---- compile (thread pool) ---- */

static void poll_start(gateway_sync_t *s);
static void retry_later(gateway_sync_t *s);

static void compile_work(uv_work_t *w)
{
    gateway_sync_t *s = w->data;
    char source[64];
    snprintf(source, sizeof source, "%s revision %" PRIu64,
             s->compile_source == GATEWAY_SOURCE_PEER ? "peer" : "feed", s->compile_revision);
    s->compile_result = gateway_config_compile(s->compile_body, s->compile_len, source,
                                               s->opts.region, &s->compile_err);
}

static void compile_done(uv_work_t *w, int status)
{
    gateway_sync_t *s = w->data;
    s->is_compiling = false;
    gateway_config_t *cfg = s->compile_result;
    char *body = s->compile_body;
    s->compile_result = NULL;
    s->compile_body = NULL;
    bool is_ok = false;
    if (status != 0 || !cfg) {
        refuse(s, "invalid", "%s", s->compile_err ? s->compile_err : "cancelled");
        if (!s->has_refused || s->compile_revision > s->refused_revision)
            s->refused_revision = s->compile_revision;
        s->has_refused = true;
    } else if (cfg->revision != s->compile_revision) {
        refuse(s, "invalid", "X-Meridian-Revision is %" PRIu64 " but the snapshot says %" PRIu64,
               s->compile_revision, cfg->revision);
    } else if (s->has_config && cfg->revision <= s->revision) {
        refuse(s, "stale", "revision %" PRIu64 " is not newer than %" PRIu64 " in use",
               cfg->revision, s->revision);
    } else {
        is_ok = true;
    }
    free(s->compile_err);
    s->compile_err = NULL;
    if (!is_ok || s->is_stopping) {
        if (cfg) gateway_config_unref(cfg);
        free(body);
        if (!s->is_stopping) retry_later(s);
        return;
    }
    install(s, cfg, s->compile_source, body, s->compile_len);
    persist_start(s);
    s->backoff_ms = BACKOFF_INITIAL_MS;
    poll_start(s);
}

/* ---- fetching: the feed's long poll, or a peer's /config ---- */

static void fetch_reset(fetch_t *f)
{
    buf_free(&f->body);
    buf_init(&f->body);
    f->req = NULL;
    f->status = 0;
    f->has_revision = false;
    f->revision = 0;
    f->signature_len = 0;
    f->is_too_big = false;
}

static void on_fetch_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    gateway_sync_t *s = ud;
    fetch_t *f = &s->fetch;
    f->status = resp->status;
    const http_header_t *rev = http_find_header(resp->headers, resp->header_count, "X-Meridian-Revision");
    if (rev && rev->value.len > 0 && rev->value.len < 20) {
        uint64_t v = 0;
        bool is_digits = true;
        for (size_t i = 0; i < rev->value.len; i++) {
            char ch = rev->value.ptr[i];
            if (ch < '0' || ch > '9') is_digits = false;
            else v = v * 10 + (uint64_t)(ch - '0');
        }
        f->has_revision = is_digits;
        f->revision = v;
    }
    const http_header_t *sig = http_find_header(resp->headers, resp->header_count, "X-Meridian-Signature");
    if (sig && sig->value.len < LKG_SIGNATURE_MAX) {
        memcpy(f->signature, sig->value.ptr, sig->value.len);
        f->signature_len = sig->value.len;
    }
}

static void on_fetch_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r;
    gateway_sync_t *s = ud;
    fetch_t *f = &s->fetch;
    if (f->is_too_big || f->body.len + len > MAX_SNAPSHOT_BYTES) {
        f->is_too_big = true;
        return;
    }
    if (buf_append(&f->body, data, len) < 0) f->is_too_big = true;
}

static const char *fetch_what(const fetch_t *f)
{
    return f->is_peer ? "peer" : "feed";
}

/* A failed attempt: log the first of a streak, then back off. */
static void fetch_failed(gateway_sync_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fetch_failed(gateway_sync_t *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s->failures++ == 0 || s->fetch.is_peer)
        log_warn("%s: %s; retrying with back-off%s", fetch_what(&s->fetch), msg,
                 s->has_config ? ", serving the configuration in use" : "");
    /* Without any configuration, alternate between the feed and the peer. */
    if (!s->has_config && s->has_peer) s->is_next_peer = !s->fetch.is_peer;
    retry_later(s);
}

static void token_check_start(gateway_sync_t *s);

static void on_fetch_done(upstream_request_t *r, void *ud)
{
    (void)r;
    gateway_sync_t *s = ud;
    fetch_t *f = &s->fetch;
    f->req = NULL;
    if (f->status == 304 && !f->is_peer) {
        s->failures = 0;
        s->backoff_ms = BACKOFF_INITIAL_MS;
        poll_start(s);
        return;
    }
    if (f->status == 401) {
        token_check_start(s); /* the token may have been replaced in its file */
        fetch_failed(s, "401: the token was refused (expired, or its key was regenerated)");
        return;
    }
    if (f->status != 200) {
        fetch_failed(s, "answered %d", f->status);
        return;
    }
    if (f->is_too_big) {
        fetch_failed(s, "snapshot larger than %u bytes", MAX_SNAPSHOT_BYTES);
        return;
    }
    if (s->failures) log_info("%s reachable again", fetch_what(f));
    s->failures = 0;
    if (!lkg_signature_verify(s->token, f->body.data ? f->body.data : "", f->body.len,
                                  f->signature, f->signature_len)) {
        refuse(s, "signature", "the %s's X-Meridian-Signature does not verify with the token "
                               "(revision header %s)",
               fetch_what(f), f->has_revision ? "present" : "missing");
        retry_later(s);
        return;
    }
    if (!f->has_revision) {
        refuse(s, "invalid", "the %s sent no X-Meridian-Revision", fetch_what(f));
        retry_later(s);
        return;
    }
    if (s->has_config && f->revision <= s->revision) {
        refuse(s, "stale", "the %s sent revision %" PRIu64 ", not newer than %" PRIu64 " in use",
               fetch_what(f), f->revision, s->revision);
        retry_later(s);
        return;
    }
    /* Hand the bytes to the compile job. */
    s->compile_len = f->body.len;
    s->compile_body = malloc(f->body.len + 1);
    if (!s->compile_body) abort();
    if (f->body.len) memcpy(s->compile_body, f->body.data, f->body.len);
    s->compile_body[f->body.len] = '\0';
    s->compile_revision = f->revision;
    s->compile_source = f->is_peer ? GATEWAY_SOURCE_PEER : GATEWAY_SOURCE_FEED;
    fetch_reset(f);
    if (s->compile_source == GATEWAY_SOURCE_PEER)
        log_info("seeding from peer %s: revision %" PRIu64, s->opts.seed_from, s->compile_revision);
    s->is_compiling = true;
    s->compile_work.data = s;
    if (uv_queue_work(s->loop, &s->compile_work, compile_work, compile_done) < 0) {
        s->is_compiling = false;
        free(s->compile_body);
        s->compile_body = NULL;
        log_error("cannot queue the snapshot compile");
        retry_later(s);
    }
}

/* The upstream client's error names are the gateway's backend error names; say what they
 * mean for the feed. */
static const char *feed_error_text(int err)
{
    switch (err) {
    case UPSTREAM_ERR_CONNECT:
        return "cannot connect";
    case UPSTREAM_ERR_TIMEOUT:
        return "no answer in time";
    case UPSTREAM_ERR_CLOSED:
        return "connection closed before an answer";
    case UPSTREAM_ERR_BAD_RESPONSE:
        return "malformed answer";
    case UPSTREAM_ERR_TRUNCATED:
        return "answer cut short";
    default:
        return upstream_error_name(err);
    }
}

static void on_fetch_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    gateway_sync_t *s = ud;
    s->fetch.req = NULL;
    fetch_failed(s, "%s", feed_error_text(err));
}

static const upstream_callbacks_t fetch_callbacks = {
    .on_head = on_fetch_head,
    .on_body = on_fetch_body,
    .on_done = on_fetch_done,
    .on_error = on_fetch_error,
};

static void poll_start(gateway_sync_t *s)
{
    if (s->is_stopping || s->fetch.req || s->is_compiling) return;
    fetch_t *f = &s->fetch;
    fetch_reset(f);
    f->is_peer = s->is_next_peer && s->has_peer && !s->has_config;
    s->is_next_peer = false;
    const gw_backend_url_t *to = f->is_peer ? &s->peer : &s->feed;
    /* Without a configuration, after=-1: any revision answers at once, revision 0 of a
     * fresh service included (docs/regions.md, "Configuration feed"). */
    int64_t after = s->has_config ? (int64_t)s->revision : -1;
    if (s->has_refused && (int64_t)s->refused_revision > after) after = (int64_t)s->refused_revision;
    uint32_t wait_s = s->opts.wait_s ? s->opts.wait_s : DEFAULT_WAIT_S;
    buf_t head;
    buf_init(&head);
    int rc;
    if (f->is_peer)
        rc = buf_printf(&head, "GET %s/config HTTP/1.1\r\n", to->base_path);
    else
        rc = buf_printf(&head, "GET %s/gateway/v1/config?region=%s&after=%" PRId64 "&wait=%u HTTP/1.1\r\n",
                        to->base_path, s->slug, after, wait_s);
    rc |= buf_printf(&head, "Host: %s\r\nAuthorization: %s\r\nAccept: application/json\r\n\r\n",
                     to->host_header, s->token);
    if (rc < 0) abort();
    upstream_request_spec_t spec = {
        .host = to->host,
        .port = to->port,
        .origin_key = to->origin_key,
        .tls = to->is_https,
        .tls_server_name = to->host,
        .head = head.data,
        .head_len = head.len,
        .method = HTTP_METHOD_GET,
        .response_timeout_ms = f->is_peer ? PEER_TIMEOUT_MS : wait_s * 1000u + POLL_SLACK_MS,
    };
    f->req = upstream_request_start(s->pool, &spec, &fetch_callbacks, s);
    buf_free(&head);
    if (!f->req) {
        log_error("cannot start a request to the %s", fetch_what(f));
        retry_later(s);
    }
}

static void on_retry_timer(uv_timer_t *t)
{
    poll_start(t->data);
}

static void retry_later(gateway_sync_t *s)
{
    if (s->is_stopping) return;
    uv_timer_start(&s->retry_timer, on_retry_timer, s->backoff_ms, 0);
    uint32_t next = s->backoff_ms * 2;
    s->backoff_ms = next > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : next;
}

/* ---- heartbeats ---- */

static void on_heartbeat_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    gateway_sync_t *s = ud;
    s->heartbeat_status = resp->status;
}

static void on_heartbeat_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r, (void)data, (void)len, (void)ud;
}

static void on_heartbeat_done(upstream_request_t *r, void *ud)
{
    (void)r;
    gateway_sync_t *s = ud;
    s->heartbeat = NULL;
    if (s->heartbeat_status != 204 && s->heartbeat_status != 200)
        log_debug("heartbeat answered %d", s->heartbeat_status);
}

static void on_heartbeat_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    gateway_sync_t *s = ud;
    s->heartbeat = NULL;
    log_debug("heartbeat failed: %s", feed_error_text(err));
}

static const upstream_callbacks_t heartbeat_callbacks = {
    .on_head = on_heartbeat_head,
    .on_body = on_heartbeat_body,
    .on_done = on_heartbeat_done,
    .on_error = on_heartbeat_error,
};

static void heartbeat_send(gateway_sync_t *s)
{
    if (s->heartbeat) return; /* the previous one is still out: the feed is slow or gone */
    uint64_t requests = 0, errors = 0;
    gateway_metrics_totals(s->host.metrics, &requests, &errors);
    buf_t body, head;
    buf_init(&body);
    buf_init(&head);
    int rc = buf_printf(&body,
                        "{\"unit\": %d, \"instanceId\": \"%s\", \"revision\": %" PRIu64 ", "
                        "\"source\": \"%s\", \"uptimeSeconds\": %" PRIu64 ", \"requests\": %" PRIu64
                        ", \"errors\": %" PRIu64 "}",
                        s->opts.unit_index, s->instance_id, s->has_config ? s->revision : 0,
                        gateway_source_name(s->has_config ? s->source : GATEWAY_SOURCE_NONE),
                        (clock_mono_ms() - s->started_ms) / 1000, requests, errors);
    rc |= buf_printf(&head,
                     "POST %s/gateway/v1/heartbeat?region=%s HTTP/1.1\r\nHost: %s\r\n"
                     "Authorization: %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     s->feed.base_path, s->slug, s->feed.host_header, s->token, body.len);
    if (rc < 0) abort();
    upstream_request_spec_t spec = {
        .host = s->feed.host,
        .port = s->feed.port,
        .origin_key = s->feed.origin_key,
        .tls = s->feed.is_https,
        .tls_server_name = s->feed.host,
        .head = head.data,
        .head_len = head.len,
        .method = HTTP_METHOD_POST,
        .has_body = true,
        .response_timeout_ms = HEARTBEAT_TIMEOUT_MS,
    };
    s->heartbeat_status = 0;
    s->heartbeat = upstream_request_start(s->pool, &spec, &heartbeat_callbacks, s);
    if (s->heartbeat) {
        upstream_request_send_body(s->heartbeat, body.data, body.len);
        upstream_request_end_body(s->heartbeat);
    }
    buf_free(&body);
    buf_free(&head);
}

/* ---- the token file, re-read every heartbeat (thread pool) ---- */

static void token_work(uv_work_t *w)
{
    gateway_sync_t *s = w->data;
    s->token_read = lkg_read_token_file(s->opts.token_file, &s->token_err);
}

static void token_done(uv_work_t *w, int status)
{
    gateway_sync_t *s = w->data;
    s->is_reading_token = false;
    char *t = s->token_read;
    s->token_read = NULL;
    if (status != 0 || !t) {
        if (s->token_err) log_warn("keeping the token in use: %s", s->token_err);
    } else if (strcmp(t, s->token) != 0 && lkg_token_is_header_safe(t)) {
        log_info("the token in %s changed: using the new one", s->opts.token_file);
        free(s->token);
        s->token = t;
        t = NULL;
        if (s->has_config) {
            /* Re-sign what is in use, so that peers and a restart verify it with the new
             * token (the old one may be what expired). */
            lkg_signature_compute(s->token, s->body, s->body_len, s->signature);
            if (!s->is_stopping) persist_start(s);
        }
    }
    free(t);
    free(s->token_err);
    s->token_err = NULL;
}

static void token_check_start(gateway_sync_t *s)
{
    if (!s->opts.token_file || s->is_reading_token || s->is_stopping) return;
    s->is_reading_token = true;
    s->token_work.data = s;
    if (uv_queue_work(s->loop, &s->token_work, token_work, token_done) < 0)
        s->is_reading_token = false;
}

static void on_heartbeat_timer(uv_timer_t *t)
{
    gateway_sync_t *s = t->data;
    heartbeat_send(s);
    token_check_start(s);
}

/* ---- lifecycle ---- */

gateway_sync_t *gateway_sync_new(uv_loop_t *loop, const gateway_sync_options_t *opts,
                                 const gateway_sync_host_t *host, char **err)
{
    *err = NULL;
    gateway_sync_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->loop = loop;
    s->opts = *opts;
    s->host = *host;
    s->backoff_ms = BACKOFF_INITIAL_MS;
    s->started_ms = clock_mono_ms();
    buf_init(&s->fetch.body);
    const char *why = NULL;
    if (!opts->config_url || gateway_backend_url_parse(opts->config_url, &s->feed, &why) < 0) {
        if (asprintf(err, "--config-url \"%s\": %s", opts->config_url ? opts->config_url : "",
                     why ? why : "missing") < 0)
            abort();
        goto fail;
    }
    if (opts->seed_from) {
        char *url;
        if (asprintf(&url, "http://%s", opts->seed_from) < 0) abort();
        int rc = gateway_backend_url_parse(url, &s->peer, &why);
        free(url);
        if (rc < 0) {
            if (asprintf(err, "--seed-from \"%s\": %s", opts->seed_from, why) < 0) abort();
            goto fail_peer;
        }
        s->has_peer = true;
        s->is_next_peer = true;
    }
    if (!gateway_region_slug(opts->region, s->slug, sizeof s->slug)) {
        if (asprintf(err, "region \"%s\" has no letters or digits", opts->region) < 0) abort();
        goto fail_token;
    }
    s->token = opts->token ? strdup(opts->token) : lkg_read_token_file(opts->token_file, err);
    if (!s->token) goto fail_token;
    if (!lkg_token_is_header_safe(s->token)) {
        if (asprintf(err, "the token contains control characters") < 0) abort();
        goto fail_token;
    }
    if (opts->state_dir && mkdir(opts->state_dir, 0700) != 0 && errno != EEXIST) {
        if (asprintf(err, "cannot create the state directory %s: %s", opts->state_dir,
                     strerror(errno)) < 0)
            abort();
        goto fail_token;
    }
    if (opts->instance_id) {
        snprintf(s->instance_id, sizeof s->instance_id, "%s", opts->instance_id);
    } else {
        uint8_t id[16];
        random_uuid_v4(id);
        gateway_format_uuid(id, s->instance_id);
    }
    upstream_options_t uo;
    upstream_options_default(&uo);
    uo.max_idle_per_origin = 4;
    s->pool = upstream_pool_new(loop, &uo);
    if (!s->pool) abort();
    if (opts->tls) upstream_pool_set_tls(s->pool, opts->tls);
    uv_timer_init(loop, &s->retry_timer);
    uv_timer_init(loop, &s->heartbeat_timer);
    s->retry_timer.data = s->heartbeat_timer.data = s;
    s->handles_open = 2;
    gateway_metrics_set_source(host->metrics, gateway_source_name(GATEWAY_SOURCE_NONE));
    return s;

fail_token:
    free(s->token);
    if (s->has_peer) gateway_backend_url_free(&s->peer);
fail_peer:
    gateway_backend_url_free(&s->feed);
fail:
    free(s);
    return NULL;
}

void gateway_sync_start(gateway_sync_t *s)
{
    log_info("feed %s, region \"%s\" (slug %s), instance %s%s%s", s->opts.config_url,
             s->opts.region, s->slug, s->instance_id, s->has_peer ? ", peer " : "",
             s->has_peer ? s->opts.seed_from : "");
    if (!s->has_config && !s->has_peer)
        log_warn("no configuration yet: answering 503 until the feed sends one");
    poll_start(s);
    uv_timer_start(&s->heartbeat_timer, on_heartbeat_timer, 0, HEARTBEAT_MS);
}

static void on_handle_closed(uv_handle_t *h)
{
    gateway_sync_t *s = h->data;
    s->handles_open--;
}

void gateway_sync_stop(gateway_sync_t *s)
{
    if (!s || s->is_stopping) return;
    s->is_stopping = true;
    if (s->fetch.req) upstream_request_cancel(s->fetch.req);
    s->fetch.req = NULL;
    if (s->heartbeat) upstream_request_cancel(s->heartbeat);
    s->heartbeat = NULL;
    uv_close((uv_handle_t *)&s->retry_timer, on_handle_closed);
    uv_close((uv_handle_t *)&s->heartbeat_timer, on_handle_closed);
    upstream_pool_close(s->pool);
    s->pool = NULL;
}

void gateway_sync_free(gateway_sync_t *s)
{
    if (!s) return;
    buf_free(&s->fetch.body);
    free(s->compile_body);
    free(s->body);
    free(s->token);
    gateway_backend_url_free(&s->feed);
    if (s->has_peer) gateway_backend_url_free(&s->peer);
    free(s);
}

/* ---- GET /config for peers ---- */

void gateway_sync_serve_config(gateway_sync_t *s, http_exchange_t *ex)
{
    const http_request_t *req = http_exchange_request(ex);
    const http_header_t *auth = http_find_header(req->headers, req->header_count, "Authorization");
    size_t token_len = strlen(s->token);
    /* Only a unit holding this region's token may read the configuration (it holds
     * subscription keys and secrets); the comparison takes constant time. */
    if (!auth || auth->value.len != token_len ||
        CRYPTO_memcmp(auth->value.ptr, s->token, token_len) != 0) {
        http_exchange_respond_error(ex, 401, "Access denied: a valid gateway token is required");
        return;
    }
    if (!s->has_config || !s->signature[0]) {
        http_exchange_respond_error(ex, 503, "Service unavailable: no configuration loaded");
        return;
    }
    char revision[24];
    snprintf(revision, sizeof revision, "%" PRIu64, s->revision);
    http_header_t headers[] = {
        {SLICE_LIT("Content-Type"), SLICE_LIT("application/json")},
        {SLICE_LIT("X-Meridian-Revision"), slice_make(revision, strlen(revision))},
        {SLICE_LIT("X-Meridian-Signature"), slice_make(s->signature, strlen(s->signature))},
    };
    http_response_head_t head = {
        .status = 200,
        .headers = headers,
        .header_count = sizeof headers / sizeof headers[0],
        .content_length = (int64_t)s->body_len,
    };
    if (http_exchange_send_head(ex, &head) < 0) return;
    if (http_exchange_send_body(ex, s->body, s->body_len) < 0) return;
    http_exchange_finish(ex);
}
