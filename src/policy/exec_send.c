/* The host-facing policies the executor owns (exec_policies.h): send-request,
 * send-one-way-request (§2.7, §3.4 IResponse), trace and emit-metric (§2.7, §4.7). */
#include "policy/exec_policies.h"

#include "policy/context.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- send-request / send-one-way-request ---- */

typedef struct {
    bool is_one_way;
    policy_value_t mode; /* "new" | "copy" */
    const char *variable; /* response-variable-name (literal, §2.7) */
    uint32_t variable_len;
    policy_value_t timeout, ignore_error;
    policy_value_t url, method, body; /* <set-url>, <set-method>, <set-body> text */
    const void **headers;             /* <set-header> children, compiled as set-header */
    size_t header_count;
    policy_value_t proxy_url, proxy_username, proxy_password;
    const char *unsupported_child; /* <authentication-*> inside: refused at run */
} send_data_t;

static int compile_send(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        bool is_one_way, const void **data, policy_doc_error_t *err)
{
    send_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    d->is_one_way = is_one_way;
    int rc = policy_compile_attr(cc, element, "mode", POLICY_VALUE_STRING, &d->mode, err);
    if (!rc) rc = policy_compile_attr(cc, element, "timeout", POLICY_VALUE_INT, &d->timeout, err);
    if (!rc && !is_one_way)
        rc = policy_compile_attr(cc, element, "ignore-error", POLICY_VALUE_BOOL, &d->ignore_error,
                                 err);
    if (rc) return rc;
    if (!is_one_way) {
        size_t len = 0;
        d->variable = policy_program_attr(cc->program, element, "response-variable-name", &len, NULL);
        d->variable_len = (uint32_t)len;
    }
    const policy_doc_node_t *ch;
    if ((ch = policy_doc_first_element(element, "set-url")) &&
        (rc = policy_compile_text(cc, ch, POLICY_VALUE_STRING, &d->url, err)))
        return rc;
    if ((ch = policy_doc_first_element(element, "set-method")) &&
        (rc = policy_compile_text(cc, ch, POLICY_VALUE_STRING, &d->method, err)))
        return rc;
    if ((ch = policy_doc_first_element(element, "set-body"))) {
        if (policy_doc_attr(ch, "template")) {
            policy_doc_errorf(err, cc->scope_name, ch->pos,
                              "<set-body template> inside <%s> is not supported", element->name);
            return -EINVAL;
        }
        if ((rc = policy_compile_text(cc, ch, POLICY_VALUE_STRING, &d->body, err))) return rc;
    }
    if ((ch = policy_doc_first_element(element, "proxy"))) {
        rc = policy_compile_attr(cc, ch, "url", POLICY_VALUE_STRING, &d->proxy_url, err);
        if (!rc) rc = policy_compile_attr(cc, ch, "username", POLICY_VALUE_STRING, &d->proxy_username, err);
        if (!rc) rc = policy_compile_attr(cc, ch, "password", POLICY_VALUE_STRING, &d->proxy_password, err);
        if (rc) return rc;
    }
    for (const policy_doc_node_t *c = policy_doc_first_element(element, NULL); c;
         c = policy_doc_next_element(c, NULL)) {
        if (strncmp(c->name, "authentication-", 15) != 0) continue;
        /* checked and compiled as that policy (its expressions are configuration errors
         * now), but signing a side request is not implemented: the run fails clearly */
        const policy_descriptor_t *auth = policy_registry_find(c->name);
        const void *unused = NULL;
        if (auth && (rc = policy_compile_as(cc, auth, c, &unused, err))) return rc;
        d->unsupported_child = c->name;
    }
    size_t n = policy_doc_element_count(element, "set-header");
    if (n) {
        d->headers = arena_alloc(cc->arena, n * sizeof *d->headers);
        if (!d->headers) return -ENOMEM;
        const policy_descriptor_t *set_header = policy_registry_find("set-header");
        for (ch = policy_doc_first_element(element, "set-header"); ch;
             ch = policy_doc_next_element(ch, "set-header")) {
            rc = policy_compile_as(cc, set_header, ch, &d->headers[d->header_count++], err);
            if (rc) return rc;
        }
    }
    if (d->body.is_present && cc->flags && d->mode.program == NULL &&
        strcasecmp(d->mode.text ? d->mode.text : "new", "copy") == 0)
        *cc->flags |= POLICY_NEEDS_REQUEST_BODY;
    *data = d;
    return 0;
}

