/* Endpoint probing: see monitor.h. Section numbers are traffic-routing.md. */
#include "router/monitor.h"

#include "base/buf.h"
#include "base/log.h"
#include "base/random.h"
#include "http/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool router_monitor_step(router_probe_state_t *st, bool success, unsigned tolerated)
{
    router_status_t before = st->status;
    if (success) {
        st->failures = 0;
        st->status = ROUTER_ONLINE; /* one success is enough to recover (spec §5.2) */
    } else {
        if (st->failures < UINT32_MAX) st->failures++;
        if (st->failures > tolerated) st->status = ROUTER_DEGRADED;
    }
    return st->status != before;
}

bool router_monitor_status_ok(const router_monitor_config_t *m, int status)
{
    for (size_t i = 0; i < m->range_count; i++)
        if (status >= m->ranges[i].min && status <= m->ranges[i].max) return true;
    return false;
}

uint64_t router_monitor_detect_min_ms(const router_monitor_config_t *m)
{
    return (uint64_t)m->tolerated_failures * m->interval_ms + m->timeout_ms;
}

uint64_t router_monitor_detect_max_ms(const router_monitor_config_t *m)
{
    return (uint64_t)(m->tolerated_failures + 1) * m->interval_ms + m->timeout_ms;
}

#define MAX_STATUS_LINE 512

typedef struct probe probe_t;

/* One probe attempt. Freed when its socket and timer are closed and no name lookup is
 * pending. */
typedef struct {
    probe_t *probe;
    uv_getaddrinfo_t gai;
    uv_connect_t connect;
    uv_write_t write;
    uv_tcp_t tcp;
    uv_timer_t timeout;
    buf_t request;
    char line[MAX_STATUS_LINE];
    size_t line_len;
    int pending; /* open handles + lookups in flight */
    bool is_finished;
    bool is_tcp_open;
    http_tls_t *tls;      /* HTTPS probes */
    bool is_request_sent; /* HTTPS: the request went into the TLS engine */
} attempt_t;

struct probe {
    router_monitor_t *monitor;
    const router_profile_t *profile;
    const router_endpoint_t *endpoint;
    router_probe_state_t state;
    uv_timer_t timer;
    attempt_t *current;
};

struct router_monitor {
    uv_loop_t *loop;
    const router_config_t *cfg;
    router_status_t *statuses;
    probe_t *probes;
    size_t probe_count;
    size_t open; /* handles and attempts not yet released */
    bool is_stopping;
    void (*on_stopped)(void *ud);
    void *stopped_ud;
};

static void monitor_release(router_monitor_t *m)
{
    if (--m->open == 0 && m->is_stopping) {
        void (*cb)(void *) = m->on_stopped;
        void *ud = m->stopped_ud;
        free(m->probes);
        free(m);
        if (cb) cb(ud);
    }
}

static void attempt_release(attempt_t *a)
{
    if (--a->pending > 0) return;
    router_monitor_t *m = a->probe->monitor;
    if (a->probe->current == a) a->probe->current = NULL;
    buf_free(&a->request);
    http_tls_free(a->tls);
    free(a);
    monitor_release(m);
}

static void on_handle_closed(uv_handle_t *h) { attempt_release(h->data); }

static void apply_result(probe_t *p, bool ok, const char *reason)
{
    router_monitor_t *m = p->monitor;
    router_status_t before = p->state.status;
    if (router_monitor_step(&p->state, ok, p->profile->monitor.tolerated_failures)) {
        m->statuses[p->endpoint->index] = p->state.status;
        log_info("router: endpoint %s/%s: %s -> %s (%s)", p->profile->name, p->endpoint->name,
                 router_status_name(before), router_status_name(p->state.status), reason);
    } else if (!ok) {
        log_debug("router: endpoint %s/%s: probe failed (%s), %u consecutive", p->profile->name,
                  p->endpoint->name, reason, p->state.failures);
    }
}

/* Ends an attempt once: records the verdict (unless the monitor is stopping) and closes. */
static void attempt_finish(attempt_t *a, bool ok, const char *reason)
{
    if (a->is_finished) return;
    a->is_finished = true;
    if (!a->probe->monitor->is_stopping) apply_result(a->probe, ok, reason);
    uv_timer_stop(&a->timeout);
    uv_close((uv_handle_t *)&a->timeout, on_handle_closed);
    if (a->is_tcp_open) uv_close((uv_handle_t *)&a->tcp, on_handle_closed);
}

