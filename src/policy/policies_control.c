/* Control-flow policies (spec/apim-gateway.md §2.1, §2.3): choose, retry, wait,
 * limit-concurrency, include-fragment, set-variable, return-response, mock-response. */
#include "policy/concurrency.h"
#include "policy/exec_policies.h"
#include "policy/registry_tables.h"
#include "policy/jsonxml.h"
#include "policy/transform.h"

#include "policy/context.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* <choose>: one or more <when>, then at most one <otherwise>, and it comes last (§2.1). */
static int check_choose(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                        policy_doc_error_t *err)
{
    const policy_doc_node_t *otherwise = policy_doc_first_element(element, "otherwise");
    if (otherwise && policy_doc_next_element(otherwise, NULL)) {
        policy_doc_errorf(err, ctx->scope, otherwise->pos,
                          "<otherwise> must be the last element of <choose>");
        return -EINVAL;
    }
    return 0;
}

static const policy_descriptor_t choose = {
    .name = "choose",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {CHILDREN(CHILD("when", 1, 0, ATTRS(A_BOOL("condition", R, NULL)), STATEMENTS),
                         CHILD("otherwise", 0, 1, STATEMENTS))},
    .check = check_choose,
};

static const policy_descriptor_t retry = {
    .name = "retry",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_BOOL("condition", R, NULL), A_INT("count", R, NULL, 0, 50),
                      A_DUR("interval", R, NULL, 0), A_DUR("max-interval", 0, NULL, 0),
                      A_DUR("delta", 0, NULL, 0), A_BOOL("first-fast-retry", 0, "false")),
                STATEMENTS},
};

static const policy_descriptor_t wait = {
    .name = "wait",
    .family = "control",
    .sections = POLICY_IN | POLICY_BACK | POLICY_OUT,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_ENUM("for", 0, "all", "all", "any")), STATEMENTS,
                .only_policies =
                    (const char *const[]){"send-request", "cache-lookup-value", "choose", NULL}},
};

static const policy_descriptor_t limit_concurrency = {
    .name = "limit-concurrency",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), A_INT("max-count", R | LIT, NULL, 1, 2147483647L)),
                STATEMENTS},
    /* compiled by the executor as ENTER + body + LEAVE (concurrency.h) */
    .compile = policy_limit_concurrency_compile,
    .run = policy_limit_concurrency_enter,
};

/* Spliced by compose.c before anything else sees it (§1.1). */
static const policy_descriptor_t include_fragment = {
    .name = "include-fragment",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("fragment-id", R | LIT))},
};

/* ---- set-variable (§2.3): a literal is stored as a string, an expression as its value ---- */

typedef struct {
    const char *name;
    uint32_t name_len;
    policy_value_t value;
} set_variable_data_t;

static int compile_set_variable(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const void **data, policy_doc_error_t *err)
{
    set_variable_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    size_t len = 0;
    d->name = policy_program_attr(cc->program, element, "name", &len, NULL);
    d->name_len = (uint32_t)len;
    *data = d;
    return policy_compile_attr(cc, element, "value", POLICY_VALUE_ANY, &d->value, err);
}

static int run_set_variable(policy_exec_t *exec, const policy_step_t *step)
{
    const set_variable_data_t *d = step->data;
    expr_value_t v;
    int rc = policy_value_eval(exec, step, &d->value, &v);
    if (rc) return rc;
    if (policy_exec_var_set(exec, d->name, d->name_len, v) < 0)
        return policy_exec_raise_oom(exec, step);
    return POLICY_RUN_NEXT;
}

static const policy_descriptor_t set_variable = {
    .name = "set-variable",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("name", R | LIT), A_STR("value", R))},
    .compile = compile_set_variable,
    .run = run_set_variable,
};

/* ---- return-response (§2.3): a new 200 (or the stored response), then its children ---- */

typedef struct {
    const char *variable;
    uint32_t variable_len;
    const void *status;   /* <set-status>, compiled as set-status */
    const void **headers; /* <set-header>s */
    size_t header_count;
    policy_value_t body; /* <set-body> text */
    bool has_body;
    struct liquid_template *liquid; /* <set-body template="liquid"> (transform.h) */
    int nil_mode;
} return_response_data_t;

