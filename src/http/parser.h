/* http_parser: strict, zero-copy HTTP/1.1 message-head parser and chunked codec
 * (RFC 9112). Ours on purpose (ARCHITECTURE.md): it is the hot path and the first line
 * of defence against request smuggling.
 *
 * Contract
 * - http_parse_request()/http_parse_response() are stateless: they are handed the bytes
 *   received so far, starting at the first byte of the message, and either find a complete
 *   head (return its length in bytes, including the final CRLF CRLF), need more bytes
 *   (return HTTP_PARSE_INCOMPLETE == 0), or reject (return a negative http_error_t).
 * - Every slice in the result points into the caller's buffer: the buffer must not move or
 *   change while the result is in use.
 * - Lines end with CRLF only. A bare CR or bare LF, NUL and other control bytes (except
 *   HTAB inside field values), obs-fold (RFC 9112 §5.2), whitespace between a field name
 *   and the colon (§5.1) and whitespace before the first header are rejected.
 * - Framing (RFC 9112 §6): Transfer-Encoding together with Content-Length is rejected;
 *   Content-Length must be digits only; several Content-Length values (in one field as a
 *   list, or in several fields) are rejected even when equal; the only transfer coding
 *   accepted in a request is a single "chunked" (anything else → HTTP_ERR_UNKNOWN_CODING,
 *   answered 501); Transfer-Encoding in an HTTP/1.0 request is rejected.
 * - Limits are checked on incomplete input too, so a client cannot make the caller buffer
 *   more than the limits allow: a request line longer than limits->max_request_line →
 *   HTTP_ERR_URI_TOO_LONG (414); a head longer than limits->max_header_bytes or with more
 *   than limits->max_headers fields → HTTP_ERR_HEADERS_TOO_LARGE (431).
 */
#ifndef MERIDIAN_HTTP_PARSER_H
#define MERIDIAN_HTTP_PARSER_H

#include "base/slice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 100

typedef enum {
    HTTP_PARSE_INCOMPLETE = 0,
    HTTP_ERR_BAD_REQUEST = -1,       /* 400: malformed syntax */
    HTTP_ERR_URI_TOO_LONG = -2,      /* 414 */
    HTTP_ERR_HEADERS_TOO_LARGE = -3, /* 431 */
    HTTP_ERR_UNKNOWN_CODING = -4,    /* 501: transfer coding we do not implement */
    HTTP_ERR_BAD_VERSION = -5,       /* 505: not HTTP/1.0 or HTTP/1.1 */
    HTTP_ERR_BAD_FRAMING = -6,       /* 400: CL+TE, bad or duplicate Content-Length */
    HTTP_ERR_BAD_CHUNK = -7,         /* 400: invalid chunk size line, extension or trailer */
    HTTP_ERR_BAD_RESPONSE = -8,      /* upstream response not parseable */
} http_error_t;

/* Status code to answer for a parse error (400, 414, 431, 501, 505; 502 for responses). */
int http_error_status(int err);
/* Short human-readable reason, e.g. "Request header fields too large". */
const char *http_error_message(int err);

typedef enum {
    HTTP_METHOD_OTHER = 0,
    HTTP_METHOD_GET,
    HTTP_METHOD_HEAD,
    HTTP_METHOD_POST,
    HTTP_METHOD_PUT,
    HTTP_METHOD_DELETE,
    HTTP_METHOD_PATCH,
    HTTP_METHOD_OPTIONS,
    HTTP_METHOD_TRACE,
    HTTP_METHOD_CONNECT,
} http_method_t;

/* RFC 9110 §9.2.2: GET, HEAD, PUT, DELETE, OPTIONS, TRACE are idempotent. */
bool http_method_is_idempotent(http_method_t m);
/* The id of a method name, as the parser gives req->method_id: exact, case-sensitive
 * (RFC 9110 §9.1), HTTP_METHOD_OTHER for any other token. For names that come from
 * elsewhere (a configuration, a policy's set-method). */
http_method_t http_method_from_name(const char *name, size_t len);

typedef struct {
    slice_t name;
    slice_t value; /* leading and trailing whitespace removed */
} http_header_t;

typedef struct {
    size_t max_request_line; /* default 8192 */
    size_t max_header_bytes; /* whole head, default 32768 */
    size_t max_headers;      /* default 100, at most HTTP_MAX_HEADERS */
} http_limits_t;

extern const http_limits_t http_default_limits;

