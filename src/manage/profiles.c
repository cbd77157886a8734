/* Traffic-manager profiles, the latency table, the router's document (profiles.h). */
#include "manage/profiles.h"

#include "base/log.h"
#include "manage/gateway_token.h"
#include "manage/locations.h"
#include "router/profile.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIND_PROFILES "trafficManagerProfiles"
#define KIND_LATENCY "trafficManagerLatency"
#define LATENCY_PATH "/" KIND_LATENCY
#define DOC_FILE "profiles" /* the document's name in the loader's messages */

/* The built-in profile's defaults (docs/manage-api.md): probes every 10 s, Degraded after
 * 3 missed ones; a 30 s TTL (spec §1.1). `meridian up` shortens them for one machine. */
#define BUILTIN_TTL 30

static const char *const profile_members[] = {"status", "routingMethod", "ttl", "maxReturn",
                                              "failMode", "sessionAffinityState",
                                              "allowedEndpointRecordTypes", "monitor",
                                              "endpoints", NULL};
/* What a PUT of the built-in profile may set (its endpoints follow the locations). */
static const char *const builtin_members[] = {"status", "ttl", "failMode", "sessionAffinityState",
                                              "monitor", NULL};
static const char *const read_only_members[] = {"fqdn", "isBuiltIn", "probe", NULL};

bool manage_profiles_is_kind(const manage_kind_t *k)
{
    return k && (strcmp(k->type, KIND_PROFILES) == 0 || strcmp(k->type, KIND_LATENCY) == 0);
}

static bool in(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0) return true;
    return false;
}

static const json_t *props_of(const json_t *entry)
{
    return json_object_get(entry, "props");
}

static const char *kind_of(const json_t *entry)
{
    return json_string_value(json_object_get(entry, "kind"));
}

/* ---- addresses ---- */

/* Splits "HOST:PORT" ("[v6]:PORT"); false when malformed. host >= 256 bytes. */
static bool split_address(const char *text, char *host, size_t host_size, int *port)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text) return false;
    size_t hlen = (size_t)(colon - text);
    const char *h = text;
    if (*text == '[') {
        if (hlen < 3 || text[hlen - 1] != ']') return false;
        h++;
        hlen -= 2;
    } else if (memchr(text, ':', hlen)) {
        return false; /* IPv6 without brackets */
    }
    if (hlen == 0 || hlen >= host_size) return false;
    for (size_t i = 0; i < hlen; i++) {
        char ch = h[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '.' || ch == '_' || ch == ':';
        if (!ok) return false;
    }
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 1 || p > 65535) return false;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    return true;
}

int manage_profiles_check_address(const json_t *v, const char *target, manage_error_t *e)
{
    char host[256];
    int port;
    if (!json_is_string(v) || !split_address(json_string_value(v), host, sizeof host, &port))
        return manage_error_set(e, 400, "ValidationError", target,
                                "'gatewayAddress' is \"HOST:PORT\" (IPv6 in brackets), where the "
                                "router reaches the location's gateways.");
    return 0;
}

/* ---- the router's document ---- */

/* A location as the document needs it. */
typedef struct {
    const char *slug, *name;
    bool is_disabled;
    bool has_address; /* gatewayAddress set (else the regional hostname, port 80) */
    char host[256];
    int port;
} location_t;

static size_t read_locations(const json_t *resources, const char *service_name, location_t *out,
                             size_t cap, json_t **regions_doc)
{
    json_t *doc = json_pack("{s:{}}", "service");
    manage_locations_snapshot(resources, service_name, doc);
    *regions_doc = doc; /* owns the strings the locations point into */
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "regions"), i, r) {
        if (n == cap) break;
        location_t *l = &out[n];
        l->slug = json_string_value(json_object_get(r, "slug"));
        l->name = json_string_value(json_object_get(r, "name"));
        if (!l->slug || !l->name) continue;
        l->is_disabled = json_is_true(json_object_get(r, "disableGateway"));
        char path[MANAGE_PATH_MAX];
        snprintf(path, sizeof path, "/locations/%s", l->slug);
        const char *addr = json_string_value(
            json_object_get(props_of(json_object_get(resources, path)), "gatewayAddress"));
        l->has_address = addr && split_address(addr, l->host, sizeof l->host, &l->port);
        if (!l->has_address) {
            snprintf(l->host, sizeof l->host, "%s",
                     json_string_value(json_object_get(r, "regionalHostname")));
            l->port = 80;
        }
        n++;
    }
    return n;
}

