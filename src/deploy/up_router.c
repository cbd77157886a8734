/* up_router (contract in deploy/up_router.h; up__update_router in up_internal.h). */
#include "deploy/up_router.h"

#include "base/log.h"
#include "deploy/up_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Probes every second, fails over after two missed probes: on loopback a probe answers in
 * well under a millisecond, and the edge retries idempotent requests meanwhile anyway. */
#define PROBE_INTERVAL_S 1
#define PROBE_TIMEOUT_S 0.5
#define PROBE_TOLERATED_FAILURES 1
#define TTL_S 5

char *up_router_latency(const up_router_endpoint_t *endpoints, size_t count)
{
    json_t *latency = json_array();
    for (size_t i = 0; i < count; i++) {
        char subnet[32];
        snprintf(subnet, sizeof subnet, "127.0.%d.0/24", endpoints[i].octet);
        json_t *regions = json_object();
        for (size_t j = 0; j < count; j++)
            json_object_set_new(regions, endpoints[j].display_name,
                                json_integer(i == j ? UP_ROUTER_NEAR_MS : UP_ROUTER_FAR_MS));
        json_array_append_new(latency, json_pack("{s:s,s:o}", "subnet", subnet, "regions", regions));
    }
    json_t *doc = json_pack("{s:{s:o}}", "properties", "latency", latency);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

char *up_router_builtin_settings(bool https)
{
    json_t *monitor = json_pack("{s:s,s:i,s:s,s:i,s:f,s:i}", "protocol", https ? "HTTPS" : "HTTP",
                                "port", 80, "path",
                                UP_STATUS_PATH, "intervalSeconds", PROBE_INTERVAL_S,
                                "timeoutSeconds", PROBE_TIMEOUT_S, "toleratedFailures",
                                PROBE_TOLERATED_FAILURES);
    json_t *doc = json_pack("{s:{s:i,s:o}}", "properties", "ttl", TTL_S, "monitor", monitor);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

/* One management call; logs a failure. Returns 0 on a 2xx. */
static int call(up_t *u, const char *method, const char *suffix, char *body)
{
    up_http_response_t resp = {0};
    int rc = body ? up__mgmt_call(u, method, suffix, body, &resp) : -1;
    free(body);
    if (rc == 0 && resp.status / 100 == 2) {
        up_http_response_free(&resp);
        return 0;
    }
    log_warn("%s %s: %d %s", method, suffix, rc == 0 ? resp.status : rc, rc == 0 ? resp.body : "");
    if (rc == 0) up_http_response_free(&resp);
    return -1;
}

/* Writes what the router needs of the running locations when their set changed, and
 * starts the router once the first location runs. Disabled locations stay in the
 * latency table and keep their address: manage leaves them out of the built-in profile. */
void up__update_router(up_t *u)
{
    up_router_endpoint_t eps[UP_MAX_REGIONS];
    size_t n = 0;
    char set[sizeof u->router_endpoints] = "";
    size_t used = 0;
    for (int octet = 1; octet < 255; octet++) {
        for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
            const up_region_t *r = &u->regions[i];
            if (!r->is_used || !r->is_wanted || r->octet != octet) continue;
            eps[n++] = (up_router_endpoint_t){r->display_name, r->slug, r->octet};
            int w = snprintf(set + used, sizeof set - used, "%s@%d ", r->slug, r->octet);
            if (w > 0 && (size_t)w < sizeof set - used) used += (size_t)w;
        }
    }
    if (n == 0 || strcmp(set, u->router_endpoints) == 0) return;
    bool is_first = u->router_endpoints[0] == '\0';
    int failed = 0;
    /* Under --tls the router probes and reaches the gateways on their HTTPS port. */
    unsigned gateway_port = u->base_port + (u->opts->tls ? 11u : 10u);
    for (size_t i = 0; i < n; i++) {
        char suffix[200], *body;
        snprintf(suffix, sizeof suffix, "/locations/%s", eps[i].slug);
        if (asprintf(&body, "{\"properties\": {\"gatewayAddress\": \"127.0.%d.1:%u\"}}", eps[i].octet,
                     gateway_port) < 0)
            body = NULL;
        failed |= call(u, "PATCH", suffix, body);
    }
    failed |= call(u, "PUT", "/trafficManagerLatency", up_router_latency(eps, n));
    if (is_first) {
        char suffix[200];
        snprintf(suffix, sizeof suffix, "/trafficManagerProfiles/%s", "meridian");
        failed |= call(u, "PATCH", suffix, up_router_builtin_settings(u->opts->tls));
    }
    if (failed) return; /* tried again on the next turn */
    snprintf(u->router_endpoints, sizeof u->router_endpoints, "%s", set);
    if (u->router.pid > 0 || u->router.start_count > 0) return; /* it follows the feed */
    char dns[32], edge[32], admin[32], url[96], token[PATH_MAX], state[PATH_MAX];
    snprintf(dns, sizeof dns, "127.0.0.1:%u", u->base_port + 8u);
    snprintf(edge, sizeof edge, "127.0.0.1:%u", u->base_port + 9u);
    snprintf(admin, sizeof admin, "127.0.0.1:%u", u->base_port + 7u);
    snprintf(url, sizeof url, "http://%s", u->manage_listen);
    /* The router's token is a gateway token of the primary location, which manage keeps
     * fresh in its data directory. */
    snprintf(token, sizeof token, "%.3000s/gateway-tokens/%s.token", u->data_dir,
             u->service.locations[0].slug);
    snprintf(state, sizeof state, "%.4000s/router", u->state_dir);
    up_proc_reset(&u->router, "router");
    const char *args[] = {"router", "--config-url", url, "--token-file", token, "--state-dir", state,
                          "--dns", dns, "--edge", edge, "--admin", admin};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
        if (up_proc_arg(&u->router, args[i])) return;
    if (u->opts->geoip_path &&
        (up_proc_arg(&u->router, "--geoip") || up_proc_arg(&u->router, u->opts->geoip_path)))
        return;
    if (u->opts->tls) {
        /* The global endpoint over HTTPS too, with up's certificate, and the gateways'
         * certificates checked against up's local CA. */
        char edge_tls[32], cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
        snprintf(edge_tls, sizeof edge_tls, "127.0.0.1:%u", u->base_port + 12u);
        snprintf(cert, sizeof cert, "%.4000s/tls/server.crt", u->state_dir);
        snprintf(key, sizeof key, "%.4000s/tls/server.key", u->state_dir);
        snprintf(ca, sizeof ca, "%.4000s/tls/ca.crt", u->state_dir);
        const char *tls_args[] = {"--edge-tls", edge_tls, "--tls-cert", cert, "--tls-key", key,
                                  "--ca-file", ca};
        for (size_t i = 0; i < sizeof tls_args / sizeof tls_args[0]; i++)
            if (up_proc_arg(&u->router, tls_args[i])) return;
    }
    up_proc_start(&u->router, u->exe, &u->original_mask, u->pid);
}
