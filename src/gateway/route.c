/* route_table: see route.h. Layout, built once per config:
 *
 *   hosts (open-addressing hash, lower-cased host name) ──► segment trie root
 *   default_root (APIs bound to no host name)           ──► segment trie root
 *   trie node: the API whose path ends here (if any) + children hashed by segment
 *   route_api_t: API + its operations' compiled templates, sorted by precedence
 *
 * Matching walks the request path once through one or two tries (one hash lookup per
 * segment), then tries the chosen API's templates in precedence order. Nothing is
 * allocated and nothing depends on how many APIs the table holds. */
#include "gateway/route.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most segments a URL template may have. A request path with more segments can still
 * match a template whose last segment is "*". */
#define ROUTE_MAX_SEGMENTS 64

typedef enum { SEG_LITERAL, SEG_PARAM, SEG_WILDCARD } route_seg_kind_t;

typedef struct {
    route_seg_kind_t kind;
    slice_t text; /* literal text or parameter name; points into the template */
} route_seg_t;

typedef struct {
    slice_t name;  /* query parameter name as written in the template */
    slice_t param; /* template parameter it binds */
} route_query_t;

typedef struct {
    const gw_operation_t *op;
    slice_t method; /* empty: any method ("*") */
    size_t seg_first, seg_count;
    size_t query_first, query_count;
    unsigned literal_count;
    bool has_wildcard;
    size_t order; /* definition order, the last tie-breaker */
} route_op_t;

typedef struct {
    const gw_api_t *api;
    size_t prefix_len; /* bytes of "/" + path; 0 for the catch-all "" */
    size_t op_first, op_count;
} route_api_t;

typedef struct route_node route_node_t;

typedef struct {
    uint32_t hash;
    slice_t seg;        /* points into the API path */
    route_node_t *node; /* NULL: empty slot */
} route_child_t;

struct route_node {
    const route_api_t *api; /* API whose path ends at this node */
    route_child_t *slots;   /* power-of-two capacity, or NULL */
    size_t capacity, count;
};

typedef struct {
    uint32_t hash;
    slice_t host;       /* lower-case, points into the config */
    route_node_t *root; /* NULL: empty slot */
} route_host_t;

struct route_table {
    route_api_t *apis;
    size_t api_count;
    route_op_t *ops;
    size_t op_count;
    route_seg_t *segs;
    size_t seg_count, seg_cap;
    route_query_t *queries;
    size_t query_count, query_cap;
    route_node_t **nodes; /* every node, so freeing needs no recursion */
    size_t node_count, node_cap;
    route_node_t *default_root;
    route_host_t *hosts;
    size_t host_capacity, host_count;
};

static inline unsigned char lower_ascii(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* FNV-1a over lower-cased bytes: host names (RFC 9110 §4.2.3) and, by our decision, path
 * literals (spec §7 #10) compare case-insensitively, so they must hash alike. */
static uint32_t hash_nocase(slice_t s)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < s.len; i++) {
        h ^= lower_ascii((unsigned char)s.ptr[i]);
        h *= 16777619u;
    }
    return h;
}

static int grow(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*array, n * elem);
    if (!p) return -1;
    *array = p;
    *cap = n;
    return 0;
}

static void set_error(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(char **err, const char *fmt, ...)
{
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0) *err = NULL;
    va_end(ap);
}

/* ---- trie ---- */

static route_node_t *node_new(route_table_t *t)
{
    if (grow((void **)&t->nodes, &t->node_cap, t->node_count + 1, sizeof *t->nodes) < 0)
        return NULL;
    route_node_t *n = calloc(1, sizeof *n);
    if (n) t->nodes[t->node_count++] = n;
    return n;
}

static route_node_t *node_child(const route_node_t *n, slice_t seg, uint32_t h)
{
    if (!n->slots) return NULL;
    size_t mask = n->capacity - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const route_child_t *c = &n->slots[i];
        if (!c->node) return NULL;
        if (c->hash == h && slice_eq_nocase(c->seg, seg)) return c->node;
    }
}

