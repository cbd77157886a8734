/* Integration and logging policies (spec/apim-gateway.md §2.7): outgoing requests, traces,
 * metrics, and the policies that talk to Azure services (Event Hubs, Service Bus, Dapr,
 * content safety, token metrics), which need an external endpoint. */
#include "policy/context.h"
#include "policy/exec_policies.h"
#include "policy/policies_support.h"
#include "policy/registry_tables.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- Azure services through configured endpoints (§2.7; docs/policies.md) ----
 * log-to-eventhub, send-service-bus-message, publish-to-dapr and invoke-dapr-binding POST
 * their message to the http(s) endpoint the gateway configures for the named service
 * (policy_host_t.endpoint); without one they fail with a clear error. */

typedef enum { EXT_LOG, EXT_SERVICE_BUS, EXT_DAPR_PUBLISH, EXT_DAPR_BINDING } external_kind_t;

#define EVENTHUB_MAX_MESSAGE (200 * 1024) /* §2.7: the message is truncated to 200 KB */

typedef struct {
    const char *name; /* literal */
    policy_value_t value;
} external_pair_t;

typedef struct {
    external_kind_t kind;
    const char *service; /* endpoint service: "logger", "service-bus", "dapr" */
    policy_value_t name; /* logger-id, queue/topic, pubsub component, binding */
    policy_value_t message, topic, operation, content_type, partition, ignore_error;
    const char *partition_header; /* "X-Partition-Id" / "X-Partition-Key", or NULL */
    const char *response_var;
    external_pair_t *pairs; /* service bus message properties, dapr binding metadata */
    size_t pair_count;
} external_t;

static int compile_value(policy_compile_ctx_t *cc, const policy_doc_node_t *e, const char *attr,
                         policy_value_type_t type, policy_value_t *out, policy_doc_error_t *err)
{
    return policy_compile_attr(cc, e, attr, type, out, err);
}

static int compile_pairs(policy_compile_ctx_t *cc, const policy_doc_node_t *list, const char *item,
                         const char *key_attr, external_t *x, policy_doc_error_t *err)
{
    size_t n = policy_doc_element_count(list, item);
    if (!n) return 0;
    if (!(x->pairs = arena_alloc(cc->arena, n * sizeof *x->pairs))) return -ENOMEM;
    for (const policy_doc_node_t *c = policy_doc_first_element(list, item); c;
         c = policy_doc_next_element(c, item)) {
        external_pair_t *p = &x->pairs[x->pair_count++];
        int rc;
        if ((rc = policy_support_literal_attr(cc, c, key_attr, &p->name, err)) < 0 ||
            (rc = policy_compile_text(cc, c, POLICY_VALUE_STRING, &p->value, err)) < 0)
            return rc;
    }
    return 0;
}

/* What publish-to-dapr and invoke-dapr-binding both take: the message's content type, whether
 * a failed call is ignored, and where the sidecar's answer is stored. */
static int compile_dapr_options(policy_compile_ctx_t *cc, const policy_doc_node_t *e, external_t *x,
                                policy_doc_error_t *err)
{
    int rc;
    if ((rc = compile_value(cc, e, "content-type", POLICY_VALUE_STRING, &x->content_type, err)) < 0 ||
        (rc = compile_value(cc, e, "ignore-error", POLICY_VALUE_BOOL, &x->ignore_error, err)) < 0 ||
        (rc = policy_support_literal_attr(cc, e, "response-variable-name", &x->response_var, err)) < 0)
        return rc;
    return 0;
}

