/* Fuzz driver for src/http/parser.h. Every input is parsed as a request head, as a
 * response head (each with the default limits and with small ones) and decoded as a
 * chunked body. abort() on any broken invariant:
 * - results are HTTP_PARSE_INCOMPLETE, a head length, or an error the function may return;
 * - a parsed head ends with CRLF CRLF inside the input and within max_header_bytes, and
 *   every slice of the result lies inside the head;
 * - a prefix of the input (cut at a point taken from the data, parsed from an exact-size
 *   copy) gives HTTP_PARSE_INCOMPLETE or exactly the result of the whole input;
 * - chunked decoding of the input in two pieces (cut the same way), and byte by byte for
 *   short inputs, gives the same body bytes, result and consumed count as in one piece;
 *   data spans lie inside the bytes handed in;
 * - http_chunk_size_line() output decodes back to the size;
 * - http_find_header() finds every parsed field by its name (any case), the first of that
 *   name; every result has a status and a message; http_response_has_body() and
 *   http_method_is_idempotent() agree with their RFC tables. */
#include "http/parser.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz_http_parser: invariant failed: %s (line %d)\n", #cond,       \
                    __LINE__);                                                                 \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static const http_limits_t small_limits = {
    .max_request_line = 40,
    .max_header_bytes = 200,
    .max_headers = 4,
};

static bool slice_within(slice_t s, const char *buf, size_t len)
{
    uintptr_t lo = (uintptr_t)buf, hi = lo + len, p = (uintptr_t)s.ptr;
    if (s.len == 0) return s.ptr == NULL || (p >= lo && p <= hi);
    return p >= lo && p <= hi && s.len <= hi - p;
}

static bool has_line_break(slice_t s)
{
    return memchr(s.ptr ? s.ptr : "", '\r', s.len) || memchr(s.ptr ? s.ptr : "", '\n', s.len) ||
           memchr(s.ptr ? s.ptr : "", '\0', s.len);
}

static char *copy_of(const uint8_t *data, size_t len)
{
    char *c = malloc(len ? len : 1);
    if (!c) abort();
    if (len) memcpy(c, data, len);
    return c;
}

static size_t max_fields(const http_limits_t *lim)
{
    return lim->max_headers < HTTP_MAX_HEADERS ? lim->max_headers : HTTP_MAX_HEADERS;
}

static void check_fields(const http_header_t *h, size_t count, const char *buf, size_t head_len)
{
    for (size_t i = 0; i < count; i++) {
        CHECK(h[i].name.len > 0);
        CHECK(slice_within(h[i].name, buf, head_len));
        CHECK(slice_within(h[i].value, buf, head_len));
        CHECK(!has_line_break(h[i].name) && !has_line_break(h[i].value));
        CHECK(memchr(h[i].name.ptr, ':', h[i].name.len) == NULL);
        if (h[i].value.len) {
            char first = h[i].value.ptr[0], last = h[i].value.ptr[h[i].value.len - 1];
            CHECK(first != ' ' && first != '\t' && last != ' ' && last != '\t');
        }
    }
}

static void check_head_end(const char *buf, size_t len, int rc, const http_limits_t *lim)
{
    CHECK((size_t)rc <= len);
    CHECK((size_t)rc <= lim->max_header_bytes);
    CHECK(rc >= 4 && memcmp(buf + rc - 4, "\r\n\r\n", 4) == 0);
}

/* http_find_header() returns the first field with the name of headers[i], in any case. */
static void check_find_header(const http_header_t *h, size_t count)
{
    char name[256];
    for (size_t i = 0; i < count; i++) {
        if (h[i].name.len >= sizeof name) continue;
        for (size_t k = 0; k < h[i].name.len; k++) {
            char c = h[i].name.ptr[k];
            name[k] = (char)((k & 1) && c >= 'a' && c <= 'z' ? c - 32 : c);
        }
        name[h[i].name.len] = '\0';
        const http_header_t *found = http_find_header(h, count, name);
        CHECK(found && found <= &h[i] && slice_eq_nocase(found->name, h[i].name));
    }
}

static void check_error(int rc)
{
    if (rc >= 0) return;
    int status = http_error_status(rc);
    CHECK(status == 400 || status == 414 || status == 431 || status == 501 || status == 505 ||
          status == 502);
    const char *msg = http_error_message(rc);
    CHECK(msg && msg[0]);
}

