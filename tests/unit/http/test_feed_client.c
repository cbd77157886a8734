/* http/feed_client.h against a scripted management plane on 127.0.0.1: the long poll's
 * after= sequence, the signature / revision / staleness checks, the host's answers,
 * back-off, token re-read on 401, the last-known-good file and the side POST. */
#include "http/feed_client.h"

#include "base/lkg.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_STEPS 16
#define TOKEN "GatewayKey westus&202701010000&abc"

/* ---- a scripted server: answers the n-th request with the n-th canned response ---- */

typedef struct server server_t;

typedef struct {
    uv_tcp_t tcp;
    server_t *srv;
    char buf[16384];
    size_t len;
} conn_t;

struct server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    int port;
    char *responses[MAX_STEPS];
    size_t response_count;
    size_t next;
    char lines[MAX_STEPS][256];   /* request lines */
    char auths[MAX_STEPS][128];   /* Authorization values */
    char bodies[MAX_STEPS][256];  /* request bodies */
    size_t request_count;
    conn_t *conns[MAX_STEPS];
    size_t conn_count;
    /* Runs when a request arrives with no response left: the test ends there. */
    void (*on_exhausted)(server_t *srv);
    void *ud;
};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)suggested;
    conn_t *c = h->data;
    b->base = c->buf + c->len;
    b->len = sizeof c->buf - c->len - 1;
}

static void on_write(uv_write_t *w, int status)
{
    (void)status;
    free(w->data);
    free(w);
}

static void send_text(conn_t *c, const char *text)
{
    uv_write_t *w = malloc(sizeof *w);
    char *copy = strdup(text);
    w->data = copy;
    uv_buf_t b = uv_buf_init(copy, (unsigned)strlen(copy));
    uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, on_write);
}

/* Copies the value of header `name` in head[0..len) into out. */
static void header_value(const char *head, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    const char *p = strcasestr(head, name);
    if (!p) return;
    p += strlen(name);
    const char *end = strstr(p, "\r\n");
    size_t l = (size_t)(end - p);
    if (l >= n) l = n - 1;
    memcpy(out, p, l);
    out[l] = '\0';
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    (void)b;
    conn_t *c = s->data;
    server_t *srv = c->srv;
    if (nread < 0) return;
    c->len += (size_t)nread;
    c->buf[c->len] = '\0';
    for (;;) {
        char *end = strstr(c->buf, "\r\n\r\n");
        if (!end) return;
        size_t head_len = (size_t)(end + 4 - c->buf);
        char cl[32];
        header_value(c->buf, "\r\nContent-Length: ", cl, sizeof cl);
        size_t body_len = cl[0] ? (size_t)atoi(cl) : 0;
        if (c->len < head_len + body_len) return;
        size_t i = srv->request_count++;
        cr_assert_lt(i, MAX_STEPS, "too many requests");
        size_t line_len = (size_t)(strstr(c->buf, "\r\n") - c->buf);
        snprintf(srv->lines[i], sizeof srv->lines[i], "%.*s", (int)line_len, c->buf);
        header_value(c->buf, "\r\nAuthorization: ", srv->auths[i], sizeof srv->auths[i]);
        snprintf(srv->bodies[i], sizeof srv->bodies[i], "%.*s", (int)body_len, c->buf + head_len);
        memmove(c->buf, c->buf + head_len + body_len, c->len - head_len - body_len);
        c->len -= head_len + body_len;
        c->buf[c->len] = '\0';
        if (srv->next < srv->response_count) send_text(c, srv->responses[srv->next++]);
        else if (srv->on_exhausted) srv->on_exhausted(srv);
    }
}