int policy_send_request_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const void **data, policy_doc_error_t *err)
{
    return compile_send(cc, element, false, data, err);
}

int policy_send_one_way_request_compile(policy_compile_ctx_t *cc,
                                        const policy_doc_node_t *element, const void **data,
                                        policy_doc_error_t *err)
{
    return compile_send(cc, element, true, data, err);
}

static int send_resume(policy_exec_t *exec, const policy_step_t *step, int status, void *result)
{
    const send_data_t *d = step->data;
    bool ignore_error = false;
    int rc = policy_value_bool(exec, step, &d->ignore_error, &ignore_error);
    if (rc) return rc;
    policy_response_t *response = result;
    if (status < 0 || !response) {
        if (ignore_error) {
            /* the variable holds null: policies test it (§2.7 ignore-error) */
            if (d->variable && policy_exec_var_set(exec, d->variable, d->variable_len, expr_null()) < 0)
                return policy_exec_raise_oom(exec, step);
            return POLICY_RUN_NEXT;
        }
        if (status == POLICY_E_TIMEOUT)
            return policy_exec_raise(exec, step, NULL, 500, "Timeout", NULL,
                                     "Request to the endpoint timed out.");
        return policy_exec_raise(exec, step, NULL, 500, "BackendConnectionFailure", NULL,
                                 "Request to the endpoint failed.");
    }
    if (d->variable &&
        policy_exec_var_set(exec, d->variable, d->variable_len, expr_object(&policy_response_class, response)) < 0)
        return policy_exec_raise_oom(exec, step);
    return POLICY_RUN_NEXT;
}

static int run_send(policy_exec_t *exec, const policy_step_t *step)
{
    const send_data_t *d = step->data;
    if (d->unsupported_child)
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "<%s> inside <%s> is not supported yet", d->unsupported_child,
                                 step->policy ? step->policy->name : "send-request");
    policy_send_t *req = arena_alloc(exec->arena, sizeof *req);
    if (!req) return policy_exec_raise_oom(exec, step);
    memset(req, 0, sizeof *req);
    req->is_one_way = d->is_one_way;
    req->headers.is_case_insensitive = true;
    const char *mode = NULL;
    int64_t timeout = 60;
    int rc = policy_value_string(exec, step, &d->mode, &mode, NULL);
    if (!rc) rc = policy_value_long(exec, step, &d->timeout, &timeout);
    if (rc) return rc;
    req->timeout_ms = timeout > 0 ? (uint64_t)timeout * 1000 : 0;
    req->method = "GET";
    if (mode && strcasecmp(mode, "copy") == 0) {
        /* a copy of the current request (§2.7 mode="copy") */
        req->method = exec->request.method;
        req->url = policy_exec_backend_url(exec, NULL);
        for (uint32_t i = 0; i < exec->request.headers.count; i++) {
            const policy_field_t *h = &exec->request.headers.items[i];
            if (policy_fields_add(&req->headers, exec->arena, h->name, h->name_len, h->value,
                                  h->value_len) < 0)
                return policy_exec_raise_oom(exec, step);
        }
        req->body = exec->request.body;
    } else if (mode && strcasecmp(mode, "new") != 0) {
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "mode '%s' is not new or copy", mode);
    }
    if (d->url.is_present) {
        const char *url = NULL;
        if ((rc = policy_value_string(exec, step, &d->url, &url, NULL))) return rc;
        req->url = url;
    }
    if (!req->url || !*req->url)
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL, "the request has no URL");
    if (d->method.is_present && (rc = policy_method_value(exec, step, &d->method, &req->method)))
        return rc;
    for (size_t i = 0; i < d->header_count; i++)
        if ((rc = policy_set_header_apply(exec, step, d->headers[i], &req->headers)) < 0) return rc;
    if (d->body.is_present) {
        const char *body = NULL;
        size_t len = 0;
        if ((rc = policy_value_string(exec, step, &d->body, &body, &len))) return rc;
        req->body = (policy_body_t){.kind = body ? POLICY_BODY_BYTES : POLICY_BODY_NONE,
                                    .bytes = body,
                                    .len = len};
    }
    if (d->proxy_url.is_present) {
        rc = policy_value_string(exec, step, &d->proxy_url, &req->proxy_url, NULL);
        if (!rc) rc = policy_value_string(exec, step, &d->proxy_username, &req->proxy_username, NULL);
        if (!rc) rc = policy_value_string(exec, step, &d->proxy_password, &req->proxy_password, NULL);
        if (rc) return rc;
    }
    if (!exec->host || !exec->host->send)
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "this gateway cannot send requests from policies");
    if (d->is_one_way) {
        /* fire and forget: the host owns it from here (exec.h) */
        rc = exec->host->send(exec, req);
        (void)rc;
        return POLICY_RUN_NEXT;
    }
    policy_exec_suspend(exec, step, send_resume);
    return policy_exec_host_started(exec, exec->host->send(exec, req));
}

