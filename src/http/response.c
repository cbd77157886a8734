#include "http/response.h"

#include "base/clock.h"
#include "base/random.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *http_status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Access Denied"; /* spec §4.6: the vendor's reason phrase */
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

void http_response_plan(http_method_t method, int minor_version, int status,
                        int64_t content_length, http_response_framing_t *out)
{
    out->no_body = !http_response_has_body(method, status);
    out->chunked = false;
    out->close_delimited = false;
    if (out->no_body || content_length >= 0) return;
    if (minor_version >= 1) out->chunked = true;
    else out->close_delimited = true; /* RFC 9112 §6.3 item 8 */
}

static bool is_framing_header(slice_t name)
{
    switch (name.len) {
    case 10: return slice_eq_nocase_cstr(name, "connection");
    case 14: return slice_eq_nocase_cstr(name, "content-length");
    case 17: return slice_eq_nocase_cstr(name, "transfer-encoding");
    default: return false;
    }
}

/* The Date value changes once a second: format it once a second (RFC 9110 §6.6.1). */
static const char *cached_http_date(void)
{
    static uint64_t cached_sec;
    static char cached[40];
    uint64_t now = clock_wall_ms();
    if (now / 1000 != cached_sec) {
        cached_sec = now / 1000;
        clock_format_http_date(now, cached, sizeof cached);
    }
    return cached;
}

int http_response_head_bytes(buf_t *out, const http_response_head_t *head,
                             const http_response_framing_t *framing, int minor_version,
                             bool keep_alive, const char *server_header)
{
    (void)minor_version;
    const char *reason = head->reason ? head->reason : http_status_reason(head->status);
    /* Appends instead of printf: formatting was a sixth of a proxied request's instructions. */
    char status_line[16] = "HTTP/1.1 000 ";
    int st = head->status >= 100 && head->status <= 999 ? head->status : 500;
    status_line[9] = (char)('0' + st / 100);
    status_line[10] = (char)('0' + st / 10 % 10);
    status_line[11] = (char)('0' + st % 10);
    int rc = buf_append(out, status_line, 13);
    rc |= buf_append_cstr(out, reason);
    rc |= buf_append(out, "\r\n", 2);
    if (rc < 0) return -1;
    bool has_date = false;
    for (size_t i = 0; i < head->header_count; i++) {
        const http_header_t *h = &head->headers[i];
        if (is_framing_header(h->name)) continue;
        if (h->name.len == 4 && slice_eq_nocase_cstr(h->name, "date")) has_date = true;
        if (buf_reserve(out, h->name.len + h->value.len + 4) < 0) return -1;
        memcpy(out->data + out->len, h->name.ptr, h->name.len);
        out->len += h->name.len;
        out->data[out->len++] = ':';
        out->data[out->len++] = ' ';
        memcpy(out->data + out->len, h->value.ptr, h->value.len);
        out->len += h->value.len;
        out->data[out->len++] = '\r';
        out->data[out->len++] = '\n';
    }
    if (!has_date) {
        rc |= buf_append(out, "Date: ", 6);
        rc |= buf_append_cstr(out, cached_http_date());
        rc |= buf_append(out, "\r\n", 2);
    }
    if (server_header) {
        rc |= buf_append(out, "Server: ", 8);
        rc |= buf_append_cstr(out, server_header);
        rc |= buf_append(out, "\r\n", 2);
    }
    if (framing->chunked) {
        rc |= buf_append_cstr(out, "Transfer-Encoding: chunked\r\n");
    } else if (head->content_length >= 0 && head->status >= 200 && head->status != 204) {
        /* HEAD and 304 keep the length the GET would have had (RFC 9110 §8.6). */
        rc |= buf_append(out, "Content-Length: ", 16);
        rc |= buf_append_u64(out, (unsigned long long)head->content_length);
        rc |= buf_append(out, "\r\n", 2);
    }
    if (!keep_alive) rc |= buf_append_cstr(out, "Connection: close\r\n");
    else if (minor_version == 0) rc |= buf_append_cstr(out, "Connection: keep-alive\r\n");
    rc |= buf_append(out, "\r\n", 2);
    return rc < 0 ? -1 : 0;
}

void http_response_guid(char *out)
{
    uint8_t b[16];
    random_uuid_v4(b);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

int http_response_error_json(buf_t *out, int status, const char *message)
{
    int rc = buf_printf(out, "{ \"statusCode\": %d, \"message\": \"", status);
    rc |= buf_append_json_escaped(out, message, strlen(message));
    if (status >= 500) {
        char guid[40];
        http_response_guid(guid);
        rc |= buf_printf(out, "\", \"activityId\": \"%s\" }", guid);
    } else {
        rc |= buf_append_cstr(out, "\" }");
    }
    return rc < 0 ? -1 : 0;
}

int http_response_error_bytes(buf_t *out, int status, const char *message, bool close)
{
    buf_t body;
    buf_init(&body);
    int rc = http_response_error_json(&body, status, message);
    if (rc == 0) {
        rc = buf_printf(out,
                        "HTTP/1.1 %03d %s\r\nContent-Type: application/json\r\n"
                        "Content-Length: %zu\r\nDate: %s\r\n%s\r\n",
                        status, http_status_reason(status), body.len, cached_http_date(),
                        close ? "Connection: close\r\n" : "");
        if (rc == 0) rc = buf_append(out, body.data, body.len);
    }
    buf_free(&body);
    return rc;
}
