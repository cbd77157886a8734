/* OpenAPI import of the OpenAPI specification's Petstore examples, the Docker Engine API
 * (106 operations) and small documents for each mapping rule (tests/data/openapi/README.md
 * names the sources). Tests run from the repository root. */
#include "manage/openapi.h"
#include "../file_text.h"
#include "support.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA "tests/data/openapi/"

static void import_file(const char *name, const openapi_options_t *opts, openapi_result_t *r)
{
    char path[256];
    snprintf(path, sizeof path, DATA "%s", name);
    size_t len;
    char *text = read_file(path, &len);
    char *err = NULL;
    int rc = openapi_import(text, len, name, opts, r, &err);
    cr_assert_eq(rc, 0, "%s: %s", name, err ? err : "?");
    free(text);
}

static void import_text(const char *text, openapi_result_t *r)
{
    char *err = NULL;
    int rc = openapi_import(text, strlen(text), "t.yaml", NULL, r, &err);
    cr_assert_eq(rc, 0, "%s", err ? err : "?");
}

static json_t *op_named(const openapi_result_t *r, const char *name)
{
    size_t i;
    json_t *op;
    json_array_foreach(r->operations, i, op)
    {
        if (!strcmp(json_string_value(json_object_get(op, "name")), name))
            return json_object_get(op, "properties");
    }
    cr_assert_fail("no operation named %s", name);
    return NULL;
}

static const char *str_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    cr_assert(json_is_string(v), "\"%s\" is not a string", key);
    return json_string_value(v);
}

/* addPet's request, the same from the expanded Petstore in OpenAPI 3 and Swagger 2. */
#define ADD_PET_REQUEST                                                                            \
    "{\"description\": \"Pet to add to the store\", \"queryParameters\": [],"                      \
    " \"headers\": [], \"representations\": [{\"contentType\": \"application/json\","              \
    " \"typeName\": \"NewPet\"}]}"

Test(openapi, petstore_v3)
{
    openapi_result_t r;
    import_file("petstore.yaml", NULL, &r);
    cr_assert_str_eq(r.spec_version, "3.0.0");
    cr_assert_str_eq(r.doc_version, "1.0.0");
    support_expect_json(r.api, "{\"displayName\": \"Swagger Petstore\", \"path\": \"v1\","
                               " \"serviceUrl\": \"http://petstore.swagger.io/v1\"}");
    cr_assert_eq(json_array_size(r.operations), 3);
    json_t *list = op_named(&r, "listPets");
    cr_assert_str_eq(str_at(list, "displayName"), "List all pets");
    cr_assert_str_eq(str_at(list, "method"), "GET");
    cr_assert_str_eq(str_at(list, "urlTemplate"), "/pets");
    support_expect_json(json_object_get(list, "request"),
                        "{\"queryParameters\": [{\"name\": \"limit\", \"type\": \"integer\","
                        " \"required\": false, \"values\": [],"
                        " \"description\": \"How many items to return at one time (max 100)\"}],"
                        " \"headers\": [], \"representations\": []}");
    /* "default" has no numeric status code: only 200 stays. */
    support_expect_json(
        json_object_get(list, "responses"),
        "[{\"statusCode\": 200, \"description\": \"A paged array of pets\","
        "  \"representations\": [{\"contentType\": \"application/json\","
        "                         \"typeName\": \"Pets\"}],"
        "  \"headers\": [{\"name\": \"x-next\", \"type\": \"string\", \"required\": false,"
        "                 \"values\": [],"
        "                 \"description\": \"A link to the next page of responses\"}]}]");
    json_t *create = op_named(&r, "createPets");
    cr_assert_str_eq(str_at(create, "method"), "POST");
    support_expect_json(json_object_get(json_object_get(create, "request"), "representations"),
                        "[{\"contentType\": \"application/json\", \"typeName\": \"Pet\"}]");
    cr_assert_eq(json_integer_value(json_object_get(
                     json_array_get(json_object_get(create, "responses"), 0), "statusCode")),
                 201);
    json_t *show = op_named(&r, "showPetById");
    cr_assert_str_eq(str_at(show, "urlTemplate"), "/pets/{petId}");
    support_expect_json(
        json_object_get(show, "templateParameters"),
        "[{\"name\": \"petId\", \"type\": \"string\", \"required\": true, \"values\": [],"
        "  \"description\": \"The id of the pet to retrieve\"}]");
    cr_assert_eq(json_array_size(r.warnings), 0);
    openapi_result_free(&r);
}

