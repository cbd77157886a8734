/* policy_exec: the policy executor — a composed program (compose.h) compiled once into
 * immutable steps, then run per request against a mutable request/response model
 * (spec/apim-gateway.md §1.3–§1.6, §2.1–§2.3, §4.4–§4.6).
 *
 * Compile (configuration time, STYLE.md habit 6): policy_exec_compile turns each section's
 * statements into an array of steps. A step is a run function + the data its policy's
 * `compile` built from the attributes; every attribute and text that holds an expression is
 * compiled there (policy_compile_attr / policy_compile_text) and an error names
 * "SCOPE:LINE:COL". choose/when/otherwise, retry and wait compile to conditional jumps inside
 * the section's array, limit-concurrency to ENTER + body + LEAVE (LEAVE also runs when an
 * error or the end of the run skips it). Nothing is parsed or looked up by name when a
 * request runs.
 *
 * Run (per request): policy_exec_new allocates a policy_exec_t in the request's arena; the
 * host fills the request message and the info fields, then calls policy_exec_start. The
 * executor runs inbound → backend → outbound; an error jumps to on-error (§1.4); a step that
 * needs the host (forward the request, send a side request, wait a while) asks for it through
 * the host vtable and the executor returns; the host later calls the matching *_done
 * function, which resumes the run. When the final response is decided the executor calls
 * host->done exactly once; the host then writes exec->response to the client.
 *
 * Headers a policy owes the final response whatever it turns out to be (cors on an actual
 * request: the backend's response replaces the one inbound edited, return-response and errors
 * start their own) are not written into exec->response but handed to policy_exec_final_header;
 * the executor merges them into the response it gives host->done, after outbound and
 * on-error ran.
 *
 * Callbacks: a host function never calls back into the executor (a *_done function) from
 * inside the call that asked for it (the libuv habit, STYLE.md); a synchronous host queues
 * the completion and calls *_done after policy_exec_start / the previous *_done returned.
 *
 * Memory: everything per request lives in the request's arena (messages, variables,
 * expression values); nothing is freed one by one. A step that keeps state across a host round
 * trip keeps it in its policy_exec_step_state slot, not in context.Variables. The compiled
 * program is immutable and shared by any number of requests on any number of threads; what a
 * policy's compile allocates outside the program's arena (keys, caches) is given back by a
 * hook registered with policy_compile_defer, run when the program is freed. */
#ifndef MERIDIAN_POLICY_EXEC_H
#define MERIDIAN_POLICY_EXEC_H

#include "base/arena.h"
#include "expr/compile.h"
#include "expr/value.h"
#include "policy/compose.h"
#include "policy/document.h"
#include "policy/registry.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct policy_exec policy_exec_t;
typedef struct policy_step policy_step_t;
typedef struct policy_exec_program policy_exec_program_t;
typedef struct policy_compile_ctx policy_compile_ctx_t;

/* ======================================================================================
 * Messages
 * ====================================================================================== */

/* One name/value pair: a header line or a query parameter. Strings are NUL-terminated. */
typedef struct {
    const char *name;
    const char *value;
    uint32_t name_len, value_len;
} policy_field_t;

/* An ordered, mutable list of pairs in the request's arena. Several pairs with one name are
 * the several values of that header/parameter, in order. Header names compare
 * case-insensitively (RFC 9110 §5.1); query names case-sensitively unless is_case_insensitive. */
typedef struct {
    policy_field_t *items;
    uint32_t count, cap;
    bool is_case_insensitive;
} policy_fields_t;

/* Number of values named `name`. */
size_t policy_fields_count(const policy_fields_t *f, const char *name, size_t len);
/* Index of the first pair named `name` at or after *from, or -1; use to walk all values. */
long policy_fields_find(const policy_fields_t *f, const char *name, size_t len, size_t from);
/* Appends a pair (copies both strings into `arena`). 0 or -ENOMEM. */
int policy_fields_add(policy_fields_t *f, arena_t *arena, const char *name, size_t name_len,
                      const char *value, size_t value_len);
/* Appends a pair without copying: name and value must be NUL-terminated and live as long
 * as the arena (a caller that copies many pairs into one block of its own). 0 or -ENOMEM. */
int policy_fields_push(policy_fields_t *f, arena_t *arena, const char *name, size_t name_len,
                       const char *value, size_t value_len);
