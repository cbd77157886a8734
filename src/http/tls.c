/* TLS engine over memory BIOs: see tls.h for the contract. */
#include "http/tls.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

/* TLS 1.2 suites: ECDHE for forward secrecy, AEAD only (RFC 9325 §4.2); TLS 1.3 keeps
 * OpenSSL's default suites, which are all AEAD. */
#define TLS12_CIPHERS                                                                       \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                            \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                            \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* ALPN wire format (RFC 7301 §3.1): length-prefixed protocol names. */
static const unsigned char alpn_http11[] = "\x08http/1.1";
#define ALPN_HTTP11_LEN (sizeof alpn_http11 - 1)

typedef struct {
    char *host; /* lower case; "*.example.com" for a wildcard */
    SSL_CTX *ssl_ctx;
} sni_entry_t;

struct http_tls_ctx {
    SSL_CTX *ssl_ctx;
    bool is_server;
    int refs;
    sni_entry_t *sni;
    size_t sni_count, sni_cap;
    char *client_ca_file; /* mutual TLS: applied to every certificate's context */
};

struct http_tls {
    SSL *ssl;
    http_tls_ctx_t *ctx;
    BIO *rbio, *wbio; /* owned by ssl */
    bool verify_chain;
    bool established;
    char error[200];
};

static void set_err(char *err, size_t err_len, const char *fmt, const char *a, const char *b)
{
    if (!err || !err_len) return;
    unsigned long e = ERR_peek_last_error();
    char reason[120] = "";
    if (e) ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    int n = snprintf(err, err_len, fmt, a, b ? b : "");
    if (n >= 0 && (size_t)n < err_len && *reason) snprintf(err + n, err_len - (size_t)n, " (%s)", reason);
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *out_len,
                       const unsigned char *in, unsigned in_len, void *arg)
{
    (void)ssl;
    (void)arg;
    unsigned char *sel = NULL;
    if (SSL_select_next_proto(&sel, out_len, alpn_http11, ALPN_HTTP11_LEN, in, in_len) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL; /* RFC 7301 §3.2: no_application_protocol */
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

/* The settings every context shares (see tls.h). */
static SSL_CTX *ssl_ctx_new(bool is_server)
{
    SSL_CTX *c = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
    if (!c) return NULL;
    if (!SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) ||
        !SSL_CTX_set_cipher_list(c, TLS12_CIPHERS)) {
        SSL_CTX_free(c);
        return NULL;
    }
    SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    /* Idle connections keep no record buffers (10,000 idle clients cost ~70 KB less each). */
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    if (is_server) {
        SSL_CTX_set_alpn_select_cb(c, alpn_select, NULL);
        static const unsigned char sid[] = "meridian";
        SSL_CTX_set_session_id_context(c, sid, sizeof sid - 1);
    }
    return c;
}

static int load_keypair(SSL_CTX *c, const char *cert_file, const char *key_file, char *err,
                        size_t err_len)
{
    if (SSL_CTX_use_certificate_chain_file(c, cert_file) != 1) {
        set_err(err, err_len, "cannot load certificate %s%s", cert_file, NULL);
        return HTTP_TLS_ERR_CONFIG;
    }
    if (SSL_CTX_use_PrivateKey_file(c, key_file, SSL_FILETYPE_PEM) != 1) {
        set_err(err, err_len, "cannot load private key %s%s", key_file, NULL);
        return HTTP_TLS_ERR_CONFIG;
    }
    if (SSL_CTX_check_private_key(c) != 1) {
        set_err(err, err_len, "private key %s does not match certificate %s", key_file, cert_file);
        return HTTP_TLS_ERR_CONFIG;
    }
    return 0;
}

static bool host_matches(const char *pattern, const char *name)
{
    if (strcasecmp(pattern, name) == 0) return true;
    if (pattern[0] != '*' || pattern[1] != '.') return false;
    const char *dot = strchr(name, '.'); /* the wildcard stands for exactly one label */
    return dot && dot != name && strcasecmp(dot + 1, pattern + 2) == 0;
}

static int on_servername(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    http_tls_ctx_t *ctx = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name) return SSL_TLSEXT_ERR_OK; /* no SNI: the default certificate */
    /* Exact names first, so that a.example.com wins over *.example.com. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ctx->sni_count; i++) {
            const char *h = ctx->sni[i].host;
            bool hit = pass == 0 ? strcasecmp(h, name) == 0 : host_matches(h, name);
            if (hit) {
                SSL_set_SSL_CTX(ssl, ctx->sni[i].ssl_ctx);
                return SSL_TLSEXT_ERR_OK;
            }
        }
    return SSL_TLSEXT_ERR_OK; /* unknown name: the default certificate */
}

