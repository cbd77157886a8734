/* set-body template="liquid" (transform.h): the template is compiled with the configuration;
 * per request the model the vendor documents (§2.3) is built as JSON — context.Request.{Url,
 * Method, OriginalMethod, OriginalUrl, IpAddress, MatchedParameters, HasBody, Headers},
 * context.Response.{StatusCode, StatusReason, Headers}, context.Variables and the body —
 * and rendered. */
#include "policy/transform.h"

#include "policy/jsonxml.h"
#include "policy/liquid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int policy_transform_liquid_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                    const char *text, size_t len, bool is_positioned,
                                    liquid_template_t **tpl, policy_doc_error_t *err)
{
    liquid_error_t lerr = {0};
    int rc = liquid_compile_in(cc->arena, text, len, tpl, &lerr);
    if (rc == -ENOMEM) return rc;
    if (rc) {
        if (is_positioned)
            policy_doc_errorf(err, cc->scope_name, policy_doc_text_pos(cc->doc, element, lerr.offset),
                              "Liquid template: %s", lerr.message);
        else
            policy_doc_errorf(err, cc->scope_name, element->pos,
                              "Liquid template, line %u column %u of its content: %s", lerr.line,
                              lerr.col, lerr.message);
    }
    return rc;
}

/* ---- the model ---- */

