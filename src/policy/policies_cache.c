/* Caching policies (spec/apim-gateway.md §2.6) and the semantic caches of language-model
 * APIs. They compile now; the cache store comes with a later issue. */
#include "policy/policies_support.h"
#include "policy/registry_tables.h"

#include <errno.h>
#include <string.h>

/* Caching policies (spec/apim-gateway.md §2.6; docs/caching.md). The store is the host's
 * (policy_host_t.cache: the region's shared memory or the location's Redis); this file
 * builds keys, serialises responses and values, and decides what is cached.
 *
 * A cache-lookup miss leaves its key in the state slot of the program's outbound
 * cache-store (found by descriptor at run time), which stores the response under it; a hit
 * answers with the stored response and the run resumes in outbound right after that
 * cache-store (§1.4). The semantic caches of language-model APIs still only compile. */
#include "policy/policies_support.h"
#include "policy/registry_tables.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The vendor's limit on a cached response (§2.6 "max cached response 2 MiB"). */
#define CACHE_MAX_RESPONSE (2u * 1024 * 1024)
#define RESPONSE_MAGIC 0x3143524du /* "MRC1" */

static const policy_descriptor_t cache_store;

/* ---- shared ---- */

static int caching_type(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        policy_cache_type_t *out, policy_doc_error_t *err)
{
    const char *t;
    int rc = policy_support_literal_attr(cc, element, "caching-type", &t, err);
    if (rc < 0) return rc;
    *out = !t || strcmp(t, "prefer-external") == 0 ? POLICY_CACHE_PREFER_EXTERNAL
           : strcmp(t, "internal") == 0            ? POLICY_CACHE_INTERNAL
                                                   : POLICY_CACHE_EXTERNAL;
    return 0;
}

/* Starts a host cache operation; false when there is no cache or it could not start. */
static bool cache_call(policy_exec_t *exec, const policy_cache_op_t *op)
{
    return exec->host && exec->host->cache && exec->host->cache(exec, op) == 0;
}

/* A growable byte string in the request's arena (keys, serialised entries). */
typedef struct {
    arena_t *arena;
    char *data;
    size_t len, cap;
    bool is_failed;
} bytes_t;

static void bytes_put(bytes_t *b, const void *p, size_t n)
{
    if (b->is_failed) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n) cap *= 2;
        char *grown = arena_alloc(b->arena, cap);
        if (!grown) {
            b->is_failed = true;
            return;
        }
        if (b->len) memcpy(grown, b->data, b->len);
        b->data = grown;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void bytes_str(bytes_t *b, const char *s)
{
    bytes_put(b, s ? s : "", s ? strlen(s) : 0);
}

static void bytes_u32(bytes_t *b, uint32_t v)
{
    bytes_put(b, &v, sizeof v);
}

/* ---- cache-lookup ---- */

typedef struct {
    const char **headers; /* vary-by-header names */
    size_t header_count;
    const char **params; /* vary-by-query-parameter names (a ';' list split) */
    size_t param_count;
    bool vary_by_developer, vary_by_groups, must_revalidate, allow_private;
    uint8_t downstream; /* 0 none, 1 private, 2 public */
    policy_cache_type_t type;
} lookup_t;

/* What a lookup leaves for the cache-store of the same run. */
typedef struct {
    const char *key;
    size_t key_len;
    const lookup_t *lookup;
} pending_store_t;

static int add_name(policy_compile_ctx_t *cc, const char ***list, size_t *count, const char *name,
                    size_t len)
{
    while (len && (name[0] == ' ' || name[0] == '\t')) name++, len--;
    while (len && (name[len - 1] == ' ' || name[len - 1] == '\t')) len--;
    if (!len) return 0;
    const char **grown = arena_alloc(cc->arena, (*count + 1) * sizeof *grown);
    if (!grown) return -ENOMEM;
    if (*count) memcpy(grown, *list, *count * sizeof *grown);
    if (!(grown[*count] = arena_strndup(cc->arena, name, len))) return -ENOMEM;
    *list = grown;
    (*count)++;
    return 0;
}

