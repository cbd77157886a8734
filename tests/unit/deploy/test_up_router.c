#include "deploy/up_router.h"
#include "router/profile.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const up_router_endpoint_t three[] = {
    {"West US", "westus", 1}, {"East Asia", "eastasia", 2}, {"Brazil South", "brazilsouth", 3}};

/* The generated file is what `meridian router` loads: parse it with the router's loader. */
static router_config_t *load(const up_router_endpoint_t *eps, size_t n)
{
    char *text = up_router_profile("meridian", eps, n, 8080);
    cr_assert_not_null(text);
    char err[512] = "";
    router_config_t *c = router_config_parse(text, strlen(text), "router.json", err, sizeof err);
    cr_assert_not_null(c, "the router refuses the profile: %s\n%s", err, text);
    free(text);
    return c;
}

Test(up_router, one_performance_profile_over_the_locations)
{
    router_config_t *c = load(three, 3);
    cr_assert_str_eq(c->zone, UP_ROUTER_ZONE);
    cr_assert_eq(c->profile_count, 1);
    const router_profile_t *p = router_config_find(c, "meridian.tm.meridian.local", 26);
    cr_assert_not_null(p);
    cr_assert_eq(p->method, ROUTER_PERFORMANCE);
    cr_assert_eq(p->endpoint_count, 3);
    cr_assert_str_eq(p->endpoints[1]->name, "eastasia");
    cr_assert_str_eq(p->endpoints[1]->target, "127.0.2.1");
    cr_assert_eq(p->endpoints[1]->port, 8080);
    cr_assert_str_eq(p->endpoints[1]->location, "East Asia");
    cr_assert_str_eq(p->monitor.path, "/status-0123456789abcdef");
    cr_assert_eq(p->monitor.interval_ms, 1000);
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
