#include "gateway/region_cache.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *heap_alloc(void *ud, size_t len)
{
    (void)ud;
    return malloc(len);
}

static int put_str(region_cache_t *c, const char *key, const char *value, uint64_t expires)
{
    return region_cache_put(c, key, strlen(key), region_cache_hash(key, strlen(key)), value,
                            strlen(value), expires);
}

/* The value of `key` as a string (malloc'd), or NULL on a miss. */
static char *get_str(region_cache_t *c, const char *key, uint64_t now)
{
    void *out;
    size_t len;
    int rc = region_cache_get(c, key, strlen(key), region_cache_hash(key, strlen(key)), now,
                              heap_alloc, NULL, &out, &len);
    cr_assert(rc == 0 || rc == 1, "get %s: %d", key, rc);
    if (rc == 0) return NULL;
    char *s = malloc(len + 1);
    memcpy(s, out, len);
    s[len] = '\0';
    free(out);
    return s;
}

static void expect_value(region_cache_t *c, const char *key, const char *want, uint64_t now)
{
    char *got = get_str(c, key, now);
    if (!want) {
        cr_assert_null(got, "%s: expected a miss, got \"%s\"", key, got ? got : "");
        return;
    }
    cr_assert_not_null(got, "%s: expected \"%s\", got a miss", key, want);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(region_cache, put_get_replace_remove)
{
    region_cache_t *c = region_cache_create(0);
    cr_assert_not_null(c);
    region_cache_stats_t st;
    region_cache_stats(c, &st);
    cr_assert_eq(st.budget, REGION_CACHE_DEFAULT_BUDGET);
    cr_assert_eq(put_str(c, "a", "one", 1000), 0);
    cr_assert_eq(put_str(c, "b", "", 1000), 0);
    expect_value(c, "a", "one", 10);
    expect_value(c, "b", "", 10);
    expect_value(c, "c", NULL, 10);
    cr_assert_eq(put_str(c, "a", "uno", 1000), 0);
    expect_value(c, "a", "uno", 10);
    region_cache_stats(c, &st);
    cr_assert_eq(st.entries, 2);
    cr_assert_eq(st.used, 128, "two 64-byte blocks, got %llu", (unsigned long long)st.used);
    cr_assert_eq(region_cache_remove(c, "a", 1, region_cache_hash("a", 1)), 1);
    cr_assert_eq(region_cache_remove(c, "a", 1, region_cache_hash("a", 1)), 0);
    expect_value(c, "a", NULL, 10);
    region_cache_destroy(c);
}

Test(region_cache, expiry_removes_the_entry)
{
    region_cache_t *c = region_cache_create(0);
    cr_assert_eq(put_str(c, "k", "v", 100), 0);
    expect_value(c, "k", "v", 99);
    expect_value(c, "k", NULL, 100);
    region_cache_stats_t st;
    region_cache_stats(c, &st);
    cr_assert_eq(st.entries, 0);
    cr_assert_eq(st.used, 0);
    region_cache_destroy(c);
}

Test(region_cache, colliding_hashes_are_told_apart_by_key)
{
    region_cache_t *c = region_cache_create(0);
    cr_assert_eq(region_cache_put(c, "x", 1, 42, "1", 1, 1000), 0);
    cr_assert_eq(region_cache_put(c, "y", 1, 42, "2", 1, 1000), 0);
    void *out;
    size_t len;
    cr_assert_eq(region_cache_get(c, "x", 1, 42, 0, heap_alloc, NULL, &out, &len), 1);
    cr_assert_eq(((char *)out)[0], '1');
    free(out);
    cr_assert_eq(region_cache_get(c, "y", 1, 42, 0, heap_alloc, NULL, &out, &len), 1);
    cr_assert_eq(((char *)out)[0], '2');
    free(out);
    cr_assert_eq(region_cache_get(c, "z", 1, 42, 0, heap_alloc, NULL, &out, &len), 0);
    region_cache_destroy(c);
}

/* The budget is 4 MiB: 1 MiB values take 2 MiB blocks (header + key push them past 1 MiB),
 * so two fit; a third evicts the least recently used. */
Test(region_cache, lru_eviction_by_budget)
{
    region_cache_t *c = region_cache_create(1);
    region_cache_stats_t st;
    region_cache_stats(c, &st);
    cr_assert_eq(st.budget, REGION_CACHE_MIN_BUDGET);
    size_t n = 1024 * 1024;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    cr_assert_eq(put_str(c, "first", big, 1000), 0);
    cr_assert_eq(put_str(c, "second", big, 1000), 0);
    /* touching "first" makes "second" the least recently used */
    char *v = get_str(c, "first", 1);
    cr_assert_not_null(v);
    free(v);
    cr_assert_eq(put_str(c, "third", big, 1000), 0);
    expect_value(c, "second", NULL, 1);
    cr_assert_not_null((v = get_str(c, "first", 1)));
    free(v);
    cr_assert_not_null((v = get_str(c, "third", 1)));
    free(v);
    region_cache_stats(c, &st);
    cr_assert_eq(st.evictions, 1);
    cr_assert_eq(st.entries, 2);
    cr_assert_leq(st.used, st.budget);
    free(big);
    region_cache_destroy(c);
}

Test(region_cache, many_small_entries_stay_within_budget_and_merge_back)
{
    region_cache_t *c = region_cache_create(1);
    char key[32], value[200];
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    for (int i = 0; i < 40000; i++) { /* 256-byte blocks: 16384 fit in 4 MiB */
        snprintf(key, sizeof key, "key-%d", i);
        cr_assert_eq(put_str(c, key, value, 1000), 0);
    }
    region_cache_stats_t st;
    region_cache_stats(c, &st);
    cr_assert_eq(st.entries, 16384, "entries %llu", (unsigned long long)st.entries);
    cr_assert_eq(st.evictions, 40000 - 16384);
    expect_value(c, "key-0", NULL, 1);
    expect_value(c, "key-39999", value, 1);
    /* after a clear the whole arena is one block again: a maximal entry fits */
    cr_assert_eq(region_cache_clear(c), 0);
    size_t n = REGION_CACHE_MAX_ENTRY - 3;
    char *big = calloc(1, n);
    cr_assert_eq(region_cache_put(c, "big", 3, 7, big, n, 1000), 0);
    cr_assert_eq(region_cache_put(c, "big", 3, 7, big, n + 1, 1000), -E2BIG);
    free(big);
    region_cache_destroy(c);
}

Test(region_cache, purge_applies_newer_generations_once)
{
    region_cache_t *c = region_cache_create(0);
    cr_assert_eq(put_str(c, "k", "v", 1000), 0);
    cr_assert_eq(region_cache_purge(c, 0), 0);
    expect_value(c, "k", "v", 1);
    cr_assert_eq(region_cache_purge(c, 3), 1);
    expect_value(c, "k", NULL, 1);
    cr_assert_eq(put_str(c, "k", "v", 1000), 0);
    cr_assert_eq(region_cache_purge(c, 3), 0, "a sibling unit applying the same generation");
    cr_assert_eq(region_cache_purge(c, 2), 0, "an older configuration does not purge");
    expect_value(c, "k", "v", 1);
    region_cache_destroy(c);
}

/* Units are forked after the segment exists: what one stores the others read. */
Test(region_cache, shared_by_forked_processes)
{
    region_cache_t *c = region_cache_create(0);
    cr_assert_eq(put_str(c, "from-parent", "p", 1000), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        char *v = get_str(c, "from-parent", 1);
        int ok = v && strcmp(v, "p") == 0;
        free(v);
        ok = ok && put_str(c, "from-child", "c", 1000) == 0;
        _exit(ok ? 0 : 3);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    expect_value(c, "from-child", "c", 1);
    region_cache_destroy(c);
}

/* A unit killed while it holds the lock: the next locker recovers (the cache empties). */
Test(region_cache, a_process_dying_with_the_lock_does_not_wedge_the_others)
{
    region_cache_t *c = region_cache_create(0);
    cr_assert_eq(put_str(c, "k", "v", 1000), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        region_cache_debug_hold_lock(c);
        raise(SIGKILL);
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status));
    expect_value(c, "k", NULL, 1);
    cr_assert_eq(put_str(c, "k", "again", 1000), 0);
    expect_value(c, "k", "again", 1);
    region_cache_stats_t st;
    region_cache_stats(c, &st);
    cr_assert_eq(st.recoveries, 1);
    region_cache_destroy(c);
}
