/* router_route: every routing method with the test vectors of traffic-routing.md §11,
 * nesting (§3.7), eligibility and the all-degraded rule (§2.2, §2.3). */
#include "router/route.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static char err[512];
static router_status_t st[64];

static router_config_t *parse(const char *text)
{
    router_config_t *c = router_config_parse(text, strlen(text), "t.json", err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    for (size_t i = 0; i < 64; i++) st[i] = ROUTER_ONLINE;
    return c;
}

static router_addr_t ip(const char *s)
{
    router_addr_t a;
    cr_assert(router_addr_parse(s, &a), "%s", s);
    return a;
}

/* Routes `client` through profile number `profile` with entropy r, under the statuses st. */
static router_choice_t choose(const router_config_t *c, size_t profile, const char *client,
                              uint64_t r)
{
    router_addr_t a = ip(client);
    router_choice_t ch;
    router_route(c, &c->profiles[profile], st, &a, r, &ch);
    return ch;
}

/* Routes and returns the first endpoint's name, "NODATA" or "NXDOMAIN". */
static const char *pick(const router_config_t *c, size_t profile, const char *client, uint64_t r)
{
    router_choice_t ch = choose(c, profile, client, r);
    if (ch.result == ROUTER_NODATA) return "NODATA";
    if (ch.result == ROUTER_NXDOMAIN) return "NXDOMAIN";
    cr_assert_gt(ch.count, 0);
    return ch.endpoints[0]->name;
}

#define MON "\"monitor\":{\"protocol\":\"HTTP\",\"port\":80}"

Test(router_route, priority_vectors)
{
    router_config_t *c = parse("{\"zone\":\"z\",\"profiles\":[{\"name\":\"p\",\"routingMethod\":"
                               "\"Priority\"," MON ",\"endpoints\":["
                               "{\"name\":\"two\",\"target\":\"10.0.0.2\",\"priority\":2},"
                               "{\"name\":\"one\",\"target\":\"10.0.0.1\",\"priority\":1}]}]}");
    cr_assert_str_eq(pick(c, 0, "1.1.1.1", 0), "one");
    st[1] = ROUTER_DEGRADED;
    cr_assert_str_eq(pick(c, 0, "1.1.1.1", 0), "two");
    st[0] = ROUTER_DEGRADED; /* all degraded: fail open, lowest number first */
    cr_assert_str_eq(pick(c, 0, "1.1.1.1", 0), "one");
    c->endpoints[1].is_enabled = false; /* {1: Disabled, 2: Degraded} → 2 */
    cr_assert_str_eq(pick(c, 0, "1.1.1.1", 0), "two");
    c->endpoints[0].is_enabled = false; /* all Disabled → NXDOMAIN */
    cr_assert_str_eq(pick(c, 0, "1.1.1.1", 0), "NXDOMAIN");
    c->endpoints[0].is_enabled = true;
    c->profiles[0].fail_open = false; /* fail closed: NODATA instead of a degraded answer */
    cr_assert_str_eq(pick(c, 0, "1.1.1.1", 0), "NODATA");
    c->profiles[0].is_enabled = false;
    cr_assert_str_eq(pick(c, 0, "1.1.1.1", 0), "NXDOMAIN");
    router_config_free(c);
}

Test(router_route, priority_list_orders_the_fallbacks)
{
    router_config_t *c = parse("{\"zone\":\"z\",\"profiles\":[{\"name\":\"p\",\"routingMethod\":"
                               "\"Priority\"," MON ",\"endpoints\":["
                               "{\"name\":\"a\",\"target\":\"10.0.0.1\",\"priority\":3},"
                               "{\"name\":\"b\",\"target\":\"10.0.0.2\",\"priority\":1},"
                               "{\"name\":\"c\",\"target\":\"10.0.0.3\",\"priority\":2}]}]}");
    router_choice_t ch = choose(c, 0, "1.2.3.4", 0);
    cr_assert_eq(ch.count, 3);
    cr_assert_str_eq(ch.endpoints[0]->name, "b");
    cr_assert_str_eq(ch.endpoints[1]->name, "c");
    cr_assert_str_eq(ch.endpoints[2]->name, "a");
    st[2] = ROUTER_CHECKING; /* CheckingEndpoint is eligible */
    ch = choose(c, 0, "1.2.3.4", 0);
    cr_assert_eq(ch.count, 3);
    router_config_free(c);
}

Test(router_route, weighted_split_and_degraded)
{
    router_config_t *c = parse("{\"zone\":\"z\",\"profiles\":[{\"name\":\"p\",\"routingMethod\":"
                               "\"Weighted\"," MON ",\"endpoints\":["
                               "{\"name\":\"a\",\"target\":\"10.0.0.1\",\"weight\":1},"
                               "{\"name\":\"b\",\"target\":\"10.0.0.2\",\"weight\":3}]}]}");
    unsigned a = 0;
    for (uint64_t i = 0; i < 100000; i++)
        if (strcmp(pick(c, 0, "1.1.1.1", i * 7919 + 13), "a") == 0) a++;
    cr_assert(a > 24000 && a < 26000, "a got %u of 100000 (expected 25%% ± 1%%)", a);
    st[1] = ROUTER_DEGRADED;
    for (uint64_t i = 0; i < 100; i++) cr_assert_str_eq(pick(c, 0, "1.1.1.1", i), "a");
    router_config_free(c);
}

#define LATENCY                                                                              \
    "\"latency\":[{\"subnet\":\"127.0.1.0/24\",\"regions\":{\"West US\":5,\"East Asia\":150}}," \
    "{\"subnet\":\"127.0.2.0/24\",\"regions\":{\"West US\":150,\"East Asia\":5}}],"

Test(router_route, performance_closest_then_next)
{
    router_config_t *c = parse("{\"zone\":\"z\"," LATENCY "\"profiles\":[{\"name\":\"p\","
                               "\"routingMethod\":\"Performance\"," MON ",\"endpoints\":["
                               "{\"name\":\"wus\",\"target\":\"127.0.0.11\",\"location\":\"West US\"},"
                               "{\"name\":\"eas\",\"target\":\"127.0.0.12\",\"location\":\"East Asia\"}]}]}");
    cr_assert_str_eq(pick(c, 0, "127.0.1.9", 0), "wus");
    cr_assert_str_eq(pick(c, 0, "127.0.2.9", 0), "eas");
    router_choice_t ch = choose(c, 0, "127.0.1.9", 0);
    cr_assert_eq(ch.count, 2);
    cr_assert_str_eq(ch.endpoints[1]->name, "eas");
    cr_assert_eq(ch.scope, 24);
    st[0] = ROUTER_DEGRADED;
    cr_assert_str_eq(pick(c, 0, "127.0.1.9", 0), "eas");
    st[0] = ROUTER_ONLINE;
    /* Unknown client: table order of regions. */
    cr_assert_str_eq(pick(c, 0, "8.8.8.8", 0), "wus");
    router_config_free(c);
}

Test(router_route, performance_same_region_spread_and_override)
{
    router_config_t *c = parse("{\"zone\":\"z\"," LATENCY "\"profiles\":[{\"name\":\"p\","
                               "\"routingMethod\":\"Performance\"," MON ",\"endpoints\":["
                               "{\"name\":\"w1\",\"target\":\"127.0.0.11\",\"location\":\"West US\"},"
                               "{\"name\":\"w2\",\"target\":\"127.0.0.13\",\"location\":\"West US\"},"
                               "{\"name\":\"e\",\"target\":\"127.0.0.12\",\"location\":\"East Asia\","
                               "\"subnets\":[\"127.0.1.128/25\"]}]}]}");
    unsigned w1 = 0, total = 0;
    char client[32];
    for (int i = 1; i < 128; i++) {
        snprintf(client, sizeof client, "127.0.1.%d", i);
        const char *first = pick(c, 0, client, 0);
        cr_assert_str_eq(pick(c, 0, client, 99), first); /* stable per client */
        if (strcmp(first, "w1") == 0) w1++;
        total++;
    }
    cr_assert(w1 > total / 4 && w1 < total * 3 / 4, "w1 got %u of %u", w1, total);
    /* Subnet override: healthy override endpoint first, otherwise the latency choice. */
    cr_assert_str_eq(pick(c, 0, "127.0.1.200", 0), "e");
    st[2] = ROUTER_DEGRADED;
    cr_assert_str_neq(pick(c, 0, "127.0.1.200", 0), "e");
    router_config_free(c);
}

#define LOCATIONS                                                                  \
    "\"locations\":[{\"subnet\":\"10.1.0.0/16\",\"codes\":[\"IE\",\"GEO-EU\"]},"  \
    "{\"subnet\":\"10.2.0.0/16\",\"codes\":[\"PE\",\"GEO-SA\"]},"                 \
    "{\"subnet\":\"10.3.0.0/16\",\"codes\":[\"FR\",\"GEO-EU\"]}],"

Test(router_route, geographic_vectors)
{
    router_config_t *c = parse("{\"zone\":\"z\"," LOCATIONS "\"profiles\":[{\"name\":\"p\","
                               "\"routingMethod\":\"Geographic\"," MON ",\"endpoints\":["
                               "{\"name\":\"ep1\",\"target\":\"10.9.0.1\",\"geoMapping\":[\"IE\"]},"
                               "{\"name\":\"ep2\",\"target\":\"10.9.0.2\",\"geoMapping\":[\"GEO-EU\"]}]}]}");
    cr_assert_str_eq(pick(c, 0, "10.1.0.1", 0), "ep1");
    cr_assert_str_eq(pick(c, 0, "10.3.0.1", 0), "ep2");
    st[0] = ROUTER_DEGRADED; /* geo-fence: Degraded is still returned */
    cr_assert_str_eq(pick(c, 0, "10.1.0.1", 0), "ep1");
    c->endpoints[0].is_enabled = false; /* Disabled: the walk continues upward */
    cr_assert_str_eq(pick(c, 0, "10.1.0.1", 0), "ep2");
    cr_assert_str_eq(pick(c, 0, "10.2.0.1", 0), "NODATA"); /* Peru, no WORLD */
    cr_assert_str_eq(pick(c, 0, "192.0.2.1", 0), "NODATA"); /* unknown client */
    router_config_free(c);
}

Test(router_route, geographic_world_and_stopped)
{
    router_config_t *c = parse(
        "{\"zone\":\"z\"," LOCATIONS "\"profiles\":[{\"name\":\"p\","
        "\"routingMethod\":\"Geographic\"," MON ",\"endpoints\":["
        "{\"name\":\"ep1\",\"profile\":\"child\",\"geoMapping\":[\"IE\"]},"
        "{\"name\":\"ep2\",\"target\":\"10.9.0.2\",\"geoMapping\":[\"GEO-EU\"]},"
        "{\"name\":\"ep3\",\"target\":\"10.9.0.3\",\"geoMapping\":[\"WORLD\"]}]},"
        "{\"name\":\"child\",\"routingMethod\":\"Priority\"," MON ",\"endpoints\":["
        "{\"name\":\"c1\",\"target\":\"10.9.1.1\"}]}]}");
    cr_assert_str_eq(pick(c, 0, "10.2.0.1", 0), "ep3");
    cr_assert_str_eq(pick(c, 0, "192.0.2.1", 0), "ep3");
    cr_assert_str_eq(pick(c, 0, "10.1.0.1", 0), "c1");
    c->profiles[1].is_enabled = false; /* child disabled → nested endpoint Stopped → NODATA */
    cr_assert_eq(router_endpoint_status(c, c->profiles[0].endpoints[0], st), ROUTER_STOPPED);
    cr_assert_str_eq(pick(c, 0, "10.1.0.1", 0), "NODATA");
    router_config_free(c);
}

Test(router_route, subnet_vectors)
{
    router_config_t *c = parse("{\"zone\":\"z\",\"profiles\":[{\"name\":\"p\",\"routingMethod\":"
                               "\"Subnet\"," MON ",\"endpoints\":["
                               "{\"name\":\"A\",\"target\":\"10.9.0.1\",\"subnets\":[\"10.0.0.0/8\"]},"
                               "{\"name\":\"B\",\"target\":\"10.9.0.2\"}]}]}");
    cr_assert_str_eq(pick(c, 0, "10.1.2.3", 0), "A");
    cr_assert_str_eq(pick(c, 0, "192.0.2.1", 0), "B");
    router_choice_t ch = choose(c, 0, "10.1.2.3", 0);
    cr_assert_eq(ch.scope, 8);
    st[0] = ROUTER_DEGRADED; /* mapped endpoint returned anyway (fail open) */
    cr_assert_str_eq(pick(c, 0, "10.1.2.3", 0), "A");
    c->endpoints[0].is_enabled = false; /* A Disabled → B */
    cr_assert_str_eq(pick(c, 0, "10.1.2.3", 0), "B");
    c->endpoints[0].is_enabled = true;
    c->endpoints[1].is_enabled = false; /* remove the fallback → NODATA */
    cr_assert_str_eq(pick(c, 0, "192.0.2.1", 0), "NODATA");
    router_config_free(c);
}

Test(router_route, multivalue_returns_a_shuffled_healthy_set)
{
    router_config_t *c =
        parse("{\"zone\":\"z\",\"profiles\":[{\"name\":\"p\",\"routingMethod\":"
              "\"MultiValue\",\"maxReturn\":2," MON ",\"endpoints\":["
              "{\"name\":\"a\",\"target\":\"10.9.0.1\"},{\"name\":\"b\",\"target\":\"10.9.0.2\"},"
              "{\"name\":\"c\",\"target\":\"10.9.0.3\"},{\"name\":\"d\",\"target\":\"10.9.0.4\"},"
              "{\"name\":\"e\",\"target\":\"2001:db8::5\"}]}]}");
    bool seen_first[5] = {0};
    st[3] = ROUTER_DEGRADED;
    for (uint64_t r = 0; r < 200; r++) {
        router_choice_t ch = choose(c, 0, "1.1.1.1", r);
        cr_assert_eq(ch.count, 4); /* every eligible one; the DNS layer keeps maxReturn */
        for (size_t i = 0; i < ch.count; i++) cr_assert_str_neq(ch.endpoints[i]->name, "d");
        seen_first[ch.endpoints[0]->index] = true;
    }
    cr_assert(seen_first[0] && seen_first[1] && seen_first[2] && seen_first[4]);
    router_config_free(c);
}

Test(router_route, nested_min_child_endpoints_fails_the_region_over)
{
    router_config_t *c = parse(
        "{\"zone\":\"z\",\"profiles\":["
        "{\"name\":\"top\",\"routingMethod\":\"Priority\"," MON ",\"endpoints\":["
        "{\"name\":\"region1\",\"profile\":\"r1\",\"minChildEndpoints\":2},"
        "{\"name\":\"region2\",\"profile\":\"r2\"}]},"
        "{\"name\":\"r1\",\"routingMethod\":\"Priority\"," MON ",\"endpoints\":["
        "{\"name\":\"r1a\",\"target\":\"10.9.0.1\"},{\"name\":\"r1b\",\"target\":\"10.9.0.2\"}]},"
        "{\"name\":\"r2\",\"routingMethod\":\"Priority\"," MON ",\"endpoints\":["
        "{\"name\":\"r2a\",\"target\":\"10.9.0.3\"}]}]}");
    cr_assert_str_eq(pick(c, 0, "1.1.1.1", 0), "r1a");
    router_choice_t ch = choose(c, 0, "1.1.1.1", 0);
    cr_assert_eq(ch.count, 3); /* r1a, r1b, r2a: the L7 edge's retry order */
    st[3] = ROUTER_DEGRADED; /* r1b (endpoint index 3) down: 1 Online < 2 → region1 Degraded */
    cr_assert_eq(router_endpoint_status(c, c->profiles[0].endpoints[0], st), ROUTER_DEGRADED);
    cr_assert_str_eq(pick(c, 0, "1.1.1.1", 0), "r2a");
    cr_assert_str_eq(router_profile_status(c, &c->profiles[0], st), "Degraded");
    st[3] = ROUTER_CHECKING;
    cr_assert_eq(router_endpoint_status(c, c->profiles[0].endpoints[0], st), ROUTER_CHECKING);
    router_config_free(c);
}

Test(router_route, profile_status_rows)
{
    router_config_t *c = parse("{\"zone\":\"z\",\"profiles\":[{\"name\":\"p\",\"routingMethod\":"
                               "\"Priority\"," MON ",\"endpoints\":["
                               "{\"name\":\"a\",\"target\":\"10.0.0.1\"},"
                               "{\"name\":\"b\",\"target\":\"10.0.0.2\",\"alwaysServe\":true}]}]}");
    st[0] = ROUTER_CHECKING;
    cr_assert_str_eq(router_profile_status(c, &c->profiles[0], st), "Online"); /* b Unmonitored */
    cr_assert_eq(router_endpoint_status(c, &c->endpoints[1], st), ROUTER_UNMONITORED);
    c->endpoints[1].is_enabled = false;
    cr_assert_str_eq(router_profile_status(c, &c->profiles[0], st), "CheckingEndpoints");
    c->endpoints[0].is_enabled = false;
    cr_assert_str_eq(router_profile_status(c, &c->profiles[0], st), "Inactive");
    c->profiles[0].is_enabled = false;
    cr_assert_str_eq(router_profile_status(c, &c->profiles[0], st), "Disabled");
    router_config_free(c);
}
