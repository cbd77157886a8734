/* The operations dashboard's JSON API (dashboard.h). */
#include "manage/dashboard.h"

#include "base/clock.h"
#include "base/log.h"
#include "manage/gateway_token.h"
#include "manage/locations.h"
#include "manage/service_internal.h"
#include "manage/session.h"
#include "manage/web.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_INPUT_MAX 1024

static bool is(const manage_web_request_t *req, const char *method)
{
    return strcmp(req->http.method, method) == 0;
}

static void method_not_allowed(manage_response_t *resp, const char *allowed)
{
    char msg[160];
    snprintf(msg, sizeof msg, "Method not allowed here (allowed: %s).", allowed);
    manage_web_error(resp, 405, "MethodNotAllowed", msg);
}

/* The request body as a JSON object, or NULL with a 400 in resp. */
static json_t *body_object(const manage_web_request_t *req, manage_response_t *resp)
{
    json_error_t jerr;
    json_t *body = req->http.body_len ? json_loadb(req->http.body, req->http.body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        manage_web_error(resp, 400, "InvalidRequestContent", "The request body must be a JSON object.");
        return NULL;
    }
    return body;
}

/* ---- signing in ---- */

/* Is `given` the admin key (compared in constant time), the admin token, or a valid
 * SharedAccessSignature header value? The last two are what the REST API accepts
 * (auth.h), checked by the same function. */
static bool is_admin_credential(const manage_service_t *s, const char *given, char *actor, size_t n)
{
    size_t len = strlen(given), key_len = strlen(s->auth.key);
    if (key_len && len == key_len && CRYPTO_memcmp(given, s->auth.key, len) == 0) {
        snprintf(actor, n, "%s", s->auth.identifier);
        return true;
    }
    char header[KEY_INPUT_MAX + 16];
    bool is_sas = strncmp(given, "SharedAccessSignature ", 22) == 0;
    int hn = snprintf(header, sizeof header, "%s%s", is_sas ? "" : "Bearer ", given);
    const char *why;
    bool ok = manage_auth_check(&s->auth, header, (size_t)hn, time(NULL), actor, n, &why) == 0;
    OPENSSL_cleanse(header, sizeof header);
    return ok;
}

static json_t *session_json(const manage_session_t *sess)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "user", sess->user, "role", sess->role, "csrfToken", sess->csrf);
    if (!o) abort();
    return o;
}

static void sign_in(manage_service_t *s, const manage_web_request_t *req, manage_response_t *resp)
{
    /* No session yet, so no CSRF token: a cross-site form cannot send JSON without a
     * preflight, and a foreign Origin is refused outright. */
    if (req->origin) {
        const char *p = strstr(req->origin, "://");
        if (!p || !req->http.host || strcmp(p + 3, req->http.host) != 0) {
            manage_web_error(resp, 403, "CrossOrigin", "Requests from another origin are refused.");
            return;
        }
    }
    if (!req->content_type || strncmp(req->content_type, "application/json", 16) != 0) {
        manage_web_error(resp, 415, "UnsupportedMediaType", "Send the key as JSON: {\"key\": \"...\"}.");
        return;
    }
    json_t *body = body_object(req, resp);
    if (!body) return;
    const char *key = json_string_value(json_object_get(body, "key"));
    char actor[160] = "";
    bool ok = key && *key && strlen(key) <= KEY_INPUT_MAX && is_admin_credential(s, key, actor, sizeof actor);
    json_decref(body);
    if (!ok) {
        log_info("dashboard: sign-in refused (not the admin key or token)");
        manage_web_error(resp, 401, "SignInFailed", "That is not the admin key or an admin token.");
        return;
    }
    manage_session_t old, sess;
    bool had = manage_web_session(s, req, &old);
    /* Always a new id: a session id planted before sign-in is worth nothing after it. */
    manage_session_sign_in(manage_service_sessions(s), had ? old.id : NULL, actor, MANAGE_DASHBOARD_ROLE,
                           clock_mono_ms(), &sess);
    manage_web_set_cookie(req, resp, &sess);
    snprintf(resp->actor, sizeof resp->actor, "%.140s (dashboard)", actor);
    log_info("dashboard: %s signed in", actor);
    manage_web_json(resp, 200, session_json(&sess));
}

/* The administrator's session, or false with 401 (none) or 403 (not an administrator). */
static bool admin_session(manage_service_t *s, const manage_web_request_t *req, manage_response_t *resp,
                          manage_session_t *sess)
{
    if (!manage_web_session(s, req, sess) || !sess->user[0]) {
        manage_web_error(resp, 401, "SignInRequired", "Sign in with the admin key first.");
        return false;
    }
    if (strcmp(sess->role, MANAGE_DASHBOARD_ROLE) != 0) {
        manage_web_error(resp, 403, "Forbidden", "The dashboard is for administrators.");
        return false;
    }
    snprintf(resp->actor, sizeof resp->actor, "%.140s (dashboard)", sess->user);
    return true;
}

/* ---- the REST API's locations, called from here ---- */

/* Runs `method` on the REST path `rel` ("/locations" or "/locations/{slug}") as the
 * dashboard's actor, exactly as the REST API would (locations.h). */
static void call_locations(manage_service_t *s, const manage_web_request_t *req, const char *method,
                           const char *rel, const char *if_match, manage_response_t *out)
{
    manage_error_t e;
    manage_request_t raw = {.method = method, .path = rel, .query = "", .if_match = if_match,
                            .host = req->http.host ? req->http.host : "", .body = req->http.body, .body_len = req->http.body_len};
    manage_call_t call = {.raw = &raw, .method = method, .actor = MANAGE_DASHBOARD_ACTOR};
    memset(out, 0, sizeof *out);
    out->revision = -1;
    if (manage_route(rel, &call.route, &e) < 0 || !call.route.kind ||
        strcmp(call.route.kind->type, "locations") != 0) {
        manage_error_set(&e, 404, "ResourceNotFound", rel, "No location at '%s'.", rel);
        manage_respond_error(out, &e);
        return;
    }
    call.query = json_object();
    manage_locations_handle(s, &call, out);
    json_decref(call.query);
}

