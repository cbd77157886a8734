/* The messages of the context model (spec/apim-gateway.md §3.4): IRequest, IResponse (also
 * send-request results stored in variables), IMessageBody and IUrl. Each object points at
 * the executor's own state (policy/exec.h): IRequest at the executor, IResponse at a
 * policy_response_t, IMessageBody at a policy_body_t, IUrl at a policy_url_t. */
#include "policy/context_internal.h"

#include "expr/lib_json.h"
#include "expr/lib_xml.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SELF_RESP ((policy_response_t *)self->u.obj.ptr)
#define SELF_BODY ((policy_body_t *)self->u.obj.ptr)
#define SELF_URL ((const policy_url_t *)self->u.obj.ptr)

/* ---- IMessageBody ---- */

expr_value_t ctx_body_value(policy_body_t *body)
{
    return body->kind == POLICY_BODY_NONE ? expr_null() : expr_object(&ctx_class_body, body);
}

/* §3.4: without preserveContent the content is consumed; a later read throws, as the
 * vendor's stream that was read to its end does. */
static int body_take(expr_rt_t *rt, policy_body_t *body, const expr_value_t *args,
                     unsigned argc, slice_t *content)
{
    bool preserve = false;
    if (argc > 0) {
        if (args[0].tag != EXPR_V_BOOL)
            return expr_throw(rt, "InvalidCastException",
                              "preserveContent must be a bool");
        preserve = args[0].u.b;
    }
    if (body->is_consumed)
        return expr_throw(rt, "InvalidOperationException",
                          "The message body has already been read. Use "
                          "preserveContent: true to read it more than once.");
    /* The executor buffers a body an expression reads (POLICY_NEEDS_*_BODY); a stream
     * here means the host did not. */
    if (body->kind != POLICY_BODY_BYTES)
        return expr_throw(rt, "InvalidOperationException",
                          "The message body was not buffered by the gateway.");
    if (!preserve) body->is_consumed = true;
    *content = slice_make(body->bytes ? body->bytes : "", body->len);
    return 0;
}

/* As<T>(preserveContent: false): T is string (UTF-8, a leading BOM dropped as .NET's
 * StreamReader does), byte[], JObject/JToken/JArray (parsed as JToken.Parse does; a
 * JObject must be an object and a JArray an array, as JObject.Parse requires), or
 * XDocument/XElement/XNode (parsed as XDocument.Parse / XElement.Parse, §3.4). */
static int body_as(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                   expr_value_t *args, unsigned argc, expr_value_t *out)
{
    const expr_class_t *t = call->type_arg;
    bool is_json = t == &expr_class_jobject || t == &expr_class_jtoken || t == &expr_class_jarray;
    bool is_xml = t == &expr_class_xdocument || t == &expr_class_xelement || t == &expr_class_xnode;
    if (t != &expr_class_string && t != &expr_class_bytes && !is_json && !is_xml)
        return expr_throw(rt, "NotSupportedException",
                          "IMessageBody.As<%s>() is not supported: use string, byte[], JObject, "
                          "JToken, JArray, XDocument, XElement or XNode",
                          t ? t->name : "?");
    slice_t content = {0};
    if (body_take(rt, SELF_BODY, args, argc, &content)) return EXPR_THROWN;
    if (t == &expr_class_bytes) {
        *out = (expr_value_t){.tag = EXPR_V_BYTES, .u.s = {content.ptr, (uint32_t)content.len}};
        return 0;
    }
    if (content.len >= 3 && memcmp(content.ptr, "\xEF\xBB\xBF", 3) == 0) {
        content.ptr += 3;
        content.len -= 3;
    }
    if (t == &expr_class_string) CTX_RETURN(expr_str_ref(content.ptr, content.len));
    if (is_xml)
        return expr_xml_parse(rt, content.ptr, content.len,
                              t == &expr_class_xdocument ? t : &expr_class_xelement, false, out);
    return expr_json_parse_as(rt, content.ptr, content.len, t, out);
}

/* AsFormUrlEncodedContent(preserveContent: false): name → values of an
 * application/x-www-form-urlencoded body. */
static int body_as_form(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                        expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call;
    slice_t content = {0};
    if (body_take(rt, SELF_BODY, args, argc, &content)) return EXPR_THROWN;
    slice_t *text = expr_rt_alloc(rt, sizeof *text);
    if (!text) return EXPR_THROWN;
    *text = content;
    CTX_RETURN(expr_object(&ctx_class_form, text));
}

