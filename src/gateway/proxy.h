/* gateway_proxy: the request pipeline of a unit: status endpoint, route match, request to
 * the backend, response back to the client, access log and metrics.
 *
 * Every request holds a reference to the configuration it started with, so a swap never
 * changes a request midway (ARCHITECTURE.md, "Request lifecycle"). */
#ifndef MERIDIAN_GATEWAY_PROXY_H
#define MERIDIAN_GATEWAY_PROXY_H

#include "gateway/access_log.h"
#include "gateway/config.h"
#include "gateway/connect_to.h"
#include "gateway/metrics.h"
#include "http/server.h"
#include "http/upstream.h"

#include <stdbool.h>

#define GATEWAY_STATUS_PATH "/status-0123456789abcdef"
#define GATEWAY_INTERNAL_STATUS_PATH "/internal-status-0123456789abcdef"

typedef struct {
    uv_loop_t *loop;
    const char *region;
    int unit_index;
    char instance_id[37];          /* a UUID drawn at process start (heartbeats, context) */
    gateway_config_t *config;      /* current; NULL until one loads */
    bool draining;
    upstream_pool_t *pool;
    gateway_metrics_t *metrics;
    gateway_access_log_t *access_log;
    const gateway_connect_to_t *connect_to; /* may be NULL */
    struct proxy_cache *cache; /* the caching policies' store (proxy_cache.h); NULL: none */
    /* Counters and Redis (gateway/limits_host.h, docs/limits.md): the region's shared
     * table (never NULL once the unit runs) and the unit's link to the region's Redis (NULL:
     * none) with its settings. */
    struct region_counters *counters;
    struct redis_link *redis;
    bool is_redis_global, is_redis_fail_closed;
} gateway_t;

/* The handler for the client listener; its ud is the gateway_t. */
extern const http_handler_t gateway_proxy_handler;

#endif
