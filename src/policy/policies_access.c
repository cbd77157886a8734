/* Access restriction and authentication policies (spec/apim-gateway.md §2.4): descriptors,
 * and the compile/run functions of check-header, ip-filter and the authentication policies
 * (validate-jwt and cors have files of their own: policies_access_impl.h). */
#include "policy/ipmatch.h"
#include "policy/policies_access_impl.h"
#include "policy/policies_support.h"
#include "policy/registry_tables.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- check-header ---- */

typedef struct {
    policy_value_t name, code, message, ignore_case;
    policy_value_t *values;
    size_t value_count;
} check_header_t;

static int check_header_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const void **data, policy_doc_error_t *err)
{
    check_header_t *c = arena_alloc(cc->arena, sizeof *c);
    if (!c) return -ENOMEM;
    memset(c, 0, sizeof *c);
    int rc;
    if ((rc = policy_compile_attr(cc, element, "name", POLICY_VALUE_STRING, &c->name, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "failed-check-httpcode", POLICY_VALUE_INT, &c->code, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "failed-check-error-message", POLICY_VALUE_STRING, &c->message, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "ignore-case", POLICY_VALUE_BOOL, &c->ignore_case, err)) < 0)
        return rc;
    size_t n = policy_doc_element_count(element, "value");
    if (n && !(c->values = arena_alloc(cc->arena, n * sizeof *c->values))) return -ENOMEM;
    for (const policy_doc_node_t *v = policy_doc_first_element(element, "value"); v;
         v = policy_doc_next_element(v, "value"))
        if ((rc = policy_compile_text(cc, v, POLICY_VALUE_STRING, &c->values[c->value_count++], err)) < 0)
            return rc;
    *data = c;
    return 0;
}

static int check_header_run(policy_exec_t *exec, const policy_step_t *step)
{
    const check_header_t *c = step->data;
    const char *name, *message;
    size_t name_len, message_len;
    int64_t code;
    bool ignore_case;
    if (policy_value_string(exec, step, &c->name, &name, &name_len) < 0 ||
        policy_value_long(exec, step, &c->code, &code) < 0 ||
        policy_value_string(exec, step, &c->message, &message, &message_len) < 0 ||
        policy_value_bool(exec, step, &c->ignore_case, &ignore_case) < 0)
        return -1;
    const policy_fields_t *headers = &exec->request.headers;
    long at = policy_fields_find(headers, name, name_len, 0);
    if (at < 0)
        return policy_exec_raise(exec, step, NULL, (int)code, "HeaderNotFound", message,
                                 "Header %s was not found in the request. Access denied.", name);
    if (c->value_count == 0) return POLICY_RUN_NEXT; /* presence only (§2.4) */
    /* Any value of the header (each field line, and the joined list) equal to any allowed
     * value passes. */
    size_t joined_len = 0;
    const char *joined = policy_fields_join(headers, exec->arena, name, name_len, &joined_len);
    for (size_t i = 0; i < c->value_count; i++) {
        const char *allowed;
        size_t allowed_len;
        if (policy_value_string(exec, step, &c->values[i], &allowed, &allowed_len) < 0) return -1;
        for (long k = at; k >= 0; k = policy_fields_find(headers, name, name_len, (size_t)k + 1)) {
            const policy_field_t *f = &headers->items[k];
            if (f->value_len == allowed_len &&
                (ignore_case ? strncasecmp(f->value, allowed, allowed_len)
                             : memcmp(f->value, allowed, allowed_len)) == 0)
                return POLICY_RUN_NEXT;
        }
        if (joined && joined_len == allowed_len &&
            (ignore_case ? strncasecmp(joined, allowed, allowed_len) : memcmp(joined, allowed, allowed_len)) == 0)
            return POLICY_RUN_NEXT;
    }
    return policy_exec_raise(exec, step, NULL, (int)code, "HeaderValueNotAllowed", message,
                             "Header %s value of %s is not allowed. Access denied.", name,
                             joined ? joined : "");
}

/* ---- ip-filter ---- */

