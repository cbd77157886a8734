/* Fuzz driver for the snapshot compiler (src/gateway/config.h), the route table it builds
 * (src/gateway/route.h) and json_locate (src/base/json_locate.h). Every input is compiled
 * as a snapshot for region "West US". abort() on any broken invariant:
 * - a failed compile returns NULL with a message "fuzz.json:LINE:COL: text", LINE and COL
 *   >= 1 and LINE no further than the input has lines (docs/snapshot.md "Errors");
 * - a compiled config holds what config.h promises (one reference, the region, operations
 *   pointing at their API, lower-case host names, paths without outer '/', timeouts in
 *   range), and json_locate finds its members (apis[i].id, ...) at their string values;
 * - requests derived from the input are matched (route.h), each from exact-size heap
 *   copies so that ASan sees any read past the request (an empty Host, method or query
 *   sometimes as SLICE_NULL, as the server passes an absent one):
 *   * the result is ROUTE_OK, ROUTE_NO_API or ROUTE_NO_OPERATION, with api/operation set
 *     accordingly, both belonging to the config, and param_count <= ROUTE_MAX_PARAMS;
 *   * the matched API's "/" + path prefixes the request path on a segment boundary and
 *     the suffix is the rest of the path, inside the path buffer;
 *   * a matched operation takes the request method (or "*"), binds every parameter of its
 *     template, names point into its template, values lie in the path (non-empty, no '/')
 *     or query buffer;
 *   * a request built from an operation's template (its API's host name and path, literal
 *     segments, parameter values, required query names) is matched by that API, or by
 *     one with a longer path in the same host group; in that API, by that operation or
 *     one of no lower precedence (docs/snapshot.md "Request matching");
 * - json_locate on arbitrary text and keys stays in bounds, returns -1..depth and positions
 *   that agree with json_locate_offset; json_locate_format_path truncates like snprintf and
 *   json_locate_parse_path reads its output back;
 * - gateway_backend_url_parse on the input's URLs and pieces: a parsed URL has a lower-case host,
 *   a port, a base path without trailing '/' and the Host/origin forms of
 *   docs/snapshot.md "Backend URLs"; a refused one has a message and an empty result.
 * Leak-free by construction: every config is unref'd and every message freed. */
#include "gateway/config.h"
#include "base/json_locate.h"
#include "gateway/route.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_snapshot: invariant failed: %s (line %d)\n", #cond, __LINE__);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define SOURCE "fuzz.json"
#define REGION "West US"
#define MAX_TOKENS 64
#define MAX_TOKEN_LEN 64
#define TEMPLATE_REQUESTS 6
#define RAW_REQUESTS 3

/* ---- helpers ---- */

static bool slice_within(slice_t s, const char *buf, size_t len)
{
    uintptr_t lo = (uintptr_t)buf, hi = lo + len, p = (uintptr_t)s.ptr;
    if (s.len == 0) return s.ptr == NULL || (p >= lo && p <= hi);
    return p >= lo && p <= hi && s.len <= hi - p;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_lower(const char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') return false;
    return true;
}

static char *copy_of(const char *data, size_t len)
{
    char *c = malloc(len ? len : 1);
    if (!c) abort();
    if (len) memcpy(c, data, len);
    return c;
}

/* splitmix64, seeded from the input: the requests are a function of the input bytes. */
typedef struct {
    uint64_t state;
} rng_t;

static uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t pick(rng_t *r, size_t n)
{
    return n ? (size_t)(rng_next(r) % n) : 0;
}

static bool coin(rng_t *r, unsigned one_in)
{
    return pick(r, one_in) == 0;
}

/* Pieces of the input between '"' (mostly the snapshot's strings: path literals, host
 * names, methods), used as request material so that requests resemble the config. */
typedef struct {
    slice_t items[MAX_TOKENS];
    size_t count;
} tokens_t;

static void collect_tokens(const char *text, size_t len, tokens_t *t)
{
    t->count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len && t->count < MAX_TOKENS; i++) {
        if (i < len && text[i] != '"') continue;
        size_t n = i - start;
        if (n > 0 && n <= MAX_TOKEN_LEN) t->items[t->count++] = slice_make(text + start, n);
        start = i + 1;
    }
}

/* A bounded string builder; overflowing it truncates and says so (a template's literals
 * can be long, and a truncated request no longer proves anything about matching). */
typedef struct {
    char buf[4096];
    size_t len;
    bool is_truncated;
} sb_t;

