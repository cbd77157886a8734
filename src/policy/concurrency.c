/* concurrency: the limit-concurrency counter table and step functions (concurrency.h). */
#include "policy/concurrency.h"

#include "policy/policies_support.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A small chained hash table; entries are removed when their count drops to zero, so its
 * size follows the keys in use, not every key ever seen. */
typedef struct entry {
    struct entry *next;
    long count;
    size_t len;
    char key[];
} entry_t;

#define BUCKETS 256

static entry_t *buckets[BUCKETS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t bucket_of(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)key[i]) * 1099511628211ULL;
    return (size_t)(h % BUCKETS);
}

static entry_t **find(const char *key, size_t len)
{
    entry_t **at = &buckets[bucket_of(key, len)];
    while (*at && !((*at)->len == len && memcmp((*at)->key, key, len) == 0)) at = &(*at)->next;
    return at;
}

int policy_concurrency_acquire(const char *key, size_t len, long max_count)
{
    int rc = 0;
    pthread_mutex_lock(&table_lock);
    entry_t **at = find(key, len);
    if (!*at) {
        entry_t *e = calloc(1, sizeof *e + len + 1);
        if (!e) {
            rc = -ENOMEM;
            goto done;
        }
        memcpy(e->key, key, len);
        e->len = len;
        *at = e;
    }
    if ((*at)->count >= max_count) rc = -EBUSY;
    else (*at)->count++;
    if ((*at)->count == 0) { /* a new entry that could not take a slot (max_count <= 0) */
        entry_t *e = *at;
        *at = e->next;
        free(e);
    }
done:
    pthread_mutex_unlock(&table_lock);
    return rc;
}

void policy_concurrency_release(const char *key, size_t len)
{
    pthread_mutex_lock(&table_lock);
    entry_t **at = find(key, len);
    if (*at && --(*at)->count <= 0) {
        entry_t *e = *at;
        *at = e->next;
        free(e);
    }
    pthread_mutex_unlock(&table_lock);
}

long policy_concurrency_count(const char *key, size_t len)
{
    pthread_mutex_lock(&table_lock);
    entry_t **at = find(key, len);
    long n = *at ? (*at)->count : 0;
    pthread_mutex_unlock(&table_lock);
    return n;
}

/* ---- step functions ---- */

typedef struct {
    policy_value_t key;
    int64_t max_count;
} limit_t;

typedef struct {
    const char *key; /* the slot this request holds; NULL once given back */
    size_t len;
} held_t;

int policy_limit_concurrency_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                     const void **data, policy_doc_error_t *err)
{
    limit_t *l = arena_alloc(cc->arena, sizeof *l);
    if (!l) return -ENOMEM;
    policy_value_t max;
    int rc;
    if ((rc = policy_compile_attr(cc, element, "key", POLICY_VALUE_STRING, &l->key, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "max-count", POLICY_VALUE_INT, &max, err)) < 0)
        return rc;
    l->max_count = max.number; /* literal (no-expr in the descriptor) */
    *data = l;
    return 0;
}

int policy_limit_concurrency_enter(policy_exec_t *exec, const policy_step_t *step)
{
    const limit_t *l = step->data;
    const char *key;
    size_t len;
    if (policy_value_string(exec, step, &l->key, &key, &len) < 0) return -1;
    held_t *held = arena_alloc(exec->arena, sizeof *held);
    /* LEAVE shares this step's state slot (exec_compile.c) */
    void **slot = policy_exec_step_state(exec, step);
    if (!held || !slot) return policy_exec_raise_oom(exec, step);
    int rc = policy_concurrency_acquire(key, len, (long)l->max_count);
    if (rc == -ENOMEM) return policy_exec_raise_oom(exec, step);
    if (rc == -EBUSY)
        return policy_exec_raise(exec, step, NULL, 429, "ConcurrencyLimitExceeded",
                                 "Too many requests",
                                 "Too many requests: %lld requests already run with key '%.*s'.",
                                 (long long)l->max_count, (int)(len > 200 ? 200 : len), key);
    *held = (held_t){.key = key, .len = len};
    *slot = held;
    return POLICY_RUN_NEXT;
}

int policy_limit_concurrency_leave(policy_exec_t *exec, const policy_step_t *step)
{
    void **slot = policy_exec_step_state(exec, step);
    held_t *held = slot ? *slot : NULL;
    if (held && held->key) {
        policy_concurrency_release(held->key, held->len);
        held->key = NULL;
    }
    return POLICY_RUN_NEXT;
}
