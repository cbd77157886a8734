/* The region's shared counter table (region_counters.h). */
#include "gateway/region_counters.h"

#include "policy/limit_window.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

typedef struct {
    uint64_t h1, h2;    /* 0, 0: never used */
    int64_t expires_ms; /* both buckets over: the slot may take another key */
    limit_bucket_t bucket;
} counter_entry_t;

struct region_counters {
    pthread_mutex_t lock;
    size_t capacity;
    size_t mapped_bytes;
    counter_entry_t entries[];
};

/* FNV-1a with two offset bases, each finished with a 64-bit mix (splitmix64's) so that keys
 * differing in the last byte spread over the table. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t hash(const char *key, size_t len, uint64_t basis)
{
    uint64_t h = basis;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3ULL;
    }
    return mix(h);
}

region_counters_t *region_counters_create(size_t capacity)
{
    if (!capacity) capacity = REGION_COUNTERS_DEFAULT_CAPACITY;
    size_t bytes = sizeof(region_counters_t) + capacity * sizeof(counter_entry_t);
    region_counters_t *t = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED) return NULL;
    /* the mapping is zero-filled: every entry is "never used" */
    t->capacity = capacity;
    t->mapped_bytes = bytes;
    pthread_mutexattr_t attr;
    int rc = pthread_mutexattr_init(&attr);
    if (rc) goto fail_attr;
    if ((rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED)) ||
        (rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)) ||
        (rc = pthread_mutex_init(&t->lock, &attr)))
        goto fail_mutex;
    pthread_mutexattr_destroy(&attr);
    return t;

fail_mutex:
    pthread_mutexattr_destroy(&attr);
fail_attr:
    munmap(t, bytes);
    errno = rc;
    return NULL;
}

void region_counters_destroy(region_counters_t *t)
{
    if (t) munmap(t, t->mapped_bytes);
}

static void lock(region_counters_t *t)
{
    /* A unit died holding the lock: the table is still usable (each update is a few stores
     * to one entry), so take it over rather than wedge the region. */
    if (pthread_mutex_lock(&t->lock) == EOWNERDEAD) pthread_mutex_consistent(&t->lock);
}

static bool is_used(const counter_entry_t *e)
{
    return e->h1 || e->h2;
}

int region_counters_add(region_counters_t *t, const char *key, size_t key_len, int64_t now_ms,
                        int64_t origin_ms, int64_t period_ms, int64_t amount,
                        policy_counter_result_t *out)
{
    uint64_t h1 = hash(key, key_len, 0xcbf29ce484222325ULL);
    uint64_t h2 = hash(key, key_len, 0x84222325cbf29ce4ULL) | 1; /* never 0, 0 */
    size_t at = (size_t)(h1 % t->capacity);
    lock(t);
    counter_entry_t *found = NULL, *free_slot = NULL;
    for (size_t i = 0; i < REGION_COUNTERS_MAX_PROBE && i < t->capacity; i++) {
        counter_entry_t *e = &t->entries[(at + i) % t->capacity];
        if (!is_used(e)) {
            if (!free_slot) free_slot = e;
            break; /* the key was never stored past an unused slot */
        }
        if (e->h1 == h1 && e->h2 == h2) {
            found = e;
            break;
        }
        if (!free_slot && e->expires_ms <= now_ms) free_slot = e;
    }
    if (!found) {
        if (!free_slot) {
            pthread_mutex_unlock(&t->lock);
            return -ENOSPC;
        }
        found = free_slot;
        found->h1 = h1;
        found->h2 = h2;
        found->bucket = (limit_bucket_t){.index = INT64_MIN};
    }
    limit_bucket_add(&found->bucket, now_ms, origin_ms, period_ms, amount, out);
    found->expires_ms = period_ms > 0 ? out->bucket_start_ms + 2 * period_ms : INT64_MAX;
    pthread_mutex_unlock(&t->lock);
    return 0;
}

size_t region_counters_live(region_counters_t *t, int64_t now_ms)
{
    size_t n = 0;
    lock(t);
    for (size_t i = 0; i < t->capacity; i++)
        n += is_used(&t->entries[i]) && t->entries[i].expires_ms > now_ms;
    pthread_mutex_unlock(&t->lock);
    return n;
}