int policy_send_request_run(policy_exec_t *exec, const policy_step_t *step)
{
    return run_send(exec, step);
}

int policy_send_one_way_request_run(policy_exec_t *exec, const policy_step_t *step)
{
    return run_send(exec, step);
}

/* ---- trace and emit-metric: name/value children ---- */

/* Compiles the `name` and `value` attributes of every `child` element of `element` (trace's
 * <metadata>, emit-metric's <dimension>) into two arrays of *count values. */
static int compile_name_values(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const char *child, policy_value_t **names, policy_value_t **values,
                               size_t *count, policy_doc_error_t *err)
{
    size_t n = policy_doc_element_count(element, child);
    if (n) {
        *names = arena_alloc(cc->arena, n * sizeof **names);
        *values = arena_alloc(cc->arena, n * sizeof **values);
        if (!*names || !*values) return -ENOMEM;
    }
    for (const policy_doc_node_t *m = policy_doc_first_element(element, child); m;
         m = policy_doc_next_element(m, child)) {
        size_t i = (*count)++;
        int rc = policy_compile_attr(cc, m, "name", POLICY_VALUE_STRING, &(*names)[i], err);
        if (!rc) rc = policy_compile_attr(cc, m, "value", POLICY_VALUE_STRING, &(*values)[i], err);
        if (rc) return rc;
    }
    return 0;
}

/* ---- trace ---- */

typedef struct {
    const char *source;
    policy_value_t severity, message;
    policy_value_t *metadata_names, *metadata_values;
    size_t metadata_count;
} trace_data_t;

int policy_trace_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                         const void **data, policy_doc_error_t *err)
{
    trace_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    d->source = policy_program_attr(cc->program, element, "source", NULL, NULL);
    int rc = policy_compile_attr(cc, element, "severity", POLICY_VALUE_STRING, &d->severity, err);
    if (rc) return rc;
    /* <message>, or the element's own text (the older form, §2.7) */
    const policy_doc_node_t *message = policy_doc_first_element(element, "message");
    rc = policy_compile_text(cc, message ? message : element, POLICY_VALUE_STRING, &d->message, err);
    if (!rc) rc = compile_name_values(cc, element, "metadata", &d->metadata_names, &d->metadata_values,
                                      &d->metadata_count, err);
    if (rc) return rc;
    *data = d;
    return 0;
}

