/* The raw-XML pre-pass (src/policy/rawxml.h, spec/apim-gateway.md §0). */
#include "policy/rawxml.h"

#include "../file_text.h"
#include "../marked_text.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANONICAL                                                                                  \
    "../shared/conformance/policy-snippets/Route-requests-to-regional-backend-instances.xml"

static policy_rawxml_t *escape_ok(const char *src)
{
    policy_rawxml_t *rx = NULL;
    policy_rawxml_error_t err;
    int rc = policy_rawxml_escape(src, strlen(src), 64, &rx, &err);
    cr_assert_eq(rc, 0, "escape failed: %d:%d %s", err.pos.line, err.pos.col, err.message);
    cr_assert_not_null(rx);
    cr_assert_eq(rx->text[rx->len], '\0');
    return rx;
}

/* The pre-pass of `src` gives exactly `want`. */
static void expect_escaped(const char *src, const char *want)
{
    policy_rawxml_t *rx = escape_ok(src);
    cr_assert_str_eq(rx->text, want, "\n in: %s\nout: %s\nwant: %s", src, rx->text, want);
    cr_assert(rx->is_complete);
    policy_rawxml_free(rx);
}

/* `marked` holds one '^' where the error must point; the message must contain `message`. */
static void expect_error(const char *marked, const char *message)
{
    marked_text_t m = marked_text(marked, '^');
    char *src = m.text;
    unsigned line = m.line, col = m.col;
    size_t off = (size_t)(strchr(marked, '^') - marked);
    policy_rawxml_t *rx = NULL;
    policy_rawxml_error_t err;
    int rc = policy_rawxml_escape(src, strlen(src), 64, &rx, &err);
    cr_assert_eq(rc, -EINVAL, "want an error for %s", src);
    cr_assert_null(rx);
    cr_assert_eq(err.offset, off, "offset %zu, want %zu (%s)", err.offset, off, err.message);
    cr_assert_eq(err.pos.line, line, "line %u want %u (%s)", err.pos.line, line, err.message);
    cr_assert_eq(err.pos.col, col, "col %u want %u (%s)", err.pos.col, col, err.message);
    cr_assert(strstr(err.message, message), "want \"%s\" in \"%s\"", message, err.message);
    free(src);
}

/* The only attribute of `marked` is an expression whose value ends at the quote marked by
 * a '`' (the mark is removed before escaping). */
static void expect_attribute_end(const char *marked)
{
    const char *bar = strchr(marked, '`');
    cr_assert_not_null(bar);
    size_t want_end = (size_t)(bar - marked);
    char *src = malloc(strlen(marked));
    memcpy(src, marked, want_end);
    strcpy(src + want_end, bar + 1);
    policy_rawxml_t *rx = escape_ok(src);
    size_t attrs = 0;
    for (size_t i = 0; i < rx->mark_count; i++) {
        if (rx->marks[i].kind != POLICY_RAWXML_ATTRIBUTE) continue;
        attrs++;
        cr_assert(rx->marks[i].is_expression);
        cr_assert_eq(rx->marks[i].value_end, want_end, "value ends at %u, want %zu in %s",
                     rx->marks[i].value_end, want_end, src);
    }
    cr_assert_eq(attrs, 1);
    policy_rawxml_free(rx);
    free(src);
}

Test(rawxml, canonical_example_becomes_well_formed)
{
    size_t len;
    char *src = read_file(CANONICAL, &len);
    policy_rawxml_t *rx = NULL;
    policy_rawxml_error_t err;
    cr_assert_eq(policy_rawxml_escape(src, len, 64, &rx, &err), 0, "%s", err.message);
    cr_assert(rx->is_complete);
    cr_assert(strstr(rx->text, "<when condition=\"@(&quot;West US&quot;.Equals(context.Deployment."
                               "Region, StringComparison.OrdinalIgnoreCase))\">"));
    cr_assert(strstr(rx->text, "@(&quot;East Asia&quot;.Equals("));
    cr_assert_null(strstr(rx->text, "\"West US\""));
    /* line structure is kept: the same number of line breaks */
    size_t in_lines = 0, out_lines = 0;
    for (size_t i = 0; i < len; i++)
        in_lines += src[i] == '\n';
    for (size_t i = 0; i < rx->len; i++)
        out_lines += rx->text[i] == '\n';
    cr_assert_eq(in_lines, out_lines);
    /* two conditions are expressions, the base-url attributes are not */
    size_t expressions = 0, attributes = 0;
    for (size_t i = 0; i < rx->mark_count; i++)
        if (rx->marks[i].kind == POLICY_RAWXML_ATTRIBUTE) {
            attributes++;
            expressions += rx->marks[i].is_expression;
        }
    cr_assert_eq(attributes, 5);
    cr_assert_eq(expressions, 2);
    policy_rawxml_free(rx);
    free(src);
}