static const char *const preserve_names[] = {"preserveContent", NULL};
static const expr_type_t preserve_params[] = {{&expr_class_bool, NULL}};

static const expr_member_t body_members[] = {
    {.name = "As", .kind = EXPR_M_METHOD, .min_args = 0, .max_args = 1,
     .ret_rule = EXPR_RET_TYPE_ARG, .param_names = preserve_names, .params = preserve_params,
     .fn = body_as},
    {.name = "AsFormUrlEncodedContent", .kind = EXPR_M_METHOD, .min_args = 0, .max_args = 1,
     .ret = {&ctx_class_form, &ctx_class_kvp_strings}, .param_names = preserve_names,
     .params = preserve_params, .fn = body_as_form},
};

const expr_class_t ctx_class_body = {
    .name = "IMessageBody",
    .full_name = "IMessageBody",
    .tag = EXPR_V_OBJECT,
    .members = body_members,
    .member_count = CTX_COUNT(body_members),
};

/* ---- IUrl ---- */

static int url_scheme(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                      expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_cstr(SELF_URL->scheme));
}
static int url_host(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_cstr(SELF_URL->host));
}
static int url_port(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_int(SELF_URL->port));
}

/* Path: base_path joined with path (exec.h), at least "/"; no copy when one part is empty. */
static int url_path(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)args, (void)argc;
    const policy_url_t *url = SELF_URL;
    const char *base = url->base_path ? url->base_path : "";
    const char *path = url->path ? url->path : "";
    size_t base_len = strlen(base);
    if (base_len && base[base_len - 1] == '/') base_len--; /* no "//" at the join (§4.4) */
    if (!base_len) CTX_RETURN(*path ? ctx_cstr(path) : ctx_cstr("/"));
    if (!*path || (path[0] == '/' && !path[1] && base[base_len] == '/'))
        CTX_RETURN(ctx_cstr(base));
    return expr_str_printf(rt, out, "%.*s%s%s", (int)base_len, base, path[0] == '/' ? "" : "/",
                           path);
}
static int url_query(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                     expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_object(&ctx_class_query, self->u.obj.ptr));
}

/* The query as written: "?a=1&b=2" (with_mark), "" when there is none. */
static int url_query_text(expr_rt_t *rt, const policy_url_t *url, expr_value_t *out)
{
    const policy_fields_t *q = &url->query;
    size_t total = 0;
    for (uint32_t i = 0; i < q->count; i++)
        total += 1 + q->items[i].name_len + (q->items[i].value ? 1 + q->items[i].value_len : 0);
    if (!total) CTX_RETURN(expr_str_ref("", 0));
    char *buf = expr_rt_alloc(rt, total + 1);
    if (!buf) return EXPR_THROWN;
    size_t used = 0;
    for (uint32_t i = 0; i < q->count; i++) {
        const policy_field_t *f = &q->items[i];
        buf[used++] = i ? '&' : '?';
        memcpy(buf + used, f->name, f->name_len);
        used += f->name_len;
        if (f->value) {
            buf[used++] = '=';
            memcpy(buf + used, f->value, f->value_len);
            used += f->value_len;
        }
    }
    buf[used] = '\0';
    CTX_RETURN(expr_str_ref(buf, used));
}

/* QueryString: with its leading '?' [I], "" when there is no query. */
static int url_query_string(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                            expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)args, (void)argc;
    return url_query_text(rt, SELF_URL, out);
}

static bool url_port_is_default(const policy_url_t *url)
{
    const char *scheme = url->scheme ? url->scheme : "";
    return (url->port == 80 && strcasecmp(scheme, "http") == 0) ||
           (url->port == 443 && strcasecmp(scheme, "https") == 0) || url->port <= 0;
}

/* "scheme://host[:port]/path[?query]", the port only when not the scheme's default. */
static int url_format(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    const policy_url_t *url = SELF_URL;
    expr_value_t path, query;
    if (url_path(rt, NULL, self, NULL, 0, &path) || url_query_text(rt, url, &query))
        return EXPR_THROWN;
    char port[16] = "";
    if (!url_port_is_default(url)) snprintf(port, sizeof port, ":%d", url->port);
    return expr_str_printf(rt, out, "%s://%s%s%.*s%.*s", url->scheme ? url->scheme : "",
                           url->host ? url->host : "", port, (int)path.u.s.len, path.u.s.ptr,
                           (int)query.u.s.len, query.u.s.ptr);
}

static int url_to_string(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)args, (void)argc;
    return url_format(rt, self, out);
}

