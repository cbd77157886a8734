#include "gateway/config.h"
#include "gateway/route.h"

#include "../marked_text.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gateway_config_t *compile(const char *text, char **err)
{
    return gateway_config_compile(text, strlen(text), "t.json", "West US", err);
}

/* `marked` is a snapshot with one '$' where the error must point. Checks that compiling it
 * (without the '$') fails with "t.json:L:C: <...message...> (at <path>)". Line and column
 * are computed here, by counting, independently of json_locate. */
static void expect_error(const char *marked, const char *message, const char *path)
{
    marked_text_t m = marked_text(marked, '$');
    char *text = m.text;
    unsigned line = m.line, col = m.col;
    char *err = NULL;
    gateway_config_t *c = compile(text, &err);
    cr_assert_null(c, "compiled, expected: %s", message);
    cr_assert_not_null(err);
    char want[64];
    snprintf(want, sizeof want, "t.json:%u:%u: ", line, col);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "want %s..., got %s", want, err);
    cr_assert(strstr(err, message), "want \"%s\" in %s", message, err);
    if (path) {
        char at[160];
        snprintf(at, sizeof at, " (at %s)", path);
        size_t n = strlen(err), m = strlen(at);
        cr_assert(n >= m && strcmp(err + n - m, at) == 0, "want %s at the end of %s", at, err);
    }
    free(err);
    free(text);
}

#define HEAD                                                                                       \
    "{\"revision\": 7, \"service\": {\"name\": \"contoso\"},\n"                                    \
    " \"regions\": [{\"name\": \"West US\", \"primary\": true}, {\"name\": \"East Asia\"}],\n"

static const char valid[] =
    "{\n"
    "  \"revision\": 42,\n"
    "  \"service\": {\"name\": \"contoso\", \"domain\": \"meridian.local\"},\n"
    "  \"regions\": [{\"name\": \"West US\", \"primary\": true}, {\"name\": \"East Asia\"}],\n"
    "  \"settings\": {\"connectTimeoutMs\": 1234, \"upstreamMaxIdlePerOrigin\": 0,\n"
    "                \"someFutureSetting\": \"ignored\"},\n"
    "  \"backends\": [{\"id\": \"b1\", \"url\": \"http://[::1]:9001/base/\"}],\n"
    "  \"apis\": [\n"
    "    {\"id\": \"orders\", \"displayName\": \"Orders\", \"path\": \"/orders/v1/\",\n"
    "     \"hostnames\": [\"API.Contoso.com\", \"[::1]\"],\n"
    "     \"serviceUrl\": \"http://example.invalid\", \"backendId\": \"b1\",\n"
    "     \"protocols\": [\"https\"], \"subscriptionRequired\": false,\n"
    "     \"subscriptionKeyParameterNames\": {\"header\": \"X-Key\", \"query\": \"key\"},\n"
    "     \"operations\": [\n"
    "       {\"id\": \"get\", \"displayName\": \"Get\", \"method\": \"GET\",\n"
    "        \"urlTemplate\": \"/orders/{id}\", \"timeoutSeconds\": 30},\n"
    "       {\"id\": \"any\", \"method\": \"*\", \"urlTemplate\": \"/*\"},\n"
    "       {\"id\": \"purge\", \"method\": \"PURGE\", \"urlTemplate\": \"/cache\"}\n"
    "     ]},\n"
    "    {\"id\": \"echo\", \"path\": \"\", \"serviceUrl\": \"HTTP://Echo.Local:8080\",\n"
    "     \"operations\": [], \"unknownField\": {\"x\": [1]}}\n"
    "  ],\n"
    "  \"policies\": {\"global\": null}, \"products\": [], \"namedValues\": []\n"
    "}\n";

