/* gateway_connect_to: per-unit overrides of where a backend origin is connected, the
 * `--connect-to` option (docs/cli.md), after curl's option of the same name.
 *
 * A policy names its backends as users wrote them (`base-url="http://contoso-us.com/"` in
 * the regional-routing example, spec §2.2); in a region whose machines reach that backend
 * at another address — a local replica, a test double — the unit is told
 * "contoso-us.com:80=127.0.0.1:9001": the connection goes to 127.0.0.1:9001 while the
 * request keeps `Host: contoso-us.com` and the pool keys by the target. Names are compared
 * ASCII case-insensitively; a port of 0 on the left matches any port. */
#ifndef MERIDIAN_GATEWAY_CONNECT_TO_H
#define MERIDIAN_GATEWAY_CONNECT_TO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *host; /* lower-case */
    uint16_t port; /* 0 = any */
    char *to_host;
    uint16_t to_port;
    char *to_origin_key; /* "to_host:to_port" */
} gateway_connect_to_rule_t;

typedef struct {
    gateway_connect_to_rule_t *rules;
    size_t count;
} gateway_connect_to_t;

/* Parses "host:port=host:port[,host:port=host:port...]" (IPv6 literals in brackets).
 * Returns 0, or -EINVAL with err[err_size] saying which rule is wrong and why. On success
 * free with gateway_connect_to_free. */
int gateway_connect_to_parse(const char *text, gateway_connect_to_t *out, char *err,
                             size_t err_size);
void gateway_connect_to_free(gateway_connect_to_t *c);

/* The rule for (host, port), or NULL. */
const gateway_connect_to_rule_t *gateway_connect_to_find(const gateway_connect_to_t *c,
                                                         const char *host, uint16_t port);

#endif
