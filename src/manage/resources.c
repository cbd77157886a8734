/* The management API's resource model (resources.h): path routing and property checks.
 * Field lists follow the vendor's ARM contracts (spec §6.4) for the fields the gateway
 * uses or the contract names (../wt/MANAGE-CONTRACT.md); anything else is refused as an
 * unknown field rather than silently dropped, so a typo never looks accepted. */
#include "manage/resources.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0. */
static size_t utf8_sequence(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    size_t n = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                                              : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;
    if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
    return n;
}

/* Error texts quote what the client sent (paths, query values), which need not be UTF-8;
 * JSON strings must be (RFC 8259 §8.1): every byte of an invalid sequence becomes '?'. */
void manage_utf8_repair(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        size_t n = utf8_sequence(p);
        if (n == 0) *p++ = '?';
        else p += n;
    }
}

bool manage_utf8_is_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_sequence(p);
        if (n == 0) return false;
        p += n;
    }
    return true;
}

int manage_error_set(manage_error_t *e, int status, const char *code, const char *target,
                     const char *fmt, ...)
{
    e->status = status;
    e->code = code;
    e->line = e->column = 0;
    e->detail[0] = '\0';
    snprintf(e->target, sizeof e->target, "%s", target ? target : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    manage_utf8_repair(e->message);
    manage_utf8_repair(e->target);
    return -1;
}

/* ---- field tables ---- */

#define S(n) {n, MANAGE_FIELD_STRING, false, false, NULL, 0}
#define SL(n, max) {n, MANAGE_FIELD_STRING, false, false, NULL, max}
#define SR(n, max) {n, MANAGE_FIELD_STRING, true, false, NULL, max}
#define B(n) {n, MANAGE_FIELD_BOOL, false, false, NULL, 0}
#define RO(n, t) {n, t, false, true, NULL, 0}
#define END {NULL, 0, false, false, NULL, 0}

static const char *const protocols[] = {"http", "https", "ws", "wss", NULL};
static const char *const api_types[] = {"http", "soap", "websocket", "graphql", NULL};
static const char *const import_formats[] = {"openapi", "openapi+json", "swagger-json", NULL};
static const char *const policy_formats[] = {"xml", "rawxml", NULL};
static const char *const schemes[] = {"Segment", "Query", "Header", NULL};
static const char *const product_states[] = {"notPublished", "published", NULL};
static const char *const sub_states[] = {"active",    "suspended", "submitted",
                                         "rejected",  "cancelled", "expired", NULL};
static const char *const backend_protocols[] = {"http", "soap", NULL};
static const char *const user_states[] = {"active", "blocked", "pending", "deleted", NULL};

const manage_field_t manage_service_fields[] = {
    SL("publisherEmail", 100), SL("publisherName", 100), RO("gatewayUrl", MANAGE_FIELD_STRING),
    /* checked further by manage_locations_check_service */
    SL("domain", 200), {"hostnameConfigurations", MANAGE_FIELD_ARRAY, false, false, NULL, 0},
    RO("provisioningState", MANAGE_FIELD_STRING), END};

static const manage_field_t api_fields[] = {
    SL("displayName", 300),
    SR("path", 400),
    SL("serviceUrl", 2000),
    {"protocols", MANAGE_FIELD_STRING_ARRAY, false, false, protocols, 0},
    S("description"),
    B("subscriptionRequired"),
    {"subscriptionKeyParameterNames", MANAGE_FIELD_OBJECT, false, false, NULL, 0},
    SL("apiVersion", 100),
    SL("apiVersionSetId", 2000),
    SL("apiRevision", 100),
    B("isCurrent"),
    {"type", MANAGE_FIELD_STRING, false, false, api_types, 0},
    S("apiVersionDescription"),
    S("apiRevisionDescription"),
    {"format", MANAGE_FIELD_STRING, false, false, import_formats, 0},
    S("value"),
    RO("isOnline", MANAGE_FIELD_BOOL),
    END};

static const manage_field_t operation_fields[] = {
    SR("displayName", 300),
    SR("method", 100),
    SR("urlTemplate", 1000),
    {"templateParameters", MANAGE_FIELD_ARRAY, false, false, NULL, 0},
    S("description"),
    {"request", MANAGE_FIELD_OBJECT, false, false, NULL, 0},
    {"responses", MANAGE_FIELD_ARRAY, false, false, NULL, 0},
    S("policies"),
    END};

static const manage_field_t policy_fields[] = {
    SR("value", 0), {"format", MANAGE_FIELD_STRING, false, false, policy_formats, 0}, END};

static const manage_field_t fragment_fields[] = {
    SR("value", 0), {"format", MANAGE_FIELD_STRING, false, false, policy_formats, 0},
    SL("description", 1000), END};

static const manage_field_t version_set_fields[] = {
    SR("displayName", 100),
    {"versioningScheme", MANAGE_FIELD_STRING, true, false, schemes, 0},
    SL("versionQueryName", 100),
    SL("versionHeaderName", 100),
    S("description"),
    END};

static const manage_field_t product_fields[] = {
    SR("displayName", 300),
    SL("description", 1000),
    S("terms"),
    B("subscriptionRequired"),
    B("approvalRequired"),
    {"subscriptionsLimit", MANAGE_FIELD_INT, false, false, NULL, 0},
    {"state", MANAGE_FIELD_STRING, false, false, product_states, 0},
    END};

static const manage_field_t link_fields[] = {END};

static const manage_field_t subscription_fields[] = {
    SR("scope", 1000),
    SR("displayName", 100),
    SL("ownerId", 1000),
    {"state", MANAGE_FIELD_STRING, false, false, sub_states, 0},
    SL("primaryKey", 256),
    SL("secondaryKey", 256),
    B("allowTracing"),
    S("stateComment"),
    RO("createdDate", MANAGE_FIELD_STRING),
    /* ISO 8601; checked by the gateway's compiler like the rest of the snapshot. The
     * gateways refuse a key from expirationDate on (docs/subscriptions.md). */
    S("startDate"),
    S("expirationDate"),
    S("endDate"),
    S("notificationDate"),
    END};

static const manage_field_t backend_fields[] = {
    SR("url", 2000),
    {"protocol", MANAGE_FIELD_STRING, true, false, backend_protocols, 0},
    SL("title", 300),
    SL("description", 2000),
    SL("resourceId", 2000),
    {"credentials", MANAGE_FIELD_OBJECT, false, false, NULL, 0},
    {"tls", MANAGE_FIELD_OBJECT, false, false, NULL, 0},
    END};

static const manage_field_t named_value_fields[] = {
    SR("displayName", 256), SL("value", 4096), B("secret"),
    {"tags", MANAGE_FIELD_STRING_ARRAY, false, false, NULL, 0}, END};

static const manage_field_t user_fields[] = {
    SR("email", 254), SL("firstName", 100), SL("lastName", 100),
    {"state", MANAGE_FIELD_STRING, false, false, user_states, 0}, S("note"), END};

static const manage_field_t group_fields[] = {
    SR("displayName", 300), SL("description", 1000), SL("externalId", 1000), END};

static const char *const subscription_actions[] = {"listSecrets", "regeneratePrimaryKey",
                                                   "regenerateSecondaryKey", NULL};
static const char *const named_value_actions[] = {"listValue", NULL};
/* Locations are checked by locations.c (slugs, units, the primary): no field table. */
static const manage_field_t location_fields[] = {END};
static const char *const location_actions[] = {"listKeys", "regenerateKey", "generateToken",
                                               "purgeCache", NULL};

/* Order matters only for readability: patterns never overlap. */
static const manage_kind_t kinds[] = {
    {"policies/policy", "policies", policy_fields, MANAGE_KIND_FLAG_POLICY, NULL, NULL},
    {"apis/*", "apis", api_fields, 0, NULL, NULL},
    {"apis/*/operations/*", "apis/operations", operation_fields, 0, NULL, NULL},
    {"apis/*/policies/policy", "apis/policies", policy_fields, MANAGE_KIND_FLAG_POLICY, NULL, NULL},
    {"apis/*/operations/*/policies/policy", "apis/operations/policies", policy_fields,
     MANAGE_KIND_FLAG_POLICY, NULL, NULL},
    {"policyFragments/*", "policyFragments", fragment_fields, 0, NULL, NULL},
    {"apiVersionSets/*", "apiVersionSets", version_set_fields, 0, NULL, NULL},
    {"products/*", "products", product_fields, 0, NULL, NULL},
    {"products/*/apis/*", "products/apis", link_fields, MANAGE_KIND_FLAG_LINK, "apis", NULL},
    {"products/*/policies/policy", "products/policies", policy_fields, MANAGE_KIND_FLAG_POLICY,
     NULL, NULL},
    {"subscriptions/*", "subscriptions", subscription_fields, MANAGE_KIND_FLAG_SUBSCRIPTION, NULL,
     subscription_actions},
    {"backends/*", "backends", backend_fields, 0, NULL, NULL},
    {"namedValues/*", "namedValues", named_value_fields, MANAGE_KIND_FLAG_NAMED_VALUE, NULL,
     named_value_actions},
    {"users/*", "users", user_fields, 0, NULL, NULL},
    {"groups/*", "groups", group_fields, 0, NULL, NULL},
    {"groups/*/users/*", "groups/users", link_fields, MANAGE_KIND_FLAG_LINK, "users", NULL},
    {"locations/*", "locations", location_fields, 0, NULL, location_actions},
    /* Checked by profiles.c with the router's loader: no field table. */
    {"trafficManagerProfiles/*", "trafficManagerProfiles", location_fields, 0, NULL, NULL},
    {"trafficManagerLatency", "trafficManagerLatency", location_fields, 0, NULL, NULL},
};

bool manage_id_is_valid(const char *id, size_t len)
{
    if (len == 0 || len > MANAGE_ID_MAX) return false;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_' || c == '~';
        if (!ok) return false;
    }
    /* "." and ".." would read as path navigation to any URL library. */
    return !(len <= 2 && id[0] == '.' && (len == 1 || id[1] == '.'));
}

