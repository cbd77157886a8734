/* ipmatch: address lists for ip-filter (ipmatch.h). */
#include "policy/ipmatch.h"

#include "base/errtext.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int ipmatch_parse(const char *text, size_t len, ipmatch_addr_t *out)
{
    while (len > 0 && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) text++, len--;
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' ||
                       text[len - 1] == '\r'))
        len--;
    char buf[64];
    if (len == 0 || len >= sizeof buf) return -EINVAL;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, out->bytes + 12) == 1) {
        memcpy(out->bytes, v4_mapped_prefix, sizeof v4_mapped_prefix);
        return 0;
    }
    if (inet_pton(AF_INET6, buf, out->bytes) == 1) return 0;
    return -EINVAL;
}

bool ipmatch_is_ipv4(const ipmatch_addr_t *addr)
{
    return memcmp(addr->bytes, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0;
}

void ipmatch_format(const ipmatch_addr_t *addr, char *out, size_t size)
{
    const char *ok = ipmatch_is_ipv4(addr) ? inet_ntop(AF_INET, addr->bytes + 12, out, (socklen_t)size)
                                           : inet_ntop(AF_INET6, addr->bytes, out, (socklen_t)size);
    if (!ok && size > 0) out[0] = '\0';
}

void ipmatch_init(ipmatch_t *list)
{
    *list = (ipmatch_t){0};
}

void ipmatch_free(ipmatch_t *list)
{
    free(list->ranges);
    ipmatch_init(list);
}

static int parse_named(const char *text, ipmatch_addr_t *out, char *why, size_t why_size)
{
    if (text && ipmatch_parse(text, strlen(text), out) == 0) return 0;
    if (text && strchr(text, '/'))
        errtext_set(why, why_size,
                "'%s' is not an IP address (a prefix length is not accepted: use <address-range>)",
                text);
    else
        errtext_set(why, why_size, "'%s' is not an IPv4 or IPv6 address", text ? text : "");
    return -EINVAL;
}

static int push(ipmatch_t *list, const ipmatch_addr_t *from, const ipmatch_addr_t *to)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 4;
        ipmatch_range_t *r = realloc(list->ranges, cap * sizeof *r);
        if (!r) return -ENOMEM;
        list->ranges = r;
        list->cap = cap;
    }
    list->ranges[list->count++] = (ipmatch_range_t){*from, *to};
    return 0;
}

int ipmatch_add_address(ipmatch_t *list, const char *text, char *why, size_t why_size)
{
    ipmatch_addr_t a;
    int rc = parse_named(text, &a, why, why_size);
    return rc < 0 ? rc : push(list, &a, &a);
}

int ipmatch_add_range(ipmatch_t *list, const char *from, const char *to, char *why,
                      size_t why_size)
{
    ipmatch_addr_t a, b;
    int rc;
    if ((rc = parse_named(from, &a, why, why_size)) < 0) return rc;
    if ((rc = parse_named(to, &b, why, why_size)) < 0) return rc;
    if (ipmatch_is_ipv4(&a) != ipmatch_is_ipv4(&b)) {
        errtext_set(why, why_size, "the range %s – %s mixes IPv4 and IPv6", from, to);
        return -EINVAL;
    }
    if (memcmp(a.bytes, b.bytes, sizeof a.bytes) > 0) {
        errtext_set(why, why_size, "the range %s – %s ends before it starts", from, to);
        return -EINVAL;
    }
    return push(list, &a, &b);
}

bool ipmatch_contains(const ipmatch_t *list, const ipmatch_addr_t *addr)
{
    /* Network-order bytes compare as the numbers they are: memcmp orders addresses. */
    for (size_t i = 0; i < list->count; i++)
        if (memcmp(addr->bytes, list->ranges[i].from.bytes, 16) >= 0 &&
            memcmp(addr->bytes, list->ranges[i].to.bytes, 16) <= 0)
            return true;
    return false;
}
