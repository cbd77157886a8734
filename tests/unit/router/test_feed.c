/* router/feed.h URL parsing, and the loader additions feed mode relies on (profile.h:
 * router_config_parse_at's path, the "regions" member). */
#include "router/feed.h"
#include "router/profile.h"

#include <criterion/criterion.h>
#include <string.h>

Test(router_feed, url_is_split_into_host_port_and_base)
{
    char host[256], base[256];
    uint16_t port;
    bool is_https;
    cr_assert_null(router_feed_parse_url("http://127.0.0.1:7000", host, &port, base, &is_https));
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 7000);
    cr_assert_str_eq(base, "");
    cr_assert_null(router_feed_parse_url("http://[::1]:81/mgmt/", host, &port, base, &is_https));
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(port, 81);
    cr_assert_str_eq(base, "/mgmt");
    cr_assert_null(router_feed_parse_url("http://manage.example", host, &port, base, &is_https));
    cr_assert_eq(port, 80);
    cr_assert_not(is_https);
    cr_assert_null(router_feed_parse_url("https://manage.example/base", host, &port, base, &is_https));
    cr_assert(is_https);
    cr_assert_eq(port, 443);
    cr_assert_str_eq(host, "manage.example");
    cr_assert_str_eq(base, "/base");
    cr_assert_null(router_feed_parse_url("HTTPS://[::1]:8443", host, &port, base, &is_https));
    cr_assert(is_https);
    cr_assert_eq(port, 8443);
    cr_assert_str_eq(host, "::1");
}

Test(router_feed, bad_urls_say_why)
{
    char host[256], base[256];
    uint16_t port;
    bool is_https;
    cr_assert_str_eq(router_feed_parse_url("ftp://x", host, &port, base, &is_https),
                     "the management plane's URL must start with http:// or https://");
    cr_assert_str_eq(router_feed_parse_url("https://x:0", host, &port, base, &is_https), "bad port");
    cr_assert_str_eq(router_feed_parse_url("http://x:0", host, &port, base, &is_https), "bad port");
    cr_assert_str_eq(router_feed_parse_url("http://x:99999", host, &port, base, &is_https), "bad port");
    cr_assert_str_eq(router_feed_parse_url("http://:80", host, &port, base, &is_https), "no host");
    cr_assert_not_null(router_feed_parse_url("http://x/?a=1", host, &port, base, &is_https));
}

static const char doc_head[] =
    "{\"zone\": \"tm.example\", \"regions\": [\"West US\", \"East Asia\"], \"profiles\": [{"
    "\"name\": \"p\", \"routingMethod\": \"Performance\", \"monitor\": {\"protocol\": \"TCP\", "
    "\"port\": 80}, \"endpoints\": [";

static router_config_t *parse(const char *endpoints, char *err, char *where)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s]}]}", doc_head, endpoints);
    return router_config_parse_at(text, strlen(text), "doc", err, 512, where, 256);
}

Test(router_feed, regions_member_makes_locations_valid_without_latency_rows)
{
    char err[512], where[256];
    router_config_t *c = parse("{\"name\": \"a\", \"target\": \"10.0.0.1\", \"location\": \"East Asia\"}",
                               err, where);
    cr_assert_not_null(c, "%s", err);
    cr_assert_eq(c->region_count, 2);
    cr_assert_str_eq(c->regions[0], "West US");
    cr_assert_eq(c->endpoints[0].region, 1);
    router_config_free(c);
}

Test(router_feed, errors_give_the_json_path)
{
    char err[512], where[256];
    router_config_t *c = parse("{\"name\": \"a\", \"target\": \"10.0.0.1\", \"location\": \"Mars\"}",
                               err, where);
    cr_assert_null(c);
    cr_assert_str_eq(where, "profiles[0].endpoints[0].location");
    cr_assert_not_null(strstr(err, "location 'Mars' is not a region"), "%s", err);
    cr_assert(strncmp(err, "doc:1:", 6) == 0, "%s", err);
}
