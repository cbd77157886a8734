/* mgmt_client over a socket: a canned server thread answers each connection with a fixed
 * response, so framing (Content-Length, chunked, close-delimited, 204), headers, the
 * request the client writes, paging, timeouts and error printing are checked without
 * `meridian manage`. */
#include "cli/mgmt_client.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EXCHANGES 4

typedef struct {
    int listen_fd;
    int port;
    const char *responses[MAX_EXCHANGES]; /* NULL = accept, read, never answer */
    int count;
    char requests[MAX_EXCHANGES][8192];
    pthread_t thread;
} canned_t;

static void *serve(void *arg)
{
    canned_t *c = arg;
    for (int i = 0; i < c->count; i++) {
        int fd = accept(c->listen_fd, NULL, NULL);
        if (fd < 0) return NULL;
        size_t n = 0;
        /* read the head and, when announced, the body */
        for (;;) {
            ssize_t r = read(fd, c->requests[i] + n, sizeof c->requests[i] - 1 - n);
            if (r <= 0) break;
            n += (size_t)r;
            c->requests[i][n] = '\0';
            char *end = strstr(c->requests[i], "\r\n\r\n");
            if (!end) continue;
            char *cl = strcasestr(c->requests[i], "Content-Length:");
            size_t want = cl ? (size_t)atoi(cl + 15) : 0;
            if (n - (size_t)(end + 4 - c->requests[i]) >= want) break;
        }
        if (c->responses[i]) {
            (void)!write(fd, c->responses[i], strlen(c->responses[i]));
            close(fd);
        } else {
            usleep(600 * 1000); /* longer than the client's timeout */
            close(fd);
        }
    }
    return NULL;
}

static void canned_start(canned_t *c)
{
    c->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(c->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(c->listen_fd, 8), 0);
    socklen_t len = sizeof a;
    getsockname(c->listen_fd, (struct sockaddr *)&a, &len);
    c->port = ntohs(a.sin_port);
    pthread_create(&c->thread, NULL, serve, c);
}

static void canned_stop(canned_t *c)
{
    pthread_join(c->thread, NULL);
    close(c->listen_fd);
}

static void client_for(mgmt_client_t *client, const canned_t *c, const char *prefix)
{
    char endpoint[64], err[256];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d%s", c->port, prefix);
    mgmt_client_options_t o = {
        .endpoint = endpoint, .auth_header = "Bearer tok", .timeout_ms = 300};
    cr_assert_eq(mgmt_client_init(client, &o, err, sizeof err), 0, "%s", err);
}

#define SVC                                                                                        \
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/meridian/"                 \
    "providers/Microsoft.ApiManagement/service/meridian"

Test(mgmt_http, request_line_headers_and_body)
{
    canned_t c = {.count = 1,
                  .responses = {"HTTP/1.1 201 Created\r\nETag: \"7\"\r\nX-Meridian-Revision: 12\r\n"
                                "Content-Length: 11\r\n\r\n{\"name\":1}\n"}};
    canned_start(&c);
    mgmt_client_t client;
    client_for(&client, &c, "/mgmt");
    json_t *body = json_pack("{s:{s:s}}", "properties", "path", "x");
    mgmt_response_t resp;
    char err[256];
    cr_assert_eq(mgmt_request(&client, "PUT", "/apis/a%20b", body, "\"3\"", &resp, err, sizeof err),
                 0, "%s", err);
    canned_stop(&c);
    const char *req = c.requests[0];
    cr_assert(strncmp(req, "PUT /mgmt" SVC "/apis/a%20b?api-version=2022-08-01 HTTP/1.1\r\n",
                      strlen("PUT /mgmt" SVC "/apis/a%20b?api-version=2022-08-01 HTTP/1.1\r\n")) ==
                  0,
              "%s", req);
    char host[64];
    snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%d\r\n", c.port);
    cr_assert(strstr(req, host), "%s", req);
    cr_assert(strstr(req, "\r\nAuthorization: Bearer tok\r\n"), "%s", req);
    cr_assert(strstr(req, "\r\nIf-Match: \"3\"\r\n"), "%s", req);
    cr_assert(strstr(req, "\r\nContent-Type: application/json\r\nContent-Length: 27\r\n"), "%s",
              req);
    cr_assert(strstr(req, "\r\n\r\n{\"properties\":{\"path\":\"x\"}}"), "%s", req);
    cr_assert_eq(resp.status, 201);
    cr_assert_str_eq(resp.etag, "\"7\"");
    cr_assert_eq(resp.revision, 12);
    cr_assert_str_eq(resp.body, "{\"name\":1}\n");
    cr_assert_eq(json_integer_value(json_object_get(resp.json, "name")), 1);
    mgmt_response_free(&resp);
    json_decref(body);
    mgmt_client_free(&client);
}

