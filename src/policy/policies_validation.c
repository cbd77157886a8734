/* Content validation policies (spec/apim-gateway.md §2.8). There is no API schema store yet
 * (a later issue): validate-content checks what needs no schema — the body size against
 * max-size and the content type against its <content type> list — and the other validation
 * policies compile and pass every message (docs/policies.md). */
#include "policy/policies_support.h"
#include "policy/registry_tables.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { ACTION_IGNORE, ACTION_PREVENT, ACTION_DETECT } action_t;

typedef struct {
    action_t unspecified, size_exceeded;
    int64_t max_size;
    const char **types; /* <content type="..."> media types, lower case */
    size_t type_count;
} validate_content_t;

static action_t parse_action(const char *s)
{
    return !s ? ACTION_IGNORE
           : strcasecmp(s, "prevent") == 0 ? ACTION_PREVENT
           : strcasecmp(s, "detect") == 0  ? ACTION_DETECT
                                           : ACTION_IGNORE;
}

static int validate_content_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                    const void **data, policy_doc_error_t *err)
{
    validate_content_t *v = arena_alloc(cc->arena, sizeof *v);
    if (!v) return -ENOMEM;
    memset(v, 0, sizeof *v);
    const char *unspecified, *exceeded, *max;
    int rc;
    if ((rc = policy_support_compile_all(cc, element, cc->spec, err)) < 0 ||
        (rc = policy_support_literal_attr(cc, element, "unspecified-content-type-action",
                                          &unspecified, err)) < 0 ||
        (rc = policy_support_literal_attr(cc, element, "size-exceeded-action", &exceeded, err)) < 0 ||
        (rc = policy_support_literal_attr(cc, element, "max-size", &max, err)) < 0)
        return rc;
    v->unspecified = parse_action(unspecified);
    v->size_exceeded = parse_action(exceeded);
    v->max_size = max ? strtoll(max, NULL, 10) : 0;
    size_t n = policy_doc_element_count(element, "content");
    if (n && !(v->types = arena_alloc(cc->arena, n * sizeof *v->types))) return -ENOMEM;
    for (const policy_doc_node_t *c = policy_doc_first_element(element, "content"); c;
         c = policy_doc_next_element(c, "content")) {
        const char *type;
        if ((rc = policy_support_literal_attr(cc, c, "type", &type, err)) < 0) return rc;
        if (!type) continue;
        char *lower = arena_strndup(cc->arena, type, strlen(type));
        if (!lower) return -ENOMEM;
        for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p);
        v->types[v->type_count++] = lower;
    }
    *data = v;
    return 0;
}

/* prevent: 400 in inbound, 502 in outbound with a message that hides the details (§2.8). */
static int validation_failed(policy_exec_t *exec, const policy_step_t *step, const char *reason,
                             const char *message)
{
    bool inbound = policy_exec_is_request_phase(exec);
    const char *hidden = "The request could not be processed due to an internal error. Contact "
                         "the API owner.";
    const char *pub = inbound ? arena_strndup(exec->arena, message, strlen(message)) : hidden;
    return policy_exec_raise(exec, step, NULL, inbound ? 400 : 502, reason, pub ? pub : hidden,
                             "%s", message);
}

static int validate_content_run(policy_exec_t *exec, const policy_step_t *step)
{
    const validate_content_t *v = step->data;
    bool inbound = policy_exec_is_request_phase(exec);
    const policy_fields_t *headers = inbound ? &exec->request.headers : &exec->response.headers;
    const policy_body_t *body = inbound ? &exec->request.body : &exec->response.body;
    const char *what = inbound ? "Request" : "Response";
    char message[256];

    /* Size: the buffered body, else Content-Length (§2.8). */
    long long size = -1;
    if (body->kind == POLICY_BODY_BYTES) size = (long long)body->len;
    else {
        size_t len;
        const char *cl = policy_fields_join(headers, exec->arena, "Content-Length", 14, &len);
        if (cl) size = strtoll(cl, NULL, 10);
    }
    if (v->size_exceeded == ACTION_PREVENT && size > v->max_size) {
        snprintf(message, sizeof message,
                 "%s's body is %lld bytes long and exceeds the limit of %lld bytes.", what, size,
                 (long long)v->max_size);
        return validation_failed(exec, step, "SizeLimit", message);
    }
    /* Content type: only the types listed in <content> are known without an API schema. */
    if (v->unspecified == ACTION_PREVENT && v->type_count && body->kind != POLICY_BODY_NONE) {
        size_t len = 0;
        const char *ct = policy_fields_join(headers, exec->arena, "Content-Type", 12, &len);
        size_t media = 0;
        while (ct && media < len && ct[media] != ';' && ct[media] != ' ') media++;
        for (size_t i = 0; ct && i < v->type_count; i++)
            if (strlen(v->types[i]) == media && strncasecmp(v->types[i], ct, media) == 0)
                return POLICY_RUN_NEXT;
        snprintf(message, sizeof message, "%s's content type '%.*s' is not specified.", what,
                 (int)(media > 100 ? 100 : media), ct ? ct : "");
        return validation_failed(exec, step, "Unspecified", message);
    }
    return POLICY_RUN_NEXT;
}

