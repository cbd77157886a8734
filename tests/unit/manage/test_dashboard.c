/* The operations dashboard's JSON API (manage/dashboard.h) through manage_web_handle, as the
 * server calls it: sign-in with the admin key or token, sessions and roles, CSRF on writes,
 * the overview, location writes as the REST API's. Real store in a temporary directory. */
#include "manage/dashboard.h"
#include "base/clock.h"
#include "manage/service.h"
#include "manage/session.h"
#include "manage/units.h"
#include "manage/web.h"
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
    support_service_open(&fx, "dash", NULL);
}

static void teardown(void)
{
    support_service_close(&fx);
}

TestSuite(dashboard, .init = setup, .fini = teardown);

typedef struct {
    int status;
    json_t *body;
    char set_cookie[256];
    char actor[160];
    bool is_web;
} res_t;

typedef struct {
    const char *cookie, *csrf, *origin, *if_match, *content_type;
} opts_t;

static res_t call(const char *method, const char *what, const char *body, opts_t o)
{
    char path[256];
    snprintf(path, sizeof path, "/dashboard/api/%s", what);
    manage_web_request_t req = {
        .http = {.method = method, .path = path, .query = "", .if_match = o.if_match, .host = "127.0.0.1:8070",
                 .body = body ? body : "", .body_len = body ? strlen(body) : 0},
        .cookie = o.cookie, .csrf_token = o.csrf, .origin = o.origin,
        .content_type = o.content_type ? o.content_type : "application/json"};
    cr_assert(manage_web_is_api_path(path), "the dashboard's prefix is registered");
    manage_response_t r;
    manage_web_handle(fx.svc, &req, &r);
    res_t out = {r.status, r.body ? json_loadb(r.body, r.body_len, 0, NULL) : NULL, "", "", r.is_web};
    snprintf(out.set_cookie, sizeof out.set_cookie, "%s", r.set_cookie);
    snprintf(out.actor, sizeof out.actor, "%s", r.actor);
    manage_response_free(&r);
    return out;
}

static const char *code_of(const res_t *r)
{
    return support_error_code(r->body);
}

/* Signs in with `key`; *cookie = "meridian_session=..." and *csrf = the token. */
static void sign_in(const char *key, char *cookie, size_t cn, char *csrf, size_t tn)
{
    char body[1200];
    snprintf(body, sizeof body, "{\"key\": \"%s\"}", key);
    res_t r = call("POST", "signin", body, (opts_t){0});
    cr_assert_eq(r.status, 200, "sign-in: %d", r.status);
    cr_assert(r.is_web);
    cr_assert_str_eq(json_string_value(json_object_get(r.body, "role")), MANAGE_DASHBOARD_ROLE);
    cr_assert_null(strstr(r.set_cookie, key), "the cookie is not the key");
    cr_assert_not_null(strstr(r.set_cookie, "HttpOnly"));
    const char *semi = strchr(r.set_cookie, ';');
    snprintf(cookie, cn, "%.*s", (int)(semi - r.set_cookie), r.set_cookie);
    snprintf(csrf, tn, "%s", json_string_value(json_object_get(r.body, "csrfToken")));
    json_decref(r.body);
}

static const char *key(void)
{
    return json_string_value(json_object_get(fx.admin_key, "key"));
}

