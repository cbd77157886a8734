/* The message-editing policies the executor owns (exec_policies.h): set-header,
 * set-query-parameter, set-status, set-method, rewrite-uri (spec/apim-gateway.md §2.3). */
#include "policy/exec_policies.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- set-header / set-query-parameter ---- */

typedef enum { EXISTS_OVERRIDE, EXISTS_SKIP, EXISTS_APPEND, EXISTS_DELETE } exists_action_t;

typedef struct {
    policy_value_t name;
    policy_value_t action; /* literal: resolved in `literal_action` */
    int literal_action;    /* exists_action_t, or -1 when the action is an expression */
    policy_value_t *values;
    size_t value_count;
    unsigned literal_name_flags; /* NAME_* of a literal name, found once when compiling */
} set_field_data_t;

/* What the header name is to the gateway; a literal name's flags are found when compiling,
 * so that a set-header does not compare its name with the lists below per request. */
enum { NAME_PROTECTED = 1, NAME_REPEATED = 2, NAME_SERVER = 4 };
static unsigned header_name_flags(const char *name);

static int parse_action(const char *s)
{
    if (!s) return EXISTS_OVERRIDE;
    if (strcasecmp(s, "override") == 0) return EXISTS_OVERRIDE;
    if (strcasecmp(s, "skip") == 0) return EXISTS_SKIP;
    if (strcasecmp(s, "append") == 0) return EXISTS_APPEND;
    if (strcasecmp(s, "delete") == 0) return EXISTS_DELETE;
    return -1;
}

static int compile_set_field(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                             const void **data, policy_doc_error_t *err)
{
    set_field_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    int rc = policy_compile_attr(cc, element, "name", POLICY_VALUE_STRING, &d->name, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "exists-action", POLICY_VALUE_STRING, &d->action, err);
    if (rc) return rc;
    d->literal_action = d->action.program ? -1 : parse_action(d->action.is_present ? d->action.text : NULL);
    size_t n = policy_doc_element_count(element, "value");
    if (n) {
        d->values = arena_alloc(cc->arena, n * sizeof *d->values);
        if (!d->values) return -ENOMEM;
    }
    for (const policy_doc_node_t *v = policy_doc_first_element(element, "value"); v;
         v = policy_doc_next_element(v, "value")) {
        rc = policy_compile_text(cc, v, POLICY_VALUE_STRING, &d->values[d->value_count++], err);
        if (rc) return rc;
    }
    if (!d->name.program && d->name.text) d->literal_name_flags = header_name_flags(d->name.text);
    *data = d;
    return 0;
}

int policy_set_header_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                              const void **data, policy_doc_error_t *err)
{
    return compile_set_field(cc, element, data, err);
}

int policy_set_query_parameter_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                       const void **data, policy_doc_error_t *err)
{
    return compile_set_field(cc, element, data, err);
}

/* Headers the gateway's HTTP stack owns: set-header cannot modify or delete them (§2.3,
 * silently ignored [I]). */
static bool is_protected_header(const char *name)
{
    static const char *const names[] = {"Connection", "Content-Length", "Keep-Alive",
                                        "Transfer-Encoding", NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcasecmp(name, names[i]) == 0) return true;
    return false;
}

/* Headers whose several values go out as repeated lines; the others are joined with ","
 * into one line (§2.3 value serialization). */
static bool is_repeated_header(const char *name)
{
    static const char *const names[] = {
        "User-Agent",  "WWW-Authenticate",  "Proxy-Authenticate",  "Cookie",
        "Set-Cookie",  "Warning",           "Date",                "Expires",
        "If-Modified-Since", "If-Unmodified-Since", "Last-Modified", "Retry-After", NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcasecmp(name, names[i]) == 0) return true;
    return false;
}

static unsigned header_name_flags(const char *name)
{
    unsigned flags = 0;
    if (is_protected_header(name)) flags |= NAME_PROTECTED;
    if (is_repeated_header(name)) flags |= NAME_REPEATED;
    if (strcasecmp(name, "Server") == 0) flags |= NAME_SERVER;
    return flags;
}

/* Percent-encodes everything but RFC 3986 unreserved characters (a value a policy adds to the
 * query is data, not syntax). */
