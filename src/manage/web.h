/* manage_web: the JSON APIs behind the management plane's browser UIs (the developer
 * portal, the operations dashboard), next to the REST API of docs/manage-api.md.
 *
 * The server (server.c) routes a request here when manage_web_is_api_path() says so. It is
 * queued and handled on the worker thread exactly like a REST call (one at a time, so a
 * handler may read and commit the service's state: manage_commit in service_internal.h),
 * and answered with resp->is_web set: the web security headers (assets.h) and
 * Cache-Control: no-store are added, and resp->set_cookie when set.
 *
 * Each UI registers one prefix and one handler in web.c's table:
 *   /portal/api/     manage_portal_handle    (portal.h)
 *   /dashboard/api/  manage_dashboard_handle (dashboard.h)
 * A handler authenticates with the browser session (session.h: manage_web_session below),
 * checks the CSRF token on every unsafe method, and never puts one user's secrets in
 * another's answer. */
#ifndef MERIDIAN_MANAGE_WEB_H
#define MERIDIAN_MANAGE_WEB_H

#include "manage/service.h"
#include "manage/session.h"

#include <jansson.h>
#include <stdbool.h>

/* A UI API request: the REST request's fields (authorization unused) and the headers a
 * browser session needs, NULL when absent. */
typedef struct {
    manage_request_t http;
    const char *cookie;
    const char *csrf_token;    /* X-CSRF-Token */
    const char *origin;        /* Origin */
    const char *content_type;
    bool is_tls;               /* the listener is TLS: cookies get Secure */
} manage_web_request_t;

/* True when `path` (as sent) belongs to a UI's JSON API. */
bool manage_web_is_api_path(const char *path);

/* Handles a UI API request on the worker thread (always fills *resp). */
void manage_web_handle(manage_service_t *s, const manage_web_request_t *req, manage_response_t *resp);

/* ---- helpers for the UIs' handlers ---- */

/* resp = JSON `body` (stolen) with `status`, is_web set. */
void manage_web_json(manage_response_t *resp, int status, json_t *body);
/* resp = {"error": {"code": code, "message": message}} with `status`. */
void manage_web_error(manage_response_t *resp, int status, const char *code, const char *message);

/* The request's session, or false (no cookie, unknown or expired id). */
bool manage_web_session(manage_service_t *s, const manage_web_request_t *req, manage_session_t *out);

/* Checks an unsafe request (POST, PUT, PATCH, DELETE): the session's CSRF token must be in
 * X-CSRF-Token, and an Origin header, when sent, must name this server (Host). Answers
 * 403 into resp and returns false when not. Safe methods pass. */
bool manage_web_check_unsafe(const manage_web_request_t *req, const manage_session_t *sess,
                             manage_response_t *resp);

/* Sets resp->set_cookie for `sess` (or the clearing cookie when sess is NULL). */
void manage_web_set_cookie(const manage_web_request_t *req, manage_response_t *resp,
                           const manage_session_t *sess);

#endif