Test(config, valid_snapshot)
{
    char *err = NULL;
    gateway_config_t *c = compile(valid, &err);
    cr_assert_not_null(c, "%s", err);
    cr_assert_null(err);
    cr_assert_eq(c->refcount, 1);
    cr_assert_eq(c->revision, 42);
    cr_assert_str_eq(c->service_name, "contoso");
    cr_assert_str_eq(c->region, "West US");
    cr_assert(c->region_known);
    cr_assert_not_null(c->doc);
    cr_assert_eq(json_integer_value(json_object_get(c->doc, "revision")), 42);

    cr_assert_eq(c->settings.connect_timeout_ms, 1234);
    cr_assert_eq(c->settings.upstream_max_idle, 0);
    cr_assert_eq(c->settings.max_request_body_bytes, 4ULL << 30);
    cr_assert_eq(c->settings.idle_timeout_ms, 75000);
    cr_assert_eq(c->settings.header_timeout_ms, 10000);
    cr_assert_eq(c->settings.upstream_idle_ms, 60000);

    cr_assert_eq(c->api_count, 2);
    const gw_api_t *a = &c->apis[0];
    cr_assert_str_eq(a->id, "orders");
    cr_assert_str_eq(a->display_name, "Orders");
    cr_assert_str_eq(a->path, "orders/v1");
    cr_assert_eq(a->hostname_count, 2);
    cr_assert_str_eq(a->hostnames[0], "api.contoso.com");
    cr_assert_str_eq(a->hostnames[1], "[::1]");
    /* backendId wins over serviceUrl */
    cr_assert_str_eq(a->backend.url, "http://[::1]:9001/base/");
    cr_assert_str_eq(a->backend.host, "::1");
    cr_assert_eq(a->backend.port, 9001);
    cr_assert_str_eq(a->backend.base_path, "/base");
    cr_assert_str_eq(a->backend.host_header, "[::1]:9001");
    cr_assert_str_eq(a->backend.origin_key, "[::1]:9001");
    cr_assert(!a->protocol_http);
    cr_assert(!a->subscription_required);
    cr_assert_eq(a->operation_count, 3);
    cr_assert_str_eq(a->operations[0].id, "get");
    cr_assert_str_eq(a->operations[0].method, "GET");
    cr_assert_eq(a->operations[0].method_id, HTTP_METHOD_GET);
    cr_assert_eq(a->operations[0].timeout_ms, 30000);
    cr_assert_eq(a->operations[0].api, a);
    cr_assert_str_eq(a->operations[1].display_name, "any");
    cr_assert_eq(a->operations[1].method_id, HTTP_METHOD_OTHER);
    cr_assert_eq(a->operations[1].timeout_ms, 300000);
    cr_assert_eq(a->operations[2].method_id, HTTP_METHOD_OTHER);

    const gw_api_t *e = &c->apis[1];
    cr_assert_str_eq(e->display_name, "echo");
    cr_assert_str_eq(e->path, "");
    cr_assert_eq(e->hostname_count, 0);
    cr_assert(e->protocol_http);
    cr_assert(e->subscription_required);
    cr_assert_str_eq(e->backend.host, "echo.local");
    cr_assert_str_eq(e->backend.host_header, "echo.local:8080");
    cr_assert_str_eq(e->backend.base_path, "");

    route_match_t m;
    cr_assert_eq(route_table_match(c->routes, SLICE_LIT("api.contoso.com"), SLICE_LIT("GET"),
                                   SLICE_LIT("/orders/v1/orders/5"), SLICE_NULL, &m),
                 ROUTE_OK);
    cr_assert_eq(m.operation, &a->operations[0]);
    cr_assert_eq(route_table_match(c->routes, SLICE_LIT("other"), SLICE_LIT("GET"),
                                   SLICE_LIT("/orders/v1/orders/5"), SLICE_NULL, &m),
                 ROUTE_NO_OPERATION);
    cr_assert_eq(m.api, e);
    gateway_config_unref(c);
}

Test(config, refcount)
{
    char *err = NULL;
    gateway_config_t *c = compile(valid, &err);
    cr_assert_not_null(c);
    cr_assert_eq(gateway_config_ref(c), c);
    cr_assert_eq(c->refcount, 2);
    gateway_config_unref(c);
    cr_assert_eq(c->refcount, 1);
    cr_assert_str_eq(c->apis[0].id, "orders"); /* still alive */
    gateway_config_unref(c);                   /* freed: ASan reports any leak */
    gateway_config_unref(NULL);
}

/* --region takes the display name or the location slug (REGIONS-CONTRACT): both name the
 * region, which then reports its display name (context.Deployment.Region, spec §5.2). */
Test(config, region_given_as_slug_reports_the_display_name)
{
    const char *given[] = {"West US", "westus", "west us", "WESTUS"};
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++) {
        char *err = NULL;
        gateway_config_t *c = gateway_config_compile(valid, strlen(valid), "t.json", given[i], &err);
        cr_assert_not_null(c, "%s", err);
        cr_assert(c->region_known, "%s", given[i]);
        cr_assert_str_eq(c->region, "West US", "given \"%s\"", given[i]);
        gateway_config_unref(c);
    }
}

