/* redis:// URLs (redis_url.h). */
#include "base/redis_url.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* "counting=global&failure=closed": the options after '?' (a '#' ends them). */
static int parse_query(const char *q, redis_url_t *out, const char **why)
{
    while (*q && *q != '#') {
        size_t n = strcspn(q, "&#");
        if (n == 17 && memcmp(q, "counting=regional", n) == 0) {
            out->is_global = false;
        } else if (n == 15 && memcmp(q, "counting=global", n) == 0) {
            out->is_global = true;
        } else if (n == 12 && memcmp(q, "failure=open", n) == 0) {
            out->is_fail_closed = false;
        } else if (n == 14 && memcmp(q, "failure=closed", n) == 0) {
            out->is_fail_closed = true;
        } else if (n) {
            *why = "the query may only hold counting=regional|global and failure=open|closed";
            return -EINVAL;
        }
        q += n;
        if (*q == '&') q++;
    }
    return 0;
}

int redis_url_parse(const char *url, redis_url_t *out, const char **why)
{
    memset(out, 0, sizeof *out);
    out->port = 6379;
    static const char scheme[] = "redis://";
    if (strncasecmp(url, scheme, sizeof scheme - 1) != 0) {
        *why = "must start with redis://";
        return -EINVAL;
    }
    const char *p = url + sizeof scheme - 1;
    const char *end = p + strcspn(p, "/?#");
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at) {
        /* userinfo: ":password" or "user:password"; Redis 5 has no users, the name is ignored */
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p;
        size_t n = (size_t)(at - pw);
        if (n >= sizeof out->password) {
            *why = "password is too long";
            return -EINVAL;
        }
        memcpy(out->password, pw, n);
        p = at + 1;
    }
    const char *host_end;
    const char *port_at = NULL;
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close) {
            *why = "unterminated [IPv6] host";
            return -EINVAL;
        }
        p++;
        host_end = close;
        if (close + 1 < end) {
            if (close[1] != ':') {
                *why = "junk after the [IPv6] host";
                return -EINVAL;
            }
            port_at = close + 2;
        }
    } else {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        host_end = colon ? colon : end;
        if (colon) port_at = colon + 1;
    }
    size_t hn = (size_t)(host_end - p);
    if (hn == 0 || hn >= sizeof out->host) {
        *why = hn ? "host is too long" : "host is missing";
        return -EINVAL;
    }
    memcpy(out->host, p, hn);
    if (port_at) {
        long port = 0;
        if (port_at == end) {
            *why = "port is empty";
            return -EINVAL;
        }
        for (const char *d = port_at; d < end; d++) {
            if (*d < '0' || *d > '9' || port > 65535) {
                *why = "port must be a number from 1 to 65535";
                return -EINVAL;
            }
            port = port * 10 + (*d - '0');
        }
        if (port < 1 || port > 65535) {
            *why = "port must be a number from 1 to 65535";
            return -EINVAL;
        }
        out->port = (int)port;
    }
    if (*end == '/') {
        const char *d = end + 1;
        long db = 0;
        size_t digits = 0;
        for (; *d >= '0' && *d <= '9' && digits < 6; d++, digits++)
            db = db * 10 + (*d - '0');
        if (*d && *d != '?' && *d != '#') {
            *why = "database must be a number (redis://host:port/DB)";
            return -EINVAL;
        }
        out->db = (int)db;
        end = d;
    }
    if (*end == '?') return parse_query(end + 1, out, why);
    return 0;
}