static const location_t *find_location(const location_t *locs, size_t n, const char *name)
{
    char slug[MANAGE_SLUG_MAX];
    if (!name || !manage_slugify(name, slug, sizeof slug)) return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(locs[i].slug, slug) == 0) return &locs[i];
    return NULL;
}

static json_t *default_monitor(void)
{
    return json_pack("{s:s, s:i, s:s, s:i, s:i, s:i}", "protocol", "HTTP", "port", 80, "path",
                     MANAGE_STATUS_PATH, "intervalSeconds", 10, "timeoutSeconds", 5,
                     "toleratedFailures", 3);
}

/* The built-in profile's properties (without "name"): overrides from `stored` (may be NULL). */
static json_t *builtin_props(const location_t *locs, size_t n, const json_t *stored)
{
    json_t *eps = json_array();
    /* Once locations have addresses, one without (just added, its address not yet set)
     * waits for its own: a regional host name among IP targets is a mix the router
     * refuses (spec §1.2). */
    bool any_address = false;
    for (size_t i = 0; i < n; i++) any_address |= locs[i].has_address && !locs[i].is_disabled;
    for (size_t i = 0; i < n; i++) {
        if (locs[i].is_disabled) continue; /* spec §5.3: disableGateway leaves the profile */
        if (any_address && !locs[i].has_address) continue;
        json_array_append_new(eps, json_pack("{s:s, s:s, s:i, s:s}", "name", locs[i].slug, "target",
                                             locs[i].host, "port", locs[i].port, "location",
                                             locs[i].name));
    }
    json_t *p = json_pack("{s:s, s:s, s:i, s:o, s:o}", "status", "Enabled", "routingMethod",
                          "Performance", "ttl", BUILTIN_TTL, "monitor", default_monitor(),
                          "endpoints", eps);
    for (const char *const *m = builtin_members; stored && *m; m++) {
        json_t *v = json_object_get(stored, *m);
        if (v) json_object_set(p, *m, v);
    }
    return p;
}

/* A custom profile's properties as the router reads them: gatewayLocation endpoints
 * become targets; those whose location is gone are left out. */
static json_t *custom_props(const json_t *stored, const location_t *locs, size_t n)
{
    json_t *p = json_deep_copy(stored);
    for (const char *const *m = read_only_members; *m; m++) json_object_del(p, *m);
    json_t *eps = json_object_get(p, "endpoints");
    if (!json_is_array(eps)) return p;
    for (size_t i = json_array_size(eps); i-- > 0;) {
        json_t *e = json_array_get(eps, i);
        json_t *ref = json_object_get(e, "gatewayLocation");
        if (!ref) continue;
        const location_t *l = find_location(locs, n, json_string_value(ref));
        if (!l) {
            json_array_remove(eps, i);
            continue;
        }
        json_object_del(e, "gatewayLocation");
        json_object_set_new(e, "target", json_string(l->host));
        if (!json_object_get(e, "port")) json_object_set_new(e, "port", json_integer(l->port));
        if (!json_object_get(e, "location")) json_object_set_new(e, "location", json_string(l->name));
        if (l->is_disabled) json_object_set_new(e, "status", json_string("Disabled"));
    }
    return p;
}

static const char *service_domain(const json_t *regions_doc)
{
    const char *d = json_string_value(json_object_get(json_object_get(regions_doc, "service"), "domain"));
    return d ? d : MANAGE_DEFAULT_DOMAIN;
}

