/* DNS messages: see dns.h. */
#include "router/dns.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* ---- parsing ---- */

static int parse_fail(const char **why, const char *reason, int rcode)
{
    if (why) *why = reason;
    return rcode;
}

/* Reads the question name (no compression: a query's only name comes first, RFC 1035
 * §4.1.4 pointers can only point backwards). */
static int read_qname(const uint8_t *msg, size_t len, size_t *pos, char *out, const char **why)
{
    size_t p = *pos, o = 0, wire = 0;
    for (;;) {
        if (p >= len) return parse_fail(why, "question name runs past the message", DNS_RCODE_FORMERR);
        uint8_t l = msg[p++];
        wire++;
        if (l == 0) break;
        if ((l & 0xC0) != 0) return parse_fail(why, "compression or extended label in the question", DNS_RCODE_FORMERR);
        if (p + l > len) return parse_fail(why, "label runs past the message", DNS_RCODE_FORMERR);
        wire += l;
        if (wire > DNS_MAX_NAME) return parse_fail(why, "name longer than 255 bytes", DNS_RCODE_FORMERR);
        if (o) out[o++] = '.';
        for (uint8_t i = 0; i < l; i++) {
            uint8_t ch = msg[p + i];
            /* A '.' or NUL inside a label cannot be told apart in dotted form: such names
             * are never ours, so they are refused as malformed rather than misread. */
            if (ch == '.' || ch == 0) return parse_fail(why, "'.' or NUL inside a label", DNS_RCODE_FORMERR);
            out[o++] = (char)tolower(ch);
        }
        p += l;
    }
    out[o] = '\0';
    *pos = p;
    return DNS_RCODE_NOERROR;
}

/* RFC 7871 §6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH (0 in queries), ADDRESS
 * truncated to the source prefix, with the bits beyond it zero. */
static int parse_ecs(const uint8_t *d, size_t n, dns_query_t *q, const char **why)
{
    if (n < 4) return parse_fail(why, "client subnet option too short", DNS_RCODE_FORMERR);
    uint16_t family = get16(d);
    uint8_t source = d[2], scope = d[3];
    size_t bits = family == 1 ? 32 : family == 2 ? 128 : 0;
    if (!bits) return parse_fail(why, "client subnet family is not IPv4 or IPv6", DNS_RCODE_FORMERR);
    if (source > bits) return parse_fail(why, "client subnet prefix too long", DNS_RCODE_FORMERR);
    if (scope != 0) return parse_fail(why, "client subnet scope must be 0 in a query", DNS_RCODE_FORMERR);
    size_t bytes = (source + 7u) / 8u;
    if (n - 4 != bytes) return parse_fail(why, "client subnet address length does not match the prefix", DNS_RCODE_FORMERR);
    uint8_t addr[16] = {0};
    memcpy(addr, d + 4, bytes);
    if (source % 8 && (addr[bytes - 1] & (uint8_t)(0xFFu >> (source % 8))))
        return parse_fail(why, "client subnet address has bits beyond the prefix", DNS_RCODE_FORMERR);
    q->has_ecs = true;
    q->ecs_family = family;
    q->ecs_source = source;
    memset(&q->ecs_addr, 0, sizeof q->ecs_addr);
    if (family == 1) {
        q->ecs_addr.b[10] = q->ecs_addr.b[11] = 0xff;
        memcpy(q->ecs_addr.b + 12, addr, 4);
    } else {
        memcpy(q->ecs_addr.b, addr, 16);
    }
    return DNS_RCODE_NOERROR;
}

