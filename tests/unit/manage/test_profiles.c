/* Traffic-manager profiles through the management service without HTTP (manage/profiles.h):
 * the router's document in the feed view (built-in profile over the enabled locations,
 * gatewayLocation endpoints, the latency table), validation targets, and the router's
 * probe reports in the locations' status. */
#include "manage/profiles.h"
#include "manage/service.h"
#include "router/profile.h"
#include "support.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static support_service_t fx;

static void setup(void)
{
    support_service_open(&fx, "tm", NULL);
    manage_profiles_reset_reports();
}

static void teardown(void)
{
    support_service_close(&fx);
}

TestSuite(profiles, .init = setup, .fini = teardown);

/* The status; the parsed body in *out when out is not NULL (the caller decrefs it). */
static int call(const char *method, const char *rel, const char *body, const char *if_match, json_t **out)
{
    support_res_t r = support_call(&fx, method, rel, NULL, body, if_match);
    if (out)
        *out = r.body;
    else
        json_decref(r.body);
    return r.status;
}

/* The router's document of the current revision, parsed by the router's loader. */
static router_config_t *document(manage_feed_view_t *v)
{
    manage_service_feed_view(fx.svc, v);
    char err[512];
    router_config_t *c = router_config_parse(v->router_doc, v->router_doc_len, "doc", err, sizeof err);
    cr_assert_not_null(c, "%s\n%s", err, v->router_doc);
    return c;
}

Test(profiles, builtin_profile_follows_the_enabled_locations)
{
    cr_assert_eq(call("PUT", "/locations/eastasia", "{\"properties\": {\"displayName\": \"East Asia\"}}",
                      NULL, NULL), 201);
    manage_feed_view_t v;
    router_config_t *c = document(&v);
    cr_assert_str_eq(v.router_slug, "westus");
    cr_assert_str_eq(c->zone, "tm.meridian.local");
    cr_assert_eq(c->profile_count, 1);
    const router_profile_t *p = &c->profiles[0];
    cr_assert_str_eq(p->name, "meridian");
    cr_assert_eq(p->method, ROUTER_PERFORMANCE);
    cr_assert_eq(p->endpoint_count, 2);
    cr_assert_str_eq(p->endpoints[0]->target, "meridian-westus-01.regional.meridian.local");
    cr_assert_eq(p->endpoints[0]->port, 80);
    cr_assert_str_eq(p->endpoints[1]->location, "East Asia");
    router_config_free(c);
    manage_feed_view_free(&v);

    /* Once a location has an address, one without waits for its own. */
    cr_assert_eq(call("PATCH", "/locations/eastasia",
                      "{\"properties\": {\"gatewayAddress\": \"127.0.2.1:8080\"}}", "*", NULL), 200);
    c = document(&v);
    cr_assert_eq(c->profiles[0].endpoint_count, 1);
    cr_assert_str_eq(c->profiles[0].endpoints[0]->target, "127.0.2.1");
    cr_assert_eq(c->profiles[0].endpoints[0]->port, 8080);
    router_config_free(c);
    manage_feed_view_free(&v);
    cr_assert_eq(call("PATCH", "/locations/westus",
                      "{\"properties\": {\"gatewayAddress\": \"127.0.1.1:8080\"}}", "*", NULL), 200);
    c = document(&v);
    cr_assert_eq(c->profiles[0].endpoint_count, 2);
    router_config_free(c);
    manage_feed_view_free(&v);

    cr_assert_eq(call("PATCH", "/locations/eastasia", "{\"properties\": {\"disableGateway\": true}}", "*",
                      NULL), 200);
    c = document(&v);
    cr_assert_eq(c->profiles[0].endpoint_count, 1, "disableGateway leaves the built-in profile");
    cr_assert_str_eq(c->profiles[0].endpoints[0]->name, "westus");
    router_config_free(c);
    manage_feed_view_free(&v);
}

Test(profiles, a_profile_broken_by_a_later_location_change_is_left_out)
{
    cr_assert_eq(call("PATCH", "/locations/westus", "{\"properties\": {\"gatewayAddress\": \"127.0.1.1:81\"}}",
                      "*", NULL), 200);
    cr_assert_eq(call("PUT", "/trafficManagerProfiles/mixed",
                      "{\"properties\": {\"routingMethod\": \"Priority\", \"monitor\": {\"protocol\": \"TCP\","
                      " \"port\": 9}, \"endpoints\": [{\"name\": \"gw\", \"gatewayLocation\": \"West US\"},"
                      " {\"name\": \"b\", \"target\": \"10.0.0.2\"}]}}", NULL, NULL), 201);
    /* Without its address, West US is a host name next to an IP: the router would refuse
     * the whole document. */
    cr_assert_eq(call("PATCH", "/locations/westus", "{\"properties\": {\"gatewayAddress\": null}}", "*", NULL), 200);
    manage_feed_view_t v;
    router_config_t *c = document(&v);
    cr_assert_eq(c->profile_count, 1);
    cr_assert_str_eq(c->profiles[0].name, "meridian");
    router_config_free(c);
    manage_feed_view_free(&v);
}

