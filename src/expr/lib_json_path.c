/* JSONPath for JToken.SelectToken/SelectTokens, the subset of Newtonsoft's JPath that policies
 * use: $ (root), .name, ['name'] / ["name"] (comma lists too), [index] (comma lists),
 * [start:end:step], [*] and .*, ..name and ..* (recursive descent). A path may start with a
 * name without "$." ("a.b"), as Newtonsoft allows. Filters [?(...)] are refused with a
 * JsonException naming them. */
#include "expr/lib_json_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    json_t **items;
    size_t count, cap;
} path_set_t;

typedef struct {
    expr_rt_t *rt;
    const char *p, *end;
    bool error_when_no_match;
} path_ctx_t;

static int set_push(expr_rt_t *rt, path_set_t *s, json_t *j)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        json_t **items = expr_rt_alloc(rt, cap * sizeof *items);
        if (!items) return EXPR_THROWN;
        if (s->count) memcpy(items, s->items, s->count * sizeof *items);
        s->items = items;
        s->cap = cap;
    }
    s->items[s->count++] = j;
    return 0;
}

static const char *kind_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "JObject";
    case JSON_ARRAY: return "JArray";
    default: return "JValue";
    }
}

static int select_field(path_ctx_t *c, const path_set_t *in, const char *name, size_t len,
                        path_set_t *out)
{
    for (size_t i = 0; i < in->count; i++) {
        json_t *j = in->items[i];
        json_t *v = json_is_object(j) ? json_object_getn(j, name, len) : NULL;
        if (v) {
            if (set_push(c->rt, out, v)) return EXPR_THROWN;
        } else if (c->error_when_no_match) {
            if (json_is_object(j))
                return expr_throw(c->rt, JSON_EXC, "Property '%.*s' does not exist on JObject.", (int)len, name);
            return expr_throw(c->rt, JSON_EXC, "Property '%.*s' not valid on %s.", (int)len, name, kind_name(j));
        }
    }
    return 0;
}

static int select_children(path_ctx_t *c, const path_set_t *in, path_set_t *out)
{
    for (size_t i = 0; i < in->count; i++) {
        json_t *j = in->items[i];
        if (json_is_object(j)) {
            const char *key;
            json_t *v;
            json_object_foreach(j, key, v) {
                if (set_push(c->rt, out, v)) return EXPR_THROWN;
            }
        } else if (json_is_array(j)) {
            for (size_t k = 0; k < json_array_size(j); k++)
                if (set_push(c->rt, out, json_array_get(j, k))) return EXPR_THROWN;
        }
    }
    return 0;
}

/* ..name (name NULL: ..*): every descendant in document order. */
static int scan(path_ctx_t *c, json_t *j, const char *name, size_t len, path_set_t *out,
                int depth)
{
    if (depth > 4096) return expr_throw(c->rt, JSON_EXC, "The JSON is nested too deeply for a path scan.");
    if (json_is_object(j)) {
        const char *key;
        size_t key_len;
        json_t *v;
        json_object_keylen_foreach(j, key, key_len, v) {
            if (!name || (key_len == len && memcmp(key, name, len) == 0))
                if (set_push(c->rt, out, v)) return EXPR_THROWN;
            if (scan(c, v, name, len, out, depth + 1)) return EXPR_THROWN;
        }
    } else if (json_is_array(j)) {
        for (size_t k = 0; k < json_array_size(j); k++) {
            json_t *v = json_array_get(j, k);
            if (!name && set_push(c->rt, out, v)) return EXPR_THROWN;
            if (scan(c, v, name, len, out, depth + 1)) return EXPR_THROWN;
        }
    }
    return 0;
}

static int select_index(path_ctx_t *c, const path_set_t *in, long index, path_set_t *out)
{
    for (size_t i = 0; i < in->count; i++) {
        json_t *j = in->items[i];
        if (json_is_array(j) && index >= 0 && (size_t)index < json_array_size(j)) {
            if (set_push(c->rt, out, json_array_get(j, (size_t)index))) return EXPR_THROWN;
        } else if (c->error_when_no_match) {
            if (json_is_array(j))
                return expr_throw(c->rt, JSON_EXC, "Index %ld outside the bounds of JArray.", index);
            return expr_throw(c->rt, JSON_EXC, "Index %ld not valid on %s.", index, kind_name(j));
        }
    }
    return 0;
}