static int compile_return_response(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                   const void **data, policy_doc_error_t *err)
{
    return_response_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    size_t len = 0;
    d->variable = policy_program_attr(cc->program, element, "response-variable-name", &len, NULL);
    d->variable_len = (uint32_t)len;
    int rc = 0;
    const policy_doc_node_t *ch = policy_doc_first_element(element, "set-status");
    if (ch) rc = policy_compile_as(cc, policy_registry_find("set-status"), ch, &d->status, err);
    if (rc) return rc;
    size_t n = policy_doc_element_count(element, "set-header");
    if (n && !(d->headers = arena_alloc(cc->arena, n * sizeof *d->headers))) return -ENOMEM;
    for (ch = policy_doc_first_element(element, "set-header"); ch;
         ch = policy_doc_next_element(ch, "set-header")) {
        rc = policy_compile_as(cc, policy_registry_find("set-header"), ch,
                               &d->headers[d->header_count++], err);
        if (rc) return rc;
    }
    if ((ch = policy_doc_first_element(element, "set-body"))) {
        d->has_body = true;
        const char *tmpl = policy_program_attr(cc->program, ch, "template", NULL, NULL);
        if (tmpl && strcasecmp(tmpl, "liquid") == 0) {
            /* the set-body policy's Liquid (transform.h); its `body` is the message the
             * section edits (the vendor's is empty here, §2.3) */
            bool has_markup = policy_doc_first_element(ch, NULL) != NULL;
            const char *nil = policy_program_attr(cc->program, ch, "xsi-nil", NULL, NULL);
            d->nil_mode = nil && strcasecmp(nil, "null") == 0 ? JSONXML_NIL_NULL : JSONXML_NIL_BLANK;
            size_t len = 0;
            /* a template producing XML is written as markup: take it back as text */
            const char *text = has_markup ? policy_transform_inner_markup(cc, ch, &len)
                                          : policy_program_text(cc->program, ch, &len, NULL);
            if (has_markup && !text) return -ENOMEM;
            rc = policy_transform_liquid_compile(cc, ch, text ? text : "", len, !has_markup,
                                                 &d->liquid, err);
            if (!rc) policy_transform_needs_body(cc);
        } else if (policy_doc_first_element(ch, NULL)) {
            /* a literal XML body written as markup (§2.3) */
            size_t len = 0;
            const char *text = policy_transform_inner_markup(cc, ch, &len);
            if (!text) return -ENOMEM;
            d->body = (policy_value_t){.is_present = true, .text = text, .len = len};
        } else {
            rc = policy_compile_text(cc, ch, POLICY_VALUE_STRING, &d->body, err);
        }
    }
    *data = d;
    return rc;
}

static int run_return_response(policy_exec_t *exec, const policy_step_t *step)
{
    const return_response_data_t *d = step->data;
    policy_response_t r = {.status = 200, .headers.is_case_insensitive = true};
    if (d->variable) {
        const expr_value_t *v = policy_exec_var_get(exec, d->variable, d->variable_len);
        if (!v || v->tag != EXPR_V_OBJECT || v->u.obj.cls != &policy_response_class || !v->u.obj.ptr)
            return policy_exec_raise(exec, step, NULL, 500, NULL, NULL,
                                     "variable '%s' does not hold a response", d->variable);
        const policy_response_t *from = v->u.obj.ptr;
        r.status = from->status;
        r.reason = from->reason;
        r.body = from->body;
        for (uint32_t i = 0; i < from->headers.count; i++) {
            const policy_field_t *h = &from->headers.items[i];
            if (policy_fields_add(&r.headers, exec->arena, h->name, h->name_len, h->value,
                                  h->value_len) < 0)
                return policy_exec_raise_oom(exec, step);
        }
    }
    int rc = 0;
    if (d->status && (rc = policy_set_status_apply(exec, step, d->status, &r)) < 0) return rc;
    for (size_t i = 0; i < d->header_count; i++)
        if ((rc = policy_set_header_apply(exec, step, d->headers[i], &r.headers)) < 0) return rc;
    if (d->has_body) {
        const char *body = NULL;
        size_t len = 0;
        rc = d->liquid ? policy_transform_liquid_render(exec, step, d->liquid, d->nil_mode, &body, &len)
                       : policy_value_string(exec, step, &d->body, &body, &len);
        if (rc) return rc;
        r.body = (policy_body_t){.kind = body ? POLICY_BODY_BYTES : POLICY_BODY_NONE,
                                 .bytes = body,
                                 .len = len};
    }
    exec->response = r;
    return POLICY_RUN_END;
}

