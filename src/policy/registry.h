/* registry: one descriptor per policy (STYLE.md habit 7), the HAProxy keyword-table model:
 * every policy a document may name is described here once — its sections and scopes
 * (spec/apim-gateway.md §1.6), its attributes with their types, requirement and defaults,
 * and the child elements it accepts with their own attributes (§2) — so that a document is
 * checked completely when the configuration is compiled (compose.h), never at request time.
 *
 * Descriptors are static tables, one file per policy family (policies_*.c); the registry
 * is immutable and may be read from any thread. */
#ifndef MERIDIAN_POLICY_REGISTRY_H
#define MERIDIAN_POLICY_REGISTRY_H

#include "policy/document.h"

#include <stdbool.h>
#include <stddef.h>

/* Sections of a document, in document order (§1.1). */
typedef enum {
    POLICY_SECTION_INBOUND,
    POLICY_SECTION_BACKEND,
    POLICY_SECTION_OUTBOUND,
    POLICY_SECTION_ON_ERROR,
    POLICY_SECTION_COUNT
} policy_section_t;

#define POLICY_IN (1u << POLICY_SECTION_INBOUND)
#define POLICY_BACK (1u << POLICY_SECTION_BACKEND)
#define POLICY_OUT (1u << POLICY_SECTION_OUTBOUND)
#define POLICY_ERR (1u << POLICY_SECTION_ON_ERROR)
#define POLICY_ALL_SECTIONS (POLICY_IN | POLICY_BACK | POLICY_OUT | POLICY_ERR)

/* Scopes, broadest first (§1.2). */
typedef enum {
    POLICY_SCOPE_GLOBAL,
    POLICY_SCOPE_PRODUCT,
    POLICY_SCOPE_API,
    POLICY_SCOPE_OPERATION,
    POLICY_SCOPE_COUNT
} policy_scope_t;

#define POLICY_AT_GLOBAL (1u << POLICY_SCOPE_GLOBAL)
#define POLICY_AT_PRODUCT (1u << POLICY_SCOPE_PRODUCT)
#define POLICY_AT_API (1u << POLICY_SCOPE_API)
#define POLICY_AT_OPERATION (1u << POLICY_SCOPE_OPERATION)
#define POLICY_ALL_SCOPES (POLICY_AT_GLOBAL | POLICY_AT_PRODUCT | POLICY_AT_API | POLICY_AT_OPERATION)

/* "inbound", "backend", "outbound", "on-error"; "global", "product", "api", "operation"
 * (the strings of context.LastError.Section and .Scope, §1.5). */
const char *policy_section_name(policy_section_t section);
const char *policy_scope_name(policy_scope_t scope);

typedef enum {
    POLICY_ATTR_STRING,   /* any text */
    POLICY_ATTR_BOOL,     /* "true" / "false" (case-insensitive, as .NET bool.Parse) */
    POLICY_ATTR_INT,      /* decimal integer within [min, max] */
    POLICY_ATTR_DURATION, /* whole seconds >= 0 (within [min, max] when max > 0) */
    POLICY_ATTR_NUMBER,   /* decimal number (emit-metric value, score thresholds) */
    POLICY_ATTR_ENUM,     /* one of enum_values (case-insensitive, as the vendor parses enums) */
    POLICY_ATTR_URL,      /* absolute http:// or https:// URL */
} policy_attr_type_t;

/* Attribute flags. */
#define POLICY_ATTR_REQUIRED 1u /* absent ⇒ compile error */
#define POLICY_ATTR_NO_EXPR 2u  /* "no-expr" in §2: a policy expression is a compile error */
#define POLICY_ATTR_EXTERNAL 4u /* using it makes the statement need an external endpoint
                                   (set-backend-service backend-id="dapr" + dapr-app-id) */

typedef struct {
    const char *name;
    policy_attr_type_t type;
    unsigned flags;
    const char *default_value;      /* as the user would write it; NULL = none */
    const char *const *enum_values; /* POLICY_ATTR_ENUM: NULL-terminated */
    long min, max;                  /* POLICY_ATTR_INT, _DURATION: bounds when min < max */
} policy_attr_spec_t;

/* What may sit inside an element. */
typedef enum {
    POLICY_CONTENT_EMPTY,      /* nothing but whitespace */
    POLICY_CONTENT_TEXT,       /* text (literal or expression), no elements */
    POLICY_CONTENT_ELEMENTS,   /* only the child elements listed in `children` */
    POLICY_CONTENT_STATEMENTS, /* policy statements, checked against the registry in the
                                  enclosing section (choose/when, retry, wait...) */
    POLICY_CONTENT_ANY,        /* text and arbitrary markup the policy reads itself (a
                                  set-body XML body, an XSLT stylesheet); not checked */
} policy_content_t;

typedef struct policy_element_spec policy_element_spec_t;

