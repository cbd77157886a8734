/* The developer portal's JSON API: dispatch, sessions, sign-up and sign-in (portal.h). */
#include "manage/portal_internal.h"

#include "base/clock.h"
#include "base/log.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROLE_DEVELOPER "developer"
#define EMAIL_MAX 254

const json_t *portal_entry(const manage_service_t *s, const char *path)
{
    return json_object_get(s->resources, path);
}

const char *portal_str(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

json_t *portal_body(portal_call_t *c)
{
    json_error_t jerr;
    json_t *body = c->req->http.body_len
                       ? json_loadb(c->req->http.body, c->req->http.body_len, JSON_REJECT_DUPLICATES, &jerr)
                       : json_object();
    if (!json_is_object(body)) {
        json_decref(body);
        manage_web_error(c->resp, 400, "InvalidRequestContent", "The body must be a JSON object.");
        return NULL;
    }
    return body;
}

int portal_rest(portal_call_t *c, const char *method, const char *path, const json_t *body,
                manage_response_t *out)
{
    memset(out, 0, sizeof *out);
    out->revision = -1;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    manage_request_t raw = {
        .method = method,
        .path = path,
        .query = "",
        .host = "",
        .body = text ? text : "",
        .body_len = text ? strlen(text) : 0,
    };
    char actor[320];
    snprintf(actor, sizeof actor, "developer %s", c->user_path + strlen("/users/"));
    manage_call_t call = {.raw = &raw, .method = method, .actor = actor, .query = json_object()};
    manage_error_t e;
    if (manage_route(path, &call.route, &e) < 0) manage_respond_error(out, &e);
    else manage_handle_call(c->s, &call, out);
    json_decref(call.query);
    free(text);
    snprintf(out->actor, sizeof out->actor, "%.150s", actor);
    return out->status;
}

/* ---- accounts ---- */

static bool is_email(const char *e)
{
    size_t n = strlen(e);
    const char *at = strchr(e, '@');
    if (n < 3 || n > EMAIL_MAX || !at || at == e || !at[1] || strchr(at + 1, '@')) return false;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == '<' || *p == '>' || *p == '"' || *p == 0x7f)
            return false;
    return strchr(at + 1, '.') != NULL;
}

/* The user entry path whose email is `email` (ASCII case-insensitive), or NULL. */
static const char *user_by_email(const manage_service_t *s, const char *email)
{
    const char *path;
    json_t *entry;
    json_object_foreach(s->resources, path, entry)
    {
        if (strncmp(path, "/users/", 7) != 0 || strchr(path + 7, '/')) continue;
        const char *e = portal_str(json_object_get(entry, "props"), "email");
        if (strcasecmp(e, email) == 0) return path;
    }
    return NULL;
}

static json_t *session_json(const portal_call_t *c, const manage_session_t *sess)
{
    json_t *out = json_pack("{s:b, s:s, s:b}", "signedIn", sess->user[0] != 0, "csrfToken",
                            sess->csrf, "tryIt", manage_service_global_endpoint(c->s) != NULL);
    if (sess->user[0]) {
        char path[320];
        snprintf(path, sizeof path, "/users/%s", sess->user);
        const json_t *props = json_object_get(portal_entry(c->s, path), "props");
        json_object_set_new(out, "user",
                            json_pack("{s:s, s:s, s:s, s:s}", "id", sess->user, "email",
                                      portal_str(props, "email"), "firstName",
                                      portal_str(props, "firstName"), "lastName",
                                      portal_str(props, "lastName")));
    }
    return out;
}

static void get_session(portal_call_t *c)
{
    if (!c->has_session) {
        manage_session_create(manage_service_sessions(c->s), NULL, NULL, clock_mono_ms(), &c->sess);
        c->has_session = true;
        manage_web_set_cookie(c->req, c->resp, &c->sess);
    }
    manage_web_json(c->resp, 200, session_json(c, &c->sess));
}

/* Signs the caller in as `user_id`: a new session id and CSRF token (never the one the
 * browser came with: session fixation), and the answer carries the new cookie. */
