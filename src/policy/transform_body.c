/* Body transformation policies (transform.h, spec/apim-gateway.md §2.3): set-body,
 * find-and-replace, json-to-xml, xml-to-json, jsonp, xsl-transform. */
#include "policy/transform.h"

#include "policy/jsonxml.h"
#include "policy/liquid.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- shared ---- */

policy_transform_target_t policy_transform_target(policy_exec_t *exec)
{
    bool req = policy_exec_is_request_phase(exec);
    return (policy_transform_target_t){
        .body = req ? &exec->request.body : &exec->response.body,
        .headers = req ? &exec->request.headers : &exec->response.headers,
        .is_request = req,
    };
}

static int set_header(policy_exec_t *exec, policy_fields_t *headers, const char *name,
                      const char *value, size_t value_len)
{
    policy_fields_remove(headers, name, strlen(name));
    return policy_fields_add(headers, exec->arena, name, strlen(name), value, value_len);
}

int policy_transform_set_body(policy_exec_t *exec, const policy_step_t *step, const char *bytes,
                              size_t len, const char *content_type)
{
    policy_transform_target_t t = policy_transform_target(exec);
    *t.body = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = bytes ? bytes : "", .len = len};
    char length[24];
    int n = snprintf(length, sizeof length, "%zu", len);
    policy_fields_remove(t.headers, "Transfer-Encoding", 17);
    if (set_header(exec, t.headers, "Content-Length", length, (size_t)n) < 0 ||
        (content_type &&
         set_header(exec, t.headers, "Content-Type", content_type, strlen(content_type)) < 0))
        return policy_exec_raise_oom(exec, step);
    return 0;
}

void policy_transform_needs_body(policy_compile_ctx_t *cc)
{
    if (!cc->flags) return;
    policy_section_t s = cc->statement ? cc->statement->section : POLICY_SECTION_OUTBOUND;
    *cc->flags |= s == POLICY_SECTION_INBOUND || s == POLICY_SECTION_BACKEND
                      ? POLICY_NEEDS_REQUEST_BODY
                      : POLICY_NEEDS_RESPONSE_BODY;
}

/* The edited message's body: 1 with bytes, 0 when there is none (or it is empty), or a
 * negative code after raising when it was not buffered. */
static int read_body(policy_exec_t *exec, const policy_step_t *step, const char **bytes,
                     size_t *len)
{
    const policy_body_t *b = policy_transform_target(exec).body;
    if (b->kind == POLICY_BODY_STREAM)
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "the %s body was not buffered for %s",
                                 policy_exec_is_request_phase(exec) ? "request" : "response",
                                 step->policy ? step->policy->name : "this policy");
    if (b->kind != POLICY_BODY_BYTES || b->len == 0) return 0;
    *bytes = b->bytes;
    *len = b->len;
    return 1;
}

static const char *header_value(policy_exec_t *exec, const policy_fields_t *f, const char *name,
                                size_t *len)
{
    *len = 0;
    return policy_fields_join(f, exec->arena, name, strlen(name), len);
}

/* A string value that must be one of `choices` (an expression may compute it): its index,
 * or a negative code after raising. */
static int eval_choice(policy_exec_t *exec, const policy_step_t *step, const policy_value_t *v,
                       const char *attr, const char *const *choices)
{
    const char *s = NULL;
    int rc = policy_value_string(exec, step, v, &s, NULL);
    if (rc) return rc;
    for (int i = 0; s && choices[i]; i++)
        if (strcasecmp(s, choices[i]) == 0) return i;
    return policy_exec_raise(exec, step, NULL, 500, NULL, NULL, "%s '%s' is not one of %s%s%s",
                             attr, s ? s : "", choices[0], choices[1] ? " or " : "",
                             choices[1] ? choices[1] : "");
}

/* ---- set-body ---- */

static int put_escaped(buf_t *b, const char *s, size_t n, bool is_attr)
{
    for (size_t i = 0; i < n; i++) {
        const char *rep = s[i] == '&'              ? "&amp;"
                          : s[i] == '<'            ? "&lt;"
                          : s[i] == '>'            ? "&gt;"
                          : is_attr && s[i] == '"' ? "&quot;"
                                                   : NULL;
        if (rep ? buf_append_cstr(b, rep) : buf_append(b, s + i, 1)) return -ENOMEM;
    }
    return 0;
}

/* Writes the markup of `node` back as XML (set-body content with elements: a literal XML
 * body or a Liquid template producing XML). Named values are substituted where compose
 * keeps them: attribute values and the text of elements holding only text. */