typedef struct {
    policy_value_t action;
    ipmatch_t fixed; /* literal addresses and ranges; ranges in the program's arena */
    policy_value_t *addresses; /* <address>@(...)</address>, evaluated per request */
    size_t address_count;
    policy_value_t (*ranges)[2]; /* <address-range> with an expression */
    size_t range_count;
} ip_filter_t;

static int ip_filter_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                             const void **data, policy_doc_error_t *err)
{
    ip_filter_t *f = arena_alloc(cc->arena, sizeof *f);
    if (!f) return -ENOMEM;
    memset(f, 0, sizeof *f);
    int rc = policy_compile_attr(cc, element, "action", POLICY_VALUE_STRING, &f->action, err);
    if (rc < 0) return rc;
    size_t n = policy_doc_element_count(element, NULL);
    if (!(f->addresses = arena_alloc(cc->arena, (n ? n : 1) * sizeof *f->addresses)) ||
        !(f->ranges = arena_alloc(cc->arena, (n ? n : 1) * sizeof *f->ranges)))
        return -ENOMEM;
    ipmatch_t list;
    ipmatch_init(&list);
    for (const policy_doc_node_t *c = policy_doc_first_element(element, NULL); c && rc == 0;
         c = policy_doc_next_element(c, NULL)) {
        char why[200] = "";
        bool is_expr = false, is_expr2 = false;
        size_t len;
        if (strcmp(c->name, "address") == 0) {
            policy_program_text(cc->program, c, &len, &is_expr);
            const char *text;
            if (is_expr) {
                rc = policy_compile_text(cc, c, POLICY_VALUE_STRING, &f->addresses[f->address_count++], err);
            } else if ((rc = policy_support_literal_text(cc, c, "<address>", &text, err)) == 0 &&
                       (rc = ipmatch_add_address(&list, text, why, sizeof why)) == -EINVAL) {
                rc = policy_support_error(cc, c->pos, err, "<address>: %s", why);
            }
        } else {
            policy_program_attr(cc->program, c, "from", &len, &is_expr);
            policy_program_attr(cc->program, c, "to", &len, &is_expr2);
            const char *from, *to;
            if (is_expr || is_expr2) {
                policy_value_t *r = f->ranges[f->range_count++];
                if ((rc = policy_compile_attr(cc, c, "from", POLICY_VALUE_STRING, &r[0], err)) == 0)
                    rc = policy_compile_attr(cc, c, "to", POLICY_VALUE_STRING, &r[1], err);
            } else if ((rc = policy_support_literal_attr(cc, c, "from", &from, err)) == 0 &&
                       (rc = policy_support_literal_attr(cc, c, "to", &to, err)) == 0 &&
                       (rc = ipmatch_add_range(&list, from, to, why, sizeof why)) == -EINVAL) {
                rc = policy_support_error(cc, c->pos, err, "<address-range>: %s", why);
            }
        }
    }
    if (rc == 0 && list.count) { /* move the ranges into the program's arena */
        f->fixed.ranges = arena_alloc(cc->arena, list.count * sizeof *list.ranges);
        if (!f->fixed.ranges) rc = -ENOMEM;
        else memcpy(f->fixed.ranges, list.ranges, list.count * sizeof *list.ranges);
        f->fixed.count = f->fixed.cap = list.count;
    }
    ipmatch_free(&list);
    if (rc < 0) return rc;
    *data = f;
    return 0;
}

static bool dynamic_match(policy_exec_t *exec, const policy_step_t *step, const ip_filter_t *f,
                          const ipmatch_addr_t *caller, int *rc)
{
    for (size_t i = 0; i < f->address_count + f->range_count; i++) {
        const char *a, *b;
        size_t la, lb;
        ipmatch_addr_t from, to;
        bool is_range = i >= f->address_count;
        const policy_value_t *v = is_range ? f->ranges[i - f->address_count] : &f->addresses[i];
        if ((*rc = policy_value_string(exec, step, &v[0], &a, &la)) < 0) return false;
        if (is_range && (*rc = policy_value_string(exec, step, &v[1], &b, &lb)) < 0) return false;
        if (ipmatch_parse(a, la, &from) < 0) continue; /* not an address: matches nothing */
        to = from;
        if (is_range && ipmatch_parse(b, lb, &to) < 0) continue;
        ipmatch_t one = {.ranges = &(ipmatch_range_t){from, to}, .count = 1, .cap = 1};
        if (ipmatch_contains(&one, caller)) return true;
    }
    return false;
}

