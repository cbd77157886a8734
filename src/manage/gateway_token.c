/* Location slugs, gateway tokens and feed signatures (gateway_token.h). */
#include "manage/gateway_token.h"

#include "base/lkg.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define PREFIX "GatewayKey "
#define PREFIX_LEN (sizeof PREFIX - 1)
#define EXPIRY_LEN 12 /* yyyyMMddHHmm */

size_t manage_slugify(const char *display_name, char *out, size_t n)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)display_name; p && *p; p++) {
        char c = (char)*p;
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) continue;
        if (o + 1 >= n) return 0;
        out[o++] = c;
    }
    if (n) out[o] = 0;
    return o;
}

/* base64 of HMAC-SHA512(key, slug "\n" expiry). out >= 100 bytes. */
static void token_signature(const char *slug, const char *expiry, const char *key, char *out)
{
    char msg[MANAGE_SLUG_MAX + EXPIRY_LEN + 2];
    int len = snprintf(msg, sizeof msg, "%s\n%s", slug, expiry);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    HMAC(EVP_sha512(), key, (int)strlen(key), (const unsigned char *)msg, (size_t)len, mac, &mac_len);
    EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len);
}

static void format_expiry(time_t t, char out[EXPIRY_LEN + 1])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, EXPIRY_LEN + 1, "%Y%m%d%H%M", &tm);
}

int manage_token_make(const char *slug, const char *key, time_t expiry, char *out, size_t n)
{
    char exp[EXPIRY_LEN + 1], sig[128];
    if (strlen(slug) >= MANAGE_SLUG_MAX) return -1;
    format_expiry(expiry, exp);
    token_signature(slug, exp, key, sig);
    int len = snprintf(out, n, PREFIX "%s&%s&%s", slug, exp, sig);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* "yyyyMMddHHmm" (UTC) → time_t; -1 when malformed. */
static time_t parse_expiry(const char *s)
{
    for (int i = 0; i < EXPIRY_LEN; i++)
        if (s[i] < '0' || s[i] > '9') return -1;
    struct tm tm = {0};
    int v[5];
    static const int widths[5] = {4, 2, 2, 2, 2};
    const char *p = s;
    for (int i = 0; i < 5; i++) {
        v[i] = 0;
        for (int k = 0; k < widths[i]; k++) v[i] = v[i] * 10 + (*p++ - '0');
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59) return -1;
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    return timegm(&tm);
}

int manage_token_parse(const char *header, size_t len, char *token, size_t token_size, char *slug,
                       size_t slug_size, time_t *expiry)
{
    if (!header || len < PREFIX_LEN || memcmp(header, PREFIX, PREFIX_LEN) != 0)
        return MANAGE_TOKEN_MALFORMED;
    const char *body = header + PREFIX_LEN;
    size_t body_len = len - PREFIX_LEN;
    if (body_len >= PREFIX_LEN && memcmp(body, PREFIX, PREFIX_LEN) == 0) {
        body += PREFIX_LEN;
        body_len -= PREFIX_LEN;
    }
    if (PREFIX_LEN + body_len + 1 > token_size || memchr(body, 0, body_len))
        return MANAGE_TOKEN_MALFORMED;
    memcpy(token, PREFIX, PREFIX_LEN);
    memcpy(token + PREFIX_LEN, body, body_len);
    token[PREFIX_LEN + body_len] = 0;
    const char *amp1 = memchr(body, '&', body_len);
    if (!amp1) return MANAGE_TOKEN_MALFORMED;
    size_t slug_len = (size_t)(amp1 - body);
    const char *exp = amp1 + 1;
    size_t rest = body_len - slug_len - 1;
    if (slug_len == 0 || slug_len >= slug_size || slug_len >= MANAGE_SLUG_MAX ||
        rest < EXPIRY_LEN + 2 || exp[EXPIRY_LEN] != '&')
        return MANAGE_TOKEN_MALFORMED;
    for (size_t i = 0; i < slug_len; i++) {
        char c = body[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return MANAGE_TOKEN_MALFORMED;
    }
    char exp_text[EXPIRY_LEN + 1];
    memcpy(exp_text, exp, EXPIRY_LEN);
    exp_text[EXPIRY_LEN] = 0;
    time_t t = parse_expiry(exp_text);
    if (t < 0) return MANAGE_TOKEN_MALFORMED;
    memcpy(slug, body, slug_len);
    slug[slug_len] = 0;
    if (expiry) *expiry = t;
    return 0;
}

static bool signed_with(const char *token, const char *key)
{
    if (!key || !*key) return false;
    char slug[MANAGE_SLUG_MAX], expected[MANAGE_TOKEN_MAX];
    time_t expiry;
    if (manage_token_parse(token, strlen(token), expected, sizeof expected, slug, sizeof slug,
                           &expiry) < 0)
        return false;
    if (manage_token_make(slug, key, expiry, expected, sizeof expected) < 0) return false;
    size_t a = strlen(expected), b = strlen(token);
    /* Constant-time on the signature bytes: the lengths of a base64 HMAC-SHA512 are public. */
    return a == b && CRYPTO_memcmp(expected, token, a) == 0;
}

manage_token_status_t manage_token_verify(const char *token, const char *primary_key,
                                          const char *secondary_key, time_t now)
{
    char slug[MANAGE_SLUG_MAX], copy[MANAGE_TOKEN_MAX];
    time_t expiry;
    if (manage_token_parse(token, strlen(token), copy, sizeof copy, slug, sizeof slug, &expiry) < 0)
        return MANAGE_TOKEN_MALFORMED;
    bool ok = signed_with(copy, primary_key);
    ok = signed_with(copy, secondary_key) || ok;
    if (!ok) return MANAGE_TOKEN_BAD_SIGNATURE;
    if (expiry <= now) return MANAGE_TOKEN_EXPIRED;
    return MANAGE_TOKEN_OK;
}

void manage_feed_signature(const char *token, const char *body, size_t len, char *out, size_t n)
{
    /* The clients verify with base/lkg.h: one implementation on both ends. */
    char sig[LKG_SIGNATURE_MAX];
    if (lkg_signature_compute(token, body, len, sig) < 0) sig[0] = 0;
    snprintf(out, n, "%s", sig);
}