static int put_markup(policy_compile_ctx_t *cc, const policy_doc_node_t *node, buf_t *b)
{
    if (node->kind == POLICY_DOC_NODE_TEXT) return put_escaped(b, node->text, node->text_len, false);
    if (node->kind == POLICY_DOC_NODE_CDATA) {
        if (buf_append_cstr(b, "<![CDATA[") || buf_append(b, node->text, node->text_len) ||
            buf_append_cstr(b, "]]>"))
            return -ENOMEM;
        return 0;
    }
    if (buf_append(b, "<", 1) || buf_append_cstr(b, node->name)) return -ENOMEM;
    for (size_t i = 0; i < node->attr_count; i++) {
        size_t len = 0;
        const char *v = policy_program_attr(cc->program, node, node->attrs[i].name, &len, NULL);
        if (!v) v = node->attrs[i].value, len = node->attrs[i].value_len;
        if (buf_append(b, " ", 1) || buf_append_cstr(b, node->attrs[i].name) ||
            buf_append(b, "=\"", 2) || put_escaped(b, v, len, true) || buf_append(b, "\"", 1))
            return -ENOMEM;
    }
    if (node->child_count == 0) return buf_append(b, " />", 3) ? -ENOMEM : 0;
    if (buf_append(b, ">", 1)) return -ENOMEM;
    if (!policy_doc_first_element(node, NULL)) {
        size_t len = 0;
        const char *t = policy_program_text(cc->program, node, &len, NULL);
        if (t && put_escaped(b, t, len, false)) return -ENOMEM;
    } else {
        for (size_t i = 0; i < node->child_count; i++) {
            int rc = put_markup(cc, &node->children[i], b);
            if (rc) return rc;
        }
    }
    if (buf_append(b, "</", 2) || buf_append_cstr(b, node->name) || buf_append(b, ">", 1))
        return -ENOMEM;
    return 0;
}

const char *policy_transform_inner_markup(policy_compile_ctx_t *cc,
                                         const policy_doc_node_t *element, size_t *len)
{
    buf_t b;
    buf_init(&b);
    int rc = 0;
    for (size_t i = 0; i < element->child_count && rc == 0; i++)
        rc = put_markup(cc, &element->children[i], &b);
    const char *out = rc ? NULL : arena_strndup(cc->arena, b.data ? b.data : "", b.len);
    *len = b.len;
    buf_free(&b);
    return out;
}

typedef struct {
    bool is_liquid;
    policy_value_t value;            /* not Liquid: literal text or expression */
    const liquid_template_t *tpl;    /* Liquid */
    int nil_mode;                    /* jsonxml_nil_t for XML bodies in Liquid */
} set_body_data_t;

int policy_set_body_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                            const void **data, policy_doc_error_t *err)
{
    set_body_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    const char *tmpl = policy_program_attr(cc->program, element, "template", NULL, NULL);
    const char *nil = policy_program_attr(cc->program, element, "xsi-nil", NULL, NULL);
    d->is_liquid = tmpl && strcasecmp(tmpl, "liquid") == 0;
    d->nil_mode = nil && strcasecmp(nil, "null") == 0 ? JSONXML_NIL_NULL : JSONXML_NIL_BLANK;
    bool has_markup = policy_doc_first_element(element, NULL) != NULL;
    size_t len = 0;
    const char *text;
    if (d->is_liquid) {
        bool is_expression = false;
        text = has_markup ? policy_transform_inner_markup(cc, element, &len)
                          : policy_program_text(cc->program, element, &len, &is_expression);
        if (has_markup && !text) return -ENOMEM;
        int rc = policy_transform_liquid_compile(cc, element, text ? text : "", len, !has_markup,
                                                 (liquid_template_t **)&d->tpl, err);
        if (rc) return rc;
        policy_transform_needs_body(cc);
    } else if (has_markup) {
        /* A literal XML body (§2.3: the element's content is the new body). */
        text = policy_transform_inner_markup(cc, element, &len);
        if (!text) return -ENOMEM;
        d->value = (policy_value_t){.is_present = true, .text = text, .len = len};
    } else {
        int rc = policy_compile_text(cc, element, POLICY_VALUE_STRING, &d->value, err);
        if (rc) return rc;
    }
    *data = d;
    return 0;
}

