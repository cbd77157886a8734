/* Graceful stop on SIGTERM/SIGINT: see drain.h. */
#include "http/drain.h"

#include "base/clock.h"
#include "base/log.h"

#include <signal.h>

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

void http_drain_close(http_drain_t *d)
{
    if (d->opts.server && *d->opts.server) {
        http_server_close(*d->opts.server);
        *d->opts.server = NULL;
    }
    if (d->opts.on_close) d->opts.on_close(d->opts.ud);
    close_handle((uv_handle_t *)&d->timer);
    close_handle((uv_handle_t *)&d->sigterm);
    close_handle((uv_handle_t *)&d->sigint);
}

static void on_drain_tick(uv_timer_t *t)
{
    http_drain_t *d = t->data;
    http_server_t *server = d->opts.server ? *d->opts.server : NULL;
    size_t in_flight = server ? http_server_active_exchanges(server) : 0;
    bool is_idle = in_flight == 0 && !(d->opts.is_busy && d->opts.is_busy(d->opts.ud));
    if (is_idle || clock_mono_ms() >= d->deadline_ms) {
        if (!is_idle)
            log_warn("still busy after %u ms (%zu request(s) in flight); closing",
                     d->opts.drain_ms, in_flight);
        /* Work on the thread pool still completes before uv_run returns (its after-work
         * callback runs on the loop), so an acknowledged write is never cut short. */
        http_drain_close(d);
    }
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
    http_drain_t *d = h->data;
    if (d->is_stopping) return;
    d->is_stopping = true;
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigprocmask(SIG_BLOCK, &stop_signals, NULL);
    log_info("%s: stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
    if (d->opts.server && *d->opts.server) http_server_stop_accepting(*d->opts.server);
    if (d->opts.on_stop) d->opts.on_stop(d->opts.ud);
    d->deadline_ms = clock_mono_ms() + d->opts.drain_ms;
    uv_timer_start(&d->timer, on_drain_tick, 0, d->opts.poll_ms);
}

void http_drain_init(http_drain_t *d, uv_loop_t *loop, const http_drain_options_t *opts)
{
    *d = (http_drain_t){.opts = *opts};
    uv_timer_init(loop, &d->timer);
    uv_signal_init(loop, &d->sigterm);
    uv_signal_init(loop, &d->sigint);
    d->timer.data = d->sigterm.data = d->sigint.data = d;
}

int http_drain_watch(http_drain_t *d)
{
    int rc = uv_signal_start(&d->sigterm, on_stop_signal, SIGTERM);
    if (rc == 0) rc = uv_signal_start(&d->sigint, on_stop_signal, SIGINT);
    return rc;
}