static int node_insert_slot(route_child_t *slots, size_t capacity, route_child_t c)
{
    size_t mask = capacity - 1;
    size_t i = c.hash & mask;
    while (slots[i].node)
        i = (i + 1) & mask;
    slots[i] = c;
    return 0;
}

static route_node_t *node_add_child(route_table_t *t, route_node_t *n, slice_t seg)
{
    uint32_t h = hash_nocase(seg);
    route_node_t *found = node_child(n, seg, h);
    if (found) return found;
    /* Keep the load factor at or below 1/2 so probes stay short. */
    if ((n->count + 1) * 2 > n->capacity) {
        size_t cap = n->capacity ? n->capacity * 2 : 4;
        route_child_t *slots = calloc(cap, sizeof *slots);
        if (!slots) return NULL;
        for (size_t i = 0; i < n->capacity; i++)
            if (n->slots[i].node) node_insert_slot(slots, cap, n->slots[i]);
        free(n->slots);
        n->slots = slots;
        n->capacity = cap;
    }
    route_node_t *child = node_new(t);
    if (!child) return NULL;
    node_insert_slot(n->slots, n->capacity, (route_child_t){h, seg, child});
    n->count++;
    return child;
}

/* Longest API path that prefixes `path` on a segment boundary (spec §4.2 step 2). */
static const route_api_t *trie_longest(const route_node_t *root, slice_t path)
{
    const route_node_t *n = root;
    const route_api_t *best = n->api; /* "" is a prefix of everything */
    size_t p = 1;                     /* path starts with '/' */
    while (p <= path.len) {
        size_t end = p;
        while (end < path.len && path.ptr[end] != '/')
            end++;
        slice_t seg = slice_make(path.ptr + p, end - p);
        n = node_child(n, seg, hash_nocase(seg));
        if (!n) break;
        if (n->api) best = n->api;
        p = end + 1;
    }
    return best;
}

/* ---- host groups ---- */

static route_host_t *host_find(const route_table_t *t, slice_t host, uint32_t h)
{
    if (!t->hosts) return NULL;
    size_t mask = t->host_capacity - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        route_host_t *e = &t->hosts[i];
        if (!e->root) return NULL;
        if (e->hash == h && slice_eq_nocase(e->host, host)) return e;
    }
}

static route_node_t *host_root(route_table_t *t, slice_t host)
{
    uint32_t h = hash_nocase(host);
    route_host_t *e = host_find(t, host, h);
    if (e) return e->root;
    if ((t->host_count + 1) * 2 > t->host_capacity) {
        size_t cap = t->host_capacity ? t->host_capacity * 2 : 8;
        route_host_t *hosts = calloc(cap, sizeof *hosts);
        if (!hosts) return NULL;
        for (size_t i = 0; i < t->host_capacity; i++) {
            if (!t->hosts[i].root) continue;
            size_t j = t->hosts[i].hash & (cap - 1);
            while (hosts[j].root)
                j = (j + 1) & (cap - 1);
            hosts[j] = t->hosts[i];
        }
        free(t->hosts);
        t->hosts = hosts;
        t->host_capacity = cap;
    }
    route_node_t *root = node_new(t);
    if (!root) return NULL;
    size_t j = h & (t->host_capacity - 1);
    while (t->hosts[j].root)
        j = (j + 1) & (t->host_capacity - 1);
    t->hosts[j] = (route_host_t){h, host, root};
    t->host_count++;
    return root;
}

/* Inserts API `a` under `root`; on a clash names the API already there. */
static int trie_insert(route_table_t *t, route_node_t *root, const route_api_t *a,
                       const route_api_t **clash)
{
    route_node_t *n = root;
    const char *p = a->api->path;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        n = node_add_child(t, n, slice_make(p, len));
        if (!n) return -1;
        p += len;
        if (*p == '/') p++;
    }
    if (n->api) {
        *clash = n->api;
        return -2;
    }
    n->api = a;
    return 0;
}

/* ---- URL templates ---- */

