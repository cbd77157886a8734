/* router_dns_server: the authoritative DNS front door on a libuv loop, UDP and TCP on the
 * same address (RFC 1035 §4.2; TCP messages carry a two-byte length, RFC 7766 §8, and a
 * connection may carry several queries). Each query is parsed by dns_parse_query and
 * answered by dns_answer with the monitor's current statuses; malformed queries get
 * FORMERR/NOTIMP/BADVERS, packets that are not queries are dropped. Idle TCP connections
 * are closed after 10 s (RFC 7766 §6.2.3). */
#ifndef MERIDIAN_ROUTER_DNS_SERVER_H
#define MERIDIAN_ROUTER_DNS_SERVER_H

#include "router/profile.h"
#include "router/route.h"

#include <stdint.h>
#include <uv.h>

typedef struct router_dns_server router_dns_server_t;

typedef struct {
    uint64_t queries;   /* parsed and answered */
    uint64_t errors;    /* answered with FORMERR/NOTIMP/BADVERS */
    uint64_t dropped;   /* not answered */
} router_dns_stats_t;

/* Listens on addr ("127.0.0.1:5353", "[::1]:53") for UDP and TCP. cfg and statuses must
 * outlive the server (or the next router_dns_set_config). Returns 0 or a negative libuv error. */
int router_dns_listen(uv_loop_t *loop, const char *addr, const router_config_t *cfg,
                      const router_status_t *statuses, router_dns_server_t **out);
/* A reload: queries from now on are answered from cfg and statuses (the sockets stay
 * open; queries are answered synchronously, so nothing keeps the old configuration). */
void router_dns_set_config(router_dns_server_t *s, const router_config_t *cfg,
                           const router_status_t *statuses);
router_dns_stats_t router_dns_stats(const router_dns_server_t *s);
/* Closes the sockets and connections; frees itself on the loop. */
void router_dns_close(router_dns_server_t *s);

#endif
