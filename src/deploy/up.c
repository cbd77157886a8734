/* deploy_up (contract in deploy/up.h). Like deploy_run and gateway_supervise, the launcher
 * has no event loop: signals are blocked and taken with sigtimedwait() (base/signals.h)
 * whose timeout is the next watch tick, and the few HTTP requests it makes go to loopback
 * with short deadlines (deploy/up_http.h). */
#include "deploy/up.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/signals.h"
#include "deploy/host_port.h"
#include "deploy/up_http.h"
#include "deploy/up_proc.h"
#include "deploy/up_service.h"
#include "manage/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MANAGE_READY_TIMEOUT_MS 15000u
#define POLL_TIMEOUT_MS 1000
#define METRICS_TIMEOUT_MS 300
#define STATUS_INTERVAL_MS 1000u
/* The gateway supervisor kills its units at drain + 5 s; we wait a little longer. */
#define KILL_AFTER_MS ((UP_DRAIN_SECONDS + 8) * 1000u)
#define SAS_LIFETIME_S 3600
#define SAS_REFRESH_S 1800
#define API_VERSION "2022-08-01"
#define MAX_REGIONS 64
#define STATUS_PATH "/status-0123456789abcdef"

static const char *const backend_names[] = {"contoso-us", "contoso-asia", "contoso-other"};
#define BACKEND_COUNT (sizeof backend_names / sizeof backend_names[0])

typedef struct {
    bool is_used;
    char slug[UP_SLUG_MAX];
    char display_name[128];
    int octet;         /* R in 127.0.R.1 */
    int units;         /* wanted */
    int running_units; /* the count the running gateway was started with */
    bool is_wanted;    /* listed, gateway not disabled */
    bool is_draining;  /* SIGTERM sent; not restarted when it exits */
    uint64_t kill_at_ms;
    bool is_announced; /* "location added" printed */
    up_proc_t proc;
    char listen[64];
    /* live line */
    int units_up;
    long long revision;
    char health[32];
    char last_line[256];
    char regional_hostname[256]; /* from the locations resource, "" when unknown */
} up_region_t;

typedef struct {
    const deploy_up_options_t *opts;
    up_service_t service;
    char exe[PATH_MAX];
    char repo_dir[PATH_MAX];
    char state_dir[PATH_MAX];
    char data_dir[PATH_MAX];
    char snapshot_path[PATH_MAX];
    uint16_t base_port;
    char manage_listen[64];
    char endpoint[80];
    char svc_path[512];
    char connect_to[512];
    char auth[1024];
    time_t auth_made_at;
    up_proc_t manage;
    up_proc_t backends[BACKEND_COUNT];
    up_region_t regions[MAX_REGIONS];
    char octet_slugs[256][UP_SLUG_MAX]; /* octet → the slug it was given to, for the run */
    bool has_locations_api;
    bool has_warned_no_locations;
    long long snapshot_revision; /* file mode: revision written to snapshot_path */
    pid_t pid;
    sigset_t original_mask;
    bool is_ready; /* endpoint table printed */
    bool is_stopping;
    uint64_t stop_kill_at_ms;
    bool has_sent_kill;
    bool has_stopped_others; /* backends and manage told to stop */
    uint64_t next_watch_ms;
    uint64_t next_status_ms;
    int exit_code;
} up_t;

/* ---- files and paths ---- */

static int make_directories(const char *path, mode_t mode)
{
    char partial[PATH_MAX];
    if (snprintf(partial, sizeof partial, "%s", path) >= (int)sizeof partial) return -ENAMETOOLONG;
    for (char *p = partial + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(partial, 0755) != 0 && errno != EEXIST) return -errno;
        *p = '/';
    }
    if (mkdir(partial, mode) != 0 && errno != EEXIST) return -errno;
    return 0;
}

/* Temp file → fsync → rename: a gateway re-reading on SIGHUP and apply reading the service
 * file see the old bytes or the new ones, never half of them. */
static int write_file(const char *path, const char *data, size_t len)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -ENAMETOOLONG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) goto fail;
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) goto fail_fd;
        off += (size_t)n;
    }
    if (fsync(fd) != 0) goto fail_fd;
    if (close(fd) != 0) goto fail_tmp;
    if (rename(tmp, path) != 0) goto fail_tmp;
    return 0;
