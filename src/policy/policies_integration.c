/* Integration and logging policies (spec/apim-gateway.md §2.7): outgoing requests, traces,
 * metrics, and the policies that talk to Azure services (Event Hubs, Service Bus, Dapr,
 * content safety, token metrics), which need an external endpoint. */
#include "policy/exec_policies.h"
#include "policy/registry_tables.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

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
    .name = "azure-openai-emit-token-metric", .family = "integration", TOKEN_METRIC};
static const policy_descriptor_t llm_emit_token_metric = {
    .name = "llm-emit-token-metric", .family = "integration", TOKEN_METRIC};

/* Categories and blocklists are read by the content-safety call itself. */
static const policy_descriptor_t llm_content_safety = {
    .name = "llm-content-safety",
    .family = "integration",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("backend-id", R | LIT), A_BOOL("shield-prompt", 0, "false")),
                ANY_CONTENT},
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
