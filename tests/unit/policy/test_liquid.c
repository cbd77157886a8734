/* The Liquid engine of set-body template="liquid" (src/policy/liquid.h). */
#include "policy/liquid.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* 2024-03-05T06:07:08Z */
#define NOW 1709618828LL

static char *render_rc(const char *tpl_text, const char *model_json, int *rc_out,
                       liquid_error_t *err)
{
    liquid_template_t *tpl = NULL;
    int rc = liquid_compile(tpl_text, strlen(tpl_text), &tpl, err);
    cr_assert_eq(rc, 0, "compile '%s': %d %u:%u %s", tpl_text, rc, err->line, err->col,
                 err->message);
    json_error_t jerr;
    json_t *model = json_loads(model_json ? model_json : "{}", 0, &jerr);
    cr_assert_not_null(model, "bad model: %s", jerr.text);
    buf_t out;
    buf_init(&out);
    *rc_out = liquid_render(tpl, model, NOW, &out, err);
    char *s = strndup(out.data ? out.data : "", out.len);
    buf_free(&out);
    json_decref(model);
    liquid_free(tpl);
    return s;
}

static char *render(const char *tpl_text, const char *model_json)
{
    liquid_error_t err = {0};
    int rc;
    char *s = render_rc(tpl_text, model_json, &rc, &err);
    cr_assert_eq(rc, 0, "render '%s': %d %s", tpl_text, rc, err.message);
    return s;
}

#define EXPECT(tpl, model, want)                                                                   \
    do {                                                                                           \
        char *got_ = render(tpl, model);                                                           \
        cr_expect_str_eq(got_, want, "template %s\ngot %s", tpl, got_);                                          \
        free(got_);                                                                                \
    } while (0)

static void expect_compile_error(const char *text, unsigned line, unsigned col, const char *part)
{
    liquid_template_t *tpl = NULL;
    liquid_error_t err = {0};
    int rc = liquid_compile(text, strlen(text), &tpl, &err);
    cr_assert_eq(rc, -EINVAL, "'%s' compiled", text);
    cr_assert_null(tpl);
    cr_expect_eq(err.line, line, "'%s': line %u, message %s", text, err.line, err.message);
    cr_expect_eq(err.col, col, "'%s': col %u, message %s", text, err.col, err.message);
    cr_expect(strstr(err.message, part) != NULL, "'%s': message '%s' lacks '%s'", text,
              err.message, part);
}

static const char *const order_model =
    "{\"body\": {\"customer\": {\"purchase\": {\"identifier\": \"A-17\", \"orderShortDesc\": "
    "\"two shirts\"}}, \"items\": [{\"name\": \"shirt\", \"qty\": 2, \"price\": 9.5}, {\"name\": "
    "\"hat\", \"qty\": 1, \"price\": 20}], \"tags\": [\"b\", \"a\", \"c\", \"a\"], \"n\": 7, "
    "\"empty\": \"\", \"nothing\": null, \"yes\": true},"
    " \"context\": {\"Request\": {\"Method\": \"POST\", \"Headers\": {\"Content-Type\": "
    "\"application/json\"}, \"Url\": {\"Path\": \"/orders\", \"Host\": \"api.example.com\"}},"
    " \"Variables\": {\"region\": \"West US\"}}}";