fail_fd:
    close(fd);
fail_tmp:
    unlink(tmp);
fail:
    log_error("cannot write %s: %s", path, strerror(errno));
    return -1;
}

static int prepare_paths(up_t *u)
{
    const char *dir = u->opts->state_dir;
    if (!dir || !*dir) dir = getenv("MERIDIAN_STATE_DIR");
    if (!dir || !*dir) dir = DEPLOY_UP_STATE_DIR_DEFAULT;
    char cwd[PATH_MAX];
    if (dir[0] != '/' && getcwd(cwd, sizeof cwd))
        snprintf(u->state_dir, sizeof u->state_dir, "%.2048s/%.2000s", cwd, dir);
    else
        snprintf(u->state_dir, sizeof u->state_dir, "%s", dir);
    snprintf(u->data_dir, sizeof u->data_dir, "%.4000s/manage", u->state_dir);
    snprintf(u->snapshot_path, sizeof u->snapshot_path, "%.4000s/snapshot.json", u->state_dir);
    int rc = make_directories(u->data_dir, 0700);
    if (rc) {
        log_error("cannot create %s: %s", u->data_dir, strerror(-rc));
        return -1;
    }
    ssize_t n = readlink("/proc/self/exe", u->exe, sizeof u->exe - 1);
    if (n <= 0) {
        log_error("cannot find this program (/proc/self/exe): %s", strerror(errno));
        return -1;
    }
    u->exe[n] = '\0';
    /* bin/meridian → the repository root, where ../shared/conformance is looked for. */
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", u->exe);
    snprintf(u->repo_dir, sizeof u->repo_dir, "%s", dirname(dirname(copy)));
    return 0;
}

/* ---- management API ---- */

static int refresh_auth(up_t *u)
{
    time_t now = time(NULL);
    if (u->auth[0] && now - u->auth_made_at < SAS_REFRESH_S) return 0;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%.4000s/admin-key.json", u->data_dir);
    json_error_t jerr;
    json_t *key = json_load_file(path, 0, &jerr);
    const char *id = json_string_value(json_object_get(key, "identifier"));
    const char *secret = json_string_value(json_object_get(key, "key"));
    int rc = -1;
    if (id && secret) {
        char *sas = manage_auth_sas(id, secret, now + SAS_LIFETIME_S);
        if (sas && strlen(sas) < sizeof u->auth) {
            snprintf(u->auth, sizeof u->auth, "%s", sas);
            u->auth_made_at = now;
            rc = 0;
        }
        free(sas);
    } else {
        log_error("cannot read the admin key %s: %s", path, key ? "no identifier/key" : jerr.text);
    }
    json_decref(key);
    return rc;
}

/* `suffix` after {svc}, e.g. "/locations". */
static int mgmt_call(up_t *u, const char *method, const char *suffix, const char *body,
                     up_http_response_t *resp)
{
    if (refresh_auth(u)) return -1;
    char path[1024];
    snprintf(path, sizeof path, "%s%s?api-version=" API_VERSION, u->svc_path, suffix);
    int rc = up_http_request("127.0.0.1", u->base_port, method, path, u->auth, body,
                             POLL_TIMEOUT_MS, resp);
    return rc;
}

/* PUT of every location of the file (the primary too: its unit count). */
static int put_locations(up_t *u)
{
    for (size_t i = 0; i < u->service.location_count; i++) {
        const up_location_t *loc = &u->service.locations[i];
        json_t *body = json_pack("{s:{s:s,s:i}}", "properties", "displayName", loc->display_name,
                                 "units", loc->units);
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        char suffix[256];
        snprintf(suffix, sizeof suffix, "/locations/%s", loc->slug);
        up_http_response_t resp;
        int rc = text ? mgmt_call(u, "PUT", suffix, text, &resp) : -1;
        free(text);
        if (rc) {
            log_error("PUT %s: the management plane did not answer", suffix);
            return -1;
        }
        if (resp.status == 404 && i == 0) {
            /* A management plane without the locations resource (docs/up.md): only the
             * primary runs, with the file's unit count. */
            u->has_locations_api = false;
            up_http_response_free(&resp);
            return 0;
        }
        if (resp.status != 200 && resp.status != 201) {
            log_error("PUT %s: %d %s", suffix, resp.status, resp.body);
            up_http_response_free(&resp);
            return -1;
        }
        up_http_response_free(&resp);
    }
    u->has_locations_api = true;
    return 0;
}

