/* The locations side of `meridian up` (deploy/up_internal.h): the watch of
 * GET {svc}/locations, one supervised gateway per location (start, drain, restart), and
 * the live line of each location. */
#include "deploy/up_internal.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/signals.h"
#include "deploy/up_http.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define METRICS_TIMEOUT_MS 300

static up_region_t *region_by_slug(up_t *u, const char *slug)
{
    for (size_t i = 0; i < UP_MAX_REGIONS; i++)
        if (u->regions[i].is_used && strcmp(u->regions[i].slug, slug) == 0) return &u->regions[i];
    return NULL;
}

/* R for a slug: the one it had earlier in this run, else the lowest free from 1. */
static int assign_octet(up_t *u, const char *slug)
{
    for (int r = 1; r < 255; r++)
        if (strcmp(u->octet_slugs[r], slug) == 0) return r;
    for (int r = 1; r < 255; r++) {
        if (u->octet_slugs[r][0]) continue;
        snprintf(u->octet_slugs[r], sizeof u->octet_slugs[r], "%s", slug);
        return r;
    }
    return -1;
}

static up_region_t *region_add(up_t *u, const char *slug, const char *display_name)
{
    for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (r->is_used) continue;
        int octet = assign_octet(u, slug);
        if (octet < 0) return NULL;
        *r = (up_region_t){.is_used = true, .octet = octet, .revision = -1, .units_up = -1};
        snprintf(r->slug, sizeof r->slug, "%s", slug);
        snprintf(r->display_name, sizeof r->display_name, "%s", display_name);
        snprintf(r->listen, sizeof r->listen, "127.0.%d.1:%u", octet, u->base_port + 10u);
        return r;
    }
    return NULL;
}

static void token_path(const up_t *u, const up_region_t *r, char *out, size_t size)
{
    snprintf(out, size, "%.3000s/gateway-tokens/%s.token", u->data_dir, r->slug);
}

static int build_gateway_args(up_t *u, up_region_t *r)
{
    char label[200], units[16], admin[64], region_dir[PATH_MAX], log_path[PATH_MAX + 16];
    char drain[16];
    snprintf(label, sizeof label, "gateway \"%s\"", r->display_name);
    snprintf(units, sizeof units, "%d", r->units);
    snprintf(admin, sizeof admin, "127.0.%d.1:%u", r->octet, u->base_port + 20u);
    snprintf(region_dir, sizeof region_dir, "%.3000s/regions/%s", u->state_dir, r->slug);
    snprintf(log_path, sizeof log_path, "%s/access.log", region_dir);
    snprintf(drain, sizeof drain, "%d", UP_DRAIN_SECONDS);
    int rc = up__make_directories(region_dir, 0700);
    if (rc) {
        log_error("cannot create %s: %s", region_dir, strerror(-rc));
        return -1;
    }
    up_proc_t *p = &r->proc;
    up_proc_reset(p, label);
    const char *common[] = {"gateway", "--region", r->display_name, "--units", units, "--listen",
                            r->listen, "--admin", admin, "--connect-to", u->connect_to,
                            "--access-log", log_path, "--drain-timeout", drain};
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        if (up_proc_arg(p, common[i])) return -1;
    char token[PATH_MAX];
    token_path(u, r, token, sizeof token);
    const char *feed[] = {"--config-url", u->endpoint, "--token-file", token, "--state-dir",
                          region_dir};
    for (size_t i = 0; i < sizeof feed / sizeof feed[0]; i++)
        if (up_proc_arg(p, feed[i])) return -1;
    if (u->opts->tls) { /* docs/tls.md: HTTPS next to HTTP, with up's local CA */
        char tls_listen[64], cert[PATH_MAX], key[PATH_MAX];
        snprintf(tls_listen, sizeof tls_listen, "127.0.%d.1:%u", r->octet, u->base_port + 11u);
        snprintf(cert, sizeof cert, "%.3000s/tls/server.crt", u->state_dir);
        snprintf(key, sizeof key, "%.3000s/tls/server.key", u->state_dir);
        const char *tls[] = {"--tls-listen", tls_listen, "--tls-cert", cert, "--tls-key", key};
        for (size_t i = 0; i < sizeof tls / sizeof tls[0]; i++)
            if (up_proc_arg(p, tls[i])) return -1;
    }
    return 0;
}

/* Whether a gateway of `r` can start now: the management plane must have written its token
 * (at the location's creation, and at every start of the management plane). */
