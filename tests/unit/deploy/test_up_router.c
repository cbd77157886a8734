#include "deploy/up_router.h"
#include "router/profile.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const up_router_endpoint_t three[] = {
    {"West US", "westus", 1}, {"East Asia", "eastasia", 2}, {"Brazil South", "brazilsouth", 3}};

/* What up writes is read by the router through manage's document: put the latency table
 * into a document with one profile over the locations and parse it with the router's
 * loader. */
static router_config_t *load_with(const up_router_endpoint_t *eps, size_t n, bool https)
{
    char *latency = up_router_latency(eps, n), *settings = up_router_builtin_settings(https);
    cr_assert_not_null(latency);
    cr_assert_not_null(settings);
    json_t *l = json_loads(latency, 0, NULL), *st = json_loads(settings, 0, NULL);
    json_t *profile = json_deep_copy(json_object_get(st, "properties"));
    json_object_set_new(profile, "name", json_string("meridian"));
    json_object_set_new(profile, "routingMethod", json_string("Performance"));
    json_t *endpoints = json_array();
    for (size_t i = 0; i < n; i++) {
        char target[32];
        snprintf(target, sizeof target, "127.0.%d.1", eps[i].octet);
        json_array_append_new(endpoints, json_pack("{s:s,s:s,s:i,s:s}", "name", eps[i].slug, "target",
                                                   target, "port", 8080, "location", eps[i].display_name));
    }
    json_object_set_new(profile, "endpoints", endpoints);
    json_t *doc = json_pack("{s:s,s:O,s:[o]}", "zone", UP_ROUTER_ZONE, "latency",
                            json_object_get(json_object_get(l, "properties"), "latency"), "profiles", profile);
    char *text = json_dumps(doc, 0);
    char err[512] = "";
    router_config_t *c = router_config_parse(text, strlen(text), "router.json", err, sizeof err);
    cr_assert_not_null(c, "the router refuses the document: %s\n%s", err, text);
    free(text);
    free(latency);
    free(settings);
    json_decref(doc);
    json_decref(l);
    json_decref(st);
    return c;
}

static router_config_t *load(const up_router_endpoint_t *eps, size_t n) { return load_with(eps, n, false); }

Test(up_router, one_machine_probe_settings)
{
    router_config_t *c = load(three, 3);
    const router_profile_t *p = router_config_find(c, "meridian.tm.meridian.local", 26);
    cr_assert_not_null(p);
    cr_assert_eq(p->endpoint_count, 3);
    cr_assert_str_eq(p->monitor.path, "/status-0123456789abcdef");
    cr_assert_eq(p->monitor.interval_ms, 1000);
    cr_assert_eq(p->monitor.timeout_ms, 500);
    cr_assert_eq(p->monitor.tolerated_failures, 1);
    cr_assert_eq(p->ttl, 5);
    cr_assert_eq(p->monitor.protocol, ROUTER_PROBE_HTTP);
    router_config_free(c);
    /* up --tls: probed, and so reached by the edge, over HTTPS. */
    c = load_with(three, 3, true);
    p = router_config_find(c, "meridian.tm.meridian.local", 26);
    cr_assert_eq(p->monitor.protocol, ROUTER_PROBE_HTTPS);
    router_config_free(c);
}

Test(up_router, a_client_of_127_0_R_is_nearest_location_R)
{
    router_config_t *c = load(three, 3);
    cr_assert_eq(c->region_count, 3);
    for (int client = 1; client <= 3; client++) {
        char text[32];
        snprintf(text, sizeof text, "127.0.%d.77", client);
        router_addr_t a;
        cr_assert(router_addr_parse(text, &a));
        const router_latency_row_t *row = router_config_latency(c, &a);
        cr_assert_not_null(row, "no latency row for %s", text);
        for (size_t region = 0; region < c->region_count; region++) {
            bool is_own = strcmp(c->regions[region], three[client - 1].display_name) == 0;
            cr_assert_eq(row->rtt_ms[region], is_own ? UP_ROUTER_NEAR_MS : UP_ROUTER_FAR_MS,
                         "%s to %s", text, c->regions[region]);
        }
    }
    router_addr_t outside;
    cr_assert(router_addr_parse("127.0.9.1", &outside));
    cr_assert_null(router_config_latency(c, &outside), "no row for a location that is not there");
    router_config_free(c);
}

Test(up_router, a_single_location_is_a_valid_profile)
{
    router_config_t *c = load(three, 1);
    cr_assert_eq(c->profiles[0].endpoint_count, 1);
    router_config_free(c);
}
