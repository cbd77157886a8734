/* policy_exec: the run loop (exec.h "Run"): sections in order, errors to on-error (§1.4),
 * LastError (§1.5), default error responses (§4.6), host completions. */
#include "policy/exec_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

policy_exec_t *policy_exec_new(arena_t *arena, const policy_exec_program_t *program,
                               const policy_host_t *host, void *host_data)
{
    policy_exec_t *exec = arena_alloc(arena, sizeof *exec);
    if (!exec) return NULL;
    memset(exec, 0, sizeof *exec);
    exec->arena = arena;
    exec->program = program;
    exec->host = host;
    exec->host_data = host_data;
    exec->request.headers.is_case_insensitive = true;
    exec->response.headers.is_case_insensitive = true;
    exec->info.matched_parameters.is_case_insensitive = true;
    exec->final_set.is_case_insensitive = true;
    exec->final_add.is_case_insensitive = true;
    if (program->slot_count) {
        exec->slots = arena_alloc(arena, program->slot_count * sizeof *exec->slots);
        if (!exec->slots) return NULL;
        memset(exec->slots, 0, program->slot_count * sizeof *exec->slots);
    }
    expr_rt_init(&exec->rt, arena, exec);
    if (program->context_class) exec->rt.context = expr_object(program->context_class, exec);
    return exec;
}

/* ---- errors ---- */

static const char *scope_text(const policy_step_t *step)
{
    return step ? policy_scope_name(step->scope) : NULL;
}

int policy_exec_raise(policy_exec_t *exec, const policy_step_t *step, const char *source,
                      int status, const char *reason, const char *public_message,
                      const char *fmt, ...)
{
    exec->is_raised = true;
    /* An error inside on-error keeps the original LastError: the caller gets the default
     * response of the original error (§1.4 [I]). */
    if (exec->is_in_on_error && exec->last_error) return -EIO;
    policy_last_error_t *e = arena_alloc(exec->arena, sizeof *e);
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (!e) {
        /* no memory even for the error: a 503 without LastError (STYLE.md habit 4) */
        static policy_last_error_t oom_error = {.source = "configuration",
                                                .message = "out of memory",
                                                .status = 503,
                                                .public_message = "Service unavailable"};
        exec->last_error = &oom_error;
        return -ENOMEM;
    }
    *e = (policy_last_error_t){
        .source = source ? source
                         : (step && step->policy ? step->policy->name : "configuration"),
        .reason = reason,
        .message = arena_strndup(exec->arena, message, strlen(message)),
        .scope = scope_text(step),
        .section = policy_section_name(exec->section),
        .path = step ? step->path : NULL,
        .policy_id = step ? step->policy_id : NULL,
        .status = status ? status : 500,
        .public_message = public_message ? public_message : "Internal server error",
    };
    if (!e->message) e->message = "out of memory";
    exec->last_error = e;
    return -EIO;
}

int policy_exec_raise_expr(policy_exec_t *exec, const policy_step_t *step)
{
    return policy_exec_raise(exec, step, NULL, 500, "ExpressionValueEvaluationFailure", NULL,
                             "Expression evaluation failed. %s%s%s", exec->rt.exception_type,
                             exec->rt.exception_message[0] ? ": " : "",
                             exec->rt.exception_message);
}

int policy_exec_raise_oom(policy_exec_t *exec, const policy_step_t *step)
{
    policy_exec_raise(exec, step, NULL, 503, NULL, "Service unavailable", "out of memory");
    return -ENOMEM;
}

/* Appends `s` JSON-escaped (RFC 8259 §7). */
static size_t json_escape(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 7 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[n++] = '\\';
            out[n++] = (char)ch;
        } else if (ch < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", ch);
        } else {
            out[n++] = (char)ch;
        }
    }
    out[n] = '\0';
    return n;
}

static void format_guid(const uint8_t g[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[n++] = '-';
        out[n++] = hex[g[i] >> 4];
        out[n++] = hex[g[i] & 15];
    }
    out[n] = '\0';
}

/* The gateway's default error response for `e` (§4.6): JSON {statusCode, message}, 500s
 * with activityId. Replaces the response message (on-error then edits it). */
