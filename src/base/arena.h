/* arena: a bump allocator for one request (or one compile). Everything allocated from it
 * is released together by arena_reset() or arena_free(); nothing is freed one by one.
 * Allocation failure returns NULL (the request path turns that into a 503, STYLE.md §4). */
#ifndef MERIDIAN_BASE_ARENA_H
#define MERIDIAN_BASE_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk_t;

typedef struct {
    arena_chunk_t *head;   /* current chunk, newest first */
    size_t chunk_size;     /* default size of a new chunk */
    char inline_first[512];/* first allocations come from here: no malloc for small requests */
    size_t inline_used;
} arena_t;

void arena_init(arena_t *a, size_t chunk_size);
/* 16-byte aligned, uninitialised; NULL when out of memory. */
void *arena_alloc(arena_t *a, size_t size);
/* Copies `len` bytes and appends a NUL. */
char *arena_strndup(arena_t *a, const char *s, size_t len);
/* Frees every chunk but keeps the arena usable. */
void arena_reset(arena_t *a);
/* Like arena_reset, but keeps one chunk of the default size for the arena's next user: a
 * recycled request arena then serves its next request without a malloc. */
void arena_recycle(arena_t *a);
void arena_free(arena_t *a);

#endif
