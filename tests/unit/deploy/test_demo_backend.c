#include "deploy/demo_backend.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

/* Parses `raw` as a request head, formats the echo and parses the echo back as JSON. */
static json_t *echo(const char *raw, const char *name, uint64_t body_bytes)
{
    static http_request_t req;
    int n = http_parse_request(raw, strlen(raw), &http_default_limits, &req);
    cr_assert_gt(n, 0, "request did not parse: %d", n);
    buf_t out;
    buf_init(&out);
    cr_assert_eq(demo_backend_format_echo(&out, name, &req, body_bytes), 0);
    cr_assert_gt(out.len, 0);
    cr_assert_eq(out.data[out.len - 1], '\n', "the answer ends with a newline");
    json_error_t jerr;
    json_t *doc = json_loadb(out.data, out.len, 0, &jerr);
    cr_assert_not_null(doc, "not JSON (%s): %.*s", jerr.text, (int)out.len, out.data);
    buf_free(&out);
    return doc;
}

static const char *str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    cr_assert(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

Test(demo_backend, echoes_request_line_headers_and_body_size)
{
    json_t *doc = echo("POST /a/b?x=1&y=2 HTTP/1.1\r\nHost: example\r\nContent-Length: 5\r\n"
                       "X-Trace: abc\r\n\r\n",
                       "orders", 5);
    cr_expect_str_eq(str(doc, "backend"), "orders");
    cr_expect_str_eq(str(doc, "method"), "POST");
    cr_expect_str_eq(str(doc, "path"), "/a/b");
    cr_expect_str_eq(str(doc, "query"), "x=1&y=2");
    cr_expect_eq(json_integer_value(json_object_get(doc, "bodyBytes")), 5);
    json_t *headers = json_object_get(doc, "headers");
    cr_assert(json_is_object(headers));
    cr_expect_eq(json_object_size(headers), 3);
    cr_expect_str_eq(str(headers, "Host"), "example");
    cr_expect_str_eq(str(headers, "Content-Length"), "5");
    cr_expect_str_eq(str(headers, "X-Trace"), "abc");
    json_decref(doc);
}

Test(demo_backend, no_query_is_empty_string_and_name_defaults_to_demo)
{
    json_t *doc = echo("GET / HTTP/1.1\r\nHost: h\r\n\r\n", NULL, 0);
    cr_expect_str_eq(str(doc, "backend"), "demo");
    cr_expect_str_eq(str(doc, "query"), "");
    cr_expect_eq(json_integer_value(json_object_get(doc, "bodyBytes")), 0);
    json_decref(doc);
}

Test(demo_backend, repeated_fields_are_joined_under_the_first_name)
{
    json_t *doc = echo("GET / HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nAccept: */*\r\nx-dup: 2\r\n"
                       "X-DUP: 3\r\n\r\n",
                       "n", 0);
    json_t *headers = json_object_get(doc, "headers");
    cr_expect_eq(json_object_size(headers), 3);
    cr_expect_str_eq(str(headers, "X-Dup"), "1, 2, 3");
    cr_expect_null(json_object_get(headers, "x-dup"));
    json_decref(doc);
}

Test(demo_backend, escapes_quotes_and_replaces_invalid_utf8)
{
    /* 0xff can never appear in UTF-8; 0xc3 0xa9 is "é"; 0xed 0xa0 0x80 is a surrogate. */
    json_t *doc =
        echo("GET /q HTTP/1.1\r\nHost: h\r\nX-A: say \"hi\" \\ \xff\xc3\xa9 \xed\xa0\x80\r\n\r\n",
             "we\"ird", 0);
    cr_expect_str_eq(str(doc, "backend"), "we\"ird");
    cr_expect_str_eq(str(json_object_get(doc, "headers"), "X-A"),
                     "say \"hi\" \\ \xef\xbf\xbd\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(doc);
}
