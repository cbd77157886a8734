#include "cli/mgmt_client.h"

#include "base/errtext.h"
#include "http/tls.h"

#include "base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef MERIDIAN_VERSION
#define MERIDIAN_VERSION "0.1.0-dev"
#endif

#define DEFAULT_TIMEOUT_MS 30000
/* The server refuses bodies over 4 MiB; its answers (a snapshot, a large list) may be a
 * little bigger, but anything past this is not a management answer. */
#define MAX_RESPONSE_BYTES (64u * 1024 * 1024)

/* ---- endpoint --------------------------------------------------------------------- */

int mgmt_client_init(mgmt_client_t *c, const mgmt_client_options_t *opts, char *err,
                     size_t err_size)
{
    memset(c, 0, sizeof *c);
    const char *url = opts->endpoint ? opts->endpoint : MGMT_DEFAULT_ENDPOINT;
    bool is_https = strncasecmp(url, "https://", 8) == 0;
    if (!is_https && strncasecmp(url, "http://", 7) != 0) {
        errtext_set(err, err_size, "endpoint \"%s\": only http:// and https:// endpoints are supported",
                url);
        return -1;
    }
    if (!is_https && (opts->ca_file || opts->tls_client_cert)) {
        errtext_set(err, err_size, "endpoint \"%s\": a CA file or client certificate needs an https:// "
                               "endpoint", url);
        return -1;
    }
    const char *authority = url + (is_https ? 8 : 7);
    size_t auth_len = strcspn(authority, "/?#");
    const char *rest = authority + auth_len;
    if (auth_len == 0) {
        errtext_set(err, err_size, "endpoint \"%s\": no host", url);
        return -1;
    }
    const char *host = authority, *host_end, *port = NULL;
    if (*authority == '[') {
        host_end = memchr(authority, ']', auth_len);
        if (!host_end) {
            errtext_set(err, err_size, "endpoint \"%s\": unclosed '['", url);
            return -1;
        }
        host = authority + 1;
        if (host_end + 1 < authority + auth_len) {
            if (host_end[1] != ':') {
                errtext_set(err, err_size, "endpoint \"%s\": bad port", url);
                return -1;
            }
            port = host_end + 2;
        }
    } else {
        host_end = memchr(authority, ':', auth_len);
        if (host_end)
            port = host_end + 1;
        else
            host_end = authority + auth_len;
    }
    if (host_end == host) {
        errtext_set(err, err_size, "endpoint \"%s\": no host", url);
        return -1;
    }
    size_t port_len = port ? (size_t)(authority + auth_len - port) : 0;
    if (port && (port_len == 0 || port_len > 5 || strspn(port, "0123456789") < port_len ||
                 atoi(port) < 1 || atoi(port) > 65535)) {
        errtext_set(err, err_size, "endpoint \"%s\": bad port", url);
        return -1;
    }
    if (*rest && *rest != '/') {
        errtext_set(err, err_size, "endpoint \"%s\": no query or fragment allowed", url);
        return -1;
    }
    size_t path_len = strlen(rest);
    while (path_len > 0 && rest[path_len - 1] == '/')
        path_len--;
    c->host = strndup(host, (size_t)(host_end - host));
    c->port = port ? strndup(port, port_len) : strdup(is_https ? "443" : "80");
    c->host_header = strndup(authority, auth_len);
    c->base_path = strndup(rest, path_len);
    const char *sub = opts->subscription_id ? opts->subscription_id : MGMT_DEFAULT_SUBSCRIPTION;
    const char *rg = opts->resource_group ? opts->resource_group : MGMT_DEFAULT_RESOURCE_GROUP;
    const char *svc = opts->service ? opts->service : MGMT_DEFAULT_SERVICE;
    if (asprintf(&c->svc_path,
                 "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ApiManagement/service/%s",
                 sub, rg, svc) < 0)
        c->svc_path = NULL;
    c->auth_header = strdup(opts->auth_header ? opts->auth_header : "");
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    if (!c->host || !c->port || !c->host_header || !c->base_path || !c->svc_path ||
        !c->auth_header) {
        mgmt_client_free(c);
        errtext_set(err, err_size, "out of memory");
        return -1;
    }
    /* Last: the endpoint is known good, and a failure here frees what was set. */
    if (is_https && http_tls_client_ctx_new(opts->ca_file, opts->tls_client_cert, opts->tls_client_key,
                                            &c->tls_ctx, err, err_size) < 0) {
        mgmt_client_free(c);
        return -1;
    }
    return 0;
}

