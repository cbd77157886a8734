/* policy_transform: compile and run functions of the body transformation policies
 * (spec/apim-gateway.md §2.3) whose descriptors are in policies_transform.c — set-body
 * (literal, expression, Liquid), find-and-replace, json-to-xml, xml-to-json, jsonp,
 * xsl-transform — and what they share: which message a statement edits, and replacing its
 * body.
 *
 * Which message: a statement in inbound or backend edits the request, one in outbound or
 * on-error the response (§2.3 set-body). Every policy here that reads the body sets
 * POLICY_NEEDS_REQUEST_BODY or POLICY_NEEDS_RESPONSE_BODY (exec.h) from its compile
 * function, for the section it sits in, so the host buffers that body before the run.
 *
 * Replacing a body makes it BYTES, sets Content-Length to its length and drops
 * Transfer-Encoding in the message's headers (the host writes the real framing; later
 * expressions see consistent headers). */
#ifndef MERIDIAN_POLICY_TRANSFORM_H
#define MERIDIAN_POLICY_TRANSFORM_H

#include "policy/exec.h"

/* The message a run edits (policy_exec_is_request_phase). */
typedef struct {
    policy_body_t *body;
    policy_fields_t *headers;
    bool is_request;
} policy_transform_target_t;

policy_transform_target_t policy_transform_target(policy_exec_t *exec);
/* Replaces the target's body with bytes[0, len) (arena memory that outlives the request's
 * run); content_type, when not NULL, replaces Content-Type. 0, or raises out of memory. */
int policy_transform_set_body(policy_exec_t *exec, const policy_step_t *step,
                              const char *bytes, size_t len, const char *content_type);
/* Marks the body of the message edited by the statement being compiled as read. */
void policy_transform_needs_body(policy_compile_ctx_t *cc);

int policy_set_body_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                            const void **data, policy_doc_error_t *err);
int policy_set_body_run(policy_exec_t *exec, const policy_step_t *step);
int policy_find_and_replace_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                    const void **data, policy_doc_error_t *err);
int policy_find_and_replace_run(policy_exec_t *exec, const policy_step_t *step);
int policy_json_to_xml_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const void **data, policy_doc_error_t *err);
int policy_json_to_xml_run(policy_exec_t *exec, const policy_step_t *step);
int policy_xml_to_json_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const void **data, policy_doc_error_t *err);
int policy_xml_to_json_run(policy_exec_t *exec, const policy_step_t *step);
int policy_jsonp_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                         const void **data, policy_doc_error_t *err);
int policy_jsonp_run(policy_exec_t *exec, const policy_step_t *step);
int policy_xsl_transform_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                 const void **data, policy_doc_error_t *err);
int policy_xsl_transform_run(policy_exec_t *exec, const policy_step_t *step);

/* The content of a set-body with child elements (a literal XML body, or a Liquid template
 * producing XML) written back as XML text in the program's arena, named values
 * substituted; NULL when out of memory. */
const char *policy_transform_inner_markup(policy_compile_ctx_t *cc,
                                         const policy_doc_node_t *element, size_t *len);

/* set-body template="liquid" (transform_liquid.c): compiles `text` (starting at `pos` in
 * the document when `is_positioned`, else reported relative to the element) into *tpl. */
struct liquid_template;
int policy_transform_liquid_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                    const char *text, size_t len, bool is_positioned,
                                    struct liquid_template **tpl, policy_doc_error_t *err);
/* Renders for this request: the model is `context` (Request, Response, Variables...) and
 * `body` (the edited message's body: JSON, XML through jsonxml with `nil`, else its text).
 * 0 with the output in *out / *len (arena), or a negative code after policy_exec_raise. */
int policy_transform_liquid_render(policy_exec_t *exec, const policy_step_t *step,
                                   const struct liquid_template *tpl, int nil_mode,
                                   const char **out, size_t *len);

#endif
