/* service_plan: what apply does for a desired and a current document — creates, updates
 * of the changed properties only, deletes limited to the sections the file has, the
 * dependency order, secrets, and the API cascade. */
#include "cli/service_plan.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static json_t *doc(const char *text)
{
    json_error_t err;
    json_t *d = json_loads(text, 0, &err);
    cr_assert_not_null(d, "bad test JSON: %s at %d:%d", err.text, err.line, err.column);
    return d;
}

/* The plan as "action label" lines joined by '|'. */
static char *plan_text(const char *desired, const char *current, plan_t *plan)
{
    json_t *d = doc(desired), *c = doc(current);
    cr_assert_eq(plan_compute(d, c, plan), 0);
    json_decref(d);
    json_decref(c);
    static char out[4096];
    out[0] = '\0';
    for (size_t i = 0; i < plan->count; i++) {
        char line[256];
        snprintf(line, sizeof line, "%s%s %s", i ? "|" : "",
                 plan_action_name(plan->steps[i].action), plan->steps[i].label);
        strncat(out, line, sizeof out - strlen(out) - 1);
    }
    return out;
}

/* Nothing for apply to do. */
static void expect_empty_plan(const char *desired, const char *current)
{
    plan_t plan;
    cr_assert_str_eq(plan_text(desired, current, &plan), "");
    cr_assert_eq(plan.count, 0);
    plan_free(&plan);
}

Test(service_plan, identical_documents_plan_nothing)
{
    const char *d = "{\"namedValues\":{\"a\":{\"displayName\":\"a\",\"value\":\"1\"}},"
                    "\"apis\":{\"x\":{\"path\":\"x\",\"operations\":{\"o\":{\"method\":\"GET\"}},"
                    "\"policy\":\"<policies/>\"}},\"products\":{\"p\":{\"apis\":[\"x\"]}}}";
    expect_empty_plan(d, d);
}

Test(service_plan, creates_run_in_dependency_order)
{
    /* Written in the "wrong" order on purpose: subscriptions first, named values last. */
    const char *want =
        "{\"subscriptions\":{\"s\":{\"scope\":\"/products/p\"}},"
        "\"products\":{\"p\":{\"displayName\":\"P\",\"apis\":[\"x\"],\"policy\":\"<policies/>\"}},"
        "\"apis\":{\"x\":{\"path\":\"x\",\"policy\":\"<p/"
        ">\",\"operations\":{\"o\":{\"method\":\"GET\","
        "\"policy\":\"<q/>\"}}}},"
        "\"policyFragments\":{\"f\":{\"value\":\"<fragment/>\"}},"
        "\"namedValues\":{\"n\":{\"displayName\":\"n\",\"value\":\"v\"}},\"policy\":\"<g/>\"}";
    plan_t plan;
    cr_assert_str_eq(plan_text(want, "{}", &plan),
                     "create named value n|create policy fragment f|create global policy|"
                     "create api x|create operation x/o|create policy of api x|"
                     "create policy of operation x/o|create product p|create api x in product p|"
                     "create policy of product p|create subscription s");
    cr_assert_eq(plan.creates, 11);
    /* Bodies are the properties without the inline children; policies are rawxml. */
    json_t *api_body = plan.steps[3].body;
    cr_assert_str_eq(json_string_value(json_object_get(api_body, "path")), "x");
    cr_assert_null(json_object_get(api_body, "operations"));
    cr_assert_null(json_object_get(api_body, "policy"));
    cr_assert_str_eq(plan.steps[5].path, "/apis/x/policies/policy");
    cr_assert_str_eq(json_string_value(json_object_get(plan.steps[5].body, "format")), "rawxml");
    cr_assert_str_eq(json_string_value(json_object_get(plan.steps[5].body, "value")), "<p/>");
    cr_assert_null(plan.steps[8].body, "a product-API link has no body");
    plan_free(&plan);
}