int policy_set_body_run(policy_exec_t *exec, const policy_step_t *step)
{
    const set_body_data_t *d = step->data;
    const char *body = NULL;
    size_t len = 0;
    int rc = d->is_liquid
                 ? policy_transform_liquid_render(exec, step, d->tpl, d->nil_mode, &body, &len)
                 : policy_value_string(exec, step, &d->value, &body, &len);
    if (rc) return rc;
    rc = policy_transform_set_body(exec, step, body, body ? len : 0, NULL);
    return rc ? rc : POLICY_RUN_NEXT;
}

/* ---- find-and-replace ---- */

typedef struct {
    policy_value_t from, to;
} find_replace_data_t;

int policy_find_and_replace_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                    const void **data, policy_doc_error_t *err)
{
    find_replace_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    int rc = policy_compile_attr(cc, element, "from", POLICY_VALUE_STRING, &d->from, err);
    if (!rc) rc = policy_compile_attr(cc, element, "to", POLICY_VALUE_STRING, &d->to, err);
    if (rc) return rc;
    policy_transform_needs_body(cc);
    *data = d;
    return 0;
}

int policy_find_and_replace_run(policy_exec_t *exec, const policy_step_t *step)
{
    const find_replace_data_t *d = step->data;
    const char *from = NULL, *to = NULL, *body = NULL;
    size_t from_len = 0, to_len = 0, len = 0;
    int rc = policy_value_string(exec, step, &d->from, &from, &from_len);
    if (!rc) rc = policy_value_string(exec, step, &d->to, &to, &to_len);
    if (rc) return rc;
    if ((rc = read_body(exec, step, &body, &len)) <= 0) return rc;
    /* An empty `from` matches nowhere (it would match everywhere). */
    if (!from || from_len == 0 || !memmem(body, len, from, from_len)) return POLICY_RUN_NEXT;
    buf_t out;
    buf_init(&out);
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), from, from_len);
        const char *stop = hit ? hit : end;
        if (buf_append(&out, p, (size_t)(stop - p)) || (hit && buf_append(&out, to ? to : "", to_len))) {
            buf_free(&out);
            return policy_exec_raise_oom(exec, step);
        }
        p = hit ? hit + from_len : end;
    }
    char *copy = arena_strndup(exec->arena, out.data ? out.data : "", out.len);
    size_t out_len = out.len;
    buf_free(&out);
    if (!copy) return policy_exec_raise_oom(exec, step);
    rc = policy_transform_set_body(exec, step, copy, out_len, NULL);
    return rc ? rc : POLICY_RUN_NEXT;
}

/* ---- json-to-xml / xml-to-json ---- */

typedef struct {
    policy_value_t apply, consider_accept, separator, prefix, attribute_block;
    bool parse_date;
} json_to_xml_data_t;

typedef struct {
    policy_value_t kind, apply, consider_accept, always_array;
} xml_to_json_data_t;

int policy_json_to_xml_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const void **data, policy_doc_error_t *err)
{
    json_to_xml_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    policy_value_t parse_date;
    int rc = policy_compile_attr(cc, element, "apply", POLICY_VALUE_STRING, &d->apply, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "consider-accept-header", POLICY_VALUE_BOOL,
                                 &d->consider_accept, err);
    if (!rc) rc = policy_compile_attr(cc, element, "parse-date", POLICY_VALUE_BOOL, &parse_date, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "namespace-separator", POLICY_VALUE_STRING,
                                 &d->separator, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "namespace-prefix", POLICY_VALUE_STRING, &d->prefix,
                                 err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "attribute-block-name", POLICY_VALUE_STRING,
                                 &d->attribute_block, err);
    if (rc) return rc;
    if (d->separator.is_present && !d->separator.program && d->separator.len != 1) {
        const policy_doc_attr_t *a = policy_doc_attr(element, "namespace-separator");
        policy_doc_errorf(err, cc->scope_name, a ? a->value_pos : element->pos,
                          "namespace-separator of <json-to-xml> must be one character, not '%s'",
                          d->separator.text);
        return -EINVAL;
    }
    d->parse_date = !parse_date.is_present || parse_date.number != 0;
    policy_transform_needs_body(cc);
    *data = d;
    return 0;
}

int policy_xml_to_json_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const void **data, policy_doc_error_t *err)
{
    xml_to_json_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    int rc = policy_compile_attr(cc, element, "kind", POLICY_VALUE_STRING, &d->kind, err);
    if (!rc) rc = policy_compile_attr(cc, element, "apply", POLICY_VALUE_STRING, &d->apply, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "consider-accept-header", POLICY_VALUE_BOOL,
                                 &d->consider_accept, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "always-array-child-elements", POLICY_VALUE_BOOL,
                                 &d->always_array, err);
    if (rc) return rc;
    policy_transform_needs_body(cc);
    *data = d;
    return 0;
}

