/* region_counters: the counters of rate limits and quotas shared by every unit of a region on
 * one machine, in memory (docs/limits.md "Local counters"). Used when the region has no
 * Redis; with a Redis the counters live there (gateway/limits_host.c).
 *
 * One fixed-size table (open addressing, linear probing, at most REGION_COUNTERS_MAX_PROBE
 * slots per key) in an anonymous shared mapping (MAP_SHARED | MAP_ANONYMOUS) created by the
 * supervisor before it forks the units (gateway_supervise), so every unit — and a unit the
 * supervisor restarts — sees the same table; the mapping goes away with the last process
 * holding it, so nobody has to remove it (no name in /dev/shm). A unit run without a
 * supervisor makes its own. The table lives outside the compiled configuration: counters
 * survive configuration changes and unit restarts (not a restart of the supervisor).
 *
 * Keys are stored as two independent 64-bit hashes of the key text (a collision of both is
 * not a practical concern at this size). An entry whose buckets have both passed is free
 * for another key. Locking: one process-shared robust mutex; a unit killed -9 while holding
 * it leaves the mutex to the next locker (EOWNERDEAD → pthread_mutex_consistent), with at
 * worst that one counter's last update half-written (documented in docs/limits.md). */
#ifndef MERIDIAN_GATEWAY_REGION_COUNTERS_H
#define MERIDIAN_GATEWAY_REGION_COUNTERS_H

#include "policy/exec.h"

#include <stddef.h>
#include <stdint.h>

#define REGION_COUNTERS_DEFAULT_CAPACITY 65536u /* ~3.5 MiB of address space */
#define REGION_COUNTERS_MAX_PROBE 64u

typedef struct region_counters region_counters_t;

/* A table of `capacity` entries (0 = the default) in a new shared anonymous mapping. NULL
 * when mmap or the mutex set-up fails (errno says why). Create before fork. */
region_counters_t *region_counters_create(size_t capacity);
/* Unmaps this process's view (the others keep theirs). NULL is a no-op. */
void region_counters_destroy(region_counters_t *t);

/* Adds `amount` to the counter `key` at `now_ms` in buckets of period_ms aligned to
 * origin_ms (policy/limit_window.h), atomically for every process sharing the table, and
 * fills *out. 0, or -ENOSPC when the key's probe run is full of live counters. */
int region_counters_add(region_counters_t *t, const char *key, size_t key_len, int64_t now_ms,
                        int64_t origin_ms, int64_t period_ms, int64_t amount,
                        policy_counter_result_t *out);

/* Live entries at `now_ms` (a scan: for tests and metrics, not the request path). */
size_t region_counters_live(region_counters_t *t, int64_t now_ms);

#endif