/* Makes room for `extra` more pairs at once. 0 or -ENOMEM. */
int policy_fields_reserve(policy_fields_t *f, arena_t *arena, size_t extra);
/* Removes every pair named `name`; returns how many. */
size_t policy_fields_remove(policy_fields_t *f, const char *name, size_t len);
/* Values of `name` joined with "," (the GetValueOrDefault form, §3.5) in the arena; NULL when
 * absent or out of memory. */
const char *policy_fields_join(const policy_fields_t *f, arena_t *arena, const char *name,
                               size_t len, size_t *out_len);

/* A message body. STREAM: not read by the gateway; it will be piped from the client (request)
 * or the backend (response). BYTES: buffered; `consumed` once an expression read it without
 * preserveContent (§2.3 set-body: later reads fail). */
typedef enum {
    POLICY_BODY_NONE = 0, /* no body (GET, 204, a new empty response) */
    POLICY_BODY_STREAM,
    POLICY_BODY_BYTES,
} policy_body_kind_t;

typedef struct {
    policy_body_kind_t kind;
    const char *bytes; /* BYTES: arena or the host's memory that outlives the request */
    size_t len;
    bool is_consumed;
} policy_body_t;

/* A URL split the way the gateway composes backend URLs (§4.4): scheme://host:port + base_path
 * + path + ?query. For the backend-bound URL, base_path is the path of the backend base URL
 * (api serviceUrl or set-backend-service) and path the operation suffix (the request path
 * after the API path, or what rewrite-uri made of it). For the original URL base_path is ""
 * and path is the whole path. Query pairs hold the text as written in the URL (still
 * percent-encoded); policies that add values encode them. Strings NUL-terminated. */
typedef struct {
    const char *scheme; /* "http" / "https" */
    const char *host;
    int port; /* always set: 80/443 when the URL had none */
    const char *base_path;
    const char *path;
    policy_fields_t query;
} policy_url_t;

/* Parses an absolute http(s) URL into *url (strings copied into the arena; path goes to
 * base_path when `as_base`, else to path). 0, -EINVAL (not an absolute http(s) URL) or
 * -ENOMEM. */
int policy_url_parse(arena_t *arena, const char *text, size_t len, bool as_base, policy_url_t *url);
/* The URL as text ("https://host[:port]/base/path?query"), default ports omitted, "//" at the
 * join of base_path and path avoided (§4.4), a query parameter with an empty value written
 * without '=' ("?flag"). NULL when out of memory. */
char *policy_url_format(arena_t *arena, const policy_url_t *url, size_t *len);
/* base_path joined with path (IUrl.Path), at least "/". */
char *policy_url_path(arena_t *arena, const policy_url_t *url);
/* The same path as pieces, without allocating: base (base_len bytes), then sep ("" or "/"),
 * then path (NUL-terminated); all three empty means "/". */
void policy_url_path_pieces(const policy_url_t *url, const char **base, size_t *base_len,
                            const char **sep, const char **path);

typedef struct {
    const char *method; /* upper case as received or as set-method wrote it */
    policy_url_t url;   /* backend-bound: context.Request.Url */
    policy_fields_t headers;
    policy_body_t body;
} policy_request_t;

typedef struct {
    int status;         /* 0 = not set yet */
    const char *reason; /* NULL: the standard phrase of `status` */
    policy_fields_t headers;
    policy_body_t body;
} policy_response_t;

/* The standard reason phrase of an HTTP status ("OK", "Not Found"), or "Unknown". */
const char *policy_status_reason(int status);

/* ======================================================================================
 * Per-request state
 * ====================================================================================== */

/* context.LastError (§1.5). All strings NUL-terminated, in the arena or static. */
typedef struct {
    const char *source;  /* policy name or built-in step ("configuration", "forward-request") */
    const char *reason;  /* machine code ("HeaderNotFound"), may be NULL */
    const char *message; /* human text, always set */
    const char *scope;   /* "global" | "product" | "api" | "operation" (NULL for built-in steps) */
    const char *section; /* "inbound" | "backend" | "outbound" | "on-error" */
    const char *path;    /* "choose[1]/when[2]/set-header[1]" */
    const char *policy_id; /* the failing element's id attribute, or NULL */
    /* Not in the context model: what the caller gets when on-error does not decide (§4.6). */
    int status;                /* 500 unless the raiser said otherwise */
    const char *public_message; /* body message of the default error response */
} policy_last_error_t;

typedef struct policy_variable {
    const char *name;
    uint32_t name_len;
    expr_value_t value;
    struct policy_variable *next;
} policy_variable_t;

