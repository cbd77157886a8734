/* Address and range helpers of router_profile.h. */
#include "router/profile.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool router_addr_parse(const char *text, router_addr_t *out)
{
    struct in_addr v4;
    struct in6_addr v6;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, text, &v4) == 1) {
        out->b[10] = 0xff;
        out->b[11] = 0xff;
        memcpy(out->b + 12, &v4, 4);
        return true;
    }
    if (inet_pton(AF_INET6, text, &v6) == 1) {
        memcpy(out->b, &v6, 16);
        return true;
    }
    return false;
}

bool router_addr_is_v4(const router_addr_t *a)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->b, mapped, 12) == 0;
}

void router_addr_format(const router_addr_t *a, char *out, size_t size)
{
    if (router_addr_is_v4(a)) inet_ntop(AF_INET, a->b + 12, out, (socklen_t)size);
    else inet_ntop(AF_INET6, a->b, out, (socklen_t)size);
}

int router_addr_cmp(const router_addr_t *a, const router_addr_t *b)
{
    return memcmp(a->b, b->b, 16);
}

/* Sets the host bits (after `prefix` bits) to 0 (low) or 1 (high). */
static void fill_host_bits(router_addr_t *a, int prefix, bool ones)
{
    for (int bit = prefix; bit < 128; bit++) {
        uint8_t mask = (uint8_t)(0x80u >> (bit % 8));
        if (ones) a->b[bit / 8] |= mask;
        else a->b[bit / 8] &= (uint8_t)~mask;
    }
}

const char *router_range_parse(const char *text, router_range_t *out)
{
    char buf[128];
    size_t n = strlen(text);
    if (n == 0 || n >= sizeof buf) return "expected an address, CIDR block or first-last range";
    memcpy(buf, text, n + 1);
    memset(out, 0, sizeof *out);
    char *slash = strchr(buf, '/');
    char *dash = strchr(buf, '-');
    if (slash) {
        *slash = '\0';
        if (!router_addr_parse(buf, &out->first)) return "not an IP address before '/'";
        int max = router_addr_is_v4(&out->first) ? 32 : 128;
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || p < 0 || p > max) return "bad prefix length";
        out->prefix = (int)p + (max == 32 ? 96 : 0);
        router_addr_t net = out->first;
        fill_host_bits(&net, out->prefix, false);
        /* Spec §3.6: the address must be the network address of its block. */
        if (router_addr_cmp(&net, &out->first) != 0)
            return "the address is not the network address of the block";
        out->last = out->first;
        fill_host_bits(&out->last, out->prefix, true);
        return NULL;
    }
    if (dash) {
        *dash = '\0';
        if (!router_addr_parse(buf, &out->first) || !router_addr_parse(dash + 1, &out->last))
            return "expected FIRST-LAST with two IP addresses";
        if (router_addr_is_v4(&out->first) != router_addr_is_v4(&out->last))
            return "FIRST and LAST are of different families";
        if (router_addr_cmp(&out->first, &out->last) > 0) return "FIRST is after LAST";
        out->prefix = -1;
        return NULL;
    }
    if (!router_addr_parse(buf, &out->first)) return "not an IP address";
    out->last = out->first;
    out->prefix = 128;
    return NULL;
}

bool router_range_contains(const router_range_t *r, const router_addr_t *a)
{
    return router_addr_cmp(&r->first, a) <= 0 && router_addr_cmp(a, &r->last) <= 0;
}
