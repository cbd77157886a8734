/* exec_policies: compile and run functions the executor owns for policies whose descriptors
 * live in other families' files (issue 3 split): the message-editing policies return-response
 * and send-request reuse for their <set-status>/<set-header> children — set-header,
 * set-query-parameter, set-status, set-method, rewrite-uri (spec/apim-gateway.md §2.3,
 * descriptors in policies_transform.c) — and the host-facing ones — send-request,
 * send-one-way-request, trace, emit-metric (§2.7, descriptors in policies_integration.c).
 * Those descriptor tables point at these functions. */
#ifndef MERIDIAN_POLICY_EXEC_POLICIES_H
#define MERIDIAN_POLICY_EXEC_POLICIES_H

#include "policy/exec.h"

int policy_set_header_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                              const void **data, policy_doc_error_t *err);
int policy_set_header_run(policy_exec_t *exec, const policy_step_t *step);
int policy_set_query_parameter_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                       const void **data, policy_doc_error_t *err);
int policy_set_query_parameter_run(policy_exec_t *exec, const policy_step_t *step);
int policy_set_status_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                              const void **data, policy_doc_error_t *err);
int policy_set_status_run(policy_exec_t *exec, const policy_step_t *step);
int policy_set_method_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                              const void **data, policy_doc_error_t *err);
int policy_set_method_run(policy_exec_t *exec, const policy_step_t *step);
int policy_rewrite_uri_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const void **data, policy_doc_error_t *err);
int policy_rewrite_uri_run(policy_exec_t *exec, const policy_step_t *step);
/* The work of set-header and set-status on a given message, for policies that carry them as
 * children (send-request, return-response): `data` from policy_compile_as. */
int policy_set_header_apply(policy_exec_t *exec, const policy_step_t *step, const void *data,
                            policy_fields_t *headers);
int policy_set_status_apply(policy_exec_t *exec, const policy_step_t *step, const void *data,
                            policy_response_t *response);
/* Evaluates a method value (set-method, send-request's <set-method>): a trimmed HTTP token,
 * or an error raised for `step`. */
int policy_method_value(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                        const char **out);

int policy_send_request_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const void **data, policy_doc_error_t *err);
int policy_send_request_run(policy_exec_t *exec, const policy_step_t *step);
int policy_send_one_way_request_compile(policy_compile_ctx_t *cc,
                                        const policy_doc_node_t *element, const void **data,
                                        policy_doc_error_t *err);
int policy_send_one_way_request_run(policy_exec_t *exec, const policy_step_t *step);
int policy_trace_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                         const void **data, policy_doc_error_t *err);
int policy_trace_run(policy_exec_t *exec, const policy_step_t *step);
int policy_emit_metric_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const void **data, policy_doc_error_t *err);
int policy_emit_metric_run(policy_exec_t *exec, const policy_step_t *step);

#endif
