/* Routing policies (spec/apim-gateway.md §2.2): set-backend-service, forward-request, proxy. */
#include "policy/exec.h"
#include "policy/registry_tables.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* ---- set-backend-service (§2.2, §4.4) ---- */

typedef struct {
    policy_value_t base_url, backend_id;
    /* resolved at compile time when literal */
    bool has_literal_url;
    policy_url_t literal_url;
    const void *literal_backend;
    policy_backend_lookup_fn lookup;
    void *lookup_ctx;
} set_backend_data_t;

static int compile_set_backend_service(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                       const void **data, policy_doc_error_t *err)
{
    set_backend_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    d->lookup = cc->opts ? cc->opts->backend_lookup : NULL;
    d->lookup_ctx = cc->opts ? cc->opts->backend_ctx : NULL;
    int rc = policy_compile_attr(cc, element, "base-url", POLICY_VALUE_STRING, &d->base_url, err);
    if (!rc) rc = policy_compile_attr(cc, element, "backend-id", POLICY_VALUE_STRING, &d->backend_id, err);
    if (rc) return rc;
    if (policy_doc_attr(element, "dapr-app-id")) {
        /* the Dapr sidecar form (backend-id="dapr" dapr-app-id=...): no sidecar here */
        policy_doc_errorf(err, cc->scope_name, policy_doc_attr(element, "dapr-app-id")->pos,
                          "the Dapr form of <set-backend-service> ('dapr-app-id') is not supported");
        return -EINVAL;
    }
    const policy_doc_attr_t *attr = policy_doc_attr(element, d->base_url.is_present ? "base-url" : "backend-id");
    policy_doc_pos_t pos = attr ? attr->value_pos : element->pos;
    const char *url = NULL;
    if (d->base_url.is_present && !d->base_url.program) {
        url = d->base_url.text;
    } else if (d->backend_id.is_present && !d->backend_id.program) {
        /* a literal backend-id must name a Backend resource now, not at the first request */
        if (!d->lookup || d->lookup(d->lookup_ctx, d->backend_id.text, &url, &d->literal_backend) < 0 || !url) {
            policy_doc_errorf(err, cc->scope_name, pos, "backend '%s' is not defined", d->backend_id.text);
            return -EINVAL;
        }
    }
    if (url) {
        if (policy_url_parse(cc->arena, url, strlen(url), true, &d->literal_url) < 0) {
            policy_doc_errorf(err, cc->scope_name, pos, "'%s' is not an absolute http(s) URL", url);
            return -EINVAL;
        }
        d->has_literal_url = true;
    }
    *data = d;
    return 0;
}

static int run_set_backend_service(policy_exec_t *exec, const policy_step_t *step)
{
    const set_backend_data_t *d = step->data;
    bool is_backend_id = d->backend_id.is_present;
    /* §2.2 quirk: once a backend-id chose the backend, a later base-url does not override it */
    if (!is_backend_id && exec->backend) return POLICY_RUN_NEXT;
    policy_url_t parsed;
    const policy_url_t *base = &d->literal_url;
    const void *backend = d->literal_backend;
    if (!d->has_literal_url) {
        const char *text = NULL;
        int rc = policy_value_string(exec, step, is_backend_id ? &d->backend_id : &d->base_url, &text, NULL);
        if (rc) return rc;
        const char *url = text;
        if (is_backend_id && (!text || !d->lookup || d->lookup(d->lookup_ctx, text, &url, &backend) < 0 || !url))
            return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                     "backend '%s' is not defined", text ? text : "");
        if (!url || policy_url_parse(exec->arena, url, strlen(url), true, &parsed) < 0)
            return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                     "'%s' is not an absolute http(s) URL", url ? url : "");
        base = &parsed;
    }
    /* the operation path (or rewrite-uri's) and the query stay (§2.2 example) */
    exec->request.url.scheme = base->scheme;
    exec->request.url.host = base->host;
    exec->request.url.port = base->port;
    exec->request.url.base_path = base->base_path;
    if (is_backend_id) exec->backend = backend;
    return POLICY_RUN_NEXT;
}