Test(dashboard, anonymous_and_wrong_credentials_are_refused)
{
    const char *whats[] = {"overview", "session", "changes"};
    for (size_t i = 0; i < 3; i++) {
        res_t r = call("GET", whats[i], NULL, (opts_t){0});
        cr_expect_eq(r.status, 401, "%s", whats[i]);
        cr_expect_str_eq(code_of(&r), "SignInRequired");
        json_decref(r.body);
    }
    res_t r = call("PATCH", "locations/westus", "{\"properties\":{\"units\":3}}", (opts_t){.if_match = "*"});
    cr_expect_eq(r.status, 401);
    json_decref(r.body);
    r = call("POST", "signin", "{\"key\": \"nope\"}", (opts_t){0});
    cr_expect_eq(r.status, 401);
    cr_expect_str_eq(code_of(&r), "SignInFailed");
    cr_expect_str_eq(r.set_cookie, "", "no session for a wrong key");
    json_decref(r.body);
    /* the key with one character changed */
    char almost[300];
    snprintf(almost, sizeof almost, "%s", key());
    almost[0] = almost[0] == 'A' ? 'B' : 'A';
    char body[400];
    snprintf(body, sizeof body, "{\"key\": \"%s\"}", almost);
    r = call("POST", "signin", body, (opts_t){0});
    cr_expect_eq(r.status, 401);
    json_decref(r.body);
    /* the right key, but from another site or not as JSON */
    snprintf(body, sizeof body, "{\"key\": \"%s\"}", key());
    r = call("POST", "signin", body, (opts_t){.origin = "http://evil.example"});
    cr_expect_eq(r.status, 403);
    cr_expect_str_eq(r.set_cookie, "");
    json_decref(r.body);
    r = call("POST", "signin", body, (opts_t){.content_type = "application/x-www-form-urlencoded"});
    cr_expect_eq(r.status, 415);
    json_decref(r.body);
    cr_expect_eq(manage_sessions_count(manage_service_sessions(fx.svc)), 0);
}

Test(dashboard, admin_token_signs_in_and_a_developer_session_is_not_an_admin)
{
    char cookie[200], csrf[80];
    sign_in(json_string_value(json_object_get(fx.admin_key, "token")), cookie, sizeof cookie, csrf,
            sizeof csrf);
    res_t r = call("GET", "session", NULL, (opts_t){.cookie = cookie});
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(json_string_value(json_object_get(r.body, "csrfToken")), csrf);
    json_decref(r.body);

    manage_session_t dev;
    manage_session_create(manage_service_sessions(fx.svc), "dev@example.com", "developer",
                          clock_mono_ms(), &dev);
    char dev_cookie[200];
    snprintf(dev_cookie, sizeof dev_cookie, MANAGE_SESSION_COOKIE "=%s", dev.id);
    r = call("GET", "overview", NULL, (opts_t){.cookie = dev_cookie});
    cr_expect_eq(r.status, 403, "a developer's session: %d", r.status);
    json_decref(r.body);
}

