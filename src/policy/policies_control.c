/* Control-flow policies (spec/apim-gateway.md §2.1, §2.3): choose, retry, wait,
 * limit-concurrency, include-fragment, set-variable, return-response, mock-response. */
#include "policy/registry_tables.h"

#include <errno.h>

/* <choose>: one or more <when>, then at most one <otherwise>, and it comes last (§2.1). */
static int check_choose(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                        policy_doc_error_t *err)
{
    const policy_doc_node_t *otherwise = policy_doc_first_element(element, "otherwise");
    if (otherwise && policy_doc_next_element(otherwise, NULL)) {
        policy_doc_errorf(err, ctx->scope, otherwise->pos,
                          "<otherwise> must be the last element of <choose>");
        return -EINVAL;
    }
    return 0;
}

static const policy_descriptor_t choose = {
    .name = "choose",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {CHILDREN(CHILD("when", 1, 0, ATTRS(A_BOOL("condition", R, NULL)), STATEMENTS),
                         CHILD("otherwise", 0, 1, STATEMENTS))},
    .check = check_choose,
};

static const policy_descriptor_t retry = {
    .name = "retry",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_BOOL("condition", R, NULL), A_INT("count", R, NULL, 0, 50),
                      A_DUR("interval", R, NULL, 0), A_DUR("max-interval", 0, NULL, 0),
                      A_DUR("delta", 0, NULL, 0), A_BOOL("first-fast-retry", 0, "false")),
                STATEMENTS},
};

static const policy_descriptor_t wait = {
    .name = "wait",
    .family = "control",
    .sections = POLICY_IN | POLICY_BACK | POLICY_OUT,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_ENUM("for", 0, "all", "all", "any")), STATEMENTS,
                .only_policies =
                    (const char *const[]){"send-request", "cache-lookup-value", "choose", NULL}},
};

static const policy_descriptor_t limit_concurrency = {
    .name = "limit-concurrency",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), A_INT("max-count", R | LIT, NULL, 1, 2147483647L)),
                STATEMENTS},
};

/* Spliced by compose.c before anything else sees it (§1.1). */
static const policy_descriptor_t include_fragment = {
    .name = "include-fragment",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("fragment-id", R | LIT))},
};

static const policy_descriptor_t set_variable = {
    .name = "set-variable",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("name", R | LIT), A_STR("value", R))},
};

static const policy_descriptor_t return_response = {
    .name = "return-response",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("response-variable-name", LIT)),
                CHILDREN(POLICY_CHILD("set-status", 0, 1), POLICY_CHILD("set-header", 0, 0),
                         POLICY_CHILD("set-body", 0, 1))},
};

static const policy_descriptor_t mock_response = {
    .name = "mock-response",
    .family = "control",
    .sections = POLICY_IN | POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_INT("status-code", 0, "200", 100, 599), A_STR("content-type", 0))},
};

const policy_descriptor_t *const policy_family_control[] = {
    &choose,       &retry,           &wait,          &limit_concurrency, &include_fragment,
    &set_variable, &return_response, &mock_response, NULL,
};
