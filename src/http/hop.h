/* http_hop: which header fields a proxy must not forward (RFC 9110 §7.6.1): the fixed
 * hop-by-hop fields, the framing fields a proxy rewrites (Content-Length,
 * Transfer-Encoding), and the fields a message's Connection header lists. Shared by the
 * gateway's proxy and the router's L7 edge, so that both cut a message the same way. */
#ifndef MERIDIAN_HTTP_HOP_H
#define MERIDIAN_HTTP_HOP_H

#include "base/slice.h"
#include "http/parser.h"
#include "http/server.h"

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_CONNECTION_TOKENS 16

/* The field names listed in a message's Connection headers (at most 16 are kept). */
typedef struct {
    slice_t tokens[HTTP_MAX_CONNECTION_TOKENS];
    size_t count;
} http_connection_tokens_t;

void http_collect_connection_tokens(const http_header_t *h, size_t n,
                                    http_connection_tokens_t *out);
/* True for a field that is not forwarded: hop-by-hop, framing, or listed in Connection. */
bool http_is_hop_by_hop(slice_t name, const http_connection_tokens_t *listed);

/* The head a proxy relays for a backend's response: same status, the end-to-end fields
 * (copied into headers, room for HTTP_MAX_HEADERS; they still point into resp's buffer),
 * and the framing the server derives from the backend's length. */
void http_relayed_response_head(const http_response_t *resp, http_header_t *headers,
                                http_response_head_t *head);
/* Sends a backend's response head to the client of `ex` as a proxy does: same status, the
 * end-to-end fields, the framing the server derives from the backend's length. Returns what
 * http_exchange_send_head returns. */
int http_relay_response_head(http_exchange_t *ex, const http_response_t *resp);

#endif