static void on_timeout(uv_timer_t *t)
{
    attempt_t *a = t->data;
    attempt_finish(a, false, "timeout");
}

/* HTTPS probes (docs/tls.md). As the vendor's probes, the certificate is not verified:
 * the probe asks whether the endpoint answers, not whether a client would trust it. One
 * client context for the process, made on first use. */
static http_tls_ctx_t *probe_tls_ctx(void)
{
    static http_tls_ctx_t *ctx;
    char err[256];
    if (!ctx && http_tls_client_ctx_new(NULL, NULL, NULL, &ctx, err, sizeof err) < 0) {
        log_warn("router: HTTPS probes: %s", err);
        ctx = NULL;
    }
    return ctx;
}

static char tls_cipher_in[16384]; /* one read at a time on the router's loop */

/* Puts the request into the engine once the handshake allows and sends what it produced.
 * Handshake messages and a probe request are small: the socket takes them at once, so a
 * write the kernel does not take whole fails the attempt instead of queueing. */
static bool tls_pump(attempt_t *a)
{
    if (!a->is_request_sent) {
        int n = http_tls_write(a->tls, a->request.data, a->request.len);
        if (n < 0) return false;
        a->is_request_sent = n > 0;
    }
    buf_t wire;
    buf_init(&wire);
    bool ok = http_tls_take_output(a->tls, &wire) == 0;
    if (ok && wire.len) {
        uv_buf_t b = uv_buf_init(wire.data, (unsigned)wire.len);
        ok = uv_try_write((uv_stream_t *)&a->tcp, &b, 1) == (int)wire.len;
    }
    buf_free(&wire);
    return ok;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    attempt_t *a = h->data;
    if (a->tls) {
        *buf = uv_buf_init(tls_cipher_in, sizeof tls_cipher_in);
        return;
    }
    buf->base = a->line + a->line_len;
    buf->len = MAX_STATUS_LINE - 1 - a->line_len;
}

/* "HTTP/1.x DDD ..." up to the first CRLF (RFC 9112 §4); the body is never read. */
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    attempt_t *a = s->data;
    if (a->is_finished) return;
    if (n < 0) {
        attempt_finish(a, false, n == UV_EOF ? "connection closed before the status line"
                                             : uv_strerror((int)n));
        return;
    }
    if (a->tls) {
        /* Decrypt into the status line buffer; only its first line is ever needed. */
        int r = http_tls_feed(a->tls, buf->base, (size_t)n);
        n = 0;
        while (r == 0 && a->line_len + (size_t)n < MAX_STATUS_LINE - 1) {
            r = http_tls_read(a->tls, a->line + a->line_len + n, MAX_STATUS_LINE - 1 - a->line_len - (size_t)n);
            if (r > 0) {
                n += r;
                r = 0;
            } else if (r == 0) {
                break;
            }
        }
        if (r < 0 && n == 0) {
            attempt_finish(a, false, r == HTTP_TLS_EOF ? "connection closed before the status line"
                                                       : http_tls_error(a->tls));
            return;
        }
        if (!tls_pump(a)) {
            attempt_finish(a, false, "TLS failed");
            return;
        }
        if (n == 0) return;
    }
    a->line_len += (size_t)n;
    a->line[a->line_len] = '\0';
    char *eol = strstr(a->line, "\r\n");
    if (!eol) {
        if (a->line_len >= MAX_STATUS_LINE - 1) attempt_finish(a, false, "status line too long");
        return;
    }
    int status = 0;
    if (strncmp(a->line, "HTTP/1.", 7) != 0 || (a->line[7] != '0' && a->line[7] != '1') ||
        a->line[8] != ' ' || sscanf(a->line + 9, "%3d", &status) != 1 || status < 100) {
        attempt_finish(a, false, "not an HTTP response");
        return;
    }
    char reason[48];
    snprintf(reason, sizeof reason, "HTTP %d", status);
    attempt_finish(a, router_monitor_status_ok(&a->probe->profile->monitor, status), reason);
}

static void on_write(uv_write_t *w, int status)
{
    attempt_t *a = w->data;
    if (status < 0) attempt_finish(a, false, uv_strerror(status));
}

static const char *find_header(const probe_t *p, const char *name)
{
    for (size_t i = 0; i < p->endpoint->header_count; i++)
        if (strcasecmp(p->endpoint->headers[i].name, name) == 0) return p->endpoint->headers[i].value;
    for (size_t i = 0; i < p->profile->monitor.header_count; i++)
        if (strcasecmp(p->profile->monitor.headers[i].name, name) == 0)
            return p->profile->monitor.headers[i].value;
    return NULL;
}