void mgmt_client_free(mgmt_client_t *c)
{
    free(c->host);
    free(c->port);
    free(c->base_path);
    free(c->host_header);
    free(c->svc_path);
    free(c->auth_header);
    http_tls_ctx_unref(c->tls_ctx);
    memset(c, 0, sizeof *c);
}

void mgmt_response_free(mgmt_response_t *resp)
{
    free(resp->etag);
    free(resp->body);
    json_decref(resp->json);
    memset(resp, 0, sizeof *resp);
}

/* ---- socket ----------------------------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for `events` or the deadline passes: 1 ready, 0 timeout, -1. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)left);
        if (n > 0) return 1;
        if (n == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

static int connect_to(mgmt_client_t *c, long long deadline, char *err, size_t err_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(c->host, c->port, &hints, &res);
    if (gai != 0) {
        errtext_set(err, err_size, "cannot resolve %s: %s", c->host, gai_strerror(gai));
        return MGMT_ERR_CONNECT;
    }
    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        if (errno == EINPROGRESS) {
            int ready = wait_fd(fd, POLLOUT, deadline);
            int so_err = 0;
            socklen_t len = sizeof so_err;
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_err, &len) == 0 &&
                so_err == 0)
                break;
            last_errno = ready == 0 ? ETIMEDOUT : (so_err ? so_err : errno);
        } else {
            last_errno = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        errtext_set(err, err_size, "cannot connect to %s: %s", c->host_header, strerror(last_errno));
        return MGMT_ERR_CONNECT;
    }
    return fd;
}

static int send_all(int fd, const char *data, size_t len, long long deadline)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(fd, POLLOUT, deadline) != 1) return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

/* ---- transport: the socket, through TLS for https:// ---------------------------------- */

/* One connection: plain, or TLS through the engine of http/tls.h (the same versions,
 * suites and checks as every other link of Meridian) driven with blocking waits. */
typedef struct {
    int fd;
    http_tls_t *tls;
} link_t;

/* Sends the ciphertext the engine has waiting. */
static int link_flush(link_t *l, long long deadline)
{
    buf_t wire;
    buf_init(&wire);
    int rc = http_tls_take_output(l->tls, &wire) == 0 ? send_all(l->fd, wire.data, wire.len, deadline) : -1;
    buf_free(&wire);
    return rc;
}

/* Reads what the socket has into the engine (waiting until the deadline). 1 fed, 0 the
 * peer closed, -1 failed (errno; ETIMEDOUT at the deadline). */
static int link_feed(link_t *l, long long deadline)
{
    for (;;) {
        char chunk[16384];
        ssize_t n = recv(l->fd, chunk, sizeof chunk, 0);
        if (n > 0) return http_tls_feed(l->tls, chunk, (size_t)n) == 0 ? 1 : -1;
        if (n == 0) return 0;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        int ready = wait_fd(l->fd, POLLIN, deadline);
        if (ready == 0) errno = ETIMEDOUT;
        if (ready != 1) return -1;
    }
}

/* The TLS handshake; the server's certificate is checked against the CAs and the host. */
static int link_handshake(link_t *l, mgmt_client_t *c, long long deadline, char *err, size_t err_size)
{
    l->tls = http_tls_new_client(c->tls_ctx, c->host, true, true);
    if (!l->tls) {
        errtext_set(err, err_size, "out of memory");
        return MGMT_ERR_NOMEM;
    }
    for (;;) {
        int rc = http_tls_handshake(l->tls);
        if (link_flush(l, deadline) < 0 && rc >= 0) rc = HTTP_TLS_ERR_PROTOCOL;
        if (rc == 1) return 0;
        if (rc < 0) {
            errtext_set(err, err_size, "TLS with %s failed: %s", c->host_header,
                    *http_tls_error(l->tls) ? http_tls_error(l->tls) : "the connection failed");
            return MGMT_ERR_CONNECT;
        }
        int fed = link_feed(l, deadline);
        if (fed <= 0) {
            errtext_set(err, err_size, "TLS with %s failed: %s", c->host_header,
                    fed == 0 ? "the server closed the connection" : strerror(errno));
            return MGMT_ERR_CONNECT;
        }
    }
}

