/* Policy documents: pre-pass + libxml2 + tree (src/policy/document.h, spec §0, §1.1). */
#include "policy/document.h"

#include "../file_text.h"
#include "../marked_text.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANONICAL                                                                                  \
    "../shared/conformance/policy-snippets/Route-requests-to-regional-backend-instances.xml"
#define SCOPE "api 'orders' policy"

static policy_doc_t *load_as(const char *text, policy_doc_type_t type)
{
    policy_doc_t *doc = NULL;
    policy_doc_error_t err;
    int rc = policy_doc_load(text, strlen(text), type, SCOPE, &doc, &err);
    cr_assert_eq(rc, 0, "load failed (%d): %s", rc, err.message);
    cr_assert_not_null(doc);
    return doc;
}

static policy_doc_t *load(const char *text)
{
    return load_as(text, POLICY_DOC_POLICY);
}

/* `marked` has one '^' where the error must point (removed before loading). */
static void expect_error(const char *marked, int want_rc, const char *message)
{
    marked_text_t m = marked_text(marked, '^');
    char *text = m.text;
    unsigned line = m.line, col = m.col;
    policy_doc_t *doc = NULL;
    policy_doc_error_t err;
    int rc = policy_doc_load(text, strlen(text), POLICY_DOC_POLICY, SCOPE, &doc, &err);
    cr_assert_eq(rc, want_rc, "rc %d, want %d for %s (%s)", rc, want_rc, text, err.message);
    cr_assert_null(doc);
    char prefix[96];
    snprintf(prefix, sizeof prefix, SCOPE ":%u:%u: ", line, col);
    cr_assert(strncmp(err.message, prefix, strlen(prefix)) == 0, "want %s..., got %s", prefix,
              err.message);
    cr_assert_eq(err.line, line);
    cr_assert_eq(err.col, col);
    cr_assert(strstr(err.message, message), "want \"%s\" in %s", message, err.message);
    free(text);
}

static void expect_same_tree(const policy_doc_node_t *a, const policy_doc_node_t *b)
{
    cr_assert_eq(a->kind, b->kind);
    if (a->kind != POLICY_DOC_NODE_ELEMENT) {
        cr_assert_eq(a->text_len, b->text_len, "[%s] vs [%s]", a->text, b->text);
        cr_assert(memcmp(a->text, b->text, a->text_len) == 0, "[%s] vs [%s]", a->text, b->text);
        return;
    }
    cr_assert_str_eq(a->name, b->name);
    cr_assert_eq(a->attr_count, b->attr_count, "<%s>", a->name);
    for (size_t i = 0; i < a->attr_count; i++) {
        cr_assert_str_eq(a->attrs[i].name, b->attrs[i].name);
        cr_assert_str_eq(a->attrs[i].value, b->attrs[i].value);
        cr_assert_eq(a->attrs[i].is_expression, b->attrs[i].is_expression);
    }
    cr_assert_eq(a->child_count, b->child_count, "<%s>", a->name);
    for (size_t i = 0; i < a->child_count; i++)
        expect_same_tree(&a->children[i], &b->children[i]);
}

#define WEST "@(\"West US\".Equals(context.Deployment.Region, StringComparison.OrdinalIgnoreCase))"