static const policy_descriptor_t return_response = {
    .name = "return-response",
    .family = "control",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("response-variable-name", LIT)),
                CHILDREN(POLICY_CHILD("set-status", 0, 1), POLICY_CHILD("set-header", 0, 0),
                         POLICY_CHILD("set-body", 0, 1))},
    .compile = compile_return_response,
    .run = run_return_response,
};

/* ---- mock-response (§2.3): the operation's example for the status and content type (the
 * first content type documented for the status when none is given); else an empty body. Not
 * done: a sample generated from the schema when there is no example. With literal
 * attributes (the usual case) the example is chosen once, at compile time. ---- */

typedef struct {
    policy_value_t status, content_type;
    const policy_response_example_t *examples; /* the operation's (policy_exec_options_t) */
    size_t example_count;
    bool is_chosen;                            /* literal attributes: `chosen` is the answer */
    const policy_response_example_t *chosen;
} mock_response_data_t;

/* The example for `status` and content type `ct` (any when ct_len is 0), or NULL. */
static const policy_response_example_t *find_example(const mock_response_data_t *d, int64_t status,
                                                     const char *ct, size_t ct_len)
{
    for (size_t i = 0; i < d->example_count; i++) {
        const policy_response_example_t *e = &d->examples[i];
        if (e->status != status) continue;
        if (!ct_len || (strlen(e->content_type) == ct_len && strncasecmp(e->content_type, ct, ct_len) == 0))
            return e;
    }
    return NULL;
}

static int compile_mock_response(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                 const void **data, policy_doc_error_t *err)
{
    mock_response_data_t *d = arena_alloc(cc->arena, sizeof *d);
    if (!d) return -ENOMEM;
    memset(d, 0, sizeof *d);
    int rc = policy_compile_attr(cc, element, "status-code", POLICY_VALUE_INT, &d->status, err);
    if (!rc)
        rc = policy_compile_attr(cc, element, "content-type", POLICY_VALUE_STRING, &d->content_type, err);
    if (cc->opts) {
        d->examples = cc->opts->examples;
        d->example_count = cc->opts->example_count;
    }
    if (!rc && !d->status.program && !d->content_type.program) {
        d->is_chosen = true;
        d->chosen = find_example(d, d->status.is_present ? d->status.number : 200,
                                 d->content_type.is_present ? d->content_type.text : NULL,
                                 d->content_type.is_present ? d->content_type.len : 0);
    }
    *data = d;
    return rc;
}

static int run_mock_response(policy_exec_t *exec, const policy_step_t *step)
{
    const mock_response_data_t *d = step->data;
    int64_t status = 200;
    const char *ct = NULL;
    size_t ct_len = 0;
    int rc = policy_value_long(exec, step, &d->status, &status);
    if (!rc) rc = policy_value_string(exec, step, &d->content_type, &ct, &ct_len);
    if (rc) return rc;
    const policy_response_example_t *e = d->is_chosen ? d->chosen : find_example(d, status, ct, ct_len);
    if (e && !ct_len) {
        ct = e->content_type;
        ct_len = strlen(ct);
    }
    policy_response_t r = {.status = (int)status, .headers.is_case_insensitive = true};
    if (ct && ct_len &&
        policy_fields_add(&r.headers, exec->arena, "Content-Type", 12, ct, ct_len) < 0)
        return policy_exec_raise_oom(exec, step);
    if (e && e->body)
        r.body = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = e->body, .len = e->body_len};
    exec->response = r;
    return POLICY_RUN_END;
}

static const policy_descriptor_t mock_response = {
    .name = "mock-response",
    .family = "control",
    .sections = POLICY_IN | POLICY_OUT | POLICY_ERR,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_INT("status-code", 0, "200", 100, 599), A_STR("content-type", 0))},
    .compile = compile_mock_response,
    .run = run_mock_response,
};

const policy_descriptor_t *const policy_family_control[] = {
    &choose,       &retry,           &wait,          &limit_concurrency, &include_fragment,
    &set_variable, &return_response, &mock_response, NULL,
};
