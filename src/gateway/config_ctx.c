/* The snapshot compiler's context (config_internal.h): the JSON path being checked and the
 * typed field access every section compiler uses (config.c, config_policy.c,
 * config_subscription.c), so that every error names "source:line:col: message (at path)"
 * the same way (STYLE.md §5). */
#include "gateway/config_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the JSON path being checked, for error positions ---- */

void cfg_push_key(cfg_ctx_t *c, const char *key)
{
    c->path[c->depth++] = (json_locate_step_t){key, strlen(key), 0};
}

void cfg_push_index(cfg_ctx_t *c, size_t index)
{
    c->path[c->depth++] = (json_locate_step_t){NULL, 0, index};
}

void cfg_pop(cfg_ctx_t *c)
{
    c->depth--;
}

/* "source:line:col: message (at path)". The position is the value at the current path,
 * or, when the last step names a missing member, the object that should hold it. */
static void report(cfg_ctx_t *c, const char *msg)
{
    json_locate_pos_t pos;
    json_locate(c->text, c->len, c->path, c->depth, &pos);
    char where[256];
    json_locate_format_path(c->path, c->depth, where, sizeof where);
    int rc;
    if (c->depth)
        rc = asprintf(c->err, "%s:%u:%u: %s (at %s)", c->source, pos.line, pos.column, msg, where);
    else
        rc = asprintf(c->err, "%s:%u:%u: %s", c->source, pos.line, pos.column, msg);
    if (rc < 0) abort();
}

static int vfail(cfg_ctx_t *c, const char *key, const char *fmt, va_list ap)
{
    char *msg;
    if (vasprintf(&msg, fmt, ap) < 0) abort();
    if (key) cfg_push_key(c, key);
    report(c, msg);
    if (key) cfg_pop(c);
    free(msg);
    return -1;
}

/* Fails at the current path. */
int cfg_fail(cfg_ctx_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

/* Fails at member `key` of the current object. */
int cfg_fail_key(cfg_ctx_t *c, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, key, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- typed field access ---- */

const char *cfg_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* A member, or NULL when absent or null: optional fields may be written as null. */
json_t *cfg_member(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

int cfg_want_string(cfg_ctx_t *c, const json_t *obj, const char *key, bool required,
                       bool non_empty, const char **out)
{
    json_t *v = cfg_member(obj, key);
    *out = NULL;
    if (!v) return required ? cfg_fail_key(c, key, "required field is missing") : 0;
    if (!json_is_string(v)) return cfg_fail_key(c, key, "must be a string, not %s", cfg_type_name(v));
    if (non_empty && json_string_length(v) == 0) return cfg_fail_key(c, key, "must not be empty");
    *out = json_string_value(v);
    return 0;
}

int cfg_want_bool(cfg_ctx_t *c, const json_t *obj, const char *key, bool *out)
{
    json_t *v = cfg_member(obj, key);
    if (!v) return 0;
    if (!json_is_boolean(v)) return cfg_fail_key(c, key, "must be true or false, not %s", cfg_type_name(v));
    *out = json_is_true(v);
    return 0;
}


int cfg_want_container(cfg_ctx_t *c, const json_t *obj, const char *key, bool required,
                          json_type type, json_t **out)
{
    json_t *v = cfg_member(obj, key);
    *out = NULL;
    if (!v) return required ? cfg_fail_key(c, key, "required field is missing") : 0;
    if (json_typeof(v) != type)
        return cfg_fail_key(c, key, "must be %s, not %s", type == JSON_ARRAY ? "an array" : "an object",
                        cfg_type_name(v));
    *out = v;
    return 0;
}

int cfg_each_object(cfg_ctx_t *c, const json_t *array, const char *key, const char *what,
                    cfg_object_fn each, void *data)
{
    cfg_push_key(c, key);
    size_t i;
    json_t *item;
    json_array_foreach(array, i, item)
    {
        cfg_push_index(c, i);
        if (!json_is_object(item))
            return cfg_fail(c, "%s must be an object, not %s", what, cfg_type_name(item));
        if (each(c, item, i, data) < 0) return -1;
        cfg_pop(c);
    }
    cfg_pop(c);
    return 0;
}
