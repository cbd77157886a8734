/* deploy_up (contract in deploy/up.h). Like deploy_run and gateway_supervise, the launcher
 * has no event loop: signals are blocked and taken with sigtimedwait() (base/signals.h)
 * whose timeout is the next watch tick, and the few HTTP requests it makes go to loopback
 * with short deadlines (deploy/up_http.h). */
#include "deploy/up.h"

#include "deploy/up_ca.h"
#include "deploy/up_internal.h"
#include "deploy/up_router.h"

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
#define STATUS_INTERVAL_MS 1000u
/* The endpoint table waits for every location's units at most this long. */
#define TABLE_TIMEOUT_MS 20000u
#define SAS_LIFETIME_S 3600
#define SAS_REFRESH_S 1800
#define API_VERSION "2022-08-01"

static const char *const backend_names[UP_BACKEND_COUNT] = {"contoso-us", "contoso-asia",
                                                            "contoso-other"};


/* ---- files and paths ---- */

int up__make_directories(const char *path, mode_t mode)
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
int up__write_file(const char *path, const char *data, size_t len)
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
    int rc = up__make_directories(u->data_dir, 0700);
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
int up__mgmt_call(up_t *u, const char *method, const char *suffix, const char *body,
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
        int rc = text ? up__mgmt_call(u, "PUT", suffix, text, &resp) : -1;
        free(text);
        if (rc) {
            log_error("PUT %s: the management plane did not answer", suffix);
            return -1;
        }
        if (resp.status != 200 && resp.status != 201) {
            log_error("PUT %s: %d %s", suffix, resp.status, resp.body);
            up_http_response_free(&resp);
            return -1;
        }
        up_http_response_free(&resp);
    }
    return 0;
}

/* Starts what should run and is not running (first start, restart after back-off). */
static void start_due(up_t *u, uint64_t now)
{
    if (u->is_stopping) return;
    up_proc_t *always[2 + UP_BACKEND_COUNT] = {&u->manage, &u->router};
    for (size_t b = 0; b < UP_BACKEND_COUNT; b++)
        always[2 + b] = &u->backends[b];
    for (size_t i = 0; i < 2 + UP_BACKEND_COUNT; i++) {
        up_proc_t *p = always[i];
        if (p->pid == 0 && p->restart_at_ms && now >= p->restart_at_ms)
            up_proc_start(p, u->exe, &u->original_mask, u->pid);
    }
    up__start_regions(u, now);
}

/* ---- children exiting ---- */

static void on_proc_exit(up_t *u, up_proc_t *p, int status)
{
    char how[160];
    signals_describe_exit(status, how, sizeof how);
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
        if (u->router.pid == pid) {
            if (u->is_router_restarting && !u->is_stopping) {
                u->router.pid = 0;
                u->is_router_restarting = false;
                up_proc_start(&u->router, u->exe, &u->original_mask, u->pid);
            } else {
                on_proc_exit(u, &u->router, status);
            }
            continue;
        }
        for (size_t b = 0; b < UP_BACKEND_COUNT; b++)
            if (u->backends[b].pid == pid) on_proc_exit(u, &u->backends[b], status);
        for (size_t i = 0; i < UP_MAX_REGIONS; i++)
            if (u->regions[i].is_used && u->regions[i].proc.pid == pid)
                up__on_region_exit(u, &u->regions[i], status);
    }
}

