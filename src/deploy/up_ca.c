/* Local CA for `meridian up --tls`: see up_ca.h. */
#include "deploy/up_ca.h"

#include "manage/locations.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t err_len, const char *what, const char *path)
{
    unsigned long e = ERR_peek_last_error();
    char reason[120] = "";
    if (e) ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    snprintf(err, err_len, "%s%s%s%s%s", what, path ? " " : "", path ? path : "", *reason ? ": " : "",
             reason);
    return -1;
}

static bool is_ip(const char *s)
{
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext) return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

/* A new certificate for `key` named `cn`, valid from an hour ago for `days` days, with a
 * random 127-bit serial (RFC 5280 §4.1.2.2: positive, unique per issuer). */
static X509 *cert_new(EVP_PKEY *key, const char *cn, int days)
{
    X509 *x = X509_new();
    BIGNUM *serial = BN_new();
    int ok = x && serial && X509_set_version(x, 2) && BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
             BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
             X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) && X509_set_pubkey(x, key) &&
             X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                        (const unsigned char *)cn, -1, -1, 0);
    BN_free(serial);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int write_key(const char *path, EVP_PKEY *key)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return -1;
    }
    int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int write_cert(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int ok = PEM_write_X509(f, x);
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* The key first (0600), then the certificate: a certificate never exists without its key. */
static int write_pair(const char *cert_path, X509 *x, const char *key_path, EVP_PKEY *key, char *err,
                      size_t err_len)
{
    if (write_key(key_path, key) < 0) {
        snprintf(err, err_len, "cannot write %s: %s", key_path, strerror(errno));
        return -1;
    }
    if (write_cert(cert_path, x) < 0) {
        snprintf(err, err_len, "cannot write %s: %s", cert_path, strerror(errno));
        return -1;
    }
    return 0;
}

int up_ca_make_ca(const char *cert_path, const char *key_path, const char *common_name,
                  char *err, size_t err_len)
{
    int rc = -1;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = key ? cert_new(key, common_name, 3650) : NULL;
    if (!x) {
        fail(err, err_len, "cannot make the CA certificate", NULL);
        goto done;
    }
    X509_set_issuer_name(x, X509_get_subject_name(x));
    if (add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
        add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
        add_ext(x, x, NID_subject_key_identifier, "hash") < 0 || !X509_sign(x, key, EVP_sha256())) {
        fail(err, err_len, "cannot sign the CA certificate", NULL);
        goto done;
    }
    rc = write_pair(cert_path, x, key_path, key, err, err_len);
done:
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return x;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

int up_ca_make_leaf(const char *ca_cert_path, const char *ca_key_path, const char *cert_path,
                    const char *key_path, const char *const *names, size_t name_count, int days,
                    char *err, size_t err_len)
{
    int rc = -1;
    X509 *ca = read_cert(ca_cert_path), *x = NULL;
    EVP_PKEY *ca_key = read_key(ca_key_path), *key = NULL;
    char san[4096];
    size_t used = 0;
    if (!ca || !ca_key) {
        fail(err, err_len, "cannot read the CA", ca ? ca_key_path : ca_cert_path);
        goto done;
    }
    if (name_count == 0) {
        snprintf(err, err_len, "a certificate needs at least one name");
        goto done;
    }
    for (size_t i = 0; i < name_count; i++) {
        int n = snprintf(san + used, sizeof san - used, "%s%s:%s", i ? "," : "",
                         is_ip(names[i]) ? "IP" : "DNS", names[i]);
        if (n < 0 || (size_t)n >= sizeof san - used) {
            snprintf(err, err_len, "too many names for one certificate");
            goto done;
        }
        used += (size_t)n;
    }
    key = EVP_EC_gen("P-256");
    x = key ? cert_new(key, names[0], days) : NULL;
    if (!x) {
        fail(err, err_len, "cannot make a certificate for", names[0]);
        goto done;
    }
    X509_set_issuer_name(x, X509_get_subject_name(ca));
    if (add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
        add_ext(x, ca, NID_key_usage, "critical,digitalSignature") < 0 ||
        add_ext(x, ca, NID_ext_key_usage, "serverAuth,clientAuth") < 0 ||
        add_ext(x, ca, NID_subject_alt_name, san) < 0 ||
        add_ext(x, ca, NID_authority_key_identifier, "keyid") < 0 || !X509_sign(x, ca_key, EVP_sha256())) {
        fail(err, err_len, "cannot sign a certificate for", names[0]);
        goto done;
    }
    rc = write_pair(cert_path, x, key_path, key, err, err_len);
done:
    X509_free(ca);
    X509_free(x);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    return rc;
}

int up_ca_ensure(const char *tls_dir, const char *const *names, size_t name_count, char *err,
                 size_t err_len)
{
    char ca_cert[4096], ca_key[4096], cert[4096], key[4096];
    snprintf(ca_cert, sizeof ca_cert, "%.4000s/ca.crt", tls_dir);
    snprintf(ca_key, sizeof ca_key, "%.4000s/ca.key", tls_dir);
    snprintf(cert, sizeof cert, "%.4000s/server.crt", tls_dir);
    snprintf(key, sizeof key, "%.4000s/server.key", tls_dir);
    if (mkdir(tls_dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", tls_dir, strerror(errno));
        return -1;
    }
    if ((access(ca_cert, R_OK) < 0 || access(ca_key, R_OK) < 0) &&
        up_ca_make_ca(ca_cert, ca_key, "Meridian local CA", err, err_len) < 0)
        return -1;
    return up_ca_make_leaf(ca_cert, ca_key, cert, key, names, name_count, 825, err, err_len);
}

int up_ca_ensure_for_up(const char *tls_dir, char *err, size_t err_len)
{
    static char storage[UP_CA_MAX_OCTET + 3][64];
    const char *names[UP_CA_MAX_OCTET + 5];
    size_t n = 0;
    names[n++] = "localhost";
    names[n++] = "127.0.0.1";
    for (int r = 1; r <= UP_CA_MAX_OCTET; r++) {
        snprintf(storage[r], sizeof storage[r], "127.0.%d.1", r);
        names[n++] = storage[r];
    }
    names[n++] = "meridian." MANAGE_DEFAULT_DOMAIN;
    names[n++] = "*.regional." MANAGE_DEFAULT_DOMAIN;
    return up_ca_ensure(tls_dir, names, n, err, err_len);
}
