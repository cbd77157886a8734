/* gateway_access_log: one JSON line per request (docs/operations.md lists the fields).
 * Lines are batched in memory and written by libuv's thread pool (uv_fs_write), one write
 * in flight at a time, so the event loop never blocks on a slow disk or pipe. If the
 * destination cannot keep up and the batch passes 4 MiB, lines are dropped and counted. */
#ifndef MERIDIAN_GATEWAY_ACCESS_LOG_H
#define MERIDIAN_GATEWAY_ACCESS_LOG_H

#include "base/slice.h"

#include <stdint.h>
#include <uv.h>

typedef struct gateway_access_log gateway_access_log_t;

/* path: NULL or "-" = stdout, "off" = disabled (returns a log that drops everything
 * silently), else a file opened for append. Returns NULL with *err on failure. */
gateway_access_log_t *gateway_access_log_open(uv_loop_t *loop, const char *path, const char **err);

typedef struct {
    const char *region;
    int unit;
    const char *api;        /* "" when none matched */
    const char *operation;  /* "" when none matched */
    slice_t method;
    slice_t path;
    int status;
    uint64_t bytes_in;
    uint64_t bytes_out;
    double backend_ms;      /* -1 when no backend was called */
    double total_ms;
    const char *client_ip;
    const char *error;      /* NULL or the failure reason (e.g. "BackendConnectionFailure") */
} gateway_access_entry_t;

void gateway_access_log_write(gateway_access_log_t *log, const gateway_access_entry_t *e);
uint64_t gateway_access_log_dropped(const gateway_access_log_t *log);
/* Writes what is batched; calls done (may be NULL) once it is written. */
void gateway_access_log_flush(gateway_access_log_t *log, void (*done)(void *), void *ud);
/* Flushes and frees (asynchronously: the loop must run until it is done). */
void gateway_access_log_close(gateway_access_log_t *log);

#endif
