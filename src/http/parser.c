/* http_parser: strict, zero-copy HTTP/1.1 head parser (RFC 9112). Contract in parser.h;
 * the chunked codec is in chunked.c.
 *
 * How a head is parsed (stateless, re-run from the first byte on every call):
 * 1. Empty lines before the request-line are skipped (RFC 9112 §2.2).
 * 2. The start line is scanned byte by byte inside a window of max_request_line + 2 bytes
 *    (and of max_header_bytes): every byte is checked as it comes, so a garbage stream is
 *    refused at its first bad byte even before the head is complete.
 * 3. The field section is scanned once, 16 bytes at a time, for the bytes that cannot be
 *    field content (CTLs but HTAB, DEL): in a valid head these are exactly the CRLFs, so
 *    this finds the line ends and refuses a bare CR or LF, NUL or another CTL wherever it
 *    is. Too many lines or too many bytes also end the scan here, and an incomplete head
 *    stops here with HTTP_PARSE_INCOMPLETE: a head arriving in pieces costs one vector
 *    scan per call.
 * 4. Once the empty line has been seen, the field names are validated and the fields
 *    recorded (values need no second look), then the framing and connection rules applied.
 * Every decision in steps 1-3 depends only on the bytes before the point where it is made
 * and every decision in step 4 on the complete head, so feeding a message in pieces gives
 * the same result as feeding it whole (the fuzz driver checks this).
 *
 * Choices the contract leaves open:
 * - Leading empty lines (CRLF only) before a request-line are skipped and counted in the
 *   head length; a response may not start with one.
 * - The request-target may hold any VCHAR but '#' (RFC 9112 §3.2 sends no fragment);
 *   obs-text, CTLs and spaces are refused.
 * - An HTTP-version of the form HTTP/DIGIT.DIGIT other than 1.0 and 1.1 is
 *   HTTP_ERR_BAD_VERSION (505), including HTTP/1.2; anything else there is a bad request.
 * - A Transfer-Encoding value that is not even a list of transfer-codings (empty, a quoted
 *   string, stray characters) is HTTP_ERR_BAD_REQUEST; a well-formed list that is not
 *   exactly one "chunked" ("gzip, chunked", "chunked, chunked", "chunked;x", "identity",
 *   two Transfer-Encoding fields) is HTTP_ERR_UNKNOWN_CODING. Framing errors (CL with TE,
 *   TE in HTTP/1.0, bad Content-Length) take precedence over both.
 * - Host must be a valid uri-host [":" port] (RFC 9110 §7.2, RFC 3986 §3.2.2): no
 *   userinfo, no '/', no spaces, not empty. With an absolute-form target the authority
 *   must equal the Host field (case-insensitively) when there is one, so `host` and the
 *   target can never name two different hosts (RFC 9112 §3.2.2); without a Host field,
 *   `host` is the target's authority.
 * - Responses: Content-Length may repeat (as a list or in several fields) only with
 *   identical values (RFC 9110 §8.6); chunked applied twice, chunked with parameters and
 *   Transfer-Encoding in an HTTP/1.0 response are refused; a missing reason-phrase and
 *   its SP are accepted. A response with a body but neither Content-Length nor
 *   Transfer-Encoding is close-delimited, so keep_alive is false for it (the parser does
 *   not know the request method: a HEAD response without Content-Length also gets false).
 *   Every response error is reported as HTTP_ERR_BAD_RESPONSE.
 */
#include "http/parser.h"

#include "http/chars.h"

#include <limits.h>
#include <string.h>

/* MERIDIAN_HTTP_NO_SIMD selects the portable word-at-a-time path on x86 too, so that the
 * tests can cover it. */
#if defined(__SSE2__) && !defined(MERIDIAN_HTTP_NO_SIMD)
#define HTTP_PARSER_SSE2 1
#include <emmintrin.h>
#endif

const http_limits_t http_default_limits = {
    .max_request_line = 8192,
    .max_header_bytes = 32768,
    .max_headers = 100,
};

/* RFC 9110 §5.6.2 tchar; RFC 9110 §5.5 field-vchar / SP / HTAB (obs-text included);
 * request-target bytes; RFC 3986 §3.2.2 reg-name bytes; HEXDIG; RFC 9110 §5.6.4 qdtext. */