typedef struct {
    slice_t method;           /* token, e.g. "GET" */
    http_method_t method_id;
    slice_t target;           /* request-target as sent (origin-form or absolute-form) */
    slice_t path;             /* path part of target, starting with '/' (origin-form),
                                 or "*" for OPTIONS asterisk-form */
    slice_t query;            /* after '?', without it; empty when none */
    bool has_query;           /* a '?' was present */
    int minor_version;        /* 0 or 1 */
    size_t header_count;
    http_header_t headers[HTTP_MAX_HEADERS];

    /* Semantics derived from the headers (RFC 9112 §6, §9.3): */
    slice_t host;             /* Host field value, else an absolute-form target's
                                 authority; empty if neither */
    bool has_host;
    int64_t content_length;   /* -1 when absent */
    bool is_chunked;          /* Transfer-Encoding: chunked */
    bool keep_alive;          /* HTTP/1.1 unless "close"; HTTP/1.0 only with "keep-alive" */
    bool expect_continue;     /* Expect: 100-continue */
    bool has_upgrade;         /* Upgrade header present (refused by the gateway for now) */
    size_t head_len;          /* bytes of the head, same as the return value */
} http_request_t;

/* Parses a request head. See the contract above. Rejects a missing Host in HTTP/1.1
 * (RFC 9112 §3.2) and more than one Host field. The request-target must be origin-form,
 * absolute-form (http:// or https://; path and query are then taken from it), or "*" with
 * OPTIONS; authority-form is rejected (CONNECT is not proxied). */
int http_parse_request(const char *buf, size_t len, const http_limits_t *limits,
                       http_request_t *req);

typedef struct {
    int status;               /* 100..999 */
    slice_t reason;
    int minor_version;
    size_t header_count;
    http_header_t headers[HTTP_MAX_HEADERS];

    int64_t content_length;   /* -1 when absent */
    bool is_chunked;          /* final transfer coding is chunked */
    bool keep_alive;          /* the upstream connection may be reused after this response */
    size_t head_len;
} http_response_t;

/* Parses a response head (RFC 9112 §4). Same rules for lines and fields as requests.
 * Transfer-Encoding with Content-Length: Transfer-Encoding wins and keep_alive becomes
 * false (§6.3 item 3). A Transfer-Encoding whose final coding is not chunked makes the
 * body close-delimited (is_chunked false, content_length -1, keep_alive false). */
int http_parse_response(const char *buf, size_t len, const http_limits_t *limits,
                        http_response_t *resp);

/* RFC 9112 §6.3: does a response with this status to a request with this method have a
 * body at all? (HEAD, 1xx, 204, 304 do not.) */
bool http_response_has_body(http_method_t request_method, int status);

/* Finds a header by case-insensitive name; returns the first match or NULL. */
const http_header_t *http_find_header(const http_header_t *headers, size_t count,
                                      const char *name);

/* ---- chunked transfer coding (RFC 9112 §7.1) ---- */

typedef enum {
    HTTP_CHUNK_NEED_MORE = 0, /* all input consumed; call again with more */
    HTTP_CHUNK_DATA = 1,      /* data and data_len set to a span of body bytes */
    HTTP_CHUNK_DONE = 2,      /* last-chunk and trailer section consumed */
} http_chunk_result_t;

typedef struct {
    int state;
    uint64_t remaining;       /* bytes left in the current chunk */
    size_t line_len;          /* bytes of the current size/trailer line seen so far */
    size_t trailer_bytes;     /* total trailer bytes seen */
    unsigned size_digits;
} http_chunked_decoder_t;

void http_chunked_decoder_init(http_chunked_decoder_t *d);

/* Decodes incrementally. Consumes bytes from `in` and writes how many in *consumed.
 * Returns HTTP_CHUNK_DATA with a body span pointing into `in` (call again with the rest),
 * HTTP_CHUNK_NEED_MORE when all of `in` was consumed without a data span, HTTP_CHUNK_DONE
 * at the end of the message (*consumed stops right after it: following bytes belong to the
 * next message), or HTTP_ERR_BAD_CHUNK. Rejected: chunk sizes with more than 16 hex digits
 * or non-hex characters, whitespace before the size, bare CR or LF, a chunk-size line
 * (with extensions) longer than 4096 bytes, control bytes in extensions, data not followed
 * by CRLF, and trailer sections over 16 KiB. Trailer fields are validated and dropped. */
int http_chunked_decode(http_chunked_decoder_t *d, const char *in, size_t len, size_t *consumed,
                        const char **data, size_t *data_len);

/* Writes the chunk-size line for a chunk of n bytes ("1a2b\r\n") into out; returns its
 * length. out must hold at least 19 bytes. */
size_t http_chunk_size_line(char *out, size_t n);

#endif
