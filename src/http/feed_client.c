/* The management plane's feed client shared by gateway units and the router: see
 * feed_client.h. */
#include "http/feed_client.h"

#include "base/buf.h"
#include "base/lkg.h"
#include "base/log.h"
#include "http/upstream.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The feed answers within `wait`; allow for a slow commit and the network on top. */
#define POLL_SLACK_MS 15000u
#define SEED_TIMEOUT_MS 5000u

/* An origin with its strings owned. */
typedef struct {
    char *host, *base_path, *host_header, *origin_key;
    uint16_t port;
    bool is_https;
} origin_t;

/* A last-known-good write (thread pool); one at a time so that an older revision can
 * never be renamed over a newer one. */
typedef struct {
    uv_work_t work;
    feed_client_t *client;
    char *body;
    size_t len;
    uint64_t revision;
    char *token;
    int rc;
    char *err;
} persist_job_t;

struct feed_client {
    uv_loop_t *loop;
    feed_client_host_t host;
    origin_t feed, seed;
    bool has_seed;
    char *poll_path, *seed_path, *token_file, *state_dir, *log_prefix, *in_use_name;
    uint32_t wait_s;
    size_t max_document_bytes;
    upstream_pool_t *pool;
    char *token;
    bool is_stopping;

    /* The document in use. */
    bool has_doc;
    uint64_t revision;
    char *body;
    size_t body_len;
    char signature[LKG_SIGNATURE_MAX];
    /* Highest revision refused as remembered: not asked for again. */
    bool has_refused;
    uint64_t refused_revision;

    /* The poll (or seed fetch) in flight. */
    upstream_request_t *fetch;
    bool is_fetch_from_seed;
    bool is_next_seed; /* next attempt goes to the seed (nothing in use yet) */
    int status;
    bool has_revision;
    uint64_t fetch_revision;
    char fetch_signature[LKG_SIGNATURE_MAX];
    size_t fetch_signature_len;
    buf_t fetch_body;
    bool is_too_big;
    bool is_doc_out; /* on_document handed a document over; the poll waits */
    uv_timer_t retry_timer;
    uint32_t backoff_ms;
    unsigned failures; /* consecutive, for logging a streak once */

    persist_job_t *persisting;
    bool is_persist_wanted; /* persist the document in use once the running write ends */

    uv_work_t token_work;
    bool is_reading_token;
    char *token_read, *token_err;

    upstream_request_t *post;
    int post_status;
    feed_client_post_cb post_done;
    void *post_ud;
};

const char *feed_client_error_text(int err)
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

static char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p) abort();
    return p;
}

static void origin_copy(origin_t *to, const feed_client_origin_t *from)
{
    to->host = xstrdup(from->host);
    to->base_path = xstrdup(from->base_path);
    to->host_header = xstrdup(from->host_header);
    to->origin_key = xstrdup(from->origin_key);
    to->port = from->port;
    to->is_https = from->is_https;
}

static void origin_free(origin_t *o)
{
    free(o->host);
    free(o->base_path);
    free(o->host_header);
    free(o->origin_key);
}

/* ---- the last-known-good ---- */

static void persist_start(feed_client_t *c);

static void persist_work(uv_work_t *w)
{
    persist_job_t *job = w->data;
    job->rc = lkg_write(job->client->state_dir, job->token, job->revision, job->body, job->len,
                        &job->err);
}

static void persist_done(uv_work_t *w, int status)
{
    persist_job_t *job = w->data;
    feed_client_t *c = job->client;
    c->persisting = NULL;
    if (status == 0 && job->rc == 0)
        log_debug("%slast-known-good is revision %" PRIu64, c->log_prefix, job->revision);
    else if (status == 0)
        log_error("%scannot persist the last-known-good: %s", c->log_prefix, job->err);
    free(job->err);
    free(job->body);
    free(job->token);
    free(job);
    if (c->is_persist_wanted && !c->is_stopping) persist_start(c);
}

/* Writes the document in use as the last-known-good (after any write in progress). */
static void persist_start(feed_client_t *c)
{
    c->is_persist_wanted = false;
    if (!c->state_dir || !c->has_doc) return;
    if (c->persisting) {
        c->is_persist_wanted = true;
        return;
    }
    persist_job_t *job = calloc(1, sizeof *job);
    if (!job) abort();
    job->client = c;
    job->body = malloc(c->body_len + 1);
    if (!job->body) abort();
    memcpy(job->body, c->body, c->body_len);
    job->len = c->body_len;
    job->token = xstrdup(c->token);
    job->revision = c->revision;
    job->work.data = job;
    if (uv_queue_work(c->loop, &job->work, persist_work, persist_done) < 0) {
        log_error("%scannot queue the last-known-good write", c->log_prefix);
        free(job->body);
        free(job->token);
        free(job);
        return;
    }
    c->persisting = job;
}