const uint8_t http__char_class[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 00 */
    0x00, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 08 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 10 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 18 */
    0x22, 0x2f, 0x06, 0x23, 0x2f, 0x2f, 0x2f, 0x2f, /* 20 SP ! " # $ % & ' */
    0x2e, 0x2e, 0x2f, 0x2f, 0x2e, 0x2f, 0x2f, 0x26, /* 28 ( ) * + , - . / */
    0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, /* 30 0 1 2 3 4 5 6 7 */
    0x3f, 0x3f, 0x26, 0x2e, 0x26, 0x2e, 0x26, 0x26, /* 38 8 9 : ; < = > ? */
    0x26, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x2f, /* 40 @ A B C D E F G */
    0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, /* 48 H I J K L M N O */
    0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, /* 50 P Q R S T U V W */
    0x2f, 0x2f, 0x2f, 0x26, 0x06, 0x26, 0x27, 0x2f, /* 58 X Y Z [ \ ] ^ _ */
    0x27, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x2f, /* 60 ` a b c d e f g */
    0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, /* 68 h i j k l m n o */
    0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, 0x2f, /* 70 p q r s t u v w */
    0x2f, 0x2f, 0x2f, 0x26, 0x27, 0x26, 0x2f, 0x00, /* 78 x y z { | } ~ */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* 80 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* 88 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* 90 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* 98 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* a0 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* a8 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* b0 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* b8 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* c0 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* c8 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* d0 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* d8 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* e0 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* e8 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* f0 obs-text */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* f8 obs-text */
};

enum { LINE_SHORT = 0, LINE_DONE = 1 };

/* ---- word-at-a-time scanning ---- */

#define ONES ((uint64_t)0x0101010101010101ULL)
#define HIGHS ((uint64_t)0x8080808080808080ULL)

static inline uint64_t load64(const char *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

/* Non-zero when some byte of x equals b (exact as a yes/no answer). */
static inline uint64_t has_byte(uint64_t x, unsigned char b)
{
    uint64_t y = x ^ (ONES * b);
    return (y - ONES) & ~y & HIGHS;
}

/* Non-zero when some byte of x is below n (n <= 128; exact as a yes/no answer). */
static inline uint64_t has_below(uint64_t x, unsigned char n)
{
    return (x - ONES * n) & ~x & HIGHS;
}

/* Returns the first byte in [p, end) that cannot be part of a field line's content: a CTL
 * other than HTAB, or DEL (RFC 9110 §5.5 field-vchar allows obs-text). In a valid head these
 * are exactly the CR and LF of each line. 16 bytes at a time with SSE2, else 8. */
static const char *find_line_break_or_ctl(const char *p, const char *end)
{
#if defined(HTTP_PARSER_SSE2)
    const __m128i space = _mm_set1_epi8(0x20), htab = _mm_set1_epi8(0x09),
                  del = _mm_set1_epi8(0x7f);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i allowed = _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, space), x),
                                       _mm_cmpeq_epi8(x, htab));
        unsigned stop = (~(unsigned)_mm_movemask_epi8(allowed) & 0xffffu) |
                        (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, del));
        if (stop) return p + __builtin_ctz(stop);
        p += 16;
    }
#else
    while (end - p >= 8) {
        uint64_t x = load64(p);
        if (has_below(x, 0x20) | has_byte(x, 0x7f))
            for (int i = 0; i < 8; i++)
                if (!http__is(p[i], HTTP_CC_VALUE)) return p + i;
        p += 8;
    }
#endif
    while (p < end && http__is(*p, HTTP_CC_VALUE)) p++;
    return p;
}

/* Skips request-target bytes from p, never past end. */
static const char *skip_target(const char *p, const char *end)
{
    while (end - p >= 8) {
        uint64_t x = load64(p);
        if (!(has_below(x, 0x21) | has_byte(x, 0x7f) | has_byte(x, '#') | (x & HIGHS))) {
            p += 8;
            continue;
        }
        break;
    }
    while (p < end && http__is(*p, HTTP_CC_TARGET)) p++;
    return p;
}

static const char *skip_token(const char *p, const char *end)
{
    while (p < end && http__is(*p, HTTP_CC_TCHAR)) p++;
    return p;
}

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && http__is_ows(*p)) p++;
    return p;
}

/* Compares a validated token with a lower-case literal (letters and '-') of the same
 * length. OR-ing 0x20 maps 'A'..'Z' onto 'a'..'z'; the only other byte it maps onto a letter
 * or '-' is CR, which is no tchar. */
static bool token_is(const char *tok, const char *lower, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((tok[i] | 0x20) != lower[i]) return false;
    return true;
}

/* ---- small helpers ---- */

static http_method_t method_from_token(const char *m, size_t len)
{
    /* RFC 9110 §9.1: the method token is case-sensitive. */
    switch (len) {
    case 3:
        if (memcmp(m, "GET", 3) == 0) return HTTP_METHOD_GET;
        if (memcmp(m, "PUT", 3) == 0) return HTTP_METHOD_PUT;
        break;
    case 4:
        if (memcmp(m, "POST", 4) == 0) return HTTP_METHOD_POST;
        if (memcmp(m, "HEAD", 4) == 0) return HTTP_METHOD_HEAD;
        break;
    case 5:
        if (memcmp(m, "PATCH", 5) == 0) return HTTP_METHOD_PATCH;
        if (memcmp(m, "TRACE", 5) == 0) return HTTP_METHOD_TRACE;
        break;
    case 6:
        if (memcmp(m, "DELETE", 6) == 0) return HTTP_METHOD_DELETE;
        break;
    case 7:
        if (memcmp(m, "OPTIONS", 7) == 0) return HTTP_METHOD_OPTIONS;
        if (memcmp(m, "CONNECT", 7) == 0) return HTTP_METHOD_CONNECT;
        break;
    default:
        break;
    }
    return HTTP_METHOD_OTHER;
}