/* Whether a conversion applies (apply, consider-accept-header): 1 yes, 0 no, or a negative
 * code after raising. `to_json`: the conversion produces JSON (xml-to-json). */
static int conversion_applies(policy_exec_t *exec, const policy_step_t *step,
                              const policy_value_t *apply, const policy_value_t *consider,
                              bool to_json)
{
    static const char *const json_choices[] = {"always", "content-type-json", NULL};
    static const char *const xml_choices[] = {"always", "content-type-xml", NULL};
    int which = eval_choice(exec, step, apply, "apply", to_json ? xml_choices : json_choices);
    if (which < 0) return which;
    size_t len;
    if (which == 1) {
        const char *ct = header_value(exec, policy_transform_target(exec).headers, "Content-Type", &len);
        bool matches = to_json ? jsonxml_is_xml_type(ct, len) : jsonxml_is_json_type(ct, len);
        if (!matches) return 0;
    }
    bool use_accept = true;
    int rc = consider->is_present ? policy_value_bool(exec, step, consider, &use_accept) : 0;
    if (rc) return rc;
    if (use_accept) {
        /* The client's Accept decides, in inbound as in outbound (§2.3). */
        const char *accept = header_value(exec, &exec->request.headers, "Accept", &len);
        if (!jsonxml_accept_asks_for(accept, len, to_json)) return 0;
    }
    return 1;
}

/* The end of json-to-xml and xml-to-json: the converter's output (`out`, freed here) becomes
 * the body with `content_type`, or its failure (rc, why) is raised. */
static int finish_conversion(policy_exec_t *exec, const policy_step_t *step, int rc, buf_t *out,
                             const char *why, const char *content_type)
{
    if (rc) {
        buf_free(out);
        if (rc == -ENOMEM) return policy_exec_raise_oom(exec, step);
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL, "%s", why);
    }
    size_t len = out->len;
    char *text = arena_strndup(exec->arena, out->data ? out->data : "", len);
    buf_free(out);
    if (!text) return policy_exec_raise_oom(exec, step);
    rc = policy_transform_set_body(exec, step, text, len, content_type);
    return rc ? rc : POLICY_RUN_NEXT;
}

int policy_json_to_xml_run(policy_exec_t *exec, const policy_step_t *step)
{
    const json_to_xml_data_t *d = step->data;
    int rc = conversion_applies(exec, step, &d->apply, &d->consider_accept, false);
    if (rc <= 0) return rc;
    const char *sep = NULL, *prefix = NULL, *block = NULL, *body = NULL;
    size_t sep_len = 0, len = 0;
    if ((rc = policy_value_string(exec, step, &d->separator, &sep, &sep_len)) ||
        (rc = policy_value_string(exec, step, &d->prefix, &prefix, NULL)) ||
        (rc = policy_value_string(exec, step, &d->attribute_block, &block, NULL)))
        return rc;
    if (sep && sep_len != 1)
        return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                 "namespace-separator '%s' is not one character", sep);
    if ((rc = read_body(exec, step, &body, &len)) <= 0) return rc;
    jsonxml_to_xml_options_t o = {
        .namespace_separator = sep ? sep[0] : '_',
        .namespace_prefix = prefix && *prefix ? prefix : NULL,
        .attribute_block = block && *block ? block : NULL,
        .parse_date = d->parse_date,
    };
    buf_t out;
    buf_init(&out);
    char why[256];
    rc = jsonxml_json_to_xml(body, len, &o, &out, why, sizeof why);
    return finish_conversion(exec, step, rc, &out, why, "application/xml");
}

int policy_xml_to_json_run(policy_exec_t *exec, const policy_step_t *step)
{
    const xml_to_json_data_t *d = step->data;
    static const char *const kinds[] = {"javascript-friendly", "direct", NULL};
    int kind = eval_choice(exec, step, &d->kind, "kind", kinds);
    if (kind < 0) return kind;
    int rc = conversion_applies(exec, step, &d->apply, &d->consider_accept, true);
    if (rc <= 0) return rc;
    bool always_array = false;
    if (d->always_array.is_present &&
        (rc = policy_value_bool(exec, step, &d->always_array, &always_array)))
        return rc;
    const char *body = NULL;
    size_t len = 0;
    if ((rc = read_body(exec, step, &body, &len)) <= 0) return rc;
    jsonxml_to_json_options_t o = {
        .kind = kind == 1 ? JSONXML_DIRECT : JSONXML_JAVASCRIPT_FRIENDLY,
        .always_array = always_array,
        .nil = kind == 1 ? JSONXML_NIL_KEEP : JSONXML_NIL_NULL,
    };
    buf_t out;
    buf_init(&out);
    char why[256];
    rc = jsonxml_xml_to_json(body, len, &o, &out, why, sizeof why);
    return finish_conversion(exec, step, rc, &out, why, "application/json");
}

