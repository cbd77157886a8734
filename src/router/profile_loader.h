/* router_profile's loader toolkit (internal to src/router/profile*.c): the JSON path of the
 * value being checked, errors placed at FILE:LINE:COL from it (base/json_locate.h), and
 * typed readers of members that fail with the schema's words. profile.c reads the profile
 * file (docs/router.md) with it; kept apart so that the file's parts can grow (and move to
 * files of their own) without each carrying its own error machinery. */
#ifndef MERIDIAN_ROUTER_PROFILE_LOADER_H
#define MERIDIAN_ROUTER_PROFILE_LOADER_H

#include "base/json_locate.h"
#include "router/profile.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define MAX_DEPTH 12

/* The loader keeps the JSON path of the value being checked, so that a semantic error
 * can be placed at FILE:LINE:COL by re-scanning the text (base/json_locate.h). */
typedef struct {
    const char *text;
    size_t len;
    const char *file;
    char *err;
    size_t err_size;
    json_locate_step_t path[MAX_DEPTH];
    size_t depth;
    bool failed;
    router_config_t *cfg;
    char *where; /* optional: the failing value's path ("profiles[0].ttl") */
    size_t where_size;
} loader_t;

void loader_push_key(loader_t *l, const char *key);
void loader_push_index(loader_t *l, size_t i);
void loader_pop(loader_t *l);
/* Records the first error, "FILE:LINE:COL: message" at the current path; returns false. */
bool loader_fail(loader_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Allocation that aborts when out of memory (a start-up/reload path, STYLE.md §4). */
char *loader_strdup(const char *s);
void *loader_calloc(size_t n, size_t size);
char *loader_lower_dup(const char *s);
/* Rejects members the schema does not know: a typo must not be silently ignored. */
bool loader_check_keys(loader_t *l, json_t *obj, const char *const *known);
/* Optional member of a given kind: NULL when absent; fails on a wrong type. */
json_t *loader_member(loader_t *l, json_t *obj, const char *key, json_type type, const char *what);
const char *loader_string(loader_t *l, json_t *obj, const char *key, bool required);
bool loader_int(loader_t *l, json_t *obj, const char *key, long long min, long long max,
                long long *out);
bool loader_seconds(loader_t *l, json_t *obj, const char *key, double min, double max,
                    uint32_t *out_ms);
/* "Enabled" / "Disabled" into *out (left as it is when absent). */
bool loader_enabled(loader_t *l, json_t *obj, const char *key, bool *out);
bool loader_headers(loader_t *l, json_t *obj, router_header_t *out, size_t *count);
/* An array of non-empty strings, appended to *out (count in *n). */
bool loader_string_list(loader_t *l, json_t *obj, const char *key, char ***out, size_t *n);

#endif
