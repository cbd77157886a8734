/* router_config_parse: the profile file, its defaults and every error's FILE:LINE:COL. */
#include "router/profile.h"

#include <criterion/criterion.h>
#include <string.h>

static char err[512];

static router_config_t *parse(const char *text)
{
    err[0] = '\0';
    return router_config_parse(text, strlen(text), "p.json", err, sizeof err);
}

static void expect_error(const char *text, const char *expected)
{
    router_config_t *c = parse(text);
    cr_assert_null(c, "accepted: %s", text);
    cr_assert_str_eq(err, expected);
}

#define MON "\"monitor\":{\"protocol\":\"HTTP\",\"port\":80}"

Test(router_profile, minimal_profile_and_defaults)
{
    router_config_t *c = parse("{\"zone\":\"TM.Example.\",\"profiles\":[{\"name\":\"api\","
                               "\"routingMethod\":\"Priority\"," MON ",\"endpoints\":["
                               "{\"name\":\"a\",\"target\":\"10.0.0.1\"},"
                               "{\"name\":\"b\",\"target\":\"10.0.0.2\",\"port\":8080}]}]}");
    cr_assert_not_null(c, "%s", err);
    cr_assert_str_eq(c->zone, "tm.example");
    cr_assert_str_eq(c->nameserver, "ns1.tm.example");
    cr_assert_eq(c->profile_count, 1);
    const router_profile_t *p = &c->profiles[0];
    cr_assert_str_eq(p->fqdn, "api.tm.example");
    cr_assert_eq(p->ttl, 30);
    cr_assert_eq(p->max_return, 2);
    cr_assert(p->fail_open);
    cr_assert_eq(p->monitor.interval_ms, 30000);
    cr_assert_eq(p->monitor.timeout_ms, 10000);
    cr_assert_eq(p->monitor.tolerated_failures, 3);
    cr_assert_str_eq(p->monitor.path, "/");
    cr_assert_eq(p->monitor.range_count, 1);
    cr_assert_eq(p->endpoints[0]->priority, 1); /* list order */
    cr_assert_eq(p->endpoints[1]->priority, 2);
    cr_assert_eq(p->endpoints[0]->port, 80);
    cr_assert_eq(p->endpoints[1]->port, 8080);
    cr_assert_eq(p->endpoints[0]->kind, ROUTER_TARGET_V4);
    cr_assert_eq(router_config_find(c, "API.tm.example.", 15), p);
    cr_assert_null(router_config_find(c, "other.tm.example", 16));
    router_config_free(c);
}

Test(router_profile, syntax_error_has_line_and_column)
{
    expect_error("{\n  \"zone\": \"x\",\n  oops\n}", "p.json:3:6: string or '}' expected near 'oops'");
}

Test(router_profile, semantic_errors_point_at_the_value)
{
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\n\"routingMethod\":\"Fastest\"," MON
                 ",\"endpoints\":[]}]}",
                 "p.json:2:17: unknown routing method 'Fastest' (Performance, Priority, Weighted, "
                 "Geographic, Subnet or MultiValue)");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Weighted\"," MON
                 ",\n\"endpoints\":[{\"name\":\"e\",\"target\":\"10.0.0.1\",\"weight\":0}]}]}",
                 "p.json:2:55: 'weight' must be an integer from 1 to 1000");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\","
                 "\"monitor\":{\"protocol\":\"HTTP2\",\"port\":443},\"endpoints\":[]}]}",
                 "p.json:1:86: 'protocol' must be HTTP, HTTPS or TCP");
    expect_error("{\"zone\":\"z\",\"colour\":1,\"profiles\":[]}", "p.json:1:22: unknown member 'colour'");
    expect_error("{\"profiles\":[]}", "p.json:1:1: missing required member 'zone'");
}