static void sb_putc(sb_t *b, char c)
{
    if (b->len < sizeof b->buf)
        b->buf[b->len++] = c;
    else
        b->is_truncated = true;
}

static void sb_put(sb_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_putc(b, s[i]);
}

static void sb_puts(sb_t *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* Appends s with ASCII letters' case flipped at random (paths and hosts compare
 * case-insensitively). */
static void sb_put_flipped(sb_t *b, rng_t *r, const char *s, size_t n)
{
    bool flip = coin(r, 2);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (flip && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && coin(r, 2)) c ^= 0x20;
        sb_putc(b, c);
    }
}

/* Appends a token (or a fixed word) with the bytes in `banned` replaced; `non_empty`
 * guarantees at least one byte. */
static void sb_put_word(sb_t *b, rng_t *r, const tokens_t *t, const char *banned, bool non_empty)
{
    static const char *const words[] = {"1", "abc", "%2F", "%41b", "..", "x-y_z~", "\xc3\xa9"};
    slice_t w;
    if (t->count && coin(r, 2))
        w = t->items[pick(r, t->count)];
    else
        w = slice_from_cstr(words[pick(r, sizeof words / sizeof words[0])]);
    size_t n = w.len > 24 ? 24 : w.len, start = b->len;
    for (size_t i = 0; i < n; i++) {
        char c = w.ptr[i];
        sb_putc(b, c && strchr(banned, c) ? 'x' : c);
    }
    if (non_empty && b->len == start) sb_putc(b, 'x');
}

/* ---- error messages ---- */

static size_t line_count(const char *text, size_t len)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    return lines;
}

/* Parses a decimal number >= 1 at *p. */
static unsigned long read_position(const char **p)
{
    const char *s = *p;
    unsigned long v = 0;
    while (*s >= '0' && *s <= '9' && v < 100000000ul)
        v = v * 10 + (unsigned long)(*s++ - '0');
    CHECK(s != *p);
    *p = s;
    return v;
}

static void check_error(const char *err, const char *text, size_t len)
{
    CHECK(err != NULL);
    size_t n = strlen(SOURCE);
    CHECK(strncmp(err, SOURCE, n) == 0 && err[n] == ':');
    const char *p = err + n + 1;
    unsigned long line = read_position(&p);
    CHECK(*p == ':');
    p++;
    unsigned long col = read_position(&p);
    CHECK(p[0] == ':' && p[1] == ' ' && p[2] != '\0');
    CHECK(line >= 1 && col >= 1);
    CHECK(line <= line_count(text, len));
}

/* ---- json_locate ---- */

static void check_pos(const char *text, size_t len, json_locate_pos_t pos)
{
    CHECK(pos.offset <= len);
    json_locate_pos_t again = json_locate_offset(text, len, pos.offset);
    CHECK(again.offset == pos.offset && again.line == pos.line && again.column == pos.column);
    CHECK(pos.line >= 1 && pos.column >= 1);
}

static int locate_checked(const char *text, size_t len, const json_locate_step_t *path,
                          size_t depth, json_locate_pos_t *pos)
{
    int rc = json_locate(text, len, path, depth, pos);
    CHECK(rc >= -1 && rc <= (int)depth);
    check_pos(text, len, *pos);
    if (rc == -1) {
        CHECK(pos->offset == len);
        for (size_t i = 0; i < len; i++)
            CHECK(is_ws(text[i]));
    } else {
        CHECK(pos->offset < len && !is_ws(text[pos->offset]));
    }
    return rc;
}

static bool steps_equal(const json_locate_step_t *a, const json_locate_step_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((a[i].key == NULL) != (b[i].key == NULL)) return false;
        if (a[i].key ? a[i].key_len != b[i].key_len || memcmp(a[i].key, b[i].key, a[i].key_len)
                     : a[i].index != b[i].index)
            return false;
    }
    return true;
}

/* Formats a path, checks truncation behaves like snprintf, and parses it back. Keys are
 * copied byte for byte (a key with a NUL byte gives a NUL inside), so compare by length. */
