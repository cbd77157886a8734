/* Content validation policies (spec/apim-gateway.md §2.8). */
#include "policy/registry_tables.h"

#define ACTION(n, fl) A_ENUM(n, fl, NULL, "ignore", "prevent", "detect")

static const policy_descriptor_t validate_content = {
    .name = "validate-content",
    .family = "validation",
    .sections = POLICY_IN | POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(ACTION("unspecified-content-type-action", R),
                      A_INT("max-size", R, NULL, 0, 4194304), ACTION("size-exceeded-action", R),
                      A_STR("errors-variable-name", LIT)),
                CHILDREN(CHILD("content-type-map", 0, 1,
                               ATTRS(A_STR("any-content-type-value", 0),
                                     A_STR("missing-content-type-value", 0)),
                               CHILDREN(CHILD("type", 0, 0,
                                              ATTRS(A_STR("from", 0), A_STR("when", 0),
                                                    A_STR("to", R))))),
                         CHILD("content", 0, 0,
                               ATTRS(A_STR("type", 0),
                                     A_ENUM("validate-as", R, NULL, "json", "xml", "soap"),
                                     A_STR("schema-id", 0), A_STR("schema-ref", 0),
                                     ACTION("action", R),
                                     A_BOOL("allow-additional-properties", 0, NULL),
                                     A_BOOL("case-insensitive-property-names", 0, "false"))))},
};

#define PARAMETER_GROUP(n)                                                                         \
    CHILD(n, 0, 1,                                                                                 \
          ATTRS(ACTION("specified-parameter-action", 0), ACTION("unspecified-parameter-action", 0)), \
          CHILDREN(CHILD("parameter", 0, 0, ATTRS(A_STR("name", R), ACTION("action", R)))))

static const policy_descriptor_t validate_parameters = {
    .name = "validate-parameters",
    .family = "validation",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(ACTION("specified-parameter-action", R),
                      ACTION("unspecified-parameter-action", R), A_STR("errors-variable-name", LIT)),
                CHILDREN(PARAMETER_GROUP("headers"), PARAMETER_GROUP("query"),
                         PARAMETER_GROUP("path"))},
};

static const policy_descriptor_t validate_headers = {
    .name = "validate-headers",
    .family = "validation",
    .sections = POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(ACTION("specified-header-action", R), ACTION("unspecified-header-action", R),
                      A_STR("errors-variable-name", LIT)),
                CHILDREN(CHILD("header", 0, 0, ATTRS(A_STR("name", R), ACTION("action", R))))},
};

/* error-variable-name (singular) is not in the vendor's table but public documents use it:
 * accepted as a synonym of errors-variable-name. */
static const policy_descriptor_t validate_status_code = {
    .name = "validate-status-code",
    .family = "validation",
    .sections = POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(ACTION("unspecified-status-code-action", R),
                      A_STR("errors-variable-name", LIT), A_STR("error-variable-name", LIT)),
                CHILDREN(CHILD("status-code", 0, 0,
                               ATTRS(A_INT("code", R, NULL, 100, 599), ACTION("action", R))))},
};

static const policy_descriptor_t validate_odata_request = {
    .name = "validate-odata-request",
    .family = "validation",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("error-variable-name", LIT), A_STR("default-odata-version", 0),
                      A_STR("min-odata-version", 0), A_STR("max-odata-version", 0),
                      A_INT("max-size", 0, NULL, 0, 2147483647L))},
};

const policy_descriptor_t *const policy_family_validation[] = {
    &validate_content, &validate_parameters, &validate_headers, &validate_status_code,
    &validate_odata_request, NULL,
};
