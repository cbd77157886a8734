#include "deploy/host_port.h"

#include <criterion/criterion.h>

Test(host_port, parses_ipv4_and_bracketed_ipv6)
{
    host_port_t hp;
    const char *err = NULL;
    cr_assert_eq(host_port_parse("127.0.0.1:8080", &hp, &err), 0);
    cr_expect_str_eq(hp.host, "127.0.0.1");
    cr_expect_eq(hp.port, 8080);
    cr_expect_not(hp.is_ipv6);
    cr_assert_eq(host_port_parse("[::1]:0", &hp, &err), 0);
    cr_expect_str_eq(hp.host, "::1");
    cr_expect_eq(hp.port, 0);
    cr_expect(hp.is_ipv6);
    cr_assert_eq(host_port_parse("0.0.0.0:65535", &hp, &err), 0);
    cr_expect_eq(hp.port, 65535);
}

Test(host_port, formats_with_brackets_for_ipv6)
{
    host_port_t hp;
    const char *err;
    char out[64];
    cr_assert_eq(host_port_parse("[fe80::1]:80", &hp, &err), 0);
    host_port_format(&hp, 81, out, sizeof out);
    cr_expect_str_eq(out, "[fe80::1]:81");
    cr_assert_eq(host_port_parse("10.0.0.1:80", &hp, &err), 0);
    host_port_format(&hp, 9091, out, sizeof out);
    cr_expect_str_eq(out, "10.0.0.1:9091");
}

Test(host_port, rejects_what_a_listener_cannot_bind)
{
    static const char *bad[] = {
        "",
        "8080",
        ":8080",
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:x",
        "127.0.0.1:-1",
        "127.0.0.1:65536",
        "127.0.0.1:123456",
        "localhost:80",
        "::1:80",
        "[::1:80",
        "[]:80",
        "[127.0.0.1]:80",
        "1.2.3:80",
        "127.0.0.1:+80",
        "127.0.0.1: 80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        host_port_t hp;
        const char *err = NULL;
        cr_expect_neq(host_port_parse(bad[i], &hp, &err), 0, "accepted \"%s\"", bad[i]);
        cr_expect_not_null(err, "no message for \"%s\"", bad[i]);
    }
}
