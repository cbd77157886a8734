/* http_tls: TLS (OpenSSL 3) as a byte engine over memory BIOs, for libuv streams.
 *
 * The engine never touches a socket: ciphertext read from the stream is handed to
 * http_tls_feed(), plaintext comes out of http_tls_read(); plaintext to send goes into
 * http_tls_write() and the ciphertext to put on the wire is taken with
 * http_tls_take_output(). The HTTP server and the upstream client drive it from their read
 * callbacks and their output queue (http/outq.h), so the plain-HTTP path is untouched.
 *
 * Policy, the same for every listener and link: TLS 1.2 and 1.3 only (RFC 8996 retired
 * 1.0/1.1), ECDHE + AEAD cipher suites for 1.2 (OpenSSL's defaults for 1.3), no
 * compression, no renegotiation, ALPN "http/1.1" (RFC 7301: a client offering ALPN
 * without http/1.1 is refused with no_application_protocol).
 *
 * Contexts are reference counted: every connection holds a reference, so a context may be
 * released by its creator while connections still use it. */
#ifndef MERIDIAN_HTTP_TLS_H
#define MERIDIAN_HTTP_TLS_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct http_tls_ctx http_tls_ctx_t;
typedef struct http_tls http_tls_t;

enum {
    HTTP_TLS_EOF = -1,            /* the peer sent close_notify */
    HTTP_TLS_ERR_PROTOCOL = -2,   /* handshake or record failure (bad version, alert...) */
    HTTP_TLS_ERR_VERIFY = -3,     /* the peer's certificate was rejected (chain or name) */
    HTTP_TLS_ERR_NOMEM = -4,
    HTTP_TLS_ERR_CONFIG = -5,     /* certificate, key or CA file unusable */
};

/* ---- contexts ---- */

/* A server context with a default certificate (PEM chain) and its private key (PEM).
 * On error returns HTTP_TLS_ERR_CONFIG and writes a message naming the file to err. */
int http_tls_server_ctx_new(const char *cert_file, const char *key_file, http_tls_ctx_t **out,
                            char *err, size_t err_len);
/* Adds a certificate served when the client's SNI names `host` (case-insensitive; a
 * leading "*." matches one label). Hosts not added get the default certificate. */
int http_tls_server_ctx_add_sni(http_tls_ctx_t *ctx, const char *host, const char *cert_file,
                                const char *key_file, char *err, size_t err_len);
/* Adds every NAME.crt + NAME.key pair in `dir`, each for the DNS names in its certificate's
 * subjectAltName (RFC 6125 §6.4.4: the SAN is what clients check). Returns the number of
 * pairs added or HTTP_TLS_ERR_CONFIG. */
int http_tls_server_ctx_add_sni_dir(http_tls_ctx_t *ctx, const char *dir, char *err, size_t err_len);
/* Mutual TLS: clients must present a certificate issued by a CA in ca_file. */
int http_tls_server_ctx_require_client_cert(http_tls_ctx_t *ctx, const char *ca_file, char *err,
                                            size_t err_len);

/* A client context trusting ca_file (PEM bundle) or, when NULL, the system's default CA
 * store. cert_file/key_file (both or neither) are presented when a server asks for a
 * client certificate. */
int http_tls_client_ctx_new(const char *ca_file, const char *cert_file, const char *key_file,
                            http_tls_ctx_t **out, char *err, size_t err_len);

http_tls_ctx_t *http_tls_ctx_ref(http_tls_ctx_t *ctx);
void http_tls_ctx_unref(http_tls_ctx_t *ctx);

/* ---- connections ---- */

/* A server side connection: waits for the client's hello. NULL when out of memory. */
http_tls_t *http_tls_new_server(http_tls_ctx_t *ctx);
/* A client side connection to `server_name` (a DNS name or an IP literal): SNI is sent for
 * names (RFC 6066 §3 forbids literals); verify_chain checks the chain against the
 * context's CAs, verify_name checks the certificate names server_name (RFC 6125). */
http_tls_t *http_tls_new_client(http_tls_ctx_t *ctx, const char *server_name, bool verify_chain,
                                bool verify_name);
void http_tls_free(http_tls_t *t);

/* Ciphertext from the peer. Returns 0 or HTTP_TLS_ERR_NOMEM. */
int http_tls_feed(http_tls_t *t, const void *data, size_t len);
/* Plaintext into dst (at most cap bytes), running the handshake as needed. Returns the
 * number of bytes (> 0), 0 when more ciphertext is needed, HTTP_TLS_EOF, or an error. Call
 * again while it returns > 0: one fed record may hold more than cap bytes. */
int http_tls_read(http_tls_t *t, void *dst, size_t cap);
/* Feeds one read of ciphertext and appends all the plaintext it completes to `in` (the
 * server's and the upstream client's read buffer), running the handshake as needed. `in`
 * grows by `grow` bytes whenever less than half of that is free, so it may move: a caller
 * holding pointers into it rebases them. Returns 0 once more ciphertext is needed,
 * HTTP_TLS_EOF on close_notify (the plaintext before it is appended), or an error
 * (HTTP_TLS_ERR_NOMEM also when `in` could not grow). */
int http_tls_decrypt(http_tls_t *t, const void *data, size_t len, buf_t *in, size_t grow);
/* Drives the handshake without reading application data (a client starts with it).
 * Returns 1 once established, 0 while in progress, or an error. */
int http_tls_handshake(http_tls_t *t);
/* Encrypts plaintext. Returns the bytes taken: all of len once the handshake is done, 0
 * before it (keep them and call again later), or an error. */
int http_tls_write(http_tls_t *t, const void *data, size_t len);
/* Appends the ciphertext waiting to be sent to `wire`. Returns 0 or HTTP_TLS_ERR_NOMEM. */
int http_tls_take_output(http_tls_t *t, buf_t *wire);
/* Queues close_notify (RFC 8446 §6.1); take the output afterwards. */
void http_tls_shutdown(http_tls_t *t);
bool http_tls_is_established(const http_tls_t *t);
/* Why the last call failed, for logs ("certificate verify failed: ...", "unsupported
 * protocol"...); "" when nothing failed. */
const char *http_tls_error(const http_tls_t *t);
/* The negotiated protocol ("TLSv1.3") and the SNI name the client sent (NULL if none). */
const char *http_tls_version(const http_tls_t *t);
const char *http_tls_sni(const http_tls_t *t);

#endif