Test(dashboard, overview_writes_csrf_and_sign_out)
{
    char cookie[200], csrf[80];
    sign_in(key(), cookie, sizeof cookie, csrf, sizeof csrf);

    manage_heartbeat_t hb = {.unit = 0, .instance_id = "u0", .revision = 1, .source = "feed", .requests = 10};
    manage_units_record(manage_service_units(fx.svc), "westus", &hb, 1000, time(NULL));
    res_t r = call("GET", "overview", NULL, (opts_t){.cookie = cookie});
    cr_assert_eq(r.status, 200);
    json_t *locs = json_object_get(r.body, "locations");
    cr_assert_eq(json_array_size(locs), 1);
    json_t *w = json_array_get(locs, 0);
    cr_expect_str_eq(json_string_value(json_object_get(w, "name")), "westus");
    cr_expect(json_is_string(json_object_get(w, "etag")));
    cr_expect_eq(json_array_size(json_object_get(json_object_get(json_object_get(w, "properties"), "status"), "units")), 1);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.body, "service"), "location")), "West US");
    char *text = json_dumps(r.body, 0);
    cr_expect_null(strstr(text, key()), "no key in the overview");
    cr_expect_null(strstr(text, "primaryKey"), "no gateway keys in the overview");
    free(text);
    json_decref(r.body);

    const char *add = "{\"properties\":{\"displayName\":\"East Asia\",\"units\":2}}";
    r = call("PUT", "locations/eastasia", add, (opts_t){.cookie = cookie});
    cr_expect_eq(r.status, 403, "no CSRF token");
    cr_expect_str_eq(code_of(&r), "CsrfTokenInvalid");
    json_decref(r.body);
    r = call("PUT", "locations/eastasia", add, (opts_t){.cookie = cookie, .csrf = "forged"});
    cr_expect_eq(r.status, 403, "a wrong CSRF token");
    json_decref(r.body);
    r = call("PUT", "locations/eastasia", add, (opts_t){.cookie = cookie, .csrf = csrf, .origin = "http://evil.example"});
    cr_expect_eq(r.status, 403, "another origin");
    json_decref(r.body);
    cr_expect_eq(manage_service_revision(fx.svc), 0, "nothing written");

    r = call("PUT", "locations/eastasia", add, (opts_t){.cookie = cookie, .csrf = csrf, .origin = "http://127.0.0.1:8070"});
    cr_expect_eq(r.status, 201, "added: %d", r.status);
    cr_expect_str_eq(r.actor, "admin (dashboard)");
    json_decref(r.body);
    r = call("PATCH", "locations/eastasia", "{\"properties\":{\"units\":0}}", (opts_t){.cookie = cookie, .csrf = csrf});
    cr_expect_eq(r.status, 400, "the REST API's checks apply");
    cr_expect_str_eq(code_of(&r), "ValidationError");
    json_decref(r.body);
    r = call("PATCH", "locations/eastasia", "{\"properties\":{\"units\":3}}",
             (opts_t){.cookie = cookie, .csrf = csrf, .if_match = "\"0\""});
    cr_expect_eq(r.status, 412, "a stale ETag");
    json_decref(r.body);
    r = call("DELETE", "locations/westus", NULL, (opts_t){.cookie = cookie, .csrf = csrf});
    cr_expect_eq(r.status, 409, "the primary cannot be deleted");
    json_decref(r.body);
    r = call("PATCH", "apis/echo", "{}", (opts_t){.cookie = cookie, .csrf = csrf});
    cr_expect_eq(r.status, 404, "only locations are written from here");
    json_decref(r.body);

    r = call("GET", "changes", NULL, (opts_t){.cookie = cookie});
    cr_assert_eq(r.status, 200);
    json_t *first = json_array_get(json_object_get(r.body, "value"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(first, "actor")), "admin (dashboard)");
    cr_expect_str_eq(json_string_value(json_object_get(first, "path")), "/locations/eastasia");
    cr_expect_str_eq(json_string_value(json_object_get(first, "method")), "PUT");
    json_decref(r.body);

    r = call("POST", "signout", "{}", (opts_t){.cookie = cookie});
    cr_expect_eq(r.status, 403, "sign-out needs the token too");
    json_decref(r.body);
    r = call("POST", "signout", "{}", (opts_t){.cookie = cookie, .csrf = csrf});
    cr_expect_eq(r.status, 200);
    cr_expect_not_null(strstr(r.set_cookie, "Max-Age=0"), "cookie cleared: %s", r.set_cookie);
    json_decref(r.body);
    r = call("GET", "overview", NULL, (opts_t){.cookie = cookie});
    cr_expect_eq(r.status, 401, "the session is over");
    json_decref(r.body);
}

Test(dashboard, sign_in_rotates_the_session_id)
{
    manage_session_t planted;
    manage_session_create(manage_service_sessions(fx.svc), NULL, "", clock_mono_ms(), &planted);
    char planted_cookie[200], body[400];
    snprintf(planted_cookie, sizeof planted_cookie, MANAGE_SESSION_COOKIE "=%s", planted.id);
    snprintf(body, sizeof body, "{\"key\": \"%s\"}", key());
    res_t r = call("POST", "signin", body, (opts_t){.cookie = planted_cookie});
    cr_assert_eq(r.status, 200);
    cr_expect_null(strstr(r.set_cookie, planted.id), "a new id");
    json_decref(r.body);
    r = call("GET", "overview", NULL, (opts_t){.cookie = planted_cookie});
    cr_expect_eq(r.status, 401, "the planted id is worth nothing");
    json_decref(r.body);
}