Test(document, canonical_example)
{
    size_t len;
    char *text = read_file(CANONICAL, &len);
    policy_doc_t *doc = NULL;
    policy_doc_error_t err;
    cr_assert_eq(policy_doc_load(text, len, POLICY_DOC_POLICY, SCOPE, &doc, &err), 0, "%s",
                 err.message);
    const policy_doc_node_t *root = policy_doc_root(doc);
    cr_assert(policy_doc_is_element(root, "policies"));
    cr_assert(root->pos.line == 9 && root->pos.col == 1);
    cr_assert_null(root->parent);
    cr_assert_eq(root->child_count, 4); /* indentation and the comment are not nodes */
    const char *sections[] = {"inbound", "backend", "outbound", "on-error"};
    const policy_doc_node_t *s = policy_doc_first_element(root, NULL);
    for (int i = 0; i < 4; i++, s = policy_doc_next_element(s, NULL)) {
        cr_assert(policy_doc_is_element(s, sections[i]));
        cr_assert(policy_doc_is_element(policy_doc_first_element(s, NULL), "base"));
    }
    cr_assert_null(s);
    const policy_doc_node_t *inbound = policy_doc_first_element(root, "inbound");
    const policy_doc_node_t *choose = policy_doc_first_element(inbound, "choose");
    cr_assert(choose->pos.line == 12 && choose->pos.col == 9);
    cr_assert_eq(choose->parent, inbound);
    cr_assert_eq(policy_doc_element_count(choose, "when"), 2);
    cr_assert_eq(policy_doc_element_count(choose, NULL), 3);
    const policy_doc_node_t *when = policy_doc_first_element(choose, "when");
    cr_assert(when->pos.line == 13 && when->pos.col == 13);
    const policy_doc_attr_t *cond = policy_doc_attr(when, "condition");
    cr_assert_not_null(cond);
    cr_assert_str_eq(cond->value, WEST); /* the expression as the user wrote it */
    cr_assert_eq(cond->value_len, strlen(WEST));
    cr_assert(cond->is_expression);
    cr_assert(cond->pos.line == 13 && cond->pos.col == 19);
    cr_assert(cond->value_pos.line == 13 && cond->value_pos.col == 30);
    const policy_doc_node_t *east = policy_doc_next_element(when, "when");
    cr_assert(strstr(policy_doc_attr_value(east, "condition"), "\"East Asia\".Equals("));
    const policy_doc_node_t *other = policy_doc_next_element(east, NULL);
    cr_assert(policy_doc_is_element(other, "otherwise"));
    const policy_doc_node_t *sbs = policy_doc_first_element(other, "set-backend-service");
    cr_assert_str_eq(policy_doc_attr_value(sbs, "base-url"), "http://contoso-other.com/");
    cr_assert(!policy_doc_attr(sbs, "base-url")->is_expression);
    cr_assert_null(policy_doc_attr_value(sbs, "backend-id"));
    cr_assert(sbs->pos.line == 20 && sbs->pos.col == 17);
    cr_assert_null(policy_doc_next_element(other, NULL));
    cr_assert_eq(policy_doc_type(doc), POLICY_DOC_POLICY);
    cr_assert_str_eq(policy_doc_scope(doc), SCOPE);
    size_t src_len;
    cr_assert(memcmp(policy_doc_source(doc, &src_len), text, len) == 0);
    cr_assert_eq(src_len, len);
    policy_doc_free(doc);
    free(text);
}

Test(document, escaped_and_raw_give_the_same_tree)
{
    size_t len;
    char *raw = read_file(CANONICAL, &len);
    policy_doc_t *a = load(raw);
    /* the same document written as well-formed XML, the way the management API's "xml"
     * format returns it */
    char *escaped = malloc(len * 6 + 1);
    size_t o = 0;
    bool in_attr_expr = false;
    for (size_t i = 0; i < len; i++) {
        if (!in_attr_expr && strncmp(raw + i, "\"@(", 3) == 0) {
            memcpy(escaped + o, "\"@(", 3);
            o += 3;
            i += 2;
            in_attr_expr = true;
        } else if (in_attr_expr && strncmp(raw + i, "))\">", 4) == 0) {
            memcpy(escaped + o, "))\">", 4);
            o += 4;
            i += 3;
            in_attr_expr = false;
        } else if (in_attr_expr && raw[i] == '"') {
            memcpy(escaped + o, "&quot;", 6);
            o += 6;
        } else {
            escaped[o++] = raw[i];
        }
    }
    escaped[o] = '\0';
    cr_assert(strstr(escaped, "&quot;West US&quot;"));
    policy_doc_t *b = load(escaped);
    expect_same_tree(policy_doc_root(a), policy_doc_root(b));
    policy_doc_free(a);
    policy_doc_free(b);
    free(raw);
    free(escaped);

    /* one document in both forms, every escaped character */
    a = load(
        "<policies><inbound><set-variable name=\"v\" value=\"@(a < b && c > d ? \"x\" : 'y')\" />"
        "<set-body>@{ return \"<&>\"; }</set-body></inbound></policies>");
    b = load("<policies><inbound><set-variable name=\"v\" value=\"@(a &lt; b &amp;&amp; c &gt; d ? "
             "&quot;x&quot; : &apos;y&apos;)\" />"
             "<set-body>@{ return \"&lt;&amp;&gt;\"; }</set-body></inbound></policies>");
    expect_same_tree(policy_doc_root(a), policy_doc_root(b));
    const policy_doc_node_t *sv = policy_doc_first_element(
        policy_doc_first_element(policy_doc_root(a), "inbound"), "set-variable");
    cr_assert_str_eq(policy_doc_attr_value(sv, "value"), "@(a < b && c > d ? \"x\" : 'y')");
    cr_assert_str_eq(policy_doc_next_element(sv, "set-body")->text, "@{ return \"<&>\"; }");
    policy_doc_free(a);
    policy_doc_free(b);
}

