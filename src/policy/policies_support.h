/* policies_support: helpers shared by the compile and run functions of the access, limits,
 * cache, integration and validation families (policies_*.c), on top of exec.h.
 *
 * - compile-only policies: policy_support_compile_all compiles every attribute and text
 *   expression of a statement (so an expression error is a configuration error even when the
 *   policy does nothing yet) and policy_support_noop_run is their run function;
 * - literal lists: policy_support_literal_text reads a child element's text that must be
 *   literal (origins, audiences, keys), after named-value substitution;
 * - (resources a compile allocates outside the arena: policy_compile_defer, exec.h; state a
 *   step keeps across a host round trip: policy_exec_step_state, exec.h);
 * - external services (§2.7): policy_support_endpoint and policy_support_raise_no_endpoint. */
#ifndef MERIDIAN_POLICY_POLICIES_SUPPORT_H
#define MERIDIAN_POLICY_POLICIES_SUPPORT_H

#include "policy/exec.h"

#include <stdbool.h>
#include <stddef.h>

/* Compiles every attribute present on `element` and its child elements (recursively, typed
 * by `spec` and the child specs) and every text child, discarding the results: 0, or -EINVAL
 * with *err naming the first expression that does not compile. */
int policy_support_compile_all(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const policy_element_spec_t *spec, policy_doc_error_t *err);
/* The run function of a policy that compiles but has nothing observable to do yet. */
int policy_support_noop_run(policy_exec_t *exec, const policy_step_t *step);

/* The text of `element` after named-value substitution, trimmed; "" when it has none. An
 * expression is refused: -EINVAL with *err "<what> must be a literal value (policy
 * expressions are not supported here)". The string lives in cc->arena. */
int policy_support_literal_text(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const char *what, const char **out, policy_doc_error_t *err);
/* Same for attribute `name` of `element`; *out NULL when absent. */
int policy_support_literal_attr(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const char *name, const char **out, policy_doc_error_t *err);
/* Fills *err at `pos` of the statement's document. Returns -EINVAL. */
int policy_support_error(policy_compile_ctx_t *cc, policy_doc_pos_t pos, policy_doc_error_t *err,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The http(s) URL configured for `service` ("logger", "service-bus", "dapr",
 * "managed-identity", ...) and `name` (the logger-id, queue, component...), asked from the
 * host (policy_host_t.endpoint); NULL when the host has none configured. */
const char *policy_support_endpoint(policy_exec_t *exec, const char *service, const char *name);
/* Raises the clear error of a policy whose Azure service has no endpoint (§2.7): Source = the
 * policy, Reason "ExternalEndpointNotConfigured", 500, Message naming the setting to add. */
int policy_support_raise_no_endpoint(policy_exec_t *exec, const policy_step_t *step,
                                     const char *service, const char *name);
/* Unix seconds of the request (context.Timestamp), or the clock when the host left it 0. */
int64_t policy_support_now(const policy_exec_t *exec);

#endif