static char *query_encode(arena_t *arena, const char *s, size_t len, size_t *out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = arena_alloc(arena, len * 3 + 1);
    if (!out) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

static int apply_set_field(policy_exec_t *exec, const policy_step_t *step,
                           const set_field_data_t *d, policy_fields_t *target, bool is_header)
{
    const char *name = NULL;
    size_t name_len = 0;
    int rc = policy_value_string(exec, step, &d->name, &name, &name_len);
    if (rc) return rc;
    if (!name || !name_len) {
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL, "%s name is empty",
                                 is_header ? "header" : "query parameter");
    }
    int action = d->literal_action;
    if (action < 0) {
        const char *text = NULL;
        if ((rc = policy_value_string(exec, step, &d->action, &text, NULL))) return rc;
        action = parse_action(text);
        if (action < 0) {
            return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                     "exists-action '%s' is not override, skip, append or delete",
                                     text);
        }
    }
    unsigned flags = 0;
    if (is_header) flags = d->name.program ? header_name_flags(name) : d->literal_name_flags;
    if (flags & NAME_PROTECTED) return POLICY_RUN_NEXT;
    bool exists = action == EXISTS_SKIP && policy_fields_find(target, name, name_len, 0) >= 0;
    switch (action) {
    case EXISTS_DELETE:
        if (!(flags & NAME_SERVER))
            policy_fields_remove(target, name, name_len);
        return POLICY_RUN_NEXT;
    case EXISTS_SKIP:
        if (exists) return POLICY_RUN_NEXT;
        break;
    default:
        break;
    }
    /* evaluate every value first: an exception leaves the message as it was (override
     * removes the old values only after this) */
    const char **values = NULL, *one_value[1];
    size_t *lens = NULL, count = 0, one_len[1];
    if (d->value_count) {
        values = arena_alloc(exec->arena, d->value_count * sizeof *values);
        lens = arena_alloc(exec->arena, d->value_count * sizeof *lens);
        if (!values || !lens) return policy_exec_raise_oom(exec, step);
    }
    for (size_t i = 0; i < d->value_count; i++) {
        const char *v = NULL;
        size_t len = 0;
        if ((rc = policy_value_string(exec, step, &d->values[i], &v, &len))) return rc;
        if (!v) continue; /* a null value adds nothing */
        if (!is_header) {
            v = query_encode(exec->arena, v, len, &len);
            if (!v) return policy_exec_raise_oom(exec, step);
        }
        values[count] = v;
        lens[count++] = len;
    }
    if (action == EXISTS_OVERRIDE) policy_fields_remove(target, name, name_len);
    const char *wire_name = name;
    if (!is_header) {
        wire_name = query_encode(exec->arena, name, name_len, &name_len);
        if (!wire_name) return policy_exec_raise_oom(exec, step);
    }
    if (count == 0 && action == EXISTS_OVERRIDE && d->value_count == 0) {
        /* no <value>: the header is set, empty */
        one_value[0] = "";
        one_len[0] = 0;
        values = one_value;
        lens = one_len;
        count = 1;
    }
    if (is_header && !(flags & NAME_REPEATED) && count > 0) {
        /* one line "v1,v2" — appended to an existing line when there is one */
        size_t total = 0;
        long at = action == EXISTS_APPEND ? policy_fields_find(target, name, name_len, 0) : -1;
        if (at >= 0) total += target->items[at].value_len + 1;
        for (size_t i = 0; i < count; i++) total += lens[i] + 1;
        char *joined = arena_alloc(exec->arena, total + 1);
        if (!joined) return policy_exec_raise_oom(exec, step);
        size_t n = 0;
        if (at >= 0) {
            memcpy(joined, target->items[at].value, target->items[at].value_len);
            n = target->items[at].value_len;
        }
        for (size_t i = 0; i < count; i++) {
            if (n) joined[n++] = ',';
            memcpy(joined + n, values[i], lens[i]);
            n += lens[i];
        }
        joined[n] = '\0';
        if (at >= 0) {
            target->items[at].value = joined;
            target->items[at].value_len = (uint32_t)n;
            return POLICY_RUN_NEXT;
        }
        one_value[0] = joined;
        one_len[0] = n;
        values = one_value;
        lens = one_len;
        count = 1;
    }
    for (size_t i = 0; i < count; i++)
        if (policy_fields_add(target, exec->arena, wire_name, name_len, values[i], lens[i]) < 0)
            return policy_exec_raise_oom(exec, step);
    return POLICY_RUN_NEXT;
}

int policy_set_header_apply(policy_exec_t *exec, const policy_step_t *step, const void *data,
                            policy_fields_t *headers)
{
    return apply_set_field(exec, step, data, headers, true);
}

int policy_set_header_run(policy_exec_t *exec, const policy_step_t *step)
{
    policy_fields_t *target = policy_exec_is_request_phase(exec) ? &exec->request.headers
                                                                 : &exec->response.headers;
    return apply_set_field(exec, step, step->data, target, true);
}

int policy_set_query_parameter_run(policy_exec_t *exec, const policy_step_t *step)
{
    return apply_set_field(exec, step, step->data, &exec->request.url.query, false);
}