static int cache_lookup_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                const void **data, policy_doc_error_t *err)
{
    int rc = policy_support_compile_all(cc, element, cc->spec, err);
    if (rc < 0) return rc;
    lookup_t *l = arena_alloc(cc->arena, sizeof *l);
    if (!l) return -ENOMEM;
    memset(l, 0, sizeof *l);
    policy_value_t v;
    if ((rc = policy_compile_attr(cc, element, "vary-by-developer", POLICY_VALUE_BOOL, &v, err)) < 0) return rc;
    l->vary_by_developer = v.number != 0;
    if ((rc = policy_compile_attr(cc, element, "vary-by-developer-groups", POLICY_VALUE_BOOL, &v, err)) < 0) return rc;
    l->vary_by_groups = v.number != 0;
    if ((rc = policy_compile_attr(cc, element, "must-revalidate", POLICY_VALUE_BOOL, &v, err)) < 0) return rc;
    l->must_revalidate = v.number != 0;
    if ((rc = policy_compile_attr(cc, element, "allow-private-response-caching", POLICY_VALUE_BOOL, &v, err)) < 0)
        return rc;
    l->allow_private = v.number != 0;
    const char *downstream;
    if ((rc = policy_support_literal_attr(cc, element, "downstream-caching-type", &downstream, err)) < 0) return rc;
    l->downstream = !downstream || strcmp(downstream, "none") == 0 ? 0 : strcmp(downstream, "private") == 0 ? 1 : 2;
    if ((rc = caching_type(cc, element, &l->type, err)) < 0) return rc;
    for (size_t i = 0; i < element->child_count; i++) {
        const policy_doc_node_t *child = &element->children[i];
        if (child->kind != POLICY_DOC_NODE_ELEMENT) continue;
        bool is_header = strcmp(child->name, "vary-by-header") == 0;
        const char *text;
        if ((rc = policy_support_literal_text(cc, child, child->name, &text, err)) < 0) return rc;
        if (is_header) {
            if ((rc = add_name(cc, &l->headers, &l->header_count, text, strlen(text))) < 0) return rc;
            continue;
        }
        /* vary-by-query-parameter: one name or a ';'-separated list */
        for (const char *p = text; *p;) {
            const char *semi = strchr(p, ';');
            size_t n = semi ? (size_t)(semi - p) : strlen(p);
            if ((rc = add_name(cc, &l->params, &l->param_count, p, n)) < 0) return rc;
            p += n + (semi ? 1 : 0);
        }
    }
    *data = l;
    return 0;
}

/* Appends the values of `name` in `f` joined with ','. */
static void key_values(bytes_t *k, const policy_fields_t *f, const char *name)
{
    size_t len = strlen(name);
    bool first = true;
    for (long i = policy_fields_find(f, name, len, 0); i >= 0; i = policy_fields_find(f, name, len, (size_t)i + 1)) {
        if (!first) bytes_put(k, ",", 1);
        bytes_put(k, f->items[i].value, f->items[i].value_len);
        first = false;
    }
}

/* The response key (§2.6 [I]): API and revision, operation, the request path, the listed
 * query parameters and headers, the developer and groups as configured. Fields are
 * separated by '\n', which no header value, path or query text contains. */