/* A child element a policy (or a child element) accepts. `policy` names a registered policy
 * whose descriptor checks the child (send-request's <set-header>, return-response's
 * <set-body>); otherwise `element` does. */
typedef struct {
    const char *name;
    const policy_element_spec_t *element; /* NULL when `policy` is set */
    const char *policy;                   /* checked as that policy (sections not applied) */
    unsigned min_count, max_count;        /* occurrences; max 0 = unbounded */
} policy_child_spec_t;

struct policy_element_spec {
    const policy_attr_spec_t *attrs;
    size_t attr_count;
    policy_content_t content;
    const policy_child_spec_t *children; /* POLICY_CONTENT_ELEMENTS */
    size_t child_count;
    /* POLICY_CONTENT_STATEMENTS: NULL-terminated names of the only policies allowed
     * (wait: send-request, cache-lookup-value, choose); NULL = any. */
    const char *const *only_policies;
    /* POLICY_CONTENT_ELEMENTS: text may stand beside the children (trace's older form). */
    bool accepts_text;
};

/* Descriptor flags. */
#define POLICY_ONCE_PER_SECTION 1u  /* at most once in a document's section (§1.6) */
#define POLICY_ONCE_PER_DOCUMENT 2u /* at most once in a document (rate-limit, quota,
                                       forward-request) */
#define POLICY_NEEDS_EXTERNAL 4u    /* calls an Azure service: runs against a configured
                                       HTTP endpoint or fails with a clear error (§2.7) */

/* Policy-specific rules a table cannot say ("exactly one of header-name, query-parameter-name,
 * token-value"). Returns 0, or fills *err (through policy_doc_errorf with `scope`) and
 * returns -EINVAL. `value` gives an attribute's value after named-value substitution
 * (NULL when absent). */
typedef struct policy_check_ctx policy_check_ctx_t;
struct policy_check_ctx {
    const policy_doc_t *doc; /* the document holding `element` (positions) */
    const char *scope;       /* for errors: "api 'orders' policy" */
    const char *(*value)(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                         const char *attr_name, bool *is_expression);
    void *compose_; /* private to compose.c */
};
typedef int (*policy_check_fn)(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                               policy_doc_error_t *err);

struct policy_compile_ctx;
struct policy_exec;
struct policy_step;

typedef struct policy_descriptor {
    const char *name;    /* element name, e.g. "set-header" */
    const char *family;  /* "control", "routing", ... (docs/policies.md groups by it) */
    unsigned sections;   /* POLICY_IN | ... */
    unsigned scopes;     /* POLICY_AT_GLOBAL | ... */
    unsigned flags;      /* POLICY_ONCE_PER_SECTION | ... */
    policy_element_spec_t element;
    policy_check_fn check; /* NULL = the tables say everything */
    /* The executor's side (exec.h). compile turns a checked element (a statement, or a child
     * element compiled as this policy: send-request's <set-header>) into the immutable data
     * of one step: *data (in cc->arena; may stay NULL), 0, or -EINVAL with *err naming the
     * place. run executes the step per request and returns POLICY_RUN_* or a negative code
     * after policy_exec_raise. compile NULL: the policy needs no data; run NULL: the policy
     * is not executable yet, and a configuration using it is refused with a message naming
     * it. Policies with nested statements (choose, retry, wait) are compiled by the executor
     * itself. */
    int (*compile)(struct policy_compile_ctx *cc, const policy_doc_node_t *element,
                   const void **data, policy_doc_error_t *err);
    int (*run)(struct policy_exec *exec, const struct policy_step *step);
} policy_descriptor_t;

/* The descriptor named `name` (exact, as XML), or NULL. */
const policy_descriptor_t *policy_registry_find(const char *name);
/* All descriptors, sorted by name; *count set. */
const policy_descriptor_t *const *policy_registry_all(size_t *count);
/* The attribute spec named `name` in `spec`, or NULL. */
const policy_attr_spec_t *policy_element_attr(const policy_element_spec_t *spec, const char *name);

/* Checks a literal (non-expression) value against its type: 0, or -EINVAL with a short
 * reason in why[why_size] ("expected an integer from 0 to 50"). */
int policy_attr_check_literal(const policy_attr_spec_t *spec, const char *value, char *why,
                              size_t why_size);

/* Per-family tables (policies_*.c), collected by registry.c. */
extern const policy_descriptor_t *const policy_family_control[];
extern const policy_descriptor_t *const policy_family_routing[];
extern const policy_descriptor_t *const policy_family_transform[];
extern const policy_descriptor_t *const policy_family_access[];
extern const policy_descriptor_t *const policy_family_limits[];
extern const policy_descriptor_t *const policy_family_cache[];
extern const policy_descriptor_t *const policy_family_integration[];
extern const policy_descriptor_t *const policy_family_validation[];

#endif