Test(config, unknown_region_is_not_an_error)
{
    char *err = NULL;
    gateway_config_t *c = gateway_config_compile(valid, strlen(valid), "t.json", "Mars", &err);
    cr_assert_not_null(c, "%s", err);
    cr_assert(!c->region_known);
    cr_assert_str_eq(c->region, "Mars");
    gateway_config_unref(c);
    c = gateway_config_compile(valid, strlen(valid), "t.json", "West US 2", &err);
    cr_assert(!c->region_known);
    cr_assert_str_eq(c->region, "West US 2");
    gateway_config_unref(c);
    c = gateway_config_compile(valid, strlen(valid), "t.json", "westu", &err);
    cr_assert(!c->region_known, "a prefix of the slug is another region");
    gateway_config_unref(c);
    c = gateway_config_compile(valid, strlen(valid), "t.json", "", &err);
    cr_assert(!c->region_known);
    gateway_config_unref(c);
    c = gateway_config_compile(valid, strlen(valid), "t.json", NULL, &err);
    cr_assert_str_eq(c->region, "");
    gateway_config_unref(c);
}

Test(config, demo_snapshot_compiles)
{
    char *err = NULL;
    gateway_config_t *c =
        gateway_config_load_file("examples/demo/snapshot.json", "East Asia", &err);
    cr_assert_not_null(c, "%s", err);
    cr_assert(c->region_known);
    cr_assert_str_eq(c->service_name, "contoso");
    cr_assert_eq(c->api_count, 2);
    route_match_t m;
    cr_assert_eq(route_table_match(c->routes, SLICE_LIT("127.0.0.1:8080"), SLICE_LIT("GET"),
                                   SLICE_LIT("/orders/17"), SLICE_NULL, &m),
                 ROUTE_OK);
    cr_assert_str_eq(m.operation->id, "get-order");
    cr_assert_str_eq(m.api->backend.origin_key, "127.0.0.1:19082");
    cr_assert_eq(route_table_match(c->routes, SLICE_LIT("localhost"), SLICE_LIT("PATCH"),
                                   SLICE_LIT("/echo/x/y"), SLICE_NULL, &m),
                 ROUTE_OK);
    cr_assert_str_eq(m.api->id, "echo");
    cr_assert(m.suffix.len == 4);
    gateway_config_unref(c);
}

Test(config, load_file_errors_name_the_file)
{
    char *err = NULL;
    cr_assert_null(gateway_config_load_file("/nonexistent/s.json", "West US", &err));
    cr_assert(strncmp(err, "/nonexistent/s.json: cannot read: ", 34) == 0, "%s", err);
    free(err);

    char path[] = "/tmp/meridian-config-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char bad[] = "{\n  \"revision\": -1\n}\n";
    cr_assert_eq(write(fd, bad, sizeof bad - 1), (ssize_t)(sizeof bad - 1));
    close(fd);
    cr_assert_null(gateway_config_load_file(path, "West US", &err));
    char want[128];
    snprintf(want, sizeof want, "%s:2:15: ", path);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "%s", err);
    free(err);
    unlink(path);
}

/* ---- syntax errors (positions from jansson) ---- */

Test(config, syntax_errors)
{
    expect_error("{\"revision\": 1,$}", "expected", NULL);
    expect_error("{\n  \"revision\": 1,\n  \"revision$\": 2\n}", "duplicate object key", NULL);
    expect_error("{\"revision\": tr$u}", "invalid token", NULL);
    expect_error("$", "expected", NULL);
    expect_error("{\"n\": \"\\u0000$\"}", "NUL", NULL);
}

/* ---- semantic errors (positions from json_locate) ---- */