static const char *lookup_key(policy_exec_t *exec, const lookup_t *l, size_t *len)
{
    const policy_request_info_t *in = &exec->info;
    bytes_t k = {.arena = exec->arena};
    bytes_put(&k, "r\n", 2);
    bytes_str(&k, in->api_id);
    bytes_put(&k, "\n", 1);
    bytes_str(&k, in->api_revision);
    bytes_put(&k, "\n", 1);
    bytes_str(&k, in->operation_id);
    bytes_put(&k, "\n", 1);
    bytes_str(&k, in->original_url.path);
    for (size_t i = 0; i < l->param_count; i++) {
        bytes_put(&k, "\nq:", 3);
        bytes_str(&k, l->params[i]);
        bytes_put(&k, "=", 1);
        key_values(&k, &in->original_url.query, l->params[i]);
    }
    for (size_t i = 0; i < l->header_count; i++) {
        bytes_put(&k, "\nh:", 3);
        bytes_str(&k, l->headers[i]);
        bytes_put(&k, "=", 1);
        key_values(&k, &exec->request.headers, l->headers[i]);
    }
    /* Groups are a function of the user: keying them by the user is finer than the
     * vendor's group list, never coarser (docs/caching.md). */
    if (l->vary_by_developer || l->vary_by_groups) {
        bytes_put(&k, "\nu:", 3);
        bytes_str(&k, in->user_id);
    }
    if (k.is_failed) return NULL;
    *len = k.len;
    return k.data;
}

/* Cache-Control for the client (§4.5 table: downstream-caching-type, must-revalidate). */
static int downstream_header(policy_exec_t *exec, const lookup_t *l, int64_t max_age_s)
{
    if (l->downstream == 0) return 0;
    char v[96];
    int n = snprintf(v, sizeof v, "%s, max-age=%lld%s", l->downstream == 1 ? "private" : "public",
                     (long long)(max_age_s > 0 ? max_age_s : 0),
                     l->must_revalidate ? ", must-revalidate" : "");
    return policy_exec_final_header(exec, POLICY_FINAL_SET, "Cache-Control", 13, v, (size_t)n);
}

static uint32_t read_u32(const unsigned char **p)
{
    uint32_t v;
    memcpy(&v, *p, sizeof v);
    *p += sizeof v;
    return v;
}

/* Rebuilds the stored response (see store_response) into exec->response, pointing into
 * `blob` (the host's copy in the arena): no per-header allocation. false when malformed. */
static bool load_response(policy_exec_t *exec, const unsigned char *blob, size_t len,
                          int64_t *expires_wall_ms)
{
    const unsigned char *p = blob, *end = blob + len;
    if (len < 28 || read_u32(&p) != RESPONSE_MAGIC) return false;
    int32_t status = (int32_t)read_u32(&p);
    memcpy(expires_wall_ms, p, 8);
    p += 8;
    uint32_t count = read_u32(&p), reason_len = read_u32(&p), body_len = read_u32(&p);
    policy_response_t *r = &exec->response;
    r->headers.count = 0;
    if (policy_fields_reserve(&r->headers, exec->arena, count) < 0) return false;
    if ((size_t)(end - p) < (size_t)reason_len + 1) return false;
    r->reason = reason_len ? (const char *)p : NULL;
    p += reason_len + 1;
    for (uint32_t i = 0; i < count; i++) {
        if (end - p < 8) return false;
        uint32_t nl = read_u32(&p), vl = read_u32(&p);
        if ((size_t)(end - p) < (size_t)nl + vl + 2) return false;
        r->headers.items[r->headers.count++] =
            (policy_field_t){(const char *)p, (const char *)p + nl + 1, nl, vl};
        p += nl + vl + 2;
    }
    if ((size_t)(end - p) != body_len) return false;
    r->status = status;
    r->body = body_len ? (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = (const char *)p, .len = body_len}
                       : (policy_body_t){.kind = POLICY_BODY_NONE};
    return true;
}

static int cache_lookup_resume(policy_exec_t *exec, const policy_step_t *step, int status, void *result)
{
    const lookup_t *l = step->data;
    pending_store_t *pending = NULL;
    void **slot = policy_exec_step_state(exec, step);
    if (slot) pending = *slot;
    const policy_cache_result_t *res = result;
    int64_t expires;
    if (status == 0 && res && res->is_hit && load_response(exec, res->value, res->value_len, &expires)) {
        const policy_step_t *store;
        long at = policy_exec_find_step(exec, POLICY_SECTION_OUTBOUND, &cache_store, &store);
        if (downstream_header(exec, l, (expires - (int64_t)policy_support_now(exec) * 1000 + 999) / 1000) < 0)
            return policy_exec_raise_oom(exec, step);
        policy_exec_skip_to_outbound(exec, at < 0 ? 0 : (uint32_t)at + 1);
        return POLICY_RUN_NEXT;
    }
    /* A miss: the cache-store of this run stores the response under the key. */
    const policy_step_t *store;
    if (pending && policy_exec_find_step(exec, POLICY_SECTION_OUTBOUND, &cache_store, &store) >= 0) {
        void **store_slot = policy_exec_step_state(exec, store);
        if (store_slot) *store_slot = pending;
    }
    return POLICY_RUN_NEXT;
}

