/* Access restriction and authentication policies (spec/apim-gateway.md §2.4). */
#include "policy/registry_tables.h"

#include <errno.h>

static const policy_descriptor_t check_header = {
    .name = "check-header",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("name", R), A_INT("failed-check-httpcode", R, NULL, 100, 599),
                      A_STR("failed-check-error-message", R), A_BOOL("ignore-case", R, NULL)),
                CHILDREN(TEXT_CHILD("value", 0, 0))},
};

/* At least one <address> or <address-range> (§2.4). */
static int check_ip_filter(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                           policy_doc_error_t *err)
{
    if (policy_doc_first_element(element, NULL)) return 0;
    policy_doc_errorf(err, ctx->scope, element->pos,
                      "<ip-filter> needs at least one <address> or <address-range>");
    return -EINVAL;
}

static const policy_descriptor_t ip_filter = {
    .name = "ip-filter",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_ENUM("action", R, NULL, "allow", "forbid")),
                CHILDREN(TEXT_CHILD("address", 0, 0),
                         CHILD("address-range", 0, 0, ATTRS(A_STR("from", R), A_STR("to", R))))},
    .check = check_ip_filter,
};

/* <allowed-headers> is marked required in §2.4; public documents omit it when they allow no
 * request headers, and the vendor accepts that: optional here [I]. */
static const policy_descriptor_t cors = {
    .name = "cors",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(A_BOOL("allow-credentials", 0, "false"),
                      A_BOOL("terminate-unmatched-request", 0, "false")),
                CHILDREN(CHILD("allowed-origins", 1, 1, CHILDREN(TEXT_CHILD("origin", 1, 0))),
                         CHILD("allowed-methods", 0, 1,
                               ATTRS(A_INT("preflight-result-max-age", 0, "0", 0, 2147483647L)),
                               CHILDREN(TEXT_CHILD("method", 1, 0))),
                         CHILD("allowed-headers", 0, 1, CHILDREN(TEXT_CHILD("header", 1, 0))),
                         CHILD("expose-headers", 0, 1, CHILDREN(TEXT_CHILD("header", 1, 0))))},
};

#define KEY_LIST(n)                                                                                \
    CHILD(n, 0, 1,                                                                                 \
          CHILDREN(CHILD("key", 1, 0,                                                              \
                         ATTRS(A_STR("id", 0), A_STR("certificate-id", 0), A_STR("n", 0),          \
                               A_STR("e", 0)),                                                     \
                         TEXT)))

#define REQUIRED_CLAIMS                                                                            \
    CHILD("required-claims", 0, 1,                                                                 \
          CHILDREN(CHILD("claim", 1, 0,                                                            \
                         ATTRS(A_STR("name", R), A_ENUM("match", 0, "all", "all", "any"),          \
                               A_STR("separator", 0)),                                             \
                         CHILDREN(TEXT_CHILD("value", 0, 0)))))

#define TOKEN_SOURCES (const char *const[]){"header-name", "query-parameter-name", "token-value", NULL}

static int check_validate_jwt(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                              policy_doc_error_t *err)
{
    return policy_check_exactly_one(ctx, element, TOKEN_SOURCES, err);
}

static const policy_descriptor_t validate_jwt = {
    .name = "validate-jwt",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("header-name", 0), A_STR("query-parameter-name", 0),
                      A_STR("token-value", 0),
                      A_INT("failed-validation-httpcode", 0, "401", 100, 599),
                      A_STR("failed-validation-error-message", 0),
                      A_BOOL("require-expiration-time", 0, "true"), A_STR("require-scheme", 0),
                      A_BOOL("require-signed-tokens", 0, "true"), A_DUR("clock-skew", 0, "0", 0),
                      A_STR("output-token-variable-name", LIT)),
                CHILDREN(CHILD("openid-config", 0, 0, ATTRS(A_URL("url", R))),
                         KEY_LIST("issuer-signing-keys"), KEY_LIST("decryption-keys"),
                         CHILD("audiences", 0, 1, CHILDREN(TEXT_CHILD("audience", 1, 0))),
                         CHILD("issuers", 0, 1, CHILDREN(TEXT_CHILD("issuer", 1, 0))),
                         REQUIRED_CLAIMS)},
    .check = check_validate_jwt,
};

