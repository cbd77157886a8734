/* gateway_config: compiles the snapshot (docs/snapshot.md) into gateway_config_t.
 *
 * Every field is checked here, once, so that nothing on the request path parses or looks
 * anything up by name (STYLE.md §6). Errors name file:line:col and the JSON path of the
 * offending value (STYLE.md §5): jansson gives positions for syntax errors, json_locate
 * finds them for everything found later. Compilation may abort on out-of-memory
 * (STYLE.md §4); gateway_backend_url_parse does not, because a later stage may call it
 * while serving. */
#include "gateway/config.h"

#include "gateway/config_internal.h"
#include "gateway/config_policy.h"
#include "base/json_locate.h"
#include "gateway/config_subscription.h"
#include "base/redis_url.h"
#include "gateway/route.h"
#include "policy/exec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define API_PATH_MAX 400 /* snapshot.md: apis[].path is 0–400 characters */
#define HOSTNAME_MAX 253 /* RFC 1035 §2.3.4, as text without the trailing dot */
#define TIMEOUT_SECONDS_MAX 86400

/* ---- allocation (compile may abort on OOM, STYLE.md §4) ---- */

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p) abort();
    return p;
}

/* ---- typed field access only the root needs ---- */

/* An integer in [min, max]; *out keeps its default when the field is absent. */
static int want_uint(cfg_ctx_t *c, const json_t *obj, const char *key, bool required, uint64_t min,
                     uint64_t max, uint64_t *out)
{
    json_t *v = cfg_member(obj, key);
    if (!v) return required ? cfg_fail_key(c, key, "required field is missing") : 0;
    if (!json_is_integer(v)) return cfg_fail_key(c, key, "must be an integer, not %s", cfg_type_name(v));
    json_int_t n = json_integer_value(v);
    if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
        return cfg_fail_key(c, key, "must be between %llu and %llu", (unsigned long long)min,
                        (unsigned long long)max);
    *out = (uint64_t)n;
    return 0;
}

/* Records `name` in `seen` (a JSON object used as a hash set); false when already there,
 * with *first set to the index it was first seen at. */
static bool set_add(json_t *seen, const char *name, size_t index, size_t *first)
{
    json_t *prev = json_object_get(seen, name);
    if (prev) {
        *first = (size_t)json_integer_value(prev);
        return false;
    }
    if (json_object_set_new(seen, name, json_integer((json_int_t)index)) < 0) abort();
    return true;
}

/* ---- backend URLs ---- */

static bool is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* RFC 3986 §3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@"; '/' between
 * segments. Returns false on any other byte or on a '%' without two hex digits. */
static bool is_valid_path(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '%') {
            if (i + 2 >= n || !is_hex(p[i + 1]) || !is_hex(p[i + 2])) return false;
            i += 2;
        } else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || (ch && strchr("-._~!$&'()*+,;=:@/", ch)))) {
            return false;
        }
    }
    return true;
}

/* RFC 3986 §3.2.2 reg-name as host names are written in practice (letters, digits, '-',
 * '.', '_'), which also covers IPv4 literals. */
static bool is_reg_name(const char *p, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.' || ch == '_'))
            return false;
    }
    return true;
}

static bool is_ipv6_literal(const char *p, size_t n)
{
    char buf[INET6_ADDRSTRLEN + 1];
    struct in6_addr addr;
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return inet_pton(AF_INET6, buf, &addr) == 1;
}

void gateway_backend_url_free(gw_backend_url_t *u)
{
    if (!u) return;
    free(u->url);
    free(u->host);
    free(u->base_path);
    free(u->host_header);
    free(u->origin_key);
    memset(u, 0, sizeof *u);
}

static int url_error(const char **err, const char *msg)
{
    if (err) *err = msg;
    return -1;
}

