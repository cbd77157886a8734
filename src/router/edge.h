/* router_edge: the L7 front door (Front Door-style, traffic-routing.md §8): an HTTP/1.1
 * listener that picks the region per request with the same routing methods and health as
 * the DNS answers, and forwards the request over the keep-alive upstream pool.
 *
 * - Profile: the one whose FQDN is the request's Host (port ignored), else the default.
 * - Client address for Performance/Geographic/Subnet: the TCP peer; with trust_xff, the
 *   last address of X-Forwarded-For (the one the trusted proxy in front of us appended).
 * - Forwarding: request line and Host as received; hop-by-hop fields (RFC 9110 §7.6.1,
 *   and those named in Connection) dropped; X-Forwarded-For gets the peer appended;
 *   X-Forwarded-Proto: http, or https on the HTTPS listener.
 * - HTTPS: an optional second listener speaks TLS (router_edge_listen_tls). Endpoints of a
 *   profile whose monitor probes HTTPS are reached over TLS, their certificate verified
 *   (chain against client_tls's CAs, name against the endpoint's target).
 * - Failover: router_route's ordered list is tried in turn. An idempotent request
 *   (RFC 9110 §9.2.2) that fails before the response head — connection refused, closed or
 *   reset, or timed out — is retried on the next endpoint, so a region failure costs no
 *   failed idempotent request. Its body, when it has one, is read whole first (at most
 *   64 KiB, Content-Length only) so it can be sent again. Other requests are not replayed
 *   (502). While a retry is possible, the response is held (head and body, up to 64 KiB)
 *   until complete, so a region dying mid-response is retried too; larger responses and
 *   event streams are relayed as they arrive, and a death past their head is a cut.
 * - No endpoint at all (NXDOMAIN/NODATA for this client): 503. */
#ifndef MERIDIAN_ROUTER_EDGE_H
#define MERIDIAN_ROUTER_EDGE_H

#include "http/tls.h"
#include "router/profile.h"
#include "router/route.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct {
    const router_config_t *cfg;        /* until router_edge_set_config replaces it */
    const router_status_t *statuses;   /* the monitor's verdicts, read per request */
    const router_profile_t *fallback;  /* profile when Host names none; NULL = the first */
    bool trust_xff;
    uint32_t connect_timeout_ms;       /* per attempt; default 2000 */
    uint32_t response_timeout_ms;      /* to the response head; default 30000 */
    http_tls_ctx_t *client_tls;        /* CAs for HTTPS endpoints (referenced); NULL = the
                                          system's store */
} router_edge_options_t;

typedef struct router_edge router_edge_t;

/* Listens on addr ("127.0.0.1:8080", "[::1]:0"; NULL = no plain HTTP listener). Returns 0
 * or a negative libuv error. */
int router_edge_listen(uv_loop_t *loop, const char *addr, const router_edge_options_t *opts,
                       router_edge_t **out);
/* Adds an HTTPS listener on addr with server_tls's certificates (referenced). Returns 0 or
 * a negative libuv error. */
int router_edge_listen_tls(router_edge_t *e, const char *addr, http_tls_ctx_t *server_tls);
/* A reload: requests from now on route with this configuration (which must outlive the
 * next call or the edge); requests in flight keep copies of the endpoints they chose. */
void router_edge_set_config(router_edge_t *e, const router_config_t *cfg,
                            const router_status_t *statuses, const router_profile_t *fallback);

typedef struct {
    uint64_t requests;     /* exchanges that completed */
    uint64_t retries;      /* attempts moved to the next endpoint */
    uint64_t failed;       /* answered 5xx by the edge itself, or aborted */
} router_edge_stats_t;

router_edge_stats_t router_edge_stats(const router_edge_t *e);

/* Stops accepting and closes every connection and the upstream pool; the close completes
 * on the loop (exchanges in flight still see on_complete), so the edge itself is freed
 * by router_edge_free once the loop has run dry. */
void router_edge_close(router_edge_t *e);
void router_edge_free(router_edge_t *e);

#endif
