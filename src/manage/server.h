/* manage_server: `meridian manage` — the management REST API on one libuv loop.
 *
 * The loop only does HTTP: it reads a request (body up to MANAGE_MAX_BODY_BYTES, else 413
 * in the ARM error shape), queues it, and writes the answer. Requests are handled one at
 * a time, in arrival order, on libuv's thread pool (manage_service_handle does SQLite and
 * compilation, STYLE.md habit 8): one job in flight at most, which serialises writes, and
 * a write's response is sent only after its COMMIT returned.
 *
 * SIGTERM / SIGINT: stop accepting, let the job in flight and the queued ones finish and
 * their responses go out (at most 30 s), then exit 0. */
#ifndef MERIDIAN_MANAGE_SERVER_H
#define MERIDIAN_MANAGE_SERVER_H

#include "manage/service.h"

typedef struct {
    manage_options_t service;
    const char *listen_addr; /* "HOST:PORT" */
    /* HTTPS instead of HTTP (docs/tls.md): certificate chain and key (PEM), or NULL; with
     * tls_client_ca, clients must present a certificate issued by one of its CAs. */
    const char *tls_cert, *tls_key, *tls_client_ca;
} manage_server_options_t;

/* Runs until stopped by a signal. Returns the process exit code (0 clean stop, 1 start-up
 * failure). Creates the data directory when missing. */
int manage_server_run(const manage_server_options_t *opts);

#endif
