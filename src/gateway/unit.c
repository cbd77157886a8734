/* One gateway unit: see unit.h. */
#include "gateway/unit.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "gateway/limits_host.h"
#include "gateway/proxy.h"
#include "gateway/proxy_cache.h"
#include "gateway/region_counters.h"
#include "gateway/sync.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define DRAIN_TICK_MS 50
/* Feed mode, no configuration at start: the client listener opens when the first one is
 * installed, or after this long at the latest (then every request gets 503). Until then
 * the kernel gives the listen address's connections to sibling units that can serve
 * (SO_REUSEPORT), instead of to a unit that could only answer 503. */
#define LISTEN_GRACE_MS 3000

typedef struct {
    uv_loop_t loop;
    gateway_t gw;
    const gateway_unit_options_t *opts;
    http_server_t *server;     /* plain HTTP (--listen), or NULL */
    http_server_t *tls_server; /* HTTPS (--tls-listen), or NULL */
    http_server_t *admin;
    http_tls_ctx_t *tls_server_ctx, *tls_client_ctx;
    uv_signal_t sighup, sigterm, sigint;
    uv_timer_t drain_timer;
    uint64_t drain_deadline_ms;
    bool stopping;
    /* SIGHUP: the snapshot is read and compiled on the thread pool, then swapped here. */
    uv_work_t reload_work;
    bool reload_running;
    bool reload_again;
    gateway_config_t *reload_result;
    char *reload_error;
    gateway_sync_t *sync; /* feed mode only */
    uv_timer_t listen_timer;
    bool is_listen_deferred;
    bool has_failed; /* the deferred listen failed: exit 1 */
    region_cache_t *own_cache; /* run without a supervisor: this unit's own segment */
} unit_t;

static void unit_close_all(unit_t *u);

static void server_options_from(const gateway_config_t *c, http_server_options_t *o)
{
    http_server_options_default(o);
    if (!c) return;
    o->max_body_bytes = c->settings.max_request_body_bytes;
    o->header_timeout_ms = c->settings.header_timeout_ms;
    o->idle_timeout_ms = c->settings.idle_timeout_ms;
}

static void upstream_options_from(const gateway_config_t *c, upstream_options_t *o)
{
    upstream_options_default(o);
    if (!c) return;
    o->connect_timeout_ms = c->settings.connect_timeout_ms;
    o->idle_timeout_ms = c->settings.upstream_idle_ms;
    o->max_idle_per_origin = c->settings.upstream_max_idle;
}

/* Makes `c` the configuration new requests use. Requests in flight keep theirs. */
static void unit_install_config(unit_t *u, gateway_config_t *c)
{
    gateway_config_t *old = u->gw.config;
    u->gw.config = c;
    if (old) gateway_config_unref(old);
    http_server_options_t so;
    server_options_from(c, &so);
    if (u->server) http_server_set_options(u->server, &so);
    if (u->tls_server) http_server_set_options(u->tls_server, &so);
    upstream_options_t uo;
    upstream_options_from(c, &uo);
    upstream_pool_set_options(u->gw.pool, &uo);
    gateway_metrics_set_config(u->gw.metrics, true, c->revision);
    proxy_cache_on_config(u->gw.cache, c);
    gateway_limits_configure(&u->gw, u->opts->redis_url ? u->opts->redis_url : c->redis_url);
    proxy_cache_set_redis(u->gw.cache, u->gw.redis); /* the external cache shares the link */
    if (!c->region_known)
        log_warn("region \"%s\" is not among the snapshot's regions", u->opts->region);
    log_info("serving configuration revision %llu (%zu APIs)", (unsigned long long)c->revision,
             c->api_count);
}

static size_t unit_active_exchanges(const unit_t *u)
{
    return (u->server ? http_server_active_exchanges(u->server) : 0) +
           (u->tls_server ? http_server_active_exchanges(u->tls_server) : 0);
}

