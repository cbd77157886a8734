/* The management service without HTTP: requests in, ARM responses out, against a real
 * store in a temporary directory. */
#include "manage/service.h"
#include "manage/snapshot.h"
#include "manage/store.h"
#include "support.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static support_service_t fx;

static void setup(void)
{
    support_service_open(&fx, "svc", NULL);
}

static void teardown(void)
{
    support_service_close(&fx);
}

TestSuite(service, .init = setup, .fini = teardown);

typedef support_res_t res_t;

static res_t call(const char *method, const char *rel, const char *query, const char *body,
                  const char *if_match)
{
    return support_call(&fx, method, rel, query, body, if_match);
}

static const char *err_code(const res_t *r)
{
    return support_error_code(r->body);
}

static json_t *detail(const res_t *r)
{
    return json_array_get(json_object_get(json_object_get(r->body, "error"), "details"), 0);
}

#define API_BODY "{\"properties\":{\"displayName\":\"Orders\",\"path\":\"orders\",\"serviceUrl\":\"http://127.0.0.1:9001\"}}"
#define OP_BODY "{\"properties\":{\"displayName\":\"Get\",\"method\":\"get\",\"urlTemplate\":\"/items/{id}\"}}"

Test(service, create_read_update_delete_an_api)
{
    res_t r = call("PUT", "/apis/orders", NULL, API_BODY, NULL);
    cr_assert_eq(r.status, 201);
    cr_expect_eq(r.revision, 1);
    cr_expect_str_eq(json_string_value(json_object_get(r.body, "type")), "Microsoft.ApiManagement/service/apis");
    cr_expect_str_eq(json_string_value(json_object_get(r.body, "id")), SUPPORT_SVC "/apis/orders");
    char etag[80];
    snprintf(etag, sizeof etag, "\"%s\"", r.etag);
    json_decref(r.body);

    r = call("PUT", "/apis/orders", NULL, API_BODY, NULL);
    cr_expect_eq(r.status, 200);
    cr_expect_eq(r.revision, 2);
    json_decref(r.body);

    /* the old ETag no longer matches */
    r = call("PATCH", "/apis/orders", NULL, "{\"properties\":{\"displayName\":\"X\"}}", etag);
    cr_expect_eq(r.status, 412);
    cr_expect_str_eq(err_code(&r), "PreconditionFailed");
    json_decref(r.body);
    r = call("PATCH", "/apis/orders", NULL, "{\"properties\":{\"displayName\":\"X\"}}", NULL);
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(err_code(&r), "MissingIfMatch");
    json_decref(r.body);
    r = call("PATCH", "/apis/orders", NULL, "{\"properties\":{\"displayName\":\"X\"}}", "*");
    cr_expect_eq(r.status, 200);
    json_t *props = json_object_get(r.body, "properties");
    cr_expect_str_eq(json_string_value(json_object_get(props, "displayName")), "X");
    cr_expect_str_eq(json_string_value(json_object_get(props, "path")), "orders"); /* merged */
    json_decref(r.body);

    r = call("DELETE", "/apis/orders", NULL, NULL, "*");
    cr_expect_eq(r.status, 200);
    r = call("DELETE", "/apis/orders", NULL, NULL, "*");
    cr_expect_eq(r.status, 204);
    r = call("GET", "/apis/orders", NULL, NULL, NULL);
    cr_expect_eq(r.status, 404);
    cr_expect_str_eq(err_code(&r), "ResourceNotFound");
    json_decref(r.body);
    cr_expect_eq(manage_service_revision(fx.svc), 4);
}

Test(service, operation_needs_its_api_and_goes_with_it)
{
    res_t r = call("PUT", "/apis/orders/operations/get", NULL, OP_BODY, NULL);
    cr_expect_eq(r.status, 404);
    json_decref(r.body);
    json_decref(call("PUT", "/apis/orders", NULL, API_BODY, NULL).body);
    r = call("PUT", "/apis/orders/operations/get", NULL, OP_BODY, NULL);
    cr_expect_eq(r.status, 201);
    json_decref(r.body);
    r = call("GET", "/snapshot", NULL, NULL, NULL);
    json_t *op = json_array_get(json_object_get(json_array_get(json_object_get(r.body, "apis"), 0), "operations"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(op, "method")), "GET");
    cr_expect_str_eq(json_string_value(json_object_get(op, "urlTemplate")), "/items/{id}");
    cr_expect_str_eq(r.etag, "2");
    json_decref(r.body);
    json_decref(call("DELETE", "/apis/orders", NULL, NULL, "*").body);
    r = call("GET", "/apis/orders/operations/get", NULL, NULL, NULL);
    cr_expect_eq(r.status, 404);
    json_decref(r.body);
}

