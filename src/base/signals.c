#include "base/signals.h"

#include "base/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int signals_wait(const sigset_t *set, int64_t timeout_ms)
{
    siginfo_t info;
    if (timeout_ms < 0) return sigwaitinfo(set, &info);
    struct timespec ts = {.tv_sec = (time_t)(timeout_ms / 1000),
                          .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
    return sigtimedwait(set, &info, &ts);
}

int signals_next(const sigset_t *set, int64_t timeout_ms)
{
    int sig = signals_wait(set, timeout_ms);
    if (sig >= 0) return sig;
    if (errno == EAGAIN || errno == EINTR) return 0;
    log_error("sigtimedwait: %s", strerror(errno));
    return -1;
}

int signals_supervise_begin(sigset_t *waited, sigset_t *original_mask, struct sigaction *old_chld,
                            const char **failed)
{
    struct sigaction default_action = {.sa_handler = SIG_DFL};
    sigemptyset(&default_action.sa_mask);
    if (sigaction(SIGCHLD, &default_action, old_chld) != 0) {
        *failed = "sigaction(SIGCHLD)";
        return -1;
    }
    sigemptyset(waited);
    sigaddset(waited, SIGCHLD);
    sigaddset(waited, SIGHUP);
    sigaddset(waited, SIGTERM);
    sigaddset(waited, SIGINT);
    if (sigprocmask(SIG_BLOCK, waited, original_mask) != 0) {
        int err = errno;
        sigaction(SIGCHLD, old_chld, NULL);
        errno = err;
        *failed = "sigprocmask";
        return -1;
    }
    return 0;
}

void signals_supervise_end(const sigset_t *original_mask, const struct sigaction *old_chld)
{
    sigprocmask(SIG_SETMASK, original_mask, NULL);
    sigaction(SIGCHLD, old_chld, NULL);
}

int signals_tie_to_parent(pid_t parent_pid)
{
    int rc = prctl(PR_SET_PDEATHSIG, SIGTERM) == 0 ? 0 : -errno;
    if (getppid() != parent_pid) return -ESRCH;
    return rc;
}

void signals_describe_exit(int status, char *out, size_t size)
{
    if (WIFEXITED(status)) {
        snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(out, size, "was killed by signal %d (%s)%s", sig, strsignal(sig),
                 WCOREDUMP(status) ? ", core dumped" : "");
    } else {
        snprintf(out, size, "changed state (wait status 0x%x)", (unsigned)status);
    }
}