static int cache_lookup_run(policy_exec_t *exec, const policy_step_t *step)
{
    const lookup_t *l = step->data;
    /* Only GET responses are cached (§2.6); a request with credentials only when allowed. */
    if (strcmp(exec->request.method, "GET") != 0) return POLICY_RUN_NEXT;
    if (!l->allow_private && policy_fields_count(&exec->request.headers, "Authorization", 13) > 0)
        return POLICY_RUN_NEXT;
    pending_store_t *pending = arena_alloc(exec->arena, sizeof *pending);
    void **slot = policy_exec_step_state(exec, step);
    if (!pending || !slot) return policy_exec_raise_oom(exec, step);
    pending->lookup = l;
    if (!(pending->key = lookup_key(exec, l, &pending->key_len))) return policy_exec_raise_oom(exec, step);
    *slot = pending;
    policy_cache_op_t op = {.verb = POLICY_CACHE_GET, .type = l->type, .key = pending->key,
                            .key_len = pending->key_len};
    if (!cache_call(exec, &op)) return cache_lookup_resume(exec, step, -1, NULL);
    return policy_exec_suspend(exec, step, cache_lookup_resume);
}

/* ---- cache-store ---- */

typedef struct {
    policy_value_t duration, cache_response;
} store_t;

static int cache_store_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                               const void **data, policy_doc_error_t *err)
{
    store_t *s = arena_alloc(cc->arena, sizeof *s);
    if (!s) return -ENOMEM;
    int rc;
    if ((rc = policy_compile_attr(cc, element, "duration", POLICY_VALUE_INT, &s->duration, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "cache-response", POLICY_VALUE_BOOL, &s->cache_response, err)) < 0)
        return rc;
    /* The response is stored with its body: the host buffers the backend's. */
    *cc->flags |= POLICY_NEEDS_RESPONSE_BODY;
    *data = s;
    return 0;
}

/* Serialises exec->response: magic, status, expiry (wall ms), header count, reason length,
 * body length, the reason and each name and value NUL-terminated (so that a hit points
 * into the blob), then the body. Native byte order: one machine, or one architecture
 * sharing a Redis. */
static const char *store_response(policy_exec_t *exec, int64_t expires_wall_ms, size_t *len)
{
    const policy_response_t *r = &exec->response;
    bytes_t b = {.arena = exec->arena};
    const char *reason = r->reason ? r->reason : "";
    bytes_u32(&b, RESPONSE_MAGIC);
    bytes_u32(&b, (uint32_t)(r->status ? r->status : 200));
    bytes_put(&b, &expires_wall_ms, 8);
    bytes_u32(&b, r->headers.count);
    bytes_u32(&b, (uint32_t)strlen(reason));
    bytes_u32(&b, (uint32_t)(r->body.kind == POLICY_BODY_BYTES ? r->body.len : 0));
    bytes_put(&b, reason, strlen(reason) + 1);
    for (uint32_t i = 0; i < r->headers.count; i++) {
        const policy_field_t *f = &r->headers.items[i];
        bytes_u32(&b, f->name_len);
        bytes_u32(&b, f->value_len);
        bytes_put(&b, f->name, f->name_len);
        bytes_put(&b, "", 1);
        bytes_put(&b, f->value, f->value_len);
        bytes_put(&b, "", 1);
    }
    if (r->body.kind == POLICY_BODY_BYTES) bytes_put(&b, r->body.bytes, r->body.len);
    if (b.is_failed) return NULL;
    *len = b.len;
    return b.data;
}