Test(router_profile, monitor_rules)
{
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\","
                 "\"monitor\":{\"protocol\":\"TCP\",\"port\":80,\"path\":\"/x\"},\"endpoints\":[]}]}",
                 "p.json:1:109: 'path' is not allowed with the TCP protocol");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\","
                 "\"monitor\":{\"protocol\":\"HTTP\",\"port\":80,\"intervalSeconds\":0.5},"
                 "\"endpoints\":[]}]}",
                 "p.json:1:121: 'intervalSeconds' must be a number of seconds from 1 to 3600");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\","
                 "\"monitor\":{\"protocol\":\"HTTP\",\"port\":80,\"intervalSeconds\":2,"
                 "\"timeoutSeconds\":2},\"endpoints\":[]}]}",
                 "p.json:1:140: 'timeoutSeconds' must be less than 'intervalSeconds'");
    router_config_t *c = parse("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":"
                               "\"Priority\",\"monitor\":{\"protocol\":\"HTTP\",\"port\":80,"
                               "\"intervalSeconds\":1,\"toleratedFailures\":0,"
                               "\"expectedStatusCodeRanges\":[\"200-299\",\"301-302\"],"
                               "\"customHeaders\":{\"Host\":\"h.example\"}},\"endpoints\":[]}]}");
    cr_assert_not_null(c, "%s", err);
    const router_monitor_config_t *m = &c->profiles[0].monitor;
    cr_assert_eq(m->interval_ms, 1000);
    cr_assert_eq(m->timeout_ms, 500); /* default: half the interval when 10 s does not fit */
    cr_assert_eq(m->range_count, 2);
    cr_assert_eq(m->ranges[1].min, 301);
    cr_assert_str_eq(m->headers[0].value, "h.example");
    router_config_free(c);
}

Test(router_profile, endpoint_rules)
{
    /* Spec §1.2: priorities unique; geo codes used once; subnets not overlapping;
     * addressing kinds not mixed; MultiValue takes literals only. */
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\"," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\",\"priority\":1},"
                 "{\"name\":\"y\",\"target\":\"10.0.0.2\",\"priority\":1}]}]}",
                 "p.json:1:163: priority 1 is used twice");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Geographic\"," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\",\"geoMapping\":[\"IE\"]},"
                 "{\"name\":\"y\",\"target\":\"10.0.0.2\",\"geoMapping\":[\"ie\"]}]}]}",
                 "p.json:1:172: geographic code 'ie' is mapped to two endpoints");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Subnet\"," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\",\"subnets\":[\"10.0.0.0/8\"]},"
                 "{\"name\":\"y\",\"target\":\"10.0.0.2\",\"subnets\":[\"10.1.0.0-10.1.0.9\"]}]}]}",
                 "p.json:1:173: subnets overlap with endpoint 'x'");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Subnet\"," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\",\"subnets\":[\"10.0.0.1/8\"]}]}]}",
                 "p.json:1:158: bad subnet '10.0.0.1/8': the address is not the network address "
                 "of the block");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\"," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\"},"
                 "{\"name\":\"y\",\"target\":\"west.example\"}]}]}",
                 "p.json:1:25: endpoints mix DNS names and IP addresses (or IPv4 and IPv6)");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"MultiValue\"," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"west.example\"}]}]}",
                 "p.json:1:119: MultiValue endpoints must be IPv4 or IPv6 literals");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\"," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1:80\"}]}]}",
                 "p.json:1:138: 'target' must be a DNS name or an IP literal without a port");
}

Test(router_profile, performance_needs_known_locations)
{
    expect_error("{\"zone\":\"z\",\"latency\":[{\"subnet\":\"10.1.0.0/16\",\"regions\":{\"West US\":5}}],"
                 "\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Performance\"," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\",\"location\":\"Mars\"}]}]}",
                 "p.json:1:224: location 'Mars' is not a region of the latency table");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Performance\"," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\"}]}]}",
                 "p.json:1:120: endpoint 'x' needs a 'location' under Performance routing");
}

