/* `meridian router`: see router.h. */
#include "router/router.h"

#include "base/buf.h"
#include "base/log.h"
#include "http/server.h"
#include "router/dns_server.h"
#include "router/edge.h"
#include "router/monitor.h"
#include "router/profile.h"
#include "router/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uv_loop_t *loop;
    router_config_t *cfg;
    router_status_t *statuses;
    router_monitor_t *monitor;
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

/* GET /status: every profile's derived status and every endpoint's status, as JSON. */
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
    buf_append_cstr(&b, "{\"profiles\":[");
    for (size_t i = 0; i < r->cfg->profile_count; i++) {
        const router_profile_t *p = &r->cfg->profiles[i];
        buf_append_cstr(&b, i ? ",{\"name\":" : "{\"name\":");
        append_json_string(&b, p->name);
        buf_append_cstr(&b, ",\"fqdn\":");
        append_json_string(&b, p->fqdn);
        buf_printf(&b, ",\"routingMethod\":\"%s\",\"profileMonitorStatus\":\"%s\",\"endpoints\":[",
                   router_method_name(p->method), router_profile_status(r->cfg, p, r->statuses));
        for (size_t k = 0; k < p->endpoint_count; k++) {
            const router_endpoint_t *e = p->endpoints[k];
            buf_append_cstr(&b, k ? ",{\"name\":" : "{\"name\":");
            append_json_string(&b, e->name);
            buf_printf(&b, ",\"endpointMonitorStatus\":\"%s\"}",
                       router_status_name(router_endpoint_status(r->cfg, e, r->statuses)));
        }
        buf_append_cstr(&b, "]}");
    }
    buf_append_cstr(&b, "]");
    if (r->edge) {
        router_edge_stats_t s = router_edge_stats(r->edge);
        buf_printf(&b, ",\"edge\":{\"requests\":%llu,\"retries\":%llu,\"failed\":%llu}",
                   (unsigned long long)s.requests, (unsigned long long)s.retries,
                   (unsigned long long)s.failed);
    }
    if (r->dns) {
        router_dns_stats_t s = router_dns_stats(r->dns);
        buf_printf(&b, ",\"dns\":{\"queries\":%llu,\"errors\":%llu,\"dropped\":%llu}",
                   (unsigned long long)s.queries, (unsigned long long)s.errors,
                   (unsigned long long)s.dropped);
    }
    buf_append_cstr(&b, "}");
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

static void on_signal(uv_signal_t *sig, int signum)
{
    router_t *r = sig->data;
    log_info("router: %s, stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    uv_signal_stop(&r->sigterm);
    uv_signal_stop(&r->sigint);
    uv_close((uv_handle_t *)&r->sigterm, NULL);
    uv_close((uv_handle_t *)&r->sigint, NULL);
    router_monitor_stop(r->monitor);
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

int router_run(const router_options_t *o)
{
    log_set_prefix("router");
    router_t r;
    memset(&r, 0, sizeof r);
    char err[1024];
    r.cfg = router_config_load(o->profiles_path, err, sizeof err);
    if (!r.cfg) {
        fprintf(stderr, "meridian router: %s\n", err);
        return 1;
    }
    int code = 1;
    const router_profile_t *fallback = NULL;
    if (o->edge_profile) {
        for (size_t i = 0; i < r.cfg->profile_count; i++)
            if (strcmp(r.cfg->profiles[i].name, o->edge_profile) == 0) fallback = &r.cfg->profiles[i];
        if (!fallback) {
            fprintf(stderr, "meridian router: --edge-profile: no profile named '%s' in %s\n",
                    o->edge_profile, o->profiles_path);
            goto free_config;
        }
    }
    r.statuses = calloc(r.cfg->endpoint_count ? r.cfg->endpoint_count : 1, sizeof *r.statuses);
    if (!r.statuses) goto free_config;
    r.loop = uv_default_loop();
    r.monitor = router_monitor_start(r.loop, r.cfg, r.statuses);
    if (!r.monitor) goto free_statuses;
    int rc;
    if (o->dns_addr && (rc = router_dns_listen(r.loop, o->dns_addr, r.cfg, r.statuses, &r.dns)) < 0) {
        fprintf(stderr, "meridian router: --dns %s: %s\n", o->dns_addr, uv_strerror(rc));
        goto stop;
    }
    if (o->edge_addr) {
        router_edge_options_t eo = {.cfg = r.cfg, .statuses = r.statuses, .fallback = fallback,
                                    .trust_xff = o->trust_xff};
        rc = router_edge_listen(r.loop, o->edge_addr, &eo, &r.edge);
        if (rc < 0) {
            fprintf(stderr, "meridian router: --edge %s: %s\n", o->edge_addr, uv_strerror(rc));
            goto stop;
        }
    }
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
    log_detection(r.cfg);
    log_info("router: ready: %zu profiles, dns %s, edge %s, admin %s", r.cfg->profile_count,
             o->dns_addr ? o->dns_addr : "off", o->edge_addr ? o->edge_addr : "off",
             o->admin_addr ? o->admin_addr : "off");
    uv_run(r.loop, UV_RUN_DEFAULT);
    code = 0;
    goto done;
stop:
    router_monitor_stop(r.monitor);
    if (r.edge) router_edge_close(r.edge);
    if (r.dns) router_dns_close(r.dns);
    uv_run(r.loop, UV_RUN_DEFAULT);
done:
    router_edge_free(r.edge);
    uv_loop_close(r.loop);
free_statuses:
    free(r.statuses);
free_config:
    router_config_free(r.cfg);
    return code;
}