/* What the gateway knows about the request before policies run, for the context model
 * (§3.4). Plain fields: the host fills what it has; NULL/0 = unknown (the context model
 * then answers null or empty). */
typedef struct {
    const char *region;       /* context.Deployment.Region ("West US") */
    const char *service_name; /* context.Deployment.ServiceName */
    const char *service_id;   /* context.Deployment.ServiceId (ARM resource id) or NULL */
    const char *gateway_id;   /* context.Deployment.GatewayId ("managed") */
    const char *gateway_instance_id; /* context.Deployment.Gateway.InstanceId (per process) */
    const char *api_id, *api_name, *api_path, *api_service_url, *api_version, *api_revision;
    const char *operation_id, *operation_name, *operation_method, *operation_url_template;
    const char *product_id, *product_name;           /* NULL: not in product context */
    const char *subscription_id, *subscription_name; /* NULL: anonymous */
    const char *subscription_key;
    const char *user_id;
    policy_fields_t matched_parameters; /* context.Request.MatchedParameters (decoded) */
    const char *client_ip;              /* context.Request.IpAddress */
    policy_url_t original_url;          /* context.Request.OriginalUrl */
    const char *original_method;
    uint8_t request_id[16]; /* context.RequestId (Guid byte order of expr_value_t) */
    int64_t timestamp_ticks; /* context.Timestamp (DateTime ticks, UTC) */
    bool is_tracing;         /* context.Tracing */
    /* Subscriptions (docs/subscriptions.md): the rest of context.Subscription, Product and
     * User. Zero = unknown: null dates and strings, a published product that requires
     * subscriptions, no approval, no limit (what a host that fills nothing got before). */
    const char *subscription_primary_key, *subscription_secondary_key;
    int64_t subscription_created_ticks, subscription_start_ticks, subscription_end_ticks;
    bool is_product_open;              /* context.Product.SubscriptionRequired is false */
    bool is_product_approval_required; /* context.Product.ApprovalRequired */
    bool is_product_unpublished;       /* context.Product.State "NotPublished" */
    bool has_product_subscriptions_limit; /* false: context.Product.SubscriptionLimit is null */
    int64_t product_subscriptions_limit;
    const char *user_email, *user_first_name, *user_last_name, *user_note;
    int64_t user_registration_ticks;
    const char *api_key_header, *api_key_query; /* SubscriptionKeyParameterNames; NULL: default */
} policy_request_info_t;

/* Where the run is (exec->state). */
typedef enum {
    POLICY_EXEC_NEW = 0,
    POLICY_EXEC_RUNNING, /* inside policy_exec_start or a *_done */
    POLICY_EXEC_WAITING, /* a host operation is outstanding */
    POLICY_EXEC_DONE,    /* host->done has been called */
} policy_exec_state_t;

typedef struct policy_host policy_host_t;

/* Continuation of a step that asked the host for something (policy_exec_suspend): called by
 * the executor when the host reports completion. `status` is 0 or a negative POLICY_E_* code;
 * `result` is the operation's result (send: policy_response_t *; others NULL). Returns like a
 * run function (POLICY_RUN_*, or a negative code after policy_exec_raise). */
typedef int (*policy_resume_fn)(policy_exec_t *exec, const policy_step_t *step, int status,
                                void *result);

/* Objects the context model (policy/context.h, context.c) defines and this module uses:
 * - `policy_context_class`: the class of `context` in expressions (rt.host is the exec);
 * - `policy_response_class`: IResponse (§3.4), obj.ptr a policy_response_t *: send-request
 *   stores one in its response variable, return-response reads one back. */
struct policy_exec {
    arena_t *arena;
    const policy_exec_program_t *program;
    const policy_host_t *host;
    void *host_data; /* the host's per-request object */

    policy_request_info_t info;
    policy_request_t request;
    policy_response_t response;
    /* Set by set-backend-service backend-id: the caller's handle for the Backend resource
     * (credentials, pool), from policy_backend_lookup_fn; NULL otherwise. */
    const void *backend;
    /* Set by the proxy policy (§2.2): forward-request goes through it. NULL: direct. */
    const char *proxy_url, *proxy_username, *proxy_password;
    policy_variable_t *variables; /* context.Variables, newest first */
    policy_last_error_t *last_error; /* context.LastError: NULL until an error */
    expr_rt_t rt;                    /* expressions run here; rt.host = this exec */