static int require_client_cert(SSL_CTX *c, const char *ca_file, char *err, size_t err_len)
{
    if (SSL_CTX_load_verify_locations(c, ca_file, NULL) != 1) {
        set_err(err, err_len, "cannot load CA file %s%s", ca_file, NULL);
        return HTTP_TLS_ERR_CONFIG;
    }
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca_file);
    if (names) SSL_CTX_set_client_CA_list(c, names);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return 0;
}

int http_tls_server_ctx_new(const char *cert_file, const char *key_file, http_tls_ctx_t **out,
                            char *err, size_t err_len)
{
    http_tls_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return HTTP_TLS_ERR_NOMEM;
    ctx->is_server = true;
    ctx->refs = 1;
    ctx->ssl_ctx = ssl_ctx_new(true);
    if (!ctx->ssl_ctx) {
        free(ctx);
        set_err(err, err_len, "cannot create a TLS context%s%s", "", NULL);
        return HTTP_TLS_ERR_CONFIG;
    }
    int rc = load_keypair(ctx->ssl_ctx, cert_file, key_file, err, err_len);
    if (rc < 0) {
        http_tls_ctx_unref(ctx);
        return rc;
    }
    SSL_CTX_set_tlsext_servername_callback(ctx->ssl_ctx, on_servername);
    SSL_CTX_set_tlsext_servername_arg(ctx->ssl_ctx, ctx);
    *out = ctx;
    return 0;
}

static int sni_push(http_tls_ctx_t *ctx, const char *host, SSL_CTX *c)
{
    if (ctx->sni_count == ctx->sni_cap) {
        size_t cap = ctx->sni_cap ? ctx->sni_cap * 2 : 8;
        sni_entry_t *grown = realloc(ctx->sni, cap * sizeof *grown);
        if (!grown) return HTTP_TLS_ERR_NOMEM;
        ctx->sni = grown;
        ctx->sni_cap = cap;
    }
    char *h = strdup(host);
    if (!h) return HTTP_TLS_ERR_NOMEM;
    SSL_CTX_up_ref(c);
    ctx->sni[ctx->sni_count++] = (sni_entry_t){h, c};
    return 0;
}