Test(service, policy_that_does_not_compile_is_refused_with_its_line_and_column)
{
    json_decref(call("PUT", "/apis/orders", NULL, API_BODY, NULL).body);
    long long before = manage_service_revision(fx.svc);
    res_t r = call("PUT", "/apis/orders/policies/policy", NULL,
                   "{\"properties\":{\"format\":\"rawxml\",\"value\":\"<policies><inbound>\\n  <base />\\n  <no-such-policy />\\n</inbound></policies>\"}}",
                   NULL);
    cr_assert_eq(r.status, 400);
    cr_expect_str_eq(err_code(&r), "ValidationError");
    json_t *d = detail(&r);
    cr_expect_str_eq(json_string_value(json_object_get(d, "target")), "/apis/orders/policies/policy");
    cr_expect_eq(json_integer_value(json_object_get(d, "line")), 3);
    cr_expect_eq(json_integer_value(json_object_get(d, "column")), 3);
    json_decref(r.body);
    cr_expect_eq(manage_service_revision(fx.svc), before);
}

Test(service, named_value_in_use_cannot_be_deleted)
{
    json_decref(call("PUT", "/apis/orders", NULL, API_BODY, NULL).body);
    res_t r = call("PUT", "/namedValues/nv1", NULL,
                   "{\"properties\":{\"displayName\":\"backend-key\",\"value\":\"s3cret\",\"secret\":true}}", NULL);
    cr_assert_eq(r.status, 201);
    cr_expect_null(json_object_get(json_object_get(r.body, "properties"), "value"));
    json_decref(r.body);
    r = call("PUT", "/apis/orders/policies/policy", NULL,
             "{\"properties\":{\"value\":\"<policies><inbound><base /><set-header name=\\\"k\\\" exists-action=\\\"override\\\"><value>{{backend-key}}</value></set-header></inbound></policies>\"}}",
             NULL);
    cr_assert_eq(r.status, 201, "%s", json_dumps(r.body, 0));
    json_decref(r.body);
    r = call("DELETE", "/namedValues/nv1", NULL, NULL, "*");
    cr_expect_eq(r.status, 409);
    cr_expect_str_eq(err_code(&r), "Conflict");
    json_decref(r.body);
    r = call("POST", "/namedValues/nv1/listValue", NULL, NULL, NULL);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(json_string_value(json_object_get(r.body, "value")), "s3cret");
    json_decref(r.body);
}

Test(service, subscription_keys_are_generated_hidden_and_regenerated)
{
    json_decref(call("PUT", "/apis/orders", NULL, API_BODY, NULL).body);
    res_t r = call("PUT", "/subscriptions/s1", NULL,
                   "{\"properties\":{\"displayName\":\"S\",\"scope\":\"/apis/orders\"}}", NULL);
    cr_assert_eq(r.status, 201);
    json_t *p = json_object_get(r.body, "properties");
    cr_expect_null(json_object_get(p, "primaryKey"));
    cr_expect_str_eq(json_string_value(json_object_get(p, "state")), "submitted");
    json_decref(r.body);
    r = call("POST", "/subscriptions/s1/listSecrets", NULL, NULL, NULL);
    char primary[64], secondary[64];
    snprintf(primary, sizeof primary, "%s", json_string_value(json_object_get(r.body, "primaryKey")));
    snprintf(secondary, sizeof secondary, "%s", json_string_value(json_object_get(r.body, "secondaryKey")));
    cr_expect_eq(strlen(primary), 32);
    json_decref(r.body);
    r = call("POST", "/subscriptions/s1/regeneratePrimaryKey", NULL, NULL, NULL);
    cr_expect_eq(r.status, 204);
    r = call("POST", "/subscriptions/s1/listSecrets", NULL, NULL, NULL);
    cr_expect_str_neq(json_string_value(json_object_get(r.body, "primaryKey")), primary);
    cr_expect_str_eq(json_string_value(json_object_get(r.body, "secondaryKey")), secondary);
    json_decref(r.body);
    /* deleting the API the subscription is scoped to: 409 */
    r = call("DELETE", "/apis/orders", NULL, NULL, "*");
    cr_expect_eq(r.status, 409);
    json_decref(r.body);
    r = call("DELETE", "/apis/orders", "deleteSubscriptions=true", NULL, "*");
    cr_expect_eq(r.status, 200);
    r = call("GET", "/subscriptions/s1", NULL, NULL, NULL);
    cr_expect_eq(r.status, 404);
    json_decref(r.body);
}

