/* demo_backend: a tiny HTTP origin for demos and end-to-end tests. It answers every request
 * with 200 and a JSON description of what it received, so a client can see exactly what
 * the gateway forwarded:
 *
 *   {"backend": NAME, "method": "GET", "path": "/x", "query": "a=1",
 *    "headers": {"Host": "...", ...}, "bodyBytes": 0}
 *
 * Header names keep the case they were sent with; repeated fields are joined with ", "
 * (RFC 9110 §5.3) under the first occurrence's name. Bytes that are not valid UTF-8 are
 * replaced by U+FFFD so the answer is always valid JSON (RFC 8259 §8.1). */
#ifndef MERIDIAN_DEPLOY_DEMO_BACKEND_H
#define MERIDIAN_DEPLOY_DEMO_BACKEND_H

#include "base/buf.h"
#include "http/parser.h"

#include <stdint.h>

typedef struct {
    const char *listen_addr; /* "host:port" or "[v6]:port" */
    const char *name;        /* reported as "backend"; NULL = "demo" */
} demo_backend_options_t;

/* Serves on its own libuv loop until SIGTERM or SIGINT, then stops accepting, lets requests
 * in flight finish (at most 2 s) and returns 0. Returns 1 when start-up failed (logged). */
int demo_backend_run(const demo_backend_options_t *opts);

/* Appends the JSON answer for `req` (a trailing newline included) to `out`.
 * Returns 0 or -ENOMEM. Exposed for unit tests. */
int demo_backend_format_echo(buf_t *out, const char *name, const http_request_t *req,
                             uint64_t body_bytes);

#endif
