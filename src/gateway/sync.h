/* gateway_sync: a unit's configuration feed client (REGIONS-CONTRACT.md, docs/regions.md
 * "Gateway units"): last-known-good at start, seeding from a peer, the long poll, the
 * heartbeats, and the admin listener's GET /config for peers.
 *
 * Sequence:
 *   1. gateway_sync_load_lkg() (start-up, blocking, before anything is served): reads
 *      STATE_DIR/last-known-good.json, verifies its signature with the token, compiles it
 *      and installs it (source "last-known-good"). A bad file is refused and logged.
 *   2. gateway_sync_start(): when nothing is installed and a peer is given, GET /config
 *      from it (source "peer"); then the long poll GET {url}/gateway/v1/config?region=
 *      {slug}&after={revision in use}&wait=30 for ever. A 200 is applied only when its
 *      X-Meridian-Signature verifies with the token and its revision is newer than the one
 *      in use; it is compiled on the thread pool, installed, then persisted as the new
 *      last-known-good. Errors back off 100 ms doubling to 5 s; a 304 polls again at once.
 *      A heartbeat is POSTed every 5 s; the token file is re-read every 5 s (a new token
 *      re-signs the last-known-good, so a restart after a token rotation still finds it).
 *   3. gateway_sync_stop() on drain; gateway_sync_free() once the loop has ended.
 *
 * Refusals (bad signature, stale revision, compile error, bad last-known-good) are logged
 * and counted in meridian_config_refused_total{reason}. Everything runs on the unit's loop
 * thread except compiling, file reads and the last-known-good writes (thread pool).
 *
 * The poll, token, signature, back-off and last-known-good mechanics are the shared
 * http/feed_client.h (the router's feed uses it too); this module adds what is a unit's:
 * compiling snapshots, the source in use, the peer's /config, heartbeats. */
#ifndef MERIDIAN_GATEWAY_SYNC_H
#define MERIDIAN_GATEWAY_SYNC_H

#include "gateway/config.h"
#include "gateway/metrics.h"
#include "http/server.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef enum {
    GATEWAY_SOURCE_NONE = 0,
    GATEWAY_SOURCE_FEED,
    GATEWAY_SOURCE_LKG,
    GATEWAY_SOURCE_PEER,
} gateway_source_t;

/* "none", "feed", "last-known-good", "peer": as heartbeats and metrics name them. */
const char *gateway_source_name(gateway_source_t s);

typedef struct {
    const char *config_url; /* "http://host:port[/base]" of the management plane */
    const char *region;     /* display name or slug; the feed is asked for its slug */
    const char *token;      /* the gateway token, or NULL when token_file is given */
    const char *token_file; /* file holding the token (surrounding whitespace ignored) */
    const char *state_dir;  /* where last-known-good.json lives; NULL = none */
    const char *seed_from;  /* "host:port" of a peer unit's admin listener, or NULL */
    int unit_index;
    const char *instance_id; /* the unit's (gateway_t.instance_id), sent in heartbeats */
    uint32_t wait_s;        /* long-poll wait asked of the feed; 0 = 30 */
    http_tls_ctx_t *tls;    /* https config_url: the client context (CAs, client
                               certificate); NULL = the system's CAs */
} gateway_sync_options_t;

typedef struct {
    /* A compiled configuration to serve from now on; ownership passes to the host. */
    void (*install)(gateway_config_t *c, gateway_source_t source, void *ud);
    void *ud;
    gateway_metrics_t *metrics; /* refusals, source, heartbeat counters */
} gateway_sync_host_t;

typedef struct gateway_sync gateway_sync_t;

/* Checks the options (URL, token) and reads the token file. Returns NULL with *err set
 * (malloc'd) when they are unusable. Nothing runs yet. */
gateway_sync_t *gateway_sync_new(uv_loop_t *loop, const gateway_sync_options_t *opts,
                                 const gateway_sync_host_t *host, char **err);

/* Step 1 above; returns true when a last-known-good was installed. */
bool gateway_sync_load_lkg(gateway_sync_t *s);

/* Step 2 above: starts seeding/polling and the heartbeat timer. */
void gateway_sync_start(gateway_sync_t *s);

/* Cancels the poll and heartbeat, closes timers and connections. Idempotent. */
void gateway_sync_stop(gateway_sync_t *s);

/* Frees everything; call after uv_run() has returned. */
void gateway_sync_free(gateway_sync_t *s);

/* The admin listener's GET /config for peers: 401 unless Authorization is this unit's
 * token, 503 while no configuration is in use, else 200 with the snapshot bytes in use and
 * the feed's X-Meridian-Revision and X-Meridian-Signature headers. */
void gateway_sync_serve_config(gateway_sync_t *s, http_exchange_t *ex);

/* Lower-case letters and digits of name ("East Asia" → "eastasia"), as the management
 * plane derives location slugs. Returns the length; 0 when empty or it does not fit. */
size_t gateway_region_slug(const char *name, char *out, size_t n);

/* A UUID in its 8-4-4-4-12 lower-case text form (36 characters and a NUL). */
void gateway_format_uuid(const uint8_t id[16], char out[37]);

#endif