http_method_t http_method_from_name(const char *name, size_t len)
{
    return method_from_token(name, len);
}

bool http_method_is_idempotent(http_method_t m)
{
    switch (m) {
    case HTTP_METHOD_GET:
    case HTTP_METHOD_HEAD:
    case HTTP_METHOD_PUT:
    case HTTP_METHOD_DELETE:
    case HTTP_METHOD_OPTIONS:
    case HTTP_METHOD_TRACE:
        return true;
    default:
        return false;
    }
}

/* RFC 9110 §7.2: Host = uri-host [ ":" port ]; uri-host is an IP-literal in brackets
 * (IPv6 only; no IPvFuture, no zone id) or a reg-name/IPv4address (RFC 3986 §3.2.2).
 * Refuses the empty value, userinfo ('@'), '/', '?', whitespace and anything non-ASCII. */
static bool host_is_valid(slice_t h)
{
    const char *p = h.ptr, *e = h.ptr + h.len;
    if (p == e) return false;
    if (*p == '[') {
        const char *start = ++p;
        while (p < e && (http__is(*p, HTTP_CC_HEX) || *p == ':' || *p == '.')) p++;
        if (p == start || p == e || *p != ']') return false;
        p++;
    } else {
        const char *start = p;
        while (p < e && http__is(*p, HTTP_CC_HOST)) p++;
        if (p == start) return false;
    }
    if (p == e) return true;
    if (*p++ != ':') return false;
    /* RFC 3986 §3.2.3: port = *DIGIT; more than 5 digits cannot be a TCP port. */
    if (e - p > 5) return false;
    for (; p < e; p++)
        if (*p < '0' || *p > '9') return false;
    return true;
}

const http_header_t *http_find_header(const http_header_t *headers, size_t count,
                                      const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < count; i++)
        if (headers[i].name.len == len && slice_eq_nocase(headers[i].name, slice_make(name, len)))
            return &headers[i];
    return NULL;
}

int http_error_status(int err)
{
    switch (err) {
    case HTTP_ERR_BAD_REQUEST:
    case HTTP_ERR_BAD_FRAMING:
    case HTTP_ERR_BAD_CHUNK:
        return 400;
    case HTTP_ERR_URI_TOO_LONG:
        return 414;
    case HTTP_ERR_HEADERS_TOO_LARGE:
        return 431;
    case HTTP_ERR_UNKNOWN_CODING:
        return 501;
    case HTTP_ERR_BAD_VERSION:
        return 505;
    case HTTP_ERR_BAD_RESPONSE:
        return 502;
    default:
        return 500;
    }
}

const char *http_error_message(int err)
{
    switch (err) {
    case HTTP_ERR_BAD_REQUEST:
        return "Bad request";
    case HTTP_ERR_URI_TOO_LONG:
        return "URI too long";
    case HTTP_ERR_HEADERS_TOO_LARGE:
        return "Request header fields too large";
    case HTTP_ERR_UNKNOWN_CODING:
        return "Transfer coding not implemented";
    case HTTP_ERR_BAD_VERSION:
        return "HTTP version not supported";
    case HTTP_ERR_BAD_FRAMING:
        return "Invalid message framing";
    case HTTP_ERR_BAD_CHUNK:
        return "Invalid chunked encoding";
    case HTTP_ERR_BAD_RESPONSE:
        return "Invalid response from upstream";
    default:
        return "Unknown parser error";
    }
}

/* ---- start lines ---- */

/* Matches `pattern` ('d' stands for a DIGIT) at p, never reading at or past end. RFC 9112
 * §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, "HTTP" case-sensitive. */
static int scan_version(const char *p, const char *end, const char *pattern, int *minor)
{
    size_t n = strlen(pattern);
    for (size_t i = 0; i < n; i++) {
        if (p + i == end) return LINE_SHORT;
        bool ok = pattern[i] == 'd' ? (p[i] >= '0' && p[i] <= '9') : p[i] == pattern[i];
        if (!ok) return HTTP_ERR_BAD_REQUEST;
    }
    /* Only 1.0 and 1.1 are spoken; any other well-formed version is answered 505. */
    if (p[5] != '1' || (p[7] != '0' && p[7] != '1')) return HTTP_ERR_BAD_VERSION;
    *minor = p[7] - '0';
    return LINE_DONE;
}

