#include "manage/resources.h"

#include <criterion/criterion.h>
#include <string.h>

Test(resources, routes_entities_collections_and_actions)
{
    manage_route_t r;
    manage_error_t e;
    cr_assert_eq(manage_route("", &r, &e), 0);
    cr_expect_eq(r.type, MANAGE_ROUTE_SERVICE);
    cr_assert_eq(manage_route("/snapshot", &r, &e), 0);
    cr_expect_eq(r.type, MANAGE_ROUTE_SNAPSHOT);

    cr_assert_eq(manage_route("/apis/orders/operations/get-1", &r, &e), 0);
    cr_expect_eq(r.type, MANAGE_ROUTE_ENTITY);
    cr_expect_str_eq(r.kind->type, "apis/operations");
    cr_expect_str_eq(r.path, "/apis/orders/operations/get-1");
    cr_expect_str_eq(r.name, "get-1");
    cr_assert_eq(r.parent_count, 1);
    cr_expect_str_eq(r.parents[0], "/apis/orders");

    cr_assert_eq(manage_route("/apis/a/operations/o/policies/policy", &r, &e), 0);
    cr_expect_str_eq(r.kind->type, "apis/operations/policies");
    cr_assert_eq(r.parent_count, 2);
    cr_expect_str_eq(r.parents[0], "/apis/a");
    cr_expect_str_eq(r.parents[1], "/apis/a/operations/o");

    cr_assert_eq(manage_route("/products/p/apis/a", &r, &e), 0);
    cr_expect(r.kind->flags & MANAGE_KIND_FLAG_LINK);
    cr_assert_eq(r.parent_count, 2);
    cr_expect_str_eq(r.parents[0], "/products/p");
    cr_expect_str_eq(r.parents[1], "/apis/a");

    cr_assert_eq(manage_route("/apis/a/operations", &r, &e), 0);
    cr_expect_eq(r.type, MANAGE_ROUTE_COLLECTION);
    cr_expect_str_eq(r.path, "/apis/a/operations");
    cr_expect_str_eq(r.parents[0], "/apis/a");

    cr_assert_eq(manage_route("/policies/policy", &r, &e), 0);
    cr_expect_eq(r.parent_count, 0);
    cr_expect_str_eq(r.kind->type, "policies");

    cr_assert_eq(manage_route("/subscriptions/s1/listSecrets", &r, &e), 0);
    cr_expect_eq(r.type, MANAGE_ROUTE_ACTION);
    cr_expect_str_eq(r.action, "listSecrets");
    cr_expect_str_eq(r.path, "/subscriptions/s1");
    cr_assert_eq(manage_route("/namedValues/n/listValue", &r, &e), 0);
    cr_expect_str_eq(r.action, "listValue");
}

Test(resources, unknown_paths_and_bad_ids_are_404)
{
    static const char *bad[] = {"/nothing", "/apis/a/b", "/apis/a/", "/apis//x", "/apis/a b",
                                "/apis/..", "/subscriptions/s/deleteEverything",
                                "/apis/a/operations/o/policies/other", "/backends/b/listSecrets"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        manage_route_t r;
        manage_error_t e;
        cr_expect_eq(manage_route(bad[i], &r, &e), -1, "%s", bad[i]);
        cr_expect_eq(e.status, 404, "%s", bad[i]);
        cr_expect_str_eq(e.code, "ResourceNotFound");
    }
}

Test(resources, property_checks)
{
    manage_route_t r;
    manage_error_t e;
    cr_assert_eq(manage_route("/subscriptions/s", &r, &e), 0);
    json_t *secrets;
    json_t *in = json_pack("{s:s, s:s}", "displayName", "S",
                           "scope", "/subscriptions/x/resourceGroups/y/providers/Microsoft.ApiManagement/service/z/products/gold");
    json_t *out = manage_props_check(r.kind, in, NULL, &secrets, &e);
    cr_assert_not_null(out, "%s", e.message);
    cr_expect_str_eq(json_string_value(json_object_get(out, "scope")), "/products/gold");
    cr_expect_str_eq(json_string_value(json_object_get(out, "state")), "submitted");
    cr_expect_null(json_object_get(out, "primaryKey"));
    cr_expect_eq(json_string_length(json_object_get(secrets, "primaryKey")), 32);
    json_decref(out);
    json_decref(secrets);
    json_decref(in);

    cr_assert_eq(manage_route("/apis/a", &r, &e), 0);
    in = json_pack("{s:s, s:i}", "path", "a", "subscriptionRequired", 1);
    cr_expect_null(manage_props_check(r.kind, in, NULL, &secrets, &e));
    cr_expect_str_eq(e.target, "properties.subscriptionRequired");
    cr_expect(strstr(e.message, "must be a boolean, not an integer") != NULL, "%s", e.message);
    json_decref(in);
    in = json_pack("{s:s, s:{s:s, s:s}}", "path", "a", "subscriptionKeyParameterNames", "header", "k", "cookie", "c");
    cr_expect_null(manage_props_check(r.kind, in, NULL, &secrets, &e));
    cr_expect(strstr(e.message, "Unknown property 'cookie'") != NULL, "%s", e.message);
    json_decref(in);
    /* read-only properties are accepted and dropped, nulls are absent */
    in = json_pack("{s:s, s:b, s:n}", "path", "a", "isOnline", 1, "serviceUrl");
    out = manage_props_check(r.kind, in, NULL, &secrets, &e);
    cr_assert_not_null(out, "%s", e.message);
    cr_expect_eq(json_object_size(out), 1);
    json_decref(out);
    json_decref(in);
}