Test(config, root_and_service)
{
    expect_error("$[1, 2]", "must be a JSON object", NULL);
    expect_error("${\"service\": {\"name\": \"s\"}}", "required field is missing", "revision");
    expect_error("{\"revision\": $-1}", "between 0 and", "revision");
    expect_error("{\"revision\": $1.5}", "must be an integer, not a number", "revision");
    expect_error("{\"revision\": $\"1\"}", "must be an integer, not a string", "revision");
    expect_error("{\"revision\": 1, \"service\": $[]}", "must be an object, not an array",
                 "service");
    expect_error("{\"revision\": 1, \"service\": ${}}", "required field is missing",
                 "service.name");
    expect_error("{\"revision\": 1, \"service\": {\"name\": $\"\"}}", "must not be empty",
                 "service.name");
    expect_error("{\"revision\": 1, \"service\": {\"name\": \"s\", \"domain\": $7}}",
                 "must be a string, not a number", "service.domain");
}

Test(config, regions)
{
#define H "{\"revision\": 1, \"service\": {\"name\": \"s\"},\n"
    expect_error("$" H "\"apis\": []}", "required field is missing", "regions");
    expect_error(H " \"regions\": $[{\"name\": \"a\"}], \"apis\": []}",
                 "one region must have \"primary\": true", "regions");
    expect_error(H " \"regions\": [$7], \"apis\": []}", "a region must be an object", "regions[0]");
    expect_error(H " \"regions\": [{\"name\": \"a\", \"primary\": true}, ${}], \"apis\": []}",
                 "required field is missing", "regions[1].name");
    expect_error(H " \"regions\": [{\"name\": \"a\", \"primary\": true},\n"
                   "   {\"name\": $\"a\"}], \"apis\": []}",
                 "region \"a\" is listed twice (also regions[0])", "regions[1].name");
    expect_error(H " \"regions\": [{\"name\": \"a\", \"primary\": true},\n"
                   "   {\"name\": \"b\", \"primary\": $true}], \"apis\": []}",
                 "only one region is primary (regions[0] is too)", "regions[1].primary");
    expect_error(H " \"regions\": [{\"name\": \"a\", \"primary\": $\"yes\"}], \"apis\": []}",
                 "must be true or false, not a string", "regions[0].primary");
#undef H
}

Test(config, settings)
{
    expect_error(HEAD " \"settings\": $[], \"apis\": []}", "must be an object", "settings");
    expect_error(HEAD " \"settings\": {\"connectTimeoutMs\": $0}, \"apis\": []}",
                 "between 1 and 4294967295", "settings.connectTimeoutMs");
    expect_error(HEAD " \"settings\": {\"clientIdleTimeoutMs\": $4294967296}, \"apis\": []}",
                 "between 1 and 4294967295", "settings.clientIdleTimeoutMs");
    expect_error(HEAD " \"settings\": {\"maxRequestBodyBytes\": $-5}, \"apis\": []}",
                 "between 0 and", "settings.maxRequestBodyBytes");
    expect_error(HEAD " \"settings\": {\"upstreamIdleTimeoutMs\": $\"60s\"}, \"apis\": []}",
                 "must be an integer", "settings.upstreamIdleTimeoutMs");
}

Test(config, backends)
{
    expect_error(HEAD " \"backends\": [{\"id\": \"b\", \"url\": $\"ftp://x\"}], \"apis\": []}",
                 "must start with http:// or https://", "backends[0].url");
    expect_error(HEAD " \"backends\": [{\"id\": \"b\", \"url\": \"https://x\",\n"
                      "  \"tls\": ${\"validateCertificateChain\": \"no\"}}], \"apis\": []}",
                 "validateCertificateChain must be true or false", "backends[0].tls");
    expect_error(HEAD " \"backends\": [${\"url\": \"http://x\"}], \"apis\": []}",
                 "required field is missing", "backends[0].id");
    expect_error(HEAD " \"backends\": [{\"id\": \"b\", \"url\": \"http://x\"},\n"
                      "  {\"id\": $\"b\", \"url\": \"http://y\"}], \"apis\": []}",
                 "backend id \"b\" is used twice (also backends[0])", "backends[1].id");
    expect_error(HEAD " \"backends\": ${}, \"apis\": []}", "must be an array", "backends");
}

#define API(fields) HEAD " \"apis\": [{\"id\": \"a\", \"path\": \"a\", " fields "}]}"
#define OPS(ops) API("\"serviceUrl\": \"http://x\", \"operations\": [" ops "]")

