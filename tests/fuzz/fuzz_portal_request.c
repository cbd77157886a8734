/* Fuzz driver for the developer portal's JSON API (src/manage/portal.h, web.h, session.h):
 * the route dispatch, the Cookie header parser, CSRF and Origin checks, JSON bodies,
 * sign-up/sign-in, subscriptions and the try-it request builder (manage_forward_build),
 * against one service in a temporary directory that lives as long as the process.
 *
 * At start a developer signs up (so inputs reach past sign-in) and subscribes to a
 * published product. Input: "METHOD PATH\n", header lines "Name: value\n" (Cookie,
 * X-CSRF-Token, Origin) up to an empty line, then the body. Without a Cookie line the
 * request carries the developer's session, without X-CSRF-Token its token.
 * abort() when:
 * - the status is not one of the contract's (200, 201, 400, 401, 403, 404, 409, 500 only
 *   for a failed hash, 429 for throttled sign-ins), or the body is not a JSON object, or an error lacks
 *   {"error": {"code", "message"}};
 * - an answer holds the developer's password, or a key of a subscription the session's
 *   user does not own (the fixture's other subscription);
 * - a refused answer (>= 400) changed the revision;
 * - a Set-Cookie is not HttpOnly and SameSite=Strict. */
#include "manage/portal.h"
#include "manage/resources.h"
#include "manage/web.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_portal_request: check failed at line %d: %s\n", __LINE__, #cond); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define PASSWORD "fuzzing-password-0123"

static manage_service_t *svc;
static char dir[] = "/tmp/fuzz-portal-XXXXXX";
static char cookie[128], csrf[64], other_key[64];

static void cleanup(void)
{
    manage_service_close(svc);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz_portal_request: cannot remove %s\n", dir);
}

/* One portal call; the answer's body parsed (or NULL). */
static json_t *call(const char *method, const char *path, const char *cookie_header,
                    const char *token, const char *body, manage_response_t *r)
{
    manage_web_request_t req = {
        .http = {.method = method, .path = path, .query = "", .host = "127.0.0.1:1",
                 .body = body, .body_len = strlen(body)},
        .cookie = cookie_header,
        .csrf_token = token,
    };
    manage_web_handle(svc, &req, r);
    return r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
}

/* A REST write as the administrator, through the service (service.h). */
static void admin_put(const char *rel, const char *body)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", manage_service_base_path(svc), rel);
    char keyfile[64];
    snprintf(keyfile, sizeof keyfile, "%s/admin-key.json", dir);
    json_t *k = json_load_file(keyfile, 0, NULL);
    char auth[200];
    snprintf(auth, sizeof auth, "Bearer %s", json_string_value(json_object_get(k, "token")));
    json_decref(k);
    manage_request_t req = {.method = "PUT", .path = path, .query = "api-version=2022-08-01",
                            .authorization = auth, .authorization_len = strlen(auth), .host = "h",
                            .body = body, .body_len = strlen(body)};
    manage_response_t r;
    manage_service_handle(svc, &req, &r);
    CHECK(r.status == 201);
    manage_response_free(&r);
}

/* Signs a developer up; returns their subscription's primary key in key (may be NULL),
 * their cookie and token in c and t. */
static void developer(const char *email, char *c, size_t cn, char *t, size_t tn, char *key, size_t kn)
{
    manage_response_t r;
    json_t *s = call("GET", "/portal/api/session", NULL, NULL, "", &r);
    char cookie_header[128];
    snprintf(cookie_header, sizeof cookie_header, "%.100s", r.set_cookie);
    char *semi = strchr(cookie_header, ';');
    if (semi) *semi = 0;
    char token[64];
    snprintf(token, sizeof token, "%s", json_string_value(json_object_get(s, "csrfToken")));
    json_decref(s);
    manage_response_free(&r);
    char body[256];
    snprintf(body, sizeof body,
             "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"firstName\":\"F\",\"lastName\":\"L\"}",
             email);
    s = call("POST", "/portal/api/signup", cookie_header, token, body, &r);
    CHECK(r.status == 201);
    snprintf(c, cn, "%.100s", r.set_cookie);
    semi = strchr(c, ';');
    if (semi) *semi = 0;
    snprintf(t, tn, "%s", json_string_value(json_object_get(s, "csrfToken")));
    json_decref(s);
    manage_response_free(&r);
    s = call("POST", "/portal/api/subscriptions", c, t, "{\"productId\":\"p\"}", &r);
    CHECK(r.status == 201);
    if (key) snprintf(key, kn, "%s", json_string_value(json_object_get(s, "primaryKey")));
    json_decref(s);
    manage_response_free(&r);
}