/* The document as JSON; *index_of receives the position in "profiles" of `focus` (a
 * profile name, or NULL). */
static json_t *document(const json_t *resources, const char *service_name, const char *focus,
                        size_t *index_of)
{
    location_t locs[256];
    json_t *regions_doc;
    size_t n = read_locations(resources, service_name, locs, 256, &regions_doc);
    char zone[300], path[MANAGE_PATH_MAX];
    snprintf(zone, sizeof zone, "tm.%s", service_domain(regions_doc));
    json_t *names = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(names, json_string(locs[i].name));
    json_t *doc = json_pack("{s:s, s:o, s:[]}", "zone", zone, "regions", names, "profiles");
    const json_t *latency = props_of(json_object_get(resources, LATENCY_PATH));
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)latency, key, v) json_object_set(doc, key, v);
    json_t *profiles = json_object_get(doc, "profiles");
    snprintf(path, sizeof path, "/" KIND_PROFILES "/%s", service_name);
    json_t *builtin = builtin_props(locs, n, props_of(json_object_get(resources, path)));
    json_object_set_new(builtin, "name", json_string(service_name));
    json_array_append_new(profiles, builtin);
    if (index_of) *index_of = 0;
    json_object_foreach((json_t *)resources, key, v) {
        if (strcmp(kind_of(v), KIND_PROFILES) != 0 || strcmp(key, path) == 0) continue;
        const char *name = strrchr(key, '/') + 1;
        json_t *p = custom_props(props_of(v), locs, n);
        json_object_set_new(p, "name", json_string(name));
        if (focus && index_of && strcmp(focus, name) == 0) *index_of = json_array_size(profiles);
        json_array_append_new(profiles, p);
    }
    json_decref(regions_doc);
    return doc;
}

/* Serializes `doc` and parses it with the router's loader. A custom profile (not the
 * built-in, not `keep`) that makes it fail is dropped (logged) and the rest tried again:
 * a change elsewhere (a location deleted, disabled or readdressed) can break a profile
 * that was valid when written, and the router would refuse the whole document. Returns
 * the text (malloc'd); *failed when the document still does not load (err, where say why). */
static char *serialize_loadable(json_t *doc, const char *keep, bool is_strict, bool *failed, char *err,
                                size_t err_size, char *where, size_t where_size)
{
    char *text = NULL;
    json_t *profiles = json_object_get(doc, "profiles");
    *failed = true;
    for (int tries = 0; tries < 64; tries++) {
        free(text);
        text = json_dumps(doc, JSON_COMPACT);
        if (!text) abort();
        router_config_t *c = router_config_parse_at(text, strlen(text), DOC_FILE, err, err_size, where,
                                                    where_size);
        if (c) {
            router_config_free(c);
            *failed = false;
            break;
        }
        size_t k;
        if (is_strict || sscanf(where, "profiles[%zu]", &k) != 1 || k == 0 ||
            k >= json_array_size(profiles))
            break;
        const char *name = json_string_value(json_object_get(json_array_get(profiles, k), "name"));
        if (keep && name && strcmp(name, keep) == 0) break;
        log_warn("manage: profile '%s' is left out of the router's document: %s", name ? name : "?", err);
        json_array_remove(profiles, k);
    }
    return text;
}

char *manage_profiles_document(const json_t *resources, const char *service_name, size_t *len,
                               char *primary_slug, size_t slug_size)
{
    json_t *doc = document(resources, service_name, NULL, NULL);
    bool failed;
    char err[1024], where[512];
    char *text = serialize_loadable(doc, NULL, false, &failed, err, sizeof err, where, sizeof where);
    if (failed) log_error("manage: the router's document does not load: %s", err);
    json_decref(doc);
    *len = strlen(text);
    json_t *regions = json_pack("{s:{}}", "service");
    manage_locations_snapshot(resources, service_name, regions);
    snprintf(primary_slug, slug_size, "%s",
             json_string_value(json_object_get(json_array_get(json_object_get(regions, "regions"), 0),
                                               "slug"))
                 ?: "");
    json_decref(regions);
    return text;
}