static int cache_store_run(policy_exec_t *exec, const policy_step_t *step)
{
    const store_t *s = step->data;
    void **slot = policy_exec_step_state(exec, step);
    pending_store_t *pending = slot ? *slot : NULL;
    if (!pending) return POLICY_RUN_NEXT; /* no lookup miss in this run (§2.6) */
    *slot = NULL;
    int64_t duration;
    bool any_status;
    if (policy_value_long(exec, step, &s->duration, &duration) < 0 ||
        policy_value_bool(exec, step, &s->cache_response, &any_status) < 0)
        return -1;
    const policy_response_t *r = &exec->response;
    int status = r->status ? r->status : 200;
    if (duration <= 0 || (!any_status && status != 200)) return POLICY_RUN_NEXT;
    /* A streamed body (the forward did not buffer it) or one over the limit is not cached. */
    if (r->body.kind == POLICY_BODY_STREAM || (r->body.kind == POLICY_BODY_BYTES && r->body.len > CACHE_MAX_RESPONSE))
        return POLICY_RUN_NEXT;
    int64_t expires = policy_support_now(exec) * 1000 + duration * 1000;
    size_t len;
    const char *blob = store_response(exec, expires, &len);
    if (!blob) return policy_exec_raise_oom(exec, step);
    policy_cache_op_t op = {.verb = POLICY_CACHE_SET, .type = pending->lookup->type, .key = pending->key,
                            .key_len = pending->key_len, .value = blob, .value_len = len,
                            .ttl_ms = (uint64_t)duration * 1000};
    cache_call(exec, &op);
    if (downstream_header(exec, pending->lookup, duration) < 0) return policy_exec_raise_oom(exec, step);
    return POLICY_RUN_NEXT;
}

/* ---- the value cache ---- */

/* "v\n" + the key as given: values and responses never share a key. */
static const char *value_key(policy_exec_t *exec, const char *key, size_t key_len, size_t *len)
{
    char *k = arena_alloc(exec->arena, key_len + 3);
    if (!k) return NULL;
    memcpy(k, "v\n", 2);
    memcpy(k + 2, key, key_len);
    k[key_len + 2] = '\0';
    *len = key_len + 2;
    return k;
}

/* A value as stored: its tag and aux bytes, then the payload (the bytes of a string or
 * byte[], the 8 bytes of a number or tick count, 16 of a Guid). Other values are stored as
 * their ToString(). */