int gateway_backend_url_parse(const char *url, gw_backend_url_t *out, const char **err)
{
    memset(out, 0, sizeof *out);
    if (!url || !*url) return url_error(err, "empty URL");
    /* RFC 3986 §3.1: the scheme is case-insensitive. */
    bool is_https = strncasecmp(url, "https://", 8) == 0;
    if (!is_https && strncasecmp(url, "http://", 7) != 0)
        return url_error(err, "a backend URL must start with http:// or https://");
    const char *auth = url + (is_https ? 8 : 7);
    unsigned long default_port = is_https ? 443 : 80;
    if (strchr(auth, '#')) return url_error(err, "a backend URL takes no fragment ('#')");
    if (strchr(auth, '?')) return url_error(err, "a backend base URL takes no query ('?')");
    size_t auth_len = strcspn(auth, "/");
    if (memchr(auth, '@', auth_len))
        return url_error(err, "user information ('user@') in a backend URL is not supported");

    const char *host = auth, *after;
    size_t host_len;
    bool is_ipv6 = false;
    if (auth_len && auth[0] == '[') {
        const char *close = memchr(auth, ']', auth_len);
        if (!close) return url_error(err, "unterminated IPv6 literal ('[' without ']')");
        host = auth + 1;
        host_len = (size_t)(close - host);
        if (!is_ipv6_literal(host, host_len)) return url_error(err, "bad IPv6 address");
        is_ipv6 = true;
        after = close + 1;
    } else {
        host_len = strcspn(auth, ":/");
        if (host_len == 0) return url_error(err, "empty host");
        if (!is_reg_name(host, host_len)) return url_error(err, "bad character in host");
        after = host + host_len;
    }
    unsigned long port = default_port;
    const char *auth_end = auth + auth_len;
    if (after < auth_end) {
        if (*after != ':') return url_error(err, "unexpected character after host");
        const char *p = after + 1;
        if (p == auth_end || auth_end - p > 5) return url_error(err, "bad port");
        port = 0;
        for (; p < auth_end; p++) {
            if (*p < '0' || *p > '9') return url_error(err, "bad port");
            port = port * 10 + (unsigned long)(*p - '0');
        }
        if (port == 0 || port > 65535) return url_error(err, "bad port");
    }
    const char *path = auth_end;
    size_t path_len = strlen(path);
    if (!is_valid_path(path, path_len))
        return url_error(err, "character not allowed in the URL path (percent-encode it)");
    while (path_len && path[path_len - 1] == '/')
        path_len--; /* spec §4.4: no "//" on join */

    char *lower = strndup(host, host_len);
    if (!lower) return url_error(err, "out of memory");
    for (char *q = lower; *q; q++)
        if (*q >= 'A' && *q <= 'Z') *q = (char)(*q | 0x20);
    out->host = lower;
    out->port = (uint16_t)port;
    out->url = strdup(url);
    out->base_path = strndup(path, path_len);
    const char *lb = is_ipv6 ? "[" : "", *rb = is_ipv6 ? "]" : "";
    out->is_https = is_https;
    int a = port == default_port ? asprintf(&out->host_header, "%s%s%s", lb, lower, rb)
                       : asprintf(&out->host_header, "%s%s%s:%lu", lb, lower, rb, port);
    int b = asprintf(&out->origin_key, "%s%s%s:%lu", lb, lower, rb, port);
    if (a < 0 || b < 0 || !out->url || !out->base_path) {
        if (a < 0) out->host_header = NULL;
        if (b < 0) out->origin_key = NULL;
        gateway_backend_url_free(out);
        return url_error(err, "out of memory");
    }
    return 0;
}

/* ---- snapshot sections ---- */

typedef struct {
    const char *key;
    size_t offset;
    bool is_64;
    uint64_t min, max;
} setting_desc_t;

/* The typed table of settings (Redis-style, STYLE.md): key, field, range. */
static const setting_desc_t settings_table[] = {
    {"maxRequestBodyBytes", offsetof(gw_settings_t, max_request_body_bytes), true, 0, UINT64_MAX},
    {"connectTimeoutMs", offsetof(gw_settings_t, connect_timeout_ms), false, 1, UINT32_MAX},
    {"clientIdleTimeoutMs", offsetof(gw_settings_t, idle_timeout_ms), false, 1, UINT32_MAX},
    {"requestHeaderTimeoutMs", offsetof(gw_settings_t, header_timeout_ms), false, 1, UINT32_MAX},
    {"upstreamIdleTimeoutMs", offsetof(gw_settings_t, upstream_idle_ms), false, 1, UINT32_MAX},
    {"upstreamMaxIdlePerOrigin", offsetof(gw_settings_t, upstream_max_idle), false, 0, UINT32_MAX},
};

