/* http_drain: the graceful stop of a process that serves HTTP from one loop (the
 * management plane, the demo backends). On the first SIGTERM or SIGINT it logs
 * "SIGTERM: stopping", stops accepting, and polls until no exchange is in flight (nor any
 * work the host reports busy) or the deadline passes; then it closes the server, the
 * host's own things (on_close) and its handles, so that uv_run() returns.
 *
 * Further stop signals stay blocked from the first one on: Ctrl-C reaches a child of
 * `meridian run` twice (from the terminal and passed on by its parent), and once the
 * signal handles are closed the default action (terminate) would apply to the second. */
#ifndef MERIDIAN_HTTP_DRAIN_H
#define MERIDIAN_HTTP_DRAIN_H

#include "http/server.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct {
    uint32_t drain_ms; /* the longest wait for work in flight */
    uint32_t poll_ms;  /* how often to look */
    /* Where the host keeps its server (NULL until it listens): stopped and closed by the
     * drain, and set to NULL. */
    http_server_t **server;
    void (*on_stop)(void *ud);  /* optional: stopping began (release parked requests) */
    bool (*is_busy)(void *ud);  /* optional: work of the host's own still in flight */
    void (*on_close)(void *ud); /* optional: after the server closed; free what holds the loop */
    void *ud;
} http_drain_options_t;

typedef struct {
    http_drain_options_t opts;
    uv_signal_t sigterm, sigint;
    uv_timer_t timer;
    uint64_t deadline_ms;
    bool is_stopping;
} http_drain_t;

/* Initialises the handles on loop; nothing is watched yet. */
void http_drain_init(http_drain_t *d, uv_loop_t *loop, const http_drain_options_t *opts);
/* Starts watching SIGTERM and SIGINT. Returns 0 or a libuv error code. */
int http_drain_watch(http_drain_t *d);
/* Closes at once what the drain would close at its end: the server (when there is one),
 * the host's things, the handles. For start-up failures, and the end of a drain. */
void http_drain_close(http_drain_t *d);

#endif
