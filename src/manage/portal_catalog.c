/* The developer portal's catalog (published products and their APIs), a developer's own
 * subscriptions, and try-it (portal.h). */
#include "manage/portal_internal.h"

#include "manage/portal_try.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_KEY_HEADER "Ocp-Apim-Subscription-Key"

static bool is_published(const json_t *product_entry)
{
    return strcmp(portal_str(json_object_get(product_entry, "props"), "state"), "published") == 0;
}

/* "/products/{p}/apis/{a}" → p and a (pointers into path, lengths), or false. */
static bool split_link(const char *path, const char **p, size_t *plen, const char **a)
{
    if (strncmp(path, "/products/", 10) != 0) return false;
    const char *slash = strchr(path + 10, '/');
    if (!slash || strncmp(slash, "/apis/", 6) != 0 || strchr(slash + 6, '/')) return false;
    *p = path + 10;
    *plen = (size_t)(slash - *p);
    *a = slash + 6;
    return true;
}

/* The published products that hold API `api_id`, as [{id, displayName}]. */
static json_t *products_of_api(const manage_service_t *s, const char *api_id)
{
    json_t *out = json_array();
    const char *path;
    json_t *entry;
    json_object_foreach(s->resources, path, entry)
    {
        const char *p, *a;
        size_t plen;
        if (!split_link(path, &p, &plen, &a) || strcmp(a, api_id) != 0) continue;
        char ppath[MANAGE_PATH_MAX];
        snprintf(ppath, sizeof ppath, "/products/%.*s", (int)plen, p);
        const json_t *product = portal_entry(s, ppath);
        if (!product || !is_published(product)) continue;
        json_array_append_new(out, json_pack("{s:s%, s:s}", "id", p, plen, "displayName",
                                             portal_str(json_object_get(product, "props"), "displayName")));
    }
    return out;
}

static json_t *api_summary(const manage_service_t *s, const char *id, const json_t *props)
{
    const json_t *names = json_object_get(props, "subscriptionKeyParameterNames");
    const char *header = portal_str(names, "header");
    const char *query = portal_str(names, "query");
    json_t *required = json_object_get(props, "subscriptionRequired");
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:o}", "id", id, "displayName",
                     *portal_str(props, "displayName") ? portal_str(props, "displayName") : id,
                     "description", portal_str(props, "description"), "path",
                     portal_str(props, "path"), "subscriptionRequired",
                     required ? json_is_true(required) : true, "keyHeader",
                     *header ? header : DEFAULT_KEY_HEADER, "keyQuery",
                     *query ? query : "subscription-key", "products", products_of_api(s, id));
}

void portal_products(portal_call_t *c)
{
    json_t *list = json_array();
    const char *path;
    json_t *entry;
    json_object_foreach(c->s->resources, path, entry)
    {
        if (strncmp(path, "/products/", 10) != 0 || strchr(path + 10, '/') || !is_published(entry))
            continue;
        const json_t *props = json_object_get(entry, "props");
        const char *id = path + 10;
        json_t *apis = json_array();
        const char *lpath;
        json_t *lentry;
        json_object_foreach(c->s->resources, lpath, lentry)
        {
            const char *p, *a;
            size_t plen;
            if (!split_link(lpath, &p, &plen, &a) || plen != strlen(id) || strncmp(p, id, plen) != 0)
                continue;
            char apath[MANAGE_PATH_MAX];
            snprintf(apath, sizeof apath, "/apis/%s", a);
            const json_t *aprops = json_object_get(portal_entry(c->s, apath), "props");
            json_array_append_new(apis, json_pack("{s:s, s:s}", "id", a, "displayName",
                                                  *portal_str(aprops, "displayName")
                                                      ? portal_str(aprops, "displayName") : a));
        }
        json_t *approval = json_object_get(props, "approvalRequired");
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "id", id, "displayName",
                            portal_str(props, "displayName"), "description",
                            portal_str(props, "description"), "terms", portal_str(props, "terms"),
                            "approvalRequired", approval && json_is_true(approval), "apis", apis));
    }
    manage_web_json(c->resp, 200, json_pack("{s:o}", "value", list));
}

void portal_apis(portal_call_t *c)
{
    json_t *list = json_array();
    const char *path;
    json_t *entry;
    json_object_foreach(c->s->resources, path, entry)
    {
        if (strncmp(path, "/apis/", 6) != 0 || strchr(path + 6, '/')) continue;
        json_t *api = api_summary(c->s, path + 6, json_object_get(entry, "props"));
        if (json_array_size(json_object_get(api, "products")) == 0) json_decref(api);
        else json_array_append_new(list, api);
    }
    manage_web_json(c->resp, 200, json_pack("{s:o}", "value", list));
}