/* ---- regions ---- */

static up_region_t *region_by_slug(up_t *u, const char *slug)
{
    for (size_t i = 0; i < MAX_REGIONS; i++)
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
    for (size_t i = 0; i < MAX_REGIONS; i++) {
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
    int rc = make_directories(region_dir, 0700);
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
    if (u->opts->units_source == DEPLOY_UP_UNITS_SNAPSHOT_FILE)
        return up_proc_arg(p, "--snapshot") || up_proc_arg(p, u->snapshot_path) ? -1 : 0;
    char token[PATH_MAX];
    token_path(u, r, token, sizeof token);
    const char *feed[] = {"--config-url", u->endpoint, "--token-file", token, "--state-dir",
                          region_dir};
    for (size_t i = 0; i < sizeof feed / sizeof feed[0]; i++)
        if (up_proc_arg(p, feed[i])) return -1;
    return 0;
}

/* Whether a gateway of `r` can start now: in feed mode its token must have been written by
 * the management plane; in file mode a snapshot must be there. */
static bool gateway_can_start(const up_t *u, const up_region_t *r)
{
    if (u->opts->units_source == DEPLOY_UP_UNITS_SNAPSHOT_FILE) return u->snapshot_revision >= 0;
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

static void gateway_drain(up_region_t *r, const char *why)
{
    if (r->is_draining || r->proc.pid <= 0) return;
    log_info("%s: draining gateway \"%s\" (pid %d)", why, r->display_name, (int)r->proc.pid);
    r->is_draining = true;
    r->kill_at_ms = clock_mono_ms() + KILL_AFTER_MS;
    kill(r->proc.pid, SIGTERM);
}

/* One listed location: create or update our record of it. */
static void reconcile_location(up_t *u, const char *slug, const char *display_name, int units,
                               bool is_disabled)
{
    up_region_t *r = region_by_slug(u, slug);
    if (!r) {
        if (is_disabled) return;
        r = region_add(u, slug, display_name);
        if (!r) {
            log_error("location \"%s\": no room for another location", display_name);
            return;
        }
    }
    r->is_wanted = !is_disabled;
    if (units < 1) units = 1;
    if (units > UP_SERVICE_MAX_UNITS) units = UP_SERVICE_MAX_UNITS;
    if (units != r->units && r->units != 0)
        log_info("location \"%s\": %d → %d units", display_name, r->units, units);
    r->units = units;
    if (is_disabled)
        gateway_drain(r, "gateway disabled");
    else if (r->proc.pid > 0 && r->running_units != units)
        gateway_drain(r, "unit count changed");
}

static void mark_all_unlisted(up_t *u, bool *listed)
{
    for (size_t i = 0; i < MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || listed[i]) continue;
        if (r->is_wanted) log_info("location \"%s\" was removed", r->display_name);
        r->is_wanted = false;
        gateway_drain(r, "location removed");
    }
}

static void reconcile_list(up_t *u, json_t *items)
{
    bool listed[MAX_REGIONS] = {false};
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

/* Without the locations resource: the primary only, with the file's unit count. */
static void reconcile_primary_only(up_t *u)
{
    const up_location_t *primary = &u->service.locations[0];
    if (!u->has_warned_no_locations) {
        log_warn("the management plane has no locations resource: running the primary "
                 "location \"%s\" only", primary->display_name);
        u->has_warned_no_locations = true;
    }
    reconcile_location(u, primary->slug, primary->display_name, primary->units, false);
}

/* File mode: fetch the snapshot when its revision moved, write it, SIGHUP the gateways. */
static void refresh_snapshot(up_t *u)
{
    up_http_response_t resp;
    if (mgmt_call(u, "GET", "/snapshot", NULL, &resp)) return;
    if (resp.status == 200) {
        json_t *doc = json_loadb(resp.body, resp.body_len, 0, NULL);
        json_t *rev = json_object_get(doc, "revision");
        long long revision = json_is_integer(rev) ? json_integer_value(rev) : -1;
        if (revision >= 0 && revision != u->snapshot_revision &&
            write_file(u->snapshot_path, resp.body, resp.body_len) == 0) {
            bool is_first = u->snapshot_revision < 0;
            u->snapshot_revision = revision;
            for (size_t i = 0; !is_first && i < MAX_REGIONS; i++)
                if (u->regions[i].is_used && u->regions[i].proc.pid > 0 &&
                    !u->regions[i].is_draining)
                    kill(u->regions[i].proc.pid, SIGHUP);
        }
        json_decref(doc);
    }
    up_http_response_free(&resp);
}

static void watch(up_t *u)
{
    if (u->opts->units_source == DEPLOY_UP_UNITS_SNAPSHOT_FILE) refresh_snapshot(u);
    if (!u->has_locations_api) {
        reconcile_primary_only(u);
        return;
    }
    up_http_response_t resp;
    if (mgmt_call(u, "GET", "/locations", NULL, &resp)) return; /* not answering: keep going */
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

/* Starts what should run and is not running (first start, restart after back-off). */
static void start_due(up_t *u, uint64_t now)
{
    if (u->is_stopping) return;
    up_proc_t *always[1 + BACKEND_COUNT] = {&u->manage};
    for (size_t b = 0; b < BACKEND_COUNT; b++)
        always[1 + b] = &u->backends[b];
    for (size_t i = 0; i < 1 + BACKEND_COUNT; i++) {
        up_proc_t *p = always[i];
        if (p->pid == 0 && p->restart_at_ms && now >= p->restart_at_ms)
            up_proc_start(p, u->exe, &u->original_mask, u->pid);
    }
    for (size_t i = 0; i < MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted || r->is_draining || r->proc.pid > 0) continue;
        if (r->proc.restart_at_ms && now < r->proc.restart_at_ms) continue;
        if (!gateway_can_start(u, r)) continue;
        gateway_start(u, r);
    }
}

/* ---- children exiting ---- */

static void on_region_exit(up_t *u, up_region_t *r, int status)
{
    char how[160];
    up_proc_describe_exit(status, how, sizeof how);
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

static void on_proc_exit(up_t *u, up_proc_t *p, int status)
{
    char how[160];
    up_proc_describe_exit(status, how, sizeof how);
    pid_t pid = p->pid;
    p->pid = 0;
    if (u->is_stopping) {
        log_info("%s (pid %d) %s", p->label, (int)pid, how);
        return;
    }
    log_error("%s (pid %d) %s unexpectedly; restarting in %u ms", p->label, (int)pid, how,
              p->backoff_ms);
    up_proc_schedule_restart(p, clock_mono_ms());
}

static void reap(up_t *u)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR) continue;
        if (pid <= 0) return;
        if (u->manage.pid == pid) {
            on_proc_exit(u, &u->manage, status);
            continue;
        }
        for (size_t b = 0; b < BACKEND_COUNT; b++)
            if (u->backends[b].pid == pid) on_proc_exit(u, &u->backends[b], status);
        for (size_t i = 0; i < MAX_REGIONS; i++)
            if (u->regions[i].is_used && u->regions[i].proc.pid == pid)
                on_region_exit(u, &u->regions[i], status);
    }
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

static void print_status_lines(up_t *u)
{
    for (size_t i = 0; i < MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted || r->is_draining || r->proc.pid <= 0) continue;
        scrape_region(u, r);
        char line[256], rev[32] = "none yet", health[48] = "";
        if (r->revision >= 0) snprintf(rev, sizeof rev, "%lld", r->revision);
        if (r->health[0]) snprintf(health, sizeof health, ", health %s", r->health);
        snprintf(line, sizeof line, "[up] %-14s http://%-18s %d/%d units up, revision %s%s",
                 r->display_name, r->listen, r->units_up, r->running_units, rev, health);
        if (strcmp(line, r->last_line) == 0) continue;
        snprintf(r->last_line, sizeof r->last_line, "%s", line);
        if (u->is_ready) {
            puts(line);
            fflush(stdout);
        }
    }
}