static int ip_filter_run(policy_exec_t *exec, const policy_step_t *step)
{
    const ip_filter_t *f = step->data;
    const char *action;
    size_t action_len;
    if (policy_value_string(exec, step, &f->action, &action, &action_len) < 0) return -1;
    bool is_allow = strcasecmp(action, "allow") == 0;
    if (!is_allow && strcasecmp(action, "forbid") != 0)
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "ip-filter action must be allow or forbid, not '%s'.", action);
    const char *ip = exec->info.client_ip;
    ipmatch_addr_t caller;
    if (!ip || ipmatch_parse(ip, strlen(ip), &caller) < 0) {
        const char *msg = "Failed to establish IP address for the caller. Access denied.";
        return policy_exec_raise(exec, step, NULL, 403, "FailedToParseCallerIP", msg, "%s", msg);
    }
    int rc = 0;
    bool listed = ipmatch_contains(&f->fixed, &caller) || dynamic_match(exec, step, f, &caller, &rc);
    if (rc < 0) return rc;
    char msg[160];
    if (is_allow && !listed) {
        char shown[64];
        ipmatch_format(&caller, shown, sizeof shown);
        snprintf(msg, sizeof msg, "Caller IP address %s is not allowed. Access denied.", shown);
        return policy_exec_raise(exec, step, NULL, 403, "CallerIpNotAllowed",
                                 arena_strndup(exec->arena, msg, strlen(msg)), "%s", msg);
    }
    if (!is_allow && listed) {
        const char *blocked = "Caller IP address is blocked. Access denied.";
        return policy_exec_raise(exec, step, NULL, 403, "CallerIpBlocked", blocked, "%s", blocked);
    }
    return POLICY_RUN_NEXT;
}

/* ---- authentication-basic ---- */

typedef struct {
    policy_value_t username, password;
} basic_t;

static int authentication_basic_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                        const void **data, policy_doc_error_t *err)
{
    basic_t *b = arena_alloc(cc->arena, sizeof *b);
    if (!b) return -ENOMEM;
    int rc;
    if ((rc = policy_compile_attr(cc, element, "username", POLICY_VALUE_STRING, &b->username, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "password", POLICY_VALUE_STRING, &b->password, err)) < 0)
        return rc;
    *data = b;
    return 0;
}

/* Replaces every `name` header of the request with one value. */
static int set_request_header(policy_exec_t *exec, const char *name, const char *value, size_t len)
{
    policy_fields_remove(&exec->request.headers, name, strlen(name));
    return policy_fields_add(&exec->request.headers, exec->arena, name, strlen(name), value, len);
}

static int authentication_basic_run(policy_exec_t *exec, const policy_step_t *step)
{
    const basic_t *b = step->data;
    const char *user, *pass;
    size_t ul, pl;
    if (policy_value_string(exec, step, &b->username, &user, &ul) < 0 ||
        policy_value_string(exec, step, &b->password, &pass, &pl) < 0)
        return -1;
    /* RFC 7617 §2: "Basic " base64(user-id ":" password), UTF-8 as given. */
    size_t plain_len = ul + 1 + pl;
    unsigned char *plain = arena_alloc(exec->arena, plain_len + 1);
    char *header = arena_alloc(exec->arena, 6 + 4 * ((plain_len + 2) / 3) + 1);
    if (!plain || !header) return policy_exec_raise_oom(exec, step);
    memcpy(plain, user, ul);
    plain[ul] = ':';
    memcpy(plain + ul + 1, pass, pl);
    memcpy(header, "Basic ", 6);
    int n = EVP_EncodeBlock((unsigned char *)header + 6, plain, (int)plain_len);
    if (set_request_header(exec, "Authorization", header, 6 + (size_t)n) < 0)
        return policy_exec_raise_oom(exec, step);
    return POLICY_RUN_NEXT;
}

/* ---- policies this gateway cannot carry out yet: compiled, refused clearly at run time ---- */