static int compile_settings(cfg_ctx_t *c, const json_t *root, gw_settings_t *s)
{
    *s = (gw_settings_t){
        .max_request_body_bytes = 4ULL << 30,
        .connect_timeout_ms = 5000,
        .idle_timeout_ms = 75000,
        .header_timeout_ms = 10000,
        .upstream_idle_ms = 60000,
        .upstream_max_idle = 256,
    };
    json_t *obj;
    if (cfg_want_container(c, root, "settings", false, JSON_OBJECT, &obj) < 0) return -1;
    if (!obj) return 0;
    cfg_push_key(c, "settings");
    for (size_t i = 0; i < sizeof settings_table / sizeof settings_table[0]; i++) {
        const setting_desc_t *d = &settings_table[i];
        char *field = (char *)s + d->offset;
        uint64_t v;
        if (d->is_64)
            memcpy(&v, field, sizeof v);
        else {
            uint32_t v32;
            memcpy(&v32, field, sizeof v32);
            v = v32;
        }
        if (want_uint(c, obj, d->key, false, d->min, d->max, &v) < 0) return -1;
        if (d->is_64) {
            memcpy(field, &v, sizeof v);
        } else {
            uint32_t v32 = (uint32_t)v;
            memcpy(field, &v32, sizeof v32);
        }
    }
    cfg_pop(c);
    return 0;
}

/* The region a unit was started with names this region when both give the same slug
 * (letters and digits, lower-cased: "East Asia", "east asia" and "eastasia" are one). */
static bool region_names_match(const char *given, const char *name)
{
    for (;;) {
        while (*given && !isalnum((unsigned char)*given)) given++;
        while (*name && !isalnum((unsigned char)*name)) name++;
        if (!*given || !*name) return !*given && !*name;
        if (tolower((unsigned char)*given) != tolower((unsigned char)*name)) return false;
        given++;
        name++;
    }
}

/* The region's "redis" {"url", "counting", "failure"} (docs/limits.md "Redis") as one URL
 * with the two settings in its query (base/redis_url.h): what `--redis` takes too. */
static int compile_region_redis(cfg_ctx_t *c, const json_t *region, gateway_config_t *cfg)
{
    const json_t *redis = json_object_get(region, "redis");
    if (!redis || json_is_null(redis)) return 0;
    const char *url, *counting = "regional", *failure = "open";
    if (!json_is_object(redis)) return cfg_fail_key(c, "redis", "\"redis\" must be an object");
    cfg_push_key(c, "redis");
    if (cfg_want_string(c, redis, "url", true, true, &url) < 0 ||
        cfg_want_string(c, redis, "counting", false, true, &counting) < 0 ||
        cfg_want_string(c, redis, "failure", false, true, &failure) < 0)
        return -1;
    char *text;
    if (asprintf(&text, "%s?counting=%s&failure=%s", url, counting, failure) < 0) abort();
    redis_url_t parsed;
    const char *why;
    if (strchr(url, '?') || redis_url_parse(text, &parsed, &why) < 0) {
        free(text);
        return cfg_fail_key(c, "url", "not a redis URL with counting regional|global and "
                                      "failure open|closed: %s", strchr(url, '?') ? "a query" : why);
    }
    free(cfg->redis_url);
    cfg->redis_url = text;
    cfg_pop(c);
    return 0;
}

/* What compile_region carries from one region to the next. */
typedef struct {
    gateway_config_t *cfg;
    json_t *seen;      /* names → index, for "listed twice" */
    size_t primary_at; /* SIZE_MAX: none yet */
} regions_walk_t;

static int compile_region(cfg_ctx_t *c, const json_t *r, size_t i, void *data)
{
    regions_walk_t *w = data;
    gateway_config_t *cfg = w->cfg;
    const char *name;
    bool is_primary = false;
    size_t first;
    if (cfg_want_string(c, r, "name", true, true, &name) < 0 ||
        cfg_want_bool(c, r, "primary", &is_primary) < 0)
        return -1;
    if (!set_add(w->seen, name, i, &first))
        return cfg_fail_key(c, "name", "region \"%s\" is listed twice (also regions[%zu])", name,
                            first);
    if (is_primary && w->primary_at != SIZE_MAX)
        return cfg_fail_key(c, "primary", "only one region is primary (regions[%zu] is too)",
                            w->primary_at);
    if (is_primary) w->primary_at = i;
    if (cfg->region && !cfg->region_known && region_names_match(cfg->region, name)) {
        /* The unit may have been started with the slug ("eastasia"): from now on it
         * reports the display name (context.Deployment.Region, spec §5.2). */
        cfg->region_known = true;
        free(cfg->region);
        cfg->region = xstrdup(name);
        if (cfg_want_bool(c, r, "disableGateway", &cfg->is_gateway_disabled) < 0) return -1;
        if (compile_region_redis(c, r, cfg) < 0) return -1;
    }
    return 0;
}

