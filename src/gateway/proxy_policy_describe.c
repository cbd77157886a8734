/* The policy path, part 1: the messages as the policy executor sees them. The client's
 * request becomes exec->info and exec->request (context.Request, .Deployment, .Api,
 * .Operation, .Subscription, .Product, .User: spec §3.4), and a backend's response head
 * becomes a policy_response_t (context.Response), all copied into the run's arena.
 * See proxy_policy_internal.h. */
#include "gateway/proxy_policy_internal.h"

#include "base/clock.h"
#include "base/random.h"

#include <stdlib.h>
#include <string.h>

/* Ticks from 0001-01-01 to the Unix epoch (.NET DateTime.UnixEpoch.Ticks). */
#define UNIX_EPOCH_TICKS 621355968000000000LL

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

int proxy_policy_describe_request(proxy_ctx_t *ctx, policy_exec_t *exec, const route_match_t *m)
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

/* Copies a backend's response head into `resp` (end-to-end fields only). */
int proxy_policy_describe_response(arena_t *a, const http_response_t *r, policy_response_t *resp)
{
    http_connection_tokens_t listed;
    http_collect_connection_tokens(r->headers, r->header_count, &listed);
    resp->status = r->status;
    resp->reason = r->reason.len ? arena_strndup(a, r->reason.ptr, r->reason.len) : NULL;
    resp->headers.is_case_insensitive = true;
    return add_header_fields(&resp->headers, a, r->headers, r->header_count, &listed);
}
