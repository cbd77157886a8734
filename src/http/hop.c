/* http_hop (hop.h). */
#include "http/hop.h"

#include <string.h>

void http_collect_connection_tokens(const http_header_t *h, size_t n,
                                    http_connection_tokens_t *out)
{
    out->count = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i].name.len != 10 || !slice_eq_nocase_cstr(h[i].name, "connection")) continue;
        const char *p = h[i].value.ptr, *end = p + h[i].value.len;
        while (p < end && out->count < HTTP_MAX_CONNECTION_TOKENS) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *stop = comma ? comma : end;
            slice_t t = slice_trim_ows(slice_make(p, (size_t)(stop - p)));
            if (t.len) out->tokens[out->count++] = t;
            p = comma ? comma + 1 : end;
        }
    }
}

/* A framing field's name spelt with '_' for '-' (Content_Length, transfer_encoding): not a
 * framing field here, but CGI-style backends map both spellings to CONTENT_LENGTH /
 * HTTP_TRANSFER_ENCODING, so forwarding it would give the backend a second, conflicting
 * framing (tests/data/smuggling, "cl-underscore"). Such a field is dropped. */
static bool is_framing_lookalike(slice_t name, const char *framing)
{
    bool underscore = false;
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i], f = framing[i];
        if (c == '_' && f == '-') {
            underscore = true;
            continue;
        }
        if ((c | 0x20) != f) return false;
    }
    return underscore;
}

/* By length first: this runs for every field of every proxied message. */
bool http_is_hop_by_hop(slice_t name, const http_connection_tokens_t *listed)
{
    switch (name.len) {
    case 2:
        if (slice_eq_nocase_cstr(name, "te")) return true;
        break;
    case 7:
        if (slice_eq_nocase_cstr(name, "trailer") || slice_eq_nocase_cstr(name, "upgrade")) return true;
        break;
    case 10:
        if (slice_eq_nocase_cstr(name, "connection") || slice_eq_nocase_cstr(name, "keep-alive"))
            return true;
        break;
    case 14:
        if (slice_eq_nocase_cstr(name, "content-length") ||
            is_framing_lookalike(name, "content-length"))
            return true;
        break;
    case 16:
        if (slice_eq_nocase_cstr(name, "proxy-connection")) return true;
        break;
    case 17:
        if (slice_eq_nocase_cstr(name, "transfer-encoding") ||
            is_framing_lookalike(name, "transfer-encoding"))
            return true;
        break;
    default:
        break;
    }
    for (size_t i = 0; i < listed->count; i++)
        if (slice_eq_nocase(name, listed->tokens[i])) return true;
    return false;
}

void http_relayed_response_head(const http_response_t *resp, http_header_t *headers,
                                http_response_head_t *head)
{
    http_connection_tokens_t listed;
    http_collect_connection_tokens(resp->headers, resp->header_count, &listed);
    size_t n = 0;
    for (size_t i = 0; i < resp->header_count; i++)
        if (!http_is_hop_by_hop(resp->headers[i].name, &listed)) headers[n++] = resp->headers[i];
    *head = (http_response_head_t){
        .status = resp->status,
        .headers = headers,
        .header_count = n,
        .content_length = resp->is_chunked ? -1 : resp->content_length,
    };
}

int http_relay_response_head(http_exchange_t *ex, const http_response_t *resp)
{
    http_header_t headers[HTTP_MAX_HEADERS];
    http_response_head_t head;
    http_relayed_response_head(resp, headers, &head);
    return http_exchange_send_head(ex, &head);
}
