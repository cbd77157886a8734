/* The message-editing policies the executor needs itself (exec_policies.h). First landing:
 * placeholders. */
#include "policy/exec_policies.h"

#include <errno.h>

#define PLACEHOLDER(name)                                                                          \
    int policy_##name##_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,        \
                                const void **data, policy_doc_error_t *err)                        \
    {                                                                                              \
        (void)cc, (void)element, (void)data, (void)err;                                            \
        return 0;                                                                                  \
    }                                                                                              \
    int policy_##name##_run(policy_exec_t *exec, const policy_step_t *step)                        \
    {                                                                                              \
        (void)exec, (void)step;                                                                    \
        return POLICY_RUN_NEXT;                                                                    \
    }

PLACEHOLDER(set_header)
PLACEHOLDER(set_query_parameter)
PLACEHOLDER(set_status)
PLACEHOLDER(set_method)
PLACEHOLDER(rewrite_uri)
PLACEHOLDER(send_request)
PLACEHOLDER(send_one_way_request)
PLACEHOLDER(trace)
PLACEHOLDER(emit_metric)
