/* yaml_out: whatever it writes, yaml_json reads back to an equal value. */
#include "cli/yaml_out.h"
#include "manage/yaml_json.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static void assert_round_trip(const char *json_text)
{
    json_error_t jerr;
    json_t *v = json_loads(json_text, JSON_DECODE_ANY, &jerr);
    cr_assert_not_null(v, "test JSON: %s", jerr.text);
    char *yaml = yaml_out_dump(v);
    cr_assert_not_null(yaml);
    char *err = NULL;
    json_t *back = yaml_json_parse(yaml, strlen(yaml), "out.yaml", &err);
    cr_assert_not_null(back, "%s\n---\n%s", err ? err : "", yaml);
    char *a = json_dumps(v, JSON_ENCODE_ANY), *b = json_dumps(back, JSON_ENCODE_ANY);
    cr_assert(json_equal(v, back), "wrote:\n%s\nread back %s, expected %s", yaml, b, a);
    free(a);
    free(b);
    free(yaml);
    json_decref(back);
    json_decref(v);
}

Test(yaml_out, strings_that_look_like_other_types_stay_strings)
{
    assert_round_trip(
        "{\"a\": \"true\", \"b\": \"False\", \"c\": \"null\", \"d\": \"~\", \"e\": \"\","
        " \"f\": \"12\", \"g\": \"-3.5\", \"h\": \"0x1F\", \"i\": \"0o17\", \"j\": \".inf\","
        " \"k\": \"1e3\", \"l\": \"+1\", \"m\": \"yes\"}");
}

Test(yaml_out, indicators_and_odd_text)
{
    assert_round_trip(
        "{\"a\": \"- x\", \"b\": \"a: b\", \"c\": \"#x\", \"d\": \"x #y\", \"e\": \"&a\","
        " \"f\": \"*a\", \"g\": \"!t\", \"h\": \"{x}\", \"i\": \"[1]\", \"j\": \"'q'\","
        " \"k\": \"\\\"dq\\\"\", \"l\": \" lead\", \"m\": \"trail \", \"n\": \"t\\tab\","
        " \"o\": \"caf\\u00e9 \\u6f22\", \"p\": \"@x\", \"q\": \"%x\", \"r\": \"a\\\\b\","
        " \"200\": \"key that is a number\", \"\": \"empty key\"}");
}

Test(yaml_out, multi_line_policies)
{
    assert_round_trip(
        "{\"p\": \"<policies>\\n  <inbound />\\n</policies>\\n\","
        " \"no_final_newline\": \"a\\nb\", \"two_final\": \"a\\n\\n\","
        " \"leading_blank\": \"\\n  x\", \"spaces_end\": \"a  \\nb\","
        " \"crlf\": \"a\\r\\nb\", \"long\": \""
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxx yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy zzzzzzzz\"}");
}

Test(yaml_out, numbers_booleans_null_and_nesting)
{
    assert_round_trip("{\"i\": 42, \"n\": -7, \"big\": 9007199254740993, \"r\": 1.0, \"e\": 1e300,"
                      " \"f\": 0.1, \"t\": true, \"fa\": false, \"z\": null, \"o\": {}, \"a\": [],"
                      " \"deep\": {\"x\": [1, \"2\", [true, {\"y\": null}]]}}");
    assert_round_trip("[1, \"a\", {\"b\": [\"c\"]}]");
}

Test(yaml_out, block_style_with_policies_as_literal_blocks)
{
    json_t *v =
        json_pack("{s:s, s:{s:[s, s]}, s:s}", "policy", "<policies>\n  <inbound />\n</policies>\n",
                  "apis", "x", "a", "b", "n", "true");
    char *yaml = yaml_out_dump(v);
    cr_assert_str_eq(yaml, "policy: |\n"
                           "  <policies>\n"
                           "    <inbound />\n"
                           "  </policies>\n"
                           "apis:\n"
                           "  x:\n"
                           "  - a\n"
                           "  - b\n"
                           "n: \"true\"\n");
    free(yaml);
    json_decref(v);
}
