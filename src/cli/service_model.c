#include "cli/service_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

const char *const svc_sections[] = {
    "service", "policy", "namedValues", "policyFragments", "backends",      "apiVersionSets",
    "apis",    "users",  "groups",      "products",        "subscriptions", NULL};

static const char *const kind_names[SVC_KIND_COUNT] = {
    [SVC_SERVICE] = "service",
    [SVC_NAMED_VALUE] = "named value",
    [SVC_BACKEND] = "backend",
    [SVC_FRAGMENT] = "policy fragment",
    [SVC_VERSION_SET] = "api version set",
    [SVC_GLOBAL_POLICY] = "global policy",
    [SVC_API] = "api",
    [SVC_OPERATION] = "operation",
    [SVC_API_POLICY] = "api policy",
    [SVC_OPERATION_POLICY] = "operation policy",
    [SVC_USER] = "user",
    [SVC_GROUP] = "group",
    [SVC_GROUP_USER] = "group member",
    [SVC_PRODUCT] = "product",
    [SVC_PRODUCT_API] = "product api",
    [SVC_PRODUCT_POLICY] = "product policy",
    [SVC_SUBSCRIPTION] = "subscription",
};

const char *svc_kind_name(svc_kind_t kind)
{
    return kind < SVC_KIND_COUNT ? kind_names[kind] : "?";
}

bool svc_kind_is_policy(svc_kind_t kind)
{
    return kind == SVC_GLOBAL_POLICY || kind == SVC_API_POLICY || kind == SVC_OPERATION_POLICY ||
           kind == SVC_PRODUCT_POLICY;
}

bool svc_kind_is_link(svc_kind_t kind)
{
    return kind == SVC_GROUP_USER || kind == SVC_PRODUCT_API;
}

/* ---- normalization -------------------------------------------------------------------- */

/* Properties the server computes or only reports; writing them back is refused or
 * meaningless, so they are neither exported nor compared. */
static const char *const read_only[SVC_KIND_COUNT][6] = {
    [SVC_API] = {"isOnline", "apiVersionSet", NULL},
    [SVC_SUBSCRIPTION] = {"createdDate", "startDate", "endDate", "notificationDate", NULL},
    [SVC_USER] = {"registrationDate", "identities", "groups", NULL},
    [SVC_GROUP] = {"builtIn", NULL},
    [SVC_NAMED_VALUE] = {"keyVault", NULL},
};

/* Service properties managed by a file: the rest of {svc} is the deployment's (URLs,
 * regions, SKU). */
static const char *const service_managed[] = {"publisherEmail", "publisherName", NULL};

static const char *const reference_keys[] = {"scope", "ownerId", "apiVersionSetId", NULL};

/* "/subscriptions/S/resourceGroups/G/providers/Microsoft.ApiManagement/service/N/apis/x"
 * → "/apis/x"; anything else unchanged. */
static const char *strip_service_prefix(const char *id)
{
    static const char *const parts[] = {"/subscriptions/", "/resourceGroups/",
                                        "/providers/Microsoft.ApiManagement/service/"};
    const char *p = id;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(parts[i]);
        if (strncasecmp(p, parts[i], n) != 0) return id;
        p += n;
        if (i < 2) {
            p = strchr(p, '/');
            if (!p) return id;
        } else {
            p += strcspn(p, "/");
        }
    }
    return *p ? p : id;
}

void svc_normalize_props(svc_kind_t kind, json_t *props)
{
    if (!json_is_object(props) || kind >= SVC_KIND_COUNT) return;
    if (kind == SVC_SERVICE) {
        const char *key;
        void *tmp;
        json_t *v;
        json_object_foreach_safe(props, tmp, key, v)
        {
            bool keep = false;
            for (size_t i = 0; service_managed[i]; i++)
                keep = keep || strcmp(key, service_managed[i]) == 0;
            if (!keep) json_object_del(props, key);
        }
        return;
    }
    for (size_t i = 0; read_only[kind][i]; i++)
        json_object_del(props, read_only[kind][i]);
    for (size_t i = 0; reference_keys[i]; i++) {
        json_t *v = json_object_get(props, reference_keys[i]);
        if (!json_is_string(v)) continue;
        const char *stripped = strip_service_prefix(json_string_value(v));
        if (stripped != json_string_value(v))
            json_object_set_new(props, reference_keys[i], json_string(stripped));
    }
    if (kind == SVC_NAMED_VALUE && json_is_true(json_object_get(props, "secret")) &&
        json_is_null(json_object_get(props, "value")))
        json_object_del(props, "value");
}