static const char *encode_value(policy_exec_t *exec, const policy_step_t *step, const expr_value_t *v,
                                size_t *len)
{
    bytes_t b = {.arena = exec->arena};
    expr_value_t str;
    unsigned char head[2] = {v->tag, v->aux};
    switch (v->tag) {
    case EXPR_V_NULL:
        bytes_put(&b, head, 2);
        break;
    case EXPR_V_BOOL: {
        unsigned char byte = v->u.b;
        bytes_put(&b, head, 2);
        bytes_put(&b, &byte, 1);
        break;
    }
    case EXPR_V_INT: case EXPR_V_LONG: case EXPR_V_CHAR: case EXPR_V_DATETIME: case EXPR_V_TIMESPAN:
        bytes_put(&b, head, 2);
        bytes_put(&b, &v->u.i, 8);
        break;
    case EXPR_V_DOUBLE:
        bytes_put(&b, head, 2);
        bytes_put(&b, &v->u.d, 8);
        break;
    case EXPR_V_GUID:
        bytes_put(&b, head, 2);
        bytes_put(&b, v->u.guid, 16);
        break;
    case EXPR_V_STRING: case EXPR_V_BYTES:
        head[1] = 0;
        bytes_put(&b, head, 2);
        bytes_put(&b, v->u.s.ptr, v->u.s.len);
        break;
    default:
        if (expr_value_to_string(&exec->rt, v, &str) < 0) {
            policy_exec_raise_expr(exec, step);
            return NULL;
        }
        head[0] = EXPR_V_STRING;
        head[1] = 0;
        bytes_put(&b, head, 2);
        bytes_put(&b, str.u.s.ptr, str.u.s.len);
        break;
    }
    if (b.is_failed) {
        policy_exec_raise_oom(exec, step);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

static bool decode_value(const unsigned char *p, size_t len, expr_value_t *out)
{
    if (len < 2) return false;
    memset(out, 0, sizeof *out);
    out->tag = p[0];
    out->aux = p[1];
    const unsigned char *d = p + 2;
    size_t n = len - 2;
    switch (p[0]) {
    case EXPR_V_NULL: return n == 0;
    case EXPR_V_BOOL: return n == 1 && (out->u.b = d[0] != 0, true);
    case EXPR_V_INT: case EXPR_V_LONG: case EXPR_V_CHAR: case EXPR_V_DATETIME: case EXPR_V_TIMESPAN:
        return n == 8 && (memcpy(&out->u.i, d, 8), true);
    case EXPR_V_DOUBLE: return n == 8 && (memcpy(&out->u.d, d, 8), true);
    case EXPR_V_GUID: return n == 16 && (memcpy(out->u.guid, d, 16), true);
    case EXPR_V_STRING: case EXPR_V_BYTES:
        out->u.s.ptr = (const char *)d;
        out->u.s.len = (uint32_t)n;
        return true;
    default: return false;
    }
}

typedef struct {
    policy_value_t key, default_value;
    const char *variable;
    policy_cache_type_t type;
} lookup_value_t;

static int cache_lookup_value_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                      const void **data, policy_doc_error_t *err)
{
    lookup_value_t *l = arena_alloc(cc->arena, sizeof *l);
    if (!l) return -ENOMEM;
    int rc;
    if ((rc = policy_compile_attr(cc, element, "key", POLICY_VALUE_STRING, &l->key, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "default-value", POLICY_VALUE_ANY, &l->default_value, err)) < 0 ||
        (rc = policy_support_literal_attr(cc, element, "variable-name", &l->variable, err)) < 0 ||
        (rc = caching_type(cc, element, &l->type, err)) < 0)
        return rc;
    *data = l;
    return 0;
}

static int cache_lookup_value_resume(policy_exec_t *exec, const policy_step_t *step, int status, void *result)
{
    const lookup_value_t *l = step->data;
    const policy_cache_result_t *res = result;
    expr_value_t value;
    if (status == 0 && res && res->is_hit && decode_value(res->value, res->value_len, &value)) {
        /* values point into the host's copy, which lives as long as the request */
    } else {
        /* A miss (§2.6): default-value, or the variable stays unset without one. */
        if (!l->default_value.is_present) return POLICY_RUN_NEXT;
        if (policy_value_eval(exec, step, &l->default_value, &value) < 0) return -1;
    }
    if (policy_exec_var_set(exec, l->variable, strlen(l->variable), value) < 0)
        return policy_exec_raise_oom(exec, step);
    return POLICY_RUN_NEXT;
}

static int cache_lookup_value_run(policy_exec_t *exec, const policy_step_t *step)
{
    const lookup_value_t *l = step->data;
    const char *key;
    size_t key_len;
    if (policy_value_string(exec, step, &l->key, &key, &key_len) < 0) return -1;
    policy_cache_op_t op = {.verb = POLICY_CACHE_GET, .type = l->type};
    if (!key || !(op.key = value_key(exec, key, key_len, &op.key_len)))
        return key ? policy_exec_raise_oom(exec, step) : cache_lookup_value_resume(exec, step, -1, NULL);
    if (!cache_call(exec, &op)) return cache_lookup_value_resume(exec, step, -1, NULL);
    return policy_exec_suspend(exec, step, cache_lookup_value_resume);
}

typedef struct {
    policy_value_t key, value, duration;
    policy_cache_type_t type;
} store_value_t;

static int cache_store_value_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                     const void **data, policy_doc_error_t *err)
{
    store_value_t *s = arena_alloc(cc->arena, sizeof *s);
    if (!s) return -ENOMEM;
    int rc;
    if ((rc = policy_compile_attr(cc, element, "key", POLICY_VALUE_STRING, &s->key, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "value", POLICY_VALUE_ANY, &s->value, err)) < 0 ||
        (rc = policy_compile_attr(cc, element, "duration", POLICY_VALUE_INT, &s->duration, err)) < 0 ||
        (rc = caching_type(cc, element, &s->type, err)) < 0)
        return rc;
    *data = s;
    return 0;
}

