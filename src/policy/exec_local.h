/* policy_local: runs a compiled policy program against one described request with a
 * synchronous host that never touches the network — what `meridian policy run` and the
 * executor's unit tests use (exec.h host interface).
 *
 * The host answers forward-request with the configured backend response, send-request with
 * the configured side response (200, empty, by default), runs retry timers at once (adding
 * their delay to `waited_ms`), and records what a real gateway would have sent. Completions
 * are queued and delivered after the executor returned, as the host contract requires. */
#ifndef MERIDIAN_POLICY_EXEC_LOCAL_H
#define MERIDIAN_POLICY_EXEC_LOCAL_H

#include "policy/exec.h"

#include <stdbool.h>
#include <stddef.h>

#define POLICY_LOCAL_MAX_RECORDS 32

/* A request the program sent (forward-request or send-request), as sent. */
typedef struct {
    const char *method;
    const char *url;
    policy_fields_t headers;
    policy_body_t body;
    bool is_one_way;
    policy_forward_t forward; /* forward-request's options */
} policy_local_sent_t;

typedef struct {
    /* ---- input ---- */
    const char *method;   /* "GET" */
    const char *url;      /* absolute: the request as the client sent it */
    policy_fields_t headers;
    const char *body; /* NULL: no body */
    size_t body_len;
    const char *service_url; /* the API's backend (serviceUrl); NULL: the request's origin */
    const char *api_path;    /* the API's path prefix ("orders"); NULL: "" */
    const char *region;      /* context.Deployment.Region */
    const char *client_ip;   /* NULL: "127.0.0.1" */
    int backend_status;      /* 0: 200 */
    const char *backend_reason; /* NULL: the standard phrase */
    policy_fields_t backend_headers;
    const char *backend_body;
    int backend_error; /* 0, or POLICY_E_TIMEOUT / POLICY_E_BACKEND_CONNECTION */
    int send_status;   /* answer of send-request (0: 200) */
    const char *send_body;
    void (*trace)(void *ctx, const policy_trace_t *trace);
    void (*metric)(void *ctx, const policy_metric_t *metric);
    void *hook_ctx;
    /* Counters (rate limits, quotas): a table of this process, shared by every run until
     * policy_local_counters_reset(). */
    int64_t now_ms;            /* the counters' clock, Unix ms (0: the wall clock) */
    int counter_error;         /* 0, or POLICY_E_COUNTER_OPEN / _CLOSED: "unreachable" */
    const char *subscription_id; /* context.Subscription.Id (NULL: anonymous) */

    /* ---- output ---- */
    policy_exec_t *exec; /* the finished run: exec->response, last_error, variables */
    policy_local_sent_t forwarded; /* valid when is_forwarded */
    bool is_forwarded;
    size_t forward_count;
    policy_local_sent_t sent[POLICY_LOCAL_MAX_RECORDS]; /* send-request, in order */
    size_t sent_count;
    uint64_t waited_ms;
    bool is_done;
} policy_local_t;

/* A document compiled on its own, as `meridian policy run` does: an API-scope policy under
 * the default global policy (<backend><forward-request/></backend>, so that <base/> means
 * something), or the global policy itself. */
typedef struct policy_local_program policy_local_program_t;

typedef struct {
    bool is_global;
    const policy_named_value_t *named_values; /* {{name}} references; others are errors */
    size_t named_value_count;
    policy_exec_options_t exec; /* backend lookup, context class */
} policy_local_options_t;

/* 0 with *out, or a negative code with *err ("NAME:LINE:COL: message"). */
int policy_local_compile(const char *text, size_t len, const char *name,
                         const policy_local_options_t *opts, policy_local_program_t **out,
                         policy_doc_error_t *err);
const policy_exec_program_t *policy_local_program(const policy_local_program_t *program);
void policy_local_program_free(policy_local_program_t *program);

/* Runs `program` for `io` with everything allocated in `arena`; the output fields are reset
 * first, so one io may be run again (the sent[] records of the last run are overwritten).
 * 0, -EINVAL when the input request is malformed (URL not absolute http(s)), -ENOMEM. */
int policy_local_run(const policy_exec_program_t *program, arena_t *arena, policy_local_t *io);

/* Forgets every counter of the offline host (tests start from nothing). */
void policy_local_counters_reset(void);

#endif
