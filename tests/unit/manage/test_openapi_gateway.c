/* Every imported operation must be servable: the imported API, put in a snapshot, compiles
 * with the gateway's own compiler (gateway_config_compile), and requests route to the
 * operations the document describes. */
#include "gateway/config.h"
#include "gateway/route.h"
#include "manage/openapi.h"
#include "../file_text.h"
#include "support.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA "tests/data/openapi/"

static const char *const specs[] = {"petstore.yaml",        "petstore-expanded.yaml",
                                    "petstore-v2.json",     "petstore-expanded-v2.yaml",
                                    "webhook-example.yaml", "docker-engine-v1.41.yaml"};

/* The imported API as the snapshot's apis[] entry (docs/snapshot.md). serviceUrl is a
 * local one: the documents' own may be https, which the gateway does not speak yet. */
static gateway_config_t *compile_imported(const char *name, const openapi_options_t *opts,
                                          size_t *op_count)
{
    char path[256];
    snprintf(path, sizeof path, DATA "%s", name);
    size_t len;
    char *text = read_file(path, &len);
    openapi_result_t r;
    char *err = NULL;
    cr_assert_eq(openapi_import(text, len, name, opts, &r, &err), 0, "%s", err);
    free(text);
    json_t *ops = json_array();
    size_t i;
    json_t *op;
    json_array_foreach(r.operations, i, op)
    {
        json_t *p = json_object_get(op, "properties");
        json_array_append_new(ops, json_pack("{sOsOsOsO}", "id", json_object_get(op, "name"),
                                             "displayName", json_object_get(p, "displayName"),
                                             "method", json_object_get(p, "method"), "urlTemplate",
                                             json_object_get(p, "urlTemplate")));
    }
    *op_count = json_array_size(ops);
    json_t *snapshot = json_pack(
        "{sis{ss}s[{sssb}]s[{sssOsOsssO}]}", "revision", 1, "service", "name", "t", "regions",
        "name", "West US", "primary", 1, "apis", "id", "imported", "displayName",
        json_object_get(r.api, "displayName"), "path", json_object_get(r.api, "path"), "serviceUrl",
        "http://127.0.0.1:9", "operations", ops);
    cr_assert_not_null(snapshot);
    json_decref(ops);
    char *json = json_dumps(snapshot, JSON_INDENT(1));
    json_decref(snapshot);
    openapi_result_free(&r);
    gateway_config_t *c = gateway_config_compile(json, strlen(json), name, "West US", &err);
    cr_assert_not_null(c, "%s does not compile: %s", name, err);
    free(json);
    return c;
}

Test(openapi_gateway, every_spec_compiles)
{
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        for (int as_query = 0; as_query < 2; as_query++) {
            openapi_options_t opts = {.required_query_as_query = as_query};
            size_t count;
            gateway_config_t *c = compile_imported(specs[i], &opts, &count);
            cr_assert_eq(c->api_count, 1);
            cr_assert_eq(c->apis[0].operation_count, count);
            cr_assert_gt(count, 0, "%s", specs[i]);
            gateway_config_unref(c);
        }
    }
}

static const char *route(const gateway_config_t *c, const char *method, const char *path,
                         const char *query)
{
    route_match_t m;
    int rc =
        route_table_match(c->routes, slice_make("h", 1), slice_make(method, strlen(method)),
                          slice_make(path, strlen(path)), slice_make(query, strlen(query)), &m);
    return rc == ROUTE_OK ? m.operation->id : NULL;
}

Test(openapi_gateway, docker_requests_route_to_their_operations)
{
    size_t count;
    gateway_config_t *c = compile_imported("docker-engine-v1.41.yaml", NULL, &count);
    cr_assert_eq(count, 106);
    cr_assert_str_eq(route(c, "GET", "/v1.41/containers/json", ""), "ContainerList");
    cr_assert_str_eq(route(c, "GET", "/v1.41/containers/abc/json", ""), "ContainerInspect");
    cr_assert_str_eq(route(c, "POST", "/v1.41/containers/abc/rename", "name=x"), "ContainerRename");
    /* A required query parameter is part of the template: without it, no operation. */
    cr_assert_null(route(c, "POST", "/v1.41/containers/abc/rename", ""));
    cr_assert_str_eq(route(c, "GET", "/v1.41/images/search", "term=debian&limit=2"), "ImageSearch");
    cr_assert_str_eq(route(c, "HEAD", "/v1.41/_ping", ""), "SystemPingHead");
    cr_assert_str_eq(route(c, "DELETE", "/v1.41/volumes/data", ""), "VolumeDelete");
    /* Literal segments win over parameters: /volumes/create is not /volumes/{name}. */
    cr_assert_str_eq(route(c, "POST", "/v1.41/volumes/create", ""), "VolumeCreate");
    gateway_config_unref(c);
}

Test(openapi_gateway, petstore_requests_route)
{
    size_t count;
    gateway_config_t *c = compile_imported("petstore.yaml", NULL, &count);
    cr_assert_str_eq(route(c, "GET", "/v1/pets", "limit=5"), "listPets");
    cr_assert_str_eq(route(c, "POST", "/v1/pets", ""), "createPets");
    cr_assert_str_eq(route(c, "GET", "/v1/pets/17", ""), "showPetById");
    cr_assert_null(route(c, "DELETE", "/v1/pets/17", ""));
    gateway_config_unref(c);
}