static size_t unit_connection_count(const unit_t *u)
{
    return (u->server ? http_server_connection_count(u->server) : 0) +
           (u->tls_server ? http_server_connection_count(u->tls_server) : 0);
}

static void unit_close_listeners(unit_t *u)
{
    if (u->server) http_server_close(u->server);
    if (u->tls_server) http_server_close(u->tls_server);
    u->server = u->tls_server = NULL;
}

static int unit_listen(unit_t *u)
{
    http_server_options_t so;
    server_options_from(u->gw.config, &so);
    const char *addr = u->opts->listen_addr;
    int rc = 0;
    if (addr) {
        rc = http_server_listen(&u->loop, addr, true, &so, &gateway_proxy_handler, &u->gw, &u->server);
        if (rc < 0) log_error("cannot listen on %s: %s", addr, uv_strerror(rc));
        else log_info("listening on %s", addr);
    }
    addr = u->opts->tls_listen_addr;
    if (rc == 0 && addr) {
        rc = http_server_listen(&u->loop, addr, true, &so, &gateway_proxy_handler, &u->gw, &u->tls_server);
        if (rc == 0) rc = http_server_set_tls(u->tls_server, u->tls_server_ctx);
        if (rc < 0) log_error("cannot listen on %s: %s", addr, uv_strerror(rc));
        else log_info("listening on %s (https)", addr);
        if (rc < 0) unit_close_listeners(u);
    }
    return rc;
}

int gateway_unit_tls_load(const gateway_unit_options_t *o, http_tls_ctx_t **server,
                          http_tls_ctx_t **client, char *err, size_t err_len)
{
    *server = *client = NULL;
    if (o->tls_listen_addr) {
        if (http_tls_server_ctx_new(o->tls_cert, o->tls_key, server, err, err_len) < 0) return -1;
        int n = o->tls_cert_dir ? http_tls_server_ctx_add_sni_dir(*server, o->tls_cert_dir, err, err_len) : 0;
        if (n < 0) {
            http_tls_ctx_unref(*server);
            *server = NULL;
            return -1;
        }
    }
    if (http_tls_client_ctx_new(o->ca_file, o->tls_client_cert, o->tls_client_key, client, err,
                                err_len) < 0) {
        http_tls_ctx_unref(*server);
        *server = NULL;
        return -1;
    }
    return 0;
}

/* Opens the deferred client listener (first configuration, or the grace period ended). */
static void unit_listen_now(unit_t *u)
{
    if (!u->is_listen_deferred || u->stopping) return;
    u->is_listen_deferred = false;
    uv_timer_stop(&u->listen_timer);
    if (unit_listen(u) < 0) {
        u->has_failed = true;
        u->stopping = true;
        u->gw.draining = true;
        gateway_sync_stop(u->sync);
        unit_close_all(u);
    }
}

static void on_listen_timer(uv_timer_t *t)
{
    unit_listen_now(t->data);
}

/* Feed mode: gateway/sync.h hands over each configuration it accepted. */
static void unit_sync_install(gateway_config_t *c, gateway_source_t source, void *ud)
{
    unit_t *u = ud;
    (void)source;
    if (u->stopping) {
        gateway_config_unref(c);
        return;
    }
    unit_install_config(u, c);
    unit_listen_now(u);
}

static void reload_work(uv_work_t *w)
{
    unit_t *u = w->data;
    u->reload_error = NULL;
    u->reload_result = gateway_config_load_file(u->opts->snapshot_path, u->opts->region, &u->reload_error);
}

static void reload_start(unit_t *u);

static void reload_done(uv_work_t *w, int status)
{
    unit_t *u = w->data;
    u->reload_running = false;
    if (status == 0 && u->reload_result) {
        gateway_metrics_reload(u->gw.metrics, true);
        if (!u->stopping) unit_install_config(u, u->reload_result);
        else gateway_config_unref(u->reload_result);
    } else {
        gateway_metrics_reload(u->gw.metrics, false);
        log_error("configuration not loaded, %s: %s",
                  u->gw.config ? "keeping the current one" : "serving 503 until one loads",
                  u->reload_error ? u->reload_error : "cancelled");
    }
    free(u->reload_error);
    u->reload_error = NULL;
    u->reload_result = NULL;
    if (u->reload_again && !u->stopping) {
        u->reload_again = false;
        reload_start(u);
    }
}

