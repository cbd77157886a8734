/* router_monitor: endpoint probing (spec §5) on a libuv loop.
 *
 * The per-endpoint state machine (spec §5.2) is a pure function, router_monitor_step, so
 * tests drive it with fake results. The probe engine runs one timer per probed endpoint at
 * the profile's interval (fixed cadence, first probe at start-up plus a small jitter):
 * - HTTP: connect, "GET path HTTP/1.1" with Host (the custom Host, else the target) and
 *   the custom headers (endpoint's override the profile's), Connection: close; success =
 *   the status line arrives within the timeout and its code is in the expected ranges.
 * - TCP: success = the connection is established within the timeout; closed at once.
 * Names are resolved on libuv's thread pool. Disabled, alwaysServe and nested endpoints,
 * and endpoints of disabled profiles, are not probed (spec §2.1, §5.3). Each status change
 * is logged with its reason. */
#ifndef MERIDIAN_ROUTER_MONITOR_H
#define MERIDIAN_ROUTER_MONITOR_H

#include "router/profile.h"
#include "router/route.h"

#include <stdbool.h>
#include <uv.h>

typedef struct {
    router_status_t status;  /* CHECKING until the first verdict */
    unsigned failures;       /* consecutive */
} router_probe_state_t;

/* Spec §5.2: a success resets the count and makes the endpoint Online; a failure counts,
 * and the endpoint becomes Degraded once the count exceeds `tolerated` (tolerated = 0:
 * the first failure degrades). A failure before the limit leaves the status as it was
 * (CheckingEndpoint stays CheckingEndpoint). Returns true when the status changed. */
bool router_monitor_step(router_probe_state_t *st, bool success, unsigned tolerated);

/* Does this HTTP status pass the profile's expected ranges? */
bool router_monitor_status_ok(const router_monitor_config_t *m, int status);

/* Detection time bounds (spec §6.2) in ms: best case F·I + T, worst case (F+1)·I + T. */
uint64_t router_monitor_detect_min_ms(const router_monitor_config_t *m);
uint64_t router_monitor_detect_max_ms(const router_monitor_config_t *m);

typedef struct router_monitor router_monitor_t;

/* Starts probing every probed endpoint of `cfg` (which must outlive the monitor).
 * `statuses` (cfg->endpoint_count entries) is written in place: endpoints start
 * CheckingEndpoint; readers on the same loop see each verdict as soon as it lands.
 * On a reload, `prev` is the monitor of the previous configuration (still running, or
 * stopped but not yet freed): an endpoint probed exactly as before (same profile and
 * endpoint names, target, port, protocol, path, interval, timeout, tolerated failures)
 * keeps its status and failure count instead of starting over as CheckingEndpoint. */
router_monitor_t *router_monitor_start(uv_loop_t *loop, const router_config_t *cfg,
                                       router_status_t *statuses, const router_monitor_t *prev);
/* Stops the timers and probes in flight; frees itself once libuv has closed every handle,
 * then calls on_stopped(ud) (may be NULL): from then on its configuration may be freed. */
void router_monitor_stop(router_monitor_t *m, void (*on_stopped)(void *ud), void *ud);

#endif