    /* ---- executor-private below: read-only for hosts and policies ---- */
    policy_exec_state_t state;
    policy_section_t section;
    uint32_t pc;          /* index of the next step in the section */
    bool is_backend_called;
    bool is_in_on_error;
    bool is_response_final; /* return-response / mock-response / error response decided */
    bool is_raised;         /* policy_exec_raise ran for the current step */
    bool is_in_loop;        /* the run loop is on the stack */
    bool has_deferred;      /* a completion arrived while the loop was on the stack */
    int deferred_status;
    void *deferred_result;
    const policy_step_t *pending_step;
    policy_resume_fn pending_resume;
    int64_t *slots; /* per-request state of control steps (retry counters...) */
    void **step_states; /* policy_exec_step_state: program->state_count, allocated on first use */
    /* policy_exec_final_header: SET replaces the response's values of the name, ADD appends */
    policy_fields_t final_set, final_add;
    struct policy_finish_hook *finish_hooks, **finish_tail; /* policy_exec_at_finish */
};

/* context.Variables: the value named `name`, or NULL. */
const expr_value_t *policy_exec_var_get(const policy_exec_t *exec, const char *name, size_t len);
/* Sets (adds or replaces) a variable; the name is copied. 0 or -ENOMEM. */
int policy_exec_var_set(policy_exec_t *exec, const char *name, size_t len, expr_value_t value);

/* How a final header meets the response's own headers of that name. */
typedef enum {
    POLICY_FINAL_SET, /* replaces them (Access-Control-Allow-Origin: one value, ours) */
    POLICY_FINAL_ADD, /* is added unless the response already has this very value (Vary) */
} policy_final_mode_t;

/* Records a header for the final response, whatever it turns out to be: the backend's, a
 * return-response, an error response (not when the client is gone and nothing is sent).
 * Merged after the last section ran, just before host->done, so outbound and on-error do not
 * see it. A SET of a name already recorded replaces the earlier record (a step that runs twice
 * does not send its header twice). Strings are copied. 0 or -ENOMEM. */
int policy_exec_final_header(policy_exec_t *exec, policy_final_mode_t mode, const char *name,
                             size_t name_len, const char *value, size_t value_len);

/* ======================================================================================
 * Host interface
 * ====================================================================================== */

/* forward-request's options (§2.2), evaluated. */
typedef struct {
    uint64_t timeout_ms; /* status line + headers within this (timeout / timeout-ms) */
    uint64_t continue_timeout_ms; /* 0 = none */
    int http_version;             /* 1, 2 = "2", 21 = "2or1" */
    bool follow_redirects;
    bool buffer_request_body;
    bool buffer_response; /* false: stream chunks as they come (SSE) */
    bool fail_on_error_status_code;
    const char *proxy_url, *proxy_username, *proxy_password; /* the proxy policy; NULL: none */
} policy_forward_t;

/* A side request (send-request / send-one-way-request), evaluated. */
typedef struct {
    bool is_one_way;  /* send-one-way-request: no response is awaited or stored */
    const char *url;  /* absolute */
    const char *method;
    policy_fields_t headers;
    policy_body_t body;
    uint64_t timeout_ms;
    const char *proxy_url, *proxy_username, *proxy_password; /* NULL: none */
} policy_send_t;

typedef enum {
    POLICY_TRACE_VERBOSE,
    POLICY_TRACE_INFORMATION,
    POLICY_TRACE_ERROR,
} policy_trace_severity_t;

typedef struct {
    const char *source;
    policy_trace_severity_t severity;
    const char *message;
    const policy_fields_t *metadata;
} policy_trace_t;

typedef struct {
    const char *name;
    const char *namespace_; /* NULL: "API Management" */
    double value;
    const policy_fields_t *dimensions;
} policy_metric_t;

/* Error codes the host passes to *_done and the executor maps to LastError (§1.5, §4.6). */
#define POLICY_E_TIMEOUT (-1001)            /* Reason "Timeout", 500 */
#define POLICY_E_BACKEND_CONNECTION (-1002) /* Reason "BackendConnectionFailure", 500 */
#define POLICY_E_CLIENT_CONNECTION (-1003)  /* Reason "ClientConnectionFailure": nothing sent */

/* A cache operation (§2.6), for policy_host_t.cache. Keys are bytes the policy built (a
 * response key starts "r\n", a value key "v\n"); the host adds what makes them its own
 * (the region, the service, the purge generation). */
