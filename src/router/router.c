/* `meridian router`: see router.h. */
#include "router/router.h"

#include "base/buf.h"
#include "base/log.h"
#include "http/server.h"
#include "http/tls.h"
#include "router/dns_server.h"
#include "router/edge.h"
#include "router/feed.h"
#include "router/geoip.h"
#include "router/monitor.h"
#include "router/profile.h"
#include "router/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uv_loop_t *loop;
    const router_options_t *opts;
    router_config_t *cfg;
    router_status_t *statuses;
    router_monitor_t *monitor;
    router_feed_t *feed;
    router_edge_t *edge;
    router_dns_server_t *dns;
    http_server_t *admin;
    uv_signal_t sigterm, sigint;
} router_t;

int router_check(const char *profiles_path)
{
    char err[1024];
    router_config_t *c = router_config_load(profiles_path, err, sizeof err);
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("%s: ok, %zu profile%s\n", profiles_path, c->profile_count, c->profile_count == 1 ? "" : "s");
    router_config_free(c);
    return 0;
}

static void append_json_string(buf_t *b, const char *s)
{
    buf_append(b, "\"", 1);
    buf_append_json_escaped(b, s, strlen(s));
    buf_append(b, "\"", 1);
}

/* Every profile's derived status and every endpoint's status, as JSON (GET /status of
 * the admin listener, and the report sent to the management plane in feed mode). */
static void status_json(const router_t *r, buf_t *b)
{
    buf_append_cstr(b, "{\"profiles\":[");
    for (size_t i = 0; i < r->cfg->profile_count; i++) {
        const router_profile_t *p = &r->cfg->profiles[i];
        buf_append_cstr(b, i ? ",{\"name\":" : "{\"name\":");
        append_json_string(b, p->name);
        buf_append_cstr(b, ",\"fqdn\":");
        append_json_string(b, p->fqdn);
        buf_printf(b, ",\"routingMethod\":\"%s\",\"profileMonitorStatus\":\"%s\",\"endpoints\":[",
                   router_method_name(p->method), router_profile_status(r->cfg, p, r->statuses));
        for (size_t k = 0; k < p->endpoint_count; k++) {
            const router_endpoint_t *e = p->endpoints[k];
            buf_append_cstr(b, k ? ",{\"name\":" : "{\"name\":");
            append_json_string(b, e->name);
            if (e->location) {
                buf_append_cstr(b, ",\"location\":");
                append_json_string(b, e->location);
            }
            buf_printf(b, ",\"endpointMonitorStatus\":\"%s\"}",
                       router_status_name(router_endpoint_status(r->cfg, e, r->statuses)));
        }
        buf_append_cstr(b, "]}");
    }
    buf_append_cstr(b, "]");
    if (r->feed) buf_printf(b, ",\"revision\":%lld", (long long)router_feed_revision(r->feed));
    if (r->edge) {
        router_edge_stats_t s = router_edge_stats(r->edge);
        buf_printf(b, ",\"edge\":{\"requests\":%llu,\"retries\":%llu,\"failed\":%llu}",
                   (unsigned long long)s.requests, (unsigned long long)s.retries,
                   (unsigned long long)s.failed);
    }
    if (r->dns) {
        router_dns_stats_t s = router_dns_stats(r->dns);
        buf_printf(b, ",\"dns\":{\"queries\":%llu,\"errors\":%llu,\"dropped\":%llu}",
                   (unsigned long long)s.queries, (unsigned long long)s.errors,
                   (unsigned long long)s.dropped);
    }
    buf_append_cstr(b, "}");
}

static void admin_on_request(http_exchange_t *ex, void *ud)
{
    router_t *r = ud;
    const http_request_t *req = http_exchange_request(ex);
    if (!slice_eq(req->path, SLICE_LIT("/status"))) {
        http_exchange_respond_error(ex, 404, "Resource not found");
        return;
    }
    buf_t b;
    buf_init(&b);
    status_json(r, &b);
    http_exchange_respond(ex, 200, "application/json", b.data, b.len);
    buf_free(&b);
}