Test(service, bad_bodies_get_invalid_request_content)
{
    const char *bad[] = {
        "{not json",
        "[]",
        "{\"properties\":{\"path\":5}}",
        "{\"properties\":{\"path\":\"a\",\"bogus\":1}}",
        "{\"properties\":{\"serviceUrl\":\"http://x\"}}",
        "{\"unknown\":{}}",
        "{\"properties\":{\"path\":\"a\",\"protocols\":[\"ftp\"]}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        res_t r = call("PUT", "/apis/a", NULL, bad[i], NULL);
        cr_expect_eq(r.status, 400, "%s", bad[i]);
        cr_expect_str_eq(err_code(&r), "InvalidRequestContent", "%s", bad[i]);
        json_decref(r.body);
    }
    cr_expect_eq(manage_service_revision(fx.svc), 0);
}

Test(service, lists_are_paged_in_creation_order)
{
    for (int i = 0; i < 5; i++) {
        char path[64], body[256];
        snprintf(path, sizeof path, "/backends/b%d", 4 - i);
        snprintf(body, sizeof body, "{\"properties\":{\"url\":\"http://10.0.0.%d\",\"protocol\":\"http\"}}", i);
        res_t r = call("PUT", path, NULL, body, NULL);
        cr_assert_eq(r.status, 201);
        json_decref(r.body);
    }
    res_t r = call("GET", "/backends", "$top=2&$skip=1", NULL, NULL);
    cr_assert_eq(r.status, 200);
    cr_expect_eq(json_integer_value(json_object_get(r.body, "count")), 5);
    json_t *v = json_object_get(r.body, "value");
    cr_assert_eq(json_array_size(v), 2);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "name")), "b3");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(v, 1), "name")), "b2");
    cr_expect(strstr(json_string_value(json_object_get(r.body, "nextLink")), "$skip=3") != NULL);
    json_decref(r.body);
    r = call("GET", "/backends", "$top=101", NULL, NULL);
    cr_expect_eq(r.status, 400);
    json_decref(r.body);
}

Test(service, api_version_and_auth_are_checked_first)
{
    char path[512];
    snprintf(path, sizeof path, SUPPORT_SVC "/apis");
    manage_request_t req = {"GET", path, "", fx.auth, strlen(fx.auth), NULL, "", "", 0};
    manage_response_t r;
    manage_service_handle(fx.svc, &req, &r);
    cr_expect_eq(r.status, 400);
    cr_expect(strstr(r.body, "MissingApiVersionParameter") != NULL);
    manage_response_free(&r);
    req.query = "api-version=2000-01-01";
    manage_service_handle(fx.svc, &req, &r);
    cr_expect(strstr(r.body, "InvalidApiVersionParameter") != NULL);
    manage_response_free(&r);
    req.authorization = "Bearer nope";
    req.authorization_len = 11;
    manage_service_handle(fx.svc, &req, &r);
    cr_expect_eq(r.status, 401);
    cr_expect(r.needs_www_authenticate);
    manage_response_free(&r);
    req.authorization = fx.auth;
    req.authorization_len = strlen(fx.auth);
    req.query = "api-version=2024-05-01";
    req.path = "/subscriptions/other/resourceGroups/meridian/providers/Microsoft.ApiManagement/service/meridian/apis";
    manage_service_handle(fx.svc, &req, &r);
    cr_expect_eq(r.status, 404);
    manage_response_free(&r);
}

