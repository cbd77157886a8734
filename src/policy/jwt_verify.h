/* jwt_verify: verification of compact JSON Web Tokens for validate-jwt (spec/apim-gateway.md
 * §2.4, errors §1.5): signatures (RFC 7515 JWS, algorithms RFC 7518 §3), lifetime (RFC 7519
 * §4.1.4–§4.1.5), audiences, issuers and required claims.
 *
 * Two kinds of objects:
 * - a key set (jwt_keyset_t) is built once, when the configuration is compiled (from
 *   <issuer-signing-keys>) or when an OpenID configuration's JWKS document arrives (from
 *   jwks_uri); it is immutable afterwards, reference counted (a refreshed JWKS replaces the
 *   old set while requests still verify with it) and may be read by any thread at once
 *   (OpenSSL 3 allows concurrent read-only use of an EVP_PKEY);
 * - the rules (jwt_rules_t) are plain data the caller owns (the compiled policy).
 * jwt_verify() parses nothing that could have been parsed before: keys are EVP_PKEYs or raw
 * secrets, never text.
 *
 * Algorithms: HS256/384/512 (symmetric keys), RS256/384/512 and PS256/384/512 (RSA keys;
 * PSS with a salt as long as the hash, RFC 7518 §3.5), ES256/384/512 (EC keys on P-256,
 * P-384, P-521, signature R||S, RFC 7518 §3.4), and "none" (only when unsigned tokens are
 * allowed). Encrypted tokens (JWE, five segments) are refused with a message that says so.
 *
 * Key choice follows the vendor's library: keys whose id equals the token's "kid" are
 * tried; when none has that id (or the token has no kid), every key of the algorithm's type
 * is tried. A failure when no key carried the kid is TokenSignatureKeyNotFound, otherwise
 * TokenSignatureInvalid.
 *
 * Checks run in the vendor's order: well-formedness, signature, lifetime, audience, issuer,
 * required claims; the first failure is reported. */
#ifndef MERIDIAN_POLICY_JWT_VERIFY_H
#define MERIDIAN_POLICY_JWT_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- key sets ---- */

typedef struct jwt_keyset jwt_keyset_t;

/* An empty set with one reference; NULL when out of memory. */
jwt_keyset_t *jwt_keyset_new(void);
jwt_keyset_t *jwt_keyset_ref(jwt_keyset_t *set);
/* Drops a reference; the last one frees the set and its keys. NULL is fine. */
void jwt_keyset_unref(jwt_keyset_t *set);
size_t jwt_keyset_count(const jwt_keyset_t *set);

/* The adders return 0, -ENOMEM, or -EINVAL with a short reason in why[why_size] ("the key
 * is not valid Base64"). `kid` is the key id matched against the token's "kid" (NULL = no
 * id); it is copied. Keys are added only while the set is not shared yet. */

/* A symmetric key written as Base64 text (<key>c2VjcmV0</key>; base64url is accepted). */
int jwt_keyset_add_symmetric_base64(jwt_keyset_t *set, const char *kid, const char *text,
                                    size_t len, char *why, size_t why_size);
/* An RSA public key from its modulus and exponent, base64url (JWK "n", "e"; RFC 7518 §6.3.1;
 * plain Base64 is accepted). */
int jwt_keyset_add_rsa_components(jwt_keyset_t *set, const char *kid, const char *n,
                                  const char *e, char *why, size_t why_size);
/* A public key or an X.509 certificate in PEM ("-----BEGIN PUBLIC KEY-----" or
 * "-----BEGIN CERTIFICATE-----"). */
int jwt_keyset_add_pem(jwt_keyset_t *set, const char *kid, const char *pem, size_t len,
                       char *why, size_t why_size);
/* One JWK (RFC 7517 §4): kty RSA (n, e, or x5c), EC (crv, x, y) or oct (k). Returns 0 when
 * added, 1 when deliberately skipped (a key for encryption, "use": "enc"; an unknown kty),
 * or -EINVAL / -ENOMEM. */