/* Fetches Microsoft Entra metadata and keys: an external endpoint. At most one token
 * source; none means the Authorization header. */
static int check_validate_azure_ad_token(const policy_check_ctx_t *ctx,
                                         const policy_doc_node_t *element, policy_doc_error_t *err)
{
    return policy_check_at_most_one(ctx, element, TOKEN_SOURCES, err);
}

static const policy_descriptor_t validate_azure_ad_token = {
    .name = "validate-azure-ad-token",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("tenant-id", R), A_STR("header-name", 0),
                      A_STR("query-parameter-name", 0), A_STR("token-value", 0),
                      A_INT("failed-validation-httpcode", 0, "401", 100, 599),
                      A_STR("failed-validation-error-message", 0),
                      A_STR("output-token-variable-name", LIT)),
                CHILDREN(CHILD("client-application-ids", 0, 1,
                               CHILDREN(TEXT_CHILD("application-id", 1, 0))),
                         CHILD("backend-application-ids", 0, 1,
                               CHILDREN(TEXT_CHILD("application-id", 1, 0))),
                         CHILD("audiences", 0, 1, CHILDREN(TEXT_CHILD("audience", 1, 0))),
                         REQUIRED_CLAIMS)},
    .check = check_validate_azure_ad_token,
};

static const policy_descriptor_t validate_client_certificate = {
    .name = "validate-client-certificate",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_BOOL("validate-revocation", 0, "true"), A_BOOL("validate-trust", 0, "true"),
                      A_BOOL("validate-not-before", 0, "true"),
                      A_BOOL("validate-not-after", 0, "true"), A_BOOL("ignore-error", 0, "false")),
                CHILDREN(CHILD("identities", 0, 1,
                               CHILDREN(CHILD("identity", 1, 0,
                                              ATTRS(A_STR("thumbprint", 0),
                                                    A_STR("serial-number", 0),
                                                    A_STR("common-name", 0), A_STR("subject", 0),
                                                    A_STR("dns-name", 0),
                                                    A_STR("issuer-subject", 0),
                                                    A_STR("issuer-thumbprint", 0),
                                                    A_STR("issuer-certificate-id", 0))))))},
};

static const policy_descriptor_t authentication_basic = {
    .name = "authentication-basic",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("username", R), A_STR("password", R))},
};

static int check_authentication_certificate(const policy_check_ctx_t *ctx,
                                            const policy_doc_node_t *element,
                                            policy_doc_error_t *err)
{
    return policy_check_exactly_one(
        ctx, element, (const char *const[]){"thumbprint", "certificate-id", "body", NULL}, err);
}

static const policy_descriptor_t authentication_certificate = {
    .name = "authentication-certificate",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("thumbprint", 0), A_STR("certificate-id", 0), A_STR("body", 0),
                      A_STR("password", 0))},
    .check = check_authentication_certificate,
};

static const policy_descriptor_t authentication_managed_identity = {
    .name = "authentication-managed-identity",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("resource", R), A_STR("client-id", 0),
                      A_STR("output-token-variable-name", LIT), A_BOOL("ignore-error", 0, "false"))},
};

static const policy_descriptor_t get_authorization_context = {
    .name = "get-authorization-context",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("provider-id", R), A_STR("authorization-id", R),
                      A_STR("context-variable-name", R | LIT),
                      A_ENUM("identity-type", 0, "managed", "managed", "jwt"), A_STR("identity", 0),
                      A_BOOL("ignore-error", 0, "false"))},
};

const policy_descriptor_t *const policy_family_access[] = {
    &check_header,
    &ip_filter,
    &cors,
    &validate_jwt,
    &validate_azure_ad_token,
    &validate_client_certificate,
    &authentication_basic,
    &authentication_certificate,
    &authentication_managed_identity,
    &get_authorization_context,
    NULL,
};
