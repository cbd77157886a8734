/* base/signals.h: the supervisors' signal set-up, their wait, and how children ended. */
#include "base/signals.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* The waitpid() status of a child that ends the way `how` says. */
static int child_status(int how)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (how == 0) _exit(3);
        for (;;) pause();
    }
    if (how) kill(pid, how);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

Test(signals, exits_are_described_for_messages)
{
    char out[128];
    signals_describe_exit(child_status(0), out, sizeof out);
    cr_assert_str_eq(out, "exited with status 3");
    signals_describe_exit(child_status(SIGKILL), out, sizeof out);
    cr_assert_str_eq(out, "was killed by signal 9 (Killed)");
    signals_describe_exit(child_status(SIGTERM), out, sizeof out);
    cr_assert_str_eq(out, "was killed by signal 15 (Terminated)");
}

Test(signals, supervise_blocks_the_four_and_undoes_it)
{
    /* Inherited as ignored: the supervisor must get SIGCHLD's default back. */
    signal(SIGCHLD, SIG_IGN);
    sigset_t waited, original, now;
    struct sigaction old_chld, current;
    const char *failed = NULL;
    cr_assert_eq(signals_supervise_begin(&waited, &original, &old_chld, &failed), 0);
    cr_assert_null(failed);
    sigaction(SIGCHLD, NULL, &current);
    cr_assert_eq(current.sa_handler, SIG_DFL);
    sigprocmask(SIG_SETMASK, NULL, &now);
    int signals[] = {SIGCHLD, SIGHUP, SIGTERM, SIGINT};
    for (size_t i = 0; i < 4; i++) {
        cr_assert(sigismember(&waited, signals[i]), "signal %d waited", signals[i]);
        cr_assert(sigismember(&now, signals[i]), "signal %d blocked", signals[i]);
    }
    cr_assert_not(sigismember(&waited, SIGUSR1));

    /* Taken synchronously: a pending SIGHUP is the next signal; nothing pending times out. */
    cr_assert_eq(signals_next(&waited, 0), 0, "nothing pending: a timeout reads 0");
    raise(SIGHUP);
    cr_assert_eq(signals_next(&waited, 1000), SIGHUP);
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    cr_assert_eq(signals_next(&waited, 5000), SIGCHLD, "the child's end is delivered, not reaped");
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);

    signals_supervise_end(&original, &old_chld);
    sigaction(SIGCHLD, NULL, &current);
    cr_assert_eq(current.sa_handler, SIG_IGN, "the inherited action is back");
    sigprocmask(SIG_SETMASK, NULL, &now);
    cr_assert_not(sigismember(&now, SIGHUP), "unblocked again");
    signal(SIGCHLD, SIG_DFL);
}

/* Runs signals_tie_to_parent(parent) in a child; its exit code says what it saw. */
static int tie_in_child(int use_wrong_parent)
{
    pid_t self = getpid();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int rc = signals_tie_to_parent(use_wrong_parent ? self + 100000 : self);
        int sig = 0;
        prctl(PR_GET_PDEATHSIG, &sig);
        if (rc == -ESRCH) _exit(2);
        _exit(rc == 0 && sig == SIGTERM ? 0 : 1);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

Test(signals, children_are_tied_to_their_parent)
{
    cr_assert_eq(tie_in_child(0), 0, "PDEATHSIG is SIGTERM and the parent is there");
    cr_assert_eq(tie_in_child(1), 2, "a parent that is not the one expected: -ESRCH");
}
