/* The policy path of the request pipeline: the gateway as the policy executor's host
 * (policy/exec.h). For an operation with a program, the request is described to the
 * executor (context.Request, context.Deployment...), the program runs, and the host does
 * the I/O it asks for — forward-request to the backend, send-request, timers — then writes
 * the response the program decided.
 *
 * Bodies stream unless the program needs them (POLICY_NEEDS_*_BODY, decided when the
 * configuration compiled): then the client's body is read before the program starts, and
 * the backend's before outbound runs. A streamed backend body is paused while outbound runs
 * and piped once the response head is written, so bounded memory holds for any body size. */
#include "gateway/proxy_internal.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "gateway/config_policy.h"
#include "gateway/limits_host.h"
#include "gateway/metrics.h"
#include "gateway/proxy_cache.h"
#include "policy/exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A body a policy must see is held in memory; larger ones are refused rather than risk the
 * unit (413 for the client's, 502 for a backend's). */
#define POLICY_MAX_BUFFERED_BODY (16u * 1024 * 1024)

/* Ticks from 0001-01-01 to the Unix epoch (.NET DateTime.UnixEpoch.Ticks). */
#define UNIX_EPOCH_TICKS 621355968000000000LL

struct proxy_timer {
    uv_timer_t handle;
    proxy_ctx_t *ctx; /* NULL once the exchange is gone */
};

static const policy_host_t gateway_policy_host;

/* ---- describing the request to the executor ---- */

static int add_field(policy_fields_t *f, arena_t *a, slice_t name, slice_t value)
{
    return policy_fields_add(f, a, name.ptr, name.len, value.ptr ? value.ptr : "", value.len);
}

/* Header lines → pairs, every name and value copied into one arena block (one allocation
 * instead of two per line). With `listed`, hop-by-hop lines (RFC 9110 §7.6.1) are left out. */
static int add_header_fields(policy_fields_t *f, arena_t *a, const http_header_t *h, size_t n,
                             const http_connection_tokens_t *listed)
{
    bool skip[HTTP_MAX_HEADERS];
    size_t total = 0, kept = 0;
    if (n > HTTP_MAX_HEADERS) return -1;
    for (size_t i = 0; i < n; i++) {
        skip[i] = listed && http_is_hop_by_hop(h[i].name, listed);
        if (skip[i]) continue;
        total += h[i].name.len + h[i].value.len + 2;
        kept++;
    }
    if (!kept) return 0;
    char *block = arena_alloc(a, total);
    if (!block || policy_fields_reserve(f, a, kept) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (skip[i]) continue;
        char *name = block;
        memcpy(name, h[i].name.ptr, h[i].name.len);
        name[h[i].name.len] = '\0';
        char *value = name + h[i].name.len + 1;
        if (h[i].value.len) memcpy(value, h[i].value.ptr, h[i].value.len);
        value[h[i].value.len] = '\0';
        block = value + h[i].value.len + 1;
        f->items[f->count++] = (policy_field_t){name, value, (uint32_t)h[i].name.len,
                                                (uint32_t)h[i].value.len};
    }
    return 0;
}

/* "a=1&b&c=3" → pairs, kept as written (percent-encoded), spec §3.4 IUrl.Query. */
static int parse_query(policy_fields_t *f, arena_t *a, slice_t q)
{
    const char *p = q.ptr, *end = q.ptr + q.len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (stop > p) {
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            slice_t name = slice_make(p, (size_t)((eq ? eq : stop) - p));
            slice_t value = eq ? slice_make(eq + 1, (size_t)(stop - eq - 1)) : SLICE_LIT("");
            if (add_field(f, a, name, value) < 0) return -1;
        }
        p = amp ? amp + 1 : end;
    }
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f') return (c | 32) - 'a' + 10;
    return -1;
}

/* Percent-decodes a matched template parameter (MatchedParameters holds decoded values). */
static slice_t percent_decode(arena_t *a, slice_t s)
{
    if (!memchr(s.ptr ? s.ptr : "", '%', s.len)) return s;
    char *out = arena_alloc(a, s.len + 1);
    if (!out) return SLICE_NULL;
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        int hi, lo;
        if (s.ptr[i] == '%' && i + 2 < s.len &&
            (hi = hex_value(s.ptr[i + 1])) >= 0 && (lo = hex_value(s.ptr[i + 2])) >= 0) {
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[n++] = s.ptr[i];
        }
    }
    out[n] = '\0';
    return slice_make(out, n);
}

/* context.Subscription, context.Product, context.User (§3.4) from what the key granted. */
static void fill_subscription(policy_request_info_t *info, const subscription_grant_t *g)
{
    const gw_product_t *p = g->product;
    if (p) {
        info->product_id = p->id;
        info->product_name = p->name;
        info->is_product_open = !p->is_subscription_required;
        info->is_product_approval_required = p->is_approval_required;
        info->is_product_unpublished = !p->is_published;
        info->has_product_subscriptions_limit = p->subscriptions_limit >= 0;
        info->product_subscriptions_limit = p->subscriptions_limit;
    }
    const gw_subscription_t *s = g->subscription;
    if (!s) return;
    info->subscription_id = s->id;
    info->subscription_name = s->name;
    info->subscription_key = g->key;
    info->subscription_primary_key = s->primary_key;
    info->subscription_secondary_key = s->secondary_key;
    info->subscription_created_ticks = s->created_ticks;
    info->subscription_start_ticks = s->start_ticks;
    info->subscription_end_ticks = s->end_ticks;
    info->user_id = s->user_id;
    if (s->user) {
        info->user_email = s->user->email;
        info->user_first_name = s->user->first_name;
        info->user_last_name = s->user->last_name;
        info->user_note = s->user->note;
        info->user_registration_ticks = s->user->registration_ticks;
    }
}

