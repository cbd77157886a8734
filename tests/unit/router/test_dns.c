/* router_dns: the strict query parser and the answer shapes of traffic-routing.md §3.8. */
#include "router/dns.h"

#include <criterion/criterion.h>
#include <string.h>

static uint8_t msg[1024];
static size_t mlen;

static void put16(uint16_t v)
{
    msg[mlen++] = (uint8_t)(v >> 8);
    msg[mlen++] = (uint8_t)v;
}

/* Header + one question; ar additional records follow if the caller appends them. */
static void query(const char *name, uint16_t type, uint16_t ar)
{
    mlen = 0;
    put16(0xBEEF);
    put16(0x0100); /* RD */
    put16(1);
    put16(0);
    put16(0);
    put16(ar);
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        msg[mlen++] = (uint8_t)l;
        memcpy(msg + mlen, p, l);
        mlen += l;
        p += l + (dot ? 1 : 0);
    }
    msg[mlen++] = 0;
    put16(type);
    put16(1);
}

static void opt(uint8_t version, const uint8_t *ecs, size_t ecs_len)
{
    msg[mlen++] = 0;
    put16(DNS_TYPE_OPT);
    put16(4096);
    msg[mlen++] = 0;
    msg[mlen++] = version;
    put16(0);
    put16(ecs ? (uint16_t)(4 + ecs_len) : 0);
    if (ecs) {
        put16(8);
        put16((uint16_t)ecs_len);
        memcpy(msg + mlen, ecs, ecs_len);
        mlen += ecs_len;
    }
}

static int parse(dns_query_t *q, const char **why)
{
    return dns_parse_query(msg, mlen, q, why);
}

Test(router_dns, parses_a_query_with_client_subnet)
{
    query("Contoso.TM.example", DNS_TYPE_A, 1);
    const uint8_t ecs[] = {0, 1, 24, 0, 127, 0, 1};
    opt(0, ecs, sizeof ecs);
    dns_query_t q;
    cr_assert_eq(parse(&q, NULL), DNS_RCODE_NOERROR);
    cr_assert_eq(q.id, 0xBEEF);
    cr_assert(q.rd);
    cr_assert_str_eq(q.qname, "contoso.tm.example");
    cr_assert_eq(q.qtype, DNS_TYPE_A);
    cr_assert(q.has_edns);
    cr_assert_eq(q.udp_size, 4096);
    cr_assert(q.has_ecs);
    cr_assert_eq(q.ecs_source, 24);
    char text[64];
    router_addr_format(&q.ecs_addr, text, sizeof text);
    cr_assert_str_eq(text, "127.0.1.0");
}

Test(router_dns, rejects_malformed_queries_with_a_reason)
{
    dns_query_t q;
    const char *why;
    query("a.example", DNS_TYPE_A, 1);
    const uint8_t bits[] = {0, 1, 20, 0, 127, 0, 1}; /* bits beyond /20 set */
    opt(0, bits, sizeof bits);
    cr_assert_eq(parse(&q, &why), DNS_RCODE_FORMERR);
    cr_assert_str_eq(why, "client subnet address has bits beyond the prefix");

    query("a.example", DNS_TYPE_A, 1);
    const uint8_t scope[] = {0, 1, 24, 8, 127, 0, 1};
    opt(0, scope, sizeof scope);
    cr_assert_eq(parse(&q, &why), DNS_RCODE_FORMERR);
    cr_assert_str_eq(why, "client subnet scope must be 0 in a query");

    query("a.example", DNS_TYPE_A, 1);
    const uint8_t len[] = {0, 1, 24, 0, 127, 0};
    opt(0, len, sizeof len);
    cr_assert_eq(parse(&q, &why), DNS_RCODE_FORMERR);

    query("a.example", DNS_TYPE_A, 1);
    opt(1, NULL, 0);
    cr_assert_eq(parse(&q, &why), DNS_RCODE_BADVERS);

    query("a.example", DNS_TYPE_A, 0);
    msg[mlen++] = 0; /* a trailing byte */
    cr_assert_eq(parse(&q, &why), DNS_RCODE_FORMERR);
    cr_assert_str_eq(why, "bytes after the last record");

    query("a.example", DNS_TYPE_A, 0);
    msg[5] = 2; /* two questions */
    cr_assert_eq(parse(&q, &why), DNS_RCODE_FORMERR);

    query("a.example", DNS_TYPE_A, 0);
    msg[12] = 0xC0; /* compression pointer in the question */
    cr_assert_eq(parse(&q, &why), DNS_RCODE_FORMERR);

    query("a.example", DNS_TYPE_A, 0);
    mlen -= 3; /* cut inside the class */
    cr_assert_eq(parse(&q, &why), DNS_RCODE_FORMERR);

    query("a.example", DNS_TYPE_A, 0);
    msg[2] |= 0x10; /* opcode 2 (STATUS) */
    cr_assert_eq(parse(&q, &why), DNS_RCODE_NOTIMP);
    cr_assert_eq(q.id, 0xBEEF);

    query("a.example", DNS_TYPE_A, 0);
    msg[2] |= 0x80; /* a response: dropped */
    cr_assert_eq(parse(&q, &why), -1);
    cr_assert_eq(dns_parse_query(msg, 11, &q, &why), -1);
}