static void check_path_round_trip(const json_locate_step_t *path, size_t depth)
{
    char out[512], small[8];
    size_t want = json_locate_format_path(path, depth, out, sizeof out);
    CHECK(json_locate_format_path(path, depth, NULL, 0) == want);
    CHECK(json_locate_format_path(path, depth, small, sizeof small) == want);
    size_t kept = want < sizeof small ? want : sizeof small - 1;
    CHECK(small[kept] == '\0');
    if (want >= sizeof out) return;
    CHECK(out[want] == '\0' && memcmp(small, out, kept) == 0);
    json_locate_step_t back[16];
    int n = json_locate_parse_path(out, want, back, 16);
    if (n >= 0) CHECK((size_t)n == depth && steps_equal(path, back, depth));
}

/* json_locate with fixed paths and with a path parsed from the input's own tokens. */
static void fuzz_locate(const char *text, size_t len, const tokens_t *tok, rng_t *r)
{
    json_locate_pos_t pos;
    const json_locate_step_t tpl[] = {
        {"apis", 4, 0}, {NULL, 0, pick(r, 3)},  {"operations", 10, 0},
        {NULL, 0, 0},   {"urlTemplate", 11, 0},
    };
    const json_locate_step_t region[] = {{"regions", 7, 0}, {NULL, 0, pick(r, 3)}, {"name", 4, 0}};
    locate_checked(text, len, tpl, 5, &pos);
    locate_checked(text, len, region, 3, &pos);
    locate_checked(text, len, NULL, 0, &pos);
    check_path_round_trip(tpl, 5);

    json_locate_step_t steps[8];
    for (size_t i = 0; i < 2 && tok->count; i++) {
        slice_t s = tok->items[pick(r, tok->count)];
        int n = json_locate_parse_path(s.ptr, s.len, steps, 8);
        CHECK(n >= -1 && n <= 8);
        if (n <= 0) continue;
        for (int k = 0; k < n; k++)
            if (steps[k].key)
                CHECK(slice_within(slice_make(steps[k].key, steps[k].key_len), s.ptr, s.len));
        locate_checked(text, len, steps, (size_t)n, &pos);
        check_path_round_trip(steps, (size_t)n);
    }
    /* Keys taken as they are (escapes, UTF-8, quotes): compared after decoding the text's
     * escapes, formatted quoted. */
    if (tok->count) {
        slice_t k1 = tok->items[pick(r, tok->count)], k2 = tok->items[pick(r, tok->count)];
        const json_locate_step_t any[] = {
            {k1.ptr, k1.len, 0}, {NULL, 0, pick(r, 2)}, {k2.ptr, k2.len, 0}};
        locate_checked(text, len, any, 3, &pos);
        check_path_round_trip(any, 3);
    }
}

/* Members a compiled snapshot must have, located where their string values start. */
static void check_located_members(const char *text, size_t len, const gateway_config_t *cfg,
                                  rng_t *r)
{
    json_locate_pos_t pos;
    const json_locate_step_t rev[] = {{"revision", 8, 0}};
    CHECK(locate_checked(text, len, rev, 1, &pos) == 1);
    CHECK((text[pos.offset] >= '0' && text[pos.offset] <= '9') || text[pos.offset] == '-');
    const json_locate_step_t name[] = {{"service", 7, 0}, {"name", 4, 0}};
    CHECK(locate_checked(text, len, name, 2, &pos) == 2 && text[pos.offset] == '"');
    if (cfg->api_count == 0) return;
    size_t i = pick(r, cfg->api_count);
    const gw_api_t *a = &cfg->apis[i];
    const json_locate_step_t id[] = {{"apis", 4, 0}, {NULL, 0, i}, {"id", 2, 0}};
    CHECK(locate_checked(text, len, id, 3, &pos) == 3 && text[pos.offset] == '"');
    if (a->operation_count == 0) return;
    const json_locate_step_t tpl[] = {
        {"apis", 4, 0},         {NULL, 0, i},
        {"operations", 10, 0},  {NULL, 0, pick(r, a->operation_count)},
        {"urlTemplate", 11, 0},
    };
    CHECK(locate_checked(text, len, tpl, 5, &pos) == 5 && text[pos.offset] == '"');
}

/* ---- backend URLs ---- */

/* gateway_backend_url_parse on `t`, behind `scheme`: a result obeys docs/snapshot.md
 * "Backend URLs"; a failure sets a message and leaves *out empty. */