static int compile_checked(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                           const void **data, policy_doc_error_t *err)
{
    (void)data;
    const policy_descriptor_t *d = policy_registry_find(element->name);
    return policy_support_compile_all(cc, element, d ? &d->element : cc->spec, err);
}

static int authentication_certificate_run(policy_exec_t *exec, const policy_step_t *step)
{
    return policy_exec_raise(exec, step, NULL, 500, "NotSupported", NULL,
                             "authentication-certificate cannot be honoured: this gateway does not "
                             "present client certificates to backends yet (no TLS to backends); "
                             "the request is refused rather than sent without the certificate.");
}

/* validate-client-certificate: ignore-error="true" lets the request through. */
static int validate_client_certificate_run(policy_exec_t *exec, const policy_step_t *step)
{
    (void)step;
    const policy_doc_attr_t *ignore = policy_doc_attr(step->node, "ignore-error");
    if (ignore && strcasecmp(ignore->value, "true") == 0) return POLICY_RUN_NEXT;
    return policy_exec_raise(exec, step, NULL, 500, "NotSupported", NULL,
                             "validate-client-certificate cannot validate anything: this gateway "
                             "does not request or receive TLS client certificates yet.");
}

static int validate_azure_ad_token_run(policy_exec_t *exec, const policy_step_t *step)
{
    return policy_exec_raise(exec, step, NULL, 500, "NotSupported", NULL,
                             "validate-azure-ad-token is not supported: it needs Microsoft Entra's "
                             "metadata and keys; use validate-jwt with <openid-config "
                             "url=\"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/"
                             "openid-configuration\"/> and the same audiences and claims.");
}

static int get_authorization_context_run(policy_exec_t *exec, const policy_step_t *step)
{
    const policy_doc_attr_t *ignore = policy_doc_attr(step->node, "ignore-error");
    if (ignore && strcasecmp(ignore->value, "true") == 0) return POLICY_RUN_NEXT;
    return policy_exec_raise(exec, step, NULL, 500, "NotSupported", NULL,
                             "get-authorization-context is not supported: this gateway has no "
                             "credential manager (authorization providers) yet.");
}

/* ---- authentication-managed-identity (§2.7: an external endpoint) ---- */

typedef struct {
    policy_value_t resource, client_id, ignore_error;
    const char *output_var;
} managed_identity_t;

static int managed_identity_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                    const void **data, policy_doc_error_t *err)
{
    managed_identity_t *m = arena_alloc(cc->arena, sizeof *m);
    if (!m) return -ENOMEM;
    int rc;
    if ((rc = policy_compile_attr(cc, element, "resource", POLICY_VALUE_STRING, &m->resource, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "client-id", POLICY_VALUE_STRING, &m->client_id, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "ignore-error", POLICY_VALUE_BOOL, &m->ignore_error, err)) < 0 ||
        (rc = policy_support_literal_attr(cc, element, "output-token-variable-name", &m->output_var, err)) < 0)
        return rc;
    *data = m;
    return 0;
}

static int managed_identity_failed(policy_exec_t *exec, const policy_step_t *step, const char *why)
{
    const managed_identity_t *m = step->data;
    bool ignore = false;
    if (m->ignore_error.is_present && policy_value_bool(exec, step, &m->ignore_error, &ignore) < 0)
        return -1;
    if (ignore) return POLICY_RUN_NEXT;
    return policy_exec_raise(exec, step, NULL, 500, "TokenAcquisitionFailed", NULL,
                             "authentication-managed-identity could not obtain a token: %s.", why);
}

