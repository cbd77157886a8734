/* deploy_run (contract in deploy/run.h). Like gateway_supervise(), the parent here has no
 * event loop: its children are forked and build their own. Signals are blocked and taken
 * with sigtimedwait(), so there are no handlers. Blocking file writes are fine here for the
 * same reason (STYLE.md habit 8 is about event loops). */
#include "deploy/run.h"

#include "base/clock.h"
#include "base/signals.h"
#include "base/log.h"
#include "deploy/demo.h"
#include "deploy/demo_backend.h"
#include "deploy/host_port.h"
#include "gateway/config.h"
#include "gateway/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long the children get to start accepting connections before we say so. */
#define READY_TIMEOUT_MS 15000u
#define READY_POLL_MS 100
/* After SIGTERM, the gateway's supervisor itself kills units at drain + 5 s; we give it a
 * little longer before killing what is left. */
#define KILL_AFTER_MS (DEPLOY_RUN_DRAIN_MS + 8000u)

static const struct {
    const char *name;
    const char *listen_addr;
} demo_backends[] = {
    {"West US echo", "127.0.0.1:19081"},
    {"orders", "127.0.0.1:19082"},
};
#define DEMO_BACKEND_COUNT (sizeof demo_backends / sizeof demo_backends[0])
#define CHILD_COUNT (DEMO_BACKEND_COUNT + 1)

typedef struct {
    const char *label; /* for messages: "gateway", "backend \"orders\"" */
    int backend_index; /* index in demo_backends, -1 for the gateway */
    host_port_t addr;  /* where it accepts connections once ready */
    pid_t pid;         /* 0 when not running */
} run_child_t;

typedef struct {
    run_child_t children[CHILD_COUNT];
    host_port_t listen;
    host_port_t admin;
    char listen_text[64];
    char admin_text[64];
    char state_dir[PATH_MAX];
    char snapshot_path[PATH_MAX];
    gateway_config_t *config; /* the compiled demo snapshot, for the banner */
    pid_t parent_pid;
    sigset_t original_mask;
    bool is_stopping;
    uint64_t kill_at_ms;
    bool has_sent_kill;
    int exit_code;
} run_t;

/* ---- state directory ---- */

static int make_directories(const char *path)
{
    char partial[PATH_MAX];
    if (snprintf(partial, sizeof partial, "%s", path) >= (int)sizeof partial) return -ENAMETOOLONG;
    for (char *p = partial + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(partial, 0755) != 0 && errno != EEXIST) return -errno;
        *p = '/';
    }
    if (mkdir(partial, 0755) != 0 && errno != EEXIST) return -errno;
    struct stat st;
    if (stat(partial, &st) != 0) return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* Temp file → fsync → rename → fsync of the directory (the Redis habit): a reader, or a
 * unit re-reading on SIGHUP, sees the old file or the new one, never half of one. */
static int write_file_atomically(const char *dir, const char *path, const char *data, size_t len)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    int err;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        err = -errno;
        log_error("cannot create %s: %s", tmp, strerror(errno));
        goto fail_open;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            err = -errno;
            log_error("cannot write %s: %s", tmp, strerror(errno));
            goto fail_write;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        err = -errno;
        log_error("cannot fsync %s: %s", tmp, strerror(errno));
        goto fail_write;
    }
    if (close(fd) != 0) {
        err = -errno;
        log_error("cannot close %s: %s", tmp, strerror(errno));
        goto fail_close;
    }
    if (rename(tmp, path) != 0) {
        err = -errno;
        log_error("cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto fail_close;
    }
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        if (fsync(dir_fd) != 0) log_warn("cannot fsync %s: %s", dir, strerror(errno));
        close(dir_fd);
    }
    return 0;

fail_write:
    close(fd);
fail_close:
    unlink(tmp);
fail_open:
    return err;
}

static int prepare_state_dir(run_t *r, const char *requested)
{
    const char *dir = requested;
    if (!dir || !*dir) dir = getenv("MERIDIAN_STATE_DIR");
    if (!dir || !*dir) dir = DEPLOY_RUN_STATE_DIR_DEFAULT;
    if (snprintf(r->state_dir, sizeof r->state_dir, "%s", dir) >= (int)sizeof r->state_dir ||
        snprintf(r->snapshot_path, sizeof r->snapshot_path, "%s/snapshot.json", dir) >=
            (int)sizeof r->snapshot_path) {
        log_error("state directory path too long: %s", dir);
        return -ENAMETOOLONG;
    }
    int rc = make_directories(r->state_dir);
    if (rc) {
        log_error("cannot create state directory %s: %s", r->state_dir, strerror(-rc));
        return rc;
    }
    return write_file_atomically(r->state_dir, r->snapshot_path, demo_snapshot_json,
                                 demo_snapshot_json_len);
}

