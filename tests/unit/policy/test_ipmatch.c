/* The ip-filter address lists (src/policy/ipmatch.h). */
#include "policy/ipmatch.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

static bool in(const ipmatch_t *list, const char *text)
{
    ipmatch_addr_t a;
    cr_assert_eq(ipmatch_parse(text, strlen(text), &a), 0, "%s", text);
    return ipmatch_contains(list, &a);
}

Test(ipmatch, parse_and_format)
{
    ipmatch_addr_t a;
    char out[64];
    cr_assert_eq(ipmatch_parse(" 10.0.0.1\n", 10, &a), 0);
    cr_assert(ipmatch_is_ipv4(&a));
    ipmatch_format(&a, out, sizeof out);
    cr_assert_str_eq(out, "10.0.0.1");
    cr_assert_eq(ipmatch_parse("2001:DB8:0:0::1", 15, &a), 0);
    cr_assert_not(ipmatch_is_ipv4(&a));
    ipmatch_format(&a, out, sizeof out);
    cr_assert_str_eq(out, "2001:db8::1");
    cr_assert_eq(ipmatch_parse("::ffff:192.168.1.2", 18, &a), 0);
    cr_assert(ipmatch_is_ipv4(&a), "an IPv4-mapped address is the IPv4 address");
    ipmatch_format(&a, out, sizeof out);
    cr_assert_str_eq(out, "192.168.1.2");
    const char *bad[] = {"", "10.0.0", "10.0.0.256", "10.0.0.1/8", "fe80::1%eth0", "host", "1.2.3.4.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(ipmatch_parse(bad[i], strlen(bad[i]), &a), -EINVAL, "%s", bad[i]);
}

Test(ipmatch, addresses_and_ranges_of_both_families)
{
    ipmatch_t list;
    ipmatch_init(&list);
    char why[160];
    cr_assert_eq(ipmatch_add_address(&list, "13.66.201.169", why, sizeof why), 0);
    cr_assert_eq(ipmatch_add_range(&list, "13.66.140.128", "13.66.140.143", why, sizeof why), 0);
    cr_assert_eq(ipmatch_add_range(&list, "2001:db8::", "2001:db8::ffff", why, sizeof why), 0);
    cr_assert(in(&list, "13.66.201.169"));
    cr_assert_not(in(&list, "13.66.201.170"));
    cr_assert(in(&list, "13.66.140.128"), "ranges are inclusive");
    cr_assert(in(&list, "13.66.140.135"));
    cr_assert(in(&list, "13.66.140.143"));
    cr_assert_not(in(&list, "13.66.140.144"));
    cr_assert_not(in(&list, "13.66.140.127"));
    cr_assert(in(&list, "::ffff:13.66.201.169"), "a dual-stack socket's view of an IPv4 peer");
    cr_assert(in(&list, "2001:db8::42"));
    cr_assert_not(in(&list, "2001:db8::1:0"));
    cr_assert_not(in(&list, "::d42:c9a9"), "IPv4-compatible (not mapped) is IPv6");
    ipmatch_free(&list);
    cr_assert_eq(list.count, 0);
}

Test(ipmatch, compile_errors_say_why)
{
    ipmatch_t list;
    ipmatch_init(&list);
    char why[160];
    cr_assert_eq(ipmatch_add_address(&list, "10.0.0.0/8", why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "'10.0.0.0/8' is not an IP address (a prefix length is not accepted: use "
                          "<address-range>)");
    cr_assert_eq(ipmatch_add_address(&list, "localhost", why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "'localhost' is not an IPv4 or IPv6 address");
    cr_assert_eq(ipmatch_add_range(&list, "10.0.0.9", "10.0.0.1", why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "the range 10.0.0.9 – 10.0.0.1 ends before it starts");
    cr_assert_eq(ipmatch_add_range(&list, "10.0.0.1", "::1", why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "the range 10.0.0.1 – ::1 mixes IPv4 and IPv6");
    cr_assert_eq(list.count, 0);
    ipmatch_free(&list);
}