static int external_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *e,
                            const void **data, policy_doc_error_t *err)
{
    external_t *x = arena_alloc(cc->arena, sizeof *x);
    if (!x) return -ENOMEM;
    memset(x, 0, sizeof *x);
    int rc = 0;
    const policy_doc_node_t *child;
    if (strcmp(e->name, "log-to-eventhub") == 0) {
        x->kind = EXT_LOG, x->service = "logger";
        bool by_key = policy_doc_attr(e, "partition-key") != NULL;
        x->partition_header = by_key ? "X-Partition-Key"
                              : policy_doc_attr(e, "partition-id") ? "X-Partition-Id" : NULL;
        if ((rc = compile_value(cc, e, "logger-id", POLICY_VALUE_STRING, &x->name, err)) < 0 ||
            (rc = compile_value(cc, e, by_key ? "partition-key" : "partition-id", POLICY_VALUE_STRING,
                                &x->partition, err)) < 0 ||
            (rc = policy_compile_text(cc, e, POLICY_VALUE_STRING, &x->message, err)) < 0)
            return rc;
    } else if (strcmp(e->name, "send-service-bus-message") == 0) {
        x->kind = EXT_SERVICE_BUS, x->service = "service-bus";
        bool is_queue = policy_doc_attr(e, "queue-name") != NULL;
        if ((rc = compile_value(cc, e, is_queue ? "queue-name" : "topic-name", POLICY_VALUE_STRING,
                                &x->name, err)) < 0)
            return rc;
        if ((child = policy_doc_first_element(e, "payload")) &&
            (rc = policy_compile_text(cc, child, POLICY_VALUE_STRING, &x->message, err)) < 0)
            return rc;
        if ((child = policy_doc_first_element(e, "message-properties")) &&
            (rc = compile_pairs(cc, child, "message-property", "name", x, err)) < 0)
            return rc;
    } else if (strcmp(e->name, "publish-to-dapr") == 0) {
        x->kind = EXT_DAPR_PUBLISH, x->service = "dapr";
        const char *pubsub = policy_doc_attr(e, "pub-sub-name") ? "pub-sub-name" : "pubsub-name";
        if ((rc = compile_value(cc, e, pubsub, POLICY_VALUE_STRING, &x->name, err)) < 0 ||
            (rc = compile_value(cc, e, "topic", POLICY_VALUE_STRING, &x->topic, err)) < 0 ||
            (rc = compile_dapr_options(cc, e, x, err)) < 0 ||
            (rc = policy_compile_text(cc, e, POLICY_VALUE_STRING, &x->message, err)) < 0)
            return rc;
    } else {
        x->kind = EXT_DAPR_BINDING, x->service = "dapr";
        if ((rc = compile_value(cc, e, "name", POLICY_VALUE_STRING, &x->name, err)) < 0 ||
            (rc = compile_value(cc, e, "operation", POLICY_VALUE_STRING, &x->operation, err)) < 0 ||
            (rc = compile_dapr_options(cc, e, x, err)) < 0)
            return rc;
        if ((child = policy_doc_first_element(e, "data")) &&
            (rc = policy_compile_text(cc, child, POLICY_VALUE_STRING, &x->message, err)) < 0)
            return rc;
        if ((child = policy_doc_first_element(e, "metadata")) &&
            (rc = compile_pairs(cc, child, "item", "key", x, err)) < 0)
            return rc;
    }
    *data = x;
    return 0;
}

static const char *eval_or(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                           const char *fallback, int *rc)
{
    const char *s = fallback;
    size_t len;
    if (v->is_present && (*rc = policy_value_string(exec, step, v, &s, &len)) < 0) return NULL;
    return s;
}

static int external_failed(policy_exec_t *exec, const policy_step_t *step, const char *why)
{
    const external_t *x = step->data;
    bool ignore = false;
    if (x->ignore_error.is_present && policy_value_bool(exec, step, &x->ignore_error, &ignore) < 0)
        return -1;
    if (x->kind == EXT_LOG || x->kind == EXT_SERVICE_BUS || ignore) return POLICY_RUN_NEXT;
    return policy_exec_raise(exec, step, NULL, 500, "ExternalEndpointFailure", NULL,
                             "%s: the %s endpoint %s.", step->policy->name, x->service, why);
}

static int external_resume(policy_exec_t *exec, const policy_step_t *step, int status,
                           void *result)
{
    const external_t *x = step->data;
    /* Logging and one-way messages never fail the request: the vendor's are asynchronous. */
    if (x->kind == EXT_LOG || x->kind == EXT_SERVICE_BUS) return POLICY_RUN_NEXT;
    policy_response_t *r = result;
    if (status < 0 || !r) return external_failed(exec, step, "did not answer");
    if (x->response_var &&
        policy_exec_var_set(exec, x->response_var, strlen(x->response_var),
                            expr_object(&policy_response_class, r)) < 0)
        return policy_exec_raise_oom(exec, step);
    if (r->status < 200 || r->status > 299) {
        char why[48];
        snprintf(why, sizeof why, "answered %d", r->status);
        return external_failed(exec, step, why);
    }
    return POLICY_RUN_NEXT;
}

/* Appends a path segment percent-encoded (RFC 3986 §3.3). */
static size_t append_segment(char *out, const char *s)
{
    size_t n = 0;
    out[n++] = '/';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
            out[n++] = (char)*p;
        else
            n += (size_t)sprintf(out + n, "%%%02X", *p);
    }
    out[n] = '\0';
    return n;
}