static int fill_request(proxy_ctx_t *ctx, policy_exec_t *exec, const route_match_t *m)
{
    arena_t *a = exec->arena;
    const http_request_t *req = http_exchange_request(ctx->ex);
    policy_request_info_t *info = &exec->info;
    const gw_api_t *api = m->api;
    const gw_operation_t *op = m->operation;

    info->region = ctx->config->region; /* the display name, also when started with the slug */
    info->service_name = ctx->config->service_name;
    info->service_id = ctx->config->service_id;
    info->gateway_id = "managed";
    info->gateway_instance_id = ctx->gw->instance_id;
    info->api_id = api->id;
    info->api_name = api->display_name;
    info->api_path = api->path;
    info->api_service_url = api->backend.url;
    info->api_key_header = api->key_header;
    info->api_key_query = api->key_query;
    fill_subscription(info, &ctx->grant);
    info->operation_id = op->id;
    info->operation_name = op->display_name;
    info->operation_method = op->method;
    info->operation_url_template = op->url_template;
    info->client_ip = http_exchange_peer_ip(ctx->ex);
    info->matched_parameters.is_case_insensitive = true; /* as the executor's own runs */
    for (size_t i = 0; i < m->param_count; i++) {
        slice_t value = percent_decode(a, m->params[i].value);
        if (!value.ptr && m->params[i].value.len) return -1;
        if (add_field(&info->matched_parameters, a, m->params[i].name, value) < 0) return -1;
    }
    char *method = arena_strndup(a, req->method.ptr, req->method.len);
    if (!method) return -1;
    info->original_method = method;
    exec->request.method = method;

    /* context.Request.OriginalUrl: as received, on the plain or the TLS listener. */
    bool is_tls = http_exchange_is_tls(ctx->ex);
    policy_url_t *o = &info->original_url;
    slice_t host = req->host.len ? req->host : SLICE_LIT("localhost");
    const char *colon = memrchr(host.ptr, ':', host.len);
    bool has_port = colon && !memchr(colon, ']', (size_t)(host.ptr + host.len - colon));
    o->scheme = is_tls ? "https" : "http";
    o->host = arena_strndup(a, host.ptr, has_port ? (size_t)(colon - host.ptr) : host.len);
    o->port = has_port ? atoi(colon + 1) : is_tls ? 443 : 80;
    o->base_path = "";
    o->path = arena_strndup(a, req->path.ptr, req->path.len);
    o->query.is_case_insensitive = false;
    if (!o->host || !o->path) return -1;
    if (req->has_query && parse_query(&o->query, a, req->query) < 0) return -1;

    /* context.Request.Url: the backend-bound URL, serviceUrl + the operation suffix (§4.4). */
    policy_url_t *u = &exec->request.url;
    /* From the URL the configuration parsed once. */
    const gw_backend_url_t *bu = &api->backend;
    memset(u, 0, sizeof *u);
    u->scheme = bu->is_https ? "https" : "http";
    u->port = bu->port;
    u->base_path = bu->base_path;
    if (strchr(bu->host, ':')) { /* IPv6: IUrl.Host keeps the brackets */
        size_t hl = strlen(bu->host);
        char *h = arena_alloc(a, hl + 3);
        if (!h) return -1;
        h[0] = '[';
        memcpy(h + 1, bu->host, hl);
        memcpy(h + 1 + hl, "]", 2);
        u->host = h;
    } else {
        u->host = bu->host;
    }
    u->path = m->suffix.len ? arena_strndup(a, m->suffix.ptr, m->suffix.len) : "";
    if (!u->path) return -1;
    u->query.is_case_insensitive = false;
    if (req->has_query && parse_query(&u->query, a, req->query) < 0) return -1;

    exec->request.headers.is_case_insensitive = true;
    if (add_header_fields(&exec->request.headers, a, req->headers, req->header_count, NULL) < 0)
        return -1;
    exec->response.headers.is_case_insensitive = true;

    random_uuid_v4(info->request_id);
    info->timestamp_ticks = UNIX_EPOCH_TICKS + (int64_t)clock_wall_ms() * 10000;
    return 0;
}

static bool request_has_body(const http_request_t *req)
{
    return req->is_chunked || req->content_length > 0;
}

/* ---- the default and policy-made responses ---- */

static void respond_oom(proxy_ctx_t *ctx)
{
    ctx->error = "OutOfMemory";
    http_exchange_respond_error(ctx->ex, 503, "Service unavailable");
}

static void start_program(proxy_ctx_t *ctx)
{
    if (policy_exec_start(ctx->exec) != 0) respond_oom(ctx);
}

/* A run of ctx->program for the matched request, described to the executor; NULL (the
 * request answered 503) when out of memory. */
