#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk_t *next;
    size_t size;
    _Alignas(16) char data[];
};

static void use_inline(arena_t *a)
{
    a->cur = a->inline_first;
    a->end = a->inline_first + sizeof a->inline_first;
}

void arena_init(arena_t *a, size_t chunk_size)
{
    a->head = NULL;
    a->spare = NULL;
    a->chunk_size = chunk_size ? chunk_size : 4096;
    use_inline(a);
}

/* `size` is already rounded to 16 by arena_alloc. What is left of the current block is given
 * up when a new chunk starts (a request's arena is short-lived). */
void *arena_alloc_slow(arena_t *a, size_t size)
{
    if (size > SIZE_MAX / 2) return NULL;
    arena_chunk_t *c;
    if (a->spare && a->spare->size >= size) {
        c = a->spare; /* kept by arena_recycle */
        a->spare = NULL;
    } else {
        size_t want = size > a->chunk_size ? size : a->chunk_size;
        if (!(c = malloc(sizeof *c + want))) return NULL;
        c->size = want;
    }
    c->next = a->head;
    a->head = c;
    a->cur = c->data + size;
    a->end = c->data + c->size;
    return c->data;
}

char *arena_strndup(arena_t *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (!p) return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static void free_chunks(arena_chunk_t *c, arena_chunk_t **keep, size_t keep_size)
{
    while (c) {
        arena_chunk_t *next = c->next;
        if (keep && !*keep && c->size == keep_size) *keep = c;
        else free(c);
        c = next;
    }
}

void arena_reset(arena_t *a)
{
    free_chunks(a->head, NULL, 0);
    free(a->spare);
    a->head = NULL;
    a->spare = NULL;
    use_inline(a);
}

void arena_recycle(arena_t *a)
{
    arena_chunk_t *keep = a->spare;
    free_chunks(a->head, &keep, a->chunk_size);
    if (keep) keep->next = NULL;
    a->head = NULL;
    a->spare = keep;
    use_inline(a);
}

void arena_free(arena_t *a)
{
    arena_reset(a);
}