/* Scans a request-line at [p, end) (RFC 9112 §3). Returns LINE_DONE with *next after its
 * CRLF, LINE_SHORT when every byte so far is valid, or an error. */
static int scan_request_line(const char *p, const char *end, http_request_t *req,
                             const char **next)
{
    const char *method = p;
    p = skip_token(p, end);
    if (p == end) return LINE_SHORT;
    /* RFC 9112 §3: request-line = method SP request-target SP HTTP-version, one SP each. */
    if (p == method || *p != ' ') return HTTP_ERR_BAD_REQUEST;
    req->method = slice_make(method, (size_t)(p - method));
    const char *target = ++p;
    p = skip_target(p, end);
    if (p == end) return LINE_SHORT;
    /* RFC 9112 §3.2: no whitespace or CTL inside the request-target. */
    if (p == target || *p != ' ') return HTTP_ERR_BAD_REQUEST;
    req->target = slice_make(target, (size_t)(p - target));
    p++;
    int rc = scan_version(p, end, "HTTP/d.d\r\n", &req->minor_version);
    if (rc == LINE_DONE) *next = p + 10;
    return rc;
}

static void split_path_query(http_request_t *req, const char *p, const char *e)
{
    const char *q = memchr(p, '?', (size_t)(e - p));
    if (!q) {
        req->path = slice_make(p, (size_t)(e - p));
        return;
    }
    req->path = slice_make(p, (size_t)(q - p));
    req->query = slice_make(q + 1, (size_t)(e - q - 1));
    req->has_query = true;
}

/* Splits the request-target into path and query by its form (RFC 9112 §3.2). Sets
 * *authority for absolute-form. */
static int split_target(http_request_t *req, slice_t *authority)
{
    const char *p = req->target.ptr, *e = p + req->target.len;
    /* RFC 9112 §3.2.3: CONNECT takes authority-form only, which is not proxied. */
    if (req->method_id == HTTP_METHOD_CONNECT) return HTTP_ERR_BAD_REQUEST;
    /* RFC 9112 §3.2.1 origin-form. */
    if (*p == '/') {
        split_path_query(req, p, e);
        return 0;
    }
    /* RFC 9112 §3.2.4 asterisk-form, for a server-wide OPTIONS only. */
    if (*p == '*') {
        if (e - p != 1 || req->method_id != HTTP_METHOD_OPTIONS) return HTTP_ERR_BAD_REQUEST;
        req->path = req->target;
        return 0;
    }
    /* RFC 9112 §3.2.2 absolute-form; the scheme is case-insensitive (RFC 3986 §3.1). */
    size_t skip;
    if (slice_starts_with_nocase(req->target, SLICE_LIT("http://")))
        skip = 7;
    else if (slice_starts_with_nocase(req->target, SLICE_LIT("https://")))
        skip = 8;
    else
        return HTTP_ERR_BAD_REQUEST;
    const char *host = p + skip, *h = host;
    while (h < e && *h != '/' && *h != '?') h++;
    *authority = slice_make(host, (size_t)(h - host));
    /* RFC 9110 §4.2.1: an http(s) URI has a non-empty host; §4.2.4: no userinfo. */
    if (!host_is_valid(*authority)) return HTTP_ERR_BAD_REQUEST;
    if (h < e && *h == '/') {
        split_path_query(req, h, e);
        return 0;
    }
    /* Empty path: it means "/" (RFC 9110 §4.2.3). The slice is the second '/' of "//" so
     * that, like every other slice, it points into the caller's buffer. */
    split_path_query(req, h, e);
    req->path = slice_make(host - 1, 1);
    return 0;
}

/* Scans a status-line at [p, end) (RFC 9112 §4). Same results as scan_request_line. */
static int scan_status_line(const char *p, const char *end, http_response_t *resp,
                            const char **next)
{
    int rc = scan_version(p, end, "HTTP/d.d ", &resp->minor_version);
    if (rc != LINE_DONE) return rc;
    p += 9;
    /* status-code = 3DIGIT, 100..999 (RFC 9110 §15). */
    for (int i = 0; i < 3; i++) {
        if (p + i == end) return LINE_SHORT;
        if (p[i] < '0' || p[i] > '9') return HTTP_ERR_BAD_RESPONSE;
    }
    if (p[0] == '0') return HTTP_ERR_BAD_RESPONSE;
    resp->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    p += 3;
    if (p == end) return LINE_SHORT;
    /* RFC 9112 §4: SP [ reason-phrase ]; a status-line without the SP is accepted. */
    const char *reason = p;
    if (*p == ' ') {
        reason = ++p;
        while (p < end && http__is(*p, HTTP_CC_VALUE)) p++;
        if (p == end) return LINE_SHORT;
    }
    resp->reason = slice_make(reason, (size_t)(p - reason));
    if (*p != '\r') return HTTP_ERR_BAD_RESPONSE;
    if (p + 1 == end) return LINE_SHORT;
    if (p[1] != '\n') return HTTP_ERR_BAD_RESPONSE;
    *next = p + 2;
    return LINE_DONE;
}