static bool gateway_can_start(const up_t *u, const up_region_t *r)
{
    char token[PATH_MAX];
    token_path(u, r, token, sizeof token);
    return access(token, R_OK) == 0;
}

static void gateway_start(up_t *u, up_region_t *r)
{
    if (build_gateway_args(u, r)) {
        up_proc_schedule_restart(&r->proc, clock_mono_ms());
        return;
    }
    r->running_units = r->units;
    r->units_up = -1;
    r->revision = -1;
    if (up_proc_start(&r->proc, u->exe, &u->original_mask, u->pid))
        up_proc_schedule_restart(&r->proc, clock_mono_ms());
}

void up__gateway_drain(up_region_t *r, const char *why)
{
    if (r->is_draining || r->proc.pid <= 0) return;
    log_info("%s: draining gateway \"%s\" (pid %d)", why, r->display_name, (int)r->proc.pid);
    r->is_draining = true;
    r->kill_at_ms = clock_mono_ms() + UP_KILL_AFTER_MS;
    kill(r->proc.pid, SIGTERM);
}

/* One listed location: create or update our record of it. */
static void reconcile_location(up_t *u, const char *slug, const char *display_name, int units,
                               bool is_disabled)
{
    up_region_t *r = region_by_slug(u, slug);
    if (!r) {
        r = region_add(u, slug, display_name);
        if (!r) {
            log_error("location \"%s\": no room for another location", display_name);
            return;
        }
    }
    /* spec §5.3: a disabled gateway keeps running; its units answer 503 (status endpoint
     * included) and the router leaves the location out. */
    r->is_wanted = true;
    if (r->is_disabled != is_disabled)
        log_info("location \"%s\": gateway %s", display_name, is_disabled ? "disabled" : "enabled");
    r->is_disabled = is_disabled;
    if (units < 1) units = 1;
    if (units > UP_SERVICE_MAX_UNITS) units = UP_SERVICE_MAX_UNITS;
    if (units != r->units && r->units != 0)
        log_info("location \"%s\": %d → %d units", display_name, r->units, units);
    r->units = units;
    if (r->proc.pid > 0 && r->running_units != units)
        up__gateway_drain(r, "unit count changed");
}

static void mark_all_unlisted(up_t *u, bool *listed)
{
    for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || listed[i]) continue;
        if (r->is_wanted) log_info("location \"%s\" was removed", r->display_name);
        r->is_wanted = false;
        up__gateway_drain(r, "location removed");
    }
}

static void reconcile_list(up_t *u, json_t *items)
{
    bool listed[UP_MAX_REGIONS] = {false};
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        json_t *props = json_object_get(item, "properties");
        const char *name = json_string_value(json_object_get(props, "displayName"));
        const char *slug = json_string_value(json_object_get(item, "name"));
        if (!name || !slug) continue;
        json_t *units = json_object_get(props, "units");
        bool is_disabled = json_is_true(json_object_get(props, "disableGateway"));
        reconcile_location(u, slug, name, units ? (int)json_integer_value(units) : 1,
                           is_disabled);
        up_region_t *r = region_by_slug(u, slug);
        if (!r) continue;
        listed[r - u->regions] = true;
        const char *health = json_string_value(
            json_object_get(json_object_get(props, "status"), "health"));
        snprintf(r->health, sizeof r->health, "%s", health ? health : "");
        const char *hostname = json_string_value(json_object_get(props, "regionalHostname"));
        snprintf(r->regional_hostname, sizeof r->regional_hostname, "%s", hostname ? hostname : "");
    }
    mark_all_unlisted(u, listed);
}

void up__watch(up_t *u)
{
    up_http_response_t resp;
    if (up__mgmt_call(u, "GET", "/locations", NULL, &resp)) return; /* not answering: keep going */
    if (resp.status == 200) {
        json_t *doc = json_loadb(resp.body, resp.body_len, 0, NULL);
        json_t *items = json_object_get(doc, "value");
        if (json_is_array(items)) reconcile_list(u, items);
        json_decref(doc);
    } else {
        log_warn("GET {svc}/locations: %d", resp.status);
    }
    up_http_response_free(&resp);
}