void manage_kind_type_name(const manage_kind_t *k, char *out, size_t n)
{
    snprintf(out, n, "Microsoft.ApiManagement/service/%s", k->type);
}

/* ---- routing ---- */

#define MAX_SEGMENTS 8

typedef struct {
    const char *ptr;
    size_t len;
} seg_t;

static size_t split(const char *path, seg_t *segs, size_t max, bool *ok)
{
    size_t n = 0;
    *ok = true;
    const char *p = path;
    while (*p == '/') p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || n == max) {
            *ok = false;
            return n;
        }
        segs[n++] = (seg_t){p, len};
        p += len;
        if (*p == '/') {
            p++;
            if (!*p) *ok = false; /* trailing '/' */
        }
    }
    return n;
}

static bool seg_is(seg_t s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.ptr, lit, s.len) == 0;
}

/* Does segs[0..n) match the first n parts of the pattern? Sets *bad_id on a malformed id. */
static bool match_prefix(const char *pattern, const seg_t *segs, size_t n, size_t *parts,
                         bool *bad_id)
{
    seg_t pat[MAX_SEGMENTS];
    bool ok;
    *parts = split(pattern, pat, MAX_SEGMENTS, &ok);
    if (n > *parts) return false;
    for (size_t i = 0; i < n; i++) {
        if (seg_is(pat[i], "*")) {
            if (!manage_id_is_valid(segs[i].ptr, segs[i].len)) *bad_id = true;
        } else if (!(pat[i].len == segs[i].len && memcmp(pat[i].ptr, segs[i].ptr, segs[i].len) == 0)) {
            return false;
        }
    }
    return true;
}

