/* proxy_cache: the policy host's cache operations (proxy_cache.h). */
#include "gateway/proxy_cache.h"

#include "base/clock.h"
#include "base/log.h"
#include "gateway/proxy_internal.h"
#include "gateway/redis_link.h"
#include "gateway/sync.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A GET whose result is still to be given to the executor. A built-in lookup's waits for
 * the check handle in the queue (in the request's arena); a Redis lookup's waits for the
 * reply (malloc'd: the reply may come after the request is gone, then ctx is NULL). */
typedef struct proxy_cache_wait {
    struct proxy_cache_wait *prev, *next;
    proxy_cache_t *pc;
    proxy_ctx_t *ctx;
    policy_cache_result_t result;
    bool is_redis;
} cache_wait_t;

struct proxy_cache {
    uv_loop_t *loop;
    region_cache_t *region;
    uv_check_t check; /* delivers queued completions after the loop's poll */
    uv_idle_t idle;   /* active while the queue is not empty: the next poll does not block */
    cache_wait_t *head, *tail;
    int closing;
    /* External cache: the unit's Redis link (borrowed; NULL: none) and the prefix of every
     * key, "meridian:cache:{service}:{region slug}:{purge generation}:". */
    redis_link_t *redis;
    char prefix[300];
    size_t prefix_len;
    bool has_warned_no_redis;
};

static void deliver(uv_check_t *h)
{
    proxy_cache_t *pc = h->data;
    /* One at a time from the head: a resumed request may queue another operation (it is
     * delivered in this turn too: the call that queued it has returned) or end. */
    while (pc->head) {
        cache_wait_t *w = pc->head;
        pc->head = w->next;
        if (pc->head) pc->head->prev = NULL;
        else pc->tail = NULL;
        proxy_ctx_t *ctx = w->ctx;
        ctx->cache_wait = NULL;
        /* may end the request and free its arena (w with it) */
        policy_exec_resume(ctx->exec, 0, &w->result);
    }
    uv_idle_stop(&pc->idle);
}

static void idle_noop(uv_idle_t *h)
{
    (void)h;
}

proxy_cache_t *proxy_cache_new(uv_loop_t *loop, region_cache_t *region)
{
    proxy_cache_t *pc = calloc(1, sizeof *pc);
    if (!pc) return NULL;
    pc->loop = loop;
    pc->region = region;
    uv_check_init(loop, &pc->check);
    uv_idle_init(loop, &pc->idle);
    pc->check.data = pc->idle.data = pc;
    uv_check_start(&pc->check, deliver);
    uv_unref((uv_handle_t *)&pc->check);
    uv_unref((uv_handle_t *)&pc->idle);
    return pc;
}

void proxy_cache_close(proxy_cache_t *pc)
{
    if (!pc || pc->closing) return;
    pc->closing = 1;
    uv_close((uv_handle_t *)&pc->check, NULL);
    uv_close((uv_handle_t *)&pc->idle, NULL);
}

void proxy_cache_free(proxy_cache_t *pc)
{
    free(pc);
}

uint64_t proxy_cache_generation(const gateway_config_t *cfg)
{
    const json_t *purge = json_object_get((const json_t *)cfg->doc, "cachePurge");
    if (!purge) return 0;
    json_int_t all = json_integer_value(json_object_get(purge, "all"));
    char slug[128];
    json_int_t own = 0;
    if (cfg->region && gateway_region_slug(cfg->region, slug, sizeof slug) > 0)
        own = json_integer_value(json_object_get(json_object_get(purge, "locations"), slug));
    return (uint64_t)(all > 0 ? all : 0) + (uint64_t)(own > 0 ? own : 0);
}

void proxy_cache_on_config(proxy_cache_t *pc, const gateway_config_t *cfg)
{
    if (!pc || !cfg) return;
    uint64_t generation = proxy_cache_generation(cfg);
    if (region_cache_purge(pc->region, generation) == 1)
        log_info("cache purged (generation %llu)", (unsigned long long)generation);
    char slug[128] = "";
    if (cfg->region) gateway_region_slug(cfg->region, slug, sizeof slug);
    int n = snprintf(pc->prefix, sizeof pc->prefix, "meridian:cache:%s:%s:%" PRIu64 ":",
                     cfg->service_name ? cfg->service_name : "", slug, generation);
    pc->prefix_len = n > 0 && (size_t)n < sizeof pc->prefix ? (size_t)n : 0;
}

void proxy_cache_set_redis(proxy_cache_t *pc, redis_link_t *link)
{
    if (pc) pc->redis = link;
}

/* ---- the external cache ---- */

static void redis_got(const redisReply *reply, void *data)
{
    cache_wait_t *w = data;
    proxy_ctx_t *ctx = w->ctx;
    if (!ctx) { /* the request ended first */
        free(w);
        return;
    }
    ctx->cache_wait = NULL;
    policy_cache_result_t result = {0};
    policy_exec_t *exec = ctx->exec;
    if (reply && reply->type == REDIS_REPLY_STRING) {
        char *copy = arena_alloc(exec->arena, reply->len ? reply->len : 1);
        if (copy) {
            memcpy(copy, reply->str, reply->len);
            result = (policy_cache_result_t){.is_hit = true, .value = copy, .value_len = reply->len};
        }
    }
    free(w);
    policy_exec_resume(exec, 0, &result); /* a NULL reply (link failed) is a miss */
}

static void redis_ignored(const redisReply *reply, void *data)
{
    (void)reply;
    (void)data;
}

/* The prefixed key in the arena; NULL when out of memory. */
static char *external_key(proxy_cache_t *pc, arena_t *a, const policy_cache_op_t *op, size_t *len)
{
    char *k = arena_alloc(a, pc->prefix_len + op->key_len);
    if (!k) return NULL;
    memcpy(k, pc->prefix, pc->prefix_len);
    memcpy(k + pc->prefix_len, op->key, op->key_len);
    *len = pc->prefix_len + op->key_len;
    return k;
}

/* Sends the op to Redis. 1: a GET is pending (its wait is ctx->cache_wait); 0: done (a SET
 * or DEL sent, or dropped); -1: a GET that cannot be sent (a miss). */
static int external_op(proxy_cache_t *pc, proxy_ctx_t *ctx, policy_exec_t *exec,
                       const policy_cache_op_t *op)
{
    size_t key_len;
    char *key = external_key(pc, exec->arena, op, &key_len);
    if (!key) return op->verb == POLICY_CACHE_GET ? -1 : 0;
    if (op->verb == POLICY_CACHE_SET) {
        char ttl[24];
        int n = snprintf(ttl, sizeof ttl, "%" PRIu64, op->ttl_ms);
        const char *argv[] = {"SET", key, op->value, "PX", ttl};
        size_t lens[] = {3, key_len, op->value_len, 2, (size_t)n};
        redis_link_command(pc->redis, redis_ignored, NULL, 5, argv, lens);
        return 0;
    }
    if (op->verb == POLICY_CACHE_REMOVE) {
        const char *argv[] = {"DEL", key};
        size_t lens[] = {3, key_len};
        redis_link_command(pc->redis, redis_ignored, NULL, 2, argv, lens);
        return 0;
    }
    cache_wait_t *w = calloc(1, sizeof *w);
    if (!w) return -1;
    w->pc = pc;
    w->ctx = ctx;
    w->is_redis = true;
    const char *argv[] = {"GET", key};
    size_t lens[] = {3, key_len};
    if (redis_link_command(pc->redis, redis_got, w, 2, argv, lens) < 0) {
        free(w);
        return -1; /* down: a miss at once, through the queue */
    }
    ctx->cache_wait = w;
    return 1;
}

static void *arena_alloc_cb(void *ud, size_t len)
{
    return arena_alloc(ud, len);
}

int proxy_cache_op(policy_exec_t *exec, const policy_cache_op_t *op)
{
    proxy_ctx_t *ctx = exec->host_data;
    proxy_cache_t *pc = ctx->gw->cache;
    if (!pc || pc->closing) return POLICY_E_BACKEND_CONNECTION;
    /* caching-type (§2.6): prefer-external is Redis when the location has one */
    bool is_external = op->type == POLICY_CACHE_EXTERNAL ||
                       (op->type == POLICY_CACHE_PREFER_EXTERNAL && pc->redis);
    if (is_external && !pc->redis) {
        if (!pc->has_warned_no_redis)
            log_warn("caching-type=\"external\" but the location has no Redis: lookups miss, "
                     "stores are dropped (docs/caching.md)");
        pc->has_warned_no_redis = true;
        return op->verb == POLICY_CACHE_GET ? POLICY_E_BACKEND_CONNECTION : 0;
    }
    if (is_external) {
        int rc = external_op(pc, ctx, exec, op);
        if (rc >= 0) return 0;
        /* a GET Redis could not take: a miss, completed through the queue below */
    }
    uint64_t hash = region_cache_hash(op->key, op->key_len);
    if (op->verb == POLICY_CACHE_SET) {
        int rc = region_cache_put(pc->region, op->key, op->key_len, hash, op->value, op->value_len,
                                  clock_mono_ms() + op->ttl_ms);
        if (rc < 0 && rc != -E2BIG) log_warn("cache store failed (%d)", rc);
        return 0;
    }
    if (op->verb == POLICY_CACHE_REMOVE) {
        region_cache_remove(pc->region, op->key, op->key_len, hash);
        return 0;
    }
    cache_wait_t *w = arena_alloc(exec->arena, sizeof *w);
    if (!w) return POLICY_E_BACKEND_CONNECTION;
    memset(w, 0, sizeof *w);
    w->pc = pc;
    w->ctx = ctx;
    void *value = NULL;
    size_t len = 0;
    int rc = is_external ? 0
                         : region_cache_get(pc->region, op->key, op->key_len, hash, clock_mono_ms(),
                                            arena_alloc_cb, exec->arena, &value, &len);
    w->result = (policy_cache_result_t){.is_hit = rc == 1, .value = value, .value_len = len};
    w->prev = pc->tail;
    if (pc->tail) pc->tail->next = w;
    else pc->head = w;
    pc->tail = w;
    ctx->cache_wait = w;
    uv_idle_start(&pc->idle, idle_noop);
    return 0;
}

void proxy_cache_cancel(struct proxy_cache_wait **wait)
{
    cache_wait_t *w = *wait;
    if (!w) return;
    if (w->is_redis) { /* freed by redis_got when the reply (or the link's failure) comes */
        w->ctx = NULL;
        *wait = NULL;
        return;
    }
    proxy_cache_t *pc = w->pc;
    if (w->prev) w->prev->next = w->next;
    else pc->head = w->next;
    if (w->next) w->next->prev = w->prev;
    else pc->tail = w->prev;
    *wait = NULL;
}
