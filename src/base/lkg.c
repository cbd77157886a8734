/* Snapshot signatures and the last-known-good file: see lkg.h. */
#include "base/lkg.h"

#include "base/random.h"

#include <ctype.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIGNATURE_PREFIX "hmac-sha256="
/* A snapshot larger than this is not a configuration anyone wrote: refuse to read it. */
#define LKG_MAX_BYTES (256u * 1024 * 1024)
/* The header line is small; a longer first line means the file is not ours. */
#define LKG_MAX_HEADER 512

static void set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0) abort();
    va_end(ap);
}

int lkg_signature_compute(const char *token, const char *body, size_t len,
                          char out[LKG_SIGNATURE_MAX])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), token, (int)strlen(token), (const unsigned char *)body, len, mac,
              &mac_len))
        return -1;
    memcpy(out, SIGNATURE_PREFIX, sizeof SIGNATURE_PREFIX - 1);
    EVP_EncodeBlock((unsigned char *)out + sizeof SIGNATURE_PREFIX - 1, mac, (int)mac_len);
    return 0;
}

bool lkg_signature_verify(const char *token, const char *body, size_t len,
                          const char *signature, size_t signature_len)
{
    char expected[LKG_SIGNATURE_MAX];
    if (lkg_signature_compute(token, body, len, expected) < 0) return false;
    size_t n = strlen(expected);
    return signature_len == n && CRYPTO_memcmp(expected, signature, n) == 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int lkg_write(const char *dir, const char *token, uint64_t revision, const char *body,
              size_t len, char **err)
{
    *err = NULL;
    char signature[LKG_SIGNATURE_MAX];
    if (lkg_signature_compute(token, body, len, signature) < 0) {
        set_err(err, "cannot compute the signature");
        return -EIO;
    }
    char header[LKG_MAX_HEADER];
    int header_len = snprintf(header, sizeof header, "{\"revision\": %llu, \"signature\": \"%s\"}\n",
                              (unsigned long long)revision, signature);

    /* Unique per process and per write: units sharing DIR never write the same temp file. */
    uint8_t nonce[8];
    random_fill(nonce, sizeof nonce);
    char *tmp = NULL, *final = NULL;
    if (asprintf(&tmp, "%s/.%s.%d.%02x%02x%02x%02x%02x%02x%02x%02x.tmp", dir, LKG_FILE,
                 (int)getpid(), nonce[0], nonce[1], nonce[2], nonce[3], nonce[4], nonce[5],
                 nonce[6], nonce[7]) < 0 ||
        asprintf(&final, "%s/%s", dir, LKG_FILE) < 0)
        abort();
    int rc = 0, fd = -1, dir_fd = -1;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        set_err(err, "cannot create %s: %s", tmp, strerror(-rc));
        goto fail_open;
    }
    if ((rc = write_all(fd, header, (size_t)header_len)) < 0 ||
        (rc = write_all(fd, body, len)) < 0) {
        set_err(err, "cannot write %s: %s", tmp, strerror(-rc));
        goto fail_write;
    }
    if (fsync(fd) != 0) {
        rc = -errno;
        set_err(err, "cannot fsync %s: %s", tmp, strerror(-rc));
        goto fail_write;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = -errno;
        set_err(err, "cannot close %s: %s", tmp, strerror(-rc));
        goto fail_write;
    }
    fd = -1;
    if (rename(tmp, final) != 0) {
        rc = -errno;
        set_err(err, "cannot rename %s to %s: %s", tmp, final, strerror(-rc));
        goto fail_write;
    }
    /* The rename is durable only once the directory entry is (rename(2), fsync(2)). */
    dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 || fsync(dir_fd) != 0) {
        rc = -errno;
        set_err(err, "cannot fsync directory %s: %s", dir, strerror(-rc));
    }
    if (dir_fd >= 0) close(dir_fd);
    free(tmp);
    free(final);
    return rc;

fail_write:
    if (fd >= 0) close(fd);
    unlink(tmp);
fail_open:
    free(tmp);
    free(final);
    return rc;
}

