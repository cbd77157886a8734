/* The profile file loader: see profile.h and docs/router.md. */
#include "router/profile.h"

#include "router/profile_loader.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool parse_monitor(loader_t *l, json_t *m, router_monitor_config_t *mc)
{
    static const char *const keys[] = {"protocol",
                                       "port",
                                       "path",
                                       "intervalSeconds",
                                       "timeoutSeconds",
                                       "toleratedFailures",
                                       "expectedStatusCodeRanges",
                                       "customHeaders",
                                       NULL};
    mc->interval_ms = 30000;
    mc->timeout_ms = 10000;
    mc->tolerated_failures = 3;
    mc->ranges[0].min = mc->ranges[0].max = 200;
    mc->range_count = 1;
    if (!m) return loader_fail(l, "missing required member 'monitor'");
    loader_push_key(l, "monitor");
    if (!loader_check_keys(l, m, keys)) return false;
    const char *proto = loader_string(l, m, "protocol", true);
    if (!proto) return false;
    if (strcmp(proto, "HTTP") == 0)
        mc->protocol = ROUTER_PROBE_HTTP;
    else if (strcmp(proto, "TCP") == 0)
        mc->protocol = ROUTER_PROBE_TCP;
    else if (strcmp(proto, "HTTPS") == 0)
        mc->protocol = ROUTER_PROBE_HTTPS; /* docs/tls.md */
    else {
        loader_push_key(l, "protocol");
        return loader_fail(l, "'protocol' must be HTTP, HTTPS or TCP");
    }
    long long port = 0, tolerated = 3;
    if (!json_object_get(m, "port")) return loader_fail(l, "missing required member 'port'");
    if (!loader_int(l, m, "port", 1, 65535, &port)) return false;
    mc->port = (uint16_t)port;
    const char *path = loader_string(l, m, "path", false);
    if (l->failed) return false;
    if (path && mc->protocol == ROUTER_PROBE_TCP) {
        loader_push_key(l, "path");
        return loader_fail(l, "'path' is not allowed with the TCP protocol");
    }
    if (path && (path[0] != '/' || strpbrk(path, " \t\r\n#"))) {
        loader_push_key(l, "path");
        return loader_fail(l, "'path' must be a relative path starting with '/'");
    }
    mc->path = loader_strdup(path ? path : "/");
    /* Intervals down to 1 s are allowed (issue 6), beyond Azure's 10/30 s. */
    if (!loader_seconds(l, m, "intervalSeconds", 1, 3600, &mc->interval_ms)) return false;
    if (!json_object_get(m, "timeoutSeconds") && mc->timeout_ms >= mc->interval_ms)
        mc->timeout_ms = mc->interval_ms / 2;
    if (!loader_seconds(l, m, "timeoutSeconds", 0.1, 3600, &mc->timeout_ms)) return false;
    if (mc->timeout_ms >= mc->interval_ms) {
        loader_push_key(l, "timeoutSeconds");
        return loader_fail(l, "'timeoutSeconds' must be less than 'intervalSeconds'");
    }
    if (!loader_int(l, m, "toleratedFailures", 0, 9, &tolerated)) return false;
    mc->tolerated_failures = (unsigned)tolerated;
    json_t *ranges = loader_member(l, m, "expectedStatusCodeRanges", JSON_ARRAY, "an array");
    if (l->failed) return false;
    if (ranges) {
        loader_push_key(l, "expectedStatusCodeRanges");
        if (mc->protocol == ROUTER_PROBE_TCP) return loader_fail(l, "status ranges need HTTP");
        if (json_array_size(ranges) == 0 || json_array_size(ranges) > ROUTER_MAX_STATUS_RANGES)
            return loader_fail(l, "1 to %d ranges", ROUTER_MAX_STATUS_RANGES);
        mc->range_count = 0;
        size_t i;
        json_t *r;
        json_array_foreach(ranges, i, r)
        {
            loader_push_index(l, i);
            int lo, hi, used = 0;
            const char *s = json_string_value(r);
            if (!s || sscanf(s, "%d-%d%n", &lo, &hi, &used) != 2 || s[used] || lo < 100 ||
                hi > 999 || lo > hi)
                return loader_fail(l, "a range is \"MIN-MAX\" with 100 <= MIN <= MAX <= 999");
            mc->ranges[mc->range_count].min = lo;
            mc->ranges[mc->range_count].max = hi;
            mc->range_count++;
            loader_pop(l);
        }
        loader_pop(l);
    }
    if (!loader_headers(l, m, mc->headers, &mc->header_count)) return false;
    loader_pop(l);
    return true;
}

