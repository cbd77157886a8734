/* up_router: the profile file of the global endpoint `meridian up` runs (`meridian router`,
 * docs/router.md): one Performance profile named after the service, whose endpoints are
 * the running locations' gateways (127.0.R.1:PORT, probed on the status endpoint), and a
 * latency table in which a client of 127.0.R.0/24 is close to location R and far from the
 * others — on one machine, the client's source address plays its place in the world. */
#ifndef MERIDIAN_DEPLOY_UP_ROUTER_H
#define MERIDIAN_DEPLOY_UP_ROUTER_H

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

/* The profile file's JSON text (malloc'd), or NULL when out of memory. `count` >= 1;
 * endpoints[0] is the primary. */
char *up_router_profile(const char *service, const up_router_endpoint_t *endpoints, size_t count,
                        uint16_t gateway_port);

#endif
