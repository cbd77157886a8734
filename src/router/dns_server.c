/* The DNS server: see dns_server.h. */
#include "router/dns_server.h"

#include "base/log.h"
#include "base/random.h"
#include "http/addr.h"
#include "router/dns.h"

#include <stdlib.h>
#include <string.h>

#define TCP_IDLE_MS 10000
#define MAX_TCP_CONNECTIONS 256

typedef struct tcp_conn tcp_conn_t;

struct router_dns_server {
    uv_loop_t *loop;
    const router_config_t *cfg;
    const router_status_t *statuses;
    uv_udp_t udp;
    uv_tcp_t tcp;
    tcp_conn_t *conns;     /* open TCP connections, for closing */
    size_t conn_count;
    int open_handles;
    bool is_closing;
    router_dns_stats_t stats;
    uint8_t udp_in[DNS_MAX_MESSAGE];
};

struct tcp_conn {
    router_dns_server_t *server;
    uv_tcp_t tcp;
    uv_timer_t idle;
    tcp_conn_t *next, *prev;
    uint8_t in[2 + DNS_MAX_MESSAGE];
    size_t in_len;
    int open_handles;
    bool is_closing;
};

typedef struct {
    uv_udp_send_t send;
    uv_write_t write;
    size_t len;
    uint8_t data[];
} out_msg_t;

static void server_release(router_dns_server_t *s)
{
    if (--s->open_handles == 0 && s->is_closing) free(s);
}

/* Parses and answers one message; returns the response length (0 = no answer). */
static size_t handle(router_dns_server_t *s, const uint8_t *msg, size_t len,
                     const struct sockaddr *peer, bool is_udp, uint8_t *out, size_t cap)
{
    dns_query_t q;
    const char *why = NULL;
    int rc = dns_parse_query(msg, len, &q, &why);
    if (rc < 0) {
        s->stats.dropped++;
        return 0;
    }
    if (rc != DNS_RCODE_NOERROR) {
        s->stats.errors++;
        log_debug("router: dns: rcode %d for a malformed query: %s", rc, why ? why : "?");
        return dns_error(&q, rc, false, out, cap);
    }
    char host[64];
    http_addr_host(peer, host, sizeof host);
    router_addr_t source;
    if (!router_addr_parse(host, &source)) memset(&source, 0, sizeof source);
    uint64_t entropy;
    random_fill(&entropy, sizeof entropy);
    s->stats.queries++;
    return dns_answer(s->cfg, s->statuses, &q, &source, entropy, is_udp, out, cap);
}

/* ---- UDP ---- */

static void on_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    router_dns_server_t *s = h->data;
    buf->base = (char *)s->udp_in;
    buf->len = sizeof s->udp_in;
}

static void on_udp_sent(uv_udp_send_t *req, int status)
{
    (void)status;
    free(req->data);
}

static void on_udp_recv(uv_udp_t *u, ssize_t n, const uv_buf_t *buf, const struct sockaddr *peer,
                        unsigned flags)
{
    router_dns_server_t *s = u->data;
    if (n <= 0 || !peer) return;
    if (flags & UV_UDP_PARTIAL) {
        s->stats.dropped++;
        return;
    }
    out_msg_t *m = malloc(sizeof *m + 4096);
    if (!m) return;
    m->len = handle(s, (const uint8_t *)buf->base, (size_t)n, peer, true, m->data, 4096);
    if (!m->len) {
        free(m);
        return;
    }
    m->send.data = m;
    uv_buf_t b = uv_buf_init((char *)m->data, (unsigned)m->len);
    if (uv_udp_send(&m->send, u, &b, 1, peer, on_udp_sent) < 0) free(m);
}

/* ---- TCP ---- */

static void on_conn_handle_closed(uv_handle_t *h)
{
    tcp_conn_t *c = h->data;
    if (--c->open_handles > 0) return;
    router_dns_server_t *s = c->server;
    free(c);
    server_release(s);
}

static void conn_close(tcp_conn_t *c)
{
    if (c->is_closing) return;
    c->is_closing = true;
    router_dns_server_t *s = c->server;
    if (c->prev) c->prev->next = c->next;
    else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->conn_count--;
    uv_close((uv_handle_t *)&c->idle, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
}

static void on_idle(uv_timer_t *t) { conn_close(t->data); }

static void on_tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    tcp_conn_t *c = h->data;
    buf->base = (char *)c->in + c->in_len;
    buf->len = sizeof c->in - c->in_len;
}