Test(document, string_literal_forms_in_text_and_attributes)
{
    static const char *exprs[] = {
        "@(\"a\\\")<\" + x)",
        "@(@\"c:\\\" + @\"say \"\"hi\"\" </x>\")",
        "@($\"{a}) {{ }} {d[\"k\"]} </b>\")",
        "@($@\"{a}\"\"</b>\"\"\" + @$\"{b}\")",
        "@(c == '\\'' || c == '\"' || c == '<')",
        "@{\n  // it's \"quoted\" </set-body>\n  return /* ) */ \"}\";\n}",
        "@($\"{new[] { 1, 2 }.Length} {d[\"}\"]} {x:yyyy-MM-dd} {(ok ? \"<\" : \">\")}\")",
    };
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "<policies><inbound><set-body>%s</set-body></inbound></policies>", exprs[i]);
        policy_doc_t *doc = load(text);
        const policy_doc_node_t *body = policy_doc_first_element(
            policy_doc_first_element(policy_doc_root(doc), "inbound"), "set-body");
        cr_assert_str_eq(body->text, exprs[i]);
        cr_assert_eq(body->child_count, 1);
        cr_assert(body->children[0].is_expression);
        policy_doc_free(doc);
        /* in an attribute (line breaks and tabs kept, see document.h) */
        snprintf(text, sizeof text,
                 "<policies><inbound><set-variable name=\"n\" value=\"%s\"/>"
                 "</inbound></policies>",
                 exprs[i]);
        doc = load(text);
        const policy_doc_node_t *sv = policy_doc_first_element(
            policy_doc_first_element(policy_doc_root(doc), "inbound"), "set-variable");
        cr_assert_str_eq(policy_doc_attr_value(sv, "value"), exprs[i]);
        cr_assert(policy_doc_attr(sv, "value")->is_expression);
        policy_doc_free(doc);
    }
}

Test(document, entities_and_whitespace)
{
    policy_doc_t *doc = load("<policies a=\"x &amp; y&#10;z\tw\nv\" b=\"@(p &amp;&amp; q)\" "
                             "c=\"@{\n\tvar s = &quot;&#x41;&#66;&quot;; // c\r\n\treturn s; }\">"
                             "t &lt; &#233;\r\nu<![CDATA[&amp;\r\n]]></policies>");
    const policy_doc_node_t *r = policy_doc_root(doc);
    /* literal attributes follow XML: a tab or line break is a space, &#10; stays a line break */
    cr_assert_str_eq(policy_doc_attr_value(r, "a"), "x & y\nz w v");
    cr_assert_str_eq(policy_doc_attr_value(r, "b"), "@(p && q)");
    /* expression attributes keep their line breaks (CRLF read as LF) and tabs */
    cr_assert_str_eq(policy_doc_attr_value(r, "c"), "@{\n\tvar s = \"AB\"; // c\n\treturn s; }");
    cr_assert_eq(r->child_count, 2);
    cr_assert_eq(r->children[0].kind, POLICY_DOC_NODE_TEXT);
    cr_assert_str_eq(r->children[0].text, "t < \xC3\xA9\nu");
    cr_assert_eq(r->children[1].kind, POLICY_DOC_NODE_CDATA);
    cr_assert_str_eq(r->children[1].text, "&amp;\n");
    cr_assert_str_eq(r->text, "t < \xC3\xA9\nu&amp;\n");
    cr_assert_eq(r->text_len, strlen(r->text));
    policy_doc_free(doc);
}