static int set(json_t *obj, const char *key, json_t *v)
{
    return v && json_object_set_new(obj, key, v) == 0 ? 0 : -ENOMEM;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Name → comma-joined values (several pairs with one name: §3.5 GetValueOrDefault form). */
static json_t *fields_object(policy_exec_t *exec, const policy_fields_t *f)
{
    json_t *obj = json_object();
    for (uint32_t i = 0; obj && i < f->count; i++) {
        const policy_field_t *it = &f->items[i];
        if (json_object_getn(obj, it->name, it->name_len)) continue;
        size_t len = 0;
        const char *v = policy_fields_join(f, exec->arena, it->name, it->name_len, &len);
        if (!v || json_object_setn_new(obj, it->name, it->name_len, json_stringn(v, len))) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

/* IUrl: Scheme, Host, Port, Path, Query, QueryString, and ToString/ToUri (the URL). */
static json_t *url_object(policy_exec_t *exec, const policy_url_t *u)
{
    if (!u->host) return json_null();
    json_t *obj = json_object();
    if (!obj) return NULL;
    size_t len = 0;
    const char *text = policy_url_format(exec->arena, u, &len);
    const char *path = policy_url_path(exec->arena, u);
    buf_t qs;
    buf_init(&qs);
    for (uint32_t i = 0; i < u->query.count; i++) {
        const policy_field_t *f = &u->query.items[i];
        buf_append(&qs, i ? "&" : "?", 1);
        buf_append(&qs, f->name, f->name_len);
        if (f->value_len) {
            buf_append(&qs, "=", 1);
            buf_append(&qs, f->value, f->value_len);
        }
    }
    int rc = set(obj, "Scheme", str_or_null(u->scheme));
    if (!rc) rc = set(obj, "Host", str_or_null(u->host));
    if (!rc) rc = set(obj, "Port", json_integer(u->port));
    if (!rc) rc = set(obj, "Path", str_or_null(path));
    if (!rc) rc = set(obj, "Query", fields_object(exec, &u->query));
    if (!rc) rc = set(obj, "QueryString", json_stringn(qs.data ? qs.data : "", qs.len));
    if (!rc) rc = set(obj, "ToString", text ? json_stringn(text, len) : NULL);
    if (!rc) rc = set(obj, "ToUri", text ? json_stringn(text, len) : NULL);
    buf_free(&qs);
    if (rc) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* A variable's value: scalars as JSON scalars, JSON objects of expressions as JSON, arrays
 * item by item, anything else as its ToString(). */
static json_t *value_json(policy_exec_t *exec, const expr_value_t *v, int depth)
{
    switch (v->tag) {
    case EXPR_V_NULL: return json_null();
    case EXPR_V_BOOL: return json_boolean(v->u.b);
    case EXPR_V_INT:
    case EXPR_V_LONG: return json_integer(v->u.i);
    case EXPR_V_DOUBLE: return json_real(v->u.d);
    case EXPR_V_STRING: return json_stringn(v->u.s.ptr ? v->u.s.ptr : "", v->u.s.len);
    case EXPR_V_ARRAY: {
        json_t *arr = json_array();
        for (uint32_t i = 0; arr && depth < 16 && i < v->u.arr.count; i++) {
            if (json_array_append_new(arr, value_json(exec, &v->u.arr.items[i], depth + 1))) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    default: break;
    }
    expr_value_t s;
    if (expr_value_to_string(&exec->rt, v, &s) < 0) {
        exec->rt.has_exception = false;
        return json_null();
    }
    const expr_class_t *cls = expr_value_class(v);
    if (v->tag == EXPR_V_OBJECT && cls && cls->name && cls->name[0] == 'J') {
        /* JObject, JArray, JToken, JValue: their ToString() is JSON. */
        json_t *parsed = json_loadb(s.u.s.ptr, s.u.s.len, JSON_DECODE_ANY, NULL);
        if (parsed) return parsed;
    }
    return json_stringn(s.u.s.ptr ? s.u.s.ptr : "", s.u.s.len);
}

static json_t *variables_object(policy_exec_t *exec)
{
    json_t *obj = json_object();
    /* Newest first: the first occurrence of a name is its current value. */
    for (const policy_variable_t *v = exec->variables; obj && v; v = v->next) {
        if (json_object_getn(obj, v->name, v->name_len)) continue;
        if (json_object_setn_new(obj, v->name, v->name_len, value_json(exec, &v->value, 0))) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static json_t *request_object(policy_exec_t *exec)
{
    json_t *r = json_object();
    if (!r) return NULL;
    const policy_body_t *b = &exec->request.body;
    int rc = set(r, "Url", url_object(exec, &exec->request.url));
    if (!rc) rc = set(r, "Method", str_or_null(exec->request.method));
    if (!rc)
        rc = set(r, "OriginalMethod",
                 str_or_null(exec->info.original_method ? exec->info.original_method
                                                        : exec->request.method));
    if (!rc) rc = set(r, "OriginalUrl", url_object(exec, &exec->info.original_url));
    if (!rc) rc = set(r, "IpAddress", str_or_null(exec->info.client_ip));
    if (!rc) rc = set(r, "MatchedParameters", fields_object(exec, &exec->info.matched_parameters));
    if (!rc) rc = set(r, "HasBody", json_boolean(b->kind == POLICY_BODY_STREAM || b->len > 0));
    if (!rc) rc = set(r, "Headers", fields_object(exec, &exec->request.headers));
    if (rc) {
        json_decref(r);
        return NULL;
    }
    return r;
}

static json_t *response_object(policy_exec_t *exec)
{
    json_t *r = json_object();
    if (!r) return NULL;
    int status = exec->response.status ? exec->response.status : 200;
    int rc = set(r, "StatusCode", json_integer(status));
    if (!rc)
        rc = set(r, "StatusReason",
                 json_string(exec->response.reason ? exec->response.reason
                                                   : policy_status_reason(status)));
    if (!rc) rc = set(r, "Headers", fields_object(exec, &exec->response.headers));
    if (rc) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/* `body`: JSON or XML by the message's Content-Type (§2.3), else its text; nil without one.
 * 0 with *out, or a negative code after raising (a JSON/XML body that does not parse). */
static int body_value(policy_exec_t *exec, const policy_step_t *step, int nil_mode, json_t **out)
{
    policy_transform_target_t t = policy_transform_target(exec);
    *out = NULL;
    if (t.body->kind == POLICY_BODY_STREAM)
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "the body was not buffered for the Liquid template");
    if (t.body->kind != POLICY_BODY_BYTES || t.body->len == 0) {
        *out = json_null();
        return 0;
    }
    size_t ct_len = 0;
    const char *ct = policy_fields_join(t.headers, exec->arena, "Content-Type", 12, &ct_len);
    char why[256] = "";
    if (jsonxml_is_json_type(ct, ct_len)) {
        json_error_t jerr;
        *out = json_loadb(t.body->bytes, t.body->len, JSON_DECODE_ANY, &jerr);
        /* Integers beyond 64 bits: read as decimals rather than refuse the body. */
        if (!*out) *out = json_loadb(t.body->bytes, t.body->len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &jerr);
        if (!*out)
            return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                     "the body is not JSON (line %d column %d: %s)", jerr.line,
                                     jerr.column, jerr.text);
        return 0;
    }
    if (jsonxml_is_xml_type(ct, ct_len)) {
        jsonxml_to_json_options_t o = {.kind = JSONXML_JAVASCRIPT_FRIENDLY, .nil = nil_mode};
        json_t *doc = NULL;
        int rc = jsonxml_xml_to_value(t.body->bytes, t.body->len, &o, &doc, why, sizeof why);
        if (rc == -ENOMEM) return policy_exec_raise_oom(exec, step);
        if (rc) return policy_exec_raise(exec, step, NULL, 500, NULL, NULL, "%s", why);
        /* body is the document element itself: {{body.Body.GetOrders}} for a SOAP envelope
         * (its single root member). */
        const char *key;
        json_t *root = NULL;
        json_object_foreach(doc, key, root) break;
        *out = json_incref(root);
        json_decref(doc);
        return *out ? 0 : policy_exec_raise_oom(exec, step);
    }
    *out = json_stringn(t.body->bytes, t.body->len);
    return *out ? 0 : policy_exec_raise_oom(exec, step);
}

#define UNIX_EPOCH_TICKS 621355968000000000LL

int policy_transform_liquid_render(policy_exec_t *exec, const policy_step_t *step,
                                   const liquid_template_t *tpl, int nil_mode, const char **out,
                                   size_t *len)
{
    json_t *body = NULL;
    int rc = body_value(exec, step, nil_mode, &body);
    if (rc) return rc;
    json_t *context = json_object();
    json_t *model = json_object();
    rc = context && model ? 0 : -ENOMEM;
    if (!rc) rc = set(context, "Request", request_object(exec));
    if (!rc) rc = set(context, "Response", response_object(exec));
    if (!rc) rc = set(context, "Variables", variables_object(exec));
    if (!rc) rc = set(model, "context", json_incref(context));
    if (!rc) rc = set(model, "body", json_incref(body));
    json_decref(context);
    json_decref(body);
    if (rc) {
        json_decref(model);
        return policy_exec_raise_oom(exec, step);
    }
    long long now = (expr_rt_now_ticks(&exec->rt) - UNIX_EPOCH_TICKS) / 10000000LL;
    buf_t b;
    buf_init(&b);
    liquid_error_t lerr = {0};
    rc = liquid_render(tpl, model, now, &b, &lerr);
    json_decref(model);
    if (rc) {
        buf_free(&b);
        if (rc == -ENOMEM) return policy_exec_raise_oom(exec, step);
        return policy_exec_raise(exec, step, NULL, 500, "ExpressionValueEvaluationFailure", NULL,
                                 "Liquid template, line %u column %u: %s", lerr.line, lerr.col,
                                 lerr.message);
    }
    char *text = arena_strndup(exec->arena, b.data ? b.data : "", b.len);
    *len = b.len;
    buf_free(&b);
    if (!text) return policy_exec_raise_oom(exec, step);
    *out = text;
    return 0;
}
