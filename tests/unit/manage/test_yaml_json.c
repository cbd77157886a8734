#include "manage/yaml_json.h"

#include "../marked_text.h"
#include "support.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *parse_ok(const char *text)
{
    char *err = NULL;
    json_t *v = yaml_json_parse(text, strlen(text), "t.yaml", &err);
    cr_assert_not_null(v, "parse failed: %s", err ? err : "(no message)");
    cr_assert_null(err);
    return v;
}

/* `marked` carries a '$' where the error must point. */
static void expect_error(const char *marked, const char *message)
{
    marked_text_t m = marked_text(marked, '$');
    char *err = NULL;
    json_t *v = yaml_json_parse(m.text, strlen(m.text), "t.yaml", &err);
    cr_assert_null(v, "parsed, expected: %s", message);
    cr_assert_not_null(err);
    char want[64];
    snprintf(want, sizeof want, "t.yaml:%u:%u: ", m.line, m.col);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "want %s..., got %s", want, err);
    cr_assert(strstr(err, message), "want \"%s\" in %s", message, err);
    free(err);
    free(m.text);
}

Test(yaml_json, core_schema_scalars)
{
    json_t *v = parse_ok("a: 12\n"
                         "b: -7\n"
                         "c: 0x1F\n"
                         "d: 0o17\n"
                         "e: 1.5\n"
                         "f: 1e3\n"
                         "g: .5\n"
                         "h: true\n"
                         "i: FALSE\n"
                         "j: ~\n"
                         "k:\n"
                         "l: Null\n"
                         "m: yes\n"
                         "n: \"12\"\n"
                         "o: 'true'\n"
                         "p: 1.2.3\n"
                         "q: 99999999999999999999\n"
                         "r: |\n  two\n  lines\n"
                         "s: 0755\n");
    support_expect_json(v, "{\"a\":12,\"b\":-7,\"c\":31,\"d\":15,\"e\":1.5,\"f\":1000.0,\"g\":0.5,"
                           "\"h\":true,\"i\":false,\"j\":null,\"k\":null,\"l\":null,\"m\":\"yes\","
                           "\"n\":\"12\",\"o\":\"true\",\"p\":\"1.2.3\",\"q\":1e20,"
                           "\"r\":\"two\\nlines\\n\",\"s\":755}");
    json_decref(v);
}

Test(yaml_json, core_tags)
{
    json_t *v = parse_ok("a: !!str 123\nb: !!int \"42\"\nc: !!float 3\nd: !!bool \"true\"\n"
                         "e: !!null ''\n");
    support_expect_json(v, "{\"a\":\"123\",\"b\":42,\"c\":3.0,\"d\":true,\"e\":null}");
    json_decref(v);
    expect_error("a: $!!int twelve\n", "not an integer");
    expect_error("a: $!custom 1\n", "unsupported tag");
}

Test(yaml_json, keys_are_text)
{
    json_t *v = parse_ok("responses:\n  200: {description: ok}\n  true: x\n  1.0: y\n");
    json_t *r = json_object_get(v, "responses");
    cr_assert_not_null(json_object_get(r, "200"));
    cr_assert_str_eq(json_string_value(json_object_get(r, "true")), "x");
    cr_assert_str_eq(json_string_value(json_object_get(r, "1.0")), "y");
    json_decref(v);
}

Test(yaml_json, errors_name_line_and_column)
{
    expect_error("a: 1\nb:\n  c: 2\n  $c: 3\n", "duplicate key \"c\"");
    expect_error("a: 1\n$[x]: 2\n", "mapping keys must be scalars");
    expect_error("a: $.inf\n", "cannot be represented");
    expect_error("a: [1, 2\nb$: ",
                 "did not find expected ',' or ']' while parsing a flow sequence");
    expect_error("a: 1\n$---\nb: 2\n", "only one YAML document");
    expect_error("$", "empty document");
    expect_error("a: \"unterminated\n$", "");
    expect_error("a: $*nothing\n", "alias *nothing names no finished anchor");
}

Test(yaml_json, syntax_error_position)
{
    char *err = NULL;
    json_t *v = yaml_json_parse("a: b\n  c: d\n", 11, "s.yaml", &err);
    cr_assert_null(v);
    cr_assert_str_eq(err, "s.yaml:2:4: mapping values are not allowed in this context");
    free(err);
}

Test(yaml_json, anchors_and_aliases)
{
    json_t *v = parse_ok("base: &b {x: 1, y: [a, b]}\ncopy: *b\nname: &n pet\nagain: *n\n"
                         "&k key: 1\nother:\n  *k : 2\n");
    support_expect_json(
        v, "{\"base\":{\"x\":1,\"y\":[\"a\",\"b\"]},\"copy\":{\"x\":1,\"y\":[\"a\",\"b\"]},"
           "\"name\":\"pet\",\"again\":\"pet\",\"key\":1,\"other\":{\"key\":2}}");
    /* Copies, not shared nodes: changing one leaves the other alone. */
    cr_assert_neq(json_object_get(v, "base"), json_object_get(v, "copy"));
    json_decref(v);
}

