/* Caching policies (spec/apim-gateway.md §2.6) and the semantic caches of language-model
 * APIs. They compile now; the cache store comes with a later issue. */
#include "policy/policies_support.h"
#include "policy/registry_tables.h"

#include <errno.h>
#include <string.h>

/* No cache store yet (a later issue): every lookup is a miss and stores are dropped. All
 * attributes and expressions are compiled now so that errors are configuration errors;
 * docs/policies.md says in bold that nothing is cached yet. */
static int compile_cache(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                         const void **data, policy_doc_error_t *err)
{
    (void)data;
    return policy_support_compile_all(cc, element, cc->spec, err);
}

typedef struct {
    policy_value_t key, default_value;
    const char *variable;
} lookup_value_t;

static int cache_lookup_value_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                      const void **data, policy_doc_error_t *err)
{
    lookup_value_t *l = arena_alloc(cc->arena, sizeof *l);
    if (!l) return -ENOMEM;
    int rc;
    if ((rc = policy_compile_attr(cc, element, "key", POLICY_VALUE_STRING, &l->key, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "default-value", POLICY_VALUE_ANY, &l->default_value, err)) < 0 ||
        (rc = policy_support_literal_attr(cc, element, "variable-name", &l->variable, err)) < 0)
        return rc;
    *data = l;
    return 0;
}

/* A miss (§2.6): the variable gets default-value, or stays unset without one. The key is
 * evaluated all the same, so that an expression that throws fails as it would with a cache. */
static int cache_lookup_value_run(policy_exec_t *exec, const policy_step_t *step)
{
    const lookup_value_t *l = step->data;
    const char *key;
    size_t key_len;
    if (policy_value_string(exec, step, &l->key, &key, &key_len) < 0) return -1;
    if (!l->default_value.is_present) return POLICY_RUN_NEXT;
    expr_value_t value;
    if (policy_value_eval(exec, step, &l->default_value, &value) < 0) return -1;
    if (policy_exec_var_set(exec, l->variable, strlen(l->variable), value) < 0)
        return policy_exec_raise_oom(exec, step);
    return POLICY_RUN_NEXT;
}

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
    .compile = compile_cache,
    .run = policy_support_noop_run,
};

static const policy_descriptor_t cache_store = {
    .name = "cache-store",
    .family = "cache",
    .sections = POLICY_OUT,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(A_DUR("duration", R, NULL, 0), A_BOOL("cache-response", 0, "false"))},
    .compile = compile_cache,
    .run = policy_support_noop_run,
};

static const policy_descriptor_t cache_lookup_value = {
    .name = "cache-lookup-value",
    .family = "cache",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), A_STR("variable-name", R | LIT), A_STR("default-value", 0),
                      CACHING_TYPE)},
    .compile = cache_lookup_value_compile,
    .run = cache_lookup_value_run,
};

static const policy_descriptor_t cache_store_value = {
    .name = "cache-store-value",
    .family = "cache",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), A_STR("value", R), A_DUR("duration", R, NULL, 0),
                      CACHING_TYPE)},
    .compile = compile_cache,
    .run = policy_support_noop_run,
};

static const policy_descriptor_t cache_remove_value = {
    .name = "cache-remove-value",
    .family = "cache",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), CACHING_TYPE)},
    .compile = compile_cache,
    .run = policy_support_noop_run,
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
    .name = "azure-openai-semantic-cache-lookup", .family = "cache", SEMANTIC_LOOKUP, .compile = compile_cache, .run = policy_support_noop_run};
static const policy_descriptor_t llm_semantic_cache_lookup = {
    .name = "llm-semantic-cache-lookup", .family = "cache", SEMANTIC_LOOKUP, .compile = compile_cache, .run = policy_support_noop_run};
static const policy_descriptor_t azure_openai_semantic_cache_store = {
    .name = "azure-openai-semantic-cache-store", .family = "cache", SEMANTIC_STORE, .compile = compile_cache, .run = policy_support_noop_run};
static const policy_descriptor_t llm_semantic_cache_store = {
    .name = "llm-semantic-cache-store", .family = "cache", SEMANTIC_STORE, .compile = compile_cache, .run = policy_support_noop_run};

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