static policy_exec_t *new_run(proxy_ctx_t *ctx, const route_match_t *m)
{
    ctx->is_policy = true;
    ctx->backend_length = -1;
    buf_init(&ctx->body_in);
    buf_init(&ctx->body_out);
    policy_exec_t *exec = policy_exec_new(http_exchange_arena(ctx->ex), ctx->program,
                                          &gateway_policy_host, ctx);
    if (!exec) {
        respond_oom(ctx);
        return NULL;
    }
    ctx->exec = exec;
    if (fill_request(ctx, exec, m) < 0) {
        respond_oom(ctx);
        return NULL;
    }
    return exec;
}

void proxy_policy_start(proxy_ctx_t *ctx, const route_match_t *m)
{
    policy_exec_t *exec = new_run(ctx, m);
    if (!exec) return;
    const http_request_t *req = http_exchange_request(ctx->ex);
    if (!request_has_body(req)) {
        exec->request.body.kind = POLICY_BODY_NONE;
        start_program(ctx);
        return;
    }
    if (policy_exec_program_flags(ctx->program) & POLICY_NEEDS_REQUEST_BODY) {
        if (req->content_length > (int64_t)POLICY_MAX_BUFFERED_BODY) {
            http_exchange_respond_error(ctx->ex, 413, "Request entity too large");
            return;
        }
        ctx->is_buffering_request = true;
        ctx->is_client_body_started = true;
        http_exchange_read_body(ctx->ex);
        return;
    }
    exec->request.body.kind = POLICY_BODY_STREAM;
    start_program(ctx);
}

void proxy_policy_start_refused(proxy_ctx_t *ctx, const route_match_t *m, int refusal)
{
    policy_exec_t *exec = new_run(ctx, m);
    if (!exec) return;
    /* Nothing is forwarded: the client's body stays unread (the connection closes after). */
    exec->request.body.kind = POLICY_BODY_NONE;
    subscription_refusal_t r;
    subscription_refusal(refusal, &r);
    policy_field_t challenge = {.name = "WWW-Authenticate", .name_len = 16};
    size_t len = 0;
    if (refusal == SUBSCRIPTION_KEY_MISSING)
        challenge.value = subscription_challenge(exec->arena, http_exchange_request(ctx->ex),
                                                 m->api, &len);
    challenge.value_len = (uint32_t)len;
    if (policy_exec_start_error(exec, "authorization", r.status, r.error_reason, r.message,
                                r.reason_phrase, &challenge, challenge.value ? 1 : 0) != 0)
        respond_oom(ctx);
}

void proxy_policy_on_body(proxy_ctx_t *ctx, const char *data, size_t len)
{
    if (ctx->is_buffering_request) {
        if (ctx->body_in.len + len > POLICY_MAX_BUFFERED_BODY) {
            ctx->is_buffering_request = false;
            http_exchange_respond_error(ctx->ex, 413, "Request entity too large");
            return;
        }
        if (buf_append(&ctx->body_in, data, len) < 0) {
            ctx->is_buffering_request = false;
            respond_oom(ctx);
        }
        return;
    }
    if (!ctx->up) return; /* answered already: the body is dropped */
    if (upstream_request_send_body(ctx->up, data, len) < 0) return;
    if (upstream_request_over_high_water(ctx->up)) http_exchange_pause_body(ctx->ex);
}

void proxy_policy_on_body_end(proxy_ctx_t *ctx)
{
    ctx->is_client_body_done = true;
    if (ctx->is_buffering_request) {
        ctx->is_buffering_request = false;
        policy_body_t *b = &ctx->exec->request.body;
        b->kind = POLICY_BODY_BYTES;
        b->bytes = ctx->body_in.data ? ctx->body_in.data : "";
        b->len = ctx->body_in.len;
        start_program(ctx);
        return;
    }
    if (ctx->up) upstream_request_end_body(ctx->up);
}

void proxy_policy_on_drain(proxy_ctx_t *ctx)
{
    if (ctx->up) upstream_request_resume_response(ctx->up);
}

/* ---- requests to backends: forward-request and send-request ---- */

typedef struct {
    const char *host;
    uint16_t port;
    const char *origin_key;
    bool tls;             /* https */
    const char *tls_name; /* the URL's host: SNI and the certificate name check */
    bool tls_skip_chain, tls_skip_name;
} origin_t;

/* Where to connect for `url` (after --connect-to). */
static int url_origin(proxy_ctx_t *ctx, arena_t *a, const policy_url_t *url, origin_t *out)
{
    bool tls = strcmp(url->scheme, "https") == 0;
    if (!tls && strcmp(url->scheme, "http") != 0) return -1;
    /* IUrl.Host keeps an IPv6 literal's brackets; the connection, the --connect-to lookup and
     * the pool key do not want them. */
    const char *host = url->host;
    size_t host_len = strlen(host);
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host = arena_strndup(a, host + 1, host_len - 2);
        if (!host) return -1;
    }
    const gateway_connect_to_rule_t *r =
        ctx->gw->connect_to
            ? gateway_connect_to_find(ctx->gw->connect_to, host, (uint16_t)url->port)
            : NULL;
    /* The API's own backend keeps its Backend resource's tls switches (spec §4.4). */
    const gw_backend_url_t *be = &ctx->api->backend;
    bool is_api_backend = tls && be->is_https && be->port == url->port && strcmp(be->host, host) == 0;
    bool skip_chain = is_api_backend && be->skip_chain_check;
    bool skip_name = is_api_backend && be->skip_name_check;
    if (r) {
        *out = (origin_t){r->to_host, r->to_port, r->to_origin_key, tls, host, skip_chain, skip_name};
        return 0;
    }
    char key[300];
    bool v6 = strchr(host, ':') != NULL;
    int n = snprintf(key, sizeof key, v6 ? "[%s]:%d" : "%s:%d", host, url->port);
    if (n < 0 || (size_t)n >= sizeof key) return -1;
    *out = (origin_t){host, (uint16_t)url->port, arena_strndup(a, key, (size_t)n), tls, host,
                      skip_chain, skip_name};
    return out->origin_key ? 0 : -1;
}

