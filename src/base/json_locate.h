/* json_locate: finds where a value sits in JSON text, so that configuration errors found
 * after parsing (a bad URL, an unknown backendId) name file:line:col like syntax errors
 * do (STYLE.md §5). jansson reports positions only for syntax errors and keeps none in the
 * tree, so we re-scan the text along a path of object keys and array indices.
 *
 * The scanner is tolerant: it never reads outside [text, text + len) and, on malformed or
 * truncated input, reports the deepest value it did reach. It does not allocate.
 *
 * Positions follow jansson's conventions so both kinds of error read alike: lines count
 * '\n' and start at 1; columns start at 1 and count characters (UTF-8 code points), not
 * bytes. */
#ifndef MERIDIAN_BASE_JSON_LOCATE_H
#define MERIDIAN_BASE_JSON_LOCATE_H

#include <stddef.h>

/* One step of a path: an object member (key != NULL; UTF-8, compared after decoding the
 * text's escapes, not NUL-terminated) or an array element (key == NULL, index). */
typedef struct {
    const char *key;
    size_t key_len;
    size_t index;
} json_locate_step_t;

typedef struct {
    size_t offset;   /* byte offset of the value's first byte */
    unsigned line;   /* 1-based */
    unsigned column; /* 1-based, in characters */
} json_locate_pos_t;

/* Walks `path` (depth steps) from the top-level value. Sets *pos to the position of the
 * deepest value reached (the top-level value when depth is 0) and returns how many steps
 * were resolved: depth when the whole path exists, fewer when a member or element is
 * missing (then *pos is the object or array that lacks it). Returns -1, with *pos at the
 * end of the leading whitespace, when the text holds no value at all. */
int json_locate(const char *text, size_t len, const json_locate_step_t *path, size_t depth,
                json_locate_pos_t *pos);

/* Line and column of a byte offset (clamped to len). */
json_locate_pos_t json_locate_offset(const char *text, size_t len, size_t offset);

/* Writes a path in the notation used in error messages: `apis[1].serviceUrl`; a key that is
 * not a plain identifier is quoted, `policies.apis["orders;rev=2"]`. Truncates to fit
 * (always NUL-terminates when size > 0); returns the length it wanted, like snprintf. */
size_t json_locate_format_path(const json_locate_step_t *path, size_t depth, char *out,
                               size_t size);

/* Parses that notation back (only unquoted keys and indices, which is what compile steps
 * emit for fixed field names): keys point into `s`. Returns the number of steps, or -1 when
 * `s` is not a path or has more than `max` steps. */
int json_locate_parse_path(const char *s, size_t len, json_locate_step_t *steps, size_t max);

#endif
