/* Fuzz driver for the gateway-token and heartbeat parsers of the configuration feed
 * (src/manage/gateway_token.h, src/manage/units.h): the input is an Authorization header
 * value, then (after the first '\n') a heartbeat body. abort() when:
 * - manage_token_parse accepts a value whose token is not "GatewayKey " + the value after
 *   its prefix(es), whose slug is empty or not lower-case letters and digits, or whose
 *   token does not begin with "GatewayKey {slug}&";
 * - manage_token_verify disagrees with the parser (MALFORMED exactly when parsing fails),
 *   or accepts a token that manage_token_make does not produce from the same key;
 * - a token made by manage_token_make for the parsed slug does not verify with its key and
 *   is not refused with another key or after its expiry;
 * - manage_heartbeat_parse accepts a body whose unit is outside 0-63, whose revision or
 *   counters are negative, or whose source is not one of the four;
 * - manage_feed_signature is not "hmac-sha256=" + 44 base64 characters. */
#include "manage/gateway_token.h"
#include "manage/units.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_gateway_token: check failed at line %d: %s\n", __LINE__, #cond);  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_token(const char *header, size_t len)
{
    char token[MANAGE_TOKEN_MAX], slug[MANAGE_SLUG_MAX];
    time_t expiry = 0;
    int rc = manage_token_parse(header, len, token, sizeof token, slug, sizeof slug, &expiry);
    char *copy = malloc(len + 1);
    CHECK(copy != NULL);
    memcpy(copy, header, len);
    copy[len] = 0;
    bool has_nul = strlen(copy) != len;
    manage_token_status_t st = has_nul ? MANAGE_TOKEN_MALFORMED : manage_token_verify(copy, "k1", "k2", 0);
    if (rc < 0) {
        CHECK(rc == MANAGE_TOKEN_MALFORMED);
        /* verify reads a NUL-terminated token: it may parse a prefix that the header
         * refused only for what followed a NUL */
        if (!has_nul) CHECK(st == MANAGE_TOKEN_MALFORMED);
        free(copy);
        return;
    }
    CHECK(strncmp(token, "GatewayKey ", 11) == 0);
    size_t n = strlen(slug);
    CHECK(n > 0);
    for (size_t i = 0; i < n; i++) CHECK((slug[i] >= 'a' && slug[i] <= 'z') || (slug[i] >= '0' && slug[i] <= '9'));
    CHECK(strncmp(token + 11, slug, n) == 0 && token[11 + n] == '&');
    CHECK(st != MANAGE_TOKEN_MALFORMED);
    if (st == MANAGE_TOKEN_OK || st == MANAGE_TOKEN_EXPIRED) {
        char made1[MANAGE_TOKEN_MAX], made2[MANAGE_TOKEN_MAX];
        CHECK(manage_token_make(slug, "k1", expiry, made1, sizeof made1) == 0);
        CHECK(manage_token_make(slug, "k2", expiry, made2, sizeof made2) == 0);
        CHECK(strcmp(made1, token) == 0 || strcmp(made2, token) == 0);
    }
    /* round trip for this slug */
    char made[MANAGE_TOKEN_MAX];
    CHECK(manage_token_make(slug, "key", 4000000000, made, sizeof made) == 0);
    CHECK(manage_token_verify(made, "key", NULL, 3999999000) == MANAGE_TOKEN_OK);
    CHECK(manage_token_verify(made, NULL, "key", 3999999000) == MANAGE_TOKEN_OK);
    CHECK(manage_token_verify(made, "other", NULL, 3999999000) == MANAGE_TOKEN_BAD_SIGNATURE);
    CHECK(manage_token_verify(made, "key", NULL, 4000000000) == MANAGE_TOKEN_EXPIRED);
    char sig[128];
    manage_feed_signature(token, header, len, sig, sizeof sig);
    CHECK(strncmp(sig, "hmac-sha256=", 12) == 0 && strlen(sig) == 12 + 44);
    free(copy);
}

static void check_heartbeat(const char *body, size_t len)
{
    json_t *j = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (!j) return;
    manage_heartbeat_t hb;
    const char *why = NULL;
    if (manage_heartbeat_parse(j, &hb, &why) == 0) {
        CHECK(hb.unit >= 0 && hb.unit <= 63);
        CHECK(hb.revision >= 0 && hb.uptime_seconds >= 0 && hb.requests >= 0 && hb.errors >= 0);
        CHECK(hb.instance_id && *hb.instance_id && strlen(hb.instance_id) <= 64);
        CHECK(strcmp(hb.source, "feed") == 0 || strcmp(hb.source, "last-known-good") == 0 ||
              strcmp(hb.source, "peer") == 0 || strcmp(hb.source, "none") == 0);
        manage_units_t *u = manage_units_new(0, 0);
        manage_units_record(u, "x", &hb, 1000, 0);
        json_t *st = manage_units_status(u, "x", hb.revision, false, 1000);
        CHECK(json_integer_value(json_object_get(st, "unitsUp")) == 1);
        CHECK(strcmp(json_string_value(json_object_get(st, "health")), "ok") == 0);
        json_decref(st);
        manage_units_free(u);
    } else {
        CHECK(why && *why);
    }
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t head = nl ? (size_t)(nl - text) : size;
    char *h = malloc(head ? head : 1); /* exact size: ASan sees a read past the value */
    CHECK(h != NULL);
    memcpy(h, text, head);
    check_token(h, head);
    free(h);
    if (nl) check_heartbeat(nl + 1, size - head - 1);
    return 0;
}