Test(config, api_fields)
{
    expect_error("$" HEAD " \"x\": 0}", "required field is missing", "apis");
    expect_error(HEAD " \"apis\": [{\"id\": \"a\", \"path\": \"\", \"serviceUrl\": \"http://x\",\n"
                      "   \"operations\": []}, $3]}",
                 "an API must be an object", "apis[1]");
    expect_error(HEAD " \"apis\": [${\"path\": \"a\", \"serviceUrl\": \"http://x\", "
                      "\"operations\": []}]}",
                 "required field is missing", "apis[0].id");
    expect_error(HEAD " \"apis\": [{\"id\": \"a\", \"path\": \"\", \"serviceUrl\": \"http://x\","
                      " \"operations\": []},\n"
                      "  {\"id\": $\"a\", \"path\": \"b\", \"serviceUrl\": \"http://x\", "
                      "\"operations\": []}]}",
                 "API id \"a\" is used twice (also apis[0])", "apis[1].id");
    expect_error(HEAD " \"apis\": [${\"id\": \"a\", \"serviceUrl\": \"http://x\", "
                      "\"operations\": []}]}",
                 "required field is missing", "apis[0].path");
    expect_error(HEAD
                 " \"apis\": [${\"id\": \"a\", \"path\": \"a\", \"serviceUrl\": \"http://x\"}]}",
                 "required field is missing", "apis[0].operations");
    expect_error(API("\"serviceUrl\": \"http://x\", \"operations\": ${}"), "must be an array",
                 "apis[0].operations");
    expect_error(API("\"displayName\": $false, \"serviceUrl\": \"http://x\", \"operations\": []"),
                 "must be a string, not a boolean", "apis[0].displayName");
    expect_error(API("\"serviceUrl\": \"http://x\", \"subscriptionRequired\": $1, "
                     "\"operations\": []"),
                 "must be true or false", "apis[0].subscriptionRequired");
    expect_error(API("\"serviceUrl\": \"http://x\", \"subscriptionKeyParameterNames\": "
                     "{\"header\": $\"\"}, \"operations\": []"),
                 "must not be empty", "apis[0].subscriptionKeyParameterNames.header");
}

Test(config, api_path)
{
#define P(path)                                                                                    \
    HEAD " \"apis\": [{\"id\": \"a\", \"path\": " path ", \"serviceUrl\": "                        \
         "\"http://x\", \"operations\": []}]}"
    expect_error(P("$\"a//b\""), "empty segment", "apis[0].path");
    expect_error(P("$\"a b\""), "not allowed", "apis[0].path");
    expect_error(P("$\"a/../b\""), "\"..\" segments", "apis[0].path");
    expect_error(P("$\"a%zz\""), "not allowed", "apis[0].path");
    expect_error(P("$\"a?b\""), "not allowed", "apis[0].path");
    expect_error(P("$\""
                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                   "aaaaaaaaaaaaaaaaaaaaa"
                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                   "aaaaaaaaaaaaaaaaaaaaa"
                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                   "aaaaaaaaaaaaaaaaaaaaa"
                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                   "aaaaaaaaaaaaaaaaaaaaa"
                   "a\""),
                 "longer than 400", "apis[0].path");
    expect_error(P("$null"), "required field is missing", "apis[0].path");
#undef P
}

Test(config, hostnames)
{
    expect_error(API("\"hostnames\": [\"ok.example\", $\"api.contoso.com:443\"], "
                     "\"serviceUrl\": \"http://x\", \"operations\": []"),
                 "carries no port", "apis[0].hostnames[1]");
    expect_error(API("\"hostnames\": [$\"bad host\"], \"serviceUrl\": \"http://x\", "
                     "\"operations\": []"),
                 "not a valid host name", "apis[0].hostnames[0]");
    expect_error(API("\"hostnames\": [$\"\"], \"serviceUrl\": \"http://x\", \"operations\": []"),
                 "not a valid host name", "apis[0].hostnames[0]");
    expect_error(API("\"hostnames\": [\"A.example\", $\"a.example\"], \"serviceUrl\": "
                     "\"http://x\", \"operations\": []"),
                 "host name listed twice (also hostnames[0])", "apis[0].hostnames[1]");
    expect_error(API("\"hostnames\": [$1], \"serviceUrl\": \"http://x\", \"operations\": []"),
                 "must be a string", "apis[0].hostnames[0]");
    expect_error(API("\"hostnames\": [$\"[zz]\"], \"serviceUrl\": \"http://x\", "
                     "\"operations\": []"),
                 "not a valid host name", "apis[0].hostnames[0]");
}