/* ---- field section ---- */

/* Where the field lines are: filled by find_head_end(), read by parse_fields(). */
typedef struct {
    const char *line_end[HTTP_MAX_HEADERS]; /* the CR of each field line */
    size_t count;
    const char *head_end; /* just after the empty line */
} field_lines_t;

/* Locates the empty line that ends the field section starting at p (RFC 9112 §2.1), never
 * looking at or past wend, and checks every byte that is not field content on the way.
 * Returns LINE_DONE, HTTP_PARSE_INCOMPLETE, or an error: a bare CR or LF (RFC 9112 §2.2),
 * a NUL, other CTL or DEL (RFC 9110 §5.5), more than max_fields field lines, or a window
 * that is full (wend is the max_header_bytes limit) without the empty line. */
static int find_head_end(const char *p, const char *wend, bool window_full, size_t max_fields,
                         field_lines_t *lines)
{
    const int ran_out = window_full ? HTTP_ERR_HEADERS_TOO_LARGE : HTTP_PARSE_INCOMPLETE;
    const char *line = p;
    size_t n = 0;
    for (;;) {
        const char *cr = find_line_break_or_ctl(p, wend);
        if (cr == wend) return ran_out;
        /* RFC 9112 §2.2: lines end with CRLF; a bare LF or CR is refused, not tolerated. */
        if (*cr != '\r') return HTTP_ERR_BAD_REQUEST;
        if (cr + 1 == wend) return ran_out;
        if (cr[1] != '\n') return HTTP_ERR_BAD_REQUEST;
        if (cr == line) {
            lines->count = n;
            lines->head_end = cr + 2;
            return LINE_DONE;
        }
        if (n == max_fields) return HTTP_ERR_HEADERS_TOO_LARGE;
        lines->line_end[n++] = cr;
        line = p = cr + 2;
    }
}

/* What the fields say about framing and the connection, gathered in one pass. */
typedef struct {
    unsigned host_fields;
    slice_t host;
    unsigned cl_fields;
    unsigned cl_values;     /* values over all Content-Length fields ("5, 5" counts 2) */
    bool cl_invalid;        /* a value that is not 1*DIGIT, too big, or differs */
    int64_t content_length;
    unsigned te_fields;
    slice_t te_first;
    bool te_invalid;        /* not a list of transfer-codings */
    unsigned te_chunked;    /* times "chunked" was applied */
    bool te_chunked_params; /* "chunked" carried parameters */
    bool te_last_is_chunked;
    bool conn_close;
    bool conn_keep_alive;
    bool conn_invalid;
    bool expect_continue;
    bool upgrade;
} field_facts_t;

/* RFC 9112 §6.2, RFC 9110 §8.6: Content-Length = 1*DIGIT. A list ("5, 5") is split into
 * its values so that requests can refuse it and responses accept identical values. */
static void note_content_length(field_facts_t *f, slice_t v)
{
    const char *p = v.ptr, *e = v.ptr + v.len;
    f->cl_fields++;
    for (;;) {
        const char *digits = p;
        int64_t n = 0;
        for (; p < e && *p >= '0' && *p <= '9'; p++) {
            int d = *p - '0';
            if (n > (INT64_MAX - d) / 10) {
                f->cl_invalid = true;
                return;
            }
            n = n * 10 + d;
        }
        if (p == digits || (f->cl_values > 0 && n != f->content_length)) {
            f->cl_invalid = true;
            return;
        }
        f->cl_values++;
        f->content_length = n;
        p = skip_ows(p, e);
        if (p == e) return;
        if (*p != ',') {
            f->cl_invalid = true;
            return;
        }
        p = skip_ows(p + 1, e);
    }
}

/* Skips a quoted-string (RFC 9110 §5.6.4) starting at the opening quote; returns NULL when
 * it is not one. */