static void print_table(up_t *u)
{
    printf("\nMeridian is up (pid %d; state in %s).\n\n", (int)u->pid, u->state_dir);
    printf("  global endpoint  http://127.0.0.1:%u/echo/ (L7 edge: the closest healthy location "
           "for the client's address;\n"
           "                   e.g. curl --interface 127.0.2.1 ...), DNS %s on 127.0.0.1:%u, "
           "status http://127.0.0.1:%u/status\n",
           u->base_port + 9u, "meridian." UP_ROUTER_ZONE, u->base_port + 8u, u->base_port + 7u);
    if (u->opts->tls)
        printf("                   https://127.0.0.1:%u/echo/ (the same edge over HTTPS; it reaches the "
               "locations over HTTPS)\n",
               u->base_port + 12u);
    printf("  management API   %s%s\n", u->endpoint, u->svc_path);
    printf("  admin key        %s/admin-key.json\n", u->data_dir);
    printf("                   export MERIDIAN_ENDPOINT=%s MERIDIAN_KEY_FILE=%s/admin-key.json\n",
           u->endpoint, u->data_dir);
    printf("  developer portal %s/portal\n", u->endpoint);
    printf("  dashboard        %s/dashboard (sign in with the admin key)\n", u->endpoint);
    for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
        const up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted) continue;
        printf("  %-16s http://%s/echo/   status http://%s" UP_STATUS_PATH
               "   metrics http://127.0.%d.1:%u/metrics\n",
               r->display_name, r->listen, r->listen, r->octet, u->base_port + 20u);
        if (r->regional_hostname[0])
            printf("                   regional hostname %s (send it as Host, or add it to "
                   "/etc/hosts as 127.0.%d.1)\n",
                   r->regional_hostname, r->octet);
        if (u->opts->tls)
            printf("                   https://127.0.%d.1:%u/echo/\n", r->octet, u->base_port + 11u);
    }
    if (u->opts->tls)
        printf("  TLS              local CA %s/tls/ca.crt: curl --cacert %s/tls/ca.crt https://...,\n"
               "                   or trust it: sudo cp %s/tls/ca.crt "
               "/usr/local/share/ca-certificates/meridian-up.crt && sudo update-ca-certificates\n",
               u->state_dir, u->state_dir, u->state_dir);
    for (size_t b = 0; b < UP_BACKEND_COUNT; b++)
        printf("  backend          %s.com:80 → 127.0.0.1:%u\n", backend_names[b],
               u->base_port + 1u + (unsigned)b);
    printf("\nTry: curl http://%s/echo/hello   (the policy picks the region's backend)\n",
           u->regions[0].listen);
    printf("     meridian location add \"Brazil South\"   (a third location on 127.0.3.1)\n");
    printf("Press Ctrl-C to stop.\n\n");
    for (size_t i = 0; i < UP_MAX_REGIONS; i++) {
        up_region_t *r = &u->regions[i];
        if (!r->is_used || !r->is_wanted) continue;
        r->is_announced = true;
        if (r->last_line[0]) puts(r->last_line);
    }
    fflush(stdout);
    u->is_ready = true;
}

/* ---- stopping ---- */

static size_t live_others(const up_t *u)
{
    size_t n = (u->manage.pid > 0) + (u->router.pid > 0);
    for (size_t b = 0; b < UP_BACKEND_COUNT; b++)
        n += u->backends[b].pid > 0;
    return n;
}

static void signal_others(up_t *u, int sig)
{
    if (u->manage.pid > 0) kill(u->manage.pid, sig);
    if (u->router.pid > 0) kill(u->router.pid, sig);
    for (size_t b = 0; b < UP_BACKEND_COUNT; b++)
        if (u->backends[b].pid > 0) kill(u->backends[b].pid, sig);
}

static void begin_stop(up_t *u, const char *why)
{
    if (u->is_stopping) return;
    u->is_stopping = true;
    u->stop_kill_at_ms = clock_mono_ms() + UP_KILL_AFTER_MS;
    log_info("%s: stopping (gateways drain first)", why);
    for (size_t i = 0; i < UP_MAX_REGIONS; i++)
        if (u->regions[i].is_used) up__gateway_drain(&u->regions[i], why);
}

/* Gateways first: their requests in flight still need the backends. Returns true when
 * everything has exited. */
static bool continue_stop(up_t *u, uint64_t now)
{
    if (up__live_gateways(u) == 0 && !u->has_stopped_others) {
        u->has_stopped_others = true;
        signal_others(u, SIGTERM);
    }
    if (!u->has_sent_kill && now >= u->stop_kill_at_ms) {
        log_warn("still running %u ms after the stop: sending SIGKILL", UP_KILL_AFTER_MS);
        u->has_sent_kill = true;
        signal_others(u, SIGKILL);
        for (size_t i = 0; i < UP_MAX_REGIONS; i++)
            if (u->regions[i].is_used && u->regions[i].proc.pid > 0)
                kill(u->regions[i].proc.pid, SIGKILL);
    }
    return up__live_gateways(u) == 0 && live_others(u) == 0;
}

