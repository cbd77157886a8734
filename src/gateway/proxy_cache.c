/* proxy_cache: the policy host's cache operations (proxy_cache.h). */
#include "gateway/proxy_cache.h"

#include "base/clock.h"
#include "base/log.h"
#include "gateway/proxy_internal.h"
#include "gateway/sync.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A GET whose result waits for the check handle. Lives in the request's arena. */
typedef struct proxy_cache_wait {
    struct proxy_cache_wait *prev, *next;
    proxy_cache_t *pc;
    proxy_ctx_t *ctx;
    policy_cache_result_t result;
} cache_wait_t;

struct proxy_cache {
    uv_loop_t *loop;
    region_cache_t *region;
    uv_check_t check; /* delivers queued completions after the loop's poll */
    uv_idle_t idle;   /* active while the queue is not empty: the next poll does not block */
    cache_wait_t *head, *tail;
    int closing;
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
    int rc = region_cache_get(pc->region, op->key, op->key_len, hash, clock_mono_ms(),
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
    proxy_cache_t *pc = w->pc;
    if (w->prev) w->prev->next = w->next;
    else pc->head = w->next;
    if (w->next) w->next->prev = w->prev;
    else pc->tail = w->prev;
    *wait = NULL;
}