/* build_head reserves the whole head once, then copies without checks. */
static inline void put(buf_t *b, const char *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

static size_t query_length(const policy_fields_t *q)
{
    size_t n = 0;
    for (uint32_t i = 0; i < q->count; i++) n += q->items[i].name_len + q->items[i].value_len + 2;
    return n;
}

static void put_query(buf_t *b, const policy_fields_t *q)
{
    for (uint32_t i = 0; i < q->count; i++) {
        put(b, i ? "&" : "?", 1);
        put(b, q->items[i].name, q->items[i].name_len);
        if (q->items[i].value_len) {
            put(b, "=", 1);
            put(b, q->items[i].value, q->items[i].value_len);
        }
    }
}

static bool field_is(const policy_field_t *f, const char *name)
{
    return slice_eq_nocase_cstr(slice_make(f->name, f->name_len), name);
}

/* What build_head does with a request field, decided by length first (hot path). */
typedef enum { FIELD_COPY, FIELD_DROP, FIELD_DROP_IF_FORWARDED, FIELD_XFF } field_action_t;

static field_action_t request_field_action(const policy_field_t *f)
{
    slice_t n = slice_make(f->name, f->name_len);
    switch (n.len) {
    case 4: return slice_eq_nocase_cstr(n, "host") ? FIELD_DROP : FIELD_COPY;
    case 6: return slice_eq_nocase_cstr(n, "expect") ? FIELD_DROP : FIELD_COPY;
    case 15: return slice_eq_nocase_cstr(n, "x-forwarded-for") ? FIELD_XFF : FIELD_COPY;
    case 16: return slice_eq_nocase_cstr(n, "x-forwarded-host") ? FIELD_DROP_IF_FORWARDED : FIELD_COPY;
    case 17: return slice_eq_nocase_cstr(n, "x-forwarded-proto") ? FIELD_DROP_IF_FORWARDED : FIELD_COPY;
    default: return FIELD_COPY;
    }
}

/* The request head for `url`, `method`, `headers` (§4.4, §4.5): hop-by-hop and framing
 * fields dropped, Host from the URL, X-Forwarded-* added when `forwarded`. */
static int build_head(proxy_ctx_t *ctx, buf_t *b, const char *method, const policy_url_t *url,
                      const policy_fields_t *headers, const policy_body_t *body, bool forwarded,
                      bool chunked_stream, int64_t stream_length)
{
    const http_request_t *req = http_exchange_request(ctx->ex);
    const char *peer_ip = http_exchange_peer_ip(ctx->ex);
    const char *base, *sep, *path;
    size_t base_len;
    policy_url_path_pieces(url, &base, &base_len, &sep, &path);
    size_t method_len = strlen(method), path_len = strlen(path), host_len = strlen(url->host);
    size_t fields_len = 0;
    for (uint32_t i = 0; i < headers->count; i++)
        fields_len += headers->items[i].name_len + headers->items[i].value_len + 4;
    /* An upper bound of everything below: the fixed texts take less than 256 bytes (port,
     * lengths and the X-Forwarded-* names included). */
    size_t need = method_len + base_len + 1 + path_len + 1 + query_length(&url->query) +
                  host_len + fields_len + strlen(peer_ip) + req->host.len + 256;
    b->len = 0;
    if (buf_reserve(b, need) < 0) return -1;

    put(b, method, method_len);
    put(b, " ", 1);
    size_t path_start = b->len;
    put(b, base, base_len);
    put(b, sep, strlen(sep));
    put(b, path, path_len);
    if (b->len == path_start) put(b, "/", 1);
    put_query(b, &url->query);
    PUT_LIT(b, " HTTP/1.1\r\nHost: ");
    bool v6 = url->host[0] != '[' && memchr(url->host, ':', host_len) != NULL;
    bool default_port = (url->port == 80 && strcmp(url->scheme, "http") == 0) ||
                        (url->port == 443 && strcmp(url->scheme, "https") == 0);
    if (v6) put(b, "[", 1);
    put(b, url->host, host_len);
    if (v6) put(b, "]", 1);
    if (!default_port) {
        put(b, ":", 1);
        buf_append_u64(b, (unsigned)url->port);
    }
    put(b, "\r\n", 2);

    /* Connection-listed names are hop-by-hop (RFC 9110 §7.6.1). */
    http_header_t conn_fields[HTTP_MAX_CONNECTION_TOKENS];
    size_t conn_count = 0;
    for (uint32_t i = 0; i < headers->count && conn_count < HTTP_MAX_CONNECTION_TOKENS; i++)
        if (headers->items[i].name_len == 10 && field_is(&headers->items[i], "connection"))
            conn_fields[conn_count++] =
                (http_header_t){slice_make(headers->items[i].name, headers->items[i].name_len),
                                slice_make(headers->items[i].value, headers->items[i].value_len)};
    http_connection_tokens_t listed;
    http_collect_connection_tokens(conn_fields, conn_count, &listed);

    const char *xff = NULL;
    size_t xff_len = 0;
    for (uint32_t i = 0; i < headers->count; i++) {
        const policy_field_t *f = &headers->items[i];
        slice_t name = slice_make(f->name, f->name_len);
        if (http_is_hop_by_hop(name, &listed)) continue;
        field_action_t action = request_field_action(f);
        if (action == FIELD_DROP || (forwarded && action == FIELD_DROP_IF_FORWARDED)) continue;
        if (forwarded && action == FIELD_XFF) {
            if (!xff) {
                xff = f->value;
                xff_len = f->value_len;
                continue;
            }
        }
        put(b, f->name, f->name_len);
        put(b, ": ", 2);
        put(b, f->value, f->value_len);
        put(b, "\r\n", 2);
    }
    if (forwarded) {
        PUT_LIT(b, "X-Forwarded-For: ");
        if (xff) {
            put(b, xff, xff_len);
            put(b, ", ", 2);
        }
        put(b, peer_ip, strlen(peer_ip));
        PUT_LIT(b, "\r\nX-Forwarded-Proto: http\r\n");
        if (req->host.len) {
            PUT_LIT(b, "X-Forwarded-Host: ");
            put(b, req->host.ptr, req->host.len);
            put(b, "\r\n", 2);
        }
    }
    if (body->kind == POLICY_BODY_BYTES || (body->kind == POLICY_BODY_STREAM && !chunked_stream)) {
        PUT_LIT(b, "Content-Length: ");
        buf_append_u64(b, body->kind == POLICY_BODY_BYTES ? (unsigned long long)body->len
                                                          : (unsigned long long)stream_length);
        put(b, "\r\n", 2);
    } else if (body->kind == POLICY_BODY_STREAM) {
        PUT_LIT(b, "Transfer-Encoding: chunked\r\n");
    }
    put(b, "\r\n", 2);
    return 0;
}

static http_method_t method_id(const char *m)
{
    static const struct {
        const char *name;
        http_method_t id;
    } known[] = {{"GET", HTTP_METHOD_GET}, {"HEAD", HTTP_METHOD_HEAD}, {"POST", HTTP_METHOD_POST},
                 {"PUT", HTTP_METHOD_PUT}, {"DELETE", HTTP_METHOD_DELETE},
                 {"OPTIONS", HTTP_METHOD_OPTIONS}, {"PATCH", HTTP_METHOD_PATCH},
                 {"TRACE", HTTP_METHOD_TRACE}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(m, known[i].name) == 0) return known[i].id;
    return HTTP_METHOD_OTHER;
}

/* Copies a backend's response head into `resp` (end-to-end fields only). */
static int copy_response_head(arena_t *a, const http_response_t *r, policy_response_t *resp)
{
    http_connection_tokens_t listed;
    http_collect_connection_tokens(r->headers, r->header_count, &listed);
    resp->status = r->status;
    resp->reason = r->reason.len ? arena_strndup(a, r->reason.ptr, r->reason.len) : NULL;
    resp->headers.is_case_insensitive = true;
    return add_header_fields(&resp->headers, a, r->headers, r->header_count, &listed);
}

static int upstream_error_code(int err)
{
    return err == UPSTREAM_ERR_TIMEOUT ? POLICY_E_TIMEOUT : POLICY_E_BACKEND_CONNECTION;
}

/* -- forward-request -- */

static void fwd_on_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    proxy_ctx_t *ctx = ud;
    policy_exec_t *exec = ctx->exec;
    ctx->backend_ms = (double)(clock_mono_ns() - ctx->backend_start_ns) / 1e6;
    if (copy_response_head(exec->arena, resp, &exec->response) < 0) {
        upstream_request_cancel(r);
        ctx->up = NULL;
        policy_exec_forward_done(exec, POLICY_E_BACKEND_CONNECTION);
        return;
    }
    ctx->backend_length = resp->is_chunked ? -1 : resp->content_length;
    if (ctx->is_buffering_response) return; /* forward_done when the body is complete */
    /* Streaming: outbound runs now; the body waits (paused) until the head is written. */
    upstream_request_pause_response(r);
    exec->response.body.kind = POLICY_BODY_STREAM;
    ctx->is_response_streaming = true;
    policy_exec_forward_done(exec, 0);
}

