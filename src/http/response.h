/* http_response: response heads and the spec's error bodies, as bytes.
 * Shared by the server (its own rejections) and the gateway (proxied responses). */
#ifndef MERIDIAN_HTTP_RESPONSE_H
#define MERIDIAN_HTTP_RESPONSE_H

#include "base/buf.h"
#include "http/parser.h"
#include "http/server.h"

#include <stdbool.h>

/* How a response's body is framed toward the client (RFC 9112 §6.1–§6.3). */
typedef struct {
    bool no_body;         /* HEAD, 1xx, 204, 304: no body bytes at all */
    bool chunked;         /* Transfer-Encoding: chunked */
    bool close_delimited; /* body ends when the connection closes (HTTP/1.0 client) */
} http_response_framing_t;

void http_response_plan(http_method_t method, int minor_version, int status,
                        int64_t content_length, http_response_framing_t *out);

/* Appends the status line, the handler's headers (framing and Connection headers in them
 * are skipped: the server owns framing), Content-Length or Transfer-Encoding, Connection
 * and Date (unless given), then CRLF. */
int http_response_head_bytes(buf_t *out, const http_response_head_t *head,
                             const http_response_framing_t *framing, int minor_version,
                             bool keep_alive, const char *server_header);

/* {"statusCode":N,"message":"..."} plus "activityId" for N >= 500 (apim-gateway.md §4.6). */
int http_response_error_json(buf_t *out, int status, const char *message);
/* A whole HTTP/1.1 error response (head + JSON body), with Connection: close if asked. */
int http_response_error_bytes(buf_t *out, int status, const char *message, bool close);

/* A random GUID ("8-4-4-4-12" lower-case hex) for activityId. out >= 37 bytes. */
void http_response_guid(char *out);

#endif
