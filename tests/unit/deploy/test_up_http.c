#include "deploy/up_http.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A one-shot server: accepts one connection, reads the request head (and `body_bytes`
 * more), writes `answer` unless NULL (then holds the connection for `hold_ms`), closes. */
typedef struct {
    int listen_fd;
    uint16_t port;
    const char *answer;
    int hold_ms;
    char request[4096];
    size_t request_len;
    pthread_t thread;
} canned_t;

static void *serve(void *arg)
{
    canned_t *c = arg;
    int fd = accept(c->listen_fd, NULL, NULL);
    if (fd < 0) return NULL;
    while (c->request_len < sizeof c->request - 1) {
        ssize_t n = recv(fd, c->request + c->request_len, sizeof c->request - 1 - c->request_len,
                         0);
        if (n <= 0) break;
        c->request_len += (size_t)n;
        c->request[c->request_len] = '\0';
        char *head_end = strstr(c->request, "\r\n\r\n");
        if (!head_end) continue;
        char *cl = strstr(c->request, "Content-Length: ");
        size_t want = (size_t)(head_end + 4 - c->request) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
        if (c->request_len >= want) break;
    }
    if (c->answer)
        (void)!write(fd, c->answer, strlen(c->answer));
    else
        usleep((useconds_t)c->hold_ms * 1000);
    close(fd);
    return NULL;
}

static void canned_start_holding(canned_t *c, const char *answer, int hold_ms)
{
    memset(c, 0, sizeof *c);
    c->answer = answer;
    c->hold_ms = hold_ms;
    c->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(c->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    getsockname(c->listen_fd, (struct sockaddr *)&sa, &len);
    c->port = ntohs(sa.sin_port);
    cr_assert_eq(listen(c->listen_fd, 4), 0);
    pthread_create(&c->thread, NULL, serve, c);
}

static void canned_start(canned_t *c, const char *answer)
{
    canned_start_holding(c, answer, 0);
}

static void canned_finish(canned_t *c)
{
    pthread_join(c->thread, NULL);
    close(c->listen_fd);
}

Test(up_http, sends_the_request_and_reads_a_content_length_answer)
{
    canned_t c;
    canned_start(&c, "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello-and-more");
    up_http_response_t r;
    cr_assert_eq(up_http_request("127.0.0.1", c.port, "PUT", "/x?a=1", "Bearer t", "{\"a\":1}",
                                 2000, &r),
                 0);
    canned_finish(&c);
    cr_assert_eq(r.status, 201);
    cr_assert_str_eq(r.body, "hello", "Content-Length frames the body");
    cr_assert_eq(r.body_len, 5);
    cr_assert_not_null(strstr(c.request, "PUT /x?a=1 HTTP/1.1\r\n"));
    cr_assert_not_null(strstr(c.request, "\r\nAuthorization: Bearer t\r\n"));
    cr_assert_not_null(strstr(c.request, "\r\nConnection: close\r\n"));
    cr_assert_not_null(strstr(c.request, "\r\nContent-Length: 7\r\n"));
    cr_assert_not_null(strstr(c.request, "\r\n\r\n{\"a\":1}"));
    up_http_response_free(&r);
}

Test(up_http, reads_chunked_and_close_delimited_bodies)
{
    canned_t c;
    canned_start(&c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
    up_http_response_t r;
    cr_assert_eq(up_http_request("127.0.0.1", c.port, "GET", "/", NULL, NULL, 2000, &r), 0);
    canned_finish(&c);
    cr_assert_str_eq(r.body, "abcdefg");
    up_http_response_free(&r);

    canned_start(&c, "HTTP/1.0 404 Not Found\r\nX: y\r\n\r\nuntil close");
    cr_assert_eq(up_http_request("127.0.0.1", c.port, "GET", "/", NULL, NULL, 2000, &r), 0);
    canned_finish(&c);
    cr_assert_eq(r.status, 404);
    cr_assert_str_eq(r.body, "until close");
    cr_assert_null(strstr(c.request, "Authorization"), "no header without a value");
    up_http_response_free(&r);
}

Test(up_http, errors_are_told_apart)
{
    canned_t c;
    up_http_response_t r;
    canned_start(&c, "SSH-2.0-OpenSSH\r\n\r\n");
    cr_assert_eq(up_http_request("127.0.0.1", c.port, "GET", "/", NULL, NULL, 2000, &r),
                 UP_HTTP_ERR_PROTOCOL);
    canned_finish(&c);

    canned_start(&c, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort");
    cr_assert_eq(up_http_request("127.0.0.1", c.port, "GET", "/", NULL, NULL, 2000, &r),
                 UP_HTTP_ERR_PROTOCOL, "a body cut short is not taken as whole");
    canned_finish(&c);

    canned_start_holding(&c, NULL, 600);
    cr_assert_eq(up_http_request("127.0.0.1", c.port, "GET", "/", NULL, NULL, 150, &r),
                 UP_HTTP_ERR_IO, "the deadline covers the whole exchange");
    canned_finish(&c);

    uint16_t closed_port = c.port; /* nothing listens there any more */
    cr_assert_eq(up_http_request("127.0.0.1", closed_port, "GET", "/", NULL, NULL, 500, &r),
                 UP_HTTP_ERR_CONNECT);
    cr_assert_eq(up_http_request("not-an-ip", 80, "GET", "/", NULL, NULL, 500, &r),
                 UP_HTTP_ERR_CONNECT);
}