/* RFC 3986 §3.3 pchar, except '%' (checked with its two hex digits by the caller). */
static bool is_pchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c && strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Literal text (a path segment or query name): pchar or %XX; '*', '{', '}' refused because
 * they would read as a wildcard or parameter that does not work. */
static const char *check_literal(slice_t s, bool in_query)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '{' || c == '}') return "a parameter must be a whole segment, as in /{name}";
        if (c == '*') return "'*' is only allowed as the whole last segment, \"/*\"";
        if (c == '%') {
            if (i + 2 >= s.len || !is_hex(s.ptr[i + 1]) || !is_hex(s.ptr[i + 2]))
                return "bad percent-encoding (RFC 3986 §2.1)";
            i += 2;
            continue;
        }
        if (in_query && (c == '&' || c == '=')) return "bad query parameter name";
        if (!is_pchar(c)) return "character not allowed in a URL path (percent-encode it)";
    }
    return NULL;
}

static bool is_param_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '$' || c == '~';
}

/* "{name}" → name; returns an error or NULL. */
static const char *parse_param(slice_t s, slice_t *name)
{
    if (s.len < 2 || s.ptr[0] != '{' || s.ptr[s.len - 1] != '}')
        return "a parameter must be a whole segment, as in /{name}";
    *name = slice_make(s.ptr + 1, s.len - 2);
    if (name->len == 0) return "empty parameter name \"{}\"";
    for (size_t i = 0; i < name->len; i++)
        if (!is_param_char(name->ptr[i]))
            return "parameter names use letters, digits and _ - . $ ~";
    return NULL;
}

static bool param_seen(const slice_t *names, size_t n, slice_t name)
{
    for (size_t i = 0; i < n; i++)
        if (slice_eq(names[i], name)) return true;
    return false;
}

/* Compiles one URL template into t->segs / t->queries. Grammar (spec §4.2):
 *   template = "/" [ segment *( "/" segment ) ] [ "/" ] [ "?" name "={" param "}" *( "&" ... ) ]
 *   segment  = literal / "{" param "}" / "*" (last only)
 * Returns NULL or a message; `msg` holds messages that quote the template. */
