/* OpenAPI import through the management service (PUT /apis/{apiId} with format + value):
 * the API and its operations are stored, re-import replaces the operations, and a bad
 * document is a 400 with the place in the document and no change. */
#include "manage/auth.h"
#include "manage/service.h"
#include "../file_text.h"
#include "support.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DATA "tests/data/openapi/"

static support_service_t fx;

static void setup(void)
{
    support_service_open(&fx, "import", NULL);
}

static void teardown(void)
{
    support_service_close(&fx);
}

TestSuite(openapi_service, .init = setup, .fini = teardown);

typedef support_res_t res_t;

static res_t call(const char *method, const char *rel, const char *query, const char *body)
{
    return support_call(&fx, method, rel, query, body, NULL);
}

static char *read_text(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, DATA "%s", name);
    size_t len;
    return read_file(path, &len);
}

/* PUT /apis/{id} with the document as properties.value, plus `extra` properties. */
static res_t import(const char *api, const char *format, const char *text, const char *extra)
{
    json_t *props = extra ? json_loads(extra, 0, NULL) : json_object();
    cr_assert_not_null(props);
    json_object_set_new(props, "format", json_string(format));
    json_object_set_new(props, "value", json_string(text));
    json_t *body = json_pack("{so}", "properties", props);
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    char rel[128];
    snprintf(rel, sizeof rel, "/apis/%s", api);
    res_t r = call("PUT", rel, NULL, s);
    free(s);
    return r;
}

static json_t *props_of(json_t *entity)
{
    return json_object_get(entity, "properties");
}

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

Test(openapi_service, import_creates_the_api_and_its_operations)
{
    char *text = read_text("petstore.yaml");
    res_t r = import("pets", "openapi", text, "{\"path\": \"petstore\"}");
    free(text);
    cr_assert_eq(r.status, 201, "%s", json_dumps(r.body, 0));
    json_t *p = props_of(r.body);
    cr_assert_str_eq(str(p, "displayName"), "Swagger Petstore");
    cr_assert_str_eq(str(p, "path"), "petstore", "the request's path wins");
    cr_assert_str_eq(str(p, "serviceUrl"), "http://petstore.swagger.io/v1");
    cr_assert_null(json_object_get(p, "format"));
    cr_assert_null(json_object_get(p, "value"));
    json_decref(r.body);

    r = call("GET", "/apis/pets/operations", NULL, NULL);
    cr_assert_eq(r.status, 200);
    json_t *ops = json_object_get(r.body, "value");
    cr_assert_eq(json_array_size(ops), 3);
    const char *names[] = {"listPets", "createPets", "showPetById"};
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(str(json_array_get(ops, i), "name"), names[i]);
    json_t *show = props_of(json_array_get(ops, 2));
    cr_assert_str_eq(str(show, "urlTemplate"), "/pets/{petId}");
    cr_assert_str_eq(str(show, "method"), "GET");
    cr_assert_str_eq(str(json_array_get(json_object_get(show, "templateParameters"), 0), "name"),
                     "petId");
    json_decref(r.body);

    /* The gateway's snapshot serves them. */
    r = call("GET", "/snapshot", NULL, NULL);
    cr_assert_eq(r.status, 200);
    json_t *api = json_array_get(json_object_get(r.body, "apis"), 0);
    cr_assert_str_eq(str(api, "path"), "petstore");
    cr_assert_eq(json_array_size(json_object_get(api, "operations")), 3);
    json_decref(r.body);
}