Test(profiles, custom_profile_with_a_gateway_location_and_the_latency_table)
{
    cr_assert_eq(call("PATCH", "/locations/westus", "{\"properties\": {\"gatewayAddress\": \"127.0.1.1:81\"}}",
                      "*", NULL), 200);
    const char *orders =
        "{\"properties\": {\"routingMethod\": \"Priority\", \"monitor\": {\"protocol\": \"TCP\", \"port\": 9},"
        " \"endpoints\": [{\"name\": \"gw\", \"gatewayLocation\": \"westus\"},"
        " {\"name\": \"own\", \"target\": \"127.0.9.9\", \"port\": 9000}]}}";
    json_t *body;
    cr_assert_eq(call("PUT", "/trafficManagerProfiles/orders", orders, NULL, &body), 201);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(body, "properties"), "fqdn")),
                     "orders.tm.meridian.local");
    json_decref(body);
    cr_assert_eq(call("PUT", "/trafficManagerLatency",
                      "{\"properties\": {\"latency\": [{\"subnet\": \"10.0.0.0/8\", \"regions\": {\"West US\": 7}}]}}",
                      NULL, NULL), 201);
    manage_feed_view_t v;
    router_config_t *c = document(&v);
    cr_assert_eq(c->profile_count, 2);
    const router_profile_t *p = &c->profiles[1];
    cr_assert_str_eq(p->name, "orders");
    cr_assert_str_eq(p->endpoints[0]->target, "127.0.1.1");
    cr_assert_eq(p->endpoints[0]->port, 81);
    cr_assert_str_eq(p->endpoints[0]->location, "West US");
    cr_assert_eq(c->latency_count, 1);
    cr_assert_eq(c->latency[0].rtt_ms[0], 7);
    router_config_free(c);
    manage_feed_view_free(&v);
}

Test(profiles, validation_names_the_member_and_stores_nothing)
{
    int64_t before = manage_service_revision(fx.svc);
    json_t *body;
    cr_assert_eq(call("PUT", "/trafficManagerProfiles/bad",
                      "{\"properties\": {\"routingMethod\": \"Weighted\", \"monitor\": {\"protocol\": \"TCP\","
                      " \"port\": 9}, \"endpoints\": [{\"name\": \"a\", \"target\": \"10.0.0.1\", \"weight\": 0}]}}",
                      NULL, &body), 400);
    json_t *err = json_object_get(body, "error");
    cr_assert_str_eq(json_string_value(json_object_get(err, "code")), "ValidationError");
    json_t *detail = json_array_get(json_object_get(err, "details"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(detail, "target")), "properties.endpoints[0].weight");
    json_decref(body);
    cr_assert_eq(manage_service_revision(fx.svc), before);
    cr_assert_eq(call("DELETE", "/trafficManagerProfiles/meridian", NULL, "*", NULL), 409);
}

Test(profiles, probe_reports_show_in_the_location_status)
{
    const char *report = "{\"profiles\": [{\"name\": \"meridian\", \"endpoints\": ["
                         "{\"name\": \"westus\", \"location\": \"West US\", \"endpointMonitorStatus\": \"Degraded\"}]},"
                         "{\"name\": \"other\", \"endpoints\": [{\"name\": \"westus\", \"endpointMonitorStatus\": \"Online\"}]}]}";
    const char *why;
    cr_assert_eq(manage_profiles_record_report(report, strlen(report), "meridian", 0, &why), 0);
    cr_assert_eq(manage_profiles_record_report("[]", 2, "meridian", 0, &why), -1);
    json_t *body;
    cr_assert_eq(call("GET", "/locations/westus", NULL, NULL, &body), 200);
    json_t *probe = json_object_get(json_object_get(json_object_get(body, "properties"), "status"), "probe");
    cr_assert_str_eq(json_string_value(json_object_get(probe, "status")), "Degraded");
    cr_assert_str_eq(json_string_value(json_object_get(probe, "checkedAt")), "1970-01-01T00:00:00Z");
    json_decref(body);
    /* and per profile, in GET trafficManagerProfiles/{name} */
    cr_assert_eq(call("GET", "/trafficManagerProfiles/meridian", NULL, NULL, &body), 200);
    probe = json_object_get(json_object_get(body, "properties"), "probe");
    json_t *ep = json_array_get(json_object_get(probe, "endpoints"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(ep, "endpointMonitorStatus")), "Degraded");
    json_decref(body);
}

Test(profiles, a_nested_profile_cannot_be_deleted_from_under_its_parent)
{
    const char *child = "{\"properties\": {\"routingMethod\": \"Priority\", \"monitor\": {\"protocol\": \"TCP\","
                        " \"port\": 9}, \"endpoints\": [{\"name\": \"a\", \"target\": \"10.0.0.1\"}]}}";
    const char *parent = "{\"properties\": {\"routingMethod\": \"Priority\", \"monitor\": {\"protocol\": \"TCP\","
                         " \"port\": 9}, \"endpoints\": [{\"name\": \"eu\", \"profile\": \"child\"}]}}";
    cr_assert_eq(call("PUT", "/trafficManagerProfiles/child", child, NULL, NULL), 201);
    cr_assert_eq(call("PUT", "/trafficManagerProfiles/parent", parent, NULL, NULL), 201);
    json_t *body;
    cr_assert_eq(call("DELETE", "/trafficManagerProfiles/child", NULL, "*", &body), 409);
    cr_assert_not_null(strstr(json_string_value(json_object_get(json_object_get(body, "error"), "message")),
                              "no profile named 'child'"));
    json_decref(body);
    cr_assert_eq(call("DELETE", "/trafficManagerProfiles/parent", NULL, "*", NULL), 200);
    cr_assert_eq(call("DELETE", "/trafficManagerProfiles/child", NULL, "*", NULL), 200);
}
