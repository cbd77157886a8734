/* host_port: the "host:port" listen addresses that the command line and `meridian run`
 * handle. Hosts are IP literals (the listeners bind without DNS): "127.0.0.1:8080",
 * "0.0.0.0:80", "[::1]:8080" (RFC 3986 §3.2.2 brackets for IPv6). */
#ifndef MERIDIAN_DEPLOY_HOST_PORT_H
#define MERIDIAN_DEPLOY_HOST_PORT_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char host[INET6_ADDRSTRLEN]; /* the IP literal, without brackets */
    uint16_t port;
    bool is_ipv6;
} host_port_t;

/* Parses `text`. Returns 0, or -EINVAL with *err set to a static message saying what is
 * wrong. Port 0 (ephemeral) is accepted; callers that cannot use it check for it. */
int host_port_parse(const char *text, host_port_t *out, const char **err);

/* Writes "host:port" ("[v6]:port" for IPv6) into out; returns what snprintf returns. */
int host_port_format(const host_port_t *hp, uint16_t port, char *out, size_t size);

/* True when a TCP connection to the address is accepted within about 200 ms (an
 * unspecified host such as 0.0.0.0 is probed on loopback). Blocking: not for event loops. */
bool host_port_is_accepting(const host_port_t *hp, uint16_t port);

#endif