static void join(char *out, size_t cap, const seg_t *segs, size_t n)
{
    size_t at = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && at + segs[i].len + 2 < cap; i++) {
        out[at++] = '/';
        memcpy(out + at, segs[i].ptr, segs[i].len);
        at += segs[i].len;
        out[at] = 0;
    }
}

static void set_parents(manage_route_t *r, const manage_kind_t *k, const seg_t *segs, size_t n)
{
    /* Every '*' before the last one closes an entity that must exist: "apis/a" for
     * "apis/a/operations/o", "apis/a/operations/o" for its policy. */
    seg_t pat[MAX_SEGMENTS];
    bool ok;
    size_t parts = split(k->pattern, pat, MAX_SEGMENTS, &ok);
    size_t last_id = parts;
    for (size_t i = 0; i < parts; i++)
        if (seg_is(pat[i], "*")) last_id = i;
    for (size_t i = 0; i < n && i < parts; i++) {
        if (!seg_is(pat[i], "*") || i == last_id || r->parent_count == 3) continue;
        join(r->parents[r->parent_count++], MANAGE_PATH_MAX, segs, i + 1);
    }
    /* A policy's owner is the entity before "policies/policy". */
    if ((k->flags & MANAGE_KIND_FLAG_POLICY) && n >= 4 && r->parent_count < 3 &&
        last_id < parts && last_id + 2 == n - 1)
        join(r->parents[r->parent_count++], MANAGE_PATH_MAX, segs, last_id + 1);
    /* A link's last id names a resource of another collection. */
    if ((k->flags & MANAGE_KIND_FLAG_LINK) && n == parts && r->parent_count < 3)
        snprintf(r->parents[r->parent_count++], MANAGE_PATH_MAX, "/%s/%.*s", k->link_target,
                 (int)segs[n - 1].len, segs[n - 1].ptr);
}

