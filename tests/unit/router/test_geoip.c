/* router_geoip: locations from the committed test databases (tests/data/geoip/README.md:
 * made by tests/e2e/mmdb_writer.py), the code hierarchy of spec §3.4, the ECS prefix, and
 * Geographic routing through router_route with the database ahead of the location table. */
#include "router/geoip.h"
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

static router_geoip_t *open_db(const char *name)
{
    char err[256];
    router_geoip_t *g = router_geoip_open(name, err, sizeof err);
    cr_assert_not_null(g, "%s: %s", name, err);
    return g;
}

/* "US-CA US GEO-NA /24", or "-" when not found. */
static const char *where(const router_geoip_t *g, const char *addr)
{
    static char text[128];
    router_addr_t a = ip(addr);
    router_geo_location_t loc;
    if (!router_geoip_locate(g, &a, &loc)) return "-";
    text[0] = '\0';
    for (size_t i = 0; i < loc.code_count; i++) {
        strcat(text, loc.codes[i]);
        strcat(text, " ");
    }
    snprintf(text + strlen(text), sizeof text - strlen(text), "/%u", loc.prefix);
    return text;
}

static void check_hierarchy(const router_geoip_t *g)
{
    cr_assert_str_eq(where(g, "127.0.1.7"), "US-CA US GEO-NA /24");
    cr_assert_str_eq(where(g, "127.0.2.200"), "JP GEO-AS /24");
    cr_assert_str_eq(where(g, "127.0.3.1"), "DE GEO-EU /24");
    cr_assert_str_eq(where(g, "127.0.4.9"), "AU-QLD AU GEO-AP /25"); /* Oceania → GEO-AP */
    cr_assert_str_eq(where(g, "127.0.5.1"), "AE GEO-ME /24");        /* MaxMind: Asia */
    cr_assert_str_eq(where(g, "127.0.4.200"), "-");                  /* outside the /25 */
    cr_assert_str_eq(where(g, "10.1.2.3"), "-");
}

Test(router_geoip, ipv4_database)
{
    router_geoip_t *g = open_db(DATA "test.mmdb");
    cr_assert_str_eq(router_geoip_type(g), "Meridian-Test-City");
    cr_assert_eq(router_geoip_build_epoch(g), 1790000000ull);
    check_hierarchy(g);
    cr_assert_str_eq(where(g, "2001:db8::1"), "-"); /* IPv6 asked of an IPv4 database */
    router_geoip_close(g);
}

Test(router_geoip, ipv6_database_holds_ipv4_under_96)
{
    router_geoip_t *g = open_db(DATA "test6.mmdb");
    check_hierarchy(g); /* the prefix is in IPv4 bits, not 96 + n */
    cr_assert_str_eq(where(g, "2001:db8::1"), "-");
    router_geoip_close(g);
}

Test(router_geoip, bad_files)
{
    char err[256];
    cr_assert_null(router_geoip_open(DATA "missing.mmdb", err, sizeof err));
    cr_assert_str_eq(err, "cannot open: No such file or directory");
    cr_assert_null(router_geoip_open(DATA "README.md", err, sizeof err));
    cr_assert(strncmp(err, "not a MaxMind DB: ", 18) == 0, "%s", err);
}

Test(router_geoip, geographic_routing_uses_the_database_first)
{
    static const char text[] =
        "{\"zone\":\"z\",\"locations\":[{\"subnet\":\"127.0.1.0/24\",\"codes\":[\"JP\",\"GEO-AS\"]},"
        "{\"subnet\":\"10.0.0.0/8\",\"codes\":[\"DE\",\"GEO-EU\"]}],"
        "\"profiles\":[{\"name\":\"g\",\"routingMethod\":\"Geographic\","
        "\"monitor\":{\"protocol\":\"HTTP\",\"port\":80},\"endpoints\":["
        "{\"name\":\"ca\",\"target\":\"10.9.0.1\",\"geoMapping\":[\"US-CA\"]},"
        "{\"name\":\"asia\",\"target\":\"10.9.0.2\",\"geoMapping\":[\"GEO-AS\"]},"
        "{\"name\":\"eu\",\"target\":\"10.9.0.3\",\"geoMapping\":[\"GEO-EU\"]},"
        "{\"name\":\"world\",\"target\":\"10.9.0.4\",\"geoMapping\":[\"WORLD\"]}]}]}";
    char err[512];
    router_config_t *c = router_config_parse(text, strlen(text), "t.json", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    router_status_t st[8] = {ROUTER_ONLINE, ROUTER_ONLINE, ROUTER_ONLINE, ROUTER_ONLINE};
    router_geoip_t *g = open_db(DATA "test.mmdb");
    struct { const char *client, *endpoint; unsigned scope; } cases[] = {
        {"127.0.1.5", "ca", 24},    /* the database wins over the table's JP row */
        {"127.0.2.5", "asia", 24},
        {"127.0.3.5", "eu", 24},
        {"127.0.4.5", "world", 25}, /* AU-QLD, AU, GEO-AP: none mapped → WORLD */
        {"10.1.1.1", "eu", 8},      /* not in the database: the location table */
        {"192.0.2.1", "world", 0},  /* in neither */
    };
    c->geoip = g;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        router_addr_t a = ip(cases[i].client);
        router_choice_t ch;
        router_route(c, &c->profiles[0], st, &a, 0, &ch);
        cr_assert_eq(ch.result, ROUTER_ANSWER, "%s", cases[i].client);
        cr_assert_str_eq(ch.endpoints[0]->name, cases[i].endpoint, "%s", cases[i].client);
        cr_assert_eq(ch.scope, cases[i].scope, "%s: scope %u", cases[i].client, ch.scope);
    }
    c->geoip = NULL; /* without a database: the table's JP row */
    router_addr_t a = ip("127.0.1.5");
    router_choice_t ch;
    router_route(c, &c->profiles[0], st, &a, 0, &ch);
    cr_assert_str_eq(ch.endpoints[0]->name, "asia");
    router_geoip_close(g);
    router_config_free(c);
}
