/* http_tls: the engine between two memory endpoints (handshake, data, verification,
 * versions, ALPN, SNI), then the server and the upstream client over loopback. */
#include "http/tls.h"

#include "deploy/up_ca.h"
#include "http/server.h"
#include "http/upstream.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static char errbuf[512];

static const char *path(const char *name)
{
    static char p[8][128];
    static int next;
    char *s = p[next++ % 8];
    snprintf(s, 128, "%s/%s", dir, name);
    return s;
}

static void make_leaf(const char *ca, const char *name, const char *const *names, size_t n)
{
    char crt[64], key[64], ca_crt[64], ca_key[64];
    snprintf(crt, sizeof crt, "%s.crt", name);
    snprintf(key, sizeof key, "%s.key", name);
    snprintf(ca_crt, sizeof ca_crt, "%s.crt", ca);
    snprintf(ca_key, sizeof ca_key, "%s.key", ca);
    char a[128], b[128], c[128], d[128];
    strcpy(a, path(ca_crt));
    strcpy(b, path(ca_key));
    strcpy(c, path(crt));
    strcpy(d, path(key));
    cr_assert_eq(up_ca_make_leaf(a, b, c, d, names, n, 30, errbuf, sizeof errbuf), 0, "%s", errbuf);
}

static void setup(void)
{
    strcpy(dir, "/tmp/meridian-tls-XXXXXX");
    cr_assert(mkdtemp(dir));
    char crt[128];
    strcpy(crt, path("ca.crt"));
    cr_assert_eq(up_ca_make_ca(crt, path("ca.key"), "Test CA", errbuf, sizeof errbuf), 0, "%s", errbuf);
    strcpy(crt, path("other-ca.crt"));
    cr_assert_eq(up_ca_make_ca(crt, path("other-ca.key"), "Other CA", errbuf, sizeof errbuf), 0, "%s",
                 errbuf);
    const char *a[] = {"a.test", "127.0.0.1"};
    make_leaf("ca", "a", a, 2);
    const char *b[] = {"b.test", "*.wild.test"};
    make_leaf("ca", "b", b, 2);
    make_leaf("other-ca", "rogue", a, 2);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static void teardown(void)
{
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(tls, .init = setup, .fini = teardown);

static http_tls_ctx_t *server_ctx(void)
{
    http_tls_ctx_t *ctx = NULL;
    char crt[128];
    strcpy(crt, path("a.crt"));
    cr_assert_eq(http_tls_server_ctx_new(crt, path("a.key"), &ctx, errbuf, sizeof errbuf), 0, "%s", errbuf);
    return ctx;
}

static http_tls_ctx_t *client_ctx(const char *ca)
{
    http_tls_ctx_t *ctx = NULL;
    cr_assert_eq(http_tls_client_ctx_new(ca ? path(ca) : NULL, NULL, NULL, &ctx, errbuf, sizeof errbuf), 0,
                 "%s", errbuf);
    return ctx;
}

/* Moves ciphertext both ways until neither side has anything to say. Returns the last
 * negative code either side's read returned, or 0. */
static int pump(http_tls_t *client, http_tls_t *server, buf_t *client_in, buf_t *server_in)
{
    int failure = 0;
    http_tls_handshake(client);
    for (int round = 0; round < 20; round++) {
        buf_t wire;
        buf_init(&wire);
        http_tls_take_output(client, &wire);
        bool moved = wire.len > 0;
        if (wire.len) http_tls_feed(server, wire.data, wire.len);
        wire.len = 0;
        char tmp[4096];
        int n;
        while ((n = http_tls_read(server, tmp, sizeof tmp)) > 0) buf_append(server_in, tmp, (size_t)n);
        if (n < 0) failure = n;
        http_tls_take_output(server, &wire);
        moved |= wire.len > 0;
        if (wire.len) http_tls_feed(client, wire.data, wire.len);
        buf_free(&wire);
        while ((n = http_tls_read(client, tmp, sizeof tmp)) > 0) buf_append(client_in, tmp, (size_t)n);
        if (n < 0 && n != HTTP_TLS_EOF) failure = n;
        if (!moved || failure) break;
    }
    return failure;
}

static int handshake(http_tls_ctx_t *cctx, const char *name, bool chain, bool check_name,
                     http_tls_ctx_t *sctx, http_tls_t **c_out, http_tls_t **s_out)
{
    http_tls_t *c = http_tls_new_client(cctx, name, chain, check_name);
    http_tls_t *s = http_tls_new_server(sctx);
    cr_assert(c && s);
    buf_t ci, si;
    buf_init(&ci);
    buf_init(&si);
    int rc = pump(c, s, &ci, &si);
    buf_free(&ci);
    buf_free(&si);
    *c_out = c;
    *s_out = s;
    return rc;
}

Test(tls, handshake_then_data_both_ways)
{
    http_tls_ctx_t *sctx = server_ctx(), *cctx = client_ctx("ca.crt");
    http_tls_t *c, *s;
    cr_assert_eq(handshake(cctx, "a.test", true, true, sctx, &c, &s), 0, "%s", http_tls_error(c));
    cr_assert(http_tls_is_established(c));
    cr_assert(http_tls_is_established(s));
    cr_assert_str_eq(http_tls_version(c), "TLSv1.3");
    cr_assert_str_eq(http_tls_sni(s), "a.test");
    cr_assert_eq(http_tls_write(c, "GET / HTTP/1.1\r\n\r\n", 18), 18);
    cr_assert_eq(http_tls_write(s, "pong", 4), 4);
    buf_t ci, si;
    buf_init(&ci);
    buf_init(&si);
    cr_assert_eq(pump(c, s, &ci, &si), 0);
    cr_assert_eq(si.len, 18);
    cr_assert(memcmp(si.data, "GET / HTTP/1.1\r\n\r\n", 18) == 0);
    cr_assert_eq(ci.len, 4);
    cr_assert(memcmp(ci.data, "pong", 4) == 0);
    /* close_notify reads as the end of the stream. */
    http_tls_shutdown(c);
    buf_t wire;
    buf_init(&wire);
    http_tls_take_output(c, &wire);
    http_tls_feed(s, wire.data, wire.len);
    char tmp[16];
    cr_assert_eq(http_tls_read(s, tmp, sizeof tmp), HTTP_TLS_EOF);
    buf_free(&wire);
    buf_free(&ci);
    buf_free(&si);
    http_tls_free(c);
    http_tls_free(s);
    http_tls_ctx_unref(cctx);
    http_tls_ctx_unref(sctx); /* connections held references until freed */
}

/* http_tls_decrypt: what the server's and the upstream client's read paths use. */
Test(tls, decrypt_appends_every_record_of_a_read_growing_the_buffer)
{
    http_tls_ctx_t *sctx = server_ctx(), *cctx = client_ctx("ca.crt");
    http_tls_t *c, *s;
    cr_assert_eq(handshake(cctx, "a.test", true, true, sctx, &c, &s), 0, "%s", http_tls_error(c));
    /* 100 000 bytes are seven records (16 KiB each at most): one read of all of them must
     * come out whole, through a buffer that starts empty and grows by 4 KiB. */
    size_t total = 100000;
    char *sent = malloc(total);
    cr_assert(sent);
    for (size_t i = 0; i < total; i++) sent[i] = (char)('a' + i % 26);
    cr_assert_eq(http_tls_write(c, sent, total), (int)total);
    buf_t wire, in;
    buf_init(&wire);
    buf_init(&in);
    cr_assert_eq(http_tls_take_output(c, &wire), 0);
    cr_assert_gt(wire.len, total);
    /* Fed in two reads split inside a record: the first yields what it completes. */
    size_t half = wire.len / 2 + 7;
    cr_assert_eq(http_tls_decrypt(s, wire.data, half, &in, 4096), 0);
    cr_assert_lt(in.len, total);
    cr_assert_eq(http_tls_decrypt(s, wire.data + half, wire.len - half, &in, 4096), 0);
    cr_assert_eq(in.len, total);
    cr_assert(memcmp(in.data, sent, total) == 0);
    /* Bytes then close_notify in one read: the bytes are appended, then the end. */
    cr_assert_eq(http_tls_write(c, "tail", 4), 4);
    http_tls_shutdown(c);
    wire.len = 0;
    cr_assert_eq(http_tls_take_output(c, &wire), 0);
    cr_assert_eq(http_tls_decrypt(s, wire.data, wire.len, &in, 4096), HTTP_TLS_EOF);
    cr_assert_eq(in.len, total + 4);
    cr_assert(memcmp(in.data + total, "tail", 4) == 0);
    free(sent);
    buf_free(&wire);
    buf_free(&in);
    http_tls_free(c);
    http_tls_free(s);
    http_tls_ctx_unref(cctx);
    http_tls_ctx_unref(sctx);
}

Test(tls, decrypt_reports_garbage_as_a_protocol_error)
{
    http_tls_ctx_t *sctx = server_ctx();
    http_tls_t *s = http_tls_new_server(sctx);
    cr_assert(s);
    buf_t in;
    buf_init(&in);
    static const char plain[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    cr_assert_eq(http_tls_decrypt(s, plain, sizeof plain - 1, &in, 4096), HTTP_TLS_ERR_PROTOCOL);
    cr_assert_eq(in.len, 0);
    cr_assert_neq(http_tls_error(s)[0], '\0');
    buf_free(&in);
    http_tls_free(s);
    http_tls_ctx_unref(sctx);
}

Test(tls, ip_literal_names_are_checked_without_sni)
{
    http_tls_ctx_t *sctx = server_ctx(), *cctx = client_ctx("ca.crt");
    http_tls_t *c, *s;
    cr_assert_eq(handshake(cctx, "127.0.0.1", true, true, sctx, &c, &s), 0, "%s", http_tls_error(c));
    cr_assert_null(http_tls_sni(s));
    http_tls_free(c);
    http_tls_free(s);
    http_tls_ctx_unref(cctx);
    http_tls_ctx_unref(sctx);
}

Test(tls, untrusted_chain_is_refused_unless_skipped)
{
    http_tls_ctx_t *sctx = server_ctx(), *cctx = client_ctx("other-ca.crt");
    http_tls_t *c, *s;
    cr_assert_eq(handshake(cctx, "a.test", true, true, sctx, &c, &s), HTTP_TLS_ERR_VERIFY);
    cr_assert(strstr(http_tls_error(c), "certificate verify failed"), "%s", http_tls_error(c));
    cr_assert(!http_tls_is_established(c));
    http_tls_free(c);
    http_tls_free(s);
    /* validateCertificateChain false: the chain is forgiven, the name is still checked. */
    cr_assert_eq(handshake(cctx, "a.test", false, true, sctx, &c, &s), 0, "%s", http_tls_error(c));
    http_tls_free(c);
    http_tls_free(s);
    cr_assert_eq(handshake(cctx, "wrong.test", false, true, sctx, &c, &s), HTTP_TLS_ERR_VERIFY);
    cr_assert(strstr(http_tls_error(c), "hostname mismatch"), "%s", http_tls_error(c));
    http_tls_free(c);
    http_tls_free(s);
    cr_assert_eq(handshake(cctx, "wrong.test", false, false, sctx, &c, &s), 0);
    http_tls_free(c);
    http_tls_free(s);
    http_tls_ctx_unref(cctx);
    http_tls_ctx_unref(sctx);
}

Test(tls, name_mismatch_is_refused_unless_skipped)
{
    http_tls_ctx_t *sctx = server_ctx(), *cctx = client_ctx("ca.crt");
    http_tls_t *c, *s;
    cr_assert_eq(handshake(cctx, "b.test", true, true, sctx, &c, &s), HTTP_TLS_ERR_VERIFY);
    http_tls_free(c);
    http_tls_free(s);
    cr_assert_eq(handshake(cctx, "b.test", true, false, sctx, &c, &s), 0);
    http_tls_free(c);
    http_tls_free(s);
    http_tls_ctx_unref(cctx);
    http_tls_ctx_unref(sctx);
}

Test(tls, sni_picks_the_certificate_for_the_name)
{
    http_tls_ctx_t *sctx = server_ctx(), *cctx = client_ctx("ca.crt");
    char crt[128];
    strcpy(crt, path("b.crt"));
    cr_assert_eq(http_tls_server_ctx_add_sni(sctx, "b.test", crt, path("b.key"), errbuf, sizeof errbuf), 0);
    cr_assert_eq(http_tls_server_ctx_add_sni(sctx, "*.wild.test", crt, path("b.key"), errbuf, sizeof errbuf), 0);
    http_tls_t *c, *s;
    cr_assert_eq(handshake(cctx, "b.test", true, true, sctx, &c, &s), 0, "%s", http_tls_error(c));
    http_tls_free(c);
    http_tls_free(s);
    cr_assert_eq(handshake(cctx, "x.wild.test", true, true, sctx, &c, &s), 0, "%s", http_tls_error(c));
    http_tls_free(c);
    http_tls_free(s);
    /* One label only; unknown names get the default certificate (a.test), which fails. */
    cr_assert_eq(handshake(cctx, "x.y.wild.test", true, true, sctx, &c, &s), HTTP_TLS_ERR_VERIFY);
    http_tls_free(c);
    http_tls_free(s);
    cr_assert_eq(handshake(cctx, "a.test", true, true, sctx, &c, &s), 0);
    http_tls_free(c);
    http_tls_free(s);
    http_tls_ctx_unref(cctx);
    http_tls_ctx_unref(sctx);
}

Test(tls, sni_directory_uses_the_certificates_names)
{
    char sub[96];
    snprintf(sub, sizeof sub, "%s/sni", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    char ca_crt[128], ca_key[128], crt[128], key[128];
    strcpy(ca_crt, path("ca.crt"));
    strcpy(ca_key, path("ca.key"));
    strcpy(crt, path("sni/api.crt"));
    strcpy(key, path("sni/api.key"));
    const char *names[] = {"api.contoso.test", "portal.contoso.test"};
    cr_assert_eq(up_ca_make_leaf(ca_crt, ca_key, crt, key, names, 2, 30, errbuf, sizeof errbuf), 0);
    http_tls_ctx_t *sctx = server_ctx(), *cctx = client_ctx("ca.crt");
    cr_assert_eq(http_tls_server_ctx_add_sni_dir(sctx, sub, errbuf, sizeof errbuf), 1, "%s", errbuf);
    http_tls_t *c, *s;
    cr_assert_eq(handshake(cctx, "portal.contoso.test", true, true, sctx, &c, &s), 0, "%s", http_tls_error(c));
    http_tls_free(c);
    http_tls_free(s);
    http_tls_ctx_unref(cctx);
    http_tls_ctx_unref(sctx);
    cr_assert_eq(http_tls_server_ctx_add_sni_dir(NULL, "/nonexistent", errbuf, sizeof errbuf), HTTP_TLS_ERR_CONFIG);
    cr_assert(strstr(errbuf, "/nonexistent"), "%s", errbuf);
}

Test(tls, bad_files_are_named_in_the_error)
{
    http_tls_ctx_t *ctx = NULL;
    char crt[128];
    strcpy(crt, path("a.crt"));
    cr_assert_eq(http_tls_server_ctx_new("/nonexistent.crt", path("a.key"), &ctx, errbuf, sizeof errbuf),
                 HTTP_TLS_ERR_CONFIG);
    cr_assert(strstr(errbuf, "cannot load certificate /nonexistent.crt"), "%s", errbuf);
    cr_assert_eq(http_tls_server_ctx_new(crt, path("b.key"), &ctx, errbuf, sizeof errbuf), HTTP_TLS_ERR_CONFIG);
    cr_assert(strstr(errbuf, "b.key") && strstr(errbuf, "mismatch"), "%s", errbuf);
    cr_assert_eq(http_tls_client_ctx_new("/nonexistent-ca.pem", NULL, NULL, &ctx, errbuf, sizeof errbuf),
                 HTTP_TLS_ERR_CONFIG);
    cr_assert(strstr(errbuf, "/nonexistent-ca.pem"), "%s", errbuf);
}

/* A raw OpenSSL client with its own settings, against our server engine. */
static int raw_client_handshake(http_tls_ctx_t *sctx, int max_version, const unsigned char *alpn,
                                size_t alpn_len)
{
    SSL_CTX *rc = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_security_level(rc, 0); /* let the client offer old versions at all */
    SSL_CTX_set_min_proto_version(rc, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(rc, max_version);
    SSL *ssl = SSL_new(rc);
    BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(ssl, in, out);
    if (alpn) SSL_set_alpn_protos(ssl, alpn, (unsigned)alpn_len);
    SSL_set_connect_state(ssl);
    http_tls_t *s = http_tls_new_server(sctx);
    int result = 0;
    for (int round = 0; round < 10 && result == 0; round++) {
        int r = SSL_do_handshake(ssl);
        if (r == 1) {
            result = 1;
            break;
        }
        char tmp[16384];
        int n;
        while ((n = BIO_read(out, tmp, sizeof tmp)) > 0) http_tls_feed(s, tmp, (size_t)n);
        char plain[64];
        int sr = http_tls_read(s, plain, sizeof plain);
        if (sr < 0) result = sr;
        buf_t wire;
        buf_init(&wire);
        http_tls_take_output(s, &wire);
        if (wire.len) BIO_write(in, wire.data, (int)wire.len);
        buf_free(&wire);
    }
    http_tls_free(s);
    SSL_free(ssl);
    SSL_CTX_free(rc);
    return result;
}

Test(tls, versions_below_1_2_are_refused)
{
    http_tls_ctx_t *sctx = server_ctx();
    cr_assert_eq(raw_client_handshake(sctx, TLS1_1_VERSION, NULL, 0), HTTP_TLS_ERR_PROTOCOL);
    cr_assert_eq(raw_client_handshake(sctx, TLS1_2_VERSION, NULL, 0), 1);
    http_tls_ctx_unref(sctx);
}

Test(tls, alpn_without_http11_is_refused)
{
    http_tls_ctx_t *sctx = server_ctx();
    static const unsigned char h2[] = "\x02h2";
    static const unsigned char both[] = "\x02h2\x08http/1.1";
    cr_assert_eq(raw_client_handshake(sctx, TLS1_3_VERSION, h2, 3), HTTP_TLS_ERR_PROTOCOL);
    cr_assert_eq(raw_client_handshake(sctx, TLS1_3_VERSION, both, 12), 1);
    http_tls_ctx_unref(sctx);
}

/* ---- the server and the upstream client over loopback ---- */

static void on_request(http_exchange_t *ex, void *ud)
{
    (void)ud;
    const char *body = http_exchange_is_tls(ex) ? "secure" : "plain";
    http_exchange_respond(ex, 200, "text/plain", body, strlen(body));
}

typedef struct {
    int status;
    int err;
    buf_t body;
    bool done;
} result_t;

static void up_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    ((result_t *)ud)->status = resp->status;
}
static void up_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r;
    buf_append(&((result_t *)ud)->body, data, len);
}
static void up_done(upstream_request_t *r, void *ud)
{
    (void)r;
    ((result_t *)ud)->done = true;
}
static void up_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    ((result_t *)ud)->err = err;
    ((result_t *)ud)->done = true;
}

static int listen_port(http_server_t **srv, uv_loop_t *loop)
{
    static const http_handler_t handler = {.on_request = on_request};
    http_server_options_t o;
    http_server_options_default(&o);
    for (int port = 20000 + getpid() % 20000, tries = 0; tries < 50; tries++, port++) {
        char addr[32];
        snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
        if (http_server_listen(loop, addr, false, &o, &handler, NULL, srv) == 0) return port;
    }
    cr_assert_fail("no free port");
    return 0;
}

static result_t fetch(uv_loop_t *loop, upstream_pool_t *pool, int port, const char *name,
                      bool skip_chain)
{
    result_t res = {0};
    static const char head[] = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n";
    static const upstream_callbacks_t cb = {up_head, up_body, up_done, up_error, NULL};
    upstream_request_spec_t spec = {
        .host = "127.0.0.1", .port = (uint16_t)port, .origin_key = "127.0.0.1:x",
        .head = head, .head_len = sizeof head - 1, .method = HTTP_METHOD_GET,
        .response_timeout_ms = 5000, .tls = true, .tls_server_name = name,
        .tls_skip_chain_check = skip_chain,
    };
    cr_assert(upstream_request_start(pool, &spec, &cb, &res));
    while (!res.done) uv_run(loop, UV_RUN_ONCE);
    return res;
}

Test(tls, server_and_upstream_over_loopback)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    http_server_t *srv;
    int port = listen_port(&srv, &loop);
    http_tls_ctx_t *sctx = server_ctx(), *cctx = client_ctx("ca.crt");
    cr_assert_eq(http_server_set_tls(srv, sctx), 0);
    http_tls_ctx_unref(sctx);
    upstream_options_t uo;
    upstream_options_default(&uo);
    upstream_pool_t *pool = upstream_pool_new(&loop, &uo);
    upstream_pool_set_tls(pool, cctx);
    http_tls_ctx_unref(cctx);

    result_t ok = fetch(&loop, pool, port, "a.test", false);
    cr_assert_eq(ok.err, 0, "%s", upstream_error_name(ok.err));
    cr_assert_eq(ok.status, 200);
    cr_assert_eq(ok.body.len, 6);
    cr_assert(memcmp(ok.body.data, "secure", 6) == 0);
    buf_free(&ok.body);
    /* The pooled connection is reused for the next request. */
    result_t again = fetch(&loop, pool, port, "a.test", false);
    cr_assert_eq(again.status, 200);
    buf_free(&again.body);

    result_t bad = fetch(&loop, pool, port, "other.test", false);
    cr_assert_eq(bad.err, UPSTREAM_ERR_TLS);
    cr_assert_str_eq(upstream_error_name(bad.err), "BackendConnectionFailure");
    cr_assert_eq(bad.status, 0);
    buf_free(&bad.body);

    upstream_pool_close(pool);
    http_server_close(srv);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(tls, plain_client_on_a_tls_listener_is_dropped)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    http_server_t *srv;
    int port = listen_port(&srv, &loop);
    http_tls_ctx_t *sctx = server_ctx();
    http_server_set_tls(srv, sctx);
    http_tls_ctx_unref(sctx);
    upstream_options_t uo;
    upstream_options_default(&uo);
    upstream_pool_t *pool = upstream_pool_new(&loop, &uo);
    result_t res = {0};
    static const char head[] = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n";
    static const upstream_callbacks_t cb = {up_head, up_body, up_done, up_error, NULL};
    upstream_request_spec_t spec = {
        .host = "127.0.0.1", .port = (uint16_t)port, .origin_key = "127.0.0.1:p",
        .head = head, .head_len = sizeof head - 1, .method = HTTP_METHOD_GET, .response_timeout_ms = 5000,
    };
    cr_assert(upstream_request_start(pool, &spec, &cb, &res));
    while (!res.done) uv_run(&loop, UV_RUN_ONCE);
    cr_assert_eq(res.err, UPSTREAM_ERR_CLOSED, "%s", upstream_error_name(res.err));
    upstream_pool_close(pool);
    http_server_close(srv);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