static int cache_store_value_run(policy_exec_t *exec, const policy_step_t *step)
{
    const store_value_t *s = step->data;
    const char *key;
    size_t key_len;
    expr_value_t value;
    int64_t duration;
    if (policy_value_string(exec, step, &s->key, &key, &key_len) < 0 ||
        policy_value_eval(exec, step, &s->value, &value) < 0 ||
        policy_value_long(exec, step, &s->duration, &duration) < 0)
        return -1;
    if (!key || duration <= 0) return POLICY_RUN_NEXT;
    policy_cache_op_t op = {.verb = POLICY_CACHE_SET, .type = s->type, .ttl_ms = (uint64_t)duration * 1000};
    if (!(op.key = value_key(exec, key, key_len, &op.key_len))) return policy_exec_raise_oom(exec, step);
    if (!(op.value = encode_value(exec, step, &value, &op.value_len))) return -1;
    cache_call(exec, &op);
    return POLICY_RUN_NEXT;
}

typedef struct {
    policy_value_t key;
    policy_cache_type_t type;
} remove_value_t;

static int cache_remove_value_compile(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                                      const void **data, policy_doc_error_t *err)
{
    remove_value_t *r = arena_alloc(cc->arena, sizeof *r);
    if (!r) return -ENOMEM;
    int rc;
    if ((rc = policy_compile_attr(cc, element, "key", POLICY_VALUE_STRING, &r->key, err)) < 0 ||
        (rc = caching_type(cc, element, &r->type, err)) < 0)
        return rc;
    *data = r;
    return 0;
}

static int cache_remove_value_run(policy_exec_t *exec, const policy_step_t *step)
{
    const remove_value_t *r = step->data;
    const char *key;
    size_t key_len;
    if (policy_value_string(exec, step, &r->key, &key, &key_len) < 0) return -1;
    if (!key) return POLICY_RUN_NEXT;
    policy_cache_op_t op = {.verb = POLICY_CACHE_REMOVE, .type = r->type};
    if (!(op.key = value_key(exec, key, key_len, &op.key_len))) return policy_exec_raise_oom(exec, step);
    cache_call(exec, &op);
    return POLICY_RUN_NEXT;
}

/* The semantic caches only compile (they need an embeddings backend). */
static int compile_cache(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                         const void **data, policy_doc_error_t *err)
{
    (void)data;
    return policy_support_compile_all(cc, element, cc->spec, err);
}

#define CACHING_TYPE                                                                               \
    A_ENUM("caching-type", LIT, "prefer-external", "internal", "external", "prefer-external")

static const policy_descriptor_t cache_lookup = {
    .name = "cache-lookup",
    .family = "cache",
    .sections = POLICY_IN,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(A_BOOL("vary-by-developer", R, "false"),
                      A_BOOL("vary-by-developer-groups", R, "false"), CACHING_TYPE,
                      A_ENUM("downstream-caching-type", 0, "none", "none", "private", "public"),
                      A_BOOL("must-revalidate", 0, "true"),
                      A_BOOL("allow-private-response-caching", 0, "false")),
                CHILDREN(TEXT_CHILD("vary-by-header", 0, 0),
                         TEXT_CHILD("vary-by-query-parameter", 0, 0))},
    .compile = cache_lookup_compile,
    .run = cache_lookup_run,
};

