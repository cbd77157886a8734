/* policy_check: compiles one policy document or policy fragment on its own, the way
 * `meridian policy check FILE...` does, so users can vet documents before they upload them.
 *
 * A document whose root is <policies> is compiled as an API-scope policy under a default
 * global policy (<backend><forward-request/></backend>), so <base/> is meaningful. A
 * document whose root is <fragment> is compiled as included from each section in turn and
 * passes if some section accepts it. Nothing outside the file is known here, so:
 * - every `{{name}}` resolves to a placeholder (policy_check_placeholder) and is counted
 *   in named_value_refs;
 * - every `include-fragment` resolves to an empty fragment and is counted in
 *   fragment_refs;
 * - every `set-backend-service backend-id` names a placeholder Backend resource.
 * Composition is followed by the executor's compile (policy/exec.h), so every expression
 * is parsed and checked too, as when a gateway loads the document.
 * Errors read "NAME:LINE:COL: message" with positions in the file as written. */
#ifndef MERIDIAN_POLICY_CHECK_H
#define MERIDIAN_POLICY_CHECK_H

#include "policy/document.h"
#include "policy/registry.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    bool is_fragment;
    /* statements per section after composition (for a fragment: its own statements, in
     * the first section that accepts it, fragment_section) */
    size_t statements[POLICY_SECTION_COUNT];
    policy_section_t fragment_section;
    size_t named_value_refs;
    size_t fragment_refs;
    size_t external_statements; /* policies that call an external (Azure) service */
} policy_check_result_t;

/* The stand-in value of named value `name` when its real value is unknown, shaped like what
 * the name suggests: a URL for names mentioning url, uri, host or endpoint; 32 bytes of
 * Base64 for secret, signing or base64 (validate-jwt decodes keys when it compiles); "1"
 * otherwise (which every string, integer and duration attribute, and an expression, accepts). */
const char *policy_check_placeholder(const char *name);
/* A backend lookup (exec.h policy_backend_lookup_fn) under which every backend-id exists. */
int policy_check_any_backend(void *ctx, const char *backend_id, const char **base_url,
                             const void **handle);

/* Returns 0 and fills *res, or a negative error (policy_doc_load's codes) with *err set. */
int policy_check_text(const char *text, size_t len, const char *name, policy_check_result_t *res,
                      policy_doc_error_t *err);

#endif