/* Parses the document `next` would give with the router's loader. On an error, the
 * target is the member of `focus` (a profile being written: other profiles broken
 * already are left out as the feed leaves them out), or, with focus NULL (the latency
 * table, a delete), of whatever fails. */
static int check_document(const manage_service_t *s, const json_t *next, const char *focus,
                          manage_error_t *e)
{
    size_t index = 0;
    json_t *doc = document(next, s->service_name, focus, &index);
    char err[1024], where[512];
    bool failed;
    free(serialize_loadable(doc, focus, focus == NULL, &failed, err, sizeof err, where, sizeof where));
    if (failed && focus) {
        /* Dropped profiles moved the focus: find it again. */
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(doc, "profiles"), i, p)
            if (strcmp(json_string_value(json_object_get(p, "name")), focus) == 0) index = i;
    }
    json_decref(doc);
    if (!failed) return 0;
    /* "profiles:LINE:COL: message" → the message; "profiles[I].rest" → properties.rest. */
    const char *msg = err;
    for (int colons = 0; *msg && colons < 3; msg++)
        if (*msg == ':') colons++;
    while (*msg == ' ') msg++;
    char prefix[64], target[600];
    snprintf(prefix, sizeof prefix, "profiles[%zu]", index);
    size_t pl = strlen(prefix);
    if (focus && strncmp(where, prefix, pl) == 0)
        snprintf(target, sizeof target, "properties%s", where + pl);
    else if (!focus && (strncmp(where, "latency", 7) == 0 || strncmp(where, "locations", 9) == 0 ||
                        strncmp(where, "regionCoordinates", 17) == 0))
        snprintf(target, sizeof target, "properties.%s", where);
    else
        snprintf(target, sizeof target, "%s", where[0] ? where : "properties");
    return manage_error_set(e, 400, "ValidationError", target, "%s", msg);
}

static json_t *profile_probe(const char *name);

/* ---- REST ---- */

static void respond_error(manage_response_t *resp, int status, const char *code, const char *target,
                          const char *msg)
{
    manage_error_t e;
    manage_error_set(&e, status, code, target, "%s", msg);
    manage_respond_error(resp, &e);
}

static bool is_builtin(const manage_service_t *s, const manage_call_t *c)
{
    return strcmp(c->route.kind->type, KIND_PROFILES) == 0 && strcmp(c->route.name, s->service_name) == 0;
}

/* The ARM JSON of a profile: stored props (custom) or the generated ones (built-in), with
 * the read-only fqdn and isBuiltIn. */
static json_t *profile_json(const manage_service_t *s, const manage_kind_t *k, const char *path,
                            const char *name)
{
    const json_t *entry = json_object_get(s->resources, path);
    bool builtin = strcmp(name, s->service_name) == 0;
    json_t *props;
    location_t locs[256];
    json_t *regions_doc;
    size_t n = read_locations(s->resources, s->service_name, locs, 256, &regions_doc);
    if (builtin) props = builtin_props(locs, n, props_of(entry));
    else props = json_deep_copy(props_of(entry));
    char fqdn[600];
    snprintf(fqdn, sizeof fqdn, "%s.tm.%s", name, service_domain(regions_doc));
    json_decref(regions_doc);
    json_object_set_new(props, "fqdn", json_string(fqdn));
    json_object_set_new(props, "isBuiltIn", json_boolean(builtin));
    json_t *probe = profile_probe(name);
    if (probe) json_object_set_new(props, "probe", probe);
    json_t *fake = json_pack("{s:o}", "props", props);
    json_t *out = manage_entity_json(s, k, path, fake);
    json_decref(fake);
    return out;
}

