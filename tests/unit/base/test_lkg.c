#include "base/lkg.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char token[] = "GatewayKey eastasia&202612240000&c2lnbmF0dXJl";
static const char snapshot[] = "{\"revision\": 7, \"service\": {\"name\": \"s\"}}";

static char *make_dir(void)
{
    char *dir = strdup("/tmp/meridian-test-lkg-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static char *file_in(const char *dir, const char *name)
{
    char *p;
    cr_assert_geq(asprintf(&p, "%s/%s", dir, name), 0);
    return p;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void remove_dir(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char *p = file_in(dir, e->d_name);
        unlink(p);
        free(p);
    }
    if (d) closedir(d);
    rmdir(dir);
    free(dir);
}

Test(signature, matches_a_known_hmac_sha256)
{
    /* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?". */
    char sig[LKG_SIGNATURE_MAX];
    cr_assert_eq(lkg_signature_compute("Jefe", "what do ya want for nothing?", 28, sig), 0);
    cr_assert_str_eq(sig, "hmac-sha256=W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    cr_assert(lkg_signature_verify("Jefe", "what do ya want for nothing?", 28, sig, strlen(sig)));
    cr_assert_not(lkg_signature_verify("Jeff", "what do ya want for nothing?", 28, sig, strlen(sig)),
                  "another token");
    cr_assert_not(lkg_signature_verify("Jefe", "what do ya want for nothing!", 28, sig, strlen(sig)),
                  "another body");
    cr_assert_not(lkg_signature_verify("Jefe", "what do ya want for nothing?", 28, sig, strlen(sig) - 1),
                  "a truncated signature");
    cr_assert_not(lkg_signature_verify("Jefe", "what do ya want for nothing?", 28, "", 0));
}

Test(lkg, round_trips_with_header_line_and_no_temp_file_left)
{
    char *dir = make_dir();
    char *err = NULL;
    cr_assert_eq(lkg_write(dir, token, 7, snapshot, strlen(snapshot), &err), 0, "%s", err);
    char *path = file_in(dir, LKG_FILE);
    size_t len = 0;
    char *text = slurp(path, &len);
    char sig[LKG_SIGNATURE_MAX];
    lkg_signature_compute(token, snapshot, strlen(snapshot), sig);
    char *expected;
    cr_assert_geq(asprintf(&expected, "{\"revision\": 7, \"signature\": \"%s\"}\n%s", sig, snapshot), 0);
    cr_assert_str_eq(text, expected);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "the file holds keys: owner-only");

    lkg_t l;
    cr_assert_eq(lkg_read(dir, token, &l, &err), 0, "%s", err);
    cr_assert_eq(l.revision, 7);
    cr_assert_eq(l.len, strlen(snapshot));
    cr_assert_str_eq(l.body, snapshot);
    cr_assert_str_eq(l.signature, sig);
    lkg_free(&l);

    /* A second write replaces the first; only the final file remains. */
    cr_assert_eq(lkg_write(dir, token, 8, "{}", 2, &err), 0, "%s", err);
    cr_assert_eq(lkg_read(dir, token, &l, &err), 0, "%s", err);
    cr_assert_eq(l.revision, 8);
    cr_assert_str_eq(l.body, "{}");
    lkg_free(&l);
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) files++;
    closedir(d);
    cr_assert_eq(files, 1, "temp files must not be left behind");
    free(expected);
    free(path);
    remove_dir(dir);
}

Test(lkg, missing_file_is_enoent)
{
    char *dir = make_dir();
    lkg_t l;
    char *err = NULL;
    cr_assert_eq(lkg_read(dir, token, &l, &err), -ENOENT);
    cr_assert_not_null(strstr(err, "cannot open"), "%s", err);
    cr_assert_null(l.body);
    free(err);
    remove_dir(dir);
}

/* Rewrites the file with `edit` applied and expects the read to be refused with `why`. */
static void expect_refused(const char *dir, const char *content, size_t len, const char *why)
{
    char *path = file_in(dir, LKG_FILE);
    spit(path, content, len);
    lkg_t l;
    char *err = NULL;
    int rc = lkg_read(dir, token, &l, &err);
    cr_assert_lt(rc, 0, "accepted: %.*s", (int)len, content);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err, why), "message \"%s\" lacks \"%s\"", err, why);
    cr_assert_null(l.body, "never half-loaded");
    free(err);
    free(path);
}

