/* slice: a borrowed, length-delimited view of bytes. Never owns memory; valid only as
 * long as the buffer it points into. Used for zero-copy header and path views. */
#ifndef MERIDIAN_BASE_SLICE_H
#define MERIDIAN_BASE_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    const char *ptr;
    size_t len;
} slice_t;

#define SLICE_LIT(s) ((slice_t){(s), sizeof(s) - 1})
#define SLICE_NULL ((slice_t){NULL, 0})

static inline slice_t slice_make(const char *ptr, size_t len)
{
    return (slice_t){ptr, len};
}

static inline slice_t slice_from_cstr(const char *s)
{
    return (slice_t){s, s ? strlen(s) : 0};
}

static inline bool slice_eq(slice_t a, slice_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* ASCII case-insensitive comparison (header names, RFC 9110 §5.1). */
bool slice_eq_nocase(slice_t a, slice_t b);
/* Inline so that the length test, with strlen of a literal folded, rejects most candidates
 * without a call (header-name lookups on the request path). */
static inline bool slice_eq_nocase_cstr(slice_t a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && slice_eq_nocase(a, (slice_t){s, n});
}
/* true when `s` starts with `prefix`, ASCII case-insensitively. */
bool slice_starts_with_nocase(slice_t s, slice_t prefix);
/* Trims optional whitespace (SP / HTAB) on both ends. */
slice_t slice_trim_ows(slice_t s);
/* Parses a non-negative decimal integer made only of digits; false on overflow or empty. */
bool slice_to_u64(slice_t s, unsigned long long *out);

#endif
