/* jwt_verify: compact JWS verification with OpenSSL 3 EVP and jansson (jwt_verify.h). */
#include "policy/jwt_verify.h"

#include "base/errtext.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { KEY_OCT, KEY_RSA, KEY_EC } key_type_t;

typedef struct {
    key_type_t type;
    char *kid;
    unsigned char *secret; /* KEY_OCT */
    size_t secret_len;
    EVP_PKEY *pkey; /* KEY_RSA, KEY_EC */
} jwt_key_t;

struct jwt_keyset {
    atomic_int refs;
    jwt_key_t *keys;
    size_t count, cap;
};

/* ---- Base64 ---- */

static int b64_digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

long jwt_base64_decode(const char *text, size_t len, unsigned char *out)
{
    while (len > 0 && text[len - 1] == '=') len--; /* padding is optional (RFC 7515 §2) */
    if (len % 4 == 1) return -EINVAL;              /* a lone sextet cannot end a group */
    long n = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        int d = b64_digit((unsigned char)text[i]);
        if (d < 0) return -EINVAL;
        acc = (acc << 6) | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

/* Decodes into a malloc'd buffer (*out, *out_len); -EINVAL or -ENOMEM. */
static int b64_decode_alloc(const char *text, size_t len, unsigned char **out, size_t *out_len)
{
    unsigned char *buf = malloc(len * 3 / 4 + 4);
    if (!buf) return -ENOMEM;
    long n = jwt_base64_decode(text, len, buf);
    if (n < 0) {
        free(buf);
        return -EINVAL;
    }
    *out = buf;
    *out_len = (size_t)n;
    return 0;
}

/* ---- key sets ---- */

jwt_keyset_t *jwt_keyset_new(void)
{
    jwt_keyset_t *set = calloc(1, sizeof *set);
    if (set) atomic_init(&set->refs, 1);
    return set;
}

jwt_keyset_t *jwt_keyset_ref(jwt_keyset_t *set)
{
    if (set) atomic_fetch_add(&set->refs, 1);
    return set;
}

void jwt_keyset_unref(jwt_keyset_t *set)
{
    if (!set || atomic_fetch_sub(&set->refs, 1) != 1) return;
    for (size_t i = 0; i < set->count; i++) {
        free(set->keys[i].kid);
        if (set->keys[i].secret) OPENSSL_clear_free(set->keys[i].secret, set->keys[i].secret_len);
        EVP_PKEY_free(set->keys[i].pkey);
    }
    free(set->keys);
    free(set);
}

size_t jwt_keyset_count(const jwt_keyset_t *set)
{
    return set ? set->count : 0;
}

/* Takes ownership of secret / pkey, also on failure. */
static int keyset_push(jwt_keyset_t *set, key_type_t type, const char *kid, unsigned char *secret,
                       size_t secret_len, EVP_PKEY *pkey)
{
    char *kid_copy = NULL;
    if (kid && !(kid_copy = strdup(kid))) goto fail_nomem;
    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 4;
        jwt_key_t *keys = realloc(set->keys, cap * sizeof *keys);
        if (!keys) goto fail_nomem;
        set->keys = keys;
        set->cap = cap;
    }
    set->keys[set->count++] =
        (jwt_key_t){.type = type, .kid = kid_copy, .secret = secret, .secret_len = secret_len, .pkey = pkey};
    return 0;
fail_nomem:
    free(kid_copy);
    if (secret) OPENSSL_clear_free(secret, secret_len);
    EVP_PKEY_free(pkey);
    return -ENOMEM;
}

int jwt_keyset_add_symmetric_base64(jwt_keyset_t *set, const char *kid, const char *text,
                                    size_t len, char *why, size_t why_size)
{
    while (len > 0 && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) text++, len--;
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' ||
                       text[len - 1] == '\r'))
        len--;
    unsigned char *secret;
    size_t secret_len;
    int rc = b64_decode_alloc(text, len, &secret, &secret_len);
    if (rc == -EINVAL) errtext_set(why, why_size, "the key is not valid Base64");
    if (rc < 0) return rc;
    if (secret_len == 0) {
        free(secret);
        errtext_set(why, why_size, "the key is empty");
        return -EINVAL;
    }
    return keyset_push(set, KEY_OCT, kid, secret, secret_len, NULL);
}

