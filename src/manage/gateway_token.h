/* manage_gateway_token: location slugs, gateway tokens and feed signatures (REGIONS-CONTRACT,
 * docs/regions.md "Gateway tokens"). Pure functions: no I/O, no state.
 *
 * A token is the text
 *     GatewayKey {slug}&{yyyyMMddHHmm}&{base64 HMAC-SHA512(key, slug "\n" yyyyMMddHHmm)}
 * (the expiry in UTC, like the vendor's self-hosted gateway tokens); `key` is the UTF-8
 * bytes of one of the location's two gateway keys. The whole text, "GatewayKey " included,
 * is "the token": it is what generateToken returns, what DATA/gateway-tokens/{slug}.token
 * holds, what a unit sends as its Authorization header value, and the HMAC-SHA256 key of
 * the feed's X-Meridian-Signature. */
#ifndef MERIDIAN_MANAGE_GATEWAY_TOKEN_H
#define MERIDIAN_MANAGE_GATEWAY_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define MANAGE_SLUG_MAX 128
/* Tokens may be asked for at most this far ahead (the contract: 30 days). */
#define MANAGE_TOKEN_MAX_AHEAD_S (30 * 24 * 3600)
#define MANAGE_TOKEN_MAX 512

/* "East Asia" → "eastasia": ASCII letters lower-cased, digits kept, everything else
 * dropped. Returns the slug's length; 0 when nothing is left or it would not fit in n. */
size_t manage_slugify(const char *display_name, char *out, size_t n);

/* Writes the token for slug/key expiring at `expiry` (rounded down to the minute) into out
 * (>= MANAGE_TOKEN_MAX bytes). Returns 0, or -1 when it would not fit. */
int manage_token_make(const char *slug, const char *key, time_t expiry, char *out, size_t n);

typedef enum {
    MANAGE_TOKEN_OK = 0,
    MANAGE_TOKEN_MALFORMED = -1,
    MANAGE_TOKEN_BAD_SIGNATURE = -2, /* signed by neither key (or a regenerated one) */
    MANAGE_TOKEN_EXPIRED = -3,
} manage_token_status_t;

/* Splits an Authorization header value into the token: "GatewayKey s&e&sig" is the token;
 * "GatewayKey GatewayKey s&e&sig" (a client that prefixed the token it was given) is
 * accepted as the same token. Writes the token to out and its slug to slug. Returns 0 or
 * MANAGE_TOKEN_MALFORMED. */
int manage_token_parse(const char *header, size_t len, char *token, size_t token_size, char *slug,
                       size_t slug_size, time_t *expiry);

/* Verifies a parsed token against the location's keys (either may be NULL) at `now`. */
manage_token_status_t manage_token_verify(const char *token, const char *primary_key,
                                          const char *secondary_key, time_t now);

/* "hmac-sha256=" + base64 HMAC-SHA256(key = token bytes, body). out >= 64 bytes. */
void manage_feed_signature(const char *token, const char *body, size_t len, char *out, size_t n);

#endif