static int region_index(const router_config_t *c, const char *name)
{
    for (size_t i = 0; i < c->region_count; i++)
        if (strcasecmp(c->regions[i], name) == 0) return (int)i;
    return -1;
}

static bool parse_endpoint(loader_t *l, json_t *e, router_profile_t *p, router_endpoint_t *ep,
                           char **child_names)
{
    static const char *const keys[] = {
        "name",          "target",  "port",   "location",    "weight",  "priority",
        "geoMapping",    "subnets", "status", "alwaysServe", "profile", "minChildEndpoints",
        "customHeaders", NULL};
    if (!json_is_object(e)) return loader_fail(l, "an endpoint must be an object");
    if (!loader_check_keys(l, e, keys)) return false;
    const char *name = loader_string(l, e, "name", true);
    if (!name) return false;
    ep->name = loader_strdup(name);
    const char *child = loader_string(l, e, "profile", false);
    const char *target = loader_string(l, e, "target", false);
    if (l->failed) return false;
    if (child && target)
        return loader_fail(l, "an endpoint has either 'target' or 'profile', not both");
    if (!child && !target)
        return loader_fail(l, "an endpoint needs 'target' (or 'profile' for nesting)");
    ep->child = -1;
    ep->region = -1;
    ep->weight = 1;
    ep->is_enabled = true;
    ep->min_child = 1;
    ep->port = p->monitor.port;
    if (child) *child_names = loader_strdup(child);
    if (target) {
        ep->target = loader_strdup(target);
        if (router_addr_parse(target, &ep->addr))
            ep->kind = router_addr_is_v4(&ep->addr) ? ROUTER_TARGET_V4 : ROUTER_TARGET_V6;
        else {
            ep->kind = ROUTER_TARGET_NAME;
            for (const char *q = target; *q; q++)
                if (!isalnum((unsigned char)*q) && *q != '-' && *q != '.' && *q != '_') {
                    loader_push_key(l, "target");
                    return loader_fail(
                        l, "'target' must be a DNS name or an IP literal without a port");
                }
        }
    }
    long long v;
    v = ep->port;
    if (!loader_int(l, e, "port", 1, 65535, &v)) return false;
    ep->port = (uint16_t)v;
    v = 1;
    if (!loader_int(l, e, "weight", 1, 1000, &v)) return false;
    ep->weight = (unsigned)v;
    v = 0;
    if (!loader_int(l, e, "priority", 1, 1000, &v)) return false;
    ep->priority = (unsigned)v;
    v = 1;
    if (!loader_int(l, e, "minChildEndpoints", 1, 1000, &v)) return false;
    ep->min_child = (unsigned)v;
    if (!loader_enabled(l, e, "status", &ep->is_enabled)) return false;
    json_t *as = loader_member(l, e, "alwaysServe", JSON_TRUE, "true or false");
    if (l->failed) return false;
    ep->always_serve = as && json_is_true(as);
    if (ep->always_serve && child) {
        loader_push_key(l, "alwaysServe");
        return loader_fail(l, "alwaysServe cannot be set on a nested endpoint (spec §5.3)");
    }
    const char *loc = loader_string(l, e, "location", false);
    if (l->failed) return false;
    if (loc) {
        ep->location = loader_strdup(loc);
        ep->region = region_index(l->cfg, loc);
        if (ep->region < 0 && p->method == ROUTER_PERFORMANCE) {
            loader_push_key(l, "location");
            return loader_fail(l, "location '%s' is not a region of the latency table", loc);
        }
    } else if (p->method == ROUTER_PERFORMANCE) {
        return loader_fail(l, "endpoint '%s' needs a 'location' under Performance routing", name);
    }
    if (!loader_string_list(l, e, "geoMapping", &ep->geo, &ep->geo_count)) return false;
    json_t *subnets = loader_member(l, e, "subnets", JSON_ARRAY, "an array of ranges");
    if (l->failed) return false;
    if (subnets) {
        loader_push_key(l, "subnets");
        ep->subnets = loader_calloc(json_array_size(subnets), sizeof *ep->subnets);
        size_t i;
        json_t *s;
        json_array_foreach(subnets, i, s)
        {
            loader_push_index(l, i);
            if (!json_is_string(s)) return loader_fail(l, "a subnet is a string");
            const char *why = router_range_parse(json_string_value(s), &ep->subnets[i]);
            if (why) return loader_fail(l, "bad subnet '%s': %s", json_string_value(s), why);
            ep->subnet_count++;
            loader_pop(l);
        }
        loader_pop(l);
    }
    return loader_headers(l, e, ep->headers, &ep->header_count);
}