static void reload_start(unit_t *u)
{
    if (u->reload_running) {
        u->reload_again = true; /* a SIGHUP during a load: load once more afterwards */
        return;
    }
    u->reload_running = true;
    u->reload_work.data = u;
    if (uv_queue_work(&u->loop, &u->reload_work, reload_work, reload_done) < 0) {
        u->reload_running = false;
        log_error("cannot queue the configuration load");
    }
}

static void on_sighup(uv_signal_t *s, int signum)
{
    (void)signum;
    unit_t *u = s->data;
    if (u->sync) {
        log_info("SIGHUP: feed mode, the configuration comes from %s", u->opts->config_url);
        return;
    }
    log_info("SIGHUP: reloading %s", u->opts->snapshot_path);
    reload_start(u);
}

static void unit_close_all(unit_t *u)
{
    unit_close_listeners(u);
    if (u->admin) http_server_close(u->admin);
    u->admin = NULL;
    upstream_pool_close(u->gw.pool);
    gateway_access_log_close(u->gw.access_log);
    gateway_sync_stop(u->sync);
    proxy_cache_close(u->gw.cache);
    gateway_limits_close(&u->gw);
    uv_close((uv_handle_t *)&u->sighup, NULL);
    uv_close((uv_handle_t *)&u->sigterm, NULL);
    uv_close((uv_handle_t *)&u->sigint, NULL);
    uv_close((uv_handle_t *)&u->drain_timer, NULL);
    uv_close((uv_handle_t *)&u->listen_timer, NULL);
    /* Closing the watchers restores the default actions; a second stop signal (Ctrl-C
     * reaches a unit both from the terminal and through the supervisor) must not kill a
     * unit that is finishing its clean exit. */
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
}

static void on_drain_tick(uv_timer_t *t)
{
    unit_t *u = t->data;
    size_t active = unit_active_exchanges(u);
    if (active == 0 || clock_mono_ms() >= u->drain_deadline_ms) {
        if (active) log_warn("drain timeout: closing %zu requests still in flight", active);
        else log_info("drained");
        uv_timer_stop(t);
        unit_close_all(u);
    }
}

static void on_stop_signal(uv_signal_t *s, int signum)
{
    unit_t *u = s->data;
    if (u->stopping) return;
    u->stopping = true;
    u->gw.draining = true;
    u->is_listen_deferred = false;
    uv_timer_stop(&u->listen_timer);
    log_info("%s: draining (at most %u ms)", signum == SIGTERM ? "SIGTERM" : "SIGINT",
             u->opts->drain_timeout_ms);
    if (u->server) http_server_stop_accepting(u->server);
    if (u->tls_server) http_server_stop_accepting(u->tls_server);
    /* No new configuration while draining: the requests left finish on the one in use. */
    gateway_sync_stop(u->sync);
    u->drain_deadline_ms = clock_mono_ms() + u->opts->drain_timeout_ms;
    uv_timer_start(&u->drain_timer, on_drain_tick, 0, DRAIN_TICK_MS);
}

/* ---- admin listener ---- */

