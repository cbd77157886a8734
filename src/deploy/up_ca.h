/* up_ca: the local certificate authority of `meridian up --tls` (docs/tls.md).
 *
 * On first start a CA (EC P-256 key, self-signed, 10 years) is made in STATE/tls/ca.{crt,key};
 * on every start a server certificate signed by it is made for the names `up` serves
 * (STATE/tls/server.{crt,key}), so that the names can change between starts while the CA a
 * user trusted once stays. Keys are written 0600. Everything is made with OpenSSL's API:
 * no `openssl` command is needed. Blocking file I/O: call without an event loop. */
#ifndef MERIDIAN_DEPLOY_UP_CA_H
#define MERIDIAN_DEPLOY_UP_CA_H

#include <stddef.h>

/* Creates a self-signed CA certificate and key. Returns 0 or -1 with a message in err. */
int up_ca_make_ca(const char *cert_path, const char *key_path, const char *common_name,
                  char *err, size_t err_len);
/* Creates a certificate for `names` (DNS names or IP literals, all in its subjectAltName,
 * the first also its CN) signed by the CA, valid `days` days from an hour ago (clock skew),
 * for server and client authentication. Returns 0 or -1 with a message in err. */
int up_ca_make_leaf(const char *ca_cert_path, const char *ca_key_path, const char *cert_path,
                    const char *key_path, const char *const *names, size_t name_count, int days,
                    char *err, size_t err_len);
/* STATE/tls: keeps an existing CA or makes one, then makes server.{crt,key} for `names`. */
int up_ca_ensure(const char *tls_dir, const char *const *names, size_t name_count, char *err,
                 size_t err_len);
/* up_ca_ensure for the names `meridian up` serves: localhost, 127.0.0.1, the locations'
 * addresses 127.0.R.1 (R = 1..UP_CA_MAX_OCTET), and under the default domain the service's
 * hostname and every regional hostname (*.regional.DOMAIN). */
#define UP_CA_MAX_OCTET 32
int up_ca_ensure_for_up(const char *tls_dir, char *err, size_t err_len);

#endif