static bool initial_gateways_accepting(const up_t *u)
{
    bool any = false;
    for (size_t i = 0; i < MAX_REGIONS; i++) {
        const up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted) continue;
        if (r->proc.pid <= 0 || r->units_up < r->running_units) return false;
        any = true;
    }
    return any;
}

static void print_table(up_t *u)
{
    printf("\nMeridian is up (pid %d; state in %s).\n\n", (int)u->pid, u->state_dir);
    printf("  management API   %s%s\n", u->endpoint, u->svc_path);
    printf("  admin key        %s/admin-key.json\n", u->data_dir);
    printf("                   export MERIDIAN_ENDPOINT=%s MERIDIAN_KEY_FILE=%s/admin-key.json\n",
           u->endpoint, u->data_dir);
    printf("  developer portal not yet (no portal in this version)\n");
    printf("  global endpoint  not yet (the router is not part of `meridian up` yet)\n");
    for (size_t i = 0; i < MAX_REGIONS; i++) {
        const up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted) continue;
        printf("  %-16s http://%s/echo/   status http://%s" STATUS_PATH
               "   metrics http://127.0.%d.1:%u/metrics\n",
               r->display_name, r->listen, r->listen, r->octet, u->base_port + 20u);
        if (r->regional_hostname[0])
            printf("                   regional hostname %s (send it as Host, or add it to "
                   "/etc/hosts as 127.0.%d.1)\n",
                   r->regional_hostname, r->octet);
    }
    for (size_t b = 0; b < BACKEND_COUNT; b++)
        printf("  backend          %s.com:80 → 127.0.0.1:%u\n", backend_names[b],
               u->base_port + 1u + (unsigned)b);
    printf("\nTry: curl http://%s/echo/hello   (the policy picks the region's backend)\n",
           u->regions[0].listen);
    printf("     meridian location add \"Brazil South\"   (a third location on 127.0.3.1)\n");
    printf("Press Ctrl-C to stop.\n\n");
    for (size_t i = 0; i < MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted) continue;
        r->is_announced = true;
        if (r->last_line[0]) puts(r->last_line);
    }
    fflush(stdout);
    u->is_ready = true;
}

