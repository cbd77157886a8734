/* Performance routing for clients outside the latency table: regions ranked by
 * great-circle distance from where the MaxMind DB places the client (router/region_geo.h),
 * the built-in Azure region positions, the profile file's regionCoordinates, and the
 * database's location records (tests/data/geoip/README.md). */
#include "router/geoip.h"
#include "router/region_geo.h"
#include "router/route.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define DATA "tests/data/geoip/"

static router_addr_t ip(const char *s)
{
    router_addr_t a;
    cr_assert(router_addr_parse(s, &a), "%s", s);
    return a;
}

static double km(const char *a, const char *b)
{
    router_point_t pa, pb;
    cr_assert(router_region_builtin_point(a, &pa), "%s", a);
    cr_assert(router_region_builtin_point(b, &pb), "%s", b);
    return router_point_distance_km(&pa, &pb);
}

Test(router_region_geo, builtin_names_and_distances)
{
    router_point_t p;
    cr_assert(router_region_builtin_point("West US", &p) && p.is_known);
    cr_assert(router_region_builtin_point("westus", &p));
    cr_assert(router_region_builtin_point("East US 2", &p));
    cr_assert(router_region_builtin_point("SWEDEN-CENTRAL", &p));
    cr_assert_not(router_region_builtin_point("Atlantis", &p));
    cr_assert_not(router_region_builtin_point("a name far longer than any region name is", &p));
    /* San Francisco – Hong Kong 11,100 km; Amsterdam – Dublin 750 km; a point to itself 0. */
    cr_assert(km("West US", "East Asia") > 11000 && km("West US", "East Asia") < 11200, "%f",
              km("West US", "East Asia"));
    cr_assert(km("West Europe", "North Europe") > 700 && km("West Europe", "North Europe") < 800);
    cr_assert(km("Japan East", "japaneast") < 0.001);
    router_point_t north = router_point_from_degrees(90, 0), south = router_point_from_degrees(-90, 77);
    cr_assert(router_point_distance_km(&north, &south) > 20015 && router_point_distance_km(&north, &south) < 20016);
}

Test(router_region_geo, database_locations)
{
    char err[256];
    router_geoip_t *g = router_geoip_open(DATA "test.mmdb", err, sizeof err);
    cr_assert_not_null(g, "%s", err);
    router_addr_t a = ip("127.0.18.9"); /* a location and no country */
    router_geo_location_t loc;
    cr_assert_not(router_geoip_locate(g, &a, &loc)); /* no codes for Geographic */
    router_point_t p;
    unsigned prefix = 0;
    cr_assert(router_geoip_locate_point(g, &a, &p, &prefix) && p.is_known);
    cr_assert_eq(prefix, 24);
    router_point_t ams;
    cr_assert(router_region_builtin_point("West Europe", &ams));
    double d = router_point_distance_km(&p, &ams);
    cr_assert(d > 340 && d < 380, "London – Amsterdam %f km", d);
    a = ip("127.0.16.1");
    cr_assert(router_geoip_locate(g, &a, &loc));
    cr_assert_eq(loc.code_count, 2);
    cr_assert_str_eq(loc.codes[0], "BR");
    cr_assert_str_eq(loc.codes[1], "GEO-SA");
    cr_assert(router_geoip_locate_point(g, &a, &p, &prefix));
    a = ip("10.1.2.3");
    cr_assert_not(router_geoip_locate_point(g, &a, &p, &prefix));
    router_geoip_close(g);
}

static const char profile_text[] =
    "{\"zone\":\"z\","
    "\"latency\":[{\"subnet\":\"127.0.1.0/24\",\"regions\":{\"West US\":150,\"East Asia\":5,\"West Europe\":90}}],"
    "\"regions\":[\"Lisbon Edge\"],"
    "\"regionCoordinates\":{\"Lisbon Edge\":{\"latitude\":38.72,\"longitude\":-9.14}},"
    "\"profiles\":[{\"name\":\"p\",\"routingMethod\":\"Performance\","
    "\"monitor\":{\"protocol\":\"HTTP\",\"port\":80},\"endpoints\":["
    "{\"name\":\"us\",\"target\":\"10.9.0.1\",\"location\":\"West US\"},"
    "{\"name\":\"asia\",\"target\":\"10.9.0.2\",\"location\":\"East Asia\"},"
    "{\"name\":\"eu\",\"target\":\"10.9.0.3\",\"location\":\"West Europe\"},"
    "{\"name\":\"lisbon\",\"target\":\"10.9.0.4\",\"location\":\"Lisbon Edge\"}]}]}";

/* The endpoints in the order router_route returns them, as "a b c". */
static const char *order(const router_config_t *c, const router_status_t *st, const char *client,
                         unsigned *scope)
{
    static char text[128];
    router_addr_t a = ip(client);
    router_choice_t ch;
    router_route(c, &c->profiles[0], st, &a, 0, &ch);
    cr_assert_eq(ch.result, ROUTER_ANSWER, "%s", client);
    text[0] = '\0';
    for (size_t i = 0; i < ch.count; i++) {
        if (i) strcat(text, " ");
        strcat(text, ch.endpoints[i]->name);
    }
    if (scope) *scope = ch.scope;
    return text;
}

