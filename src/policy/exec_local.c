/* policy_local: the synchronous, offline host (exec_local.h). */
#include "policy/exec_local.h"

#include "base/clock.h"
#include "policy/limit_window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef enum { PENDING_NONE, PENDING_FORWARD, PENDING_SEND, PENDING_TIMER } pending_t;

typedef struct {
    policy_local_t *io;
    pending_t pending;
    int pending_status;
    policy_response_t *pending_response;
} local_host_t;

static int copy_fields(arena_t *arena, policy_fields_t *to, const policy_fields_t *from)
{
    for (uint32_t i = 0; i < from->count; i++) {
        const policy_field_t *f = &from->items[i];
        if (policy_fields_add(to, arena, f->name, f->name_len, f->value, f->value_len) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int local_forward(policy_exec_t *exec, const policy_forward_t *opts)
{
    local_host_t *h = exec->host_data;
    policy_local_t *io = h->io;
    policy_local_sent_t *rec = &io->forwarded;
    memset(rec, 0, sizeof *rec);
    rec->method = exec->request.method;
    rec->url = policy_exec_backend_url(exec, NULL);
    rec->headers.is_case_insensitive = true;
    if (!rec->url || copy_fields(exec->arena, &rec->headers, &exec->request.headers) < 0)
        return -ENOMEM;
    rec->body = exec->request.body;
    rec->forward = *opts;
    io->is_forwarded = true;
    io->forward_count++;
    h->pending = PENDING_FORWARD;
    h->pending_status = io->backend_error;
    if (!io->backend_error) {
        policy_response_t *r = &exec->response;
        r->status = io->backend_status ? io->backend_status : 200;
        r->reason = io->backend_reason;
        if (copy_fields(exec->arena, &r->headers, &io->backend_headers) < 0) return -ENOMEM;
        if (io->backend_body)
            r->body = (policy_body_t){.kind = POLICY_BODY_BYTES,
                                      .bytes = io->backend_body,
                                      .len = strlen(io->backend_body)};
    }
    return 0;
}

static int local_send(policy_exec_t *exec, const policy_send_t *req)
{
    local_host_t *h = exec->host_data;
    policy_local_t *io = h->io;
    if (io->sent_count < POLICY_LOCAL_MAX_RECORDS) {
        policy_local_sent_t *rec = &io->sent[io->sent_count++];
        memset(rec, 0, sizeof *rec);
        rec->method = req->method;
        rec->url = req->url;
        rec->headers = req->headers;
        rec->body = req->body;
        rec->is_one_way = req->is_one_way;
    }
    if (req->is_one_way) return 0;
    policy_response_t *r = arena_alloc(exec->arena, sizeof *r);
    if (!r) return -ENOMEM;
    *r = (policy_response_t){.status = io->send_status ? io->send_status : 200,
                             .headers.is_case_insensitive = true};
    if (io->send_body)
        r->body = (policy_body_t){.kind = POLICY_BODY_BYTES,
                                  .bytes = io->send_body,
                                  .len = strlen(io->send_body)};
    h->pending = PENDING_SEND;
    h->pending_status = 0;
    h->pending_response = r;
    return 0;
}

static int local_timer(policy_exec_t *exec, uint64_t ms)
{
    local_host_t *h = exec->host_data;
    h->io->waited_ms += ms;
    h->pending = PENDING_TIMER;
    return 0;
}

static void local_done(policy_exec_t *exec)
{
    local_host_t *h = exec->host_data;
    h->io->is_done = true;
}

static void local_trace(policy_exec_t *exec, const policy_trace_t *trace)
{
    local_host_t *h = exec->host_data;
    if (h->io->trace) h->io->trace(h->io->hook_ctx, trace);
}

static void local_metric(policy_exec_t *exec, const policy_metric_t *metric)
{
    local_host_t *h = exec->host_data;
    if (h->io->metric) h->io->metric(h->io->hook_ctx, metric);
}

/* The offline host's counters: a small table of this process (limit_window.h does the
 * arithmetic the gateway's region table and Redis share). */
#define LOCAL_COUNTERS 256
static struct {
    char key[200];
    limit_bucket_t bucket;
} local_counters[LOCAL_COUNTERS];
static size_t local_counter_count;

void policy_local_counters_reset(void)
{
    local_counter_count = 0;
}

static int local_counter(policy_exec_t *exec, const policy_counter_op_t *op, policy_counter_result_t *out)
{
    local_host_t *h = exec->host_data;
    if (h->io->counter_error) return h->io->counter_error;
    size_t i = 0;
    while (i < local_counter_count && strcmp(local_counters[i].key, op->key) != 0) i++;
    if (i == local_counter_count) {
        if (i == LOCAL_COUNTERS || op->key_len >= sizeof local_counters[i].key) return POLICY_E_COUNTER_OPEN;
        memcpy(local_counters[i].key, op->key, op->key_len + 1);
        local_counters[i].bucket = (limit_bucket_t){.index = INT64_MIN};
        local_counter_count++;
    }
    int64_t now = h->io->now_ms ? h->io->now_ms : (int64_t)clock_wall_ms();
    limit_bucket_add(&local_counters[i].bucket, now, op->origin_ms, op->period_ms, op->amount, out);
    return POLICY_COUNTER_DONE;
}

static const policy_host_t local_host_vtable = {
    .counter = local_counter,
    .forward = local_forward,
    .send = local_send,
    .timer = local_timer,
    .done = local_done,
    .trace = local_trace,
    .metric = local_metric,
};

/* The request path after the API path ("/orders/1" under "orders" is "/1"). */
static const char *operation_suffix(const char *path, const char *api_path)
{
    while (api_path && *api_path == '/') api_path++;
    if (!api_path || !*api_path) return path;
    const char *p = path;
    while (*p == '/') p++;
    size_t n = strlen(api_path);
    while (n && api_path[n - 1] == '/') n--;
    if (strncmp(p, api_path, n) == 0 && (p[n] == '/' || p[n] == '\0')) return p + n;
    return path;
}

int policy_local_run(const policy_exec_program_t *program, arena_t *arena, policy_local_t *io)
{
    /* the outputs describe this run only: a second run on the same io starts from nothing */
    io->exec = NULL;
    memset(&io->forwarded, 0, sizeof io->forwarded);
    io->is_forwarded = false;
    io->forward_count = 0;
    io->sent_count = 0;
    io->waited_ms = 0;
    io->is_done = false;
    local_host_t *h = arena_alloc(arena, sizeof *h);
    if (!h) return -ENOMEM;
    *h = (local_host_t){.io = io};
    policy_exec_t *exec = policy_exec_new(arena, program, &local_host_vtable, h);
    if (!exec) return -ENOMEM;
    io->exec = exec;
    policy_request_info_t *info = &exec->info;
    int rc = policy_url_parse(arena, io->url, strlen(io->url), false, &info->original_url);
    if (rc < 0) return rc;
    info->original_method = io->method ? io->method : "GET";
    info->region = io->region;
    info->client_ip = io->client_ip ? io->client_ip : "127.0.0.1";
    info->api_path = io->api_path ? io->api_path : "";
    info->gateway_id = "managed";
    info->subscription_id = io->subscription_id;
    /* a fixed request id: runs are reproducible */
    for (int i = 0; i < 16; i++) info->request_id[i] = (uint8_t)(0x10 + i);
    /* context.Timestamp: now, in DateTime ticks (100 ns since 0001-01-01) */
    info->timestamp_ticks = 621355968000000000LL + (int64_t)clock_wall_ms() * 10000;

    policy_request_t *req = &exec->request;
    req->method = info->original_method;
    if (copy_fields(arena, &req->headers, &io->headers) < 0) return -ENOMEM;
    if (io->body)
        req->body = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = io->body, .len = io->body_len};
    /* the backend-bound URL (§4.4): the service URL + the path after the API path + query */
    const char *service = io->service_url;
    policy_url_t base;
    if (service) {
        if ((rc = policy_url_parse(arena, service, strlen(service), true, &base)) < 0) return rc;
    } else {
        base = info->original_url;
        base.base_path = "";
    }
    info->api_service_url = service;
    req->url = base;
    req->url.path = operation_suffix(info->original_url.path, info->api_path);
    req->url.query = (policy_fields_t){0};
    if (copy_fields(arena, &req->url.query, &info->original_url.query) < 0) return -ENOMEM;

    if ((rc = policy_exec_start(exec)) < 0) return rc;
    /* deliver completions one at a time, after the executor returned (exec.h contract) */
    while (!io->is_done && h->pending != PENDING_NONE) {
        pending_t p = h->pending;
        h->pending = PENDING_NONE;
        if (p == PENDING_FORWARD) policy_exec_forward_done(exec, h->pending_status);
        else if (p == PENDING_SEND) policy_exec_send_done(exec, h->pending_status, h->pending_response);
        else policy_exec_timer_done(exec);
    }
    return 0;
}

/* ---- compiling one document ---- */

struct policy_local_program {
    policy_doc_t *global, *doc;
    policy_program_t *composed;
    policy_exec_program_t *program;
};

static const char default_global[] = "<policies><inbound><base/></inbound>"
                                     "<backend><forward-request/></backend>"
                                     "<outbound><base/></outbound><on-error><base/></on-error>"
                                     "</policies>";

int policy_local_compile(const char *text, size_t len, const char *name,
                         const policy_local_options_t *opts, policy_local_program_t **out,
                         policy_doc_error_t *err)
{
    *out = NULL;
    policy_local_options_t none = {0};
    if (!opts) opts = &none;
    policy_local_program_t *p = calloc(1, sizeof *p);
    if (!p) return -ENOMEM;
    int rc = policy_doc_load(text, len, POLICY_DOC_POLICY, name, &p->doc, err);
    if (rc < 0) goto fail;
    if (!opts->is_global) {
        rc = policy_doc_load(default_global, sizeof default_global - 1, POLICY_DOC_POLICY,
                             "global policy", &p->global, err);
        if (rc < 0) goto fail;
    }
    policy_compose_input_t in = {
        .named_values = opts->named_values,
        .named_value_count = opts->named_value_count,
    };
    if (opts->is_global) {
        in.docs[POLICY_SCOPE_GLOBAL] = p->doc;
    } else {
        in.docs[POLICY_SCOPE_GLOBAL] = p->global;
        in.docs[POLICY_SCOPE_API] = p->doc;
    }
    if ((rc = policy_compose(&in, &p->composed, err)) < 0) goto fail;
    if ((rc = policy_exec_compile(p->composed, &opts->exec, &p->program, err)) < 0) goto fail;
    *out = p;
    return 0;
fail:
    policy_local_program_free(p);
    return rc;
}

const policy_exec_program_t *policy_local_program(const policy_local_program_t *program)
{
    return program->program;
}

void policy_local_program_free(policy_local_program_t *program)
{
    if (!program) return;
    policy_exec_program_free(program->program);
    policy_program_free(program->composed);
    policy_doc_free(program->doc);
    policy_doc_free(program->global);
    free(program);
}
