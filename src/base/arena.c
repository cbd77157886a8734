#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk_t *next;
    size_t size;
    size_t used;
    _Alignas(16) char data[];
};

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)

void arena_init(arena_t *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 4096;
    a->inline_used = 0;
}

void *arena_alloc(arena_t *a, size_t size)
{
    size = ALIGN16(size ? size : 1);
    /* inline_first is at a 16-aligned offset only if the struct is; align the cursor. */
    uintptr_t base = (uintptr_t)a->inline_first;
    size_t off = ALIGN16(base + a->inline_used) - base;
    if (off + size <= sizeof a->inline_first) {
        a->inline_used = off + size;
        return a->inline_first + off;
    }
    if (a->head && a->head->size - a->head->used >= size) {
        void *p = a->head->data + a->head->used;
        a->head->used += size;
        return p;
    }
    size_t want = size > a->chunk_size ? size : a->chunk_size;
    arena_chunk_t *c = malloc(sizeof *c + want);
    if (!c) return NULL;
    c->size = want;
    c->used = size;
    c->next = a->head;
    a->head = c;
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

void arena_reset(arena_t *a)
{
    arena_chunk_t *c = a->head;
    while (c) {
        arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->inline_used = 0;
}

void arena_recycle(arena_t *a)
{
    arena_chunk_t *keep = NULL, *c = a->head;
    while (c) {
        arena_chunk_t *next = c->next;
        if (!keep && c->size == a->chunk_size) keep = c;
        else free(c);
        c = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->inline_used = 0;
}

void arena_free(arena_t *a)
{
    arena_reset(a);
}