static void check_backend_url(const char *scheme, slice_t t)
{
    sb_t b = {.len = 0, .is_truncated = false};
    sb_puts(&b, scheme);
    sb_put(&b, t.ptr, t.len);
    char *url = malloc(b.len + 1);
    if (!url) abort();
    memcpy(url, b.buf, b.len);
    url[b.len] = '\0';

    gw_backend_url_t u;
    const char *why = NULL;
    if (gateway_backend_url_parse(url, &u, &why) < 0) {
        CHECK(why != NULL && why[0] != '\0');
        CHECK(!u.url && !u.host && !u.base_path && !u.host_header && !u.origin_key);
        free(url);
        return;
    }
    CHECK(u.url && strcmp(u.url, url) == 0);
    CHECK(u.host && u.host[0] && is_lower(u.host) && u.port >= 1);
    size_t n = strlen(u.base_path);
    CHECK(n == 0 || (u.base_path[0] == '/' && u.base_path[n - 1] != '/'));
    /* An IPv6 host keeps its brackets in both forms; the Host field omits port 80. */
    bool is_ipv6 = strchr(u.host, ':') != NULL;
    char want[600];
    snprintf(want, sizeof want, "%s%s%s:%u", is_ipv6 ? "[" : "", u.host, is_ipv6 ? "]" : "",
             u.port);
    CHECK(strcmp(u.origin_key, want) == 0);
    if (u.port == 80) want[strlen(want) - 3] = '\0';
    CHECK(strcmp(u.host_header, want) == 0);
    gateway_backend_url_free(&u);
    CHECK(!u.url && !u.host);
    gateway_backend_url_free(&u);
    free(url);
}

/* Every token that names a scheme as it is (the snapshot's URLs), and one token behind
 * "http://" or "HTTP://[". */
static void fuzz_backend_url(rng_t *r, const tokens_t *tok)
{
    for (size_t i = 0; i < tok->count; i++) {
        slice_t t = tok->items[i];
        if (t.len > 3 && memmem(t.ptr, t.len, "://", 3)) check_backend_url("", t);
    }
    if (tok->count)
        check_backend_url(coin(r, 2) ? "http://" : "HTTP://[", tok->items[pick(r, tok->count)]);
}

/* ---- the compiled config ---- */

static void check_config(const gateway_config_t *cfg)
{
    CHECK(cfg->refcount == 1);
    CHECK(cfg->region && strcmp(cfg->region, REGION) == 0);
    CHECK(cfg->service_name && cfg->service_name[0]);
    CHECK(cfg->routes != NULL && cfg->doc != NULL);
    CHECK(cfg->api_count == 0 || cfg->apis != NULL);
    for (size_t i = 0; i < cfg->api_count; i++) {
        const gw_api_t *a = &cfg->apis[i];
        CHECK(a->id && a->id[0] && a->display_name && a->path);
        size_t n = strlen(a->path);
        CHECK(n <= 400 && (n == 0 || (a->path[0] != '/' && a->path[n - 1] != '/')));
        CHECK(strstr(a->path, "//") == NULL);
        CHECK(a->hostname_count == 0 || a->hostnames != NULL);
        for (size_t k = 0; k < a->hostname_count; k++)
            CHECK(a->hostnames[k][0] && is_lower(a->hostnames[k]));
        CHECK(a->backend.url && a->backend.host && a->backend.base_path);
        CHECK(a->backend.host_header && a->backend.origin_key && a->backend.port > 0);
        size_t bp = strlen(a->backend.base_path);
        CHECK(bp == 0 || a->backend.base_path[bp - 1] != '/');
        for (size_t j = 0; j < a->operation_count; j++) {
            const gw_operation_t *op = &a->operations[j];
            CHECK(op->api == a);
            CHECK(op->id && op->display_name && op->method && op->method[0]);
            CHECK(op->url_template && op->url_template[0] == '/');
            CHECK(op->timeout_ms >= 1000 && op->timeout_ms <= 86400u * 1000u);
        }
    }
}

/* ---- requests ---- */

typedef struct {
    sb_t host, method, path, query;
    /* Set when the request was built from this operation's template. */
    const gw_operation_t *from_op;
    const char *from_host; /* the API host name used, or NULL (an unbound host) */
} request_t;

static size_t prefix_len(const gw_api_t *a)
{
    return a->path[0] ? strlen(a->path) + 1 : 0;
}

static bool api_has_host(const gw_api_t *a, const char *host)
{
    for (size_t k = 0; k < a->hostname_count; k++)
        if (strcmp(a->hostnames[k], host) == 0) return true;
    return false;
}