static void sign_in_as(portal_call_t *c, const char *user_id, int status)
{
    manage_session_t fresh;
    manage_session_sign_in(manage_service_sessions(c->s), c->sess.id, user_id, ROLE_DEVELOPER,
                           clock_mono_ms(), &fresh);
    c->sess = fresh;
    manage_web_set_cookie(c->req, c->resp, &fresh);
    manage_web_json(c->resp, status, session_json(c, &fresh));
    snprintf(c->resp->actor, sizeof c->resp->actor, "developer %.140s", user_id);
}

/* A password hash of nothing in particular, verified when the email is unknown, so that
 * "no such user" takes as long as "wrong password". Made once (the worker is one thread). */
static const char *dummy_hash(void)
{
    static char hash[MANAGE_PASSWORD_HASH_MAX];
    if (!hash[0]) {
        unsigned char raw[24];
        if (RAND_bytes(raw, sizeof raw) != 1) abort();
        if (manage_password_hash((const char *)raw, sizeof raw, hash, sizeof hash) < 0) abort();
    }
    return hash;
}

/* ---- sign-in throttling ----
 *
 * Each password check costs tens of milliseconds of the one worker thread that also
 * serves every management write, so guessing is bounded twice: per email, five failures
 * within 15 minutes lock that email's sign-in for the rest of the window (429, no hash
 * computed); and over all emails, at most MAX_CHECKS_PER_SECOND password checks a
 * second, sign-ups included (429 beyond). Only the worker thread touches this table (web.h). */
#define MAX_FAILURES 5
#define FAILURE_WINDOW_MS (15u * 60 * 1000)
#define MAX_CHECKS_PER_SECOND 20
#define MAX_TRACKED_EMAILS 10000

static json_t *failures; /* lower-cased email → {"count", "since"} */
static uint64_t checks_second, checks_in_second;

static void email_key(const char *email, char *out, size_t n)
{
    size_t i = 0;
    for (; email[i] && i + 1 < n; i++) out[i] = (char)((email[i] >= 'A' && email[i] <= 'Z') ? email[i] + 32 : email[i]);
    out[i] = 0;
}

/* 0 when one more password hash or check may run this second, else answers 429 and
 * returns -1 (sign-up hashes too). */
static int hash_budget(portal_call_t *c, uint64_t now)
{
    if (now / 1000 != checks_second) {
        checks_second = now / 1000;
        checks_in_second = 0;
    }
    if (++checks_in_second > MAX_CHECKS_PER_SECOND) {
        manage_web_error(c->resp, 429, "TooManyAttempts", "Too many sign-ins right now: try again shortly.");
        return -1;
    }
    return 0;
}

/* 0 when a password check may run now, else answers 429 and returns -1. */
static int throttle(portal_call_t *c, const char *email, uint64_t now)
{
    char key[EMAIL_MAX + 1];
    email_key(email, key, sizeof key);
    json_t *f = failures ? json_object_get(failures, key) : NULL;
    if (f && now - (uint64_t)json_integer_value(json_object_get(f, "since")) < FAILURE_WINDOW_MS &&
        json_integer_value(json_object_get(f, "count")) >= MAX_FAILURES) {
        manage_web_error(c->resp, 429, "TooManyAttempts",
                         "Too many failed sign-ins for this email: try again in 15 minutes.");
        return -1;
    }
    return hash_budget(c, now);
}

static void note_failure(const char *email, uint64_t now)
{
    if (!failures) failures = json_object();
    if (json_object_size(failures) >= MAX_TRACKED_EMAILS) {
        const char *k;
        json_t *v, *tmp;
        json_object_foreach_safe(failures, tmp, k, v)
        {
            if (now - (uint64_t)json_integer_value(json_object_get(v, "since")) >= FAILURE_WINDOW_MS)
                json_object_del(failures, k);
        }
        if (json_object_size(failures) >= MAX_TRACKED_EMAILS) json_object_clear(failures);
    }
    char key[EMAIL_MAX + 1];
    email_key(email, key, sizeof key);
    json_t *f = json_object_get(failures, key);
    if (!f || now - (uint64_t)json_integer_value(json_object_get(f, "since")) >= FAILURE_WINDOW_MS) {
        json_object_set_new(failures, key, json_pack("{s:i, s:I}", "count", 1, "since", (json_int_t)now));
        return;
    }
    json_object_set_new(f, "count", json_integer(json_integer_value(json_object_get(f, "count")) + 1));
}

