/* Locations, gateway keys and tokens, the service's domain and hostnames (locations.h). */
#include "manage/locations.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/redis_url.h"
#include "manage/gateway_token.h"
#include "manage/profiles.h"
#include "manage/units.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KIND "locations"
#define GATEWAY_KEY_BYTES 48
#define TOKEN_FILE_LIFETIME_S (30 * 24 * 3600)

static const json_t *props_of(const json_t *entry)
{
    return json_object_get(entry, "props");
}

static bool is_location(const json_t *entry)
{
    const char *kind = json_string_value(json_object_get(entry, "kind"));
    return kind && strcmp(kind, KIND) == 0;
}

static bool is_primary(const json_t *entry)
{
    return json_is_true(json_object_get(props_of(entry), "isPrimary"));
}

static const char *display_name(const json_t *entry)
{
    const char *n = json_string_value(json_object_get(props_of(entry), "displayName"));
    return n ? n : "";
}

static const char *slug_of_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static const char *service_domain(const json_t *resources)
{
    const json_t *p = json_object_get(props_of(json_object_get(resources, "")), "properties");
    const char *d = json_string_value(json_object_get(p, "domain"));
    return d && *d ? d : MANAGE_DEFAULT_DOMAIN;
}

static void regional_hostname(const json_t *resources, const char *service_name, const char *slug,
                              char *out, size_t n)
{
    snprintf(out, n, "%s-%s-01.regional.%s", service_name, slug, service_domain(resources));
}

/* The locations in the order GET lists them: the primary first, then creation order. */
static size_t ordered_locations(const json_t *resources, const char **paths, size_t cap)
{
    size_t n = 0;
    const char *path;
    json_t *entry;
    for (int pass = 0; pass < 2; pass++)
        json_object_foreach((json_t *)resources, path, entry)
        {
            if (!is_location(entry) || is_primary(entry) != (pass == 0)) continue;
            if (n < cap) paths[n++] = path;
        }
    return n;
}

/* ---- snapshot and the feed's view ---- */

void manage_locations_snapshot(const json_t *resources, const char *service_name, json_t *doc)
{
    json_t *svc = json_object_get(doc, "service");
    const char *domain = service_domain(resources);
    json_object_set_new(svc, "domain", json_string(domain));
    json_t *hostnames = json_array();
    char host[600];
    snprintf(host, sizeof host, "%s.%s", service_name, domain);
    json_array_append_new(hostnames, json_string(host));
    const json_t *sp = json_object_get(props_of(json_object_get(resources, "")), "properties");
    size_t i;
    json_t *hc;
    json_array_foreach(json_object_get(sp, "hostnameConfigurations"), i, hc)
    {
        const char *type = json_string_value(json_object_get(hc, "type"));
        const char *name = json_string_value(json_object_get(hc, "hostName"));
        if (type && name && strcmp(type, "Proxy") == 0) json_array_append_new(hostnames, json_string(name));
    }
    json_object_set_new(svc, "hostnames", hostnames);

    const char *paths[256];
    size_t n = ordered_locations(resources, paths, 256);
    json_t *regions = json_array();
    for (size_t k = 0; k < n; k++) {
        const json_t *e = json_object_get(resources, paths[k]);
        const json_t *p = props_of(e);
        const char *slug = slug_of_path(paths[k]);
        regional_hostname(resources, service_name, slug, host, sizeof host);
        json_t *r = json_pack("{s:s, s:s, s:b, s:I, s:b, s:s}", "name", display_name(e), "slug", slug,
                              "primary", is_primary(e), "units",
                              (json_int_t)json_integer_value(json_object_get(p, "units")),
                              "disableGateway", json_is_true(json_object_get(p, "disableGateway")),
                              "regionalHostname", host);
        if (!r) abort();
        /* the gateway's counters and cache (docs/limits.md "Redis") */
        if (json_object_get(p, "redis")) json_object_set(r, "redis", json_object_get(p, "redis"));
        json_array_append_new(regions, r);
    }
    if (n == 0) {
        /* A resource set without locations (unit tests build snapshots from bare sets):
         * the service's location is the primary region. */
        const char *loc = json_string_value(json_object_get(props_of(json_object_get(resources, "")), "location"));
        json_array_append_new(regions, json_pack("{s:s, s:b}", "name", loc ? loc : "West US",
                                                 "primary", true));
    }
    json_object_set_new(doc, "regions", regions);
}