static router_config_t *cfg;
static router_status_t st[16];
static uint8_t out[4096];

static void setup(void)
{
    static const char text[] =
        "{\"zone\":\"tm.example\",\"negativeTtl\":60,\"profiles\":["
        "{\"name\":\"v4\",\"routingMethod\":\"Priority\",\"ttl\":7,"
        "\"monitor\":{\"protocol\":\"TCP\",\"port\":80},\"endpoints\":[{\"name\":\"a\",\"target\":\"192.0.2.1\"}]},"
        "{\"name\":\"cname\",\"routingMethod\":\"Priority\",\"ttl\":8,"
        "\"monitor\":{\"protocol\":\"TCP\",\"port\":80},\"endpoints\":[{\"name\":\"w\",\"target\":\"west.example.net\"}]},"
        "{\"name\":\"mv\",\"routingMethod\":\"MultiValue\",\"maxReturn\":2,"
        "\"monitor\":{\"protocol\":\"TCP\",\"port\":80},\"endpoints\":["
        "{\"name\":\"m1\",\"target\":\"192.0.2.11\"},{\"name\":\"m2\",\"target\":\"192.0.2.12\"},"
        "{\"name\":\"m3\",\"target\":\"192.0.2.13\"},{\"name\":\"m6\",\"target\":\"2001:db8::6\"}]},"
        "{\"name\":\"off\",\"status\":\"Disabled\",\"routingMethod\":\"Priority\","
        "\"monitor\":{\"protocol\":\"TCP\",\"port\":80},\"endpoints\":[{\"name\":\"o\",\"target\":\"192.0.2.99\"}]}]}";
    char err[256];
    cfg = router_config_parse(text, strlen(text), "t.json", err, sizeof err);
    cr_assert_not_null(cfg, "%s", err);
    for (size_t i = 0; i < 16; i++) st[i] = ROUTER_ONLINE;
}

static void teardown(void) { router_config_free(cfg); }

typedef struct {
    int rcode;
    bool aa, tc;
    unsigned an, ns, ar;
    uint16_t first_type;
    uint32_t first_ttl;
} summary_t;

static summary_t ask(const char *name, uint16_t type, bool udp)
{
    query(name, type, 0);
    dns_query_t q;
    cr_assert_eq(dns_parse_query(msg, mlen, &q, NULL), 0);
    router_addr_t src;
    router_addr_parse("127.0.0.1", &src);
    size_t n = dns_answer(cfg, st, &q, &src, 1, udp, out, sizeof out);
    cr_assert_gt(n, 12);
    summary_t s = {.rcode = out[3] & 0xF, .aa = out[2] & 4, .tc = out[2] & 2,
                   .an = (unsigned)(out[6] << 8 | out[7]), .ns = (unsigned)(out[8] << 8 | out[9]),
                   .ar = (unsigned)(out[10] << 8 | out[11])};
    if (s.an) {
        size_t pos = 12 + mlen - 12; /* the question is echoed as asked */
        cr_assert_eq(out[pos], 0xC0); /* owner compressed to the question */
        s.first_type = (uint16_t)(out[pos + 2] << 8 | out[pos + 3]);
        s.first_ttl = (uint32_t)out[pos + 6] << 24 | (uint32_t)out[pos + 7] << 16 |
                      (uint32_t)out[pos + 8] << 8 | out[pos + 9];
    }
    return s;
}