Test(liquid, text_and_output)
{
    EXPECT("Hello world!", NULL, "Hello world!");
    EXPECT("", NULL, "");
    EXPECT("{\"id\": \"{{body.customer.purchase.identifier}}\", \"summary\": "
           "\"{{ body.customer.purchase.orderShortDesc }}\"}",
           order_model, "{\"id\": \"A-17\", \"summary\": \"two shirts\"}");
    EXPECT("{{context.Request.Method}} {{context.Request.Url.Path}}", order_model, "POST /orders");
    EXPECT("{{ context.Variables.region }}", order_model, "West US");
    EXPECT("[{{ body.missing.deeper }}]", order_model, "[]");
    EXPECT("{{ body.n }} {{ body.items[0].price }} {{ body.items[1].price }} {{ body.yes }}",
           order_model, "7 9.5 20 true");
    EXPECT("{{ body.items[-1].name }} {{ body.items.first.name }} {{ body.items.last.name }}",
           order_model, "hat shirt hat");
    EXPECT("{{ body.items.size }} {{ body.tags.size }} {% assign h = 'héllo' %}{{ h.size }}",
           order_model, "2 4 5");
    EXPECT("{{ body.tags }}", order_model, "bac" "a");
    EXPECT("{{ body.customer.purchase }}", order_model,
           "{\"identifier\":\"A-17\",\"orderShortDesc\":\"two shirts\"}");
    EXPECT("{{ context.Request.Headers[\"content-type\"] }}", order_model, "application/json");
    EXPECT("{{ context.request.headers.Content-Type }}", order_model, "application/json");
}

Test(liquid, whitespace_control_raw_comment)
{
    EXPECT("a  {{- 'b' -}}  c", NULL, "abc");
    EXPECT("x\n  {%- assign y = 1 -%}\n  z", NULL, "xz");
    EXPECT("{% raw %}{{ not }} {% this %}{% endraw %}!", NULL, "{{ not }} {% this %}!");
    EXPECT("a{% comment %} {{ ignored | Bogus }} {% endcomment %}b", NULL, "ab");
    EXPECT("{{ '}}' }}", NULL, "}}");
}

Test(liquid, conditions)
{
    EXPECT("{% if body.n > 5 %}big{% elsif body.n > 2 %}mid{% else %}small{% endif %}",
           order_model, "big");
    EXPECT("{% if body.n < 5 %}big{% elsif body.n > 2 %}mid{% else %}small{% endif %}",
           order_model, "mid");
    EXPECT("{% if body.nothing %}x{% else %}y{% endif %}", order_model, "y");
    EXPECT("{% if body.empty %}truthy{% endif %}", order_model, "truthy");
    EXPECT("{% if body.empty == empty %}e{% endif %}{% if body.nothing == blank %}b{% endif %}",
           order_model, "eb");
    EXPECT("{% unless body.yes %}no{% else %}yes{% endunless %}", order_model, "yes");
    EXPECT("{% if body.tags contains 'c' and context.Request.Method == 'POST' %}ok{% endif %}",
           order_model, "ok");
    EXPECT("{% if context.Variables.region contains 'West' %}w{% endif %}", order_model, "w");
    EXPECT("{% if body.missing or body.n == 7 %}or{% endif %}", order_model, "or");
    /* Right to left: true or (false and false). */
    EXPECT("{% if true or false and false %}t{% else %}f{% endif %}", NULL, "t");
    EXPECT("{% if body.n != 7 %}a{% elsif body.n <> 8 %}b{% endif %}", order_model, "b");
    EXPECT("{% if 'abc' < 'abd' and 2 >= 2.0 and body.n <= 7 %}ok{% endif %}", order_model, "ok");
    EXPECT("{% if 1 < 'a' %}x{% else %}incomparable{% endif %}", NULL, "incomparable");
}

Test(liquid, case_when)
{
    const char *t = "{% case body.n %}{% when 1, 2 %}low{% when 7 or 8 %}seven{% else %}other"
                    "{% endcase %}";
    EXPECT(t, order_model, "seven");
    EXPECT(t, "{\"body\": {\"n\": 2}}", "low");
    EXPECT(t, "{\"body\": {\"n\": 3}}", "other");
    EXPECT("{% case 'x' %} ignored {% when 'x' %}X{% endcase %}", NULL, "X");
}