static void fwd_on_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    proxy_ctx_t *ctx = ud;
    if (ctx->is_buffering_response) {
        if (ctx->body_out.len + len > POLICY_MAX_BUFFERED_BODY || buf_append(&ctx->body_out, data, len) < 0) {
            upstream_request_cancel(r);
            ctx->up = NULL;
            ctx->is_buffering_response = false;
            ctx->error = "BackendResponseTooLarge";
            policy_exec_forward_done(ctx->exec, POLICY_E_BACKEND_CONNECTION);
        }
        return;
    }
    if (!ctx->is_done) return; /* the program replaced the body: the backend's is dropped */
    if (http_exchange_send_body(ctx->ex, data, len) < 0) return;
    if (http_exchange_write_blocked(ctx->ex)) upstream_request_pause_response(r);
}

static void fwd_on_done(upstream_request_t *r, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->up = NULL;
    if (ctx->is_buffering_response) {
        ctx->is_buffering_response = false;
        policy_body_t *b = &ctx->exec->response.body;
        size_t len = ctx->body_out.len;
        char *copy = arena_alloc(ctx->exec->arena, len + 1);
        if (!copy) {
            policy_exec_forward_done(ctx->exec, POLICY_E_BACKEND_CONNECTION);
            return;
        }
        if (len) memcpy(copy, ctx->body_out.data, len);
        copy[len] = '\0';
        ctx->body_out.len = 0;
        *b = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = copy, .len = len};
        policy_exec_forward_done(ctx->exec, 0);
        return;
    }
    if (!ctx->is_done) {
        ctx->is_upstream_done = true; /* finish once the head is written */
        return;
    }
    http_exchange_finish(ctx->ex); /* may complete the exchange and free ctx */
}