static const char *compile_template(route_table_t *t, route_op_t *ro, const char *tpl, char *msg,
                                    size_t msg_size)
{
    if (!tpl || tpl[0] != '/') return "must start with '/'";
    const char *q = strchr(tpl, '?');
    slice_t path = slice_make(tpl, q ? (size_t)(q - tpl) : strlen(tpl));
    slice_t names[ROUTE_MAX_PARAMS];
    size_t param_count = 0;

    ro->seg_first = t->seg_count;
    ro->query_first = t->query_count;
    /* One trailing '/' is not a segment: "/orders/" is "/orders" (matching ignores it too). */
    if (path.len > 1 && path.ptr[path.len - 1] == '/' && path.ptr[path.len - 2] != '/')
        path.len--;
    size_t p = 1;
    while (p < path.len) {
        size_t end = p;
        while (end < path.len && path.ptr[end] != '/')
            end++;
        slice_t s = slice_make(path.ptr + p, end - p);
        if (s.len == 0) return "empty segment (\"//\")";
        if (ro->has_wildcard) return "\"/*\" is only allowed as the last segment";
        if (ro->seg_count == ROUTE_MAX_SEGMENTS) return "more than 64 segments";
        route_seg_t seg = {SEG_LITERAL, s};
        if (s.len == 1 && s.ptr[0] == '*') {
            seg.kind = SEG_WILDCARD;
            ro->has_wildcard = true;
        } else if (s.ptr[0] == '{') {
            const char *e = parse_param(s, &seg.text);
            if (e) return e;
            if (param_seen(names, param_count, seg.text)) {
                snprintf(msg, msg_size, "parameter \"%.*s\" appears twice", (int)seg.text.len,
                         seg.text.ptr);
                return msg;
            }
            if (param_count == ROUTE_MAX_PARAMS) return "more than 16 parameters";
            names[param_count++] = seg.text;
            seg.kind = SEG_PARAM;
        } else {
            const char *e = check_literal(s, false);
            if (e) return e;
            ro->literal_count++;
        }
        if (grow((void **)&t->segs, &t->seg_cap, t->seg_count + 1, sizeof *t->segs) < 0)
            return "out of memory";
        t->segs[t->seg_count++] = seg;
        ro->seg_count++;
        p = end + 1;
    }
    if (!q) return NULL;

    const char *qs = q + 1;
    if (!*qs) return "empty query part after '?'";
    while (*qs) {
        const char *amp = strchr(qs, '&');
        slice_t item = slice_make(qs, amp ? (size_t)(amp - qs) : strlen(qs));
        const char *eq = memchr(item.ptr, '=', item.len);
        if (!eq || eq == item.ptr) return "query part must be name={param} pairs joined by '&'";
        route_query_t rq = {slice_make(item.ptr, (size_t)(eq - item.ptr)), SLICE_NULL};
        const char *e = check_literal(rq.name, true);
        if (e) return e;
        e = parse_param(slice_make(eq + 1, item.len - rq.name.len - 1), &rq.param);
        if (e) return "query part must be name={param} pairs joined by '&'";
        for (size_t i = 0; i < ro->query_count; i++)
            if (slice_eq(t->queries[ro->query_first + i].name, rq.name))
                return "query parameter named twice";
        if (param_seen(names, param_count, rq.param)) {
            snprintf(msg, msg_size, "parameter \"%.*s\" appears twice", (int)rq.param.len,
                     rq.param.ptr);
            return msg;
        }
        if (param_count == ROUTE_MAX_PARAMS) return "more than 16 parameters";
        names[param_count++] = rq.param;
        if (grow((void **)&t->queries, &t->query_cap, t->query_count + 1, sizeof *t->queries) < 0)
            return "out of memory";
        t->queries[t->query_count++] = rq;
        ro->query_count++;
        if (!amp) break;
        qs = amp + 1;
        if (!*qs) return "query part ends with '&'";
    }
    return NULL;
}

/* Spec §4.2 step 4 precedence (§7 #10): more literal segments first; then templates
 * without the wildcard (so {param} beats the wildcard); then more bound query parameters (the
 * more specific template); then definition order. */
static int op_precedence_cmp(const void *pa, const void *pb)
{
    const route_op_t *a = pa, *b = pb;
    if (a->literal_count != b->literal_count) return a->literal_count > b->literal_count ? -1 : 1;
    if (a->has_wildcard != b->has_wildcard) return a->has_wildcard ? 1 : -1;
    if (a->query_count != b->query_count) return a->query_count > b->query_count ? -1 : 1;
    return a->order < b->order ? -1 : (a->order > b->order);
}

/* ---- build ---- */

void route_table_free(route_table_t *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->node_count; i++) {
        free(t->nodes[i]->slots);
        free(t->nodes[i]);
    }
    free(t->nodes);
    free(t->hosts);
    free(t->apis);
    free(t->ops);
    free(t->segs);
    free(t->queries);
    free(t);
}

static int check_api_path(const char *path)
{
    size_t n = strlen(path);
    if (n == 0) return 0;
    if (path[0] == '/' || path[n - 1] == '/' || strstr(path, "//")) return -1;
    return 0;
}