static int read_file(const char *path, char **out, size_t *out_len, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int rc = -errno;
        set_err(err, "cannot open %s: %s", path, strerror(-rc));
        return rc;
    }
    size_t cap = 64 * 1024, len = 0;
    char *text = malloc(cap + 1);
    if (!text) abort();
    for (;;) {
        if (len == cap) {
            if (cap >= LKG_MAX_BYTES) {
                free(text);
                close(fd);
                set_err(err, "%s is larger than %u bytes", path, LKG_MAX_BYTES);
                return -EFBIG;
            }
            cap *= 2;
            text = realloc(text, cap + 1);
            if (!text) abort();
        }
        ssize_t n = read(fd, text + len, cap - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            int rc = -errno;
            free(text);
            close(fd);
            set_err(err, "cannot read %s: %s", path, strerror(-rc));
            return rc;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    text[len] = '\0';
    *out = text;
    *out_len = len;
    return 0;
}

int lkg_read(const char *dir, const char *token, lkg_t *out, char **err)
{
    *err = NULL;
    memset(out, 0, sizeof *out);
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, LKG_FILE) < 0) abort();
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(path, &text, &len, err);
    if (rc < 0) goto done;

    rc = -EINVAL;
    const char *nl = memchr(text, '\n', len < LKG_MAX_HEADER ? len : LKG_MAX_HEADER);
    if (!nl) {
        set_err(err, "%s: no header line: not a last-known-good file, or truncated", path);
        goto done;
    }
    json_error_t jerr;
    json_t *header = json_loadb(text, (size_t)(nl - text), JSON_REJECT_DUPLICATES, &jerr);
    json_t *rev = header ? json_object_get(header, "revision") : NULL;
    json_t *sig = header ? json_object_get(header, "signature") : NULL;
    if (!json_is_integer(rev) || json_integer_value(rev) < 0 || !json_is_string(sig)) {
        set_err(err, "%s: the header line is not {\"revision\": integer, \"signature\": string}",
                path);
        json_decref(header);
        goto done;
    }
    out->revision = (uint64_t)json_integer_value(rev);
    const char *signature = json_string_value(sig);
    size_t signature_len = json_string_length(sig);
    const char *body = nl + 1;
    size_t body_len = len - (size_t)(body - text);
    if (signature_len == 0 || signature_len >= LKG_SIGNATURE_MAX ||
        strncmp(signature, SIGNATURE_PREFIX, sizeof SIGNATURE_PREFIX - 1) != 0) {
        set_err(err, "%s: unsigned (the signature is not hmac-sha256=...)", path);
        json_decref(header);
        goto done;
    }
    if (!lkg_signature_verify(token, body, body_len, signature, signature_len)) {
        set_err(err, "%s: the signature does not match the contents (tampered, truncated, or "
                     "signed with another token)", path);
        json_decref(header);
        goto done;
    }
    memcpy(out->signature, signature, signature_len + 1);
    json_decref(header);
    /* The body moves to the front of the buffer, which stays NUL-terminated. */
    memmove(text, body, body_len + 1);
    out->body = text;
    out->len = body_len;
    text = NULL;
    rc = 0;
done:
    free(text);
    free(path);
    return rc;
}

void lkg_free(lkg_t *l)
{
    free(l->body);
    l->body = NULL;
    l->len = 0;
}

char *lkg_read_token_file(const char *path, char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (asprintf(err, "cannot read the token file %s: %s", path, strerror(errno)) < 0) abort();
        return NULL;
    }
    char buf[LKG_TOKEN_MAX + 2];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    size_t start = 0;
    while (start < n && isspace((unsigned char)buf[start])) start++;
    while (n > start && isspace((unsigned char)buf[n - 1])) n--;
    if (n - start == 0 || n - start > LKG_TOKEN_MAX) {
        if (asprintf(err, "the token file %s is %s", path, n == start ? "empty" : "too long") < 0)
            abort();
        return NULL;
    }
    char *t = strndup(buf + start, n - start);
    if (!t) abort();
    return t;
}

bool lkg_token_is_header_safe(const char *t)
{
    for (; *t; t++)
        if ((unsigned char)*t < 0x20 || *t == 0x7f) return false;
    return true;
}