Test(config, backend_reference)
{
    expect_error(API("\"serviceUrl\": $\"http://x:99999\", \"operations\": []"), "bad port",
                 "apis[0].serviceUrl");
    expect_error(API("\"backendId\": $\"nope\", \"operations\": []"),
                 "no backends[] entry has id \"nope\"", "apis[0].backendId");
    /* Missing both: the path names the field, the position is the API object. */
    expect_error(HEAD " \"apis\": [${\"id\": \"a\", \"path\": \"a\", \"operations\": []}]}",
                 "needs \"serviceUrl\" or \"backendId\"", "apis[0].serviceUrl");
    /* A bad serviceUrl is an error even when backendId wins. */
    expect_error(HEAD " \"backends\": [{\"id\": \"b\", \"url\": \"http://y\"}],\n"
                      " \"apis\": [{\"id\": \"a\", \"path\": \"a\", \"backendId\": \"b\",\n"
                      "   \"serviceUrl\": $\"ftp://x\", \"operations\": []}]}",
                 "must start with http://", "apis[0].serviceUrl");
}

Test(config, protocols)
{
    expect_error(API("\"serviceUrl\": \"http://x\", \"protocols\": [\"http\", $\"ftp\"], "
                     "\"operations\": []"),
                 "must be one of", "apis[0].protocols[1]");
    expect_error(API("\"serviceUrl\": \"http://x\", \"protocols\": $[], \"operations\": []"),
                 "at least one", "apis[0].protocols");
}

Test(config, operations)
{
    expect_error(OPS("$\"x\""), "an operation must be an object", "apis[0].operations[0]");
    expect_error(OPS("${\"method\": \"GET\", \"urlTemplate\": \"/\"}"), "required field is missing",
                 "apis[0].operations[0].id");
    expect_error(OPS("{\"id\": \"o\", \"method\": \"GET\", \"urlTemplate\": \"/\"},\n"
                     "   {\"id\": $\"o\", \"method\": \"GET\", \"urlTemplate\": \"/x\"}"),
                 "operation id \"o\" is used twice (also operations[0])",
                 "apis[0].operations[1].id");
    expect_error(OPS("${\"id\": \"o\", \"urlTemplate\": \"/\"}"), "required field is missing",
                 "apis[0].operations[0].method");
    expect_error(OPS("{\"id\": \"o\", \"method\": $\"get\", \"urlTemplate\": \"/\"}"),
                 "methods are case-sensitive: write \"GET\"", "apis[0].operations[0].method");
    expect_error(OPS("{\"id\": \"o\", \"method\": $\"GE T\", \"urlTemplate\": \"/\"}"),
                 "not an HTTP method token", "apis[0].operations[0].method");
    expect_error(OPS("{\"id\": \"o\", \"method\": \"GET\", \"urlTemplate\": $\"\"}"),
                 "must not be empty", "apis[0].operations[0].urlTemplate");
    expect_error(OPS("{\"id\": \"o\", \"method\": \"GET\", \"urlTemplate\": \"/\", "
                     "\"timeoutSeconds\": $0}"),
                 "between 1 and 86400", "apis[0].operations[0].timeoutSeconds");
    expect_error(OPS("{\"id\": \"o\", \"method\": \"GET\", \"urlTemplate\": \"/\", "
                     "\"timeoutSeconds\": $2.5}"),
                 "must be an integer", "apis[0].operations[0].timeoutSeconds");
}

Test(config, route_table_errors_are_located)
{
    expect_error(OPS("{\"id\": \"o\", \"method\": \"GET\", \"urlTemplate\": \"/\"},\n"
                     "   {\"id\": \"p\", \"method\": \"GET\",\n"
                     "    \"urlTemplate\": $\"/items/{}\"}"),
                 "empty parameter name", "apis[0].operations[1].urlTemplate");
    expect_error(HEAD " \"apis\": [\n"
                      "  {\"id\": \"a\", \"path\": \"Orders\", \"serviceUrl\": \"http://x\", "
                      "\"operations\": []},\n"
                      "  {\"id\": \"b\", \"path\": $\"/orders/\", \"serviceUrl\": \"http://x\", "
                      "\"operations\": []}]}",
                 "\"orders\" is already used by apis[0] (\"a\")", "apis[1].path");
}