Test(lkg, refuses_tampered_truncated_unsigned_and_foreign_files)
{
    char *dir = make_dir();
    char *err = NULL;
    cr_assert_eq(lkg_write(dir, token, 7, snapshot, strlen(snapshot), &err), 0, "%s", err);
    char *path = file_in(dir, LKG_FILE);
    size_t len = 0;
    char good[4096];
    const char *read_back = slurp(path, &len);
    memcpy(good, read_back, len + 1);

    char bad[4096];
    memcpy(bad, good, len + 1);
    char *digit = strstr(strchr(bad, '\n'), "7");
    *digit = '9'; /* one byte of the snapshot changed */
    expect_refused(dir, bad, len, "does not match");

    expect_refused(dir, good, len - 5, "does not match");                  /* truncated body */
    expect_refused(dir, good, 20, "no header line");                       /* truncated header */
    expect_refused(dir, snapshot, strlen(snapshot), "no header line");     /* a bare snapshot */
    const char unsigned_file[] = "{\"revision\": 7}\n{}";
    expect_refused(dir, unsigned_file, strlen(unsigned_file), "not {\"revision\"");
    const char empty_sig[] = "{\"revision\": 7, \"signature\": \"\"}\n{}";
    expect_refused(dir, empty_sig, strlen(empty_sig), "unsigned");
    const char garbage[] = "\x01\x02not json\n{}";
    expect_refused(dir, garbage, strlen(garbage), "header line");
    expect_refused(dir, "", 0, "no header line");

    /* Signed with another token: a unit of another region, or a forged file. */
    cr_assert_eq(lkg_write(dir, "GatewayKey other&1&x", 7, snapshot, strlen(snapshot), &err), 0);
    lkg_t l;
    cr_assert_lt(lkg_read(dir, token, &l, &err), 0);
    cr_assert_not_null(strstr(err, "another token"), "%s", err);
    free(err);
    free(path);
    remove_dir(dir);
}

Test(lkg, write_into_a_missing_directory_fails_with_the_path)
{
    char *err = NULL;
    int rc = lkg_write("/nonexistent-meridian-dir", token, 1, "{}", 2, &err);
    cr_assert_eq(rc, -ENOENT);
    cr_assert_not_null(strstr(err, "/nonexistent-meridian-dir/"), "%s", err);
    free(err);
}

static char *write_temp(const char *content)
{
    char *path = strdup("/tmp/meridian-token-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

Test(lkg, token_file_is_read_without_surrounding_whitespace)
{
    char *path = write_temp("  \nGatewayKey westus&202612240000&abc=\n\n");
    char *err = NULL;
    char *t = lkg_read_token_file(path, &err);
    cr_assert_str_eq(t, "GatewayKey westus&202612240000&abc=");
    cr_assert(lkg_token_is_header_safe(t));
    cr_assert_not(lkg_token_is_header_safe("a\rb"));
    free(t);
    unlink(path);
    free(path);
}

Test(lkg, token_file_errors_name_the_file)
{
    char *path = write_temp(" \n\t");
    char *err = NULL;
    cr_assert_null(lkg_read_token_file(path, &err));
    cr_assert_not_null(strstr(err, "is empty"), "%s", err);
    cr_assert_not_null(strstr(err, path), "%s", err);
    free(err);
    err = NULL;
    cr_assert_null(lkg_read_token_file("/nonexistent-meridian/token", &err));
    cr_assert_not_null(strstr(err, "cannot read the token file /nonexistent-meridian/token"), "%s", err);
    free(err);
    unlink(path);
    free(path);
}
