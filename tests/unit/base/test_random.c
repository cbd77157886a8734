/* base/random: pooled random bytes for identifiers. */
#include "base/random.h"

#include <criterion/criterion.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

Test(random, consecutive_fills_differ_and_span_refills)
{
    /* 40 ids cross at least one pool refill (512 bytes = 32 ids). */
    uint8_t ids[40][16];
    for (int i = 0; i < 40; i++) random_fill(ids[i], sizeof ids[i]);
    for (int i = 0; i < 40; i++)
        for (int j = i + 1; j < 40; j++) cr_assert(memcmp(ids[i], ids[j], 16) != 0, "ids %d and %d", i, j);
}

Test(random, large_fill_has_no_zero_run)
{
    /* A byte is zeroed in the pool once handed out: a fill larger than the pool must still
     * be random, not a copy of cleared bytes. */
    uint8_t big[2000];
    random_fill(big, sizeof big);
    size_t zeros = 0;
    for (size_t i = 0; i < sizeof big; i++) zeros += big[i] == 0;
    cr_assert_lt(zeros, 40u, "%zu zero bytes out of 2000", zeros);
}

Test(random, uuid_v4_bits)
{
    for (int i = 0; i < 100; i++) {
        uint8_t u[16];
        random_uuid_v4(u);
        cr_assert_eq(u[6] >> 4, 4);
        cr_assert_eq(u[8] & 0xc0, 0x80);
    }
}

Test(random, forked_child_does_not_repeat_the_parent)
{
    uint8_t first[16];
    random_fill(first, sizeof first); /* the pool now holds bytes the child must not reuse */
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        uint8_t b[16];
        random_fill(b, sizeof b);
        ssize_t w = write(fds[1], b, sizeof b);
        _exit(w == (ssize_t)sizeof b ? 0 : 1);
    }
    uint8_t child[16], parent[16];
    cr_assert_eq(read(fds[0], child, sizeof child), (ssize_t)sizeof child);
    random_fill(parent, sizeof parent);
    int st = 0;
    waitpid(pid, &st, 0);
    close(fds[0]);
    close(fds[1]);
    cr_assert(memcmp(child, parent, 16) != 0, "the child handed out the parent's next bytes");
}