Test(config, positions_count_characters_and_escaped_keys)
{
    /* The é before the value is one column, like jansson counts; the key is written with
     * an escape and still found. */
    expect_error(API("\"displayName\": \"Caf\xc3\xa9\", \"s\\u0065rviceUrl\": $\"http://\", "
                     "\"operations\": []"),
                 "empty host", "apis[0].serviceUrl");
}

/* ---- backend URLs ---- */

Test(config, backend_url_parse_ok)
{
    static const struct {
        const char *url, *host, *base, *host_header, *origin;
        unsigned port;
    } ok[] = {
        {"http://example.com", "example.com", "", "example.com", "example.com:80", 80},
        {"http://Example.COM:80/", "example.com", "", "example.com", "example.com:80", 80},
        {"http://127.0.0.1:19081", "127.0.0.1", "", "127.0.0.1:19081", "127.0.0.1:19081", 19081},
        {"http://h:8080/a/b//", "h", "/a/b", "h:8080", "h:8080", 8080},
        {"http://[::1]:8080/x", "::1", "/x", "[::1]:8080", "[::1]:8080", 8080},
        {"http://[2001:db8::1]", "2001:db8::1", "", "[2001:db8::1]", "[2001:db8::1]:80", 80},
        {"HTTP://h/a%20b", "h", "/a%20b", "h", "h:80", 80},
        {"http://my_host.local:65535/p", "my_host.local", "/p", "my_host.local:65535",
         "my_host.local:65535", 65535},
        {"https://h", "h", "", "h", "h:443", 443},
        {"HTTPS://h:443/x", "h", "/x", "h", "h:443", 443},
        {"https://h:80", "h", "", "h:80", "h:80", 80},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        gw_backend_url_t u;
        const char *why = NULL;
        cr_assert_eq(gateway_backend_url_parse(ok[i].url, &u, &why), 0, "%s: %s", ok[i].url, why);
        cr_assert_str_eq(u.url, ok[i].url);
        cr_assert_str_eq(u.host, ok[i].host, "%s", ok[i].url);
        cr_assert_eq(u.port, ok[i].port, "%s", ok[i].url);
        cr_assert_str_eq(u.base_path, ok[i].base, "%s", ok[i].url);
        cr_assert_str_eq(u.host_header, ok[i].host_header, "%s", ok[i].url);
        cr_assert_str_eq(u.origin_key, ok[i].origin, "%s", ok[i].url);
        cr_assert_eq(u.is_https, strncasecmp(ok[i].url, "https", 5) == 0, "%s", ok[i].url);
        gateway_backend_url_free(&u);
        cr_assert_null(u.host);
    }
}

Test(config, backend_url_parse_refused)
{
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"", "empty URL"},
        {"https://", "empty host"},
        {"ftp://h", "must start with http://"},
        {"h:80", "must start with http://"},
        {"http://", "empty host"},
        {"http:///path", "empty host"},
        {"http://:80", "empty host"},
        {"http://user:pw@h", "user information"},
        {"http://h/p#frag", "fragment"},
        {"http://h/p?q=1", "query"},
        {"http://h:", "bad port"},
        {"http://h:0", "bad port"},
        {"http://h:65536", "bad port"},
        {"http://h:123456", "bad port"},
        {"http://h:8a", "bad port"},
        {"http://h:-1", "bad port"},
        {"http://[::1", "unterminated IPv6"},
        {"http://[::g]:80", "bad IPv6"},
        {"http://[::1]x", "unexpected character"},
        {"http://h h", "bad character in host"},
        {"http://h/a b", "not allowed"},
        {"http://h/%2", "not allowed"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gw_backend_url_t u;
        const char *why = NULL;
        cr_assert_eq(gateway_backend_url_parse(bad[i].url, &u, &why), -1, "%s", bad[i].url);
        cr_assert_not_null(why);
        cr_assert(strstr(why, bad[i].why), "%s: %s", bad[i].url, why);
        cr_assert_null(u.url);
        gateway_backend_url_free(&u); /* safe on a failed parse */
    }
}

/* Every prefix of a valid snapshot fails cleanly (no crash, no leak, a position). */
Test(config, truncated_snapshots_fail_cleanly)
{
    size_t n = strlen(valid);
    for (size_t len = 0; len < n; len += 3) {
        char *err = NULL;
        gateway_config_t *c = gateway_config_compile(valid, len, "t.json", "West US", &err);
        cr_assert_null(c, "prefix %zu compiled", len);
        cr_assert(strncmp(err, "t.json:", 7) == 0, "%s", err);
        free(err);
    }
}