Test(liquid, for_loops)
{
    EXPECT("{% for item in body.items %}{{ forloop.index }}:{{ item.name }}"
           "{% unless forloop.last %},{% endunless %}{% endfor %}",
           order_model, "1:shirt,2:hat");
    EXPECT("{% for i in (1..5) %}{{ i }}{% endfor %}", NULL, "12345");
    EXPECT("{% for i in (1..5) reversed %}{{ i }}{% endfor %}", NULL, "54321");
    EXPECT("{% for i in (1..9) limit: 3 offset: 2 %}{{ i }}{% endfor %}", NULL, "345");
    EXPECT("{% for i in (1..5) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}"
           "{% break %}{% endif %}{{ i }}{% endfor %}",
           NULL, "13");
    EXPECT("{% for x in body.nothing %}x{% else %}none{% endfor %}", order_model, "none");
    EXPECT("{% for i in (1..2) %}{% for j in (1..2) %}{{ forloop.index0 }}{{ forloop.first }}"
           "{% endfor %}|{{ forloop.rindex }}{{ forloop.length }};{% endfor %}",
           NULL, "0true1false|22;0true1false|12;");
    EXPECT("{% assign i = 'kept' %}{% for i in (1..2) %}{% endfor %}{{ i }}", NULL, "kept");
    EXPECT("{% for kv in body.customer.purchase %}{{ kv[0] }}={{ kv[1] }};{% endfor %}",
           order_model, "identifier=A-17;orderShortDesc=two shirts;");
}

Test(liquid, assign_and_capture)
{
    EXPECT("{% assign who = body.items[0].name | Upcase %}{{ who }}", order_model, "SHIRT");
    EXPECT("{% capture greeting %}Hi {{ body.items[1].name }}!{% endcapture %}{{ greeting }}",
           order_model, "Hi hat!");
    EXPECT("{% assign body = 'shadow' %}{{ body }}", order_model, "shadow");
}

Test(liquid, string_filters)
{
    EXPECT("{{ 'abc' | Append: 'def' | Prepend: '>' }}", NULL, ">abcdef");
    EXPECT("{{ 'hello world' | Capitalize }} {{ 'MiXeD' | Downcase }} {{ 'MiXeD' | Upcase }}", NULL,
           "Hello world mixed MIXED");
    EXPECT("{{ \"<a href='x'>it's</a>\" | Escape }} {{ body.q | Escape }}", "{\"body\": {\"q\": \"\\\"&\"}}",
           "&lt;a href=&#39;x&#39;&gt;it&#39;s&lt;/a&gt; &quot;&amp;");
    EXPECT("{{ '<b>' | H }}", NULL, "&lt;b&gt;");
    EXPECT("[{{ '  x  ' | Strip }}][{{ '  x  ' | Lstrip }}][{{ '  x  ' | Rstrip }}]", NULL,
           "[x][x  ][  x]");
    EXPECT("{{ 'a-b-a' | Remove: 'a' }} {{ 'a-b-a' | RemoveFirst: 'a' }}", NULL, "-b- -b-a");
    EXPECT("{{ 'a-b-a' | Replace: 'a', 'x' }} {{ 'a-b-a' | ReplaceFirst: 'a', 'x' }}", NULL,
           "x-b-x x-b-a");
    EXPECT("{{ 'a\nb' | NewlineToBr }}|{{ 'a\r\nb\n' | StripNewlines }}", NULL, "a<br />\nb|ab");
    EXPECT("{{ '<p>Hi <script>x()</script><b>there</b></p>' | StripHtml }}", NULL, "Hi there");
    EXPECT("{{ 'Ground control to Major Tom.' | Truncate: 20 }}", NULL, "Ground control to...");
    EXPECT("{{ 'Ground control' | Truncate: 20 }}", NULL, "Ground control");
    EXPECT("{{ 'Ground control to Major Tom.' | Truncate: 10, '!' }}", NULL, "Ground co!");
    EXPECT("{{ 'Ground control to Major Tom.' | TruncateWords: 3 }}", NULL, "Ground control to...");
    EXPECT("{{ 'a b' | TruncateWords: 3 }}", NULL, "a b");
    EXPECT("{{ 'a b&c/d=é' | UrlEncode }}", NULL, "a+b%26c%2Fd%3D%C3%A9");
    EXPECT("{{ 'a+b%26c%2fd%3D%C3%A9%zz' | UrlDecode }}", NULL, "a b&c/d=é%zz");
    EXPECT("{{ 'héllo' | Slice: 1, 3 }} {{ 'hello' | Slice: -3, 2 }} {{ 'hello' | Slice: 9 }}|",
           NULL, "éll ll |");
    EXPECT("{{ 'a,b,,c,,' | Split: ',' | Join: '+' }}", NULL, "a+b++c");
    EXPECT("{{ 'abc' | Split: '' | Join }}", NULL, "a b c");
}