static const policy_descriptor_t cache_store = {
    .name = "cache-store",
    .family = "cache",
    .sections = POLICY_OUT,
    .scopes = POLICY_ALL_SCOPES,
    .flags = POLICY_ONCE_PER_SECTION,
    .element = {ATTRS(A_DUR("duration", R, NULL, 0), A_BOOL("cache-response", 0, "false"))},
    .compile = cache_store_compile,
    .run = cache_store_run,
};

static const policy_descriptor_t cache_lookup_value = {
    .name = "cache-lookup-value",
    .family = "cache",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), A_STR("variable-name", R | LIT), A_STR("default-value", 0),
                      CACHING_TYPE)},
    .compile = cache_lookup_value_compile,
    .run = cache_lookup_value_run,
};

static const policy_descriptor_t cache_store_value = {
    .name = "cache-store-value",
    .family = "cache",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), A_STR("value", R), A_DUR("duration", R, NULL, 0),
                      CACHING_TYPE)},
    .compile = cache_store_value_compile,
    .run = cache_store_value_run,
};

static const policy_descriptor_t cache_remove_value = {
    .name = "cache-remove-value",
    .family = "cache",
    .sections = POLICY_ALL_SECTIONS,
    .scopes = POLICY_ALL_SCOPES,
    .element = {ATTRS(A_STR("key", R), CACHING_TYPE)},
    .compile = cache_remove_value_compile,
    .run = cache_remove_value_run,
};

/* Semantic caches: embeddings come from a configured backend, an external endpoint.
 * cache-id and embeddings-backend-auth="managed-identity" are not in the vendor's table but
 * public documents use them: accepted. */
#define SEMANTIC_LOOKUP                                                                            \
    .sections = POLICY_IN, .scopes = POLICY_ALL_SCOPES, .flags = POLICY_NEEDS_EXTERNAL,            \
    .element = {ATTRS(A_NUM("score-threshold", R, NULL), A_STR("embeddings-backend-id", R),        \
                      A_ENUM("embeddings-backend-auth", 0, NULL, "system-assigned",     \
                             "managed-identity"),                                                  \
                                  \
                      A_BOOL("ignore-system-messages", 0, "false"),                                \
                      A_INT("max-message-count", 0, NULL, 1, 2147483647L), A_STR("cache-id", 0)),  \
                CHILDREN(TEXT_CHILD("vary-by", 0, 0))}

#define SEMANTIC_STORE                                                                             \
    .sections = POLICY_OUT, .scopes = POLICY_ALL_SCOPES, .flags = POLICY_NEEDS_EXTERNAL,           \
    .element = {ATTRS(A_DUR("duration", R, NULL, 0))}

static const policy_descriptor_t azure_openai_semantic_cache_lookup = {
    .name = "azure-openai-semantic-cache-lookup", .family = "cache", SEMANTIC_LOOKUP, .compile = compile_cache, .run = policy_support_noop_run};
static const policy_descriptor_t llm_semantic_cache_lookup = {
    .name = "llm-semantic-cache-lookup", .family = "cache", SEMANTIC_LOOKUP, .compile = compile_cache, .run = policy_support_noop_run};
static const policy_descriptor_t azure_openai_semantic_cache_store = {
    .name = "azure-openai-semantic-cache-store", .family = "cache", SEMANTIC_STORE, .compile = compile_cache, .run = policy_support_noop_run};
static const policy_descriptor_t llm_semantic_cache_store = {
    .name = "llm-semantic-cache-store", .family = "cache", SEMANTIC_STORE, .compile = compile_cache, .run = policy_support_noop_run};

const policy_descriptor_t *const policy_family_cache[] = {
    &cache_lookup,
    &cache_store,
    &cache_lookup_value,
    &cache_store_value,
    &cache_remove_value,
    &azure_openai_semantic_cache_lookup,
    &llm_semantic_cache_lookup,
    &azure_openai_semantic_cache_store,
    &llm_semantic_cache_store,
    NULL,
};
