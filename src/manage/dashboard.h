/* manage_dashboard: the operations dashboard's JSON API (docs/dashboard.md), under
 * /dashboard/api/ on the management plane, for the page web/dashboard/index.html.
 *
 *   GET    /dashboard/api/session          the signed-in administrator and the CSRF token
 *   POST   /dashboard/api/signin           {"key": admin key | admin token | SAS header}
 *   POST   /dashboard/api/signout
 *   GET    /dashboard/api/overview         service, locations with their live status,
 *                                          recent changes (one document: one poll)
 *   GET    /dashboard/api/changes          the newest MANAGE_DASHBOARD_CHANGE_LOG changes
 *   PUT    /dashboard/api/locations/{slug} the body of PUT {svc}/locations/{slug}
 *   PATCH  /dashboard/api/locations/{slug}
 *   DELETE /dashboard/api/locations/{slug}
 *
 * Everything but signin needs a session of role "administrator" (session.h; a developer's
 * portal session is refused with 403), and every unsafe method its CSRF token
 * (web.h manage_web_check_unsafe). The location writes are the REST API's own
 * (locations.h: same checks, same commit, same change log) with the actor
 * "admin (dashboard)"; If-Match is passed on as sent ("*" when absent: the page always
 * sends the ETag it last read, so a concurrent change is a 412 the page shows).
 *
 * The admin key is only compared (constant time), never stored in a session, echoed or
 * logged. Runs on the management worker thread (manage_web_handle). */
#ifndef MERIDIAN_MANAGE_DASHBOARD_H
#define MERIDIAN_MANAGE_DASHBOARD_H

#include "manage/web.h"

#define MANAGE_DASHBOARD_PREFIX "/dashboard/api/"
#define MANAGE_DASHBOARD_ROLE "administrator"
#define MANAGE_DASHBOARD_ACTOR "admin (dashboard)"
/* Changes listed by the overview, newest first. */
#define MANAGE_DASHBOARD_CHANGES 15
#define MANAGE_DASHBOARD_CHANGE_LOG 100

void manage_dashboard_handle(manage_service_t *s, const manage_web_request_t *req, manage_response_t *resp);

#endif