int feed_client_read_lkg(feed_client_t *c)
{
    if (!c->state_dir) return -ENOENT;
    lkg_t l;
    char *err = NULL;
    int rc = lkg_read(c->state_dir, c->token, &l, &err);
    if (rc == -ENOENT) {
        log_info("%sno last-known-good in %s", c->log_prefix, c->state_dir);
    } else if (rc < 0) {
        c->host.on_refused("last-known-good", err ? err : "unreadable", c->host.ud);
    } else {
        feed_client_doc_t *doc = malloc(sizeof *doc);
        if (!doc) abort();
        *doc = (feed_client_doc_t){.body = l.body, .len = l.len, .revision = l.revision,
                                   .from = FEED_CLIENT_FROM_LKG};
        c->host.on_document(c, doc, c->host.ud);
    }
    free(err);
    return rc;
}

/* ---- the long poll ---- */

static void poll_start(feed_client_t *c);

static void on_retry_timer(uv_timer_t *t)
{
    poll_start(t->data);
}

static void retry_later(feed_client_t *c)
{
    if (c->is_stopping) return;
    uv_timer_start(&c->retry_timer, on_retry_timer, c->backoff_ms, 0);
    uint32_t next = c->backoff_ms * 2;
    c->backoff_ms = next > FEED_CLIENT_BACKOFF_MAX_MS ? FEED_CLIENT_BACKOFF_MAX_MS : next;
}

/* The poll went well: ask again at once, with the back-off reset. */
static void poll_again(feed_client_t *c)
{
    c->backoff_ms = FEED_CLIENT_BACKOFF_INITIAL_MS;
    poll_start(c);
}

static const char *fetch_what(const feed_client_t *c)
{
    return c->is_fetch_from_seed ? "peer" : "feed";
}

/* A failed attempt: log the first of a streak (every failure of the seed), back off. */
static void fetch_failed(feed_client_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fetch_failed(feed_client_t *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->failures++ == 0 || c->is_fetch_from_seed)
        log_warn("%s%s: %s; retrying with back-off%s%s%s", c->log_prefix, fetch_what(c), msg,
                 c->has_doc ? ", serving the " : "", c->has_doc ? c->in_use_name : "",
                 c->has_doc ? " in use" : "");
    /* Without any document, alternate between the feed and the seed. */
    if (!c->has_doc && c->has_seed) c->is_next_seed = !c->is_fetch_from_seed;
    retry_later(c);
}

/* A document refused before the host sees it: say why, then back off. */
static void refused(feed_client_t *c, const char *reason, const char *message)
{
    c->host.on_refused(reason, message, c->host.ud);
    retry_later(c);
}

static void on_fetch_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    feed_client_t *c = ud;
    c->status = resp->status;
    const http_header_t *rev = http_find_header(resp->headers, resp->header_count, "X-Meridian-Revision");
    /* At most 19 digits: any such number fits in an int64_t as well. */
    if (rev && rev->value.len > 0 && rev->value.len < 20) {
        uint64_t v = 0;
        bool is_digits = true;
        for (size_t i = 0; i < rev->value.len; i++) {
            char ch = rev->value.ptr[i];
            if (ch < '0' || ch > '9') is_digits = false;
            else v = v * 10 + (uint64_t)(ch - '0');
        }
        c->has_revision = is_digits && v <= INT64_MAX;
        c->fetch_revision = v;
    }
    const http_header_t *sig = http_find_header(resp->headers, resp->header_count, "X-Meridian-Signature");
    if (sig && sig->value.len < LKG_SIGNATURE_MAX) {
        memcpy(c->fetch_signature, sig->value.ptr, sig->value.len);
        c->fetch_signature_len = sig->value.len;
    }
}

static void on_fetch_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r;
    feed_client_t *c = ud;
    if (c->is_too_big || c->fetch_body.len + len > c->max_document_bytes ||
        buf_append(&c->fetch_body, data, len) < 0)
        c->is_too_big = true;
}