Test(yaml_json, recursive_alias_refused)
{
    expect_error("a: &x\n  - 1\n  - $*x\n", "recursive");
}

Test(yaml_json, alias_bomb_refused_quickly)
{
    /* Nine levels of ten aliases each: 10^9 strings if expanded. */
    char doc[2048];
    size_t n = (size_t)snprintf(doc, sizeof doc, "l0: &l0 [lol, lol, lol, lol, lol]\n");
    for (int i = 1; i <= 9; i++) {
        n += (size_t)snprintf(doc + n, sizeof doc - n, "l%d: &l%d [", i, i);
        for (int j = 0; j < 10; j++)
            n += (size_t)snprintf(doc + n, sizeof doc - n, "%s*l%d", j ? ", " : "", i - 1);
        n += (size_t)snprintf(doc + n, sizeof doc - n, "]\n");
    }
    char *err = NULL;
    json_t *v = yaml_json_parse(doc, n, "bomb.yaml", &err);
    cr_assert_null(v);
    cr_assert(strstr(err, "document expands to more than 2000000 values"), "%s", err);
    cr_assert(strncmp(err, "bomb.yaml:", 10) == 0, "%s", err);
    free(err);
}

Test(yaml_json, json_input_is_jansson)
{
    json_t *v = parse_ok("  {\"a\": 12345678901234, \"b\": \"x\\u0041\", \"c\": [true, null]}");
    support_expect_json(v, "{\"a\":12345678901234,\"b\":\"xA\",\"c\":[true,null]}");
    json_decref(v);
    char *err = NULL;
    const char *dup = "{\"a\": 1,\n \"a\": 2}";
    cr_assert_null(yaml_json_parse(dup, strlen(dup), "d.json", &err));
    cr_assert(strstr(err, "d.json:2:") == err, "%s", err);
    cr_assert(strstr(err, "duplicate object key"), "%s", err);
    free(err);
}

static void expect_locate(const char *text, const char *path_in_doc[], size_t depth, unsigned line,
                          unsigned col, const char *path)
{
    char *err = NULL;
    yaml_json_doc_t *d = yaml_json_doc_parse(text, strlen(text), "l", &err);
    cr_assert_not_null(d, "%s", err);
    json_t *node = yaml_json_doc_root(d);
    for (size_t i = 0; i < depth; i++) {
        const char *step = path_in_doc[i];
        node = json_is_array(node) ? json_array_get(node, (size_t)atoi(step))
                                   : json_object_get(node, step);
        cr_assert_not_null(node, "no %s", step);
    }
    yaml_json_pos_t pos;
    char at[128];
    cr_assert_eq(yaml_json_doc_locate(d, node, &pos, at, sizeof at), 0);
    cr_assert_eq(pos.line, line, "line %u, want %u", pos.line, line);
    cr_assert_eq(pos.column, col, "column %u, want %u", pos.column, col);
    cr_assert_str_eq(at, path);
    yaml_json_doc_free(d);
}

Test(yaml_json, locate_yaml_and_json)
{
    const char *yaml = "paths:\n  /pets/{id}:\n    get:\n      tags: [a, \"bé\", c]\n";
    const char *p1[] = {"paths", "/pets/{id}", "get"};
    expect_locate(yaml, p1, 3, 4, 7, "paths[\"/pets/{id}\"].get");
    const char *p2[] = {"paths", "/pets/{id}", "get", "tags", "2"};
    expect_locate(yaml, p2, 5, 4, 23, "paths[\"/pets/{id}\"].get.tags[2]");
    const char *json = "{\"paths\": {\"/p\": {\n  \"get\": {\"x\": \"y\"}}}}";
    const char *p3[] = {"paths", "/p", "get", "x"};
    expect_locate(json, p3, 4, 2, 16, "paths[\"/p\"].get.x");
    /* Inside an alias's copy, positions fall back to the alias. */
    const char *alias = "a: &x {k: {v: 1}}\nb:\n  c: *x\n";
    const char *p4[] = {"b", "c", "k"};
    expect_locate(alias, p4, 3, 3, 6, "b.c.k");
}

Test(yaml_json, doc_error_format)
{
    const char *text = "info:\n  title: 5\n";
    char *err = NULL;
    yaml_json_doc_t *d = yaml_json_doc_parse(text, strlen(text), "api.yaml", &err);
    cr_assert_not_null(d);
    json_t *title = json_object_get(json_object_get(yaml_json_doc_root(d), "info"), "title");
    char *msg = yaml_json_doc_error(d, title, "must be a %s", "string");
    cr_assert_str_eq(msg, "api.yaml:2:10: must be a string (at info.title)");
    free(msg);
    msg = yaml_json_doc_error(d, yaml_json_doc_root(d), "root problem");
    cr_assert_str_eq(msg, "api.yaml:1:1: root problem");
    free(msg);
    yaml_json_doc_free(d);
}