int manage_route(const char *rel_path, manage_route_t *out, manage_error_t *e)
{
    memset(out, 0, sizeof *out);
    seg_t segs[MAX_SEGMENTS + 1];
    bool ok;
    size_t n = split(rel_path, segs, MAX_SEGMENTS + 1, &ok);
    if (!ok || n > MAX_SEGMENTS)
        return manage_error_set(e, 404, "ResourceNotFound", rel_path,
                                "No resource or collection at '%s'.", rel_path);
    if (n == 0) {
        out->type = MANAGE_ROUTE_SERVICE;
        return 0;
    }
    if (n == 1 && seg_is(segs[0], "snapshot")) {
        out->type = MANAGE_ROUTE_SNAPSHOT;
        return 0;
    }
    if (n == 1 && seg_is(segs[0], "changes")) {
        out->type = MANAGE_ROUTE_CHANGES;
        return 0;
    }
    if (n == 1 && seg_is(segs[0], "purgeCache")) { /* an action of the service (cache_purge.h) */
        out->type = MANAGE_ROUTE_ACTION;
        out->action = "purgeCache";
        return 0;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const manage_kind_t *k = &kinds[i];
        size_t parts;
        bool bad_id = false;
        if (!match_prefix(k->pattern, segs, n, &parts, &bad_id)) {
            /* an action: pattern + one segment */
            if (n == parts + 1 && k->actions &&
                match_prefix(k->pattern, segs, parts, &parts, &bad_id)) {
                for (const char *const *a = k->actions; *a; a++)
                    if (seg_is(segs[n - 1], *a)) {
                        if (bad_id) break;
                        out->type = MANAGE_ROUTE_ACTION;
                        out->kind = k;
                        out->action = *a;
                        join(out->path, sizeof out->path, segs, parts);
                        snprintf(out->name, sizeof out->name, "%.*s", (int)segs[parts - 1].len,
                                 segs[parts - 1].ptr);
                        set_parents(out, k, segs, parts);
                        return 0;
                    }
            }
            continue;
        }
        if (bad_id)
            return manage_error_set(e, 404, "ResourceNotFound", rel_path,
                                    "'%s' has a malformed id: ids are 1-256 letters, digits, "
                                    "'-', '.', '_' or '~'.",
                                    rel_path);
        if (n == parts) {
            out->type = MANAGE_ROUTE_ENTITY;
        } else if (n == parts - 1) {
            out->type = MANAGE_ROUTE_COLLECTION;
        } else {
            continue;
        }
        out->kind = k;
        join(out->path, sizeof out->path, segs, n);
        snprintf(out->name, sizeof out->name, "%.*s", (int)segs[n - 1].len, segs[n - 1].ptr);
        set_parents(out, k, segs, n);
        return 0;
    }
    return manage_error_set(e, 404, "ResourceNotFound", rel_path,
                            "No resource or collection at '%s'.", rel_path);
}

