/* policies_access_impl: compile and run functions of the access-restriction policies that
 * live in their own files (validate-jwt in policy_validate_jwt.c, cors in policy_cors.c);
 * the descriptors that point at them are in policies_access.c. Private to those files. */
#ifndef MERIDIAN_POLICY_POLICIES_ACCESS_IMPL_H
#define MERIDIAN_POLICY_POLICIES_ACCESS_IMPL_H

#include "policy/exec.h"

int policy_validate_jwt_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const void **data, policy_doc_error_t *err);
int policy_validate_jwt_run(policy_exec_t *exec, const policy_step_t *step);
int policy_cors_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        const void **data, policy_doc_error_t *err);
int policy_cors_run(policy_exec_t *exec, const policy_step_t *step);

#endif