static void on_fetch_done(upstream_request_t *r, void *ud)
{
    (void)r;
    feed_client_t *c = ud;
    c->fetch = NULL;
    if (c->status == 304 && !c->is_fetch_from_seed) {
        c->failures = 0;
        poll_again(c);
        return;
    }
    if (c->status == 401) {
        feed_client_check_token(c); /* the token may have been replaced in its file */
        fetch_failed(c, "401: the token was refused (expired, or its key was regenerated)");
        return;
    }
    if (c->status != 200) {
        fetch_failed(c, "answered %d", c->status);
        return;
    }
    if (c->is_too_big) {
        fetch_failed(c, "document larger than %zu bytes", c->max_document_bytes);
        return;
    }
    if (c->failures) log_info("%s%s reachable again", c->log_prefix, fetch_what(c));
    c->failures = 0;
    const char *body = c->fetch_body.data ? c->fetch_body.data : "";
    char why[256];
    if (!lkg_signature_verify(c->token, body, c->fetch_body.len, c->fetch_signature,
                              c->fetch_signature_len)) {
        snprintf(why, sizeof why, "the %s's X-Meridian-Signature does not verify with the token "
                                  "(revision header %s)",
                 fetch_what(c), c->has_revision ? "present" : "missing");
        refused(c, "signature", why);
        return;
    }
    if (!c->has_revision) {
        snprintf(why, sizeof why, "the %s sent no X-Meridian-Revision", fetch_what(c));
        refused(c, "invalid", why);
        return;
    }
    if (c->has_doc && c->fetch_revision <= c->revision) {
        snprintf(why, sizeof why, "the %s sent revision %" PRIu64 ", not newer than %" PRIu64 " in use",
                 fetch_what(c), c->fetch_revision, c->revision);
        refused(c, "stale", why);
        return;
    }
    feed_client_doc_t *doc = malloc(sizeof *doc);
    if (!doc) abort();
    doc->len = c->fetch_body.len;
    doc->body = malloc(doc->len + 1);
    if (!doc->body) abort();
    memcpy(doc->body, body, doc->len);
    doc->body[doc->len] = '\0';
    doc->revision = c->fetch_revision;
    doc->from = c->is_fetch_from_seed ? FEED_CLIENT_FROM_SEED : FEED_CLIENT_FROM_FEED;
    buf_free(&c->fetch_body);
    buf_init(&c->fetch_body);
    c->is_doc_out = true;
    c->host.on_document(c, doc, c->host.ud);
}

static void on_fetch_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    feed_client_t *c = ud;
    c->fetch = NULL;
    fetch_failed(c, "%s", feed_client_error_text(err));
}

static const upstream_callbacks_t fetch_callbacks = {
    .on_head = on_fetch_head,
    .on_body = on_fetch_body,
    .on_done = on_fetch_done,
    .on_error = on_fetch_error,
};

