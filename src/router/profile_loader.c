/* The profile loader's toolkit: see profile_loader.h. */
#include "router/profile_loader.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void loader_push_key(loader_t *l, const char *key)
{
    if (l->depth < MAX_DEPTH) l->path[l->depth] = (json_locate_step_t){key, strlen(key), 0};
    l->depth++;
}

void loader_push_index(loader_t *l, size_t i)
{
    if (l->depth < MAX_DEPTH) l->path[l->depth] = (json_locate_step_t){NULL, 0, i};
    l->depth++;
}

void loader_pop(loader_t *l)
{
    l->depth--;
}

bool loader_fail(loader_t *l, const char *fmt, ...)
{
    if (l->failed) return false;
    l->failed = true;
    json_locate_pos_t pos;
    size_t depth = l->depth < MAX_DEPTH ? l->depth : MAX_DEPTH;
    json_locate(l->text, l->len, l->path, depth, &pos);
    if (l->where) json_locate_format_path(l->path, depth, l->where, l->where_size);
    int n = snprintf(l->err, l->err_size, "%s:%u:%u: ", l->file, pos.line, pos.column);
    if (n < 0 || (size_t)n >= l->err_size) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err + n, l->err_size - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

char *loader_strdup(const char *s)
{
    char *p = strdup(s);
    if (!p) abort(); /* start-up: out of memory may abort (STYLE.md §4) */
    return p;
}

void *loader_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

char *loader_lower_dup(const char *s)
{
    char *p = loader_strdup(s);
    for (char *q = p; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return p;
}

/* Rejects members the schema does not know: a typo must not be silently ignored. */
bool loader_check_keys(loader_t *l, json_t *obj, const char *const *known)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; known[i]; i++)
            if (strcmp(known[i], key) == 0) ok = true;
        if (!ok) {
            loader_push_key(l, key);
            loader_fail(l, "unknown member '%s'", key);
            loader_pop(l);
            return false;
        }
    }
    return true;
}

/* Optional member of a given kind: returns NULL when absent; fails on a wrong type. */
json_t *loader_member(loader_t *l, json_t *obj, const char *key, json_type type, const char *what)
{
    json_t *v = json_object_get(obj, key);
    if (!v) return NULL;
    bool ok = json_typeof(v) == type || (type == JSON_REAL && json_is_integer(v));
    if (type == JSON_TRUE) ok = json_is_boolean(v);
    if (!ok) {
        loader_push_key(l, key);
        loader_fail(l, "'%s' must be %s", key, what);
        loader_pop(l);
        return NULL;
    }
    return v;
}

const char *loader_string(loader_t *l, json_t *obj, const char *key, bool required)
{
    json_t *v = loader_member(l, obj, key, JSON_STRING, "a string");
    if (!v) {
        if (required && !l->failed) loader_fail(l, "missing required member '%s'", key);
        return NULL;
    }
    if (json_string_length(v) == 0) {
        loader_push_key(l, key);
        loader_fail(l, "'%s' must not be empty", key);
        loader_pop(l);
        return NULL;
    }
    return json_string_value(v);
}

/* Integer member in [min, max]; *out untouched when absent. */
bool loader_int(loader_t *l, json_t *obj, const char *key, long long min, long long max,
                long long *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v) return true;
    loader_push_key(l, key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        loader_fail(l, "'%s' must be an integer from %lld to %lld", key, min, max);
        loader_pop(l);
        return false;
    }
    *out = json_integer_value(v);
    loader_pop(l);
    return true;
}

bool loader_seconds(loader_t *l, json_t *obj, const char *key, double min, double max,
                    uint32_t *out_ms)
{
    json_t *v = json_object_get(obj, key);
    if (!v) return true;
    loader_push_key(l, key);
    if (!json_is_number(v) || json_number_value(v) < min || json_number_value(v) > max) {
        loader_fail(l, "'%s' must be a number of seconds from %g to %g", key, min, max);
        loader_pop(l);
        return false;
    }
    *out_ms = (uint32_t)(json_number_value(v) * 1000.0 + 0.5);
    loader_pop(l);
    return true;
}

bool loader_enabled(loader_t *l, json_t *obj, const char *key, bool *out)
{
    const char *s = loader_string(l, obj, key, false);
    if (l->failed) return false;
    if (!s) return true;
    if (strcmp(s, "Enabled") == 0)
        *out = true;
    else if (strcmp(s, "Disabled") == 0)
        *out = false;
    else {
        loader_push_key(l, key);
        loader_fail(l, "'%s' must be \"Enabled\" or \"Disabled\"", key);
        loader_pop(l);
        return false;
    }
    return true;
}

bool loader_headers(loader_t *l, json_t *obj, router_header_t *out, size_t *count)
{
    json_t *h = loader_member(l, obj, "customHeaders", JSON_OBJECT, "an object of name: value");
    if (!h) return !l->failed;
    loader_push_key(l, "customHeaders");
    if (json_object_size(h) > ROUTER_MAX_HEADERS) {
        loader_pop(l);
        return loader_fail(l, "at most %d custom headers", ROUTER_MAX_HEADERS);
    }
    const char *name;
    json_t *v;
    json_object_foreach(h, name, v)
    {
        loader_push_key(l, name);
        if (!json_is_string(v)) return loader_fail(l, "header '%s' must have a string value", name);
        const char *value = json_string_value(v);
        if (!*name || strpbrk(name, " \t\r\n:") || strpbrk(value, "\r\n"))
            return loader_fail(l, "header '%s' is not a valid HTTP field", name);
        /* Spec §1.3: '*' is not allowed inside a custom Host. */
        if (strcasecmp(name, "Host") == 0 && strchr(value, '*'))
            return loader_fail(l, "a custom Host must not contain '*'");
        out[*count].name = loader_strdup(name);
        out[*count].value = loader_strdup(value);
        (*count)++;
        loader_pop(l);
    }
    loader_pop(l);
    return true;
}

bool loader_string_list(loader_t *l, json_t *obj, const char *key, char ***out, size_t *n)
{
    json_t *a = loader_member(l, obj, key, JSON_ARRAY, "an array of strings");
    if (!a) return !l->failed;
    loader_push_key(l, key);
    *out = loader_calloc(json_array_size(a), sizeof **out);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        loader_push_index(l, i);
        if (!json_is_string(v) || json_string_length(v) == 0)
            return loader_fail(l, "expected a non-empty string");
        (*out)[(*n)++] = loader_strdup(json_string_value(v));
        loader_pop(l);
    }
    loader_pop(l);
    return true;
}
