/* The JWT verifier (src/policy/jwt_verify.h): tokens are signed here with OpenSSL (keys
 * generated per test), then verified, tampered with, expired. */
#include "policy/jwt_verify.h"

#include "jwt_sign.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1800000000LL /* 2027-01-15T08:00:00Z */

/* ---- helpers: base64url, signing ---- */

static EVP_PKEY *rsa_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    cr_assert_not_null(k);
    return k;
}

static EVP_PKEY *ec_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    cr_assert_not_null(k);
    return k;
}

static const unsigned char secret[] = "a-very-secret-symmetric-key-32by";
#define SECRET_B64 "YS12ZXJ5LXNlY3JldC1zeW1tZXRyaWMta2V5LTMyYnk="

/* header.payload.signature with `alg`; pkey NULL = HMAC with `secret`. */
static char *sign_token(const char *alg, EVP_PKEY *pkey, const char *header, const char *payload)
{
    return jwt_sign(alg, pkey, secret, strlen((const char *)secret), header, payload);
}

static jwt_keyset_t *rsa_keyset(EVP_PKEY *pkey, const char *kid)
{
    jwt_keyset_t *set = jwt_keyset_new();
    char *n = bn_param_b64url(pkey, OSSL_PKEY_PARAM_RSA_N);
    char *e = bn_param_b64url(pkey, OSSL_PKEY_PARAM_RSA_E);
    char why[160] = "";
    cr_assert_eq(jwt_keyset_add_rsa_components(set, kid, n, e, why, sizeof why), 0, "%s", why);
    free(n);
    free(e);
    return set;
}

static jwt_keyset_t *secret_keyset(const char *kid)
{
    jwt_keyset_t *set = jwt_keyset_new();
    char why[160] = "";
    cr_assert_eq(jwt_keyset_add_symmetric_base64(set, kid, SECRET_B64, strlen(SECRET_B64), why,
                                                 sizeof why),
                 0, "%s", why);
    return set;
}

static const jwt_rules_t lenient = {.require_expiration_time = true, .require_signed_tokens = true};

/* Verifies and returns the status; message copied into msg when not NULL. */
static jwt_status_t verify(const char *token, const jwt_keyset_t *set, const jwt_rules_t *rules,
                           int64_t now, char *msg)
{
    jwt_result_t r;
    const jwt_keyset_t *sets[] = {set};
    cr_assert_eq(jwt_verify(token, strlen(token), sets, 1, rules, now, &r), 0);
    if (msg) strcpy(msg, r.message);
    if (r.status == JWT_VALID) {
        cr_assert_not_null(r.header);
        cr_assert_not_null(r.payload);
        cr_assert_str_eq(r.message, "");
    }
    jwt_status_t st = r.status;
    jwt_result_clear(&r);
    return st;
}

#define HS256 "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define RS256 "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"
#define LIVE "{\"sub\":\"alice\",\"exp\":1800000600}"

/* ---- signatures ---- */

Test(jwt_verify, hmac_family_with_a_base64_key)
{
    jwt_keyset_t *set = secret_keyset(NULL);
    const char *algs[] = {"HS256", "HS384", "HS512"};
    for (int i = 0; i < 3; i++) {
        char header[64];
        sprintf(header, "{\"alg\":\"%s\"}", algs[i]);
        char *t = sign_token(algs[i], NULL, header, LIVE);
        cr_assert_eq(verify(t, set, &lenient, NOW, NULL), JWT_VALID, "%s", algs[i]);
        free(t);
    }
    jwt_keyset_unref(set);
}

Test(jwt_verify, rs256_tampered_payload_is_signature_invalid)
{
    EVP_PKEY *k = rsa_key();
    jwt_keyset_t *set = rsa_keyset(k, NULL);
    char *t = sign_token("RS256", k, RS256, LIVE);
    cr_assert_eq(verify(t, set, &lenient, NOW, NULL), JWT_VALID);

    /* Same header and signature, another payload: sub=mallory. */
    char *forged_payload = b64url_str("{\"sub\":\"mallory\",\"exp\":1800000600}");
    char *first_dot = strchr(t, '.'), *second_dot = strchr(first_dot + 1, '.');
    char forged[4096];
    sprintf(forged, "%.*s.%s%s", (int)(first_dot - t), t, forged_payload, second_dot);
    char msg[JWT_MESSAGE_MAX];
    cr_assert_eq(verify(forged, set, &lenient, NOW, msg), JWT_SIGNATURE_INVALID);
    cr_assert_str_eq(msg, "Signature validation failed. Keys tried: 1. Access denied.");
    cr_assert_str_eq(jwt_status_reason(JWT_SIGNATURE_INVALID), "TokenSignatureInvalid");

    /* One flipped signature character. */
    t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A';
    cr_assert_eq(verify(t, set, &lenient, NOW, NULL), JWT_SIGNATURE_INVALID);
    free(forged_payload);
    free(t);
    jwt_keyset_unref(set);
    EVP_PKEY_free(k);
}

