#include "base/json_locate.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY(k) ((json_locate_step_t){(k), sizeof(k) - 1, 0})
#define IDX(i) ((json_locate_step_t){NULL, 0, (i)})

static const char doc[] = "{\n"
                          "  \"revision\": 42,\n"
                          "  \"apis\": [\n"
                          "    { \"id\": \"a\", \"ops\": [1, [2, 3], {\"x\": null}] },\n"
                          "    {\"id\": \"b\",\n"
                          "     \"serviceUrl\": \"http://x\"}\n"
                          "  ],\n"
                          "  \"s\\u0065rvice\": {\"name\": \"c\\\"}\"}\n"
                          "}\n";

static int locate(const char *text, const json_locate_step_t *path, size_t depth,
                  json_locate_pos_t *pos)
{
    return json_locate(text, strlen(text), path, depth, pos);
}

Test(json_locate, root_value)
{
    json_locate_pos_t pos;
    cr_assert_eq(locate("  \n {}", NULL, 0, &pos), 0);
    cr_assert_eq(pos.line, 2);
    cr_assert_eq(pos.column, 2);
    cr_assert_eq(pos.offset, 4);
}

Test(json_locate, object_member)
{
    json_locate_step_t path[] = {KEY("revision")};
    json_locate_pos_t pos;
    cr_assert_eq(locate(doc, path, 1, &pos), 1);
    cr_assert_eq(pos.line, 2);
    cr_assert_eq(pos.column, 15);
    cr_assert_eq(doc[pos.offset], '4');
}

Test(json_locate, array_elements_and_nesting)
{
    json_locate_step_t path[] = {KEY("apis"), IDX(1), KEY("serviceUrl")};
    json_locate_pos_t pos;
    cr_assert_eq(locate(doc, path, 3, &pos), 3);
    cr_assert_eq(pos.line, 6);
    cr_assert_eq(pos.column, 20);

    json_locate_step_t deep[] = {KEY("apis"), IDX(0), KEY("ops"), IDX(2), KEY("x")};
    cr_assert_eq(locate(doc, deep, 5, &pos), 5);
    cr_assert_eq(pos.line, 4);
    cr_assert_eq(strncmp(doc + pos.offset, "null", 4), 0);
}

Test(json_locate, skips_nested_containers_and_strings_with_brackets)
{
    const char *t = "{\"a\": {\"b\": [\"]}\", {\"c\": \"{\"}]}, \"d\": true}";
    json_locate_step_t path[] = {KEY("d")};
    json_locate_pos_t pos;
    cr_assert_eq(locate(t, path, 1, &pos), 1);
    cr_assert_eq(strncmp(t + pos.offset, "true", 4), 0);
}

Test(json_locate, escaped_key_is_decoded)
{
    json_locate_step_t path[] = {KEY("service"), KEY("name")};
    json_locate_pos_t pos;
    cr_assert_eq(locate(doc, path, 2, &pos), 2);
    cr_assert_eq(pos.line, 8);
    cr_assert_eq(doc[pos.offset], '"');
}

Test(json_locate, unicode_escapes_and_surrogate_pairs)
{
    /* "\u00e9" is é (2 bytes UTF-8), "\ud83d\ude00" is U+1F600 (4 bytes). */
    const char *t = "{\"caf\\u00e9\": 1, \"\\ud83d\\ude00\": 2}";
    json_locate_step_t a[] = {KEY("caf\xc3\xa9")};
    json_locate_step_t b[] = {KEY("\xf0\x9f\x98\x80")};
    json_locate_pos_t pos;
    cr_assert_eq(locate(t, a, 1, &pos), 1);
    cr_assert_eq(t[pos.offset], '1');
    cr_assert_eq(locate(t, b, 1, &pos), 1);
    cr_assert_eq(t[pos.offset], '2');
}

Test(json_locate, key_prefix_is_not_a_match)
{
    const char *t = "{\"ab\": 1, \"a\": 2}";
    json_locate_step_t path[] = {KEY("a")};
    json_locate_pos_t pos;
    cr_assert_eq(locate(t, path, 1, &pos), 1);
    cr_assert_eq(t[pos.offset], '2');
}

Test(json_locate, missing_member_points_at_parent)
{
    json_locate_step_t path[] = {KEY("apis"), IDX(1), KEY("path")};
    json_locate_pos_t pos;
    cr_assert_eq(locate(doc, path, 3, &pos), 2);
    cr_assert_eq(pos.line, 5);
    cr_assert_eq(pos.column, 5);
    cr_assert_eq(doc[pos.offset], '{');

    json_locate_step_t past_end[] = {KEY("apis"), IDX(7)};
    cr_assert_eq(locate(doc, past_end, 2, &pos), 1);
    cr_assert_eq(doc[pos.offset], '[');
}

