/* exec_policies: the compile and run functions of the message-editing policies the executor
 * itself needs (return-response and send-request carry <set-status>, <set-header>,
 * <set-body> children compiled as those policies): set-header, set-query-parameter,
 * set-status, set-method, rewrite-uri (spec/apim-gateway.md §2.3). Their descriptors live
 * with the other transformation policies in policies_transform.c, which points at these. */
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

#endif