/* ---- set-status ---- */

typedef struct {
    policy_value_t code, reason;
} set_status_data_t;

int policy_set_status_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                              const void **data, policy_doc_error_t *err)
{
    set_status_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    int rc = policy_compile_attr(cc, element, "code", POLICY_VALUE_INT, &d->code, err);
    if (!rc) rc = policy_compile_attr(cc, element, "reason", POLICY_VALUE_STRING, &d->reason, err);
    *data = d;
    return rc;
}

int policy_set_status_apply(policy_exec_t *exec, const policy_step_t *step, const void *data,
                            policy_response_t *response)
{
    const set_status_data_t *d = data;
    int64_t code = 0;
    const char *reason = NULL;
    int rc = policy_value_long(exec, step, &d->code, &code);
    if (!rc) rc = policy_value_string(exec, step, &d->reason, &reason, NULL);
    if (rc) return rc;
    if (code < 100 || code > 599) {
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "status code %lld is not between 100 and 599", (long long)code);
    }
    response->status = (int)code;
    response->reason = reason && *reason ? reason : NULL;
    return POLICY_RUN_NEXT;
}

int policy_set_status_run(policy_exec_t *exec, const policy_step_t *step)
{
    return policy_set_status_apply(exec, step, step->data, &exec->response);
}

/* ---- set-method ---- */

int policy_set_method_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                              const void **data, policy_doc_error_t *err)
{
    policy_value_t *v = arena_alloc(cc->arena, sizeof *v);
    if (!v) return -ENOMEM;
    int rc = policy_compile_text(cc, element, POLICY_VALUE_STRING, v, err);
    if (rc) return rc;
    if (!v->program && v->len == 0) {
        policy_doc_errorf(err, cc->scope_name, element->pos, "<%s> needs a method", element->name);
        return -EINVAL;
    }
    *data = v;
    return 0;
}

/* An HTTP method is a token (RFC 9110 §9.1); keep what the user wrote, trimmed. */
int policy_method_value(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                        const char **out)
{
    const char *m = NULL;
    size_t len = 0;
    int rc = policy_value_string(exec, step, v, &m, &len);
    if (rc) return rc;
    while (m && len && (*m == ' ' || *m == '\t' || *m == '\n' || *m == '\r')) m++, len--;
    while (m && len && (m[len - 1] == ' ' || m[len - 1] == '\t' || m[len - 1] == '\n' || m[len - 1] == '\r')) len--;
    for (size_t i = 0; m && i < len; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c <= ' ' || c >= 127 || strchr("()<>@,;:\\\"/[]?={}", c)) len = 0;
    }
    if (!m || !len) return policy_exec_raise(exec, step, NULL, 500, NULL, NULL, "invalid HTTP method");
    char *copy = arena_strndup(exec->arena, m, len);
    if (!copy) return policy_exec_raise_oom(exec, step);
    *out = copy;
    return 0;
}

int policy_set_method_run(policy_exec_t *exec, const policy_step_t *step)
{
    const char *m = NULL;
    int rc = policy_method_value(exec, step, step->data, &m);
    if (rc) return rc;
    exec->request.method = m;
    return POLICY_RUN_NEXT;
}

/* ---- rewrite-uri ---- */

/* A template split at compile time: literal text and {parameter} references. */
typedef struct {
    const char *text;
    uint32_t len;
    bool is_param;
} template_part_t;

typedef struct {
    template_part_t *parts;
    size_t count;
} template_t;

typedef struct {
    policy_value_t template_;
    policy_value_t copy_unmatched;
    template_t literal; /* when template_ is a literal */
} rewrite_data_t;

static int template_split(arena_t *arena, const char *s, size_t len, template_t *out)
{
    size_t max = 1;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '{') max += 2;
    out->parts = arena_alloc(arena, max * sizeof *out->parts);
    if (!out->parts) return -ENOMEM;
    out->count = 0;
    size_t i = 0;
    while (i < len) {
        const char *open = memchr(s + i, '{', len - i);
        const char *close = open ? memchr(open, '}', (size_t)(s + len - open)) : NULL;
        size_t lit_end = close ? (size_t)(open - s) : len;
        if (lit_end > i)
            out->parts[out->count++] = (template_part_t){s + i, (uint32_t)(lit_end - i), false};
        if (!close) break;
        out->parts[out->count++] =
            (template_part_t){open + 1, (uint32_t)(close - open - 1), true};
        i = (size_t)(close - s) + 1;
    }
    return 0;
}

