/* compose: the policy documents of the four scopes → one checked program description per
 * (operation, product context), spec/apim-gateway.md §1.1–§1.3, §1.6, §3.6.
 *
 * Steps, all at configuration-compile time (STYLE.md habit 6):
 * 1. every given document is checked on its own: the root holds only the sections, in
 *    order, each at most once (§1.1); every statement is a registered policy (registry.h)
 *    allowed in its section and at the scope of the document it came from (§1.6), with
 *    known attributes (plus `id`, §1.1, and xmlns declarations), every required attribute,
 *    well-typed literal values, allowed child elements in allowed numbers; once-per-section
 *    and once-per-document rules (a choose counts its busiest branch; forward-request is
 *    once per document, so a document forwards at most once on any path, while the composed
 *    backend may forward again after an inherited forward-request: `<base/><forward-request/>`);
 *    a <backend> section holds at most one element (§1.1);
 * 2. `include-fragment fragment-id="x"` is replaced by the statements of fragment x, checked
 *    as if written at the include site (section and scope of the including document); a
 *    missing fragment is an error naming it; a fragment may hold no section and no <base/>,
 *    and include no fragment (§1.1);
 * 3. <base/> is allowed only as a direct child of a section; the effective statements of
 *    each section follow §1.3: operation → API → product (only in product context) →
 *    global; an absent document or section counts as <section><base/></section>; <base/> in
 *    the global document adds nothing.
 *
 * Named values (§3.6) — the tree is immutable, so substitution goes into an overlay the
 * program owns: for every attribute value and element text that holds a reference
 * `{{name}}` (name matching [A-Za-z0-9._-]+), the program keeps a substituted copy, keyed by
 * the attribute or element; policy_program_attr / policy_program_text return that copy, or
 * the tree's own value when there was nothing to substitute. Substitution is textual, once
 * (a value containing `{{other}}` is not expanded again: no recursion), and happens before
 * anything looks at the value: a named value may hold an expression, which makes the value an
 * expression (is_expression is recomputed), and type checks of literals see the substituted
 * text. `{{...}}` that is not a valid name (`{{ vars['x'] }}`, Liquid) is left as written; in
 * the text of `set-body template="liquid"` a name that is not defined is left for Liquid too
 * [I]. Any other reference to an undefined name is an error naming it at its `{{`.
 *
 * Errors: "SCOPE:LINE:COL: message", SCOPE being the scope string the document was loaded
 * with (policy_doc_scope: "api 'orders' policy", "fragment 'auth'"), positions in the
 * user's original text. The first error stops composition. */
#ifndef MERIDIAN_POLICY_COMPOSE_H
#define MERIDIAN_POLICY_COMPOSE_H

#include "policy/document.h"
#include "policy/registry.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *id;          /* the fragment-id users write */
    const policy_doc_t *doc; /* loaded as POLICY_DOC_FRAGMENT */
} policy_fragment_t;

typedef struct {
    const char *name; /* display name, compared exactly */
    const char *value;
} policy_named_value_t;

/* Value of a named value not in the table, or NULL when it is not defined. */
typedef const char *(*policy_named_value_lookup_fn)(void *ctx, const char *name);

typedef struct {
    /* One document per scope, indexed by policy_scope_t; NULL = absent. */
    const policy_doc_t *docs[POLICY_SCOPE_COUNT];
    /* Product scope applies only in product context (§1.2); otherwise docs[PRODUCT] is
     * checked but not composed. */
    bool is_product_context;
    const policy_fragment_t *fragments;
    size_t fragment_count;
    const policy_named_value_t *named_values;
    size_t named_value_count;
    policy_named_value_lookup_fn named_value_lookup; /* consulted after the table; may be NULL */
    void *named_value_ctx;
} policy_compose_input_t;

typedef struct policy_statement policy_statement_t;

/* A nested statement list: a <when>/<otherwise> of choose, the body of retry, wait or
 * limit-concurrency (node = that element). */
typedef struct {
    const policy_doc_node_t *node;
    const policy_statement_t *statements;
    size_t count;
} policy_block_t;

struct policy_statement {
    const policy_descriptor_t *policy;
    const policy_doc_node_t *node; /* the policy element */
    const policy_doc_t *doc;       /* document holding node (a fragment when spliced) */
    policy_scope_t scope;          /* scope of the document that listed it (LastError.Scope) */
    policy_section_t section;
    const char *fragment_id; /* the fragment it came from, or NULL */
    bool needs_external;     /* descriptor flag, or an attribute marked POLICY_ATTR_EXTERNAL */
    const policy_block_t *blocks; /* in document order */
    size_t block_count;
};

typedef struct policy_program policy_program_t;

/* Returns 0 and sets *out (immutable, free with policy_program_free; it borrows the documents,
 * which must outlive it), or fills *err and returns -EINVAL (the documents are refused) or
 * -ENOMEM. */
int policy_compose(const policy_compose_input_t *in, policy_program_t **out,
                   policy_doc_error_t *err);
void policy_program_free(policy_program_t *program);

/* The effective statements of `section`, in run order; *count set. */
const policy_statement_t *policy_program_section(const policy_program_t *program,
                                                 policy_section_t section, size_t *count);

/* Value of attribute `name` of `element` after named-value substitution, or NULL when
 * absent. *len and *is_expression set when not NULL. */
const char *policy_program_attr(const policy_program_t *program, const policy_doc_node_t *element,
                                const char *name, size_t *len, bool *is_expression);
/* An element's joined text after named-value substitution (NULL when it has none). */
const char *policy_program_text(const policy_program_t *program, const policy_doc_node_t *element,
                                size_t *len, bool *is_expression);

/* True when `value` is a policy expression: starts with @( or @{ (after white space when
 * `is_text`), spec §3.1. */
bool policy_is_expression(const char *value, size_t len, bool is_text);

#endif
