/* The try-it request builder (manage/portal_try.h). */
#include "manage/portal_try.h"

#include <criterion/criterion.h>
#include <string.h>

static char head[4096];

static manage_forward_t *build(const char *endpoint, const char *method, const char *target,
                               const char *headers_json, const char *body, const char **why)
{
    json_t *headers = headers_json ? json_loads(headers_json, 0, NULL) : NULL;
    manage_forward_t *f = manage_forward_build(endpoint, method, target, headers, body,
                                               body ? strlen(body) : 0, "Ocp-Apim-Subscription-Key",
                                               "k3y", why);
    json_decref(headers);
    head[0] = 0;
    if (f) {
        size_t len;
        const char *h = manage_forward_head(f, &len);
        snprintf(head, sizeof head, "%.*s", (int)len, h);
    }
    return f;
}

Test(portal_try, builds_the_request_with_the_key_last_and_a_length)
{
    const char *why = NULL;
    manage_forward_t *f = build("http://127.0.0.1:8079", "POST", "/echo/x?y=1",
                                "[[\"X-Trace\", \"t\"], [\"ocp-apim-subscription-key\", \"forged\"]]",
                                "hello", &why);
    cr_assert_not_null(f, "%s", why);
    cr_assert_str_eq(head, "POST /echo/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:8079\r\nX-Trace: t\r\n"
                           "Ocp-Apim-Subscription-Key: k3y\r\nContent-Length: 5\r\n\r\n");
    bool is_tls;
    cr_assert_str_eq(manage_forward_origin(f, &is_tls), "127.0.0.1:8079");
    cr_assert_not(is_tls);
    manage_forward_free(f);
}

Test(portal_try, endpoints)
{
    const char *why = NULL;
    bool is_tls;
    manage_forward_t *f = build("https://gw.example/base/", "GET", "/a", NULL, NULL, &why);
    cr_assert_not_null(f, "%s", why);
    cr_assert_str_eq(manage_forward_origin(f, &is_tls), "gw.example:443");
    cr_assert(is_tls);
    cr_assert(strncmp(head, "GET /base/a HTTP/1.1\r\nHost: gw.example\r\n", 40) == 0, "%s", head);
    cr_assert_null(strstr(head, "Content-Length"), "a GET without a body has no length");
    manage_forward_free(f);
    f = build("http://[::1]:9000", "GET", "/", NULL, NULL, &why);
    cr_assert_not_null(f, "%s", why);
    cr_assert_str_eq(manage_forward_origin(f, &is_tls), "::1:9000");
    cr_assert(strstr(head, "Host: [::1]:9000\r\n") != NULL, "%s", head);
    manage_forward_free(f);
    cr_assert_null(build("ftp://x", "GET", "/", NULL, NULL, &why));
    cr_assert_null(build(NULL, "GET", "/", NULL, NULL, &why));
    cr_assert_null(build("http://x:0", "GET", "/", NULL, NULL, &why));
    cr_assert_null(build("http://x:99999", "GET", "/", NULL, NULL, &why));
    cr_assert_null(build("http://:80", "GET", "/", NULL, NULL, &why));
}

Test(portal_try, refuses_what_would_leave_the_global_endpoint_or_split_the_head)
{
    const char *why = NULL;
    const char *ep = "http://127.0.0.1:1";
    cr_assert_null(build(ep, "CONNECT", "/", NULL, NULL, &why));
    cr_assert_null(build(ep, "get", "/", NULL, NULL, &why));
    cr_assert_null(build(ep, "GET", "http://169.254.169.254/", NULL, NULL, &why));
    cr_assert_str_eq(why, "path must start with '/' and hold visible ASCII only (percent-encode the rest)");
    cr_assert_null(build(ep, "GET", "/a b", NULL, NULL, &why));
    cr_assert_null(build(ep, "GET", "/a\r\nX: 1", NULL, NULL, &why));
    cr_assert_null(build(ep, "GET", "/a#frag", NULL, NULL, &why));
    cr_assert_null(build(ep, "GET", "/", "[[\"Host\", \"evil\"]]", NULL, &why));
    cr_assert_null(build(ep, "GET", "/", "[[\"Transfer-Encoding\", \"chunked\"]]", NULL, &why));
    cr_assert_null(build(ep, "GET", "/", "[[\"Cookie\", \"a=1\"]]", NULL, &why));
    cr_assert_null(build(ep, "GET", "/", "[[\"X-A\", \"1\\r\\nX-B: 2\"]]", NULL, &why));
    cr_assert_null(build(ep, "GET", "/", "[[\"Bad Name\", \"1\"]]", NULL, &why));
    cr_assert_null(build(ep, "GET", "/", "[[\"X-A\"]]", NULL, &why));
    cr_assert_null(build(ep, "GET", "/", "[\"X-A: 1\"]", NULL, &why));
    static char big[MANAGE_TRY_MAX_REQUEST + 2];
    memset(big, 'x', sizeof big - 1);
    cr_assert_null(build(ep, "POST", "/", NULL, big, &why));
    cr_assert_str_eq(why, "the request body is larger than 64 KiB");
}