static void note_success(const char *email)
{
    char key[EMAIL_MAX + 1];
    email_key(email, key, sizeof key);
    if (failures) json_object_del(failures, key);
}

static void sign_up(portal_call_t *c)
{
    json_t *body = portal_body(c);
    if (!body) return;
    const char *email = portal_str(body, "email"), *password = portal_str(body, "password");
    const char *first = portal_str(body, "firstName"), *last = portal_str(body, "lastName");
    size_t plen = strlen(password);
    if (!is_email(email) || !manage_utf8_is_valid(email)) {
        manage_web_error(c->resp, 400, "InvalidEmail", "Enter an email address like name@example.com.");
    } else if (plen < MANAGE_PASSWORD_MIN || plen > MANAGE_PASSWORD_MAX) {
        manage_web_error(c->resp, 400, "WeakPassword",
                         "The password must be 10 to 512 characters long.");
    } else if (!*first || !*last || strlen(first) > 100 || strlen(last) > 100 ||
               !manage_utf8_is_valid(first) || !manage_utf8_is_valid(last)) {
        manage_web_error(c->resp, 400, "InvalidName", "Enter a first and a last name (up to 100 characters).");
    } else if (user_by_email(c->s, email)) {
        manage_web_error(c->resp, 409, "EmailTaken", "An account with this email already exists; sign in.");
    } else if (hash_budget(c, clock_mono_ms()) == 0) {
        char hash[MANAGE_PASSWORD_HASH_MAX];
        unsigned char raw[8];
        if (RAND_bytes(raw, sizeof raw) != 1) abort();
        char id[32];
        snprintf(id, sizeof id, "dev-%02x%02x%02x%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2],
                 raw[3], raw[4], raw[5], raw[6], raw[7]);
        manage_error_t e;
        manage_call_t call = {.method = "PUT", .actor = "portal sign-up"};
        char path[64];
        snprintf(path, sizeof path, "/users/%s", id);
        if (manage_password_hash(password, plen, hash, sizeof hash) < 0 ||
            manage_route(path, &call.route, &e) < 0) {
            manage_web_error(c->resp, 500, "InternalServerError", "The account could not be created.");
            json_decref(body);
            return;
        }
        json_t *given = json_pack("{s:s, s:s, s:s, s:s, s:s}", "email", email, "firstName", first,
                                  "lastName", last, "state", "active", "note",
                                  "signed up in the developer portal");
        json_t *secrets = NULL;
        json_t *props = manage_props_check(call.route.kind, given, NULL, &secrets, &e);
        json_decref(given);
        json_decref(secrets);
        if (!props) {
            manage_web_error(c->resp, 400, "InvalidRequestContent", e.message);
            json_decref(body);
            return;
        }
        json_t *next = json_copy(c->s->resources);
        int64_t seq = c->s->next_seq++;
        json_object_set_new(next, path,
                            manage_entry_new("users", seq, c->s->revision + 1, props,
                                             json_pack("{s:s}", "passwordHash", hash)));
        OPENSSL_cleanse(hash, sizeof hash);
        if (manage_commit(c->s, next, &call, false, &e) < 0) {
            c->s->next_seq--;
            manage_web_error(c->resp, e.status, e.code, e.message);
        } else {
            sign_in_as(c, id, 201);
        }
    }
    json_decref(body);
}

static void sign_in(portal_call_t *c)
{
    json_t *body = portal_body(c);
    if (!body) return;
    const char *email = portal_str(body, "email"), *password = portal_str(body, "password");
    size_t plen = strlen(password);
    uint64_t now = clock_mono_ms();
    if (strlen(email) > EMAIL_MAX || throttle(c, email, now) < 0) {
        if (!c->resp->status) manage_web_error(c->resp, 401, "SignInFailed", "The email or the password is wrong.");
        json_decref(body);
        return;
    }
    const char *path = user_by_email(c->s, email);
    const json_t *entry = path ? portal_entry(c->s, path) : NULL;
    const char *hash = portal_str(json_object_get(entry, "secrets"), "passwordHash");
    bool ok = manage_password_verify(*hash ? hash : dummy_hash(), password, plen) && *hash;
    if (ok && strcmp(portal_str(json_object_get(entry, "props"), "state"), "active") != 0) {
        manage_web_error(c->resp, 403, "UserNotActive", "This account is not active.");
    } else if (!ok) {
        note_failure(email, now);
        manage_web_error(c->resp, 401, "SignInFailed", "The email or the password is wrong.");
    } else {
        note_success(email);
        sign_in_as(c, path + strlen("/users/"), 200);
    }
    json_decref(body);
}