/* Policy documents (docs/snapshot.md): each is loaded and compiled with the snapshot, and
 * an error names both the place in the snapshot and the place in the document. */
Test(config, policy_documents_are_checked_where_they_are)
{
    expect_error(HEAD " \"policies\": {\"apis\": {\"nope\": $\"<policies/>\"}},\n"
                      " \"apis\": []}",
                 "no API has the id \"nope\"", "policies.apis.nope");
    expect_error(HEAD " \"policies\": {\"global\": $42},\n \"apis\": []}",
                 "a policy document must be a string of XML, not a number", "policies.global");
    expect_error(HEAD " \"policies\": {\"global\": $\"<policies><inbound>\\n<set-header>\"},\n"
                      " \"apis\": []}",
                 "global policy:2:", "policies.global");
    expect_error(HEAD " \"policies\": {\"operations\": {\"echo\": $\"<policies/>\"}},\n"
                      " \"apis\": []}",
                 "an operation policy is keyed \"apiId/operationId\"", "policies.operations.echo");
    expect_error(HEAD " \"policyFragments\": {\"f\": $\"<policies/>\"},\n \"apis\": []}",
                 "fragment 'f'", "policyFragments.f");
    expect_error(HEAD " \"namedValues\": [{\"name\": \"a\", \"value\": \"1\"},"
                      " {\"name\": $\"a\", \"value\": \"2\"}],\n \"apis\": []}",
                 "named value \"a\" is defined twice", "namedValues[1].name");
    expect_error(HEAD " \"namedValues\": [{\"name\": $\"a b\", \"value\": \"1\"}],\n"
                      " \"apis\": []}",
                 "may hold only letters, digits", "namedValues[0].name");
    expect_error(HEAD " \"endpoints\": {\"logger\": {\"audit\": $\"ftp://x\"}},\n \"apis\": []}",
                 "must be an absolute http:// or https:// URL", "endpoints.logger.audit");
    expect_error(HEAD " \"products\": [{\"id\": \"p\", \"apis\": [$\"nope\"]}],\n \"apis\": []}",
                 "no API has the id \"nope\"", "products[0].apis[0]");
    expect_error(HEAD " \"policies\": {\"products\": {\"p\": $\"<policies/>\"}},\n \"apis\": []}",
                 "no product has the id \"p\"", "policies.products.p");
    expect_error(HEAD " \"products\": [{\"id\": \"p\"}, {\"id\": $\"p\"}],\n \"apis\": []}",
                 "product id \"p\" is used twice", "products[1].id");
    char *err = NULL;
    gateway_config_t *c = compile(HEAD " \"policies\": {\"global\": null, \"products\": {},"
                                       " \"apis\": {}, \"operations\": {}},\n \"apis\": []}",
                                  &err);
    cr_assert_not_null(c, "%s", err);
    gateway_config_unref(c);
}

/* Spec §5.3: a region's disableGateway reaches its own units only. */
Test(config, disable_gateway_of_the_units_region)
{
    static const char text[] =
        "{\"revision\": 1, \"service\": {\"name\": \"s\"},\n"
        " \"regions\": [{\"name\": \"West US\", \"primary\": true},\n"
        "             {\"name\": \"East Asia\", \"disableGateway\": true}], \"apis\": []}";
    char *err = NULL;
    gateway_config_t *c = gateway_config_compile(text, strlen(text), "t.json", "eastasia", &err);
    cr_assert_not_null(c, "%s", err);
    cr_assert(c->is_gateway_disabled);
    gateway_config_unref(c);
    c = gateway_config_compile(text, strlen(text), "t.json", "West US", &err);
    cr_assert_not_null(c, "%s", err);
    cr_assert_not(c->is_gateway_disabled);
    gateway_config_unref(c);

    static const char bad[] =
        "{\"revision\": 1, \"service\": {\"name\": \"s\"},\n"
        " \"regions\": [{\"name\": \"West US\", \"primary\": true, \"disableGateway\": \"yes\"}], \"apis\": []}";
    cr_assert_null(gateway_config_compile(bad, strlen(bad), "t.json", "West US", &err));
    cr_assert_not_null(strstr(err, "regions[0].disableGateway"), "%s", err);
    free(err);
}
