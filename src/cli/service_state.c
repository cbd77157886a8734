#include "cli/service_state.h"

#include "cli/args.h"
#include "cli/mgmt_cmd.h"
#include "cli/service_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int ok_get[] = {200, 0};
static const int ok_get_or_missing[] = {200, 404, 0};

/* The normalized properties of one listed resource. */
static json_t *item_props(svc_kind_t kind, const json_t *item)
{
    json_t *props = json_deep_copy(json_object_get(item, "properties"));
    if (!json_is_object(props)) {
        json_decref(props);
        props = json_object();
    }
    svc_normalize_props(kind, props);
    return props;
}

/* GET a policy in rawxml: a string, or NULL (no policy, or an error: *rc says which). */
static json_t *read_policy(mgmt_client_t *client, const char *path, int *rc)
{
    char *query = NULL;
    if (asprintf(&query, "%s?format=rawxml", path) < 0) {
        *rc = CLI_EXIT_FAILURE;
        return NULL;
    }
    mgmt_response_t resp;
    *rc = mgmt_cmd_call(client, "GET", query, NULL, NULL, ok_get_or_missing, &resp);
    free(query);
    if (*rc) return NULL;
    json_t *value = NULL;
    if (resp.status == 200) {
        value = json_object_get(json_object_get(resp.json, "properties"), "value");
        if (json_is_string(value))
            json_incref(value);
        else
            value = json_string("");
    }
    mgmt_response_free(&resp);
    return value;
}

/* POST an action (listValue, listSecrets) and return its JSON answer. */
static json_t *post_action(mgmt_client_t *client, const char *path, const char *action, int *rc)
{
    char *full = NULL;
    if (asprintf(&full, "%s/%s", path, action) < 0) {
        *rc = CLI_EXIT_FAILURE;
        return NULL;
    }
    mgmt_response_t resp;
    *rc = mgmt_cmd_call(client, "POST", full, NULL, NULL, ok_get, &resp);
    free(full);
    if (*rc) return NULL;
    json_t *answer = json_incref(resp.json);
    mgmt_response_free(&resp);
    return answer;
}

/* Lists a collection into {name: properties}. */
static int read_collection(mgmt_client_t *client, const char *path, svc_kind_t kind, json_t *into,
                           json_t **items_out)
{
    json_t *items;
    int rc = mgmt_cmd_list(client, path, &items);
    if (rc) return rc;
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (name) json_object_set_new(into, name, item_props(kind, item));
    }
    if (items_out)
        *items_out = items;
    else
        json_decref(items);
    return 0;
}

/* Names of the members of a sub-collection (a product's APIs, a group's users). */
static json_t *read_names(mgmt_client_t *client, const char *path, int *rc)
{
    json_t *items;
    *rc = mgmt_cmd_list(client, path, &items);
    if (*rc) return NULL;
    json_t *names = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        json_t *name = json_object_get(item, "name");
        if (json_is_string(name)) json_array_append(names, name);
    }
    json_decref(items);
    return names;
}

/* entry[KEY]: the names of the resources linked at COLLECTION/ID/KEY (a group's users, a
 * product's APIs); an empty list when there are none. 0 or the exit code (printed). */
static int read_links(mgmt_client_t *client, const char *collection, const char *id,
                      const char *key, json_t *entry)
{
    char suffix[32];
    snprintf(suffix, sizeof suffix, "/%s", key);
    char *path = mgmt_entity_path(collection, id, suffix);
    int rc = 0;
    json_t *names = path ? read_names(client, path, &rc) : NULL;
    free(path);
    if (rc) return rc;
    json_object_set_new(entry, key, names ? names : json_array());
    return 0;
}

static int read_apis(mgmt_client_t *client, json_t *apis)
{
    int rc = read_collection(client, "/apis", SVC_API, apis, NULL);
    const char *id;
    json_t *api;
    json_object_foreach(apis, id, api)
    {
        if (rc) break;
        char *ops_path = mgmt_entity_path("apis", id, "/operations");
        char *policy_path = mgmt_entity_path("apis", id, "/policies/policy");
        json_t *ops = json_object();
        rc = read_collection(client, ops_path, SVC_OPERATION, ops, NULL);
        const char *op_id;
        json_t *op;
        json_object_foreach(ops, op_id, op)
        {
            if (rc) break;
            char *escaped = mgmt_path_escape(op_id), *suffix = NULL;
            if (escaped && asprintf(&suffix, "/operations/%s/policies/policy", escaped) < 0)
                suffix = NULL;
            char *op_policy_path = suffix ? mgmt_entity_path("apis", id, suffix) : NULL;
            json_t *policy = op_policy_path ? read_policy(client, op_policy_path, &rc) : NULL;
            if (policy) json_object_set_new(op, "policy", policy);
            free(escaped);
            free(suffix);
            free(op_policy_path);
        }
        json_object_set_new(api, "operations", ops);
        if (rc == 0) {
            json_t *policy = read_policy(client, policy_path, &rc);
            if (policy) json_object_set_new(api, "policy", policy);
        }
        free(ops_path);
        free(policy_path);
    }
    return rc;
}