/* base-url or backend-id (§2.2); the Dapr form is backend-id="dapr" with dapr-app-id. */
static int check_set_backend_service(const policy_check_ctx_t *ctx,
                                     const policy_doc_node_t *element, policy_doc_error_t *err)
{
    return policy_check_exactly_one(ctx, element, (const char *const[]){"base-url", "backend-id", NULL},
                                    err);
}

static const policy_descriptor_t set_backend_service = {
    .name = "set-backend-service",
    .family = "routing",
    .sections = POLICY_IN | POLICY_BACK,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_URL("base-url", 0), A_STR("backend-id", 0), A_STR("sf-partition-key", 0),
                      A_ENUM("sf-replica-type", 0, "primary", "primary", "secondary"),
                      A_BOOL("sf-resolve-condition", 0, NULL), A_STR("sf-service-instance-name", 0),
                      A_STR("sf-listener-name", 0), A_STR("dapr-app-id", EXT),
                      A_STR("dapr-method", EXT), A_STR("dapr-namespace", EXT))},
    .check = check_set_backend_service,
    .compile = compile_set_backend_service,
    .run = run_set_backend_service,
};

/* timeout and timeout-ms are exclusive (§2.2). */
static int check_forward_request(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                                 policy_doc_error_t *err)
{
    return policy_check_at_most_one(ctx, element,
                                    (const char *const[]){"timeout", "timeout-ms", NULL}, err);
}

/* ---- forward-request (§2.2) ---- */

typedef struct {
    policy_value_t timeout, timeout_ms, continue_timeout, http_version, follow_redirects,
        buffer_request_body;
    bool buffer_response, fail_on_error_status_code; /* no-expr */
} forward_data_t;

static int compile_forward_request(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                   const void **data, policy_doc_error_t *err)
{
    forward_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    policy_value_t buffer_response, fail_on_error;
    int rc = policy_compile_attr(cc, element, "timeout", POLICY_VALUE_INT, &d->timeout, err);
    if (!rc) rc = policy_compile_attr(cc, element, "timeout-ms", POLICY_VALUE_INT, &d->timeout_ms, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "continue-timeout", POLICY_VALUE_INT, &d->continue_timeout, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "http-version", POLICY_VALUE_STRING, &d->http_version, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "follow-redirects", POLICY_VALUE_BOOL, &d->follow_redirects, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "buffer-request-body", POLICY_VALUE_BOOL,
                                 &d->buffer_request_body, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "buffer-response", POLICY_VALUE_BOOL, &buffer_response, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "fail-on-error-status-code", POLICY_VALUE_BOOL,
                                 &fail_on_error, err);
    if (rc) return rc;
    d->buffer_response = buffer_response.number != 0;
    d->fail_on_error_status_code = fail_on_error.number != 0;
    *data = d;
    return 0;
}

static int forward_resume(policy_exec_t *exec, const policy_step_t *step, int status, void *result)
{
    (void)result;
    const forward_data_t *d = step->data;
    if (status == POLICY_E_TIMEOUT)
        return policy_exec_raise(exec, step, NULL, 500, "Timeout", NULL,
                                 "Request to the backend service timed out.");
    if (status == POLICY_E_CLIENT_CONNECTION)
        return policy_exec_raise(exec, step, NULL, 500, "ClientConnectionFailure", NULL,
                                 "The client closed the connection.");
    if (status < 0)
        return policy_exec_raise(exec, step, NULL, 500, "BackendConnectionFailure", NULL,
                                 "Unable to connect to the backend service.");
    if (d->fail_on_error_status_code && exec->response.status >= 400 && exec->response.status <= 599)
        return policy_exec_raise(exec, step, NULL, 500, "BackendError", NULL,
                                 "The backend service answered %d.", exec->response.status);
    return POLICY_RUN_NEXT;
}