static int compile_checked(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                           const void **data, policy_doc_error_t *err)
{
    (void)data;
    return policy_support_compile_all(cc, element, cc->spec, err);
}

#define ACTION(n, fl) A_ENUM(n, fl, NULL, "ignore", "prevent", "detect")

static const policy_descriptor_t validate_content = {
    .name = "validate-content",
    .family = "validation",
    .sections = POLICY_IN | POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(ACTION("unspecified-content-type-action", R),
                      A_INT("max-size", R, NULL, 0, 4194304), ACTION("size-exceeded-action", R),
                      A_STR("errors-variable-name", LIT)),
                CHILDREN(CHILD("content-type-map", 0, 1,
                               ATTRS(A_STR("any-content-type-value", 0),
                                     A_STR("missing-content-type-value", 0)),
                               CHILDREN(CHILD("type", 0, 0,
                                              ATTRS(A_STR("from", 0), A_STR("when", 0),
                                                    A_STR("to", R))))),
                         CHILD("content", 0, 0,
                               ATTRS(A_STR("type", 0),
                                     A_ENUM("validate-as", R, NULL, "json", "xml", "soap"),
                                     A_STR("schema-id", 0), A_STR("schema-ref", 0),
                                     ACTION("action", R),
                                     A_BOOL("allow-additional-properties", 0, NULL),
                                     A_BOOL("case-insensitive-property-names", 0, "false"))))},
    .compile = validate_content_compile,
    .run = validate_content_run,
};

#define PARAMETER_GROUP(n)                                                                         \
    CHILD(n, 0, 1,                                                                                 \
          ATTRS(ACTION("specified-parameter-action", 0), ACTION("unspecified-parameter-action", 0)), \
          CHILDREN(CHILD("parameter", 0, 0, ATTRS(A_STR("name", R), ACTION("action", R)))))

static const policy_descriptor_t validate_parameters = {
    .name = "validate-parameters",
    .family = "validation",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(ACTION("specified-parameter-action", R),
                      ACTION("unspecified-parameter-action", R), A_STR("errors-variable-name", LIT)),
                CHILDREN(PARAMETER_GROUP("headers"), PARAMETER_GROUP("query"),
                         PARAMETER_GROUP("path"))},
    .compile = compile_checked,
    .run = policy_support_noop_run,
};

static const policy_descriptor_t validate_headers = {
    .name = "validate-headers",
    .family = "validation",
    .sections = POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(ACTION("specified-header-action", R), ACTION("unspecified-header-action", R),
                      A_STR("errors-variable-name", LIT)),
                CHILDREN(CHILD("header", 0, 0, ATTRS(A_STR("name", R), ACTION("action", R))))},
    .compile = compile_checked,
    .run = policy_support_noop_run,
};

/* error-variable-name (singular) is not in the vendor's table but public documents use it:
 * accepted as a synonym of errors-variable-name. */
static const policy_descriptor_t validate_status_code = {
    .name = "validate-status-code",
    .family = "validation",
    .sections = POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(ACTION("unspecified-status-code-action", R),
                      A_STR("errors-variable-name", LIT), A_STR("error-variable-name", LIT)),
                CHILDREN(CHILD("status-code", 0, 0,
                               ATTRS(A_INT("code", R, NULL, 100, 599), ACTION("action", R))))},
    .compile = compile_checked,
    .run = policy_support_noop_run,
};

static const policy_descriptor_t validate_odata_request = {
    .name = "validate-odata-request",
    .family = "validation",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("error-variable-name", LIT), A_STR("default-odata-version", 0),
                      A_STR("min-odata-version", 0), A_STR("max-odata-version", 0),
                      A_INT("max-size", 0, NULL, 0, 2147483647L))},
    .compile = compile_checked,
    .run = policy_support_noop_run,
};

const policy_descriptor_t *const policy_family_validation[] = {
    &validate_content, &validate_parameters, &validate_headers, &validate_status_code,
    &validate_odata_request, NULL,
};