int svc_state_read(mgmt_client_t *client, bool with_secrets, json_t **doc_out)
{
    json_t *doc = json_object();
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, "GET", "", NULL, NULL, ok_get, &resp);
    if (rc) goto fail;
    json_t *service = item_props(SVC_SERVICE, resp.json);
    mgmt_response_free(&resp);
    json_object_set_new(doc, "service", service);

    json_t *policy = read_policy(client, "/policies/policy", &rc);
    if (rc) goto fail;
    json_object_set_new(doc, "policy", policy ? policy : json_null());

    json_t *named = json_object();
    json_object_set_new(doc, "namedValues", named);
    if ((rc = read_collection(client, "/namedValues", SVC_NAMED_VALUE, named, NULL))) goto fail;
    const char *id;
    json_t *v;
    json_object_foreach(named, id, v)
    {
        if (!json_is_true(json_object_get(v, "secret")) || !with_secrets) continue;
        char *path = mgmt_entity_path("namedValues", id, NULL);
        json_t *answer = path ? post_action(client, path, "listValue", &rc) : NULL;
        free(path);
        if (rc) goto fail;
        json_object_set(v, "value", json_object_get(answer, "value"));
        json_decref(answer);
    }

    static const struct {
        const char *section, *path;
        svc_kind_t kind;
    } simple[] = {
        {"policyFragments", "/policyFragments", SVC_FRAGMENT},
        {"backends", "/backends", SVC_BACKEND},
        {"apiVersionSets", "/apiVersionSets", SVC_VERSION_SET},
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        json_t *section = json_object();
        json_object_set_new(doc, simple[i].section, section);
        if ((rc = read_collection(client, simple[i].path, simple[i].kind, section, NULL)))
            goto fail;
    }

    json_t *apis = json_object();
    json_object_set_new(doc, "apis", apis);
    if ((rc = read_apis(client, apis))) goto fail;

    json_t *users = json_object();
    json_object_set_new(doc, "users", users);
    if ((rc = read_collection(client, "/users", SVC_USER, users, NULL))) goto fail;

    json_t *groups = json_object();
    json_object_set_new(doc, "groups", groups);
    if ((rc = read_collection(client, "/groups", SVC_GROUP, groups, NULL))) goto fail;
    json_object_foreach(groups, id, v)
    {
        if ((rc = read_links(client, "groups", id, "users", v))) goto fail;
    }

    json_t *products = json_object();
    json_object_set_new(doc, "products", products);
    if ((rc = read_collection(client, "/products", SVC_PRODUCT, products, NULL))) goto fail;
    json_object_foreach(products, id, v)
    {
        if ((rc = read_links(client, "products", id, "apis", v))) goto fail;
        char *path = mgmt_entity_path("products", id, "/policies/policy");
        json_t *product_policy = path ? read_policy(client, path, &rc) : NULL;
        free(path);
        if (rc) goto fail;
        if (product_policy) json_object_set_new(v, "policy", product_policy);
    }

    json_t *subscriptions = json_object();
    json_object_set_new(doc, "subscriptions", subscriptions);
    if ((rc = read_collection(client, "/subscriptions", SVC_SUBSCRIPTION, subscriptions, NULL)))
        goto fail;
    if (with_secrets) {
        json_object_foreach(subscriptions, id, v)
        {
            char *path = mgmt_entity_path("subscriptions", id, NULL);
            json_t *answer = path ? post_action(client, path, "listSecrets", &rc) : NULL;
            free(path);
            if (rc) goto fail;
            json_object_set(v, "primaryKey", json_object_get(answer, "primaryKey"));
            json_object_set(v, "secondaryKey", json_object_get(answer, "secondaryKey"));
            json_decref(answer);
        }
    }
    *doc_out = doc;
    return 0;

fail:
    json_decref(doc);
    *doc_out = NULL;
    return rc ? rc : CLI_EXIT_FAILURE;
}

int svc_state_fetch(mgmt_client_t *client, int kind, const char *path, json_t **props, char **etag)
{
    *props = NULL;
    *etag = NULL;
    bool is_policy = svc_kind_is_policy((svc_kind_t)kind);
    char *query = NULL;
    if (asprintf(&query, "%s%s", path, is_policy ? "?format=rawxml" : "") < 0)
        return CLI_EXIT_FAILURE;
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, "GET", query, NULL, NULL, ok_get_or_missing, &resp);
    free(query);
    if (rc) return rc;
    if (resp.status == 200) {
        if (is_policy) {
            json_t *value = json_object_get(json_object_get(resp.json, "properties"), "value");
            *props = json_is_string(value)
                         ? json_pack("{s:s, s:O}", "format", "rawxml", "value", value)
                         : json_pack("{s:s, s:s}", "format", "rawxml", "value", "");
        } else {
            *props = item_props((svc_kind_t)kind, resp.json);
        }
        if (resp.etag) *etag = strdup(resp.etag);
    }
    mgmt_response_free(&resp);
    return 0;
}
