/* gateway_unit: one unit of a region's data plane: a single-threaded process running one
 * libuv loop that accepts client connections, routes and proxies requests, serves the
 * status endpoint and (optionally) an admin listener with /metrics.
 *
 * Several units of a region bind the same listen address with SO_REUSEPORT; the kernel
 * spreads connections among them. gateway_supervise() starts and watches N of them. */
#ifndef MERIDIAN_GATEWAY_UNIT_H
#define MERIDIAN_GATEWAY_UNIT_H

#include "gateway/connect_to.h"
#include "gateway/region_cache.h"
#include "http/tls.h"
#include <stdint.h>

typedef struct {
    const char *region;          /* display name, e.g. "West US" (or its slug in feed mode) */
    const char *snapshot_path;   /* file mode: JSON snapshot file, re-read on SIGHUP */
    /* Feed mode (snapshot_path NULL, gateway/sync.h): the management plane's URL, the
     * gateway token (or a file holding it), the last-known-good directory (or NULL) and
     * a peer's admin address to seed from (or NULL). */
    const char *config_url;
    const char *token;
    const char *token_file;
    const char *state_dir;
    const char *seed_from;
    const char *listen_addr;     /* "host:port" (IPv6 as "[::1]:port") */
    const char *admin_addr;      /* "host:port" for /metrics, or NULL for none */
    int unit_index;              /* 0-based, appears in logs and metrics */
    const char *access_log_path; /* NULL or "-" = stdout, "off" = none, else a file (append) */
    uint32_t drain_timeout_ms;   /* SIGTERM: longest wait for in-flight requests, default 30 s */
    const gateway_connect_to_t *connect_to; /* --connect-to overrides, or NULL */
    /* The region's built-in cache (region_cache.h): the supervisor's segment, shared by its
     * units; NULL: the unit maps its own of cache_bytes (0 = the default). */
    region_cache_t *cache;
    uint64_t cache_bytes;
    /* TLS (docs/tls.md). tls_listen_addr: an HTTPS listener (in addition to listen_addr,
     * or instead of it when that is NULL) with the default certificate tls_cert/tls_key
     * and, for SNI, every NAME.crt/NAME.key pair of tls_cert_dir (or NULL). ca_file: the
     * CAs https backends and an https feed are verified against (NULL = the system's).
     * tls_client_cert/key: presented to the feed when it asks (mutual TLS). */
    const char *tls_listen_addr;
    const char *tls_cert, *tls_key, *tls_cert_dir;
    const char *ca_file;
    const char *tls_client_cert, *tls_client_key;
    /* Rate-limit and quota counters of the region (gateway/region_counters.h): created by
     * gateway_supervise before it forks; NULL: the unit makes its own. */
    struct region_counters *counters;
    const char *redis_url; /* --redis: the region's Redis, wins over the snapshot's; NULL */
} gateway_unit_options_t;

/* Runs a unit until SIGTERM/SIGINT has drained it. Returns the process exit code:
 * 0 after a clean drain, 1 when start-up failed (message already logged). File mode: a
 * snapshot that fails to load at start-up is logged; the unit then serves 503 until a
 * SIGHUP loads one. Feed mode: the unit serves its last-known-good if it has a valid one,
 * else 503 until a peer or the feed gives it a configuration. */
int gateway_unit_run(const gateway_unit_options_t *opts);

/* Loads the TLS contexts the options name: *server (NULL without tls_listen_addr) and
 * *client (always: https backends may appear in any configuration). Returns 0, or -1 with
 * a message naming the file in err. The CLI calls it to refuse bad files before forking. */
int gateway_unit_tls_load(const gateway_unit_options_t *opts, http_tls_ctx_t **server,
                          http_tls_ctx_t **client, char *err, size_t err_len);

/* Starts `units` child processes running gateway_unit_run() with unit_index 0..units-1
 * (unit k's admin port is the admin port + k), restarts a child that dies unexpectedly
 * (with back-off), forwards SIGHUP to every child, and on SIGTERM/SIGINT forwards it and
 * waits for all children to drain. Returns the exit code. units == 1 still supervises. */
int gateway_supervise(const gateway_unit_options_t *opts, int units);

#endif