json_t *manage_locations_keys(const json_t *resources)
{
    json_t *out = json_object();
    const char *path;
    json_t *entry;
    json_object_foreach((json_t *)resources, path, entry)
    {
        if (!is_location(entry)) continue;
        const json_t *sec = json_object_get(entry, "secrets");
        json_object_set_new(out, slug_of_path(path),
                            json_pack("{s:s, s:s, s:s}", "displayName", display_name(entry),
                                      "primaryKey", json_string_value(json_object_get(sec, "primaryKey")),
                                      "secondaryKey",
                                      json_string_value(json_object_get(sec, "secondaryKey"))));
    }
    return out;
}

/* ---- token files ---- */

/* DATA/gateway-tokens/{slug}.token: a fresh 30-day token made with the primary key, for a
 * local launcher; temp file, fsync, rename (the file is a secret: 0600, dir 0700). */
static int write_token_file(const manage_service_t *s, const char *slug, const json_t *entry)
{
    const char *key = json_string_value(json_object_get(json_object_get(entry, "secrets"), "primaryKey"));
    char dir[1024], path[1200], tmp[1300], token[MANAGE_TOKEN_MAX];
    if (!key) return -1;
    snprintf(dir, sizeof dir, "%s/gateway-tokens", s->data_dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        log_error("cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (manage_token_make(slug, key, time(NULL) + TOKEN_FILE_LIFETIME_S, token, sizeof token) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s.token", dir, slug);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_error("cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t len = strlen(token);
    bool ok = write(fd, token, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) < 0) {
        log_error("cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void remove_token_file(const manage_service_t *s, const char *slug)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/gateway-tokens/%s.token", s->data_dir, slug);
    if (unlink(path) < 0 && errno != ENOENT) log_warn("cannot remove %s: %s", path, strerror(errno));
}

static json_t *new_keys(void)
{
    char *p = manage_random_base64(GATEWAY_KEY_BYTES, false);
    char *q = manage_random_base64(GATEWAY_KEY_BYTES, false);
    json_t *k = json_pack("{s:s, s:s}", "primaryKey", p, "secondaryKey", q);
    free(p);
    free(q);
    if (!k) abort();
    return k;
}

int manage_locations_open(manage_service_t *s, char **err)
{
    const char *path;
    json_t *entry;
    bool has_primary = false;
    json_object_foreach(s->resources, path, entry) has_primary = has_primary || (is_location(entry) && is_primary(entry));
    if (!has_primary) {
        const char *loc = json_string_value(json_object_get(props_of(json_object_get(s->resources, "")), "location"));
        char slug[MANAGE_SLUG_MAX], p[MANAGE_SLUG_MAX + 16];
        if (manage_slugify(loc, slug, sizeof slug) == 0) {
            if (asprintf(err, "the location \"%s\" has no letters or digits to name it by", loc) < 0)
                *err = NULL;
            return -1;
        }
        snprintf(p, sizeof p, "/locations/%s", slug);
        json_t *props = json_pack("{s:s, s:i, s:b, s:b}", "displayName", loc, "units", 1,
                                  "disableGateway", false, "isPrimary", true);
        json_t *e = manage_entry_new(KIND, 0, s->revision, props, new_keys());
        char *ptext = json_dumps(props, JSON_COMPACT), *stext = json_dumps(json_object_get(e, "secrets"), JSON_COMPACT);
        manage_store_row_t row = {p, KIND, 0, json_string_value(json_object_get(e, "etag")), ptext, stext};
        int rc = manage_store_put_row(s->store, &row, err);
        free(ptext);
        free(stext);
        if (rc < 0) {
            json_decref(e);
            return -1;
        }
        /* First in the object too: the snapshot lists the primary first anyway. */
        json_object_set_new(s->resources, p, e);
    }
    json_object_foreach(s->resources, path, entry)
        if (is_location(entry)) write_token_file(s, slug_of_path(path), entry);
    return 0;
}

int manage_locations_set_primary(const manage_service_t *s, json_t *next, json_t *service_props,
                                 manage_error_t *e)
{
    const char *name = json_string_value(json_object_get(service_props, "location"));
    char slug[MANAGE_SLUG_MAX], path[MANAGE_SLUG_MAX + 16];
    if (manage_slugify(name, slug, sizeof slug) == 0)
        return manage_error_set(e, 400, "ValidationError", "location",
                                "The location \"%s\" has no letters or digits to name it by.", name);
    snprintf(path, sizeof path, "/locations/%s", slug);
    const json_t *target = json_object_get(s->resources, path);
    if (!target)
        return manage_error_set(e, 400, "ValidationError", "location",
                                "The location '%s' does not exist: add it first (PUT {svc}/locations/%s), "
                                "then make it the primary.",
                                name, slug);
    json_object_set_new(service_props, "location", json_string(display_name(target)));
    if (is_primary(target)) return 0;
    const char *p;
    json_t *entry;
    json_object_foreach(s->resources, p, entry)
    {
        if (!is_location(entry) || (!is_primary(entry) && entry != target)) continue;
        json_t *props = json_copy(json_object_get(entry, "props"));
        json_object_set_new(props, "isPrimary", json_boolean(entry == target));
        json_object_set_new(next, p,
                            manage_entry_new(KIND, (int64_t)json_integer_value(json_object_get(entry, "seq")),
                                             s->revision + 1, props,
                                             json_copy(json_object_get(entry, "secrets"))));
    }
    return 0;
}

/* ---- service properties ---- */

static bool is_host_name(const char *h, size_t max)
{
    size_t n = strlen(h), label = 0;
    if (n == 0 || n > max || h[0] == '.' || h[n - 1] == '.' || h[0] == '-') return false;
    for (const char *p = h; *p; p++) {
        char c = *p;
        if (c == '.') {
            if (label == 0 || p[-1] == '-') return false;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
        if (++label > 63) return false;
    }
    return true;
}

int manage_locations_check_service(const json_t *given, manage_error_t *e)
{
    const json_t *d = json_object_get(given, "domain");
    if (d && !json_is_null(d) && (!json_is_string(d) || !is_host_name(json_string_value(d), 200)))
        return manage_error_set(e, 400, "ValidationError", "properties.domain",
                                "'domain' must be a DNS name of lower-case letters, digits, '-' and "
                                "'.' (like \"meridian.local\"), at most 200 characters.");
    const json_t *hcs = json_object_get(given, "hostnameConfigurations");
    if (!hcs || json_is_null(hcs)) return 0;
    if (!json_is_array(hcs) || json_array_size(hcs) > 64)
        return manage_error_set(e, 400, "ValidationError", "properties.hostnameConfigurations",
                                "'hostnameConfigurations' must be an array of at most 64 objects.");
    size_t i;
    json_t *hc;
    json_array_foreach(hcs, i, hc)
    {
        char target[80];
        snprintf(target, sizeof target, "properties.hostnameConfigurations[%zu]", i);
        if (!json_is_object(hc))
            return manage_error_set(e, 400, "ValidationError", target, "Each hostname configuration must be an object.");
        const char *key;
        json_t *v;
        json_object_foreach(hc, key, v)
        {
            bool is_str = strcmp(key, "type") == 0 || strcmp(key, "hostName") == 0;
            bool is_bool = strcmp(key, "negotiateClientCertificate") == 0 || strcmp(key, "defaultSslBinding") == 0;
            if (!is_str && !is_bool)
                return manage_error_set(e, 400, "ValidationError", target,
                                        "Unknown member '%s' (allowed: type, hostName, "
                                        "negotiateClientCertificate, defaultSslBinding).", key);
            if ((is_str && !json_is_string(v)) || (is_bool && !json_is_boolean(v)))
                return manage_error_set(e, 400, "ValidationError", target, "'%s' must be %s.", key,
                                        is_str ? "a string" : "a boolean");
        }
        const char *type = json_string_value(json_object_get(hc, "type"));
        const char *host = json_string_value(json_object_get(hc, "hostName"));
        static const char *const types[] = {"Proxy", "Portal", "Management", "Scm", "DeveloperPortal", NULL};
        bool known = false;
        for (const char *const *t = types; *t && type; t++) known = known || strcmp(*t, type) == 0;
        if (!known)
            return manage_error_set(e, 400, "ValidationError", target,
                                    "'type' must be one of Proxy, Portal, Management, Scm, "
                                    "DeveloperPortal.");
        if (!host || !is_host_name(host, 253))
            return manage_error_set(e, 400, "ValidationError", target,
                                    "'hostName' must be a lower-case DNS name (like "
                                    "\"api.contoso.com\").");
    }
    return 0;
}

/* ---- REST ---- */

static json_t *location_json(manage_service_t *s, const char *path, const json_t *entry)
{
    const json_t *p = props_of(entry);
    const char *slug = slug_of_path(path);
    char host[600], *id;
    regional_hostname(s->resources, s->service_name, slug, host, sizeof host);
    if (asprintf(&id, "%s%s", s->base_path, path) < 0) abort();
    bool disabled = json_is_true(json_object_get(p, "disableGateway"));
    json_t *props = json_pack(
        "{s:s, s:I, s:b, s:b, s:s, s:s, s:o}", "displayName", display_name(entry), "units",
        (json_int_t)json_integer_value(json_object_get(p, "units")), "disableGateway", disabled,
        "isPrimary", is_primary(entry), "regionalHostname", host, "statusPath", MANAGE_STATUS_PATH,
        "status", manage_units_status(s->units, slug, s->revision, disabled, clock_mono_ms()));
    manage_profiles_location_json(p, slug, props);
    if (json_object_get(p, "redis")) json_object_set(props, "redis", json_object_get(p, "redis"));
    json_t *out = json_pack("{s:s, s:s, s:s, s:o}", "id", id, "type",
                            "Microsoft.ApiManagement/service/locations", "name", slug, "properties", props);
    free(id);
    if (!out) abort();
    return out;
}

static void not_found(manage_response_t *resp, const char *path)
{
    manage_error_t e;
    manage_error_set(&e, 404, "ResourceNotFound", path, "The location '%s' does not exist.", slug_of_path(path));
    manage_respond_error(resp, &e);
}

static void respond_location(manage_service_t *s, const char *path, manage_response_t *resp, int status)
{
    const json_t *entry = json_object_get(s->resources, path);
    snprintf(resp->etag, sizeof resp->etag, "%s", json_string_value(json_object_get(entry, "etag")));
    manage_respond_json(resp, status, location_json(s, path, entry));
}

static void list_locations(manage_service_t *s, manage_response_t *resp)
{
    const char *paths[256];
    size_t n = ordered_locations(s->resources, paths, 256);
    json_t *value = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(value, location_json(s, paths[i], json_object_get(s->resources, paths[i])));
    manage_respond_json(resp, 200, json_pack("{s:o, s:I}", "value", value, "count", (json_int_t)n));
}

static json_t *parse_object_body(const manage_call_t *c, bool is_empty_ok, manage_error_t *e)
{
    if (c->raw->body_len == 0) {
        if (is_empty_ok) return json_object();
        manage_error_set(e, 400, "InvalidRequestContent", "body",
                         "The request body is empty; send a JSON object.");
        return NULL;
    }
    json_error_t jerr;
    json_t *body = json_loadb(c->raw->body, c->raw->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!body || !json_is_object(body)) {
        manage_error_set(e, 400, "InvalidRequestContent", "body",
                         body ? "The request body must be a JSON object."
                              : "The request body is not valid JSON: %s (line %d, column %d).",
                         jerr.text, jerr.line, jerr.column);
        json_decref(body);
        return NULL;
    }
    return body;
}

/* The properties to store from a PUT/PATCH body (`base` = the existing props for PATCH
 * and for PUT on an existing location, whose unspecified members are then kept from it
 * for displayName only). */
/* properties.redis (docs/limits.md "Redis"): {"url": "redis://HOST[:PORT][/DB]",
 * "counting": "regional"|"global", "failure": "open"|"closed"}; null removes it. Checked
 * here so that a gateway never receives one it would refuse; the gateway copies it from the
 * snapshot's region entry. Returns 0, or -1 with the error set. */
static int check_redis(const json_t *v, manage_error_t *e)
{
    if (json_is_null(v)) return 0;
    if (!json_is_object(v)) {
        manage_error_set(e, 400, "ValidationError", "properties.redis",
                         "'redis' must be an object {\"url\", \"counting\", \"failure\"} or null.");
        return -1;
    }
    const char *key;
    json_t *m;
    json_object_foreach((json_t *)v, key, m)
    {
        char target[160];
        snprintf(target, sizeof target, "properties.redis.%s", key);
        const char *text = json_string_value(m);
        if (strcmp(key, "url") == 0) {
            const char *why = "must be a string";
            redis_url_t parsed;
            if (text && strchr(text, '?')) why = "counting and failure are members of 'redis', not a query";
            if (!text || strchr(text, '?') || redis_url_parse(text, &parsed, &why) < 0) {
                manage_error_set(e, 400, "ValidationError", target,
                                 "'url' must be redis://HOST[:PORT][/DB]: %s.", why);
                return -1;
            }
        } else if (strcmp(key, "counting") == 0) {
            if (!text || (strcmp(text, "regional") && strcmp(text, "global"))) {
                manage_error_set(e, 400, "ValidationError", target,
                                 "'counting' must be \"regional\" or \"global\".");
                return -1;
            }
        } else if (strcmp(key, "failure") == 0) {
            if (!text || (strcmp(text, "open") && strcmp(text, "closed"))) {
                manage_error_set(e, 400, "ValidationError", target,
                                 "'failure' must be \"open\" (limits are not enforced while Redis "
                                 "is unreachable) or \"closed\" (requests are refused).");
                return -1;
            }
        } else {
            manage_error_set(e, 400, "ValidationError", target,
                             "Unknown member '%s' of 'redis' (allowed: url, counting, failure).", key);
            return -1;
        }
    }
    if (!json_is_string(json_object_get(v, "url"))) {
        manage_error_set(e, 400, "ValidationError", "properties.redis.url", "'url' is required.");
        return -1;
    }
    return 0;
}

static json_t *location_props(const manage_call_t *c, json_t *body, const json_t *existing, bool is_patch,
                              manage_error_t *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "properties") && strcmp(key, "id") && strcmp(key, "name") && strcmp(key, "type")) {
            manage_error_set(e, 400, "InvalidRequestContent", key,
                             "Unknown member '%s' (a body is {\"properties\": {...}}).", key);
            return NULL;
        }
    }
    json_t *given = json_object_get(body, "properties");
    if (given && !json_is_object(given)) {
        manage_error_set(e, 400, "InvalidRequestContent", "properties", "'properties' must be an object.");
        return NULL;
    }
    const json_t *old = existing ? props_of(existing) : NULL;
    json_t *p = json_object();
    json_object_set_new(p, "displayName", json_string(old ? display_name(existing) : ""));
    json_object_set_new(p, "units", json_integer(old && is_patch ? json_integer_value(json_object_get(old, "units")) : 1));
    json_object_set_new(p, "disableGateway",
                        json_boolean(old && is_patch && json_is_true(json_object_get(old, "disableGateway"))));
    json_object_set_new(p, "isPrimary", json_boolean(existing && is_primary(existing)));
    if (old && is_patch && json_object_get(old, "gatewayAddress"))
        json_object_set(p, "gatewayAddress", json_object_get(old, "gatewayAddress"));
    if (old && is_patch && json_object_get(old, "redis"))
        json_object_set(p, "redis", json_object_get(old, "redis"));
    json_object_foreach(given, key, v)
    {
        char target[160];
        snprintf(target, sizeof target, "properties.%s", key);
        if (strcmp(key, "isPrimary") == 0 || strcmp(key, "regionalHostname") == 0 ||
            strcmp(key, "statusPath") == 0 || strcmp(key, "status") == 0)
            continue; /* read-only: accepted so that a GET body can be PUT back */
        if (strcmp(key, "displayName") == 0) {
            if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 100) {
                manage_error_set(e, 400, "ValidationError", target, "'displayName' must be a string of 1-100 characters.");
                goto fail;
            }
            json_object_set(p, key, v);
        } else if (strcmp(key, "units") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > MANAGE_UNITS_MAX) {
                manage_error_set(e, 400, "ValidationError", target, "'units' must be an integer from 1 to %d.", MANAGE_UNITS_MAX);
                goto fail;
            }
            json_object_set(p, key, v);
        } else if (strcmp(key, "disableGateway") == 0) {
            if (!json_is_boolean(v)) {
                manage_error_set(e, 400, "ValidationError", target, "'disableGateway' must be true or false.");
                goto fail;
            }
            json_object_set(p, key, v);
        } else if (strcmp(key, "gatewayAddress") == 0) {
            /* Where the router reaches the location's units (profiles.h). */
            if (json_is_null(v)) {
                json_object_del(p, key);
                continue;
            }
            if (manage_profiles_check_address(v, target, e) < 0) goto fail;
            json_object_set(p, key, v);
        } else if (strcmp(key, "redis") == 0) {
            if (check_redis(v, e) < 0) goto fail;
            if (json_is_null(v)) json_object_del(p, key);
            else json_object_set(p, key, v);
        } else {
            manage_error_set(e, 400, "ValidationError", target,
                             "Unknown property '%s' (allowed: displayName, units, disableGateway, "
                             "gatewayAddress, redis).", key);
            goto fail;
        }
    }
    const char *name = json_string_value(json_object_get(p, "displayName"));
    char slug[MANAGE_SLUG_MAX];
    if (!*name) {
        manage_error_set(e, 400, "ValidationError", "properties.displayName",
                         "'displayName' is required (like \"East Asia\").");
        goto fail;
    }
    if (!manage_utf8_is_valid(name) || manage_slugify(name, slug, sizeof slug) == 0 ||
        strcmp(slug, c->route.name) != 0) {
        manage_error_set(e, 400, "ValidationError", "properties.displayName",
                         "The location id must be the display name's slug (letters and digits, "
                         "lower-cased): \"%s\" is '%s', not '%s'.",
                         name, slug, c->route.name);
        goto fail;
    }
    return p;
