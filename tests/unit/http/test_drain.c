/* http/drain.h: a stop signal starts the drain, which waits for the host's work (or the
 * deadline) and then closes everything so that the loop ends. */
#include "http/drain.h"

#include <criterion/criterion.h>
#include <signal.h>

typedef struct {
    int stops, closes;
    int busy_ticks; /* is_busy answers true this many more times; < 0: always */
    uint64_t closed_at;
    uv_loop_t *loop;
} host_t;

static void on_stop(void *ud)
{
    host_t *h = ud;
    h->stops++;
    /* The second Ctrl-C (`meridian run` passes it on) must not kill the process. */
    raise(SIGINT);
    raise(SIGTERM);
}

static bool is_busy(void *ud)
{
    host_t *h = ud;
    if (h->busy_ticks < 0) return true;
    return h->busy_ticks-- > 0;
}

static void on_close(void *ud)
{
    host_t *h = ud;
    h->closes++;
    h->closed_at = uv_now(h->loop);
}

static void on_kick(uv_timer_t *t)
{
    raise(SIGTERM);
    uv_close((uv_handle_t *)t, NULL);
}

/* Runs a drain with `busy_ticks`; returns how long the drain took (ms). */
static uint64_t drain_with(host_t *h, uint32_t drain_ms)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    h->loop = &loop;
    http_server_t *server = NULL;
    http_drain_options_t o = {.drain_ms = drain_ms, .poll_ms = 10, .server = &server,
                              .on_stop = on_stop, .is_busy = is_busy, .on_close = on_close, .ud = h};
    http_drain_t d;
    http_drain_init(&d, &loop, &o);
    cr_assert_eq(http_drain_watch(&d), 0);
    uv_timer_t kick;
    uv_timer_init(&loop, &kick);
    uv_timer_start(&kick, on_kick, 0, 0);
    uv_update_time(&loop);
    uint64_t start = uv_now(&loop);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0, "the drain left handles open");
    return h->closed_at - start;
}

Test(http_drain, waits_for_the_hosts_work_then_closes)
{
    host_t h = {.busy_ticks = 5};
    uint64_t took = drain_with(&h, 5000);
    cr_assert_eq(h.stops, 1, "one stop for three signals");
    cr_assert_eq(h.closes, 1);
    cr_assert_eq(h.busy_ticks, -1, "asked until idle");
    cr_assert_geq(took, 40, "closed after %lu ms, before the work ended", (unsigned long)took);
    cr_assert_lt(took, 2000, "closed after %lu ms", (unsigned long)took);
}

Test(http_drain, gives_up_at_the_deadline)
{
    host_t h = {.busy_ticks = -1};
    uint64_t took = drain_with(&h, 150);
    cr_assert_eq(h.closes, 1);
    cr_assert_geq(took, 150, "closed after %lu ms", (unsigned long)took);
    cr_assert_lt(took, 2000, "closed after %lu ms", (unsigned long)took);
}

Test(http_drain, close_without_a_signal_ends_the_loop)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    host_t h = {.loop = &loop};
    http_server_t *server = NULL;
    http_drain_options_t o = {.drain_ms = 10, .poll_ms = 10, .server = &server, .on_close = on_close,
                              .ud = &h};
    http_drain_t d;
    http_drain_init(&d, &loop, &o);
    http_drain_close(&d);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(h.closes, 1);
    cr_assert_eq(h.stops, 0);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