typedef enum {
    POLICY_CACHE_GET,    /* awaited: policy_exec_resume(exec, status, policy_cache_result_t *) */
    POLICY_CACHE_SET,    /* not awaited: the host never resumes for it (§2.6: "write is
                            asynchronous; an immediate lookup may miss") */
    POLICY_CACHE_REMOVE, /* not awaited either */
} policy_cache_verb_t;

typedef enum {
    POLICY_CACHE_PREFER_EXTERNAL = 0, /* the external cache when configured, else internal */
    POLICY_CACHE_INTERNAL,            /* the region's built-in cache */
    POLICY_CACHE_EXTERNAL,            /* the location's Redis-compatible cache */
} policy_cache_type_t;

typedef struct {
    policy_cache_verb_t verb;
    policy_cache_type_t type;
    const char *key; /* in exec->arena */
    size_t key_len;
    const void *value; /* SET: copied by the host before it returns */
    size_t value_len;
    uint64_t ttl_ms; /* SET: > 0 */
} policy_cache_op_t;

/* The result of a GET, in memory that lives as long as exec->arena. */
typedef struct {
    bool is_hit;
    const void *value;
    size_t value_len;
} policy_cache_result_t;

/* ---- counters (rate limits, quotas: policies_limits.c, docs/limits.md) ---- */

/* Add `amount` (0: only read) to the counter named `key` and report it. A counter counts in
 * buckets of `period_ms` aligned to `origin_ms` (Unix ms): the current bucket is
 * floor((now - origin_ms) / period_ms); period_ms 0 is one bucket for ever. The host
 * namespaces keys itself (service, region unless counting is global) and makes the add
 * atomic across every unit that shares the counters (policy/limit_window.h has the bucket
 * arithmetic every host shares). */
typedef struct {
    const char *key; /* NUL-terminated, in the request's arena */
    size_t key_len;
    int64_t amount;
    int64_t period_ms;
    int64_t origin_ms;
    /* Fire and forget (counting after the response): the host adds and never completes;
     * copy what the add needs, exec may be gone before it is done. */
    bool is_no_reply;
} policy_counter_op_t;

/* The counter after the add: the current bucket's count and the previous bucket's (0 when
 * that bucket is not the one just before), when the current bucket started, and the
 * host's clock when it counted (all Unix ms). */
typedef struct {
    int64_t current, previous;
    int64_t bucket_start_ms;
    int64_t now_ms;
} policy_counter_result_t;

/* counter's return when it counted at once (*out filled, no completion follows). */
#define POLICY_COUNTER_DONE 1
/* The counters are unreachable (Redis down, the table full): the host's setting decides
 * whether the policy lets the request through (OPEN) or refuses it (CLOSED: 503). */
#define POLICY_E_COUNTER_OPEN (-1010)
#define POLICY_E_COUNTER_CLOSED (-1011)

struct policy_host {
    /* Send exec->request to the backend-bound URL (policy_exec_backend_url) with `opts`; later
     * call policy_exec_forward_done having filled exec->response (status, reason, headers; the
     * body as BYTES when opts->buffer_response and the program needs the response body,
     * else STREAM). Returns 0 (started) or a negative POLICY_E_* (treated as if forward_done
     * had reported it). Required when a program forwards. */
    int (*forward)(policy_exec_t *exec, const policy_forward_t *opts);
    /* Send a side request; later call policy_exec_send_done with a response allocated in
     * exec->arena (body BYTES), or an error. One-way (req->is_one_way): the executor does not
     * wait; the host sends it on its own and never calls policy_exec_send_done for it (req
     * and its strings live in exec->arena: copy what must outlive the request). */
    int (*send)(policy_exec_t *exec, const policy_send_t *req);
    /* Call policy_exec_timer_done after `ms` milliseconds (retry intervals). */
    int (*timer)(policy_exec_t *exec, uint64_t ms);
    /* The final response is exec->response (a STREAM body pipes the backend's body). Called
     * exactly once per run; the executor does not touch exec afterwards. */
    void (*done)(policy_exec_t *exec);
    /* Optional, synchronous: the trace policy, context.Trace (§4.7); emit-metric. */
    void (*trace)(policy_exec_t *exec, const policy_trace_t *trace);
    void (*metric)(policy_exec_t *exec, const policy_metric_t *metric);
    /* Optional, synchronous: the http(s) URL configured for an Azure service a §2.7 policy
     * calls — `service` "logger" (log-to-eventhub logger-id), "service-bus", "dapr",
     * "managed-identity", ... and the policy's `name` for it — or NULL when none is configured
     * (the policy then fails with a clear error; policies_support.h). */
    const char *(*endpoint)(policy_exec_t *exec, const char *service, const char *name);
    /* Optional: the cache (§2.6). Starts `op` and returns 0 — a GET later completes with
     * policy_exec_resume(exec, 0, &result) (a miss when the cache is unreachable); SET and
     * REMOVE are never completed — or returns a negative POLICY_E_* when nothing could be
     * started (a GET is then a miss). NULL: no cache, every lookup misses and stores are
     * dropped (policy run, tests; docs/caching.md). */
    int (*cache)(policy_exec_t *exec, const policy_cache_op_t *op);
    /* Counters (see policy_counter_op_t): POLICY_COUNTER_DONE with *out filled; 0 when it
     * completes later with policy_exec_resume(exec, 0 or POLICY_E_COUNTER_*, out) (`out`
     * is in exec->arena and stays valid); or POLICY_E_COUNTER_OPEN / _CLOSED at once. With
     * op->is_no_reply the host returns 0 or DONE and never completes. Optional: a host
     * without it makes every limit policy fail with a clear error (docs/limits.md). */
    int (*counter)(policy_exec_t *exec, const policy_counter_op_t *op, policy_counter_result_t *out);
};