int jwt_keyset_add_jwk(jwt_keyset_t *set, const json_t *jwk, char *why, size_t why_size);
/* Every usable key of a JWK Set document ({"keys": [...]}, RFC 7517 §5). Returns the number
 * of keys added (>= 0; keys skipped as above are not errors), or -EINVAL when the text is not
 * a JWK Set or one of its keys is malformed, or -ENOMEM. */
int jwt_keyset_add_jwks(jwt_keyset_t *set, const char *json, size_t len, char *why,
                        size_t why_size);

/* Reads an OpenID Provider configuration document (OpenID Connect Discovery 1.0 §3): 0 with
 * *jwks_uri (required, an http(s) URL) and *issuer (NULL when absent) as malloc'd strings
 * the caller frees, or -EINVAL with why, or -ENOMEM. */
int jwt_openid_config_parse(const char *json, size_t len, char **jwks_uri, char **issuer,
                            char *why, size_t why_size);

/* ---- rules ---- */

typedef struct {
    const char *name;
    bool match_any;        /* match="any": one listed value suffices; "all": every one */
    const char *separator; /* a string claim holds several values split by it; NULL = none */
    const char *const *values;
    size_t value_count; /* 0: the claim must only be present */
} jwt_required_claim_t;

typedef struct {
    const char *const *audiences; /* any one must be in "aud"; none listed = not checked */
    size_t audience_count;
    const char *const *issuers; /* "iss" must be one of them; none listed = not checked */
    size_t issuer_count;
    const jwt_required_claim_t *claims;
    size_t claim_count;
    bool require_expiration_time; /* "exp" must be present */
    bool require_signed_tokens;   /* "alg": "none" is refused */
    int64_t clock_skew_seconds;   /* tolerance for exp and nbf */
} jwt_rules_t;

/* ---- verification ---- */

typedef enum {
    JWT_VALID = 0,
    JWT_INVALID,                 /* JwtInvalid: not a well-formed JWS, JWE, nbf in the future */
    JWT_SIGNATURE_INVALID,       /* TokenSignatureInvalid */
    JWT_SIGNATURE_KEY_NOT_FOUND, /* TokenSignatureKeyNotFound */
    JWT_EXPIRED,                 /* TokenExpired */
    JWT_AUDIENCE_NOT_ALLOWED,    /* TokenAudienceNotAllowed */
    JWT_ISSUER_NOT_ALLOWED,      /* TokenIssuerNotAllowed */
    JWT_CLAIM_NOT_FOUND,         /* TokenClaimNotFound */
    JWT_CLAIM_VALUE_NOT_ALLOWED, /* TokenClaimValueNotAllowed */
} jwt_status_t;

#define JWT_MESSAGE_MAX 512

typedef struct {
    jwt_status_t status;
    /* LastError.Message (§1.5), e.g. "Lifetime validation failed. The token is expired.
     * ValidTo: '2026-11-27T01:00:00Z', Current time: '2026-11-27T01:20:00Z'. Access
     * denied."; empty when valid. */
    char message[JWT_MESSAGE_MAX];
    /* The decoded header and claims once the token parsed (also after a later failure),
     * else NULL; owned, released by jwt_result_clear. */
    json_t *header;
    json_t *payload;
} jwt_result_t;

/* The LastError.Reason of a status ("TokenExpired"); NULL for JWT_VALID. */
const char *jwt_status_reason(jwt_status_t status);

/* Verifies the compact token text[0, len) (no "Bearer " prefix) against the keys of
 * keysets[0, keyset_count) (NULL entries are skipped) and `rules`, at `now_unix` seconds.
 * Returns 0 with *out filled (out->status says the verdict), or -ENOMEM. Always call
 * jwt_result_clear on *out afterwards. */
int jwt_verify(const char *text, size_t len, const jwt_keyset_t *const *keysets,
               size_t keyset_count, const jwt_rules_t *rules, int64_t now_unix,
               jwt_result_t *out);
void jwt_result_clear(jwt_result_t *result);

/* Base64 and base64url (RFC 4648 §4, §5) decoding, padding optional, no whitespace:
 * the number of bytes written to out (room for len * 3 / 4 + 3 bytes), or -EINVAL. */
long jwt_base64_decode(const char *text, size_t len, unsigned char *out);

#endif