static void fwd_on_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->up = NULL;
    ctx->error = upstream_error_name(err);
    if (ctx->backend_ms < 0) ctx->backend_ms = (double)(clock_mono_ns() - ctx->backend_start_ns) / 1e6;
    if (ctx->is_response_streaming) {
        if (!ctx->is_done) {
            ctx->is_upstream_failed = true; /* decided when the head would be written */
            return;
        }
        http_exchange_abort(ctx->ex); /* mid-body: the client must see a cut-short message */
        return;
    }
    ctx->is_buffering_response = false;
    policy_exec_forward_done(ctx->exec, upstream_error_code(err));
}

static void fwd_on_drain(upstream_request_t *r, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    http_exchange_resume_body(ctx->ex);
}

static const upstream_callbacks_t forward_callbacks = {
    .on_head = fwd_on_head,
    .on_body = fwd_on_body,
    .on_done = fwd_on_done,
    .on_error = fwd_on_error,
    .on_drain = fwd_on_drain,
};

static int host_forward(policy_exec_t *exec, const policy_forward_t *opts)
{
    proxy_ctx_t *ctx = exec->host_data;
    const http_request_t *req = http_exchange_request(ctx->ex);
    policy_request_t *rq = &exec->request;
    if (rq->body.kind == POLICY_BODY_STREAM && ctx->is_client_body_started)
        return POLICY_E_BACKEND_CONNECTION; /* the client's body went out already */
    if (ctx->up) {
        /* A retry: the previous answer (paused, its body unread) is dropped with its
         * connection; this may run inside that request's own on_head, which upstream allows. */
        upstream_request_cancel(ctx->up);
        ctx->up = NULL;
    }
    origin_t origin;
    if (url_origin(ctx, exec->arena, &rq->url, &origin) < 0) return POLICY_E_BACKEND_CONNECTION;
    static buf_t head; /* one unit = one thread: reused for every request's head */
    if (build_head(ctx, &head, rq->method, &rq->url, &rq->headers, &rq->body, true,
                   req->is_chunked, req->content_length) < 0)
        return POLICY_E_BACKEND_CONNECTION;
    ctx->is_buffering_response = (exec->program && (policy_exec_program_flags(exec->program) &
                                                    POLICY_NEEDS_RESPONSE_BODY)) &&
                                 opts->buffer_response;
    ctx->is_response_streaming = false;
    ctx->is_upstream_done = false;
    ctx->is_upstream_failed = false;
    ctx->body_out.len = 0;
    uint64_t timeout = opts->timeout_ms ? opts->timeout_ms : ctx->op->timeout_ms;
    upstream_request_spec_t spec = {
        .host = origin.host,
        .port = origin.port,
        .origin_key = origin.origin_key,
        .tls = origin.tls,
        .tls_server_name = origin.tls_name,
        .tls_skip_chain_check = origin.tls_skip_chain,
        .tls_skip_name_check = origin.tls_skip_name,
        .head = head.data,
        .head_len = head.len,
        .method = method_id(rq->method),
        .has_body = rq->body.kind != POLICY_BODY_NONE,
        .chunked_body = rq->body.kind == POLICY_BODY_STREAM && req->is_chunked,
        .response_timeout_ms = timeout > UINT32_MAX ? UINT32_MAX : (uint32_t)timeout,
    };
    ctx->backend_start_ns = clock_mono_ns();
    ctx->up = upstream_request_start(ctx->gw->pool, &spec, &forward_callbacks, ctx);
    if (!ctx->up) return POLICY_E_BACKEND_CONNECTION;
    if (rq->body.kind == POLICY_BODY_BYTES) {
        if ((rq->body.len && upstream_request_send_body(ctx->up, rq->body.bytes, rq->body.len) < 0) ||
            upstream_request_end_body(ctx->up) < 0)
            return 0; /* the upstream reports the failure through on_error */
    } else if (rq->body.kind == POLICY_BODY_STREAM) {
        ctx->is_client_body_started = true;
        http_exchange_read_body(ctx->ex);
    }
    return 0;
}

/* -- send-request -- */

static void side_on_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    policy_response_t *out = arena_alloc(ctx->exec->arena, sizeof *out);
    ctx->body_out.len = 0;
    if (!out) return;
    memset(out, 0, sizeof *out);
    if (copy_response_head(ctx->exec->arena, resp, out) < 0) return;
    ctx->side_response = out;
}