Test(document, cdata_comments_and_processing_instructions)
{
    policy_doc_t *doc = load("<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<!-- a -- b -->\n"
                             "<policies><!-- c --><set-body><![CDATA[<x>@(\"]]><![CDATA[\")</x>]]>"
                             "</set-body><?pi x?><base/>\n  <!-- - -->\n</policies><!-- end -->");
    const policy_doc_node_t *r = policy_doc_root(doc);
    cr_assert_eq(r->child_count, 2); /* comments, the PI and indentation are gone */
    const policy_doc_node_t *body = policy_doc_first_element(r, "set-body");
    cr_assert_eq(body->child_count, 1); /* adjacent CDATA sections are one node */
    cr_assert_eq(body->children[0].kind, POLICY_DOC_NODE_CDATA);
    cr_assert_str_eq(body->text, "<x>@(\"\")</x>");
    cr_assert(body->children[0].pos.line == 3 && body->children[0].pos.col == 40);
    /* positions inside joined sections skip the joint */
    policy_doc_pos_t p = policy_doc_text_pos(doc, body, 7); /* the second '"' */
    cr_assert(p.line == 3 && p.col == 59, "%u:%u", p.line, p.col);
    cr_assert(policy_doc_is_element(policy_doc_next_element(body, NULL), "base"));
    policy_doc_free(doc);
    /* an empty section joined at the end (found by fuzz_policy_loader) */
    doc = load("<policies><![CDATA[x]]><![CDATA[]]></policies>");
    cr_assert_str_eq(policy_doc_root(doc)->text, "x");
    cr_assert_eq(policy_doc_root(doc)->child_count, 1);
    policy_doc_free(doc);
}

Test(document, mixed_content_and_whitespace_rules)
{
    policy_doc_t *doc =
        load("<policies>\n  <a>  </a>\n  <b>x<c/>y</b>\n  <d>\n  </d><e/></policies>");
    const policy_doc_node_t *r = policy_doc_root(doc);
    cr_assert_eq(r->child_count, 4);
    cr_assert_null(r->text);
    cr_assert_eq(r->text_len, 0);
    const policy_doc_node_t *a = policy_doc_first_element(r, "a");
    cr_assert_str_eq(a->text, "  "); /* a leaf keeps its whitespace */
    const policy_doc_node_t *b = policy_doc_first_element(r, "b");
    cr_assert_eq(b->child_count, 3);
    cr_assert_str_eq(b->text, "xy");
    cr_assert_str_eq(policy_doc_first_element(r, "d")->text, "\n  ");
    cr_assert_null(policy_doc_first_element(r, "e")->text);
    cr_assert_null(policy_doc_first_element(r, "nope"));
    cr_assert_null(policy_doc_first_element(NULL, NULL));
    cr_assert_null(policy_doc_attr(NULL, "x"));
    cr_assert(!policy_doc_is_element(NULL, NULL));
    cr_assert(!policy_doc_is_element(&b->children[0], NULL));
    cr_assert_eq(policy_doc_element_count(NULL, NULL), 0);
    policy_doc_free(doc);
}