static void set_error_response(policy_exec_t *exec, const policy_last_error_t *e)
{
    policy_response_t *r = &exec->response;
    r->status = e->status;
    r->reason = NULL;
    r->headers.count = 0;
    r->body = (policy_body_t){0};
    char msg[400], body[600];
    json_escape(msg, sizeof msg, e->public_message ? e->public_message : e->message);
    int n;
    if (e->status >= 500) {
        char guid[37];
        format_guid(exec->info.request_id, guid);
        n = snprintf(body, sizeof body, "{ \"statusCode\": %d, \"message\": \"%s\", \"activityId\": \"%s\" }",
                     e->status, msg, guid);
    } else {
        n = snprintf(body, sizeof body, "{ \"statusCode\": %d, \"message\": \"%s\" }", e->status, msg);
    }
    char *copy = arena_strndup(exec->arena, body, (size_t)n);
    if (!copy) return;
    static const char ct[] = "application/json; charset=utf-8";
    if (policy_fields_add(&r->headers, exec->arena, "Content-Type", 12, ct, sizeof ct - 1) < 0) return;
    r->body = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = copy, .len = (size_t)n};
}

/* ---- final headers ---- */

static bool has_value(const policy_fields_t *f, const policy_field_t *field)
{
    for (long i = policy_fields_find(f, field->name, field->name_len, 0); i >= 0;
         i = policy_fields_find(f, field->name, field->name_len, (size_t)i + 1))
        if (f->items[i].value_len == field->value_len &&
            memcmp(f->items[i].value, field->value, field->value_len) == 0)
            return true;
    return false;
}

int policy_exec_final_header(policy_exec_t *exec, policy_final_mode_t mode, const char *name,
                             size_t name_len, const char *value, size_t value_len)
{
    if (mode == POLICY_FINAL_SET) {
        policy_fields_remove(&exec->final_set, name, name_len);
        return policy_fields_add(&exec->final_set, exec->arena, name, name_len, value, value_len);
    }
    policy_field_t f = {.name = name, .value = value, .name_len = (uint32_t)name_len,
                        .value_len = (uint32_t)value_len};
    if (has_value(&exec->final_add, &f)) return 0;
    return policy_fields_add(&exec->final_add, exec->arena, name, name_len, value, value_len);
}

/* Merges the final headers into the response host->done gets. Out of memory drops the rest:
 * the response itself is already decided and is sent as it is. */
static void merge_final_headers(policy_exec_t *exec)
{
    policy_fields_t *to = &exec->response.headers;
    const policy_fields_t *set = &exec->final_set, *add = &exec->final_add;
    for (uint32_t i = 0; i < set->count; i++)
        policy_fields_remove(to, set->items[i].name, set->items[i].name_len);
    for (uint32_t i = 0; i < set->count; i++) {
        const policy_field_t *f = &set->items[i];
        if (policy_fields_add(to, exec->arena, f->name, f->name_len, f->value, f->value_len) < 0)
            return;
    }
    for (uint32_t i = 0; i < add->count; i++) {
        const policy_field_t *f = &add->items[i];
        if (has_value(to, f)) continue;
        if (policy_fields_add(to, exec->arena, f->name, f->name_len, f->value, f->value_len) < 0)
            return;
    }
}

/* ---- per-step state ---- */

void **policy_exec_step_state(policy_exec_t *exec, const policy_step_t *step)
{
    uint32_t count = exec->program->state_count;
    if (step->state >= count) return NULL;
    if (!exec->step_states) {
        exec->step_states = arena_alloc(exec->arena, count * sizeof *exec->step_states);
        if (!exec->step_states) return NULL;
        memset(exec->step_states, 0, count * sizeof *exec->step_states);
    }
    return &exec->step_states[step->state];
}

/* ---- the loop ---- */

/* Gives back what blocks the run left without passing their end took (limit-concurrency). */
static void run_releases(policy_exec_t *exec)
{
    const policy_exec_program_t *p = exec->program;
    for (size_t i = 0; i < p->release_count; i++) {
        const policy_step_t *step = &p->steps[p->releases[i].section][p->releases[i].index];
        bool was_raised = exec->is_raised;
        step->run(exec, step);
        exec->is_raised = was_raised;
    }
}

