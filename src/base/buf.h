/* buf: a growable, owned byte buffer (connection read buffers, response heads).
 * Functions returning int give 0 or -ENOMEM. */
#ifndef MERIDIAN_BASE_BUF_H
#define MERIDIAN_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

void buf_init(buf_t *b);
void buf_free(buf_t *b);
/* Ensures at least `extra` free bytes after len. May move data. */
int buf_reserve(buf_t *b, size_t extra);
int buf_append(buf_t *b, const void *data, size_t len);
int buf_append_cstr(buf_t *b, const char *s);
/* buf_append that also keeps a NUL after the data (not counted in len; data is never NULL
 * afterwards): for text that is read back with string functions. */
int buf_append_text(buf_t *b, const void *data, size_t len);
/* Appends the decimal digits of v (no printf: this runs for every response head). */
int buf_append_u64(buf_t *b, unsigned long long v);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Appends `s` as the inside of a JSON string (quotes not included), escaping per RFC 8259 §7. */
int buf_append_json_escaped(buf_t *b, const char *s, size_t len);
/* Drops the first n bytes, moving the rest to the front. */
void buf_consume(buf_t *b, size_t n);

#endif