static int change_row(const manage_store_change_t *ch, void *ud)
{
    json_array_append_new(ud, json_pack("{s:I, s:s, s:s, s:s, s:s}", "revision", (json_int_t)ch->revision,
                                        "time", ch->time, "actor", ch->actor, "method", ch->method, "path",
                                        ch->path));
    return 0;
}

/* The newest `top` changes (an empty list when the log cannot be read: the page goes on). */
static json_t *recent_changes(manage_service_t *s, int64_t top, int64_t *total)
{
    json_t *changes = json_array();
    char *err = NULL;
    *total = 0;
    if (manage_store_changes(s->store, 0, top, change_row, changes, total, &err) != 0) {
        log_warn("dashboard: cannot read the change log: %s", err ? err : "error");
        free(err);
    }
    return changes;
}

static void overview(manage_service_t *s, const manage_web_request_t *req, manage_response_t *resp)
{
    manage_response_t list;
    call_locations(s, req, "GET", "/locations", NULL, &list);
    json_t *page = list.status == 200 ? json_loadb(list.body, list.body_len, 0, NULL) : NULL;
    manage_response_free(&list);
    json_t *locations = json_incref(json_object_get(page, "value"));
    json_decref(page);
    if (!json_is_array(locations)) {
        json_decref(locations);
        manage_web_error(resp, 500, "InternalServerError", "The locations could not be read.");
        return;
    }
    /* Each location's ETag, for the If-Match of the page's next write. */
    size_t i;
    json_t *loc;
    json_array_foreach(locations, i, loc)
    {
        char path[MANAGE_SLUG_MAX + 16];
        snprintf(path, sizeof path, "/locations/%s", json_string_value(json_object_get(loc, "name")));
        json_object_set(loc, "etag", json_object_get(json_object_get(s->resources, path), "etag"));
    }
    int64_t total = 0;
    json_t *changes = recent_changes(s, MANAGE_DASHBOARD_CHANGES, &total);
    const json_t *svc = json_object_get(json_object_get(s->resources, ""), "props");
    char now[40];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *doc = json_pack("{s:{s:s, s:s, s:O, s:I}, s:o, s:o, s:I, s:s}", "service", "name", s->service_name,
                            "id", s->base_path, "location", json_object_get(svc, "location"), "revision",
                            (json_int_t)s->revision, "locations", locations, "changes", changes,
                            "changeCount", (json_int_t)total, "time", now);
    if (!doc) abort();
    manage_web_json(resp, 200, doc);
}

static void write_location(manage_service_t *s, const manage_web_request_t *req, const char *slug,
                           manage_response_t *resp)
{
    if (!*slug || strchr(slug, '/') || strlen(slug) >= MANAGE_SLUG_MAX) {
        manage_web_error(resp, 404, "ResourceNotFound", "No such location.");
        return;
    }
    char rel[MANAGE_SLUG_MAX + 16];
    snprintf(rel, sizeof rel, "/locations/%s", slug);
    char actor[sizeof resp->actor];
    snprintf(actor, sizeof actor, "%s", resp->actor);
    manage_response_free(resp);
    call_locations(s, req, req->http.method, rel, req->http.if_match ? req->http.if_match : "*", resp);
    snprintf(resp->actor, sizeof resp->actor, "%s", actor);
    resp->revision = s->revision;
    resp->is_web = true;
}

void manage_dashboard_handle(manage_service_t *s, const manage_web_request_t *req, manage_response_t *resp)
{
    const char *what = req->http.path + strlen(MANAGE_DASHBOARD_PREFIX);
    if (strcmp(what, "signin") == 0) {
        if (is(req, "POST")) sign_in(s, req, resp);
        else method_not_allowed(resp, "POST");
        return;
    }
    manage_session_t sess;
    if (!admin_session(s, req, resp, &sess) || !manage_web_check_unsafe(req, &sess, resp)) return;
    if (strcmp(what, "session") == 0) {
        if (is(req, "GET") || is(req, "HEAD")) manage_web_json(resp, 200, session_json(&sess));
        else method_not_allowed(resp, "GET");
    } else if (strcmp(what, "signout") == 0) {
        if (!is(req, "POST")) {
            method_not_allowed(resp, "POST");
            return;
        }
        manage_session_end(manage_service_sessions(s), sess.id);
        manage_web_set_cookie(req, resp, NULL);
        manage_web_json(resp, 200, json_object());
    } else if (strcmp(what, "overview") == 0) {
        if (is(req, "GET") || is(req, "HEAD")) overview(s, req, resp);
        else method_not_allowed(resp, "GET");
    } else if (strcmp(what, "changes") == 0) {
        if (!is(req, "GET") && !is(req, "HEAD")) {
            method_not_allowed(resp, "GET");
            return;
        }
        int64_t total;
        json_t *value = recent_changes(s, MANAGE_DASHBOARD_CHANGE_LOG, &total);
        manage_web_json(resp, 200, json_pack("{s:o, s:I}", "value", value, "count", (json_int_t)total));
    } else if (strncmp(what, "locations/", 10) == 0) {
        if (is(req, "PUT") || is(req, "PATCH") || is(req, "DELETE")) write_location(s, req, what + 10, resp);
        else method_not_allowed(resp, "PUT, PATCH, DELETE");
    } else {
        manage_web_error(resp, 404, "NotFound", "No such dashboard API.");
    }
}