/* ---- property checks ---- */

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static bool is_allowed(const char *const *allowed, const char *s)
{
    if (!allowed) return true;
    for (; *allowed; allowed++)
        if (strcmp(*allowed, s) == 0) return true;
    return false;
}

static void allowed_list(const char *const *allowed, char *out, size_t n)
{
    size_t at = 0;
    out[0] = 0;
    for (; *allowed && at < n; allowed++)
        at += (size_t)snprintf(out + at, n - at, "%s'%s'", at ? ", " : "", *allowed);
}

static int check_field(const manage_field_t *f, const json_t *v, manage_error_t *e)
{
    char target[160], list[256];
    snprintf(target, sizeof target, "properties.%s", f->name);
    const char *want = NULL;
    switch (f->type) {
    case MANAGE_FIELD_STRING:
        if (!json_is_string(v)) want = "a string";
        break;
    case MANAGE_FIELD_BOOL:
        if (!json_is_boolean(v)) want = "a boolean";
        break;
    case MANAGE_FIELD_INT:
        if (!json_is_integer(v)) want = "an integer";
        break;
    case MANAGE_FIELD_ARRAY:
    case MANAGE_FIELD_STRING_ARRAY:
        if (!json_is_array(v)) want = "an array";
        break;
    case MANAGE_FIELD_OBJECT:
        if (!json_is_object(v)) want = "an object";
        break;
    }
    if (want)
        return manage_error_set(e, 400, "InvalidRequestContent", target,
                                "'%s' must be %s, not %s.", f->name, want, json_type_name(v));
    if (f->type == MANAGE_FIELD_STRING) {
        if (f->max_len && json_string_length(v) > f->max_len)
            return manage_error_set(e, 400, "InvalidRequestContent", target,
                                    "'%s' holds at most %zu characters.", f->name, f->max_len);
        if (strlen(json_string_value(v)) != json_string_length(v))
            return manage_error_set(e, 400, "InvalidRequestContent", target,
                                    "'%s' contains a NUL character.", f->name);
        if (!is_allowed(f->allowed, json_string_value(v))) {
            allowed_list(f->allowed, list, sizeof list);
            return manage_error_set(e, 400, "InvalidRequestContent", target,
                                    "'%s' must be one of %s, not '%s'.", f->name, list,
                                    json_string_value(v));
        }
    }
    if (f->type == MANAGE_FIELD_STRING_ARRAY) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            if (!json_is_string(item))
                return manage_error_set(e, 400, "InvalidRequestContent", target,
                                        "'%s[%zu]' must be a string, not %s.", f->name, i,
                                        json_type_name(item));
            if (!is_allowed(f->allowed, json_string_value(item))) {
                allowed_list(f->allowed, list, sizeof list);
                return manage_error_set(e, 400, "InvalidRequestContent", target,
                                        "'%s[%zu]' must be one of %s, not '%s'.", f->name, i,
                                        list, json_string_value(item));
            }
        }
    }
    return 0;
}