static int run_forward_request(policy_exec_t *exec, const policy_step_t *step)
{
    const forward_data_t *d = step->data;
    policy_forward_t *f = arena_alloc(exec->arena, sizeof *f);
    if (!f) return policy_exec_raise_oom(exec, step);
    memset(f, 0, sizeof *f);
    int64_t seconds = 300, ms = 0, cont = 0;
    const char *version = NULL;
    int rc = policy_value_long(exec, step, &d->timeout, &seconds);
    if (!rc && d->timeout_ms.is_present) rc = policy_value_long(exec, step, &d->timeout_ms, &ms);
    if (!rc && d->continue_timeout.is_present) rc = policy_value_long(exec, step, &d->continue_timeout, &cont);
    if (!rc) rc = policy_value_string(exec, step, &d->http_version, &version, NULL);
    if (!rc) rc = policy_value_bool(exec, step, &d->follow_redirects, &f->follow_redirects);
    if (!rc) rc = policy_value_bool(exec, step, &d->buffer_request_body, &f->buffer_request_body);
    if (rc) return rc;
    f->timeout_ms = d->timeout_ms.is_present ? (uint64_t)(ms > 0 ? ms : 0)
                                             : (uint64_t)(seconds > 0 ? seconds : 0) * 1000;
    f->continue_timeout_ms = (uint64_t)(cont > 0 ? cont : 0) * 1000;
    f->http_version = version && strcmp(version, "2") == 0 ? 2 : version && strcasecmp(version, "2or1") == 0 ? 21 : 1;
    f->buffer_response = d->buffer_response;
    f->fail_on_error_status_code = d->fail_on_error_status_code;
    f->proxy_url = exec->proxy_url;
    f->proxy_username = exec->proxy_username;
    f->proxy_password = exec->proxy_password;
    if (!exec->host || !exec->host->forward)
        return policy_exec_raise(exec, step, NULL, 500, "BackendConnectionFailure", NULL,
                                 "this gateway has no backend connection");
    exec->is_backend_called = true;
    /* a fresh response for the backend to fill (a retried forward replaces the last one) */
    exec->response = (policy_response_t){.headers.is_case_insensitive = true};
    policy_exec_suspend(exec, step, forward_resume);
    return policy_exec_host_started(exec, exec->host->forward(exec, f));
}

static const policy_descriptor_t forward_request = {
    .name = "forward-request",
    .family = "routing",
    .sections = POLICY_BACK,
    .scopes = POLICY_ALL_SCOPES,
    /* §1.6 "one per document": a document's own paths forward at most once; an API's
     * `<base/><forward-request/>` after the global one forwards twice, in sequence */
    .flags = POLICY_ONCE_PER_DOCUMENT,
    .element = {ATTRS(A_INT("timeout", 0, "300", 0, 2147483L),
                      A_INT("timeout-ms", 0, NULL, 0, 2147483647L),
                      A_INT("continue-timeout", 0, NULL, 0, 2147483L),
                      A_ENUM("http-version", 0, "1", "1", "2or1", "2"),
                      A_BOOL("follow-redirects", 0, "false"),
                      A_BOOL("buffer-request-body", 0, "false"),
                      A_BOOL("buffer-response", LIT, "true"),
                      A_BOOL("fail-on-error-status-code", LIT, "false"))},
    .check = check_forward_request,
    .compile = compile_forward_request,
    .run = run_forward_request,
};

/* ---- proxy (§2.2): forward-request goes through it ---- */

typedef struct {
    policy_value_t url, username, password;
} proxy_data_t;

static int compile_proxy(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                         const void **data, policy_doc_error_t *err)
{
    proxy_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    int rc = policy_compile_attr(cc, element, "url", POLICY_VALUE_STRING, &d->url, err);
    if (!rc) rc = policy_compile_attr(cc, element, "username", POLICY_VALUE_STRING, &d->username, err);
    if (!rc) rc = policy_compile_attr(cc, element, "password", POLICY_VALUE_STRING, &d->password, err);
    *data = d;
    return rc;
}

static int run_proxy(policy_exec_t *exec, const policy_step_t *step)
{
    const proxy_data_t *d = step->data;
    int rc = policy_value_string(exec, step, &d->url, &exec->proxy_url, NULL);
    if (!rc) rc = policy_value_string(exec, step, &d->username, &exec->proxy_username, NULL);
    if (!rc) rc = policy_value_string(exec, step, &d->password, &exec->proxy_password, NULL);
    return rc;
}

static const policy_descriptor_t proxy = {
    .name = "proxy",
    .family = "routing",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_URL("url", R), A_STR("username", 0), A_STR("password", 0))},
    .compile = compile_proxy,
    .run = run_proxy,
};

const policy_descriptor_t *const policy_family_routing[] = {
    &set_backend_service,
    &forward_request,
    &proxy,
    NULL,
};