/* Starts a request to `to` with the token; a body makes it a JSON POST. */
static upstream_request_t *request_start(feed_client_t *c, const origin_t *to, const char *method,
                                         const char *path_query, const char *body, size_t len,
                                         uint32_t timeout_ms, const upstream_callbacks_t *cb)
{
    buf_t head;
    buf_init(&head);
    int rc = buf_printf(&head, "%s %s%s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n", method,
                        to->base_path, path_query, to->host_header, c->token);
    if (body)
        rc |= buf_printf(&head, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", len);
    else
        rc |= buf_append_cstr(&head, "Accept: application/json\r\n\r\n");
    if (rc < 0) abort();
    upstream_request_spec_t spec = {
        .host = to->host,
        .port = to->port,
        .origin_key = to->origin_key,
        .tls = to->is_https,
        .tls_server_name = to->host,
        .head = head.data,
        .head_len = head.len,
        .method = body ? HTTP_METHOD_POST : HTTP_METHOD_GET,
        .has_body = body != NULL,
        .response_timeout_ms = timeout_ms,
    };
    upstream_request_t *r = upstream_request_start(c->pool, &spec, cb, c);
    buf_free(&head);
    if (r && body) {
        upstream_request_send_body(r, body, len);
        upstream_request_end_body(r);
    }
    return r;
}

static void poll_start(feed_client_t *c)
{
    if (c->is_stopping || c->fetch || c->is_doc_out) return;
    buf_free(&c->fetch_body);
    buf_init(&c->fetch_body);
    c->status = 0;
    c->has_revision = false;
    c->fetch_revision = 0;
    c->fetch_signature_len = 0;
    c->is_too_big = false;
    c->is_fetch_from_seed = c->is_next_seed && c->has_seed && !c->has_doc;
    c->is_next_seed = false;
    if (c->is_fetch_from_seed) {
        c->fetch = request_start(c, &c->seed, "GET", c->seed_path, NULL, 0, SEED_TIMEOUT_MS,
                                 &fetch_callbacks);
    } else {
        /* Without a document, after=-1: any revision answers at once, revision 0 of a
         * fresh service included (docs/regions.md, "Configuration feed"). A refused
         * revision is not asked for again. */
        int64_t after = c->has_doc ? (int64_t)c->revision : -1;
        if (c->has_refused && (int64_t)c->refused_revision > after)
            after = (int64_t)c->refused_revision;
        char path_query[512];
        snprintf(path_query, sizeof path_query, "%safter=%" PRId64 "&wait=%u", c->poll_path, after,
                 c->wait_s);
        c->fetch = request_start(c, &c->feed, "GET", path_query, NULL, 0,
                                 c->wait_s * 1000u + POLL_SLACK_MS, &fetch_callbacks);
    }
    if (!c->fetch) fetch_failed(c, "cannot start a request");
}

void feed_client_start(feed_client_t *c)
{
    poll_start(c);
}

/* ---- the host's answer ---- */

void feed_client_accept(feed_client_t *c, feed_client_doc_t *doc)
{
    free(c->body);
    c->body = doc->body;
    c->body_len = doc->len;
    c->revision = doc->revision;
    c->has_doc = true;
    if (lkg_signature_compute(c->token, c->body, c->body_len, c->signature) < 0)
        c->signature[0] = '\0';
    bool is_fetched = doc->from != FEED_CLIENT_FROM_LKG;
    free(doc);
    if (!is_fetched) return;
    c->is_doc_out = false;
    if (c->is_stopping) return;
    persist_start(c);
    poll_again(c);
}

void feed_client_refuse(feed_client_t *c, feed_client_doc_t *doc, bool is_remembered)
{
    if (is_remembered && (!c->has_refused || doc->revision > c->refused_revision)) {
        c->refused_revision = doc->revision;
        c->has_refused = true;
    }
    bool is_fetched = doc->from != FEED_CLIENT_FROM_LKG;
    free(doc->body);
    free(doc);
    if (!is_fetched) return;
    c->is_doc_out = false;
    if (is_remembered) poll_again(c);
    else retry_later(c);
}

bool feed_client_in_use(const feed_client_t *c, const char **body, size_t *len,
                        uint64_t *revision, const char **signature)
{
    if (!c->has_doc) return false;
    if (body) *body = c->body;
    if (len) *len = c->body_len;
    if (revision) *revision = c->revision;
    if (signature) *signature = c->signature;
    return true;
}

const char *feed_client_token(const feed_client_t *c)
{
    return c->token;
}

/* ---- the token file (thread pool) ---- */

static void token_work(uv_work_t *w)
{
    feed_client_t *c = w->data;
    c->token_read = lkg_read_token_file(c->token_file, &c->token_err);
}

static void token_done(uv_work_t *w, int status)
{
    feed_client_t *c = w->data;
    c->is_reading_token = false;
    char *t = c->token_read;
    c->token_read = NULL;
    if (status != 0 || !t) {
        if (c->token_err) log_warn("%skeeping the token in use: %s", c->log_prefix, c->token_err);
    } else if (strcmp(t, c->token) != 0 && lkg_token_is_header_safe(t)) {
        log_info("%sthe token in %s changed: using the new one", c->log_prefix, c->token_file);
        free(c->token);
        c->token = t;
        t = NULL;
        if (c->has_doc) {
            /* Re-sign what is in use, so that peers and a restart verify it with the new
             * token (the old one may be what expired). */
            if (lkg_signature_compute(c->token, c->body, c->body_len, c->signature) < 0)
                c->signature[0] = '\0';
            if (!c->is_stopping) persist_start(c);
        }
    }
    free(t);
    free(c->token_err);
    c->token_err = NULL;
}

void feed_client_check_token(feed_client_t *c)
{
    if (!c->token_file || c->is_reading_token || c->is_stopping) return;
    c->is_reading_token = true;
    c->token_work.data = c;
    if (uv_queue_work(c->loop, &c->token_work, token_work, token_done) < 0)
        c->is_reading_token = false;
}

/* ---- side requests ---- */

static void on_post_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    ((feed_client_t *)ud)->post_status = resp->status;
}