static const struct {
    const char *name;
    router_method_t method;
} methods[] = {{"Performance", ROUTER_PERFORMANCE}, {"Priority", ROUTER_PRIORITY},
               {"Weighted", ROUTER_WEIGHTED},       {"Geographic", ROUTER_GEOGRAPHIC},
               {"Subnet", ROUTER_SUBNET},           {"MultiValue", ROUTER_MULTIVALUE}};

const char *router_method_name(router_method_t m)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (methods[i].method == m) return methods[i].name;
    return "?";
}

/* Validation rules of spec §1.2 that look at the whole profile. */
static bool check_profile(loader_t *l, router_profile_t *p)
{
    bool any_priority = false, all_priority = true;
    int kinds = 0;
    for (size_t i = 0; i < p->endpoint_count; i++) {
        router_endpoint_t *e = p->endpoints[i];
        if (e->priority)
            any_priority = true;
        else
            all_priority = false;
        if (e->target) kinds |= 1 << e->kind; /* nested endpoints have no address */
    }
    loader_push_key(l, "endpoints");
    for (size_t i = 0; i < p->endpoint_count; i++) {
        router_endpoint_t *e = p->endpoints[i];
        loader_push_index(l, i);
        if (any_priority && !all_priority)
            return loader_fail(l, "'priority' is set on some endpoints: set it on all of them");
        if (!any_priority) e->priority = (unsigned)i + 1; /* list order (spec §3.1) */
        for (size_t j = 0; j < i; j++) {
            router_endpoint_t *o = p->endpoints[j];
            if (strcmp(o->name, e->name) == 0)
                return loader_fail(l, "duplicate endpoint name '%s'", e->name);
            if (any_priority && o->priority == e->priority)
                return loader_fail(l, "priority %u is used twice", e->priority);
            for (size_t a = 0; a < e->geo_count; a++)
                for (size_t b = 0; b < o->geo_count; b++)
                    if (strcasecmp(e->geo[a], o->geo[b]) == 0)
                        return loader_fail(l, "geographic code '%s' is mapped to two endpoints",
                                           e->geo[a]);
            for (size_t a = 0; a < e->subnet_count; a++)
                for (size_t b = 0; b < o->subnet_count; b++)
                    if (router_addr_cmp(&e->subnets[a].first, &o->subnets[b].last) <= 0 &&
                        router_addr_cmp(&o->subnets[b].first, &e->subnets[a].last) <= 0)
                        return loader_fail(l, "subnets overlap with endpoint '%s'", o->name);
            if (e->target && o->target && e->kind != ROUTER_TARGET_NAME &&
                router_addr_cmp(&e->addr, &o->addr) == 0 && e->port == o->port)
                return loader_fail(l, "two endpoints share the target %s", e->target);
        }
        for (size_t a = 0; a < e->subnet_count; a++)
            for (size_t b = 0; b < a; b++)
                if (router_addr_cmp(&e->subnets[a].first, &e->subnets[b].last) <= 0 &&
                    router_addr_cmp(&e->subnets[b].first, &e->subnets[a].last) <= 0)
                    return loader_fail(l, "the endpoint's subnets overlap");
        if (p->method == ROUTER_GEOGRAPHIC && e->geo_count == 0)
            return loader_fail(l, "under Geographic routing every endpoint needs 'geoMapping'");
        if (p->method == ROUTER_MULTIVALUE && (!e->target || e->kind == ROUTER_TARGET_NAME))
            return loader_fail(l, "MultiValue endpoints must be IPv4 or IPv6 literals");
        if (e->target && !(p->allowed_kinds & (1u << e->kind))) {
            static const char *const kind_names[] = {"a DNS name", "an IPv4 address",
                                                     "an IPv6 address"};
            return loader_fail(
                l, "target '%s' is %s, which 'allowedEndpointRecordTypes' does not allow",
                e->target, kind_names[e->kind]);
        }
        loader_pop(l);
    }
    loader_pop(l);
    /* Addressing kinds are not mixed, except IPv4 with IPv6 under MultiValue (spec §1.2). */
    bool mixed = (kinds & (kinds - 1)) != 0;
    if (mixed && !(p->method == ROUTER_MULTIVALUE && !(kinds & (1 << ROUTER_TARGET_NAME))))
        return loader_fail(l, "endpoints mix DNS names and IP addresses (or IPv4 and IPv6)");
    return true;
}