static int compile_regions(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg)
{
    json_t *regions;
    if (cfg_want_container(c, root, "regions", true, JSON_ARRAY, &regions) < 0) return -1;
    regions_walk_t w = {cfg, json_object(), SIZE_MAX};
    if (!w.seen) abort();
    int rc = cfg_each_object(c, regions, "regions", "a region", compile_region, &w);
    json_decref(w.seen);
    if (rc == 0 && w.primary_at == SIZE_MAX) {
        cfg_push_key(c, "regions");
        return cfg_fail(c, "one region must have \"primary\": true");
    }
    return rc;
}

/* backends[].tls {validateCertificateChain, validateCertificateName}: booleans, default
 * true (spec §4.4). Sets the skip switches of `u` when given. */
static int compile_backend_tls(cfg_ctx_t *c, const json_t *backend, gw_backend_url_t *u)
{
    json_t *tls;
    if (cfg_want_container(c, backend, "tls", false, JSON_OBJECT, &tls) < 0) return -1;
    if (!tls) return 0;
    static const char *const keys[] = {"validateCertificateChain", "validateCertificateName"};
    for (size_t k = 0; k < 2; k++) {
        const json_t *v = json_object_get(tls, keys[k]);
        if (!v) continue;
        if (!json_is_boolean(v)) return cfg_fail_key(c, "tls", "%s must be true or false", keys[k]);
        if (u && json_is_false(v)) *(k == 0 ? &u->skip_chain_check : &u->skip_name_check) = true;
    }
    return 0;
}

/* Checks backends[i] and records it in `index` (id → position). */
static int compile_backend(cfg_ctx_t *c, const json_t *b, size_t i, void *index)
{
    const char *id, *url, *why = NULL;
    size_t first;
    if (cfg_want_string(c, b, "id", true, true, &id) < 0) return -1;
    if (cfg_want_string(c, b, "url", true, true, &url) < 0) return -1;
    if (!set_add(index, id, i, &first))
        return cfg_fail_key(c, "id", "backend id \"%s\" is used twice (also backends[%zu])", id,
                            first);
    gw_backend_url_t parsed;
    if (gateway_backend_url_parse(url, &parsed, &why) < 0) return cfg_fail_key(c, "url", "%s", why);
    gateway_backend_url_free(&parsed);
    return compile_backend_tls(c, b, NULL);
}

/* Collects backends[] into `index` (id → position) after checking each URL. */
static int compile_backends(cfg_ctx_t *c, const json_t *root, json_t *index)
{
    json_t *backends;
    if (cfg_want_container(c, root, "backends", false, JSON_ARRAY, &backends) < 0) return -1;
    if (!backends) return 0;
    return cfg_each_object(c, backends, "backends", "a backend", compile_backend, index);
}

/* apis[].path: spec §4.2 compares "/" + path on segment boundaries, so store it without
 * leading or trailing '/' (snapshot.md allows them) and refuse what could never match. */
static int compile_api_path(cfg_ctx_t *c, const json_t *api, char **out)
{
    const char *raw;
    if (cfg_want_string(c, api, "path", true, false, &raw) < 0) return -1;
    size_t n = strlen(raw);
    if (n > API_PATH_MAX) return cfg_fail_key(c, "path", "longer than %d characters", API_PATH_MAX);
    while (n && raw[0] == '/')
        raw++, n--;
    while (n && raw[n - 1] == '/')
        n--;
    if (!is_valid_path(raw, n))
        return cfg_fail_key(c, "path", "character not allowed in a URL path (percent-encode it)");
    for (size_t i = 0; i < n;) {
        size_t len = strcspn(raw + i, "/");
        if (len > n - i) len = n - i;
        if (len == 0) return cfg_fail_key(c, "path", "empty segment (\"//\")");
        if ((len == 1 && raw[i] == '.') || (len == 2 && raw[i] == '.' && raw[i + 1] == '.'))
            return cfg_fail_key(c, "path", "\".\" and \"..\" segments are not allowed");
        i += len + 1;
    }
    *out = strndup(raw, n);
    if (!*out) abort();
    return 0;
}