int policy_rewrite_uri_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const void **data, policy_doc_error_t *err)
{
    rewrite_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    int rc = policy_compile_attr(cc, element, "template", POLICY_VALUE_STRING, &d->template_, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "copy-unmatched-params", POLICY_VALUE_BOOL,
                                 &d->copy_unmatched, err);
    if (rc) return rc;
    if (!d->template_.program && template_split(cc->arena, d->template_.text, d->template_.len, &d->literal))
        return -ENOMEM;
    *data = d;
    return 0;
}

/* Encodes a parameter value for a path (RFC 3986 pchar: unreserved, sub-delims, ':', '@'). */
static void put_encoded(char *out, size_t *n, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~!$&'()*+,;=:@", c)) {
            out[(*n)++] = (char)c;
        } else {
            out[(*n)++] = '%';
            out[(*n)++] = hex[c >> 4];
            out[(*n)++] = hex[c & 15];
        }
    }
}

/* Is `name` a query parameter of the operation's URL template ("/get?a={b}" has "a")? */
static bool in_operation_query(const char *url_template, const char *name, size_t len)
{
    const char *q = url_template ? strchr(url_template, '?') : NULL;
    while (q && *q) {
        q++;
        size_t n = strcspn(q, "=&");
        if (n == len && memcmp(q, name, len) == 0) return true;
        q = strchr(q, '&');
    }
    return false;
}

int policy_rewrite_uri_run(policy_exec_t *exec, const policy_step_t *step)
{
    const rewrite_data_t *d = step->data;
    template_t tpl = d->literal;
    int rc;
    if (d->template_.program) {
        const char *text = NULL;
        size_t len = 0;
        if ((rc = policy_value_string(exec, step, &d->template_, &text, &len))) return rc;
        if (template_split(exec->arena, text ? text : "", text ? len : 0, &tpl))
            return policy_exec_raise_oom(exec, step);
    }
    bool copy_unmatched = true;
    if ((rc = policy_value_bool(exec, step, &d->copy_unmatched, &copy_unmatched))) return rc;
    const policy_fields_t *params = &exec->info.matched_parameters;
    size_t total = 1;
    for (size_t i = 0; i < tpl.count; i++) {
        const template_part_t *p = &tpl.parts[i];
        if (!p->is_param) {
            total += p->len;
            continue;
        }
        long at = policy_fields_find(params, p->text, p->len, 0);
        if (at >= 0) total += params->items[at].value_len * 3;
    }
    char *url = arena_alloc(exec->arena, total);
    if (!url) return policy_exec_raise_oom(exec, step);
    size_t n = 0;
    for (size_t i = 0; i < tpl.count; i++) {
        const template_part_t *p = &tpl.parts[i];
        if (!p->is_param) {
            memcpy(url + n, p->text, p->len);
            n += p->len;
            continue;
        }
        /* a parameter the operation did not match becomes empty */
        long at = policy_fields_find(params, p->text, p->len, 0);
        if (at >= 0) put_encoded(url, &n, params->items[at].value, params->items[at].value_len);
    }
    url[n] = '\0';
    /* the result is the path (relative to the backend base, §2.3) and an optional query */
    char *q = memchr(url, '?', n);
    size_t path_len = q ? (size_t)(q - url) : n;
    char *path = arena_strndup(exec->arena, url, path_len);
    if (!path) return policy_exec_raise_oom(exec, step);
    policy_fields_t query = {0};
    if (q) {
        char *s = q + 1;
        while (*s) {
            size_t len = strcspn(s, "&");
            if (len) {
                char *eq = memchr(s, '=', len);
                size_t nl = eq ? (size_t)(eq - s) : len;
                const char *v = eq ? eq + 1 : "";
                size_t vl = eq ? len - nl - 1 : 0;
                if (policy_fields_add(&query, exec->arena, s, nl, v, vl) < 0)
                    return policy_exec_raise_oom(exec, step);
            }
            s += len;
            if (*s) s++;
        }
    }
    if (copy_unmatched) {
        /* query parameters of the request that the operation template does not name (§2.3) */
        const policy_fields_t *cur = &exec->request.url.query;
        for (uint32_t i = 0; i < cur->count; i++) {
            const policy_field_t *f = &cur->items[i];
            if (in_operation_query(exec->info.operation_url_template, f->name, f->name_len))
                continue;
            if (policy_fields_find(&query, f->name, f->name_len, 0) >= 0) continue;
            if (policy_fields_add(&query, exec->arena, f->name, f->name_len, f->value,
                                  f->value_len) < 0)
                return policy_exec_raise_oom(exec, step);
        }
    }
    exec->request.url.path = path;
    exec->request.url.query = query;
    return POLICY_RUN_NEXT;
}
