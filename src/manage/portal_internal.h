/* Internals shared by the developer portal's files (portal.c: sessions and accounts;
 * portal_catalog.c: products, APIs, subscriptions, try-it). Not for other modules. */
#ifndef MERIDIAN_MANAGE_PORTAL_INTERNAL_H
#define MERIDIAN_MANAGE_PORTAL_INTERNAL_H

#include "manage/portal.h"
#include "manage/service_internal.h"
#include "manage/session.h"
#include "manage/web.h"

#include <jansson.h>

/* One portal call: the request, its session (when any) and the route below /portal/api/. */
typedef struct {
    manage_service_t *s;
    const manage_web_request_t *req;
    manage_response_t *resp;
    manage_session_t sess;
    bool has_session;
    const char *route;     /* "subscriptions/abc/regenerate" */
    const json_t *user;    /* the signed-in developer's entry, or NULL */
    char user_path[320];   /* "/users/{id}" */
} portal_call_t;

const json_t *portal_entry(const manage_service_t *s, const char *path);
/* The request body as a JSON object, or NULL after answering 400. */
json_t *portal_body(portal_call_t *c);
/* A string member of the body, "" when absent or not a string. */
const char *portal_str(const json_t *o, const char *key);
/* Commits a write through the REST handlers (handlers.c): `method` on `path` under {svc}
 * with `body` (NULL = none), as actor "developer {userId}". Returns the REST status and,
 * on success, leaves the REST response in *out (free with manage_response_free). */
int portal_rest(portal_call_t *c, const char *method, const char *path, const json_t *body,
                manage_response_t *out);

/* portal_catalog.c: GET products, apis, apis/{id}; subscriptions; try. */
void portal_products(portal_call_t *c);
void portal_apis(portal_call_t *c);
void portal_api(portal_call_t *c, const char *id);
void portal_subscriptions(portal_call_t *c);
void portal_subscribe(portal_call_t *c);
void portal_regenerate(portal_call_t *c, const char *id);
void portal_try(portal_call_t *c);

#endif