static void admin_on_request(http_exchange_t *ex, void *ud)
{
    unit_t *u = ud;
    const http_request_t *req = http_exchange_request(ex);
    if (req->method_id != HTTP_METHOD_GET && req->method_id != HTTP_METHOD_HEAD) {
        http_exchange_respond_error(ex, 405, "Method not allowed");
        return;
    }
    if (slice_eq(req->path, SLICE_LIT("/metrics"))) {
        buf_t b;
        buf_init(&b);
        gateway_metrics_live_t live = {
            .connections_active = unit_connection_count(u),
            .exchanges_active = unit_active_exchanges(u),
            .draining = u->gw.draining,
            .access_log_dropped = gateway_access_log_dropped(u->gw.access_log),
            .pool = u->gw.pool,
        };
        if (gateway_metrics_render(u->gw.metrics, &live, &b) == 0)
            http_exchange_respond(ex, 200, "text/plain; version=0.0.4", b.data, b.len);
        else
            http_exchange_respond_error(ex, 503, "Service unavailable");
        buf_free(&b);
        return;
    }
    if (u->sync && slice_eq(req->path, SLICE_LIT("/config"))) {
        gateway_sync_serve_config(u->sync, ex);
        return;
    }
    if (slice_eq(req->path, SLICE_LIT(GATEWAY_STATUS_PATH))) {
        bool healthy = u->gw.config && !u->gw.draining && !u->gw.config->is_gateway_disabled;
        http_exchange_respond(ex, healthy ? 200 : 503, NULL, "", 0);
        return;
    }
    http_exchange_respond_error(ex, 404, "Resource not found");
}

static const http_handler_t admin_handler = {.on_request = admin_on_request};