Test(rawxml, escapes_only_expression_spans)
{
    expect_escaped("<a b=\"@(x < 1 && y > 2)\">t & u</a>",
                   "<a b=\"@(x &lt; 1 &amp;&amp; y &gt; 2)\">t & u</a>");
    expect_escaped("<a>  @(a<b)</a>", "<a>  @(a&lt;b)</a>");
    expect_escaped("<a>\n\t@{ return \"<x/>\"; }</a>",
                   "<a>\n\t@{ return &quot;&lt;x/&gt;&quot;; }</a>");
    /* a literal attribute or text is never touched, even with a '@' further in */
    expect_escaped("<a b=\"x @(y)\">x @(\"y\")</a>", "<a b=\"x @(y)\">x @(\"y\")</a>");
    /* '@' not followed by ( or { is not an expression */
    expect_escaped("<a b=\"@x\">@[y]</a>", "<a b=\"@x\">@[y]</a>");
    /* only the start of a value counts for attributes */
    expect_escaped("<a b=\" @(x)\"/>", "<a b=\" @(x)\"/>");
}

Test(rawxml, attribute_ends_after_the_expression)
{
    /* §0: the `"` inside the expression does not end the attribute */
    expect_attribute_end("<a b=\"@(\"x\")`\"/>");
    expect_attribute_end("<a b=\"@(\"x\") tail`\"/>");
    expect_attribute_end("<a b='@(s.Split('.')[0])`'/>");
    expect_attribute_end("<a b='@(\"it's\")`'/>");
    expect_escaped("<a b='@(s.Split('.'))' c=\"d\"/>",
                   "<a b='@(s.Split(&apos;.&apos;))' c=\"d\"/>");
}

Test(rawxml, string_literal_forms)
{
    /* regular strings with \ escapes */
    expect_attribute_end("<a b=\"@(\"a\\\")\" + x)`\"/>");
    expect_attribute_end("<a b=\"@(\"a\\\\\" + \")\")`\"/>");
    /* verbatim strings with "" */
    expect_attribute_end("<a b=\"@(@\"a\"\")\" + @\"c:\\\")`\"/>");
    expect_attribute_end("<a b=\"@(@\"line1\nline2)\")`\"/>");
    /* interpolated strings: holes with code, nested strings, {{ }} */
    expect_attribute_end("<a b=\"@($\"{x}) {{ ) }}\")`\"/>");
    expect_attribute_end("<a b=\"@($\"t-{context.Variables[\"k\"]}-{(string)v[\")\"]}\")`\"/>");
    expect_attribute_end("<a b=\"@($\"\\\"{x}\\\")\")`\"/>");
    /* verbatim interpolated, both orders */
    expect_attribute_end("<a b=\"@($@\"\"\"){x}\"\"\" + @$\"{y}\"\")\")`\"/>");
    /* char literals */
    expect_attribute_end("<a b=\"@(c == ')' || c == '\\'' || c == '\"' || c == '\\\\')`\"/>");
    /* an entity stands for its character while scanning (well-formed input) */
    expect_attribute_end("<a b=\"@(&quot;)&quot; + x)`\"/>");
    expect_attribute_end("<a b=\"@(c == &apos;)&apos;)`\"/>");
}

Test(rawxml, interpolation_holes_nest)
{
    expect_attribute_end("<a b=\"@($\"{new[] { 1, 2 }.Length} {d[\"}\"]}\")`\"/>");
    expect_attribute_end("<a b=\"@($\"{$\"{x + $\"{y}\"}\"}\")`\"/>");
    expect_attribute_end("<a b=\"@($\"{f(a, new { k = \"}\" })}\")`\"/>");
    /* format specifiers are literal up to the hole's } */
    expect_attribute_end("<a b=\"@($\"{DateTime.UtcNow:yyyy-MM-dd'T'HH\\\\:mm}\")`\"/>");
    expect_attribute_end("<a b=\"@($\"{(ok ? \"a\" : \"b\")}\")`\"/>");
    /* a named value inside code is just two brace pairs */
    expect_attribute_end("<a b=\"@{ int n = {{Count}}; return n > 0; }`\"/>");
}