static void announce_new_regions(up_t *u)
{
    for (size_t i = 0; i < MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted || r->is_announced || r->proc.pid <= 0) continue;
        r->is_announced = true;
        printf("[up] location \"%s\" added: http://%s/echo/  status http://%s" STATUS_PATH "\n",
               r->display_name, r->listen, r->listen);
        fflush(stdout);
    }
}

/* ---- stopping ---- */

static size_t live_gateways(const up_t *u)
{
    size_t n = 0;
    for (size_t i = 0; i < MAX_REGIONS; i++)
        n += u->regions[i].is_used && u->regions[i].proc.pid > 0;
    return n;
}

static size_t live_others(const up_t *u)
{
    size_t n = u->manage.pid > 0;
    for (size_t b = 0; b < BACKEND_COUNT; b++)
        n += u->backends[b].pid > 0;
    return n;
}

static void signal_others(up_t *u, int sig)
{
    if (u->manage.pid > 0) kill(u->manage.pid, sig);
    for (size_t b = 0; b < BACKEND_COUNT; b++)
        if (u->backends[b].pid > 0) kill(u->backends[b].pid, sig);
}

static void begin_stop(up_t *u, const char *why)
{
    if (u->is_stopping) return;
    u->is_stopping = true;
    u->stop_kill_at_ms = clock_mono_ms() + KILL_AFTER_MS;
    log_info("%s: stopping (gateways drain first)", why);
    for (size_t i = 0; i < MAX_REGIONS; i++)
        if (u->regions[i].is_used) gateway_drain(&u->regions[i], why);
}

/* Gateways first: their requests in flight still need the backends. Returns true when
 * everything has exited. */
static bool continue_stop(up_t *u, uint64_t now)
{
    if (live_gateways(u) == 0 && !u->has_stopped_others) {
        u->has_stopped_others = true;
        signal_others(u, SIGTERM);
    }
    if (!u->has_sent_kill && now >= u->stop_kill_at_ms) {
        log_warn("still running %u ms after the stop: sending SIGKILL", KILL_AFTER_MS);
        u->has_sent_kill = true;
        signal_others(u, SIGKILL);
        for (size_t i = 0; i < MAX_REGIONS; i++)
            if (u->regions[i].is_used && u->regions[i].proc.pid > 0)
                kill(u->regions[i].proc.pid, SIGKILL);
    }
    return live_gateways(u) == 0 && live_others(u) == 0;
}

