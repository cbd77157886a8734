/* Composition of the four scopes (src/policy/compose.h): <base/> order (spec §1.3), product
 * context, fragments, named values, and every error class with its exact place. */
#include "policy/compose.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static policy_doc_t *docs[128]; /* freed after each test */

static policy_doc_t *load(const char *text, policy_doc_type_t type, const char *scope)
{
    policy_doc_t *doc = NULL;
    policy_doc_error_t err;
    cr_assert_eq(policy_doc_load(text, strlen(text), type, scope, &doc, &err), 0, "%s",
                 err.message);
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (!docs[i]) {
            docs[i] = doc;
            break;
        }
    return doc;
}

static void free_docs(void)
{
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        policy_doc_free(docs[i]);
        docs[i] = NULL;
    }
}

TestSuite(compose, .fini = free_docs);

#define GLOBAL                                                                                     \
    "<policies><inbound><set-header name=\"g\"/></inbound><backend><forward-request/></backend>"   \
    "<outbound><set-header name=\"g-out\"/></outbound></policies>"

/* "name" attributes (or element names) of a section's statements, joined with spaces. */
static void names(const policy_program_t *p, policy_section_t s, char *out, size_t size)
{
    size_t n, used = 0;
    const policy_statement_t *st = policy_program_section(p, s, &n);
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const char *name = policy_program_attr(p, st[i].node, "name", NULL, NULL);
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
                                 name ? name : st[i].node->name);
    }
}

static policy_program_t *compose_ok(const policy_compose_input_t *in)
{
    policy_program_t *p = NULL;
    policy_doc_error_t err;
    cr_assert_eq(policy_compose(in, &p, &err), 0, "%s", err.message);
    return p;
}

static void compose_fails(const policy_compose_input_t *in, const char *message)
{
    policy_program_t *p = NULL;
    policy_doc_error_t err;
    cr_assert_neq(policy_compose(in, &p, &err), 0, "expected: %s", message);
    cr_assert_null(p);
    cr_assert_str_eq(err.message, message);
}

/* One API-scope document under the GLOBAL document must fail with `message`. */
static void api_fails(const char *api_text, const char *message)
{
    policy_compose_input_t in = {.docs = {load(GLOBAL, POLICY_DOC_POLICY, "global policy"), NULL,
                                          load(api_text, POLICY_DOC_POLICY, "api 'orders' policy")}};
    compose_fails(&in, message);
}

Test(compose, spec_example_order_across_four_scopes)
{
    char out[256];
    policy_compose_input_t in = {
        .docs = {load(GLOBAL, POLICY_DOC_POLICY, "global policy"),
                 load("<policies><inbound><set-header name=\"p\"/><base/></inbound></policies>",
                      POLICY_DOC_POLICY, "product 'gold' policy"),
                 load("<policies><inbound><cross-domain/><base/>"
                      "<find-and-replace from=\"a\" to=\"b\"/></inbound>"
                      "<outbound><set-header name=\"a-out\"/></outbound></policies>",
                      POLICY_DOC_POLICY, "api 'orders' policy"),
                 load("<policies><inbound><base/><set-header name=\"o\"/></inbound>"
                      "<outbound><base/><set-header name=\"o-out\"/></outbound></policies>",
                      POLICY_DOC_POLICY, "operation 'get' policy")},
        .is_product_context = true,
    };
    policy_program_t *p = compose_ok(&in);
    names(p, POLICY_SECTION_INBOUND, out, sizeof out);
    cr_assert_str_eq(out, "cross-domain p g find-and-replace o");
    names(p, POLICY_SECTION_OUTBOUND, out, sizeof out);
    cr_assert_str_eq(out, "a-out o-out", "the API outbound has no <base/>: global is cut off");
    names(p, POLICY_SECTION_BACKEND, out, sizeof out);
    cr_assert_str_eq(out, "forward-request", "absent sections inherit");
    size_t n;
    const policy_statement_t *st = policy_program_section(p, POLICY_SECTION_INBOUND, &n);
    cr_assert_eq(st[0].scope, POLICY_SCOPE_API);
    cr_assert_eq(st[1].scope, POLICY_SCOPE_PRODUCT);
    cr_assert_eq(st[2].scope, POLICY_SCOPE_GLOBAL);
    cr_assert_eq(st[4].scope, POLICY_SCOPE_OPERATION);
    cr_assert_eq(st[4].section, POLICY_SECTION_INBOUND);
    policy_program_section(p, POLICY_SECTION_ON_ERROR, &n);
    cr_assert_eq(n, 0);
    policy_program_free(p);

    in.is_product_context = false;
    p = compose_ok(&in);
    names(p, POLICY_SECTION_INBOUND, out, sizeof out);
    cr_assert_str_eq(out, "cross-domain g find-and-replace o", "no product outside its context");
    policy_program_free(p);
}