static int link_send(link_t *l, const char *data, size_t len, long long deadline)
{
    if (!l->tls) return send_all(l->fd, data, len, deadline);
    if (http_tls_write(l->tls, data, len) != (int)len) return -1;
    return link_flush(l, deadline);
}

/* Like recv(): > 0 bytes, 0 at the end, -1 with errno (EAGAIN: wait for the socket). */
static ssize_t link_recv(link_t *l, char *dst, size_t cap, long long deadline)
{
    if (!l->tls) return recv(l->fd, dst, cap, 0);
    for (;;) {
        int n = http_tls_read(l->tls, dst, cap);
        if (n > 0) return n;
        if (n == HTTP_TLS_EOF) return 0;
        if (n < 0) {
            errno = EPROTO;
            return -1;
        }
        int fed = link_feed(l, deadline);
        if (fed <= 0) return fed; /* a close without close_notify ends the answer too */
    }
}

static void link_close(link_t *l)
{
    http_tls_free(l->tls);
    close(l->fd);
}

/* ---- response parsing ------------------------------------------------------------- */

/* Decodes a chunked body (RFC 9112 §7.1) in place; returns the decoded length, -1 when
 * malformed, -2 when incomplete. Trailers are ignored. */
static long long dechunk(char *body, size_t len)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *line_end = memmem(body + in, len - in, "\r\n", 2);
        if (!line_end) return -2;
        char *end;
        unsigned long long size = strtoull(body + in, &end, 16);
        if (end == body + in) return -1;
        in = (size_t)(line_end - body) + 2;
        if (size == 0) return (long long)out;
        if (size > len - in) return -2;
        memmove(body + out, body + in, (size_t)size);
        out += (size_t)size;
        in += (size_t)size;
        if (len - in < 2) return -2;
        if (body[in] != '\r' || body[in + 1] != '\n') return -1;
        in += 2;
    }
}

/* Finds a header field's value in the head (between the status line and the blank line);
 * returns a malloc'd copy with surrounding whitespace removed, or NULL. */
static char *header_value(const char *head, size_t head_len, const char *name)
{
    size_t name_len = strlen(name);
    const char *p = memmem(head, head_len, "\r\n", 2);
    const char *end = head + head_len;
    while (p && p + 2 < end) {
        p += 2;
        const char *line_end = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!line_end) line_end = end;
        if ((size_t)(line_end - p) > name_len && p[name_len] == ':' &&
            strncasecmp(p, name, name_len) == 0) {
            const char *v = p + name_len + 1;
            while (v < line_end && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = line_end;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            return strndup(v, (size_t)(ve - v));
        }
        p = line_end;
    }
    return NULL;
}

/* Is the response in buf complete? Sets *head_len and, once known, the body bounds.
 * Returns 1 complete, 0 need more, -1 malformed. With `at_eof`, a body without length is
 * complete. */
static int response_complete(buf_t *b, bool at_eof, const char *method, size_t *head_len)
{
    char *blank = b->data ? memmem(b->data, b->len, "\r\n\r\n", 4) : NULL;
    if (!blank) return at_eof ? -1 : 0;
    *head_len = (size_t)(blank - b->data) + 2;
    size_t body_off = *head_len + 2;
    size_t have = b->len - body_off;
    int status = atoi(b->data + 9);
    /* RFC 9112 §6.3: HEAD, 1xx, 204 and 304 answers have no body whatever they say. */
    if (strcmp(method, "HEAD") == 0 || status == 204 || status == 304) return 1;
    char *te = header_value(b->data, *head_len, "Transfer-Encoding");
    if (te) {
        bool is_chunked = strcasestr(te, "chunked") != NULL;
        free(te);
        if (!is_chunked) return at_eof ? 1 : 0;
        /* Decoding is done once complete: look for the last-chunk marker first. */
        char *copy = malloc(have + 1);
        if (!copy) return -1;
        memcpy(copy, b->data + body_off, have);
        long long n = dechunk(copy, have);
        free(copy);
        if (n == -1) return -1;
        if (n == -2) return at_eof ? -1 : 0;
        return 1;
    }
    char *cl = header_value(b->data, *head_len, "Content-Length");
    if (cl) {
        unsigned long long want = strtoull(cl, NULL, 10);
        free(cl);
        if (have >= want) return 1;
        return at_eof ? -1 : 0;
    }
    return at_eof ? 1 : 0;
}

