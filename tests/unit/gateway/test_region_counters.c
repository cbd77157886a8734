/* region_counters: one table shared by forked processes, exact under concurrent adds, a
 * process killed -9 while holding the lock does not wedge the others, reuse of expired
 * entries, a full probe run. */
#include "gateway/region_counters.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIN_MS 60000LL
#define NOW (1000 * MIN_MS + 1)

static int64_t add(region_counters_t *t, const char *key, int64_t now, int64_t amount)
{
    policy_counter_result_t r;
    cr_assert_eq(region_counters_add(t, key, strlen(key), now, 0, MIN_MS, amount, &r), 0);
    return r.current;
}

Test(region_counters, forked_processes_share_exact_counts)
{
    region_counters_t *t = region_counters_create(1024);
    cr_assert_not_null(t);
    enum { CHILDREN = 4, EACH = 2000 };
    pid_t pids[CHILDREN];
    for (int c = 0; c < CHILDREN; c++) {
        pids[c] = fork();
        if (pids[c] == 0) {
            policy_counter_result_t r;
            for (int i = 0; i < EACH; i++) {
                char key[16];
                snprintf(key, sizeof key, "k%d", i % 8);
                if (region_counters_add(t, key, strlen(key), NOW, 0, MIN_MS, 1, &r) < 0) _exit(1);
            }
            _exit(0);
        }
    }
    for (int c = 0; c < CHILDREN; c++) {
        int st;
        waitpid(pids[c], &st, 0);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    for (int k = 0; k < 8; k++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", k);
        cr_assert_eq(add(t, key, NOW, 0), CHILDREN * EACH / 8, "key %s", key);
    }
    cr_assert_eq(region_counters_live(t, NOW), 8);
    region_counters_destroy(t);
}

/* The lock is the table's first member (region_counters.c): a child takes it and dies. */
Test(region_counters, a_process_killed_holding_the_lock_does_not_wedge_the_region)
{
    region_counters_t *t = region_counters_create(64);
    add(t, "k", NOW, 5);
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock((pthread_mutex_t *)t);
        if (write(ready[1], "x", 1) != 1) _exit(1);
        pause();
        _exit(0);
    }
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    alarm(5); /* a wedged lock fails the test instead of hanging it */
    cr_assert_eq(add(t, "k", NOW, 1), 6);
    cr_assert_eq(add(t, "k", NOW, 1), 7, "the lock is usable again after the take-over");
    alarm(0);
    close(ready[0]);
    close(ready[1]);
    region_counters_destroy(t);
}

Test(region_counters, windows_roll_and_expired_entries_are_reused)
{
    region_counters_t *t = region_counters_create(4);
    policy_counter_result_t r;
    cr_assert_eq(region_counters_add(t, "a", 1, NOW, 0, MIN_MS, 3, &r), 0);
    cr_assert_eq(region_counters_add(t, "a", 1, NOW + MIN_MS, 0, MIN_MS, 1, &r), 0);
    cr_assert_eq(r.current, 1);
    cr_assert_eq(r.previous, 3);
    /* fill the table: 4 live keys, a fifth has nowhere to go */
    const char *keys[] = {"b", "c", "d"};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(region_counters_add(t, keys[i], 1, NOW + MIN_MS, 0, MIN_MS, 1, &r), 0);
    cr_assert_eq(region_counters_add(t, "e", 1, NOW + MIN_MS, 0, MIN_MS, 1, &r), -ENOSPC);
    /* three periods later every entry has expired: "e" takes a slot, "a" starts over */
    int64_t later = NOW + 4 * MIN_MS;
    cr_assert_eq(region_counters_live(t, later), 0);
    cr_assert_eq(region_counters_add(t, "e", 1, later, 0, MIN_MS, 2, &r), 0);
    cr_assert_eq(r.current, 2);
    cr_assert_eq(region_counters_add(t, "a", 1, later, 0, MIN_MS, 1, &r), 0);
    cr_assert_eq(r.current, 1);
    cr_assert_eq(r.previous, 0);
    region_counters_destroy(t);
}
