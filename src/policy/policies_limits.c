/* Rate limits, quotas and token limits (spec/apim-gateway.md §2.5, §2.4 limit-concurrency is
 * in policies_control.c). They compile now; their counters come with a later issue. */
#include "policy/policies_support.h"
#include "policy/registry_tables.h"

#include <errno.h>

/* Header and variable names that report a limit; literals in every rate-limit form (§2.5). */
#define LIMIT_NAMES                                                                                \
    A_STRD("retry-after-header-name", LIT, "Retry-After"), A_STR("retry-after-variable-name", LIT), \
        A_STR("remaining-calls-header-name", LIT), A_STR("remaining-calls-variable-name", LIT),    \
        A_STR("total-calls-header-name", LIT)

/* Counters come with a later issue: every attribute and expression is compiled now (errors
 * are configuration errors), and the run does nothing — docs/policies.md says in bold that
 * these limits are not enforced yet. */
static int compile_limit(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                         const void **data, policy_doc_error_t *err)
{
    (void)data;
    return policy_support_compile_all(cc, element, cc->spec, err);
}

#define WINDOW_MAX 300 /* sliding windows are at most 300 s (§2.5) */

static const policy_descriptor_t rate_limit = {
    .name = "rate-limit",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_AT_PRODUCT | POLICY_AT_API | POLICY_AT_OPERATION,
    .flags = POLICY_ONCE_PER_DOCUMENT,
    .element = {ATTRS(A_INT("calls", R | LIT, NULL, 1, 2147483647L),
                      A_DUR("renewal-period", R | LIT, NULL, WINDOW_MAX), LIMIT_NAMES),
                CHILDREN(CHILD("api", 0, 0,
                               ATTRS(A_STR("name", LIT), A_STR("id", LIT),
                                     A_INT("calls", R | LIT, NULL, 1, 2147483647L),
                                     A_DUR("renewal-period", R | LIT, NULL, WINDOW_MAX)),
                               CHILDREN(CHILD("operation", 0, 0,
                                              ATTRS(A_STR("name", LIT), A_STR("id", LIT),
                                                    A_INT("calls", R | LIT, NULL, 1, 2147483647L),
                                                    A_DUR("renewal-period", R | LIT, NULL,
                                                          WINDOW_MAX))))))},
    .compile = compile_limit,
    .run = policy_support_noop_run,
};

static const policy_descriptor_t rate_limit_by_key = {
    .name = "rate-limit-by-key",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_INT("calls", R, NULL, 1, 2147483647L),
                      A_DUR("renewal-period", R, NULL, WINDOW_MAX), A_STR("counter-key", R),
                      A_BOOL("increment-condition", 0, "true"),
                      A_INT("increment-count", 0, "1", 0, 2147483647L), LIMIT_NAMES)},
    .compile = compile_limit,
    .run = policy_support_noop_run,
};

#define CALLS_OR_BANDWIDTH (const char *const[]){"calls", "bandwidth", NULL}

static int check_quota(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                       policy_doc_error_t *err)
{
    return policy_check_at_least_one(ctx, element, CALLS_OR_BANDWIDTH, err);
}

#define QUOTA_LIMITS                                                                               \
    A_INT("calls", LIT, NULL, 1, 2147483647L), A_INT("bandwidth", LIT, NULL, 1, 2147483647L)
#define QUOTA_COUNTS QUOTA_LIMITS, A_DUR("renewal-period", R | LIT, NULL, 0)
/* <api>/<operation> inside quota: the period defaults to the policy's. */
#define QUOTA_CHILD_COUNTS QUOTA_LIMITS, A_DUR("renewal-period", LIT, NULL, 0)

/* Spec §7 decision 4: product scope is documented; other scopes are accepted. */
static const policy_descriptor_t quota = {
    .name = "quota",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_DOCUMENT,
    .element = {ATTRS(QUOTA_COUNTS),
                CHILDREN(CHILD("api", 0, 0,
                               ATTRS(A_STR("name", LIT), A_STR("id", LIT), QUOTA_CHILD_COUNTS),
                               CHILDREN(CHILD("operation", 0, 0,
                                              ATTRS(A_STR("name", LIT), A_STR("id", LIT),
                                                    QUOTA_CHILD_COUNTS)))))},
    .check = check_quota,
    .compile = compile_limit,
    .run = policy_support_noop_run,
};

static const policy_descriptor_t quota_by_key = {
    .name = "quota-by-key",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(QUOTA_COUNTS, A_STR("counter-key", R), A_BOOL("increment-condition", 0, "true"),
                      A_INT("increment-count", 0, "1", 0, 2147483647L),
                      A_STRD("first-period-start", LIT, "0001-01-01T00:00:00Z"))},
    .check = check_quota,
    .compile = compile_limit,
    .run = policy_support_noop_run,
};

/* Token limits for language-model backends: counting needs the model's token accounting,
 * an external endpoint here. */
#define TOKEN_LIMIT_ATTRS                                                                          \
    A_STR("counter-key", R), A_INT("tokens-per-minute", 0, NULL, 1, 2147483647L),                  \
        A_INT("token-quota", 0, NULL, 1, 2147483647L),                                             \
        A_ENUM("token-quota-period", 0, NULL, "hourly", "daily", "weekly", "monthly", "yearly"),   \
        A_BOOL("estimate-prompt-tokens", LIT, NULL), A_BOOL("estimate-prompt-token", LIT, NULL), \
        A_STR("retry-after-header-name", LIT), A_STR("retry-after-variable-name", LIT),            \
        A_STR("remaining-quota-tokens-header-name", LIT),                                          \
        A_STR("remaining-quota-tokens-variable-name", LIT),                                        \
        A_STR("remaining-tokens-header-name", LIT), A_STR("remaining-tokens-variable-name", LIT),  \
        A_STR("tokens-consumed-header-name", LIT), A_STR("tokens-consumed-variable-name", LIT)

/* tokens-per-minute and/or a token quota with its period. */
static int check_token_limit(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                             policy_doc_error_t *err)
{
    return policy_check_at_least_one(
        ctx, element, (const char *const[]){"tokens-per-minute", "token-quota", NULL}, err);
}

static const policy_descriptor_t azure_openai_token_limit = {
    .name = "azure-openai-token-limit",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(TOKEN_LIMIT_ATTRS)},
    .check = check_token_limit,
    .compile = compile_limit,
    .run = policy_support_noop_run,
};

static const policy_descriptor_t llm_token_limit = {
    .name = "llm-token-limit",
    .family = "limits",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(TOKEN_LIMIT_ATTRS)},
    .check = check_token_limit,
    .compile = compile_limit,
    .run = policy_support_noop_run,
};

const policy_descriptor_t *const policy_family_limits[] = {
    &rate_limit, &rate_limit_by_key, &quota, &quota_by_key, &azure_openai_token_limit,
    &llm_token_limit, NULL,
};