static int select_slice(path_ctx_t *c, const path_set_t *in, const long *start, const long *end,
                        long step, path_set_t *out)
{
    if (step == 0) return expr_throw(c->rt, JSON_EXC, "Step cannot be zero.");
    for (size_t i = 0; i < in->count; i++) {
        json_t *j = in->items[i];
        if (!json_is_array(j)) {
            if (c->error_when_no_match)
                return expr_throw(c->rt, JSON_EXC, "Array slice is not valid on %s.", kind_name(j));
            continue;
        }
        long n = (long)json_array_size(j);
        long s = start ? *start : (step > 0 ? 0 : n - 1);
        long e = end ? *end : (step > 0 ? n : -1);
        if (start && s < 0) s += n;
        if (end && e < 0) e += n;
        if (step > 0) {
            if (s < 0) s = 0;
            if (e > n) e = n;
            for (long k = s; k < e; k += step)
                if (set_push(c->rt, out, json_array_get(j, (size_t)k))) return EXPR_THROWN;
        } else {
            if (s > n - 1) s = n - 1;
            if (e < -1) e = -1;
            for (long k = s; k > e; k += step)
                if (set_push(c->rt, out, json_array_get(j, (size_t)k))) return EXPR_THROWN;
        }
    }
    return 0;
}

static int unexpected(path_ctx_t *c)
{
    if (c->p >= c->end) return expr_throw(c->rt, JSON_EXC, "Unexpected end while parsing path.");
    return expr_throw(c->rt, JSON_EXC, "Unexpected character while parsing path: %c", *c->p);
}

static void skip_spaces(path_ctx_t *c)
{
    while (c->p < c->end && *c->p == ' ') c->p++;
}

/* A quoted name inside [...] with \ escapes, into arena memory. */
static int read_quoted(path_ctx_t *c, char **name, size_t *len)
{
    char quote = *c->p++;
    char *o = expr_rt_alloc(c->rt, (size_t)(c->end - c->p) + 1);
    if (!o) return EXPR_THROWN;
    size_t n = 0;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' && c->p + 1 < c->end) c->p++;
        o[n++] = *c->p++;
    }
    if (c->p >= c->end) return expr_throw(c->rt, JSON_EXC, "Path ended with an open string.");
    c->p++;
    o[n] = '\0';
    *name = o;
    *len = n;
    return 0;
}

static bool read_long(path_ctx_t *c, long *out)
{
    const char *s = c->p;
    if (s < c->end && *s == '-') s++;
    if (s >= c->end || *s < '0' || *s > '9') return false;
    long v = 0;
    for (; s < c->end && *s >= '0' && *s <= '9'; s++)
        if (v < LONG_MAX / 10 - 10) v = v * 10 + (*s - '0');
    *out = *c->p == '-' ? -v : v;
    c->p = s;
    return true;
}