/* ======================================================================================
 * Compile
 * ====================================================================================== */

/* The backend resource `backend_id` (set-backend-service backend-id): 0 with its base URL in
 * *base_url and the caller's handle (exec->backend) in *handle, or -ENOENT. Called at compile
 * time for literal ids (an unknown one fails the configuration) and per request for ids
 * computed by an expression; must be thread-safe then. */
typedef int (*policy_backend_lookup_fn)(void *ctx, const char *backend_id, const char **base_url,
                                        const void **handle);

/* One documented response of the operation being compiled, for mock-response (spec §2.3):
 * its status, one representation's content type and that representation's example as body
 * text (NULL: none), in the order the operation lists them. */
typedef struct policy_response_example {
    int status;
    const char *content_type;
    const char *body;
    size_t body_len;
} policy_response_example_t;

typedef struct {
    /* The class of `context` in expressions; NULL = policy_context_class (context.h). */
    const expr_class_t *context_class;
    policy_backend_lookup_fn backend_lookup; /* NULL: every backend-id is unknown */
    void *backend_ctx;                       /* must outlive the compiled program */
    /* The operation's documented responses (mock-response); borrowed, they must outlive the
     * compiled program. None: mock-response answers with an empty body. */
    const policy_response_example_t *examples;
    size_t example_count;
} policy_exec_options_t;

/* Program flags: what the host must do before it starts a request. */
#define POLICY_NEEDS_REQUEST_BODY 1u  /* buffer the client's body (BYTES) before start */
#define POLICY_NEEDS_RESPONSE_BODY 2u /* forward must buffer the backend body (BYTES) */
#define POLICY_CALLS_BACKEND 4u       /* some path forwards the request */

/* Compiles `program` (borrowed: it and its documents must outlive the result). Returns 0 with
 * *out, or -EINVAL with *err ("SCOPE:LINE:COL: message"; expression errors point inside the
 * value) or -ENOMEM. */
int policy_exec_compile(const policy_program_t *program, const policy_exec_options_t *opts,
                        policy_exec_program_t **out, policy_doc_error_t *err);
void policy_exec_program_free(policy_exec_program_t *program);
unsigned policy_exec_program_flags(const policy_exec_program_t *program);
/* Steps in a section (for tests and `policy run` dumps). */
size_t policy_exec_program_steps(const policy_exec_program_t *program, policy_section_t section);

/* What a policy's compile function gets (registry.h `compile`). */
struct policy_compile_ctx {
    arena_t *arena; /* the compiled program's: step data lives here */
    const policy_program_t *program;
    const policy_doc_t *doc;          /* the document holding the statement */
    const char *scope_name;           /* for errors: policy_doc_scope(doc) */
    const policy_statement_t *statement; /* NULL when compiling a child element as a policy
                                            (send-request's <set-header>) */
    const policy_element_spec_t *spec; /* spec of `element` (attribute defaults) */
    const policy_doc_node_t *element;  /* the element compile was called for: defaults of
                                          `spec` apply to its attributes only, not to
                                          those of its child elements */
    const policy_exec_options_t *opts;
    const expr_class_t *context_class;
    unsigned *flags; /* POLICY_NEEDS_* of the program: OR into it */
    policy_exec_program_t *target; /* the program being built (policy_compile_defer) */
};