Test(jwt_verify, rs384_rs512_ps256_with_a_pem_key)
{
    EVP_PKEY *k = rsa_key();
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, k);
    char *pem;
    long pem_len = BIO_get_mem_data(bio, &pem);
    jwt_keyset_t *set = jwt_keyset_new();
    char why[160] = "";
    cr_assert_eq(jwt_keyset_add_pem(set, "k1", pem, (size_t)pem_len, why, sizeof why), 0, "%s", why);
    BIO_free(bio);
    const char *algs[] = {"RS384", "RS512", "PS256", "PS384", "PS512"};
    for (int i = 0; i < 5; i++) {
        char header[64];
        sprintf(header, "{\"alg\":\"%s\",\"kid\":\"k1\"}", algs[i]);
        char *t = sign_token(algs[i], k, header, LIVE);
        cr_assert_eq(verify(t, set, &lenient, NOW, NULL), JWT_VALID, "%s", algs[i]);
        free(t);
    }
    /* An RS256 signature presented as PS256 does not verify. */
    char *t = sign_token("RS256", k, "{\"alg\":\"PS256\"}", LIVE);
    cr_assert_eq(verify(t, set, &lenient, NOW, NULL), JWT_SIGNATURE_INVALID);
    free(t);
    jwt_keyset_unref(set);
    EVP_PKEY_free(k);
}

Test(jwt_verify, es256_from_a_jwks_document)
{
    EVP_PKEY *k = ec_key();
    unsigned char point[65];
    size_t point_len = 0;
    cr_assert_eq(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                                 &point_len),
                 1);
    cr_assert_eq(point_len, 65);
    char *x = b64url(point + 1, 32), *y = b64url(point + 33, 32);
    char jwks[1024];
    snprintf(jwks, sizeof jwks,
             "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
             "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"},"
             "{\"kty\":\"EC\",\"use\":\"sig\",\"kid\":\"ec1\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}]}",
             x, y);
    jwt_keyset_t *set = jwt_keyset_new();
    char why[160] = "";
    cr_assert_eq(jwt_keyset_add_jwks(set, jwks, strlen(jwks), why, sizeof why), 1, "%s", why);
    cr_assert_eq(jwt_keyset_count(set), 1);
    char *t = sign_token("ES256", k, "{\"alg\":\"ES256\",\"kid\":\"ec1\"}", LIVE);
    cr_assert_eq(verify(t, set, &lenient, NOW, NULL), JWT_VALID);
    free(t);
    /* ES384 names a curve the key is not on. */
    t = sign_token("ES256", k, "{\"alg\":\"ES384\",\"kid\":\"ec1\"}", LIVE);
    cr_assert_eq(verify(t, set, &lenient, NOW, NULL), JWT_SIGNATURE_INVALID);
    free(t);
    free(x);
    free(y);
    jwt_keyset_unref(set);
    EVP_PKEY_free(k);
}