bool svc_is_secret_prop(svc_kind_t kind, const json_t *props, const char *key)
{
    if (kind == SVC_SUBSCRIPTION)
        return strcmp(key, "primaryKey") == 0 || strcmp(key, "secondaryKey") == 0;
    if (kind == SVC_NAMED_VALUE)
        return strcmp(key, "value") == 0 && json_is_true(json_object_get(props, "secret"));
    return false;
}

/* ---- flattening ----------------------------------------------------------------------- */

static char *escape_id(const char *id)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(id) * 3 + 1), *o = out;
    if (!out) return NULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~;=", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

typedef struct {
    svc_resources_t *out;
    bool failed;
} flatten_t;

static void add(flatten_t *f, svc_kind_t kind, const char *section, json_t *props_owned,
                const char *label_fmt, const char *a, const char *b, const char *path_fmt, ...)
    __attribute__((format(printf, 8, 9)));

static void add(flatten_t *f, svc_kind_t kind, const char *section, json_t *props_owned,
                const char *label_fmt, const char *a, const char *b, const char *path_fmt, ...)
{
    svc_resources_t *r = f->out;
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        svc_resource_t *items = realloc(r->items, cap * sizeof *items);
        if (!items) {
            f->failed = true;
            json_decref(props_owned);
            return;
        }
        r->items = items;
        r->cap = cap;
    }
    svc_resource_t *res = &r->items[r->count];
    memset(res, 0, sizeof *res);
    res->kind = kind;
    res->section = section;
    res->props = props_owned;
    va_list ap;
    va_start(ap, path_fmt);
    int n1 = vasprintf(&res->path, path_fmt, ap);
    va_end(ap);
    int n2 = asprintf(&res->label, label_fmt, a ? a : "", b ? b : "");
    if (n1 < 0 || n2 < 0) {
        if (n1 >= 0) free(res->path);
        if (n2 >= 0) free(res->label);
        json_decref(props_owned);
        f->failed = true;
        return;
    }
    if (props_owned) svc_normalize_props(kind, props_owned);
    r->count++;
}

/* The links of a group to its users or of a product to its APIs: one resource per name in
 * entry[KEY], at /COLLECTION/ID/KEY/NAME (`escaped_id`: ID escaped), labelled by `label_fmt`
 * with the name and ID. */
static void add_links(flatten_t *f, svc_kind_t kind, const char *collection, const char *id,
                      const char *escaped_id, const json_t *entry, const char *key,
                      const char *label_fmt)
{
    size_t i;
    json_t *member;
    json_array_foreach(json_object_get(entry, key), i, member)
    {
        const char *name = json_string_value(member);
        char *escaped = escape_id(name ? name : "");
        if (escaped)
            add(f, kind, collection, NULL, label_fmt, name, id, "/%s/%s/%s/%s", collection,
                escaped_id, key, escaped);
        free(escaped);
    }
}

/* The properties of a resource without its inline children. */
static json_t *props_without(const json_t *entry, const char *k1, const char *k2)
{
    json_t *copy = json_deep_copy(entry);
    if (!copy) return json_object();
    if (k1) json_object_del(copy, k1);
    if (k2) json_object_del(copy, k2);
    return copy;
}

static json_t *policy_props(const json_t *text)
{
    return json_pack("{s:s, s:O}", "format", "rawxml", "value", text);
}

