/* The policy registry (src/policy/registry.h): every policy of issue 3 point 5 and §1.6 is
 * described once, with consistent tables. */
#include "policy/registry.h"

#include <criterion/criterion.h>
#include <string.h>

static const char *const required_policies[] = {
    "choose", "set-variable", "set-backend-service", "forward-request", "retry", "wait",
    "send-request", "send-one-way-request", "return-response", "mock-response", "set-status",
    "set-method", "set-header", "set-query-parameter", "rewrite-uri", "set-body",
    "find-and-replace", "json-to-xml", "xml-to-json", "check-header", "ip-filter", "cors",
    "authentication-basic", "validate-jwt", "limit-concurrency", "include-fragment", "trace",
    "emit-metric", "rate-limit", "rate-limit-by-key", "quota", "quota-by-key", "cache-lookup",
    "cache-store", "cache-lookup-value", "cache-store-value", "cache-remove-value",
    "log-to-eventhub", "authentication-managed-identity", "send-service-bus-message",
    "publish-to-dapr", "invoke-dapr-binding", "azure-openai-token-limit", "llm-token-limit",
    "azure-openai-semantic-cache-lookup", "azure-openai-semantic-cache-store",
    "llm-semantic-cache-lookup", "llm-semantic-cache-store", "get-authorization-context",
    "redirect-content-urls", "xsl-transform", "validate-content", "validate-parameters",
    "validate-headers", "validate-status-code", "proxy", "jsonp", "cross-domain",
};

Test(registry, every_issue_policy_is_registered)
{
    for (size_t i = 0; i < sizeof required_policies / sizeof required_policies[0]; i++) {
        const policy_descriptor_t *d = policy_registry_find(required_policies[i]);
        cr_assert_not_null(d, "%s is not registered", required_policies[i]);
        cr_assert_str_eq(d->name, required_policies[i]);
    }
    cr_assert_null(policy_registry_find("set-headers"));
    cr_assert_null(policy_registry_find("base"), "<base/> is composition, not a policy");
    cr_assert_null(policy_registry_find(NULL));
}

static void check_element(const char *policy, const policy_element_spec_t *e)
{
    for (size_t i = 0; i < e->attr_count; i++) {
        const policy_attr_spec_t *a = &e->attrs[i];
        cr_assert_not_null(a->name);
        for (size_t j = i + 1; j < e->attr_count; j++)
            cr_assert_str_neq(a->name, e->attrs[j].name, "%s: %s twice", policy, a->name);
        if (a->type == POLICY_ATTR_ENUM) cr_assert_not_null(a->enum_values, "%s %s", policy, a->name);
        char why[160];
        if (a->default_value)
            cr_assert_eq(policy_attr_check_literal(a, a->default_value, why, sizeof why), 0,
                         "%s %s default '%s': %s", policy, a->name, a->default_value, why);
    }
    if (e->content == POLICY_CONTENT_ELEMENTS) cr_assert_gt(e->child_count, 0, "%s", policy);
    for (size_t i = 0; i < e->child_count; i++) {
        const policy_child_spec_t *c = &e->children[i];
        cr_assert((c->element != NULL) != (c->policy != NULL), "%s <%s>", policy, c->name);
        if (c->policy) cr_assert_not_null(policy_registry_find(c->policy), "%s", c->policy);
        if (c->element) check_element(policy, c->element);
        cr_assert(c->max_count == 0 || c->min_count <= c->max_count);
    }
}

Test(registry, tables_are_consistent_and_sorted)
{
    size_t count;
    const policy_descriptor_t *const *all = policy_registry_all(&count);
    cr_assert_geq(count, 60);
    for (size_t i = 0; i < count; i++) {
        const policy_descriptor_t *d = all[i];
        if (i) cr_assert_lt(strcmp(all[i - 1]->name, d->name), 0, "%s", d->name);
        cr_assert_neq(d->sections, 0, "%s", d->name);
        cr_assert_neq(d->scopes, 0, "%s", d->name);
        cr_assert_not_null(d->family);
        /* compile without run would build a step nothing can execute */
        cr_assert(!d->compile || d->run, "%s has compile but no run", d->name);
        check_element(d->name, &d->element);
    }
}