Test(jwt_verify, kid_selects_the_key_and_an_unknown_kid_is_key_not_found)
{
    EVP_PKEY *k1 = rsa_key(), *k2 = rsa_key();
    jwt_keyset_t *a = rsa_keyset(k1, "one"), *b = rsa_keyset(k2, "two");
    const jwt_keyset_t *both[] = {a, b};
    char *t = sign_token("RS256", k2, "{\"alg\":\"RS256\",\"kid\":\"two\"}", LIVE);
    jwt_result_t r;
    cr_assert_eq(jwt_verify(t, strlen(t), both, 2, &lenient, NOW, &r), 0);
    cr_assert_eq(r.status, JWT_VALID, "%s", r.message);
    jwt_result_clear(&r);
    free(t);

    /* kid names no key: every RSA key is tried, none verifies → key not found. */
    t = sign_token("RS256", k2, "{\"alg\":\"RS256\",\"kid\":\"three\"}", LIVE);
    char msg[JWT_MESSAGE_MAX];
    cr_assert_eq(verify(t, a, &lenient, NOW, msg), JWT_SIGNATURE_KEY_NOT_FOUND);
    cr_assert_str_eq(msg, "Signature validation failed. Unable to match key: kid: 'three'. Access denied.");
    /* ...but when another key of the set is the signer, it verifies (TryAllIssuerSigningKeys). */
    cr_assert_eq(verify(t, b, &lenient, NOW, NULL), JWT_VALID);
    free(t);

    /* No key of the algorithm's type at all. */
    jwt_keyset_t *s = secret_keyset(NULL);
    t = sign_token("RS256", k1, RS256, LIVE);
    cr_assert_eq(verify(t, s, &lenient, NOW, msg), JWT_SIGNATURE_KEY_NOT_FOUND);
    cr_assert_str_eq(msg, "Signature validation failed. No RSA key is configured for algorithm "
                          "'RS256'. Access denied.");
    cr_assert_eq(verify(t, NULL, &lenient, NOW, NULL), JWT_SIGNATURE_KEY_NOT_FOUND);
    free(t);
    jwt_keyset_unref(a);
    jwt_keyset_unref(b);
    jwt_keyset_unref(s);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

Test(jwt_verify, unsigned_tokens)
{
    char *h = b64url_str("{\"alg\":\"none\"}"), *p = b64url_str(LIVE);
    char t[512];
    sprintf(t, "%s.%s.", h, p);
    char msg[JWT_MESSAGE_MAX];
    cr_assert_eq(verify(t, NULL, &lenient, NOW, msg), JWT_SIGNATURE_INVALID);
    cr_assert_str_eq(msg, "Unable to validate signature, token does not have a signature. Access denied.");
    jwt_rules_t unsigned_ok = {.require_signed_tokens = false};
    cr_assert_eq(verify(t, NULL, &unsigned_ok, NOW, NULL), JWT_VALID);
    /* A signed algorithm with the signature cut off is never accepted. */
    jwt_keyset_t *s = secret_keyset(NULL);
    char *hs = b64url_str(HS256);
    sprintf(t, "%s.%s.", hs, p);
    cr_assert_eq(verify(t, s, &unsigned_ok, NOW, NULL), JWT_SIGNATURE_INVALID);
    jwt_keyset_unref(s);
    free(h);
    free(p);
    free(hs);
}

/* ---- lifetime ---- */

Test(jwt_verify, expired_and_clock_skew)
{
    jwt_keyset_t *set = secret_keyset(NULL);
    char *t = sign_token("HS256", NULL, HS256, "{\"exp\":1800000000}");
    char msg[JWT_MESSAGE_MAX];
    cr_assert_eq(verify(t, set, &lenient, NOW, msg), JWT_EXPIRED, "exp is not accepted on or after");
    cr_assert_str_eq(msg, "Lifetime validation failed. The token is expired. ValidTo: "
                          "'2027-01-15T08:00:00Z', Current time: '2027-01-15T08:00:00Z'. Access denied.");
    cr_assert_str_eq(jwt_status_reason(JWT_EXPIRED), "TokenExpired");
    cr_assert_eq(verify(t, set, &lenient, NOW - 1, NULL), JWT_VALID);
    jwt_rules_t skew = lenient;
    skew.clock_skew_seconds = 30;
    cr_assert_eq(verify(t, set, &skew, NOW + 29, NULL), JWT_VALID);
    cr_assert_eq(verify(t, set, &skew, NOW + 30, NULL), JWT_EXPIRED);
    free(t);
    jwt_keyset_unref(set);
}

Test(jwt_verify, not_before_and_missing_expiration)
{
    jwt_keyset_t *set = secret_keyset(NULL);
    char *t = sign_token("HS256", NULL, HS256, "{\"nbf\":1800000100,\"exp\":1800000600}");
    char msg[JWT_MESSAGE_MAX];
    cr_assert_eq(verify(t, set, &lenient, NOW, msg), JWT_INVALID);
    cr_assert(strstr(msg, "The token is not yet valid. ValidFrom: '2027-01-15T08:01:40Z'"), "%s", msg);
    jwt_rules_t skew = lenient;
    skew.clock_skew_seconds = 100;
    cr_assert_eq(verify(t, set, &skew, NOW, NULL), JWT_VALID);
    free(t);

    t = sign_token("HS256", NULL, HS256, "{\"sub\":\"x\"}");
    cr_assert_eq(verify(t, set, &lenient, NOW, msg), JWT_INVALID);
    cr_assert_str_eq(msg, "Lifetime validation failed. The token is missing an Expiration Time. Access denied.");
    jwt_rules_t no_exp = lenient;
    no_exp.require_expiration_time = false;
    cr_assert_eq(verify(t, set, &no_exp, NOW, NULL), JWT_VALID);
    free(t);
    t = sign_token("HS256", NULL, HS256, "{\"exp\":\"tomorrow\"}");
    cr_assert_eq(verify(t, set, &lenient, NOW, msg), JWT_INVALID);
    cr_assert_str_eq(msg, "JWT claim \"exp\" is not a NumericDate.");
    free(t);
    jwt_keyset_unref(set);
}

/* ---- audiences, issuers, claims ---- */

Test(jwt_verify, audiences_any_one_matches)
{
    jwt_keyset_t *set = secret_keyset(NULL);
    const char *auds[] = {"api://orders", "https://api.example.com/"};
    jwt_rules_t rules = lenient;
    rules.audiences = auds;
    rules.audience_count = 2;
    char *t = sign_token("HS256", NULL, HS256, "{\"aud\":\"https://api.example.com\",\"exp\":1800000600}");
    cr_assert_eq(verify(t, set, &rules, NOW, NULL), JWT_VALID, "a trailing slash is ignored");
    free(t);
    t = sign_token("HS256", NULL, HS256, "{\"aud\":[\"other\",\"api://orders\"],\"exp\":1800000600}");
    cr_assert_eq(verify(t, set, &rules, NOW, NULL), JWT_VALID);
    free(t);
    t = sign_token("HS256", NULL, HS256, "{\"aud\":[\"other\"],\"exp\":1800000600}");
    char msg[JWT_MESSAGE_MAX];
    cr_assert_eq(verify(t, set, &rules, NOW, msg), JWT_AUDIENCE_NOT_ALLOWED);
    cr_assert_str_eq(msg, "Audience validation failed. Audiences: '[\"other\"]'. Did not match any "
                          "allowed audience. Access denied.");
    free(t);
    t = sign_token("HS256", NULL, HS256, LIVE);
    cr_assert_eq(verify(t, set, &rules, NOW, msg), JWT_AUDIENCE_NOT_ALLOWED);
    cr_assert_str_eq(msg, "Audience validation failed. The token has no audience. Access denied.");
    cr_assert_eq(verify(t, set, &lenient, NOW, NULL), JWT_VALID, "no audiences listed: not checked");
    free(t);
    jwt_keyset_unref(set);
}

Test(jwt_verify, issuers)
{
    jwt_keyset_t *set = secret_keyset(NULL);
    const char *iss[] = {"https://sts.example.com/"};
    jwt_rules_t rules = lenient;
    rules.issuers = iss;
    rules.issuer_count = 1;
    char *t = sign_token("HS256", NULL, HS256, "{\"iss\":\"https://sts.example.com/\",\"exp\":1800000600}");
    cr_assert_eq(verify(t, set, &rules, NOW, NULL), JWT_VALID);
    free(t);
    t = sign_token("HS256", NULL, HS256, "{\"iss\":\"https://evil.example.com/\",\"exp\":1800000600}");
    char msg[JWT_MESSAGE_MAX];
    cr_assert_eq(verify(t, set, &rules, NOW, msg), JWT_ISSUER_NOT_ALLOWED);
    cr_assert_str_eq(msg, "Issuer validation failed. Issuer: 'https://evil.example.com/'. Did not "
                          "match any allowed issuer. Access denied.");
    cr_assert_str_eq(jwt_status_reason(JWT_ISSUER_NOT_ALLOWED), "TokenIssuerNotAllowed");
    free(t);
    jwt_keyset_unref(set);
}

Test(jwt_verify, required_claims_presence_all_any_separator)
{
    jwt_keyset_t *set = secret_keyset(NULL);
    char *t = sign_token("HS256", NULL, HS256,
                         "{\"exp\":1800000600,\"roles\":[\"reader\",\"writer\"],"
                         "\"scp\":\"orders.read orders.write\",\"level\":3}");
    jwt_required_claim_t claims[] = {
        {.name = "roles", .values = (const char *[]){"reader", "writer"}, .value_count = 2},
        {.name = "scp", .separator = " ", .match_any = true,
         .values = (const char *[]){"admin", "orders.write"}, .value_count = 2},
        {.name = "level", .values = (const char *[]){"3"}, .value_count = 1},
    };
    jwt_rules_t rules = lenient;
    rules.claims = claims;
    rules.claim_count = 3;
    cr_assert_eq(verify(t, set, &rules, NOW, NULL), JWT_VALID);

    /* match="all" needs every listed value. */
    jwt_required_claim_t admin[] = {
        {.name = "roles", .values = (const char *[]){"reader", "admin"}, .value_count = 2}};
    rules.claims = admin;
    rules.claim_count = 1;
    char msg[JWT_MESSAGE_MAX];
    cr_assert_eq(verify(t, set, &rules, NOW, msg), JWT_CLAIM_VALUE_NOT_ALLOWED);
    cr_assert_str_eq(msg, "Claim roles value of [\"reader\",\"writer\"] is not allowed. Access denied.");

    /* Without the separator the string is one value. */
    jwt_required_claim_t whole[] = {
        {.name = "scp", .match_any = true, .values = (const char *[]){"orders.write"}, .value_count = 1}};
    rules.claims = whole;
    cr_assert_eq(verify(t, set, &rules, NOW, msg), JWT_CLAIM_VALUE_NOT_ALLOWED);
    cr_assert_str_eq(msg, "Claim scp value of orders.read orders.write is not allowed. Access denied.");

    /* Missing claims are all named. */
    jwt_required_claim_t missing[] = {{.name = "tid"}, {.name = "roles"}, {.name = "oid"}};
    rules.claims = missing;
    rules.claim_count = 3;
    cr_assert_eq(verify(t, set, &rules, NOW, msg), JWT_CLAIM_NOT_FOUND);
    cr_assert_str_eq(msg, "JWT token is missing the following claims: tid, oid. Access denied.");
    free(t);
    jwt_keyset_unref(set);
}

/* ---- malformed tokens and keys ---- */

Test(jwt_verify, malformed_tokens_are_jwt_invalid)
{
    jwt_keyset_t *set = secret_keyset(NULL);
    char msg[JWT_MESSAGE_MAX];
    cr_assert_eq(verify("abc.def", set, &lenient, NOW, msg), JWT_INVALID);
    cr_assert_str_eq(msg, "JWT is not well formed: a JWS has three segments separated by dots.");
    cr_assert_eq(verify("", set, &lenient, NOW, NULL), JWT_INVALID);
    cr_assert_eq(verify("a.b.c.d.e", set, &lenient, NOW, msg), JWT_INVALID);
    cr_assert(strstr(msg, "JWE"), "%s", msg);
    cr_assert_eq(verify("!!!.e30.sig", set, &lenient, NOW, msg), JWT_INVALID);
    cr_assert_str_eq(msg, "JWT is not well formed: the header is not a JSON object.");
    char *h = b64url_str("[1]");
    char t[256];
    sprintf(t, "%s.e30.", h);
    cr_assert_eq(verify(t, set, &lenient, NOW, NULL), JWT_INVALID);
    free(h);
    h = b64url_str("{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\"}");
    sprintf(t, "%s.e30.", h);
    cr_assert_eq(verify(t, set, &lenient, NOW, msg), JWT_INVALID);
    cr_assert(strstr(msg, "encrypted"), "%s", msg);
    free(h);
    h = b64url_str("{\"alg\":\"HS999\"}");
    sprintf(t, "%s.e30.AAAA", h);
    cr_assert_eq(verify(t, set, &lenient, NOW, msg), JWT_SIGNATURE_INVALID);
    cr_assert_str_eq(msg, "Signature validation failed. The algorithm 'HS999' is not supported. Access denied.");
    free(h);
    cr_assert_str_eq(jwt_status_reason(JWT_INVALID), "JwtInvalid");
    cr_assert_null(jwt_status_reason(JWT_VALID));
    jwt_keyset_unref(set);
}

Test(jwt_verify, key_errors)
{
    jwt_keyset_t *set = jwt_keyset_new();
    char why[160];
    cr_assert_eq(jwt_keyset_add_symmetric_base64(set, NULL, "not base64!", 11, why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "the key is not valid Base64");
    cr_assert_eq(jwt_keyset_add_symmetric_base64(set, NULL, "  ", 2, why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "the key is empty");
    cr_assert_eq(jwt_keyset_add_rsa_components(set, NULL, "AQAB", NULL, why, sizeof why), -EINVAL);
    cr_assert_eq(jwt_keyset_add_rsa_components(set, NULL, "AQAB", "AQAB", why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "n and e do not form an RSA public key");
    cr_assert_eq(jwt_keyset_add_pem(set, NULL, "-----BEGIN PUBLIC KEY-----\nxx\n", 31, why, sizeof why), -EINVAL);
    cr_assert_eq(jwt_keyset_add_jwks(set, "{\"k\":1}", 7, why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "the JWK Set has no \"keys\" array");
    cr_assert_eq(jwt_keyset_add_jwks(set, "nope", 4, why, sizeof why), -EINVAL);
    const char *bad_ec = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}";
    cr_assert_eq(jwt_keyset_add_jwks(set, bad_ec, strlen(bad_ec), why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "key 0 of the JWK Set: x and y are not a point of P-256");
    cr_assert_eq(jwt_keyset_count(set), 0);
    /* A symmetric JWK (oct) and surrounding whitespace of an inline key. */
    const char *oct = "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"" SECRET_B64 "\"}]}";
    cr_assert_eq(jwt_keyset_add_jwks(set, oct, strlen(oct), why, sizeof why), 1, "%s", why);
    cr_assert_eq(jwt_keyset_add_symmetric_base64(set, NULL, "\n  " SECRET_B64 "\n", strlen(SECRET_B64) + 4,
                                                 why, sizeof why),
                 0);
    cr_assert_eq(jwt_keyset_count(set), 2);
    jwt_keyset_t *again = jwt_keyset_ref(set);
    jwt_keyset_unref(set);
    cr_assert_eq(jwt_keyset_count(again), 2, "still referenced");
    jwt_keyset_unref(again);
}

Test(jwt_verify, openid_configuration)
{
    const char *doc = "{\"issuer\":\"https://sts.example.com/\",\"jwks_uri\":\"https://sts.example.com/keys\"}";
    char *jwks = NULL, *iss = NULL, why[160];
    cr_assert_eq(jwt_openid_config_parse(doc, strlen(doc), &jwks, &iss, why, sizeof why), 0);
    cr_assert_str_eq(jwks, "https://sts.example.com/keys");
    cr_assert_str_eq(iss, "https://sts.example.com/");
    free(jwks);
    free(iss);
    const char *no_keys = "{\"issuer\":\"x\",\"jwks_uri\":\"file:///etc/passwd\"}";
    cr_assert_eq(jwt_openid_config_parse(no_keys, strlen(no_keys), &jwks, &iss, why, sizeof why), -EINVAL);
    cr_assert_null(jwks);
    cr_assert_str_eq(why, "the OpenID configuration has no http(s) \"jwks_uri\"");
    cr_assert_eq(jwt_openid_config_parse("[]", 2, &jwks, &iss, why, sizeof why), -EINVAL);
}

Test(jwt_verify, base64_decoding)
{
    unsigned char out[16];
    cr_assert_eq(jwt_base64_decode("aGk", 3, out), 2);
    cr_assert_eq(memcmp(out, "hi", 2), 0);
    cr_assert_eq(jwt_base64_decode("aGk=", 4, out), 2);
    cr_assert_eq(jwt_base64_decode("-_-_", 4, out), 3);
    cr_assert_eq(out[0], 0xfb);
    cr_assert_eq(jwt_base64_decode("+/+/", 4, out), 3);
    cr_assert_eq(out[0], 0xfb);
    cr_assert_eq(jwt_base64_decode("a", 1, out), -EINVAL);
    cr_assert_eq(jwt_base64_decode("a b", 3, out), -EINVAL);
    cr_assert_eq(jwt_base64_decode("", 0, out), 0);
}