void portal_api(portal_call_t *c, const char *id)
{
    char path[MANAGE_PATH_MAX];
    snprintf(path, sizeof path, "/apis/%s", id);
    const json_t *entry = portal_entry(c->s, path);
    json_t *api = entry ? api_summary(c->s, id, json_object_get(entry, "props")) : NULL;
    if (!api || json_array_size(json_object_get(api, "products")) == 0) {
        json_decref(api);
        manage_web_error(c->resp, 404, "NotFound", "No published API has this id.");
        return;
    }
    /* Operations: their contract (parameters, representations with type names and
     * examples); never their policies. */
    static const char *const members[] = {"displayName", "method", "urlTemplate", "description",
                                          "templateParameters", "request", "responses"};
    json_t *ops = json_array();
    char prefix[MANAGE_PATH_MAX];
    int plen = snprintf(prefix, sizeof prefix, "%s/operations/", path);
    const char *opath;
    json_t *oentry;
    json_object_foreach(c->s->resources, opath, oentry)
    {
        if (strncmp(opath, prefix, (size_t)plen) != 0 || strchr(opath + plen, '/')) continue;
        const json_t *props = json_object_get(oentry, "props");
        json_t *op = json_pack("{s:s}", "id", opath + plen);
        for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
            json_t *v = json_object_get(props, members[i]);
            if (v) json_object_set(op, members[i], v);
        }
        json_array_append_new(ops, op);
    }
    json_object_set_new(api, "operations", ops);
    manage_web_json(c->resp, 200, api);
}

/* ---- subscriptions ---- */

/* Is subscription entry `e` owned by the signed-in developer? */
static bool is_own(const portal_call_t *c, const json_t *e)
{
    const char *owner = portal_str(json_object_get(e, "props"), "ownerId");
    const char *u = strstr(owner, "/users/");
    return u && strcmp(u, c->user_path) == 0;
}

static json_t *subscription_json(const portal_call_t *c, const char *id, const json_t *e)
{
    const json_t *props = json_object_get(e, "props"), *secrets = json_object_get(e, "secrets");
    const char *scope = portal_str(props, "scope");
    const char *product = strncmp(scope, "/products/", 10) == 0 ? scope + 10 : "";
    char ppath[MANAGE_PATH_MAX];
    snprintf(ppath, sizeof ppath, "/products/%s", product);
    const json_t *pprops = json_object_get(portal_entry(c->s, ppath), "props");
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "displayName",
                     portal_str(props, "displayName"), "state", portal_str(props, "state"), "scope",
                     scope, "productId", product, "productName", portal_str(pprops, "displayName"),
                     "primaryKey", portal_str(secrets, "primaryKey"), "secondaryKey",
                     portal_str(secrets, "secondaryKey"));
}

void portal_subscriptions(portal_call_t *c)
{
    json_t *list = json_array();
    const char *path;
    json_t *entry;
    json_object_foreach(c->s->resources, path, entry)
    {
        if (strncmp(path, "/subscriptions/", 15) != 0 || strchr(path + 15, '/') || !is_own(c, entry))
            continue;
        json_array_append_new(list, subscription_json(c, path + 15, entry));
    }
    manage_web_json(c->resp, 200, json_pack("{s:o}", "value", list));
}

/* Answers an error the REST handlers gave, in the portal's shape. */
static void relay_rest_error(portal_call_t *c, manage_response_t *rest)
{
    json_t *body = rest->body ? json_loads(rest->body, 0, NULL) : NULL;
    const char *message = json_string_value(json_object_get(json_object_get(body, "error"), "message"));
    const char *code = json_string_value(json_object_get(json_object_get(body, "error"), "code"));
    manage_web_error(c->resp, rest->status, code ? code : "Error", message ? message : "The change was refused.");
    json_decref(body);
}