static void side_on_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    proxy_ctx_t *ctx = ud;
    if (ctx->body_out.len + len > POLICY_MAX_BUFFERED_BODY || buf_append(&ctx->body_out, data, len) < 0) {
        upstream_request_cancel(r);
        ctx->side = NULL;
        ctx->side_response = NULL;
        policy_exec_send_done(ctx->exec, POLICY_E_BACKEND_CONNECTION, NULL);
    }
}

static void side_on_done(upstream_request_t *r, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->side = NULL;
    policy_response_t *resp = ctx->side_response;
    ctx->side_response = NULL;
    if (!resp) {
        policy_exec_send_done(ctx->exec, POLICY_E_BACKEND_CONNECTION, NULL);
        return;
    }
    size_t len = ctx->body_out.len;
    char *copy = arena_alloc(ctx->exec->arena, len + 1);
    if (!copy) {
        policy_exec_send_done(ctx->exec, POLICY_E_BACKEND_CONNECTION, NULL);
        return;
    }
    if (len) memcpy(copy, ctx->body_out.data, len);
    copy[len] = '\0';
    ctx->body_out.len = 0;
    resp->body = (policy_body_t){.kind = POLICY_BODY_BYTES, .bytes = copy, .len = len};
    policy_exec_send_done(ctx->exec, 0, resp);
}

static void side_on_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    proxy_ctx_t *ctx = ud;
    ctx->side = NULL;
    ctx->side_response = NULL;
    policy_exec_send_done(ctx->exec, upstream_error_code(err), NULL);
}

/* send-one-way-request, log-to-eventhub...: fire and forget. The request belongs to the
 * unit, not to the exchange: it goes on after the client's response and is dropped, logged
 * only, when it fails. */
static void oneway_on_head(upstream_request_t *r, const http_response_t *resp, void *ud)
{
    (void)r;
    (void)ud;
    if (resp->status >= 400) log_warn("one-way request answered %d", resp->status);
}

static void oneway_on_body(upstream_request_t *r, const char *data, size_t len, void *ud)
{
    (void)r;
    (void)data;
    (void)len;
    (void)ud;
}

static void oneway_on_done(upstream_request_t *r, void *ud)
{
    (void)r;
    (void)ud;
}

static void oneway_on_error(upstream_request_t *r, int err, void *ud)
{
    (void)r;
    (void)ud;
    log_warn("one-way request failed: %s", upstream_error_name(err));
}

static const upstream_callbacks_t oneway_callbacks = {
    .on_head = oneway_on_head,
    .on_body = oneway_on_body,
    .on_done = oneway_on_done,
    .on_error = oneway_on_error,
};

static const upstream_callbacks_t side_callbacks = {
    .on_head = side_on_head,
    .on_body = side_on_body,
    .on_done = side_on_done,
    .on_error = side_on_error,
};

static void timer_closed(uv_handle_t *h)
{
    free(h->data);
}

static void timer_fired(uv_timer_t *h)
{
    struct proxy_timer *t = h->data;
    proxy_ctx_t *ctx = t->ctx;
    uv_close((uv_handle_t *)h, timer_closed);
    if (!ctx) return;
    ctx->timer = NULL;
    policy_exec_timer_done(ctx->exec);
}

static int start_timer(proxy_ctx_t *ctx, uint64_t ms)
{
    struct proxy_timer *t = calloc(1, sizeof *t);
    if (!t) return -1;
    t->ctx = ctx;
    uv_timer_init(ctx->gw->loop, &t->handle);
    t->handle.data = t;
    uv_timer_start(&t->handle, timer_fired, ms, 0);
    ctx->timer = t;
    return 0;
}

static int host_send(policy_exec_t *exec, const policy_send_t *s)
{
    proxy_ctx_t *ctx = exec->host_data;
    if (ctx->side && !s->is_one_way) return POLICY_E_BACKEND_CONNECTION; /* one at a time */
    policy_url_t url;
    memset(&url, 0, sizeof url);
    if (policy_url_parse(exec->arena, s->url, strlen(s->url), false, &url) != 0)
        return POLICY_E_BACKEND_CONNECTION;
    origin_t origin;
    if (url_origin(ctx, exec->arena, &url, &origin) < 0) return POLICY_E_BACKEND_CONNECTION;
    buf_t head;
    buf_init(&head);
    if (build_head(ctx, &head, s->method, &url, &s->headers, &s->body, false, false,
                   0) < 0) {
        buf_free(&head);
        return POLICY_E_BACKEND_CONNECTION;
    }
    upstream_request_spec_t spec = {
        .host = origin.host,
        .port = origin.port,
        .origin_key = origin.origin_key,
        .tls = origin.tls,
        .tls_server_name = origin.tls_name,
        .tls_skip_chain_check = origin.tls_skip_chain,
        .tls_skip_name_check = origin.tls_skip_name,
        .head = head.data,
        .head_len = head.len,
        .method = method_id(s->method),
        .has_body = s->body.kind == POLICY_BODY_BYTES,
        .response_timeout_ms = s->timeout_ms ? (uint32_t)s->timeout_ms : 60000,
    };
    if (s->is_one_way) {
        /* The executor does not wait (exec.h): the head and body are copied by upstream. */
        upstream_request_t *r = upstream_request_start(ctx->gw->pool, &spec, &oneway_callbacks, NULL);
        buf_free(&head);
        if (!r) return POLICY_E_BACKEND_CONNECTION;
        if (s->body.kind == POLICY_BODY_BYTES) {
            if (s->body.len) upstream_request_send_body(r, s->body.bytes, s->body.len);
            upstream_request_end_body(r);
        }
        return 0;
    }
    ctx->body_out.len = 0;
    ctx->side_response = NULL;
    ctx->side = upstream_request_start(ctx->gw->pool, &spec, &side_callbacks, ctx);
    buf_free(&head);
    if (!ctx->side) return POLICY_E_BACKEND_CONNECTION;
    if (s->body.kind == POLICY_BODY_BYTES) {
        if (s->body.len) upstream_request_send_body(ctx->side, s->body.bytes, s->body.len);
        upstream_request_end_body(ctx->side);
    }
    return 0;
}