static void sign_out(portal_call_t *c)
{
    manage_session_end(manage_service_sessions(c->s), c->sess.id);
    manage_web_set_cookie(c->req, c->resp, NULL);
    manage_web_json(c->resp, 200, json_pack("{s:b}", "signedIn", false));
}

/* ---- dispatch ---- */

static bool is(const portal_call_t *c, const char *method, const char *route)
{
    return strcmp(c->req->http.method, method) == 0 && strcmp(c->route, route) == 0;
}

/* "subscriptions/{id}/regenerate" → id (into out), or false. */
static bool match_id(const char *route, const char *prefix, const char *suffix, char *out, size_t n)
{
    size_t p = strlen(prefix), s = strlen(suffix), len = strlen(route);
    if (len <= p + s || strncmp(route, prefix, p) != 0 || strcmp(route + len - s, suffix) != 0)
        return false;
    size_t idlen = len - p - s;
    if (idlen >= n || !manage_id_is_valid(route + p, idlen)) return false;
    memcpy(out, route + p, idlen);
    out[idlen] = 0;
    return true;
}

void manage_portal_handle(manage_service_t *s, const manage_web_request_t *req, manage_response_t *resp)
{
    portal_call_t c = {.s = s, .req = req, .resp = resp};
    c.route = req->http.path + strlen("/portal/api/");
    c.has_session = manage_web_session(s, req, &c.sess);
    char id[MANAGE_ID_MAX + 1];

    if (is(&c, "GET", "session")) {
        get_session(&c);
        return;
    }
    if (!manage_session_is_safe_method(req->http.method)) {
        if (!c.has_session) {
            manage_web_error(resp, 403, "CsrfTokenInvalid",
                             "No session: load the portal page first (GET /portal/api/session).");
            return;
        }
        if (!manage_web_check_unsafe(req, &c.sess, resp)) return;
    }
    if (is(&c, "POST", "signup")) {
        sign_up(&c);
        return;
    }
    if (is(&c, "POST", "signin")) {
        sign_in(&c);
        return;
    }
    if (is(&c, "POST", "signout")) {
        sign_out(&c);
        return;
    }
    /* Catalog reads are public (published products only); everything else needs a
     * signed-in developer whose account still exists and is active. */
    if (c.has_session && c.sess.user[0]) {
        snprintf(c.user_path, sizeof c.user_path, "/users/%s", c.sess.user);
        c.user = portal_entry(s, c.user_path);
        if (!c.user || strcmp(portal_str(json_object_get(c.user, "props"), "state"), "active") != 0) {
            manage_session_end(manage_service_sessions(s), c.sess.id);
            manage_web_set_cookie(req, resp, NULL);
            c.user = NULL;
        }
    }
    if (is(&c, "GET", "products")) {
        portal_products(&c);
        return;
    }
    if (is(&c, "GET", "apis")) {
        portal_apis(&c);
        return;
    }
    if (strcmp(req->http.method, "GET") == 0 && match_id(c.route, "apis/", "", id, sizeof id)) {
        portal_api(&c, id);
        return;
    }
    bool is_known = is(&c, "GET", "subscriptions") || is(&c, "POST", "subscriptions") ||
                    is(&c, "POST", "try") ||
                    (strcmp(req->http.method, "POST") == 0 &&
                     match_id(c.route, "subscriptions/", "/regenerate", id, sizeof id));
    if (!is_known) {
        manage_web_error(resp, 404, "NotFound", "No such portal API.");
        return;
    }
    if (!c.user) {
        manage_web_error(resp, 401, "SignInRequired", "Sign in first.");
        return;
    }
    snprintf(resp->actor, sizeof resp->actor, "developer %.140s", c.sess.user);
    if (is(&c, "GET", "subscriptions")) portal_subscriptions(&c);
    else if (is(&c, "POST", "subscriptions")) portal_subscribe(&c);
    else if (is(&c, "POST", "try")) portal_try(&c);
    else portal_regenerate(&c, id);
}
