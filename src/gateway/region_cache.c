/* region_cache: a shared-memory LRU cache with a buddy allocator (region_cache.h).
 *
 * Layout of the segment: the header (lock, counters, LRU ends, free lists), the hash
 * buckets, then the arena of blocks. Everything inside refers to blocks by index (offset
 * in the arena / 64) so that the segment means the same at any address. The arena is a row
 * of top blocks of 4 MiB; a top block splits into halves down to 64 bytes, and a freed
 * block merges with its buddy (index ^ its size) while that one is free and of its order:
 * allocation and free are O(orders), with no search through free space. */
#include "gateway/region_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BLOCK_SHIFT 6 /* 64-byte minimum block */
#define TOP_ORDER 16  /* 64 << 16 = 4 MiB */
#define ORDERS (TOP_ORDER + 1)
#define TOP_BYTES ((uint64_t)1 << (BLOCK_SHIFT + TOP_ORDER))
#define NIL UINT32_MAX
#define MAGIC 0x4d52434348u /* "MRCCH" */

enum { BLOCK_FREE = 1, BLOCK_USED = 2 };

/* The head of every block. Free blocks use prev/next for their order's free list; used
 * ones for the LRU list (head = most recent). */
typedef struct {
    uint8_t order;
    uint8_t state;
    uint16_t unused;
    uint32_t key_len;
    uint32_t value_len;
    uint32_t prev, next;
    uint32_t hash_next; /* bucket chain */
    uint64_t hash;
    uint64_t expires_ms;
    uint64_t pad; /* data starts 48 bytes in, 16-aligned */
} block_t;

_Static_assert(sizeof(block_t) == 48, "block header is 48 bytes");
_Static_assert(REGION_CACHE_MAX_ENTRY <= TOP_BYTES - sizeof(block_t), "an entry fits a top block");

typedef struct {
    uint64_t magic;
    pthread_mutex_t lock;
    uint64_t budget, used, entries, hits, misses, evictions, recoveries, generation;
    uint32_t top_count;
    uint32_t bucket_mask;
    uint32_t lru_head, lru_tail;
    uint32_t free_head[ORDERS];
} header_t;

struct region_cache {
    header_t *h;
    uint32_t *buckets;
    unsigned char *arena;
    size_t map_len;
};

static inline block_t *block_at(const region_cache_t *c, uint32_t index)
{
    return (block_t *)(c->arena + ((size_t)index << BLOCK_SHIFT));
}

static inline unsigned char *block_data(block_t *b)
{
    return (unsigned char *)(b + 1);
}

/* ---- free lists ---- */

static void free_push(region_cache_t *c, uint32_t index, unsigned order)
{
    block_t *b = block_at(c, index);
    b->order = (uint8_t)order;
    b->state = BLOCK_FREE;
    b->prev = NIL;
    b->next = c->h->free_head[order];
    if (b->next != NIL) block_at(c, b->next)->prev = index;
    c->h->free_head[order] = index;
}

static void free_unlink(region_cache_t *c, uint32_t index)
{
    block_t *b = block_at(c, index);
    if (b->prev != NIL) block_at(c, b->prev)->next = b->next;
    else c->h->free_head[b->order] = b->next;
    if (b->next != NIL) block_at(c, b->next)->prev = b->prev;
}

static uint32_t buddy_alloc(region_cache_t *c, unsigned order)
{
    unsigned j = order;
    while (j <= TOP_ORDER && c->h->free_head[j] == NIL) j++;
    if (j > TOP_ORDER) return NIL;
    uint32_t index = c->h->free_head[j];
    free_unlink(c, index);
    while (j > order) {
        j--;
        free_push(c, index + ((uint32_t)1 << j), j); /* the upper half stays free */
    }
    block_t *b = block_at(c, index);
    b->order = (uint8_t)order;
    b->state = BLOCK_USED;
    return index;
}

static void buddy_free(region_cache_t *c, uint32_t index)
{
    unsigned order = block_at(c, index)->order;
    while (order < TOP_ORDER) {
        uint32_t buddy = index ^ ((uint32_t)1 << order);
        block_t *bb = block_at(c, buddy);
        /* The buddy's start is always a block start (buddy system invariant), so its
         * header is meaningful: free and whole means the two merge. */
        if (bb->state != BLOCK_FREE || bb->order != order) break;
        free_unlink(c, buddy);
        if (buddy < index) index = buddy;
        order++;
    }
    free_push(c, index, order);
}

/* ---- the index: buckets and LRU ---- */