Test(document, namespaces_are_kept_as_written)
{
    policy_doc_t *doc = load("<policies><outbound><xsl-transform><xsl:stylesheet version=\"1.0\" "
                             "xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" xmlns=\"urn:d\">"
                             "<xsl:template match=\"/\" xsl:x=\"1\"><out/></xsl:template>"
                             "</xsl:stylesheet></xsl-transform></outbound></policies>");
    const policy_doc_node_t *t = policy_doc_first_element(
        policy_doc_first_element(policy_doc_first_element(policy_doc_root(doc), "outbound"),
                                 "xsl-transform"),
        NULL);
    cr_assert_str_eq(t->name, "xsl:stylesheet");
    cr_assert_eq(t->attr_count, 3);
    cr_assert_str_eq(t->attrs[0].name, "version");
    cr_assert_str_eq(t->attrs[1].name, "xmlns:xsl");
    cr_assert_str_eq(t->attrs[1].value, "http://www.w3.org/1999/XSL/Transform");
    cr_assert_str_eq(t->attrs[2].name, "xmlns");
    const policy_doc_node_t *tpl = policy_doc_first_element(t, "xsl:template");
    cr_assert_str_eq(policy_doc_attr_value(tpl, "xsl:x"), "1");
    policy_doc_free(doc);
    /* namespace errors refuse the document (a .NET reader refuses them too) */
    expect_error("<policies>\n  ^<xsl:a/></policies>", -EINVAL, "Namespace prefix xsl on a");
    expect_error("<policies>\n  ^<q xmlns:p=\"\"/></policies>", -EINVAL, "Empty XML namespace");
}

Test(document, xml_errors_point_into_the_original_text)
{
    /* the positions are the user's, although the escaped text is longer before them */
    expect_error("<policies>\n  <when condition=\"@(\"a\" == \"b\")\">\n  </when>\n  <x>^</y>\n"
                 "</policies>",
                 -EINVAL, "not well-formed XML: Opening and ending tag mismatch: x line 4 and y");
    expect_error("<policies>\n ^<a b=\"1\" b=\"2\"/>\n</policies>", -EINVAL, "redefined");
    expect_error("<policies>\n <a>x &nope;^</a>\n</policies>", -EINVAL, "'nope' not defined");
    expect_error("<policies>\n <a>1 <^ 2</a>\n</policies>", -EINVAL, "invalid element name");
    expect_error("<policies>\n <a>\"é\" é @(x) &^ y</a>\n</policies>", -EINVAL, "not well-formed");
    expect_error("<policies>\n <a>\n^</policies>", -EINVAL, "mismatch: a line 2 and policies");
    expect_error("<policies>\n <a>\n</a>^", -EINVAL, "not well-formed XML");
    expect_error("<policies/>\n^<policies/>", -EINVAL, "Extra content");
    /* pre-pass errors */
    expect_error("<policies>\n <set-body>^@{ return \"x\"; </set-body>\n</policies>", -EINVAL,
                 "expression '@{' is not closed");
    expect_error("<policies>\n <a>@(x + ^\"y)</a>\n</policies>", -EINVAL,
                 "string literal is not closed");
    expect_error("<policies>\n <a b=\"^@(x + \"y)\"/>\n</policies>", -EINVAL,
                 "expression '@(' is not closed");
}

Test(document, doctype_and_external_entities_are_refused)
{
    expect_error("^<!DOCTYPE policies [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
                 "<policies><inbound><set-body>&xxe;</set-body></inbound></policies>",
                 -EINVAL, "DOCTYPE");
    expect_error("<?xml version=\"1.0\"?>\n^<!DOCTYPE policies SYSTEM \"http://example.com/x.dtd\">"
                 "<policies/>",
                 -EINVAL, "DOCTYPE");
    expect_error(
        "^<!DOCTYPE lol [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><lol>&b;</lol>",
        -EINVAL, "DOCTYPE");
    /* without a DTD an entity other than the predefined five is an error, never a lookup */
    expect_error("<policies>&xxe;^</policies>", -EINVAL, "not defined");
}

Test(document, depth_limit)
{
    char text[POLICY_DOC_MAX_DEPTH * 8 + 64];
    strcpy(text, "<policies>");
    for (int i = 1; i < POLICY_DOC_MAX_DEPTH; i++)
        strcat(text, "<e>");
    for (int i = 1; i < POLICY_DOC_MAX_DEPTH; i++)
        strcat(text, "</e>");
    strcat(text, "</policies>");
    policy_doc_t *doc = load(text);
    policy_doc_free(doc);

    char marked[sizeof text + 8];
    strcpy(marked, "<policies>");
    for (int i = 1; i < POLICY_DOC_MAX_DEPTH; i++)
        strcat(marked, "<e>");
    strcat(marked, "^<f/>");
    for (int i = 1; i < POLICY_DOC_MAX_DEPTH; i++)
        strcat(marked, "</e>");
    strcat(marked, "</policies>");
    expect_error(marked, -EINVAL, "nest deeper than 64 levels");
}

