/* gateway_supervise: the parent of a region's gateway units (contract in gateway/unit.h).
 *
 * The parent is deliberately plain POSIX with no libuv loop: the units are forked (not
 * exec'd) and each builds its own loop after fork, so the parent must hold no loop state
 * the children would inherit. Every signal it cares about (SIGCHLD, SIGHUP, SIGTERM,
 * SIGINT) stays blocked and is taken synchronously with sigtimedwait(), whose timeout is
 * the next deadline (a scheduled restart or the SIGKILL deadline of a stop). There are
 * therefore no signal handlers and no async-signal-safety concerns. */
#include "gateway/unit.h"

#include "gateway/region_counters.h"

#include "base/clock.h"
#include "base/signals.h"
#include "base/log.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Restart back-off: 100 ms, doubling up to 5 s while a unit keeps dying. */
#define BACKOFF_INITIAL_MS 100u
#define BACKOFF_MAX_MS 5000u
/* A unit that stayed up this long was healthy: its next restart starts the back-off over. */
#define STABLE_RUN_MS 10000u
/* A stop waits drain_timeout_ms plus this for a unit before sending SIGKILL. */
#define KILL_GRACE_MS 5000u
/* Exit status of gateway_unit_run() when start-up failed (gateway/unit.h). */
#define UNIT_EXIT_STARTUP_FAILED 1

typedef struct {
    int index;
    pid_t pid;              /* 0 while not running */
    uint64_t started_ms;    /* monotonic time of the last fork */
    uint64_t restart_at_ms; /* 0 = no restart scheduled */
    uint32_t backoff_ms;    /* delay of the next restart */
    unsigned start_count;   /* forks so far, including the first */
    char admin_addr[300];   /* this unit's admin address, "" for none */
} unit_slot_t;

typedef struct {
    const gateway_unit_options_t *opts;
    unit_slot_t *slots;
    int unit_count;
    pid_t supervisor_pid;
    sigset_t original_mask; /* restored in children and when returning */
    bool is_stopping;
    uint64_t kill_at_ms; /* SIGKILL deadline while stopping */
    bool has_sent_kill;
    int exit_code;
    region_cache_t *cache; /* the region's built-in cache, mapped before any fork */
} supervisor_t;

/* Unit k's admin address: the same host with port + k. Port 0 (ephemeral) stays 0 so each
 * unit gets its own ephemeral port. Accepts "host:port" and "[v6]:port". */
static int admin_addr_for_unit(const char *admin, int index, char *out, size_t size)
{
    const char *colon = strrchr(admin, ':');
    if (!colon || colon == admin) return -EINVAL;
    size_t host_len = (size_t)(colon - admin);
    if (admin[0] == '[') {
        if (colon[-1] != ']' || host_len < 3) return -EINVAL;
    } else if (memchr(admin, ':', host_len)) {
        return -EINVAL; /* an IPv6 literal must be bracketed (RFC 3986 §3.2.2) */
    }
    const char *digits = colon + 1;
    if (*digits == '\0' || strlen(digits) > 5) return -EINVAL;
    unsigned long port = 0;
    for (const char *p = digits; *p; p++) {
        if (*p < '0' || *p > '9') return -EINVAL;
        port = port * 10 + (unsigned long)(*p - '0');
    }
    if (port > 65535) return -EINVAL;
    unsigned long unit_port = port == 0 ? 0 : port + (unsigned long)index;
    if (unit_port > 65535) return -ERANGE;
    int n = snprintf(out, size, "%.*s:%lu", (int)host_len, admin, unit_port);
    if (n < 0 || (size_t)n >= size) return -ENAMETOOLONG;
    return 0;
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGHUP:
        return "SIGHUP";
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGKILL:
        return "SIGKILL";
    default:
        return "signal";
    }
}

static int live_unit_count(const supervisor_t *sv)
{
    int n = 0;
    for (int i = 0; i < sv->unit_count; i++)
        n += sv->slots[i].pid > 0;
    return n;
}

static void signal_all_units(supervisor_t *sv, int sig)
{
    for (int i = 0; i < sv->unit_count; i++) {
        unit_slot_t *slot = &sv->slots[i];
        if (slot->pid > 0 && kill(slot->pid, sig) != 0 && errno != ESRCH)
            log_warn("cannot send %s to unit %d (pid %d): %s", signal_name(sig), slot->index,
                     (int)slot->pid, strerror(errno));
    }
}

/* Runs in the forked child; never returns. */
static void unit_child_main(const supervisor_t *sv, const unit_slot_t *slot)
    __attribute__((noreturn));
