/* subscription: the gateway's subscription keys (spec apim-gateway.md §4.3) — a key table
 * built once per configuration, and the per-request decision "which subscription, which
 * product context, or which 401".
 *
 * Key table: every primary and secondary key of the snapshot's subscriptions, indexed by a
 * keyed digest, SHA-256(table secret ‖ key). The secret is drawn at build time (RAND_bytes)
 * and never leaves the table, so the slot a presented key probes and the time the probe takes
 * tell an attacker nothing about the stored keys; the final comparison is of two 32-byte
 * digests with CRYPTO_memcmp (constant time). A lookup is one digest plus, on average, one
 * probe: O(1) whatever the number of subscriptions. The table holds digests only; the
 * subscriptions it points at are the configuration's (their keys are kept there because
 * policies read context.Subscription.PrimaryKey / SecondaryKey, §3.4).
 *
 * Threads: build on any thread; lookups may run on any number of threads at once. Ownership: the table borrows the subscription array given
 * to subscription_table_build, which must outlive it. */
#ifndef MERIDIAN_GATEWAY_SUBSCRIPTION_H
#define MERIDIAN_GATEWAY_SUBSCRIPTION_H

#include "base/arena.h"
#include "base/slice.h"
#include "gateway/config.h"
#include "http/parser.h"
#include "http/server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The vendor's default key names (spec §4.3); an API may rename them. */
#define SUBSCRIPTION_DEFAULT_HEADER "Ocp-Apim-Subscription-Key"
#define SUBSCRIPTION_DEFAULT_QUERY "subscription-key"
/* Longest key the gateway looks up; a longer one is invalid (the management plane allows
 * 256 characters). */
#define SUBSCRIPTION_MAX_KEY 256

typedef enum {
    SUBSCRIPTION_SCOPE_ALL_APIS, /* "/apis" */
    SUBSCRIPTION_SCOPE_API,      /* "/apis/{apiId}" */
    SUBSCRIPTION_SCOPE_PRODUCT,  /* "/products/{productId}" */
} subscription_scope_t;

/* Subscription states (spec §6 Subscription): only active grants access (§4.3). */
typedef enum {
    SUBSCRIPTION_ACTIVE,
    SUBSCRIPTION_SUSPENDED,
    SUBSCRIPTION_SUBMITTED,
    SUBSCRIPTION_REJECTED,
    SUBSCRIPTION_CANCELLED,
    SUBSCRIPTION_EXPIRED,
} subscription_state_t;

/* One subscription of the snapshot. Strings are borrowed from the configuration. */
typedef struct gw_subscription {
    const char *id;
    const char *name;          /* displayName; the id when absent */
    subscription_scope_t scope;
    const gw_api_t *api;         /* SCOPE_API: the API */
    const gw_product_t *product; /* SCOPE_PRODUCT: the product */
    subscription_state_t state;
    const char *primary_key, *secondary_key; /* NULL when absent */
    const gw_user_t *user;     /* the owner (ownerId), or NULL: a standalone subscription */
    const char *user_id;       /* the owner's id even when the snapshot has no user entry */
    /* DateTime ticks (100 ns since 0001-01-01, UTC); 0 = not known (null in the context). */
    int64_t created_ticks, start_ticks, end_ticks;
    /* expirationDate as wall-clock ms since the Unix epoch; 0 = never. From then on the
     * key is refused like an expired subscription's, without waiting for the management
     * plane to change the state (a region goes on enforcing it while the primary is
     * down). */
    uint64_t expires_wall_ms;
} gw_subscription_t;

typedef struct subscription_table subscription_table_t;

/* A key that two subscriptions share (or one subscription uses as both keys): which key
 * would answer is undefined, so the table refuses it. Indexes into the array given to
 * subscription_table_build; `*_is_primary` says which of their keys. */
typedef struct {
    size_t first, second;
    bool first_is_primary, second_is_primary;
} subscription_table_clash_t;

/* Builds the table over subs[0..count). 0 with *out; -EEXIST with *clash filled when a key
 * appears twice; -ENOMEM. Empty keys ("") are not indexed. */
int subscription_table_build(const gw_subscription_t *subs, size_t count,
                             subscription_table_t **out, subscription_table_clash_t *clash);
void subscription_table_free(subscription_table_t *t);
/* Number of keys indexed. */
size_t subscription_table_key_count(const subscription_table_t *t);
/* The subscription one of whose keys is `key` (any state), or NULL; *is_primary tells which
 * key matched (may be NULL). */
const gw_subscription_t *subscription_table_find(const subscription_table_t *t, const char *key,
                                                 size_t len, bool *is_primary);

/* ---- per request ---- */

typedef enum {
    SUBSCRIPTION_OK = 0,
    SUBSCRIPTION_KEY_MISSING = -1, /* 401 SubscriptionKeyNotFound */
    SUBSCRIPTION_KEY_INVALID = -2, /* 401 SubscriptionKeyInvalid */
    SUBSCRIPTION_NO_MEMORY = -3,   /* 503 */
} subscription_result_t;

/* What a request was granted. */
typedef struct {
    const gw_subscription_t *subscription; /* NULL: anonymous */
    const gw_product_t *product;           /* the product context (§1.2), or NULL */
    size_t product_slot;  /* with a product: its index in api->products (the program to run) */
    const char *key;      /* the key presented (NUL-terminated, in the arena), or NULL */
    size_t key_len;
} subscription_grant_t;

/* Spec §4.3: the key from the API's header (first occurrence), else its query parameter
 * (first occurrence, percent-decoded); an empty value counts as no key. Then the decision
 * table: a valid key of an active subscription whose scope covers `api` and whose owner (if
 * any) is not blocked is granted (product context when product-scoped); a key that is present
 * but unknown, out of scope, inactive or of a blocked owner is SUBSCRIPTION_KEY_INVALID; no key is granted in the API's open product's context, or
 * without product when the API does not require a subscription, else SUBSCRIPTION_KEY_MISSING.
 * `keys` may be NULL (no subscriptions). */
int subscription_authorize(const subscription_table_t *keys, const gw_api_t *api,
                           const http_request_t *req, arena_t *arena, subscription_grant_t *out);

/* The status, reason, LastError reason and message of a refusal (§1.5, §4.6). */
typedef struct {
    int status;
    const char *reason_phrase; /* "Access Denied" */
    const char *error_reason;  /* "SubscriptionKeyNotFound" / "SubscriptionKeyInvalid" */
    const char *message;
} subscription_refusal_t;

void subscription_refusal(int result, subscription_refusal_t *out);

/* The WWW-Authenticate value of a missing key (§4.5):
 * AzureApiManagementKey realm="http://{host}/{apiPath}",name="{header}",type="header"
 * in `arena`, or NULL when out of memory. */
const char *subscription_challenge(arena_t *arena, const http_request_t *req, const gw_api_t *api,
                                   size_t *len);

/* Answers a refused request with the gateway's default response (§4.6): 401 "Access Denied",
 * {"statusCode": 401, "message": ...}, and for a missing key
 * WWW-Authenticate: AzureApiManagementKey realm="http://{host}/{apiPath}",name="{header}",type="header"
 * (§4.5). Returns like http_exchange_send_head. */
int subscription_respond_refusal(http_exchange_t *ex, int result, const gw_api_t *api);

#endif
