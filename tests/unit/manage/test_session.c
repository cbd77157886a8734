/* Browser sessions, CSRF tokens, cookies and password hashing (manage/session.h). */
#include "manage/session.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static char *cookie_header(const manage_session_t *s)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "other=1; %s=%s; last=2", MANAGE_SESSION_COOKIE, s->id);
    return buf;
}

Test(session, create_and_lookup)
{
    manage_sessions_t *t = manage_sessions_new(0, 0);
    manage_session_t s, found;
    manage_session_create(t, "dev-1", "developer", 1000, &s);
    cr_assert_eq(strlen(s.id), 43); /* 32 bytes, base64url without padding */
    cr_assert_eq(strlen(s.csrf), 43);
    cr_assert_neq(strcmp(s.id, s.csrf), 0);
    cr_assert_eq(manage_session_lookup(t, cookie_header(&s), 2000, &found), 0);
    cr_assert_str_eq(found.user, "dev-1");
    cr_assert_str_eq(found.role, "developer");
    cr_assert_str_eq(found.csrf, s.csrf);
    cr_assert_eq(manage_sessions_count(t), 1);
    manage_sessions_free(t);
}

Test(session, unknown_missing_and_malformed_cookies_find_nothing)
{
    manage_sessions_t *t = manage_sessions_new(0, 0);
    manage_session_t s, found;
    manage_session_create(t, NULL, NULL, 0, &s);
    cr_assert_eq(manage_session_lookup(t, NULL, 0, &found), -1);
    cr_assert_eq(manage_session_lookup(t, "", 0, &found), -1);
    cr_assert_eq(manage_session_lookup(t, "meridian_session=attacker-chosen-id", 0, &found), -1);
    cr_assert_eq(manage_session_lookup(t, "xmeridian_session=x", 0, &found), -1);
    cr_assert_eq(manage_session_lookup(t, "meridian_session=", 0, &found), -1);
    /* An anonymous session: found, with no user. */
    cr_assert_eq(manage_session_lookup(t, cookie_header(&s), 0, &found), 0);
    cr_assert_str_eq(found.user, "");
    manage_sessions_free(t);
}

Test(session, sign_in_rotates_the_id_and_the_token)
{
    manage_sessions_t *t = manage_sessions_new(0, 0);
    manage_session_t anon, signed_in, found;
    manage_session_create(t, NULL, NULL, 0, &anon);
    char old_cookie[256];
    snprintf(old_cookie, sizeof old_cookie, "%s", cookie_header(&anon));
    manage_session_sign_in(t, anon.id, "dev-2", "developer", 10, &signed_in);
    cr_assert_neq(strcmp(anon.id, signed_in.id), 0);
    cr_assert_neq(strcmp(anon.csrf, signed_in.csrf), 0);
    /* The id the browser had before (perhaps planted by an attacker) is gone. */
    cr_assert_eq(manage_session_lookup(t, old_cookie, 20, &found), -1);
    cr_assert_eq(manage_session_lookup(t, cookie_header(&signed_in), 20, &found), 0);
    cr_assert_str_eq(found.user, "dev-2");
    cr_assert_eq(manage_sessions_count(t), 1);
    manage_session_end(t, signed_in.id);
    cr_assert_eq(manage_session_lookup(t, cookie_header(&signed_in), 30, &found), -1);
    manage_sessions_free(t);
}

Test(session, idle_and_absolute_expiry)
{
    manage_sessions_t *t = manage_sessions_new(100, 1000);
    manage_session_t s, found;
    manage_session_create(t, "u", "developer", 0, &s);
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s", cookie_header(&s));
    for (uint64_t now = 90; now <= 990; now += 90)
        cr_assert_eq(manage_session_lookup(t, cookie, now, &found), 0, "at %llu", (unsigned long long)now);
    cr_assert_eq(manage_session_lookup(t, cookie, 1001, &found), -1, "past the absolute lifetime");
    manage_session_create(t, "u", "developer", 2000, &s);
    snprintf(cookie, sizeof cookie, "%s", cookie_header(&s));
    cr_assert_eq(manage_session_lookup(t, cookie, 2101, &found), -1, "idle too long");
    manage_sessions_free(t);
}

