/* up_proc: the child processes of `meridian up` — each one the same binary run with a
 * command (`meridian manage ...`, `meridian gateway ...`), exec'd so that every process
 * is an ordinary Meridian command with its own flags, visible as such in `ps`.
 *
 * Children get their own process group (a terminal's Ctrl-C reaches `meridian up` only,
 * which then stops them in order: gateways drain before the backends and the management
 * plane stop) and PR_SET_PDEATHSIG = SIGTERM (they never outlive `meridian up`, even when
 * it is killed with SIGKILL). */
#ifndef MERIDIAN_DEPLOY_UP_PROC_H
#define MERIDIAN_DEPLOY_UP_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UP_PROC_MAX_ARGS 40
/* Restart back-off of a child that died: 100 ms doubling to 5 s; a child that ran 10 s
 * starts the back-off over (the gateway supervisor's rule, gateway/unit.h). */
#define UP_PROC_BACKOFF_INITIAL_MS 100u
#define UP_PROC_BACKOFF_MAX_MS 5000u
#define UP_PROC_STABLE_RUN_MS 10000u

typedef struct {
    char label[160];       /* for messages: "management plane", "gateway \"West US\"" */
    const char *args[UP_PROC_MAX_ARGS + 1]; /* argv after the binary, NULL-terminated */
    char arg_storage[4096];                 /* where args point */
    size_t arg_storage_used;
    pid_t pid;              /* 0 while not running */
    uint64_t started_ms;
    uint64_t restart_at_ms; /* 0 = none scheduled */
    uint32_t backoff_ms;
    unsigned start_count;
} up_proc_t;

/* Clears the argument list and sets the label. */
void up_proc_reset(up_proc_t *p, const char *label);
/* Appends one argument (copied). Returns 0, or -1 when the list or storage is full. */
int up_proc_arg(up_proc_t *p, const char *arg);

/* Forks and execs `exe` with the arguments; `mask` is the signal mask the child gets back
 * before exec. Returns 0 (p->pid set), or a negative errno when fork failed. */
int up_proc_start(up_proc_t *p, const char *exe, const sigset_t *mask, pid_t parent_pid);

/* Schedules a restart after the back-off (and doubles it). `now` is clock_mono_ms(). */
void up_proc_schedule_restart(up_proc_t *p, uint64_t now);

/* Runs `exe args...` to completion (blocking; SIGCHLD must be blocked by the caller, which
 * is how the launcher runs) and returns its exit status, or -1 when it could not be run or
 * was killed by a signal. */
int up_proc_run_to_end(up_proc_t *p, const char *exe, const sigset_t *mask, pid_t parent_pid);

#endif