Test(service_plan, update_sends_only_the_changed_properties)
{
    const char *want = "{\"apis\":{\"x\":{\"path\":\"x\",\"serviceUrl\":\"http://b\","
                       "\"protocols\":[\"https\"]}}}";
    const char *have = "{\"apis\":{\"x\":{\"path\":\"x\",\"serviceUrl\":\"http://a\","
                       "\"protocols\":[\"https\"],\"description\":\"kept\"}}}";
    plan_t plan;
    cr_assert_str_eq(plan_text(want, have, &plan), "update api x");
    const plan_step_t *s = &plan.steps[0];
    cr_assert_eq(json_object_size(s->body), 1);
    cr_assert_str_eq(json_string_value(json_object_get(s->body, "serviceUrl")), "http://b");
    cr_assert_str_eq(json_string_value(json_array_get(s->changed, 0)), "serviceUrl");
    /* before = what the server had, to check it did not change before the write */
    cr_assert_str_eq(json_string_value(json_object_get(s->before, "description")), "kept");
    plan_free(&plan);
}

Test(service_plan, deletes_only_in_sections_the_file_has_and_in_reverse_order)
{
    const char *want = "{\"namedValues\":{},\"apis\":{}}";
    const char *have = "{\"namedValues\":{\"n\":{\"displayName\":\"n\",\"value\":\"v\"}},"
                       "\"apis\":{\"x\":{\"path\":\"x\"}},"
                       "\"products\":{\"p\":{\"displayName\":\"P\"}},"
                       "\"users\":{\"u\":{\"email\":\"u@x\"}}}";
    plan_t plan;
    cr_assert_str_eq(plan_text(want, have, &plan), "delete api x|delete named value n");
    cr_assert_eq(plan.deletes, 2);
    plan_free(&plan);
}

Test(service_plan, children_of_a_deleted_api_go_with_it)
{
    const char *have =
        "{\"apis\":{\"x\":{\"path\":\"x\",\"policy\":\"<p/>\",\"operations\":{"
        "\"a\":{\"method\":\"GET\",\"policy\":\"<q/>\"},\"b\":{\"method\":\"GET\"}}},"
        "\"y\":{\"path\":\"y\",\"operations\":{\"c\":{\"method\":\"GET\"}}}}}";
    const char *want = "{\"apis\":{\"y\":{\"path\":\"y\",\"operations\":{}}}}";
    plan_t plan;
    cr_assert_str_eq(plan_text(want, have, &plan), "delete operation y/c|delete api x");
    cr_assert_eq(plan.steps[1].cascaded, 4, "2 operations, 1 operation policy, 1 API policy");
    plan_free(&plan);
}

Test(service_plan, policies_compare_their_text_and_a_null_global_policy_deletes_it)
{
    const char *have =
        "{\"policy\":\"<a/>\",\"apis\":{\"x\":{\"path\":\"x\",\"policy\":\"<b/>\"}}}";
    plan_t plan;
    cr_assert_str_eq(
        plan_text("{\"policy\":null,\"apis\":{\"x\":{\"path\":\"x\",\"policy\":\"<c/>\"}}}", have,
                  &plan),
        "update policy of api x|delete global policy");
    cr_assert_str_eq(json_string_value(json_object_get(plan.steps[0].body, "value")), "<c/>");
    plan_free(&plan);
    /* a file without "policy" leaves the global policy alone */
    expect_empty_plan("{\"apis\":{\"x\":{\"path\":\"x\",\"policy\":\"<b/>\"}}}", have);
}

