#include "manage/auth.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static manage_auth_t key = {"admin", "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY3ODkw", "tok-abcdefghijklmnopqrstuvwxyz0123456789ABCD"};

static int check(const char *header, time_t now, char *actor, const char **why)
{
    return manage_auth_check(&key, header, header ? strlen(header) : 0, now, actor, 64, why);
}

Test(auth, accepts_a_signature_made_the_vendors_way)
{
    /* Python: base64(hmac.new(key, b"admin\n2030-01-01T00:00:00.0000000Z", sha512)) */
    char *h = manage_auth_sas("admin", key.key, 1893456000); /* 2030-01-01T00:00:00Z */
    cr_assert(strstr(h, "uid=admin&ex=2030-01-01T00:00:00.0000000Z&sn=") != NULL, "%s", h);
    char actor[64];
    const char *why;
    cr_expect_eq(check(h, 1700000000, actor, &why), 0, "%s", why);
    cr_expect_str_eq(actor, "admin");
    free(h);
}

Test(auth, refuses_expired_tampered_and_foreign_signatures)
{
    char actor[64];
    const char *why;
    char *h = manage_auth_sas("admin", key.key, 1000);
    cr_expect_eq(check(h, 2000, actor, &why), -1);
    cr_expect_str_eq(why, "the SharedAccessSignature has expired");
    free(h);

    h = manage_auth_sas("admin", "another-key-entirely-0000000000", 1893456000);
    cr_expect_eq(check(h, 1700000000, actor, &why), -1);
    cr_expect_str_eq(why, "invalid SharedAccessSignature");
    free(h);

    h = manage_auth_sas("someone", key.key, 1893456000);
    cr_expect_eq(check(h, 1700000000, actor, &why), -1);
    free(h);

    /* the expiry is signed: changing it breaks the signature */
    h = manage_auth_sas("admin", key.key, 1893456000);
    char *ex = strstr(h, "2030");
    ex[3] = '1';
    cr_expect_eq(check(h, 1700000000, actor, &why), -1);
    cr_expect_str_eq(why, "invalid SharedAccessSignature");
    free(h);

    cr_expect_eq(check("SharedAccessSignature uid=admin&sn=x", 0, actor, &why), -1);
    cr_expect(strstr(why, "malformed") != NULL);
    cr_expect_eq(check("SharedAccessSignature uid=admin&ex=2030-01-01&sn=x", 0, actor, &why), -1);
    cr_expect(strstr(why, "expiry") != NULL);
    cr_expect_eq(check(NULL, 0, actor, &why), -1);
    cr_expect_str_eq(why, "missing Authorization header");
    cr_expect_eq(check("Basic YWRtaW46YWRtaW4=", 0, actor, &why), -1);
}

Test(auth, bearer_token)
{
    char actor[64];
    const char *why;
    cr_expect_eq(check("Bearer tok-abcdefghijklmnopqrstuvwxyz0123456789ABCD", 0, actor, &why), 0);
    cr_expect_str_eq(actor, "admin (token)");
    cr_expect_eq(check("Bearer tok-abcdefghijklmnopqrstuvwxyz0123456789ABCd", 0, actor, &why), -1);
    cr_expect_eq(check("Bearer ", 0, actor, &why), -1);
}

Test(auth, key_file_is_created_once_with_mode_0600)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/meridian-auth-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    manage_auth_t a, b;
    bool created;
    char *err;
    cr_assert_eq(manage_auth_load_or_create(dir, &a, &created, &err), 0, "%s", err);
    cr_expect(created);
    cr_expect_str_eq(a.identifier, "admin");
    cr_expect_eq(strlen(a.key), 88); /* base64 of 64 bytes */
    cr_expect_eq(strlen(a.token), 43);
    char path[128];
    snprintf(path, sizeof path, "%s/admin-key.json", dir);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600);
    cr_assert_eq(manage_auth_load_or_create(dir, &b, &created, &err), 0);
    cr_expect_not(created);
    cr_expect_str_eq(a.key, b.key);
    cr_expect_str_eq(a.token, b.token);
    unlink(path);
    rmdir(dir);
}
