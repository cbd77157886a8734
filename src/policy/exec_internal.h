/* exec_internal: what exec.c (the run loop), exec_compile.c (the compiler) and
 * exec_control.c (the control steps) share. Not a contract for other modules: exec.h is. */
#ifndef MERIDIAN_POLICY_EXEC_INTERNAL_H
#define MERIDIAN_POLICY_EXEC_INTERNAL_H

#include "policy/exec.h"

struct policy_exec_program {
    arena_t arena; /* steps, step data, compiled expressions */
    const policy_program_t *source;
    const policy_step_t *steps[POLICY_SECTION_COUNT];
    uint32_t step_count[POLICY_SECTION_COUNT];
    uint32_t slot_count; /* int64 slots a run needs (retry counters) */
    unsigned flags;      /* POLICY_NEEDS_* */
    /* Steps that give back what a block took (limit-concurrency's LEAVE): run whenever the
     * run leaves the section by an error or ends, as well as in order. Idempotent. */
    struct {
        policy_section_t section;
        uint32_t index;
    } *releases;
    size_t release_count;
    policy_exec_options_t opts;
    const expr_class_t *context_class;
    uint32_t state_count; /* policy_exec_step_state slots a run may use */
    /* policy_compile_defer hooks, newest first: run by policy_exec_program_free */
    struct policy_deferred {
        void (*fn)(void *);
        void *ptr;
        struct policy_deferred *next;
    } *deferred;
};

/* ---- control steps (exec_control.c) ---- */

/* <when>: condition; jump = the step after this branch (next <when>, <otherwise>, or end). */
typedef struct {
    policy_value_t condition;
} policy_when_data_t;

/* <retry>: evaluated after each attempt; jump = first step of the body; slot = attempt count. */
typedef struct {
    policy_value_t condition, count, interval, max_interval, delta, first_fast_retry;
} policy_retry_data_t;

/* <wait for="any">: after a child completes, skip the rest (jump = end of the wait). */
typedef struct {
    policy_value_t for_;
} policy_wait_data_t;

int policy_step_when(policy_exec_t *exec, const policy_step_t *step);
int policy_step_jump(policy_exec_t *exec, const policy_step_t *step);
int policy_step_retry_enter(policy_exec_t *exec, const policy_step_t *step);
int policy_step_retry_check(policy_exec_t *exec, const policy_step_t *step);
int policy_step_wait_next(policy_exec_t *exec, const policy_step_t *step);

#endif
