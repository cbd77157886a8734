/* Counters for the policy executor: the region table or Redis (limits_host.h). */
#include "gateway/limits_host.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/redis_url.h"
#include "gateway/redis_link.h"
#include "gateway/region_counters.h"
#include "policy/limit_window.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One EVALSHA per check: add to the current bucket, keep it two periods, read the previous
 * bucket (KEYS[2], absent for a counter that never renews). */
static const char COUNT_SCRIPT[] =
    "local c = redis.call('INCRBY', KEYS[1], ARGV[1]) "
    "if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end "
    "local p = 0 "
    "if #KEYS > 1 then p = tonumber(redis.call('GET', KEYS[2]) or '0') end "
    "return {c, p}";

/* The script is loaded once per connection (SCRIPT LOAD, pipelined before the first
 * EVALSHA on it) so that each check sends 40 bytes of hash instead of the script, and Redis
 * neither parses nor hashes it per call. One link per unit process: module state. */
static char script_sha[41];
static const redis_link_t *loaded_link;
static unsigned loaded_connection; /* redis_link_connect_count when it was loaded */

static void compute_script_sha(void)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(COUNT_SCRIPT, sizeof COUNT_SCRIPT - 1, md, &len, EVP_sha1(), NULL) || len != 20)
        abort(); /* start-up: SHA-1 is always there */
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 20; i++) {
        script_sha[2 * i] = hex[md[i] >> 4];
        script_sha[2 * i + 1] = hex[md[i] & 15];
    }
}

static void on_script_loaded(const redisReply *reply, void *data)
{
    (void)data;
    if (reply && reply->type == REDIS_REPLY_ERROR) {
        log_warn("redis: SCRIPT LOAD failed: %s", reply->str);
        loaded_link = NULL;
    }
}

/* Makes sure the connection has the script; false when the link refused the command. */
static bool ensure_script(redis_link_t *link)
{
    unsigned connection = redis_link_connect_count(link);
    if (loaded_link == link && loaded_connection == connection) return true;
    if (!script_sha[0]) compute_script_sha();
    const char *argv[] = {"SCRIPT", "LOAD", COUNT_SCRIPT};
    size_t lens[] = {6, 4, sizeof COUNT_SCRIPT - 1};
    if (redis_link_command(link, on_script_loaded, NULL, 3, argv, lens) < 0) return false;
    loaded_link = link;
    loaded_connection = connection;
    return true;
}

struct limits_pending {
    proxy_ctx_t *ctx; /* NULL: fire and forget, or the exchange is gone */
    policy_counter_result_t *out;
    policy_counter_result_t result;
    bool is_fail_closed;
};

void gateway_limits_configure(gateway_t *gw, const char *url)
{
    if (gw->redis && url && strcmp(redis_link_url(gw->redis), url) == 0) return;
    if (!gw->redis && !url) return;
    if (gw->redis) {
        loaded_link = NULL; /* a new link may get the same address */
        log_info("redis: closing the link to %s", redis_link_url(gw->redis));
        redis_link_free(gw->redis);
        gw->redis = NULL;
    }
    if (!url) {
        log_info("counters: the region's shared table (no redis)");
        return;
    }
    redis_url_t parsed;
    const char *why = NULL;
    if (redis_url_parse(url, &parsed, &why) < 0) {
        log_error("redis URL \"%s\": %s; counting in the region's table", url, why);
        return;
    }
    gw->redis = redis_link_new(gw->loop, url, NULL, &why);
    if (!gw->redis) {
        log_error("redis \"%s\": %s; counting in the region's table", url, why);
        return;
    }
    gw->is_redis_global = parsed.is_global;
    gw->is_redis_fail_closed = parsed.is_fail_closed;
    log_info("counters: redis %s:%d db %d, counting %s, failure %s", parsed.host, parsed.port,
             parsed.db, parsed.is_global ? "global" : "regional",
             parsed.is_fail_closed ? "closed" : "open");
}

void gateway_limits_close(gateway_t *gw)
{
    redis_link_free(gw->redis);
    gw->redis = NULL;
}

void gateway_limits_cancel(proxy_ctx_t *ctx)
{
    if (!ctx->counter_pending) return;
    ctx->counter_pending->ctx = NULL;
    ctx->counter_pending = NULL;
}

static int unavailable(const gateway_t *gw)
{
    return gw->is_redis_fail_closed ? POLICY_E_COUNTER_CLOSED : POLICY_E_COUNTER_OPEN;
}