Test(router_dns, record_type_table, .init = setup, .fini = teardown)
{
    /* §3.8: A endpoint — A and ANY answer, AAAA and CNAME are NODATA with the SOA. */
    summary_t s = ask("v4.tm.example", DNS_TYPE_A, true);
    cr_assert(s.rcode == 0 && s.aa && s.an == 1 && s.first_type == DNS_TYPE_A && s.first_ttl == 7);
    s = ask("v4.tm.example", DNS_TYPE_ANY, true);
    cr_assert(s.an == 1 && s.first_type == DNS_TYPE_A);
    s = ask("v4.tm.example", DNS_TYPE_AAAA, true);
    cr_assert(s.rcode == 0 && s.an == 0 && s.ns == 1);
    s = ask("v4.tm.example", DNS_TYPE_CNAME, true);
    cr_assert(s.rcode == 0 && s.an == 0 && s.ns == 1);
    /* DNS-name endpoint: CNAME for A, AAAA, CNAME and ANY. */
    for (uint16_t t = 0; t < 4; t++) {
        uint16_t type = (uint16_t[]){DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_CNAME, DNS_TYPE_ANY}[t];
        s = ask("cname.tm.example", type, true);
        cr_assert(s.an == 1 && s.first_type == DNS_TYPE_CNAME && s.first_ttl == 8, "qtype %u", type);
    }
    s = ask("cname.tm.example", 16 /* TXT */, true);
    cr_assert(s.rcode == 0 && s.an == 0 && s.ns == 1);
}

Test(router_dns, multivalue_nxdomain_apex_and_refused, .init = setup, .fini = teardown)
{
    summary_t s = ask("mv.tm.example", DNS_TYPE_A, true);
    cr_assert(s.an == 2 && s.first_type == DNS_TYPE_A); /* maxReturn 2 of 3 A endpoints */
    s = ask("mv.tm.example", DNS_TYPE_AAAA, true);
    cr_assert(s.an == 1 && s.first_type == DNS_TYPE_AAAA);
    s = ask("mv.tm.example", DNS_TYPE_CNAME, true);
    cr_assert(s.an == 0 && s.ns == 1);
    s = ask("nothing.tm.example", DNS_TYPE_A, true);
    cr_assert(s.rcode == DNS_RCODE_NXDOMAIN && s.aa && s.ns == 1);
    s = ask("off.tm.example", DNS_TYPE_A, true); /* disabled profile (spec §1.1) */
    cr_assert(s.rcode == DNS_RCODE_NXDOMAIN && s.ns == 1);
    s = ask("tm.example", DNS_TYPE_SOA, true);
    cr_assert(s.an == 1 && s.first_type == DNS_TYPE_SOA && s.first_ttl == 60);
    s = ask("tm.example", DNS_TYPE_NS, true);
    cr_assert(s.an == 1 && s.first_type == DNS_TYPE_NS);
    s = ask("www.example.org", DNS_TYPE_A, true);
    cr_assert(s.rcode == DNS_RCODE_REFUSED && !s.aa && s.an == 0);
}

Test(router_dns, errors_echo_the_id)
{
    dns_query_t q = {.id = 0x4242, .rd = true};
    size_t n = dns_error(&q, DNS_RCODE_FORMERR, false, out, sizeof out);
    cr_assert_eq(n, 12);
    cr_assert_eq(out[0], 0x42);
    cr_assert_eq(out[2] & 0x80, 0x80);
    cr_assert_eq(out[3] & 0xF, DNS_RCODE_FORMERR);
    q.has_edns = true;
    n = dns_error(&q, DNS_RCODE_BADVERS, false, out, sizeof out);
    cr_assert_eq(n, 12 + 11);
    cr_assert_eq(out[3] & 0xF, 0);     /* BADVERS = 16: low bits 0 in the header... */
    cr_assert_eq(out[12 + 5], 1);      /* ...and 1 in the OPT's extended rcode */
}