static char *padded(const char *head, size_t total, const char *tail)
{
    char *t = malloc(total + 1);
    size_t h = strlen(head), l = strlen(tail);
    memcpy(t, head, h);
    memset(t + h, ' ', total - h - l);
    memcpy(t + total - l, tail, l);
    t[total] = '\0';
    return t;
}

Test(document, size_limits)
{
    char *at_limit = padded("<policies>", POLICY_DOC_MAX_POLICY_BYTES, "</policies>");
    policy_doc_t *doc = load(at_limit);
    policy_doc_free(doc);
    char *over = padded("<policies>", POLICY_DOC_MAX_POLICY_BYTES + 1, "</policies>");
    policy_doc_error_t err;
    cr_assert_eq(policy_doc_load(over, strlen(over), POLICY_DOC_POLICY, SCOPE, &doc, &err), -EFBIG);
    cr_assert_null(doc);
    cr_assert_str_eq(err.message,
                     SCOPE ": the policy document is 262145 bytes; at most 256 KiB are allowed");
    cr_assert(err.line == 0 && err.col == 0);
    free(at_limit);
    free(over);

    /* fragments may be 512 KiB */
    char *frag = padded("<fragment>", POLICY_DOC_MAX_FRAGMENT_BYTES, "</fragment>");
    doc = load_as(frag, POLICY_DOC_FRAGMENT);
    policy_doc_free(doc);
    frag[POLICY_DOC_MAX_FRAGMENT_BYTES - 11] = ' ';
    char *frag_over = padded("<fragment>", POLICY_DOC_MAX_FRAGMENT_BYTES + 1, "</fragment>");
    cr_assert_eq(
        policy_doc_load(frag_over, strlen(frag_over), POLICY_DOC_FRAGMENT, NULL, &doc, &err),
        -EFBIG);
    cr_assert(strncmp(err.message, "policy: the policy fragment is", 30) == 0, "%s", err.message);
    free(frag);
    free(frag_over);
}

Test(document, root_element_must_match_the_type)
{
    policy_doc_t *doc =
        load_as("<fragment><set-header name=\"a\"/></fragment>", POLICY_DOC_FRAGMENT);
    cr_assert_eq(policy_doc_type(doc), POLICY_DOC_FRAGMENT);
    policy_doc_free(doc);
    expect_error("<!-- x -->\n^<fragment/>", -EINVAL, "the root element is <fragment>");
    policy_doc_error_t err;
    const char *p = "\n  <policies/>";
    cr_assert_eq(policy_doc_load(p, strlen(p), POLICY_DOC_FRAGMENT, "fragment 'f'", &doc, &err),
                 -EINVAL);
    cr_assert_str_eq(err.message, "fragment 'f':2:3: the root element is <policies>; a policy "
                                  "fragment has <fragment> as its root");
    const char *empty = "";
    cr_assert_eq(policy_doc_load(empty, 0, POLICY_DOC_POLICY, SCOPE, &doc, &err), -EINVAL);
    cr_assert_eq(policy_doc_load(NULL, 0, POLICY_DOC_POLICY, SCOPE, &doc, &err), -EINVAL);
}