static int compile_hostnames(cfg_ctx_t *c, const json_t *api_json, gw_api_t *api)
{
    json_t *arr;
    if (cfg_want_container(c, api_json, "hostnames", false, JSON_ARRAY, &arr) < 0) return -1;
    if (!arr) return 0;
    cfg_push_key(c, "hostnames");
    api->hostnames = xcalloc(json_array_size(arr), sizeof *api->hostnames);
    size_t i;
    json_t *h;
    json_array_foreach(arr, i, h)
    {
        cfg_push_index(c, i);
        if (!json_is_string(h)) return cfg_fail(c, "must be a string, not %s", cfg_type_name(h));
        const char *s = json_string_value(h);
        size_t n = strlen(s);
        if (n && s[n - 1] == '.') n--; /* absolute FQDN: "a.b." is "a.b" */
        bool ok = n > 0 && n <= HOSTNAME_MAX &&
                  (is_reg_name(s, n) ||
                   (n > 2 && s[0] == '[' && s[n - 1] == ']' && is_ipv6_literal(s + 1, n - 2)));
        if (!ok && memchr(s, ':', n) && s[0] != '[')
            return cfg_fail(c, "a host name carries no port (the port is ignored when matching)");
        if (!ok) return cfg_fail(c, "not a valid host name");
        char *lower = strndup(s, n);
        if (!lower) abort();
        for (char *q = lower; *q; q++)
            if (*q >= 'A' && *q <= 'Z') *q = (char)(*q | 0x20);
        for (size_t k = 0; k < api->hostname_count; k++) {
            if (strcmp(api->hostnames[k], lower) == 0) {
                free(lower);
                return cfg_fail(c, "host name listed twice (also hostnames[%zu])", k);
            }
        }
        api->hostnames[api->hostname_count++] = lower;
        cfg_pop(c);
    }
    cfg_pop(c);
    return 0;
}

static int compile_protocols(cfg_ctx_t *c, const json_t *api_json, gw_api_t *api)
{
    json_t *arr;
    api->protocol_http = true; /* default ["http", "https"] */
    api->protocol_https = true;
    if (cfg_want_container(c, api_json, "protocols", false, JSON_ARRAY, &arr) < 0) return -1;
    if (!arr) return 0;
    if (json_array_size(arr) == 0)
        return cfg_fail_key(c, "protocols", "must list at least one of http, https, ws, wss");
    cfg_push_key(c, "protocols");
    api->protocol_http = false;
    api->protocol_https = false;
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p)
    {
        cfg_push_index(c, i);
        const char *s = json_string_value(p);
        if (!s || (strcmp(s, "http") && strcmp(s, "https") && strcmp(s, "ws") && strcmp(s, "wss")))
            return cfg_fail(c, "must be one of \"http\", \"https\", \"ws\", \"wss\"");
        if (strcmp(s, "http") == 0) api->protocol_http = true;
        if (strcmp(s, "https") == 0) api->protocol_https = true;
        cfg_pop(c);
    }
    cfg_pop(c);
    return 0;
}

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int compile_method(cfg_ctx_t *c, const json_t *op_json, gw_operation_t *op)
{
    const char *m;
    if (cfg_want_string(c, op_json, "method", true, true, &m) < 0) return -1;
    if (strcmp(m, "*") != 0) {
        bool has_lower = false;
        for (const char *p = m; *p; p++) {
            if (!is_tchar(*p)) return cfg_fail_key(c, "method", "not an HTTP method token");
            if (*p >= 'a' && *p <= 'z') has_lower = true;
        }
        /* RFC 9110 §9.1: methods are case-sensitive, so "get" would never match a GET. */
        if (has_lower) {
            char upper[64];
            snprintf(upper, sizeof upper, "%s", m);
            for (char *p = upper; *p; p++)
                if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
            return cfg_fail_key(c, "method", "methods are case-sensitive: write \"%s\"", upper);
        }
    }
    op->method = xstrdup(m);
    op->method_id = http_method_from_name(m, strlen(m));
    return 0;
}