Test(registry, section_matrix_of_spec_1_6)
{
    cr_assert_eq(policy_registry_find("forward-request")->sections, POLICY_BACK);
    cr_assert_eq(policy_registry_find("set-method")->sections, POLICY_IN | POLICY_ERR);
    cr_assert_eq(policy_registry_find("cache-store")->sections, POLICY_OUT);
    cr_assert_eq(policy_registry_find("validate-headers")->sections, POLICY_OUT | POLICY_ERR);
    cr_assert_eq(policy_registry_find("wait")->sections, POLICY_IN | POLICY_BACK | POLICY_OUT);
    cr_assert_eq(policy_registry_find("rate-limit")->scopes & POLICY_AT_GLOBAL, 0);
    cr_assert(policy_registry_find("rate-limit")->flags & POLICY_ONCE_PER_DOCUMENT);
    cr_assert(policy_registry_find("cors")->flags & POLICY_ONCE_PER_SECTION);
    cr_assert(policy_registry_find("log-to-eventhub")->flags & POLICY_NEEDS_EXTERNAL);
    cr_assert_eq(policy_registry_find("set-header")->flags & POLICY_NEEDS_EXTERNAL, 0);
    const policy_attr_spec_t *a =
        policy_element_attr(&policy_registry_find("set-header")->element, "exists-action");
    cr_assert_str_eq(a->default_value, "override");
    cr_assert_str_eq(policy_section_name(POLICY_SECTION_ON_ERROR), "on-error");
    cr_assert_str_eq(policy_scope_name(POLICY_SCOPE_OPERATION), "operation");
}

Test(registry, literal_checks)
{
    char why[160];
    const policy_descriptor_t *fr = policy_registry_find("forward-request");
    const policy_attr_spec_t *timeout = policy_element_attr(&fr->element, "timeout");
    cr_assert_eq(policy_attr_check_literal(timeout, " 30 ", why, sizeof why), 0);
    cr_assert_neq(policy_attr_check_literal(timeout, "30s", why, sizeof why), 0);
    cr_assert_str_eq(why, "expected an integer from 0 to 2147483");
    const policy_attr_spec_t *follow = policy_element_attr(&fr->element, "follow-redirects");
    cr_assert_eq(policy_attr_check_literal(follow, "True", why, sizeof why), 0);
    cr_assert_neq(policy_attr_check_literal(follow, "yes", why, sizeof why), 0);
    cr_assert_str_eq(why, "expected true or false");
    const policy_attr_spec_t *version = policy_element_attr(&fr->element, "http-version");
    cr_assert_eq(policy_attr_check_literal(version, "2or1", why, sizeof why), 0);
    cr_assert_neq(policy_attr_check_literal(version, "3", why, sizeof why), 0);
    cr_assert_str_eq(why, "expected one of: 1, 2or1, 2");
    const policy_attr_spec_t *period = policy_element_attr(
        &policy_registry_find("rate-limit")->element, "renewal-period");
    cr_assert_eq(policy_attr_check_literal(period, "300", why, sizeof why), 0);
    cr_assert_neq(policy_attr_check_literal(period, "301", why, sizeof why), 0);
    cr_assert_neq(policy_attr_check_literal(period, "-1", why, sizeof why), 0);
    const policy_attr_spec_t *url = policy_element_attr(
        &policy_registry_find("set-backend-service")->element, "base-url");
    cr_assert_eq(policy_attr_check_literal(url, "https://contoso.com/api", why, sizeof why), 0);
    cr_assert_neq(policy_attr_check_literal(url, "contoso.com", why, sizeof why), 0);
    const policy_attr_spec_t *value =
        policy_element_attr(&policy_registry_find("emit-metric")->element, "value");
    cr_assert_eq(policy_attr_check_literal(value, "1.5", why, sizeof why), 0);
    cr_assert_neq(policy_attr_check_literal(value, "x", why, sizeof why), 0);
}