static void lru_unlink(region_cache_t *c, uint32_t index)
{
    block_t *b = block_at(c, index);
    if (b->prev != NIL) block_at(c, b->prev)->next = b->next;
    else c->h->lru_head = b->next;
    if (b->next != NIL) block_at(c, b->next)->prev = b->prev;
    else c->h->lru_tail = b->prev;
}

static void lru_push_head(region_cache_t *c, uint32_t index)
{
    block_t *b = block_at(c, index);
    b->prev = NIL;
    b->next = c->h->lru_head;
    if (b->next != NIL) block_at(c, b->next)->prev = index;
    else c->h->lru_tail = index;
    c->h->lru_head = index;
}

/* The entry for key, or NIL; *link points at the chain slot that refers to it. */
static uint32_t find(region_cache_t *c, const void *key, size_t key_len, uint64_t hash,
                     uint32_t **link)
{
    uint32_t *slot = &c->buckets[hash & c->h->bucket_mask];
    while (*slot != NIL) {
        block_t *b = block_at(c, *slot);
        if (b->hash == hash && b->key_len == key_len && memcmp(block_data(b), key, key_len) == 0) {
            if (link) *link = slot;
            return *slot;
        }
        slot = &b->hash_next;
    }
    return NIL;
}

/* Unlinks and frees the entry that *link refers to. */
static void drop(region_cache_t *c, uint32_t *link)
{
    uint32_t index = *link;
    block_t *b = block_at(c, index);
    *link = b->hash_next;
    lru_unlink(c, index);
    c->h->used -= (uint64_t)1 << (BLOCK_SHIFT + b->order);
    c->h->entries--;
    buddy_free(c, index);
}

static void drop_index(region_cache_t *c, uint32_t index)
{
    block_t *b = block_at(c, index);
    uint32_t *slot = &c->buckets[b->hash & c->h->bucket_mask];
    while (*slot != index) slot = &block_at(c, *slot)->hash_next;
    drop(c, slot);
}

/* Every block free, every bucket empty: start-up, purges, recovery after a dead owner. */
static void reset(region_cache_t *c)
{
    header_t *h = c->h;
    for (unsigned o = 0; o < ORDERS; o++) h->free_head[o] = NIL;
    memset(c->buckets, 0xff, ((size_t)h->bucket_mask + 1) * sizeof *c->buckets);
    h->lru_head = h->lru_tail = NIL;
    h->used = h->entries = 0;
    for (uint32_t t = h->top_count; t-- > 0;) free_push(c, t << TOP_ORDER, TOP_ORDER);
}

static int lock(region_cache_t *c)
{
    int rc = pthread_mutex_lock(&c->h->lock);
    if (rc == EOWNERDEAD) {
        /* A unit died inside a critical section: its lists may be half-linked. */
        reset(c);
        c->h->recoveries++;
        pthread_mutex_consistent(&c->h->lock);
        return 0;
    }
    return rc == 0 ? 0 : -EIO;
}

static void unlock(region_cache_t *c)
{
    pthread_mutex_unlock(&c->h->lock);
}

/* ---- public ---- */

region_cache_t *region_cache_create(uint64_t budget)
{
    if (budget == 0) budget = REGION_CACHE_DEFAULT_BUDGET;
    if (budget < REGION_CACHE_MIN_BUDGET) budget = REGION_CACHE_MIN_BUDGET;
    uint64_t tops = (budget + TOP_BYTES - 1) / TOP_BYTES;
    if (tops > (UINT32_MAX >> TOP_ORDER)) {
        errno = EINVAL;
        return NULL;
    }
    /* About one bucket per 512 bytes of budget: short chains for small entries. */
    uint64_t buckets = 1024;
    while (buckets < tops * TOP_BYTES / 512) buckets <<= 1;
    size_t header_len = (sizeof(header_t) + 63) & ~(size_t)63;
    size_t buckets_len = ((size_t)buckets * sizeof(uint32_t) + 63) & ~(size_t)63;
    size_t map_len = header_len + buckets_len + (size_t)(tops * TOP_BYTES);
    void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (map == MAP_FAILED) return NULL;
    region_cache_t *c = calloc(1, sizeof *c);
    if (!c) goto fail_alloc;
    c->h = map;
    c->buckets = (uint32_t *)((unsigned char *)map + header_len);
    c->arena = (unsigned char *)map + header_len + buckets_len;
    c->map_len = map_len;
    header_t *h = c->h;
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0) goto fail_attr;
    if (pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) != 0 ||
        pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) != 0 ||
        pthread_mutex_init(&h->lock, &attr) != 0) {
        pthread_mutexattr_destroy(&attr);
        goto fail_attr;
    }
    pthread_mutexattr_destroy(&attr);
    h->magic = MAGIC;
    h->budget = tops * TOP_BYTES;
    h->top_count = (uint32_t)tops;
    h->bucket_mask = (uint32_t)(buckets - 1);
    reset(c);
    return c;