int svc_flatten(const json_t *doc, svc_resources_t *out)
{
    memset(out, 0, sizeof *out);
    flatten_t f = {.out = out};
    json_t *v;
    const char *id;
    json_t *service = json_object_get(doc, "service");
    if (json_is_object(service))
        add(&f, SVC_SERVICE, "service", json_deep_copy(service), "service%s%s", NULL, NULL, "%s",
            "");
    json_t *policy = json_object_get(doc, "policy");
    if (json_is_string(policy))
        add(&f, SVC_GLOBAL_POLICY, "policy", policy_props(policy), "global policy%s%s", NULL, NULL,
            "/policies/policy");
    static const struct {
        const char *section, *collection;
        svc_kind_t kind;
        const char *label;
    } simple[] = {
        {"namedValues", "namedValues", SVC_NAMED_VALUE, "named value %s%s"},
        {"policyFragments", "policyFragments", SVC_FRAGMENT, "policy fragment %s%s"},
        {"backends", "backends", SVC_BACKEND, "backend %s%s"},
        {"apiVersionSets", "apiVersionSets", SVC_VERSION_SET, "api version set %s%s"},
        {"users", "users", SVC_USER, "user %s%s"},
        {"subscriptions", "subscriptions", SVC_SUBSCRIPTION, "subscription %s%s"},
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        json_object_foreach((json_t *)json_object_get(doc, simple[i].section), id, v)
        {
            char *e = escape_id(id);
            if (!e) return -1;
            add(&f, simple[i].kind, simple[i].section, json_deep_copy(v), simple[i].label, id, NULL,
                "/%s/%s", simple[i].collection, e);
            free(e);
        }
    }
    json_object_foreach((json_t *)json_object_get(doc, "apis"), id, v)
    {
        char *e = escape_id(id);
        if (!e) return -1;
        add(&f, SVC_API, "apis", props_without(v, "operations", "policy"), "api %s%s", id, NULL,
            "/apis/%s", e);
        json_t *p = json_object_get(v, "policy");
        if (json_is_string(p))
            add(&f, SVC_API_POLICY, "apis", policy_props(p), "policy of api %s%s", id, NULL,
                "/apis/%s/policies/policy", e);
        const char *op_id;
        json_t *op;
        json_object_foreach(json_object_get(v, "operations"), op_id, op)
        {
            char *oe = escape_id(op_id);
            if (!oe) {
                free(e);
                return -1;
            }
            add(&f, SVC_OPERATION, "apis", props_without(op, "policy", NULL), "operation %s/%s", id,
                op_id, "/apis/%s/operations/%s", e, oe);
            json_t *op_policy = json_object_get(op, "policy");
            if (json_is_string(op_policy))
                add(&f, SVC_OPERATION_POLICY, "apis", policy_props(op_policy),
                    "policy of operation %s/%s", id, op_id,
                    "/apis/%s/operations/%s/policies/policy", e, oe);
            free(oe);
        }
        free(e);
    }
    json_object_foreach((json_t *)json_object_get(doc, "groups"), id, v)
    {
        char *e = escape_id(id);
        if (!e) return -1;
        add(&f, SVC_GROUP, "groups", props_without(v, "users", NULL), "group %s%s", id, NULL,
            "/groups/%s", e);
        add_links(&f, SVC_GROUP_USER, "groups", id, e, v, "users", "user %s in group %s");
        free(e);
    }
    json_object_foreach((json_t *)json_object_get(doc, "products"), id, v)
    {
        char *e = escape_id(id);
        if (!e) return -1;
        add(&f, SVC_PRODUCT, "products", props_without(v, "apis", "policy"), "product %s%s", id,
            NULL, "/products/%s", e);
        add_links(&f, SVC_PRODUCT_API, "products", id, e, v, "apis", "api %s in product %s");
        json_t *p = json_object_get(v, "policy");
        if (json_is_string(p))
            add(&f, SVC_PRODUCT_POLICY, "products", policy_props(p), "policy of product %s%s", id,
                NULL, "/products/%s/policies/policy", e);
        free(e);
    }
    if (f.failed) {
        svc_resources_free(out);
        return -1;
    }
    /* Ordered by kind, document order within a kind (a counting pass: qsort is not
     * stable). */
    size_t n = out->count;
    svc_resource_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) {
        svc_resources_free(out);
        return -1;
    }
    size_t k = 0;
    for (int kind = 0; kind < SVC_KIND_COUNT; kind++)
        for (size_t i = 0; i < n; i++)
            if ((int)out->items[i].kind == kind) sorted[k++] = out->items[i];
    free(out->items);
    out->items = sorted;
    out->cap = n ? n : 1;
    return 0;
}

void svc_resources_free(svc_resources_t *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].path);
        free(r->items[i].label);
        json_decref(r->items[i].props);
    }
    free(r->items);
    memset(r, 0, sizeof *r);
}
