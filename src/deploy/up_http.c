/* up_http (contract in deploy/up_http.h). */
#include "deploy/up_http.h"

#include "base/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* An answer larger than this is not one of ours (the snapshot of a big service is a few
 * MB); refusing it bounds memory. */
#define MAX_ANSWER_BYTES (64u << 20)

static int wait_fd(int fd, short events, uint64_t deadline_ms)
{
    for (;;) {
        uint64_t now = clock_mono_ms();
        if (now >= deadline_ms) return UP_HTTP_ERR_IO;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)(deadline_ms - now));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return UP_HTTP_ERR_IO;
        if (n > 0) return 0;
    }
}

static int connect_loopback(const char *host, uint16_t port, uint64_t deadline_ms)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return UP_HTTP_ERR_CONNECT;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return UP_HTTP_ERR_CONNECT;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (errno != EINPROGRESS || wait_fd(fd, POLLOUT, deadline_ms) != 0) goto fail;
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0)
            goto fail;
    }
    return fd;
fail:
    close(fd);
    return UP_HTTP_ERR_CONNECT;
}

static int send_all(int fd, const char *data, size_t len, uint64_t deadline_ms)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            if (wait_fd(fd, POLLOUT, deadline_ms)) return UP_HTTP_ERR_IO;
            continue;
        }
        if (n <= 0) return UP_HTTP_ERR_IO;
        off += (size_t)n;
    }
    return 0;
}

/* Reads until the peer closes (we sent Connection: close). */
static int read_all(int fd, char **out, size_t *out_len, uint64_t deadline_ms)
{
    size_t cap = 8192, len = 0;
    char *data = malloc(cap + 1);
    if (!data) return UP_HTTP_ERR_NOMEM;
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_ANSWER_BYTES) goto io_error;
            char *bigger = realloc(data, cap * 2 + 1);
            if (!bigger) {
                free(data);
                return UP_HTTP_ERR_NOMEM;
            }
            data = bigger;
            cap *= 2;
        }
        ssize_t n = recv(fd, data + len, cap - len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            if (wait_fd(fd, POLLIN, deadline_ms)) goto io_error;
            continue;
        }
        if (n < 0) goto io_error;
        if (n == 0) break;
        len += (size_t)n;
    }
    data[len] = '\0';
    *out = data;
    *out_len = len;
    return 0;
io_error:
    free(data);
    return UP_HTTP_ERR_IO;
}

/* The value of header `name` in the head [head, head_end), or NULL; *value_len set. */
static const char *find_header(const char *head, const char *head_end, const char *name,
                               size_t *value_len)
{
    size_t name_len = strlen(name);
    const char *line = strstr(head, "\r\n");
    while (line && line < head_end) {
        line += 2;
        const char *eol = strstr(line, "\r\n");
        if (!eol || eol > head_end) break;
        if ((size_t)(eol - line) > name_len && line[name_len] == ':' &&
            strncasecmp(line, name, name_len) == 0) {
            const char *v = line + name_len + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            *value_len = (size_t)(eol - v);
            return v;
        }
        line = eol;
    }
    return NULL;
}

/* Decodes a chunked body in place (RFC 9112 §7.1); returns its length or -1. */
static long dechunk(char *body, size_t len)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *end;
        if (in >= len) return -1;
        unsigned long size = strtoul(body + in, &end, 16);
        char *eol = strstr(body + in, "\r\n");
        if (end == body + in || !eol) return -1;
        in = (size_t)(eol - body) + 2;
        if (size == 0) return (long)out;
        if (size > len - in) return -1;
        memmove(body + out, body + in, size);
        out += size;
        in += size + 2;
    }
}

static int parse_answer(char *data, size_t len, up_http_response_t *out)
{
    if (len < 12 || strncmp(data, "HTTP/1.", 7) != 0) return UP_HTTP_ERR_PROTOCOL;
    int status = atoi(data + 9);
    if (status < 100 || status > 599) return UP_HTTP_ERR_PROTOCOL;
    char *head_end = strstr(data, "\r\n\r\n");
    if (!head_end) return UP_HTTP_ERR_PROTOCOL;
    char *body = head_end + 4;
    size_t body_len = len - (size_t)(body - data);
    size_t vlen;
    const char *te = find_header(data, head_end + 2, "Transfer-Encoding", &vlen);
    const char *cl = find_header(data, head_end + 2, "Content-Length", &vlen);
    if (te && memmem(te, vlen, "chunked", 7)) {
        long n = dechunk(body, body_len);
        if (n < 0) return UP_HTTP_ERR_PROTOCOL;
        body_len = (size_t)n;
    } else if (cl) {
        unsigned long n = strtoul(cl, NULL, 10);
        if (n > body_len) return UP_HTTP_ERR_PROTOCOL; /* closed early */
        body_len = n;
    }
    out->status = status;
    out->body = strndup(body, body_len);
    if (!out->body) return UP_HTTP_ERR_NOMEM;
    out->body_len = body_len;
    return 0;
}

int up_http_request(const char *host, uint16_t port, const char *method, const char *path,
                    const char *authorization, const char *json_body, int timeout_ms,
                    up_http_response_t *out)
{
    *out = (up_http_response_t){0};
    uint64_t deadline_ms = clock_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 1000);
    int fd = connect_loopback(host, port, deadline_ms);
    if (fd < 0) return fd;
    size_t body_len = json_body ? strlen(json_body) : 0;
    /* The launcher's PATCHes (a location's gatewayAddress...) are last-writer-wins: the
     * management API requires If-Match on them, and '*' says so. */
    bool if_match = strcmp(method, "PATCH") == 0 || strcmp(method, "DELETE") == 0;
    char *head = NULL;
    int n = asprintf(&head,
                     "%s %s HTTP/1.1\r\nHost: %s:%u\r\nConnection: close\r\n%s%s%s%s"
                     "Content-Length: %zu\r\n%s\r\n",
                     method, path, host, (unsigned)port, authorization ? "Authorization: " : "",
                     authorization ? authorization : "", authorization ? "\r\n" : "",
                     if_match ? "If-Match: *\r\n" : "", body_len,
                     json_body ? "Content-Type: application/json\r\n" : "");
    int rc;
    if (n < 0) {
        rc = UP_HTTP_ERR_NOMEM;
        goto done;
    }
    rc = send_all(fd, head, (size_t)n, deadline_ms);
    if (rc == 0 && body_len) rc = send_all(fd, json_body, body_len, deadline_ms);
    char *answer = NULL;
    size_t answer_len = 0;
    if (rc == 0) rc = read_all(fd, &answer, &answer_len, deadline_ms);
    if (rc == 0) rc = parse_answer(answer, answer_len, out);
    free(answer);
    free(head);
done:
    close(fd);
    return rc;
}

void up_http_response_free(up_http_response_t *r)
{
    free(r->body);
    *r = (up_http_response_t){0};
}