static void admin_on_complete(http_exchange_t *ex, bool ok, void *ud)
{
    (void)ex;
    (void)ok;
    (void)ud;
}

static const http_handler_t admin_handler = {
    .on_request = admin_on_request,
    .on_complete = admin_on_complete,
};

/* The configuration before a reload, freed once its monitor has let go of it. */
typedef struct {
    router_config_t *cfg;
    router_status_t *statuses;
} retired_t;

static void free_retired(void *ud)
{
    retired_t *old = ud;
    router_config_free(old->cfg);
    free(old->statuses);
    free(old);
}

static void stop_monitor(router_t *r)
{
    retired_t *old = calloc(1, sizeof *old);
    if (!old) abort();
    old->cfg = r->cfg;
    old->statuses = r->statuses;
    r->cfg = NULL;
    r->statuses = NULL;
    if (r->monitor) router_monitor_stop(r->monitor, free_retired, old);
    else free_retired(old);
    r->monitor = NULL;
}

static void on_signal(uv_signal_t *sig, int signum)
{
    router_t *r = sig->data;
    log_info("router: %s, stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    uv_signal_stop(&r->sigterm);
    uv_signal_stop(&r->sigint);
    uv_close((uv_handle_t *)&r->sigterm, NULL);
    uv_close((uv_handle_t *)&r->sigint, NULL);
    router_feed_stop(r->feed);
    router_monitor_stop(r->monitor, NULL, NULL); /* the configuration is freed after uv_run */
    r->monitor = NULL;
    if (r->edge) router_edge_close(r->edge);
    if (r->dns) router_dns_close(r->dns);
    r->dns = NULL;
    if (r->admin) {
        http_server_stop_accepting(r->admin);
        http_server_close(r->admin);
        r->admin = NULL;
    }
}

/* Prints the failover arithmetic of spec §6.2 for each profile, so operators (and the
 * failover test) know how long detection takes. */
static void log_detection(const router_config_t *c)
{
    for (size_t i = 0; i < c->profile_count; i++) {
        const router_profile_t *p = &c->profiles[i];
        const router_monitor_config_t *m = &p->monitor;
        log_info("router: profile %s (%s, %s, TTL %u s): detection %.1f-%.1f s "
                 "(interval %.1f s x tolerated failures %u + timeout %.1f s)",
                 p->fqdn, router_method_name(p->method), p->is_enabled ? "Enabled" : "Disabled",
                 p->ttl, router_monitor_detect_min_ms(m) / 1000.0,
                 router_monitor_detect_max_ms(m) / 1000.0, m->interval_ms / 1000.0,
                 m->tolerated_failures, m->timeout_ms / 1000.0);
    }
}

static const router_profile_t *find_profile(const router_config_t *c, const char *name)
{
    for (size_t i = 0; name && i < c->profile_count; i++)
        if (strcmp(c->profiles[i].name, name) == 0) return &c->profiles[i];
    return NULL;
}

/* Makes `cfg` the configuration in use: a new monitor (keeping the verdicts of endpoints
 * probed as before), then the front doors switch in one loop turn; the listeners stay
 * open. The previous configuration is freed when its monitor has stopped. */
static void install(router_t *r, router_config_t *cfg)
{
    cfg->geoip = r->opts->geoip;
    router_status_t *statuses = calloc(cfg->endpoint_count ? cfg->endpoint_count : 1, sizeof *statuses);
    if (!statuses) abort();
    router_monitor_t *monitor = router_monitor_start(r->loop, cfg, statuses, r->monitor);
    if (!monitor) abort();
    const router_profile_t *fallback = find_profile(cfg, r->opts->edge_profile);
    if (r->opts->edge_profile && !fallback && cfg->profile_count)
        log_warn("router: --edge-profile: no profile named '%s'; using the first",
                 r->opts->edge_profile);
    if (r->dns) router_dns_set_config(r->dns, cfg, statuses);
    if (r->edge) router_edge_set_config(r->edge, cfg, statuses, fallback);
    if (r->cfg) stop_monitor(r);
    r->cfg = cfg;
    r->statuses = statuses;
    r->monitor = monitor;
    log_detection(cfg);
}

/* router_feed_host_t.apply: a document from the management plane or the last-known-good. */
static int feed_apply(const char *text, size_t len, const char *source, void *ud, char *err,
                      size_t err_size)
{
    router_t *r = ud;
    router_config_t *cfg = router_config_parse(text, len, source, err, err_size);
    if (!cfg) return -1;
    install(r, cfg);
    log_info("router: %zu profile%s from %s", cfg->profile_count,
             cfg->profile_count == 1 ? "" : "s", source);
    return 0;
}

static char *feed_report(void *ud)
{
    router_t *r = ud;
    buf_t b;
    buf_init(&b);
    status_json(r, &b);
    char *text = strndup(b.data ? b.data : "{}", b.len);
    buf_free(&b);
    return text;
}

/* Until the first document arrives (feed mode, no last-known-good): no profiles, so DNS
 * answers REFUSED and the edge 503. */
static router_config_t *empty_config(void)
{
    static const char text[] = "{\"zone\": \"invalid\", \"profiles\": []}";
    char err[256];
    router_config_t *c = router_config_parse(text, sizeof text - 1, "(none)", err, sizeof err);
    if (!c) abort();
    return c;
}

/* The TLS contexts of the edge: the HTTPS listener's certificates, and the CAs its HTTPS
 * endpoints are checked against. NULL server context when there is no HTTPS listener. */
static int edge_tls_contexts(const router_options_t *o, http_tls_ctx_t **server, http_tls_ctx_t **client)
{
    char err[512];
    *server = *client = NULL;
    if (http_tls_client_ctx_new(o->ca_file, o->tls_client_cert, o->tls_client_key, client, err,
                                sizeof err) < 0) {
        fprintf(stderr, "meridian router: %s\n", err);
        return -1;
    }
    if (!o->edge_tls_addr) return 0;
    if (http_tls_server_ctx_new(o->tls_cert, o->tls_key, server, err, sizeof err) < 0 ||
        (o->tls_cert_dir && http_tls_server_ctx_add_sni_dir(*server, o->tls_cert_dir, err, sizeof err) < 0)) {
        fprintf(stderr, "meridian router: %s\n", err);
        http_tls_ctx_unref(*server);
        http_tls_ctx_unref(*client);
        *server = *client = NULL;
        return -1;
    }
    return 0;
}

/* Starts the L7 edge on its plain and/or HTTPS listener. Returns 0, or -1 after saying why. */
static int start_edge(router_t *r)
{
    const router_options_t *o = r->opts;
    http_tls_ctx_t *server_tls, *client_tls;
    if (edge_tls_contexts(o, &server_tls, &client_tls) < 0) return -1;
    router_edge_options_t eo = {.cfg = r->cfg, .statuses = r->statuses,
                                .fallback = find_profile(r->cfg, o->edge_profile),
                                .trust_xff = o->trust_xff, .client_tls = client_tls};
    int rc = router_edge_listen(r->loop, o->edge_addr, &eo, &r->edge);
    if (rc < 0)
        fprintf(stderr, "meridian router: --edge %s: %s\n", o->edge_addr, uv_strerror(rc));
    else if (o->edge_tls_addr && (rc = router_edge_listen_tls(r->edge, o->edge_tls_addr, server_tls)) < 0)
        fprintf(stderr, "meridian router: --edge-tls %s: %s\n", o->edge_tls_addr, uv_strerror(rc));
    /* The edge and its listener hold their own references. */
    http_tls_ctx_unref(server_tls);
    http_tls_ctx_unref(client_tls);
    return rc < 0 ? -1 : 0;
}

int router_run(const router_options_t *o)
{
    log_set_prefix("router");
    router_t r;
    memset(&r, 0, sizeof r);
    r.opts = o;
    r.loop = uv_default_loop();
    char err[1024];
    router_config_t *first = NULL;
    if (o->profiles_path) {
        first = router_config_load(o->profiles_path, err, sizeof err);
        if (!first) {
            fprintf(stderr, "meridian router: %s\n", err);
            return 1;
        }
        if (o->edge_profile && !find_profile(first, o->edge_profile)) {
            fprintf(stderr, "meridian router: --edge-profile: no profile named '%s' in %s\n",
                    o->edge_profile, o->profiles_path);
            router_config_free(first);
            return 1;
        }
    } else {
        router_feed_options_t fo = {.config_url = o->config_url, .token = o->token,
                                    .token_file = o->token_file, .state_dir = o->state_dir,
                                    .wait_s = o->wait_s, .report_ms = o->report_ms,
                                    .ca_file = o->ca_file, .tls_client_cert = o->tls_client_cert,
                                    .tls_client_key = o->tls_client_key};
        router_feed_host_t fh = {.apply = feed_apply, .report = feed_report, .ud = &r};
        char *why = NULL;
        r.feed = router_feed_new(r.loop, &fo, &fh, &why);
        if (!r.feed) {
            fprintf(stderr, "meridian router: %s\n", why);
            free(why);
            return 1;
        }
        if (!router_feed_load_lkg(r.feed)) install(&r, empty_config());
    }
    if (first) install(&r, first);
    if (o->geoip)
        log_info("router: geoip %s: %s, built %llu (Unix time); the location table for "
                 "addresses it lacks", o->geoip_path ? o->geoip_path : "", router_geoip_type(o->geoip),
                 router_geoip_build_epoch(o->geoip));
    int code = 1, rc;
    if (o->dns_addr && (rc = router_dns_listen(r.loop, o->dns_addr, r.cfg, r.statuses, &r.dns)) < 0) {
        fprintf(stderr, "meridian router: --dns %s: %s\n", o->dns_addr, uv_strerror(rc));
        goto stop;
    }
    if ((o->edge_addr || o->edge_tls_addr) && start_edge(&r) < 0) goto stop;
    if (o->admin_addr) {
        http_server_options_t so;
        http_server_options_default(&so);
        rc = http_server_listen(r.loop, o->admin_addr, false, &so, &admin_handler, &r, &r.admin);
        if (rc < 0) {
            fprintf(stderr, "meridian router: --admin %s: %s\n", o->admin_addr, uv_strerror(rc));
            goto stop;
        }
    }
    uv_signal_init(r.loop, &r.sigterm);
    uv_signal_init(r.loop, &r.sigint);
    r.sigterm.data = r.sigint.data = &r;
    uv_signal_start(&r.sigterm, on_signal, SIGTERM);
    uv_signal_start(&r.sigint, on_signal, SIGINT);
    if (r.feed) router_feed_start(r.feed);
    log_info("router: ready: %zu profiles, dns %s, edge %s, edge https %s, admin %s", r.cfg->profile_count,
             o->dns_addr ? o->dns_addr : "off", o->edge_addr ? o->edge_addr : "off",
             o->edge_tls_addr ? o->edge_tls_addr : "off", o->admin_addr ? o->admin_addr : "off");
    uv_run(r.loop, UV_RUN_DEFAULT);
    code = 0;
    stop_monitor(&r);
    goto done;
stop:
    router_feed_stop(r.feed);
    stop_monitor(&r);
    if (r.edge) router_edge_close(r.edge);
    if (r.dns) router_dns_close(r.dns);
done:
    uv_run(r.loop, UV_RUN_DEFAULT);
    router_edge_free(r.edge);
    router_feed_free(r.feed);
    uv_loop_close(r.loop);
    return code;
}
