/* concurrency: limit-concurrency (spec/apim-gateway.md §1.6, §4.6; vendor: "prevents
 * enclosed policies from executing by more than the specified number of requests at any
 * time"; exceeding it fails at once with 429).
 *
 * Two layers:
 * - the counter table: one count per key, shared by every limit-concurrency of this process
 *   (the vendor says a key "can be shared by multiple policies"), thread-safe. It is per
 *   process, i.e. per gateway unit; sharing counts between units is a later issue;
 * - the step functions for the executor: limit-concurrency holds statements, so the executor
 *   compiles it as ENTER (policy_limit_concurrency_enter) + its body + LEAVE
 *   (policy_limit_concurrency_leave), and must also call leave when the run leaves the body
 *   any other way (an error, return-response): a slot taken is always given back. */
#ifndef MERIDIAN_POLICY_CONCURRENCY_H
#define MERIDIAN_POLICY_CONCURRENCY_H

#include "policy/exec.h"

#include <stddef.h>

/* Takes one slot of `key` when fewer than max_count are taken: 0, -EBUSY (full) or -ENOMEM. */
int policy_concurrency_acquire(const char *key, size_t len, long max_count);
/* Gives one slot of `key` back (a key that holds none is ignored). */
void policy_concurrency_release(const char *key, size_t len);
/* Slots of `key` taken now. */
long policy_concurrency_count(const char *key, size_t len);

/* Step functions. compile reads key (expression allowed) and max-count (literal). enter
 * evaluates the key and takes a slot, or raises 429 (Reason "ConcurrencyLimitExceeded",
 * message "Too many requests"); the key taken is remembered for this request. leave gives
 * the slot back (once; a second call does nothing), for every exit of the body. */
int policy_limit_concurrency_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                     const void **data, policy_doc_error_t *err);
int policy_limit_concurrency_enter(policy_exec_t *exec, const policy_step_t *step);
int policy_limit_concurrency_leave(policy_exec_t *exec, const policy_step_t *step);

#endif
