/* The router's feed client: see feed.h. The feed protocol itself (long poll, token,
 * signature, back-off, last-known-good file) is http/feed_client.h; what is the router's
 * own is here: its URL and TLS options, what a document means (host->apply), the status
 * reports. */
#include "router/feed.h"

#include "base/log.h"
#include "http/feed_client.h"
#include "http/tls.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_REPORT_MS 5000u
#define REPORT_TIMEOUT_MS 5000u
#define MAX_DOCUMENT_BYTES (64u * 1024 * 1024)

struct router_feed {
    uv_loop_t *loop;
    router_feed_options_t opts;
    router_feed_host_t host;
    feed_client_t *client;
    http_tls_ctx_t *tls; /* https: the client context (the client's pool holds a reference) */
    bool is_stopping;
    uv_timer_t report_timer;
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

/* ---- documents ---- */

/* feed_client_host_t.on_document: a verified document newer than the one in use, from the
 * feed or the last-known-good; the host parses and applies it. */
static void on_feed_document(feed_client_t *c, feed_client_doc_t *doc, void *ud)
{
    router_feed_t *f = ud;
    const char *in_use;
    size_t in_use_len;
    if (doc->from == FEED_CLIENT_FROM_FEED && feed_client_in_use(c, &in_use, &in_use_len, NULL, NULL) &&
        in_use_len == doc->len && memcmp(in_use, doc->body, doc->len) == 0) {
        /* A write elsewhere in the service: the profiles are the same, nothing to reload. */
        feed_client_accept(c, doc);
        return;
    }
    char source[64], err[1024];
    snprintf(source, sizeof source, "%s revision %" PRIu64,
             doc->from == FEED_CLIENT_FROM_LKG ? "last-known-good" : "feed", doc->revision);
    if (f->host.apply(doc->body, doc->len, source, f->host.ud, err, sizeof err) < 0) {
        /* The loader would refuse it again: not asked for again. */
        log_error("router: %s refused: %s", source, err);
        feed_client_refuse(c, doc, true);
        return;
    }
    log_info("router: using %s", source);
    feed_client_accept(c, doc);
}

/* feed_client_host_t.on_refused */
static void on_feed_refused(const char *reason, const char *message, void *ud)
{
    (void)ud;
    if (strcmp(reason, "last-known-good") == 0)
        log_error("router: last-known-good refused: %s", message);
    else
        log_error("router: feed: document refused (%s): %s", reason, message);
}

bool router_feed_load_lkg(router_feed_t *f)
{
    return feed_client_read_lkg(f->client) == 0 && feed_client_in_use(f->client, NULL, NULL, NULL, NULL);
}

int64_t router_feed_revision(const router_feed_t *f)
{
    uint64_t revision;
    return feed_client_in_use(f->client, NULL, NULL, &revision, NULL) ? (int64_t)revision : -1;
}

/* ---- status reports ---- */

static void on_report_done(int status, int err, void *ud)
{
    (void)ud;
    if (err) log_debug("router: status report failed: %s", feed_client_error_text(err));
    else if (status != 204) log_debug("router: status report answered %d", status);
}

/* The token file is re-read on the report timer, like a unit's on its heartbeat. */
static void on_report_timer(uv_timer_t *t)
{
    router_feed_t *f = t->data;
    feed_client_check_token(f->client);
    if (feed_client_is_posting(f->client) || !f->host.report) return; /* the previous one is still out */
    char *body = f->host.report(f->host.ud);
    if (!body) return;
    feed_client_post(f->client, "/router/v1/status", body, strlen(body), REPORT_TIMEOUT_MS,
                     on_report_done, f);
    free(body);
}

/* ---- lifecycle ---- */

router_feed_t *router_feed_new(uv_loop_t *loop, const router_feed_options_t *opts,
                               const router_feed_host_t *host, char **err)
{
    *err = NULL;
    char host_name[256], base[256], host_header[300], origin_key[300];
    uint16_t port;
    bool is_https;
    const char *why = opts->config_url
                          ? router_feed_parse_url(opts->config_url, host_name, &port, base, &is_https)
                          : "missing";
    if (why) {
        if (asprintf(err, "--config-url \"%s\": %s", opts->config_url ? opts->config_url : "", why) < 0)
            abort();
        return NULL;
    }
    bool v6 = strchr(host_name, ':') != NULL;
    snprintf(host_header, sizeof host_header, v6 ? "[%s]:%u" : "%s:%u", host_name, port);
    snprintf(origin_key, sizeof origin_key, "%s:%u", host_name, port);
    router_feed_t *f = calloc(1, sizeof *f);
    if (!f) abort();
    f->loop = loop;
    f->opts = *opts;
    f->host = *host;
    char tls_err[512];
    if (is_https && http_tls_client_ctx_new(opts->ca_file, opts->tls_client_cert,
                                            opts->tls_client_key, &f->tls, tls_err,
                                            sizeof tls_err) < 0) {
        if (asprintf(err, "%s", tls_err) < 0) abort();
        free(f);
        return NULL;
    }
    feed_client_options_t fo = {
        .feed = {.host = host_name, .port = port, .base_path = base, .host_header = host_header,
                 .origin_key = origin_key, .is_https = is_https},
        .poll_path = "/router/v1/config?",
        .token = opts->token,
        .token_file = opts->token_file,
        .state_dir = opts->state_dir,
        .wait_s = opts->wait_s,
        .max_document_bytes = MAX_DOCUMENT_BYTES,
        .max_idle_connections = 2,
        .tls = f->tls,
        .log_prefix = "router: ",
        .in_use_name = "profiles",
    };
    feed_client_host_t fh = {.on_document = on_feed_document, .on_refused = on_feed_refused, .ud = f};
    f->client = feed_client_new(loop, &fo, &fh, err);
    if (!f->client) {
        if (f->tls) http_tls_ctx_unref(f->tls);
        free(f);
        return NULL;
    }
    uv_timer_init(loop, &f->report_timer);
    f->report_timer.data = f;
    return f;
}

void router_feed_start(router_feed_t *f)
{
    log_info("router: feed %s%s", f->opts.config_url,
             router_feed_revision(f) < 0 ? " (no profiles until it answers)" : "");
    feed_client_start(f->client);
    uint32_t every = f->opts.report_ms ? f->opts.report_ms : DEFAULT_REPORT_MS;
    uv_timer_start(&f->report_timer, on_report_timer, every, every);
}

void router_feed_stop(router_feed_t *f)
{
    if (!f || f->is_stopping) return;
    f->is_stopping = true;
    feed_client_stop(f->client);
    uv_close((uv_handle_t *)&f->report_timer, NULL);
}

void router_feed_free(router_feed_t *f)
{
    if (!f) return;
    feed_client_free(f->client);
    if (f->tls) http_tls_ctx_unref(f->tls);
    free(f);
}