/* ---- start-up ---- */

static int check_ports_free(const up_t *u)
{
    host_port_t hp = {.host = "127.0.0.1"};
    const unsigned offsets[] = {0, 1, 2, 3, 7, 8, 9, 12}; /* manage, backends, router (12: --tls) */
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        if (offsets[i] == 12 && !u->opts->tls) continue;
        unsigned off = offsets[i];
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
            signals_describe_exit(status, how, sizeof how);
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
    if (up__write_file(file, u->service.apply_json, strlen(u->service.apply_json))) return -1;
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
    char global_endpoint[64];
    snprintf(global_endpoint, sizeof global_endpoint, "http://127.0.0.1:%u", u->base_port + 9u);
    const char *args[] = {"manage", "--listen", u->manage_listen, "--data", u->data_dir,
                          "--location", u->service.locations[0].display_name,
                          "--global-endpoint", global_endpoint};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
        if (up_proc_arg(&u->manage, args[i])) return -1;
    if (up_proc_start(&u->manage, u->exe, &u->original_mask, u->pid)) return -1;
    if (!wait_for_manage(u, waited)) return -1;
    if (apply_service(u) || put_locations(u)) return -1;
    for (size_t b = 0; b < UP_BACKEND_COUNT; b++) {
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
                up__watch(u);
                u->next_watch_ms = now + UP_WATCH_INTERVAL_MS;
            }
            start_due(u, clock_mono_ms());
            up__kill_stuck_drains(u, now);
            if (now >= u->next_status_ms) {
                up__print_status_lines(u);
                if (!u->is_ready && up__initial_gateways_accepting(u)) {
                    print_table(u);
                } else if (!u->is_ready && now >= u->table_deadline_ms) {
                    /* A location that cannot start (its address taken...) is retried with
                     * back-off and its line says so; the rest is usable now. */
                    log_warn("not every location serves after %u ms; the table shows what "
                             "runs", TABLE_TIMEOUT_MS);
                    print_table(u);
                }
                u->next_status_ms = now + (u->is_ready ? STATUS_INTERVAL_MS : 200u);
            }
            up__update_router(u);
            if (u->is_ready) up__announce_new_regions(u);
        }
        int sig = signals_next(waited, 100);
        if (sig < 0) {
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
    *u = (up_t){.opts = opts, .pid = getpid()};
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
    if (opts->tls) {
        char tls_dir[PATH_MAX], why[512];
        snprintf(tls_dir, sizeof tls_dir, "%.4000s/tls", u->state_dir);
        if (up_ca_ensure_for_up(tls_dir, why, sizeof why) < 0) {
            log_error("TLS: %s", why);
            return 1;
        }
        log_info("TLS: local CA %s/ca.crt, server certificate %s/server.crt", tls_dir, tls_dir);
    }
    char *err = NULL;
    if (up_service_load(opts->service_file, u->repo_dir, &u->service, &err)) {
        log_error("%s", err ? err : "cannot load the service file");
        free(err);
        return 1;
    }
    int rc = 1;
    if (check_ports_free(u)) goto fail_ports;

    struct sigaction old_chld;
    sigset_t waited;
    const char *failed;
    if (signals_supervise_begin(&waited, &u->original_mask, &old_chld, &failed) < 0) {
        log_error("%s: %s", failed, strerror(errno));
        goto fail_ports;
    }

    u->table_deadline_ms = clock_mono_ms() + MANAGE_READY_TIMEOUT_MS + TABLE_TIMEOUT_MS;
    if (start_manage_and_backends(u, &waited)) {
        u->exit_code = 1;
        begin_stop(u, "start-up failure");
    }
    rc = run_loop(u, &waited);

    signals_supervise_end(&u->original_mask, &old_chld);
fail_ports:
    up_service_free(&u->service);
    return rc;
}