int manage_fields_check(const manage_field_t *fields, const json_t *props, manage_error_t *e)
{
    if (!json_is_object(props))
        return manage_error_set(e, 400, "InvalidRequestContent", "properties",
                                "'properties' must be an object.");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)props, key, v)
    {
        const manage_field_t *f = fields;
        while (f->name && strcmp(f->name, key) != 0) f++;
        if (!f->name)
            return manage_error_set(e, 400, "InvalidRequestContent", "properties",
                                    "Unknown property '%s'.", key);
        if (json_is_null(v) && !f->is_required) continue; /* null = absent */
        if (!f->is_read_only && check_field(f, v, e) < 0) return -1;
    }
    for (const manage_field_t *f = fields; f->name; f++) {
        json_t *v = json_object_get(props, f->name);
        if (f->is_required && (!v || json_is_null(v)))
            return manage_error_set(e, 400, "InvalidRequestContent", "properties",
                                    "The required property '%s' is missing.", f->name);
    }
    return 0;
}

/* Copies the writable, non-null fields. */
static json_t *writable_copy(const manage_field_t *fields, const json_t *props)
{
    json_t *out = json_object();
    if (!out) abort();
    for (const manage_field_t *f = fields; f->name; f++) {
        json_t *v = json_object_get(props, f->name);
        if (v && !json_is_null(v) && !f->is_read_only) json_object_set(out, f->name, v);
    }
    return out;
}

char *manage_random_base64(size_t bytes, bool url_safe)
{
    unsigned char raw[128];
    if (bytes > sizeof raw || RAND_bytes(raw, (int)bytes) != 1) abort();
    char *out = malloc(4 * ((bytes + 2) / 3) + 1);
    if (!out) abort();
    int n = EVP_EncodeBlock((unsigned char *)out, raw, (int)bytes);
    if (url_safe) {
        while (n > 0 && out[n - 1] == '=') out[--n] = 0;
        for (int i = 0; i < n; i++)
            if (out[i] == '+') out[i] = '-';
            else if (out[i] == '/') out[i] = '_';
    }
    return out;
}

/* Subscription keys: 32 hex digits, like the vendor's. */
static json_t *random_key(void)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) abort();
    char hex[33];
    for (size_t i = 0; i < sizeof raw; i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return json_string(hex);
}

/* scope: "/apis", "/apis/{a}", "/products/{p}", or a full ARM id ending in one of them. */
static int normalise_scope(json_t *props, manage_error_t *e)
{
    const char *scope = json_string_value(json_object_get(props, "scope"));
    const char *at = strstr(scope, "/providers/Microsoft.ApiManagement/service/");
    if (at) {
        at = strchr(at + strlen("/providers/Microsoft.ApiManagement/service/"), '/');
        if (!at) at = "";
    } else {
        at = scope;
    }
    char buf[MANAGE_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", at);
    bool ok = strcmp(buf, "/apis") == 0;
    if (!ok && (strncmp(buf, "/apis/", 6) == 0 || strncmp(buf, "/products/", 10) == 0)) {
        const char *id = strchr(buf + 1, '/') + 1;
        ok = manage_id_is_valid(id, strlen(id));
    }
    if (!ok)
        return manage_error_set(e, 400, "InvalidRequestContent", "properties.scope",
                                "'scope' must be '/apis', '/apis/{apiId}' or "
                                "'/products/{productId}' (or a full resource id ending so), "
                                "not '%s'.",
                                scope);
    json_object_set_new(props, "scope", json_string(buf));
    return 0;
}

static int check_named_value_name(const json_t *props, manage_error_t *e)
{
    const char *name = json_string_value(json_object_get(props, "displayName"));
    for (const char *q = name; *q; q++)
        if (!(((*q | 32) >= 'a' && (*q | 32) <= 'z') || (*q >= '0' && *q <= '9') || *q == '-' ||
              *q == '.' || *q == '_'))
            return manage_error_set(e, 400, "InvalidRequestContent", "properties.displayName",
                                    "'displayName' may hold only letters, digits, '-', '.' and "
                                    "'_' (spec §3.6), not '%s'.",
                                    name);
    if (!*name)
        return manage_error_set(e, 400, "InvalidRequestContent", "properties.displayName",
                                "'displayName' must not be empty.");
    return 0;
}

static int check_key_names(const json_t *names, manage_error_t *e)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)names, key, v)
    {
        if (strcmp(key, "header") != 0 && strcmp(key, "query") != 0)
            return manage_error_set(e, 400, "InvalidRequestContent",
                                    "properties.subscriptionKeyParameterNames",
                                    "Unknown property '%s' (only 'header' and 'query').", key);
        if (!json_is_string(v) || json_string_length(v) == 0)
            return manage_error_set(e, 400, "InvalidRequestContent",
                                    "properties.subscriptionKeyParameterNames",
                                    "'%s' must be a non-empty string.", key);
    }
    return 0;
}