static bool any_api_has_host(const gateway_config_t *cfg, const char *host)
{
    for (size_t i = 0; i < cfg->api_count; i++)
        if (api_has_host(&cfg->apis[i], host)) return true;
    return false;
}

/* Template shape, as docs/snapshot.md defines precedence. */
typedef struct {
    unsigned literals, params, queries;
    bool has_wildcard;
} template_shape_t;

static template_shape_t shape_of(const char *tpl)
{
    template_shape_t s = {0};
    const char *q = strchr(tpl, '?');
    size_t n = q ? (size_t)(q - tpl) : strlen(tpl);
    for (size_t p = 1; p < n;) {
        size_t end = p;
        while (end < n && tpl[end] != '/')
            end++;
        if (end > p) {
            if (end - p == 1 && tpl[p] == '*')
                s.has_wildcard = true;
            else if (tpl[p] == '{')
                s.params++;
            else
                s.literals++;
        }
        p = end + 1;
    }
    for (const char *c = q; c && *c; c++)
        if (*c == '{') s.queries++, s.params++;
    return s;
}

/* true when operation a goes before b (spec §4.2 step 4). */
static bool precedes(const gw_operation_t *a, const gw_operation_t *b)
{
    template_shape_t x = shape_of(a->url_template), y = shape_of(b->url_template);
    if (x.literals != y.literals) return x.literals > y.literals;
    if (x.has_wildcard != y.has_wildcard) return !x.has_wildcard;
    if (x.queries != y.queries) return x.queries > y.queries;
    return a < b;
}

/* Builds a request that `op`'s template matches: the API's path, the template's literal
 * segments, a non-empty value per {param}, anything for "*", each query name. */
static void build_from_template(request_t *rq, rng_t *r, const tokens_t *tok,
                                const gateway_config_t *cfg, const gw_api_t *a,
                                const gw_operation_t *op)
{
    rq->from_op = op;
    if (a->hostname_count) {
        const char *h = a->hostnames[pick(r, a->hostname_count)];
        static const char *const tails[] = {"", ".", ":8080", ".:443"};
        rq->from_host = h;
        sb_put_flipped(&rq->host, r, h, strlen(h));
        /* A stored name ending in '.' came from "name.." and needs its second dot. */
        sb_puts(&rq->host, h[strlen(h) - 1] == '.' ? "." : tails[pick(r, 4)]);
    } else {
        static const char *const unbound[] = {"", "unbound.invalid", "unbound.invalid:80"};
        const char *h = unbound[pick(r, 3)];
        if (h[0] && any_api_has_host(cfg, "unbound.invalid")) h = "";
        sb_puts(&rq->host, h);
    }
    if (strcmp(op->method, "*") == 0)
        sb_put_word(&rq->method, r, tok, "", false);
    else
        sb_puts(&rq->method, op->method);

    if (a->path[0]) {
        sb_putc(&rq->path, '/');
        sb_put_flipped(&rq->path, r, a->path, strlen(a->path));
    }
    const char *tpl = op->url_template, *q = strchr(tpl, '?');
    size_t n = q ? (size_t)(q - tpl) : strlen(tpl);
    for (size_t p = 1; p < n;) {
        size_t end = p;
        while (end < n && tpl[end] != '/')
            end++;
        if (end - p == 1 && tpl[p] == '*') {
            for (size_t k = pick(r, 4); k > 0; k--) {
                sb_putc(&rq->path, '/');
                sb_put_word(&rq->path, r, tok, "/?", false);
            }
        } else if (end > p && tpl[p] == '{') {
            sb_putc(&rq->path, '/');
            sb_put_word(&rq->path, r, tok, "/?", true);
        } else if (end > p) {
            sb_putc(&rq->path, '/');
            sb_put_flipped(&rq->path, r, tpl + p, end - p);
        }
        p = end + 1;
    }
    if (rq->path.len == 0)
        sb_putc(&rq->path, '/');
    else if (rq->path.buf[rq->path.len - 1] != '/' && coin(r, 4))
        sb_putc(&rq->path, '/');

    /* Query: the template's names (each "name={param}"), in order, with noise around. */
    bool first = true;
    if (coin(r, 3)) {
        sb_put_word(&rq->query, r, tok, "&", false);
        first = false;
    }
    for (const char *item = q ? q + 1 : NULL; item && *item;) {
        const char *eq = strchr(item, '='), *amp = strchr(item, '&');
        if (!first) sb_putc(&rq->query, '&');
        first = false;
        sb_put(&rq->query, item, (size_t)(eq - item));
        if (!coin(r, 4)) {
            sb_putc(&rq->query, '=');
            sb_put_word(&rq->query, r, tok, "&", false);
        }
        item = amp ? amp + 1 : NULL;
    }
    if (coin(r, 3)) {
        if (!first) sb_putc(&rq->query, '&');
        sb_put_word(&rq->query, r, tok, "", false);
    }
    if (rq->host.is_truncated || rq->path.is_truncated || rq->query.is_truncated)
        rq->from_op = NULL, rq->from_host = NULL;
}