/* responseExamples[i]: {statusCode, contentType, body?}, what mock-response answers with. */
static int compile_example(cfg_ctx_t *c, const json_t *obj, size_t index, void *data)
{
    gw_operation_t *op = data;
    policy_response_example_t *e = &op->examples[index];
    op->example_count++; /* counted now, so a failure frees what is set */
    uint64_t status;
    const char *ct, *body;
    if (want_uint(c, obj, "statusCode", true, 100, 599, &status) < 0 ||
        cfg_want_string(c, obj, "contentType", true, true, &ct) < 0 ||
        cfg_want_string(c, obj, "body", false, false, &body) < 0)
        return -1;
    e->status = (int)status;
    e->content_type = xstrdup(ct);
    if (body) {
        /* JSON strings may hold NUL (\u0000): the length is the string's, not strlen's. */
        size_t len = json_string_length(json_object_get(obj, "body"));
        char *copy = malloc(len + 1);
        if (!copy) abort();
        memcpy(copy, body, len + 1);
        e->body = copy;
        e->body_len = len;
    }
    return 0;
}

/* What compile_operation needs besides the operation: its API and the ids seen so far. */
typedef struct {
    gw_api_t *api;
    json_t *ids;
} operations_walk_t;

static int compile_operation(cfg_ctx_t *c, const json_t *op_json, size_t j, void *data)
{
    operations_walk_t *w = data;
    gw_api_t *api = w->api;
    json_t *ids = w->ids;
    size_t first;
    gw_operation_t *op = &api->operations[j];
    const char *id, *display, *tpl;
    op->api = api;
    api->operation_count++; /* counted now, so a failure frees what is set */
    if (cfg_want_string(c, op_json, "id", true, true, &id) < 0) return -1;
    if (!set_add(ids, id, j, &first))
        return cfg_fail_key(c, "id", "operation id \"%s\" is used twice (also operations[%zu])", id,
                        first);
    op->id = xstrdup(id);
    if (cfg_want_string(c, op_json, "displayName", false, false, &display) < 0) return -1;
    op->display_name = xstrdup(display ? display : id);
    if (compile_method(c, op_json, op) < 0) return -1;
    /* The template itself is checked by route_table_build; its errors are located too. */
    if (cfg_want_string(c, op_json, "urlTemplate", true, true, &tpl) < 0) return -1;
    op->url_template = xstrdup(tpl);
    uint64_t seconds = 300; /* spec §7 #1 */
    if (want_uint(c, op_json, "timeoutSeconds", false, 1, TIMEOUT_SECONDS_MAX, &seconds) < 0)
        return -1;
    op->timeout_ms = (uint32_t)(seconds * 1000);
    json_t *examples;
    if (cfg_want_container(c, op_json, "responseExamples", false, JSON_ARRAY, &examples) < 0) return -1;
    if (!examples) return 0;
    op->examples = xcalloc(json_array_size(examples) + 1, sizeof *op->examples);
    return cfg_each_object(c, examples, "responseExamples", "a response example", compile_example, op);
}

static int compile_backend_ref(cfg_ctx_t *c, const json_t *api_json, gw_api_t *api,
                               const json_t *root, const json_t *backend_index)
{
    const char *service_url, *backend_id, *why = NULL;
    if (cfg_want_string(c, api_json, "serviceUrl", false, true, &service_url) < 0) return -1;
    if (cfg_want_string(c, api_json, "backendId", false, true, &backend_id) < 0) return -1;
    /* snapshot.md: backendId wins over serviceUrl, but a bad serviceUrl is still an error. */
    if (service_url && gateway_backend_url_parse(service_url, &api->backend, &why) < 0)
        return cfg_fail_key(c, "serviceUrl", "%s", why);
    if (backend_id) {
        json_t *at = json_object_get(backend_index, backend_id);
        if (!at) return cfg_fail_key(c, "backendId", "no backends[] entry has id \"%s\"", backend_id);
        json_t *b =
            json_array_get(json_object_get(root, "backends"), (size_t)json_integer_value(at));
        gateway_backend_url_free(&api->backend);
        if (gateway_backend_url_parse(json_string_value(json_object_get(b, "url")), &api->backend,
                                      &why) < 0)
            abort(); /* checked by compile_backends */
        if (compile_backend_tls(c, b, &api->backend) < 0) return -1;
    }
    if (!service_url && !backend_id)
        return cfg_fail_key(c, "serviceUrl", "an API needs \"serviceUrl\" or \"backendId\"");
    return 0;
}