/* ---- addresses ---- */

typedef struct {
    const host_port_t *host;
    uint16_t port;
    const char *owner;
} wanted_port_t;

static int parse_addresses(run_t *r, const deploy_run_options_t *opts)
{
    const char *listen = opts->listen_addr ? opts->listen_addr : DEPLOY_RUN_LISTEN_DEFAULT;
    const char *admin = opts->admin_addr ? opts->admin_addr : DEPLOY_RUN_ADMIN_DEFAULT;
    const char *err;
    if (host_port_parse(listen, &r->listen, &err)) {
        log_error("listen address \"%s\": %s", listen, err);
        return -EINVAL;
    }
    if (host_port_parse(admin, &r->admin, &err)) {
        log_error("admin address \"%s\": %s", admin, err);
        return -EINVAL;
    }
    if (r->listen.port == 0 || r->admin.port == 0) {
        log_error("meridian run needs fixed ports (port 0 is not supported)");
        return -EINVAL;
    }
    if ((unsigned)r->admin.port + DEPLOY_RUN_UNITS - 1 > 65535) {
        log_error("admin port %u + %d units goes past 65535", (unsigned)r->admin.port,
                  DEPLOY_RUN_UNITS);
        return -EINVAL;
    }
    host_port_format(&r->listen, r->listen.port, r->listen_text, sizeof r->listen_text);
    host_port_format(&r->admin, r->admin.port, r->admin_text, sizeof r->admin_text);

    /* Every port the demo will bind, so that collisions are reported before anything starts. */
    wanted_port_t wanted[1 + DEPLOY_RUN_UNITS + DEMO_BACKEND_COUNT];
    size_t n = 0;
    wanted[n++] = (wanted_port_t){&r->listen, r->listen.port, "the gateway"};
    for (int k = 0; k < DEPLOY_RUN_UNITS; k++)
        wanted[n++] =
            (wanted_port_t){&r->admin, (uint16_t)(r->admin.port + k), "the admin listeners"};
    for (size_t b = 0; b < DEMO_BACKEND_COUNT; b++) {
        run_child_t *c = &r->children[b];
        if (host_port_parse(demo_backends[b].listen_addr, &c->addr, &err)) return -EINVAL;
        wanted[n++] = (wanted_port_t){&c->addr, c->addr.port, "a demo backend"};
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (wanted[i].port == wanted[j].port) {
                log_error("port %u is needed by both %s and %s", (unsigned)wanted[i].port,
                          wanted[j].owner, wanted[i].owner);
                return -EINVAL;
            }
        }
        /* Checked by connecting, not binding: the gateway binds with SO_REUSEPORT and would
         * silently share the port with a `meridian run` that is still running. */
        if (host_port_is_accepting(wanted[i].host, wanted[i].port)) {
            char text[80];
            host_port_format(wanted[i].host, wanted[i].port, text, sizeof text);
            log_error("%s (for %s) is already in use; is another `meridian run` running?", text,
                      wanted[i].owner);
            return -EADDRINUSE;
        }
    }
    return 0;
}

/* ---- children ---- */

static void child_main(const run_t *r, const run_child_t *c) __attribute__((noreturn));
static void child_main(const run_t *r, const run_child_t *c)
{
    /* Never outlive `meridian run`, even if it is killed with SIGKILL. */
    int rc = signals_tie_to_parent(r->parent_pid);
    if (rc == -ESRCH) _exit(1);
    if (rc < 0) log_warn("prctl(PR_SET_PDEATHSIG): %s", strerror(-rc));
    if (c->backend_index >= 0) {
        sigprocmask(SIG_SETMASK, &r->original_mask, NULL);
        demo_backend_options_t opts = {
            .listen_addr = demo_backends[c->backend_index].listen_addr,
            .name = demo_backends[c->backend_index].name,
        };
        exit(demo_backend_run(&opts));
    }
    /* A SIGHUP passed on before the supervisor blocks it must not kill it; the supervisor
     * takes it synchronously once blocked, whatever its disposition. */
    signal(SIGHUP, SIG_IGN);
    sigprocmask(SIG_SETMASK, &r->original_mask, NULL);
    gateway_unit_options_t opts = {
        .region = DEPLOY_RUN_REGION,
        .snapshot_path = r->snapshot_path,
        .listen_addr = r->listen_text,
        .admin_addr = r->admin_text,
        .unit_index = 0,
        .access_log_path = "-",
        .drain_timeout_ms = DEPLOY_RUN_DRAIN_MS,
    };
    exit(gateway_supervise(&opts, DEPLOY_RUN_UNITS));
}