Test(document, positions_inside_values)
{
    const char *text = "<policies>\n"
                       "  <a v=\"@(&quot;x&quot; + &#x41; + 'y')\" w=\"@{\r\n  return 1; }\"/>\n"
                       "  <b>\n    @{ var s = \"é\"; return s + \"<\"; }</b>\n"
                       "</policies>";
    policy_doc_t *doc = load(text);
    const policy_doc_node_t *a = policy_doc_first_element(policy_doc_root(doc), "a");
    const policy_doc_attr_t *v = policy_doc_attr(a, "v");
    cr_assert_str_eq(v->value, "@(\"x\" + A + 'y')");
    /* the value's 'x' (offset 3) is after "@(&quot;" at column 17 of line 2 */
    policy_doc_pos_t p = policy_doc_attr_value_pos(doc, v, 3);
    cr_assert(p.line == 2 && p.col == 17, "%u:%u", p.line, p.col);
    p = policy_doc_attr_value_pos(doc, v, 8); /* 'A' = &#x41; */
    cr_assert(p.line == 2 && p.col == 27, "%u:%u", p.line, p.col);
    p = policy_doc_attr_value_pos(doc, v, v->value_len); /* the closing quote */
    cr_assert(p.line == 2 && p.col == 40, "%u:%u", p.line, p.col);
    const policy_doc_attr_t *w = policy_doc_attr(a, "w");
    cr_assert_str_eq(w->value, "@{\n  return 1; }");
    p = policy_doc_attr_value_pos(doc, w, 5); /* 'r' of return */
    cr_assert(p.line == 3 && p.col == 3, "%u:%u", p.line, p.col);
    const policy_doc_node_t *b = policy_doc_first_element(policy_doc_root(doc), "b");
    const char *lt = strchr(b->text, '<');
    p = policy_doc_text_pos(doc, b, (size_t)(lt - b->text));
    cr_assert(p.line == 5 && p.col == 33, "%u:%u", p.line, p.col);
    p = policy_doc_text_pos(doc, &b->children[0], 0);
    cr_assert(p.line == 4 && p.col == 6, "%u:%u", p.line, p.col);
    cr_assert(b->children[0].pos.line == 4 && b->children[0].pos.col == 6);
    policy_doc_free(doc);
}

Test(document, bom_crlf_and_character_columns)
{
    const char *text =
        "\xEF\xBB\xBF<policies>\r\n\t<é ü=\"1\"/>\r\n\t<x a=\"@(\"ü\")\"/>\r</policies>";
    policy_doc_t *doc = load(text);
    const policy_doc_node_t *r = policy_doc_root(doc);
    cr_assert(r->pos.line == 1 && r->pos.col == 1);
    const policy_doc_node_t *e = policy_doc_first_element(r, NULL);
    cr_assert_str_eq(e->name, "é");
    cr_assert(e->pos.line == 2 && e->pos.col == 2);
    cr_assert(e->attrs[0].pos.line == 2 && e->attrs[0].pos.col == 5);
    const policy_doc_node_t *x = policy_doc_next_element(e, NULL);
    cr_assert(x->attrs[0].pos.line == 3 && x->attrs[0].pos.col == 5);
    cr_assert_str_eq(x->attrs[0].value, "@(\"ü\")");
    policy_doc_free(doc);
    expect_error("<policies>\n <a>é^\xff</a></policies>", -EINVAL, "not well-formed");
    /* a NUL would end the text for libxml2: refused where it is */
    const char nul[] = "<policies/>\n\0<x>";
    policy_doc_error_t err;
    cr_assert_eq(policy_doc_load(nul, sizeof nul - 1, POLICY_DOC_POLICY, SCOPE, &doc, &err),
                 -EINVAL);
    cr_assert_str_eq(err.message, SCOPE ":2:1: a NUL character is not allowed in XML");
}

Test(document, error_helper)
{
    policy_doc_error_t err;
    policy_doc_errorf(&err, "api 'orders' policy", (policy_doc_pos_t){12, 7}, "unexpected %s",
                      "element");
    cr_assert_str_eq(err.message, "api 'orders' policy:12:7: unexpected element");
    cr_assert(err.line == 12 && err.col == 7);
    policy_doc_errorf(&err, NULL, (policy_doc_pos_t){0, 0}, "too big");
    cr_assert_str_eq(err.message, "policy: too big");
    char long_scope[400];
    memset(long_scope, 's', sizeof long_scope - 1);
    long_scope[sizeof long_scope - 1] = '\0';
    policy_doc_errorf(&err, long_scope, (policy_doc_pos_t){1, 2}, "%s", "the end");
    cr_assert(strstr(err.message, ":1:2: the end"), "%s", err.message);
}