static int parse_response(buf_t *b, size_t head_len, mgmt_response_t *resp, char *err,
                          size_t err_size)
{
    if (b->len < 12 || strncmp(b->data, "HTTP/1.", 7) != 0) {
        errtext_set(err, err_size, "the server's answer is not HTTP/1.x");
        return MGMT_ERR_PROTOCOL;
    }
    resp->status = atoi(b->data + 9);
    resp->etag = header_value(b->data, head_len, "ETag");
    char *rev = header_value(b->data, head_len, "X-Meridian-Revision");
    resp->revision = rev ? strtoll(rev, NULL, 10) : -1;
    free(rev);
    char *te = header_value(b->data, head_len, "Transfer-Encoding");
    char *cl = header_value(b->data, head_len, "Content-Length");
    size_t body_off = head_len + 2;
    size_t body_len = b->len - body_off;
    if (te && strcasestr(te, "chunked")) {
        long long n = dechunk(b->data + body_off, body_len);
        body_len = n < 0 ? 0 : (size_t)n;
    } else if (cl) {
        size_t want = (size_t)strtoull(cl, NULL, 10);
        if (want < body_len) body_len = want;
    }
    free(te);
    free(cl);
    resp->body = malloc(body_len + 1);
    if (!resp->body) return MGMT_ERR_NOMEM;
    memcpy(resp->body, b->data + body_off, body_len);
    resp->body[body_len] = '\0';
    resp->body_len = body_len;
    if (body_len > 0) resp->json = json_loadb(resp->body, body_len, JSON_DECODE_ANY, NULL);
    return 0;
}

/* ---- requests --------------------------------------------------------------------- */

/* The request target: relative paths go under the service, absolute ones (a nextLink) are
 * reduced to their path and query. */
static char *request_target(const mgmt_client_t *c, const char *path)
{
    char *target = NULL;
    if (strncasecmp(path, "http://", 7) == 0 || strncasecmp(path, "https://", 8) == 0) {
        const char *p = strchr(path + (path[4] == 's' ? 8 : 7), '/');
        return strdup(p ? p : "/");
    }
    const char *prefix = strncmp(path, c->svc_path, strlen(c->svc_path)) == 0 ? "" : c->svc_path;
    bool has_query = strchr(path, '?') != NULL;
    if (has_query && strstr(path, "api-version=")) {
        if (asprintf(&target, "%s%s%s", c->base_path, prefix, path) < 0) return NULL;
    } else if (asprintf(&target, "%s%s%s%capi-version=%s", c->base_path, prefix, path,
                        has_query ? '&' : '?', MGMT_API_VERSION) < 0) {
        return NULL;
    }
    return target;
}