static void on_reply(const redisReply *reply, void *data)
{
    struct limits_pending *p = data;
    proxy_ctx_t *ctx = p->ctx;
    if (!ctx) {
        free(p);
        return;
    }
    ctx->counter_pending = NULL;
    policy_counter_result_t *out = p->out;
    int status = p->is_fail_closed ? POLICY_E_COUNTER_CLOSED : POLICY_E_COUNTER_OPEN;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER && reply->element[1]->type == REDIS_REPLY_INTEGER) {
        *out = p->result;
        out->current = reply->element[0]->integer;
        out->previous = reply->element[1]->integer;
        status = 0;
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        log_warn("redis: counting failed: %s", reply->str);
        loaded_link = NULL; /* NOSCRIPT (SCRIPT FLUSH): load it again */
    }
    free(p);
    policy_exec_resume(ctx->exec, status, status == 0 ? out : NULL);
}

/* "meridian:{service}:{region slug | global}:" into buf; its length. */
static size_t key_prefix(const proxy_ctx_t *ctx, char *buf, size_t size)
{
    const gateway_t *gw = ctx->gw;
    const char *service = ctx->config->service_name ? ctx->config->service_name : "";
    int n = snprintf(buf, size, "meridian:%s:", service);
    size_t len = n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
    if (gw->is_redis_global) {
        n = snprintf(buf + len, size - len, "global:");
        return len + (n < 0 ? 0 : (size_t)n);
    }
    /* the region's slug: "West US" and "westus" are one region (spec §5.2) */
    const char *region = ctx->config->region ? ctx->config->region : gw->region;
    for (const char *r = region; r && *r && len + 2 < size; r++)
        if (isalnum((unsigned char)*r)) buf[len++] = (char)tolower((unsigned char)*r);
    buf[len++] = ':';
    buf[len] = '\0';
    return len;
}

static int count_in_redis(proxy_ctx_t *ctx, const policy_counter_op_t *op, int64_t now,
                          policy_counter_result_t *out)
{
    gateway_t *gw = ctx->gw;
    if (!redis_link_is_up(gw->redis)) return unavailable(gw);
    int64_t index = limit_bucket_index(now, op->origin_ms, op->period_ms);
    char prefix[300];
    size_t plen = key_prefix(ctx, prefix, sizeof prefix);
    size_t cap = plen + op->key_len + 24;
    char *cur = arena_alloc(ctx->exec->arena, 2 * cap);
    if (!cur) return unavailable(gw);
    char *prev = cur + cap;
    int cur_len = snprintf(cur, cap, "%s%s:%lld", prefix, op->key, (long long)index);
    int prev_len = snprintf(prev, cap, "%s%s:%lld", prefix, op->key, (long long)index - 1);
    char amount[24], ttl[24];
    int amount_len = snprintf(amount, sizeof amount, "%lld", (long long)op->amount);
    int ttl_len = snprintf(ttl, sizeof ttl, "%lld", (long long)(op->period_ms > 0 ? 2 * op->period_ms : 0));
    bool has_prev = op->period_ms > 0;
    if (!ensure_script(gw->redis)) return op->is_no_reply ? 0 : unavailable(gw);
    const char *argv[] = {"EVALSHA", script_sha, has_prev ? "2" : "1", cur,
                          has_prev ? prev : amount, has_prev ? amount : ttl, ttl};
    size_t lens[] = {7, 40, 1, (size_t)cur_len,
                     has_prev ? (size_t)prev_len : (size_t)amount_len,
                     has_prev ? (size_t)amount_len : (size_t)ttl_len, (size_t)ttl_len};
    int argc = has_prev ? 7 : 6;

    struct limits_pending *p = malloc(sizeof *p);
    if (!p) return unavailable(gw);
    *p = (struct limits_pending){
        .ctx = op->is_no_reply ? NULL : ctx,
        .out = out,
        .result = {.bucket_start_ms = limit_bucket_start(index, op->origin_ms, op->period_ms), .now_ms = now},
        .is_fail_closed = gw->is_redis_fail_closed,
    };
    if (redis_link_command(gw->redis, on_reply, p, argc, argv, lens) < 0) {
        free(p);
        return op->is_no_reply ? 0 : unavailable(gw);
    }
    if (!op->is_no_reply) ctx->counter_pending = p;
    return 0;
}

int gateway_limits_counter(policy_exec_t *exec, const policy_counter_op_t *op,
                           policy_counter_result_t *out)
{
    proxy_ctx_t *ctx = exec->host_data;
    int64_t now = (int64_t)clock_wall_ms();
    if (ctx->gw->redis) return count_in_redis(ctx, op, now, out);
    if (region_counters_add(ctx->gw->counters, op->key, op->key_len, now, op->origin_ms, op->period_ms,
                            op->amount, out) < 0) {
        log_warn("counters: the region's table is full; %s is not counted", op->key);
        return POLICY_E_COUNTER_OPEN;
    }
    return POLICY_COUNTER_DONE;
}
