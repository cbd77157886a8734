/* cors (spec/apim-gateway.md §2.4; the Fetch standard's CORS protocol): origins, methods and
 * headers are compiled into normalised lists once; per request the policy answers preflights
 * itself and adds the CORS headers of actual requests. */
#include "policy/policies_access_impl.h"
#include "policy/policies_support.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char **items;
    size_t count;
    bool is_any; /* "*" */
    const char *joined; /* ", "-joined, for Access-Control-Allow-* */
} name_list_t;

typedef struct cors_config {
    policy_value_t allow_credentials, terminate;
    name_list_t origins, methods, headers, expose;
    int64_t max_age;
} cors_config_t;

typedef struct {
    cors_config_t config;
    /* The cors statements after this one among the direct children of the effective inbound:
     * a preflight this one does not match is offered to them (§2.4). */
    const cors_config_t **later;
    size_t later_count;
} cors_t;

/* ---- compile ---- */

/* An origin as the Origin header carries it (RFC 6454 §6.1): lower-case scheme and host, the
 * port only when not the scheme's default. */
static char *normalise_origin(arena_t *arena, const char *text)
{
    size_t len = strlen(text);
    while (len > 1 && text[len - 1] == '/') len--;
    const char *sep = strstr(text, "://");
    char *out = arena_alloc(arena, len + 1);
    if (!out) return NULL;
    for (size_t i = 0; i < len; i++) out[i] = (char)tolower((unsigned char)text[i]);
    out[len] = '\0';
    if (!sep || (size_t)(sep - text) >= len) return out;
    size_t scheme_len = (size_t)(sep - text);
    const char *dflt = scheme_len == 4 && strncmp(out, "http", 4) == 0    ? ":80"
                       : scheme_len == 5 && strncmp(out, "https", 5) == 0 ? ":443"
                                                                          : NULL;
    size_t dl = dflt ? strlen(dflt) : 0;
    if (dflt && len > dl && strcmp(out + len - dl, dflt) == 0) out[len - dl] = '\0';
    return out;
}

static int compile_list(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        const char *item, bool is_origin, bool is_method, name_list_t *out,
                        policy_doc_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (!element) return 0;
    size_t n = policy_doc_element_count(element, item);
    if (!(out->items = arena_alloc(cc->arena, (n ? n : 1) * sizeof *out->items))) return -ENOMEM;
    size_t joined_len = 0;
    char what[32];
    snprintf(what, sizeof what, "<%s>", item);
    for (const policy_doc_node_t *c = policy_doc_first_element(element, item); c;
         c = policy_doc_next_element(c, item)) {
        const char *text;
        int rc = policy_support_literal_text(cc, c, what, &text, err);
        if (rc < 0) return rc;
        if (!*text) return policy_support_error(cc, c->pos, err, "%s is empty", what);
        if (strcmp(text, "*") == 0) {
            out->is_any = true;
            continue;
        }
        if (is_origin && !(text = normalise_origin(cc->arena, text))) return -ENOMEM;
        if (is_method) {
            char *upper = arena_strndup(cc->arena, text, strlen(text));
            if (!upper) return -ENOMEM;
            for (char *p = upper; *p; p++) *p = (char)toupper((unsigned char)*p);
            text = upper;
        }
        out->items[out->count++] = text;
        joined_len += strlen(text) + 2;
    }
    char *joined = arena_alloc(cc->arena, joined_len + 2);
    if (!joined) return -ENOMEM;
    joined[0] = '\0';
    for (size_t i = 0; i < out->count; i++) {
        if (i) strcat(joined, ", ");
        strcat(joined, out->items[i]);
    }
    out->joined = out->is_any && out->count == 0 ? "*" : joined;
    return 0;
}

static int compile_config(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                          cors_config_t *c, policy_doc_error_t *err)
{
    int rc;
    if ((rc = policy_compile_attr(cc, element, "allow-credentials", POLICY_VALUE_BOOL,
                                  &c->allow_credentials, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "terminate-unmatched-request", POLICY_VALUE_BOOL,
                                  &c->terminate, err)) < 0)
        return rc;
    const policy_doc_node_t *methods = policy_doc_first_element(element, "allowed-methods");
    if ((rc = compile_list(cc, policy_doc_first_element(element, "allowed-origins"), "origin", true,
                           false, &c->origins, err)) < 0 ||
        (rc = compile_list(cc, methods, "method", false, true, &c->methods, err)) < 0 ||
        (rc = compile_list(cc, policy_doc_first_element(element, "allowed-headers"), "header",
                           false, false, &c->headers, err)) < 0 ||
        (rc = compile_list(cc, policy_doc_first_element(element, "expose-headers"), "header",
                           false, false, &c->expose, err)) < 0)
        return rc;
    if (!methods) { /* §2.4: GET and POST when <allowed-methods> is absent */
        static const char *get_post[] = {"GET", "POST"};
        c->methods = (name_list_t){.items = get_post, .count = 2, .joined = "GET, POST"};
    }
    c->max_age = 0;
    const char *age;
    if (methods && (rc = policy_support_literal_attr(cc, methods, "preflight-result-max-age", &age,
                                                     err)) < 0)
        return rc;
    if (methods && age) c->max_age = strtoll(age, NULL, 10);
    return 0;
}

