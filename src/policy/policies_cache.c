/* Caching policies (spec/apim-gateway.md §2.6) and the semantic caches of language-model
 * APIs. They compile now; the cache store comes with a later issue. */
#include "policy/registry_tables.h"

#define CACHING_TYPE                                                                               \
    A_ENUM("caching-type", LIT, "prefer-external", "internal", "external", "prefer-external")

static const policy_descriptor_t cache_lookup = {
    .name = "cache-lookup",
    .family = "cache",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(A_BOOL("vary-by-developer", R, "false"),
                      A_BOOL("vary-by-developer-groups", R, "false"), CACHING_TYPE,
                      A_ENUM("downstream-caching-type", 0, "none", "none", "private", "public"),
                      A_BOOL("must-revalidate", 0, "true"),
                      A_BOOL("allow-private-response-caching", 0, "false")),
                CHILDREN(TEXT_CHILD("vary-by-header", 0, 0),
                         TEXT_CHILD("vary-by-query-parameter", 0, 0))},
};

static const policy_descriptor_t cache_store = {
    .name = "cache-store",
    .family = "cache",
    .sections = POLICY_OUT,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(A_DUR("duration", R, NULL, 0), A_BOOL("cache-response", 0, "false"))},
};

static const policy_descriptor_t cache_lookup_value = {
    .name = "cache-lookup-value",
    .family = "cache",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), A_STR("variable-name", R | LIT), A_STR("default-value", 0),
                      CACHING_TYPE)},
};

static const policy_descriptor_t cache_store_value = {
    .name = "cache-store-value",
    .family = "cache",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), A_STR("value", R), A_DUR("duration", R, NULL, 0),
                      CACHING_TYPE)},
};

static const policy_descriptor_t cache_remove_value = {
    .name = "cache-remove-value",
    .family = "cache",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), CACHING_TYPE)},
};

/* Semantic caches: embeddings come from a configured backend, an external endpoint.
 * cache-id and embeddings-backend-auth="managed-identity" are not in the vendor's table but
 * public documents use them: accepted. */
#define SEMANTIC_LOOKUP                                                                            \
    .sections = POLICY_IN, .scopes = POLICY_ALL_SCOPES, .flags = POLICY_NEEDS_EXTERNAL,            \
    .element = {ATTRS(A_NUM("score-threshold", R, NULL), A_STR("embeddings-backend-id", R),        \
                      A_ENUM("embeddings-backend-auth", 0, NULL, "system-assigned",     \
                             "managed-identity"),                                                  \
                                  \
                      A_BOOL("ignore-system-messages", 0, "false"),                                \
                      A_INT("max-message-count", 0, NULL, 1, 2147483647L), A_STR("cache-id", 0)),  \
                CHILDREN(TEXT_CHILD("vary-by", 0, 0))}

#define SEMANTIC_STORE                                                                             \
    .sections = POLICY_OUT, .scopes = POLICY_ALL_SCOPES, .flags = POLICY_NEEDS_EXTERNAL,           \
    .element = {ATTRS(A_DUR("duration", R, NULL, 0))}

static const policy_descriptor_t azure_openai_semantic_cache_lookup = {
    .name = "azure-openai-semantic-cache-lookup", .family = "cache", SEMANTIC_LOOKUP};
static const policy_descriptor_t llm_semantic_cache_lookup = {
    .name = "llm-semantic-cache-lookup", .family = "cache", SEMANTIC_LOOKUP};
static const policy_descriptor_t azure_openai_semantic_cache_store = {
    .name = "azure-openai-semantic-cache-store", .family = "cache", SEMANTIC_STORE};
static const policy_descriptor_t llm_semantic_cache_store = {
    .name = "llm-semantic-cache-store", .family = "cache", SEMANTIC_STORE};

const policy_descriptor_t *const policy_family_cache[] = {
    &cache_lookup,
    &cache_store,
    &cache_lookup_value,
    &cache_store_value,
    &cache_remove_value,
    &azure_openai_semantic_cache_lookup,
    &llm_semantic_cache_lookup,
    &azure_openai_semantic_cache_store,
    &llm_semantic_cache_store,
    NULL,
};
