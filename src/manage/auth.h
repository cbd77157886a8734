/* manage_auth: who may call the management API (docs/manage-api.md, "Authentication").
 *
 * DIR/admin-key.json = {"identifier": "admin", "key": "<base64 of 64 random bytes>",
 * "token": "<43 characters of base64url>"}, created on first start with mode 0600.
 * A request carries either
 *   Authorization: SharedAccessSignature uid=<identifier>&ex=<expiry>&sn=<signature>
 * where expiry is "yyyy-MM-ddTHH:mm:ss.fffffffZ" (UTC, in the future) and signature =
 * base64(HMAC-SHA512(key = the UTF-8 bytes of the key string, identifier "\n" expiry)),
 * the vendor's scheme, or
 *   Authorization: Bearer <token>.
 * Comparisons of secrets are constant-time. Nothing here logs a credential. */
#ifndef MERIDIAN_MANAGE_AUTH_H
#define MERIDIAN_MANAGE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct {
    char identifier[128];
    char key[256];
    char token[128];
} manage_auth_t;

/* Reads DIR/admin-key.json, creating it (0600, fsync'd) when missing; *created tells which.
 * Returns 0, or -1 with a malloc'd message in *err. */
int manage_auth_load_or_create(const char *dir, manage_auth_t *out, bool *created, char **err);

/* Checks an Authorization header value (`len` bytes) at time `now`. Returns 0 and writes
 * the caller's identity into actor ("admin", or "admin (token)"), or -1 with a short reason
 * in *why (a static string that names no secret). */
int manage_auth_check(const manage_auth_t *a, const char *header, size_t len, time_t now,
                      char *actor, size_t actor_size, const char **why);

/* The SAS header value for identifier/key expiring at `expiry` (UTC): a malloc'd
 * "SharedAccessSignature uid=...&ex=...&sn=...". For tests and clients. */
char *manage_auth_sas(const char *identifier, const char *key, time_t expiry);

#endif
