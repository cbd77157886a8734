/* Fuzz driver for src/router/dns.h: every input is parsed as a DNS query and answered
 * (over UDP and TCP sizes) from a fixed profile set with every routing method. abort() on
 * any broken invariant:
 * - dns_parse_query returns -1, NOERROR, FORMERR, NOTIMP or BADVERS; -1 only for inputs
 *   shorter than a header or with QR set; a parsed name is at most 255 bytes, lower case;
 * - every answer or error is a response (QR set) to the same id with one question at most,
 *   no longer than the buffer, and within 512 bytes (or the EDNS size) over UDP;
 * - a response parses back: its header counts match records that lie inside it. */
#include "router/dns.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_dns: invariant failed: %s (line %d)\n", #cond, __LINE__);    \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static const char profiles[] =
    "{\"zone\":\"tm.example\",\"latency\":[{\"subnet\":\"127.0.1.0/24\",\"regions\":{\"us\":5,\"asia\":90}}],"
    "\"locations\":[{\"subnet\":\"127.0.1.0/24\",\"codes\":[\"US\",\"GEO-NA\"]}],\"profiles\":["
    "{\"name\":\"perf\",\"routingMethod\":\"Performance\",\"monitor\":{\"protocol\":\"TCP\",\"port\":80},"
    "\"endpoints\":[{\"name\":\"u\",\"target\":\"192.0.2.1\",\"location\":\"us\"},"
    "{\"name\":\"a\",\"target\":\"192.0.2.2\",\"location\":\"asia\"}]},"
    "{\"name\":\"geo\",\"routingMethod\":\"Geographic\",\"monitor\":{\"protocol\":\"TCP\",\"port\":80},"
    "\"endpoints\":[{\"name\":\"g\",\"target\":\"us.example.net\",\"geoMapping\":[\"GEO-NA\"]}]},"
    "{\"name\":\"mv\",\"routingMethod\":\"MultiValue\",\"maxReturn\":10,\"monitor\":{\"protocol\":\"TCP\",\"port\":80},"
    "\"endpoints\":[{\"name\":\"m1\",\"target\":\"192.0.2.11\"},{\"name\":\"m2\",\"target\":\"2001:db8::2\"}]},"
    "{\"name\":\"sub\",\"routingMethod\":\"Subnet\",\"monitor\":{\"protocol\":\"TCP\",\"port\":80},"
    "\"endpoints\":[{\"name\":\"s\",\"target\":\"192.0.2.21\",\"subnets\":[\"10.0.0.0/8\"]}]}]}";

static router_config_t *cfg;
static router_status_t statuses[16];

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Walks a name in a response (compression allowed, bounded); returns the end or 0. */
static size_t skip_name(const uint8_t *m, size_t len, size_t pos)
{
    for (int hops = 0; pos < len && hops < 128; hops++) {
        uint8_t l = m[pos];
        if (l == 0) return pos + 1;
        if ((l & 0xC0) == 0xC0) return pos + 2 <= len ? pos + 2 : 0;
        pos += 1u + l;
    }
    return 0;
}

static void check_response(const dns_query_t *q, const uint8_t *r, size_t n, size_t limit)
{
    CHECK(n >= 12 && n <= limit);
    CHECK(get16(r) == q->id);
    CHECK(r[2] & 0x80);
    size_t qd = get16(r + 4), count = (size_t)get16(r + 6) + get16(r + 8) + get16(r + 10);
    CHECK(qd <= 1);
    size_t pos = 12;
    if (qd) {
        pos = skip_name(r, n, pos);
        CHECK(pos && pos + 4 <= n);
        pos += 4;
    }
    for (size_t i = 0; i < count; i++) {
        pos = skip_name(r, n, pos);
        CHECK(pos && pos + 10 <= n);
        size_t rdlen = get16(r + pos + 8);
        pos += 10 + rdlen;
        CHECK(pos <= n);
    }
    CHECK(pos == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cfg) {
        char err[256];
        cfg = router_config_parse(profiles, strlen(profiles), "fuzz", err, sizeof err);
        CHECK(cfg != NULL);
        for (size_t i = 0; i < cfg->endpoint_count; i++) statuses[i] = ROUTER_ONLINE;
    }
    dns_query_t q;
    const char *why = NULL;
    int rc = dns_parse_query(data, size, &q, &why);
    CHECK(rc == -1 || rc == DNS_RCODE_NOERROR || rc == DNS_RCODE_FORMERR || rc == DNS_RCODE_NOTIMP ||
          rc == DNS_RCODE_BADVERS);
    if (rc == -1) {
        CHECK(size < 12 || (data[2] & 0x80));
        return 0;
    }
    static uint8_t out[DNS_MAX_MESSAGE];
    if (rc != DNS_RCODE_NOERROR) {
        CHECK(why != NULL);
        size_t n = dns_error(&q, rc, false, out, sizeof out);
        check_response(&q, out, n, sizeof out);
        return 0;
    }
    size_t nlen = strlen(q.qname);
    CHECK(nlen <= DNS_MAX_NAME);
    for (size_t i = 0; i < nlen; i++) CHECK(!isupper((unsigned char)q.qname[i]));
    router_addr_t src;
    router_addr_parse("127.0.1.9", &src);
    /* Some endpoints degraded, chosen by the input, so health paths are covered too. */
    for (size_t i = 0; i < cfg->endpoint_count; i++)
        statuses[i] = size > i && (data[size - 1 - i] & 1) ? ROUTER_DEGRADED : ROUTER_ONLINE;
    size_t n = dns_answer(cfg, statuses, &q, &src, size, true, out, sizeof out);
    check_response(&q, out, n, q.has_edns ? q.udp_size : 512);
    n = dns_answer(cfg, statuses, &q, &src, size, false, out, sizeof out);
    check_response(&q, out, n, sizeof out);
    return 0;
}
