/* policy_check: compiles one policy document or policy fragment on its own, the way
 * `meridian policy check FILE...` does, so users can vet documents before they upload them.
 *
 * A document whose root is <policies> is compiled as an API-scope policy under a default
 * global policy (<backend><forward-request/></backend>), so <base/> is meaningful. A
 * document whose root is <fragment> is compiled as included from each section in turn and
 * passes if some section accepts it. Nothing outside the file is known here, so:
 * - every `{{name}}` resolves to a placeholder (a URL when the name mentions url, uri,
 *   host or endpoint; "1" otherwise) and is counted in named_value_refs;
 * - every `include-fragment` resolves to an empty fragment and is counted in
 *   fragment_refs.
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

/* Returns 0 and fills *res, or a negative error (policy_doc_load's codes) with *err set. */
int policy_check_text(const char *text, size_t len, const char *name, policy_check_result_t *res,
                      policy_doc_error_t *err);

#endif