Test(rawxml, comments_in_code)
{
    expect_escaped("<a>@{\n// it's \"odd\" ) }\nreturn 1; }</a>",
                   "<a>@{\n// it&apos;s &quot;odd&quot; ) }\nreturn 1; }</a>");
    expect_escaped("<a>@{ /* ) } \" */ return 1; }</a>", "<a>@{ /* ) } &quot; */ return 1; }</a>");
    /* a URL inside a string is no comment */
    expect_attribute_end("<a b=\"@(\"http://x/)\")`\"/>");
}

Test(rawxml, unmatched_closers_do_not_lose_the_span)
{
    /* a published document has @{ f(x["a" }: the } still ends the expression */
    expect_attribute_end("<a b=\"@{ f(x[\"a\" }`\"/>");
    /* a closer that matches nothing open is skipped */
    expect_attribute_end("<a b=\"@(x ] y)`\"/>");
}

Test(rawxml, ampersands_and_entities)
{
    expect_escaped("<a>@(a && b)</a>", "<a>@(a &amp;&amp; b)</a>");
    expect_escaped("<a>@(\"&amp;&lt;&gt;&#38;&#x26;&#X26;\" + &quot;q&quot; + &apos;a&apos;)</a>",
                   "<a>@(&quot;&amp;&lt;&gt;&#38;&#x26;&amp;#X26;&quot; + &quot;q&quot; + "
                   "&apos;a&apos;)</a>");
    /* not entities: undefined names, no ';', characters XML does not allow, overflow */
    expect_escaped("<a>@(\"&nbsp; &amp &#0; &#xD800; &#99999999999; &#; &#x;\")</a>",
                   "<a>@(&quot;&amp;nbsp; &amp;amp &amp;#0; &amp;#xD800; &amp;#99999999999; "
                   "&amp;#; &amp;#x;&quot;)</a>");
    expect_escaped("<a>@(x&)</a>", "<a>@(x&amp;)</a>");
    /* named values in a query string built in code */
    expect_escaped("<a>@(\"a={{x}}&b={{y}}\")</a>", "<a>@(&quot;a={{x}}&amp;b={{y}}&quot;)</a>");
    uint32_t cp = 0;
    cr_assert_eq(policy_rawxml_entity_len("&#x1F600;", 9, &cp), 9);
    cr_assert_eq(cp, 0x1F600);
    cr_assert_eq(policy_rawxml_entity_len("&#x110000;", 10, &cp), 0);
    cr_assert_eq(policy_rawxml_entity_len("&#9;", 4, &cp), 4);
    cr_assert_eq(policy_rawxml_entity_len("&#8;", 4, &cp), 0);
    cr_assert_eq(policy_rawxml_entity_len("&lt", 3, &cp), 0);
}

Test(rawxml, cdata_pi_named_values_untouched)
{
    const char *doc = "<?xml version=\"1.0\"?><a b=\"{{nv}}\"><![CDATA[@(\"<\" & ']]><?pi @(\"\"?>"
                      "<![CDATA[]]>{{x}}</a>";
    expect_escaped(doc, doc);
    policy_rawxml_t *rx = escape_ok(doc);
    size_t kinds[5] = {0};
    for (size_t i = 0; i < rx->mark_count; i++)
        kinds[rx->marks[i].kind]++;
    cr_assert_eq(kinds[POLICY_RAWXML_ELEMENT], 1);
    cr_assert_eq(kinds[POLICY_RAWXML_ATTRIBUTE], 1);
    cr_assert_eq(kinds[POLICY_RAWXML_CDATA], 2);
    cr_assert_eq(kinds[POLICY_RAWXML_TEXT], 1);
    policy_rawxml_free(rx);
    /* adjacent sections are marked as one continued section */
    rx = escape_ok("<a><![CDATA[x]]><![CDATA[y]]> <![CDATA[z]]></a>");
    cr_assert_eq(rx->mark_count, 5);
    cr_assert(!rx->marks[1].continues_cdata);
    cr_assert(rx->marks[2].continues_cdata);
    cr_assert(!rx->marks[4].continues_cdata);
    policy_rawxml_free(rx);
}