/* A request from input material only: a path of tokens or the input's tail, split at '?'
 * like the HTTP parser does. */
static void build_raw(request_t *rq, rng_t *r, const tokens_t *tok, const char *text, size_t len)
{
    if (coin(r, 2)) sb_put_word(&rq->host, r, tok, "", false);
    if (coin(r, 3)) sb_puts(&rq->host, ":8080");
    if (coin(r, 3))
        sb_puts(&rq->method, "GET");
    else
        sb_put_word(&rq->method, r, tok, "", false);
    sb_t raw = {.len = 0, .is_truncated = false};
    if (coin(r, 4)) {
        size_t n = len < 128 ? len : 128;
        sb_put(&raw, text + len - n, n);
    } else {
        if (!coin(r, 8)) sb_putc(&raw, '/');
        for (size_t k = pick(r, 5); k > 0; k--) {
            sb_put_word(&raw, r, tok, "", false);
            if (k > 1 || coin(r, 4)) sb_putc(&raw, '/');
        }
    }
    const char *qm = memchr(raw.buf, '?', raw.len);
    size_t plen = qm ? (size_t)(qm - raw.buf) : raw.len;
    sb_put(&rq->path, raw.buf, plen);
    if (qm) sb_put(&rq->query, qm + 1, raw.len - plen - 1);
}

static bool ascii_eq_nocase(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x |= 0x20;
        if (y >= 'A' && y <= 'Z') y |= 0x20;
        if (x != y) return false;
    }
    return true;
}

static bool slice_has(slice_t s, char c)
{
    return s.len && memchr(s.ptr, c, s.len) != NULL;
}

static void check_match(const gateway_config_t *cfg, const request_t *rq, int rc,
                        const route_match_t *m, slice_t method, slice_t path, slice_t query)
{
    CHECK(rc == ROUTE_OK || rc == ROUTE_NO_API || rc == ROUTE_NO_OPERATION);
    CHECK(m->param_count <= ROUTE_MAX_PARAMS);
    if (rc == ROUTE_NO_API) {
        CHECK(m->api == NULL && m->operation == NULL && m->param_count == 0);
        CHECK(rq->from_op == NULL);
        return;
    }
    /* The API belongs to the config and prefixes the path on a segment boundary. */
    const gw_api_t *a = m->api;
    CHECK(a != NULL && cfg->api_count > 0);
    CHECK(a >= cfg->apis && a < cfg->apis + cfg->api_count);
    size_t pre = prefix_len(a);
    CHECK(path.len >= pre && path.len > 0 && path.ptr[0] == '/');
    if (pre) {
        CHECK(ascii_eq_nocase(path.ptr + 1, a->path, pre - 1));
        CHECK(path.len == pre || path.ptr[pre] == '/');
    }
    CHECK(slice_within(m->suffix, path.ptr, path.len));
    CHECK(m->suffix.len == path.len - pre);
    CHECK(m->suffix.len == 0 || (m->suffix.ptr == path.ptr + pre && m->suffix.ptr[0] == '/'));

    if (rc == ROUTE_NO_OPERATION) {
        CHECK(m->operation == NULL && m->param_count == 0);
    } else {
        const gw_operation_t *op = m->operation;
        CHECK(op != NULL && op >= a->operations && op < a->operations + a->operation_count);
        CHECK(op->api == a);
        CHECK(strcmp(op->method, "*") == 0 || (strlen(op->method) == method.len &&
                                               memcmp(op->method, method.ptr, method.len) == 0));
        template_shape_t shape = shape_of(op->url_template);
        CHECK(m->param_count == shape.params);
        size_t tlen = strlen(op->url_template);
        for (size_t i = 0; i < m->param_count; i++) {
            slice_t name = m->params[i].name, value = m->params[i].value;
            CHECK(name.len > 0 && slice_within(name, op->url_template, tlen));
            CHECK(name.ptr > op->url_template);
            CHECK(name.ptr[-1] == '{' && name.ptr[name.len] == '}');
            if (i < shape.params - shape.queries) {
                CHECK(value.len > 0 && slice_within(value, m->suffix.ptr, m->suffix.len));
                CHECK(!slice_has(value, '/'));
            } else {
                CHECK(slice_within(value, query.ptr, query.len) && !slice_has(value, '&'));
            }
        }
    }

    if (!rq->from_op) return;
    /* Built from from_op's template: its API matches, unless one with a longer path does in
     * the same host group; inside it, from_op or an operation it does not precede wins. */
    const gw_api_t *want = rq->from_op->api;
    if (rq->from_host)
        CHECK(api_has_host(a, rq->from_host));
    else
        CHECK(a->hostname_count == 0);
    if (a != want) {
        CHECK(pre > prefix_len(want));
        return;
    }
    CHECK(rc == ROUTE_OK);
    CHECK(m->operation == rq->from_op || !precedes(rq->from_op, m->operation));
}