static void respond_profile(manage_service_t *s, const manage_call_t *c, manage_response_t *resp, int status)
{
    const json_t *entry = json_object_get(s->resources, c->route.path);
    const char *tag = json_string_value(json_object_get(entry, "etag"));
    if (tag) snprintf(resp->etag, sizeof resp->etag, "%s", tag);
    else snprintf(resp->etag, sizeof resp->etag, "builtin-%lld", (long long)s->revision);
    json_t *body = strcmp(c->route.kind->type, KIND_LATENCY) == 0
                       ? manage_entity_json(s, c->route.kind, c->route.path, entry)
                       : profile_json(s, c->route.kind, c->route.path, c->route.name);
    manage_respond_json(resp, status, body);
}

static void list_profiles(manage_service_t *s, const manage_call_t *c, manage_response_t *resp)
{
    json_t *value = json_array();
    char path[MANAGE_PATH_MAX];
    snprintf(path, sizeof path, "/" KIND_PROFILES "/%s", s->service_name);
    json_array_append_new(value, profile_json(s, c->route.kind, path, s->service_name));
    const char *key;
    json_t *v;
    json_object_foreach(s->resources, key, v) {
        if (strcmp(kind_of(v), KIND_PROFILES) != 0 || strcmp(key, path) == 0) continue;
        json_array_append_new(value, profile_json(s, c->route.kind, key, strrchr(key, '/') + 1));
    }
    manage_respond_json(resp, 200, json_pack("{s:o, s:I}", "value", value, "count",
                                             (json_int_t)json_array_size(value)));
}

/* The properties to store for a PUT/PATCH, checked for their members (the values are
 * checked by the router's loader on the whole document). */
