/* Fuzz driver for the management API's request handling (src/manage/service.h): the path
 * router, query decoding, api-version, authentication, JSON bodies, property checks,
 * validation by the snapshot compiler, the store and the snapshot builder, against one
 * service in a temporary directory that lives as long as the process (state carries over
 * from input to input, as it does in the server).
 *
 * Input: "METHOD TARGET\n" then header lines "Name: value\n" (If-Match, Authorization) up
 * to an empty line, then the body. Without an Authorization line the request carries a
 * valid SharedAccessSignature, so that inputs reach past authentication. abort() when:
 * - the answer is not a status of the contract (200, 201, 204, 400, 401, 404, 405, 409,
 *   412) or has a body that is not a JSON object;
 * - an error answer is not {"error": {"code", "message", "details": [{"code", "target",
 *   "message"}]}} with the same code, or a 401 lacks needs_www_authenticate;
 * - a refused write (4xx) changed the revision, or an accepted one did not bump it by one
 *   (the read-like actions listSecrets, listValue, listKeys and generateToken excepted);
 * - a write's answer carries no revision, or a revision other than the service's;
 * - GET {svc}/snapshot is not a JSON object whose "revision" is the service's. */
#include "manage/service.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_manage_request: check failed at line %d: %s\n", __LINE__, #cond); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static manage_service_t *svc;
static char *sas;
static char dir[] = "/tmp/fuzz-manage-XXXXXX";

static void cleanup(void)
{
    manage_service_close(svc);
    free(sas);
    static const char *const files[] = {"meridian.db", "meridian.db-wal", "meridian.db-shm",
                                        "admin-key.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    /* gateway-tokens/{slug}.token of every location (docs/regions.md) */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/gateway-tokens'", dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz_manage_request: cannot remove %s/gateway-tokens\n", dir);
    rmdir(dir);
}

static void open_service(void)
{
    CHECK(mkdtemp(dir) != NULL);
    manage_options_t o = {.data_dir = dir};
    bool created;
    char *err = NULL;
    CHECK(manage_service_open(&o, &svc, &created, &err) == 0);
    char path[64];
    snprintf(path, sizeof path, "%s/admin-key.json", dir);
    json_t *k = json_load_file(path, 0, NULL);
    CHECK(k != NULL);
    sas = manage_auth_sas("admin", json_string_value(json_object_get(k, "key")), time(NULL) + 86400);
    json_decref(k);
    atexit(cleanup);
}

static bool is_write(const char *m)
{
    return strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0 || strcmp(m, "DELETE") == 0 ||
           strcmp(m, "POST") == 0;
}

static void check_error_body(const manage_response_t *r)
{
    json_t *body = json_loadb(r->body, r->body_len, 0, NULL);
    CHECK(json_is_object(body));
    json_t *err = json_object_get(body, "error");
    const char *code = json_string_value(json_object_get(err, "code"));
    CHECK(code && *code);
    CHECK(json_is_string(json_object_get(err, "message")));
    json_t *d = json_array_get(json_object_get(err, "details"), 0);
    CHECK(json_is_object(d));
    CHECK(strcmp(json_string_value(json_object_get(d, "code")), code) == 0);
    CHECK(json_is_string(json_object_get(d, "target")));
    CHECK(json_is_string(json_object_get(d, "message")));
    json_decref(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!svc) open_service();
    if (size > 1 << 20) return 0;
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = 0;

    /* request line */
    char *nl = strchr(text, '\n');
    char *line = text;
    char *rest = nl ? nl + 1 : text + size;
    if (nl) *nl = 0;
    char *sp = strchr(line, ' ');
    if (!sp || sp == line) {
        free(text);
        return 0;
    }
    *sp = 0;
    const char *method = line;
    char *target = sp + 1;
    char *q = strchr(target, '?');
    const char *query = "";
    if (q) {
        *q = 0;
        query = q + 1;
    }
    /* headers */
    const char *if_match = NULL, *auth = sas;
    size_t auth_len = strlen(sas);
    while (*rest && *rest != '\n') {
        char *end = strchr(rest, '\n');
        if (end) *end = 0;
        if (strncmp(rest, "If-Match: ", 10) == 0) if_match = rest + 10;
        if (strncmp(rest, "Authorization: ", 15) == 0) {
            auth = rest + 15;
            auth_len = strlen(auth);
        }
        rest = end ? end + 1 : rest + strlen(rest);
    }
    if (*rest == '\n') rest++;
    const char *body = rest;
    size_t body_len = size - (size_t)(rest - text);

    int64_t before = manage_service_revision(svc);
    manage_request_t req = {method, target, query, auth, auth_len, if_match, "fuzz", body, body_len};
    manage_response_t r;
    manage_service_handle(svc, &req, &r);
    int64_t after = manage_service_revision(svc);
    static const int allowed[] = {200, 201, 204, 400, 401, 404, 405, 409, 412};
    bool ok = false;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) ok = ok || r.status == allowed[i];
    CHECK(ok);
    if (r.status >= 400) {
        check_error_body(&r);
        CHECK(after == before);
        if (r.status == 401) CHECK(r.needs_www_authenticate);
    } else if (r.status == 204 && strcmp(method, "DELETE") == 0) {
        CHECK(after == before);
    } else if (is_write(method) && strstr(target, "/list") == NULL &&
               strstr(target, "/generateToken") == NULL) {
        CHECK(after == before + 1);
    } else {
        CHECK(after == before);
    }
    if (r.body && r.status < 400) {
        json_t *b = json_loadb(r.body, r.body_len, 0, NULL);
        CHECK(json_is_object(b));
        json_decref(b);
    }
    if (is_write(method) && r.status != 401) CHECK(r.revision == after);
    manage_response_free(&r);

    /* the snapshot always matches the revision */
    char snap_path[512];
    snprintf(snap_path, sizeof snap_path, "%s/snapshot", manage_service_base_path(svc));
    manage_request_t get = {"GET", snap_path, "api-version=2022-08-01", sas, strlen(sas), NULL, "", "", 0};
    manage_service_handle(svc, &get, &r);
    CHECK(r.status == 200);
    json_t *snap = json_loadb(r.body, r.body_len, 0, NULL);
    CHECK(json_is_object(snap));
    CHECK(json_integer_value(json_object_get(snap, "revision")) == after);
    json_decref(snap);
    manage_response_free(&r);
    free(text);
    return 0;
}