Test(json_locate, wrong_container_kind_stops)
{
    json_locate_step_t path[] = {KEY("revision"), KEY("x")};
    json_locate_pos_t pos;
    cr_assert_eq(locate(doc, path, 2, &pos), 1);
    json_locate_step_t idx[] = {IDX(0)};
    cr_assert_eq(locate(doc, idx, 1, &pos), 0);
}

Test(json_locate, columns_count_characters_not_bytes)
{
    /* Same convention as jansson: é is one column. */
    const char *t = "{\"n\": \"\xc3\xa9\xc3\xa9\", \"x\": 1}";
    json_locate_step_t path[] = {KEY("x")};
    json_locate_pos_t pos;
    cr_assert_eq(locate(t, path, 1, &pos), 1);
    cr_assert_eq(pos.column, 18);
}

Test(json_locate, empty_and_truncated_text)
{
    json_locate_pos_t pos;
    cr_assert_eq(locate("", NULL, 0, &pos), -1);
    cr_assert_eq(locate("   \n ", NULL, 0, &pos), -1);
    cr_assert_eq(pos.line, 2);

    const char *cut[] = {"{",           "{\"a",      "{\"a\"",          "{\"a\":",   "{\"a\": [1,",
                         "{\"a\": \"x", "{\"b\": {", "{\"b\": 1 \"a\"", "{\"a\\u12", "[1, 2"};
    json_locate_step_t path[] = {KEY("a"), IDX(3)};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        int n = locate(cut[i], path, 2, &pos);
        cr_assert(n >= 0 && n < 2, "case %zu", i);
        cr_assert(pos.offset <= strlen(cut[i]));
    }
}

Test(json_locate, deep_nesting_is_skipped_without_recursion)
{
    size_t depth = 100000;
    char *t = malloc(2 * depth + 32);
    size_t n = 0;
    n += (size_t)sprintf(t, "{\"a\": ");
    for (size_t i = 0; i < depth; i++)
        t[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        t[n++] = ']';
    n += (size_t)sprintf(t + n, ", \"b\": 7}");
    json_locate_step_t path[] = {KEY("b")};
    json_locate_pos_t pos;
    cr_assert_eq(json_locate(t, n, path, 1, &pos), 1);
    cr_assert_eq(t[pos.offset], '7');
    free(t);
}

Test(json_locate, offset_to_position)
{
    const char *t = "ab\ncd\n\xc3\xa9x";
    json_locate_pos_t p = json_locate_offset(t, strlen(t), 4);
    cr_assert_eq(p.line, 2);
    cr_assert_eq(p.column, 2);
    p = json_locate_offset(t, strlen(t), 8);
    cr_assert_eq(p.line, 3);
    cr_assert_eq(p.column, 2);
    p = json_locate_offset(t, strlen(t), 1000);
    cr_assert_eq(p.offset, strlen(t));
}

Test(json_locate, format_path)
{
    json_locate_step_t path[] = {KEY("apis"), IDX(1), KEY("operations"), IDX(12),
                                 KEY("urlTemplate")};
    char out[64];
    size_t n = json_locate_format_path(path, 5, out, sizeof out);
    cr_assert_str_eq(out, "apis[1].operations[12].urlTemplate");
    cr_assert_eq(n, strlen(out));

    json_locate_step_t odd[] = {KEY("policies"), KEY("apis"), KEY("orders;rev=\"2\"")};
    json_locate_format_path(odd, 3, out, sizeof out);
    cr_assert_str_eq(out, "policies.apis[\"orders;rev=\\\"2\\\"\"]");

    char small[8];
    n = json_locate_format_path(path, 5, small, sizeof small);
    cr_assert_str_eq(small, "apis[1]");
    cr_assert_eq(n, strlen("apis[1].operations[12].urlTemplate"));
}

Test(json_locate, parse_path_round_trip)
{
    const char *s = "apis[3].operations[0].urlTemplate";
    json_locate_step_t steps[8];
    int n = json_locate_parse_path(s, strlen(s), steps, 8);
    cr_assert_eq(n, 5);
    cr_assert_eq(steps[0].key_len, 4);
    cr_assert_eq(strncmp(steps[0].key, "apis", 4), 0);
    cr_assert_null(steps[1].key);
    cr_assert_eq(steps[1].index, 3);
    cr_assert_eq(steps[3].index, 0);
    char out[64];
    json_locate_format_path(steps, (size_t)n, out, sizeof out);
    cr_assert_str_eq(out, s);
}

Test(json_locate, parse_path_rejects_garbage)
{
    const char *bad[] = {"",    ".a",  "a..b",  "a[", "a[x]",
                         "a[1", "a b", "a[1]b", "1a", "out of memory"};
    json_locate_step_t steps[8];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(json_locate_parse_path(bad[i], strlen(bad[i]), steps, 8), -1, "%s", bad[i]);
    cr_assert_eq(json_locate_parse_path("a.b.c", 5, steps, 2), -1);
}
