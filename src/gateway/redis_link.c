/* One unit's Redis connection (redis_link.h). */
#include "gateway/redis_link.h"

#include "base/clock.h"
#include "base/log.h"

#include <errno.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libuv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_INITIAL_MS 100u
#define BACKOFF_MAX_MS 5000u
#define DEFAULT_TIMEOUT_MS 1000u

typedef enum {
    LINK_WAITING,    /* the reconnect timer runs */
    LINK_CONNECTING, /* hiredis' non-blocking connect is in progress */
    LINK_UP,
    LINK_CLOSING,
} link_state_t;

struct redis_link {
    uv_loop_t *loop;
    char *url;
    redis_link_url_t target;
    uint32_t timeout_ms;
    link_state_t state;
    redisAsyncContext *ac;
    uv_timer_t reconnect_timer, watchdog;
    int open_handles;          /* timers not closed yet (freeing waits for them) */
    uint32_t backoff_ms;
    uint64_t connect_started_ms;
    uint64_t last_progress_ms; /* last reply, or when the first outstanding command left */
    uint32_t outstanding;
    uint64_t commands_sent;
    unsigned connect_count;
    bool has_warned; /* one warning per outage, not one per retry */
};

typedef struct {
    redis_link_t *link;
    redis_link_reply_fn fn;
    void *data;
} command_t;

int redis_link_parse_url(const char *url, redis_link_url_t *out, const char **why)
{
    return redis_url_parse(url, out, why);
}

/* ---- connection life ---- */

static void start_connect(redis_link_t *link);

static void on_reconnect_timer(uv_timer_t *t)
{
    redis_link_t *link = t->data;
    if (link->state == LINK_WAITING) start_connect(link);
}

static void retry_later(redis_link_t *link, const char *what)
{
    if (!link->has_warned) {
        log_warn("redis %s:%d: %s; retrying (every %u..%u ms) while it is down",
                 link->target.host, link->target.port, what, BACKOFF_INITIAL_MS, BACKOFF_MAX_MS);
        link->has_warned = true;
    }
    link->state = LINK_WAITING;
    uv_timer_start(&link->reconnect_timer, on_reconnect_timer, link->backoff_ms, 0);
    uint32_t next = link->backoff_ms * 2;
    link->backoff_ms = next > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : next;
}

static void on_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)privdata;
    const redisReply *reply = r;
    redis_link_t *link = ac->data;
    if (!reply || !link || link->state != LINK_UP) return;
    if (reply->type == REDIS_REPLY_ERROR) {
        log_error("redis %s:%d: setting up the connection failed: %s", link->target.host,
                  link->target.port, reply->str);
        /* the connection is useless (wrong password or db): drop it, retry with back-off */
        link->state = LINK_CONNECTING;
        redisAsyncDisconnect(ac);
    }
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    redis_link_t *link = ac->data;
    if (!link || link->state == LINK_CLOSING) return;
    if (status != REDIS_OK) {
        /* hiredis frees the context after this returns */
        link->ac = NULL;
        retry_later(link, ac->errstr[0] ? ac->errstr : "cannot connect");
        return;
    }
    link->state = LINK_UP;
    link->connect_count++;
    link->backoff_ms = BACKOFF_INITIAL_MS;
    link->last_progress_ms = clock_mono_ms();
    if (link->has_warned || link->connect_count > 1)
        log_info("redis %s:%d: connected", link->target.host, link->target.port);
    link->has_warned = false;
    redisAsyncContext *c = link->ac;
    if (link->target.password[0])
        redisAsyncCommand(c, on_setup_reply, NULL, "AUTH %s", link->target.password);
    if (link->target.db) redisAsyncCommand(c, on_setup_reply, NULL, "SELECT %d", link->target.db);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    (void)status;
    redis_link_t *link = ac->data;
    if (!link) return;
    link->ac = NULL; /* hiredis frees it after this returns */
    link->outstanding = 0;
    if (link->state == LINK_CLOSING) return;
    retry_later(link, ac->errstr[0] ? ac->errstr : "connection closed");
}

static void start_connect(redis_link_t *link)
{
    link->state = LINK_CONNECTING;
    link->connect_started_ms = clock_mono_ms();
    redisAsyncContext *ac = redisAsyncConnect(link->target.host, link->target.port);
    if (!ac) {
        retry_later(link, "out of memory");
        return;
    }
    if (ac->err) {
        char why[160];
        snprintf(why, sizeof why, "%s", ac->errstr);
        redisAsyncFree(ac);
        retry_later(link, why);
        return;
    }
    ac->data = link;
    if (redisLibuvAttach(ac, link->loop) != REDIS_OK) {
        redisAsyncFree(ac);
        retry_later(link, "cannot watch the socket");
        return;
    }
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    link->ac = ac;
}