/* A big number from base64url text; NULL with why on failure. */
static BIGNUM *bn_from_b64(const char *text, const char *what, char *why, size_t why_size)
{
    unsigned char *bytes;
    size_t n;
    int rc = b64_decode_alloc(text, strlen(text), &bytes, &n);
    if (rc < 0 || n == 0) {
        if (rc == 0) free(bytes);
        errtext_set(why, why_size, rc == -ENOMEM ? "out of memory" : "%s is not valid base64url", what);
        return NULL;
    }
    BIGNUM *bn = BN_bin2bn(bytes, (int)n, NULL);
    free(bytes);
    if (!bn) errtext_set(why, why_size, "out of memory");
    return bn;
}

/* EVP_PKEY_fromdata for a public key of `type` ("RSA", "EC"). */
static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM *params)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

int jwt_keyset_add_rsa_components(jwt_keyset_t *set, const char *kid, const char *n,
                                  const char *e, char *why, size_t why_size)
{
    int rc = -EINVAL;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY *pkey = NULL;
    if (!n || !e) {
        errtext_set(why, why_size, "an RSA key needs both n and e");
        return -EINVAL;
    }
    if (!(bn_n = bn_from_b64(n, "the modulus (n)", why, why_size))) goto done;
    if (!(bn_e = bn_from_b64(e, "the exponent (e)", why, why_size))) goto done;
    if (BN_num_bits(bn_n) < 512 || BN_is_one(bn_e) || !BN_is_odd(bn_e)) {
        errtext_set(why, why_size, "n and e do not form an RSA public key");
        goto done;
    }
    rc = -ENOMEM;
    if (!(bld = OSSL_PARAM_BLD_new())) goto done;
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) ||
        !(params = OSSL_PARAM_BLD_to_param(bld)))
        goto done;
    if (!(pkey = pkey_from_params("RSA", params))) {
        errtext_set(why, why_size, "n and e do not form an RSA public key");
        rc = -EINVAL;
        goto done;
    }
    rc = keyset_push(set, KEY_RSA, kid, NULL, 0, pkey);
done:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return rc;
}

/* RSA or EC, else -EINVAL (takes ownership of pkey). */
static int push_public_key(jwt_keyset_t *set, const char *kid, EVP_PKEY *pkey, char *why,
                           size_t why_size)
{
    key_type_t type;
    if (EVP_PKEY_is_a(pkey, "RSA"))
        type = KEY_RSA;
    else if (EVP_PKEY_is_a(pkey, "EC"))
        type = KEY_EC;
    else {
        EVP_PKEY_free(pkey);
        errtext_set(why, why_size, "only RSA and EC public keys can verify tokens");
        return -EINVAL;
    }
    return keyset_push(set, type, kid, NULL, 0, pkey);
}

int jwt_keyset_add_pem(jwt_keyset_t *set, const char *kid, const char *pem, size_t len,
                       char *why, size_t why_size)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio) return -ENOMEM;
    EVP_PKEY *pkey = NULL;
    if (memmem(pem, len, "BEGIN CERTIFICATE", 17)) {
        X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (cert) pkey = X509_get_pubkey(cert);
        X509_free(cert);
    } else {
        pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    }
    BIO_free(bio);
    if (!pkey) {
        errtext_set(why, why_size, "not a PEM public key or certificate");
        return -EINVAL;
    }
    return push_public_key(set, kid, pkey, why, why_size);
}

/* The public key of a DER certificate given as standard Base64 (JWK "x5c", RFC 7517 §4.7). */
static int add_x5c(jwt_keyset_t *set, const char *kid, const char *b64, char *why, size_t why_size)
{
    unsigned char *der;
    size_t der_len;
    int rc = b64_decode_alloc(b64, strlen(b64), &der, &der_len);
    if (rc < 0) {
        errtext_set(why, why_size, "x5c is not valid Base64");
        return rc;
    }
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)der_len);
    free(der);
    EVP_PKEY *pkey = cert ? X509_get_pubkey(cert) : NULL;
    X509_free(cert);
    if (!pkey) {
        errtext_set(why, why_size, "x5c does not hold an X.509 certificate");
        return -EINVAL;
    }
    return push_public_key(set, kid, pkey, why, why_size);
}