fail:
    json_decref(p);
    return NULL;
}

static void put_location(manage_service_t *s, manage_call_t *c, manage_response_t *resp, bool is_patch)
{
    manage_error_t e;
    const json_t *existing = json_object_get(s->resources, c->route.path);
    json_t *body = NULL, *props = NULL;
    if (is_patch && !existing) {
        not_found(resp, c->route.path);
        return;
    }
    if (manage_check_if_match(c, existing, is_patch, &e) < 0) goto error;
    if (!(body = parse_object_body(c, false, &e))) goto error;
    if (!(props = location_props(c, body, existing, is_patch, &e))) goto error;
    bool is_new = existing == NULL;
    int64_t seq = is_new ? s->next_seq++ : (int64_t)json_integer_value(json_object_get(existing, "seq"));
    json_t *secrets = is_new ? new_keys() : json_copy(json_object_get(existing, "secrets"));
    json_t *next = json_copy(s->resources);
    if (existing && is_primary(existing) && strcmp(display_name(existing), json_string_value(json_object_get(props, "displayName"))) != 0) {
        /* The service's `location` is the primary's display name. */
        const json_t *svc = json_object_get(s->resources, "");
        json_t *sp = json_copy(json_object_get(svc, "props"));
        json_object_set(sp, "location", json_object_get(props, "displayName"));
        json_object_set_new(next, "", manage_entry_new("service", 0, s->revision + 1, sp, NULL));
    }
    json_object_set_new(next, c->route.path, manage_entry_new(KIND, seq, s->revision + 1, props, secrets));
    props = NULL;
    if (manage_commit(s, next, c, false, &e) < 0) {
        if (is_new) s->next_seq--;
        goto error;
    }
    if (is_new) write_token_file(s, c->route.name, json_object_get(s->resources, c->route.path));
    json_decref(body);
    respond_location(s, c->route.path, resp, is_new ? 201 : 200);
    return;
error:
    json_decref(body);
    json_decref(props);
    manage_respond_error(resp, &e);
}