Test(compose, absent_documents_and_global_base)
{
    char out[128];
    policy_compose_input_t in = {
        .docs = {load("<policies><inbound><base/><set-header name=\"g\"/></inbound></policies>",
                      POLICY_DOC_POLICY, "global policy")}};
    policy_program_t *p = compose_ok(&in);
    names(p, POLICY_SECTION_INBOUND, out, sizeof out);
    cr_assert_str_eq(out, "g", "global <base/> is a no-op");
    policy_program_free(p);
    policy_compose_input_t none = {0};
    p = compose_ok(&none);
    size_t n;
    policy_program_section(p, POLICY_SECTION_BACKEND, &n);
    cr_assert_eq(n, 0);
    policy_program_free(p);
}

Test(compose, choose_blocks_and_external)
{
    policy_compose_input_t in = {.docs = {[POLICY_SCOPE_API] = load(
                                              "<policies><inbound>\n"
                                              "<choose><when condition=\"@(true)\">"
                                              "<set-header name=\"w\"/><log-to-eventhub "
                                              "logger-id=\"l\">x</log-to-eventhub></when>"
                                              "<otherwise/></choose>"
                                              "<authentication-managed-identity resource=\"r\"/>"
                                              "</inbound></policies>",
                                              POLICY_DOC_POLICY, "api policy")}};
    policy_program_t *p = compose_ok(&in);
    size_t n;
    const policy_statement_t *st = policy_program_section(p, POLICY_SECTION_INBOUND, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(st[0].policy->name, "choose");
    cr_assert_eq(st[0].block_count, 2);
    cr_assert_str_eq(st[0].blocks[0].node->name, "when");
    cr_assert_eq(st[0].blocks[0].count, 2);
    cr_assert(st[0].blocks[0].statements[1].needs_external);
    cr_assert_eq(st[0].blocks[1].count, 0);
    cr_assert_not(st[0].needs_external);
    cr_assert(st[1].needs_external);
    policy_program_free(p);
}

Test(compose, fragments_are_spliced)
{
    char out[128];
    policy_fragment_t f = {"auth", load("<fragment>\n  <set-header name=\"f1\"/>"
                                        "<set-header name=\"f2\"/></fragment>",
                                        POLICY_DOC_FRAGMENT, "fragment 'auth'")};
    policy_compose_input_t in = {
        .docs = {[POLICY_SCOPE_API] = load("<policies><inbound><set-header name=\"a\"/>"
                                           "<include-fragment fragment-id=\"auth\"/>"
                                           "<set-header name=\"b\"/></inbound></policies>",
                                           POLICY_DOC_POLICY, "api policy")},
        .fragments = &f,
        .fragment_count = 1};
    policy_program_t *p = compose_ok(&in);
    names(p, POLICY_SECTION_INBOUND, out, sizeof out);
    cr_assert_str_eq(out, "a f1 f2 b");
    size_t n;
    const policy_statement_t *st = policy_program_section(p, POLICY_SECTION_INBOUND, &n);
    cr_assert_str_eq(st[1].fragment_id, "auth");
    cr_assert_eq(st[1].scope, POLICY_SCOPE_API, "the including scope (LastError.Scope)");
    cr_assert_eq(st[1].node->pos.line, 2);
    cr_assert_null(st[0].fragment_id);
    policy_program_free(p);
}

Test(compose, fragment_errors)
{
    policy_fragment_t f[] = {
        {"nested", load("<fragment><include-fragment fragment-id=\"x\"/></fragment>",
                        POLICY_DOC_FRAGMENT, "fragment 'nested'")},
        {"base", load("<fragment>\n<base/></fragment>", POLICY_DOC_FRAGMENT, "fragment 'base'")},
        {"section", load("<fragment><inbound/></fragment>", POLICY_DOC_FRAGMENT,
                         "fragment 'section'")},
        {"outbound-only", load("<fragment><cache-store duration=\"1\"/></fragment>",
                               POLICY_DOC_FRAGMENT, "fragment 'outbound-only'")},
    };
    const char *cases[][2] = {
        {"missing", "api policy:1:20: fragment 'missing' is not defined"},
        {"nested", "fragment 'nested':1:11: a fragment may not include another fragment (spec §1.1)"},
        {"base", "fragment 'base':2:1: a fragment may not contain <base/> (spec §1.1)"},
        {"section", "fragment 'section':1:11: a fragment may not contain sections (<inbound>, spec §1.1)"},
        {"outbound-only", "fragment 'outbound-only':1:11: <cache-store> is not allowed in <inbound> "
                          "(allowed in: outbound)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[200];
        snprintf(text, sizeof text,
                 "<policies><inbound><include-fragment fragment-id=\"%s\"/></inbound></policies>",
                 cases[i][0]);
        policy_compose_input_t in = {
            .docs = {[POLICY_SCOPE_API] = load(text, POLICY_DOC_POLICY, "api policy")},
            .fragments = f,
            .fragment_count = sizeof f / sizeof f[0]};
        compose_fails(&in, cases[i][1]);
    }
}

Test(compose, error_classes_with_places)
{
    api_fails("<policies>\n  <inbound>\n    <set-headr name=\"x\"/>\n  </inbound>\n</policies>",
              "api 'orders' policy:3:5: unknown policy <set-headr>");
    api_fails("<policies><outbound>\n<rewrite-uri template=\"/x\"/></outbound></policies>",
              "api 'orders' policy:2:1: <rewrite-uri> is not allowed in <outbound> (allowed in: "
              "inbound)");
    policy_compose_input_t global_rate = {
        .docs = {load("<policies><inbound>\n <rate-limit calls=\"5\" renewal-period=\"60\"/>"
                      "</inbound></policies>",
                      POLICY_DOC_POLICY, "global policy")}};
    compose_fails(&global_rate, "global policy:2:2: <rate-limit> is not allowed at global scope "
                                "(allowed at: product, api, operation)");
    api_fails("<policies><inbound><set-header exists-action=\"skip\"/></inbound></policies>",
              "api 'orders' policy:1:20: <set-header> needs the attribute 'name'");
    api_fails("<policies><inbound><set-header name=\"a\" exist-action=\"skip\"/></inbound></policies>",
              "api 'orders' policy:1:41: unknown attribute 'exist-action' on <set-header>");
    api_fails("<policies><backend><forward-request timeout=\"ten\"/></backend></policies>",
              "api 'orders' policy:1:46: attribute 'timeout' of <forward-request> is 'ten': "
              "expected an integer from 0 to 2147483");
    api_fails("<policies><backend><forward-request follow-redirects=\"yes\"/></backend></policies>",
              "api 'orders' policy:1:55: attribute 'follow-redirects' of <forward-request> is "
              "'yes': expected true or false");
    api_fails("<policies><inbound><set-header name=\"a\" exists-action=\"replace\"/></inbound>"
              "</policies>",
              "api 'orders' policy:1:56: attribute 'exists-action' of <set-header> is 'replace': "
              "expected one of: override, skip, append, delete");
    api_fails("<policies><outbound><cache-store duration=\"-5\"/></outbound></policies>",
              "api 'orders' policy:1:44: attribute 'duration' of <cache-store> is '-5': expected "
              "a whole number of seconds");
    api_fails("<policies><inbound><rate-limit calls=\"@(5)\" renewal-period=\"60\"/></inbound>"
              "</policies>",
              "api 'orders' policy:1:39: attribute 'calls' of <rate-limit> does not accept policy "
              "expressions");
    api_fails("<policies><inbound><choose><when condition=\"true\"><base/></when></choose>"
              "</inbound></policies>",
              "api 'orders' policy:1:51: <base/> is allowed only as a direct child of a section "
              "(spec §1.3)");
    api_fails("<policies><inbound><choose><otherwise/></choose></inbound></policies>",
              "api 'orders' policy:1:20: <choose> needs a <when>");
    api_fails("<policies><inbound><choose><otherwise/><when condition=\"true\"/></choose>"
              "</inbound></policies>",
              "api 'orders' policy:1:28: <otherwise> must be the last element of <choose>");
    api_fails("<policies><inbound><set-header name=\"a\"><valu>1</valu></set-header></inbound>"
              "</policies>",
              "api 'orders' policy:1:41: <valu> is not allowed inside <set-header> (expected "
              "<value>)");
    api_fails("<policies><inbound><wait><set-header name=\"a\"/></wait></inbound></policies>",
              "api 'orders' policy:1:26: <set-header> is not allowed inside <wait>");
    api_fails("<policies><inbound><cors><allowed-origins><origin>*</origin></allowed-origins></cors>"
              "\n<cors><allowed-origins><origin>*</origin></allowed-origins></cors></inbound>"
              "</policies>",
              "api 'orders' policy:2:1: <cors> may appear only once per section (spec §1.6)");
    api_fails("<policies><inbound><rate-limit calls=\"1\" renewal-period=\"1\"/><choose><when "
              "condition=\"true\"><rate-limit calls=\"1\" renewal-period=\"1\"/></when></choose>"
              "</inbound></policies>",
              "api 'orders' policy:1:93: <rate-limit> may appear only once per document (spec "
              "§1.6)");
    /* forward-request is once per document (§1.6): two in one document's path are refused */
    api_fails("<policies><backend><retry condition=\"false\" count=\"1\" interval=\"1\">"
              "<forward-request/>\n  <forward-request/></retry></backend></policies>",
              "api 'orders' policy:2:3: <forward-request> may appear only once per document "
              "(spec §1.6)");
    api_fails("<policies><backend><set-header name=\"a\" exists-action=\"override\"><value>1"
              "</value></set-header>\n  <forward-request/></backend></policies>",
              "api 'orders' policy:2:3: <backend> may contain only one policy element (spec "
              "§1.1); wrap several in <choose>, <retry> or <limit-concurrency>");
    api_fails("<policies><outbound/><inbound/></policies>",
              "api 'orders' policy:1:22: <inbound> is repeated or out of order: sections come "
              "once each, in the order inbound, backend, outbound, on-error (spec §1.1)");
    api_fails("<policies><validate-jwt/></policies>",
              "api 'orders' policy:1:11: <validate-jwt> is not a section: <policies> holds "
              "<inbound>, <backend>, <outbound> and <on-error> (spec §1.1)");
    api_fails("<policies><inbound><validate-jwt header-name=\"a\" token-value=\"b\"/></inbound>"
              "</policies>",
              "api 'orders' policy:1:20: <validate-jwt> needs exactly one of the attributes "
              "'header-name', 'query-parameter-name' or 'token-value'");
    api_fails("<policies><inbound>text</inbound></policies>",
              "api 'orders' policy:1:20: <inbound> takes no text here");
}

Test(compose, forward_request_once_per_document)
{
    /* one per branch is fine: a choose counts its busiest branch */
    policy_compose_input_t in = {
        .docs = {[POLICY_SCOPE_API] = load(
                     "<policies><backend><choose><when condition=\"true\"><forward-request/></when>"
                     "<otherwise><forward-request/></otherwise></choose></backend></policies>",
                     POLICY_DOC_POLICY, "api policy")}};
    policy_program_free(compose_ok(&in));
    policy_compose_input_t twice = {
        .docs = {[POLICY_SCOPE_API] = load(
                     "<policies><backend><retry condition=\"false\" count=\"1\" interval=\"1\">"
                     "<forward-request/>\n<forward-request/></retry></backend></policies>",
                     POLICY_DOC_POLICY, "api policy")}};
    compose_fails(&twice, "api policy:2:1: <forward-request> may appear only once per document "
                          "(spec §1.6)");
    /* the rule counts per document, not per composed path: an API document that forwards
     * after <base/> under a global document that forwards composes to two forward-requests
     * in sequence (the conformance document policy-toolkit/forward-request.xml) */
    policy_compose_input_t inherited = {
        .docs = {[POLICY_SCOPE_GLOBAL] = load("<policies><backend><forward-request/></backend>"
                                              "</policies>",
                                              POLICY_DOC_POLICY, "global policy"),
                 [POLICY_SCOPE_API] = load("<policies><backend><base/><forward-request "
                                           "timeout=\"30\"/></backend></policies>",
                                           POLICY_DOC_POLICY, "api policy")}};
    policy_program_t *p = compose_ok(&inherited);
    size_t count;
    const policy_statement_t *items = policy_program_section(p, POLICY_SECTION_BACKEND, &count);
    cr_assert_eq(count, 2);
    cr_assert_str_eq(items[0].policy->name, "forward-request");
    cr_assert_eq(items[0].scope, POLICY_SCOPE_GLOBAL);
    cr_assert_str_eq(items[1].policy->name, "forward-request");
    cr_assert_eq(items[1].scope, POLICY_SCOPE_API);
    policy_program_free(p);
}

Test(compose, ids_and_namespaces_are_accepted)
{
    policy_compose_input_t in = {
        .docs = {[POLICY_SCOPE_API] = load("<policies><inbound><set-header id=\"h1\" name=\"a\" "
                                           "xmlns:x=\"urn:x\"/></inbound></policies>",
                                           POLICY_DOC_POLICY, "api policy")}};
    policy_program_free(compose_ok(&in));
}

Test(compose, named_values)
{
    policy_named_value_t values[] = {
        {"backend-url", "https://contoso.com"},
        {"timeout", "30"},
        {"expr", "@(context.Request.Method)"},
        {"nested", "{{timeout}}"},
    };
    policy_compose_input_t in = {
        .docs = {[POLICY_SCOPE_API] = load(
                     "<policies><inbound>"
                     "<set-backend-service base-url=\"{{backend-url}}/v1\"/>"
                     "<set-header name=\"m\"><value>{{expr}}</value></set-header>"
                     "<set-header name=\"n\"><value>{{nested}}</value></set-header>"
                     "<set-header name=\"{{ not-a-name }}\"/>"
                     "<return-response><set-body template=\"liquid\">{{body.x}} {{timeout}}"
                     "</set-body></return-response>"
                     "</inbound><backend><forward-request timeout=\"{{timeout}}\"/></backend>"
                     "</policies>",
                     POLICY_DOC_POLICY, "api policy")},
        .named_values = values,
        .named_value_count = sizeof values / sizeof values[0]};
    policy_program_t *p = compose_ok(&in);
    size_t n, len;
    bool is_expression;
    const policy_statement_t *st = policy_program_section(p, POLICY_SECTION_INBOUND, &n);
    cr_assert_eq(n, 5);
    const char *v = policy_program_attr(p, st[0].node, "base-url", &len, &is_expression);
    cr_assert_str_eq(v, "https://contoso.com/v1");
    cr_assert_eq(len, strlen("https://contoso.com/v1"));
    cr_assert_not(is_expression);
    const policy_doc_node_t *value = policy_doc_first_element(st[1].node, "value");
    cr_assert_str_eq(policy_program_text(p, value, NULL, &is_expression),
                     "@(context.Request.Method)");
    cr_assert(is_expression, "a named value holding an expression makes an expression");
    value = policy_doc_first_element(st[2].node, "value");
    cr_assert_str_eq(policy_program_text(p, value, NULL, NULL), "{{timeout}}", "no recursion");
    cr_assert_str_eq(policy_program_attr(p, st[3].node, "name", NULL, NULL), "{{ not-a-name }}");
    const policy_doc_node_t *body = policy_doc_first_element(st[4].node, "set-body");
    cr_assert_str_eq(policy_program_text(p, body, NULL, NULL), "{{body.x}} 30",
                     "Liquid keeps what is not a named value");
    st = policy_program_section(p, POLICY_SECTION_BACKEND, &n);
    cr_assert_str_eq(policy_program_attr(p, st[0].node, "timeout", NULL, NULL), "30");
    cr_assert_str_eq(policy_program_attr(p, st[0].node, "timeout", NULL, NULL), "30");
    cr_assert_null(policy_program_attr(p, st[0].node, "follow-redirects", NULL, NULL));
    policy_program_free(p);

    policy_compose_input_t missing = {
        .docs = {[POLICY_SCOPE_API] = load("<policies><inbound>\n<set-header name=\"a\">"
                                           "<value>x {{nope}}</value></set-header>\n"
                                           "<set-variable name=\"v\" value=\"{{gone}}\"/>"
                                           "</inbound></policies>",
                                           POLICY_DOC_POLICY, "api policy")}};
    compose_fails(&missing, "api policy:2:31: named value 'nope' is not defined");
    policy_compose_input_t bad_type = {
        .docs = {[POLICY_SCOPE_API] = load("<policies><backend><forward-request "
                                           "timeout=\"{{backend-url}}\"/></backend></policies>",
                                           POLICY_DOC_POLICY, "api policy")},
        .named_values = values,
        .named_value_count = 1};
    compose_fails(&bad_type, "api policy:1:46: attribute 'timeout' of <forward-request> is "
                             "'https://contoso.com': expected an integer from 0 to 2147483");
}