static void on_connection(uv_stream_t *l, int status)
{
    server_t *srv = l->data;
    cr_assert_eq(status, 0);
    conn_t *c = calloc(1, sizeof *c);
    c->srv = srv;
    uv_tcp_init(srv->loop, &c->tcp);
    c->tcp.data = c;
    cr_assert_eq(uv_accept(l, (uv_stream_t *)&c->tcp), 0);
    cr_assert_lt(srv->conn_count, MAX_STEPS);
    srv->conns[srv->conn_count++] = c;
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void server_start(server_t *srv, uv_loop_t *loop)
{
    srv->loop = loop;
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    cr_assert_eq(uv_tcp_bind(&srv->listener, (const struct sockaddr *)&a, 0), 0);
    cr_assert_eq(uv_listen((uv_stream_t *)&srv->listener, 16, on_connection), 0);
    struct sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
    srv->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
}

static void on_conn_closed(uv_handle_t *h)
{
    free(h->data);
}

static void server_close(server_t *srv)
{
    if (!uv_is_closing((uv_handle_t *)&srv->listener)) uv_close((uv_handle_t *)&srv->listener, NULL);
    for (size_t i = 0; i < srv->conn_count; i++)
        if (!uv_is_closing((uv_handle_t *)&srv->conns[i]->tcp))
            uv_close((uv_handle_t *)&srv->conns[i]->tcp, on_conn_closed);
    srv->conn_count = 0;
}

static void add_response(server_t *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_response(server_t *srv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_assert_lt(srv->response_count, MAX_STEPS);
    cr_assert_geq(vasprintf(&srv->responses[srv->response_count++], fmt, ap), 0);
    va_end(ap);
}

/* A 200 carrying body as revision `revision`, signed with `key`. */
static void add_document(server_t *srv, const char *body, int revision, const char *key)
{
    char sig[LKG_SIGNATURE_MAX];
    cr_assert_eq(lkg_signature_compute(key, body, strlen(body), sig), 0);
    add_response(srv, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nX-Meridian-Revision: %d\r\n"
                      "X-Meridian-Signature: %s\r\n\r\n%s", strlen(body), revision, sig, body);
}

static void server_free(server_t *srv)
{
    for (size_t i = 0; i < srv->response_count; i++) free(srv->responses[i]);
}

/* ---- a host that records what it was given ---- */

typedef struct {
    feed_client_t *client;
    server_t *srv;
    uint64_t revisions[MAX_STEPS];
    feed_client_from_t froms[MAX_STEPS];
    char bodies[MAX_STEPS][64];
    size_t doc_count;
    char refusals[MAX_STEPS][32];
    char refusal_messages[MAX_STEPS][512];
    size_t refusal_count;
    uint64_t refuse_revision; /* a document of this revision is refused (remembered) */
    int post_status, post_err, post_calls;
} host_t;

static void on_document(feed_client_t *c, feed_client_doc_t *doc, void *ud)
{
    host_t *h = ud;
    cr_assert_lt(h->doc_count, MAX_STEPS);
    cr_assert_eq(doc->body[doc->len], '\0', "NUL-terminated");
    h->revisions[h->doc_count] = doc->revision;
    h->froms[h->doc_count] = doc->from;
    snprintf(h->bodies[h->doc_count], sizeof h->bodies[0], "%s", doc->body);
    h->doc_count++;
    if (h->refuse_revision && doc->revision == h->refuse_revision) feed_client_refuse(c, doc, true);
    else feed_client_accept(c, doc);
}

static void on_refused(const char *reason, const char *message, void *ud)
{
    host_t *h = ud;
    cr_assert_lt(h->refusal_count, MAX_STEPS);
    snprintf(h->refusals[h->refusal_count], sizeof h->refusals[0], "%s", reason);
    snprintf(h->refusal_messages[h->refusal_count], sizeof h->refusal_messages[0], "%s", message);
    h->refusal_count++;
}

static void stop_all(server_t *srv)
{
    host_t *h = srv->ud;
    feed_client_stop(h->client);
    server_close(srv);
}

static char *make_state_dir(void)
{
    char tmpl[] = "/tmp/meridian-feed-client-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl));
    return strdup(tmpl);
}

static void remove_state_dir(char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, LKG_FILE);
    unlink(path);
    rmdir(dir);
    free(dir);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    cr_assert_geq(fputs(text, f), 0);
    cr_assert_eq(fclose(f), 0);
}

static feed_client_t *client_for(uv_loop_t *loop, server_t *srv, host_t *h, const char *state_dir,
                                 const char *token, const char *token_file)
{
    char origin[64];
    snprintf(origin, sizeof origin, "127.0.0.1:%d", srv->port);
    feed_client_options_t o = {
        .feed = {.host = "127.0.0.1", .port = (uint16_t)srv->port, .base_path = "/base",
                 .host_header = origin, .origin_key = origin},
        .poll_path = "/router/v1/config?",
        .token = token,
        .token_file = token_file,
        .state_dir = state_dir,
        .wait_s = 1,
        .max_document_bytes = 1024,
        .log_prefix = "test: ",
        .in_use_name = "documents",
    };
    feed_client_host_t fh = {.on_document = on_document, .on_refused = on_refused, .ud = h};
    char *err = NULL;
    feed_client_t *c = feed_client_new(loop, &o, &fh, &err);
    cr_assert_not_null(c, "%s", err ? err : "");
    h->client = c;
    h->srv = srv;
    srv->ud = h;
    srv->on_exhausted = stop_all;
    return c;
}

/* A guard: a client that stops asking would otherwise hang the test. */
static void on_guard(uv_timer_t *t)
{
    server_t *srv = t->data;
    stop_all(srv);
    uv_close((uv_handle_t *)t, NULL);
}

static void run(uv_loop_t *loop, server_t *srv, uv_timer_t *guard)
{
    uv_timer_init(loop, guard);
    guard->data = srv;
    uv_timer_start(guard, on_guard, 8000, 0);
    uv_unref((uv_handle_t *)guard);
    uv_run(loop, UV_RUN_DEFAULT);
    if (!uv_is_closing((uv_handle_t *)guard)) uv_close((uv_handle_t *)guard, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(loop), 0, "handles left open");
}

Test(feed_client, polls_checks_and_persists_what_the_host_accepts)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    server_t srv = {0};
    host_t h = {.refuse_revision = 7};
    server_start(&srv, &loop);
    add_document(&srv, "{\"doc\": 5}", 5, TOKEN);               /* accepted */
    add_document(&srv, "{\"doc\": 6}", 6, "another token");     /* bad signature */
    add_document(&srv, "{\"doc\": 4}", 4, TOKEN);               /* stale */
    add_response(&srv, "HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n");
    add_response(&srv, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Meridian-Signature: x\r\n\r\n{}");
    add_document(&srv, "{\"doc\": 7}", 7, TOKEN);               /* refused by the host */
    char *dir = make_state_dir();
    feed_client_t *c = client_for(&loop, &srv, &h, dir, TOKEN, NULL);
    cr_assert_not(feed_client_in_use(c, NULL, NULL, NULL, NULL));
    feed_client_start(c);
    uv_timer_t guard;
    run(&loop, &srv, &guard);

    static const char *const expected[] = {
        "GET /base/router/v1/config?after=-1&wait=1 HTTP/1.1",
        "GET /base/router/v1/config?after=5&wait=1 HTTP/1.1", /* bad signature: backs off */
        "GET /base/router/v1/config?after=5&wait=1 HTTP/1.1", /* stale: backs off */
        "GET /base/router/v1/config?after=5&wait=1 HTTP/1.1", /* 304: at once */
        "GET /base/router/v1/config?after=5&wait=1 HTTP/1.1", /* no revision */
        "GET /base/router/v1/config?after=5&wait=1 HTTP/1.1",
        "GET /base/router/v1/config?after=7&wait=1 HTTP/1.1", /* 7 refused: not asked again */
    };
    cr_assert_eq(srv.request_count, 7, "%zu requests", srv.request_count);
    for (size_t i = 0; i < 7; i++) {
        cr_assert_str_eq(srv.lines[i], expected[i], "request %zu", i);
        cr_assert_str_eq(srv.auths[i], TOKEN, "request %zu", i);
    }
    cr_assert_eq(h.doc_count, 2);
    cr_assert_eq(h.revisions[0], 5);
    cr_assert_eq(h.froms[0], FEED_CLIENT_FROM_FEED);
    cr_assert_str_eq(h.bodies[0], "{\"doc\": 5}");
    cr_assert_eq(h.revisions[1], 7);
    cr_assert_eq(h.refusal_count, 3);
    cr_assert_str_eq(h.refusals[0], "signature");
    cr_assert_str_eq(h.refusal_messages[0], "the feed's X-Meridian-Signature does not verify with "
                                            "the token (revision header present)");
    cr_assert_str_eq(h.refusals[1], "stale");
    cr_assert_str_eq(h.refusal_messages[1], "the feed sent revision 4, not newer than 5 in use");
    cr_assert_str_eq(h.refusals[2], "signature");

    const char *body, *sig;
    size_t len;
    uint64_t rev;
    cr_assert(feed_client_in_use(c, &body, &len, &rev, &sig));
    cr_assert_eq(rev, 5, "the refused 7 did not replace 5");
    cr_assert_str_eq(body, "{\"doc\": 5}");
    cr_assert(lkg_signature_verify(TOKEN, body, len, sig, strlen(sig)));
    feed_client_free(c);

    /* The accepted document was written as the last-known-good, signed with the token. */
    lkg_t l;
    char *err = NULL;
    cr_assert_eq(lkg_read(dir, TOKEN, &l, &err), 0, "%s", err ? err : "");
    cr_assert_eq(l.revision, 5);
    cr_assert_str_eq(l.body, "{\"doc\": 5}");
    lkg_free(&l);
    remove_state_dir(dir);
    server_free(&srv);
}

Test(feed_client, failures_back_off_and_a_401_rereads_the_token_file)
{
    char token_file[] = "/tmp/meridian-feed-token-XXXXXX";
    close(mkstemp(token_file));
    write_text(token_file, "old-token\n");

    uv_loop_t loop;
    uv_loop_init(&loop);
    server_t srv = {0};
    host_t h = {0};
    server_start(&srv, &loop);
    for (int i = 0; i < 3; i++)
        add_response(&srv, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
    add_response(&srv, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    add_document(&srv, "{}", 1, "new-token");
    feed_client_t *c = client_for(&loop, &srv, &h, NULL, NULL, token_file);
    cr_assert_str_eq(feed_client_token(c), "old-token");
    write_text(token_file, "new-token"); /* the rotation the 401 should pick up */
    uint64_t start = uv_hrtime();
    feed_client_start(c);
    uv_timer_t guard;
    run(&loop, &srv, &guard);
    uint64_t took = (uv_hrtime() - start) / 1000000;

    cr_assert_eq(srv.request_count, 6, "%zu requests", srv.request_count);
    /* 100 + 200 + 400 ms after the 500s, then 800 ms after the 401. */
    cr_assert_geq(took, 1400, "backed off %lu ms", (unsigned long)took);
    cr_assert_lt(took, 4000, "backed off %lu ms", (unsigned long)took);
    for (size_t i = 0; i < 4; i++) cr_assert_str_eq(srv.auths[i], "old-token", "request %zu", i);
    cr_assert_str_eq(srv.auths[4], "new-token", "the 401 made the client re-read its token file");
    cr_assert_eq(h.doc_count, 1, "the document signed with the new token verified");
    cr_assert_eq(h.refusal_count, 0);
    feed_client_free(c);
    unlink(token_file);
    server_free(&srv);
}

Test(feed_client, last_known_good_is_verified_before_the_host_sees_it)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    server_t srv = {0};
    host_t h = {0};
    server_start(&srv, &loop);
    char *dir = make_state_dir();
    feed_client_t *c = client_for(&loop, &srv, &h, dir, TOKEN, NULL);
    cr_assert_eq(feed_client_read_lkg(c), -ENOENT);
    cr_assert_eq(h.doc_count + h.refusal_count, 0);

    char *err = NULL;
    cr_assert_eq(lkg_write(dir, "someone else's token", 3, "{\"a\": 1}", 8, &err), 0);
    cr_assert_lt(feed_client_read_lkg(c), 0);
    cr_assert_eq(h.doc_count, 0);
    cr_assert_eq(h.refusal_count, 1);
    cr_assert_str_eq(h.refusals[0], "last-known-good");
    cr_assert_not_null(strstr(h.refusal_messages[0], "does not match"), "%s", h.refusal_messages[0]);
    cr_assert_not(feed_client_in_use(c, NULL, NULL, NULL, NULL));

    cr_assert_eq(lkg_write(dir, TOKEN, 3, "{\"a\": 1}", 8, &err), 0);
    cr_assert_eq(feed_client_read_lkg(c), 0);
    cr_assert_eq(h.doc_count, 1);
    cr_assert_eq(h.froms[0], FEED_CLIENT_FROM_LKG);
    cr_assert_eq(h.revisions[0], 3);
    uint64_t rev;
    cr_assert(feed_client_in_use(c, NULL, NULL, &rev, NULL));
    cr_assert_eq(rev, 3);

    /* The first poll then asks for what is newer than the last-known-good. */
    feed_client_start(c);
    uv_timer_t guard;
    run(&loop, &srv, &guard);
    cr_assert_eq(srv.request_count, 1);
    cr_assert_str_eq(srv.lines[0], "GET /base/router/v1/config?after=3&wait=1 HTTP/1.1");
    feed_client_free(c);
    remove_state_dir(dir);
    server_free(&srv);
}

static void on_post(int status, int err, void *ud)
{
    host_t *h = ud;
    h->post_status = status;
    h->post_err = err;
    h->post_calls++;
    stop_all(h->srv);
}

Test(feed_client, posts_one_side_request_at_a_time)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    server_t srv = {0};
    host_t h = {0};
    server_start(&srv, &loop);
    add_response(&srv, "HTTP/1.1 204 No Content\r\n\r\n");
    feed_client_t *c = client_for(&loop, &srv, &h, NULL, TOKEN, NULL);
    cr_assert_eq(feed_client_post(c, "/router/v1/status", "{\"x\": 1}", 8, 1000, on_post, &h), 0);
    cr_assert(feed_client_is_posting(c));
    cr_assert_eq(feed_client_post(c, "/router/v1/status", "{}", 2, 1000, on_post, &h), -EBUSY);
    uv_timer_t guard;
    run(&loop, &srv, &guard);
    cr_assert_eq(h.post_calls, 1);
    cr_assert_eq(h.post_status, 204);
    cr_assert_eq(h.post_err, 0);
    cr_assert_str_eq(srv.lines[0], "POST /base/router/v1/status HTTP/1.1");
    cr_assert_str_eq(srv.auths[0], TOKEN);
    cr_assert_str_eq(srv.bodies[0], "{\"x\": 1}");
    feed_client_free(c);
    server_free(&srv);
}

Test(feed_client, unusable_options_say_why)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    feed_client_host_t fh = {.on_document = on_document, .on_refused = on_refused};
    feed_client_options_t o = {.feed = {.host = "127.0.0.1", .port = 1, .host_header = "127.0.0.1:1",
                                        .origin_key = "127.0.0.1:1"},
                               .poll_path = "/router/v1/config?", .token = "a\r\nX-Injected: 1"};
    char *err = NULL;
    cr_assert_null(feed_client_new(&loop, &o, &fh, &err));
    cr_assert_str_eq(err, "the token contains control characters");
    free(err);
    o.token = NULL;
    o.token_file = "/nonexistent/token";
    cr_assert_null(feed_client_new(&loop, &o, &fh, &err));
    cr_assert_not_null(strstr(err, "cannot read the token file"), "%s", err);
    free(err);
    o.token = "t";
    o.state_dir = "/nonexistent/dir/state";
    cr_assert_null(feed_client_new(&loop, &o, &fh, &err));
    cr_assert_not_null(strstr(err, "cannot create the state directory /nonexistent/dir/state"), "%s", err);
    free(err);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