/* [ ... ] with c->p after '['. */
static int bracket(path_ctx_t *c, const path_set_t *in, path_set_t *out)
{
    skip_spaces(c);
    if (c->p >= c->end) return expr_throw(c->rt, JSON_EXC, "Path ended with open indexer.");
    if (*c->p == '*') {
        c->p++;
        skip_spaces(c);
        if (c->p >= c->end || *c->p != ']') return unexpected(c);
        c->p++;
        return select_children(c, in, out);
    }
    if (*c->p == '?' || *c->p == '(')
        return expr_throw(c->rt, JSON_EXC, "JSONPath filter expressions ([?(...)]) are not supported.");
    if (*c->p == '\'' || *c->p == '"') {
        for (;;) {
            char *name = NULL;
            size_t len = 0;
            if (read_quoted(c, &name, &len) || select_field(c, in, name, len, out)) return EXPR_THROWN;
            skip_spaces(c);
            if (c->p < c->end && *c->p == ',') {
                c->p++;
                skip_spaces(c);
                if (c->p < c->end && (*c->p == '\'' || *c->p == '"')) continue;
                return unexpected(c);
            }
            if (c->p < c->end && *c->p == ']') {
                c->p++;
                return 0;
            }
            return c->p >= c->end ? expr_throw(c->rt, JSON_EXC, "Path ended with open indexer.") : unexpected(c);
        }
    }
    /* Indexes, an index list or a slice. */
    long first;
    bool has_first = read_long(c, &first);
    skip_spaces(c);
    if (c->p < c->end && *c->p == ':') {
        long parts[3];
        bool has[3] = {has_first, false, false};
        parts[0] = first;
        for (int k = 1; k < 3 && c->p < c->end && *c->p == ':'; k++) {
            c->p++;
            skip_spaces(c);
            has[k] = read_long(c, &parts[k]);
            skip_spaces(c);
        }
        if (c->p >= c->end || *c->p != ']') return unexpected(c);
        c->p++;
        return select_slice(c, in, has[0] ? &parts[0] : NULL, has[1] ? &parts[1] : NULL,
                            has[2] ? parts[2] : 1, out);
    }
    if (!has_first) return unexpected(c);
    for (;;) {
        if (select_index(c, in, first, out)) return EXPR_THROWN;
        skip_spaces(c);
        if (c->p < c->end && *c->p == ']') {
            c->p++;
            return 0;
        }
        if (c->p >= c->end) return expr_throw(c->rt, JSON_EXC, "Path ended with open indexer.");
        if (*c->p != ',') return unexpected(c);
        c->p++;
        skip_spaces(c);
        if (!read_long(c, &first)) return unexpected(c);
    }
}

static size_t name_length(const path_ctx_t *c)
{
    const char *s = c->p;
    while (s < c->end && *s != '.' && *s != '[') s++;
    return (size_t)(s - c->p);
}

int json_path_select(expr_rt_t *rt, json_t *root, const char *path, size_t len,
                     bool error_when_no_match, json_t ***matches, size_t *count)
{
    path_ctx_t c = {rt, path, path + len, error_when_no_match};
    path_set_t cur = {0}, next;
    if (set_push(rt, &cur, root)) return EXPR_THROWN;
    skip_spaces(&c);
    if (c.p < c.end && (*c.p == '$' || *c.p == '@')) c.p++;
    else if (c.p < c.end && *c.p != '.' && *c.p != '[') {
        /* "a.b": a leading name without "$." */
        size_t n = name_length(&c);
        next = (path_set_t){0};
        if (select_field(&c, &cur, c.p, n, &next)) return EXPR_THROWN;
        c.p += n;
        cur = next;
    }
    while (c.p < c.end) {
        next = (path_set_t){0};
        if (*c.p == '[') {
            c.p++;
            if (bracket(&c, &cur, &next)) return EXPR_THROWN;
        } else if (*c.p == '.') {
            c.p++;
            bool recursive = c.p < c.end && *c.p == '.';
            if (recursive) c.p++;
            if (c.p < c.end && *c.p == '*') {
                c.p++;
                if (recursive) {
                    for (size_t i = 0; i < cur.count; i++)
                        if (scan(&c, cur.items[i], NULL, 0, &next, 0)) return EXPR_THROWN;
                } else if (select_children(&c, &cur, &next)) return EXPR_THROWN;
            } else {
                size_t n = name_length(&c);
                if (n == 0) return unexpected(&c);
                if (recursive) {
                    for (size_t i = 0; i < cur.count; i++)
                        if (scan(&c, cur.items[i], c.p, n, &next, 0)) return EXPR_THROWN;
                } else if (select_field(&c, &cur, c.p, n, &next)) return EXPR_THROWN;
                c.p += n;
            }
        } else if (*c.p == ' ') {
            skip_spaces(&c);
            if (c.p < c.end) return unexpected(&c);
            break;
        } else {
            return unexpected(&c);
        }
        cur = next;
    }
    *matches = cur.items;
    *count = cur.count;
    return 0;
}