static int build_api(route_table_t *t, const gw_api_t *apis, size_t i, char **err)
{
    const gw_api_t *api = &apis[i];
    route_api_t *ra = &t->apis[i];
    char msg[160];

    if (!api->path || check_api_path(api->path) < 0) {
        set_error(err, "apis[%zu].path: must have no leading, trailing or doubled '/'", i);
        return -1;
    }
    ra->api = api;
    ra->prefix_len = api->path[0] ? strlen(api->path) + 1 : 0;
    ra->op_first = t->op_count;
    ra->op_count = api->operation_count;
    for (size_t j = 0; j < api->operation_count; j++) {
        const gw_operation_t *op = &api->operations[j];
        route_op_t *ro = &t->ops[t->op_count++];
        *ro = (route_op_t){.op = op, .order = j};
        if (!op->method || !op->method[0]) {
            set_error(err, "apis[%zu].operations[%zu].method: missing", i, j);
            return -1;
        }
        if (strcmp(op->method, "*") != 0) ro->method = slice_from_cstr(op->method);
        const char *e = compile_template(t, ro, op->url_template, msg, sizeof msg);
        if (e) {
            set_error(err, "apis[%zu].operations[%zu].urlTemplate: %s", i, j, e);
            return -1;
        }
    }
    qsort(t->ops + ra->op_first, ra->op_count, sizeof *t->ops, op_precedence_cmp);

    const route_api_t *clash = NULL;
    int rc = 0;
    if (api->hostname_count == 0) {
        rc = trie_insert(t, t->default_root, ra, &clash);
        if (rc == -2)
            set_error(err, "apis[%zu].path: \"%s\" is already used by apis[%zu] (\"%s\")", i,
                      api->path, (size_t)(clash - t->apis), clash->api->id ? clash->api->id : "");
    }
    for (size_t k = 0; rc == 0 && k < api->hostname_count; k++) {
        slice_t host = slice_from_cstr(api->hostnames[k]);
        if (host.len == 0) {
            set_error(err, "apis[%zu].hostnames[%zu]: empty host name", i, k);
            return -1;
        }
        route_node_t *root = host_root(t, host);
        rc = root ? trie_insert(t, root, ra, &clash) : -1;
        if (rc == -2)
            set_error(err,
                      "apis[%zu].path: \"%s\" on host \"%s\" is already used by apis[%zu] (\"%s\")",
                      i, api->path, api->hostnames[k], (size_t)(clash - t->apis),
                      clash->api->id ? clash->api->id : "");
    }
    if (rc == -1) set_error(err, "out of memory");
    return rc < 0 ? -1 : 0;
}

route_table_t *route_table_build(const gw_api_t *apis, size_t api_count, char **err)
{
    if (err) *err = NULL;
    route_table_t *t = calloc(1, sizeof *t);
    if (!t) goto fail_alloc;
    size_t op_total = 0;
    for (size_t i = 0; i < api_count; i++)
        op_total += apis[i].operation_count;
    t->api_count = api_count;
    t->apis = calloc(api_count ? api_count : 1, sizeof *t->apis);
    t->ops = calloc(op_total ? op_total : 1, sizeof *t->ops);
    if (!t->apis || !t->ops) goto fail_alloc;
    t->default_root = node_new(t);
    if (!t->default_root) goto fail_alloc;
    for (size_t i = 0; i < api_count; i++)
        if (build_api(t, apis, i, err) < 0) goto fail_api;
    return t;

fail_alloc:
    set_error(err, "out of memory");
fail_api:
    route_table_free(t);
    return NULL;
}

/* ---- match ---- */

/* Host field → host name: the port removed (RFC 9110 §7.2: the Host header is
 * uri-host [":" port]), IPv6 literals keep their brackets, one trailing '.' of an absolute
 * FQDN dropped. */
static slice_t host_name_of(slice_t h)
{
    size_t n = h.len;
    if (n == 0) return h; /* HTTP/1.0 without Host: the no-hostname APIs */
    if (h.ptr[0] == '[') {
        const char *close = memchr(h.ptr, ']', n);
        if (close) n = (size_t)(close - h.ptr) + 1;
    } else {
        const char *colon = memchr(h.ptr, ':', n);
        if (colon) n = (size_t)(colon - h.ptr);
    }
    if (n > 1 && h.ptr[n - 1] == '.') n--;
    return slice_make(h.ptr, n);
}

/* Value of query parameter `name` (first occurrence, raw); false when absent. */
static bool query_find(slice_t query, slice_t name, slice_t *value)
{
    size_t p = 0;
    while (p < query.len) {
        size_t end = p;
        while (end < query.len && query.ptr[end] != '&')
            end++;
        size_t eq = p;
        while (eq < end && query.ptr[eq] != '=')
            eq++;
        if (slice_eq(slice_make(query.ptr + p, eq - p), name)) {
            *value = eq < end ? slice_make(query.ptr + eq + 1, end - eq - 1)
                              : slice_make(query.ptr + end, 0);
            return true;
        }
        p = end + 1;
    }
    return false;
}

