#include "manage/snapshot.h"

#include <criterion/criterion.h>
#include <string.h>

static json_t *resources(void)
{
    return json_pack(
        "{s:{s:s, s:I, s:s, s:{s:s, s:{}}},"
        " s:{s:s, s:I, s:s, s:{s:s, s:s, s:s}},"
        " s:{s:s, s:I, s:s, s:{s:s, s:s, s:s}},"
        " s:{s:s, s:I, s:s, s:{s:s, s:s}},"
        " s:{s:s, s:I, s:s, s:{s:s, s:b}, s:{s:s}}}",
        "", "kind", "service", "seq", (json_int_t)0, "etag", "0", "props", "location", "East Asia", "properties",
        "/apis/a-1", "kind", "apis", "seq", (json_int_t)1, "etag", "1", "props", "path", "a", "serviceUrl",
        "http://127.0.0.1:1", "displayName", "A",
        "/apis/a-1/operations/op.1", "kind", "apis/operations", "seq", (json_int_t)2, "etag", "1", "props",
        "method", "post", "urlTemplate", "/x", "displayName", "X",
        "/apis/a-1/operations/op.1/policies/policy", "kind", "apis/operations/policies", "seq", (json_int_t)3,
        "etag", "1", "props", "value", "<policies />", "format", "xml",
        "/namedValues/nv", "kind", "namedValues", "seq", (json_int_t)4, "etag", "1", "props", "displayName",
        "k", "secret", 1, "secrets", "value", "hidden");
}

Test(snapshot, builds_the_gateway_document)
{
    json_t *res = resources();
    cr_assert_not_null(res);
    manage_snapshot_t s;
    manage_snapshot_build(res, "contoso", "/subscriptions/x/resourceGroups/y/providers/Microsoft.ApiManagement/service/contoso", 7, &s);
    cr_expect_eq(json_integer_value(json_object_get(s.doc, "revision")), 7);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(s.doc, "service"), "name")), "contoso");
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(s.doc, "service"), "id")),
                     "/subscriptions/x/resourceGroups/y/providers/Microsoft.ApiManagement/service/contoso");
    json_t *region = json_array_get(json_object_get(s.doc, "regions"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(region, "name")), "East Asia");
    cr_expect(json_is_true(json_object_get(region, "primary")));
    json_t *api = json_array_get(json_object_get(s.doc, "apis"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(api, "id")), "a-1");
    json_t *op = json_array_get(json_object_get(api, "operations"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(op, "method")), "POST");
    json_t *ops = json_object_get(json_object_get(s.doc, "policies"), "operations");
    cr_expect_str_eq(json_string_value(json_object_get(ops, "a-1/op.1")), "<policies />");
    json_t *nv = json_array_get(json_object_get(s.doc, "namedValues"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(nv, "value")), "hidden");
    manage_error_t e;
    cr_expect_eq(manage_snapshot_validate(&s, &e), 0, "%s", e.message);
    manage_snapshot_free(&s);
    json_decref(res);
}

Test(snapshot, maps_compile_errors_to_resources)
{
    json_t *res = resources();
    manage_snapshot_t s;
    manage_snapshot_build(res, "contoso", NULL, 1, &s);
    manage_error_t e;
    manage_snapshot_map_error(&s,
                              "snapshot.json:41:17: operation 'a-1/op.1' policy:5:40: 'X' is not a member of IRequest "
                              "(at policies.operations[\"a-1/op.1\"])",
                              &e);
    cr_expect_eq(e.status, 400);
    cr_expect_str_eq(e.code, "ValidationError");
    cr_expect_str_eq(e.target, "/apis/a-1/operations/op.1/policies/policy");
    cr_expect_eq(e.line, 5);
    cr_expect_eq(e.column, 40);
    cr_expect(strstr(e.message, "'X' is not a member of IRequest") != NULL, "%s", e.message);

    manage_snapshot_map_error(&s, "snapshot.json:9:5: bad port (at apis[0].serviceUrl)", &e);
    cr_expect_str_eq(e.target, "/apis/a-1");
    cr_expect_eq(e.line, 0);
    cr_expect(strstr(e.message, "properties.serviceUrl") != NULL, "%s", e.message);

    manage_snapshot_map_error(&s, "snapshot.json:9:5: method bad (at apis[0].operations[0].method)", &e);
    cr_expect_str_eq(e.target, "/apis/a-1/operations/op.1");

    manage_snapshot_map_error(&s, "snapshot.json:3:3: x (at namedValues[0].value)", &e);
    cr_expect_str_eq(e.target, "/namedValues/nv");

    manage_snapshot_map_error(&s, "snapshot.json:3:3: global policy:2:7: oops (at policies.global)", &e);
    cr_expect_str_eq(e.target, "/policies/policy");
    cr_expect_eq(e.line, 2);
    cr_expect_eq(e.column, 7);
    manage_snapshot_free(&s);
    json_decref(res);
}