Test(rawxml, comments_kept_and_double_hyphens_spaced)
{
    expect_escaped("<!-- @(\"<\" -->\n<a/>", "<!-- @(\"<\" -->\n<a/>");
    /* XML forbids "--" in a comment; published policies have it */
    expect_escaped("<!-- a -- b <!-- c --->\n<a/>", "<!-- a - - b <!- - c - -->\n<a/>");
    expect_escaped("<a><!----></a>", "<a><!----></a>");
}

Test(rawxml, error_positions_in_the_original_text)
{
    expect_error("<a>\n  <b>^@(foo(1)</b>\n</a>", "expression '@(' is not closed");
    expect_error("<a>\n  <b>@(foo^(1</b>\n</a>", "'(' in the expression is not closed");
    expect_error("<a>\n  <b>^@{ return 1; </b>\n</a>", "expression '@{' is not closed");
    /* the quote that should end the attribute starts a string when ')' is missing */
    expect_error("<a>\n  <b c=\"@(foo(1)^\"/>\n</a>", "string literal is not closed");
    expect_error("<a>@(x == ^\"abc)</a>", "string literal is not closed");
    expect_error("<a>@(x == ^@\"abc\"\")</a>", "verbatim string literal is not closed");
    expect_error("<a>@(x == ^'a)</a>", "character literal is not closed");
    expect_error("<a>@{ ^/* return 1; }</a>", "comment in the expression is not closed");
    expect_error("<a>@(^$\"{x} abc)</a>", "interpolated string is not closed");
    expect_error("<a>@(^$@\"{x} abc)</a>", "interpolated string is not closed");
    expect_error("<a>@($\"^{x )</a>", "interpolation hole '{' is not closed");
    expect_error("<a>@($\"^{x:yyyy</a>", "interpolation hole '{' is not closed");
    expect_error("<a>\n^<!-- x </a>", "comment is not closed");
    expect_error("<a>\n ^<![CDATA[ x </a>", "CDATA section is not closed");
    expect_error("<a>\n ^<?pi x </a>", "processing instruction is not closed");
    expect_error("^<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>", "DOCTYPE");
    expect_error("<a>^<!ELEMENT a ANY></a>", "not allowed");
    /* columns count characters: é is two bytes, one column */
    expect_error("<a é=\"1\"><b c=\"é\"/>^@(</a>", "not closed");

    /* CRLF and a lone CR each end a line */
    const char *crlf = "<a>\r\n<b>\r @(x</b></a>";
    policy_rawxml_t *rx = NULL;
    policy_rawxml_error_t err;
    cr_assert_eq(policy_rawxml_escape(crlf, strlen(crlf), 0, &rx, &err), -EINVAL);
    cr_assert(err.pos.line == 3 && err.pos.col == 2, "%u:%u", err.pos.line, err.pos.col);
}

Test(rawxml, nesting_limits)
{
    char deep[1200];
    strcpy(deep, "<a b=\"@(");
    for (int i = 0; i < POLICY_RAWXML_MAX_NESTING; i++)
        strcat(deep, "(");
    strcat(deep, "\"/>");
    policy_rawxml_t *rx = NULL;
    policy_rawxml_error_t err;
    cr_assert_eq(policy_rawxml_escape(deep, strlen(deep), 0, &rx, &err), -EINVAL);
    cr_assert(strstr(err.message, "nests deeper"), "%s", err.message);

    /* element depth: max_depth levels pass, one more is refused at its '<' */
    char tags[64 * 8 + 16] = "";
    for (int i = 0; i < 4; i++)
        strcat(tags, "<e>");
    cr_assert_eq(policy_rawxml_escape(tags, strlen(tags), 4, &rx, &err), 0);
    policy_rawxml_free(rx);
    strcat(tags, "<f/>");
    cr_assert_eq(policy_rawxml_escape(tags, strlen(tags), 4, &rx, &err), -EINVAL);
    cr_assert_eq(err.offset, 12);
    cr_assert(strstr(err.message, "nest deeper than 4"), "%s", err.message);
}