/* A context for one more certificate, with the settings of the default one. */
static int sni_ctx_load(http_tls_ctx_t *ctx, const char *cert_file, const char *key_file,
                        SSL_CTX **out, char *err, size_t err_len)
{
    SSL_CTX *c = ssl_ctx_new(true);
    if (!c) return HTTP_TLS_ERR_NOMEM;
    int rc = load_keypair(c, cert_file, key_file, err, err_len);
    if (rc == 0 && ctx->client_ca_file) rc = require_client_cert(c, ctx->client_ca_file, err, err_len);
    if (rc < 0) {
        SSL_CTX_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int http_tls_server_ctx_add_sni(http_tls_ctx_t *ctx, const char *host, const char *cert_file,
                                const char *key_file, char *err, size_t err_len)
{
    SSL_CTX *c;
    int rc = sni_ctx_load(ctx, cert_file, key_file, &c, err, err_len);
    if (rc < 0) return rc;
    rc = sni_push(ctx, host, c);
    SSL_CTX_free(c); /* the table holds its own reference */
    return rc;
}

/* Adds one entry per DNS subjectAltName of the certificate in cert_file. */
static int add_san_names(http_tls_ctx_t *ctx, const char *cert_file, SSL_CTX *c, char *err,
                         size_t err_len)
{
    FILE *f = fopen(cert_file, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (!x) {
        set_err(err, err_len, "cannot read certificate %s%s", cert_file, NULL);
        return HTTP_TLS_ERR_CONFIG;
    }
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int added = 0, rc = 0;
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && rc == 0; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_DNS) continue;
        const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
        int len = ASN1_STRING_length(g->d.dNSName);
        char host[256];
        if (len <= 0 || (size_t)len >= sizeof host || memchr(s, 0, (size_t)len)) continue;
        memcpy(host, s, (size_t)len);
        host[len] = '\0';
        rc = sni_push(ctx, host, c);
        added++;
    }
    GENERAL_NAMES_free(names);
    X509_free(x);
    if (rc == 0 && added == 0) {
        set_err(err, err_len, "certificate %s has no DNS subjectAltName%s", cert_file, NULL);
        return HTTP_TLS_ERR_CONFIG;
    }
    return rc;
}

int http_tls_server_ctx_add_sni_dir(http_tls_ctx_t *ctx, const char *dir, char *err, size_t err_len)
{
    DIR *d = opendir(dir);
    if (!d) {
        set_err(err, err_len, "cannot open certificate directory %s%s", dir, NULL);
        return HTTP_TLS_ERR_CONFIG;
    }
    int pairs = 0, rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n <= 4 || strcmp(e->d_name + n - 4, ".crt") != 0 || e->d_name[0] == '.') continue;
        char cert[4096], key[4096];
        int a = snprintf(cert, sizeof cert, "%s/%s", dir, e->d_name);
        int b = snprintf(key, sizeof key, "%s/%.*s.key", dir, (int)(n - 4), e->d_name);
        if (a < 0 || b < 0 || (size_t)a >= sizeof cert || (size_t)b >= sizeof key) continue;
        SSL_CTX *c;
        rc = sni_ctx_load(ctx, cert, key, &c, err, err_len);
        if (rc < 0) break;
        rc = add_san_names(ctx, cert, c, err, err_len);
        SSL_CTX_free(c);
        pairs++;
    }
    closedir(d);
    return rc < 0 ? rc : pairs;
}

int http_tls_server_ctx_require_client_cert(http_tls_ctx_t *ctx, const char *ca_file, char *err,
                                            size_t err_len)
{
    free(ctx->client_ca_file);
    ctx->client_ca_file = strdup(ca_file);
    if (!ctx->client_ca_file) return HTTP_TLS_ERR_NOMEM;
    int rc = require_client_cert(ctx->ssl_ctx, ca_file, err, err_len);
    /* The SNI contexts verify clients too: OpenSSL checks against the switched context. */
    for (size_t i = 0; rc == 0 && i < ctx->sni_count; i++)
        rc = require_client_cert(ctx->sni[i].ssl_ctx, ca_file, err, err_len);
    return rc;
}

/* Client certificate checks with a per-connection switch (a Backend's
 * tls.validateCertificateChain false): chain errors are forgiven, a name mismatch is not. */
static int on_verify(int preverify_ok, X509_STORE_CTX *store)
{
    if (preverify_ok) return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    http_tls_t *t = ssl ? SSL_get_app_data(ssl) : NULL;
    int e = X509_STORE_CTX_get_error(store);
    if (t && !t->verify_chain && e != X509_V_ERR_HOSTNAME_MISMATCH &&
        e != X509_V_ERR_IP_ADDRESS_MISMATCH) {
        X509_STORE_CTX_set_error(store, X509_V_OK);
        return 1;
    }
    return 0;
}