static int start_child(run_t *r, run_child_t *c)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        log_error("cannot start %s: fork: %s", c->label, strerror(errno));
        return -errno;
    }
    if (pid == 0) child_main(r, c);
    c->pid = pid;
    log_info("started %s (pid %d)", c->label, (int)pid);
    return 0;
}

static size_t live_child_count(const run_t *r)
{
    size_t n = 0;
    for (size_t i = 0; i < CHILD_COUNT; i++)
        n += r->children[i].pid > 0;
    return n;
}

static void signal_children(run_t *r, int sig)
{
    for (size_t i = 0; i < CHILD_COUNT; i++)
        if (r->children[i].pid > 0) kill(r->children[i].pid, sig);
}

static void begin_stop(run_t *r, const char *why)
{
    if (r->is_stopping) return;
    r->is_stopping = true;
    r->kill_at_ms = clock_mono_ms() + KILL_AFTER_MS;
    log_info("%s: stopping", why);
    signal_children(r, SIGTERM);
}

static void reap_children(run_t *r)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR) continue;
        if (pid <= 0) return;
        for (size_t i = 0; i < CHILD_COUNT; i++) {
            run_child_t *c = &r->children[i];
            if (c->pid != pid) continue;
            c->pid = 0;
            char how[160];
            signals_describe_exit(status, how, sizeof how);
            bool is_clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (r->is_stopping && is_clean) {
                log_info("%s %s", c->label, how);
            } else if (r->is_stopping) {
                log_warn("%s %s while stopping", c->label, how);
            } else {
                log_error("%s (pid %d) %s", c->label, (int)pid, how);
                r->exit_code = 1;
                begin_stop(r, "a child exited");
            }
        }
    }
}

/* ---- banner ---- */

/* An example URL path for an API: its path, then its first operation's URL template with
 * "{param}" replaced by "42", "*" by "hello" and any query template dropped. */
static void example_path(const gw_api_t *api, char *out, size_t size)
{
    size_t n = 0;
    int w = snprintf(out, size, "%s%s", api->path[0] ? "/" : "", api->path);
    n = w > 0 && (size_t)w < size ? (size_t)w : 0;
    const char *tmpl = api->operation_count ? api->operations[0].url_template : "/";
    for (const char *p = tmpl; *p && *p != '?' && n + 6 < size; p++) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close) break;
            n += (size_t)snprintf(out + n, size - n, "42");
            p = close;
        } else if (*p == '*') {
            n += (size_t)snprintf(out + n, size - n, "hello");
        } else {
            out[n++] = *p;
        }
    }
    if (n == 0) out[n++] = '/';
    out[n] = '\0';
}

static void print_banner(const run_t *r)
{
    char admin2[80];
    host_port_format(&r->admin, (uint16_t)(r->admin.port + 1), admin2, sizeof admin2);
    printf("\nMeridian is running: region \"%s\", %d gateway units (pid %d).\n\n",
           DEPLOY_RUN_REGION, DEPLOY_RUN_UNITS, (int)r->parent_pid);
    printf("  gateway   http://%s\n", r->listen_text);
    printf("  status    http://%s/status-0123456789abcdef\n", r->listen_text);
    printf("  metrics   http://%s/metrics (unit 0), http://%s/metrics (unit 1)\n", r->admin_text,
           admin2);
    for (size_t b = 0; b < DEMO_BACKEND_COUNT; b++)
        printf("  backend   \"%s\" on %s\n", demo_backends[b].name, demo_backends[b].listen_addr);
    printf("  snapshot  %s (rewritten at every start; edit it, then `kill -HUP %d` to "
           "reload)\n\nTry:\n",
           r->snapshot_path, (int)r->parent_pid);
    for (size_t i = 0; r->config && i < r->config->api_count; i++) {
        char path[256];
        example_path(&r->config->apis[i], path, sizeof path);
        printf("  curl -i http://%s%s\n", r->listen_text, path);
    }
    printf("  curl http://%s/status-0123456789abcdef\n", r->listen_text);
    printf("  curl http://%s/metrics\n\nPress Ctrl-C to stop.\n\n", r->admin_text);
    fflush(stdout);
}