/* A removed location whose gateway does not finish draining in time. */
static void kill_stuck_drains(up_t *u, uint64_t now)
{
    for (size_t i = 0; i < MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (r->is_used && r->is_draining && r->proc.pid > 0 && now >= r->kill_at_ms) {
            log_warn("gateway \"%s\" still draining after %u ms: SIGKILL", r->display_name,
                     KILL_AFTER_MS);
            kill(r->proc.pid, SIGKILL);
            r->kill_at_ms = UINT64_MAX;
        }
    }
}

/* ---- start-up ---- */

static int check_ports_free(const up_t *u)
{
    host_port_t hp = {.host = "127.0.0.1"};
    for (unsigned off = 0; off <= BACKEND_COUNT; off++) {
        if (host_port_is_accepting(&hp, (uint16_t)(u->base_port + off))) {
            log_error("127.0.0.1:%u is already in use; is another `meridian up` running? "
                      "(--base-port moves every port)", u->base_port + off);
            return -1;
        }
    }
    for (size_t i = 0; i < u->service.location_count; i++) {
        snprintf(hp.host, sizeof hp.host, "127.0.%zu.1", i + 1);
        if (host_port_is_accepting(&hp, (uint16_t)(u->base_port + 10u))) {
            log_error("%s:%u is already in use", hp.host, u->base_port + 10u);
            return -1;
        }
    }
    return 0;
}

/* Waits for the management plane to accept connections; false on failure or a stop. */
static bool wait_for_manage(up_t *u, const sigset_t *waited)
{
    host_port_t hp = {.host = "127.0.0.1", .port = u->base_port};
    uint64_t deadline = clock_mono_ms() + MANAGE_READY_TIMEOUT_MS;
    while (!host_port_is_accepting(&hp, hp.port)) {
        int sig = signals_wait(waited, 100);
        if (sig == SIGINT || sig == SIGTERM) {
            begin_stop(u, sig == SIGINT ? "SIGINT" : "SIGTERM");
            return false;
        }
        int status;
        if (waitpid(u->manage.pid, &status, WNOHANG) == u->manage.pid) {
            char how[160];
            up_proc_describe_exit(status, how, sizeof how);
            log_error("the management plane %s before accepting connections", how);
            u->manage.pid = 0;
            return false;
        }
        if (clock_mono_ms() >= deadline) {
            log_error("the management plane does not accept connections on %s after %u ms",
                      u->manage_listen, MANAGE_READY_TIMEOUT_MS);
            return false;
        }
    }
    return true;
}

static int apply_service(up_t *u)
{
    char file[PATH_MAX], key_file[PATH_MAX];
    snprintf(file, sizeof file, "%.4000s/service.json", u->state_dir);
    snprintf(key_file, sizeof key_file, "%.4000s/admin-key.json", u->data_dir);
    if (write_file(file, u->service.apply_json, strlen(u->service.apply_json))) return -1;
    up_proc_t apply = {0};
    up_proc_reset(&apply, "meridian apply");
    const char *args[] = {"apply", "-f", file, "--endpoint", u->endpoint, "--key-file", key_file};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
        if (up_proc_arg(&apply, args[i])) return -1;
    printf("[up] applying %s\n", u->service.source);
    int status = up_proc_run_to_end(&apply, u->exe, &u->original_mask, u->pid);
    if (status != 0) {
        log_error("`meridian apply -f %s` failed (exit %d): %s is not applied", file, status,
                  u->service.source);
        return -1;
    }
    return 0;
}

static int start_manage_and_backends(up_t *u, const sigset_t *waited)
{
    up_proc_reset(&u->manage, "management plane");
    const char *args[] = {"manage", "--listen", u->manage_listen, "--data", u->data_dir,
                          "--location", u->service.locations[0].display_name};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
        if (up_proc_arg(&u->manage, args[i])) return -1;
    if (up_proc_start(&u->manage, u->exe, &u->original_mask, u->pid)) return -1;
    if (!wait_for_manage(u, waited)) return -1;
    if (apply_service(u) || put_locations(u)) return -1;
    for (size_t b = 0; b < BACKEND_COUNT; b++) {
        up_proc_t *p = &u->backends[b];
        char label[64], listen[32];
        snprintf(label, sizeof label, "backend %s", backend_names[b]);
        snprintf(listen, sizeof listen, "127.0.0.1:%u", u->base_port + 1u + (unsigned)b);
        up_proc_reset(p, label);
        if (up_proc_arg(p, "demo-backend") || up_proc_arg(p, "--listen") ||
            up_proc_arg(p, listen) || up_proc_arg(p, "--name") ||
            up_proc_arg(p, backend_names[b]))
            return -1;
        if (up_proc_start(p, u->exe, &u->original_mask, u->pid)) return -1;
    }
    return 0;
}