static int parse_request_checked(const char *buf, size_t len, const http_limits_t *lim,
                                 http_request_t *r)
{
    int rc = http_parse_request(buf, len, lim, r);
    CHECK(rc >= HTTP_ERR_BAD_FRAMING);
    check_error(rc);
    if (rc <= 0) return rc;
    check_head_end(buf, len, rc, lim);
    size_t head = (size_t)rc;
    CHECK(r->head_len == head);
    CHECK(r->header_count <= max_fields(lim));
    check_fields(r->headers, r->header_count, buf, head);
    CHECK(r->method.len > 0 && slice_within(r->method, buf, head));
    CHECK(r->target.len > 0 && slice_within(r->target, buf, head));
    CHECK(r->path.len > 0 && slice_within(r->path, buf, head));
    CHECK(r->path.ptr[0] == '/' || (r->path.len == 1 && r->path.ptr[0] == '*'));
    CHECK(slice_within(r->query, buf, head));
    CHECK(r->has_query || r->query.len == 0);
    CHECK(r->minor_version == 0 || r->minor_version == 1);
    CHECK(r->has_host || r->minor_version == 0);
    CHECK(r->has_host ? r->host.len > 0 && slice_within(r->host, buf, head) : r->host.len == 0);
    CHECK(r->content_length >= -1);
    CHECK(!(r->is_chunked && r->content_length >= 0));
    CHECK(!r->is_chunked || r->minor_version == 1);
    CHECK(r->method_id != HTTP_METHOD_CONNECT);
    CHECK(http_method_is_idempotent(r->method_id) ==
          (r->method_id == HTTP_METHOD_GET || r->method_id == HTTP_METHOD_HEAD ||
           r->method_id == HTTP_METHOD_PUT || r->method_id == HTTP_METHOD_DELETE ||
           r->method_id == HTTP_METHOD_OPTIONS || r->method_id == HTTP_METHOD_TRACE));
    check_find_header(r->headers, r->header_count);
    return rc;
}

static int parse_response_checked(const char *buf, size_t len, const http_limits_t *lim,
                                  http_response_t *r)
{
    int rc = http_parse_response(buf, len, lim, r);
    CHECK(rc >= 0 || rc == HTTP_ERR_BAD_RESPONSE);
    check_error(rc);
    if (rc <= 0) return rc;
    check_head_end(buf, len, rc, lim);
    size_t head = (size_t)rc;
    CHECK(r->head_len == head);
    CHECK(r->status >= 100 && r->status <= 999);
    CHECK(r->minor_version == 0 || r->minor_version == 1);
    CHECK(slice_within(r->reason, buf, head));
    CHECK(r->header_count <= max_fields(lim));
    check_fields(r->headers, r->header_count, buf, head);
    CHECK(r->content_length >= -1);
    CHECK(!(r->is_chunked && r->content_length >= 0));
    bool no_body = r->status < 200 || r->status == 204 || r->status == 304;
    CHECK(http_response_has_body(HTTP_METHOD_GET, r->status) == !no_body);
    CHECK(!http_response_has_body(HTTP_METHOD_HEAD, r->status));
    check_find_header(r->headers, r->header_count);
    return rc;
}

static http_request_t whole_req, part_req;
static http_response_t whole_resp, part_resp;

/* A cut point 0..len taken from the data. */
static size_t cut_point(const uint8_t *data, size_t len, unsigned salt)
{
    if (len == 0) return 0;
    uint32_t h = 2166136261u ^ salt;
    for (size_t i = 0; i < len && i < 16; i++) h = (h ^ data[i]) * 16777619u;
    h = (h ^ data[len - 1]) * 16777619u;
    return h % (len + 1);
}

static void fuzz_heads(const uint8_t *data, size_t len, const http_limits_t *lim, unsigned salt)
{
    const char *buf = (const char *)data;
    size_t cut = cut_point(data, len, salt);
    char *prefix = copy_of(data, cut);

    int whole = parse_request_checked(buf, len, lim, &whole_req);
    int part = parse_request_checked(prefix, cut, lim, &part_req);
    CHECK(part == HTTP_PARSE_INCOMPLETE || part == whole);
    if (whole > 0 && cut >= (size_t)whole) CHECK(part == whole);
    if (part > 0) {
        CHECK(part_req.header_count == whole_req.header_count);
        CHECK(part_req.content_length == whole_req.content_length);
        CHECK(part_req.is_chunked == whole_req.is_chunked);
        CHECK(part_req.keep_alive == whole_req.keep_alive);
        CHECK(part_req.path.len == whole_req.path.len && part_req.query.len == whole_req.query.len);
    }

    whole = parse_response_checked(buf, len, lim, &whole_resp);
    part = parse_response_checked(prefix, cut, lim, &part_resp);
    CHECK(part == HTTP_PARSE_INCOMPLETE || part == whole);
    if (whole > 0 && cut >= (size_t)whole) CHECK(part == whole);
    if (part > 0) {
        CHECK(part_resp.status == whole_resp.status);
        CHECK(part_resp.content_length == whole_resp.content_length);
        CHECK(part_resp.is_chunked == whole_resp.is_chunked);
        CHECK(part_resp.keep_alive == whole_resp.keep_alive);
    }
    free(prefix);
}

