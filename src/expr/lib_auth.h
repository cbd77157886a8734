/* lib_auth: the authentication helper types of policy expressions (spec/apim-gateway.md §3.4
 * "Helper types", §3.5) — Jwt, its Claims dictionary, BasicAuthCredentials — and the string
 * extensions AsJwt(), TryParseJwt(out Jwt), AsBasic(), TryParseBasic(out
 * BasicAuthCredentials). They parse; they never validate (no signature, time or audience
 * check): that is validate-jwt's job, which builds on the decoder below.
 *
 * A Jwt value is EXPR_V_OBJECT over an arena copy of everything it shows (claims included),
 * so it holds no jansson reference and stays valid as long as its arena: a validate-jwt
 * policy can store one in context.Variables (output-token-variable-name). */
#ifndef MERIDIAN_EXPR_LIB_AUTH_H
#define MERIDIAN_EXPR_LIB_AUTH_H

#include "base/arena.h"
#include "expr/value.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

extern const expr_class_t expr_class_jwt;              /* Jwt */
extern const expr_class_t expr_class_basic_credentials; /* BasicAuthCredentials */

/* A compact JWS (RFC 7515 §7.1) split and decoded. */
typedef struct {
    json_t *header;  /* the JOSE header, a JSON object (one reference: expr_jwt_release) */
    json_t *payload; /* the claims set, a JSON object (RFC 7519 §7.2 step 10) */
    uint8_t *signature; /* decoded signature bytes (arena); signature_len 0 for "a.b." */
    size_t signature_len;
    const char *signing_input; /* "header.payload" as it appears in the token (points into
                                  the token text: what the signature covers, §5.2) */
    size_t signing_input_len;
} expr_jwt_t;

/* Decodes `token` (surrounding whitespace and a leading "Bearer " scheme are skipped):
 * exactly three '.'-separated base64url segments (RFC 4648 §5; padding and the +/ alphabet
 * tolerated, as Microsoft.IdentityModel's decoder does), the first two UTF-8 JSON objects.
 * 0 with *out (release it with expr_jwt_release), -EINVAL when the text is not such a JWT,
 * -ENOMEM. */
int expr_jwt_decode(arena_t *arena, const char *token, size_t len, expr_jwt_t *out);
void expr_jwt_release(expr_jwt_t *jwt);

/* base64url (or base64) text → bytes in the arena (NUL-terminated for convenience).
 * 0, -EINVAL on a character outside the alphabet or a length that cannot be base64,
 * -ENOMEM. */
int expr_base64url_decode(arena_t *arena, const char *in, size_t len, uint8_t **out,
                          size_t *out_len);

/* The Jwt value of a decoded token: Algorithm/Type from the header; Id (jti), Issuer (iss),
 * Subject (sub), Audiences (aud: string or array), ExpirationTime/IssuedAt/NotBefore
 * (exp/iat/nbf seconds → UTC DateTime, null when absent or not a number) and Claims from
 * the payload. Everything is copied into `arena`. 0 or -ENOMEM. */
int expr_jwt_to_value(arena_t *arena, const expr_jwt_t *jwt, expr_value_t *out);

#endif