Test(rawxml, gives_up_on_markup_it_does_not_understand)
{
    const char *bad[] = {"<a>1 < 2</a>", "<a b=\"1\" c></a>", "<a b=1/>", "<a", "<a b=\"x", "</a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        policy_rawxml_t *rx = escape_ok(bad[i]);
        cr_assert(!rx->is_complete, "%s", bad[i]);
        cr_assert_str_eq(rx->text, bad[i]);
        policy_rawxml_free(rx);
    }
}

Test(rawxml, offset_map_points_at_the_original_character)
{
    const char *src =
        "<p>\n <w c=\"@(\"a\" == x && y < 'b')\">@{ return \"<\"; }</w><!-- -- --></p>";
    policy_rawxml_t *rx = escape_ok(src);
    size_t prev = 0;
    for (size_t o = 0; o <= rx->len; o++) {
        size_t in = policy_rawxml_source_offset(rx, o);
        cr_assert(in >= prev, "map not monotonic at %zu", o);
        cr_assert(in <= strlen(src));
        prev = in;
        if (o == rx->len) {
            cr_assert_eq(in, strlen(src));
            continue;
        }
        /* a byte of an escape or an inserted space maps to the character it stands for */
        cr_assert(rx->text[o] == src[in] || strchr("\"'<>&-", src[in]),
                  "escaped[%zu]='%c' maps to src[%zu]='%c'", o, rx->text[o], in, src[in]);
    }
    /* the byte of an escape maps to the character it replaced */
    const char *q = strstr(rx->text, "&quot;a");
    cr_assert_eq(src[policy_rawxml_source_offset(rx, (size_t)(q - rx->text) + 3)], '"');
    policy_rawxml_free(rx);
}

Test(rawxml, line_index)
{
    const char *s = "\xEF\xBB\xBF"
                    "ab\r\ncd\r\xC3\xA9\n\nxyz";
    policy_rawxml_lines_t lines;
    cr_assert_eq(policy_rawxml_lines_init(&lines, s, strlen(s)), 0);
    cr_assert_eq(lines.line_count, 5);
    policy_rawxml_pos_t p = policy_rawxml_lines_position(&lines, 3); /* 'a' after the BOM */
    cr_assert(p.line == 1 && p.col == 1);
    p = policy_rawxml_lines_position(&lines, 5); /* '\r' */
    cr_assert(p.line == 1 && p.col == 3);
    p = policy_rawxml_lines_position(&lines, 6); /* its '\n': the same line break */
    cr_assert(p.line == 1 && p.col == 3);
    p = policy_rawxml_lines_position(&lines, 7); /* 'c' */
    cr_assert(p.line == 2 && p.col == 1);
    p = policy_rawxml_lines_position(&lines, 12); /* '\n' after é */
    cr_assert(p.line == 3 && p.col == 2, "%u:%u", p.line, p.col);
    p = policy_rawxml_lines_position(&lines, strlen(s)); /* end */
    cr_assert(p.line == 5 && p.col == 4);
    cr_assert_eq(policy_rawxml_lines_width(&lines, 1), 2);
    cr_assert_eq(policy_rawxml_lines_width(&lines, 3), 1);
    cr_assert_eq(policy_rawxml_lines_width(&lines, 4), 0);
    cr_assert_eq(policy_rawxml_lines_width(&lines, 5), 3);
    cr_assert_eq(policy_rawxml_lines_width(&lines, 6), 0);
    policy_rawxml_lines_free(&lines);
}

Test(rawxml, escaping_is_idempotent)
{
    const char *src = "<p a=\"@(&quot;x&quot; + \"y\" + 'z')\"><!-- -- -->@{ return a && b < c; }"
                      "<![CDATA[ & < ]]></p>";
    policy_rawxml_t *once = escape_ok(src);
    policy_rawxml_t *twice = escape_ok(once->text);
    cr_assert_str_eq(once->text, twice->text);
    cr_assert_eq(once->mark_count, twice->mark_count);
    policy_rawxml_free(once);
    policy_rawxml_free(twice);
}

Test(rawxml, too_large_input)
{
    policy_rawxml_t *rx = NULL;
    policy_rawxml_error_t err;
    cr_assert_eq(policy_rawxml_escape("", (size_t)POLICY_RAWXML_MAX_INPUT + 1, 0, &rx, &err),
                 -EFBIG);
    cr_assert_null(rx);
}
