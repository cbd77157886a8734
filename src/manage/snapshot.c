/* The gateway snapshot built from the management resources (snapshot.h). */
#include "manage/snapshot.h"

#include "gateway/config.h"
#include "manage/cache_purge.h"
#include "manage/locations.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool manage_path_ids(const char *path, int index, char *out, size_t n)
{
    /* path = "/seg0/seg1/..." */
    const char *p = path;
    for (int i = 0; i <= index; i++) {
        if (*p != '/') return false;
        p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (i == index) {
            if (len == 0 || len >= n) return false;
            memcpy(out, p, len);
            out[len] = 0;
            return true;
        }
        p += len;
    }
    return false;
}

static json_t *jstr(const char *s)
{
    json_t *v = json_string(s ? s : "");
    if (!v) abort();
    return v;
}

static void copy_member(json_t *to, const char *to_key, const json_t *from, const char *key)
{
    json_t *v = json_object_get(from, key);
    if (v && !json_is_null(v)) json_object_set(to, to_key, v);
}

/* A snapshot entity: {"id": id}, its members then copied from the resource. */
static json_t *entity_new(const char *id)
{
    json_t *e = json_object();
    if (!e) abort();
    json_object_set_new(e, "id", jstr(id));
    return e;
}

/* The members of `from` named in `keys` (NULL-terminated) that are set, in that order:
 * the snapshot carries a resource's properties under the names the resource uses. */
static void copy_members(json_t *to, const json_t *from, const char *const *keys)
{
    for (; *keys; keys++) copy_member(to, *keys, from, *keys);
}

static const char *const backend_members[] = {"url", "tls" /* validateCertificateChain/Name */,
                                              NULL};
static const char *const product_members[] = {"displayName", "subscriptionRequired",
                                              "approvalRequired", "subscriptionsLimit", "state",
                                              NULL};
/* A subscription's keys are secrets; they stand between its other members, as they always
 * have in the snapshot's text. */
static const char *const subscription_members[] = {"displayName", "scope", "state", "ownerId",
                                                   NULL};
static const char *const subscription_keys[] = {"primaryKey", "secondaryKey", NULL};
static const char *const subscription_dates[] = {"createdDate", "startDate", "endDate",
                                                 "expirationDate", NULL};
static const char *const user_members[] = {"email", "firstName", "lastName", "note",
                                           "registrationDate", "state", NULL};

static const char *prop_str(const json_t *props, const char *key)
{
    return json_string_value(json_object_get(props, key));
}

/* The path the gateway matches: an API of a version set with the Segment scheme answers
 * at "{path}/{apiVersion}" (spec §4.2). Header and Query versioning are not modelled by
 * the snapshot yet: such APIs keep their plain path. */
static json_t *api_path(const json_t *resources, const json_t *props)
{
    const char *path = prop_str(props, "path");
    const char *version = prop_str(props, "apiVersion");
    const char *set_id = prop_str(props, "apiVersionSetId");
    if (set_id && version && *version) {
        const char *slash = strrchr(set_id, '/');
        char key[MANAGE_PATH_MAX];
        snprintf(key, sizeof key, "/apiVersionSets/%s", slash ? slash + 1 : set_id);
        const json_t *set = json_object_get(json_object_get(resources, key), "props");
        const char *scheme = prop_str(set, "versioningScheme");
        if (scheme && strcmp(scheme, "Segment") == 0) {
            char *joined;
            if (asprintf(&joined, "%s%s%s", path, *path ? "/" : "", version) < 0) abort();
            json_t *v = jstr(joined);
            free(joined);
            return v;
        }
    }
    return jstr(path);
}

static json_t *build_api(const json_t *resources, const char *id, const json_t *props)
{
    json_t *api = entity_new(id);
    copy_member(api, "displayName", props, "displayName");
    json_object_set_new(api, "path", api_path(resources, props));
    copy_member(api, "serviceUrl", props, "serviceUrl");
    copy_member(api, "protocols", props, "protocols");
    copy_member(api, "subscriptionRequired", props, "subscriptionRequired");
    copy_member(api, "subscriptionKeyParameterNames", props, "subscriptionKeyParameterNames");
    copy_member(api, "apiVersion", props, "apiVersion");
    json_object_set_new(api, "operations", json_array());
    return api;
}

/* A representation's example as the body text mock-response sends: the "default" example
 * (else the first) of `examples`, a string as it is and other JSON compact; else the older
 * API versions' `sample` string. NULL when it has none. */
