#include "base/random.h"

#include "base/clock.h"

#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#define POOL_BYTES 512

typedef struct {
    uint8_t bytes[POOL_BYTES];
    size_t left; /* unused bytes at the end of `bytes` */
} pool_t;

static _Thread_local pool_t pool;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* The child of a fork must not reuse the bytes its parent still had. Only the forking
 * thread exists in the child, so clearing its pool is enough. */
static void on_fork_child(void)
{
    memset(&pool, 0, sizeof pool);
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, on_fork_child);
}

/* Without kernel entropy: splitmix64 over the clocks and a counter. Unique enough for ids. */
static void fill_fallback(uint8_t *out, size_t n)
{
    static _Thread_local uint64_t counter;
    uint64_t x = clock_mono_ns() ^ (clock_wall_ms() << 20) ^ (uint64_t)(uintptr_t)out;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ull + ++counter);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        size_t k = n - i < 8 ? n - i : 8;
        memcpy(out + i, &z, k);
    }
}

static void refill(void)
{
    pthread_once(&atfork_once, register_atfork);
    ssize_t got = getrandom(pool.bytes, sizeof pool.bytes, GRND_NONBLOCK);
    if (got != (ssize_t)sizeof pool.bytes) fill_fallback(pool.bytes, sizeof pool.bytes);
    pool.left = sizeof pool.bytes;
}

void random_fill(void *out, size_t n)
{
    uint8_t *p = out;
    while (n) {
        if (!pool.left) refill();
        size_t k = n < pool.left ? n : pool.left;
        uint8_t *src = pool.bytes + sizeof pool.bytes - pool.left;
        memcpy(p, src, k);
        memset(src, 0, k); /* a byte is handed out once */
        pool.left -= k;
        p += k;
        n -= k;
    }
}

void random_uuid_v4(uint8_t out[16])
{
    random_fill(out, 16);
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}