int mgmt_request(mgmt_client_t *c, const char *method, const char *path, const json_t *body,
                 const char *if_match, mgmt_response_t *resp, char *err, size_t err_size)
{
    memset(resp, 0, sizeof *resp);
    resp->revision = -1;
    char *target = request_target(c, path);
    char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
    char *head = NULL;
    int rc = MGMT_ERR_NOMEM;
    if (!target || (body && !payload)) goto fail_alloc;
    size_t payload_len = payload ? strlen(payload) : 0;
    char content[96] = "";
    if (payload || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
        strcmp(method, "PATCH") == 0)
        snprintf(content, sizeof content,
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n", payload_len);
    char if_match_line[512] = "";
    if (if_match) snprintf(if_match_line, sizeof if_match_line, "If-Match: %s\r\n", if_match);
    if (asprintf(&head,
                 "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: meridian-cli/" MERIDIAN_VERSION
                 "\r\nAccept: application/json\r\nAuthorization: %s\r\nConnection: close\r\n"
                 "%s%s\r\n",
                 method, target, c->host_header, c->auth_header, if_match_line, content) < 0) {
        head = NULL;
        goto fail_alloc;
    }
    long long deadline = now_ms() + c->timeout_ms;
    link_t link = {.fd = connect_to(c, deadline, err, err_size)};
    if (link.fd < 0) {
        rc = link.fd;
        goto fail_connect;
    }
    if (c->tls_ctx && (rc = link_handshake(&link, c, deadline, err, err_size)) < 0) goto fail_exchange;
    if (link_send(&link, head, strlen(head), deadline) < 0 ||
        (payload && link_send(&link, payload, payload_len, deadline) < 0)) {
        errtext_set(err, err_size, "sending to %s failed: %s", c->host_header,
                errno ? strerror(errno) : "timed out");
        rc = MGMT_ERR_IO;
        goto fail_exchange;
    }
    buf_t buf;
    buf_init(&buf);
    size_t head_len = 0;
    for (;;) {
        char chunk[16384];
        ssize_t n = link_recv(&link, chunk, sizeof chunk, deadline);
        if (n > 0) {
            if (buf.len + (size_t)n > MAX_RESPONSE_BYTES ||
                buf_append_text(&buf, chunk, (size_t)n)) {
                errtext_set(err, err_size, "the answer from %s is too large", c->host_header);
                rc = MGMT_ERR_PROTOCOL;
                goto fail_read;
            }
            int done = response_complete(&buf, false, method, &head_len);
            if (done == 1) break;
            if (done < 0) goto malformed;
            continue;
        }
        if (n == 0) {
            int done = response_complete(&buf, true, method, &head_len);
            if (done == 1) break;
            if (buf.len == 0) {
                errtext_set(err, err_size, "%s closed the connection without answering",
                        c->host_header);
                rc = MGMT_ERR_IO;
                goto fail_read;
            }
            goto malformed;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int ready = wait_fd(link.fd, POLLIN, deadline);
            if (ready == 1) continue;
            errtext_set(err, err_size, "no answer from %s within %d ms", c->host_header, c->timeout_ms);
        } else {
            errtext_set(err, err_size, "reading from %s failed: %s", c->host_header, strerror(errno));
        }
        rc = MGMT_ERR_IO;
        goto fail_read;
    }
    rc = parse_response(&buf, head_len, resp, err, err_size);
    free(buf.data);
    link_close(&link);
    free(head);
    free(payload);
    free(target);
    if (rc < 0) mgmt_response_free(resp);
    return rc;

malformed:
    errtext_set(err, err_size, "the answer from %s is not valid HTTP", c->host_header);
    rc = MGMT_ERR_PROTOCOL;
fail_read:
    free(buf.data);
fail_exchange:
    link_close(&link);
fail_connect:
fail_alloc:
    if (rc == MGMT_ERR_NOMEM) errtext_set(err, err_size, "out of memory");
    free(head);
    free(payload);
    free(target);
    return rc;
}

int mgmt_list_all(mgmt_client_t *c, const char *path, json_t **items, mgmt_response_t *resp,
                  char *err, size_t err_size)
{
    *items = json_array();
    char *next = strdup(path);
    if (!*items || !next) {
        json_decref(*items);
        *items = NULL;
        free(next);
        errtext_set(err, err_size, "out of memory");
        return MGMT_ERR_NOMEM;
    }
    /* A server that keeps sending the same nextLink would loop forever; the store holds
     * far fewer than 10,000 pages of anything. */
    for (int page = 0; next && page < 10000; page++) {
        int rc = mgmt_request(c, "GET", next, NULL, NULL, resp, err, err_size);
        free(next);
        next = NULL;
        if (rc < 0) {
            json_decref(*items);
            *items = NULL;
            return rc;
        }
        json_t *value = json_object_get(resp->json, "value");
        if (resp->status != 200 || !json_is_array(value)) {
            json_decref(*items);
            *items = NULL;
            return 0;
        }
        json_array_extend(*items, value);
        const char *link = json_string_value(json_object_get(resp->json, "nextLink"));
        if (link && *link) next = strdup(link);
        mgmt_response_free(resp);
    }
    free(next);
    return 0;
}

void mgmt_print_error(const mgmt_response_t *resp)
{
    json_t *error = json_object_get(resp->json, "error");
    const char *code = json_string_value(json_object_get(error, "code"));
    const char *message = json_string_value(json_object_get(error, "message"));
    if (!code) {
        /* Not the ARM error shape (a proxy in between?): show the status and the start of
         * the body. */
        int len = (int)strcspn(resp->body ? resp->body : "", "\r\n");
        if (len > 200) len = 200;
        fprintf(stderr, "meridian: HTTP %d%s%.*s\n", resp->status, len ? ": " : "", len,
                resp->body ? resp->body : "");
        return;
    }
    fprintf(stderr, "meridian: %s: %s\n", code, message ? message : "(no message)");
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(error, "details"), i, d)
    {
        const char *target = json_string_value(json_object_get(d, "target"));
        const char *msg = json_string_value(json_object_get(d, "message"));
        json_t *line = json_object_get(d, "line"), *col = json_object_get(d, "column");
        fprintf(stderr, "  %s", target ? target : "");
        if (json_is_integer(line)) {
            fprintf(stderr, ":%lld", (long long)json_integer_value(line));
            if (json_is_integer(col)) fprintf(stderr, ":%lld", (long long)json_integer_value(col));
        }
        const char *dcode = json_string_value(json_object_get(d, "code"));
        fprintf(stderr, "%s%s", target || json_is_integer(line) ? ": " : "",
                msg ? msg : (dcode ? dcode : ""));
        fputc('\n', stderr);
    }
}