static int add_ec_jwk(jwt_keyset_t *set, const char *kid, const char *crv, const char *x,
                      const char *y, char *why, size_t why_size)
{
    static const struct {
        const char *crv, *group;
        size_t size;
    } curves[] = {{"P-256", "prime256v1", 32}, {"P-384", "secp384r1", 48}, {"P-521", "secp521r1", 66}};
    size_t c = 0;
    while (c < 3 && !(crv && strcmp(crv, curves[c].crv) == 0)) c++;
    if (c == 3 || !x || !y) {
        errtext_set(why, why_size, "an EC key needs crv P-256, P-384 or P-521, x and y");
        return -EINVAL;
    }
    size_t size = curves[c].size;
    unsigned char point[1 + 2 * 66], tmp[100];
    long nx = strlen(x) < 96 ? jwt_base64_decode(x, strlen(x), tmp) : -EINVAL;
    if (nx != (long)size) goto bad;
    point[0] = 0x04; /* uncompressed point, SEC 1 §2.3.3 */
    memcpy(point + 1, tmp, size);
    long ny = strlen(y) < 96 ? jwt_base64_decode(y, strlen(y), tmp) : -EINVAL;
    if (ny != (long)size) goto bad;
    memcpy(point + 1 + size, tmp, size);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curves[c].group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *pkey = pkey_from_params("EC", params);
    if (!pkey) goto bad;
    return keyset_push(set, KEY_EC, kid, NULL, 0, pkey);
bad:
    errtext_set(why, why_size, "x and y are not a point of %s", crv);
    return -EINVAL;
}

static const char *json_str(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

int jwt_keyset_add_jwk(jwt_keyset_t *set, const json_t *jwk, char *why, size_t why_size)
{
    if (!json_is_object(jwk)) {
        errtext_set(why, why_size, "a JWK must be a JSON object");
        return -EINVAL;
    }
    const char *kty = json_str(jwk, "kty");
    const char *use = json_str(jwk, "use");
    const char *kid = json_str(jwk, "kid");
    if (!kty) {
        errtext_set(why, why_size, "a JWK needs \"kty\"");
        return -EINVAL;
    }
    if (use && strcmp(use, "sig") != 0) return 1; /* an encryption key (RFC 7517 §4.2) */
    if (strcmp(kty, "RSA") == 0) {
        const char *n = json_str(jwk, "n"), *e = json_str(jwk, "e");
        if (n && e) return jwt_keyset_add_rsa_components(set, kid, n, e, why, why_size);
        const char *x5c = json_string_value(json_array_get(json_object_get(jwk, "x5c"), 0));
        if (x5c) return add_x5c(set, kid, x5c, why, why_size);
        errtext_set(why, why_size, "an RSA JWK needs n and e, or x5c");
        return -EINVAL;
    }
    if (strcmp(kty, "EC") == 0)
        return add_ec_jwk(set, kid, json_str(jwk, "crv"), json_str(jwk, "x"), json_str(jwk, "y"),
                          why, why_size);
    if (strcmp(kty, "oct") == 0) {
        const char *k = json_str(jwk, "k");
        if (!k) {
            errtext_set(why, why_size, "an oct JWK needs \"k\"");
            return -EINVAL;
        }
        return jwt_keyset_add_symmetric_base64(set, kid, k, strlen(k), why, why_size);
    }
    return 1; /* OKP and future types: not usable here, not an error in someone's JWKS */
}

int jwt_keyset_add_jwks(jwt_keyset_t *set, const char *json, size_t len, char *why,
                        size_t why_size)
{
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        errtext_set(why, why_size, "the JWK Set is not JSON: %s (line %d)", jerr.text, jerr.line);
        return -EINVAL;
    }
    json_t *keys = json_object_get(doc, "keys");
    int added = 0, rc = 0;
    if (!json_is_array(keys)) {
        errtext_set(why, why_size, "the JWK Set has no \"keys\" array");
        rc = -EINVAL;
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(keys); i++) {
        char one[160] = "";
        int r = jwt_keyset_add_jwk(set, json_array_get(keys, i), one, sizeof one);
        if (r < 0) {
            errtext_set(why, why_size, "key %zu of the JWK Set: %s", i, one);
            rc = r;
        } else if (r == 0) {
            added++;
        }
    }
    json_decref(doc);
    return rc < 0 ? rc : added;
}