static void build_request(attempt_t *a)
{
    const probe_t *p = a->probe;
    const router_monitor_config_t *mc = &p->profile->monitor;
    buf_t *b = &a->request;
    const char *host = find_header(p, "Host");
    buf_printf(b, "GET %s HTTP/1.1\r\nHost: ", mc->path);
    if (host) buf_append_cstr(b, host);
    else if (p->endpoint->kind == ROUTER_TARGET_V6) buf_printf(b, "[%s]", p->endpoint->target);
    else buf_append_cstr(b, p->endpoint->target);
    buf_append_cstr(b, "\r\nUser-Agent: Meridian-Router-Probe\r\nConnection: close\r\n");
    /* Endpoint headers override the profile's of the same name (spec §1.3). */
    for (size_t i = 0; i < p->endpoint->header_count; i++)
        if (strcasecmp(p->endpoint->headers[i].name, "Host") != 0)
            buf_printf(b, "%s: %s\r\n", p->endpoint->headers[i].name, p->endpoint->headers[i].value);
    for (size_t i = 0; i < mc->header_count; i++) {
        bool overridden = strcasecmp(mc->headers[i].name, "Host") == 0;
        for (size_t k = 0; k < p->endpoint->header_count && !overridden; k++)
            overridden = strcasecmp(p->endpoint->headers[k].name, mc->headers[i].name) == 0;
        if (!overridden) buf_printf(b, "%s: %s\r\n", mc->headers[i].name, mc->headers[i].value);
    }
    buf_append_cstr(b, "\r\n");
}

static void on_connect(uv_connect_t *c, int status)
{
    attempt_t *a = c->data;
    if (a->is_finished) return;
    if (status < 0) {
        attempt_finish(a, false, uv_strerror(status));
        return;
    }
    if (a->probe->profile->monitor.protocol == ROUTER_PROBE_TCP) {
        attempt_finish(a, true, "TCP connected");
        return;
    }
    build_request(a);
    if (a->probe->profile->monitor.protocol == ROUTER_PROBE_HTTPS) {
        /* SNI: the Host header's name (without its port), else the target. */
        const char *host = find_header(a->probe, "Host");
        char name[256];
        snprintf(name, sizeof name, "%s", host ? host : a->probe->endpoint->target);
        char *colon = strrchr(name, ':');
        if (host && colon && colon == strchr(name, ':')) *colon = '\0';
        http_tls_ctx_t *ctx = probe_tls_ctx();
        a->tls = ctx ? http_tls_new_client(ctx, name, false, false) : NULL;
        if (!a->tls || !tls_pump(a)) {
            attempt_finish(a, false, "TLS failed");
            return;
        }
        int rc = uv_read_start((uv_stream_t *)&a->tcp, on_alloc, on_read);
        if (rc < 0) attempt_finish(a, false, uv_strerror(rc));
        return;
    }
    uv_buf_t buf = uv_buf_init(a->request.data, (unsigned)a->request.len);
    a->write.data = a;
    int rc = uv_write(&a->write, (uv_stream_t *)&a->tcp, &buf, 1, on_write);
    if (rc == 0) rc = uv_read_start((uv_stream_t *)&a->tcp, on_alloc, on_read);
    if (rc < 0) attempt_finish(a, false, uv_strerror(rc));
}

static void connect_to(attempt_t *a, const struct sockaddr *sa)
{
    router_monitor_t *m = a->probe->monitor;
    int rc = uv_tcp_init(m->loop, &a->tcp);
    if (rc < 0) {
        attempt_finish(a, false, uv_strerror(rc));
        return;
    }
    a->tcp.data = a;
    a->is_tcp_open = true;
    a->pending++;
    a->connect.data = a;
    rc = uv_tcp_connect(&a->connect, &a->tcp, sa, on_connect);
    if (rc < 0) attempt_finish(a, false, uv_strerror(rc));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    attempt_t *a = req->data;
    if (!a->is_finished) {
        if (status < 0 || !res) attempt_finish(a, false, "name resolution failed");
        else connect_to(a, res->ai_addr);
    }
    if (res) uv_freeaddrinfo(res);
    attempt_release(a);
}