int policy_cors_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        const void **data, policy_doc_error_t *err)
{
    cors_t *cors = arena_alloc(cc->arena, sizeof *cors);
    if (!cors) return -ENOMEM;
    memset(cors, 0, sizeof *cors);
    int rc = compile_config(cc, element, &cors->config, err);
    if (rc < 0) return rc;

    size_t count = 0;
    const policy_statement_t *inbound =
        cc->statement ? policy_program_section(cc->program, POLICY_SECTION_INBOUND, &count) : NULL;
    size_t self = count;
    for (size_t i = 0; i < count; i++)
        if (&inbound[i] == cc->statement || inbound[i].node == element) self = i;
    size_t later = 0;
    for (size_t i = self + 1; i < count; i++)
        if (inbound[i].policy == cc->statement->policy) later++;
    if (later) {
        if (!(cors->later = arena_alloc(cc->arena, later * sizeof *cors->later))) return -ENOMEM;
        /* Compile each later statement's lists here too, in its own document's terms. */
        const policy_doc_t *doc = cc->doc;
        const char *scope_name = cc->scope_name;
        const policy_statement_t *statement = cc->statement;
        for (size_t i = self + 1; i < count && rc == 0; i++) {
            if (inbound[i].policy != statement->policy) continue;
            cors_config_t *c = arena_alloc(cc->arena, sizeof *c);
            if (!c) return -ENOMEM;
            cc->doc = inbound[i].doc;
            cc->scope_name = policy_doc_scope(inbound[i].doc);
            cc->statement = &inbound[i];
            rc = compile_config(cc, inbound[i].node, c, err);
            cors->later[cors->later_count++] = c;
        }
        cc->doc = doc;
        cc->scope_name = scope_name;
        cc->statement = statement;
        if (rc < 0) return rc;
    }
    *data = cors;
    return 0;
}

/* ---- run ---- */

static bool list_has(const name_list_t *l, const char *s, size_t len, bool ignore_case)
{
    if (l->is_any) return true;
    for (size_t i = 0; i < l->count; i++)
        if (strlen(l->items[i]) == len &&
            (ignore_case ? strncasecmp(l->items[i], s, len) : strncmp(l->items[i], s, len)) == 0)
            return true;
    return false;
}

static bool origin_allowed(const cors_config_t *c, arena_t *arena, const char *origin)
{
    if (c->origins.is_any) return true;
    const char *norm = normalise_origin(arena, origin);
    return norm && list_has(&c->origins, norm, strlen(norm), false);
}

/* Every name of Access-Control-Request-Headers (a comma-separated list) is allowed. */
static bool headers_allowed(const cors_config_t *c, const char *list)
{
    if (!list || c->headers.is_any) return true;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *start = p;
        while (*p && *p != ',') p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
        if (end > start && !list_has(&c->headers, start, (size_t)(end - start), true)) return false;
    }
    return true;
}

/* A preflight's headers go on the response the gateway answers with (is_final false); an
 * actual request's must reach whatever response the client gets — the backend's, a
 * return-response, an error — so they are final headers (exec.h), merged by the executor. */
static int add_header(policy_exec_t *exec, bool is_final, const char *name, const char *value)
{
    if (is_final) {
        /* Vary lists what the response varies on: the backend may have its own values */
        policy_final_mode_t mode = strcmp(name, "Vary") == 0 ? POLICY_FINAL_ADD : POLICY_FINAL_SET;
        return policy_exec_final_header(exec, mode, name, strlen(name), value, strlen(value));
    }
    return policy_fields_add(&exec->response.headers, exec->arena, name, strlen(name), value,
                             strlen(value));
}

static const char *request_header(policy_exec_t *exec, const char *name)
{
    size_t len;
    return policy_fields_join(&exec->request.headers, exec->arena, name, strlen(name), &len);
}