struct policy_finish_hook {
    void (*fn)(policy_exec_t *exec, void *arg);
    void *arg;
    struct policy_finish_hook *next;
};

int policy_exec_at_finish(policy_exec_t *exec, void (*fn)(policy_exec_t *exec, void *arg), void *arg)
{
    struct policy_finish_hook *h = arena_alloc(exec->arena, sizeof *h);
    if (!h) return -ENOMEM;
    *h = (struct policy_finish_hook){.fn = fn, .arg = arg};
    if (!exec->finish_tail) exec->finish_tail = &exec->finish_hooks;
    *exec->finish_tail = h;
    exec->finish_tail = &h->next;
    return 0;
}

static void run_finish_hooks(policy_exec_t *exec)
{
    for (struct policy_finish_hook *h = exec->finish_hooks; h; h = h->next) {
        bool was_raised = exec->is_raised;
        h->fn(exec, h->arg);
        exec->is_raised = was_raised;
    }
}

static void finish(policy_exec_t *exec)
{
    run_releases(exec);
    exec->state = POLICY_EXEC_DONE;
    exec->is_response_final = true;
    bool is_client_gone = exec->last_error && exec->last_error->reason &&
                          strcmp(exec->last_error->reason, "ClientConnectionFailure") == 0;
    /* status 0 tells the host to send nothing: the client is gone (§4.6) */
    if (exec->response.status == 0 && !is_client_gone) exec->response.status = 200;
    if (exec->response.status != 0) merge_final_headers(exec);
    run_finish_hooks(exec);
    expr_rt_end(&exec->rt);
    /* host->done may end the request and free exec with its arena (a response written at
     * once): nothing may touch exec after it, so the loop flag is cleared first. */
    exec->is_in_loop = false;
    if (exec->host && exec->host->done) exec->host->done(exec);
}

/* After an error: on-error, or the default response when the error happened there (§1.4).
 * Returns true when the loop goes on. */
static bool handle_error(policy_exec_t *exec, const policy_step_t *step, int rc)
{
    if (!exec->is_raised || !exec->last_error) {
        policy_exec_raise(exec, step, NULL, rc == -ENOMEM ? 503 : 500, NULL, NULL,
                          "policy failed (code %d)", rc);
    }
    exec->is_raised = false;
    if (exec->last_error && exec->last_error->reason &&
        strcmp(exec->last_error->reason, "ClientConnectionFailure") == 0) {
        /* the client is gone: nothing is sent (§4.6) */
        exec->response.status = 0;
        return false;
    }
    set_error_response(exec, exec->last_error);
    run_releases(exec);
    if (exec->is_in_on_error) return false;
    exec->is_in_on_error = true;
    exec->section = POLICY_SECTION_ON_ERROR;
    exec->pc = 0;
    return true;
}

/* Moves to the next section at the end of one. Returns false when the run is over. */
static bool next_section(policy_exec_t *exec)
{
    switch (exec->section) {
    case POLICY_SECTION_INBOUND:
        exec->section = POLICY_SECTION_BACKEND;
        break;
    case POLICY_SECTION_BACKEND:
        /* no forward-request: the backend is not called, the response is an empty 200 (§1.4) */
        if (!exec->is_backend_called) {
            exec->response.status = 200;
            exec->response.reason = NULL;
            exec->response.body = (policy_body_t){0};
        }
        exec->section = POLICY_SECTION_OUTBOUND;
        break;
    default:
        return false;
    }
    exec->pc = 0;
    return true;
}

/* Handles what a step (or a resume function) returned. Returns true when the loop goes on. */
static bool after_step(policy_exec_t *exec, const policy_step_t *step, int rc)
{
    if (rc == POLICY_RUN_NEXT) return true;
    if (rc == POLICY_RUN_PENDING) {
        exec->state = POLICY_EXEC_WAITING;
        exec->is_in_loop = false;
        return false;
    }
    if (rc == POLICY_RUN_END) {
        finish(exec);
        return false;
    }
    if (!handle_error(exec, step, rc)) {
        finish(exec);
        return false;
    }
    return true;
}