static void delete_location(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    const json_t *existing = json_object_get(s->resources, c->route.path);
    if (!c->raw->if_match) {
        manage_check_if_match(c, existing, true, &e);
        manage_respond_error(resp, &e);
        return;
    }
    if (!existing) {
        resp->status = 204;
        return;
    }
    if (manage_check_if_match(c, existing, true, &e) < 0) {
        manage_respond_error(resp, &e);
        return;
    }
    if (is_primary(existing)) {
        manage_error_set(&e, 409, "Conflict", c->route.path,
                         "'%s' is the primary location: it is where the service runs and cannot be deleted.",
                         display_name(existing));
        manage_respond_error(resp, &e);
        return;
    }
    json_t *next = json_copy(s->resources);
    json_object_del(next, c->route.path);
    if (manage_commit(s, next, c, true, &e) < 0) {
        manage_respond_error(resp, &e);
        return;
    }
    manage_units_forget(s->units, c->route.name);
    remove_token_file(s, c->route.name);
    resp->status = 200;
}

/* ISO 8601 UTC date-time: "2026-12-24T00:00:00Z", optional fraction, "Z" or "+00:00". */
static int parse_utc(const char *t, time_t *out)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 || used != 19)
        return -1;
    const char *p = t + used;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return -1;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0) return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    *out = timegm(&tm);
    return 0;
}