/* ---- SharedAccessSignature -------------------------------------------------------- */

int mgmt_sas_header(const char *identifier, const char *key, time_t expiry, char *out,
                    size_t out_size)
{
    struct tm tm;
    gmtime_r(&expiry, &tm);
    char ex[40];
    /* The vendor's format carries seven fractional digits; the server reads it back. */
    strftime(ex, sizeof ex, "%Y-%m-%dT%H:%M:%S.0000000Z", &tm);
    size_t id_len = strlen(identifier), ex_len = strlen(ex);
    char *msg = malloc(id_len + 1 + ex_len);
    if (!msg) return -1;
    memcpy(msg, identifier, id_len);
    msg[id_len] = '\n';
    memcpy(msg + id_len + 1, ex, ex_len);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    unsigned char *ok = HMAC(EVP_sha512(), key, (int)strlen(key), (unsigned char *)msg,
                             id_len + 1 + ex_len, mac, &mac_len);
    free(msg);
    if (!ok) return -1;
    unsigned char sig[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    EVP_EncodeBlock(sig, mac, (int)mac_len);
    int n = snprintf(out, out_size, "SharedAccessSignature uid=%s&ex=%s&sn=%s", identifier, ex,
                     (char *)sig);
    return n < 0 || (size_t)n >= out_size ? -1 : 0;
}

int mgmt_sas_from_key_file(const char *path, char *out, size_t out_size, char *err, size_t err_size)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc) {
        if (jerr.line > 0)
            errtext_set(err, err_size, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        else
            errtext_set(err, err_size, "%s: %s", path, jerr.text);
        return -1;
    }
    const char *id = json_string_value(json_object_get(doc, "identifier"));
    const char *key = json_string_value(json_object_get(doc, "key"));
    int rc = -1;
    if (!id || !*id || !key || !*key)
        errtext_set(err, err_size, "%s: needs string members \"identifier\" and \"key\"", path);
    else if (mgmt_sas_header(id, key, time(NULL) + MGMT_SAS_LIFETIME_SECONDS, out, out_size) < 0)
        errtext_set(err, err_size, "%s: cannot compute the signature", path);
    else
        rc = 0;
    json_decref(doc);
    return rc;
}
