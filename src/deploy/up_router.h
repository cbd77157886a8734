/* up_router: the global endpoint `meridian up` runs — `meridian router` in feed mode
 * (docs/router.md "Feed mode"), following the management plane's built-in profile, which
 * manage keeps over the enabled locations. What only the launcher knows it writes through
 * the management API: each location's gatewayAddress (127.0.R.1:PORT), the latency table
 * in which a client of 127.0.R.0/24 is close to location R and far from the others — on
 * one machine, the client's source address plays its place in the world — and the
 * built-in profile's one-machine probe settings. */
#ifndef MERIDIAN_DEPLOY_UP_ROUTER_H
#define MERIDIAN_DEPLOY_UP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UP_ROUTER_ZONE "tm.meridian.local"
#define UP_ROUTER_NEAR_MS 5
#define UP_ROUTER_FAR_MS 150

typedef struct {
    const char *display_name;
    const char *slug;
    int octet; /* R of 127.0.R.1 */
} up_router_endpoint_t;

/* The body of PUT {svc}/trafficManagerLatency (malloc'd JSON), or NULL when out of
 * memory. */
char *up_router_latency(const up_router_endpoint_t *endpoints, size_t count);

/* The body of PATCH {svc}/trafficManagerProfiles/{service}: probes every second (over
 * HTTPS under `up --tls`, so the edge reaches the gateways over HTTPS too), failover after
 * one missed probe, a 5 s TTL (malloc'd JSON). */
char *up_router_builtin_settings(bool https);

#endif
