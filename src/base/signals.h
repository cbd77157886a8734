/* signals: waiting for blocked signals synchronously, for the supervising processes
 * (gateway supervisor, `meridian run`) that run no event loop. */
#ifndef MERIDIAN_BASE_SIGNALS_H
#define MERIDIAN_BASE_SIGNALS_H

#include <signal.h>
#include <stdint.h>

/* Waits for one of `set` (which the caller has blocked) for at most timeout_ms
 * (< 0: forever). Returns the signal number, or -1 with errno EAGAIN on timeout. */
int signals_wait(const sigset_t *set, int64_t timeout_ms);

#endif