typedef struct {
    char *body;
    size_t body_len;
    int result;
    size_t consumed;
} decoded_t;

/* Decodes data in pieces of at most `piece` bytes, each an exact-size copy. */
static decoded_t decode(const uint8_t *data, size_t len, size_t piece)
{
    decoded_t r = {.body = malloc(len ? len : 1), .result = HTTP_CHUNK_NEED_MORE};
    if (!r.body) abort();
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
    size_t pos = 0;
    while (pos < len) {
        size_t n = len - pos < piece ? len - pos : piece;
        char *copy = copy_of(data + pos, n);
        size_t off = 0;
        for (;;) {
            size_t used = (size_t)-1;
            const char *span = NULL;
            size_t span_len = 0;
            int rc = http_chunked_decode(&d, copy + off, n - off, &used, &span, &span_len);
            CHECK(used <= n - off);
            off += used;
            if (rc == HTTP_CHUNK_DATA) {
                CHECK(span_len > 0 && slice_within(slice_make(span, span_len), copy, n));
                CHECK(span + span_len == copy + off);
                CHECK(r.body_len + span_len <= len);
                memcpy(r.body + r.body_len, span, span_len);
                r.body_len += span_len;
                continue;
            }
            CHECK(span == NULL && span_len == 0);
            if (rc == HTTP_CHUNK_NEED_MORE) {
                CHECK(off == n);
                break;
            }
            CHECK(rc == HTTP_CHUNK_DONE || rc == HTTP_ERR_BAD_CHUNK);
            /* The decoder stays done or failed: it consumes nothing more. */
            CHECK(http_chunked_decode(&d, copy, n, &used, &span, &span_len) == rc && used == 0);
            r.result = rc;
            r.consumed = pos + off;
            free(copy);
            return r;
        }
        free(copy);
        pos += n;
    }
    r.consumed = pos;
    return r;
}

static void check_same(const decoded_t *a, const decoded_t *b)
{
    CHECK(a->result == b->result);
    CHECK(a->consumed == b->consumed);
    CHECK(a->body_len == b->body_len);
    CHECK(a->body_len == 0 || memcmp(a->body, b->body, a->body_len) == 0);
}

static void fuzz_chunked(const uint8_t *data, size_t len)
{
    decoded_t whole = decode(data, len, SIZE_MAX);
    CHECK(whole.body_len <= whole.consumed);
    size_t cut = cut_point(data, len, 7);
    if (cut > 0) {
        decoded_t two = decode(data, len, cut);
        check_same(&whole, &two);
        free(two.body);
    }
    if (len <= 4096) {
        decoded_t bytes = decode(data, len, 1);
        check_same(&whole, &bytes);
        free(bytes.body);
    }
    free(whole.body);
}

/* The writer's size line, n bytes of data and a last-chunk always decode to n bytes
 * (n >= 1: a size line for 0 is itself the last-chunk). */
static void fuzz_size_line(const uint8_t *data, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len && i < 2; i++) n += (size_t)data[i] << (8 * i);
    uint8_t *msg = malloc(n + 32);
    if (!msg) abort();
    size_t line = http_chunk_size_line((char *)msg, n);
    CHECK(line >= 3 && line <= 18 && msg[line] == '\0');
    memset(msg + line, 'x', n);
    memcpy(msg + line + n, "\r\n0\r\n\r\n", 7);
    decoded_t r = decode(msg, line + n + 7, SIZE_MAX);
    CHECK(r.result == HTTP_CHUNK_DONE && r.body_len == n && r.consumed == line + n + 7);
    free(r.body);
    free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_heads(data, size, &http_default_limits, 1);
    fuzz_heads(data, size, &small_limits, 2);
    fuzz_chunked(data, size);
    /* A request head followed by a chunked body: decode the body too. */
    if (parse_request_checked((const char *)data, size, &http_default_limits, &whole_req) > 0 &&
        whole_req.is_chunked)
        fuzz_chunked(data + whole_req.head_len, size - whole_req.head_len);
    fuzz_size_line(data, size);
    return 0;
}
