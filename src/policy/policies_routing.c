/* Routing policies (spec/apim-gateway.md §2.2): set-backend-service, forward-request, proxy. */
#include "policy/registry_tables.h"

#include <errno.h>

/* base-url or backend-id (§2.2); the Dapr form is backend-id="dapr" with dapr-app-id. */
static int check_set_backend_service(const policy_check_ctx_t *ctx,
                                     const policy_doc_node_t *element, policy_doc_error_t *err)
{
    return policy_check_exactly_one(ctx, element, (const char *const[]){"base-url", "backend-id", NULL},
                                    err);
}

static const policy_descriptor_t set_backend_service = {
    .name = "set-backend-service",
    .family = "routing",
    .sections = POLICY_IN | POLICY_BACK,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_URL("base-url", 0), A_STR("backend-id", 0), A_STR("sf-partition-key", 0),
                      A_ENUM("sf-replica-type", 0, "primary", "primary", "secondary"),
                      A_BOOL("sf-resolve-condition", 0, NULL), A_STR("sf-service-instance-name", 0),
                      A_STR("sf-listener-name", 0), A_STR("dapr-app-id", EXT),
                      A_STR("dapr-method", EXT), A_STR("dapr-namespace", EXT))},
    .check = check_set_backend_service,
};

/* timeout and timeout-ms are exclusive (§2.2). */
static int check_forward_request(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                                 policy_doc_error_t *err)
{
    return policy_check_at_most_one(ctx, element,
                                    (const char *const[]){"timeout", "timeout-ms", NULL}, err);
}

static const policy_descriptor_t forward_request = {
    .name = "forward-request",
    .family = "routing",
    .sections = POLICY_BACK,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_INT("timeout", 0, "300", 0, 2147483L),
                      A_INT("timeout-ms", 0, NULL, 0, 2147483647L),
                      A_INT("continue-timeout", 0, NULL, 0, 2147483L),
                      A_ENUM("http-version", 0, "1", "1", "2or1", "2"),
                      A_BOOL("follow-redirects", 0, "false"),
                      A_BOOL("buffer-request-body", 0, "false"),
                      A_BOOL("buffer-response", LIT, "true"),
                      A_BOOL("fail-on-error-status-code", LIT, "false"))},
    .check = check_forward_request,
};

static const policy_descriptor_t proxy = {
    .name = "proxy",
    .family = "routing",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_URL("url", R), A_STR("username", 0), A_STR("password", 0))},
};

const policy_descriptor_t *const policy_family_routing[] = {
    &set_backend_service,
    &forward_request,
    &proxy,
    NULL,
};