void portal_subscribe(portal_call_t *c)
{
    json_t *body = portal_body(c);
    if (!body) return;
    const char *product = portal_str(body, "productId");
    char ppath[MANAGE_PATH_MAX];
    snprintf(ppath, sizeof ppath, "/products/%s", product);
    const json_t *pentry = manage_id_is_valid(product, strlen(product)) ? portal_entry(c->s, ppath) : NULL;
    if (!pentry || !is_published(pentry)) {
        manage_web_error(c->resp, 404, "NotFound", "No published product has this id.");
        json_decref(body);
        return;
    }
    const json_t *pprops = json_object_get(pentry, "props");
    json_t *limit = json_object_get(pprops, "subscriptionsLimit");
    if (json_is_integer(limit)) {
        json_int_t count = 0;
        const char *path;
        json_t *entry;
        json_object_foreach(c->s->resources, path, entry)
        {
            if (strncmp(path, "/subscriptions/", 15) == 0 && is_own(c, entry) &&
                strcmp(portal_str(json_object_get(entry, "props"), "scope"), ppath) == 0)
                count++;
        }
        if (count >= json_integer_value(limit)) {
            manage_web_error(c->resp, 409, "SubscriptionsLimitReached",
                             "You already have as many subscriptions to this product as it allows.");
            json_decref(body);
            return;
        }
    }
    const char *name = portal_str(body, "displayName");
    char default_name[400];
    if (!*name) {
        snprintf(default_name, sizeof default_name, "%.300s", portal_str(pprops, "displayName"));
        name = default_name;
    }
    unsigned char raw[8];
    if (RAND_bytes(raw, sizeof raw) != 1) abort();
    char spath[64];
    snprintf(spath, sizeof spath, "/subscriptions/sub-%02x%02x%02x%02x%02x%02x%02x%02x", raw[0],
             raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7]);
    json_t *approval = json_object_get(pprops, "approvalRequired");
    json_t *put = json_pack("{s:{s:s, s:s, s:s, s:s}}", "properties", "scope", ppath, "displayName",
                            name, "ownerId", c->user_path, "state",
                            approval && json_is_true(approval) ? "submitted" : "active");
    manage_response_t rest;
    int status = portal_rest(c, "PUT", spath, put, &rest);
    json_decref(put);
    json_decref(body);
    if (status == 201) {
        manage_web_json(c->resp, 201, subscription_json(c, spath + 15, portal_entry(c->s, spath)));
    } else {
        relay_rest_error(c, &rest);
    }
    manage_response_free(&rest);
}

void portal_regenerate(portal_call_t *c, const char *id)
{
    char spath[MANAGE_PATH_MAX];
    snprintf(spath, sizeof spath, "/subscriptions/%s", id);
    const json_t *entry = portal_entry(c->s, spath);
    if (!entry || !is_own(c, entry)) {
        /* Another developer's subscription is answered like a missing one. */
        manage_web_error(c->resp, 404, "NotFound", "You have no subscription with this id.");
        return;
    }
    json_t *body = portal_body(c);
    if (!body) return;
    const char *which = portal_str(body, "key");
    const char *action = strcmp(which, "primary") == 0     ? "regeneratePrimaryKey"
                         : strcmp(which, "secondary") == 0 ? "regenerateSecondaryKey"
                                                           : NULL;
    json_decref(body);
    if (!action) {
        manage_web_error(c->resp, 400, "InvalidRequestContent", "'key' must be 'primary' or 'secondary'.");
        return;
    }
    char apath[MANAGE_PATH_MAX + 32];
    snprintf(apath, sizeof apath, "%s/%s", spath, action);
    manage_response_t rest;
    if (portal_rest(c, "POST", apath, NULL, &rest) == 204)
        manage_web_json(c->resp, 200, subscription_json(c, id, portal_entry(c->s, spath)));
    else
        relay_rest_error(c, &rest);
    manage_response_free(&rest);
}

void portal_try(portal_call_t *c)
{
    json_t *body = portal_body(c);
    if (!body) return;
    const char *sid = portal_str(body, "subscriptionId");
    char spath[MANAGE_PATH_MAX];
    snprintf(spath, sizeof spath, "/subscriptions/%s", sid);
    const json_t *entry = *sid && manage_id_is_valid(sid, strlen(sid)) ? portal_entry(c->s, spath) : NULL;
    const char *key = NULL, *key_header = NULL;
    char header[256] = DEFAULT_KEY_HEADER;
    if (*sid) {
        if (!entry || !is_own(c, entry)) {
            manage_web_error(c->resp, 404, "NotFound", "You have no subscription with this id.");
            json_decref(body);
            return;
        }
        key = portal_str(json_object_get(entry, "secrets"), "primaryKey");
        key_header = header;
    }
    const char *api = portal_str(body, "apiId");
    if (*api && manage_id_is_valid(api, strlen(api))) {
        char apath[MANAGE_PATH_MAX];
        snprintf(apath, sizeof apath, "/apis/%s", api);
        const json_t *names = json_object_get(json_object_get(portal_entry(c->s, apath), "props"),
                                              "subscriptionKeyParameterNames");
        if (*portal_str(names, "header")) snprintf(header, sizeof header, "%s", portal_str(names, "header"));
    }
    json_t *headers = json_object_get(body, "headers");
    const char *text = portal_str(body, "body");
    const char *why = NULL;
    manage_forward_t *f = NULL;
    if (headers && !json_is_array(headers)) why = "headers must be an array of [name, value] pairs";
    else
        f = manage_forward_build(manage_service_global_endpoint(c->s), portal_str(body, "method"),
                                 portal_str(body, "path"), headers, text, strlen(text), key_header,
                                 key, &why);
    json_decref(body);
    if (!f) {
        manage_web_error(c->resp, 400, "InvalidRequestContent", why);
        return;
    }
    c->resp->forward = f;
}