static char *example_text(const json_t *rep)
{
    const json_t *examples = json_object_get(rep, "examples");
    const json_t *chosen = json_object_get(examples, "default");
    if (!chosen && json_is_object(examples)) {
        void *it = json_object_iter((json_t *)examples);
        chosen = it ? json_object_iter_value(it) : NULL;
    }
    const json_t *value = json_object_get(chosen, "value");
    if (!value) value = json_object_get(rep, "sample");
    if (!value) return NULL;
    if (json_is_string(value)) return strdup(json_string_value(value));
    return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The operation's responses flattened for the gateway's mock-response (spec §2.3):
 * [{statusCode, contentType, body?}] in the order of responses[] and their representations;
 * NULL when the operation documents no response. */
static json_t *response_examples(const json_t *props)
{
    json_t *out = NULL;
    size_t i, k;
    const json_t *resp, *rep;
    json_array_foreach(json_object_get(props, "responses"), i, resp) {
        const json_t *status = json_object_get(resp, "statusCode");
        if (!json_is_integer(status)) continue;
        json_array_foreach(json_object_get(resp, "representations"), k, rep) {
            const char *ct = json_string_value(json_object_get(rep, "contentType"));
            if (!ct) continue;
            json_t *e = json_pack("{s:I,s:s}", "statusCode", json_integer_value(status), "contentType", ct);
            char *body = example_text(rep);
            if (body) json_object_set_new(e, "body", json_string(body));
            free(body);
            if (!out) out = json_array();
            json_array_append_new(out, e);
        }
    }
    return out;
}

static json_t *build_operation(const char *id, const json_t *props)
{
    json_t *op = entity_new(id);
    copy_member(op, "displayName", props, "displayName");
    /* ARM clients write methods in any case; the gateway's snapshot wants the token in
     * upper case (docs/snapshot.md: methods are case-sensitive, RFC 9110 §9.1). */
    const char *method = prop_str(props, "method");
    char up[128];
    snprintf(up, sizeof up, "%s", method ? method : "");
    for (char *c = up; *c; c++) *c = (char)toupper((unsigned char)*c);
    json_object_set_new(op, "method", jstr(up));
    copy_member(op, "urlTemplate", props, "urlTemplate");
    json_t *examples = response_examples(props);
    if (examples) json_object_set_new(op, "responseExamples", examples);
    return op;
}

void manage_snapshot_build(const json_t *resources, const char *service_name,
                           const char *service_id, int64_t revision,
                           manage_snapshot_t *out)
{
    json_t *doc = json_object(), *apis = json_array(), *backends = json_array();
    json_t *api_index = json_object(), *products = json_array(), *product_index = json_object();
    json_t *subs = json_array(), *nvs = json_array(), *frags = json_object();
    json_t *users = json_array();
    json_t *pol_apis = json_object(), *pol_ops = json_object(), *pol_products = json_object();
    json_t *global = json_null();
    json_t *ids = json_object(), *nv_ids = json_array(), *sub_ids = json_array();
    if (!doc || !apis || !backends || !api_index || !products || !product_index || !subs || !nvs ||
        !users || !frags || !pol_apis || !pol_ops || !pol_products || !ids || !nv_ids || !sub_ids)
        abort();


    /* Pass 1: entities that others refer to; pass 2: what hangs off them. Within a kind
     * the creation order is kept (operation precedence ties go to the first defined). */
    for (int pass = 1; pass <= 2; pass++) {
        const char *path;
        json_t *entry;
        json_object_foreach((json_t *)resources, path, entry)
        {
            const char *kind = prop_str(entry, "kind");
            const json_t *props = json_object_get(entry, "props");
            const json_t *secrets = json_object_get(entry, "secrets");
            char a[MANAGE_ID_MAX + 1], b[MANAGE_ID_MAX + 1];
            if (!kind || !manage_path_ids(path, 1, a, sizeof a)) continue;
            if (pass == 1 && strcmp(kind, "apis") == 0) {
                json_t *api = build_api(resources, a, props);
                json_object_set(api_index, a, api);
                json_array_append_new(apis, api);
            } else if (pass == 1 && strcmp(kind, "backends") == 0) {
                json_t *be = entity_new(a);
                copy_members(be, props, backend_members);
                json_array_append_new(backends, be);
            } else if (pass == 1 && strcmp(kind, "products") == 0) {
                json_t *pr = entity_new(a);
                copy_members(pr, props, product_members);
                json_object_set_new(pr, "apis", json_array());
                json_object_set(product_index, a, pr);
                json_array_append_new(products, pr);
            } else if (pass == 1 && strcmp(kind, "namedValues") == 0) {
                json_t *nv = json_object();
                const char *value = secrets ? prop_str(secrets, "value") : prop_str(props, "value");
                json_object_set_new(nv, "name", jstr(prop_str(props, "displayName")));
                json_object_set_new(nv, "value", jstr(value));
                json_object_set_new(nv, "secret", json_boolean(json_is_true(json_object_get(props, "secret"))));
                json_array_append_new(nvs, nv);
                json_array_append_new(nv_ids, jstr(a));
            } else if (pass == 1 && strcmp(kind, "policyFragments") == 0) {
                json_object_set_new(frags, a, jstr(prop_str(props, "value")));
            } else if (pass == 1 && strcmp(kind, "policies") == 0) {
                json_decref(global);
                global = jstr(prop_str(props, "value"));
            } else if (pass == 1 && strcmp(kind, "subscriptions") == 0) {
                json_t *s = entity_new(a);
                copy_members(s, props, subscription_members);
                copy_members(s, secrets, subscription_keys);
                copy_members(s, props, subscription_dates);
                json_array_append_new(subs, s);
            } else if (pass == 1 && strcmp(kind, "users") == 0) {
                /* The owners of subscriptions, for context.User (docs/subscriptions.md). */
                json_t *u = entity_new(a);
                copy_members(u, props, user_members);
                json_array_append_new(users, u);
                json_array_append_new(sub_ids, jstr(a));
            } else if (pass == 2 && strcmp(kind, "apis/operations") == 0 &&
                       manage_path_ids(path, 3, b, sizeof b)) {
                json_t *api = json_object_get(api_index, a);
                if (api) json_array_append_new(json_object_get(api, "operations"), build_operation(b, props));
            } else if (pass == 2 && strcmp(kind, "apis/policies") == 0) {
                json_object_set_new(pol_apis, a, jstr(prop_str(props, "value")));
            } else if (pass == 2 && strcmp(kind, "apis/operations/policies") == 0 &&
                       manage_path_ids(path, 3, b, sizeof b)) {
                char key[2 * MANAGE_ID_MAX + 2];
                snprintf(key, sizeof key, "%s/%s", a, b);
                json_object_set_new(pol_ops, key, jstr(prop_str(props, "value")));
            } else if (pass == 2 && strcmp(kind, "products/policies") == 0) {
                json_object_set_new(pol_products, a, jstr(prop_str(props, "value")));
            } else if (pass == 2 && strcmp(kind, "products/apis") == 0 &&
                       manage_path_ids(path, 3, b, sizeof b)) {
                json_t *pr = json_object_get(product_index, a);
                if (pr) json_array_append_new(json_object_get(pr, "apis"), jstr(b));
            }
        }
    }

    json_object_set_new(doc, "revision", json_integer(revision));
    json_t *svc = json_object();
    json_object_set_new(svc, "name", jstr(service_name));
    if (service_id) json_object_set_new(svc, "id", jstr(service_id));
    json_object_set_new(doc, "service", svc);
    manage_locations_snapshot(resources, service_name, doc);
    manage_cache_purge_snapshot(resources, doc);
    json_object_set_new(doc, "backends", backends);
    json_object_set_new(doc, "apis", apis);
    json_t *policies = json_object();
    json_object_set_new(policies, "global", global);
    json_object_set_new(policies, "products", pol_products);
    json_object_set_new(policies, "apis", pol_apis);
    json_object_set_new(policies, "operations", pol_ops);
    json_object_set_new(doc, "policies", policies);
    json_object_set_new(doc, "policyFragments", frags);
    json_object_set_new(doc, "products", products);
    json_object_set_new(doc, "subscriptions", subs);
    json_object_set_new(doc, "users", users);
    json_object_set_new(doc, "namedValues", nvs);
    json_decref(api_index);
    json_decref(product_index);
    json_object_set_new(ids, "namedValues", nv_ids);
    json_object_set_new(ids, "subscriptions", sub_ids);

    out->doc = doc;
    out->ids = ids;
    out->text = json_dumps(doc, JSON_INDENT(1));
    if (!out->text) abort();
    out->len = strlen(out->text);
}

void manage_snapshot_free(manage_snapshot_t *s)
{
    if (!s) return;
    json_decref(s->doc);
    json_decref(s->ids);
    free(s->text);
    memset(s, 0, sizeof *s);
}

/* ---- compile errors back to resources ---- */

/* One step of an error's JSON path (json_locate_format_path notation): `name`,
 * `[3]` or `["quoted \"key\""]`, each optionally preceded by '.'. */
typedef struct {
    char key[MANAGE_PATH_MAX];
    long index; /* >= 0 for an array element */
} jstep_t;

static int parse_steps(const char *s, jstep_t *steps, int max)
{
    int n = 0;
    while (*s && n < max) {
        jstep_t *st = &steps[n];
        st->key[0] = 0;
        st->index = -1;
        if (*s == '.') s++;
        if (s[0] == '[' && s[1] == '"') {
            size_t k = 0;
            for (s += 2; *s && *s != '"'; s++) {
                if (*s == '\\' && s[1]) s++;
                if (k + 1 < sizeof st->key) st->key[k++] = *s;
            }
            st->key[k] = 0;
            if (s[0] != '"' || s[1] != ']') return -1;
            s += 2;
        } else if (*s == '[') {
            char *end;
            st->index = strtol(s + 1, &end, 10);
            if (*end != ']') return -1;
            s = end + 1;
        } else {
            size_t len = strcspn(s, ".[");
            if (len == 0 || len >= sizeof st->key) return -1;
            memcpy(st->key, s, len);
            st->key[len] = 0;
            s += len;
        }
        n++;
    }
    return n;
}

static const char *array_id(const manage_snapshot_t *s, const char *array, long i)
{
    json_t *ids = json_object_get(s->ids, array);
    if (ids) return json_string_value(json_array_get(ids, (size_t)i));
    return json_string_value(json_object_get(json_array_get(json_object_get(s->doc, array), (size_t)i), "id"));
}

/* The resource path and the field named by a snapshot JSON path. */
static void map_json_path(const manage_snapshot_t *s, const char *jpath, char *target, size_t n,
                          char *field, size_t fn)
{
    jstep_t st[8];
    target[0] = field[0] = 0;
    int depth = parse_steps(jpath, st, 8);
    if (depth < 1) return;
    const char *name = st[0].key;
    if (strcmp(name, "policies") == 0 && depth >= 2) {
        const char *scope = st[1].key, *key = depth >= 3 ? st[2].key : "";
        if (strcmp(scope, "global") == 0) snprintf(target, n, "/policies/policy");
        else if (strcmp(scope, "apis") == 0) snprintf(target, n, "/apis/%.300s/policies/policy", key);
        else if (strcmp(scope, "products") == 0)
            snprintf(target, n, "/products/%.300s/policies/policy", key);
        else if (strcmp(scope, "operations") == 0) {
            const char *slash = strchr(key, '/');
            if (slash)
                snprintf(target, n, "/apis/%.*s/operations/%.300s/policies/policy", (int)(slash - key),
                         key, slash + 1);
        }
        snprintf(field, fn, "properties.value");
        return;
    }
    if (strcmp(name, "policyFragments") == 0 && depth >= 2) {
        snprintf(target, n, "/policyFragments/%.300s", st[1].key);
        snprintf(field, fn, "properties.value");
        return;
    }
    if (depth >= 2 && st[1].index >= 0) {
        const char *id = array_id(s, name, st[1].index);
        if (!id) return;
        snprintf(target, n, "/%.100s/%.300s", name, id);
        int rest = 2;
        if (strcmp(name, "apis") == 0 && depth >= 4 && strcmp(st[2].key, "operations") == 0 &&
            st[3].index >= 0) {
            const json_t *api = json_array_get(json_object_get(s->doc, "apis"), (size_t)st[1].index);
            const char *op_id = json_string_value(json_object_get(
                json_array_get(json_object_get(api, "operations"), (size_t)st[3].index), "id"));
            if (op_id) {
                size_t at = strlen(target);
                snprintf(target + at, n - at, "/operations/%.300s", op_id);
            }
            rest = 4;
        }
        if (rest < depth && st[rest].key[0]) snprintf(field, fn, "properties.%.200s", st[rest].key);
        return;
    }
    if (strcmp(name, "regions") == 0 || strcmp(name, "service") == 0) snprintf(target, n, "/");
}

void manage_snapshot_map_error(const manage_snapshot_t *s, const char *msg, manage_error_t *e)
{
    e->status = 400;
    e->code = "ValidationError";
    e->line = e->column = 0;
    e->target[0] = 0;
    /* Skip "snapshot.json:L:C: ". */
    const char *what = msg;
    for (int colons = 0; colons < 3 && what; colons++) {
        what = strchr(what, ':');
        if (what) what++;
    }
    what = what ? what + (*what == ' ') : msg;
    /* " (at PATH)" at the end names the JSON path. */
    char body[sizeof e->message];
    snprintf(body, sizeof body, "%s", what);
    char field[256] = "";
    size_t blen = strlen(body);
    char *at = blen && body[blen - 1] == ')' ? strstr(body, " (at ") : NULL;
    while (at && strstr(at + 1, " (at ")) at = strstr(at + 1, " (at ");
    if (at) {
        body[blen - 1] = 0;
        map_json_path(s, at + 5, e->target, sizeof e->target, field, sizeof field);
        *at = 0;
    }
    /* A policy document's own position: "SCOPE:LINE:COL: message" where SCOPE is
     * "api 'x' policy", "operation 'a/o' policy", "product 'p' policy", "fragment 'f'",
     * "policy" (global). */
    const char *text = body;
    const char *q = strstr(body, "' policy:");
    const char *scope_end = q ? q + 8 : NULL;
    if (!scope_end && strncmp(body, "global policy:", 14) == 0) scope_end = body + 13;
    if (!scope_end && strncmp(body, "policy:", 7) == 0) scope_end = body + 6;
    if (!scope_end && strncmp(body, "fragment '", 10) == 0) {
        q = strstr(body + 10, "':");
        scope_end = q ? q + 1 : NULL;
    }
    if (scope_end && *scope_end == ':') {
        unsigned line, col;
        int used = 0;
        if (sscanf(scope_end, ":%u:%u: %n", &line, &col, &used) == 2 && used > 0) {
            e->line = line;
            e->column = col;
            text = scope_end + used;
        } else if (scope_end[1] == ' ') {
            text = scope_end + 2;
        }
    }
    if (!e->target[0]) snprintf(e->target, sizeof e->target, "%s", field[0] ? field : "/");
    char where[64] = "";
    if (e->line) snprintf(where, sizeof where, " (line %u, column %u)", e->line, e->column);
    snprintf(e->message, sizeof e->message, "%.400s%s%.100s%s: %.400s", e->target, field[0] ? " " : "", field,
             where, text);
    snprintf(e->detail, sizeof e->detail, "%.100s%s%.400s", field, field[0] ? ": " : "", text);
}

/* The gateway compiles a policy document when it composes an operation's program, so
 * the documents of an API without operations (and the global one, with no API at all)
 * would go unchecked. The document compiled for validation therefore gives each such API
 * a wildcard operation, and a service without APIs one placeholder API: what is compiled
 * is still the gateway's own compiler on the published document, plus these probes. */
static char *validation_text(const manage_snapshot_t *s, size_t *len)
{
    json_t *apis = json_object_get(s->doc, "apis");
    bool needs_probe = json_array_size(apis) == 0;
    size_t i;
    json_t *api;
    json_array_foreach(apis, i, api) needs_probe = needs_probe || json_array_size(json_object_get(api, "operations")) == 0;
    if (!needs_probe) return NULL;
    json_t *doc = json_deep_copy(s->doc);
    apis = json_object_get(doc, "apis");
    json_t *probe = json_pack("{s:s, s:s, s:s}", "id", "__meridian-probe", "method", "*",
                              "urlTemplate", "/*");
    json_array_foreach(apis, i, api)
    {
        json_t *ops = json_object_get(api, "operations");
        if (json_array_size(ops) == 0) json_array_append(ops, probe);
    }
    if (json_array_size(apis) == 0)
        json_array_append_new(apis, json_pack("{s:s, s:s, s:s, s:[O]}", "id", "__meridian-probe",
                                              "path", "__meridian-probe", "serviceUrl",
                                              "http://127.0.0.1", "operations", probe));
    json_decref(probe);
    char *text = json_dumps(doc, JSON_INDENT(1));
    json_decref(doc);
    if (!text) abort();
    *len = strlen(text);
    return text;
}

int manage_snapshot_validate(const manage_snapshot_t *s, manage_error_t *e)
{
    char *err = NULL;
    const char *region = json_string_value(
        json_object_get(json_array_get(json_object_get(s->doc, "regions"), 0), "name"));
    size_t len = s->len;
    char *probe_text = validation_text(s, &len);
    gateway_config_t *cfg = gateway_config_compile(probe_text ? probe_text : s->text, len,
                                                   "snapshot.json", region, &err);
    free(probe_text);
    if (cfg) {
        gateway_config_unref(cfg);
        return 0;
    }
    manage_snapshot_map_error(s, err ? err : "snapshot.json:1:1: the snapshot does not compile", e);
    free(err);
    return -1;
}