static const char *key_type(const json_t *body, manage_error_t *e)
{
    const char *kt = json_string_value(json_object_get(body, "keyType"));
    if (!kt || (strcmp(kt, "primary") != 0 && strcmp(kt, "secondary") != 0)) {
        manage_error_set(e, 400, "ValidationError", "keyType", "'keyType' must be \"primary\" or \"secondary\".");
        return NULL;
    }
    return strcmp(kt, "primary") == 0 ? "primaryKey" : "secondaryKey";
}

static int check_members(const json_t *body, const char *const *allowed, manage_error_t *e)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++) ok = ok || strcmp(*a, key) == 0;
        if (!ok) return manage_error_set(e, 400, "InvalidRequestContent", key, "Unknown member '%s'.", key);
    }
    return 0;
}

static void run_action(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    const json_t *entry = json_object_get(s->resources, c->route.path);
    json_t *body = NULL;
    if (!entry) {
        not_found(resp, c->route.path);
        return;
    }
    const json_t *secrets = json_object_get(entry, "secrets");
    if (strcmp(c->route.action, "listKeys") == 0) {
        manage_respond_json(resp, 200, json_pack("{s:O, s:O}", "primary", json_object_get(secrets, "primaryKey"),
                                                 "secondary", json_object_get(secrets, "secondaryKey")));
        return;
    }
    if (!(body = parse_object_body(c, false, &e))) goto error;
    if (strcmp(c->route.action, "regenerateKey") == 0) {
        static const char *const allowed[] = {"keyType", NULL};
        const char *which;
        if (check_members(body, allowed, &e) < 0 || !(which = key_type(body, &e))) goto error;
        json_t *sec = json_copy((json_t *)secrets);
        char *k = manage_random_base64(GATEWAY_KEY_BYTES, false);
        json_object_set_new(sec, which, json_string(k));
        free(k);
        json_t *next = json_copy(s->resources);
        json_object_set_new(next, c->route.path,
                            manage_entry_new(KIND, (int64_t)json_integer_value(json_object_get(entry, "seq")),
                                             s->revision + 1, json_copy(json_object_get(entry, "props")), sec));
        if (manage_commit(s, next, c, false, &e) < 0) goto error;
        /* The file's token was made with the primary key: keep it usable. */
        write_token_file(s, c->route.name, json_object_get(s->resources, c->route.path));
        json_decref(body);
        resp->status = 204;
        return;
    }
    /* generateToken */
    static const char *const allowed[] = {"keyType", "expiry", NULL};
    const char *which;
    if (check_members(body, allowed, &e) < 0 || !(which = key_type(body, &e))) goto error;
    const char *exp_text = json_string_value(json_object_get(body, "expiry"));
    time_t expiry, now = time(NULL);
    if (!exp_text || parse_utc(exp_text, &expiry) < 0) {
        manage_error_set(&e, 400, "ValidationError", "expiry",
                         "'expiry' must be a UTC date-time like \"2026-12-24T00:00:00Z\".");
        goto error;
    }
    if (expiry <= now || expiry > now + MANAGE_TOKEN_MAX_AHEAD_S) {
        manage_error_set(&e, 400, "ValidationError", "expiry",
                         "'expiry' must be in the future and at most 30 days ahead.");
        goto error;
    }
    char token[MANAGE_TOKEN_MAX];
    if (manage_token_make(c->route.name, json_string_value(json_object_get(secrets, which)), expiry, token,
                          sizeof token) < 0) {
        manage_error_set(&e, 500, "InternalServerError", c->route.path, "The token could not be made.");
        goto error;
    }
    json_decref(body);
    manage_respond_json(resp, 200, json_pack("{s:s}", "value", token));
    return;
error:
    json_decref(body);
    manage_respond_error(resp, &e);
}