Test(router_route_distance, unknown_clients_go_to_the_nearest_region)
{
    char err[512];
    router_config_t *c = router_config_parse(profile_text, strlen(profile_text), "t.json", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    router_geoip_t *g = router_geoip_open(DATA "test.mmdb", err, sizeof err);
    cr_assert_not_null(g, "%s", err);
    router_status_t st[4] = {ROUTER_ONLINE, ROUTER_ONLINE, ROUTER_ONLINE, ROUTER_ONLINE};
    unsigned scope = 0;
    c->geoip = g;
    /* In the latency table: the table decides, not the distance (Mountain View → East Asia). */
    cr_assert_str_eq(order(c, st, "127.0.1.5", &scope), "asia eu us lisbon");
    cr_assert_eq(scope, 24);
    /* São Paulo: Lisbon 7,900 km, Amsterdam 9,800, San Francisco 10,400, Hong Kong 18,000. */
    cr_assert_str_eq(order(c, st, "127.0.16.5", &scope), "lisbon eu us asia");
    cr_assert_eq(scope, 24);
    cr_assert_str_eq(order(c, st, "127.0.17.5", NULL), "asia eu lisbon us");  /* Mumbai */
    cr_assert_str_eq(order(c, st, "127.0.18.5", NULL), "eu lisbon us asia");  /* London, no country */
    /* Not in the database either: the regions' table order, scope 0. */
    cr_assert_str_eq(order(c, st, "10.1.1.1", &scope), "us asia eu lisbon");
    cr_assert_eq(scope, 0);
    /* The nearest region down: the next nearest. */
    st[2] = ROUTER_DEGRADED;
    cr_assert_str_eq(order(c, st, "127.0.18.5", NULL), "lisbon us asia");
    /* Without a database: table order. */
    c->geoip = NULL;
    st[2] = ROUTER_ONLINE;
    cr_assert_str_eq(order(c, st, "127.0.18.5", NULL), "us asia eu lisbon");
    router_geoip_close(g);
    router_config_free(c);
}

Test(router_route_distance, a_region_of_unknown_place_comes_after_the_placed_ones)
{
    static const char text[] =
        "{\"zone\":\"z\",\"regions\":[\"Somewhere\",\"West Europe\"],"
        "\"profiles\":[{\"name\":\"p\",\"routingMethod\":\"Performance\","
        "\"monitor\":{\"protocol\":\"HTTP\",\"port\":80},\"endpoints\":["
        "{\"name\":\"x\",\"target\":\"10.9.0.1\",\"location\":\"Somewhere\"},"
        "{\"name\":\"eu\",\"target\":\"10.9.0.3\",\"location\":\"West Europe\"}]}]}";
    char err[512];
    router_config_t *c = router_config_parse(text, strlen(text), "t.json", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    router_geoip_t *g = router_geoip_open(DATA "test.mmdb", err, sizeof err);
    cr_assert_not_null(g);
    router_status_t st[2] = {ROUTER_ONLINE, ROUTER_ONLINE};
    c->geoip = g;
    cr_assert_str_eq(order(c, st, "127.0.2.5", NULL), "eu x"); /* Tokyo: Amsterdam is placed */
    c->geoip = NULL;
    cr_assert_str_eq(order(c, st, "127.0.2.5", NULL), "x eu");
    router_geoip_close(g);
    router_config_free(c);
}

static void expect_error(const char *coords, const char *message)
{
    char text[1024], err[512];
    snprintf(text, sizeof text,
             "{\"zone\":\"z\",\"regions\":[\"West US\"],\"regionCoordinates\":%s,"
             "\"profiles\":[{\"name\":\"p\",\"routingMethod\":\"Performance\","
             "\"monitor\":{\"protocol\":\"HTTP\",\"port\":80},\"endpoints\":["
             "{\"name\":\"us\",\"target\":\"10.9.0.1\",\"location\":\"West US\"}]}]}",
             coords);
    router_config_t *c = router_config_parse(text, strlen(text), "t.json", err, sizeof err);
    cr_assert_null(c, "accepted %s", coords);
    cr_assert(strstr(err, message) && strncmp(err, "t.json:1:", 9) == 0, "%s", err);
}

Test(router_route_distance, region_coordinates_errors)
{
    expect_error("{\"Atlantis\":{\"latitude\":1,\"longitude\":2}}",
                 "no region 'Atlantis' in 'latency' or 'regions'");
    expect_error("{\"West US\":{\"latitude\":91,\"longitude\":2}}", "latitude is between -90 and 90 degrees");
    expect_error("{\"West US\":{\"latitude\":1,\"longitude\":-181}}", "longitude is between -180 and 180 degrees");
    expect_error("{\"West US\":{\"latitude\":1}}", "missing required member 'longitude'");
    expect_error("{\"West US\":{\"latitude\":\"1\",\"longitude\":2}}", "'latitude' must be a number of degrees");
    expect_error("{\"West US\":{\"lat\":1,\"longitude\":2}}", "lat");
    expect_error("{\"West US\":[1,2]}", "a region's coordinates are");
    expect_error("[1]", "'regionCoordinates' must be an object");
}
