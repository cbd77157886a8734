/* manage_cache_purge: purging the gateways' caches (docs/caching.md "Purge").
 *
 *   POST {svc}/purgeCache                   every location
 *   POST {svc}/locations/{slug}/purgeCache  one location
 *
 * The management plane keeps purge generations in the entity "/cachePurge" (kind
 * "cachePurge", props {"all": N, "locations": {slug: M}}); a purge increments one of them
 * and commits, so it reaches every gateway in the next snapshot of the feed as
 * `cachePurge`. A unit of location L empties its region's built-in cache when N + M grows
 * (gateway/proxy_cache.h), and its external cache keys carry the generation, so the old
 * ones are no longer read (they expire with their TTL). Internal to src/manage. */
#ifndef MERIDIAN_MANAGE_CACHE_PURGE_H
#define MERIDIAN_MANAGE_CACHE_PURGE_H

#include "manage/service_internal.h"

#include <stdbool.h>

/* True when the call is one of the purge actions above (routed as MANAGE_ROUTE_ACTION). */
bool manage_cache_purge_is_call(const manage_call_t *c);
/* Handles it: 200 {"location": slug or null, "generation": the location's N + M, or N}. */
void manage_cache_purge_handle(manage_service_t *s, manage_call_t *c, manage_response_t *resp);
/* Adds "cachePurge" to a snapshot document when any purge happened. */
void manage_cache_purge_snapshot(const json_t *resources, json_t *doc);

#endif