int policy_trace_run(policy_exec_t *exec, const policy_step_t *step)
{
    if (!exec->host || !exec->host->trace) return POLICY_RUN_NEXT;
    const trace_data_t *d = step->data;
    policy_trace_t t = {.source = d->source ? d->source : ""};
    const char *severity = NULL;
    int rc = policy_value_string(exec, step, &d->severity, &severity, NULL);
    if (!rc) rc = policy_value_string(exec, step, &d->message, &t.message, NULL);
    if (rc) return rc;
    t.severity = severity && strcasecmp(severity, "error") == 0 ? POLICY_TRACE_ERROR
                 : severity && strcasecmp(severity, "information") == 0 ? POLICY_TRACE_INFORMATION
                                                                        : POLICY_TRACE_VERBOSE;
    if (!t.message) t.message = "";
    policy_fields_t metadata = {0};
    for (size_t i = 0; i < d->metadata_count; i++) {
        const char *name = NULL, *value = NULL;
        size_t nl = 0, vl = 0;
        rc = policy_value_string(exec, step, &d->metadata_names[i], &name, &nl);
        if (!rc) rc = policy_value_string(exec, step, &d->metadata_values[i], &value, &vl);
        if (rc) return rc;
        if (policy_fields_add(&metadata, exec->arena, name ? name : "", nl, value ? value : "", vl) < 0)
            return policy_exec_raise_oom(exec, step);
    }
    t.metadata = &metadata;
    exec->host->trace(exec, &t);
    return POLICY_RUN_NEXT;
}

/* ---- emit-metric ---- */

typedef struct {
    const char *name, *namespace_;
    policy_value_t value;
    policy_value_t *dim_names, *dim_values;
    size_t dim_count;
} metric_data_t;

int policy_emit_metric_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const void **data, policy_doc_error_t *err)
{
    metric_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    d->name = policy_program_attr(cc->program, element, "name", NULL, NULL);
    d->namespace_ = policy_program_attr(cc->program, element, "namespace", NULL, NULL);
    int rc = policy_compile_attr(cc, element, "value", POLICY_VALUE_STRING, &d->value, err);
    if (!rc) rc = compile_name_values(cc, element, "dimension", &d->dim_names, &d->dim_values,
                                      &d->dim_count, err);
    if (rc) return rc;
    *data = d;
    return 0;
}

/* A dimension written without a value takes the request's own (§2.7 emit-metric default
 * dimensions); other names get "N/A". */
static const char *default_dimension(const policy_exec_t *exec, const char *name)
{
    const policy_request_info_t *i = &exec->info;
    const char *v = NULL;
    if (strcasecmp(name, "API ID") == 0) v = i->api_id;
    else if (strcasecmp(name, "Operation ID") == 0) v = i->operation_id;
    else if (strcasecmp(name, "Product ID") == 0) v = i->product_id;
    else if (strcasecmp(name, "User ID") == 0) v = i->user_id;
    else if (strcasecmp(name, "Subscription ID") == 0) v = i->subscription_id;
    else if (strcasecmp(name, "Location") == 0) v = i->region;
    else if (strcasecmp(name, "Gateway ID") == 0) v = i->gateway_id;
    return v ? v : "N/A";
}

int policy_emit_metric_run(policy_exec_t *exec, const policy_step_t *step)
{
    if (!exec->host || !exec->host->metric) return POLICY_RUN_NEXT;
    const metric_data_t *d = step->data;
    const char *value = NULL;
    int rc = policy_value_string(exec, step, &d->value, &value, NULL);
    if (rc) return rc;
    char *end = NULL;
    double number = value ? strtod(value, &end) : 1.0;
    if (value && (end == value || *end))
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "metric value '%s' is not a number", value);
    policy_fields_t dims = {0};
    for (size_t i = 0; i < d->dim_count; i++) {
        const char *name = NULL, *v = NULL;
        size_t nl = 0, vl = 0;
        rc = policy_value_string(exec, step, &d->dim_names[i], &name, &nl);
        if (!rc && d->dim_values[i].is_present)
            rc = policy_value_string(exec, step, &d->dim_values[i], &v, &vl);
        if (rc) return rc;
        if (!name) name = "";
        if (!v) {
            v = default_dimension(exec, name);
            vl = strlen(v);
        }
        if (policy_fields_add(&dims, exec->arena, name, nl, v, vl) < 0)
            return policy_exec_raise_oom(exec, step);
    }
    policy_metric_t m = {.name = d->name ? d->name : "",
                         .namespace_ = d->namespace_,
                         .value = number,
                         .dimensions = &dims};
    exec->host->metric(exec, &m);
    return POLICY_RUN_NEXT;
}