/* RFC 6891 §6.1: the OPT pseudo-record. */
static int parse_opt(const uint8_t *msg, size_t len, size_t *pos, dns_query_t *q, const char **why)
{
    size_t p = *pos;
    if (p + 11 > len) return parse_fail(why, "additional record runs past the message", DNS_RCODE_FORMERR);
    if (msg[p] != 0) return parse_fail(why, "the only additional record allowed is OPT at the root", DNS_RCODE_FORMERR);
    if (get16(msg + p + 1) != DNS_TYPE_OPT)
        return parse_fail(why, "the only additional record allowed is OPT", DNS_RCODE_FORMERR);
    uint16_t size = get16(msg + p + 3);
    uint8_t version = msg[p + 6];
    uint16_t rdlen = get16(msg + p + 9);
    p += 11;
    if (p + rdlen > len) return parse_fail(why, "OPT data runs past the message", DNS_RCODE_FORMERR);
    q->has_edns = true;
    q->udp_size = size < 512 ? 512 : size; /* RFC 6891 §6.2.3: below 512 means 512 */
    if (version != 0) return parse_fail(why, "EDNS version not supported", DNS_RCODE_BADVERS);
    size_t end = p + rdlen;
    while (p < end) {
        if (p + 4 > end) return parse_fail(why, "EDNS option header runs past OPT", DNS_RCODE_FORMERR);
        uint16_t code = get16(msg + p), olen = get16(msg + p + 2);
        p += 4;
        if (p + olen > end) return parse_fail(why, "EDNS option runs past OPT", DNS_RCODE_FORMERR);
        if (code == 8) {
            if (q->has_ecs) return parse_fail(why, "two client subnet options", DNS_RCODE_FORMERR);
            int rc = parse_ecs(msg + p, olen, q, why);
            if (rc) return rc;
        }
        p += olen; /* other options are ignored (RFC 6891 §6.1.2) */
    }
    *pos = p;
    return DNS_RCODE_NOERROR;
}

int dns_parse_query(const uint8_t *msg, size_t len, dns_query_t *q, const char **why)
{
    memset(q, 0, sizeof *q);
    q->udp_size = 512;
    if (len < 12) {
        if (why) *why = "shorter than a DNS header";
        return -1;
    }
    q->id = get16(msg);
    if (msg[2] & 0x80) {
        if (why) *why = "a response, not a query";
        return -1;
    }
    q->opcode = (msg[2] >> 3) & 0x0F;
    q->rd = msg[2] & 0x01;
    if (q->opcode != 0) return parse_fail(why, "only standard queries are implemented", DNS_RCODE_NOTIMP);
    uint16_t qd = get16(msg + 4), an = get16(msg + 6), ns = get16(msg + 8), ar = get16(msg + 10);
    if (qd != 1) return parse_fail(why, "a query must have exactly one question", DNS_RCODE_FORMERR);
    if (an || ns) return parse_fail(why, "a query has no answer or authority records", DNS_RCODE_FORMERR);
    if (ar > 1) return parse_fail(why, "at most one additional record (OPT)", DNS_RCODE_FORMERR);
    size_t pos = 12;
    int rc = read_qname(msg, len, &pos, q->qname, why);
    if (rc) return rc;
    if (pos + 4 > len) return parse_fail(why, "question type and class missing", DNS_RCODE_FORMERR);
    q->qtype = get16(msg + pos);
    q->qclass = get16(msg + pos + 2);
    pos += 4;
    if (ar) {
        rc = parse_opt(msg, len, &pos, q, why);
        if (rc) return rc;
    }
    if (pos != len) return parse_fail(why, "bytes after the last record", DNS_RCODE_FORMERR);
    if (q->qclass != 1 && q->qclass != 255) return parse_fail(why, "only class IN is served", DNS_RCODE_NOTIMP);
    return DNS_RCODE_NOERROR;
}

/* ---- writing ---- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    bool overflow;
} writer_t;

static void put(writer_t *w, const void *data, size_t n)
{
    if (w->overflow || w->len + n > w->cap) {
        w->overflow = true;
        return;
    }
    memcpy(w->p + w->len, data, n);
    w->len += n;
}

static void put16(writer_t *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 2);
}

static void put32(writer_t *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(w, b, 4);
}

/* A dotted name as labels (names come from our configuration: validated labels). */
static void put_name(writer_t *w, const char *name)
{
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (l > 63) l = 63;
        uint8_t lb = (uint8_t)l;
        put(w, &lb, 1);
        put(w, p, l);
        p += l;
        if (*p == '.') p++;
    }
    uint8_t zero = 0;
    put(w, &zero, 1);
}

static size_t name_wire_len(const char *name)
{
    return *name ? strlen(name) + 2 : 1;
}

static void put_header(writer_t *w, const dns_query_t *q, bool aa, bool tc, int rcode, uint16_t qd,
                       uint16_t an, uint16_t ns, uint16_t ar)
{
    put16(w, q->id);
    uint8_t b2 = (uint8_t)(0x80 | (q->opcode << 3) | (aa ? 0x04 : 0) | (tc ? 0x02 : 0) | (q->rd ? 1 : 0));
    uint8_t b3 = (uint8_t)(rcode & 0x0F);
    put(w, &b2, 1);
    put(w, &b3, 1);
    put16(w, qd);
    put16(w, an);
    put16(w, ns);
    put16(w, ar);
}