static void unit_child_main(const supervisor_t *sv, const unit_slot_t *slot)
{
    /* Never outlive the supervisor: if it dies, even by SIGKILL, the kernel sends this unit
     * SIGTERM and it drains as if told to stop. */
    int rc = signals_tie_to_parent(sv->supervisor_pid);
    if (rc == -ESRCH) _exit(UNIT_EXIT_STARTUP_FAILED);
    if (rc < 0) log_warn("prctl(PR_SET_PDEATHSIG): %s", strerror(-rc));

    char prefix[128];
    snprintf(prefix, sizeof prefix, "gateway[%s/%d]", sv->opts->region, slot->index);
    log_set_prefix(prefix);

    gateway_unit_options_t opts = *sv->opts;
    opts.unit_index = slot->index;
    opts.admin_addr = slot->admin_addr[0] ? slot->admin_addr : NULL;
    opts.cache = sv->cache;

    /* A SIGHUP forwarded between here and the unit installing its own handler would kill
     * the unit (default action). Ignoring it is safe: a unit that has not installed its
     * handler yet has not loaded the snapshot yet either, so it reads the new file anyway. */
    signal(SIGHUP, SIG_IGN);
    sigprocmask(SIG_SETMASK, &sv->original_mask, NULL);

    /* exit(), not _exit(): stdio is flushed and, in sanitizer builds, the leak check runs. */
    exit(gateway_unit_run(&opts));
}

static void schedule_restart(unit_slot_t *slot, uint64_t now)
{
    slot->restart_at_ms = now + slot->backoff_ms;
    if (slot->restart_at_ms == 0) slot->restart_at_ms = 1;
    uint32_t next = slot->backoff_ms * 2;
    slot->backoff_ms = next > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : next;
}

static void unit_start(supervisor_t *sv, unit_slot_t *slot)
{
    /* Anything buffered would otherwise be written twice, once by each process. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        uint64_t now = clock_mono_ms();
        log_error("cannot fork unit %d: %s; retrying in %u ms", slot->index, strerror(errno),
                  slot->backoff_ms);
        schedule_restart(slot, now);
        return;
    }
    if (pid == 0) unit_child_main(sv, slot);
    slot->pid = pid;
    slot->started_ms = clock_mono_ms();
    slot->restart_at_ms = 0;
    slot->start_count++;
    if (slot->start_count == 1)
        log_info("unit %d started (pid %d)", slot->index, (int)pid);
    else
        log_info("unit %d restarted (pid %d, start %u)", slot->index, (int)pid, slot->start_count);
}

static void begin_stop(supervisor_t *sv, int sig, const char *why)
{
    if (sv->is_stopping) {
        log_info("%s: already stopping, waiting for %d unit(s)", why, live_unit_count(sv));
        return;
    }
    sv->is_stopping = true;
    sv->kill_at_ms = clock_mono_ms() + sv->opts->drain_timeout_ms + KILL_GRACE_MS;
    for (int i = 0; i < sv->unit_count; i++)
        sv->slots[i].restart_at_ms = 0;
    log_info("%s: stopping %d unit(s) with %s (drain timeout %u ms)", why, live_unit_count(sv),
             signal_name(sig), sv->opts->drain_timeout_ms);
    signal_all_units(sv, sig);
}

static unit_slot_t *slot_by_pid(supervisor_t *sv, pid_t pid)
{
    for (int i = 0; i < sv->unit_count; i++)
        if (sv->slots[i].pid == pid) return &sv->slots[i];
    return NULL;
}

static void on_unit_exit(supervisor_t *sv, unit_slot_t *slot, int status)
{
    uint64_t now = clock_mono_ms();
    char how[160];
    signals_describe_exit(status, how, sizeof how);
    pid_t pid = slot->pid;
    slot->pid = 0;

    if (sv->is_stopping) {
        bool is_clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (is_clean)
            log_info("unit %d (pid %d) %s", slot->index, (int)pid, how);
        else
            log_warn("unit %d (pid %d) %s while stopping", slot->index, (int)pid, how);
        return;
    }

    /* A unit whose very first start fails has a configuration problem (address in use,
     * bad access log path...) that restarting will not fix: report it instead of looping.
     * Later start-up failures may be transient and are retried like crashes. */
    if (slot->start_count == 1 && WIFEXITED(status) &&
        WEXITSTATUS(status) == UNIT_EXIT_STARTUP_FAILED) {
        log_error("unit %d (pid %d) failed to start; stopping", slot->index, (int)pid);
        sv->exit_code = 1;
        begin_stop(sv, SIGTERM, "start-up failure");
        return;
    }

    if (now - slot->started_ms >= STABLE_RUN_MS) slot->backoff_ms = BACKOFF_INITIAL_MS;
    log_error("unit %d (pid %d) %s unexpectedly; restarting in %u ms", slot->index, (int)pid, how,
              slot->backoff_ms);
    schedule_restart(slot, now);
}

static void reap_units(supervisor_t *sv)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid == 0) return;
        if (pid < 0) {
            if (errno == EINTR) continue;
            if (errno != ECHILD) log_error("waitpid: %s", strerror(errno));
            return;
        }
        unit_slot_t *slot = slot_by_pid(sv, pid);
        if (slot) on_unit_exit(sv, slot, status);
    }
}