static void on_post_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r, (void)data, (void)len, (void)ud;
}

static void on_post_done(upstream_request_t *r, void *ud)
{
    (void)r;
    feed_client_t *c = ud;
    c->post = NULL;
    c->post_done(c->post_status, 0, c->post_ud);
}

static void on_post_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    feed_client_t *c = ud;
    c->post = NULL;
    c->post_done(0, err, c->post_ud);
}

static const upstream_callbacks_t post_callbacks = {
    .on_head = on_post_head,
    .on_body = on_post_body,
    .on_done = on_post_done,
    .on_error = on_post_error,
};

int feed_client_post(feed_client_t *c, const char *path_query, const char *body, size_t len,
                     uint32_t timeout_ms, feed_client_post_cb done, void *ud)
{
    if (c->post) return -EBUSY;
    if (c->is_stopping) return -EIO;
    c->post_status = 0;
    c->post_done = done;
    c->post_ud = ud;
    c->post = request_start(c, &c->feed, "POST", path_query, body ? body : "", len, timeout_ms,
                            &post_callbacks);
    return c->post ? 0 : -EIO;
}

bool feed_client_is_posting(const feed_client_t *c)
{
    return c->post != NULL;
}

/* ---- lifecycle ---- */

feed_client_t *feed_client_new(uv_loop_t *loop, const feed_client_options_t *opts,
                               const feed_client_host_t *host, char **err)
{
    *err = NULL;
    char *token = opts->token ? xstrdup(opts->token) : lkg_read_token_file(opts->token_file, err);
    if (!token) return NULL;
    if (!lkg_token_is_header_safe(token)) {
        if (asprintf(err, "the token contains control characters") < 0) abort();
        goto fail;
    }
    if (opts->state_dir && mkdir(opts->state_dir, 0700) != 0 && errno != EEXIST) {
        if (asprintf(err, "cannot create the state directory %s: %s", opts->state_dir,
                     strerror(errno)) < 0)
            abort();
        goto fail;
    }
    feed_client_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->loop = loop;
    c->host = *host;
    c->token = token;
    origin_copy(&c->feed, &opts->feed);
    if (opts->seed) {
        origin_copy(&c->seed, opts->seed);
        c->has_seed = c->is_next_seed = true;
    }
    c->poll_path = xstrdup(opts->poll_path);
    c->seed_path = xstrdup(opts->seed_path);
    c->token_file = opts->token_file ? xstrdup(opts->token_file) : NULL;
    c->state_dir = opts->state_dir ? xstrdup(opts->state_dir) : NULL;
    c->log_prefix = xstrdup(opts->log_prefix);
    c->in_use_name = xstrdup(opts->in_use_name ? opts->in_use_name : "document");
    c->wait_s = opts->wait_s ? opts->wait_s : FEED_CLIENT_DEFAULT_WAIT_S;
    c->max_document_bytes = opts->max_document_bytes;
    c->backoff_ms = FEED_CLIENT_BACKOFF_INITIAL_MS;
    buf_init(&c->fetch_body);
    upstream_options_t uo;
    upstream_options_default(&uo);
    if (opts->max_idle_connections) uo.max_idle_per_origin = opts->max_idle_connections;
    c->pool = upstream_pool_new(loop, &uo);
    if (!c->pool) abort();
    if (opts->tls) upstream_pool_set_tls(c->pool, opts->tls);
    uv_timer_init(loop, &c->retry_timer);
    c->retry_timer.data = c;
    return c;

fail:
    free(token);
    return NULL;
}

void feed_client_stop(feed_client_t *c)
{
    if (!c || c->is_stopping) return;
    c->is_stopping = true;
    if (c->fetch) upstream_request_cancel(c->fetch);
    c->fetch = NULL;
    if (c->post) upstream_request_cancel(c->post);
    c->post = NULL;
    uv_close((uv_handle_t *)&c->retry_timer, NULL);
    upstream_pool_close(c->pool);
    c->pool = NULL;
}

void feed_client_free(feed_client_t *c)
{
    if (!c) return;
    buf_free(&c->fetch_body);
    free(c->body);
    free(c->token);
    origin_free(&c->feed);
    if (c->has_seed) origin_free(&c->seed);
    free(c->poll_path);
    free(c->seed_path);
    free(c->token_file);
    free(c->state_dir);
    free(c->log_prefix);
    free(c->in_use_name);
    free(c);
}
