/* Management API authentication (auth.h). */
#include "manage/auth.h"

#include "manage/resources.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char **err, const char *fmt, const char *a, const char *b)
{
    if (asprintf(err, fmt, a, b) < 0) *err = NULL;
    return -1;
}

static int read_key_file(const char *path, manage_auth_t *out, char **err)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) return fail(err, "%s: %s", path, jerr.text);
    const char *id = json_string_value(json_object_get(doc, "identifier"));
    const char *key = json_string_value(json_object_get(doc, "key"));
    const char *token = json_string_value(json_object_get(doc, "token"));
    int rc = 0;
    if (!id || !key || !token || !*id || strlen(key) < 16 || strlen(token) < 16 ||
        strlen(id) >= sizeof out->identifier || strlen(key) >= sizeof out->key ||
        strlen(token) >= sizeof out->token)
        rc = fail(err, "%s: %s", path,
                  "expected {\"identifier\", \"key\" (16+ characters), \"token\" (16+ characters)}");
    else {
        snprintf(out->identifier, sizeof out->identifier, "%s", id);
        snprintf(out->key, sizeof out->key, "%s", key);
        snprintf(out->token, sizeof out->token, "%s", token);
    }
    json_decref(doc);
    return rc;
}

int manage_auth_load_or_create(const char *dir, manage_auth_t *out, bool *created, char **err)
{
    *err = NULL;
    *created = false;
    memset(out, 0, sizeof *out);
    char *path;
    if (asprintf(&path, "%s/admin-key.json", dir) < 0) abort();
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
        fail(err, "%s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    if (fd >= 0) {
        char *key = manage_random_base64(64, false);
        char *token = manage_random_base64(32, true); /* 43 characters */
        json_t *doc = json_pack("{s:s, s:s, s:s}", "identifier", "admin", "key", key, "token", token);
        char *text = json_dumps(doc, JSON_INDENT(2));
        size_t len = strlen(text);
        bool ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
        close(fd);
        OPENSSL_cleanse(key, strlen(key));
        OPENSSL_cleanse(token, strlen(token));
        OPENSSL_cleanse(text, len);
        free(key);
        free(token);
        free(text);
        json_decref(doc);
        if (!ok) {
            fail(err, "%s: cannot write: %s", path, strerror(errno));
            unlink(path);
            free(path);
            return -1;
        }
        *created = true;
    }
    int rc = read_key_file(path, out, err);
    free(path);
    return rc;
}

static bool equal_const_time(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen) return false;
    return CRYPTO_memcmp(a, b, alen) == 0;
}

static char *sign(const char *identifier, const char *key, const char *expiry)
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%s\n%s", identifier, expiry);
    if (n < 0 || (size_t)n >= sizeof msg) return NULL;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!HMAC(EVP_sha512(), key, (int)strlen(key), (const unsigned char *)msg, (size_t)n, mac,
              &mac_len))
        return NULL;
    char *out = malloc(4 * ((mac_len + 2) / 3) + 1);
    if (!out) abort();
    EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len);
    return out;
}

static void format_expiry(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%S.0000000Z", &tm);
}

char *manage_auth_sas(const char *identifier, const char *key, time_t expiry)
{
    char ex[64];
    format_expiry(expiry, ex, sizeof ex);
    char *sn = sign(identifier, key, ex);
    char *out;
    if (!sn || asprintf(&out, "SharedAccessSignature uid=%s&ex=%s&sn=%s", identifier, ex, sn) < 0)
        abort();
    free(sn);
    return out;
}

/* "yyyy-MM-ddTHH:mm:ss[.f{1,7}]Z" → seconds since the epoch, or -1. */
static time_t parse_expiry(const char *s)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 || used != 19)
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++) digits++;
        if (digits < 1 || digits > 7) return -1;
    }
    if (p[0] != 'Z' || p[1]) return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = sec};
    return timegm(&tm);
}

/* Copies the value of `name=` from a '&'-separated parameter list. */
static bool sas_param(const char *params, const char *name, char *out, size_t n)
{
    size_t name_len = strlen(name);
    const char *p = params;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
            size_t vlen = len - name_len - 1;
            if (vlen >= n) return false;
            memcpy(out, p + name_len + 1, vlen);
            out[vlen] = 0;
            return true;
        }
        if (!end) break;
        p = end + 1;
    }
    return false;
}

int manage_auth_check(const manage_auth_t *a, const char *header, size_t len, time_t now,
                      char *actor, size_t actor_size, const char **why)
{
    static const char sas[] = "SharedAccessSignature ", bearer[] = "Bearer ";
    *why = "missing Authorization header";
    if (!header || len == 0) return -1;
    char value[1024];
    if (len >= sizeof value || memchr(header, 0, len)) {
        *why = "malformed Authorization header";
        return -1;
    }
    memcpy(value, header, len);
    value[len] = 0;
    if (strncasecmp(value, bearer, sizeof bearer - 1) == 0) {
        const char *tok = value + sizeof bearer - 1;
        if (!equal_const_time(tok, strlen(tok), a->token, strlen(a->token))) {
            *why = "invalid bearer token";
            return -1;
        }
        snprintf(actor, actor_size, "%s (token)", a->identifier);
        return 0;
    }
    if (strncasecmp(value, sas, sizeof sas - 1) != 0) {
        *why = "unsupported authorization scheme (use SharedAccessSignature or Bearer)";
        return -1;
    }
    const char *params = value + sizeof sas - 1;
    char uid[128], ex[64], sn[256];
    if (!sas_param(params, "uid", uid, sizeof uid) || !sas_param(params, "ex", ex, sizeof ex) ||
        !sas_param(params, "sn", sn, sizeof sn)) {
        *why = "malformed SharedAccessSignature (expected uid=...&ex=...&sn=...)";
        return -1;
    }
    time_t expiry = parse_expiry(ex);
    if (expiry < 0) {
        *why = "malformed expiry (expected yyyy-MM-ddTHH:mm:ss.fffffffZ)";
        return -1;
    }
    if (expiry <= now) {
        *why = "the SharedAccessSignature has expired";
        return -1;
    }
    char *expected = sign(a->identifier, a->key, ex);
    bool ok = expected && strcmp(uid, a->identifier) == 0 &&
              equal_const_time(sn, strlen(sn), expected, strlen(expected));
    free(expected);
    if (!ok) {
        *why = "invalid SharedAccessSignature";
        return -1;
    }
    snprintf(actor, actor_size, "%s", uid);
    return 0;
}
