/* up_proc (contract in deploy/up_proc.h). */
#include "deploy/up_proc.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/signals.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void up_proc_reset(up_proc_t *p, const char *label)
{
    snprintf(p->label, sizeof p->label, "%s", label);
    p->args[0] = NULL;
    p->arg_storage_used = 0;
    if (p->backoff_ms == 0) p->backoff_ms = UP_PROC_BACKOFF_INITIAL_MS;
}

int up_proc_arg(up_proc_t *p, const char *arg)
{
    size_t count = 0;
    while (p->args[count])
        count++;
    size_t len = strlen(arg) + 1;
    if (count >= UP_PROC_MAX_ARGS || len > sizeof p->arg_storage - p->arg_storage_used) {
        log_error("%s: too many or too long arguments", p->label);
        return -1;
    }
    char *copy = p->arg_storage + p->arg_storage_used;
    memcpy(copy, arg, len);
    p->arg_storage_used += len;
    p->args[count] = copy;
    p->args[count + 1] = NULL;
    return 0;
}

static void child_exec(const up_proc_t *p, const char *exe, const sigset_t *mask,
                       pid_t parent_pid) __attribute__((noreturn));
static void child_exec(const up_proc_t *p, const char *exe, const sigset_t *mask,
                       pid_t parent_pid)
{
    if (signals_tie_to_parent(parent_pid) < 0) _exit(127);
    setpgid(0, 0);
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, mask, NULL);
    const char *argv[UP_PROC_MAX_ARGS + 2];
    argv[0] = exe;
    size_t i = 0;
    for (; p->args[i]; i++)
        argv[i + 1] = p->args[i];
    argv[i + 1] = NULL;
    execv(exe, (char *const *)argv);
    fprintf(stderr, "meridian up: cannot run %s: %s\n", exe, strerror(errno));
    _exit(127);
}

int up_proc_start(up_proc_t *p, const char *exe, const sigset_t *mask, pid_t parent_pid)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        log_error("cannot start %s: fork: %s", p->label, strerror(err));
        return -err;
    }
    if (pid == 0) child_exec(p, exe, mask, parent_pid);
    p->pid = pid;
    p->started_ms = clock_mono_ms();
    p->restart_at_ms = 0;
    p->start_count++;
    if (p->start_count == 1)
        log_info("started %s (pid %d)", p->label, (int)pid);
    else
        log_info("restarted %s (pid %d, start %u)", p->label, (int)pid, p->start_count);
    return 0;
}

void up_proc_schedule_restart(up_proc_t *p, uint64_t now)
{
    if (now - p->started_ms >= UP_PROC_STABLE_RUN_MS) p->backoff_ms = UP_PROC_BACKOFF_INITIAL_MS;
    if (p->backoff_ms == 0) p->backoff_ms = UP_PROC_BACKOFF_INITIAL_MS;
    p->restart_at_ms = now + p->backoff_ms;
    uint32_t next = p->backoff_ms * 2;
    p->backoff_ms = next > UP_PROC_BACKOFF_MAX_MS ? UP_PROC_BACKOFF_MAX_MS : next;
}

int up_proc_run_to_end(up_proc_t *p, const char *exe, const sigset_t *mask, pid_t parent_pid)
{
    if (up_proc_start(p, exe, mask, parent_pid)) return -1;
    int status;
    pid_t got;
    do {
        got = waitpid(p->pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    p->pid = 0;
    if (got < 0 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}