static bool is_http_url(const char *s)
{
    return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

int jwt_openid_config_parse(const char *json, size_t len, char **jwks_uri, char **issuer,
                            char *why, size_t why_size)
{
    *jwks_uri = *issuer = NULL;
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, 0, &jerr);
    if (!json_is_object(doc)) {
        errtext_set(why, why_size, "the OpenID configuration is not a JSON object");
        json_decref(doc);
        return -EINVAL;
    }
    const char *uri = json_str(doc, "jwks_uri"), *iss = json_str(doc, "issuer");
    int rc = 0;
    if (!is_http_url(uri)) {
        errtext_set(why, why_size, "the OpenID configuration has no http(s) \"jwks_uri\"");
        rc = -EINVAL;
    } else if (!(*jwks_uri = strdup(uri)) || (iss && !(*issuer = strdup(iss)))) {
        rc = -ENOMEM;
    }
    if (rc < 0) {
        free(*jwks_uri);
        free(*issuer);
        *jwks_uri = *issuer = NULL;
    }
    json_decref(doc);
    return rc;
}

/* ---- verification ---- */

const char *jwt_status_reason(jwt_status_t status)
{
    switch (status) {
    case JWT_VALID: return NULL;
    case JWT_INVALID: return "JwtInvalid";
    case JWT_SIGNATURE_INVALID: return "TokenSignatureInvalid";
    case JWT_SIGNATURE_KEY_NOT_FOUND: return "TokenSignatureKeyNotFound";
    case JWT_EXPIRED: return "TokenExpired";
    case JWT_AUDIENCE_NOT_ALLOWED: return "TokenAudienceNotAllowed";
    case JWT_ISSUER_NOT_ALLOWED: return "TokenIssuerNotAllowed";
    case JWT_CLAIM_NOT_FOUND: return "TokenClaimNotFound";
    case JWT_CLAIM_VALUE_NOT_ALLOWED: return "TokenClaimValueNotAllowed";
    }
    return "JwtInvalid";
}

static int fail(jwt_result_t *out, jwt_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(jwt_result_t *out, jwt_status_t status, const char *fmt, ...)
{
    out->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    return 0;
}

/* Text a token supplied, clipped so that the message keeps its end ("... Access denied."). */
#define CLIP 100
static const char *clip(const char *s, char *buf, size_t size)
{
    size_t n = strlen(s);
    if (n < CLIP) return s;
    snprintf(buf, size, "%.*s...", CLIP - 3, s);
    return buf;
}

typedef struct {
    const char *name;
    key_type_t key;
    const EVP_MD *(*md)(void);
    bool is_pss;
    int ec_bits; /* EC: the curve's size */
} alg_t;

static const alg_t algs[] = {
    {"HS256", KEY_OCT, EVP_sha256, false, 0}, {"HS384", KEY_OCT, EVP_sha384, false, 0},
    {"HS512", KEY_OCT, EVP_sha512, false, 0}, {"RS256", KEY_RSA, EVP_sha256, false, 0},
    {"RS384", KEY_RSA, EVP_sha384, false, 0}, {"RS512", KEY_RSA, EVP_sha512, false, 0},
    {"PS256", KEY_RSA, EVP_sha256, true, 0},  {"PS384", KEY_RSA, EVP_sha384, true, 0},
    {"PS512", KEY_RSA, EVP_sha512, true, 0},  {"ES256", KEY_EC, EVP_sha256, false, 256},
    {"ES384", KEY_EC, EVP_sha384, false, 384}, {"ES512", KEY_EC, EVP_sha512, false, 521},
};

static const char *const key_type_names[] = {"symmetric", "RSA", "EC"};

/* RFC 7518 §3.4: R || S, each as long as the curve's order → DER for OpenSSL. */
static unsigned char *ecdsa_raw_to_der(const unsigned char *sig, size_t len, int bits,
                                       size_t *der_len)
{
    size_t half = ((size_t)bits + 7) / 8;
    if (len != 2 * half) return NULL;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)half, NULL), *ss = BN_bin2bn(sig + half, (int)half, NULL);
    unsigned char *der = NULL;
    if (s && r && ss && ECDSA_SIG_set0(s, r, ss) == 1) {
        r = ss = NULL; /* owned by s now */
        int n = i2d_ECDSA_SIG(s, &der);
        if (n <= 0) der = NULL;
        else *der_len = (size_t)n;
    }
    BN_free(r);
    BN_free(ss);
    ECDSA_SIG_free(s);
    return der;
}