static int host_timer(policy_exec_t *exec, uint64_t ms)
{
    proxy_ctx_t *ctx = exec->host_data;
    return start_timer(ctx, ms) < 0 ? POLICY_E_BACKEND_CONNECTION : 0;
}

/* -- the response -- */

static void host_done(policy_exec_t *exec)
{
    proxy_ctx_t *ctx = exec->host_data;
    policy_response_t *resp = &exec->response;
    ctx->is_done = true;
    if (exec->last_error && !ctx->error) ctx->error = exec->last_error->reason;
    int status = resp->status ? resp->status : 200;
    bool streams = resp->body.kind == POLICY_BODY_STREAM && ctx->is_response_streaming;
    if (!streams && ctx->up) {
        /* The program answered with its own body: the backend's is not needed. */
        upstream_request_cancel(ctx->up);
        ctx->up = NULL;
    }
    if (streams && ctx->is_upstream_failed) {
        http_exchange_respond_error(ctx->ex, 502, "Bad gateway");
        return;
    }
    size_t n = 0;
    http_header_t *headers = arena_alloc(exec->arena, (resp->headers.count + 1) * sizeof *headers);
    if (!headers) {
        respond_oom(ctx);
        return;
    }
    for (uint32_t i = 0; i < resp->headers.count; i++) {
        const policy_field_t *f = &resp->headers.items[i];
        /* framing and connection fields are the server's (server.h) */
        if ((f->name_len == 14 && field_is(f, "content-length")) ||
            (f->name_len == 17 && field_is(f, "transfer-encoding")) ||
            (f->name_len == 10 && (field_is(f, "connection") || field_is(f, "keep-alive"))))
            continue;
        headers[n++] = (http_header_t){slice_make(f->name, f->name_len),
                                       slice_make(f->value, f->value_len)};
    }
    http_response_head_t head = {
        .status = status,
        .reason = resp->reason,
        .headers = headers,
        .header_count = n,
        .content_length = streams ? ctx->backend_length
                          : resp->body.kind == POLICY_BODY_BYTES ? (int64_t)resp->body.len
                                                                  : 0,
    };
    if (http_exchange_send_head(ctx->ex, &head) < 0) return;
    if (streams) {
        if (ctx->is_upstream_done || !ctx->up) {
            http_exchange_finish(ctx->ex);
            return;
        }
        upstream_request_resume_response(ctx->up);
        return;
    }
    if (resp->body.kind == POLICY_BODY_BYTES && resp->body.len &&
        http_exchange_send_body(ctx->ex, resp->body.bytes, resp->body.len) < 0)
        return;
    http_exchange_finish(ctx->ex);
}

static void host_trace(policy_exec_t *exec, const policy_trace_t *t)
{
    (void)exec;
    log_info("trace [%s] %s", t->source ? t->source : "", t->message ? t->message : "");
}

static void host_metric(policy_exec_t *exec, const policy_metric_t *m)
{
    proxy_ctx_t *ctx = exec->host_data;
    enum { MAX_DIMENSIONS = 10 }; /* the vendor allows at most 10 dimensions per metric */
    const char *dims[2 * MAX_DIMENSIONS];
    size_t n = 0;
    for (uint32_t i = 0; m->dimensions && i < m->dimensions->count && n < MAX_DIMENSIONS; i++, n++) {
        dims[2 * n] = m->dimensions->items[i].name;
        dims[2 * n + 1] = m->dimensions->items[i].value;
    }
    gateway_metrics_custom(ctx->gw->metrics, m->namespace_, m->name, m->value, dims, n);
}

static const char *host_endpoint(policy_exec_t *exec, const char *service, const char *name)
{
    proxy_ctx_t *ctx = exec->host_data;
    return gateway_policies_endpoint(ctx->config->policies, service, name);
}

static const policy_host_t gateway_policy_host = {
    .endpoint = host_endpoint,
    .cache = proxy_cache_op,
    .forward = host_forward,
    .send = host_send,
    .timer = host_timer,
    .done = host_done,
    .trace = host_trace,
    .metric = host_metric,
    .counter = gateway_limits_counter,
};

void proxy_policy_complete(proxy_ctx_t *ctx)
{
    proxy_cache_cancel(&ctx->cache_wait);
    gateway_limits_cancel(ctx);
    if (ctx->side) {
        upstream_request_cancel(ctx->side);
        ctx->side = NULL;
    }
    if (ctx->timer) {
        ctx->timer->ctx = NULL;
        uv_timer_stop(&ctx->timer->handle);
        uv_close((uv_handle_t *)&ctx->timer->handle, timer_closed);
        ctx->timer = NULL;
    }
    buf_free(&ctx->body_in);
    buf_free(&ctx->body_out);
}
