/* manage_service: the management plane's state and its request handler, independent of
 * HTTP transport and threads (the server, manage_server.h, feeds it one request at a time
 * on its worker thread; unit tests call it directly).
 *
 * State: the resources (snapshot.h describes the in-memory shape) loaded from the store,
 * the committed revision, and the snapshot of that revision, built once and cached.
 *
 * A write (PUT, PATCH, DELETE, POST regenerate*) computes the resulting resources on a
 * shallow copy, builds the resulting snapshot and compiles it with the gateway's compiler;
 * only if that succeeds is it committed (one transaction: rows, revision + 1, change log)
 * and, after COMMIT returned, made current and acknowledged. A refused write changes
 * nothing: not the store, not the revision, not the cached snapshot. */
#ifndef MERIDIAN_MANAGE_SERVICE_H
#define MERIDIAN_MANAGE_SERVICE_H

#include "manage/auth.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *data_dir;
    const char *service_name;    /* default "meridian" */
    const char *location;        /* primary region, default "West US" */
    const char *subscription_id; /* default 00000000-0000-0000-0000-000000000000 */
    const char *resource_group;  /* default "meridian" */
    /* Location health (docs/manage-api.md "Locations"): a unit is lagging after
     * lag_after_ms behind, silent after silent_after_ms without a heartbeat; 0 = 10 s, 15 s. */
    uint64_t lag_after_ms, silent_after_ms;
    /* The service's global endpoint ("http://127.0.0.1:8009"), where the developer portal's
     * try-it console sends requests (docs/portal.md); NULL = try-it unavailable. */
    const char *global_endpoint;
} manage_options_t;

typedef struct manage_service manage_service_t;

/* The largest request body accepted (413 above; docs/manage-api.md "Limits"). */
#define MANAGE_MAX_BODY_BYTES (4u * 1024 * 1024)

/* Opens the store in opts->data_dir, creates or reads the admin key, loads the resources.
 * *key_created tells whether admin-key.json was created now. Returns 0, or -1 with a
 * malloc'd message in *err. Blocking. */
int manage_service_open(const manage_options_t *opts, manage_service_t **out, bool *key_created,
                        char **err);
void manage_service_close(manage_service_t *s);
int64_t manage_service_revision(const manage_service_t *s);
/* "/subscriptions/.../service/NAME" */
const char *manage_service_base_path(const manage_service_t *s);

typedef struct {
    const char *method;        /* token as sent: "GET" */
    const char *path;          /* path as sent (percent-encoded), NUL-terminated */
    const char *query;         /* after '?', "" when none */
    const char *authorization; /* header value or NULL */
    size_t authorization_len;
    const char *if_match;      /* header value or NULL */
    const char *host;          /* Host header (for nextLink) or "" */
    const char *body;
    size_t body_len;
} manage_request_t;

typedef struct {
    int status;
    char *body;             /* malloc'd, NULL = no body */
    size_t body_len;
    const char *content_type;
    char etag[48];          /* entity tag without quotes, "" = none */
    int64_t revision;       /* >= 0: send X-Meridian-Revision */
    bool needs_www_authenticate;
    char actor[160];        /* who made the call (for the log), "" when unauthenticated */
    /* Browser UIs (web.h): */
    bool is_web;            /* send manage_web_headers and Cache-Control: no-store */
    char set_cookie[256];   /* a Set-Cookie value, "" = none */
    struct manage_forward *forward; /* try-it: a request the loop sends on (portal_try.h);
                                       freed by manage_response_free when not taken */
} manage_response_t;

/* ---- the configuration feed (docs/regions.md): read by the server's event loop ---- */

/* What the feed serves, copied out of the service. Call only while no
 * manage_service_handle runs (the server calls it on its loop between jobs). */
typedef struct {
    int64_t revision;
    char *snapshot;    /* malloc'd: the bytes GET {svc}/snapshot returns */
    size_t snapshot_len;
    json_t *locations; /* slug → {"displayName", "primaryKey", "secondaryKey"} */
    /* The router's document (manage/profiles.h), malloc'd; the primary location's slug
     * (the router's token is one of its gateway tokens); the built-in profile's name. */
    char *router_doc;
    size_t router_doc_len;
    char router_slug[128];
    char *service_name;
} manage_feed_view_t;
void manage_service_feed_view(const manage_service_t *s, manage_feed_view_t *out);
void manage_feed_view_free(manage_feed_view_t *v);

/* The heartbeat table (units.h); thread-safe, owned by the service. */
struct manage_units *manage_service_units(manage_service_t *s);
/* The browser sessions (session.h); thread-safe, owned by the service. */
struct manage_sessions *manage_service_sessions(manage_service_t *s);
/* --global-endpoint, or NULL. */
const char *manage_service_global_endpoint(const manage_service_t *s);

/* Handles one request. Always fills *resp (free with manage_response_free). Blocking
 * (SQLite, compilation): never call it on an event loop. */
void manage_service_handle(manage_service_t *s, const manage_request_t *req, manage_response_t *resp);
void manage_response_free(manage_response_t *resp);

#endif
