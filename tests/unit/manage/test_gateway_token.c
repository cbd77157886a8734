/* Location slugs, gateway tokens and feed signatures (manage/gateway_token.h). */
#include "manage/gateway_token.h"

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

/* 2026-12-24T00:00:00Z */
#define XMAS ((time_t)1798070400)

Test(slug, display_names)
{
    char out[MANAGE_SLUG_MAX];
    cr_expect_eq(manage_slugify("East Asia", out, sizeof out), 8);
    cr_expect_str_eq(out, "eastasia");
    manage_slugify("West US 2", out, sizeof out);
    cr_expect_str_eq(out, "westus2");
    manage_slugify("  Brazil-South (São Paulo)", out, sizeof out);
    cr_expect_str_eq(out, "brazilsouthsopaulo");
    cr_expect_eq(manage_slugify("東京", out, sizeof out), 0);
    cr_expect_eq(manage_slugify("--", out, sizeof out), 0);
    char small[4];
    cr_expect_eq(manage_slugify("East Asia", small, sizeof small), 0, "too long for the buffer");
}

Test(token, shape_is_the_vendors)
{
    char tok[MANAGE_TOKEN_MAX];
    cr_assert_eq(manage_token_make("eastasia", "k3y", XMAS + 59, tok, sizeof tok), 0);
    /* signature = base64(HMAC-SHA512("k3y", "eastasia\n202612240000")), computed apart */
    unsigned char mac[64];
    unsigned len;
    const char msg[] = "eastasia\n202612240000";
    HMAC(EVP_sha512(), "k3y", 3, (const unsigned char *)msg, sizeof msg - 1, mac, &len);
    char b64[100], expected[300];
    EVP_EncodeBlock((unsigned char *)b64, mac, (int)len);
    snprintf(expected, sizeof expected, "GatewayKey eastasia&202612240000&%s", b64);
    cr_expect_str_eq(tok, expected);
}

Test(token, verify_keys_and_expiry)
{
    char tok[MANAGE_TOKEN_MAX];
    manage_token_make("eastasia", "primary-key", XMAS, tok, sizeof tok);
    cr_expect_eq(manage_token_verify(tok, "primary-key", "secondary-key", XMAS - 60), MANAGE_TOKEN_OK);
    cr_expect_eq(manage_token_verify(tok, "other", "primary-key", XMAS - 60), MANAGE_TOKEN_OK,
                 "either key verifies");
    /* a regenerated key: the token was made with a key that is gone */
    cr_expect_eq(manage_token_verify(tok, "new-primary", "secondary-key", XMAS - 60),
                 MANAGE_TOKEN_BAD_SIGNATURE);
    cr_expect_eq(manage_token_verify(tok, NULL, NULL, XMAS - 60), MANAGE_TOKEN_BAD_SIGNATURE);
    cr_expect_eq(manage_token_verify(tok, "primary-key", NULL, XMAS), MANAGE_TOKEN_EXPIRED);
    cr_expect_eq(manage_token_verify(tok, "primary-key", NULL, XMAS + 3600), MANAGE_TOKEN_EXPIRED);
    /* tampering with the slug or the expiry breaks the signature */
    char forged[MANAGE_TOKEN_MAX];
    snprintf(forged, sizeof forged, "%s", tok);
    memcpy(strstr(forged, "2026"), "2027", 4);
    cr_expect_eq(manage_token_verify(forged, "primary-key", NULL, XMAS), MANAGE_TOKEN_BAD_SIGNATURE);
    snprintf(forged, sizeof forged, "%s", tok);
    forged[11] = 'w';
    cr_expect_eq(manage_token_verify(forged, "primary-key", NULL, XMAS - 60), MANAGE_TOKEN_BAD_SIGNATURE);
}

Test(token, parse)
{
    char tok[MANAGE_TOKEN_MAX], made[MANAGE_TOKEN_MAX], slug[MANAGE_SLUG_MAX];
    time_t exp;
    manage_token_make("westus", "k", XMAS, made, sizeof made);
    cr_assert_eq(manage_token_parse(made, strlen(made), tok, sizeof tok, slug, sizeof slug, &exp), 0);
    cr_expect_str_eq(tok, made);
    cr_expect_str_eq(slug, "westus");
    cr_expect_eq(exp, XMAS);
    /* a header that prefixed the token once more is the same token */
    char doubled[MANAGE_TOKEN_MAX + 16];
    snprintf(doubled, sizeof doubled, "GatewayKey %s", made);
    cr_assert_eq(manage_token_parse(doubled, strlen(doubled), tok, sizeof tok, slug, sizeof slug, &exp), 0);
    cr_expect_str_eq(tok, made);
    const char *bad[] = {
        "", "Bearer abc", "GatewayKey ", "GatewayKey westus", "GatewayKey westus&202612240000",
        "GatewayKey &202612240000&sig", "GatewayKey West&202612240000&sig",
        "GatewayKey westus&20261224000&sig", "GatewayKey westus&202613240000&sig",
        "GatewayKey westus&2026122400xx&sig", "gatewaykey westus&202612240000&sig",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(manage_token_parse(bad[i], strlen(bad[i]), tok, sizeof tok, slug, sizeof slug, &exp),
                     MANAGE_TOKEN_MALFORMED, "%s", bad[i]);
    cr_expect_eq(manage_token_verify("nonsense", "k", "k", 0), MANAGE_TOKEN_MALFORMED);
}

Test(signature, hmac_sha256_keyed_by_the_token)
{
    char sig[128];
    manage_feed_signature("GatewayKey a&202612240000&x", "{}", 2, sig, sizeof sig);
    unsigned char mac[32];
    unsigned len;
    const char key[] = "GatewayKey a&202612240000&x";
    HMAC(EVP_sha256(), key, sizeof key - 1, (const unsigned char *)"{}", 2, mac, &len);
    char b64[64], expected[100];
    EVP_EncodeBlock((unsigned char *)b64, mac, (int)len);
    snprintf(expected, sizeof expected, "hmac-sha256=%s", b64);
    cr_expect_str_eq(sig, expected);
    char other[128];
    manage_feed_signature("GatewayKey a&202612240000&y", "{}", 2, other, sizeof other);
    cr_expect_str_neq(sig, other, "another token, another signature");
}