void up__on_region_exit(up_t *u, up_region_t *r, int status)
{
    char how[160];
    signals_describe_exit(status, how, sizeof how);
    pid_t pid = r->proc.pid;
    r->proc.pid = 0;
    r->units_up = -1;
    if (r->is_draining || u->is_stopping) {
        log_info("gateway \"%s\" (pid %d) %s after draining", r->display_name, (int)pid, how);
        r->is_draining = false;
        r->proc.restart_at_ms = 0;
        if (!r->is_wanted && !u->is_stopping) {
            printf("[up] location \"%s\" stopped: %s is closed\n", r->display_name, r->listen);
            fflush(stdout);
            r->is_used = false; /* its octet stays reserved for the slug (assign_octet) */
        }
        return;
    }
    log_error("gateway \"%s\" (pid %d) %s unexpectedly; restarting in %u ms", r->display_name,
              (int)pid, how, r->proc.backoff_ms);
    up_proc_schedule_restart(&r->proc, clock_mono_ms());
}

/* ---- status lines ---- */

/* Units serving and the lowest revision among them, read from each unit's /metrics. */
static void scrape_region(const up_t *u, up_region_t *r)
{
    char host[32];
    snprintf(host, sizeof host, "127.0.%d.1", r->octet);
    int up = 0;
    long long lowest = -1;
    for (int k = 0; k < r->running_units; k++) {
        up_http_response_t resp;
        if (up_http_request(host, (uint16_t)(u->base_port + 20u + (unsigned)k), "GET", "/metrics",
                            NULL, NULL, METRICS_TIMEOUT_MS, &resp))
            continue;
        const char *loaded = strstr(resp.body, "\nmeridian_config_loaded ");
        const char *rev = strstr(resp.body, "\nmeridian_config_revision ");
        if (resp.status == 200 && loaded && atoi(loaded + 24) == 1 && rev) {
            long long v = atoll(rev + 26);
            up++;
            if (lowest < 0 || v < lowest) lowest = v;
        }
        up_http_response_free(&resp);
    }
    r->units_up = up;
    r->revision = lowest;
}

void up__print_status_lines(up_t *u)
{
    for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted || r->is_draining) continue;
        char line[256], rev[32] = "none yet", health[48] = "";
        if (r->proc.pid <= 0) {
            snprintf(line, sizeof line, "[up] %-14s http://%-18s gateway %s", r->display_name,
                     r->listen, r->proc.restart_at_ms ? "not running: restarting (see the log)"
                                                      : "waiting for its gateway token");
        } else {
            scrape_region(u, r);
            if (r->revision >= 0) snprintf(rev, sizeof rev, "%lld", r->revision);
            if (r->health[0]) snprintf(health, sizeof health, ", health %s", r->health);
            snprintf(line, sizeof line, "[up] %-14s http://%-18s %d/%d units up, revision %s%s",
                     r->display_name, r->listen, r->units_up, r->running_units, rev, health);
        }
        if (strcmp(line, r->last_line) == 0) continue;
        snprintf(r->last_line, sizeof r->last_line, "%s", line);
        if (u->is_ready) {
            puts(line);
            fflush(stdout);
        }
    }
}

bool up__initial_gateways_accepting(const up_t *u)
{
    bool any = false;
    for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
        const up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted) continue;
        if (r->proc.pid <= 0 || r->units_up < r->running_units) return false;
        any = true;
    }
    return any;
}

void up__announce_new_regions(up_t *u)
{
    for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted || r->is_announced || r->proc.pid <= 0) continue;
        r->is_announced = true;
        printf("[up] location \"%s\" added: http://%s/echo/  status http://%s" UP_STATUS_PATH "\n",
               r->display_name, r->listen, r->listen);
        fflush(stdout);
    }
}

size_t up__live_gateways(const up_t *u)
{
    size_t n = 0;
    for (size_t i = 0; i < UP_MAX_REGIONS; i++)
        n += u->regions[i].is_used && u->regions[i].proc.pid > 0;
    return n;
}

/* A removed location whose gateway does not finish draining in time. */
void up__kill_stuck_drains(up_t *u, uint64_t now)
{
    for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (r->is_used && r->is_draining && r->proc.pid > 0 && now >= r->kill_at_ms) {
            log_warn("gateway \"%s\" still draining after %u ms: SIGKILL", r->display_name,
                     UP_KILL_AFTER_MS);
            kill(r->proc.pid, SIGKILL);
            r->kill_at_ms = UINT64_MAX;
        }
    }
}


void up__start_regions(up_t *u, uint64_t now)
{
    for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted || r->is_draining || r->proc.pid > 0) continue;
        if (r->proc.restart_at_ms && now < r->proc.restart_at_ms) continue;
        if (!gateway_can_start(u, r)) continue;
        gateway_start(u, r);
    }
}