static const expr_member_t url_members[] = {
    CTX_PROP("Scheme", &expr_class_string, NULL, url_scheme),
    CTX_PROP("Host", &expr_class_string, NULL, url_host),
    CTX_PROP("Port", &expr_class_int, NULL, url_port),
    CTX_PROP("Path", &expr_class_string, NULL, url_path),
    CTX_PROP("Query", &ctx_class_query, &ctx_class_kvp_strings, url_query),
    CTX_PROP("QueryString", &expr_class_string, NULL, url_query_string),
    CTX_METHOD("ToString", 0, 0, &expr_class_string, NULL, url_to_string),
};

const expr_class_t ctx_class_url = {
    .name = "IUrl",
    .full_name = "IUrl",
    .tag = EXPR_V_OBJECT,
    .members = url_members,
    .member_count = CTX_COUNT(url_members),
    .to_string = url_format,
};

/* ---- IRequest (self: the executor) ---- */

static int req_body(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_body_value(&CTX_SELF_EXEC->request.body));
}
static int req_headers(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_headers_value(&CTX_SELF_EXEC->request.headers));
}
static int req_ip(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                  expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_cstr(CTX_SELF_EXEC->info.client_ip));
}
static int req_matched(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_object(&ctx_class_matched, &CTX_SELF_EXEC->info.matched_parameters));
}
static int req_method(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                      expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_cstr(CTX_SELF_EXEC->request.method));
}
static int req_original_url(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                            expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_url_value(&CTX_SELF_EXEC->info.original_url));
}
static int req_url(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                   expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_url_value(&CTX_SELF_EXEC->request.url));
}
/* Client certificates and private endpoints are not supported: always null
 * (ctx_null_native). */

static const expr_member_t pec_members[] = {
    CTX_PROP("Name", &expr_class_string, NULL, ctx_null_native),
    CTX_PROP("GroupId", &expr_class_string, NULL, ctx_null_native),
    CTX_PROP("MemberName", &expr_class_string, NULL, ctx_null_native),
};

static const expr_class_t pec_class = {
    .name = "PrivateEndpointConnection",
    .tag = EXPR_V_OBJECT,
    .members = pec_members,
    .member_count = CTX_COUNT(pec_members),
};

static const expr_member_t request_members[] = {
    CTX_PROP("Body", &ctx_class_body, NULL, req_body),
    CTX_PROP("Certificate", NULL, NULL, ctx_null_native),
    CTX_PROP("Headers", &ctx_class_headers, &ctx_class_kvp_strings, req_headers),
    CTX_PROP("IpAddress", &expr_class_string, NULL, req_ip),
    CTX_PROP("MatchedParameters", &ctx_class_matched, &ctx_class_kvp_string, req_matched),
    CTX_PROP("Method", &expr_class_string, NULL, req_method),
    CTX_PROP("OriginalUrl", &ctx_class_url, NULL, req_original_url),
    CTX_PROP("Url", &ctx_class_url, NULL, req_url),
    CTX_PROP("PrivateEndpointConnection", &pec_class, NULL, ctx_null_native),
};

const expr_class_t ctx_class_request = {
    .name = "IRequest",
    .full_name = "IRequest",
    .tag = EXPR_V_OBJECT,
    .members = request_members,
    .member_count = CTX_COUNT(request_members),
};

/* ---- IResponse (self: a message) ---- */

static int resp_body(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                     expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_body_value(&SELF_RESP->body));
}
static int resp_headers(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                        expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_headers_value(&SELF_RESP->headers));
}
static int resp_status(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    /* 0 = not set yet: the default response is 200 (§1.4) [I]. */
    CTX_RETURN(expr_int(SELF_RESP->status ? SELF_RESP->status : 200));
}
static int resp_reason(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    const policy_response_t *resp = SELF_RESP;
    if (resp->reason) CTX_RETURN(ctx_cstr(resp->reason));
    CTX_RETURN(ctx_cstr(policy_status_reason(resp->status ? resp->status : 200)));
}

static const expr_member_t response_members[] = {
    CTX_PROP("Body", &ctx_class_body, NULL, resp_body),
    CTX_PROP("Headers", &ctx_class_headers, &ctx_class_kvp_strings, resp_headers),
    CTX_PROP("StatusCode", &expr_class_int, NULL, resp_status),
    CTX_PROP("StatusReason", &expr_class_string, NULL, resp_reason),
};

const expr_class_t policy_response_class = {
    .name = "IResponse",
    .full_name = "IResponse",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .members = response_members,
    .member_count = CTX_COUNT(response_members),
};