/* {"data": <data as JSON when it parses, else as a string>, "metadata": {...}, "operation"}
 * — Dapr's output binding request (v1.0/bindings/{name}). */
static char *binding_body(policy_exec_t *exec, const policy_step_t *step, const char *data,
                          const char *operation, int *rc)
{
    const external_t *x = step->data;
    json_t *doc = json_object(), *meta = json_object();
    json_t *value = data ? json_loads(data, JSON_DECODE_ANY, NULL) : NULL;
    if (!value) value = json_string(data ? data : "");
    json_object_set_new(doc, "data", value);
    for (size_t i = 0; i < x->pair_count; i++) {
        const char *v;
        size_t len;
        if ((*rc = policy_value_string(exec, step, &x->pairs[i].value, &v, &len)) < 0) break;
        json_object_set_new(meta, x->pairs[i].name, json_stringn(v, len));
    }
    json_object_set_new(doc, "metadata", meta);
    json_object_set_new(doc, "operation", json_string(operation ? operation : "create"));
    char *text = *rc < 0 ? NULL : json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    char *copy = text ? arena_strndup(exec->arena, text, strlen(text)) : NULL;
    free(text);
    return copy;
}

static int external_run(policy_exec_t *exec, const policy_step_t *step)
{
    const external_t *x = step->data;
    int rc = 0;
    const char *name = eval_or(exec, step, &x->name, "", &rc);
    if (rc < 0) return rc;
    const char *endpoint = policy_support_endpoint(exec, x->service, name);
    if (!endpoint) return policy_support_raise_no_endpoint(exec, step, x->service, name);
    const char *message = eval_or(exec, step, &x->message, "", &rc);
    const char *content_type = eval_or(exec, step, &x->content_type, NULL, &rc);
    const char *topic = eval_or(exec, step, &x->topic, "", &rc);
    const char *operation = eval_or(exec, step, &x->operation, NULL, &rc);
    const char *partition = eval_or(exec, step, &x->partition, NULL, &rc);
    if (rc < 0) return rc;

    policy_send_t *req = arena_alloc(exec->arena, sizeof *req);
    char *url = arena_alloc(exec->arena, strlen(endpoint) + 3 * (strlen(name) + strlen(topic)) + 40);
    if (!req || !url) return policy_exec_raise_oom(exec, step);
    memset(req, 0, sizeof *req);
    size_t n = (size_t)sprintf(url, "%s", endpoint);
    while (n > 0 && url[n - 1] == '/' && x->service[0] == 'd') url[--n] = '\0';
    if (x->kind == EXT_DAPR_PUBLISH) { /* Dapr's HTTP API: /v1.0/publish/{pubsub}/{topic} */
        n += (size_t)sprintf(url + n, "/v1.0/publish");
        n += append_segment(url + n, name);
        append_segment(url + n, topic);
    } else if (x->kind == EXT_DAPR_BINDING) {
        n += (size_t)sprintf(url + n, "/v1.0/bindings");
        append_segment(url + n, name);
        if (!(message = binding_body(exec, step, message, operation, &rc))) {
            if (rc < 0) return rc;
            return policy_exec_raise_oom(exec, step);
        }
        content_type = "application/json";
    }
    req->url = url;
    req->method = "POST";
    req->timeout_ms = 60000;
    req->is_one_way = x->kind == EXT_LOG || x->kind == EXT_SERVICE_BUS;
    size_t len = strlen(message);
    if (x->kind == EXT_LOG && len > EVENTHUB_MAX_MESSAGE) len = EVENTHUB_MAX_MESSAGE;
    req->body = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = message, .len = len};
    if (!content_type)
        content_type = x->kind == EXT_DAPR_PUBLISH ? "application/json" : "text/plain; charset=utf-8";
    if (policy_fields_add(&req->headers, exec->arena, "Content-Type", 12, content_type,
                          strlen(content_type)) < 0 ||
        (partition && x->partition_header &&
         policy_fields_add(&req->headers, exec->arena, x->partition_header,
                           strlen(x->partition_header), partition, strlen(partition)) < 0))
        return policy_exec_raise_oom(exec, step);
    /* Service Bus custom properties travel as headers, as in its REST API. */
    for (size_t i = 0; x->kind == EXT_SERVICE_BUS && i < x->pair_count; i++) {
        const char *v;
        size_t vl;
        if ((rc = policy_value_string(exec, step, &x->pairs[i].value, &v, &vl)) < 0) return rc;
        if (policy_fields_add(&req->headers, exec->arena, x->pairs[i].name,
                              strlen(x->pairs[i].name), v, vl) < 0)
            return policy_exec_raise_oom(exec, step);
    }
    if (!exec->host->send) return external_failed(exec, step, "could not be reached");
    if (req->is_one_way) { /* fire and forget, as send-one-way-request: the host owns it */
        (void)exec->host->send(exec, req);
        return POLICY_RUN_NEXT;
    }
    if (exec->host->send(exec, req) < 0) return external_failed(exec, step, "could not be reached");
    return policy_exec_suspend(exec, step, external_resume);
}