static void run_loop(policy_exec_t *exec)
{
    exec->state = POLICY_EXEC_RUNNING;
    exec->is_in_loop = true;
    for (;;) {
        const policy_exec_program_t *p = exec->program;
        if (exec->pc >= p->step_count[exec->section]) {
            if (!next_section(exec)) {
                finish(exec);
                return;
            }
            continue;
        }
        const policy_step_t *step = &p->steps[exec->section][exec->pc++];
        exec->is_raised = false;
        int rc = step->run(exec, step);
        /* a host that completed inside the call that started the operation (against the
         * contract, but harmless): resume now, from here */
        while (rc == POLICY_RUN_PENDING && exec->has_deferred) {
            exec->has_deferred = false;
            policy_resume_fn fn = exec->pending_resume;
            const policy_step_t *ps = exec->pending_step;
            exec->pending_resume = NULL;
            exec->pending_step = NULL;
            rc = fn ? fn(exec, ps, exec->deferred_status, exec->deferred_result) : POLICY_RUN_NEXT;
            step = ps ? ps : step;
        }
        /* false: waiting for the host, or finished — then exec may be freed already */
        if (!after_step(exec, step, rc)) return;
    }
}

int policy_exec_start(policy_exec_t *exec)
{
    if (exec->state != POLICY_EXEC_NEW) return -EINVAL;
    exec->section = POLICY_SECTION_INBOUND;
    exec->pc = 0;
    run_loop(exec);
    return 0;
}

int policy_exec_start_error(policy_exec_t *exec, const char *source, int status,
                            const char *reason, const char *public_message,
                            const char *reason_phrase, const policy_field_t *extra,
                            size_t extra_count)
{
    if (exec->state != POLICY_EXEC_NEW) return -EINVAL;
    exec->section = POLICY_SECTION_INBOUND;
    policy_exec_raise(exec, NULL, source, status, reason, public_message, "%s", public_message);
    exec->is_raised = false;
    set_error_response(exec, exec->last_error);
    exec->response.reason = reason_phrase;
    for (size_t i = 0; i < extra_count; i++)
        if (policy_fields_add(&exec->response.headers, exec->arena, extra[i].name,
                              extra[i].name_len, extra[i].value, extra[i].value_len) < 0)
            break; /* out of memory: the response goes without the extra field */
    exec->is_in_on_error = true;
    exec->section = POLICY_SECTION_ON_ERROR;
    exec->pc = 0;
    run_loop(exec);
    return 0;
}

int policy_exec_suspend(policy_exec_t *exec, const policy_step_t *step, policy_resume_fn resume)
{
    exec->pending_step = step;
    exec->pending_resume = resume;
    return POLICY_RUN_PENDING;
}

int policy_exec_host_started(policy_exec_t *exec, int rc)
{
    if (rc >= 0) return POLICY_RUN_PENDING;
    policy_resume_fn fn = exec->pending_resume;
    const policy_step_t *step = exec->pending_step;
    exec->pending_resume = NULL;
    exec->pending_step = NULL;
    return fn ? fn(exec, step, rc, NULL) : POLICY_RUN_NEXT;
}

void policy_exec_resume(policy_exec_t *exec, int status, void *result)
{
    if (exec->state == POLICY_EXEC_DONE) return;
    if (exec->is_in_loop) {
        exec->has_deferred = true;
        exec->deferred_status = status;
        exec->deferred_result = result;
        return;
    }
    policy_resume_fn fn = exec->pending_resume;
    const policy_step_t *step = exec->pending_step;
    exec->pending_resume = NULL;
    exec->pending_step = NULL;
    exec->state = POLICY_EXEC_RUNNING;
    exec->is_in_loop = true;
    exec->is_raised = false;
    int rc = fn ? fn(exec, step, status, result) : POLICY_RUN_NEXT;
    exec->is_in_loop = false;
    if (rc == POLICY_RUN_PENDING && exec->has_deferred) {
        /* completed synchronously again: treat like the loop does */
        exec->has_deferred = false;
        policy_exec_resume(exec, exec->deferred_status, exec->deferred_result);
        return;
    }
    if (!after_step(exec, step, rc)) return;
    run_loop(exec);
}

void policy_exec_forward_done(policy_exec_t *exec, int error)
{
    policy_exec_resume(exec, error, NULL);
}

