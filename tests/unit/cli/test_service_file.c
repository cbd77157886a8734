/* service_file: YAML and JSON service files are read into the document apply plans
 * from; every shape error names FILE:LINE:COL. */
#include "cli/service_file.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *parse_error(const char *text)
{
    json_t *doc = NULL;
    char *err = NULL;
    int rc = svc_file_parse(text, strlen(text), "svc.yaml", &doc, &err);
    cr_assert_eq(rc, -1, "accepted: %s", text);
    cr_assert_null(doc);
    cr_assert_not_null(err);
    return err;
}

static void assert_error(const char *text, const char *expected)
{
    char *err = parse_error(text);
    cr_assert_str_eq(err, expected);
    free(err);
}

Test(service_file, yaml_document_is_read)
{
    const char *text = "service:\n"
                       "  publisherName: Contoso\n"
                       "policy: |\n"
                       "  <policies/>\n"
                       "namedValues:\n"
                       "  key: {displayName: key, value: '1', secret: true}\n"
                       "apis:\n"
                       "  echo:\n"
                       "    path: echo\n"
                       "    operations:\n"
                       "      get: {method: GET, urlTemplate: /x}\n"
                       "products:\n"
                       "  p: {displayName: P, apis: [echo]}\n";
    json_t *doc;
    char *err = NULL;
    cr_assert_eq(svc_file_parse(text, strlen(text), "svc.yaml", &doc, &err), 0, "%s", err);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "policy")), "<policies/>\n");
    json_t *nv = json_object_get(json_object_get(doc, "namedValues"), "key");
    cr_assert_str_eq(json_string_value(json_object_get(nv, "value")), "1", "quoted stays a string");
    cr_assert(json_is_true(json_object_get(nv, "secret")));
    json_t *get = json_object_get(
        json_object_get(json_object_get(json_object_get(doc, "apis"), "echo"), "operations"),
        "get");
    cr_assert_str_eq(json_string_value(json_object_get(get, "method")), "GET");
    json_decref(doc);
}

Test(service_file, json_document_is_read)
{
    const char *text = "{\"apis\": {\"a\": {\"path\": \"a\"}}, \"policy\": null}";
    json_t *doc;
    char *err = NULL;
    cr_assert_eq(svc_file_parse(text, strlen(text), "svc.json", &doc, &err), 0, "%s", err);
    cr_assert(json_is_null(json_object_get(doc, "policy")));
    json_decref(doc);
}

Test(service_file, syntax_errors_have_line_and_column)
{
    char *err = parse_error("apis:\n  a: [1,\n");
    cr_assert(strncmp(err, "svc.yaml:", 9) == 0 && strstr(err, ":3:"), "%s", err);
    free(err);
    err = parse_error("{\"apis\": {\"a\": }}");
    cr_assert(strncmp(err, "svc.yaml:1:", 11) == 0, "%s", err);
    free(err);
}

Test(service_file, unknown_section)
{
    assert_error("apis: {}\nprodcts: {}\n",
                 "svc.yaml:2:10: unknown section 'prodcts' (sections: service, policy, "
                 "namedValues, policyFragments, backends, apiVersionSets, apis, users, groups, "
                 "products, subscriptions) (at prodcts)");
}

Test(service_file, shape_errors_point_at_the_value)
{
    assert_error("apis:\n  x:\n    operations: [1]\n",
                 "svc.yaml:3:17: 'operations' must be a mapping of operation ids to their "
                 "properties, not a list (at apis.x.operations)");
    assert_error("apis:\n  x:\n    path: x\n    policy: 12\n",
                 "svc.yaml:4:13: api 'x' 'policy' must be a string (rawxml policy text), not a "
                 "number (at apis.x.policy)");
    assert_error("namedValues: [a]\n",
                 "svc.yaml:1:14: 'namedValues' must be a mapping of named value ids to their "
                 "properties, not a list (at namedValues)");
    assert_error("backends:\n  b: http://x\n",
                 "svc.yaml:2:6: backend 'b' must be a mapping of its properties, not a string "
                 "(at backends.b)");
}

Test(service_file, booleans_are_reported_at_their_container)
{
    /* true/false/null carry no position (jansson singletons): the mapping holding them
     * is named instead. */
    assert_error("namedValues:\n  k:\n    displayName: k\n    secret: 'yes'\n",
                 "svc.yaml:4:13: named value 'k': 'secret' must be true or false "
                 "(at namedValues.k.secret)");
    char *err = parse_error("{\"apis\": {\"x\": {\"policy\": true}}}");
    cr_assert(strncmp(err, "svc.yaml:1:16:", 14) == 0, "%s", err);
    free(err);
}

Test(service_file, arm_shaped_entries_are_refused_with_a_hint)
{
    assert_error("apis:\n  x:\n    properties:\n      path: x\n",
                 "svc.yaml:4:7: api 'x': write its properties directly, without 'properties' "
                 "(at apis.x.properties)");
}

Test(service_file, ids_and_references)
{
    assert_error("apis:\n  a/b: {path: x}\n",
                 "svc.yaml:2:8: api id \"a/b\" must not contain '/', '?', '#', '\\' or control "
                 "characters (at apis[\"a/b\"])");
    assert_error("apis:\n  a: {path: a}\nproducts:\n  p: {displayName: P, apis: [a, b]}\n",
                 "svc.yaml:4:33: product 'p' 'apis': \"b\" is not in the file's 'apis' "
                 "(at products.p.apis[1])");
    assert_error("products:\n  p: {displayName: P, apis: [a, a]}\n",
                 "svc.yaml:2:33: product 'p' 'apis' lists \"a\" twice (at products.p.apis[1])");
    assert_error("users: {u: {}}\ngroups:\n  g: {displayName: G, users: [v]}\n",
                 "svc.yaml:3:31: group 'g' 'users': \"v\" is not in the file's 'users' "
                 "(at groups.g.users[0])");
}

Test(service_file, service_section_manages_publisher_fields_only)
{
    assert_error("service:\n  gatewayUrl: http://x\n",
                 "svc.yaml:2:15: 'service' manages publisherEmail and publisherName only, not "
                 "'gatewayUrl' (at service.gatewayUrl)");
}

Test(service_file, root_must_be_a_mapping)
{
    assert_error("- a\n- b\n", "svc.yaml:1:1: a service file is a mapping of sections (service, "
                               "apis, products, ...), not a list");
}
