/* Tokens built by the tests that verify JWTs (test_jwt_verify.c through the verifier,
 * test_policies_access.c through validate-jwt): base64url and JWS signing with OpenSSL, so
 * that both sign exactly as RFC 7515/7518 say. Header-only: every test is one translation
 * unit. */
#ifndef MERIDIAN_TESTS_POLICY_JWT_SIGN_H
#define MERIDIAN_TESTS_POLICY_JWT_SIGN_H

#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* base64url without padding (RFC 7515 §2), malloc'd. */
static __attribute__((unused)) char *b64url(const unsigned char *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    while (n > 0 && out[n - 1] == '=') n--;
    out[n] = '\0';
    for (char *p = out; *p; p++) *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return out;
}

static __attribute__((unused)) char *b64url_str(const char *s)
{
    return b64url((const unsigned char *)s, strlen(s));
}

/* A key's big-number parameter (OSSL_PKEY_PARAM_RSA_N, _E...) in base64url, as a JWK
 * writes it (RFC 7518 §6.3.1), malloc'd. */
static __attribute__((unused)) char *bn_param_b64url(EVP_PKEY *pkey, const char *name)
{
    BIGNUM *bn = NULL;
    cr_assert_eq(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
    unsigned char buf[1024];
    int n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64url(buf, (size_t)n);
}

/* header.payload.signature (malloc'd) for the JSON texts `header` and `payload`, signed with
 * `alg` (RFC 7518 §3): HS* with `secret`, RS*, PS* and ES256 with `pkey`. The digest is
 * SHA-256 unless alg names 384 or 512. */
static __attribute__((unused)) char *jwt_sign(const char *alg, EVP_PKEY *pkey,
                                              const unsigned char *secret, size_t secret_len,
                                              const char *header, const char *payload)
{
    char *h = b64url_str(header), *p = b64url_str(payload);
    size_t input_len = strlen(h) + 1 + strlen(p);
    char *input = malloc(input_len + 1);
    sprintf(input, "%s.%s", h, p);
    const EVP_MD *md = strstr(alg, "384") ? EVP_sha384() : strstr(alg, "512") ? EVP_sha512()
                                                                              : EVP_sha256();
    unsigned char sig[1024];
    size_t sig_len = sizeof sig;
    if (alg[0] == 'H') {
        unsigned n = 0;
        HMAC(md, secret, (int)secret_len, (unsigned char *)input, input_len, sig, &n);
        sig_len = n;
    } else {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        cr_assert_eq(EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey), 1);
        if (alg[0] == 'P') {
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
        }
        cr_assert_eq(EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)input, input_len), 1);
        EVP_MD_CTX_free(ctx);
        if (alg[0] == 'E') { /* DER → R || S (RFC 7518 §3.4) */
            const unsigned char *p2 = sig;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p2, (long)sig_len);
            unsigned char raw[64] = {0};
            BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
            BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
            ECDSA_SIG_free(es);
            memcpy(sig, raw, 64);
            sig_len = 64;
        }
    }
    char *s = b64url(sig, sig_len);
    char *token = malloc(input_len + strlen(s) + 2);
    sprintf(token, "%s.%s", input, s);
    free(h);
    free(p);
    free(s);
    free(input);
    return token;
}

#endif