static void probe_start(probe_t *p)
{
    router_monitor_t *m = p->monitor;
    attempt_t *a = calloc(1, sizeof *a);
    if (!a) {
        apply_result(p, false, "out of memory");
        return;
    }
    a->probe = p;
    buf_init(&a->request);
    m->open++;
    p->current = a;
    uv_timer_init(m->loop, &a->timeout);
    a->timeout.data = a;
    a->pending = 1;
    uv_timer_start(&a->timeout, on_timeout, p->profile->monitor.timeout_ms, 0);
    const router_endpoint_t *e = p->endpoint;
    if (e->kind == ROUTER_TARGET_NAME) {
        char port[8];
        snprintf(port, sizeof port, "%u", e->port);
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        a->gai.data = a;
        a->pending++;
        int rc = uv_getaddrinfo(m->loop, &a->gai, on_resolved, e->target, port, &hints);
        if (rc < 0) {
            a->pending--;
            attempt_finish(a, false, "name resolution failed");
        }
        return;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (e->kind == ROUTER_TARGET_V4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(e->port);
        memcpy(&s4->sin_addr, e->addr.b + 12, 4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(e->port);
        memcpy(&s6->sin6_addr, e->addr.b, 16);
    }
    connect_to(a, (struct sockaddr *)&ss);
}

static void on_interval(uv_timer_t *t) { probe_start(t->data); }

static void on_timer_closed(uv_handle_t *h)
{
    probe_t *p = h->data;
    monitor_release(p->monitor);
}

static bool is_probed(const router_config_t *c, const router_endpoint_t *e)
{
    return c->profiles[e->profile].is_enabled && e->is_enabled && !e->always_serve && e->child < 0;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Is `e` (of the new configuration) probed exactly like `q` was? Then a reload keeps q's
 * verdict and count: same profile and endpoint names, target, port and monitor settings. */
static bool same_probe(const router_config_t *cfg, const router_endpoint_t *e, const probe_t *q)
{
    const router_profile_t *p = &cfg->profiles[e->profile];
    const router_monitor_config_t *a = &p->monitor, *b = &q->profile->monitor;
    return strcmp(p->name, q->profile->name) == 0 && strcmp(e->name, q->endpoint->name) == 0 &&
           same_str(e->target, q->endpoint->target) && e->port == q->endpoint->port &&
           a->protocol == b->protocol && same_str(a->path, b->path) &&
           a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms &&
           a->tolerated_failures == b->tolerated_failures;
}

router_monitor_t *router_monitor_start(uv_loop_t *loop, const router_config_t *cfg,
                                       router_status_t *statuses, const router_monitor_t *prev)
{
    router_monitor_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->loop = loop;
    m->cfg = cfg;
    m->statuses = statuses;
    m->probes = calloc(cfg->endpoint_count ? cfg->endpoint_count : 1, sizeof *m->probes);
    if (!m->probes) {
        free(m);
        return NULL;
    }
    m->open = 1; /* released by router_monitor_stop */
    for (size_t i = 0; i < cfg->endpoint_count; i++) {
        const router_endpoint_t *e = &cfg->endpoints[i];
        statuses[i] = ROUTER_CHECKING;
        if (!is_probed(cfg, e)) continue;
        probe_t *p = &m->probes[m->probe_count++];
        p->monitor = m;
        p->profile = &cfg->profiles[e->profile];
        p->endpoint = e;
        p->state.status = ROUTER_CHECKING;
        for (size_t k = 0; prev && k < prev->probe_count; k++)
            if (same_probe(cfg, e, &prev->probes[k])) {
                p->state = prev->probes[k].state;
                statuses[i] = p->state.status;
                break;
            }
        uv_timer_init(loop, &p->timer);
        p->timer.data = p;
        m->open++;
        /* A little jitter spreads the probes of many endpoints (spec §11). */
        uint16_t jitter;
        random_fill(&jitter, sizeof jitter);
        uint32_t interval = p->profile->monitor.interval_ms;
        uv_timer_start(&p->timer, on_interval, jitter % 50, interval);
    }
    return m;
}

void router_monitor_stop(router_monitor_t *m, void (*on_stopped)(void *ud), void *ud)
{
    if (!m || m->is_stopping) return;
    m->is_stopping = true;
    m->on_stopped = on_stopped;
    m->stopped_ud = ud;
    for (size_t i = 0; i < m->probe_count; i++) {
        probe_t *p = &m->probes[i];
        uv_timer_stop(&p->timer);
        uv_close((uv_handle_t *)&p->timer, on_timer_closed);
        if (p->current) {
            attempt_t *a = p->current;
            if (a->pending > 1 && !a->is_tcp_open) uv_cancel((uv_req_t *)&a->gai);
            attempt_finish(a, false, "stopped");
        }
    }
    monitor_release(m);
}
