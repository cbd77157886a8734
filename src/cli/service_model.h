/* service_model: the declarative service document (docs/service-file.md) as a list of
 * management resources.
 *
 * The same document shape describes what a file asks for (service_file.h) and what the
 * server holds (service_state.h, `meridian export`): top-level sections `service`,
 * `policy`, `namedValues`, `policyFragments`, `backends`, `apiVersionSets`, `apis` (with
 * `operations` and `policy` inline), `users`, `groups` (with `users`), `products` (with
 * `apis` and `policy`) and `subscriptions`; resources keyed by id. Flattening it yields one
 * resource per REST path, in dependency order, which is what the plan compares.
 *
 * Pure: no I/O. */
#ifndef MERIDIAN_CLI_SERVICE_MODEL_H
#define MERIDIAN_CLI_SERVICE_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Kinds in dependency order: a resource may refer only to kinds before it (policies use
 * named values, backends and fragments; operations live in APIs; subscriptions name
 * products, APIs and users). Creates and updates run in this order, deletes in reverse. */
typedef enum {
    SVC_SERVICE,
    SVC_NAMED_VALUE,
    SVC_BACKEND,
    SVC_FRAGMENT,
    SVC_VERSION_SET,
    SVC_GLOBAL_POLICY,
    SVC_API,
    SVC_OPERATION,
    SVC_API_POLICY,
    SVC_OPERATION_POLICY,
    SVC_USER,
    SVC_GROUP,
    SVC_GROUP_USER,
    SVC_PRODUCT,
    SVC_PRODUCT_API,
    SVC_PRODUCT_POLICY,
    SVC_SUBSCRIPTION,
    SVC_KIND_COUNT
} svc_kind_t;

typedef struct {
    svc_kind_t kind;
    char *path;    /* REST path under {svc}, ids percent-encoded: "/apis/echo/operations/get" */
    char *label;   /* for people: "operation echo/get" */
    json_t *props; /* properties (owned); policies: {"format":"rawxml","value":TEXT};
                      links (group users, product APIs): NULL */
    const char *section; /* the top-level section it belongs to ("apis"), static */
} svc_resource_t;

typedef struct {
    svc_resource_t *items;
    size_t count, cap;
} svc_resources_t;

/* "api", "operation", "policy", ... (for plan lines). */
const char *svc_kind_name(svc_kind_t kind);
/* Policies and links are written with PUT and have no properties to merge. */
bool svc_kind_is_policy(svc_kind_t kind);
bool svc_kind_is_link(svc_kind_t kind);

/* Flattens a document (already validated by service_file or built by service_state) into
 * resources ordered by kind, then document order. Returns 0, or -1 when out of memory. */
int svc_flatten(const json_t *doc, svc_resources_t *out);
void svc_resources_free(svc_resources_t *r);

/* Makes a resource's properties comparable, whichever side they come from: references to
 * other resources (`scope`, `ownerId`, `apiVersionSetId`, `groupIds`...) lose the
 * /subscriptions/.../service/NAME prefix of full ARM ids, and read-only or server-computed
 * properties are dropped. Modifies `props` in place. */
void svc_normalize_props(svc_kind_t kind, json_t *props);

/* Is property `key` of this kind a secret (a secret named value's value, a subscription
 * key)? Such values are compared only when both sides have them and never printed. */
bool svc_is_secret_prop(svc_kind_t kind, const json_t *props, const char *key);

/* The top-level sections, in document order (NULL-terminated). */
extern const char *const svc_sections[];

#endif
