#include "gateway/connect_to.h"

#include <criterion/criterion.h>
#include <string.h>

Test(connect_to, parses_rules_and_finds_case_insensitively)
{
    gateway_connect_to_t c;
    char err[256];
    cr_assert_eq(gateway_connect_to_parse("contoso-us.com:80=127.0.0.1:9001,Other:0=[::1]:7", &c,
                                          err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(c.count, 2);
    const gateway_connect_to_rule_t *r = gateway_connect_to_find(&c, "CONTOSO-US.com", 80);
    cr_assert_not_null(r);
    cr_assert_str_eq(r->to_host, "127.0.0.1");
    cr_assert_eq(r->to_port, 9001);
    cr_assert_str_eq(r->to_origin_key, "127.0.0.1:9001");
    cr_assert_null(gateway_connect_to_find(&c, "contoso-us.com", 8080), "port must match");
    r = gateway_connect_to_find(&c, "other", 1234);
    cr_assert_not_null(r, "port 0 on the left matches any port");
    cr_assert_str_eq(r->to_origin_key, "[::1]:7");
    gateway_connect_to_free(&c);
}

Test(connect_to, refuses_malformed_rules_naming_them)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"a:80", "rule 1 \"a:80\": expected HOST:PORT=HOST:PORT"},
        {"a:80=b", "rule 1 \"a:80=b\": expected host:port"},
        {"a:80=b:1,c:x=d:2", "rule 2 \"c:x=d:2\": port is not a number"},
        {"a:80=b:0", "rule 1 \"a:80=b:0\": target port 0"},
        {"a:70000=b:1", "rule 1 \"a:70000=b:1\": port above 65535"},
        {":80=b:1", "rule 1 \":80=b:1\": empty host"},
        {"[::1:80=b:1", "rule 1 \"[::1:80=b:1\": unclosed '['"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gateway_connect_to_t c;
        char err[256] = "";
        cr_assert_lt(gateway_connect_to_parse(bad[i].text, &c, err, sizeof err), 0, "%s", bad[i].text);
        cr_assert_str_eq(err, bad[i].why);
        cr_assert_eq(c.count, 0);
    }
}