Test(liquid, filter_name_forms)
{
    EXPECT("{{ 'a b' | url_encode }} {{ 'a b' | urlencode }} {{ 'x' | upcase }}", NULL,
           "a+b a+b X");
    EXPECT("{{ 3 | at_least: 5 }} {{ 3 | AtMost: 1 }} {{ 'a\nb' | newline_to_br }}", NULL,
           "5 1 a<br />\nb");
}

Test(liquid, array_filters)
{
    EXPECT("{{ body.items | Map: 'name' | Join: ', ' }}", order_model, "shirt, hat");
    EXPECT("{{ body.tags | Sort | Join: '' }} {{ body.tags | Uniq | Join: '' }}", order_model,
           "aabc bac");
    EXPECT("{{ body.items | Sort: 'price' | Map: 'name' | Join }}", order_model, "shirt hat");
    EXPECT("{{ body.tags | First }}{{ body.tags | Last }} {{ body.tags | Size }}", order_model,
           "ba 4");
    EXPECT("{{ 'hello' | First }}{{ 'hello' | Last }} {{ 'hello' | Size }}", NULL, "ho 5");
    EXPECT("{{ body.tags | Slice: 1, 2 | Join: '' }}", order_model, "ac");
    EXPECT("{{ body.arr | Compact | Join: ',' }}", "{\"body\": {\"arr\": [1, null, 2]}}", "1,2");
}

Test(liquid, value_filters)
{
    EXPECT("{{ body.nothing | Default: 'none' }} {{ body.empty | Default: 'e' }} "
           "{{ body.n | Default: 'x' }} {{ false | Default: 'f' }}",
           order_model, "none e 7 f");
    EXPECT("{{ 4 | Plus: 2 }} {{ 4 | Minus: 6 }} {{ 4 | Times: 2.5 }} {{ 7 | DividedBy: 2 }} "
           "{{ 7.0 | DividedBy: 2 }} {{ -7 | DividedBy: 2 }} {{ 7 | Modulo: 3 }} {{ '3' | Plus: 1 }}",
           NULL, "6 -2 10 3 3.5 -4 1 4");
    EXPECT("{{ -4.5 | Abs }} {{ 2.567 | Round: 2 }} {{ 2.5 | Round }} {{ 1234567.891 | Currency }}",
           NULL, "4.5 2.57 3 \xC2\xA4" "1,234,567.89");
}

Test(liquid, date_filter)
{
    const char *m = "{\"body\": {\"foo\": {\"startDateTime\": \"2012-03-21T05:40:09.1234567Z\"}, "
                    "\"local\": \"2024-12-31 23:05\", \"ms\": \"/Date(1198908717056)/\", "
                    "\"off\": \"2020-02-29T10:00:00+05:30\", \"bad\": \"not a date\"}}";
    EXPECT("{{ body.foo.startDateTime | Date: \"yyyyMMddTHH:mm:ssZ\" }}", m, "20120321T05:40:09Z");
    EXPECT("{{ body.foo.startDateTime | Date: 'dddd, MMMM d, yy h:m:s tt fff FFFFFFF K' }}", m,
           "Wednesday, March 21, 12 5:40:9 AM 123 1234567 Z");
    EXPECT("{{ body.local | Date: 'MMM dd hh:mm tt' }}", m, "Dec 31 11:05 PM");
    EXPECT("{{ body.ms | Date: 's' }}", m, "2007-12-29T06:11:57");
    EXPECT("{{ body.off | Date: 'o' }}", m, "2020-02-29T10:00:00.0000000+05:30");
    EXPECT("{{ body.off | Date: \"yyyy'-'MM 'at' HH\\h zzz\" }}", m, "2020-02 at 10h +05:30");
    EXPECT("{{ body.bad | Date: 'yyyy' }}", m, "not a date");
    EXPECT("{{ 'now' | Date: 'u' }} {{ 'today' | Date: 'G' }}", NULL,
           "2024-03-05 06:07:08Z 03/05/2024 00:00:00");
}