Test(mgmt_http, chunked_close_delimited_and_no_content)
{
    canned_t c = {.count = 3,
                  .responses = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "5\r\n{\"a\":\r\n3;ext=1\r\n1}\n\r\n0\r\nTrailer: x\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n[1,2]",
                                "HTTP/1.1 204 No Content\r\nX-Meridian-Revision: 5\r\n\r\n"}};
    canned_start(&c);
    mgmt_client_t client;
    client_for(&client, &c, "");
    mgmt_response_t resp;
    char err[256];
    cr_assert_eq(mgmt_request(&client, "GET", "/x", NULL, NULL, &resp, err, sizeof err), 0, "%s",
                 err);
    cr_assert_str_eq(resp.body, "{\"a\":1}\n");
    cr_assert_eq(json_integer_value(json_object_get(resp.json, "a")), 1);
    mgmt_response_free(&resp);
    cr_assert_eq(mgmt_request(&client, "GET", "/x", NULL, NULL, &resp, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(json_array_size(resp.json), 2);
    mgmt_response_free(&resp);
    cr_assert_eq(mgmt_request(&client, "POST", "/x/regeneratePrimaryKey", NULL, NULL, &resp, err,
                              sizeof err),
                 0, "%s", err);
    cr_assert_eq(resp.status, 204);
    cr_assert_eq(resp.body_len, 0);
    cr_assert_null(resp.json);
    cr_assert_eq(resp.revision, 5);
    mgmt_response_free(&resp);
    canned_stop(&c);
    /* a POST without a body still says how long it is */
    cr_assert(strstr(c.requests[2], "\r\nContent-Length: 0\r\n"), "%s", c.requests[2]);
    mgmt_client_free(&client);
}

Test(mgmt_http, silence_is_a_timeout_and_garbage_a_protocol_error)
{
    canned_t c = {.count = 2, .responses = {"SSH-2.0-OpenSSH\r\n\r\n", NULL}};
    canned_start(&c);
    mgmt_client_t client;
    client_for(&client, &c, "");
    mgmt_response_t resp;
    char err[256];
    cr_assert_eq(mgmt_request(&client, "GET", "", NULL, NULL, &resp, err, sizeof err),
                 MGMT_ERR_PROTOCOL);
    cr_assert(strstr(err, "not HTTP"), "%s", err);
    cr_assert_eq(mgmt_request(&client, "GET", "", NULL, NULL, &resp, err, sizeof err), MGMT_ERR_IO);
    cr_assert(strstr(err, "no answer from 127.0.0.1:") && strstr(err, "within 300 ms"), "%s", err);
    canned_stop(&c);
    mgmt_client_free(&client);
}

Test(mgmt_http, lists_follow_next_link)
{
    static char page1[512];
    canned_t c = {.count = 2};
    canned_start(&c);
    char body1[256];
    snprintf(body1, sizeof body1,
             "{\"value\":[{\"name\":\"a\"}],\"count\":2,\"nextLink\":\"http://127.0.0.1:%d" SVC
             "/apis?api-version=2022-08-01&$skip=1\"}",
             c.port);
    snprintf(page1, sizeof page1, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(body1),
             body1);
    c.responses[0] = page1;
    c.responses[1] = "HTTP/1.1 200 OK\r\nContent-Length: 34\r\n\r\n"
                     "{\"value\":[{\"name\":\"b\"}],\"count\":2}";
    mgmt_client_t client;
    client_for(&client, &c, "");
    json_t *items;
    mgmt_response_t resp;
    char err[256];
    cr_assert_eq(mgmt_list_all(&client, "/apis", &items, &resp, err, sizeof err), 0, "%s", err);
    canned_stop(&c);
    cr_assert_not_null(items);
    cr_assert_eq(json_array_size(items), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "name")), "b");
    cr_assert(strncmp(c.requests[1], "GET " SVC "/apis?api-version=2022-08-01&$skip=1 HTTP/1.1",
                      strlen("GET " SVC "/apis?api-version=2022-08-01&$skip=1 HTTP/1.1")) == 0,
              "%s", c.requests[1]);
    json_decref(items);
    mgmt_client_free(&client);
}

Test(mgmt_http, errors_are_printed_as_code_message_and_details, .init = cr_redirect_stderr)
{
    mgmt_response_t resp = {.status = 400};
    resp.json =
        json_loads("{\"error\":{\"code\":\"ValidationError\",\"message\":\"bad policy\","
                   "\"details\":[{\"code\":\"ValidationError\",\"target\":\"/apis/a/policies/"
                   "policy\",\"message\":\"unknown policy <x>\",\"line\":2,\"column\":5},"
                   "{\"target\":\"properties.path\",\"message\":\"must be a string\"}]}}",
                   0, NULL);
    mgmt_print_error(&resp);
    json_decref(resp.json);
    mgmt_response_t proxy = {.status = 502, .body = "Bad Gateway\r\nmore"};
    mgmt_print_error(&proxy);
    fflush(stderr);
    cr_assert_stderr_eq_str("meridian: ValidationError: bad policy\n"
                            "  /apis/a/policies/policy:2:5: unknown policy <x>\n"
                            "  properties.path: must be a string\n"
                            "meridian: HTTP 502: Bad Gateway\n");
}