static void put_question(writer_t *w, const dns_query_t *q)
{
    put_name(w, q->qname);
    put16(w, q->qtype);
    put16(w, q->qclass);
}

/* OPT with our payload size; the ECS option echoed with its scope (RFC 7871 §7.2.1). */
static void put_opt(writer_t *w, const dns_query_t *q, int rcode, bool with_ecs, unsigned scope)
{
    uint8_t root = 0;
    put(w, &root, 1);
    put16(w, DNS_TYPE_OPT);
    put16(w, 1232); /* a payload size that avoids IP fragmentation (DNS flag day 2020) */
    uint8_t ttl[4] = {(uint8_t)(rcode >> 4), 0, 0, 0};
    put(w, ttl, 4);
    if (!with_ecs || !q->has_ecs) {
        put16(w, 0);
        return;
    }
    size_t bytes = (q->ecs_source + 7u) / 8u;
    put16(w, (uint16_t)(4 + 4 + bytes));
    put16(w, 8);
    put16(w, (uint16_t)(4 + bytes));
    put16(w, q->ecs_family);
    uint8_t sp[2] = {q->ecs_source, (uint8_t)scope};
    put(w, sp, 2);
    put(w, q->ecs_family == 1 ? q->ecs_addr.b + 12 : q->ecs_addr.b, bytes);
}

size_t dns_error(const dns_query_t *q, int rcode, bool has_question, uint8_t *out, size_t cap)
{
    writer_t w = {out, 0, cap, false};
    bool opt = q->has_edns || rcode == DNS_RCODE_BADVERS;
    put_header(&w, q, false, false, rcode, has_question ? 1 : 0, 0, 0, opt ? 1 : 0);
    if (has_question) put_question(&w, q);
    if (opt) put_opt(&w, q, rcode, false, 0);
    return w.overflow ? 0 : w.len;
}

/* owner_is_question: the SOA answers a question for the apex (owner compressed to it). */
static void put_soa(writer_t *w, const router_config_t *c, bool owner_is_question)
{
    if (owner_is_question) {
        uint8_t ptr[2] = {0xC0, 12};
        put(w, ptr, 2);
    } else {
        put_name(w, c->zone);
    }
    put16(w, DNS_TYPE_SOA);
    put16(w, 1);
    put32(w, c->negative_ttl); /* RFC 2308 §3: the SOA's TTL caps negative caching */
    size_t mname = name_wire_len(c->nameserver);
    size_t rname = name_wire_len(c->zone) + 11; /* "hostmaster." */
    put16(w, (uint16_t)(mname + rname + 20));
    put_name(w, c->nameserver);
    uint8_t l = 10;
    put(w, &l, 1);
    put(w, "hostmaster", 10);
    put_name(w, c->zone);
    put32(w, 1);     /* serial: answers are computed, there is no zone transfer */
    put32(w, 3600);  /* refresh */
    put32(w, 600);   /* retry */
    put32(w, 86400); /* expire */
    put32(w, c->negative_ttl);
}

typedef struct {
    uint16_t type;
    uint32_t ttl;
    const router_endpoint_t *e; /* A/AAAA/CNAME */
} record_t;

static void put_record(writer_t *w, const router_config_t *c, const record_t *r)
{
    uint8_t ptr[2] = {0xC0, 12}; /* owner = the question name */
    put(w, ptr, 2);
    put16(w, r->type);
    put16(w, 1);
    put32(w, r->ttl);
    switch (r->type) {
    case DNS_TYPE_A:
        put16(w, 4);
        put(w, r->e->addr.b + 12, 4);
        break;
    case DNS_TYPE_AAAA:
        put16(w, 16);
        put(w, r->e->addr.b, 16);
        break;
    case DNS_TYPE_CNAME:
        put16(w, (uint16_t)name_wire_len(r->e->target));
        put_name(w, r->e->target);
        break;
    case DNS_TYPE_NS:
        put16(w, (uint16_t)name_wire_len(c->nameserver));
        put_name(w, c->nameserver);
        break;
    default:
        break;
    }
}

static uint16_t record_type_of(const router_endpoint_t *e)
{
    return e->kind == ROUTER_TARGET_V4 ? DNS_TYPE_A : e->kind == ROUTER_TARGET_V6 ? DNS_TYPE_AAAA
                                                                                   : DNS_TYPE_CNAME;
}