int http_tls_client_ctx_new(const char *ca_file, const char *cert_file, const char *key_file,
                            http_tls_ctx_t **out, char *err, size_t err_len)
{
    http_tls_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return HTTP_TLS_ERR_NOMEM;
    ctx->refs = 1;
    ctx->ssl_ctx = ssl_ctx_new(false);
    int rc = 0;
    if (!ctx->ssl_ctx) {
        set_err(err, err_len, "cannot create a TLS context%s%s", "", NULL);
        rc = HTTP_TLS_ERR_CONFIG;
    } else if (ca_file ? SSL_CTX_load_verify_locations(ctx->ssl_ctx, ca_file, NULL) != 1
                       : SSL_CTX_set_default_verify_paths(ctx->ssl_ctx) != 1) {
        set_err(err, err_len, "cannot load CA file %s%s", ca_file ? ca_file : "(system default)", NULL);
        rc = HTTP_TLS_ERR_CONFIG;
    } else if (cert_file && key_file) {
        rc = load_keypair(ctx->ssl_ctx, cert_file, key_file, err, err_len);
    }
    if (rc < 0) {
        http_tls_ctx_unref(ctx);
        return rc;
    }
    SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER, on_verify);
    *out = ctx;
    return 0;
}

http_tls_ctx_t *http_tls_ctx_ref(http_tls_ctx_t *ctx)
{
    if (ctx) ctx->refs++;
    return ctx;
}

void http_tls_ctx_unref(http_tls_ctx_t *ctx)
{
    if (!ctx || --ctx->refs > 0) return;
    for (size_t i = 0; i < ctx->sni_count; i++) {
        free(ctx->sni[i].host);
        SSL_CTX_free(ctx->sni[i].ssl_ctx);
    }
    free(ctx->sni);
    free(ctx->client_ca_file);
    SSL_CTX_free(ctx->ssl_ctx);
    free(ctx);
}

/* ---- connections ---- */

static http_tls_t *tls_new(http_tls_ctx_t *ctx)
{
    http_tls_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->ssl = SSL_new(ctx->ssl_ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        SSL_free(t->ssl);
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        free(t);
        ERR_clear_error();
        return NULL;
    }
    /* An empty input BIO means "wait for more", not end of stream. */
    BIO_set_mem_eof_return(t->rbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_app_data(t->ssl, t);
    t->ctx = http_tls_ctx_ref(ctx);
    t->verify_chain = true;
    return t;
}

http_tls_t *http_tls_new_server(http_tls_ctx_t *ctx)
{
    http_tls_t *t = tls_new(ctx);
    if (t) SSL_set_accept_state(t->ssl);
    return t;
}

static bool is_ip_literal(const char *s)
{
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

http_tls_t *http_tls_new_client(http_tls_ctx_t *ctx, const char *server_name, bool verify_chain,
                                bool verify_name)
{
    http_tls_t *t = tls_new(ctx);
    if (!t) return NULL;
    t->verify_chain = verify_chain;
    bool literal = is_ip_literal(server_name);
    int ok = SSL_set_alpn_protos(t->ssl, alpn_http11, ALPN_HTTP11_LEN) == 0;
    if (ok && !literal) ok = SSL_set_tlsext_host_name(t->ssl, server_name);
    if (ok && verify_name)
        ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), server_name)
                     : SSL_set1_host(t->ssl, server_name);
    if (!verify_chain && !verify_name) SSL_set_verify(t->ssl, SSL_VERIFY_NONE, NULL);
    if (!ok) {
        ERR_clear_error();
        http_tls_free(t);
        return NULL;
    }
    SSL_set_connect_state(t->ssl);
    return t;
}

void http_tls_free(http_tls_t *t)
{
    if (!t) return;
    SSL_free(t->ssl); /* frees both BIOs */
    http_tls_ctx_unref(t->ctx);
    free(t);
}

int http_tls_feed(http_tls_t *t, const void *data, size_t len)
{
    if (len > INT32_MAX || BIO_write(t->rbio, data, (int)len) != (int)len) return HTTP_TLS_ERR_NOMEM;
    return 0;
}