/* Runs fn(ptr) when the program being compiled is freed (policy_exec_program_free, also when
 * the compilation fails later on), after the hooks registered after it: for what a policy's
 * compile allocates outside cc->arena (key sets, caches shared by its requests). 0, or
 * -ENOMEM after fn(ptr) ran (the resource is given back at once). */
int policy_compile_defer(policy_compile_ctx_t *cc, void (*fn)(void *), void *ptr);

/* A compiled attribute or text: a literal (already converted to the wanted type) or an
 * expression program. */
typedef enum {
    POLICY_VALUE_STRING,
    POLICY_VALUE_BOOL,
    POLICY_VALUE_INT,
    POLICY_VALUE_ANY, /* set-variable: the expression's own value; a literal is a string */
} policy_value_type_t;

typedef struct {
    bool is_present;                /* false: the attribute was absent and had no default */
    const expr_program_t *program;  /* NULL: literal */
    const char *text;               /* literal text, NUL-terminated */
    size_t len;
    int64_t number;                 /* literal BOOL (0/1) and INT */
} policy_value_t;

/* Compiles attribute `name` of `element` (after named-value substitution; when absent, the
 * default in cc->spec if `element` is cc->element). A literal BOOL/INT is converted now (a malformed one is an error);
 * an expression is compiled with `context` and the expected type. Expressions that read a
 * body set POLICY_NEEDS_*_BODY. 0, or -EINVAL with *err naming the value's position. */
int policy_compile_attr(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        const char *name, policy_value_type_t type, policy_value_t *out,
                        policy_doc_error_t *err);
/* Same for the text of `element` (set-method, <value>, set-body). */
int policy_compile_text(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        policy_value_type_t type, policy_value_t *out, policy_doc_error_t *err);
/* Compiles `element` (a child like <set-header> of send-request) with the compile function
 * of the registered policy `policy`; *data as that policy's compile returns it. */
int policy_compile_as(policy_compile_ctx_t *cc, const policy_descriptor_t *policy,
                      const policy_doc_node_t *element, const void **data,
                      policy_doc_error_t *err);

/* ======================================================================================
 * Run
 * ====================================================================================== */

/* Returns of a run function (registry.h `run`) and of a policy_resume_fn. A negative return
 * is an error: the run function has called policy_exec_raise (if it did not, the executor
 * raises a generic 500 error for it). */
#define POLICY_RUN_NEXT 0    /* go on with the next step (or the one policy_exec_jump chose) */
#define POLICY_RUN_PENDING 1 /* the step called policy_exec_suspend: wait for the host */
#define POLICY_RUN_END 2     /* exec->response is final: skip everything, call host->done */

struct policy_step {
    int (*run)(policy_exec_t *exec, const policy_step_t *step);
    const void *data;                  /* what the policy's compile made */
    const policy_descriptor_t *policy; /* NULL for executor-internal control steps */
    uint32_t jump;                     /* control steps: a target index in the section */
    uint32_t slot;                     /* control steps: index into exec->slots */
    uint32_t state; /* index of its policy_exec_step_state (limit-concurrency's LEAVE shares
                       its ENTER's) */
    /* For LastError (§1.5), computed at compile time. */
    const char *path;      /* "choose[1]/when[2]/set-header[1]" */
    const char *policy_id; /* the element's id attribute, or NULL */
    const policy_doc_node_t *node;
    policy_scope_t scope;
    policy_section_t section;
};

/* A new run of `program` for one request, allocated in `arena` (which must outlive it).
 * The caller then fills exec->info and exec->request (method, url, headers, body) and calls
 * policy_exec_start. NULL when out of memory. */
policy_exec_t *policy_exec_new(arena_t *arena, const policy_exec_program_t *program,
                               const policy_host_t *host, void *host_data);
/* Runs until the response is decided (host->done called) or a host operation is pending.
 * Returns 0, or -EINVAL when called twice. */
int policy_exec_start(policy_exec_t *exec);
/* Starts the run in on-error for an error a built-in step of the host raised before any
 * policy ran (§1.4, §1.5: Source "authorization" for subscription keys): LastError is set
 * (Section inbound, no Scope), the response becomes the default error response (§4.6) with
 * `reason_phrase` (NULL: standard) and the `extra` header pairs, and the effective on-error
 * section runs on it. Same returns as policy_exec_start. */