static const char *skip_quoted(const char *p, const char *e)
{
    for (p++; p < e; p++) {
        if (*p == '"') return p + 1;
        if (*p == '\\') {
            /* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
            if (++p == e || !http__is(*p, HTTP_CC_VALUE)) return NULL;
        } else if (!http__is(*p, HTTP_CC_QDTEXT)) {
            return NULL;
        }
    }
    return NULL;
}

/* RFC 9112 §6.1, RFC 9110 §10.1.4: Transfer-Encoding = #transfer-coding, transfer-coding
 * = token *( OWS ";" OWS transfer-parameter ). A parameter without "=value" is accepted
 * as syntax ("chunked;x" is then refused as an unknown coding, not as garbage). */
static void note_transfer_encoding(field_facts_t *f, slice_t v)
{
    const char *p = v.ptr, *e = v.ptr + v.len;
    bool any = false;
    if (f->te_fields++ == 0) f->te_first = v;
    for (;;) {
        p = skip_ows(p, e);
        if (p == e) break;
        /* RFC 9110 §5.6.1: empty list elements are ignored. */
        if (*p == ',') {
            p++;
            continue;
        }
        const char *coding = p;
        p = skip_token(p, e);
        if (p == coding) goto invalid;
        bool is_chunked = p - coding == 7 && token_is(coding, "chunked", 7);
        bool has_params = false;
        for (;;) {
            const char *q = skip_ows(p, e);
            if (q == e || *q != ';') break;
            const char *name = skip_ows(q + 1, e);
            p = skip_token(name, e);
            if (p == name) goto invalid;
            q = skip_ows(p, e);
            if (q < e && *q == '=') {
                const char *val = skip_ows(q + 1, e);
                if (val < e && *val == '"') {
                    p = skip_quoted(val, e);
                    if (!p) goto invalid;
                } else {
                    p = skip_token(val, e);
                    if (p == val) goto invalid;
                }
            }
            has_params = true;
        }
        any = true;
        f->te_chunked += is_chunked;
        f->te_chunked_params |= is_chunked && has_params;
        f->te_last_is_chunked = is_chunked;
        p = skip_ows(p, e);
        if (p == e) break;
        if (*p != ',') goto invalid;
        p++;
    }
    if (any) return;
invalid:
    f->te_invalid = true;
}

/* RFC 9110 §7.6.1: Connection = #connection-option, case-insensitive tokens. */
static void note_connection(field_facts_t *f, slice_t v)
{
    const char *p = v.ptr, *e = v.ptr + v.len;
    for (;;) {
        p = skip_ows(p, e);
        if (p == e) return;
        if (*p == ',') {
            p++;
            continue;
        }
        const char *opt = p;
        p = skip_token(p, e);
        if (p == opt) {
            f->conn_invalid = true;
            return;
        }
        if (p - opt == 5 && token_is(opt, "close", 5)) f->conn_close = true;
        if (p - opt == 10 && token_is(opt, "keep-alive", 10)) f->conn_keep_alive = true;
        p = skip_ows(p, e);
        if (p < e && *p != ',') {
            f->conn_invalid = true;
            return;
        }
    }
}

static void note_field(field_facts_t *f, const char *name, size_t len, slice_t value)
{
    switch (len) {
    case 4:
        if (token_is(name, "host", 4)) {
            f->host_fields++;
            f->host = value;
        }
        break;
    case 6:
        /* RFC 9110 §10.1.1: the only expectation defined is 100-continue. */
        if (token_is(name, "expect", 6) && slice_eq_nocase(value, SLICE_LIT("100-continue")))
            f->expect_continue = true;
        break;
    case 7:
        if (token_is(name, "upgrade", 7)) f->upgrade = true;
        break;
    case 10:
        if (token_is(name, "connection", 10)) note_connection(f, value);
        break;
    case 14:
        if (token_is(name, "content-length", 14)) note_content_length(f, value);
        break;
    case 17:
        if (token_is(name, "transfer-encoding", 17)) note_transfer_encoding(f, value);
        break;
    default:
        break;
    }
}

/* Validates and records the field lines found by find_head_end(), the first starting at
 * p. Their bytes are known to be field content, so only the names and colons are left to
 * check (RFC 9112 §5). */
static int parse_fields(const char *p, const field_lines_t *lines, http_header_t *headers,
                        size_t *count, field_facts_t *f)
{
    for (size_t i = 0; i < lines->count; i++) {
        const char *eol = lines->line_end[i];
        const char *name = p;
        /* The CR at eol stops the scans below: they need no bound. */
        while (http__is(*p, HTTP_CC_TCHAR)) p++;
        /* RFC 9112 §5.2: obs-fold (a line starting with SP/HTAB) is refused, and so is
         * whitespace before the first field (§2.2); a field-name is a token (RFC 9110 §5.1). */
        if (p == name) return HTTP_ERR_BAD_REQUEST;
        /* RFC 9112 §5.1: no whitespace between field-name and colon. */
        if (*p != ':') return HTTP_ERR_BAD_REQUEST;
        size_t name_len = (size_t)(p - name);
        p++;
        /* RFC 9112 §5: OWS around the field-value is not part of it. */
        while (http__is_ows(*p)) p++;
        const char *value_end = eol;
        while (value_end > p && http__is_ows(value_end[-1])) value_end--;
        headers[i].name = slice_make(name, name_len);
        headers[i].value = slice_make(p, (size_t)(value_end - p));
        note_field(f, name, name_len, headers[i].value);
        p = eol + 2;
    }
    *count = lines->count;
    return 0;
}

/* ---- messages ---- */

typedef struct {
    const char *wend;   /* end of the bytes looked at: len capped at max_header_bytes */
    bool window_full;   /* wend is the max_header_bytes limit */
    const char *rl_end; /* end of the start-line window */
    bool rl_full;       /* rl_end is the max_request_line limit */
    size_t max_fields;
} windows_t;

static void set_head_window(windows_t *w, const char *buf, size_t len,
                            const http_limits_t *limits)
{
    /* The head length is returned as an int. */
    size_t max_bytes = limits->max_header_bytes;
    if (max_bytes > (size_t)INT_MAX) max_bytes = (size_t)INT_MAX;
    w->window_full = len >= max_bytes;
    w->wend = buf + (w->window_full ? max_bytes : len);
    w->max_fields =
        limits->max_headers < HTTP_MAX_HEADERS ? limits->max_headers : HTTP_MAX_HEADERS;
}

/* The start line and its CRLF may take max_request_line + 2 bytes from `line`. */
static void set_line_window(windows_t *w, const char *line, const http_limits_t *limits)
{
    size_t room = (size_t)(w->wend - line);
    w->rl_full = room >= 2 && room - 2 >= limits->max_request_line;
    w->rl_end = w->rl_full ? line + limits->max_request_line + 2 : w->wend;
}

/* What to answer when a start line ran out of bytes before its end. */
static int short_line_result(const windows_t *w)
{
    if (w->rl_full) return HTTP_ERR_URI_TOO_LONG;
    return w->window_full ? HTTP_ERR_HEADERS_TOO_LARGE : HTTP_PARSE_INCOMPLETE;
}

int http_parse_request(const char *buf, size_t len, const http_limits_t *limits,
                       http_request_t *req)
{
    if (!limits) limits = &http_default_limits;
    req->method = req->target = SLICE_NULL;
    req->method_id = HTTP_METHOD_OTHER;
    req->minor_version = 0;
    req->path = req->query = SLICE_NULL;
    req->has_query = false;
    req->header_count = 0;
    req->host = SLICE_NULL;
    req->has_host = false;
    req->content_length = -1;
    req->is_chunked = req->keep_alive = req->expect_continue = req->has_upgrade = false;
    req->head_len = 0;

    windows_t w;
    set_head_window(&w, buf, len, limits);
    const char *p = buf;
    /* RFC 9112 §2.2: empty lines (CRLF) received before the request-line are ignored. */
    while (w.wend - p >= 2 && p[0] == '\r' && p[1] == '\n') p += 2;
    set_line_window(&w, p, limits);
    if (w.wend - p == 1 && *p == '\r') return short_line_result(&w);

    const char *fields = NULL;
    int rc = scan_request_line(p, w.rl_end, req, &fields);
    if (rc == LINE_SHORT) return short_line_result(&w);
    if (rc < 0) return rc;
    req->method_id = method_from_token(req->method.ptr, req->method.len);
    slice_t authority = SLICE_NULL;
    rc = split_target(req, &authority);
    if (rc < 0) return rc;

    field_lines_t lines;
    rc = find_head_end(fields, w.wend, w.window_full, w.max_fields, &lines);
    if (rc != LINE_DONE) return rc;

    field_facts_t f = {0};
    rc = parse_fields(fields, &lines, req->headers, &req->header_count, &f);
    if (rc < 0) return rc;
    bool is_http11 = req->minor_version == 1;

    if (f.te_fields) {
        /* RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty. */
        if (!is_http11) return HTTP_ERR_BAD_FRAMING;
        /* RFC 9112 §6.1, §6.3 item 3: Content-Length with Transfer-Encoding is the
         * request smuggling signature; refused rather than resolved. */
        if (f.cl_fields) return HTTP_ERR_BAD_FRAMING;
        if (f.te_invalid) return HTTP_ERR_BAD_REQUEST;
        /* RFC 9112 §6.1: a transfer coding the server does not implement is answered 501;
         * chunked, applied once, is the only one implemented. */
        if (f.te_fields != 1 || !slice_eq_nocase(f.te_first, SLICE_LIT("chunked")))
            return HTTP_ERR_UNKNOWN_CODING;
        req->is_chunked = true;
    } else if (f.cl_fields) {
        /* RFC 9112 §6.3 item 5: an invalid Content-Length is unrecoverable; a list or a
         * repeated field is refused even when the values agree. */
        if (f.cl_invalid || f.cl_values != 1) return HTTP_ERR_BAD_FRAMING;
        req->content_length = f.content_length;
    }

    /* RFC 9112 §3.2: exactly one Host in HTTP/1.1 and at most one in HTTP/1.0. */
    if (f.host_fields > 1 || (f.host_fields == 0 && is_http11)) return HTTP_ERR_BAD_REQUEST;
    if (f.host_fields) {
        if (!host_is_valid(f.host)) return HTTP_ERR_BAD_REQUEST;
        /* RFC 9112 §3.2.2: with absolute-form the target's authority is the host; a Host
         * field naming another one is refused rather than ignored. */
        if (authority.ptr && !slice_eq_nocase(authority, f.host)) return HTTP_ERR_BAD_REQUEST;
        req->host = f.host;
        req->has_host = true;
    } else if (authority.ptr) {
        /* RFC 9112 §3.2.2: an HTTP/1.0 absolute-form request without Host is addressed to
         * the target's authority (has_host stays false: no field was sent). */
        req->host = authority;
    }

    if (f.conn_invalid) return HTTP_ERR_BAD_REQUEST;
    /* RFC 9112 §9.3: persistent by default in 1.1; 1.0 only with keep-alive. */
    req->keep_alive = is_http11 ? !f.conn_close : f.conn_keep_alive && !f.conn_close;
    /* RFC 9110 §10.1.1: 100-continue in an HTTP/1.0 request is ignored; §7.8: so is
     * Upgrade. */
    req->expect_continue = is_http11 && f.expect_continue;
    req->has_upgrade = is_http11 && f.upgrade;
    req->head_len = (size_t)(lines.head_end - buf);
    return (int)req->head_len;
}

static int parse_response(const char *buf, size_t len, const http_limits_t *limits,
                          http_response_t *resp)
{
    windows_t w;
    set_head_window(&w, buf, len, limits);
    set_line_window(&w, buf, limits);
    const char *fields = NULL;
    int rc = scan_status_line(buf, w.rl_end, resp, &fields);
    if (rc == LINE_SHORT) return short_line_result(&w);
    if (rc < 0) return rc;

    field_lines_t lines;
    rc = find_head_end(fields, w.wend, w.window_full, w.max_fields, &lines);
    if (rc != LINE_DONE) return rc;

    field_facts_t f = {0};
    rc = parse_fields(fields, &lines, resp->headers, &resp->header_count, &f);
    if (rc < 0) return rc;
    bool is_http11 = resp->minor_version == 1;
    if (f.conn_invalid) return HTTP_ERR_BAD_RESPONSE;
    /* RFC 9112 §9.3. */
    resp->keep_alive = is_http11 ? !f.conn_close : f.conn_keep_alive && !f.conn_close;

    /* RFC 9112 §6.3 item 5: an invalid Content-Length is unrecoverable; RFC 9110 §8.6
     * allows identical repeated values, which are accepted in responses. */
    if (f.cl_fields && f.cl_invalid) return HTTP_ERR_BAD_RESPONSE;
    if (f.te_fields) {
        /* RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message is faulty framing;
         * chunked is applied at most once and has no parameters. */
        if (!is_http11 || f.te_invalid || f.te_chunked > 1 || f.te_chunked_params)
            return HTTP_ERR_BAD_RESPONSE;
        /* RFC 9112 §6.3 item 3: Transfer-Encoding overrides Content-Length, and the
         * connection is not reused after such a message. */
        if (f.cl_fields) resp->keep_alive = false;
        if (f.te_last_is_chunked) {
            resp->is_chunked = true;
        } else {
            /* RFC 9112 §6.3 item 4: chunked not final → read until close. */
            resp->keep_alive = false;
        }
    } else if (f.cl_fields) {
        resp->content_length = f.content_length;
    } else if (resp->status >= 200 && resp->status != 204 && resp->status != 304) {
        /* RFC 9112 §6.3 item 8: no framing → close-delimited. */
        resp->keep_alive = false;
    }
    resp->head_len = (size_t)(lines.head_end - buf);
    return (int)resp->head_len;
}

int http_parse_response(const char *buf, size_t len, const http_limits_t *limits,
                        http_response_t *resp)
{
    if (!limits) limits = &http_default_limits;
    resp->status = 0;
    resp->reason = SLICE_NULL;
    resp->minor_version = 0;
    resp->header_count = 0;
    resp->content_length = -1;
    resp->is_chunked = resp->keep_alive = false;
    resp->head_len = 0;
    int rc = parse_response(buf, len, limits, resp);
    return rc < 0 ? HTTP_ERR_BAD_RESPONSE : rc;
}

bool http_response_has_body(http_method_t request_method, int status)
{
    /* RFC 9112 §6.3 item 1: HEAD, 1xx, 204 and 304 responses end at the head;
     * item 2: a 2xx answer to CONNECT switches to a tunnel. */
    if (request_method == HTTP_METHOD_HEAD) return false;
    if (status < 200 || status == 204 || status == 304) return false;
    if (request_method == HTTP_METHOD_CONNECT && status < 300) return false;
    return true;
}