static int managed_identity_resume(policy_exec_t *exec, const policy_step_t *step, int status,
                                   void *result)
{
    const managed_identity_t *m = step->data;
    const policy_response_t *r = result;
    if (status < 0 || !r) return managed_identity_failed(exec, step, "the endpoint did not answer");
    if (r->status != 200 || r->body.kind != POLICY_BODY_BYTES) {
        char why[64];
        snprintf(why, sizeof why, "the endpoint answered %d", r->status);
        return managed_identity_failed(exec, step, why);
    }
    json_t *doc = json_loadb(r->body.bytes, r->body.len, 0, NULL);
    const char *token = json_string_value(json_object_get(doc, "access_token"));
    char *copy = token ? arena_strndup(exec->arena, token, strlen(token)) : NULL;
    json_decref(doc);
    if (!token) return managed_identity_failed(exec, step, "the answer has no access_token");
    if (!copy) return policy_exec_raise_oom(exec, step);
    if (m->output_var) {
        if (policy_exec_var_set(exec, m->output_var, strlen(m->output_var),
                                expr_str_ref(copy, strlen(copy))) < 0)
            return policy_exec_raise_oom(exec, step);
        return POLICY_RUN_NEXT;
    }
    size_t len = 7 + strlen(copy);
    char *header = arena_alloc(exec->arena, len + 1);
    if (!header) return policy_exec_raise_oom(exec, step);
    snprintf(header, len + 1, "Bearer %s", copy);
    if (set_request_header(exec, "Authorization", header, len) < 0)
        return policy_exec_raise_oom(exec, step);
    return POLICY_RUN_NEXT;
}

/* Appends "&name=value" percent-encoded (RFC 3986 §2.3 unreserved kept). */
static size_t append_param(char *out, const char *name, const char *value)
{
    size_t n = (size_t)sprintf(out, "&%s=", name);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~')
            out[n++] = (char)*p;
        else
            n += (size_t)sprintf(out + n, "%%%02X", *p);
    }
    out[n] = '\0';
    return n;
}

/* The endpoint speaks the Azure Instance Metadata Service token protocol:
 * GET <endpoint>?api-version=2019-08-01&resource=<resource>[&client_id=<id>] with
 * "Metadata: true" → {"access_token": "..."}. */
static int managed_identity_run(policy_exec_t *exec, const policy_step_t *step)
{
    const managed_identity_t *m = step->data;
    const char *resource, *client = NULL;
    size_t rl, cl = 0;
    if (policy_value_string(exec, step, &m->resource, &resource, &rl) < 0) return -1;
    if (m->client_id.is_present && policy_value_string(exec, step, &m->client_id, &client, &cl) < 0)
        return -1;
    const char *identity = client && *client ? client : "system";
    const char *endpoint = policy_support_endpoint(exec, "managed-identity", identity);
    if (!endpoint) {
        bool ignore = false;
        if (m->ignore_error.is_present && policy_value_bool(exec, step, &m->ignore_error, &ignore) < 0)
            return -1;
        return ignore ? POLICY_RUN_NEXT
                      : policy_support_raise_no_endpoint(exec, step, "managed-identity", identity);
    }
    size_t size = strlen(endpoint) + 32 + 3 * rl + 3 * cl + 40;
    char *url = arena_alloc(exec->arena, size);
    policy_send_t *req = arena_alloc(exec->arena, sizeof *req);
    if (!url || !req) return policy_exec_raise_oom(exec, step);
    size_t n = (size_t)sprintf(url, "%s%sapi-version=2019-08-01", endpoint,
                               strchr(endpoint, '?') ? "&" : "?");
    n += append_param(url + n, "resource", resource);
    if (client && *client) append_param(url + n, "client_id", client);
    memset(req, 0, sizeof *req);
    req->url = url;
    req->method = "GET";
    req->timeout_ms = 20000;
    if (policy_fields_add(&req->headers, exec->arena, "Metadata", 8, "true", 4) < 0)
        return policy_exec_raise_oom(exec, step);
    if (!exec->host->send || exec->host->send(exec, req) < 0)
        return managed_identity_failed(exec, step, "the request could not be sent");
    return policy_exec_suspend(exec, step, managed_identity_resume);
}

static const policy_descriptor_t check_header = {
    .name = "check-header",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("name", R), A_INT("failed-check-httpcode", R, NULL, 100, 599),
                      A_STR("failed-check-error-message", R), A_BOOL("ignore-case", R, NULL)),
                CHILDREN(TEXT_CHILD("value", 0, 0))},
    .compile = check_header_compile,
    .run = check_header_run,
};

