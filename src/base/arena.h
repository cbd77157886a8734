/* arena: a bump allocator for one request (or one compile). Everything allocated from it
 * is released together by arena_reset() or arena_free(); nothing is freed one by one.
 * Allocation failure returns NULL (the request path turns that into a 503, STYLE.md §4). */
#ifndef MERIDIAN_BASE_ARENA_H
#define MERIDIAN_BASE_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk_t;

/* An arena must not be copied or moved once initialised: `cur` may point into its own
 * inline_first. */
typedef struct {
    char *cur, *end;       /* free bytes of the current block (inline_first or head) */
    arena_chunk_t *head;   /* chunks in use, newest first */
    arena_chunk_t *spare;  /* one chunk kept by arena_recycle for the next user */
    size_t chunk_size;     /* default size of a new chunk */
    _Alignas(16) char inline_first[512]; /* first allocations: no malloc for small requests */
} arena_t;

void arena_init(arena_t *a, size_t chunk_size);
void *arena_alloc_slow(arena_t *a, size_t size);

/* 16-byte aligned, uninitialised; NULL when out of memory. Inline: the bump is the common
 * case, dozens of times per request. */
static inline void *arena_alloc(arena_t *a, size_t size)
{
    size = size ? (size + 15) & ~(size_t)15 : 16; /* a huge size wraps to 0: see below */
    if (!size) return NULL;
    if ((size_t)(a->end - a->cur) >= size) {
        void *p = a->cur;
        a->cur += size;
        return p;
    }
    return arena_alloc_slow(a, size);
}
/* Copies `len` bytes and appends a NUL. */
char *arena_strndup(arena_t *a, const char *s, size_t len);
/* Frees every chunk but keeps the arena usable. */
void arena_reset(arena_t *a);
/* Like arena_reset, but keeps one chunk of the default size for the arena's next user: a
 * recycled request arena then serves its next request without a malloc. */
void arena_recycle(arena_t *a);
void arena_free(arena_t *a);

#endif