Test(liquid, compile_errors_have_positions)
{
    expect_compile_error("ok\n{{ body.x | NoSuchFilter }}", 2, 13, "unknown filter 'NoSuchFilter'");
    expect_compile_error("{% frobnicate %}", 1, 1, "unknown tag 'frobnicate'");
    expect_compile_error("a\n  {% if x %}never closed", 2, 3, "'if' is not closed");
    expect_compile_error("{{ x ", 1, 1, "'{{' is not closed by '}}'");
    expect_compile_error("{{ x | Append }}", 1, 8, "filter 'Append' takes 1 to 1 argument(s), not 0");
    expect_compile_error("{{ x | Truncate: 1, 2, 3 }}", 1, 8, "not 3");
    expect_compile_error("{% for i in (1..3) %}{% endif %}", 1, 22, "'endif' without its opening tag");
    expect_compile_error("{% break %}", 1, 1, "outside a 'for' loop");
    expect_compile_error("{{ 'abc }}", 1, 1, "not closed");
    expect_compile_error("{{ a b }}", 1, 6, "unexpected 'b'");
    expect_compile_error("{% raw %}x", 1, 1, "'{% raw %}' is not closed by '{% endraw %}'");
    expect_compile_error("{% assign = 1 %}", 1, 11, "expected a variable name");
    expect_compile_error("{{ a ; }}", 1, 6, "unexpected character ';'");
}

Test(liquid, render_errors)
{
    liquid_error_t err = {0};
    int rc;
    char *s = render_rc("ab{{ 1 | DividedBy: 0 }}", NULL, &rc, &err);
    cr_expect_eq(rc, -EINVAL);
    cr_expect_str_eq(err.message, "divided by 0");
    cr_expect_eq(err.col, 10);
    free(s);
    s = render_rc("{% for i in (1..2000000) %}x{% endfor %}", NULL, &rc, &err);
    cr_expect_eq(rc, -EINVAL);
    cr_expect(strstr(err.message, "steps") != NULL, "%s", err.message);
    free(s);
    s = render_rc("{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..30) %}{% assign s = s | "
                  "Append: s %}{% endfor %}",
                  NULL, &rc, &err);
    cr_expect_eq(rc, -E2BIG);
    free(s);
}

Test(liquid, a_template_renders_many_times)
{
    liquid_template_t *tpl;
    liquid_error_t err;
    const char *text = "{% for i in (1..3) %}{{ i | Times: body.k }}{% endfor %}";
    cr_assert_eq(liquid_compile(text, strlen(text), &tpl, &err), 0);
    for (int k = 1; k <= 3; k++) {
        json_t *model = json_pack("{s{si}}", "body", "k", k);
        buf_t out;
        buf_init(&out);
        cr_assert_eq(liquid_render(tpl, model, NOW, &out, &err), 0);
        char want[32];
        snprintf(want, sizeof want, "%d%d%d", k, 2 * k, 3 * k);
        cr_expect_eq(out.len, strlen(want));
        cr_expect(memcmp(out.data, want, out.len) == 0);
        buf_free(&out);
        json_decref(model);
    }
    liquid_free(tpl);
}
