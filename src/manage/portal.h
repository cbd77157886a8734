/* manage_portal: the developer portal's JSON API, /portal/api/... (docs/portal.md), called
 * by the page web/portal/index.html. Handled on the worker thread (web.h).
 *
 *   GET  session                      who is signed in + the CSRF token (creates an
 *                                     anonymous session when there is none)
 *   POST signup {email, password, firstName, lastName}   a developer (users/{id}), signed in
 *   POST signin {email, password}     rotates the session id; 429 after 5 failures for an
 *                                     email in 15 min, or past 20 password checks a second
 *   POST signout
 *   GET  products                     published products with their APIs
 *   GET  apis, apis/{id}              APIs of published products; one with its operations
 *   GET  subscriptions                the signed-in developer's, with their keys
 *   POST subscriptions {productId, displayName?}        subscribe (owner = the developer)
 *   POST subscriptions/{id}/regenerate {key: primary|secondary}
 *   POST try {subscriptionId, apiId?, method, path, headers, body}   portal_try.h
 *
 * Every POST needs a session and its CSRF token (X-CSRF-Token) — sign-up and sign-in
 * included, against login CSRF —, and all but signup/signin need a signed-in developer
 * (401 otherwise). A developer only ever sees and changes subscriptions whose ownerId is
 * their own user: another's answers 404, as if it did not exist. Passwords are hashed
 * with Argon2id (session.h) into the user's secrets, which no API returns. */
#ifndef MERIDIAN_MANAGE_PORTAL_H
#define MERIDIAN_MANAGE_PORTAL_H

#include "manage/web.h"

void manage_portal_handle(manage_service_t *s, const manage_web_request_t *req, manage_response_t *resp);

#endif
