/* Unit tests for src/http/response.c: framing decisions and the spec's error bodies. */
#include "http/response.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

Test(response, framing_plan)
{
    http_response_framing_t f;
    http_response_plan(HTTP_METHOD_GET, 1, 200, 10, &f);
    cr_assert(!f.no_body && !f.chunked && !f.close_delimited);
    http_response_plan(HTTP_METHOD_GET, 1, 200, -1, &f);
    cr_assert(f.chunked);
    http_response_plan(HTTP_METHOD_GET, 0, 200, -1, &f); /* RFC 9112 §6.3: 1.0 has no chunked */
    cr_assert(f.close_delimited && !f.chunked);
    http_response_plan(HTTP_METHOD_HEAD, 1, 200, -1, &f);
    cr_assert(f.no_body && !f.chunked);
    http_response_plan(HTTP_METHOD_GET, 1, 204, -1, &f);
    cr_assert(f.no_body);
    http_response_plan(HTTP_METHOD_GET, 1, 304, 5, &f);
    cr_assert(f.no_body);
}

Test(response, head_skips_framing_headers_from_the_handler)
{
    http_header_t h[] = {
        {SLICE_LIT("Content-Type"), SLICE_LIT("text/plain")},
        {SLICE_LIT("Content-Length"), SLICE_LIT("999")},
        {SLICE_LIT("transfer-encoding"), SLICE_LIT("chunked")},
        {SLICE_LIT("Connection"), SLICE_LIT("keep-alive")},
        {SLICE_LIT("Date"), SLICE_LIT("Sun, 06 Nov 1994 08:49:37 GMT")},
    };
    http_response_head_t head = {200, NULL, h, 5, 3};
    http_response_framing_t f;
    http_response_plan(HTTP_METHOD_GET, 1, 200, 3, &f);
    buf_t b;
    buf_init(&b);
    cr_assert_eq(http_response_head_bytes(&b, &head, &f, 1, false, NULL), 0);
    const char want[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 3\r\n"
                        "Connection: close\r\n\r\n";
    cr_assert_eq(b.len, sizeof want - 1, "got %.*s", (int)b.len, b.data);
    cr_assert_eq(memcmp(b.data, want, b.len), 0);
    buf_free(&b);
}

Test(response, http10_keep_alive_is_announced)
{
    http_response_head_t head = {200, NULL, NULL, 0, 0};
    http_response_framing_t f;
    http_response_plan(HTTP_METHOD_GET, 0, 200, 0, &f);
    buf_t b;
    buf_init(&b);
    http_response_head_bytes(&b, &head, &f, 0, true, NULL);
    cr_assert_not_null(memmem(b.data, b.len, "Connection: keep-alive\r\n", 24));
    buf_free(&b);
}

static json_t *parse(const buf_t *b)
{
    json_error_t e;
    json_t *j = json_loadb(b->data, b->len, 0, &e);
    cr_assert_not_null(j, "not JSON: %s", e.text);
    return j;
}

Test(response, error_body_shape_follows_spec_4_6)
{
    buf_t b;
    buf_init(&b);
    http_response_error_json(&b, 404, "Resource not found");
    json_t *j = parse(&b);
    cr_assert_eq(json_integer_value(json_object_get(j, "statusCode")), 404);
    cr_assert_str_eq(json_string_value(json_object_get(j, "message")), "Resource not found");
    cr_assert_null(json_object_get(j, "activityId"));
    json_decref(j);

    b.len = 0;
    http_response_error_json(&b, 500, "Internal server error \"quoted\"");
    j = parse(&b);
    const char *id = json_string_value(json_object_get(j, "activityId"));
    cr_assert_not_null(id);
    cr_assert_eq(strlen(id), 36);
    cr_assert_eq(id[14], '4'); /* GUID version 4 */
    cr_assert_str_eq(json_string_value(json_object_get(j, "message")), "Internal server error \"quoted\"");
    json_decref(j);
    buf_free(&b);
}

Test(response, whole_error_response_is_well_framed)
{
    buf_t b;
    buf_init(&b);
    http_response_error_bytes(&b, 431, "Request header fields too large", true);
    http_response_t r;
    int n = http_parse_response(b.data, b.len, &http_default_limits, &r);
    cr_assert_gt(n, 0);
    cr_assert_eq(r.status, 431);
    cr_assert_eq((size_t)r.content_length, b.len - (size_t)n);
    cr_assert_not(r.keep_alive);
    buf_free(&b);
}

Test(response, reasons)
{
    cr_assert_str_eq(http_status_reason(401), "Access Denied");
    cr_assert_str_eq(http_status_reason(414), "URI Too Long");
    cr_assert_str_eq(http_status_reason(799), "Unknown");
}
