/* The per-request message model of exec.h: name/value lists, URLs, reason phrases,
 * variables. Everything allocates from the request's arena. */
#include "policy/exec.h"

#include "http/server.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- name/value lists ---- */

static bool name_equals(const policy_fields_t *f, const policy_field_t *it, const char *name,
                        size_t len)
{
    if (it->name_len != len) return false;
    return f->is_case_insensitive ? strncasecmp(it->name, name, len) == 0
                                  : memcmp(it->name, name, len) == 0;
}

size_t policy_fields_count(const policy_fields_t *f, const char *name, size_t len)
{
    size_t n = 0;
    for (uint32_t i = 0; i < f->count; i++)
        if (name_equals(f, &f->items[i], name, len)) n++;
    return n;
}

long policy_fields_find(const policy_fields_t *f, const char *name, size_t len, size_t from)
{
    for (size_t i = from; i < f->count; i++)
        if (name_equals(f, &f->items[i], name, len)) return (long)i;
    return -1;
}

int policy_fields_reserve(policy_fields_t *f, arena_t *arena, size_t extra)
{
    if (extra > UINT32_MAX - f->count) return -ENOMEM;
    if (f->count + extra <= f->cap) return 0;
    /* the arena cannot grow in place: copy into a larger array (the old one is simply left
     * behind until the request ends) */
    uint32_t cap = f->cap ? f->cap * 2 : 8;
    if (cap < f->count + extra) cap = (uint32_t)(f->count + extra);
    policy_field_t *items = arena_alloc(arena, cap * sizeof *items);
    if (!items) return -ENOMEM;
    if (f->count) memcpy(items, f->items, f->count * sizeof *items);
    f->items = items;
    f->cap = cap;
    return 0;
}

int policy_fields_push(policy_fields_t *f, arena_t *arena, const char *name, size_t name_len,
                       const char *value, size_t value_len)
{
    if (name_len > UINT32_MAX || value_len > UINT32_MAX) return -ENOMEM;
    if (f->count == f->cap && policy_fields_reserve(f, arena, 1) < 0) return -ENOMEM;
    f->items[f->count++] = (policy_field_t){name, value, (uint32_t)name_len, (uint32_t)value_len};
    return 0;
}

int policy_fields_add(policy_fields_t *f, arena_t *arena, const char *name, size_t name_len,
                      const char *value, size_t value_len)
{
    if (name_len > UINT32_MAX || value_len > UINT32_MAX) return -ENOMEM;
    char *n = arena_strndup(arena, name, name_len);
    char *v = arena_strndup(arena, value, value_len);
    if (!n || !v) return -ENOMEM;
    return policy_fields_push(f, arena, n, name_len, v, value_len);
}

size_t policy_fields_remove(policy_fields_t *f, const char *name, size_t len)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < f->count; i++)
        if (!name_equals(f, &f->items[i], name, len)) f->items[kept++] = f->items[i];
    size_t removed = f->count - kept;
    f->count = kept;
    return removed;
}

const char *policy_fields_join(const policy_fields_t *f, arena_t *arena, const char *name,
                               size_t len, size_t *out_len)
{
    size_t total = 0, n = 0;
    for (uint32_t i = 0; i < f->count; i++)
        if (name_equals(f, &f->items[i], name, len)) total += f->items[i].value_len + 1, n++;
    if (!n) return NULL;
    if (n == 1) {
        long i = policy_fields_find(f, name, len, 0);
        if (out_len) *out_len = f->items[i].value_len;
        return f->items[i].value;
    }
    char *out = arena_alloc(arena, total);
    if (!out) return NULL;
    size_t at = 0;
    for (uint32_t i = 0; i < f->count; i++) {
        if (!name_equals(f, &f->items[i], name, len)) continue;
        if (at) out[at++] = ',';
        memcpy(out + at, f->items[i].value, f->items[i].value_len);
        at += f->items[i].value_len;
    }
    out[at] = '\0';
    if (out_len) *out_len = at;
    return out;
}

/* ---- URLs ---- */

/* Splits a query string (without '?') into pairs as written. */
static int parse_query(arena_t *arena, const char *q, size_t len, policy_fields_t *out)
{
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && q[end] != '&') end++;
        if (end > i) {
            const char *eq = memchr(q + i, '=', end - i);
            size_t name_len = eq ? (size_t)(eq - (q + i)) : end - i;
            const char *value = eq ? eq + 1 : "";
            size_t value_len = eq ? (size_t)(q + end - value) : 0;
            if (policy_fields_add(out, arena, q + i, name_len, value, value_len) < 0)
                return -ENOMEM;
        }
        i = end + 1;
    }
    return 0;
}