/* 1 when `sig` is a valid signature of data by `key` under `alg`, else 0. */
static int signature_matches(const alg_t *alg, const jwt_key_t *key, const unsigned char *data,
                             size_t data_len, const unsigned char *sig, size_t sig_len)
{
    if (alg->key == KEY_OCT) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0;
        if (!HMAC(alg->md(), key->secret, (int)key->secret_len, data, data_len, mac, &mac_len))
            return 0;
        return mac_len == sig_len && CRYPTO_memcmp(mac, sig, sig_len) == 0;
    }
    if (alg->key == KEY_EC && EVP_PKEY_get_bits(key->pkey) != alg->ec_bits) return 0;
    unsigned char *der = NULL;
    size_t der_len = 0;
    if (alg->key == KEY_EC) {
        if (!(der = ecdsa_raw_to_der(sig, sig_len, alg->ec_bits, &der_len))) return 0;
        sig = der;
        sig_len = der_len;
    }
    int ok = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (ctx && EVP_DigestVerifyInit(ctx, &pctx, alg->md(), NULL, key->pkey) == 1 &&
        (!alg->is_pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                          EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1)))
        ok = EVP_DigestVerify(ctx, sig, sig_len, data, data_len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok;
}

/* Decodes one base64url JSON object segment; NULL when it is not one. */
static json_t *decode_segment(const char *text, size_t len)
{
    unsigned char *bytes;
    size_t n;
    if (b64_decode_alloc(text, len, &bytes, &n) < 0) return NULL;
    json_t *obj = json_loadb((const char *)bytes, n, JSON_REJECT_DUPLICATES, NULL);
    free(bytes);
    if (obj && !json_is_object(obj)) {
        json_decref(obj);
        obj = NULL;
    }
    return obj;
}

static void format_time(int64_t unix_seconds, char *out, size_t size)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, size, "%lld", (long long)unix_seconds);
}

/* A NumericDate claim (RFC 7519 §2): 1 with *out, 0 when absent, -1 when not a number. */
static int numeric_date(const json_t *payload, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(payload, name);
    if (!v) return 0;
    if (!json_is_number(v)) return -1;
    double d = json_number_value(v);
    if (!(d > -1e15 && d < 1e15)) return -1;
    *out = (int64_t)d;
    return 1;
}