static bool op_matches(const route_table_t *t, const route_op_t *ro, slice_t method,
                       const slice_t *segs, size_t nseg, slice_t query, route_match_t *out)
{
    /* RFC 9110 §9.1: the method token is case-sensitive. */
    if (ro->method.len && !slice_eq(ro->method, method)) return false;
    if (!ro->has_wildcard && nseg != ro->seg_count) return false;
    if (ro->has_wildcard && nseg < ro->seg_count - 1) return false;
    size_t pc = 0;
    /* No template segment at all: t->segs may never have been allocated. */
    const route_seg_t *ts = ro->seg_count ? &t->segs[ro->seg_first] : NULL;
    for (size_t i = 0; i < ro->seg_count; i++) {
        if (ts[i].kind == SEG_WILDCARD) break; /* the rest, even nothing, spec §4.2 */
        if (ts[i].kind == SEG_LITERAL) {
            if (!slice_eq_nocase(ts[i].text, segs[i])) return false;
        } else {
            if (segs[i].len == 0) return false; /* a parameter is never empty */
            out->params[pc].name = ts[i].text;
            out->params[pc].value = segs[i];
            pc++;
        }
    }
    /* A template's query part requires each named parameter to be present (spec §4.2). */
    for (size_t i = 0; i < ro->query_count; i++) {
        const route_query_t *rq = &t->queries[ro->query_first + i];
        slice_t value;
        if (!query_find(query, rq->name, &value)) return false;
        out->params[pc].name = rq->param;
        out->params[pc].value = value;
        pc++;
    }
    out->param_count = pc;
    return true;
}

int route_table_match(const route_table_t *t, slice_t host, slice_t method, slice_t path,
                      slice_t query, route_match_t *out)
{
    out->api = NULL;
    out->operation = NULL;
    out->suffix = SLICE_NULL;
    out->param_count = 0;
    if (path.len == 0 || path.ptr[0] != '/') return ROUTE_NO_API;

    const route_api_t *ra = NULL;
    slice_t name = host_name_of(host);
    if (name.len) {
        const route_host_t *e = host_find(t, name, hash_nocase(name));
        if (e) ra = trie_longest(e->root, path);
    }
    /* No API for this host name (or none bound to it): the APIs bound to no host. */
    if (!ra) ra = trie_longest(t->default_root, path);
    if (!ra) return ROUTE_NO_API;
    out->api = ra->api;
    out->suffix = slice_make(path.ptr + ra->prefix_len, path.len - ra->prefix_len);

    /* Split the suffix once. One trailing '/' is ignored, as in templates. Segments past
     * ROUTE_MAX_SEGMENTS are only counted: no template can name them. */
    slice_t segs[ROUTE_MAX_SEGMENTS];
    size_t nseg = 0;
    slice_t rest = out->suffix;
    if (rest.len && rest.ptr[rest.len - 1] == '/') rest.len--;
    for (size_t p = 1; p <= rest.len && rest.len;) {
        size_t end = p;
        while (end < rest.len && rest.ptr[end] != '/')
            end++;
        if (nseg < ROUTE_MAX_SEGMENTS) segs[nseg] = slice_make(rest.ptr + p, end - p);
        nseg++;
        p = end + 1;
    }
    size_t usable = nseg < ROUTE_MAX_SEGMENTS ? nseg : ROUTE_MAX_SEGMENTS;

    for (size_t i = 0; i < ra->op_count; i++) {
        const route_op_t *ro = &t->ops[ra->op_first + i];
        if (nseg > ROUTE_MAX_SEGMENTS && !ro->has_wildcard) continue;
        if (op_matches(t, ro, method, segs, usable, query, out)) {
            out->operation = ro->op;
            return ROUTE_OK;
        }
    }
    out->param_count = 0;
    return ROUTE_NO_OPERATION;
}