static int compile_checked(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                           const void **data, policy_doc_error_t *err)
{
    (void)data;
    return policy_support_compile_all(cc, element, cc->spec, err);
}

/* llm-content-safety calls Azure AI Content Safety through a backend: not implemented. */
static int content_safety_run(policy_exec_t *exec, const policy_step_t *step)
{
    return policy_exec_raise(exec, step, NULL, 500, "NotSupported", NULL,
                             "llm-content-safety is not supported: this gateway does not call "
                             "Azure AI Content Safety; remove the policy or screen prompts "
                             "with send-request to a service of your own.");
}

#define REQUEST_CHILDREN                                                                           \
    CHILDREN(TEXT_CHILD("set-url", 0, 1), TEXT_CHILD("set-method", 0, 1),                          \
             POLICY_CHILD("set-header", 0, 0), POLICY_CHILD("set-body", 0, 1),                     \
             POLICY_CHILD("authentication-certificate", 0, 1),                                     \
             POLICY_CHILD("authentication-managed-identity", 0, 1), POLICY_CHILD("proxy", 0, 1))

/* A new request needs a URL; a copy takes the current one (§2.7). */
static int check_request(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                         policy_doc_error_t *err)
{
    bool is_expression = false;
    const char *mode = ctx->value(ctx, element, "mode", &is_expression);
    if (mode && (is_expression || strcasecmp(mode, "new") != 0)) return 0;
    if (policy_doc_first_element(element, "set-url")) return 0;
    policy_doc_errorf(err, ctx->scope, element->pos, "<%s mode=\"new\"> needs a <set-url>",
                      element->name);
    return -EINVAL;
}

static const policy_descriptor_t send_request = {
    .name = "send-request",
    .family = "integration",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_ENUM("mode", 0, "new", "new", "copy"),
                      A_STR("response-variable-name", R | LIT),
                      A_INT("timeout", 0, "60", 0, 2147483L), A_BOOL("ignore-error", 0, "false")),
                REQUEST_CHILDREN},
    .check = check_request,
    .compile = policy_send_request_compile,
    .run = policy_send_request_run,
};

static const policy_descriptor_t send_one_way_request = {
    .name = "send-one-way-request",
    .family = "integration",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_ENUM("mode", 0, "new", "new", "copy"),
                      A_INT("timeout", 0, "60", 0, 2147483L)),
                REQUEST_CHILDREN},
    .check = check_request,
    .compile = policy_send_one_way_request_compile,
    .run = policy_send_one_way_request_run,
};

static int check_log_to_eventhub(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                                 policy_doc_error_t *err)
{
    return policy_check_at_most_one(
        ctx, element, (const char *const[]){"partition-id", "partition-key", NULL}, err);
}

static const policy_descriptor_t log_to_eventhub = {
    .name = "log-to-eventhub",
    .family = "integration",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("logger-id", R | LIT), A_STR("partition-id", 0),
                      A_STR("partition-key", 0)),
                TEXT},
    .check = check_log_to_eventhub,
    .compile = external_compile,
    .run = external_run,
};

/* <message> or, in the older form public documents still use, the message as text. */
static int check_trace(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                       policy_doc_error_t *err)
{
    bool has_message = policy_doc_first_element(element, "message") != NULL;
    bool has_text = false;
    for (size_t i = 0; i < element->child_count; i++)
        if (element->children[i].kind != POLICY_DOC_NODE_ELEMENT)
            for (size_t k = 0; k < element->children[i].text_len; k++)
                has_text |= !isspace((unsigned char)element->children[i].text[k]);
    if (has_message != has_text) return 0;
    policy_doc_errorf(err, ctx->scope, element->pos,
                      has_text ? "<trace> has both text and a <message>"
                               : "<trace> needs a <message>");
    return -EINVAL;
}

