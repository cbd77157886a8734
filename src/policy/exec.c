/* policy_exec: compile and run (exec.h). First landing: the API with placeholder bodies so
 * that the context model and the policy families can build on it; the executor follows. */
#include "policy/exec.h"

#include <errno.h>
#include <string.h>

size_t policy_fields_count(const policy_fields_t *f, const char *name, size_t len)
{
    (void)f, (void)name, (void)len;
    return 0;
}

long policy_fields_find(const policy_fields_t *f, const char *name, size_t len, size_t from)
{
    (void)f, (void)name, (void)len, (void)from;
    return -1;
}

int policy_fields_add(policy_fields_t *f, arena_t *arena, const char *name, size_t name_len,
                      const char *value, size_t value_len)
{
    (void)f, (void)arena, (void)name, (void)name_len, (void)value, (void)value_len;
    return -ENOSYS;
}

size_t policy_fields_remove(policy_fields_t *f, const char *name, size_t len)
{
    (void)f, (void)name, (void)len;
    return 0;
}

const char *policy_fields_join(const policy_fields_t *f, arena_t *arena, const char *name,
                               size_t len, size_t *out_len)
{
    (void)f, (void)arena, (void)name, (void)len, (void)out_len;
    return NULL;
}

int policy_url_parse(arena_t *arena, const char *text, size_t len, bool as_base, policy_url_t *url)
{
    (void)arena, (void)text, (void)len, (void)as_base, (void)url;
    return -ENOSYS;
}

char *policy_url_format(arena_t *arena, const policy_url_t *url, size_t *len)
{
    (void)arena, (void)url, (void)len;
    return NULL;
}

char *policy_url_path(arena_t *arena, const policy_url_t *url)
{
    (void)arena, (void)url;
    return NULL;
}

const char *policy_status_reason(int status)
{
    (void)status;
    return "Unknown";
}

const expr_value_t *policy_exec_var_get(const policy_exec_t *exec, const char *name, size_t len)
{
    (void)exec, (void)name, (void)len;
    return NULL;
}

int policy_exec_var_set(policy_exec_t *exec, const char *name, size_t len, expr_value_t value)
{
    (void)exec, (void)name, (void)len, (void)value;
    return -ENOSYS;
}

int policy_exec_compile(const policy_program_t *program, const policy_exec_options_t *opts,
                        policy_exec_program_t **out, policy_doc_error_t *err)
{
    (void)program, (void)opts, (void)out;
    policy_doc_errorf(err, NULL, (policy_doc_pos_t){0}, "the policy executor is not built yet");
    return -ENOSYS;
}

void policy_exec_program_free(policy_exec_program_t *program)
{
    (void)program;
}

unsigned policy_exec_program_flags(const policy_exec_program_t *program)
{
    (void)program;
    return 0;
}

size_t policy_exec_program_steps(const policy_exec_program_t *program, policy_section_t section)
{
    (void)program, (void)section;
    return 0;
}

int policy_compile_attr(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        const char *name, policy_value_type_t type, policy_value_t *out,
                        policy_doc_error_t *err)
{
    (void)cc, (void)element, (void)name, (void)type, (void)out, (void)err;
    return -ENOSYS;
}

int policy_compile_text(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        policy_value_type_t type, policy_value_t *out, policy_doc_error_t *err)
{
    (void)cc, (void)element, (void)type, (void)out, (void)err;
    return -ENOSYS;
}

int policy_compile_as(policy_compile_ctx_t *cc, const policy_descriptor_t *policy,
                      const policy_doc_node_t *element, const void **data,
                      policy_doc_error_t *err)
{
    (void)cc, (void)policy, (void)element, (void)data, (void)err;
    return -ENOSYS;
}

policy_exec_t *policy_exec_new(arena_t *arena, const policy_exec_program_t *program,
                               const policy_host_t *host, void *host_data)
{
    (void)arena, (void)program, (void)host, (void)host_data;
    return NULL;
}

int policy_exec_start(policy_exec_t *exec)
{
    (void)exec;
    return -ENOSYS;
}

void policy_exec_forward_done(policy_exec_t *exec, int error)
{
    (void)exec, (void)error;
}

void policy_exec_send_done(policy_exec_t *exec, int error, policy_response_t *response)
{
    (void)exec, (void)error, (void)response;
}

void policy_exec_timer_done(policy_exec_t *exec)
{
    (void)exec;
}

void policy_exec_resume(policy_exec_t *exec, int status, void *result)
{
    (void)exec, (void)status, (void)result;
}

int policy_exec_suspend(policy_exec_t *exec, const policy_step_t *step, policy_resume_fn resume)
{
    (void)exec, (void)step, (void)resume;
    return POLICY_RUN_PENDING;
}

void policy_exec_jump(policy_exec_t *exec, uint32_t index)
{
    (void)exec, (void)index;
}

int policy_exec_raise(policy_exec_t *exec, const policy_step_t *step, const char *source,
                      int status, const char *reason, const char *public_message,
                      const char *fmt, ...)
{
    (void)exec, (void)step, (void)source, (void)status, (void)reason, (void)public_message,
        (void)fmt;
    return -EIO;
}

int policy_exec_raise_expr(policy_exec_t *exec, const policy_step_t *step)
{
    (void)exec, (void)step;
    return -EIO;
}

int policy_exec_raise_oom(policy_exec_t *exec, const policy_step_t *step)
{
    (void)exec, (void)step;
    return -ENOMEM;
}

int policy_value_string(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                        const char **out, size_t *len)
{
    (void)exec, (void)step, (void)v, (void)out, (void)len;
    return -ENOSYS;
}

int policy_value_bool(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                      bool *out)
{
    (void)exec, (void)step, (void)v, (void)out;
    return -ENOSYS;
}

int policy_value_long(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                      int64_t *out)
{
    (void)exec, (void)step, (void)v, (void)out;
    return -ENOSYS;
}

int policy_value_eval(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                      expr_value_t *out)
{
    (void)exec, (void)step, (void)v, (void)out;
    return -ENOSYS;
}

bool policy_exec_is_request_phase(const policy_exec_t *exec)
{
    return exec->section == POLICY_SECTION_INBOUND || exec->section == POLICY_SECTION_BACKEND;
}

char *policy_exec_backend_url(policy_exec_t *exec, size_t *len)
{
    (void)exec, (void)len;
    return NULL;
}
