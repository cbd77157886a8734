/* router_dns: the authoritative DNS message layer — a strict query parser (RFC 1035 §4,
 * EDNS(0) RFC 6891, Client Subnet RFC 7871) and the answer builder of traffic-routing.md
 * §3 (record shapes §3.8, NODATA/NXDOMAIN with the zone SOA, RFC 2308). Pure functions:
 * the server (dns_server.h) does the I/O, the fuzz driver calls them directly. */
#ifndef MERIDIAN_ROUTER_DNS_H
#define MERIDIAN_ROUTER_DNS_H

#include "router/profile.h"
#include "router/route.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    DNS_TYPE_A = 1,
    DNS_TYPE_NS = 2,
    DNS_TYPE_CNAME = 5,
    DNS_TYPE_SOA = 6,
    DNS_TYPE_AAAA = 28,
    DNS_TYPE_OPT = 41,
    DNS_TYPE_ANY = 255,
};

enum {
    DNS_RCODE_NOERROR = 0,
    DNS_RCODE_FORMERR = 1,
    DNS_RCODE_SERVFAIL = 2,
    DNS_RCODE_NXDOMAIN = 3,
    DNS_RCODE_NOTIMP = 4,
    DNS_RCODE_REFUSED = 5,
    DNS_RCODE_BADVERS = 16, /* extended: upper 8 bits go in the OPT record */
};

#define DNS_MAX_MESSAGE 65535
#define DNS_MAX_NAME 255

typedef struct {
    uint16_t id;
    uint8_t opcode;
    bool rd;
    char qname[DNS_MAX_NAME + 1];  /* dotted, lower case, no final dot; "" = the root */
    uint16_t qtype, qclass;
    bool has_edns;
    uint16_t udp_size;             /* EDNS requestor payload size (>= 512) */
    bool has_ecs;
    uint16_t ecs_family;           /* 1 = IPv4, 2 = IPv6 */
    uint8_t ecs_source;            /* SOURCE PREFIX-LENGTH */
    router_addr_t ecs_addr;
} dns_query_t;

/* Parses one query message. Returns an rcode: DNS_RCODE_NOERROR (q complete),
 * DNS_RCODE_FORMERR, DNS_RCODE_NOTIMP (opcode other than QUERY, class other than IN/ANY)
 * or DNS_RCODE_BADVERS (EDNS version > 0); q->id, opcode and rd are set whenever the
 * header was readable, so the error can be answered. Returns -1 when the message must be
 * dropped without an answer: shorter than a header, or a response (QR set; answering
 * responses invites loops). `why` (may be NULL) receives a short reason. */
int dns_parse_query(const uint8_t *msg, size_t len, dns_query_t *q, const char **why);

/* Writes the response to q into out (capacity cap >= 512), for a query that arrived from
 * `source`, over UDP when is_udp (then truncated to the client's payload size with TC
 * set, RFC 1035 §4.2.1 / RFC 6891 §6.2.5). Returns the length. */
size_t dns_answer(const router_config_t *c, const router_status_t *statuses, const dns_query_t *q,
                  const router_addr_t *source, uint64_t entropy, bool is_udp, uint8_t *out,
                  size_t cap);

/* An error response (FORMERR, NOTIMP, BADVERS, SERVFAIL) echoing the query's id and, when
 * q->qname was read, its question. Returns the length. */
size_t dns_error(const dns_query_t *q, int rcode, bool has_question, uint8_t *out, size_t cap);

#endif
