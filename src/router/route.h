/* router_route: endpoint statuses (spec §2) and the routing methods (spec §3) as pure
 * functions: (configuration, probe statuses, client address, entropy) → an ordered list of
 * leaf endpoints. DNS answers with the head of the list (MultiValue: up to maxReturn of
 * it); the L7 edge tries the list in order, so a refused region costs a retry, not a
 * failed request. Nothing here does I/O or keeps state. */
#ifndef MERIDIAN_ROUTER_ROUTE_H
#define MERIDIAN_ROUTER_ROUTE_H

#include "router/profile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Endpoint monitor status (spec §2.1). */
typedef enum {
    ROUTER_CHECKING,    /* probed, first verdict not in yet: eligible */
    ROUTER_ONLINE,
    ROUTER_DEGRADED,
    ROUTER_DISABLED,    /* endpoint administratively disabled */
    ROUTER_STOPPED,     /* nested child Disabled/Inactive */
    ROUTER_INACTIVE,    /* profile disabled */
    ROUTER_UNMONITORED, /* alwaysServe */
} router_status_t;

const char *router_status_name(router_status_t s);

/* Profile monitor status (spec §2.4): Disabled, Degraded, Online, CheckingEndpoints or
 * Inactive, as text. */
const char *router_profile_status(const router_config_t *c, const router_profile_t *p,
                                  const router_status_t *probe);

/* The status of one endpoint: `probe` holds the monitor's verdict per endpoint index
 * (router_config_t.endpoints); administrative state, alwaysServe and nesting (spec §3.7)
 * are applied on top. */
router_status_t router_endpoint_status(const router_config_t *c, const router_endpoint_t *e,
                                       const router_status_t *probe);

typedef enum {
    ROUTER_ANSWER,   /* endpoints chosen */
    ROUTER_NODATA,   /* the name exists; no endpoint for this client (e.g. no geo mapping) */
    ROUTER_NXDOMAIN, /* profile disabled or every endpoint disabled (spec §2.4) */
} router_result_t;

#define ROUTER_MAX_CHOICES 32

typedef struct {
    router_result_t result;
    const router_endpoint_t *endpoints[ROUTER_MAX_CHOICES]; /* leaves, best first */
    size_t count;
    /* Bits of the client address the answer depended on (RFC 7871 scope, in the
     * family's own bits: 24 for a /24 latency row); 0 when the client did not matter. */
    unsigned scope;
} router_choice_t;

/* Routes one query/request. entropy drives Weighted and MultiValue picks and the
 * same-region spread is a hash of the client's table row (stable per client, spec §3.3). */
void router_route(const router_config_t *c, const router_profile_t *p, const router_status_t *probe,
                  const router_addr_t *client, uint64_t entropy, router_choice_t *out);

#endif