Test(router_profile, nesting_is_resolved_and_loops_rejected)
{
    router_config_t *c = parse(
        "{\"zone\":\"z\",\"profiles\":["
        "{\"name\":\"p\",\"routingMethod\":\"Priority\"," MON ",\"endpoints\":["
        "{\"name\":\"n\",\"profile\":\"c\",\"minChildEndpoints\":2}]},"
        "{\"name\":\"c\",\"routingMethod\":\"Weighted\"," MON ",\"endpoints\":["
        "{\"name\":\"x\",\"target\":\"10.0.0.1\"}]}]}");
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(c->profiles[0].endpoints[0]->child, 1);
    cr_assert_eq(c->profiles[0].endpoints[0]->min_child, 2);
    router_config_free(c);
    expect_error("{\"zone\":\"z\",\"profiles\":["
                 "{\"name\":\"p\",\"routingMethod\":\"Priority\"," MON ",\"endpoints\":["
                 "{\"name\":\"n\",\"profile\":\"c\"}]},"
                 "{\"name\":\"c\",\"routingMethod\":\"Priority\"," MON ",\"endpoints\":["
                 "{\"name\":\"m\",\"profile\":\"p\"}]}]}",
                 "p.json:1:25: profile 'p' nests in a loop or deeper than 10 levels");
    expect_error("{\"zone\":\"z\",\"profiles\":["
                 "{\"name\":\"p\",\"routingMethod\":\"Priority\"," MON ",\"endpoints\":["
                 "{\"name\":\"n\",\"profile\":\"nope\"}]}]}",
                 "p.json:1:139: no profile named 'nope'");
}

Test(router_profile, ranges)
{
    router_range_t r;
    router_addr_t a;
    cr_assert_null(router_range_parse("10.0.0.0/8", &r));
    cr_assert(router_addr_parse("10.255.0.1", &a));
    cr_assert(router_range_contains(&r, &a));
    cr_assert(router_addr_parse("11.0.0.0", &a));
    cr_assert_not(router_range_contains(&r, &a));
    cr_assert_null(router_range_parse("2001:db8::/32", &r));
    cr_assert(router_addr_parse("2001:db8:ffff::1", &a));
    cr_assert(router_range_contains(&r, &a));
    cr_assert_str_eq(router_range_parse("10.0.0.9-10.0.0.1", &r), "FIRST is after LAST");
    cr_assert_str_eq(router_range_parse("10.0.0.0/33", &r), "bad prefix length");
    cr_assert_str_eq(router_range_parse("banana", &r), "not an IP address");
    char text[64];
    cr_assert(router_addr_parse("127.0.1.5", &a));
    router_addr_format(&a, text, sizeof text);
    cr_assert_str_eq(text, "127.0.1.5");
}

Test(router_profile, allowed_endpoint_record_types)
{
    /* Spec §1.1: allowedEndpointRecordTypes restricts the addressing kinds endpoints use. */
    router_config_t *c = parse("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\","
                               "\"allowedEndpointRecordTypes\":[\"IPv4Address\",\"IPv6Address\"]," MON
                               ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\"}]}]}");
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(c->profiles[0].allowed_kinds, 1u << ROUTER_TARGET_V4 | 1u << ROUTER_TARGET_V6);
    router_config_free(c);
    c = parse("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\"," MON
              ",\"endpoints\":[{\"name\":\"x\",\"target\":\"west.example\"}]}]}");
    cr_assert_not_null(c, "%s", err); /* absent: Any */
    router_config_free(c);
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\","
                 "\"allowedEndpointRecordTypes\":[\"DomainName\"]," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\"}]}]}",
                 "p.json:1:161: target '10.0.0.1' is an IPv4 address, which 'allowedEndpointRecordTypes' "
                 "does not allow");
    expect_error("{\"zone\":\"z\",\"profiles\":[{\"name\":\"a\",\"routingMethod\":\"Priority\","
                 "\"allowedEndpointRecordTypes\":[\"Any\",\"CNAME\"]," MON
                 ",\"endpoints\":[{\"name\":\"x\",\"target\":\"10.0.0.1\"}]}]}",
                 "p.json:1:100: unknown record type 'CNAME' (DomainName, IPv4Address, IPv6Address or Any)");
}