/* What compile_api needs besides the API. */
typedef struct {
    gateway_config_t *cfg;
    const json_t *root;
    const json_t *backend_index; /* backend id → position in backends[] */
    json_t *api_ids;             /* API id → position, for "used twice" */
} apis_walk_t;

static int compile_api(cfg_ctx_t *c, const json_t *api_json, size_t i, void *data)
{
    apis_walk_t *w = data;
    gateway_config_t *cfg = w->cfg;
    size_t first;
    gw_api_t *api = &cfg->apis[i];
    const char *id, *display;
    cfg->api_count++; /* counted now, so a failure frees what is set */
    if (cfg_want_string(c, api_json, "id", true, true, &id) < 0) return -1;
    if (!set_add(w->api_ids, id, i, &first))
        return cfg_fail_key(c, "id", "API id \"%s\" is used twice (also apis[%zu])", id, first);
    api->id = xstrdup(id);
    if (cfg_want_string(c, api_json, "displayName", false, false, &display) < 0) return -1;
    api->display_name = xstrdup(display ? display : id);
    if (compile_api_path(c, api_json, &api->path) < 0) return -1;
    if (compile_hostnames(c, api_json, api) < 0) return -1;
    if (compile_backend_ref(c, api_json, api, w->root, w->backend_index) < 0) return -1;
    if (compile_protocols(c, api_json, api) < 0) return -1;
    api->subscription_required = true;
    if (cfg_want_bool(c, api_json, "subscriptionRequired", &api->subscription_required) < 0) return -1;

    /* Checked now, used by config_subscription.c (spec §4.3). */
    json_t *names;
    const char *unused;
    if (cfg_want_container(c, api_json, "subscriptionKeyParameterNames", false, JSON_OBJECT, &names) <
        0)
        return -1;
    if (names) {
        cfg_push_key(c, "subscriptionKeyParameterNames");
        if (cfg_want_string(c, names, "header", false, true, &unused) < 0 ||
            cfg_want_string(c, names, "query", false, true, &unused) < 0)
            return -1;
        cfg_pop(c);
    }

    json_t *ops;
    if (cfg_want_container(c, api_json, "operations", true, JSON_ARRAY, &ops) < 0) return -1;
    api->operations = xcalloc(json_array_size(ops), sizeof *api->operations);
    operations_walk_t ops_walk = {api, json_object()};
    if (!ops_walk.ids) abort();
    int rc = cfg_each_object(c, ops, "operations", "an operation", compile_operation, &ops_walk);
    json_decref(ops_walk.ids);
    return rc;
}

static int compile_apis(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg)
{
    json_t *backend_index = json_object(), *api_ids = json_object(), *apis;
    if (!backend_index || !api_ids) abort();
    int rc = -1;
    if (compile_backends(c, root, backend_index) < 0) goto done;
    if (cfg_want_container(c, root, "apis", true, JSON_ARRAY, &apis) < 0) goto done;
    cfg->apis = xcalloc(json_array_size(apis), sizeof *cfg->apis);
    apis_walk_t w = {cfg, root, backend_index, api_ids};
    rc = cfg_each_object(c, apis, "apis", "an API", compile_api, &w);
done:
    json_decref(backend_index);
    json_decref(api_ids);
    return rc;
}

static int compile_root(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg)
{
    if (!json_is_object(root)) return cfg_fail(c, "the snapshot must be a JSON object");
    uint64_t revision = 0;
    if (want_uint(c, root, "revision", true, 0, INT64_MAX, &revision) < 0) return -1;
    cfg->revision = revision;

    json_t *service;
    const char *name, *domain, *id = NULL;
    if (cfg_want_container(c, root, "service", true, JSON_OBJECT, &service) < 0) return -1;
    cfg_push_key(c, "service");
    if (cfg_want_string(c, service, "name", true, true, &name) < 0) return -1;
    if (cfg_want_string(c, service, "domain", false, false, &domain) < 0) return -1;
    if (cfg_want_string(c, service, "id", false, true, &id) < 0) return -1;
    cfg_pop(c);
    cfg->service_name = xstrdup(name);
    cfg->service_id = id ? xstrdup(id) : NULL;

    if (compile_regions(c, root, cfg) < 0) return -1;
    if (compile_settings(c, root, &cfg->settings) < 0) return -1;
    if (compile_apis(c, root, cfg) < 0) return -1;
    if (gateway_subscriptions_compile(c, root, cfg) < 0) return -1;
    return gateway_policies_compile(c, root, cfg);
}