/* allowedEndpointRecordTypes (spec §1.1): the addressing kinds endpoints may use. */
static bool parse_record_types(loader_t *l, json_t *pj, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned kinds;
    } types[] = {
        {"DomainName", 1u << ROUTER_TARGET_NAME},
        {"IPv4Address", 1u << ROUTER_TARGET_V4},
        {"IPv6Address", 1u << ROUTER_TARGET_V6},
        {"Any", 1u << ROUTER_TARGET_NAME | 1u << ROUTER_TARGET_V4 | 1u << ROUTER_TARGET_V6},
    };
    char **names = NULL;
    size_t n = 0;
    bool ok = loader_string_list(l, pj, "allowedEndpointRecordTypes", &names, &n);
    *out = names ? 0 : types[3].kinds;
    for (size_t i = 0; ok && i < n; i++) {
        size_t t = 0;
        while (t < sizeof types / sizeof types[0] && strcmp(types[t].name, names[i]) != 0)
            t++;
        if (t == sizeof types / sizeof types[0]) {
            loader_push_key(l, "allowedEndpointRecordTypes");
            loader_push_index(l, i);
            ok = loader_fail(
                l, "unknown record type '%s' (DomainName, IPv4Address, IPv6Address or Any)",
                names[i]);
        } else {
            *out |= types[t].kinds;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ok;
}

/* The session-affinity cookie value: FNV-1a 64 of "target:port" (spec §8: "a hash of the
 * origin URL"), so that it survives reloads and names no address. */
static void set_affinity(router_endpoint_t *ep)
{
    char text[300];
    snprintf(text, sizeof text, "%s:%u", ep->target ? ep->target : "", ep->port);
    uint64_t h = 1469598103934665603ULL;
    for (const char *c = text; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    snprintf(ep->affinity, sizeof ep->affinity, "%016llx", (unsigned long long)h);
}

static bool parse_profile(loader_t *l, json_t *pj, router_profile_t *p, size_t pindex,
                          char ***child_names, size_t *next_endpoint)
{
    static const char *const keys[] = {"name",
                                       "status",
                                       "routingMethod",
                                       "ttl",
                                       "maxReturn",
                                       "failMode",
                                       "sessionAffinityState",
                                       "allowedEndpointRecordTypes",
                                       "monitor",
                                       "endpoints",
                                       NULL};
    if (!json_is_object(pj)) return loader_fail(l, "a profile must be an object");
    if (!loader_check_keys(l, pj, keys)) return false;
    const char *name = loader_string(l, pj, "name", true);
    if (!name) return false;
    for (const char *q = name; *q; q++)
        if (!isalnum((unsigned char)*q) && *q != '-' && *q != '.') {
            loader_push_key(l, "name");
            return loader_fail(l, "a profile name is a DNS label (letters, digits, '-', '.')");
        }
    p->name = loader_strdup(name);
    size_t flen = strlen(name) + strlen(l->cfg->zone) + 2;
    p->fqdn = loader_calloc(flen, 1);
    snprintf(p->fqdn, flen, "%s.%s", name, l->cfg->zone);
    for (char *q = p->fqdn; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    p->is_enabled = true;
    if (!loader_enabled(l, pj, "status", &p->is_enabled)) return false;
    const char *method = loader_string(l, pj, "routingMethod", true);
    if (!method) return false;
    size_t m;
    for (m = 0; m < sizeof methods / sizeof methods[0]; m++)
        if (strcmp(methods[m].name, method) == 0) break;
    if (m == sizeof methods / sizeof methods[0]) {
        loader_push_key(l, "routingMethod");
        return loader_fail(l,
                           "unknown routing method '%s' (Performance, Priority, Weighted, "
                           "Geographic, Subnet or MultiValue)",
                           method);
    }
    p->method = methods[m].method;
    long long ttl = 30, max_return = 2; /* spec §1.1: [our choice] TTL 30 s, maxReturn 2 */
    if (!loader_int(l, pj, "ttl", 0, 2147483647LL, &ttl)) return false;
    if (!loader_int(l, pj, "maxReturn", 1, ROUTER_MAX_RETURN, &max_return)) return false;
    p->ttl = (uint32_t)ttl;
    p->max_return = (unsigned)max_return;
    p->fail_open = true;
    const char *mode = loader_string(l, pj, "failMode", false);
    if (l->failed) return false;
    if (mode && strcmp(mode, "closed") == 0)
        p->fail_open = false;
    else if (mode && strcmp(mode, "open") != 0) {
        loader_push_key(l, "failMode");
        return loader_fail(l, "'failMode' must be \"open\" or \"closed\"");
    }
    if (!loader_enabled(l, pj, "sessionAffinityState", &p->session_affinity)) return false;
    if (!parse_record_types(l, pj, &p->allowed_kinds)) return false;
    if (!parse_monitor(l, json_object_get(pj, "monitor"), &p->monitor)) return false;
    json_t *eps = loader_member(l, pj, "endpoints", JSON_ARRAY, "an array");
    if (!eps) return l->failed ? false : loader_fail(l, "missing required member 'endpoints'");
    loader_push_key(l, "endpoints");
    p->endpoints = loader_calloc(json_array_size(eps), sizeof *p->endpoints);
    size_t i;
    json_t *e;
    json_array_foreach(eps, i, e)
    {
        loader_push_index(l, i);
        router_endpoint_t *ep = &l->cfg->endpoints[*next_endpoint];
        ep->index = (*next_endpoint)++;
        ep->profile = pindex;
        p->endpoints[p->endpoint_count++] = ep;
        if (!parse_endpoint(l, e, p, ep, &(*child_names)[ep->index])) return false;
        set_affinity(ep);
        loader_pop(l);
    }
    loader_pop(l);
    return check_profile(l, p);
}

static bool parse_tables(loader_t *l, json_t *root)
{
    router_config_t *c = l->cfg;
    json_t *lat = loader_member(l, root, "latency", JSON_ARRAY, "an array");
    if (l->failed) return false;
    size_t i;
    json_t *row;
    if (lat) {
        loader_push_key(l, "latency");
        /* First pass: the regions, in order of first appearance. */
        size_t cap = 0;
        json_array_foreach(lat, i, row) cap += json_object_size(json_object_get(row, "regions"));
        c->regions = loader_calloc(cap, sizeof *c->regions);
        c->latency = loader_calloc(json_array_size(lat), sizeof *c->latency);
        json_array_foreach(lat, i, row)
        {
            loader_push_index(l, i);
            static const char *const keys[] = {"subnet", "regions", NULL};
            if (!json_is_object(row)) return loader_fail(l, "a latency row is an object");
            if (!loader_check_keys(l, row, keys)) return false;
            const char *subnet = loader_string(l, row, "subnet", true);
            if (!subnet) return false;
            router_latency_row_t *r = &c->latency[c->latency_count++];
            const char *why = router_range_parse(subnet, &r->range);
            if (why) {
                loader_push_key(l, "subnet");
                return loader_fail(l, "bad subnet '%s': %s", subnet, why);
            }
            json_t *regions =
                loader_member(l, row, "regions", JSON_OBJECT, "an object of region: ms");
            if (!regions)
                return l->failed ? false : loader_fail(l, "missing required member 'regions'");
            const char *name;
            json_t *ms;
            json_object_foreach(regions, name, ms)
            {
                if (region_index(c, name) < 0) c->regions[c->region_count++] = loader_strdup(name);
            }
            loader_pop(l);
        }
        json_array_foreach(lat, i, row)
        {
            loader_push_index(l, i);
            loader_push_key(l, "regions");
            router_latency_row_t *r = &c->latency[i];
            r->rtt_ms = loader_calloc(c->region_count, sizeof *r->rtt_ms);
            for (size_t k = 0; k < c->region_count; k++)
                r->rtt_ms[k] = UINT32_MAX;
            const char *name;
            json_t *ms;
            json_object_foreach(json_object_get(row, "regions"), name, ms)
            {
                loader_push_key(l, name);
                if (!json_is_number(ms) || json_number_value(ms) < 0 || json_number_value(ms) > 1e6)
                    return loader_fail(l, "a latency is a number of milliseconds (0 to 1000000)");
                r->rtt_ms[region_index(c, name)] = (unsigned)json_number_value(ms);
                loader_pop(l);
            }
            loader_pop(l);
            loader_pop(l);
        }
        loader_pop(l);
    }
    /* Regions without latency rows yet (a new location): valid endpoint locations, ranked
     * after the measured ones, in this order. */
    json_t *names = loader_member(l, root, "regions", JSON_ARRAY, "an array of region names");
    if (l->failed) return false;
    if (names) {
        loader_push_key(l, "regions");
        char **grown =
            realloc(c->regions, (c->region_count + json_array_size(names) + 1) * sizeof *grown);
        if (!grown) abort();
        c->regions = grown;
        json_t *name;
        json_array_foreach(names, i, name)
        {
            loader_push_index(l, i);
            if (!json_is_string(name) || json_string_length(name) == 0)
                return loader_fail(l, "a region name is a non-empty string");
            if (region_index(c, json_string_value(name)) < 0) {
                c->regions[c->region_count++] = loader_strdup(json_string_value(name));
                for (size_t k = 0; k < c->latency_count; k++) {
                    unsigned *rtt = realloc(c->latency[k].rtt_ms, c->region_count * sizeof *rtt);
                    if (!rtt) abort();
                    rtt[c->region_count - 1] = UINT32_MAX;
                    c->latency[k].rtt_ms = rtt;
                }
            }
            loader_pop(l);
        }
        loader_pop(l);
    }
    json_t *locs = loader_member(l, root, "locations", JSON_ARRAY, "an array");
    if (l->failed) return false;
    if (locs) {
        loader_push_key(l, "locations");
        c->locations = loader_calloc(json_array_size(locs), sizeof *c->locations);
        json_array_foreach(locs, i, row)
        {
            loader_push_index(l, i);
            static const char *const keys[] = {"subnet", "codes", NULL};
            if (!json_is_object(row)) return loader_fail(l, "a location row is an object");
            if (!loader_check_keys(l, row, keys)) return false;
            const char *subnet = loader_string(l, row, "subnet", true);
            if (!subnet) return false;
            router_location_row_t *r = &c->locations[c->location_count++];
            const char *why = router_range_parse(subnet, &r->range);
            if (why) {
                loader_push_key(l, "subnet");
                return loader_fail(l, "bad subnet '%s': %s", subnet, why);
            }
            if (!loader_string_list(l, row, "codes", &r->codes, &r->code_count)) return false;
            if (!r->code_count)
                return loader_fail(l, "a location row needs 'codes' (most specific first)");
            loader_pop(l);
        }
        loader_pop(l);
    }
    return true;
}

/* Where each region is: Azure's own names are built in; `regionCoordinates` places any
 * region (and overrides a built-in one). */
static bool parse_coordinates(loader_t *l, json_t *root)
{
    router_config_t *c = l->cfg;
    c->region_points = loader_calloc(c->region_count + 1, sizeof *c->region_points);
    for (size_t i = 0; i < c->region_count; i++)
        router_region_builtin_point(c->regions[i], &c->region_points[i]);
    json_t *coords = loader_member(l, root, "regionCoordinates", JSON_OBJECT,
                                   "an object of region: {\"latitude\": n, \"longitude\": n}");
    if (!coords) return !l->failed;
    loader_push_key(l, "regionCoordinates");
    const char *name;
    json_t *at;
    json_object_foreach(coords, name, at)
    {
        loader_push_key(l, name);
        int r = region_index(c, name);
        if (r < 0) return loader_fail(l, "no region '%s' in 'latency' or 'regions'", name);
        static const char *const keys[] = {"latitude", "longitude", NULL};
        if (!json_is_object(at))
            return loader_fail(l, "a region's coordinates are {\"latitude\": n, \"longitude\": n}");
        if (!loader_check_keys(l, at, keys)) return false;
        double deg[2];
        for (int k = 0; k < 2; k++) {
            json_t *v = loader_member(l, at, keys[k], JSON_REAL, "a number of degrees");
            if (!v)
                return l->failed ? false : loader_fail(l, "missing required member '%s'", keys[k]);
            deg[k] = json_number_value(v);
            double limit = k == 0 ? 90 : 180;
            if (deg[k] < -limit || deg[k] > limit) {
                loader_push_key(l, keys[k]);
                return loader_fail(l, "%s is between -%g and %g degrees", keys[k], limit, limit);
            }
        }
        c->region_points[r] = router_point_from_degrees(deg[0], deg[1]);
        loader_pop(l);
    }
    loader_pop(l);
    return true;
}

/* Resolves nested profile names, then rejects loops, depth > 10 and MultiValue parents. */
static bool link_children(loader_t *l, json_t *root, char **child_names)
{
    router_config_t *c = l->cfg;
    for (size_t i = 0; i < c->endpoint_count; i++) {
        router_endpoint_t *e = &c->endpoints[i];
        if (!child_names[i]) continue;
        router_profile_t *p = &c->profiles[e->profile];
        size_t pos = 0;
        while (p->endpoints[pos] != e)
            pos++;
        l->depth = 0;
        loader_push_key(l, "profiles");
        loader_push_index(l, e->profile);
        loader_push_key(l, "endpoints");
        loader_push_index(l, pos);
        loader_push_key(l, "profile");
        for (size_t k = 0; k < c->profile_count; k++)
            if (strcmp(c->profiles[k].name, child_names[i]) == 0) e->child = (int)k;
        if (e->child < 0) return loader_fail(l, "no profile named '%s'", child_names[i]);
        if (p->method == ROUTER_MULTIVALUE)
            return loader_fail(l, "a MultiValue profile cannot be a parent");
    }
    (void)root;
    /* Depth of every chain: a loop shows up as a chain longer than the profile count. */
    for (size_t k = 0; k < c->profile_count; k++) {
        size_t stack[64], depth[64], top = 0;
        stack[top] = k;
        depth[top++] = 1;
        while (top) {
            top--;
            size_t pk = stack[top], d = depth[top];
            if (d > ROUTER_MAX_NESTING || d > c->profile_count) {
                l->depth = 0;
                loader_push_key(l, "profiles");
                loader_push_index(l, k);
                return loader_fail(l, "profile '%s' nests in a loop or deeper than %d levels",
                                   c->profiles[k].name, ROUTER_MAX_NESTING);
            }
            router_profile_t *p = &c->profiles[pk];
            for (size_t j = 0; j < p->endpoint_count && top < 64; j++)
                if (p->endpoints[j]->child >= 0) {
                    stack[top] = (size_t)p->endpoints[j]->child;
                    depth[top++] = d + 1;
                }
        }
    }
    return true;
}

router_config_t *router_config_parse(const char *text, size_t len, const char *file, char *err,
                                     size_t err_size)
{
    return router_config_parse_at(text, len, file, err, err_size, NULL, 0);
}

router_config_t *router_config_parse_at(const char *text, size_t len, const char *file, char *err,
                                        size_t err_size, char *where, size_t where_size)
{
    if (where && where_size) where[0] = '\0';
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, err_size, "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    router_config_t *c = loader_calloc(1, sizeof *c);
    loader_t l = {.text = text,
                  .len = len,
                  .file = file,
                  .err = err,
                  .err_size = err_size,
                  .cfg = c,
                  .where = where,
                  .where_size = where_size};
    char **child_names = NULL;
    static const char *const keys[] = {"zone",      "nameserver", "negativeTtl",
                                       "latency",   "regions",    "regionCoordinates",
                                       "locations", "profiles",   NULL};
    if (!json_is_object(root)) {
        loader_fail(&l, "the profile file is a JSON object");
        goto failed;
    }
    if (!loader_check_keys(&l, root, keys)) goto failed;
    const char *zone = loader_string(&l, root, "zone", true);
    if (!zone) goto failed;
    c->zone = loader_lower_dup(zone);
    size_t zl = strlen(c->zone);
    if (c->zone[zl - 1] == '.') c->zone[zl - 1] = '\0';
    const char *ns = loader_string(&l, root, "nameserver", false);
    if (l.failed) goto failed;
    if (ns)
        c->nameserver = loader_lower_dup(ns);
    else {
        c->nameserver = loader_calloc(zl + 5, 1);
        snprintf(c->nameserver, zl + 5, "ns1.%s", c->zone);
    }
    long long neg = 30;
    if (!loader_int(&l, root, "negativeTtl", 0, 2147483647LL, &neg)) goto failed;
    c->negative_ttl = (uint32_t)neg;
    if (!parse_tables(&l, root) || !parse_coordinates(&l, root)) goto failed;
    json_t *profiles = loader_member(&l, root, "profiles", JSON_ARRAY, "an array");
    if (!profiles) {
        if (!l.failed) loader_fail(&l, "missing required member 'profiles'");
        goto failed;
    }
    size_t total = 0, i;
    json_t *pj;
    json_array_foreach(profiles, i, pj) total += json_array_size(json_object_get(pj, "endpoints"));
    c->endpoints = loader_calloc(total, sizeof *c->endpoints);
    c->endpoint_count = total;
    child_names = loader_calloc(total, sizeof *child_names);
    c->profiles = loader_calloc(json_array_size(profiles), sizeof *c->profiles);
    size_t next = 0;
    loader_push_key(&l, "profiles");
    json_array_foreach(profiles, i, pj)
    {
        loader_push_index(&l, i);
        c->profile_count++;
        if (!parse_profile(&l, pj, &c->profiles[i], i, &child_names, &next)) goto failed;
        for (size_t k = 0; k < i; k++)
            if (strcmp(c->profiles[k].fqdn, c->profiles[i].fqdn) == 0) {
                loader_push_key(&l, "name");
                loader_fail(&l, "duplicate profile name '%s'", c->profiles[i].name);
                goto failed;
            }
        loader_pop(&l);
    }
    c->endpoint_count = next;
    if (!link_children(&l, root, child_names)) goto failed;
    for (size_t k = 0; k < total; k++)
        free(child_names[k]);
    free(child_names);
    json_decref(root);
    return c;
failed:
    if (child_names)
        for (size_t k = 0; k < c->endpoint_count; k++)
            free(child_names[k]);
    free(child_names);
    json_decref(root);
    router_config_free(c);
    return NULL;
}

router_config_t *router_config_load(const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *t = realloc(text, cap);
            if (!t) abort();
            text = t;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    bool bad = ferror(f);
    fclose(f);
    router_config_t *c = NULL;
    if (bad)
        snprintf(err, err_size, "%s: read error", path);
    else
        c = router_config_parse(text, len, path, err, err_size);
    free(text);
    return c;
}

static void free_headers(router_header_t *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        free(h[i].value);
    }
}

void router_config_free(router_config_t *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->endpoint_count; i++) {
        router_endpoint_t *e = &c->endpoints[i];
        free(e->name);
        free(e->target);
        free(e->location);
        for (size_t k = 0; k < e->geo_count; k++)
            free(e->geo[k]);
        free(e->geo);
        free(e->subnets);
        free_headers(e->headers, e->header_count);
    }
    free(c->endpoints);
    for (size_t i = 0; i < c->profile_count; i++) {
        router_profile_t *p = &c->profiles[i];
        free(p->name);
        free(p->fqdn);
        free(p->monitor.path);
        free_headers(p->monitor.headers, p->monitor.header_count);
        free(p->endpoints);
    }
    free(c->profiles);
    for (size_t i = 0; i < c->latency_count; i++)
        free(c->latency[i].rtt_ms);
    free(c->latency);
    for (size_t i = 0; i < c->location_count; i++) {
        for (size_t k = 0; k < c->locations[i].code_count; k++)
            free(c->locations[i].codes[k]);
        free(c->locations[i].codes);
    }
    free(c->locations);
    for (size_t i = 0; i < c->region_count; i++)
        free(c->regions[i]);
    free(c->regions);
    free(c->region_points);
    free(c->zone);
    free(c->nameserver);
    free(c);
}

const router_profile_t *router_config_find(const router_config_t *c, const char *fqdn, size_t len)
{
    if (len && fqdn[len - 1] == '.') len--;
    for (size_t i = 0; i < c->profile_count; i++) {
        const char *f = c->profiles[i].fqdn;
        if (strlen(f) == len && strncasecmp(f, fqdn, len) == 0) return &c->profiles[i];
    }
    return NULL;
}

/* Longest prefix: the narrowest containing range wins. */
static bool narrower(const router_range_t *a, const router_range_t *best)
{
    if (!best) return true;
    router_addr_t wa, wb;
    for (int i = 0; i < 16; i++) {
        wa.b[i] = a->last.b[i] ^ a->first.b[i];
        wb.b[i] = best->last.b[i] ^ best->first.b[i];
    }
    return router_addr_cmp(&wa, &wb) < 0;
}

const router_latency_row_t *router_config_latency(const router_config_t *c, const router_addr_t *a)
{
    const router_latency_row_t *best = NULL;
    for (size_t i = 0; i < c->latency_count; i++)
        if (router_range_contains(&c->latency[i].range, a) &&
            narrower(&c->latency[i].range, best ? &best->range : NULL))
            best = &c->latency[i];
    return best;
}

const router_location_row_t *router_config_location(const router_config_t *c,
                                                    const router_addr_t *a)
{
    const router_location_row_t *best = NULL;
    for (size_t i = 0; i < c->location_count; i++)
        if (router_range_contains(&c->locations[i].range, a) &&
            narrower(&c->locations[i].range, best ? &best->range : NULL))
            best = &c->locations[i];
    return best;
}
