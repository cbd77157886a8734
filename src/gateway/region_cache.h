/* region_cache: the built-in cache of a region (spec/apim-gateway.md §2.6: "volatile and
 * shared by all units of a region"), one shared-memory segment that every unit of the
 * region on this machine reads and writes.
 *
 * Ownership: the supervisor (gateway/supervise.c) creates the segment before it forks the
 * units (MAP_SHARED | MAP_ANONYMOUS); each unit inherits the mapping, including a unit
 * restarted after a crash, and the kernel frees it when the last process of the region
 * exits — nobody has to remove anything. It lives outside the compiled configuration:
 * a configuration change keeps every entry. A unit run without a supervisor creates its own.
 *
 * Budget: the segment holds `budget` bytes of entries (rounded up to 4 MiB blocks, default
 * REGION_CACHE_DEFAULT_BUDGET); past it the least recently used entries are evicted. An
 * entry takes a power-of-two block of at least 64 bytes holding a 48-byte header, the key
 * and the value (a buddy allocator), so the budget is an upper bound of the memory used.
 * One entry is at most REGION_CACHE_MAX_ENTRY bytes (the vendor's 2 MiB response limit fits).
 *
 * Locking: one pthread mutex, PTHREAD_PROCESS_SHARED and PTHREAD_MUTEX_ROBUST. A unit
 * killed -9 while holding it does not wedge the region: the next locker gets EOWNERDEAD,
 * empties the cache (the dead unit may have left a list half-linked; a cache may forget)
 * and marks the mutex consistent. Critical sections are a hash lookup and a memcpy.
 *
 * Keys are bytes; callers pass their 64-bit hash (region_cache_hash) so that it is
 * computed once per request. Times are CLOCK_MONOTONIC milliseconds (clock_mono_ms), the
 * same clock in every process of the machine. */
#ifndef MERIDIAN_GATEWAY_REGION_CACHE_H
#define MERIDIAN_GATEWAY_REGION_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define REGION_CACHE_DEFAULT_BUDGET (64u * 1024 * 1024)
#define REGION_CACHE_MIN_BUDGET (4u * 1024 * 1024)
#define REGION_CACHE_MAX_ENTRY (4u * 1024 * 1024 - 64)

typedef struct region_cache region_cache_t;

typedef struct {
    uint64_t budget;     /* bytes of entry blocks the segment holds */
    uint64_t used;       /* bytes of blocks holding entries */
    uint64_t entries;
    uint64_t hits, misses, evictions;
    uint64_t recoveries; /* EOWNERDEAD recoveries (a unit died holding the lock) */
    uint64_t generation; /* purge generation last applied (region_cache_purge) */
} region_cache_stats_t;

/* Maps a new segment of `budget` bytes (0 = the default; below the minimum = the minimum),
 * shared with every process forked after this call. NULL on failure (errno set). */
region_cache_t *region_cache_create(uint64_t budget);
/* Unmaps this process's view (other processes keep theirs). NULL is ignored. */
void region_cache_destroy(region_cache_t *c);

/* A 64-bit hash of `len` bytes (not cryptographic; keys are compared in full as well). */
uint64_t region_cache_hash(const void *data, size_t len);

/* Looks `key` up. On a hit that has not expired at `now_ms`: *out = alloc(ud, length) filled
 * with the value, *out_len its length, returns 1 (the entry becomes the most recently used).
 * 0 on a miss (an expired entry is removed), -ENOMEM when alloc returned NULL, -EIO when
 * the lock is unusable. */
int region_cache_get(region_cache_t *c, const void *key, size_t key_len, uint64_t hash,
                     uint64_t now_ms, void *(*alloc)(void *ud, size_t len), void *ud, void **out,
                     size_t *out_len);
/* Stores (replaces) `key` with `value` until `expires_ms`. Evicts least recently used
 * entries until it fits. 0, -E2BIG (key + value over REGION_CACHE_MAX_ENTRY), -EIO. */
int region_cache_put(region_cache_t *c, const void *key, size_t key_len, uint64_t hash,
                     const void *value, size_t value_len, uint64_t expires_ms);
/* Removes `key`. 1 when it was there, 0 when not, -EIO. */
int region_cache_remove(region_cache_t *c, const void *key, size_t key_len, uint64_t hash);
/* Empties the cache when `generation` is newer than the last one applied (every unit of the
 * region calls it with the generation its configuration carries: the first one empties,
 * the others find it done). Returns 1 when it emptied, 0 when not, -EIO. */
int region_cache_purge(region_cache_t *c, uint64_t generation);
/* Empties the cache unconditionally. 0 or -EIO. */
int region_cache_clear(region_cache_t *c);
void region_cache_stats(region_cache_t *c, region_cache_stats_t *out);

/* Tests only: takes the lock and returns without releasing it (a process that then exits
 * plays a unit killed while holding it). */
void region_cache_debug_hold_lock(region_cache_t *c);

#endif