static void open_service(void)
{
    CHECK(mkdtemp(dir) != NULL);
    manage_options_t o = {.data_dir = dir, .global_endpoint = "http://127.0.0.1:9"};
    bool created;
    char *err = NULL;
    CHECK(manage_service_open(&o, &svc, &created, &err) == 0);
    atexit(cleanup);
    admin_put("/apis/a", "{\"properties\":{\"path\":\"a\",\"serviceUrl\":\"http://127.0.0.1:9\","
                         "\"protocols\":[\"http\"]}}");
    admin_put("/apis/a/operations/o", "{\"properties\":{\"displayName\":\"O\",\"method\":\"GET\","
                                      "\"urlTemplate\":\"/*\"}}");
    admin_put("/products/p", "{\"properties\":{\"displayName\":\"P\",\"state\":\"published\"}}");
    admin_put("/products/p/apis/a", "{}");
    char c[128], t[64];
    developer("other@example.com", c, sizeof c, t, sizeof t, other_key, sizeof other_key);
    developer("me@example.com", cookie, sizeof cookie, csrf, sizeof csrf, NULL, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!svc) open_service();
    if (size > 1 << 16) return 0;
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = 0;

    char *nl = strchr(text, '\n');
    char *rest = nl ? nl + 1 : text + size;
    if (nl) *nl = 0;
    char *sp = strchr(text, ' ');
    if (!sp || sp == text) {
        free(text);
        return 0;
    }
    *sp = 0;
    const char *method = text;
    char path[4096];
    snprintf(path, sizeof path, "/portal/api/%s", sp + 1);
    const char *cookie_header = cookie, *token = csrf, *origin = NULL;
    while (*rest && *rest != '\n') {
        char *end = strchr(rest, '\n');
        if (end) *end = 0;
        if (strncmp(rest, "Cookie: ", 8) == 0) cookie_header = rest + 8;
        if (strncmp(rest, "X-CSRF-Token: ", 14) == 0) token = rest + 14;
        if (strncmp(rest, "Origin: ", 8) == 0) origin = rest + 8;
        rest = end ? end + 1 : rest + strlen(rest);
    }
    if (*rest == '\n') rest++;

    int64_t before = manage_service_revision(svc);
    manage_web_request_t req = {
        .http = {.method = method, .path = path, .query = "", .host = "127.0.0.1:1",
                 .body = rest, .body_len = size - (size_t)(rest - text)},
        .cookie = cookie_header,
        .csrf_token = token,
        .origin = origin,
    };
    manage_response_t r;
    manage_web_handle(svc, &req, &r);
    int st = r.status;
    CHECK(st == 200 || st == 201 || st == 400 || st == 401 || st == 403 || st == 404 ||
          st == 409 || st == 429 || st == 500 || (st == 0 && r.forward));
    if (r.forward) CHECK(r.body == NULL);
    else {
        json_t *body = json_loadb(r.body, r.body_len, 0, NULL);
        CHECK(json_is_object(body));
        if (st >= 400) {
            json_t *err = json_object_get(body, "error");
            CHECK(json_is_string(json_object_get(err, "code")));
            CHECK(json_is_string(json_object_get(err, "message")));
            CHECK(manage_service_revision(svc) == before);
        }
        json_decref(body);
        CHECK(memmem(r.body, r.body_len, PASSWORD, strlen(PASSWORD)) == NULL);
        CHECK(memmem(r.body, r.body_len, other_key, strlen(other_key)) == NULL);
    }
    if (r.set_cookie[0])
        CHECK(strstr(r.set_cookie, "; HttpOnly; SameSite=Strict") != NULL);
    manage_response_free(&r);
    free(text);
    return 0;
}