static void method_not_allowed(const manage_call_t *c, manage_response_t *resp, const char *allowed)
{
    manage_error_t e;
    manage_error_set(&e, 405, "MethodNotAllowed", c->route.path, "The method '%s' is not allowed here (allowed: %s).",
                     c->method, allowed);
    manage_respond_error(resp, &e);
}

void manage_locations_handle(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    bool is_read = strcmp(c->method, "GET") == 0 || strcmp(c->method, "HEAD") == 0;
    switch (c->route.type) {
    case MANAGE_ROUTE_COLLECTION:
        if (strcmp(c->method, "GET") == 0) list_locations(s, resp);
        else method_not_allowed(c, resp, "GET");
        return;
    case MANAGE_ROUTE_ACTION:
        if (strcmp(c->method, "POST") == 0) run_action(s, c, resp);
        else method_not_allowed(c, resp, "POST");
        return;
    default:
        break;
    }
    char slug[MANAGE_SLUG_MAX];
    bool is_slug = manage_slugify(c->route.name, slug, sizeof slug) > 0 && strcmp(slug, c->route.name) == 0;
    if (is_read) {
        if (!json_object_get(s->resources, c->route.path)) not_found(resp, c->route.path);
        else respond_location(s, c->route.path, resp, 200);
    } else if (strcmp(c->method, "PUT") == 0 || strcmp(c->method, "PATCH") == 0) {
        if (!is_slug) {
            manage_error_t e;
            manage_error_set(&e, 400, "ValidationError", c->route.path,
                             "A location id is its display name's slug: at most %d lower-case letters and "
                             "digits (\"East Asia\" is 'eastasia'), not '%s'.",
                             MANAGE_SLUG_MAX - 1, c->route.name);
            manage_respond_error(resp, &e);
            return;
        }
        put_location(s, c, resp, strcmp(c->method, "PATCH") == 0);
    } else if (strcmp(c->method, "DELETE") == 0) {
        delete_location(s, c, resp);
    } else {
        method_not_allowed(c, resp, "GET, HEAD, PUT, PATCH, DELETE");
    }
}
