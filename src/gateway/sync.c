/* The configuration feed client of a unit: see sync.h. The feed protocol itself (long
 * poll, token, signature, back-off, last-known-good file) is http/feed_client.h; what is
 * a unit's own is here: compiling snapshots, the configuration source, peers, heartbeats. */
#include "gateway/sync.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "http/feed_client.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEARTBEAT_MS 5000u
#define HEARTBEAT_TIMEOUT_MS 5000u
/* A snapshot larger than this is refused rather than buffered. */
#define MAX_SNAPSHOT_BYTES (256u * 1024 * 1024)
#define SLUG_MAX 128

struct gateway_sync {
    uv_loop_t *loop;
    gateway_sync_options_t opts;
    gateway_sync_host_t host;
    char slug[SLUG_MAX];
    gw_backend_url_t feed, peer;
    bool has_peer;
    feed_client_t *client;
    char instance_id[37];
    uint64_t started_ms;
    bool is_stopping;
    gateway_source_t source; /* of the configuration in use (feed_client_in_use) */

    /* Compile on the thread pool. */
    uv_work_t compile_work;
    feed_client_doc_t *compile_doc;
    gateway_config_t *compile_result;
    char *compile_err;

    uv_timer_t heartbeat_timer;
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

/* ---- installing ---- */

static gateway_source_t source_of(const feed_client_doc_t *doc)
{
    switch (doc->from) {
    case FEED_CLIENT_FROM_LKG:
        return GATEWAY_SOURCE_LKG;
    case FEED_CLIENT_FROM_SEED:
        return GATEWAY_SOURCE_PEER;
    default:
        return GATEWAY_SOURCE_FEED;
    }
}

/* Hands cfg to the host, then doc's bytes become the ones in use (and persisted, after
 * the swap, when they came from the feed or a peer). */
static void install(gateway_sync_t *s, gateway_config_t *cfg, feed_client_doc_t *doc)
{
    s->source = source_of(doc);
    gateway_metrics_set_source(s->host.metrics, gateway_source_name(s->source));
    s->host.install(cfg, s->source, s->host.ud);
    feed_client_accept(s->client, doc);
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

/* feed_client_host_t.on_refused */
static void on_feed_refused(const char *reason, const char *message, void *ud)
{
    refuse(ud, reason, "%s", message);
}

/* The last-known-good, at start-up: compiled here, before anything is served. */
static void load_lkg_document(gateway_sync_t *s, feed_client_doc_t *doc)
{
    char source[64], *err = NULL;
    snprintf(source, sizeof source, "last-known-good revision %" PRIu64, doc->revision);
    gateway_config_t *cfg = gateway_config_compile(doc->body, doc->len, source, s->opts.region, &err);
    if (!cfg) {
        refuse(s, "last-known-good", "%s", err);
        free(err);
        feed_client_refuse(s->client, doc, false);
        return;
    }
    if (cfg->revision != doc->revision) {
        refuse(s, "last-known-good", "the header says revision %" PRIu64 ", the snapshot %" PRIu64,
               doc->revision, cfg->revision);
        gateway_config_unref(cfg);
        feed_client_refuse(s->client, doc, false);
        return;
    }
    log_info("serving last-known-good revision %" PRIu64, doc->revision);
    install(s, cfg, doc);
}

bool gateway_sync_load_lkg(gateway_sync_t *s)
{
    return feed_client_read_lkg(s->client) == 0 && feed_client_in_use(s->client, NULL, NULL, NULL, NULL);
}

/* ---- compile (thread pool) ---- */

static void compile_work(uv_work_t *w)
{
    gateway_sync_t *s = w->data;
    const feed_client_doc_t *doc = s->compile_doc;
    char source[64];
    snprintf(source, sizeof source, "%s revision %" PRIu64,
             doc->from == FEED_CLIENT_FROM_SEED ? "peer" : "feed", doc->revision);
    s->compile_result = gateway_config_compile(doc->body, doc->len, source, s->opts.region,
                                               &s->compile_err);
}

static void compile_done(uv_work_t *w, int status)
{
    gateway_sync_t *s = w->data;
    gateway_config_t *cfg = s->compile_result;
    feed_client_doc_t *doc = s->compile_doc;
    s->compile_result = NULL;
    s->compile_doc = NULL;
    uint64_t in_use;
    bool has_config = feed_client_in_use(s->client, NULL, NULL, &in_use, NULL);
    bool is_ok = false, is_remembered = false;
    if (status != 0 || !cfg) {
        /* A revision that does not compile is not asked for again (docs/regions.md). */
        refuse(s, "invalid", "%s", s->compile_err ? s->compile_err : "cancelled");
        is_remembered = true;
    } else if (cfg->revision != doc->revision) {
        refuse(s, "invalid", "X-Meridian-Revision is %" PRIu64 " but the snapshot says %" PRIu64,
               doc->revision, cfg->revision);
    } else if (has_config && cfg->revision <= in_use) {
        refuse(s, "stale", "revision %" PRIu64 " is not newer than %" PRIu64 " in use",
               cfg->revision, in_use);
    } else {
        is_ok = true;
    }
    free(s->compile_err);
    s->compile_err = NULL;
    if (!is_ok || s->is_stopping) {
        if (cfg) gateway_config_unref(cfg);
        feed_client_refuse(s->client, doc, is_remembered);
        return;
    }
    install(s, cfg, doc);
}

/* feed_client_host_t.on_document: a verified snapshot, newer than the one in use. */
static void on_feed_document(feed_client_t *c, feed_client_doc_t *doc, void *ud)
{
    gateway_sync_t *s = ud;
    if (doc->from == FEED_CLIENT_FROM_LKG) {
        load_lkg_document(s, doc);
        return;
    }
    if (doc->from == FEED_CLIENT_FROM_SEED)
        log_info("seeding from peer %s: revision %" PRIu64, s->opts.seed_from, doc->revision);
    s->compile_doc = doc;
    s->compile_work.data = s;
    if (uv_queue_work(s->loop, &s->compile_work, compile_work, compile_done) < 0) {
        s->compile_doc = NULL;
        log_error("cannot queue the snapshot compile");
        feed_client_refuse(c, doc, false);
    }
}

/* ---- heartbeats ---- */

static void on_heartbeat_done(int status, int err, void *ud)
{
    (void)ud;
    if (err) log_debug("heartbeat failed: %s", feed_client_error_text(err));
    else if (status != 204 && status != 200) log_debug("heartbeat answered %d", status);
}

static void heartbeat_send(gateway_sync_t *s)
{
    /* The previous one is still out: the feed is slow or gone. */
    if (feed_client_is_posting(s->client)) return;
    uint64_t requests = 0, errors = 0, revision = 0;
    gateway_metrics_totals(s->host.metrics, &requests, &errors);
    bool has_config = feed_client_in_use(s->client, NULL, NULL, &revision, NULL);
    buf_t body;
    buf_init(&body);
    char path[SLUG_MAX + 64];
    snprintf(path, sizeof path, "/gateway/v1/heartbeat?region=%s", s->slug);
    if (buf_printf(&body,
                   "{\"unit\": %d, \"instanceId\": \"%s\", \"revision\": %" PRIu64 ", "
                   "\"source\": \"%s\", \"uptimeSeconds\": %" PRIu64 ", \"requests\": %" PRIu64
                   ", \"errors\": %" PRIu64 "}",
                   s->opts.unit_index, s->instance_id, revision,
                   gateway_source_name(has_config ? s->source : GATEWAY_SOURCE_NONE),
                   (clock_mono_ms() - s->started_ms) / 1000, requests, errors) < 0)
        abort();
    feed_client_post(s->client, path, body.data, body.len, HEARTBEAT_TIMEOUT_MS, on_heartbeat_done, s);
    buf_free(&body);
}

/* Heartbeats and the token file re-read share one 5 s timer (docs/regions.md). */
static void on_heartbeat_timer(uv_timer_t *t)
{
    gateway_sync_t *s = t->data;
    heartbeat_send(s);
    feed_client_check_token(s->client);
}

/* ---- lifecycle ---- */

static feed_client_origin_t origin_of(const gw_backend_url_t *u)
{
    return (feed_client_origin_t){.host = u->host, .port = u->port, .base_path = u->base_path,
                                  .host_header = u->host_header, .origin_key = u->origin_key,
                                  .is_https = u->is_https};
}

gateway_sync_t *gateway_sync_new(uv_loop_t *loop, const gateway_sync_options_t *opts,
                                 const gateway_sync_host_t *host, char **err)
{
    *err = NULL;
    gateway_sync_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->loop = loop;
    s->opts = *opts;
    s->host = *host;
    s->started_ms = clock_mono_ms();
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
    }
    if (!gateway_region_slug(opts->region, s->slug, sizeof s->slug)) {
        if (asprintf(err, "region \"%s\" has no letters or digits", opts->region) < 0) abort();
        goto fail_client;
    }
    char poll_path[SLUG_MAX + 64];
    snprintf(poll_path, sizeof poll_path, "/gateway/v1/config?region=%s&", s->slug);
    feed_client_origin_t peer = s->has_peer ? origin_of(&s->peer) : (feed_client_origin_t){0};
    feed_client_options_t fo = {
        .feed = origin_of(&s->feed),
        .poll_path = poll_path,
        .seed = s->has_peer ? &peer : NULL,
        .seed_path = "/config",
        .token = opts->token,
        .token_file = opts->token_file,
        .state_dir = opts->state_dir,
        .wait_s = opts->wait_s,
        .max_document_bytes = MAX_SNAPSHOT_BYTES,
        .max_idle_connections = 4,
        .tls = opts->tls,
        .log_prefix = "",
        .in_use_name = "configuration",
    };
    feed_client_host_t fh = {.on_document = on_feed_document, .on_refused = on_feed_refused, .ud = s};
    s->client = feed_client_new(loop, &fo, &fh, err);
    if (!s->client) goto fail_client;
    if (opts->instance_id) {
        snprintf(s->instance_id, sizeof s->instance_id, "%s", opts->instance_id);
    } else {
        uint8_t id[16];
        random_uuid_v4(id);
        gateway_format_uuid(id, s->instance_id);
    }
    uv_timer_init(loop, &s->heartbeat_timer);
    s->heartbeat_timer.data = s;
    gateway_metrics_set_source(host->metrics, gateway_source_name(GATEWAY_SOURCE_NONE));
    return s;

fail_client:
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
    bool has_config = feed_client_in_use(s->client, NULL, NULL, NULL, NULL);
    if (!has_config && !s->has_peer)
        log_warn("no configuration yet: answering 503 until the feed sends one");
    feed_client_start(s->client);
    uv_timer_start(&s->heartbeat_timer, on_heartbeat_timer, 0, HEARTBEAT_MS);
}

void gateway_sync_stop(gateway_sync_t *s)
{
    if (!s || s->is_stopping) return;
    s->is_stopping = true;
    feed_client_stop(s->client);
    uv_close((uv_handle_t *)&s->heartbeat_timer, NULL);
}

void gateway_sync_free(gateway_sync_t *s)
{
    if (!s) return;
    feed_client_free(s->client);
    gateway_backend_url_free(&s->feed);
    if (s->has_peer) gateway_backend_url_free(&s->peer);
    free(s);
}

/* ---- GET /config for peers ---- */

void gateway_sync_serve_config(gateway_sync_t *s, http_exchange_t *ex)
{
    const http_request_t *req = http_exchange_request(ex);
    const http_header_t *auth = http_find_header(req->headers, req->header_count, "Authorization");
    const char *token = feed_client_token(s->client);
    size_t token_len = strlen(token);
    /* Only a unit holding this region's token may read the configuration (it holds
     * subscription keys and secrets); the comparison takes constant time. */
    if (!auth || auth->value.len != token_len ||
        CRYPTO_memcmp(auth->value.ptr, token, token_len) != 0) {
        http_exchange_respond_error(ex, 401, "Access denied: a valid gateway token is required");
        return;
    }
    const char *body, *signature;
    size_t body_len;
    uint64_t in_use;
    if (!feed_client_in_use(s->client, &body, &body_len, &in_use, &signature) || !signature[0]) {
        http_exchange_respond_error(ex, 503, "Service unavailable: no configuration loaded");
        return;
    }
    char revision[24];
    snprintf(revision, sizeof revision, "%" PRIu64, in_use);
    http_header_t headers[] = {
        {SLICE_LIT("Content-Type"), SLICE_LIT("application/json")},
        {SLICE_LIT("X-Meridian-Revision"), slice_make(revision, strlen(revision))},
        {SLICE_LIT("X-Meridian-Signature"), slice_make(signature, strlen(signature))},
    };
    http_response_head_t head = {
        .status = 200,
        .headers = headers,
        .header_count = sizeof headers / sizeof headers[0],
        .content_length = (int64_t)body_len,
    };
    if (http_exchange_send_head(ex, &head) < 0) return;
    if (http_exchange_send_body(ex, body, body_len) < 0) return;
    http_exchange_finish(ex);
}
