/* manage_session: browser sessions of the management plane's web UIs (the developer
 * portal, the operations dashboard), CSRF tokens, and password hashing.
 *
 * Store: in memory, in the management process (a table guarded by a mutex: the event loop
 * and the worker thread both read it). Sessions do NOT survive a restart of `meridian
 * manage`: everyone signs in again. That is deliberate — nothing secret about a session is
 * ever written to disk, and a restart is a cheap way to end every session.
 *
 * A session id is 32 bytes from OpenSSL's RAND_bytes in base64url (43 characters), sent
 * only in the cookie MANAGE_SESSION_COOKIE with HttpOnly, SameSite=Strict, Path=/ and,
 * when the listener is TLS, Secure. Ids the store does not know are ignored (never
 * adopted), and signing in always rotates the id (manage_session_sign_in): an id planted
 * in a victim's browser before sign-in (session fixation) is worth nothing after it.
 *
 * CSRF: synchronizer token. Each session has its own random token (32 bytes, base64url),
 * handed to the page by a JSON API (never in a cookie, never in HTML); every unsafe request
 * (anything but GET/HEAD/OPTIONS) must send it back in the header MANAGE_CSRF_HEADER, and
 * manage_session_csrf_ok compares it in constant time. SameSite=Strict is a second fence.
 *
 * Lifetimes: a session ends after idle_ms without use or max_age_ms after it began
 * (defaults 30 min and 12 h); expired sessions are dropped lazily.
 *
 * Nothing here logs an id, a token or a password. */
#ifndef MERIDIAN_MANAGE_SESSION_H
#define MERIDIAN_MANAGE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MANAGE_SESSION_COOKIE "meridian_session"
#define MANAGE_CSRF_HEADER "X-CSRF-Token"
#define MANAGE_SESSION_MAX 100000 /* sessions held at most; the oldest-used go first */

typedef struct manage_sessions manage_sessions_t;

/* A copy of a session's state (the store keeps its own). */
typedef struct {
    char id[64];
    char csrf[64];
    char user[300]; /* "" = anonymous (a session made only to carry a CSRF token) */
    char role[32];  /* "developer", "administrator"... chosen by the caller; "" anonymous */
} manage_session_t;

/* idle_ms / max_age_ms 0 = defaults. */
manage_sessions_t *manage_sessions_new(uint64_t idle_ms, uint64_t max_age_ms);
void manage_sessions_free(manage_sessions_t *s);
/* Sessions held now (for tests and metrics). */
size_t manage_sessions_count(manage_sessions_t *s);

/* The session named by a Cookie header value (may be NULL), at `now_ms` (monotonic).
 * Returns 0 and fills *out (and marks it used), or -1 when there is no cookie or the id is
 * unknown or expired. */
int manage_session_lookup(manage_sessions_t *s, const char *cookie_header, uint64_t now_ms,
                          manage_session_t *out);
/* A new session for `user` (NULL or "" = anonymous) with `role`. */
void manage_session_create(manage_sessions_t *s, const char *user, const char *role,
                           uint64_t now_ms, manage_session_t *out);
/* Sign-in: ends the session `old_id` (NULL or unknown: nothing) and creates a new one for
 * user/role, with a new id and a new CSRF token. */
void manage_session_sign_in(manage_sessions_t *s, const char *old_id, const char *user,
                            const char *role, uint64_t now_ms, manage_session_t *out);
/* Ends a session (sign-out). */
void manage_session_end(manage_sessions_t *s, const char *id);
/* Ends every session of `user` (password changed, user deleted). */
void manage_session_end_user(manage_sessions_t *s, const char *user);

/* Is `method` safe (GET, HEAD, OPTIONS: no CSRF token needed)? */
bool manage_session_is_safe_method(const char *method);
/* Does the X-CSRF-Token header value (may be NULL) match the session's token? */
bool manage_session_csrf_ok(const manage_session_t *sess, const char *header_value);

/* The Set-Cookie value that stores the session in the browser / removes it. Returns the
 * length written (out >= 200 bytes). */
size_t manage_session_cookie(const manage_session_t *sess, bool is_secure, char *out, size_t n);
size_t manage_session_cookie_clear(bool is_secure, char *out, size_t n);

/* ---- passwords: Argon2id (libargon2), RFC 9106 ---- */

#define MANAGE_PASSWORD_MIN 10  /* characters (bytes) at least */
#define MANAGE_PASSWORD_MAX 512 /* bytes at most: bounds the hashing work of one request */
#define MANAGE_PASSWORD_HASH_MAX 160

/* Hashes `password` (t=2, m=19 MiB, p=1, 16-byte random salt, 32-byte tag) into the PHC
 * string "$argon2id$v=19$m=19456,t=2,p=1$salt$tag". Slow on purpose (tens of ms): call it on
 * the worker thread, never on the loop. Returns 0, or -1 (out too small, hashing failed). */
int manage_password_hash(const char *password, size_t len, char *out, size_t n);
/* Verifies `password` against a PHC string made by manage_password_hash. */
bool manage_password_verify(const char *encoded, const char *password, size_t len);

#endif