Test(openapi, petstore_expanded_v3)
{
    openapi_result_t r;
    import_file("petstore-expanded.yaml", NULL, &r);
    cr_assert_str_eq(str_at(r.api, "serviceUrl"), "http://petstore.swagger.io/api");
    cr_assert_str_eq(str_at(r.api, "path"), "api");
    cr_assert(strstr(str_at(r.api, "description"), "demonstrate features in the OpenAPI 3.0"));
    cr_assert_eq(json_array_size(r.operations), 4);
    const char *names[] = {"findPets", "addPet", "find-pet-by-id", "deletePet"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(str_at(json_array_get(r.operations, i), "name"), names[i]);
    /* No summary: the operationId is the display name, as written. */
    json_t *find = op_named(&r, "find-pet-by-id");
    cr_assert_str_eq(str_at(find, "displayName"), "find pet by id");
    cr_assert_str_eq(str_at(find, "urlTemplate"), "/pets/{id}");
    cr_assert_str_eq(str_at(json_array_get(json_object_get(find, "templateParameters"), 0), "type"),
                     "integer");
    json_t *pets = op_named(&r, "findPets");
    cr_assert(strncmp(str_at(pets, "description"), "Returns all pets from the system", 32) == 0);
    json_t *tags =
        json_array_get(json_object_get(json_object_get(pets, "request"), "queryParameters"), 0);
    cr_assert_str_eq(str_at(tags, "name"), "tags");
    cr_assert_str_eq(str_at(tags, "type"), "array");
    json_t *add = op_named(&r, "addPet");
    support_expect_json(json_object_get(add, "request"), ADD_PET_REQUEST);
    json_t *del = op_named(&r, "deletePet");
    cr_assert_str_eq(str_at(del, "method"), "DELETE");
    cr_assert_eq(json_integer_value(json_object_get(
                     json_array_get(json_object_get(del, "responses"), 0), "statusCode")),
                 204);
    openapi_result_free(&r);
}

Test(openapi, petstore_v2_json)
{
    openapi_result_t r;
    import_file("petstore-v2.json", NULL, &r);
    cr_assert_str_eq(r.spec_version, "2.0");
    support_expect_json(r.api, "{\"displayName\": \"Swagger Petstore\", \"path\": \"v1\","
                               " \"serviceUrl\": \"http://petstore.swagger.io/v1\"}");
    cr_assert_eq(json_array_size(r.operations), 3);
    json_t *show = op_named(&r, "showPetById");
    /* Path parameters are always required, whatever the document says. */
    support_expect_json(
        json_object_get(show, "templateParameters"),
        "[{\"name\": \"petId\", \"type\": \"string\", \"required\": true, \"values\": [],"
        "  \"description\": \"The id of the pet to retrieve\"}]");
    json_t *list = op_named(&r, "listPets");
    support_expect_json(
        json_array_get(json_object_get(list, "responses"), 0),
        "{\"statusCode\": 200, \"description\": \"An paged array of pets\","
        " \"representations\": [{\"contentType\": \"application/json\","
        "                        \"typeName\": \"Pets\"}],"
        " \"headers\": [{\"name\": \"x-next\", \"type\": \"string\", \"required\": false,"
        "                \"values\": [],"
        "                \"description\": \"A link to the next page of responses\"}]}");
    openapi_result_free(&r);
}

Test(openapi, petstore_expanded_v2_yaml)
{
    openapi_result_t r;
    import_file("petstore-expanded-v2.yaml", NULL, &r);
    cr_assert_eq(json_array_size(r.operations), 4);
    json_t *add = op_named(&r, "addPet");
    support_expect_json(json_object_get(add, "request"), ADD_PET_REQUEST);
    json_t *find = op_named(&r, "find-pet-by-id");
    support_expect_json(
        json_object_get(find, "templateParameters"),
        "[{\"name\": \"id\", \"type\": \"integer\", \"required\": true, \"values\": [],"
        "  \"description\": \"ID of pet to fetch\"}]");
    openapi_result_free(&r);
}

Test(openapi, webhooks_v31)
{
    openapi_result_t r;
    import_file("webhook-example.yaml", NULL, &r);
    cr_assert_str_eq(r.spec_version, "3.1.0");
    /* Webhooks are calls the API makes, not routes: only /pets is imported. */
    cr_assert_eq(json_array_size(r.operations), 1);
    cr_assert_str_eq(str_at(op_named(&r, "listPets"), "urlTemplate"), "/pets");
    support_expect_json(r.api,
                        "{\"displayName\": \"Webhook Example\", \"path\": \"webhook-example\"}");
    openapi_result_free(&r);
}

Test(openapi, docker_engine_api)
{
    openapi_result_t r;
    import_file("docker-engine-v1.41.yaml", NULL, &r);
    cr_assert_eq(json_array_size(r.operations), 106);
    cr_assert_str_eq(str_at(r.api, "displayName"), "Docker Engine API");
    cr_assert_str_eq(str_at(r.api, "path"), "v1.41");
    cr_assert_null(json_object_get(r.api, "serviceUrl"), "basePath alone is not a URL");
    cr_assert_eq(json_array_size(r.warnings), 1);
    cr_assert_str_eq(json_string_value(json_array_get(r.warnings, 0)),
                     "docker-engine-v1.41.yaml:22:11: the server URL \"/v1.41\" is relative: no "
                     "serviceUrl (at basePath)");

    json_t *rename = op_named(&r, "ContainerRename");
    cr_assert_str_eq(str_at(rename, "urlTemplate"), "/containers/{id}/rename?name={name}");
    json_t *tp = json_object_get(rename, "templateParameters");
    cr_assert_eq(json_array_size(tp), 2);
    cr_assert_str_eq(str_at(json_array_get(tp, 0), "name"), "id");
    cr_assert_str_eq(str_at(json_array_get(tp, 1), "name"), "name");
    cr_assert_str_eq(str_at(op_named(&r, "ImageSearch"), "urlTemplate"),
                     "/images/search?term={term}");
    cr_assert_str_eq(str_at(op_named(&r, "SystemPingHead"), "method"), "HEAD");
    cr_assert_str_eq(str_at(op_named(&r, "ContainerArchiveInfo"), "urlTemplate"),
                     "/containers/{id}/archive?path={path}");

    json_t *list = op_named(&r, "ContainerList");
    json_t *queries = json_object_get(json_object_get(list, "request"), "queryParameters");
    cr_assert_eq(json_array_size(queries), 4);
    support_expect_json(
        json_array_get(queries, 0),
        "{\"name\": \"all\", \"type\": \"boolean\", \"required\": false,"
        " \"defaultValue\": \"false\", \"values\": [],"
        " \"description\": \"Return all containers. By default, only running containers"
        " are shown.\\n\"}");
    /* Header parameters and per-operation consumes (Swagger 2.0). */
    json_t *build = op_named(&r, "ImageBuild");
    json_t *headers = json_object_get(json_object_get(build, "request"), "headers");
    cr_assert_eq(json_array_size(headers), 2);
    cr_assert_str_eq(str_at(json_array_get(headers, 0), "name"), "Content-type");
    cr_assert_str_eq(str_at(json_array_get(headers, 0), "defaultValue"), "application/x-tar");
    support_expect_json(json_object_get(json_array_get(headers, 0), "values"),
                        "[\"application/x-tar\"]");
    cr_assert_str_eq(str_at(json_array_get(headers, 1), "name"), "X-Registry-Config");
    /* A body parameter is a representation per consumed type, not a query parameter. */
    json_t *reps = json_object_get(json_object_get(build, "request"), "representations");
    support_expect_json(reps, "[{\"contentType\": \"application/octet-stream\"}]");
    cr_assert(strstr(str_at(json_object_get(build, "request"), "description"), "tar archive"));
    openapi_result_free(&r);
}

Test(openapi, docker_required_query_as_query)
{
    openapi_options_t opts = {.required_query_as_query = true};
    openapi_result_t r;
    import_file("docker-engine-v1.41.yaml", &opts, &r);
    json_t *rename = op_named(&r, "ContainerRename");
    cr_assert_str_eq(str_at(rename, "urlTemplate"), "/containers/{id}/rename");
    json_t *q =
        json_array_get(json_object_get(json_object_get(rename, "request"), "queryParameters"), 0);
    cr_assert_str_eq(str_at(q, "name"), "name");
    cr_assert(json_is_true(json_object_get(q, "required")));
    openapi_result_free(&r);
}

/* Path-level parameters, overrides, references to components, required query parameters
 * in the template, headers, cookies, server variables and examples (OpenAPI 3). */
static const char rules_v3[] =
    "openapi: 3.0.3\n"
    "info: {title: Rules, version: '2'}\n"
    "servers:\n"
    "  - url: '{scheme}://api.example.com:{port}/base/'\n"
    "    variables:\n"
    "      scheme: {default: http}\n"
    "      port: {default: '8080'}\n"
    "paths:\n"
    "  /items/{itemId}/parts/{part}:\n"
    "    parameters:\n"
    "      - $ref: '#/components/parameters/ItemId'\n"
    "      - {name: part, in: path, required: true, schema: {type: string}}\n"
    "      - {name: trace, in: header, schema: {type: string}}\n"
    "    get:\n"
    "      parameters:\n"
    "        - {name: part, in: path, required: true, description: overridden,\n"
    "           schema: {type: string, enum: [a, b, 3], default: a}}\n"
    "        - {name: q, in: query, required: true, schema: {type: [string, 'null']}}\n"
    "        - {name: 'filter[x]', in: query, required: true, schema: {type: string}}\n"
    "        - {name: session, in: cookie, schema: {type: string}}\n"
    "        - {name: page, in: query, schema: {$ref: '#/components/schemas/Page'}}\n"
    "      requestBody: {$ref: '#/components/requestBodies/Thing'}\n"
    "      responses:\n"
    "        '200': {$ref: '#/components/responses/Ok'}\n"
    "        2XX: {description: any}\n"
    "  /a b/*:\n"
    "    get: {responses: {}}\n"
    "  /pets/{petId}/:\n"
    "    get: {responses: {}}\n"
    "    put: {operationId: get-pets-petid, responses: {}}\n"
    "components:\n"
    "  parameters:\n"
    "    ItemId: {name: itemId, in: path, required: true, schema: {type: integer}}\n"
    "  schemas:\n"
    "    Page: {type: integer, default: 1}\n"
    "    Thing: {type: object}\n"
    "  requestBodies:\n"
    "    Thing:\n"
    "      description: a thing\n"
    "      content:\n"
    "        application/json:\n"
    "          schema: {$ref: '#/components/schemas/Thing'}\n"
    "          example: {id: 1}\n"
    "        text/plain:\n"
    "          examples:\n"
    "            short: {summary: brief, value: hi}\n"
    "  responses:\n"
    "    Ok:\n"
    "      description: fine\n"
    "      headers:\n"
    "        X-Rate: {required: true, schema: {type: integer}}\n"
    "      content: {application/xml: {}}\n";

Test(openapi, mapping_rules_v3)
{
    openapi_result_t r;
    import_text(rules_v3, &r);
    cr_assert_str_eq(str_at(r.api, "serviceUrl"), "http://api.example.com:8080/base/");
    cr_assert_str_eq(str_at(r.api, "path"), "base");
    cr_assert_str_eq(r.doc_version, "2");
    cr_assert_eq(json_array_size(r.operations), 4);
    json_t *get = op_named(&r, "get-items-itemid-parts-part");
    cr_assert_str_eq(str_at(get, "displayName"), "GET /items/{itemId}/parts/{part}");
    cr_assert_str_eq(str_at(get, "urlTemplate"), "/items/{itemId}/parts/{part}?q={q}");
    support_expect_json(
        json_object_get(get, "templateParameters"),
        "[{\"name\": \"itemId\", \"type\": \"integer\", \"required\": true, \"values\": []},"
        " {\"name\": \"part\", \"type\": \"string\", \"required\": true,"
        "  \"description\": \"overridden\", \"defaultValue\": \"a\","
        "  \"values\": [\"a\", \"b\", \"3\"]},"
        " {\"name\": \"q\", \"type\": \"string\", \"required\": true, \"values\": []}]");
    support_expect_json(
        json_object_get(get, "request"),
        "{\"description\": \"a thing\","
        " \"queryParameters\": ["
        "  {\"name\": \"filter[x]\", \"type\": \"string\", \"required\": true, \"values\": []},"
        "  {\"name\": \"page\", \"type\": \"integer\", \"required\": false,"
        "   \"defaultValue\": \"1\", \"values\": []}],"
        " \"headers\": [{\"name\": \"trace\", \"type\": \"string\", \"required\": false,"
        "               \"values\": []}],"
        " \"representations\": ["
        "  {\"contentType\": \"application/json\", \"typeName\": \"Thing\","
        "   \"examples\": {\"default\": {\"value\": {\"id\": 1}}}},"
        "  {\"contentType\": \"text/plain\","
        "   \"examples\": {\"short\": {\"summary\": \"brief\", \"value\": \"hi\"}}}]}");
    support_expect_json(
        json_object_get(get, "responses"),
        "[{\"statusCode\": 200, \"description\": \"fine\","
        "  \"representations\": [{\"contentType\": \"application/xml\"}],"
        "  \"headers\": [{\"name\": \"X-Rate\", \"type\": \"integer\", \"required\": true,"
        "                \"values\": []}]}]");
    /* Characters outside RFC 3986 pchar, and '*', are percent-encoded. */
    cr_assert_str_eq(str_at(op_named(&r, "get-a-b"), "urlTemplate"), "/a%20b/%2A");
    /* A generated name that an operationId takes, even later on, gets a suffix. */
    cr_assert_str_eq(str_at(op_named(&r, "get-pets-petid-2"), "urlTemplate"), "/pets/{petId}/");
    cr_assert_str_eq(str_at(op_named(&r, "get-pets-petid"), "method"), "PUT");
    /* Losses are reported, with their place. */
    char *all = json_dumps(r.warnings, JSON_COMPACT);
    cr_assert(strstr(all, "required query parameter \\\"filter[x]\\\" stays out of the "
                          "urlTemplate"),
              "%s", all);
    cr_assert(strstr(all, "t.yaml:25:14: response \\\"2XX\\\" is not a status code"), "%s", all);
    cr_assert(strstr(all, "path parameter {petId} is not declared"), "%s", all);
    free(all);
    openapi_result_free(&r);
}

/* Swagger 2.0 formData, produces with examples, and a host without schemes. */
static const char rules_v2[] = "swagger: 2.0\n"
                               "info: {title: Forms, version: 1}\n"
                               "host: forms.example.com\n"
                               "paths:\n"
                               "  /upload:\n"
                               "    post:\n"
                               "      operationId: upload file\n"
                               "      consumes: [multipart/form-data]\n"
                               "      produces: [application/json, text/csv]\n"
                               "      parameters:\n"
                               "        - {name: file, in: formData, type: file, required: true}\n"
                               "        - {name: note, in: formData, type: string}\n"
                               "      responses:\n"
                               "        201:\n"
                               "          description: stored\n"
                               "          schema: {$ref: '#/definitions/Receipt'}\n"
                               "          examples: {application/json: {id: 7}, text/xml: '<r/>'}\n"
                               "          headers: {Location: {type: string, description: where}}\n"
                               "definitions:\n"
                               "  Receipt: {type: object}\n";

Test(openapi, mapping_rules_v2)
{
    openapi_result_t r;
    import_text(rules_v2, &r);
    cr_assert_str_eq(r.spec_version, "2.0");
    support_expect_json(r.api, "{\"displayName\": \"Forms\", \"path\": \"forms\","
                               " \"serviceUrl\": \"http://forms.example.com\"}");
    json_t *up = op_named(&r, "upload-file");
    cr_assert_str_eq(str_at(up, "displayName"), "upload file");
    support_expect_json(
        json_object_get(json_object_get(up, "request"), "representations"),
        "[{\"contentType\": \"multipart/form-data\", \"formParameters\": ["
        "  {\"name\": \"file\", \"type\": \"file\", \"required\": true, \"values\": []},"
        "  {\"name\": \"note\", \"type\": \"string\", \"required\": false, \"values\": []}]}]");
    support_expect_json(
        json_object_get(up, "responses"),
        "[{\"statusCode\": 201, \"description\": \"stored\", \"representations\": ["
        "  {\"contentType\": \"application/json\", \"typeName\": \"Receipt\","
        "   \"examples\": {\"default\": {\"value\": {\"id\": 7}}}},"
        "  {\"contentType\": \"text/csv\", \"typeName\": \"Receipt\"},"
        "  {\"contentType\": \"text/xml\", \"examples\": {\"default\": {\"value\": \"<r/>\"}}}],"
        " \"headers\": [{\"name\": \"Location\", \"type\": \"string\", \"required\": false,"
        "               \"description\": \"where\", \"values\": []}]}]");
    openapi_result_free(&r);
}

Test(openapi, warnings_are_capped)
{
    /* 150 paths whose parameter is not declared: 150 losses, 100 reported. */
    size_t cap = 64 * 1024, n = 0;
    char *doc = malloc(cap);
    n += (size_t)snprintf(doc + n, cap - n,
                          "openapi: 3.0.0\ninfo: {title: T, version: '1'}\n"
                          "paths:\n");
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(doc + n, cap - n, "  /p%d/{x}:\n    get: {}\n", i);
    openapi_result_t r;
    import_text(doc, &r);
    free(doc);
    cr_assert_eq(json_array_size(r.operations), 150);
    cr_assert_eq(json_array_size(r.warnings), OPENAPI_MAX_WARNINGS + 1);
    cr_assert_str_eq(json_string_value(json_array_get(r.warnings, OPENAPI_MAX_WARNINGS)),
                     "more warnings left out");
    cr_assert(strstr(json_string_value(json_array_get(r.warnings, 0)),
                     "t.yaml:5:10: path parameter {x} is not declared"));
    openapi_result_free(&r);
}