void policy_exec_send_done(policy_exec_t *exec, int error, policy_response_t *response)
{
    policy_exec_resume(exec, error, response);
}

void policy_exec_timer_done(policy_exec_t *exec)
{
    policy_exec_resume(exec, 0, NULL);
}

void policy_exec_jump(policy_exec_t *exec, uint32_t index)
{
    exec->pc = index;
}

/* ---- values ---- */

static int run_expr(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                    expr_value_t *out)
{
    exec->rt.has_exception = false;
    exec->rt.budget = 0;
    exec->rt.now_ticks = 0;
    if (expr_run(v->program, &exec->rt, out) < 0) return policy_exec_raise_expr(exec, step);
    return 0;
}

int policy_value_eval(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                      expr_value_t *out)
{
    if (!v->program) {
        *out = v->is_present ? expr_str_ref(v->text, v->len) : expr_null();
        return 0;
    }
    return run_expr(exec, step, v, out);
}

int policy_value_string(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                        const char **out, size_t *len)
{
    if (!v->program) {
        *out = v->is_present ? v->text : NULL;
        if (len) *len = v->is_present ? v->len : 0;
        return 0;
    }
    expr_value_t val, str;
    int rc = run_expr(exec, step, v, &val);
    if (rc) return rc;
    if (val.tag == EXPR_V_NULL) {
        *out = NULL;
        if (len) *len = 0;
        return 0;
    }
    if (val.tag == EXPR_V_STRING) {
        str = val;
    } else if (expr_value_to_string(&exec->rt, &val, &str) < 0) {
        return policy_exec_raise_expr(exec, step);
    }
    /* values are not NUL-terminated (value.h); callers get C strings */
    char *copy = arena_strndup(exec->arena, str.u.s.ptr ? str.u.s.ptr : "", str.u.s.len);
    if (!copy) return policy_exec_raise_oom(exec, step);
    *out = copy;
    if (len) *len = str.u.s.len;
    return 0;
}

int policy_value_bool(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                      bool *out)
{
    if (!v->program) {
        *out = v->number != 0;
        return 0;
    }
    expr_value_t val;
    int rc = run_expr(exec, step, v, &val);
    if (rc) return rc;
    if (val.tag == EXPR_V_STRING) {
        /* a string result converts as bool.Parse would (§3.1 result conversion) */
        if (val.u.s.len == 4 && strncasecmp(val.u.s.ptr, "true", 4) == 0) return *out = true, 0;
        if (val.u.s.len == 5 && strncasecmp(val.u.s.ptr, "false", 5) == 0) return *out = false, 0;
    }
    if (expr_value_to_bool(&exec->rt, &val, out) < 0) return policy_exec_raise_expr(exec, step);
    return 0;
}

int policy_value_long(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                      int64_t *out)
{
    if (!v->program) {
        *out = v->number;
        return 0;
    }
    expr_value_t val;
    int rc = run_expr(exec, step, v, &val);
    if (rc) return rc;
    if (expr_value_to_long(&exec->rt, &val, out) < 0) return policy_exec_raise_expr(exec, step);
    return 0;
}

bool policy_exec_is_request_phase(const policy_exec_t *exec)
{
    return exec->section == POLICY_SECTION_INBOUND || exec->section == POLICY_SECTION_BACKEND;
}

char *policy_exec_backend_url(policy_exec_t *exec, size_t *len)
{
    return policy_url_format(exec->arena, &exec->request.url, len);
}

long policy_exec_find_step(const policy_exec_t *exec, policy_section_t section,
                           const policy_descriptor_t *policy, const policy_step_t **step)
{
    const policy_exec_program_t *p = exec->program;
    for (uint32_t i = 0; i < p->step_count[section]; i++)
        if (p->steps[section][i].policy == policy) {
            if (step) *step = &p->steps[section][i];
            return (long)i;
        }
    return -1;
}

void policy_exec_skip_to_outbound(policy_exec_t *exec, uint32_t index)
{
    /* is_backend_called: the section change must not reset the response to an empty 200 */
    exec->is_backend_called = true;
    exec->section = POLICY_SECTION_OUTBOUND;
    exec->pc = index;
}