int gateway_unit_run(const gateway_unit_options_t *opts)
{
    unit_t *u = calloc(1, sizeof *u);
    if (!u) return 1;
    u->opts = opts;
    int exit_code = 1;
    signal(SIGPIPE, SIG_IGN);
    if (uv_loop_init(&u->loop) < 0) {
        free(u);
        return 1;
    }
    u->gw.region = opts->region;
    u->gw.unit_index = opts->unit_index;
    uint8_t instance[16];
    random_uuid_v4(instance);
    gateway_format_uuid(instance, u->gw.instance_id);
    u->gw.connect_to = opts->connect_to;
    u->gw.loop = &u->loop;
    uv_timer_init(&u->loop, &u->listen_timer);
    u->listen_timer.data = u;
    u->gw.metrics = gateway_metrics_new(opts->region, opts->unit_index);
    u->gw.counters = opts->counters;
    bool owns_counters = !u->gw.counters;
    if (owns_counters) u->gw.counters = region_counters_create(0);
    if (!u->gw.counters) {
        log_error("start-up failed: cannot map the counter table: %s", strerror(errno));
        gateway_metrics_free(u->gw.metrics);
        uv_loop_close(&u->loop);
        free(u);
        return 1;
    }
    upstream_options_t uo;
    upstream_options_default(&uo);
    u->gw.pool = upstream_pool_new(&u->loop, &uo);
    u->own_cache = opts->cache ? NULL : region_cache_create(opts->cache_bytes);
    region_cache_t *region_cache = opts->cache ? opts->cache : u->own_cache;
    u->gw.cache = region_cache ? proxy_cache_new(&u->loop, region_cache) : NULL;
    const char *err = NULL;
    u->gw.access_log = gateway_access_log_open(&u->loop, opts->access_log_path, &err);
    if (!u->gw.metrics || !u->gw.pool || !u->gw.access_log || !u->gw.cache) {
        log_error("start-up failed: %s", err ? err : "out of memory");
        goto fail_early;
    }
    char tls_err[512];
    if (gateway_unit_tls_load(opts, &u->tls_server_ctx, &u->tls_client_ctx, tls_err, sizeof tls_err) < 0) {
        log_error("start-up failed: %s", tls_err);
        goto fail_early;
    }
    upstream_pool_set_tls(u->gw.pool, u->tls_client_ctx);

    /* The first load is synchronous: nothing is being served yet. In feed mode it is the
     * last-known-good, installed by the sync once the listeners are up. */
    char *load_err = NULL;
    gateway_config_t *c = NULL;
    if (opts->config_url) {
        gateway_sync_options_t so = {
            .config_url = opts->config_url,
            .region = opts->region,
            .token = opts->token,
            .token_file = opts->token_file,
            .state_dir = opts->state_dir,
            .seed_from = opts->seed_from,
            .unit_index = opts->unit_index,
            .instance_id = u->gw.instance_id,
            .tls = u->tls_client_ctx,
        };
        gateway_sync_host_t host = {.install = unit_sync_install, .ud = u, .metrics = u->gw.metrics};
        u->sync = gateway_sync_new(&u->loop, &so, &host, &load_err);
        if (!u->sync) {
            log_error("start-up failed: %s", load_err);
            free(load_err);
            goto fail_early;
        }
    } else {
        c = gateway_config_load_file(opts->snapshot_path, opts->region, &load_err);
        if (c) {
            gateway_metrics_reload(u->gw.metrics, true);
        } else {
            gateway_metrics_reload(u->gw.metrics, false);
            log_error("configuration not loaded, serving 503 until one loads (SIGHUP): %s", load_err);
            free(load_err);
        }
    }

    if (c) unit_install_config(u, c);
    if (u->sync) gateway_sync_load_lkg(u->sync);
    u->is_listen_deferred = u->sync && !u->gw.config;
    int rc = 0;
    if (!u->is_listen_deferred && unit_listen(u) < 0) goto fail_early;
    if (opts->admin_addr) {
        http_server_options_t ao;
        http_server_options_default(&ao);
        rc = http_server_listen(&u->loop, opts->admin_addr, false, &ao, &admin_handler, u, &u->admin);
        if (rc < 0) {
            log_error("cannot listen on admin address %s: %s", opts->admin_addr, uv_strerror(rc));
            unit_close_listeners(u);
            uv_run(&u->loop, UV_RUN_DEFAULT);
            goto fail_early;
        }
    }

    uv_signal_init(&u->loop, &u->sighup);
    uv_signal_init(&u->loop, &u->sigterm);
    uv_signal_init(&u->loop, &u->sigint);
    u->sighup.data = u->sigterm.data = u->sigint.data = u;
    uv_signal_start(&u->sighup, on_sighup, SIGHUP);
    uv_signal_start(&u->sigterm, on_stop_signal, SIGTERM);
    uv_signal_start(&u->sigint, on_stop_signal, SIGINT);
    uv_timer_init(&u->loop, &u->drain_timer);
    u->drain_timer.data = u;

    if (opts->admin_addr) log_info("admin on %s", opts->admin_addr);
    if (u->is_listen_deferred) {
        log_info("no configuration yet: %s opens when one arrives (at most %d ms)",
                 opts->listen_addr ? opts->listen_addr : opts->tls_listen_addr, LISTEN_GRACE_MS);
        uv_timer_start(&u->listen_timer, on_listen_timer, LISTEN_GRACE_MS, 0);
    }
    if (u->sync) gateway_sync_start(u->sync);
    uv_run(&u->loop, UV_RUN_DEFAULT);
    exit_code = u->has_failed ? 1 : 0;
    goto done;

fail_early:
    uv_close((uv_handle_t *)&u->listen_timer, NULL);
    proxy_cache_close(u->gw.cache);
    if (u->gw.pool) upstream_pool_close(u->gw.pool);
    if (u->gw.access_log) gateway_access_log_close(u->gw.access_log);
    gateway_sync_stop(u->sync);
    gateway_limits_close(&u->gw);
    uv_run(&u->loop, UV_RUN_DEFAULT);
done:
    gateway_sync_free(u->sync);
    proxy_cache_free(u->gw.cache);
    region_cache_destroy(u->own_cache);
    if (u->gw.config) gateway_config_unref(u->gw.config);
    gateway_metrics_free(u->gw.metrics);
    http_tls_ctx_unref(u->tls_server_ctx);
    http_tls_ctx_unref(u->tls_client_ctx);
    if (owns_counters) region_counters_destroy(u->gw.counters);
    if (uv_loop_close(&u->loop) != 0) log_warn("event loop closed with handles still open");
    free(u);
    return exit_code;
}
