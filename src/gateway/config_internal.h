/* The snapshot compiler's shared internals (config.c, config_policy.c,
 * config_subscription.c): the JSON path being checked, for error positions, and typed field
 * access that reports "source:line:col: message (at path)" (STYLE.md §5). Not for other
 * modules. */
#ifndef MERIDIAN_GATEWAY_CONFIG_INTERNAL_H
#define MERIDIAN_GATEWAY_CONFIG_INTERNAL_H

#include "gateway/config.h"
#include "base/json_locate.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define CFG_MAX_DEPTH 8

typedef struct {
    const char *text;
    size_t len;
    const char *source;
    json_locate_step_t path[CFG_MAX_DEPTH];
    size_t depth;
    char **err;
} cfg_ctx_t;

void cfg_push_key(cfg_ctx_t *c, const char *key);
void cfg_push_index(cfg_ctx_t *c, size_t index);
void cfg_pop(cfg_ctx_t *c);
/* Fail at the current path / at member `key` of the current object: set *c->err, return -1. */
int cfg_fail(cfg_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cfg_fail_key(cfg_ctx_t *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "an object", "a string"...: for "must be X, not Y". */
const char *cfg_type_name(const json_t *v);
/* A member, or NULL when absent or null (optional fields may be written as null). */
json_t *cfg_member(const json_t *obj, const char *key);
int cfg_want_string(cfg_ctx_t *c, const json_t *obj, const char *key, bool required,
                    bool non_empty, const char **out);
int cfg_want_bool(cfg_ctx_t *c, const json_t *obj, const char *key, bool *out);
int cfg_want_container(cfg_ctx_t *c, const json_t *obj, const char *key, bool required,
                       json_type type, json_t **out);

/* Compiles element `index` of an array cfg_each_object walks (an object; the path is at
 * it). 0, or -1 after cfg_fail. */
typedef int (*cfg_object_fn)(cfg_ctx_t *c, const json_t *obj, size_t index, void *data);
/* The snapshot's arrays of objects (regions, backends, apis, operations, products...):
 * calls `each` for every element of `array`, the member `key` of the current object, with
 * the path at key[index]. An element that is not an object fails with "<what> must be an
 * object, not <type>" (`what`: "a region"). Stops at the first failure (-1), the path left
 * at the failing place for the error already reported; 0 with the path as it was. */
int cfg_each_object(cfg_ctx_t *c, const json_t *array, const char *key, const char *what,
                    cfg_object_fn each, void *data);

#endif