static int verify_signature(const char *text, size_t signed_len, const char *sig_text,
                            size_t sig_text_len, const json_t *header,
                            const jwt_keyset_t *const *keysets, size_t keyset_count,
                            const jwt_rules_t *rules, jwt_result_t *out)
{
    const char *alg_name = json_str(header, "alg");
    if (!alg_name) return fail(out, JWT_INVALID, "JWT header has no \"alg\".");
    if (strcmp(alg_name, "none") == 0) {
        if (rules->require_signed_tokens || sig_text_len > 0)
            return fail(out, JWT_SIGNATURE_INVALID,
                        "Unable to validate signature, token does not have a signature. Access "
                        "denied.");
        return 0;
    }
    const alg_t *alg = NULL;
    for (size_t i = 0; i < sizeof algs / sizeof algs[0] && !alg; i++)
        if (strcmp(algs[i].name, alg_name) == 0) alg = &algs[i];
    char clipped[CLIP + 8];
    if (!alg)
        return fail(out, JWT_SIGNATURE_INVALID,
                    "Signature validation failed. The algorithm '%s' is not supported. Access "
                    "denied.",
                    clip(alg_name, clipped, sizeof clipped));
    if (sig_text_len == 0)
        return fail(out, JWT_SIGNATURE_INVALID,
                    "Unable to validate signature, token does not have a signature. Access "
                    "denied.");
    unsigned char *sig;
    size_t sig_len;
    int rc = b64_decode_alloc(sig_text, sig_text_len, &sig, &sig_len);
    if (rc == -ENOMEM) return rc;
    if (rc < 0) return fail(out, JWT_INVALID, "JWT signature is not valid base64url.");

    /* Keys named by kid first; when none carries it, every key of the right type
     * (the vendor library's TryAllIssuerSigningKeys). */
    const char *kid = json_str(header, "kid");
    size_t kid_matches = 0, tried = 0;
    bool verified = false;
    for (int pass = 0; pass < 2 && !verified; pass++) {
        if (pass == 1 && kid_matches > 0) break;
        for (size_t s = 0; s < keyset_count && !verified; s++) {
            const jwt_keyset_t *set = keysets[s];
            for (size_t k = 0; set && k < set->count && !verified; k++) {
                const jwt_key_t *key = &set->keys[k];
                bool named = kid && key->kid && strcmp(kid, key->kid) == 0;
                if (pass == 0 && !named) continue;
                if (pass == 0) kid_matches++;
                if (key->type != alg->key) continue;
                tried++;
                verified = signature_matches(alg, key, (const unsigned char *)text, signed_len, sig,
                                             sig_len);
            }
        }
    }
    free(sig);
    if (verified) return 0;
    if (tried == 0 || (kid && kid_matches == 0)) {
        if (kid)
            return fail(out, JWT_SIGNATURE_KEY_NOT_FOUND,
                        "Signature validation failed. Unable to match key: kid: '%s'. Access "
                        "denied.",
                        clip(kid, clipped, sizeof clipped));
        return fail(out, JWT_SIGNATURE_KEY_NOT_FOUND,
                    "Signature validation failed. No %s key is configured for algorithm '%s'. "
                    "Access denied.",
                    key_type_names[alg->key], alg->name);
    }
    return fail(out, JWT_SIGNATURE_INVALID,
                "Signature validation failed. Keys tried: %zu. Access denied.", tried);
}

/* A token outside its lifetime: `what` it is, the bound it broke (ValidTo / ValidFrom) and
 * the current time, as the vendor words it. */
static int fail_lifetime(jwt_result_t *out, jwt_status_t status, const char *what,
                         const char *bound_name, int64_t bound, int64_t now)
{
    char a[40], b[40];
    format_time(bound, a, sizeof a);
    format_time(now, b, sizeof b);
    return fail(out, status,
                "Lifetime validation failed. The token is %s. %s: '%s', Current time: '%s'. "
                "Access denied.",
                what, bound_name, a, b);
}

static int check_lifetime(const json_t *payload, const jwt_rules_t *rules, int64_t now,
                          jwt_result_t *out)
{
    int64_t exp = 0, nbf = 0;
    int has_exp = numeric_date(payload, "exp", &exp), has_nbf = numeric_date(payload, "nbf", &nbf);
    if (has_exp < 0 || has_nbf < 0)
        return fail(out, JWT_INVALID, "JWT claim \"%s\" is not a NumericDate.",
                    has_exp < 0 ? "exp" : "nbf");
    if (!has_exp && rules->require_expiration_time)
        return fail(out, JWT_INVALID,
                    "Lifetime validation failed. The token is missing an Expiration Time. Access "
                    "denied.");
    /* RFC 7519 §4.1.4: not accepted on or after exp; skew widens the window both ways. */
    if (has_exp && now >= exp + rules->clock_skew_seconds)
        return fail_lifetime(out, JWT_EXPIRED, "expired", "ValidTo", exp, now);
    if (has_nbf && now < nbf - rules->clock_skew_seconds)
        return fail_lifetime(out, JWT_INVALID, "not yet valid", "ValidFrom", nbf, now);
    return 0;
}