fail_attr:
    free(c);
    errno = ENOMEM;
fail_alloc:
    munmap(map, map_len);
    return NULL;
}

void region_cache_destroy(region_cache_t *c)
{
    if (!c) return;
    munmap(c->h, c->map_len);
    free(c);
}

uint64_t region_cache_hash(const void *data, size_t len)
{
    /* 8 bytes at a time, multiply-xorshift mixing, then the MurmurHash3 finaliser. */
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (len * 0xff51afd7ed558ccdull);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, len);
    h = (h ^ tail) * 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

int region_cache_get(region_cache_t *c, const void *key, size_t key_len, uint64_t hash,
                     uint64_t now_ms, void *(*alloc)(void *ud, size_t len), void *ud, void **out,
                     size_t *out_len)
{
    if (lock(c) < 0) return -EIO;
    uint32_t *link;
    uint32_t index = find(c, key, key_len, hash, &link);
    if (index == NIL) {
        c->h->misses++;
        unlock(c);
        return 0;
    }
    block_t *b = block_at(c, index);
    if (b->expires_ms <= now_ms) {
        drop(c, link);
        c->h->misses++;
        unlock(c);
        return 0;
    }
    void *copy = alloc(ud, b->value_len ? b->value_len : 1);
    if (!copy) {
        unlock(c);
        return -ENOMEM;
    }
    memcpy(copy, block_data(b) + b->key_len, b->value_len);
    *out = copy;
    *out_len = b->value_len;
    lru_unlink(c, index);
    lru_push_head(c, index);
    c->h->hits++;
    unlock(c);
    return 1;
}

int region_cache_put(region_cache_t *c, const void *key, size_t key_len, uint64_t hash,
                     const void *value, size_t value_len, uint64_t expires_ms)
{
    if (key_len > REGION_CACHE_MAX_ENTRY || value_len > REGION_CACHE_MAX_ENTRY - key_len)
        return -E2BIG;
    size_t need = sizeof(block_t) + key_len + value_len;
    unsigned order = 0;
    while (((size_t)1 << (BLOCK_SHIFT + order)) < need) order++;
    if (lock(c) < 0) return -EIO;
    uint32_t *link;
    if (find(c, key, key_len, hash, &link) != NIL) drop(c, link);
    uint32_t index;
    while ((index = buddy_alloc(c, order)) == NIL) {
        if (c->h->lru_tail == NIL) { /* cannot happen: an empty arena has whole top blocks */
            unlock(c);
            return -E2BIG;
        }
        drop_index(c, c->h->lru_tail);
        c->h->evictions++;
    }
    block_t *b = block_at(c, index);
    b->key_len = (uint32_t)key_len;
    b->value_len = (uint32_t)value_len;
    b->hash = hash;
    b->expires_ms = expires_ms;
    memcpy(block_data(b), key, key_len);
    if (value_len) memcpy(block_data(b) + key_len, value, value_len);
    uint32_t *slot = &c->buckets[hash & c->h->bucket_mask];
    b->hash_next = *slot;
    *slot = index;
    lru_push_head(c, index);
    c->h->used += (uint64_t)1 << (BLOCK_SHIFT + order);
    c->h->entries++;
    unlock(c);
    return 0;
}

int region_cache_remove(region_cache_t *c, const void *key, size_t key_len, uint64_t hash)
{
    if (lock(c) < 0) return -EIO;
    uint32_t *link;
    bool found = find(c, key, key_len, hash, &link) != NIL;
    if (found) drop(c, link);
    unlock(c);
    return found;
}

int region_cache_purge(region_cache_t *c, uint64_t generation)
{
    if (lock(c) < 0) return -EIO;
    bool is_newer = generation > c->h->generation;
    if (is_newer) {
        reset(c);
        c->h->generation = generation;
    }
    unlock(c);
    return is_newer;
}

int region_cache_clear(region_cache_t *c)
{
    if (lock(c) < 0) return -EIO;
    reset(c);
    unlock(c);
    return 0;
}

void region_cache_stats(region_cache_t *c, region_cache_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (lock(c) < 0) return;
    const header_t *h = c->h;
    *out = (region_cache_stats_t){.budget = h->budget, .used = h->used, .entries = h->entries,
                                  .hits = h->hits, .misses = h->misses,
                                  .evictions = h->evictions, .recoveries = h->recoveries,
                                  .generation = h->generation};
    unlock(c);
}

void region_cache_debug_hold_lock(region_cache_t *c)
{
    lock(c);
}