/* ---- main loop ---- */

static bool children_are_accepting(const run_t *r)
{
    for (size_t i = 0; i < CHILD_COUNT; i++)
        if (!host_port_is_accepting(&r->children[i].addr, r->children[i].addr.port)) return false;
    return true;
}

static int run_loop(run_t *r, const sigset_t *waited)
{
    bool is_ready = false;
    uint64_t ready_deadline_ms = clock_mono_ms() + READY_TIMEOUT_MS;
    for (;;) {
        reap_children(r);
        uint64_t now = clock_mono_ms();
        int64_t timeout_ms = -1;
        if (r->is_stopping) {
            if (live_child_count(r) == 0) break;
            if (!r->has_sent_kill && now >= r->kill_at_ms) {
                log_warn("%zu child(ren) still running; sending SIGKILL", live_child_count(r));
                signal_children(r, SIGKILL);
                r->has_sent_kill = true;
            }
            if (!r->has_sent_kill) timeout_ms = (int64_t)(r->kill_at_ms - now);
        } else if (!is_ready) {
            if (children_are_accepting(r)) {
                is_ready = true;
                print_banner(r);
            } else if (now >= ready_deadline_ms) {
                is_ready = true;
                log_warn("not every listener accepts connections after %u ms; still waiting",
                         READY_TIMEOUT_MS);
            } else {
                timeout_ms = READY_POLL_MS;
            }
        }

        int sig = signals_next(waited, timeout_ms);
        if (sig < 0) {
            r->exit_code = 1;
            begin_stop(r, "internal error");
            continue;
        }
        if (sig == SIGHUP && !r->is_stopping) {
            log_info("SIGHUP: reloading the gateway");
            run_child_t *gateway = &r->children[CHILD_COUNT - 1];
            if (gateway->pid > 0) kill(gateway->pid, SIGHUP);
        } else if (sig == SIGINT || sig == SIGTERM) {
            begin_stop(r, sig == SIGINT ? "SIGINT" : "SIGTERM");
        }
    }
    log_info("stopped");
    return r->exit_code;
}

int deploy_run(const deploy_run_options_t *opts)
{
    log_set_prefix("run");
    run_t r = {.parent_pid = getpid()};
    for (size_t b = 0; b < DEMO_BACKEND_COUNT; b++) {
        r.children[b].backend_index = (int)b;
        r.children[b].label = b == 0 ? "backend \"West US echo\"" : "backend \"orders\"";
    }
    run_child_t *gateway = &r.children[CHILD_COUNT - 1];
    gateway->backend_index = -1;
    gateway->label = "gateway";
    int rc = 1;

    if (parse_addresses(&r, opts)) goto fail_addresses;
    gateway->addr = r.listen;

    /* Compile the embedded snapshot exactly as a unit will, so a broken build fails here
     * with the place of the error instead of units answering 503. */
    char *err = NULL;
    r.config =
        gateway_config_compile(demo_snapshot_json, demo_snapshot_json_len,
                               "examples/demo/snapshot.json (embedded)", DEPLOY_RUN_REGION, &err);
    if (!r.config) {
        log_error("the embedded demo snapshot does not compile: %s", err ? err : "?");
        free(err);
        goto fail_config;
    }
    if (prepare_state_dir(&r, opts->state_dir)) goto fail_state_dir;

    struct sigaction old_chld;
    sigset_t waited;
    const char *failed;
    if (signals_supervise_begin(&waited, &r.original_mask, &old_chld, &failed) < 0) {
        log_error("%s: %s", failed, strerror(errno));
        goto fail_signals;
    }

    for (size_t i = 0; i < CHILD_COUNT; i++) {
        if (start_child(&r, &r.children[i])) {
            r.exit_code = 1;
            begin_stop(&r, "start-up failure");
            break;
        }
    }
    rc = run_loop(&r, &waited);

    signals_supervise_end(&r.original_mask, &old_chld);
fail_signals:
fail_state_dir:
    gateway_config_unref(r.config);
fail_config:
fail_addresses:
    return rc;
}