/* Audience comparison ignores one trailing slash, as the vendor's library does. */
static bool audience_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 1 && a[la - 1] == '/') la--;
    if (lb > 1 && b[lb - 1] == '/') lb--;
    return la == lb && memcmp(a, b, la) == 0;
}

static int check_audience(const json_t *payload, const jwt_rules_t *rules, jwt_result_t *out)
{
    if (rules->audience_count == 0) return 0;
    const json_t *aud = json_object_get(payload, "aud");
    size_t n = json_is_array(aud) ? json_array_size(aud) : (aud ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        const char *v = json_string_value(json_is_array(aud) ? json_array_get(aud, i) : aud);
        for (size_t k = 0; v && k < rules->audience_count; k++)
            if (audience_equal(v, rules->audiences[k])) return 0;
    }
    if (n == 0)
        return fail(out, JWT_AUDIENCE_NOT_ALLOWED,
                    "Audience validation failed. The token has no audience. Access denied.");
    char *shown = json_dumps(aud, JSON_ENCODE_ANY | JSON_COMPACT);
    char clipped[CLIP + 8];
    fail(out, JWT_AUDIENCE_NOT_ALLOWED,
         "Audience validation failed. Audiences: '%s'. Did not match any allowed audience. "
         "Access denied.",
         shown ? clip(shown, clipped, sizeof clipped) : "");
    free(shown);
    return 0;
}

static int check_issuer(const json_t *payload, const jwt_rules_t *rules, jwt_result_t *out)
{
    if (rules->issuer_count == 0) return 0;
    const char *iss = json_str(payload, "iss");
    for (size_t k = 0; iss && k < rules->issuer_count; k++)
        if (strcmp(iss, rules->issuers[k]) == 0) return 0;
    char clipped[CLIP + 8];
    if (!iss)
        return fail(out, JWT_ISSUER_NOT_ALLOWED,
                    "Issuer validation failed. The token has no issuer. Access denied.");
    return fail(out, JWT_ISSUER_NOT_ALLOWED,
                "Issuer validation failed. Issuer: '%s'. Did not match any allowed issuer. Access "
                "denied.",
                clip(iss, clipped, sizeof clipped));
}

/* A claim as the vendor's claims list sees it: every array item is a value of its own;
 * strings as they are, numbers and booleans in JSON form. Writes NUL-terminated copies. */
typedef struct {
    char **items;
    size_t count;
} claim_values_t;

static int values_push(claim_values_t *vals, const char *s, size_t len)
{
    char **items = realloc(vals->items, (vals->count + 1) * sizeof *items);
    if (!items) return -ENOMEM;
    vals->items = items;
    if (!(items[vals->count] = strndup(s, len))) return -ENOMEM;
    vals->count++;
    return 0;
}

static int claim_collect(const json_t *v, const char *separator, claim_values_t *vals)
{
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            int rc = claim_collect(json_array_get(v, i), separator, vals);
            if (rc < 0) return rc;
        }
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v), sep = separator ? strlen(separator) : 0;
        if (sep == 0) return values_push(vals, s, len);
        for (;;) {
            const char *at = memmem(s, len, separator, sep);
            size_t part = at ? (size_t)(at - s) : len;
            int rc = values_push(vals, s, part);
            if (rc < 0 || !at) return rc;
            len -= part + sep;
            s = at + sep;
        }
    }
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text) return -ENOMEM;
    int rc = values_push(vals, text, strlen(text));
    free(text);
    return rc;
}

static void values_free(claim_values_t *vals)
{
    for (size_t i = 0; i < vals->count; i++) free(vals->items[i]);
    free(vals->items);
    *vals = (claim_values_t){0};
}

