/* manage_portal_try: the developer portal's try-it console sends a real request through
 * the service's global endpoint (--global-endpoint) and shows the answer (docs/portal.md).
 *
 * The browser never talks to the global endpoint itself (another origin: no CORS to set
 * up on every gateway, and the page's CSP keeps connect-src 'self'). It POSTs the request
 * it wants to /portal/api/try; the worker thread checks the session, CSRF token and that
 * the subscription belongs to the signed-in developer, and builds a manage_forward_t with
 * the developer's key added server-side (the page never needs to send a key); the event
 * loop then sends it with http/upstream and answers the browser with
 *   {"status": N, "headers": [[name, value]...], "body": "...", "truncated": bool,
 *    "elapsedMs": N}
 * (the body as text, invalid UTF-8 bytes shown as '?', cut after MANAGE_TRY_MAX_BODY), or
 * 502 {"error": {...}} when the global endpoint cannot be reached.
 *
 * Only the global endpoint's origin is ever contacted: the path is appended to its URL,
 * so the console is not an open proxy. */
#ifndef MERIDIAN_MANAGE_PORTAL_TRY_H
#define MERIDIAN_MANAGE_PORTAL_TRY_H

#include "http/server.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define MANAGE_TRY_MAX_BODY (256u * 1024)      /* response bytes shown */
#define MANAGE_TRY_MAX_REQUEST (64u * 1024)    /* request body bytes sent */
#define MANAGE_TRY_TIMEOUT_MS 15000

typedef struct manage_forward manage_forward_t;

/* Builds the request: `endpoint` is "http[s]://host[:port][/base]" (https: verified against
 * the system's CA store); `method` one of GET, POST,
 * PUT, PATCH, DELETE, HEAD, OPTIONS; `target` the path (+ query) under the endpoint,
 * starting with '/'; `headers` an array of [name, value] pairs (hop-by-hop fields, Host,
 * Content-Length, Cookie and Transfer-Encoding are refused); key_header/key (may be NULL)
 * added last. Returns NULL with a static message in *why on a bad field. */
manage_forward_t *manage_forward_build(const char *endpoint, const char *method,
                                       const char *target, const json_t *headers,
                                       const char *body, size_t body_len,
                                       const char *key_header, const char *key,
                                       const char **why);
void manage_forward_free(manage_forward_t *f);
/* What it will send: the request head (ends with CRLF CRLF) and where ("host:port", and
 * whether over TLS). For tests. */
const char *manage_forward_head(const manage_forward_t *f, size_t *len);
const char *manage_forward_origin(const manage_forward_t *f, bool *is_tls);

/* ---- the loop side ---- */

typedef struct manage_try manage_try_t;

manage_try_t *manage_try_new(uv_loop_t *loop);
/* Closes the connection pool (after every exchange is over). */
void manage_try_free(manage_try_t *t);
/* Sends `f` (taken) and answers `ex` when the response is complete. Sets the exchange's
 * userdata (first member MANAGE_EXCHANGE_TRY, feed.h). */
void manage_try_start(manage_try_t *t, http_exchange_t *ex, manage_forward_t *f);
/* The exchange is over (client gone or answered): drops the upstream request. */
void manage_try_on_complete(http_exchange_t *ex);

#endif
