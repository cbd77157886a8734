/* ipmatch: the address lists of ip-filter (spec/apim-gateway.md §2.4) — single addresses and
 * inclusive ranges, IPv4 and IPv6 — compiled once when the configuration is compiled, then
 * matched against the caller's address per request without parsing anything but that
 * address.
 *
 * Addresses are kept as 16 bytes: IPv6 as written, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d,
 * RFC 4291 §2.5.5.2), so one comparison serves both families and an IPv4 rule never matches
 * an IPv6 caller outside the mapped block. A caller written as ::ffff:10.0.0.1 (what a
 * dual-stack socket reports for an IPv4 peer) matches the IPv4 rule 10.0.0.1.
 *
 * A list is immutable once built and may be read by any thread. */
#ifndef MERIDIAN_POLICY_IPMATCH_H
#define MERIDIAN_POLICY_IPMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t bytes[16]; /* network order; IPv4 mapped into ::ffff:0:0/96 */
} ipmatch_addr_t;

typedef struct {
    ipmatch_addr_t from, to; /* inclusive; a single address has from == to */
} ipmatch_range_t;

typedef struct {
    ipmatch_range_t *ranges; /* malloc'd */
    size_t count, cap;
} ipmatch_t;

/* Parses an IPv4 dotted quad or an IPv6 address (surrounding spaces ignored; no prefix
 * length, no zone). 0 with *out, or -EINVAL. */
int ipmatch_parse(const char *text, size_t len, ipmatch_addr_t *out);
/* True when the address is IPv4 (mapped). */
bool ipmatch_is_ipv4(const ipmatch_addr_t *addr);
/* The address as text (IPv4 dotted, IPv6 RFC 5952 form) into out[size >= 46]. */
void ipmatch_format(const ipmatch_addr_t *addr, char *out, size_t size);

void ipmatch_init(ipmatch_t *list);
void ipmatch_free(ipmatch_t *list);
/* Adds <address>text</address>: 0, -ENOMEM, or -EINVAL with a reason in why[why_size]
 * ("'10.0.0.0/8' is not an IP address (a prefix length is not accepted: use
 * <address-range>)"). */
int ipmatch_add_address(ipmatch_t *list, const char *text, char *why, size_t why_size);
/* Adds <address-range from to>: both of one family, from <= to; 0, -ENOMEM or -EINVAL. */
int ipmatch_add_range(ipmatch_t *list, const char *from, const char *to, char *why,
                      size_t why_size);
/* True when `addr` lies in one of the list's addresses or ranges. */
bool ipmatch_contains(const ipmatch_t *list, const ipmatch_addr_t *addr);

#endif