int policy_url_parse(arena_t *arena, const char *text, size_t len, bool as_base, policy_url_t *url)
{
    memset(url, 0, sizeof *url);
    size_t scheme_len;
    if (len >= 7 && strncasecmp(text, "http://", 7) == 0) {
        url->scheme = "http";
        url->port = 80;
        scheme_len = 7;
    } else if (len >= 8 && strncasecmp(text, "https://", 8) == 0) {
        url->scheme = "https";
        url->port = 443;
        scheme_len = 8;
    } else {
        return -EINVAL;
    }
    const char *p = text + scheme_len, *end = text + len;
    const char *host_end = p;
    while (host_end < end && *host_end != '/' && *host_end != '?' && *host_end != '#') host_end++;
    const char *colon = NULL;
    /* a bracketed IPv6 literal keeps its colons */
    const char *h = p;
    if (h < host_end && *h == '[') {
        const char *close = memchr(h, ']', (size_t)(host_end - h));
        if (!close) return -EINVAL;
        if (close + 1 < host_end && close[1] == ':') colon = close + 1;
    } else {
        colon = memchr(h, ':', (size_t)(host_end - h));
    }
    const char *hn_end = colon ? colon : host_end;
    if (hn_end == p) return -EINVAL;
    if (colon) {
        long port = 0;
        if (colon + 1 == host_end) return -EINVAL;
        for (const char *c = colon + 1; c < host_end; c++) {
            if (!isdigit((unsigned char)*c)) return -EINVAL;
            port = port * 10 + (*c - '0');
            if (port > 65535) return -EINVAL;
        }
        url->port = (int)port;
    }
    url->host = arena_strndup(arena, p, (size_t)(hn_end - p));
    const char *path = host_end, *path_end = path;
    while (path_end < end && *path_end != '?' && *path_end != '#') path_end++;
    char *path_copy = arena_strndup(arena, path, (size_t)(path_end - path));
    if (!url->host || !path_copy) return -ENOMEM;
    if (as_base) {
        url->base_path = path_copy;
        url->path = "";
    } else {
        url->base_path = "";
        url->path = path_copy;
    }
    if (path_end < end && *path_end == '?') {
        const char *q = path_end + 1, *q_end = q;
        while (q_end < end && *q_end != '#') q_end++;
        if (parse_query(arena, q, (size_t)(q_end - q), &url->query) < 0) return -ENOMEM;
    }
    return 0;
}

/* Growable text in the arena, for URL assembly. */
typedef struct {
    arena_t *arena;
    char *data;
    size_t len, cap;
    bool failed;
} text_t;

static void text_put(text_t *t, const char *s, size_t n)
{
    if (t->failed) return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 128;
        while (cap < t->len + n + 1) cap *= 2;
        char *d = arena_alloc(t->arena, cap);
        if (!d) {
            t->failed = true;
            return;
        }
        if (t->len) memcpy(d, t->data, t->len);
        t->data = d;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void text_puts(text_t *t, const char *s)
{
    text_put(t, s, strlen(s));
}

/* base_path + path, with exactly one '/' at the join (§4.4 "avoid // on join"). */
void policy_url_path_pieces(const policy_url_t *url, const char **base, size_t *base_len,
                            const char **sep, const char **path)
{
    const char *b = url->base_path ? url->base_path : "";
    const char *p = url->path ? url->path : "";
    size_t bl = strlen(b);
    while (bl && b[bl - 1] == '/' && *p) bl--;
    *base = b;
    *base_len = bl;
    *sep = *p && *p != '/' ? "/" : "";
    *path = p;
}

static void put_path(text_t *t, const policy_url_t *url)
{
    const char *base, *sep, *path;
    size_t bl;
    policy_url_path_pieces(url, &base, &bl, &sep, &path);
    size_t start = t->len;
    text_put(t, base, bl);
    text_puts(t, sep);
    text_puts(t, path);
    if (t->len == start) text_put(t, "/", 1);
}

char *policy_url_path(arena_t *arena, const policy_url_t *url)
{
    text_t t = {.arena = arena};
    put_path(&t, url);
    return t.failed ? NULL : t.data;
}

char *policy_url_format(arena_t *arena, const policy_url_t *url, size_t *len)
{
    text_t t = {.arena = arena};
    text_puts(&t, url->scheme ? url->scheme : "http");
    text_put(&t, "://", 3);
    text_puts(&t, url->host ? url->host : "");
    bool is_default_port = (url->port == 80 && url->scheme && strcmp(url->scheme, "http") == 0) ||
                           (url->port == 443 && url->scheme && strcmp(url->scheme, "https") == 0);
    if (url->port && !is_default_port) {
        char port[16];
        int n = snprintf(port, sizeof port, ":%d", url->port);
        text_put(&t, port, (size_t)n);
    }
    put_path(&t, url);
    for (uint32_t i = 0; i < url->query.count; i++) {
        const policy_field_t *q = &url->query.items[i];
        text_put(&t, i ? "&" : "?", 1);
        text_put(&t, q->name, q->name_len);
        /* "?flag" stays without '=' (the gateway writes the same form, proxy_policy.c) */
        if (q->value_len) {
            text_put(&t, "=", 1);
            text_put(&t, q->value, q->value_len);
        }
    }
    if (t.failed) return NULL;
    if (len) *len = t.len;
    return t.data;
}

/* ---- reason phrases (RFC 9110 §15, plus 429 from RFC 6585) ---- */

const char *policy_status_reason(int status)
{
    return http_status_reason(status); /* one table: the server writes the same phrases */
}

/* ---- context.Variables ---- */

const expr_value_t *policy_exec_var_get(const policy_exec_t *exec, const char *name, size_t len)
{
    for (const policy_variable_t *v = exec->variables; v; v = v->next)
        if (v->name_len == len && memcmp(v->name, name, len) == 0) return &v->value;
    return NULL;
}

int policy_exec_var_set(policy_exec_t *exec, const char *name, size_t len, expr_value_t value)
{
    for (policy_variable_t *v = exec->variables; v; v = v->next) {
        if (v->name_len == len && memcmp(v->name, name, len) == 0) {
            v->value = value;
            return 0;
        }
    }
    policy_variable_t *v = arena_alloc(exec->arena, sizeof *v);
    char *copy = arena_strndup(exec->arena, name, len);
    if (!v || !copy) return -ENOMEM;
    *v = (policy_variable_t){copy, (uint32_t)len, value, exec->variables};
    exec->variables = v;
    return 0;
}