static const policy_descriptor_t trace = {
    .name = "trace",
    .family = "integration",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("source", R | LIT),
                      A_ENUM("severity", 0, "verbose", "verbose", "information", "error")),
                CHILDREN(TEXT_CHILD("message", 0, 1),
                         CHILD("metadata", 0, 0, ATTRS(A_STR("name", R), A_STR("value", R)))),
                .accepts_text = true},
    .check = check_trace,
    .compile = policy_trace_compile,
    .run = policy_trace_run,
};

#define DIMENSIONS(lo) CHILD("dimension", lo, 10, ATTRS(A_STR("name", R), A_STR("value", 0)))

static const policy_descriptor_t emit_metric = {
    .name = "emit-metric",
    .family = "integration",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("name", R | LIT), A_STRD("namespace", LIT, "API Management"),
                      A_NUM("value", 0, "1")),
                CHILDREN(DIMENSIONS(1))},
    .compile = policy_emit_metric_compile,
    .run = policy_emit_metric_run,
};

#define TOKEN_METRIC                                                                               \
    .sections = POLICY_IN, .scopes = POLICY_ALL_SCOPES, .flags = POLICY_NEEDS_EXTERNAL,            \
    .element = {ATTRS(A_STRD("namespace", LIT, "API Management")), CHILDREN(DIMENSIONS(0))}

static const policy_descriptor_t azure_openai_emit_token_metric = {
    .name = "azure-openai-emit-token-metric", .family = "integration", TOKEN_METRIC, .compile = compile_checked, .run = policy_support_noop_run};
static const policy_descriptor_t llm_emit_token_metric = {
    .name = "llm-emit-token-metric", .family = "integration", TOKEN_METRIC, .compile = compile_checked, .run = policy_support_noop_run};

/* Categories and blocklists are read by the content-safety call itself. */
static const policy_descriptor_t llm_content_safety = {
    .name = "llm-content-safety",
    .family = "integration",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("backend-id", R | LIT), A_BOOL("shield-prompt", 0, "false")),
                ANY_CONTENT},
    .compile = compile_checked,
    .run = content_safety_run,
};

static int check_service_bus(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                             policy_doc_error_t *err)
{
    return policy_check_exactly_one(ctx, element,
                                    (const char *const[]){"queue-name", "topic-name", NULL}, err);
}

static const policy_descriptor_t send_service_bus_message = {
    .name = "send-service-bus-message",
    .family = "integration",
    .sections = POLICY_IN | POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("queue-name", 0), A_STR("topic-name", 0), A_STR("namespace", 0),
                      A_STR("client-id", 0)),
                CHILDREN(CHILD("message-properties", 0, 1,
                               CHILDREN(CHILD("message-property", 0, 0, ATTRS(A_STR("name", R)),
                                              TEXT))),
                         TEXT_CHILD("payload", 1, 1))},
    .check = check_service_bus,
    .compile = external_compile,
    .run = external_run,
};

static const policy_descriptor_t publish_to_dapr = {
    .name = "publish-to-dapr",
    .family = "integration",
    .sections = POLICY_IN | POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("pubsub-name", 0), A_STR("pub-sub-name", 0), A_STR("topic", R),
                      A_STR("response-variable-name", LIT), A_INT("timeout", 0, NULL, 1, 240),
                      A_ENUM("template", LIT, NULL, "liquid"), A_STR("content-type", 0),
                      A_BOOL("ignore-error", 0, "false")),
                TEXT},
    .compile = external_compile,
    .run = external_run,
};

static const policy_descriptor_t invoke_dapr_binding = {
    .name = "invoke-dapr-binding",
    .family = "integration",
    .sections = POLICY_IN | POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("name", R), A_STR("operation", 0), A_STR("response-variable-name", LIT),
                      A_INT("timeout", 0, NULL, 1, 240), A_ENUM("template", LIT, NULL, "liquid"),
                      A_STR("content-type", 0), A_BOOL("ignore-error", 0, "false")),
                CHILDREN(CHILD("metadata", 0, 1,
                               CHILDREN(CHILD("item", 0, 0, ATTRS(A_STR("key", R)), TEXT))),
                         CHILD("data", 0, 1, ANY_CONTENT))},
    .compile = external_compile,
    .run = external_run,
};

const policy_descriptor_t *const policy_family_integration[] = {
    &send_request,
    &send_one_way_request,
    &log_to_eventhub,
    &trace,
    &emit_metric,
    &azure_openai_emit_token_metric,
    &llm_emit_token_metric,
    &llm_content_safety,
    &send_service_bus_message,
    &publish_to_dapr,
    &invoke_dapr_binding,
    NULL,
};