static int run_loop(up_t *u, const sigset_t *waited)
{
    for (;;) {
        reap(u);
        uint64_t now = clock_mono_ms();
        if (u->is_stopping) {
            if (continue_stop(u, now)) break;
        } else {
            if (now >= u->next_watch_ms) {
                watch(u);
                u->next_watch_ms = now + UP_WATCH_INTERVAL_MS;
            }
            start_due(u, clock_mono_ms());
            kill_stuck_drains(u, now);
            if (now >= u->next_status_ms) {
                print_status_lines(u);
                if (!u->is_ready && initial_gateways_accepting(u)) print_table(u);
                u->next_status_ms = now + (u->is_ready ? STATUS_INTERVAL_MS : 200u);
            }
            if (u->is_ready) announce_new_regions(u);
        }
        int sig = signals_wait(waited, 100);
        if (sig < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            log_error("sigtimedwait: %s", strerror(errno));
            u->exit_code = 1;
            begin_stop(u, "internal error");
        } else if (sig == SIGINT || sig == SIGTERM) {
            begin_stop(u, sig == SIGINT ? "SIGINT" : "SIGTERM");
        }
    }
    log_info("stopped");
    return u->exit_code;
}

int deploy_up(const deploy_up_options_t *opts)
{
    log_set_prefix("up");
    static up_t up; /* large (the regions' argument storage); one per process */
    up_t *u = &up;
    *u = (up_t){.opts = opts, .pid = getpid(), .snapshot_revision = -1};
    u->base_port = opts->base_port ? opts->base_port : DEPLOY_UP_BASE_PORT_DEFAULT;
    if (u->base_port > 65535 - 100) {
        log_error("--base-port %u: the ports up to base + 99 must exist", u->base_port);
        return 1;
    }
    snprintf(u->manage_listen, sizeof u->manage_listen, "127.0.0.1:%u", u->base_port);
    snprintf(u->endpoint, sizeof u->endpoint, "http://127.0.0.1:%u", u->base_port);
    snprintf(u->svc_path, sizeof u->svc_path,
             "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/meridian/"
             "providers/Microsoft.ApiManagement/service/meridian");
    snprintf(u->connect_to, sizeof u->connect_to,
             "contoso-us.com:80=127.0.0.1:%u,contoso-asia.com:80=127.0.0.1:%u,"
             "contoso-other.com:80=127.0.0.1:%u",
             u->base_port + 1u, u->base_port + 2u, u->base_port + 3u);
    if (prepare_paths(u)) return 1;
    char *err = NULL;
    if (up_service_load(opts->service_file, u->repo_dir, &u->service, &err)) {
        log_error("%s", err ? err : "cannot load the service file");
        free(err);
        return 1;
    }
    int rc = 1;
    if (check_ports_free(u)) goto fail_ports;

    struct sigaction default_action = {.sa_handler = SIG_DFL}, old_chld;
    sigemptyset(&default_action.sa_mask);
    sigaction(SIGCHLD, &default_action, &old_chld);
    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGCHLD);
    sigaddset(&waited, SIGHUP);
    sigaddset(&waited, SIGTERM);
    sigaddset(&waited, SIGINT);
    sigprocmask(SIG_BLOCK, &waited, &u->original_mask);

    if (start_manage_and_backends(u, &waited)) {
        u->exit_code = 1;
        begin_stop(u, "start-up failure");
    }
    rc = run_loop(u, &waited);

    sigprocmask(SIG_SETMASK, &u->original_mask, NULL);
    sigaction(SIGCHLD, &old_chld, NULL);
fail_ports:
    up_service_free(&u->service);
    return rc;
}