static int check_claims(const json_t *payload, const jwt_rules_t *rules, jwt_result_t *out)
{
    /* Every missing claim is named at once (§1.5 TokenClaimNotFound). */
    size_t used = 0;
    char missing[JWT_MESSAGE_MAX - 64] = "";
    for (size_t i = 0; i < rules->claim_count; i++) {
        const char *name = rules->claims[i].name;
        if (json_object_get(payload, name)) continue;
        int n = snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", name);
        if (n > 0) used = used + (size_t)n < sizeof missing ? used + (size_t)n : sizeof missing - 1;
    }
    if (used)
        return fail(out, JWT_CLAIM_NOT_FOUND,
                    "JWT token is missing the following claims: %s. Access denied.", missing);
    for (size_t i = 0; i < rules->claim_count; i++) {
        const jwt_required_claim_t *rule = &rules->claims[i];
        if (rule->value_count == 0) continue;
        const json_t *claim = json_object_get(payload, rule->name);
        claim_values_t vals = {0};
        int rc = claim_collect(claim, rule->separator, &vals);
        if (rc < 0) {
            values_free(&vals);
            return rc;
        }
        size_t found = 0;
        for (size_t k = 0; k < rule->value_count; k++)
            for (size_t j = 0; j < vals.count; j++)
                if (strcmp(vals.items[j], rule->values[k]) == 0) {
                    found++;
                    break;
                }
        values_free(&vals);
        bool ok = rule->match_any ? found > 0 : found == rule->value_count;
        if (ok) continue;
        char *shown = json_is_string(claim) ? strdup(json_string_value(claim))
                                            : json_dumps(claim, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!shown) return -ENOMEM;
        char clipped[CLIP + 8];
        fail(out, JWT_CLAIM_VALUE_NOT_ALLOWED, "Claim %s value of %s is not allowed. Access denied.",
             rule->name, clip(shown, clipped, sizeof clipped));
        free(shown);
        return 0;
    }
    return 0;
}

void jwt_result_clear(jwt_result_t *result)
{
    json_decref(result->header);
    json_decref(result->payload);
    result->header = result->payload = NULL;
}

int jwt_verify(const char *text, size_t len, const jwt_keyset_t *const *keysets,
               size_t keyset_count, const jwt_rules_t *rules, int64_t now_unix,
               jwt_result_t *out)
{
    *out = (jwt_result_t){.status = JWT_VALID};
    size_t dots[5], ndots = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '.') {
            if (ndots == 5) break;
            dots[ndots++] = i;
        }
    if (ndots == 4)
        return fail(out, JWT_INVALID,
                    "JWT is encrypted (JWE, five segments): decryption is not supported by this "
                    "gateway.");
    if (ndots != 2)
        return fail(out, JWT_INVALID,
                    "JWT is not well formed: a JWS has three segments separated by dots.");
    if (!(out->header = decode_segment(text, dots[0])))
        return fail(out, JWT_INVALID, "JWT is not well formed: the header is not a JSON object.");
    if (json_object_get(out->header, "enc"))
        return fail(out, JWT_INVALID,
                    "JWT is encrypted (JWE): decryption is not supported by this gateway.");
    if (!(out->payload = decode_segment(text + dots[0] + 1, dots[1] - dots[0] - 1)))
        return fail(out, JWT_INVALID, "JWT is not well formed: the payload is not a JSON object.");

    int rc;
    if ((rc = verify_signature(text, dots[1], text + dots[1] + 1, len - dots[1] - 1, out->header,
                               keysets, keyset_count, rules, out)) < 0 ||
        out->status != JWT_VALID)
        return rc;
    if ((rc = check_lifetime(out->payload, rules, now_unix, out)) < 0 || out->status != JWT_VALID)
        return rc;
    if ((rc = check_audience(out->payload, rules, out)) < 0 || out->status != JWT_VALID) return rc;
    if ((rc = check_issuer(out->payload, rules, out)) < 0 || out->status != JWT_VALID) return rc;
    return check_claims(out->payload, rules, out);
}