Test(service_plan, secrets_left_out_are_untouched_and_given_ones_compared)
{
    const char *have_hidden = "{\"namedValues\":{\"k\":{\"displayName\":\"k\",\"secret\":true}},"
                              "\"subscriptions\":{\"s\":{\"scope\":\"/apis\"}}}";
    const char *have_known = "{\"namedValues\":{\"k\":{\"displayName\":\"k\",\"secret\":true,"
                             "\"value\":\"old\"}},\"subscriptions\":{\"s\":{\"scope\":\"/apis\","
                             "\"primaryKey\":\"p1\"}}}";
    /* the file leaves the values out: nothing to do whatever the server holds */
    expect_empty_plan("{\"namedValues\":{\"k\":{\"displayName\":\"k\",\"secret\":true}},"
                      "\"subscriptions\":{\"s\":{\"scope\":\"/apis\"}}}",
                      have_known);
    plan_t plan;
    const char *want = "{\"namedValues\":{\"k\":{\"displayName\":\"k\",\"secret\":true,"
                       "\"value\":\"new\"}},\"subscriptions\":{\"s\":{\"scope\":\"/apis\","
                       "\"primaryKey\":\"p2\"}}}";
    cr_assert_str_eq(plan_text(want, have_known, &plan),
                     "update named value k|update subscription s");
    cr_assert_str_eq(json_string_value(json_object_get(plan.steps[0].body, "value")), "new");
    cr_assert_str_eq(json_string_value(json_object_get(plan.steps[1].body, "primaryKey")), "p2");
    plan_free(&plan);
    /* a server value that was not read cannot be compared: no update is invented */
    expect_empty_plan(want, have_hidden);
}

Test(service_plan, full_arm_ids_compare_equal_to_short_ones)
{
    const char *want =
        "{\"subscriptions\":{\"s\":{\"scope\":\"/products/p\",\"ownerId\":\"/users/u\"}}}";
    const char *have = "{\"subscriptions\":{\"s\":{\"scope\":\"/subscriptions/0/resourceGroups/rg/"
                       "providers/Microsoft.ApiManagement/service/svc/products/p\","
                       "\"ownerId\":\"/subscriptions/0/resourceGroups/rg/providers/"
                       "Microsoft.ApiManagement/service/svc/users/u\",\"createdDate\":\"2026\"}}}";
    expect_empty_plan(want, have);
}

Test(service_plan, links_are_created_and_deleted_never_updated)
{
    const char *have = "{\"users\":{\"a\":{},\"b\":{}},\"groups\":{\"g\":{\"displayName\":\"G\","
                       "\"users\":[\"a\"]}},\"products\":{\"p\":{\"apis\":[\"x\",\"y\"]}}}";
    const char *want = "{\"users\":{\"a\":{},\"b\":{}},\"groups\":{\"g\":{\"displayName\":\"G\","
                       "\"users\":[\"b\"]}},\"products\":{\"p\":{\"apis\":[\"y\",\"z\"]}}}";
    plan_t plan;
    cr_assert_str_eq(plan_text(want, have, &plan),
                     "create user b in group g|create api z in product p|"
                     "delete api x in product p|delete user a in group g");
    cr_assert_str_eq(plan.steps[1].path, "/products/p/apis/z");
    plan_free(&plan);
}

Test(service_plan, ids_are_percent_encoded_in_paths)
{
    plan_t plan;
    cr_assert_str_eq(plan_text("{\"apis\":{\"a b;rev=2\":{\"path\":\"ab\"}}}", "{}", &plan),
                     "create api a b;rev=2");
    cr_assert_str_eq(plan.steps[0].path, "/apis/a%20b;rev=2");
    plan_free(&plan);
}

Test(service_plan, printed_plan_names_changed_properties_not_secret_values)
{
    const char *want = "{\"namedValues\":{\"k\":{\"displayName\":\"k\",\"secret\":true,"
                       "\"value\":\"TOPSECRET\"}},\"products\":{}}";
    const char *have = "{\"namedValues\":{\"k\":{\"displayName\":\"k\",\"secret\":true,"
                       "\"value\":\"old\"}},\"products\":{\"p\":{\"displayName\":\"P\"}}}";
    plan_t plan;
    plan_text(want, have, &plan);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    plan_print(&plan, f);
    fclose(f);
    cr_assert_str_eq(buf, "Plan: 0 to create, 1 to update, 1 to delete.\n"
                          "  update  named value k (value)\n"
                          "  delete  product p\n");
    cr_assert_null(strstr(buf, "TOPSECRET"));
    free(buf);
    plan_free(&plan);
}
