/* redis_link: one unit's connection to a Redis server (hiredis' asynchronous API on the
 * unit's libuv loop), shared by every user in the unit: counters (rate limits, quotas —
 * docs/limits.md) and the cache (docs/caching.md).
 *
 * One link = one TCP connection, commands pipelined on it in the order they are sent.
 * The link connects at once, and again after any failure with a back-off (100 ms doubling
 * to 5 s, back to 100 ms after a connection that worked). While it is not connected it is
 * "down": redis_link_command refuses at once (-ENOTCONN) instead of queueing, so a caller
 * decides on the spot what a missing Redis means for it (fail open or closed).
 *
 * A command that gets no reply within `command_timeout_ms` (default 1000 ms; also the
 * connect timeout) takes the connection down: every outstanding command then completes with
 * a NULL reply and the link reconnects. hiredis 0.14 has no timeouts of its own; without
 * this a Redis that stops answering (SIGSTOP, a dead host) would hold requests for ever.
 *
 * URL: redis://[:PASSWORD@]HOST[:PORT][/DB] (port 6379, db 0 by default). On connect the
 * link sends AUTH (when a password is given) and SELECT (db != 0) before anything else.
 * HOST should be an IP address: hiredis resolves names with a blocking getaddrinfo.
 *
 * Callbacks: `fn` runs exactly once per accepted command, on the loop, never inside
 * redis_link_command; with the reply, or NULL when the connection failed or the link is
 * being freed (redis_link_free calls the outstanding ones with NULL before it returns). */
#ifndef MERIDIAN_GATEWAY_REDIS_LINK_H
#define MERIDIAN_GATEWAY_REDIS_LINK_H

#include "base/redis_url.h"

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct redis_link redis_link_t;

typedef redis_url_t redis_link_url_t;

/* redis_url_parse (base/redis_url.h). */
int redis_link_parse_url(const char *url, redis_link_url_t *out, const char **why);

typedef struct {
    uint32_t command_timeout_ms; /* 0 = 1000 */
} redis_link_options_t;

/* A link to `url` on `loop` (opts may be NULL); it starts connecting at once. NULL with
 * *why when the URL is malformed (or out of memory). */
redis_link_t *redis_link_new(uv_loop_t *loop, const char *url, const redis_link_options_t *opts,
                             const char **why);

/* Closes the connection (outstanding commands complete with NULL, before this returns)
 * and frees the link once libuv has closed its handles (run the loop). NULL is a no-op. */
void redis_link_free(redis_link_t *link);

/* True while connected (commands are accepted). */
bool redis_link_is_up(const redis_link_t *link);
/* The URL the link was made with (for comparing settings on a configuration change). */
const char *redis_link_url(const redis_link_t *link);

/* NULL reply: the link failed before a reply came (or is being freed). A reply of type
 * REDIS_REPLY_ERROR is Redis' own error ("ERR ..."), not a link failure. The reply is
 * hiredis' and is freed after fn returns. */
typedef void (*redis_link_reply_fn)(const redisReply *reply, void *data);

/* Sends one command (argv strings with their lengths). 0: fn will run once; -ENOTCONN: the
 * link is down, fn never runs; -ENOMEM. */
int redis_link_command(redis_link_t *link, redis_link_reply_fn fn, void *data, int argc,
                       const char **argv, const size_t *argv_len);

/* Counters for metrics and tests: commands sent, and connections made since the start. */
uint64_t redis_link_commands_sent(const redis_link_t *link);
unsigned redis_link_connect_count(const redis_link_t *link);

#endif