/* Spec §3.8: does an endpoint of this form answer this query type? */
static bool answers(uint16_t qtype, uint16_t rtype)
{
    if (qtype == DNS_TYPE_ANY) return true;
    if (qtype == DNS_TYPE_CNAME) return rtype == DNS_TYPE_CNAME;
    if (qtype == DNS_TYPE_A) return rtype == DNS_TYPE_A || rtype == DNS_TYPE_CNAME;
    if (qtype == DNS_TYPE_AAAA) return rtype == DNS_TYPE_AAAA || rtype == DNS_TYPE_CNAME;
    return false;
}

static bool in_zone(const char *name, const char *zone, bool *is_apex)
{
    size_t n = strlen(name), z = strlen(zone);
    *is_apex = n == z && strcmp(name, zone) == 0;
    if (*is_apex) return true;
    return n > z && name[n - z - 1] == '.' && strcmp(name + n - z, zone) == 0;
}

size_t dns_answer(const router_config_t *c, const router_status_t *statuses, const dns_query_t *q,
                  const router_addr_t *source, uint64_t entropy, bool is_udp, uint8_t *out, size_t cap)
{
    record_t recs[ROUTER_MAX_CHOICES + 1];
    size_t nrec = 0;
    int rcode = DNS_RCODE_NOERROR;
    bool with_soa = false, aa = true;
    unsigned scope = 0;
    bool is_apex;
    if (!in_zone(q->qname, c->zone, &is_apex)) {
        rcode = DNS_RCODE_REFUSED; /* not authoritative, and not a resolver */
        aa = false;
    } else if (is_apex) {
        if (q->qtype == DNS_TYPE_NS || q->qtype == DNS_TYPE_ANY)
            recs[nrec++] = (record_t){DNS_TYPE_NS, 3600, NULL};
        if (q->qtype == DNS_TYPE_SOA || q->qtype == DNS_TYPE_ANY)
            recs[nrec++] = (record_t){DNS_TYPE_SOA, c->negative_ttl, NULL};
        with_soa = nrec == 0;
    } else {
        const router_profile_t *p = router_config_find(c, q->qname, strlen(q->qname));
        router_choice_t ch = {.result = ROUTER_NXDOMAIN};
        if (p) {
            /* Spec §3.0 step 3: ECS with a source prefix > 0, else the query's source. */
            const router_addr_t *client = q->has_ecs && q->ecs_source > 0 ? &q->ecs_addr : source;
            router_route(c, p, statuses, client, entropy, &ch);
            if (q->has_ecs && q->ecs_source > 0) scope = ch.scope;
        }
        if (ch.result == ROUTER_NXDOMAIN) rcode = DNS_RCODE_NXDOMAIN;
        else if (ch.result == ROUTER_ANSWER && p->method == ROUTER_MULTIVALUE) {
            /* Spec §3.5: A → A endpoints, AAAA → AAAA, ANY → both; CNAME → NODATA. */
            for (size_t i = 0; i < ch.count && nrec < p->max_return; i++) {
                uint16_t t = record_type_of(ch.endpoints[i]);
                if (q->qtype == DNS_TYPE_ANY || q->qtype == t)
                    recs[nrec++] = (record_t){t, p->ttl, ch.endpoints[i]};
            }
        } else if (ch.result == ROUTER_ANSWER) {
            uint16_t t = record_type_of(ch.endpoints[0]);
            if (answers(q->qtype, t)) recs[nrec++] = (record_t){t, p->ttl, ch.endpoints[0]};
        }
        with_soa = nrec == 0;
    }
    size_t limit = cap;
    if (is_udp) {
        size_t client_max = q->has_edns ? q->udp_size : 512;
        if (client_max < limit) limit = client_max;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        bool tc = attempt == 1;
        writer_t w = {out, 0, limit, false};
        size_t an = tc ? 0 : nrec, ns = tc || !with_soa ? 0 : 1;
        put_header(&w, q, aa, tc, rcode, 1, (uint16_t)an, (uint16_t)ns, q->has_edns ? 1 : 0);
        put_question(&w, q);
        for (size_t i = 0; i < an; i++) {
            if (recs[i].type == DNS_TYPE_SOA) put_soa(&w, c, true);
            else put_record(&w, c, &recs[i]);
        }
        if (ns) put_soa(&w, c, false);
        if (q->has_edns) put_opt(&w, q, rcode, true, scope);
        if (!w.overflow) return w.len;
    }
    return 0;
}