/* Maps a failed SSL call to the module's codes, keeping the reason for http_tls_error(). */
static int tls_fail(http_tls_t *t, int ret)
{
    int e = SSL_get_error(t->ssl, ret);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
    if (e == SSL_ERROR_ZERO_RETURN) return HTTP_TLS_EOF;
    long vr = SSL_get_verify_result(t->ssl);
    int code = HTTP_TLS_ERR_PROTOCOL;
    if (vr != X509_V_OK) {
        snprintf(t->error, sizeof t->error, "certificate verify failed: %s",
                 X509_verify_cert_error_string(vr));
        code = HTTP_TLS_ERR_VERIFY;
    } else {
        unsigned long err = ERR_peek_last_error();
        if (err) ERR_error_string_n(err, t->error, sizeof t->error);
        else snprintf(t->error, sizeof t->error, "TLS failure (%d)", e);
        if (e == SSL_ERROR_SSL && ERR_GET_REASON(err) == ERR_R_MALLOC_FAILURE) code = HTTP_TLS_ERR_NOMEM;
    }
    ERR_clear_error(); /* the queue is per thread: leave nothing for the next connection */
    return code;
}

int http_tls_handshake(http_tls_t *t)
{
    if (t->established) return 1;
    int r = SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->established = true;
        return 1;
    }
    return tls_fail(t, r);
}

int http_tls_read(http_tls_t *t, void *dst, size_t cap)
{
    if (cap > INT32_MAX) cap = INT32_MAX;
    int n = SSL_read(t->ssl, dst, (int)cap);
    if (n > 0) {
        t->established = true;
        return n;
    }
    int rc = tls_fail(t, n);
    if (rc == 0 && SSL_is_init_finished(t->ssl)) t->established = true;
    return rc;
}

int http_tls_decrypt(http_tls_t *t, const void *data, size_t len, buf_t *in, size_t grow)
{
    int rc = http_tls_feed(t, data, len);
    while (rc == 0) {
        /* One fed read may complete several records: read until the engine wants more
         * ciphertext, growing `in` rather than leaving plaintext inside the engine. */
        if (in->cap - in->len < grow / 2 && buf_reserve(in, grow) < 0) return HTTP_TLS_ERR_NOMEM;
        rc = http_tls_read(t, in->data + in->len, in->cap - in->len);
        if (rc <= 0) break;
        in->len += (size_t)rc;
        rc = 0;
    }
    return rc;
}

int http_tls_write(http_tls_t *t, const void *data, size_t len)
{
    if (!t->established) {
        int r = http_tls_handshake(t);
        if (r <= 0) return r;
    }
    if (len == 0) return 0;
    if (len > (1u << 30)) len = 1u << 30;
    size_t written = 0;
    /* Memory BIOs never push back: the whole buffer is taken in one call. */
    if (SSL_write_ex(t->ssl, data, len, &written) != 1) return tls_fail(t, 0);
    return (int)written;
}

int http_tls_take_output(http_tls_t *t, buf_t *wire)
{
    size_t pending = BIO_ctrl_pending(t->wbio);
    if (pending == 0) return 0;
    if (buf_reserve(wire, pending) < 0) return HTTP_TLS_ERR_NOMEM;
    int n = BIO_read(t->wbio, wire->data + wire->len, (int)pending);
    if (n > 0) wire->len += (size_t)n;
    return 0;
}

void http_tls_shutdown(http_tls_t *t)
{
    if (t->established && SSL_shutdown(t->ssl) < 0) ERR_clear_error();
}

bool http_tls_is_established(const http_tls_t *t)
{
    return t->established;
}

const char *http_tls_error(const http_tls_t *t)
{
    return t->error;
}

const char *http_tls_version(const http_tls_t *t)
{
    return SSL_get_version(t->ssl);
}

const char *http_tls_sni(const http_tls_t *t)
{
    return SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);
}
