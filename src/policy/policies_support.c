/* policies_support: shared helpers of the policy families (policies_support.h). */
#include "policy/policies_support.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- compile helpers ---- */

static policy_value_type_t value_type(const policy_attr_spec_t *spec)
{
    if (!spec) return POLICY_VALUE_STRING;
    switch (spec->type) {
    case POLICY_ATTR_BOOL: return POLICY_VALUE_BOOL;
    case POLICY_ATTR_INT:
    case POLICY_ATTR_DURATION: return POLICY_VALUE_INT;
    default: return POLICY_VALUE_STRING;
    }
}

static const policy_child_spec_t *child_spec(const policy_element_spec_t *spec, const char *name)
{
    for (size_t i = 0; spec && i < spec->child_count; i++)
        if (strcmp(spec->children[i].name, name) == 0) return &spec->children[i];
    return NULL;
}

int policy_support_compile_all(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const policy_element_spec_t *spec, policy_doc_error_t *err)
{
    for (size_t i = 0; i < element->attr_count; i++) {
        const char *name = element->attrs[i].name;
        if (strcmp(name, "id") == 0 || strncmp(name, "xmlns", 5) == 0) continue;
        policy_value_t v;
        int rc = policy_compile_attr(cc, element, name, value_type(policy_element_attr(spec, name)),
                                     &v, err);
        if (rc < 0) return rc;
    }
    if (spec && spec->content == POLICY_CONTENT_TEXT && element->text) {
        policy_value_t v;
        int rc = policy_compile_text(cc, element, POLICY_VALUE_STRING, &v, err);
        if (rc < 0) return rc;
    }
    for (const policy_doc_node_t *c = policy_doc_first_element(element, NULL); c;
         c = policy_doc_next_element(c, NULL)) {
        const policy_child_spec_t *cs = child_spec(spec, c->name);
        if (!cs || !cs->element) continue; /* children checked as other policies: theirs */
        int rc = policy_support_compile_all(cc, c, cs->element, err);
        if (rc < 0) return rc;
    }
    return 0;
}

int policy_support_noop_run(policy_exec_t *exec, const policy_step_t *step)
{
    (void)exec, (void)step;
    return POLICY_RUN_NEXT;
}

int policy_support_error(policy_compile_ctx_t *cc, policy_doc_pos_t pos, policy_doc_error_t *err,
                         const char *fmt, ...)
{
    char text[POLICY_DOC_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    policy_doc_errorf(err, cc->scope_name, pos, "%s", text);
    return -EINVAL;
}

static const char *trimmed_copy(arena_t *arena, const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    return arena_strndup(arena, s, len);
}

int policy_support_literal_text(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const char *what, const char **out, policy_doc_error_t *err)
{
    size_t len = 0;
    bool is_expression = false;
    const char *text = policy_program_text(cc->program, element, &len, &is_expression);
    if (is_expression)
        return policy_support_error(cc, element->pos, err,
                                    "%s must be a literal value (policy expressions are not "
                                    "supported here)",
                                    what);
    if (!(*out = trimmed_copy(cc->arena, text ? text : "", text ? len : 0))) return -ENOMEM;
    return 0;
}

int policy_support_literal_attr(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const char *name, const char **out, policy_doc_error_t *err)
{
    size_t len = 0;
    bool is_expression = false;
    const char *text = policy_program_attr(cc->program, element, name, &len, &is_expression);
    *out = NULL;
    if (!text) return 0;
    if (is_expression) {
        const policy_doc_attr_t *a = policy_doc_attr(element, name);
        return policy_support_error(cc, a ? a->pos : element->pos, err,
                                    "%s of <%s> must be a literal value (policy expressions are "
                                    "not supported here)",
                                    name, element->name);
    }
    if (!(*out = trimmed_copy(cc->arena, text, len))) return -ENOMEM;
    return 0;
}

/* ---- external services ---- */

const char *policy_support_endpoint(policy_exec_t *exec, const char *service, const char *name)
{
    if (!exec->host || !exec->host->endpoint) return NULL;
    const char *url = exec->host->endpoint(exec, service, name ? name : "");
    return url && *url ? url : NULL;
}

int policy_support_raise_no_endpoint(policy_exec_t *exec, const policy_step_t *step,
                                     const char *service, const char *name)
{
    const char *policy = step->policy ? step->policy->name : "policy";
    return policy_exec_raise(exec, step, NULL, 500, "ExternalEndpointNotConfigured", NULL,
                             "%s calls an Azure service that this gateway reaches only through "
                             "a configured HTTP endpoint, and none is configured for %s '%s' "
                             "(docs/policies.md, Integration).",
                             policy, service, name ? name : "");
}

int64_t policy_support_now(const policy_exec_t *exec)
{
    /* DateTime ticks: 100 ns since 0001-01-01; the Unix epoch is 621355968000000000. */
    if (exec->info.timestamp_ticks > 621355968000000000LL)
        return (exec->info.timestamp_ticks - 621355968000000000LL) / 10000000LL;
    return (int64_t)time(NULL);
}