/* An exact-size copy, or SLICE_NULL for an empty part when `null_if_empty` (what the
 * server passes for an absent Host or query). */
static slice_t request_part(const sb_t *b, bool null_if_empty)
{
    if (b->len == 0 && null_if_empty) return SLICE_NULL;
    return slice_make(copy_of(b->buf, b->len), b->len);
}

/* Matches from exact-size copies, so reading past any part of the request is an ASan
 * report; checks the result. Matches twice: the table is immutable. */
static void run_request(const gateway_config_t *cfg, const request_t *rq, rng_t *r)
{
    bool null_if_empty = coin(r, 2);
    slice_t h = request_part(&rq->host, null_if_empty);
    slice_t me = request_part(&rq->method, null_if_empty);
    slice_t p = request_part(&rq->path, null_if_empty);
    slice_t q = request_part(&rq->query, null_if_empty);
    char *host = (char *)h.ptr, *method = (char *)me.ptr, *path = (char *)p.ptr;
    char *query = (char *)q.ptr;
    route_match_t m, again;
    int rc = route_table_match(cfg->routes, h, me, p, q, &m);
    check_match(cfg, rq, rc, &m, me, p, q);
    CHECK(route_table_match(cfg->routes, h, me, p, q, &again) == rc);
    CHECK(again.api == m.api && again.operation == m.operation);
    CHECK(again.param_count == m.param_count);
    free(host);
    free(method);
    free(path);
    free(query);
}

static void fuzz_routes(const gateway_config_t *cfg, rng_t *r, const tokens_t *tok,
                        const char *text, size_t len)
{
    for (size_t i = 0; i < TEMPLATE_REQUESTS && cfg->api_count; i++) {
        const gw_api_t *a = &cfg->apis[pick(r, cfg->api_count)];
        if (a->operation_count == 0) continue;
        request_t rq = {.from_op = NULL};
        build_from_template(&rq, r, tok, cfg, a, &a->operations[pick(r, a->operation_count)]);
        run_request(cfg, &rq, r);
    }
    for (size_t i = 0; i < RAW_REQUESTS; i++) {
        request_t rq = {.from_op = NULL};
        build_raw(&rq, r, tok, text, len);
        run_request(cfg, &rq, r);
    }
}

static uint64_t seed_of(const uint8_t *data, size_t size)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ull;
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: the compiler and json_locate must not read past `size`. */
    char *text = copy_of((const char *)data, size);
    rng_t r = {seed_of(data, size)};
    tokens_t tok;
    collect_tokens(text, size, &tok);

    char *err = (char *)"unset";
    gateway_config_t *cfg = gateway_config_compile(text, size, SOURCE, REGION, &err);
    if (cfg) {
        CHECK(err == NULL);
        check_config(cfg);
        check_located_members(text, size, cfg, &r);
        fuzz_routes(cfg, &r, &tok, text, size);
        /* A request in flight holds its own reference (config.h). */
        CHECK(gateway_config_ref(cfg) == cfg && cfg->refcount == 2);
        gateway_config_unref(cfg);
        CHECK(cfg->refcount == 1);
        gateway_config_unref(cfg);
    } else {
        check_error(err, text, size);
        free(err);
    }
    fuzz_locate(text, size, &tok, &r);
    fuzz_backend_url(&r, &tok);
    free(text);
    return 0;
}
