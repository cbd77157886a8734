/* Unit tests for the HTTP/1.1 head parser (src/http/parser.h): requests, responses,
 * smuggling defences, limits and incremental arrival. */
#include "http/parser.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static http_request_t req;
static http_response_t resp;

#define assert_slice(s, lit)                                                                   \
    cr_assert(slice_eq((s), slice_from_cstr(lit)), "expected \"%s\", got \"%.*s\"", (lit),    \
              (int)(s).len, (s).ptr ? (s).ptr : "")

static int parse_req(const char *s)
{
    return http_parse_request(s, strlen(s), NULL, &req);
}

static int parse_req_with(const char *s, size_t len, const http_limits_t *limits)
{
    /* An exact-size copy, so that a read past `len` is caught by ASan. */
    char *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    memcpy(copy, s, len);
    int rc = http_parse_request(copy, len, limits, &req);
    free(copy);
    return rc;
}

static int parse_resp(const char *s)
{
    return http_parse_response(s, strlen(s), NULL, &resp);
}

/* Feeds s one more byte at a time; every result before the first decision must be
 * HTTP_PARSE_INCOMPLETE and the decision must equal the one-shot result. */
static int parse_req_bytewise(const char *s, size_t len, const http_limits_t *limits)
{
    int whole = parse_req_with(s, len, limits);
    for (size_t n = 0; n <= len; n++) {
        int rc = parse_req_with(s, n, limits);
        if (rc == HTTP_PARSE_INCOMPLETE) continue;
        cr_assert_eq(rc, whole, "prefix %zu of %zu gave %d, whole input %d", n, len, rc, whole);
        return rc;
    }
    cr_assert_eq(whole, HTTP_PARSE_INCOMPLETE);
    return whole;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- basics ---- */

Test(request, simple_get)
{
    const char *s = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
    int rc = parse_req(s);
    cr_assert_eq(rc, (int)strlen(s));
    cr_assert_eq(req.head_len, strlen(s));
    assert_slice(req.method, "GET");
    cr_assert_eq(req.method_id, HTTP_METHOD_GET);
    assert_slice(req.target, "/index.html");
    assert_slice(req.path, "/index.html");
    cr_assert_eq(req.query.len, 0);
    cr_assert_not(req.has_query);
    cr_assert_eq(req.minor_version, 1);
    cr_assert_eq(req.header_count, 2);
    assert_slice(req.headers[0].name, "Host");
    assert_slice(req.headers[0].value, "example.com");
    assert_slice(req.headers[1].name, "Accept");
    assert_slice(req.headers[1].value, "*/*");
    cr_assert(req.has_host);
    assert_slice(req.host, "example.com");
    cr_assert_eq(req.content_length, -1);
    cr_assert_not(req.is_chunked);
    cr_assert(req.keep_alive);
    cr_assert_not(req.expect_continue);
    cr_assert_not(req.has_upgrade);
}

Test(request, query_split)
{
    cr_assert_gt(parse_req("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
    assert_slice(req.path, "/a/b");
    assert_slice(req.query, "x=1&y=2");
    cr_assert(req.has_query);
    cr_assert_gt(parse_req("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
    assert_slice(req.path, "/a");
    cr_assert_eq(req.query.len, 0);
    cr_assert(req.has_query);
}

Test(request, slices_point_into_buffer)
{
    const char *s = "POST /p?q HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
    int rc = parse_req(s);
    cr_assert_eq(rc, (int)strlen(s) - 3);
    const slice_t all[] = {req.method, req.target, req.path, req.query, req.host};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cr_assert(all[i].ptr >= s && all[i].ptr + all[i].len <= s + rc);
    cr_assert_eq(req.content_length, 3);
}

Test(request, incomplete)
{
    cr_assert_eq(parse_req(""), HTTP_PARSE_INCOMPLETE);
    cr_assert_eq(parse_req("GET"), HTTP_PARSE_INCOMPLETE);
    cr_assert_eq(parse_req("GET / HTTP/1.1\r\nHost: h\r\n"), HTTP_PARSE_INCOMPLETE);
    cr_assert_eq(parse_req("GET / HTTP/1.1\r\nHost: h\r\n\r"), HTTP_PARSE_INCOMPLETE);
}

Test(request, pipelined_head_len_exact)
{
    const char *first = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n";
    const char *second = "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n";
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s", first, second);
    int rc = http_parse_request(buf, strlen(buf), NULL, &req);
    cr_assert_eq(rc, (int)strlen(first));
    assert_slice(req.path, "/one");
    rc = http_parse_request(buf + rc, strlen(buf) - (size_t)rc, NULL, &req);
    cr_assert_eq(rc, (int)strlen(second));
    assert_slice(req.path, "/two");
    cr_assert_eq(req.content_length, 0);
}

Test(request, leading_empty_lines_are_skipped)
{
    /* RFC 9112 §2.2: at least one empty line before the request-line is ignored. */
    const char *s = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
    cr_assert_eq(parse_req(s), (int)strlen(s));
    assert_slice(req.method, "GET");
    cr_assert_eq(parse_req("\r\n"), HTTP_PARSE_INCOMPLETE);
    cr_assert_eq(parse_req("\r"), HTTP_PARSE_INCOMPLETE);
    cr_assert_eq(parse_req("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("\r\rGET / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
}

Test(request, methods)
{
    static const struct {
        const char *name;
        http_method_t id;
    } cases[] = {
        {"GET", HTTP_METHOD_GET},         {"HEAD", HTTP_METHOD_HEAD},
        {"POST", HTTP_METHOD_POST},       {"PUT", HTTP_METHOD_PUT},
        {"DELETE", HTTP_METHOD_DELETE},   {"PATCH", HTTP_METHOD_PATCH},
        {"OPTIONS", HTTP_METHOD_OPTIONS}, {"TRACE", HTTP_METHOD_TRACE},
        {"get", HTTP_METHOD_OTHER},       {"PROPFIND", HTTP_METHOD_OTHER},
        {"X-Y_Z!", HTTP_METHOD_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s / HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].name);
        cr_assert_gt(parse_req(buf), 0, "%s", cases[i].name);
        cr_assert_eq(req.method_id, cases[i].id, "%s", cases[i].name);
        assert_slice(req.method, cases[i].name);
    }
    cr_assert(http_method_is_idempotent(HTTP_METHOD_GET));
    cr_assert(http_method_is_idempotent(HTTP_METHOD_PUT));
    cr_assert(http_method_is_idempotent(HTTP_METHOD_DELETE));
    cr_assert_not(http_method_is_idempotent(HTTP_METHOD_POST));
    cr_assert_not(http_method_is_idempotent(HTTP_METHOD_PATCH));
    cr_assert_not(http_method_is_idempotent(HTTP_METHOD_OTHER));
}

Test(request, bad_request_lines)
{
    static const char *cases[] = {
        "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n",   /* method is not a token */
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",   /* two spaces */
        "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n",   /* HTAB as separator */
        "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",   /* trailing space */
        "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", /* space in target */
        "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
        " / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET  HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /\r\nHost: h\r\n\r\n", /* HTTP/0.9 */
        "GET / http/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1\r\nHost: h\r\n\r\n",
        "GET / HTTP/11.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1x\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\rHost: h\r\n\r\n", /* bare CR */
        "GET / HTTP/1.1\nHost: h\r\n\r\n",  /* bare LF */
        "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET h:80 HTTP/1.1\r\nHost: h\r\n\r\n",
        "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", /* authority-form is not proxied */
        "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(parse_req(cases[i]), HTTP_ERR_BAD_REQUEST, "case %zu: %s", i, cases[i]);
}

Test(request, versions)
{
    cr_assert_gt(parse_req("GET / HTTP/1.0\r\n\r\n"), 0);
    cr_assert_eq(req.minor_version, 0);
    cr_assert_eq(parse_req("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), HTTP_ERR_BAD_VERSION);
    cr_assert_eq(parse_req("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), HTTP_ERR_BAD_VERSION);
    cr_assert_eq(parse_req("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), HTTP_ERR_BAD_VERSION);
    /* Decided as soon as the request-line is complete. */
    cr_assert_eq(parse_req("GET / HTTP/3.0\r\n"), HTTP_ERR_BAD_VERSION);
    cr_assert_eq(parse_req("GET / HTTP/2.0"), HTTP_PARSE_INCOMPLETE);
}

/* ---- connection semantics ---- */

Test(request, keep_alive_rules)
{
    cr_assert_gt(parse_req("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
    cr_assert(req.keep_alive);
    cr_assert_gt(parse_req("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"), 0);
    cr_assert_not(req.keep_alive);
    cr_assert_gt(parse_req("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n"), 0);
    cr_assert_not(req.keep_alive);
    cr_assert_gt(parse_req("GET / HTTP/1.0\r\n\r\n"), 0);
    cr_assert_not(req.keep_alive);
    cr_assert_gt(parse_req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0);
    cr_assert(req.keep_alive);
    cr_assert_gt(parse_req("GET / HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\n\r\n"), 0);
    cr_assert(req.keep_alive);
    cr_assert_gt(parse_req("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"),
                 0);
    cr_assert_not(req.keep_alive);
    cr_assert_gt(parse_req("GET / HTTP/1.1\r\nHost: h\r\nConnection: ,keep-alive,,\r\n\r\n"), 0);
    cr_assert(req.keep_alive);
    cr_assert_eq(parse_req("GET / HTTP/1.1\r\nHost: h\r\nConnection: close;x\r\n\r\n"),
                 HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET / HTTP/1.1\r\nHost: h\r\nConnection: \"close\"\r\n\r\n"),
                 HTTP_ERR_BAD_REQUEST);
}

Test(request, expect_and_upgrade)
{
    cr_assert_gt(parse_req("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n"
                           "Content-Length: 5\r\n\r\n"),
                 0);
    cr_assert(req.expect_continue);
    cr_assert_gt(parse_req("PUT / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n"), 0);
    cr_assert_not(req.expect_continue);
    /* RFC 9110 §10.1.1: ignored in HTTP/1.0. */
    cr_assert_gt(parse_req("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"), 0);
    cr_assert_not(req.expect_continue);
    cr_assert_gt(parse_req("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
                           "Upgrade: websocket\r\n\r\n"),
                 0);
    cr_assert(req.has_upgrade);
    cr_assert(req.keep_alive);
    cr_assert_gt(parse_req("GET / HTTP/1.0\r\nUpgrade: websocket\r\n\r\n"), 0);
    cr_assert_not(req.has_upgrade);
}

/* ---- Host ---- */

Test(request, host_rules)
{
    cr_assert_eq(parse_req("GET / HTTP/1.1\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_gt(parse_req("GET / HTTP/1.0\r\n\r\n"), 0);
    cr_assert_not(req.has_host);
    cr_assert_eq(req.host.len, 0);
    static const char *good[] = {"example.com", "EXAMPLE.com:8080", "[::1]:443", "[2001:db8::1]",
                                 "10.0.0.1:80", "a-b_c~d.e",         "h:"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", good[i]);
        cr_assert_gt(parse_req(buf), 0, "%s", good[i]);
        assert_slice(req.host, good[i]);
    }
    static const char *bad[] = {"",        "a b",        "a/b",       "user@host", "h:abc",
                                "h:123456", "[::1",       "[]",        "h:80:80",   "a?b",
                                "caf\xc3\xa9", "[::1]x", "h\\x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", bad[i]);
        cr_assert_eq(parse_req(buf), HTTP_ERR_BAD_REQUEST, "%s", bad[i]);
    }
}

/* ---- request-target forms ---- */

Test(request, absolute_form)
{
    const char *s = "GET http://example.com/a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    cr_assert_gt(parse_req(s), 0);
    assert_slice(req.target, "http://example.com/a/b?x=1");
    assert_slice(req.path, "/a/b");
    assert_slice(req.query, "x=1");
    assert_slice(req.host, "example.com");

    s = "GET HTTPS://Example.com:8443 HTTP/1.1\r\nHost: example.com:8443\r\n\r\n";
    cr_assert_gt(parse_req(s), 0);
    assert_slice(req.path, "/");
    cr_assert(req.path.ptr > s && req.path.ptr < s + strlen(s), "path points into the buffer");
    cr_assert_not(req.has_query);

    cr_assert_gt(parse_req("GET http://h?q=1 HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
    assert_slice(req.path, "/");
    assert_slice(req.query, "q=1");

    /* HTTP/1.0 without Host is fine: the target's authority is the host (RFC 9112 §3.2.2). */
    cr_assert_gt(parse_req("GET http://h:81/x HTTP/1.0\r\n\r\n"), 0);
    assert_slice(req.path, "/x");
    assert_slice(req.host, "h:81");
    cr_assert_not(req.has_host);

    cr_assert_eq(parse_req("GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET http:///p HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET http:/a/ HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
}

Test(request, asterisk_form)
{
    cr_assert_gt(parse_req("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
    assert_slice(req.path, "*");
    cr_assert_eq(req.method_id, HTTP_METHOD_OPTIONS);
    cr_assert_eq(parse_req("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_BAD_REQUEST);
}

/* ---- field lines ---- */

Test(request, field_value_trimming_htab_obs_text)
{
    cr_assert_gt(parse_req("GET / HTTP/1.1\r\nHost:h\r\nX-A:   a b  \t \r\nX-B:\r\n"
                           "X-C: \t \r\nX-D:\tx\ty\t\r\nX-E: caf\xc3\xa9 \x80\xff\r\n\r\n"),
                 0);
    cr_assert_eq(req.header_count, 6);
    assert_slice(req.headers[0].value, "h");
    assert_slice(req.headers[1].value, "a b");
    assert_slice(req.headers[2].value, "");
    assert_slice(req.headers[3].value, "");
    assert_slice(req.headers[4].value, "x\ty");
    assert_slice(req.headers[5].value, "caf\xc3\xa9 \x80\xff");
    /* A long value takes the word-at-a-time path. */
    char buf[512];
    snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: h\r\nX: %s\r\n\r\n",
             "0123456789abcdefghijklmnopqrstuvwxyz\t0123456789abcdefghijklmnopqrstuvwxyz   ");
    cr_assert_gt(parse_req(buf), 0);
    assert_slice(req.headers[1].value,
                 "0123456789abcdefghijklmnopqrstuvwxyz\t0123456789abcdefghijklmnopqrstuvwxyz");
}

Test(request, find_header)
{
    cr_assert_gt(parse_req("GET / HTTP/1.1\r\nHost: h\r\nX-Thing: 1\r\nx-thing: 2\r\n\r\n"), 0);
    const http_header_t *h = http_find_header(req.headers, req.header_count, "X-THING");
    cr_assert_not_null(h);
    assert_slice(h->value, "1");
    cr_assert_null(http_find_header(req.headers, req.header_count, "X-Thin"));
    cr_assert_null(http_find_header(req.headers, req.header_count, "X-Things"));
}

Test(request, bad_field_lines)
{
    static const char *cases[] = {
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",   /* obs-fold, RFC 9112 §5.2 */
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n",  /* obs-fold with HTAB */
        "GET / HTTP/1.1\r\n Host: h\r\n\r\n",                /* whitespace before first */
        "GET / HTTP/1.1\r\nHost : h\r\n\r\n",                /* SP before colon, §5.1 */
        "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n",               /* HTAB before colon */
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",      /* bare CR */
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\nY: b\r\n\r\n",   /* bare LF */
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\n",           /* bare LF as the empty line */
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n",     /* CTL */
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n",     /* DEL */
        "GET / HTTP/1.1\r\nHost: h\r\nX: \x1b[31m\r\n\r\n",  /* ESC */
        "GET / HTTP/1.1\r\nHost: h\r\nX(: a\r\n\r\n",        /* name not a token */
        "GET / HTTP/1.1\r\nHost: h\r\n: a\r\n\r\n",          /* empty name */
        "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX\xc3\xa9: a\r\n\r\n", /* obs-text in a name */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(parse_req(cases[i]), HTTP_ERR_BAD_REQUEST, "case %zu", i);
    /* NUL cannot be in a C string literal passed through strlen: */
    const char nul[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
    cr_assert_eq(parse_req_with(nul, sizeof nul - 1, NULL), HTTP_ERR_BAD_REQUEST);
    const char nul_name[] = "GET / HTTP/1.1\r\nHost: h\r\nX\0: ab\r\n\r\n";
    cr_assert_eq(parse_req_with(nul_name, sizeof nul_name - 1, NULL), HTTP_ERR_BAD_REQUEST);
    const char nul_line[] = "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n";
    cr_assert_eq(parse_req_with(nul_line, sizeof nul_line - 1, NULL), HTTP_ERR_BAD_REQUEST);
}

/* ---- smuggling: framing (RFC 9112 §6) ---- */

#define REQ(fields) "POST / HTTP/1.1\r\nHost: h\r\n" fields "\r\n"

Test(smuggling, content_length_valid)
{
    cr_assert_gt(parse_req(REQ("Content-Length: 42\r\n")), 0);
    cr_assert_eq(req.content_length, 42);
    cr_assert_gt(parse_req(REQ("content-length:  7 \r\n")), 0);
    cr_assert_eq(req.content_length, 7);
    cr_assert_gt(parse_req(REQ("Content-Length: 0\r\n")), 0);
    cr_assert_eq(req.content_length, 0);
    cr_assert_gt(parse_req(REQ("Content-Length: 9223372036854775807\r\n")), 0);
    cr_assert_eq(req.content_length, INT64_MAX);
}

Test(smuggling, cl_and_te)
{
    cr_assert_eq(parse_req(REQ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")),
                 HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, te_and_cl)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")),
                 HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, cl_and_unknown_te)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: gzip\r\nContent-Length: 5\r\n")),
                 HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, cl_not_digits)
{
    cr_assert_eq(parse_req(REQ("Content-Length: abc\r\n")), HTTP_ERR_BAD_FRAMING);
    cr_assert_eq(parse_req(REQ("Content-Length: 5a\r\n")), HTTP_ERR_BAD_FRAMING);
    cr_assert_eq(parse_req(REQ("Content-Length: 0x5\r\n")), HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, cl_signed)
{
    cr_assert_eq(parse_req(REQ("Content-Length: +5\r\n")), HTTP_ERR_BAD_FRAMING);
    cr_assert_eq(parse_req(REQ("Content-Length: -1\r\n")), HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, cl_empty)
{
    cr_assert_eq(parse_req(REQ("Content-Length:\r\n")), HTTP_ERR_BAD_FRAMING);
    cr_assert_eq(parse_req(REQ("Content-Length:   \r\n")), HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, cl_list)
{
    cr_assert_eq(parse_req(REQ("Content-Length: 5, 5\r\n")), HTTP_ERR_BAD_FRAMING);
    cr_assert_eq(parse_req(REQ("Content-Length: 5,6\r\n")), HTTP_ERR_BAD_FRAMING);
    cr_assert_eq(parse_req(REQ("Content-Length: 5,\r\n")), HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, cl_inner_space)
{
    cr_assert_eq(parse_req(REQ("Content-Length: 5 5\r\n")), HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, cl_duplicate_fields_even_equal)
{
    cr_assert_eq(parse_req(REQ("Content-Length: 5\r\nContent-Length: 5\r\n")),
                 HTTP_ERR_BAD_FRAMING);
    cr_assert_eq(parse_req(REQ("Content-Length: 5\r\ncontent-length: 6\r\n")),
                 HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, cl_overflow)
{
    cr_assert_eq(parse_req(REQ("Content-Length: 9223372036854775808\r\n")), HTTP_ERR_BAD_FRAMING);
    cr_assert_eq(parse_req(REQ("Content-Length: 99999999999999999999999\r\n")),
                 HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, te_chunked_accepted)
{
    cr_assert_gt(parse_req(REQ("Transfer-Encoding: chunked\r\n")), 0);
    cr_assert(req.is_chunked);
    cr_assert_eq(req.content_length, -1);
    cr_assert_gt(parse_req(REQ("transfer-encoding:  CHUNKED \r\n")), 0);
    cr_assert(req.is_chunked);
}

Test(smuggling, te_chunked_twice)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunked, chunked\r\n")),
                 HTTP_ERR_UNKNOWN_CODING);
}

Test(smuggling, te_two_fields)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")),
                 HTTP_ERR_UNKNOWN_CODING);
}

Test(smuggling, te_gzip_chunked)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: gzip, chunked\r\n")), HTTP_ERR_UNKNOWN_CODING);
}

Test(smuggling, te_identity)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: identity\r\n")), HTTP_ERR_UNKNOWN_CODING);
}

Test(smuggling, te_chunked_with_parameter)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunked;x\r\n")), HTTP_ERR_UNKNOWN_CODING);
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunked ; q=\"1\"\r\n")),
                 HTTP_ERR_UNKNOWN_CODING);
}

Test(smuggling, te_trailing_comma)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunked,\r\n")), HTTP_ERR_UNKNOWN_CODING);
}

Test(smuggling, te_near_miss_spellings)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunk\r\n")), HTTP_ERR_UNKNOWN_CODING);
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: xchunked\r\n")), HTTP_ERR_UNKNOWN_CODING);
}

Test(smuggling, te_garbage_is_bad_request)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: \"chunked\"\r\n")), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req(REQ("Transfer-Encoding:\r\n")), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: ,\r\n")), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunked@\r\n")), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunked;\r\n")), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: chunked;a=\r\n")), HTTP_ERR_BAD_REQUEST);
}

Test(smuggling, te_with_control_byte)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding: \x0b" "chunked\r\n")), HTTP_ERR_BAD_REQUEST);
}

Test(smuggling, te_in_http10)
{
    cr_assert_eq(parse_req("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
                 HTTP_ERR_BAD_FRAMING);
}

Test(smuggling, te_name_with_space_before_colon)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding : chunked\r\n")), HTTP_ERR_BAD_REQUEST);
}

Test(smuggling, te_obs_fold)
{
    cr_assert_eq(parse_req(REQ("Transfer-Encoding:\r\n chunked\r\n")), HTTP_ERR_BAD_REQUEST);
}

Test(smuggling, te_name_with_leading_space)
{
    cr_assert_eq(parse_req(REQ(" Transfer-Encoding: chunked\r\n")), HTTP_ERR_BAD_REQUEST);
}

Test(smuggling, te_bare_lf_line)
{
    cr_assert_eq(parse_req(REQ("X: y\nTransfer-Encoding: chunked\r\n")), HTTP_ERR_BAD_REQUEST);
}

Test(smuggling, cl_bare_cr_line)
{
    cr_assert_eq(parse_req(REQ("X: y\rContent-Length: 5\r\n")), HTTP_ERR_BAD_REQUEST);
}

/* ---- limits ---- */

static char *long_target_request(size_t target_len, bool complete)
{
    char *t = repeat('a', target_len);
    t[0] = '/';
    size_t n = target_len + 64;
    char *s = malloc(n);
    cr_assert_not_null(s);
    snprintf(s, n, complete ? "GET %s HTTP/1.1\r\nHost: h\r\n\r\n" : "GET %s", t);
    free(t);
    return s;
}

Test(limits, request_line_too_long)
{
    /* "GET " + target + " HTTP/1.1" is 13 bytes more than the target. */
    char *ok = long_target_request(8192 - 13, true);
    cr_assert_gt(parse_req(ok), 0);
    char *too_long = long_target_request(8192 - 12, true);
    cr_assert_eq(parse_req(too_long), HTTP_ERR_URI_TOO_LONG);
    free(ok);
    free(too_long);
}

Test(limits, request_line_too_long_incomplete)
{
    char *s = long_target_request(9000, false);
    cr_assert_eq(parse_req(s), HTTP_ERR_URI_TOO_LONG);
    /* Decided after max_request_line + 2 bytes without the end of the line. */
    cr_assert_eq(parse_req_with(s, 8194, NULL), HTTP_ERR_URI_TOO_LONG);
    cr_assert_eq(parse_req_with(s, 8193, NULL), HTTP_PARSE_INCOMPLETE);
    free(s);
}

Test(limits, small_request_line_limit)
{
    http_limits_t lim = {.max_request_line = 16, .max_header_bytes = 1024, .max_headers = 10};
    const char *ok = "GET /abc HTTP/1.1\r\nHost: h\r\n\r\n"; /* line is 17 bytes */
    cr_assert_eq(parse_req_with(ok, strlen(ok), &lim), HTTP_ERR_URI_TOO_LONG);
    lim.max_request_line = 17;
    cr_assert_gt(parse_req_with(ok, strlen(ok), &lim), 0);
}

Test(limits, head_too_large)
{
    size_t big = 33 * 1024;
    char *v = repeat('v', big);
    char *s = malloc(big + 64);
    cr_assert_not_null(s);
    snprintf(s, big + 64, "GET / HTTP/1.1\r\nHost: h\r\nX: %s\r\n\r\n", v);
    cr_assert_eq(parse_req(s), HTTP_ERR_HEADERS_TOO_LARGE);
    /* Incomplete: as soon as max_header_bytes bytes hold no end of head. */
    cr_assert_eq(parse_req_with(s, 32768, NULL), HTTP_ERR_HEADERS_TOO_LARGE);
    cr_assert_eq(parse_req_with(s, 32767, NULL), HTTP_PARSE_INCOMPLETE);
    free(v);
    free(s);
}

Test(limits, head_exactly_at_limit)
{
    http_limits_t lim = {.max_request_line = 100, .max_header_bytes = 40, .max_headers = 10};
    const char *s = "GET / HTTP/1.1\r\nHost: h\r\nX: 01234567\r\n\r\n"; /* 40 bytes */
    cr_assert_eq(strlen(s), 40);
    cr_assert_eq(parse_req_with(s, 40, &lim), 40);
    lim.max_header_bytes = 39;
    cr_assert_eq(parse_req_with(s, 40, &lim), HTTP_ERR_HEADERS_TOO_LARGE);
}

static char *request_with_fields(size_t n, bool complete)
{
    size_t cap = 64 + n * 16;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    size_t len = (size_t)snprintf(s, cap, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (size_t i = 1; i < n; i++) len += (size_t)snprintf(s + len, cap - len, "X-%zu: v\r\n", i);
    if (complete) snprintf(s + len, cap - len, "\r\n");
    return s;
}

Test(limits, too_many_fields)
{
    char *ok = request_with_fields(100, true);
    cr_assert_gt(parse_req(ok), 0);
    cr_assert_eq(req.header_count, 100);
    char *over = request_with_fields(101, true);
    cr_assert_eq(parse_req(over), HTTP_ERR_HEADERS_TOO_LARGE);
    char *over_incomplete = request_with_fields(101, false);
    cr_assert_eq(parse_req(over_incomplete), HTTP_ERR_HEADERS_TOO_LARGE);
    http_limits_t lim = {.max_request_line = 8192, .max_header_bytes = 32768, .max_headers = 3};
    cr_assert_eq(parse_req_with(ok, strlen(ok), &lim), HTTP_ERR_HEADERS_TOO_LARGE);
    /* max_headers above HTTP_MAX_HEADERS is capped. */
    lim.max_headers = 1000;
    cr_assert_eq(parse_req_with(over, strlen(over), &lim), HTTP_ERR_HEADERS_TOO_LARGE);
    free(ok);
    free(over);
    free(over_incomplete);
}

/* ---- early rejection and incremental arrival ---- */

Test(incremental, garbage_fails_fast)
{
    const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    cr_assert_eq(parse_req_with(tls, sizeof tls - 1, NULL), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req_with(tls, 1, NULL), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET /\x01"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET / HTTP/1.1\r\nHost: h\nX"), HTTP_ERR_BAD_REQUEST);
    cr_assert_eq(parse_req("GET / HTTX"), HTTP_ERR_BAD_REQUEST);
}

Test(incremental, bytewise_equals_one_shot)
{
    static const char *cases[] = {
        "GET /a?b HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
        "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
        "GET http://h/x HTTP/1.1\r\nHost: h\r\n\r\n",
        "GE T / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = parse_req_bytewise(cases[i], strlen(cases[i]), NULL);
        cr_assert_neq(rc, HTTP_PARSE_INCOMPLETE, "case %zu", i);
    }
    http_limits_t lim = {.max_request_line = 20, .max_header_bytes = 60, .max_headers = 3};
    static const char *limited[] = {
        "GET /0123456789abcdef HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nA: 0123456789012345678901234567890123456789\r\n\r\n",
        "GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof limited / sizeof limited[0]; i++) {
        int rc = parse_req_bytewise(limited[i], strlen(limited[i]), &lim);
        cr_assert_lt(rc, 0, "limited case %zu", i);
    }
}

/* ---- errors ---- */

Test(errors, status_and_message)
{
    cr_assert_eq(http_error_status(HTTP_ERR_BAD_REQUEST), 400);
    cr_assert_eq(http_error_status(HTTP_ERR_URI_TOO_LONG), 414);
    cr_assert_eq(http_error_status(HTTP_ERR_HEADERS_TOO_LARGE), 431);
    cr_assert_eq(http_error_status(HTTP_ERR_UNKNOWN_CODING), 501);
    cr_assert_eq(http_error_status(HTTP_ERR_BAD_VERSION), 505);
    cr_assert_eq(http_error_status(HTTP_ERR_BAD_FRAMING), 400);
    cr_assert_eq(http_error_status(HTTP_ERR_BAD_CHUNK), 400);
    cr_assert_eq(http_error_status(HTTP_ERR_BAD_RESPONSE), 502);
    cr_assert_str_eq(http_error_message(HTTP_ERR_HEADERS_TOO_LARGE),
                     "Request header fields too large");
    for (int e = HTTP_ERR_BAD_RESPONSE; e <= HTTP_ERR_BAD_REQUEST; e++)
        cr_assert_gt(strlen(http_error_message(e)), 0);
}

/* ---- responses ---- */

Test(response, simple)
{
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
    int rc = parse_resp(s);
    cr_assert_eq(rc, (int)strlen(s) - 5);
    cr_assert_eq(resp.head_len, (size_t)rc);
    cr_assert_eq(resp.status, 200);
    assert_slice(resp.reason, "OK");
    cr_assert_eq(resp.minor_version, 1);
    cr_assert_eq(resp.header_count, 2);
    cr_assert_eq(resp.content_length, 5);
    cr_assert_not(resp.is_chunked);
    cr_assert(resp.keep_alive);
}

Test(response, status_lines)
{
    cr_assert_gt(parse_resp("HTTP/1.1 404 Not Found Here\r\nContent-Length: 0\r\n\r\n"), 0);
    cr_assert_eq(resp.status, 404);
    assert_slice(resp.reason, "Not Found Here");
    cr_assert_gt(parse_resp("HTTP/1.1 204\r\n\r\n"), 0);
    cr_assert_eq(resp.status, 204);
    cr_assert_eq(resp.reason.len, 0);
    cr_assert_gt(parse_resp("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"), 0);
    cr_assert_gt(parse_resp("HTTP/1.0 999 Whatever\r\n\r\n"), 0);
    cr_assert_eq(resp.status, 999);
    static const char *bad[] = {
        "HTTP/1.1 099 X\r\n\r\n",  "HTTP/1.1 20 X\r\n\r\n",    "HTTP/1.1 2000 X\r\n\r\n",
        "HTTP/1.1 2x0 X\r\n\r\n",  "HTTP/2.0 200 OK\r\n\r\n",  "HTTP/1.2 200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.1 200 O\x01K\r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\nX: y\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX : y\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse_resp(bad[i]), HTTP_ERR_BAD_RESPONSE, "case %zu", i);
    cr_assert_eq(parse_resp("HTTP/1.1 200 OK\r\n"), HTTP_PARSE_INCOMPLETE);
    cr_assert_eq(parse_resp("HTTP/1.1 20"), HTTP_PARSE_INCOMPLETE);
}

Test(response, keep_alive_rules)
{
    cr_assert_gt(parse_resp("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 0);
    cr_assert(resp.keep_alive);
    cr_assert_gt(parse_resp("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
                 0);
    cr_assert_not(resp.keep_alive);
    cr_assert_gt(parse_resp("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), 0);
    cr_assert_not(resp.keep_alive);
    cr_assert_gt(
        parse_resp("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"), 0);
    cr_assert(resp.keep_alive);
    /* No framing: the body runs to the close (RFC 9112 §6.3 item 8). */
    cr_assert_gt(parse_resp("HTTP/1.1 200 OK\r\n\r\n"), 0);
    cr_assert_not(resp.keep_alive);
    cr_assert_eq(resp.content_length, -1);
    /* ... unless the status has no body. */
    cr_assert_gt(parse_resp("HTTP/1.1 204 No Content\r\n\r\n"), 0);
    cr_assert(resp.keep_alive);
    cr_assert_gt(parse_resp("HTTP/1.1 304 Not Modified\r\n\r\n"), 0);
    cr_assert(resp.keep_alive);
    cr_assert_gt(parse_resp("HTTP/1.1 100 Continue\r\n\r\n"), 0);
    cr_assert_eq(resp.status, 100);
}

Test(response, framing)
{
    cr_assert_gt(parse_resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 0);
    cr_assert(resp.is_chunked);
    cr_assert(resp.keep_alive);
    cr_assert_eq(resp.content_length, -1);
    /* RFC 9112 §6.3 item 3: TE wins over CL, and the connection is not reused. */
    cr_assert_gt(parse_resp("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n"),
                 0);
    cr_assert(resp.is_chunked);
    cr_assert_eq(resp.content_length, -1);
    cr_assert_not(resp.keep_alive);
    /* Final coding not chunked: close-delimited. */
    cr_assert_gt(parse_resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 0);
    cr_assert_not(resp.is_chunked);
    cr_assert_eq(resp.content_length, -1);
    cr_assert_not(resp.keep_alive);
    cr_assert_gt(parse_resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n"),
                 0);
    cr_assert(resp.is_chunked);
    /* Identical Content-Length values are accepted in a response (RFC 9110 §8.6). */
    cr_assert_gt(parse_resp("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n"), 0);
    cr_assert_eq(resp.content_length, 5);
    cr_assert_gt(parse_resp("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
                 0);
    cr_assert_eq(resp.content_length, 5);
    static const char *bad[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;a=b\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: \"x\"\r\n\r\n",
        "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: \"close\"\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse_resp(bad[i]), HTTP_ERR_BAD_RESPONSE, "case %zu", i);
}

Test(response, limits_are_bad_response)
{
    size_t big = 40 * 1024;
    char *v = repeat('v', big);
    char *s = malloc(big + 64);
    cr_assert_not_null(s);
    snprintf(s, big + 64, "HTTP/1.1 200 OK\r\nX: %s\r\n\r\n", v);
    cr_assert_eq(parse_resp(s), HTTP_ERR_BAD_RESPONSE);
    free(v);
    free(s);
}

Test(response, has_body)
{
    cr_assert_not(http_response_has_body(HTTP_METHOD_HEAD, 200));
    cr_assert_not(http_response_has_body(HTTP_METHOD_GET, 204));
    cr_assert_not(http_response_has_body(HTTP_METHOD_GET, 304));
    cr_assert_not(http_response_has_body(HTTP_METHOD_GET, 101));
    cr_assert_not(http_response_has_body(HTTP_METHOD_CONNECT, 200));
    cr_assert(http_response_has_body(HTTP_METHOD_GET, 200));
    cr_assert(http_response_has_body(HTTP_METHOD_POST, 404));
    cr_assert(http_response_has_body(HTTP_METHOD_CONNECT, 407));
}