Test(service, state_survives_reopening)
{
    json_decref(call("PUT", "/apis/orders", NULL, API_BODY, NULL).body);
    json_decref(call("PUT", "/apis/orders/operations/get", NULL, OP_BODY, NULL).body);
    res_t before = call("GET", "/snapshot", NULL, NULL, NULL);
    manage_service_close(fx.svc);
    cr_expect_not(support_service_start(&fx));
    res_t after = call("GET", "/snapshot", NULL, NULL, NULL);
    cr_expect(json_equal(before.body, after.body));
    cr_expect_eq(manage_service_revision(fx.svc), 2);
    json_decref(before.body);
    json_decref(after.body);
}

Test(service, openapi_import_creates_the_api_and_its_operations_in_one_revision)
{
    const char *body =
        "{\"properties\":{\"format\":\"openapi\",\"path\":\"pets\",\"serviceUrl\":\"http://127.0.0.1:9\","
        "\"value\":\"openapi: 3.0.0\\ninfo:\\n  title: Pets\\n  version: '1'\\npaths:\\n  /pets:\\n"
        "    get:\\n      operationId: listPets\\n      responses:\\n        '200':\\n          description: ok\\n"
        "  /pets/{id}:\\n    get:\\n      operationId: getPet\\n      parameters:\\n        - name: id\\n"
        "          in: path\\n          required: true\\n          schema:\\n            type: string\\n"
        "      responses:\\n        '200':\\n          description: ok\\n\"}}";
    res_t r = call("PUT", "/apis/pets", NULL, body, NULL);
    cr_assert_eq(r.status, 201, "%s", r.body ? json_dumps(r.body, 0) : "");
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.body, "properties"), "displayName")), "Pets");
    cr_expect_null(json_object_get(json_object_get(r.body, "properties"), "value"));
    json_decref(r.body);
    cr_expect_eq(manage_service_revision(fx.svc), 1);
    r = call("GET", "/apis/pets/operations/getPet", NULL, NULL, NULL);
    cr_assert_eq(r.status, 200);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.body, "properties"), "urlTemplate")), "/pets/{id}");
    json_decref(r.body);

    r = call("PUT", "/apis/bad", NULL, "{\"properties\":{\"format\":\"openapi\",\"path\":\"b\",\"value\":\"{\\\"openapi\\\": \\\"3.0.0\\\"\"}}", NULL);
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(err_code(&r), "ValidationError");
    cr_expect_str_eq(json_string_value(json_object_get(detail(&r), "target")), "properties.value");
    json_decref(r.body);
    cr_expect_eq(manage_service_revision(fx.svc), 1);
}

Test(service, a_store_that_does_not_compile_refuses_writes_until_repaired)
{
    /* A row written behind the service's back: an API the gateway cannot route. */
    manage_service_close(fx.svc);
    manage_store_t *st;
    char *err;
    cr_assert_eq(manage_store_open(fx.dir, &st, &err), 0);
    manage_store_op_t ops[] = {{.row = {"/apis/x", "apis", 1, "1", "{\"path\":\"x\"}", NULL}}};
    manage_store_change_t ch = {1, "t", "test", "PUT", "/apis/x"};
    cr_assert_eq(manage_store_commit(st, ops, 1, &ch, 2, &err), 0);
    manage_store_close(st);
    support_service_start(&fx);
    /* even a write that does not touch the published configuration is compiled, and refused */
    res_t r = call("PUT", "/users/u", NULL, "{\"properties\":{\"email\":\"u@example.com\"}}", NULL);
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(json_string_value(json_object_get(detail(&r), "target")), "/apis/x");
    json_decref(r.body);
    r = call("PATCH", "/apis/x", NULL, "{\"properties\":{\"serviceUrl\":\"http://127.0.0.1:1\"}}", "*");
    cr_expect_eq(r.status, 200);
    json_decref(r.body);
    r = call("PUT", "/users/u", NULL, "{\"properties\":{\"email\":\"u@example.com\"}}", NULL);
    cr_expect_eq(r.status, 201);
    json_decref(r.body);
}
