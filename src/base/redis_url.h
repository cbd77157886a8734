/* redis_url: the redis:// URLs of the gateway's Redis settings (docs/limits.md "Redis"):
 *
 *   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?counting=regional|global&failure=open|closed]
 *
 * Port 6379 and db 0 by default; HOST may be [IPv6]. The query carries the two settings a
 * location's `redis` object has as members, so that `meridian gateway --redis URL` (file
 * mode) says everything in one option. In base/ because both the management API (which
 * checks a location's settings) and the gateway (which connects) read them. */
#ifndef MERIDIAN_BASE_REDIS_URL_H
#define MERIDIAN_BASE_REDIS_URL_H

#include <stdbool.h>

typedef struct {
    char host[256];
    int port;
    int db;
    char password[256]; /* "" = no AUTH */
    bool is_global;      /* counting=global: keys shared with other regions on this Redis */
    bool is_fail_closed; /* failure=closed: refuse requests while Redis is unreachable */
} redis_url_t;

/* 0, or -EINVAL with *why naming the problem (static text). */
int redis_url_parse(const char *url, redis_url_t *out, const char **why);

#endif