json_t *manage_props_check(const manage_kind_t *k, const json_t *props,
                           const json_t *existing_secrets, json_t **secrets, manage_error_t *e)
{
    *secrets = NULL;
    json_t *empty = NULL;
    if (!props) props = empty = json_object();
    int rc = manage_fields_check(k->fields, props, e);
    if (rc == 0 && strcmp(k->type, "apis") == 0) {
        json_t *names = json_object_get(props, "subscriptionKeyParameterNames");
        if (json_is_object(names)) rc = check_key_names(names, e);
    }
    if (rc == 0 && (k->flags & MANAGE_KIND_FLAG_NAMED_VALUE))
        rc = check_named_value_name(props, e);
    json_t *out = rc == 0 ? writable_copy(k->fields, props) : NULL;
    json_decref(empty);
    if (!out) return NULL;
    if (k->flags & MANAGE_KIND_FLAG_POLICY) {
        if (!json_object_get(out, "format")) json_object_set_new(out, "format", json_string("xml"));
    }
    if (k->flags & MANAGE_KIND_FLAG_SUBSCRIPTION) {
        if (normalise_scope(out, e) < 0) goto fail;
        if (!json_object_get(out, "state")) json_object_set_new(out, "state", json_string("submitted"));
        *secrets = json_object();
        const char *names[] = {"primaryKey", "secondaryKey"};
        for (int i = 0; i < 2; i++) {
            json_t *given = json_object_get(out, names[i]);
            json_t *kept = existing_secrets ? json_object_get(existing_secrets, names[i]) : NULL;
            if (given && json_string_length(given) == 0) {
                manage_error_set(e, 400, "InvalidRequestContent", "properties",
                                 "'%s' must not be empty.", names[i]);
                goto fail;
            }
            json_object_set_new(*secrets, names[i],
                                given ? json_incref(given) : kept ? json_incref(kept) : random_key());
            json_object_del(out, names[i]);
        }
    }
    if (k->flags & MANAGE_KIND_FLAG_NAMED_VALUE) {
        json_t *secret = json_object_get(out, "secret");
        if (!secret) json_object_set_new(out, "secret", json_false());
        if (json_is_true(json_object_get(out, "secret"))) {
            /* The value of a secret named value is kept apart: GET never shows it. */
            json_t *given = json_object_get(out, "value");
            json_t *kept = existing_secrets ? json_object_get(existing_secrets, "value") : NULL;
            *secrets = json_object();
            json_object_set_new(*secrets, "value",
                                given ? json_incref(given) : kept ? json_incref(kept) : json_string(""));
            json_object_del(out, "value");
        } else if (!json_object_get(out, "value") && existing_secrets &&
                   json_object_get(existing_secrets, "value")) {
            /* A PATCH to secret: false without a value keeps the value it had. */
            json_object_set(out, "value", json_object_get(existing_secrets, "value"));
        }
    }
    return out;

fail:
    json_decref(out);
    json_decref(*secrets);
    *secrets = NULL;
    return NULL;
}