int policy_exec_start_error(policy_exec_t *exec, const char *source, int status,
                            const char *reason, const char *public_message,
                            const char *reason_phrase, const policy_field_t *extra,
                            size_t extra_count);

/* Host completions (each resumes the run; never call one from inside the host call that
 * started the operation). `error` is 0 or a POLICY_E_* code. */
void policy_exec_forward_done(policy_exec_t *exec, int error);
void policy_exec_send_done(policy_exec_t *exec, int error, policy_response_t *response);
void policy_exec_timer_done(policy_exec_t *exec);
/* For hosts services other policies use (cache, counters...): completes the pending
 * operation with `status` and `result` passed to the step's resume function. */
void policy_exec_resume(policy_exec_t *exec, int status, void *result);

/* ---- for run functions ---- */

/* Records that the current step waits for the host: `resume` runs when the host completes.
 * Returns POLICY_RUN_PENDING, for `return policy_exec_suspend(...)` after asking the host. */
int policy_exec_suspend(policy_exec_t *exec, const policy_step_t *step, policy_resume_fn resume);
/* For a step that suspends BEFORE asking the host (the host may complete inside the call):
 * `rc` is what the host's call returned. rc >= 0: the operation started, POLICY_RUN_PENDING.
 * rc < 0: it never started, so the step stops waiting and its resume function runs now
 * with rc and no result; returns what that returns. */
int policy_exec_host_started(policy_exec_t *exec, int rc);
/* The next step to run is `index` in the current section (control steps). */
void policy_exec_jump(policy_exec_t *exec, uint32_t index);
/* This request's state slot of `step`, for what a step keeps across a host round trip (the
 * resume function gets only exec and step) or hands to its partner (limit-concurrency's
 * ENTER to its LEAVE): NULL until the step stores a pointer (arena memory) in it; private to
 * the policy, never seen by expressions. NULL when out of memory (the slot array is allocated
 * on first use). */
void **policy_exec_step_state(policy_exec_t *exec, const policy_step_t *step);
/* Raises an error for `step` (§1.5): fills LastError (Source = the step's policy name unless
 * `source` is given, Scope, Section, Path, PolicyId), sets the status and public message of
 * the default error response (§4.6: status 0 = 500, "Internal server error"), and returns a
 * negative code for `return policy_exec_raise(...)`. */
int policy_exec_raise(policy_exec_t *exec, const policy_step_t *step, const char *source,
                      int status, const char *reason, const char *public_message,
                      const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Raises ExpressionValueEvaluationFailure from the exception pending in exec->rt. */
int policy_exec_raise_expr(policy_exec_t *exec, const policy_step_t *step);
/* Raises the out-of-memory failure of this request (503, STYLE.md habit 4). */
int policy_exec_raise_oom(policy_exec_t *exec, const policy_step_t *step);

/* Evaluate a compiled value for this request. Strings are NUL-terminated (arena or the
 * program). An exception raises ExpressionValueEvaluationFailure and returns negative. */
int policy_value_string(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                        const char **out, size_t *len);
int policy_value_bool(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                      bool *out);
int policy_value_long(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                      int64_t *out);
int policy_value_eval(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                      expr_value_t *out);

/* Runs fn(exec, arg) when the response is decided, after outbound/on-error and the final
 * headers, before host->done (context.Response is the final response; expressions still
 * run): counting that depends on the response (limits' increment-condition, bandwidth).
 * Hooks run in the order they were added; an error inside one cannot change the response.
 * 0 or -ENOMEM. */
int policy_exec_at_finish(policy_exec_t *exec, void (*fn)(policy_exec_t *exec, void *arg), void *arg);

/* The message a policy edits in the current section: the request in inbound/backend, the
 * response in outbound/on-error (§2.3 set-header). */
bool policy_exec_is_request_phase(const policy_exec_t *exec);
/* The backend-bound URL as text (§4.4). NULL when out of memory. */
char *policy_exec_backend_url(policy_exec_t *exec, size_t *len);

/* Index of the first step of `policy` in `section` of the running program, or -1. */
long policy_exec_find_step(const policy_exec_t *exec, policy_section_t section,
                           const policy_descriptor_t *policy, const policy_step_t **step);
/* A cached response answers the request (cache-lookup hit, §1.4): exec->response holds it;
 * the rest of inbound and the backend section are skipped and the run goes on in outbound
 * at step `index` (right after the cache-store). The current step then returns
 * POLICY_RUN_NEXT. */
void policy_exec_skip_to_outbound(policy_exec_t *exec, uint32_t index);

#endif