/* Milliseconds until the next timed action, or -1 when only a signal can wake us. */
static int64_t next_timeout_ms(const supervisor_t *sv, uint64_t now)
{
    uint64_t deadline = 0;
    if (sv->is_stopping) {
        if (!sv->has_sent_kill) deadline = sv->kill_at_ms;
    } else {
        for (int i = 0; i < sv->unit_count; i++) {
            uint64_t at = sv->slots[i].restart_at_ms;
            if (at && (deadline == 0 || at < deadline)) deadline = at;
        }
    }
    if (deadline == 0) return -1;
    return deadline > now ? (int64_t)(deadline - now) : 0;
}

static void run_due_actions(supervisor_t *sv, uint64_t now)
{
    if (sv->is_stopping) {
        if (!sv->has_sent_kill && now >= sv->kill_at_ms) {
            log_warn("%d unit(s) still running %u ms after the stop signal; sending SIGKILL",
                     live_unit_count(sv), sv->opts->drain_timeout_ms + KILL_GRACE_MS);
            signal_all_units(sv, SIGKILL);
            sv->has_sent_kill = true;
        }
        return;
    }
    for (int i = 0; i < sv->unit_count; i++) {
        unit_slot_t *slot = &sv->slots[i];
        if (slot->pid == 0 && slot->restart_at_ms && now >= slot->restart_at_ms)
            unit_start(sv, slot);
    }
}

static int supervise_loop(supervisor_t *sv, const sigset_t *waited)
{
    for (int i = 0; i < sv->unit_count; i++)
        unit_start(sv, &sv->slots[i]);
    for (;;) {
        reap_units(sv);
        if (sv->is_stopping && live_unit_count(sv) == 0) break;
        uint64_t now = clock_mono_ms();
        run_due_actions(sv, now);

        int sig = signals_next(waited, next_timeout_ms(sv, clock_mono_ms()));
        if (sig < 0) return 1;
        switch (sig) {
        case SIGCHLD:
            break; /* reaped at the top of the loop */
        case SIGHUP:
            if (sv->is_stopping) break;
            log_info("SIGHUP: reloading %d unit(s)", live_unit_count(sv));
            signal_all_units(sv, SIGHUP);
            break;
        case SIGTERM:
        case SIGINT:
            begin_stop(sv, sig, signal_name(sig));
            break;
        default:
            break;
        }
    }
    log_info("all units stopped");
    return sv->exit_code;
}

int gateway_supervise(const gateway_unit_options_t *opts, int units)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "supervisor[%s]", opts->region);
    log_set_prefix(prefix);
    if (units < 1) {
        log_error("units must be at least 1 (got %d)", units);
        return 1;
    }

    supervisor_t sv = {
        .opts = opts,
        .unit_count = units,
        .supervisor_pid = getpid(),
        .exit_code = 0,
    };
    sv.slots = calloc((size_t)units, sizeof *sv.slots);
    if (!sv.slots) {
        log_error("out of memory");
        return 1;
    }
    int rc = 1;
    for (int i = 0; i < units; i++) {
        unit_slot_t *slot = &sv.slots[i];
        slot->index = i;
        slot->backoff_ms = BACKOFF_INITIAL_MS;
        if (opts->admin_addr &&
            admin_addr_for_unit(opts->admin_addr, i, slot->admin_addr, sizeof slot->admin_addr)) {
            log_error("admin address \"%s\" is not host:port, or its port + %d is above 65535",
                      opts->admin_addr, units - 1);
            goto fail_admin_addr;
        }
    }

    struct sigaction old_chld;
    sigset_t waited;
    const char *failed;
    if (signals_supervise_begin(&waited, &sv.original_mask, &old_chld, &failed) < 0) {
        log_error("%s: %s", failed, strerror(errno));
        goto fail_signals;
    }

    /* Mapped here, before the first fork, so that every unit (restarted ones too) shares
     * it; the kernel frees it with the last process (region_cache.h). */
    if (!opts->cache && !(sv.cache = region_cache_create(opts->cache_bytes))) {
        log_error("cannot map the region's cache: %s", strerror(errno));
        goto fail_cache;
    }
    if (opts->cache) sv.cache = opts->cache;
    /* The region's counters, mapped before the first fork so that every unit (and every
     * restart of one) shares them (gateway/region_counters.h). */
    gateway_unit_options_t unit_opts = *opts;
    if (!unit_opts.counters) unit_opts.counters = region_counters_create(0);
    if (!unit_opts.counters) {
        log_error("cannot map the region's counter table: %s", strerror(errno));
        rc = 1;
        goto fail_counters;
    }
    sv.opts = &unit_opts;
    log_info("supervising %d unit(s) of region \"%s\" on %s", units, opts->region,
             opts->listen_addr);
    rc = supervise_loop(&sv, &waited);
    if (!opts->counters) region_counters_destroy(unit_opts.counters);
fail_counters:
    if (sv.cache != opts->cache) region_cache_destroy(sv.cache);
fail_cache:
    signals_supervise_end(&sv.original_mask, &old_chld);
fail_signals:
fail_admin_addr:
    free(sv.slots);
    return rc;
}
