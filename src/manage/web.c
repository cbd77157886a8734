/* The browser UIs' JSON APIs: dispatch and shared helpers (web.h). */
#include "manage/web.h"

#include "base/clock.h"
#include "manage/dashboard.h"
#include "manage/portal.h"

#include <stdlib.h>
#include <string.h>

typedef void (*web_handler_fn)(manage_service_t *s, const manage_web_request_t *req,
                               manage_response_t *resp);

/* One line per UI. */
static const struct {
    const char *prefix;
    web_handler_fn handle;
} uis[] = {
    {"/portal/api/", manage_portal_handle},
    {MANAGE_DASHBOARD_PREFIX, manage_dashboard_handle},
};

static web_handler_fn handler_for(const char *path)
{
    for (size_t i = 0; i < sizeof uis / sizeof uis[0]; i++)
        if (strncmp(path, uis[i].prefix, strlen(uis[i].prefix)) == 0) return uis[i].handle;
    return NULL;
}

bool manage_web_is_api_path(const char *path)
{
    return handler_for(path) != NULL;
}

void manage_web_handle(manage_service_t *s, const manage_web_request_t *req, manage_response_t *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->revision = -1;
    resp->is_web = true;
    web_handler_fn h = handler_for(req->http.path);
    if (!h) {
        manage_web_error(resp, 404, "NotFound", "No such page API.");
        return;
    }
    h(s, req, resp);
    resp->is_web = true;
}

void manage_web_json(manage_response_t *resp, int status, json_t *body)
{
    resp->status = status;
    free(resp->body);
    resp->body = json_dumps(body, JSON_COMPACT);
    if (!resp->body) abort();
    resp->body_len = strlen(resp->body);
    resp->content_type = "application/json; charset=utf-8";
    resp->is_web = true;
    json_decref(body);
}

void manage_web_error(manage_response_t *resp, int status, const char *code, const char *message)
{
    manage_web_json(resp, status,
                    json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
}

bool manage_web_session(manage_service_t *s, const manage_web_request_t *req, manage_session_t *out)
{
    return manage_session_lookup(manage_service_sessions(s), req->cookie, clock_mono_ms(), out) == 0;
}

/* Does the Origin header ("http://host:port") name the Host the request was sent to? */
static bool origin_matches_host(const char *origin, const char *host)
{
    const char *p = strstr(origin, "://");
    if (!p || !host) return false;
    return strcmp(p + 3, host) == 0;
}

bool manage_web_check_unsafe(const manage_web_request_t *req, const manage_session_t *sess,
                             manage_response_t *resp)
{
    if (manage_session_is_safe_method(req->http.method)) return true;
    if (req->origin && !origin_matches_host(req->origin, req->http.host)) {
        manage_web_error(resp, 403, "CrossOrigin", "Requests from another origin are refused.");
        return false;
    }
    if (!manage_session_csrf_ok(sess, req->csrf_token)) {
        manage_web_error(resp, 403, "CsrfTokenInvalid",
                         "The X-CSRF-Token header is missing or does not match the session; "
                         "reload the page.");
        return false;
    }
    return true;
}

void manage_web_set_cookie(const manage_web_request_t *req, manage_response_t *resp,
                           const manage_session_t *sess)
{
    if (sess)
        manage_session_cookie(sess, req->is_tls, resp->set_cookie, sizeof resp->set_cookie);
    else
        manage_session_cookie_clear(req->is_tls, resp->set_cookie, sizeof resp->set_cookie);
}