static void on_tcp_written(uv_write_t *w, int status)
{
    (void)status;
    free(w->data);
}

static void on_tcp_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    tcp_conn_t *c = st->data;
    if (n < 0) {
        conn_close(c);
        return;
    }
    c->in_len += (size_t)n;
    uv_timer_again(&c->idle);
    /* Every complete length-prefixed message in the buffer (RFC 7766 §6.2.1.1 pipelining). */
    while (c->in_len >= 2) {
        size_t mlen = (size_t)(c->in[0] << 8 | c->in[1]);
        if (c->in_len < 2 + mlen) break;
        struct sockaddr_storage peer;
        int plen = sizeof peer;
        memset(&peer, 0, sizeof peer);
        uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &plen);
        out_msg_t *m = malloc(sizeof *m + 2 + DNS_MAX_MESSAGE);
        if (!m) {
            conn_close(c);
            return;
        }
        size_t rlen = handle(c->server, c->in + 2, mlen, (struct sockaddr *)&peer, false, m->data + 2,
                             DNS_MAX_MESSAGE);
        memmove(c->in, c->in + 2 + mlen, c->in_len - 2 - mlen);
        c->in_len -= 2 + mlen;
        if (!rlen) {
            free(m);
            conn_close(c); /* not a query: the stream cannot be trusted */
            return;
        }
        m->data[0] = (uint8_t)(rlen >> 8);
        m->data[1] = (uint8_t)rlen;
        m->write.data = m;
        uv_buf_t b = uv_buf_init((char *)m->data, (unsigned)(rlen + 2));
        if (uv_write(&m->write, st, &b, 1, on_tcp_written) < 0) {
            free(m);
            conn_close(c);
            return;
        }
    }
}

static void on_tcp_connection(uv_stream_t *server, int status)
{
    router_dns_server_t *s = server->data;
    if (status < 0 || s->is_closing) return;
    tcp_conn_t *c = calloc(1, sizeof *c);
    if (!c) return;
    c->server = s;
    uv_tcp_init(s->loop, &c->tcp);
    c->tcp.data = c;
    uv_timer_init(s->loop, &c->idle);
    c->idle.data = c;
    c->open_handles = 2;
    s->open_handles++;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->conn_count++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0 || s->conn_count > MAX_TCP_CONNECTIONS) {
        conn_close(c);
        return;
    }
    uv_timer_start(&c->idle, on_idle, TCP_IDLE_MS, TCP_IDLE_MS);
    uv_read_start((uv_stream_t *)&c->tcp, on_tcp_alloc, on_tcp_read);
}

static void on_server_handle_closed(uv_handle_t *h) { server_release(h->data); }

int router_dns_listen(uv_loop_t *loop, const char *addr, const router_config_t *cfg,
                      const router_status_t *statuses, router_dns_server_t **out)
{
    struct sockaddr_storage ss;
    int rc = http_addr_parse(addr, &ss);
    if (rc < 0) return rc;
    router_dns_server_t *s = calloc(1, sizeof *s);
    if (!s) return UV_ENOMEM;
    s->loop = loop;
    s->cfg = cfg;
    s->statuses = statuses;
    uv_udp_init(loop, &s->udp);
    s->udp.data = s;
    uv_tcp_init(loop, &s->tcp);
    s->tcp.data = s;
    s->open_handles = 2;
    rc = uv_udp_bind(&s->udp, (struct sockaddr *)&ss, 0);
    if (rc == 0) rc = uv_udp_recv_start(&s->udp, on_udp_alloc, on_udp_recv);
    if (rc == 0) rc = uv_tcp_bind(&s->tcp, (struct sockaddr *)&ss, 0);
    if (rc == 0) rc = uv_listen((uv_stream_t *)&s->tcp, 128, on_tcp_connection);
    if (rc < 0) {
        router_dns_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void router_dns_set_config(router_dns_server_t *s, const router_config_t *cfg,
                           const router_status_t *statuses)
{
    s->cfg = cfg;
    s->statuses = statuses;
}

router_dns_stats_t router_dns_stats(const router_dns_server_t *s) { return s->stats; }

void router_dns_close(router_dns_server_t *s)
{
    if (!s || s->is_closing) return;
    s->is_closing = true;
    while (s->conns) conn_close(s->conns);
    uv_close((uv_handle_t *)&s->udp, on_server_handle_closed);
    uv_close((uv_handle_t *)&s->tcp, on_server_handle_closed);
}
