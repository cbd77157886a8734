/* --connect-to overrides: see connect_to.h. */
#include "gateway/connect_to.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Splits "host:port" (host may be "[v6]") into a malloc'd host and a port. */
static int split_host_port(const char *p, size_t n, bool allow_any_port, char **host,
                           uint16_t *port, const char **why)
{
    const char *colon;
    const char *host_start = p, *host_end;
    if (n && p[0] == '[') {
        const char *close = memchr(p, ']', n);
        if (!close) return *why = "unclosed '['", -EINVAL;
        host_start = p + 1;
        host_end = close;
        colon = close + 1 < p + n && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = NULL;
        for (const char *q = p + n; q > p; q--)
            if (q[-1] == ':') {
                colon = q - 1;
                break;
            }
        host_end = colon;
    }
    if (!colon) return *why = "expected host:port", -EINVAL;
    if (host_end == host_start) return *why = "empty host", -EINVAL;
    const char *digits = colon + 1, *end = p + n;
    if (digits == end) return *why = "empty port", -EINVAL;
    unsigned long v = 0;
    for (const char *d = digits; d < end; d++) {
        if (!isdigit((unsigned char)*d)) return *why = "port is not a number", -EINVAL;
        v = v * 10 + (unsigned long)(*d - '0');
        if (v > 65535) return *why = "port above 65535", -EINVAL;
    }
    if (v == 0 && !allow_any_port) return *why = "target port 0", -EINVAL;
    size_t hl = (size_t)(host_end - host_start);
    char *h = malloc(hl + 1);
    if (!h) abort();
    for (size_t i = 0; i < hl; i++)
        h[i] = (char)tolower((unsigned char)host_start[i]);
    h[hl] = '\0';
    *host = h;
    *port = (uint16_t)v;
    return 0;
}

void gateway_connect_to_free(gateway_connect_to_t *c)
{
    for (size_t i = 0; i < c->count; i++) {
        free(c->rules[i].host);
        free(c->rules[i].to_host);
        free(c->rules[i].to_origin_key);
    }
    free(c->rules);
    c->rules = NULL;
    c->count = 0;
}

int gateway_connect_to_parse(const char *text, gateway_connect_to_t *out, char *err,
                             size_t err_size)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    size_t index = 0;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        const char *why = NULL;
        gateway_connect_to_rule_t r = {0};
        index++;
        if (!eq) why = "expected HOST:PORT=HOST:PORT";
        else if (split_host_port(p, (size_t)(eq - p), true, &r.host, &r.port, &why) == 0 &&
                 split_host_port(eq + 1, (size_t)(p + n - eq - 1), false, &r.to_host, &r.to_port,
                                 &why) == 0) {
            bool v6 = strchr(r.to_host, ':') != NULL;
            if (asprintf(&r.to_origin_key, v6 ? "[%s]:%u" : "%s:%u", r.to_host,
                         (unsigned)r.to_port) < 0)
                abort();
            gateway_connect_to_rule_t *grown =
                realloc(out->rules, (out->count + 1) * sizeof *out->rules);
            if (!grown) abort();
            out->rules = grown;
            out->rules[out->count++] = r;
        }
        if (why) {
            free(r.host);
            free(r.to_host);
            snprintf(err, err_size, "rule %zu \"%.*s\": %s", index, (int)n, p, why);
            gateway_connect_to_free(out);
            return -EINVAL;
        }
        p += n;
        if (*p == ',') p++;
    }
    return 0;
}

const gateway_connect_to_rule_t *gateway_connect_to_find(const gateway_connect_to_t *c,
                                                         const char *host, uint16_t port)
{
    for (size_t i = 0; i < c->count; i++) {
        const gateway_connect_to_rule_t *r = &c->rules[i];
        if ((r->port == 0 || r->port == port) && strcasecmp(r->host, host) == 0) return r;
    }
    return NULL;
}