/* At least one <address> or <address-range> (§2.4). */
static int check_ip_filter(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                           policy_doc_error_t *err)
{
    if (policy_doc_first_element(element, NULL)) return 0;
    policy_doc_errorf(err, ctx->scope, element->pos,
                      "<ip-filter> needs at least one <address> or <address-range>");
    return -EINVAL;
}

static const policy_descriptor_t ip_filter = {
    .name = "ip-filter",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_ENUM("action", R, NULL, "allow", "forbid")),
                CHILDREN(TEXT_CHILD("address", 0, 0),
                         CHILD("address-range", 0, 0, ATTRS(A_STR("from", R), A_STR("to", R))))},
    .check = check_ip_filter,
    .compile = ip_filter_compile,
    .run = ip_filter_run,
};

/* <allowed-headers> is marked required in §2.4; public documents omit it when they allow no
 * request headers, and the vendor accepts that: optional here [I]. */
static const policy_descriptor_t cors = {
    .name = "cors",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(A_BOOL("allow-credentials", 0, "false"),
                      A_BOOL("terminate-unmatched-request", 0, "false")),
                CHILDREN(CHILD("allowed-origins", 1, 1, CHILDREN(TEXT_CHILD("origin", 1, 0))),
                         CHILD("allowed-methods", 0, 1,
                               ATTRS(A_INT("preflight-result-max-age", 0, "0", 0, 2147483647L)),
                               CHILDREN(TEXT_CHILD("method", 1, 0))),
                         CHILD("allowed-headers", 0, 1, CHILDREN(TEXT_CHILD("header", 1, 0))),
                         CHILD("expose-headers", 0, 1, CHILDREN(TEXT_CHILD("header", 1, 0))))},
    .compile = policy_cors_compile,
    .run = policy_cors_run,
};

#define KEY_LIST(n)                                                                                \
    CHILD(n, 0, 1,                                                                                 \
          CHILDREN(CHILD("key", 1, 0,                                                              \
                         ATTRS(A_STR("id", 0), A_STR("certificate-id", 0), A_STR("n", 0),          \
                               A_STR("e", 0)),                                                     \
                         TEXT)))

#define REQUIRED_CLAIMS                                                                            \
    CHILD("required-claims", 0, 1,                                                                 \
          CHILDREN(CHILD("claim", 1, 0,                                                            \
                         ATTRS(A_STR("name", R), A_ENUM("match", 0, "all", "all", "any"),          \
                               A_STR("separator", 0)),                                             \
                         CHILDREN(TEXT_CHILD("value", 0, 0)))))

#define TOKEN_SOURCES (const char *const[]){"header-name", "query-parameter-name", "token-value", NULL}

static int check_validate_jwt(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                              policy_doc_error_t *err)
{
    return policy_check_exactly_one(ctx, element, TOKEN_SOURCES, err);
}

static const policy_descriptor_t validate_jwt = {
    .name = "validate-jwt",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("header-name", 0), A_STR("query-parameter-name", 0),
                      A_STR("token-value", 0),
                      A_INT("failed-validation-httpcode", 0, "401", 100, 599),
                      A_STR("failed-validation-error-message", 0),
                      A_BOOL("require-expiration-time", 0, "true"), A_STR("require-scheme", 0),
                      A_BOOL("require-signed-tokens", 0, "true"), A_DUR("clock-skew", 0, "0", 0),
                      A_STR("output-token-variable-name", LIT)),
                CHILDREN(CHILD("openid-config", 0, 0, ATTRS(A_URL("url", R))),
                         KEY_LIST("issuer-signing-keys"), KEY_LIST("decryption-keys"),
                         CHILD("audiences", 0, 1, CHILDREN(TEXT_CHILD("audience", 1, 0))),
                         CHILD("issuers", 0, 1, CHILDREN(TEXT_CHILD("issuer", 1, 0))),
                         REQUIRED_CLAIMS)},
    .check = check_validate_jwt,
    .compile = policy_validate_jwt_compile,
    .run = policy_validate_jwt_run,
};

/* Fetches Microsoft Entra metadata and keys: an external endpoint. At most one token
 * source; none means the Authorization header. */