Test(session, end_user_ends_all_of_them)
{
    manage_sessions_t *t = manage_sessions_new(0, 0);
    manage_session_t a, b, c;
    manage_session_create(t, "u1", "developer", 0, &a);
    manage_session_create(t, "u1", "developer", 0, &b);
    manage_session_create(t, "u2", "developer", 0, &c);
    manage_session_end_user(t, "u1");
    cr_assert_eq(manage_sessions_count(t), 1);
    manage_session_t found;
    cr_assert_eq(manage_session_lookup(t, cookie_header(&c), 0, &found), 0);
    manage_sessions_free(t);
}

Test(session, csrf)
{
    manage_session_t s;
    manage_sessions_t *t = manage_sessions_new(0, 0);
    manage_session_create(t, NULL, NULL, 0, &s);
    cr_assert(manage_session_csrf_ok(&s, s.csrf));
    cr_assert_not(manage_session_csrf_ok(&s, NULL));
    cr_assert_not(manage_session_csrf_ok(&s, ""));
    char wrong[64];
    snprintf(wrong, sizeof wrong, "%s", s.csrf);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    cr_assert_not(manage_session_csrf_ok(&s, wrong));
    wrong[strlen(wrong) - 1] = 0;
    cr_assert_not(manage_session_csrf_ok(&s, wrong));
    cr_assert_not(manage_session_csrf_ok(NULL, s.csrf));
    cr_assert(manage_session_is_safe_method("GET"));
    cr_assert(manage_session_is_safe_method("HEAD"));
    cr_assert_not(manage_session_is_safe_method("POST"));
    cr_assert_not(manage_session_is_safe_method("DELETE"));
    manage_sessions_free(t);
}

Test(session, cookies)
{
    manage_session_t s = {.id = "abc"};
    char out[256];
    manage_session_cookie(&s, false, out, sizeof out);
    cr_assert_str_eq(out, "meridian_session=abc; Path=/; HttpOnly; SameSite=Strict");
    manage_session_cookie(&s, true, out, sizeof out);
    cr_assert_str_eq(out, "meridian_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure");
    manage_session_cookie_clear(false, out, sizeof out);
    cr_assert_str_eq(out, "meridian_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

Test(session, passwords)
{
    char hash[MANAGE_PASSWORD_HASH_MAX], again[MANAGE_PASSWORD_HASH_MAX];
    const char *pw = "correct horse battery staple";
    cr_assert_eq(manage_password_hash(pw, strlen(pw), hash, sizeof hash), 0);
    cr_assert_eq(strncmp(hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0, "%s", hash);
    cr_assert_null(strstr(hash, pw));
    cr_assert(manage_password_verify(hash, pw, strlen(pw)));
    cr_assert_not(manage_password_verify(hash, "correct horse battery stapl", 27));
    cr_assert_not(manage_password_verify(hash, "", 0));
    /* A fresh salt every time. */
    cr_assert_eq(manage_password_hash(pw, strlen(pw), again, sizeof again), 0);
    cr_assert_neq(strcmp(hash, again), 0);
    /* Not an Argon2id string, too long a password, too small a buffer. */
    cr_assert_not(manage_password_verify("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA", pw, strlen(pw)));
    cr_assert_not(manage_password_verify(NULL, pw, strlen(pw)));
    static char big[MANAGE_PASSWORD_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    cr_assert_eq(manage_password_hash(big, strlen(big), hash, sizeof hash), -1);
    cr_assert_eq(manage_password_hash(pw, strlen(pw), hash, 20), -1);
}

Test(session, a_flood_of_anonymous_sessions_signs_nobody_out)
{
    manage_sessions_t *t = manage_sessions_new(0, 0);
    manage_session_t signed_in, s, found;
    manage_session_create(t, "dev-1", "developer", 0, &signed_in);
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s", cookie_header(&signed_in));
    for (uint64_t i = 1; i <= MANAGE_SESSION_MAX + 10; i++) manage_session_create(t, NULL, NULL, i, &s);
    cr_assert_leq(manage_sessions_count(t), MANAGE_SESSION_MAX);
    cr_assert_geq(manage_sessions_count(t), MANAGE_SESSION_MAX - MANAGE_SESSION_MAX / 10);
    cr_assert_eq(manage_session_lookup(t, cookie, MANAGE_SESSION_MAX + 20, &found), 0,
                 "the signed-in session was evicted");
    cr_assert_str_eq(found.user, "dev-1");
    /* The newest anonymous session is still there (the oldest went first). */
    cr_assert_eq(manage_session_lookup(t, cookie_header(&s), MANAGE_SESSION_MAX + 20, &found), 0);
    manage_sessions_free(t);
}
