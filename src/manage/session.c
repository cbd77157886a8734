/* Browser sessions, CSRF tokens and password hashing (session.h). */
#include "manage/session.h"

#include "http/cookie.h"
#include "manage/resources.h"

#include <argon2.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_IDLE_MS (30u * 60 * 1000)
#define DEFAULT_MAX_AGE_MS (12u * 3600 * 1000)

struct manage_sessions {
    pthread_mutex_t lock;
    json_t *table; /* id → {"user", "role", "csrf", "born", "seen"} */
    uint64_t idle_ms, max_age_ms;
};

manage_sessions_t *manage_sessions_new(uint64_t idle_ms, uint64_t max_age_ms)
{
    manage_sessions_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    pthread_mutex_init(&s->lock, NULL);
    s->table = json_object();
    if (!s->table) abort();
    s->idle_ms = idle_ms ? idle_ms : DEFAULT_IDLE_MS;
    s->max_age_ms = max_age_ms ? max_age_ms : DEFAULT_MAX_AGE_MS;
    return s;
}

void manage_sessions_free(manage_sessions_t *s)
{
    if (!s) return;
    json_decref(s->table);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

size_t manage_sessions_count(manage_sessions_t *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = json_object_size(s->table);
    pthread_mutex_unlock(&s->lock);
    return n;
}

static uint64_t num(const json_t *o, const char *k)
{
    return (uint64_t)json_integer_value(json_object_get(o, k));
}

static bool is_expired(const manage_sessions_t *s, const json_t *v, uint64_t now_ms)
{
    return now_ms - num(v, "seen") > s->idle_ms || now_ms - num(v, "born") > s->max_age_ms;
}

static void copy_out(const char *id, const json_t *v, manage_session_t *out)
{
    snprintf(out->id, sizeof out->id, "%s", id);
    snprintf(out->csrf, sizeof out->csrf, "%s", json_string_value(json_object_get(v, "csrf")));
    snprintf(out->user, sizeof out->user, "%s", json_string_value(json_object_get(v, "user")));
    snprintf(out->role, sizeof out->role, "%s", json_string_value(json_object_get(v, "role")));
}

typedef struct {
    uint64_t seen;
    bool is_anonymous;
    char *id;
} victim_t;

/* Anonymous first, then least recently used first. */
static int victim_order(const void *a, const void *b)
{
    const victim_t *x = a, *y = b;
    if (x->is_anonymous != y->is_anonymous) return x->is_anonymous ? -1 : 1;
    return x->seen < y->seen ? -1 : x->seen > y->seen;
}

/* Drops expired sessions; when still full, a tenth of the table: anonymous sessions
 * first (least recently used first), signed-in ones only when there are not enough of
 * those — a flood of anonymous sessions (one per GET without a cookie) cannot sign
 * anybody out. One sort per tenth, not a scan per request. Lock held. */
static void make_room(manage_sessions_t *s, uint64_t now_ms)
{
    if (json_object_size(s->table) < MANAGE_SESSION_MAX) return;
    const char *id;
    json_t *v, *tmp;
    json_object_foreach_safe(s->table, tmp, id, v)
    {
        if (is_expired(s, v, now_ms)) json_object_del(s->table, id);
    }
    size_t n = json_object_size(s->table), target = MANAGE_SESSION_MAX - MANAGE_SESSION_MAX / 10;
    if (n <= target) return;
    victim_t *all = malloc(n * sizeof *all);
    if (!all) abort();
    size_t i = 0;
    json_object_foreach(s->table, id, v)
    {
        all[i++] = (victim_t){num(v, "seen"), !*json_string_value(json_object_get(v, "user")), (char *)id};
    }
    qsort(all, n, sizeof *all, victim_order);
    /* Keys are owned by the table: copy the ones to delete before deleting any. */
    size_t drop = n - target;
    for (i = 0; i < drop; i++) {
        all[i].id = strdup(all[i].id);
        if (!all[i].id) abort();
    }
    for (i = 0; i < drop; i++) {
        json_object_del(s->table, all[i].id);
        free(all[i].id);
    }
    free(all);
}

int manage_session_lookup(manage_sessions_t *s, const char *cookie_header, uint64_t now_ms,
                          manage_session_t *out)
{
    char id[64];
    if (!cookie_header || !http_cookie_value(slice_make(cookie_header, strlen(cookie_header)),
                                             MANAGE_SESSION_COOKIE, id, sizeof id))
        return -1;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    json_t *v = json_object_get(s->table, id);
    if (v && is_expired(s, v, now_ms)) {
        json_object_del(s->table, id);
        v = NULL;
    }
    if (v) {
        json_object_set_new(v, "seen", json_integer((json_int_t)now_ms));
        copy_out(id, v, out);
        rc = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Lock held. */
static void create_locked(manage_sessions_t *s, const char *user, const char *role,
                          uint64_t now_ms, manage_session_t *out)
{
    make_room(s, now_ms);
    char *id = manage_random_base64(32, true);
    char *csrf = manage_random_base64(32, true);
    json_t *v = json_pack("{s:s, s:s, s:s, s:I, s:I}", "user", user ? user : "", "role",
                          role ? role : "", "csrf", csrf, "born", (json_int_t)now_ms, "seen",
                          (json_int_t)now_ms);
    if (!v) abort();
    json_object_set_new(s->table, id, v);
    copy_out(id, v, out);
    free(id);
    free(csrf);
}

void manage_session_create(manage_sessions_t *s, const char *user, const char *role,
                           uint64_t now_ms, manage_session_t *out)
{
    pthread_mutex_lock(&s->lock);
    create_locked(s, user, role, now_ms, out);
    pthread_mutex_unlock(&s->lock);
}

void manage_session_sign_in(manage_sessions_t *s, const char *old_id, const char *user,
                            const char *role, uint64_t now_ms, manage_session_t *out)
{
    pthread_mutex_lock(&s->lock);
    if (old_id && *old_id) json_object_del(s->table, old_id);
    create_locked(s, user, role, now_ms, out);
    pthread_mutex_unlock(&s->lock);
}

void manage_session_end(manage_sessions_t *s, const char *id)
{
    if (!id || !*id) return;
    pthread_mutex_lock(&s->lock);
    json_object_del(s->table, id);
    pthread_mutex_unlock(&s->lock);
}

void manage_session_end_user(manage_sessions_t *s, const char *user)
{
    if (!user || !*user) return;
    pthread_mutex_lock(&s->lock);
    const char *id;
    json_t *v, *tmp;
    json_object_foreach_safe(s->table, tmp, id, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "user")), user) == 0)
            json_object_del(s->table, id);
    }
    pthread_mutex_unlock(&s->lock);
}

