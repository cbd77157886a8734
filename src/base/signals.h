/* signals: waiting for blocked signals synchronously, for the supervising processes
 * (gateway supervisor, `meridian run`, `meridian up`) that run no event loop, and what
 * they share about their children. */
#ifndef MERIDIAN_BASE_SIGNALS_H
#define MERIDIAN_BASE_SIGNALS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Waits for one of `set` (which the caller has blocked) for at most timeout_ms
 * (< 0: forever). Returns the signal number, or -1 with errno EAGAIN on timeout. */
int signals_wait(const sigset_t *set, int64_t timeout_ms);

/* signals_wait() for a supervisor's loop: the signal; 0 on a timeout or an interruption
 * (look at the children and wait again); -1 when waiting itself failed, after logging
 * "sigtimedwait: <why>" (the supervisor should stop). */
int signals_next(const sigset_t *set, int64_t timeout_ms);

/* Prepares a supervisor to take SIGCHLD, SIGHUP, SIGTERM and SIGINT synchronously: sets
 * SIGCHLD to its default action (inherited as SIG_IGN, the kernel would reap the children
 * itself and waitpid() could not tell which one died; its old action goes to *old_chld),
 * then blocks the four (the set goes to *waited, the mask before to *original_mask, which
 * children restore before they run). Returns 0, or -1 with errno set and *failed naming
 * the call that failed ("sigaction(SIGCHLD)" or "sigprocmask"); nothing stays changed. */
int signals_supervise_begin(sigset_t *waited, sigset_t *original_mask, struct sigaction *old_chld,
                            const char **failed);
/* Undoes signals_supervise_begin(). */
void signals_supervise_end(const sigset_t *original_mask, const struct sigaction *old_chld);

/* In a child just forked: never outlive the parent, even one killed with SIGKILL —
 * PR_SET_PDEATHSIG = SIGTERM (kept across exec; only set-id binaries clear it), then a
 * check that the parent is still parent_pid, which closes the race where it died between
 * fork() and prctl(). Returns 0; -ESRCH when the parent is gone already (the child should
 * exit); another negative errno when prctl() failed (the parent is still there). */
int signals_tie_to_parent(pid_t parent_pid);

/* How a child ended (a waitpid() status), for messages: "exited with status 3", "was
 * killed by signal 9 (Killed)" (", core dumped" when it did), "changed state (...)". */
void signals_describe_exit(int status, char *out, size_t size);

#endif