/* Gives up a connection that does not answer: outstanding commands complete with NULL. */
static void drop_connection(redis_link_t *link, const char *why)
{
    redisAsyncContext *ac = link->ac;
    bool was_up = link->state == LINK_UP;
    link->state = LINK_CONNECTING; /* not UP: callbacks run below cannot send again */
    if (was_up) {
        log_warn("redis %s:%d: %s; reconnecting", link->target.host, link->target.port, why);
        link->has_warned = true;
    }
    /* redisAsyncFree runs the pending callbacks with NULL, then on_disconnect if the
     * connection had been made (which schedules the retry); otherwise we schedule it. */
    redisAsyncFree(ac);
    if (link->ac) {
        link->ac = NULL;
        retry_later(link, why);
    }
}

static void on_ping_reply(const redisReply *reply, void *data)
{
    (void)reply;
    (void)data;
}

/* hiredis' libuv adapter drops poll errors (a refused connect, a reset connection: libuv
 * reports POLLERR as a status the adapter ignores, and stops watching the socket), so
 * failures are found here: a connect or a command that takes longer than the timeout,
 * and an idle connection is probed with PING so a dead one is found before a request
 * needs it. */
static void on_watchdog(uv_timer_t *t)
{
    redis_link_t *link = t->data;
    uint64_t now = clock_mono_ms();
    if (link->state == LINK_CONNECTING && link->ac &&
        now - link->connect_started_ms > link->timeout_ms) {
        drop_connection(link, "connect failed or timed out");
    } else if (link->state == LINK_UP && now - link->last_progress_ms > link->timeout_ms) {
        if (link->outstanding) {
            drop_connection(link, "no reply within the command timeout");
        } else {
            const char *ping[] = {"PING"};
            redis_link_command(link, on_ping_reply, NULL, 1, ping, NULL);
        }
    }
}

redis_link_t *redis_link_new(uv_loop_t *loop, const char *url, const redis_link_options_t *opts,
                             const char **why)
{
    redis_link_t *link = calloc(1, sizeof *link);
    if (!link) {
        *why = "out of memory";
        return NULL;
    }
    if (redis_link_parse_url(url, &link->target, why) < 0) goto fail_url;
    link->url = strdup(url);
    if (!link->url) {
        *why = "out of memory";
        goto fail_url;
    }
    link->loop = loop;
    link->timeout_ms = opts && opts->command_timeout_ms ? opts->command_timeout_ms : DEFAULT_TIMEOUT_MS;
    link->backoff_ms = BACKOFF_INITIAL_MS;
    uv_timer_init(loop, &link->reconnect_timer);
    uv_timer_init(loop, &link->watchdog);
    link->reconnect_timer.data = link->watchdog.data = link;
    link->open_handles = 2;
    uint64_t tick = link->timeout_ms / 4 ? link->timeout_ms / 4 : 1;
    uv_timer_start(&link->watchdog, on_watchdog, tick, tick);
    start_connect(link);
    return link;

fail_url:
    free(link);
    return NULL;
}

static void on_handle_closed(uv_handle_t *h)
{
    redis_link_t *link = h->data;
    if (--link->open_handles == 0) {
        free(link->url);
        free(link);
    }
}

void redis_link_free(redis_link_t *link)
{
    if (!link) return;
    link->state = LINK_CLOSING;
    if (link->ac) {
        redisAsyncContext *ac = link->ac;
        link->ac = NULL;
        ac->data = NULL; /* on_connect/on_disconnect must not touch the link any more */
        redisAsyncFree(ac);
    }
    uv_close((uv_handle_t *)&link->reconnect_timer, on_handle_closed);
    uv_close((uv_handle_t *)&link->watchdog, on_handle_closed);
}

bool redis_link_is_up(const redis_link_t *link)
{
    return link && link->state == LINK_UP;
}

const char *redis_link_url(const redis_link_t *link)
{
    return link->url;
}

uint64_t redis_link_commands_sent(const redis_link_t *link)
{
    return link->commands_sent;
}

unsigned redis_link_connect_count(const redis_link_t *link)
{
    return link->connect_count;
}

/* ---- commands ---- */

static void on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    command_t *cmd = privdata;
    redis_link_t *link = cmd->link;
    if (link->outstanding) link->outstanding--;
    link->last_progress_ms = clock_mono_ms();
    cmd->fn(r, cmd->data);
    free(cmd);
}

int redis_link_command(redis_link_t *link, redis_link_reply_fn fn, void *data, int argc,
                       const char **argv, const size_t *argv_len)
{
    if (!link || link->state != LINK_UP || !link->ac) return -ENOTCONN;
    command_t *cmd = malloc(sizeof *cmd);
    if (!cmd) return -ENOMEM;
    *cmd = (command_t){.link = link, .fn = fn, .data = data};
    if (link->outstanding == 0) link->last_progress_ms = clock_mono_ms();
    if (redisAsyncCommandArgv(link->ac, on_reply, cmd, argc, argv, argv_len) != REDIS_OK) {
        free(cmd);
        return -ENOTCONN;
    }
    link->outstanding++;
    link->commands_sent++;
    return 0;
}