/* ---- jsonp ---- */

int policy_jsonp_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                         const void **data, policy_doc_error_t *err)
{
    policy_value_t *v = arena_alloc(cc->arena, sizeof *v);
    if (!v) return -ENOMEM;
    int rc = policy_compile_attr(cc, element, "callback-parameter-name", POLICY_VALUE_STRING, v, err);
    if (rc) return rc;
    policy_transform_needs_body(cc);
    *data = v;
    return 0;
}

/* A JavaScript identifier path (cb, jQuery1_2, ns.cb, $): what a callback may be, so the
 * wrapped body cannot become arbitrary script. */
static bool is_js_identifier(const char *s, size_t len)
{
    bool at_start = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' && !at_start && i + 1 < len) {
            at_start = true;
            continue;
        }
        if (!(isalpha(c) || c == '_' || c == '$' || (!at_start && isdigit(c)))) return false;
        at_start = false;
    }
    return len > 0 && !at_start;
}

static int hex_digit(char c)
{
    return isdigit((unsigned char)c) ? c - '0'
           : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10)
                                        : -1;
}

int policy_jsonp_run(policy_exec_t *exec, const policy_step_t *step)
{
    const char *name = NULL;
    size_t name_len = 0;
    int rc = policy_value_string(exec, step, step->data, &name, &name_len);
    if (rc || !name) return rc;
    /* The callback comes from the client's query string (the URL as received). */
    const policy_fields_t *q = &exec->info.original_url.query;
    long at = policy_fields_find(q, name, name_len, 0);
    if (at < 0) {
        q = &exec->request.url.query;
        at = policy_fields_find(q, name, name_len, 0);
    }
    if (at < 0) return POLICY_RUN_NEXT;
    const policy_field_t *f = &q->items[at];
    char *cb = arena_alloc(exec->arena, f->value_len + 1);
    if (!cb) return policy_exec_raise_oom(exec, step);
    size_t n = 0;
    for (size_t i = 0; i < f->value_len; i++) {
        char c = f->value[i];
        if (c == '%' && i + 2 < f->value_len && hex_digit(f->value[i + 1]) >= 0 &&
            hex_digit(f->value[i + 2]) >= 0) {
            c = (char)(hex_digit(f->value[i + 1]) * 16 + hex_digit(f->value[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        cb[n++] = c;
    }
    cb[n] = 0;
    if (!is_js_identifier(cb, n))
        return policy_exec_raise(exec, step, NULL, 400, "CallbackParameterInvalid",
                                 "Bad Request",
                                 "Value of callback parameter %s is not a valid JavaScript "
                                 "identifier.",
                                 name);
    const char *body = NULL;
    size_t len = 0;
    if ((rc = read_body(exec, step, &body, &len)) < 0) return rc;
    size_t total = n + 2 + len;
    char *wrapped = arena_alloc(exec->arena, total + 1);
    if (!wrapped) return policy_exec_raise_oom(exec, step);
    memcpy(wrapped, cb, n);
    wrapped[n] = '(';
    if (len) memcpy(wrapped + n + 1, body, len);
    wrapped[n + 1 + len] = ')';
    wrapped[total] = 0;
    rc = policy_transform_set_body(exec, step, wrapped, total, "application/javascript");
    return rc ? rc : POLICY_RUN_NEXT;
}

/* ---- xsl-transform ---- */

int policy_xsl_transform_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                 const void **data, policy_doc_error_t *err)
{
    (void)cc;
    /* The stylesheet must at least be there; it is not compiled (no XSLT processor). */
    if (!policy_doc_first_element(element, NULL)) {
        policy_doc_errorf(err, cc->scope_name, element->pos,
                          "<xsl-transform> holds no stylesheet");
        return -EINVAL;
    }
    *data = NULL;
    return 0;
}

int policy_xsl_transform_run(policy_exec_t *exec, const policy_step_t *step)
{
    /* libxml2 has no XSLT and libxslt is not among Meridian's libraries (docs/policies.md). */
    return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                             "xsl-transform is not supported by this gateway: it has no XSLT "
                             "processor");
}