/* ACAO, ACAC and Vary shared by preflight and actual responses. */
static int add_origin_headers(policy_exec_t *exec, bool is_final, const cors_config_t *c,
                              const char *origin, bool credentials)
{
    /* "*" only when any origin is allowed and credentials are not (Fetch §3.2.5: a credentialed
     * response must name the origin). */
    const char *acao = c->origins.is_any && !credentials ? "*" : origin;
    if (add_header(exec, is_final, "Access-Control-Allow-Origin", acao) < 0) return -ENOMEM;
    if (credentials && add_header(exec, is_final, "Access-Control-Allow-Credentials", "true") < 0)
        return -ENOMEM;
    if (acao != origin) return 0;
    return add_header(exec, is_final, "Vary", "Origin");
}

/* An empty 200 answered by the gateway (§2.4). */
static int answer(policy_exec_t *exec)
{
    exec->response.status = 200;
    exec->response.reason = NULL;
    exec->response.body = (policy_body_t){.kind = POLICY_BODY_NONE};
    return POLICY_RUN_END;
}

static int preflight(policy_exec_t *exec, const policy_step_t *step, const cors_t *cors,
                     const char *origin)
{
    const char *method = request_header(exec, "Access-Control-Request-Method");
    const char *headers = request_header(exec, "Access-Control-Request-Headers");
    for (size_t i = 0; i <= cors->later_count; i++) {
        const cors_config_t *c = i == 0 ? &cors->config : cors->later[i - 1];
        bool matches = origin_allowed(c, exec->arena, origin) &&
                       (!method || list_has(&c->methods, method, strlen(method), false)) &&
                       headers_allowed(c, headers);
        if (!matches) {
            bool terminate = false;
            if (c->terminate.is_present &&
                policy_value_bool(exec, step, &c->terminate, &terminate) < 0)
                return -1;
            if (terminate) return answer(exec);
            continue;
        }
        bool credentials = false;
        if (c->allow_credentials.is_present &&
            policy_value_bool(exec, step, &c->allow_credentials, &credentials) < 0)
            return -1;
        char age[24];
        snprintf(age, sizeof age, "%lld", (long long)c->max_age);
        if (add_origin_headers(exec, false, c, origin, credentials) < 0 ||
            add_header(exec, false, "Access-Control-Allow-Methods",
                       c->methods.is_any && method ? method : c->methods.joined) < 0 ||
            ((headers || c->headers.count) &&
             add_header(exec, false, "Access-Control-Allow-Headers",
                        c->headers.is_any && headers ? headers : c->headers.joined) < 0) ||
            (c->max_age > 0 && add_header(exec, false, "Access-Control-Max-Age", age) < 0))
            return policy_exec_raise_oom(exec, step);
        return answer(exec);
    }
    return answer(exec); /* no cors policy matched: empty 200 (§2.4) */
}

int policy_cors_run(policy_exec_t *exec, const policy_step_t *step)
{
    const cors_t *cors = step->data;
    const cors_config_t *c = &cors->config;
    const char *origin = request_header(exec, "Origin");
    if (!origin || !*origin) return POLICY_RUN_NEXT; /* not a cross-origin request */
    const char *method = exec->request.method ? exec->request.method : "";
    /* An API operation defined for OPTIONS takes the request itself (§2.4). */
    bool options_operation = exec->info.operation_method &&
                             strcasecmp(exec->info.operation_method, "OPTIONS") == 0;
    if (strcasecmp(method, "OPTIONS") == 0 && !options_operation)
        return preflight(exec, step, cors, origin);

    bool matches = origin_allowed(c, exec->arena, origin) &&
                   list_has(&c->methods, method, strlen(method), false);
    if (!matches) {
        bool terminate = false;
        bool is_simple = strcasecmp(method, "GET") == 0 || strcasecmp(method, "HEAD") == 0;
        if (c->terminate.is_present && policy_value_bool(exec, step, &c->terminate, &terminate) < 0)
            return -1;
        return terminate && is_simple ? answer(exec) : POLICY_RUN_NEXT;
    }
    bool credentials = false;
    if (c->allow_credentials.is_present &&
        policy_value_bool(exec, step, &c->allow_credentials, &credentials) < 0)
        return -1;
    /* Headers for the response the client will get, whether or not the backend is called. */
    if (add_origin_headers(exec, true, c, origin, credentials) < 0 ||
        ((c->expose.count || c->expose.is_any) &&
         add_header(exec, true, "Access-Control-Expose-Headers", c->expose.joined) < 0))
        return policy_exec_raise_oom(exec, step);
    return POLICY_RUN_NEXT;
}
