/* proxy_cache: the gateway's side of the caching policies (policy_host_t.cache, spec
 * §2.6; docs/caching.md). One per unit.
 *
 * Internal: the region's shared-memory cache (region_cache.h). Its operations are done at
 * once in the call, but a GET's completion is handed to the executor later, as the host
 * contract requires: queued and delivered from a uv_check handle in the same loop turn
 * (an idle handle keeps that turn's poll from blocking), so a hit costs no extra syscall.
 *
 * Purges: the snapshot's `cachePurge` ({"all": N, "locations": {slug: M}}, written by
 * `meridian manage`, manage/cache_purge.c) gives the region the generation N + M; every
 * configuration installed calls proxy_cache_on_config, and the first unit of the region to
 * see a newer generation empties the region's cache (region_cache_purge).
 *
 * External: GET / SET PX / DEL on the unit's Redis link (redis_link.h) under the prefix
 * "meridian:cache:{service}:{region slug}:{purge generation}:", so a purge makes the old
 * keys unread (they expire with their TTL). A GET completes when Redis answers; a link that
 * is down or fails is a miss. caching-type="external" without a Redis: a miss, stores
 * dropped, one warning in the log. */
#ifndef MERIDIAN_GATEWAY_PROXY_CACHE_H
#define MERIDIAN_GATEWAY_PROXY_CACHE_H

#include "gateway/config.h"
#include "gateway/region_cache.h"
#include "policy/exec.h"

#include <uv.h>

typedef struct proxy_cache proxy_cache_t;
struct proxy_cache_wait;

/* `region` is borrowed (the supervisor's segment, or the unit's own). NULL when out of memory. */
proxy_cache_t *proxy_cache_new(uv_loop_t *loop, region_cache_t *region);
/* Closes the handles (queued completions are dropped: their requests are being closed). */
void proxy_cache_close(proxy_cache_t *pc);
/* Frees it after the loop ran the close callbacks. NULL is ignored. */
void proxy_cache_free(proxy_cache_t *pc);
/* A configuration is being installed: applies its purge generation. */
void proxy_cache_on_config(proxy_cache_t *pc, const gateway_config_t *cfg);
/* The unit's link to its location's Redis (NULL: none), for caching-type external and
 * prefer-external; borrowed: set it to NULL before the link is freed. */
struct redis_link;
void proxy_cache_set_redis(proxy_cache_t *pc, struct redis_link *link);
/* The purge generation of `cfg`'s region (0 when none), for tests and the external prefix. */
uint64_t proxy_cache_generation(const gateway_config_t *cfg);

/* policy_host_t.cache for the gateway host: exec->host_data is the request's proxy_ctx_t. */
int proxy_cache_op(policy_exec_t *exec, const policy_cache_op_t *op);
/* The request is over: forget its pending completion, if any. */
void proxy_cache_cancel(struct proxy_cache_wait **wait);

#endif
