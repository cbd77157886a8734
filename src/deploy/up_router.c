/* up_router (contract in deploy/up_router.h). */
#include "deploy/up_router.h"

#include <jansson.h>
#include <stdio.h>

/* Probes every second, fails over after two missed probes: on loopback a probe answers in
 * well under a millisecond, and the edge retries idempotent requests meanwhile anyway. */
#define PROBE_INTERVAL_S 1
#define PROBE_TIMEOUT_S 0.5
#define PROBE_TOLERATED_FAILURES 1

char *up_router_profile(const char *service, const up_router_endpoint_t *endpoints, size_t count,
                        uint16_t gateway_port)
{
    json_t *latency = json_array(), *eps = json_array();
    for (size_t i = 0; i < count; i++) {
        char subnet[32];
        snprintf(subnet, sizeof subnet, "127.0.%d.0/24", endpoints[i].octet);
        json_t *regions = json_object();
        for (size_t j = 0; j < count; j++)
            json_object_set_new(regions, endpoints[j].display_name,
                                json_integer(i == j ? UP_ROUTER_NEAR_MS : UP_ROUTER_FAR_MS));
        json_array_append_new(latency, json_pack("{s:s,s:o}", "subnet", subnet, "regions",
                                                 regions));
        char target[32];
        snprintf(target, sizeof target, "127.0.%d.1", endpoints[i].octet);
        json_array_append_new(eps, json_pack("{s:s,s:s,s:i,s:s}", "name", endpoints[i].slug,
                                             "target", target, "port", (int)gateway_port,
                                             "location", endpoints[i].display_name));
    }
    json_t *monitor = json_pack("{s:s,s:i,s:s,s:i,s:f,s:i}", "protocol", "HTTP", "port",
                                (int)gateway_port, "path", "/status-0123456789abcdef",
                                "intervalSeconds", PROBE_INTERVAL_S, "timeoutSeconds",
                                PROBE_TIMEOUT_S, "toleratedFailures", PROBE_TOLERATED_FAILURES);
    json_t *profile = json_pack("{s:s,s:s,s:s,s:i,s:o,s:o}", "name", service, "status", "Enabled",
                                "routingMethod", "Performance", "ttl", 5, "monitor", monitor,
                                "endpoints", eps);
    json_t *doc = json_pack("{s:s,s:o,s:[o]}", "zone", UP_ROUTER_ZONE, "latency", latency,
                            "profiles", profile);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    json_decref(doc);
    return text;
}