static int check_validate_azure_ad_token(const policy_check_ctx_t *ctx,
                                         const policy_doc_node_t *element, policy_doc_error_t *err)
{
    return policy_check_at_most_one(ctx, element, TOKEN_SOURCES, err);
}

static const policy_descriptor_t validate_azure_ad_token = {
    .name = "validate-azure-ad-token",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("tenant-id", R), A_STR("header-name", 0),
                      A_STR("query-parameter-name", 0), A_STR("token-value", 0),
                      A_INT("failed-validation-httpcode", 0, "401", 100, 599),
                      A_STR("failed-validation-error-message", 0),
                      A_STR("output-token-variable-name", LIT)),
                CHILDREN(CHILD("client-application-ids", 0, 1,
                               CHILDREN(TEXT_CHILD("application-id", 1, 0))),
                         CHILD("backend-application-ids", 0, 1,
                               CHILDREN(TEXT_CHILD("application-id", 1, 0))),
                         CHILD("audiences", 0, 1, CHILDREN(TEXT_CHILD("audience", 1, 0))),
                         REQUIRED_CLAIMS)},
    .check = check_validate_azure_ad_token,
    .compile = compile_checked,
    .run = validate_azure_ad_token_run,
};

static const policy_descriptor_t validate_client_certificate = {
    .name = "validate-client-certificate",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_BOOL("validate-revocation", 0, "true"), A_BOOL("validate-trust", 0, "true"),
                      A_BOOL("validate-not-before", 0, "true"),
                      A_BOOL("validate-not-after", 0, "true"), A_BOOL("ignore-error", 0, "false")),
                CHILDREN(CHILD("identities", 0, 1,
                               CHILDREN(CHILD("identity", 1, 0,
                                              ATTRS(A_STR("thumbprint", 0),
                                                    A_STR("serial-number", 0),
                                                    A_STR("common-name", 0), A_STR("subject", 0),
                                                    A_STR("dns-name", 0),
                                                    A_STR("issuer-subject", 0),
                                                    A_STR("issuer-thumbprint", 0),
                                                    A_STR("issuer-certificate-id", 0))))))},
    .compile = compile_checked,
    .run = validate_client_certificate_run,
};

static const policy_descriptor_t authentication_basic = {
    .name = "authentication-basic",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("username", R), A_STR("password", R))},
    .compile = authentication_basic_compile,
    .run = authentication_basic_run,
};

static int check_authentication_certificate(const policy_check_ctx_t *ctx,
                                            const policy_doc_node_t *element,
                                            policy_doc_error_t *err)
{
    return policy_check_exactly_one(
        ctx, element, (const char *const[]){"thumbprint", "certificate-id", "body", NULL}, err);
}

static const policy_descriptor_t authentication_certificate = {
    .name = "authentication-certificate",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("thumbprint", 0), A_STR("certificate-id", 0), A_STR("body", 0),
                      A_STR("password", 0))},
    .check = check_authentication_certificate,
    .compile = compile_checked,
    .run = authentication_certificate_run,
};

static const policy_descriptor_t authentication_managed_identity = {
    .name = "authentication-managed-identity",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("resource", R), A_STR("client-id", 0),
                      A_STR("output-token-variable-name", LIT), A_BOOL("ignore-error", 0, "false"))},
    .compile = managed_identity_compile,
    .run = managed_identity_run,
};

static const policy_descriptor_t get_authorization_context = {
    .name = "get-authorization-context",
    .family = "access",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_NEEDS_EXTERNAL,
    .element = {ATTRS(A_STR("provider-id", R), A_STR("authorization-id", R),
                      A_STR("context-variable-name", R | LIT),
                      A_ENUM("identity-type", 0, "managed", "managed", "jwt"), A_STR("identity", 0),
                      A_BOOL("ignore-error", 0, "false"))},
    .compile = compile_checked,
    .run = get_authorization_context_run,
};

const policy_descriptor_t *const policy_family_access[] = {
    &check_header,
    &ip_filter,
    &cors,
    &validate_jwt,
    &validate_azure_ad_token,
    &validate_client_certificate,
    &authentication_basic,
    &authentication_certificate,
    &authentication_managed_identity,
    &get_authorization_context,
    NULL,
};