static json_t *stored_props(manage_service_t *s, const manage_call_t *c, const json_t *given,
                            manage_error_t *e)
{
    bool latency = strcmp(c->route.kind->type, KIND_LATENCY) == 0;
    bool builtin = is_builtin(s, c);
    json_t *out = json_object();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)given, key, v) {
        char target[160];
        snprintf(target, sizeof target, "properties.%s", key);
        if (!latency && in(read_only_members, key)) continue;
        bool ok = latency ? strcmp(key, "latency") == 0 || strcmp(key, "locations") == 0 ||
                                strcmp(key, "regionCoordinates") == 0
                          : in(builtin ? builtin_members : profile_members, key);
        if (builtin && (strcmp(key, "endpoints") == 0 || strcmp(key, "routingMethod") == 0)) {
            /* A GET body PUT back carries them: accepted when unchanged. */
            json_t *gen = profile_json(s, c->route.kind, c->route.path, c->route.name);
            bool same = json_equal(v, json_object_get(json_object_get(gen, "properties"), key));
            json_decref(gen);
            if (same) continue;
            manage_error_set(e, 400, "ValidationError", target,
                             "The built-in profile's '%s' follows the service's locations; it "
                             "cannot be set (status, ttl, failMode and monitor can).", key);
            json_decref(out);
            return NULL;
        }
        if (!ok) {
            manage_error_set(e, 400, "ValidationError", target, "Unknown property '%s'.", key);
            json_decref(out);
            return NULL;
        }
        json_object_set(out, key, v);
    }
    if (latency) return out;
    size_t i;
    json_t *ep;
    json_array_foreach(json_object_get(out, "endpoints"), i, ep) {
        json_t *ref = json_object_get(ep, "gatewayLocation");
        if (!ref) continue;
        char target[160];
        snprintf(target, sizeof target, "properties.endpoints[%zu].gatewayLocation", i);
        location_t locs[256];
        json_t *regions_doc;
        size_t n = read_locations(s->resources, s->service_name, locs, 256, &regions_doc);
        bool found = json_is_string(ref) && find_location(locs, n, json_string_value(ref));
        json_decref(regions_doc);
        if (!found || json_object_get(ep, "target") || json_object_get(ep, "profile")) {
            manage_error_set(e, 400, "ValidationError", target,
                             found ? "An endpoint has one of 'gatewayLocation', 'target' or 'profile'."
                                   : "'gatewayLocation' must name a location of the service "
                                     "(its display name or id).");
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static void put(manage_service_t *s, manage_call_t *c, manage_response_t *resp, bool is_patch)
{
    manage_error_t e;
    const json_t *existing = json_object_get(s->resources, c->route.path);
    json_t *body = NULL, *merged = NULL, *props = NULL;
    if (is_patch && !existing && !is_builtin(s, c)) {
        manage_error_set(&e, 404, "ResourceNotFound", c->route.path, "'%s' does not exist.", c->route.path);
        goto error;
    }
    if (manage_check_if_match(c, existing, is_patch && existing, &e) < 0) goto error;
    if (!(body = manage_parse_body(c, false, &e))) goto error;
    json_t *given = manage_body_props(body, false, &e);
    if (!given) goto error;
    if (is_patch) {
        merged = existing ? json_deep_copy(props_of(existing)) : json_object();
        json_object_update(merged, given);
        given = merged;
    }
    if (!(props = stored_props(s, c, given, &e))) goto error;
    bool is_new = existing == NULL;
    int64_t seq = is_new ? s->next_seq++ : (int64_t)json_integer_value(json_object_get(existing, "seq"));
    json_t *next = json_copy(s->resources);
    json_object_set_new(next, c->route.path,
                        manage_entry_new(c->route.kind->type, seq, s->revision + 1, props, NULL));
    props = NULL;
    bool latency = strcmp(c->route.kind->type, KIND_LATENCY) == 0;
    if (check_document(s, next, latency ? NULL : c->route.name, &e) < 0) {
        json_decref(next);
        if (is_new) s->next_seq--;
        goto error;
    }
    if (manage_commit(s, next, c, false, &e) < 0) { /* it took `next` */
        if (is_new) s->next_seq--;
        goto error;
    }
    json_decref(body);
    json_decref(merged);
    respond_profile(s, c, resp, is_new && !is_builtin(s, c) ? 201 : 200);
    return;
error:
    json_decref(body);
    json_decref(merged);
    json_decref(props);
    manage_respond_error(resp, &e);
}

static void delete_profile(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    const json_t *existing = json_object_get(s->resources, c->route.path);
    if (is_builtin(s, c)) {
        respond_error(resp, 409, "Conflict", c->route.path,
                      "The built-in profile follows the service's locations and cannot be deleted "
                      "(set its status to Disabled instead).");
        return;
    }
    if (manage_check_if_match(c, existing, true, &e) < 0) {
        manage_respond_error(resp, &e);
        return;
    }
    if (!existing) {
        resp->status = 204;
        return;
    }
    json_t *next = json_copy(s->resources);
    json_object_del(next, c->route.path);
    /* A profile nested in another cannot go (the loader names the parent). */
    if (check_document(s, next, NULL, &e) < 0) {
        json_decref(next);
        e.status = 409;
        e.code = "Conflict";
        manage_respond_error(resp, &e);
        return;
    }
    if (manage_commit(s, next, c, true, &e) < 0) {
        manage_respond_error(resp, &e);
        return;
    }
    resp->status = 200;
}

void manage_profiles_handle(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    bool read = strcmp(c->method, "GET") == 0 || strcmp(c->method, "HEAD") == 0;
    bool latency = strcmp(c->route.kind->type, KIND_LATENCY) == 0;
    if (c->route.type == MANAGE_ROUTE_COLLECTION) {
        if (read) list_profiles(s, c, resp);
        else respond_error(resp, 405, "MethodNotAllowed", c->route.path, "Allowed: GET.");
        return;
    }
    if (c->route.type != MANAGE_ROUTE_ENTITY) {
        respond_error(resp, 404, "ResourceNotFound", c->route.path, "No such action.");
        return;
    }
    const json_t *existing = json_object_get(s->resources, c->route.path);
    if (read) {
        if (existing || is_builtin(s, c)) {
            respond_profile(s, c, resp, 200);
        } else if (latency) {
            manage_respond_json(resp, 200, json_pack("{s:s, s:s, s:s, s:{s:[], s:[]}}", "id", s->base_path,
                                                     "type", "Microsoft.ApiManagement/service/" KIND_LATENCY,
                                                     "name", KIND_LATENCY, "properties", "latency",
                                                     "locations"));
        } else {
            manage_error_t e;
            manage_error_set(&e, 404, "ResourceNotFound", c->route.path, "'%s' does not exist.",
                             c->route.path);
            manage_respond_error(resp, &e);
        }
    } else if (strcmp(c->method, "PUT") == 0) {
        put(s, c, resp, false);
    } else if (strcmp(c->method, "PATCH") == 0 && !latency) {
        put(s, c, resp, true);
    } else if (strcmp(c->method, "DELETE") == 0 && !latency) {
        delete_profile(s, c, resp);
    } else {
        respond_error(resp, 405, "MethodNotAllowed", c->route.path,
                      latency ? "Allowed: GET, HEAD, PUT." : "Allowed: GET, HEAD, PUT, PATCH, DELETE.");
    }
}

/* ---- the router's probe reports ---- */

static pthread_mutex_t reports_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *reports; /* slug → {"status", "checkedAt"} */
static json_t *profile_reports; /* profile name → {"profileMonitorStatus", "endpoints", "checkedAt"} */

/* The router's last report on one profile (a new reference), or NULL. */
static json_t *profile_probe(const char *name)
{
    pthread_mutex_lock(&reports_lock);
    json_t *p = json_deep_copy(json_object_get(profile_reports, name));
    pthread_mutex_unlock(&reports_lock);
    return p;
}

int manage_profiles_record_report(const char *body, size_t len, const char *service_name, time_t now,
                                  const char **why)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, 0, &jerr);
    json_t *profiles = json_object_get(doc, "profiles");
    if (!json_is_array(profiles)) {
        json_decref(doc);
        *why = "the body is not a router status report ({\"profiles\": [...]})";
        return -1;
    }
    char at[32];
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *fresh = json_object(), *fresh_profiles = json_object();
    size_t i, k;
    json_t *p, *ep;
    json_array_foreach(profiles, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        json_t *eps = json_object_get(p, "endpoints");
        if (name && json_is_array(eps))
            json_object_set_new(fresh_profiles, name,
                                json_pack("{s:O?, s:O, s:s}", "profileMonitorStatus",
                                          json_object_get(p, "profileMonitorStatus"), "endpoints", eps,
                                          "checkedAt", at));
        if (!name || strcmp(name, service_name) != 0) continue;
        json_array_foreach(json_object_get(p, "endpoints"), k, ep) {
            const char *slug = json_string_value(json_object_get(ep, "name"));
            const char *st = json_string_value(json_object_get(ep, "endpointMonitorStatus"));
            if (slug && st)
                json_object_set_new(fresh, slug, json_pack("{s:s, s:s}", "status", st, "checkedAt", at));
        }
    }
    json_decref(doc);
    pthread_mutex_lock(&reports_lock);
    json_decref(reports);
    json_decref(profile_reports);
    reports = fresh;
    profile_reports = fresh_profiles;
    pthread_mutex_unlock(&reports_lock);
    return 0;
}

void manage_profiles_reset_reports(void)
{
    pthread_mutex_lock(&reports_lock);
    json_decref(reports);
    json_decref(profile_reports);
    reports = profile_reports = NULL;
    pthread_mutex_unlock(&reports_lock);
}

void manage_profiles_location_json(const json_t *stored, const char *slug, json_t *props)
{
    json_t *addr = json_object_get(stored, "gatewayAddress");
    if (addr) json_object_set(props, "gatewayAddress", addr);
    pthread_mutex_lock(&reports_lock);
    json_t *probe = json_deep_copy(json_object_get(reports, slug));
    pthread_mutex_unlock(&reports_lock);
    json_t *status = json_object_get(props, "status");
    if (probe && json_is_object(status)) json_object_set_new(status, "probe", probe);
    else json_decref(probe);
}