Test(openapi_service, reimport_replaces_the_operations)
{
    char *text = read_text("petstore.yaml");
    res_t r = import("pets", "openapi", text, "{\"path\": \"pets\"}");
    free(text);
    cr_assert_eq(r.status, 201);
    json_decref(r.body);
    r = call("PUT", "/apis/pets/operations/listPets/policies/policy", NULL,
             "{\"properties\": {\"format\": \"rawxml\", \"value\": \"<policies><inbound><base />"
             "</inbound><backend><base /></backend><outbound><base /></outbound><on-error>"
             "<base /></on-error></policies>\"}}");
    cr_assert_eq(r.status, 201, "%s", json_dumps(r.body, 0));
    json_decref(r.body);

    text = read_text("petstore-expanded-v2.yaml");
    r = import("pets", "swagger-json", text, "{\"path\": \"pets\"}");
    free(text);
    cr_assert_eq(r.status, 200, "%s", json_dumps(r.body, 0));
    cr_assert_str_eq(str(props_of(r.body), "serviceUrl"), "http://petstore.swagger.io/api");
    json_decref(r.body);
    r = call("GET", "/apis/pets/operations", NULL, NULL);
    json_t *ops = json_object_get(r.body, "value");
    cr_assert_eq(json_array_size(ops), 4);
    cr_assert_str_eq(str(json_array_get(ops, 2), "name"), "find-pet-by-id");
    json_decref(r.body);
    r = call("GET", "/apis/pets/operations/listPets", NULL, NULL);
    cr_assert_eq(r.status, 404, "an operation the document no longer has is gone");
    json_decref(r.body);
    r = call("GET", "/apis/pets/operations/listPets/policies/policy", NULL, NULL);
    cr_assert_eq(r.status, 404, "and so is its policy");
    json_decref(r.body);
}

Test(openapi_service, large_document)
{
    char *text = read_text("docker-engine-v1.41.yaml");
    /* The document has no absolute server URL: the request gives one. */
    res_t r = import("docker", "openapi", text, "{\"serviceUrl\": \"http://127.0.0.1:2375\"}");
    free(text);
    cr_assert_eq(r.status, 201, "%s", json_dumps(r.body, 0));
    cr_assert_str_eq(str(props_of(r.body), "path"), "v1.41");
    json_decref(r.body);
    r = call("GET", "/apis/docker/operations", NULL, NULL);
    cr_assert_eq(json_integer_value(json_object_get(r.body, "count")), 106);
    json_decref(r.body);
    r = call("GET", "/apis/docker/operations/ContainerRename", NULL, NULL);
    cr_assert_str_eq(str(props_of(r.body), "urlTemplate"), "/containers/{id}/rename?name={name}");
    json_decref(r.body);
}

Test(openapi_service, bad_documents_change_nothing)
{
    long long before = (long long)manage_service_revision(fx.svc);
    const char *broken = "openapi: 3.0.0\n"
                         "info: {title: T, version: '1'}\n"
                         "paths:\n"
                         "  /a:\n"
                         "    get:\n"
                         "      parameters: [{$ref: '#/components/parameters/Nope'}]\n";
    res_t r = import("bad", "openapi", broken, "{\"serviceUrl\": \"http://127.0.0.1:1\"}");
    cr_assert_eq(r.status, 400);
    json_t *error = json_object_get(r.body, "error");
    cr_assert_str_eq(str(error, "code"), "ValidationError");
    json_t *d = json_array_get(json_object_get(error, "details"), 0);
    cr_assert_str_eq(str(d, "target"), "properties.value");
    cr_assert_eq(json_integer_value(json_object_get(d, "line")), 6);
    cr_assert_eq(json_integer_value(json_object_get(d, "column")), 27);
    cr_assert(strstr(str(d, "message"), "does not resolve"), "%s", str(d, "message"));
    json_decref(r.body);

    /* A template the gateway cannot match is refused too. */
    r = import("bad", "openapi",
               "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n"
               "  /files/{name}.json:\n    get: {}\n",
               "{\"serviceUrl\": \"http://127.0.0.1:1\"}");
    cr_assert_eq(r.status, 400);
    json_decref(r.body);
    /* A document without a usable server URL and no serviceUrl in the request: the
     * snapshot does not compile. */
    char *text = read_text("webhook-example.yaml");
    r = import("bad", "openapi", text, NULL);
    free(text);
    cr_assert_eq(r.status, 400);
    cr_assert_str_eq(str(json_object_get(r.body, "error"), "code"), "ValidationError");
    json_decref(r.body);
    cr_assert_eq((long long)manage_service_revision(fx.svc), before);
    r = call("GET", "/apis/bad", NULL, NULL);
    cr_assert_eq(r.status, 404);
    json_decref(r.body);
}