/* route_table_build names the place as "apis[i]...: message"; turn that into
 * file:line:col like every other error. */
static void report_route_error(cfg_ctx_t *c, const char *rerr)
{
    const char *sep = rerr ? strstr(rerr, ": ") : NULL;
    if (sep) {
        int n = json_locate_parse_path(rerr, (size_t)(sep - rerr), c->path, CFG_MAX_DEPTH);
        if (n > 0) {
            c->depth = (size_t)n;
            cfg_fail(c, "%s", sep + 2);
            return;
        }
    }
    if (asprintf(c->err, "%s: %s", c->source, rerr ? rerr : "cannot build the route table") < 0)
        abort();
}

static void config_free(gateway_config_t *cfg)
{
    route_table_free(cfg->routes);
    gateway_policies_free(cfg->policies);
    gateway_subscriptions_free(cfg);
    for (size_t i = 0; i < cfg->api_count; i++) {
        gw_api_t *a = &cfg->apis[i];
        for (size_t j = 0; j < a->operation_count; j++) {
            gw_operation_t *op = &a->operations[j];
            free(op->id);
            free(op->display_name);
            free(op->method);
            free(op->url_template);
            for (size_t k = 0; k < op->example_count; k++) {
                free((char *)op->examples[k].content_type);
                free((char *)op->examples[k].body);
            }
            free(op->examples);
        }
        free(a->operations);
        for (size_t k = 0; k < a->hostname_count; k++)
            free(a->hostnames[k]);
        free(a->hostnames);
        gateway_backend_url_free(&a->backend);
        free(a->id);
        free(a->display_name);
        free(a->path);
    }
    free(cfg->apis);
    free(cfg->service_name);
    free(cfg->service_id);
    free(cfg->region);
    free(cfg->redis_url);
    json_decref(cfg->doc);
    free(cfg);
}

gateway_config_t *gateway_config_compile(const char *json, size_t len, const char *source_name,
                                         const char *region, char **err)
{
    *err = NULL;
    if (!source_name) source_name = "<snapshot>";
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        /* jansson reports column 0 at the start of a line; we count from 1. */
        if (asprintf(err, "%s:%d:%d: %s", source_name, jerr.line > 0 ? jerr.line : 1,
                     jerr.column > 0 ? jerr.column : 1, jerr.text) < 0)
            abort();
        return NULL;
    }
    gateway_config_t *cfg = xcalloc(1, sizeof *cfg);
    cfg->refcount = 1;
    cfg->doc = root; /* our reference from json_loadb; released by config_free */
    cfg->region = xstrdup(region ? region : "");
    cfg_ctx_t c = {.text = json, .len = len, .source = source_name, .err = err};
    char *rerr = NULL;

    if (compile_root(&c, root, cfg) < 0) goto fail_compile;
    cfg->routes = route_table_build(cfg->apis, cfg->api_count, &rerr);
    if (!cfg->routes) goto fail_routes;
    return cfg;

fail_routes:
    report_route_error(&c, rerr);
    free(rerr);
fail_compile:
    config_free(cfg);
    return NULL;
}

gateway_config_t *gateway_config_load_file(const char *path, const char *region, char **err)
{
    *err = NULL;
    int saved_errno;
    FILE *f = fopen(path, "rb");
    if (!f) goto fail_open;
    size_t cap = 64 * 1024, len = 0;
    char *text = malloc(cap);
    if (!text) abort();
    for (;;) {
        if (len == cap) {
            cap *= 2;
            text = realloc(text, cap);
            if (!text) abort();
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    if (ferror(f)) goto fail_read;
    fclose(f);
    gateway_config_t *cfg = gateway_config_compile(text, len, path, region, err);
    free(text);
    return cfg;

fail_read:
    saved_errno = errno;
    free(text);
    fclose(f);
    errno = saved_errno;
fail_open:
    if (asprintf(err, "%s: cannot read: %s", path, strerror(errno)) < 0) abort();
    return NULL;
}

gateway_config_t *gateway_config_ref(gateway_config_t *c)
{
    c->refcount++;
    return c;
}

void gateway_config_unref(gateway_config_t *c)
{
    if (c && --c->refcount == 0) config_free(c);
}