bool manage_session_is_safe_method(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
           strcmp(method, "OPTIONS") == 0;
}

bool manage_session_csrf_ok(const manage_session_t *sess, const char *header_value)
{
    if (!sess || !header_value || !sess->csrf[0]) return false;
    size_t n = strlen(sess->csrf);
    if (strlen(header_value) != n) return false;
    return CRYPTO_memcmp(sess->csrf, header_value, n) == 0;
}

size_t manage_session_cookie(const manage_session_t *sess, bool is_secure, char *out, size_t n)
{
    int len = snprintf(out, n, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", MANAGE_SESSION_COOKIE,
                       sess->id, is_secure ? "; Secure" : "");
    return len < 0 ? 0 : (size_t)len;
}

size_t manage_session_cookie_clear(bool is_secure, char *out, size_t n)
{
    int len = snprintf(out, n, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                       MANAGE_SESSION_COOKIE, is_secure ? "; Secure" : "");
    return len < 0 ? 0 : (size_t)len;
}

/* ---- passwords ---- */

/* OWASP's Argon2id minimum (m=19 MiB, t=2, p=1). */
#define ARGON_T 2
#define ARGON_M_KIB 19456
#define ARGON_P 1
#define ARGON_SALT 16
#define ARGON_TAG 32

int manage_password_hash(const char *password, size_t len, char *out, size_t n)
{
    if (len > MANAGE_PASSWORD_MAX) return -1;
    unsigned char salt[ARGON_SALT];
    if (RAND_bytes(salt, sizeof salt) != 1) return -1;
    size_t need = argon2_encodedlen(ARGON_T, ARGON_M_KIB, ARGON_P, ARGON_SALT, ARGON_TAG, Argon2_id);
    if (need > n) return -1;
    int rc = argon2id_hash_encoded(ARGON_T, ARGON_M_KIB, ARGON_P, password, len, salt, sizeof salt,
                                   ARGON_TAG, out, n);
    OPENSSL_cleanse(salt, sizeof salt);
    return rc == ARGON2_OK ? 0 : -1;
}

bool manage_password_verify(const char *encoded, const char *password, size_t len)
{
    if (!encoded || strncmp(encoded, "$argon2id$", 10) != 0 || len > MANAGE_PASSWORD_MAX)
        return false;
    return argon2id_verify(encoded, password, len) == ARGON2_OK;
}
