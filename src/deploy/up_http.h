/* up_http: the few blocking HTTP/1.1 requests `meridian up` makes to the processes it
 * started on loopback: the management API (locations, snapshot) and the units' admin
 * listeners (/metrics). One connection per request (`Connection: close`), a deadline on the
 * whole exchange. The launcher has no event loop (deploy/up.h), so blocking is fine here;
 * never call this from a libuv loop. */
#ifndef MERIDIAN_DEPLOY_UP_HTTP_H
#define MERIDIAN_DEPLOY_UP_HTTP_H

#include <stddef.h>
#include <stdint.h>

enum {
    UP_HTTP_ERR_CONNECT = -1,  /* refused, unreachable or bad address */
    UP_HTTP_ERR_IO = -2,       /* failed or timed out mid-exchange */
    UP_HTTP_ERR_PROTOCOL = -3, /* not an HTTP/1.x answer we can read */
    UP_HTTP_ERR_NOMEM = -4,
};

typedef struct {
    int status;
    char *body; /* NUL-terminated (malloc'd), "" when empty */
    size_t body_len;
} up_http_response_t;

/* Sends `method path` to host:port (host: an IPv4 literal) with an optional Authorization
 * value and an optional JSON body; waits at most timeout_ms for the whole answer. Returns 0
 * with *out filled (any status), or a UP_HTTP_ERR_* code. Content-Length, chunked and
 * close-delimited bodies are read (RFC 9112 §6.3). */
int up_http_request(const char *host, uint16_t port, const char *method, const char *path,
                    const char *authorization, const char *json_body, int timeout_ms,
                    up_http_response_t *out);

void up_http_response_free(up_http_response_t *r);

#endif
