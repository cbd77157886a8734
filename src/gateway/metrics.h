/* gateway_metrics: the unit's counters, exported as Prometheus text on the admin
 * listener (/metrics). Updated on the request path with no allocation once an
 * (api, status) pair has been seen. */
#ifndef MERIDIAN_GATEWAY_METRICS_H
#define MERIDIAN_GATEWAY_METRICS_H

#include "base/buf.h"
#include "http/upstream.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct gateway_metrics gateway_metrics_t;

gateway_metrics_t *gateway_metrics_new(const char *region, int unit_index);
void gateway_metrics_free(gateway_metrics_t *m);

/* One finished request. `api` is the API id, or "" when none matched. */
void gateway_metrics_request(gateway_metrics_t *m, const char *api, int status, double seconds);
void gateway_metrics_set_config(gateway_metrics_t *m, bool loaded, uint64_t revision);
void gateway_metrics_reload(gateway_metrics_t *m, bool ok);

/* Feed mode (gateway/sync.h): where the configuration in use came from ("none", "feed",
 * "last-known-good", "peer"; a static string), exported as meridian_config_source. */
void gateway_metrics_set_source(gateway_metrics_t *m, const char *source);
/* A snapshot refused, by reason: one of GATEWAY_METRICS_REFUSED_REASONS. */
#define GATEWAY_METRICS_REFUSED_REASONS {"signature", "stale", "invalid", "last-known-good"}
void gateway_metrics_refused(gateway_metrics_t *m, const char *reason);
/* Requests answered so far, and those answered with a 5xx status (for heartbeats).
 * Sums the counter table: costs nothing on the request path. */
void gateway_metrics_totals(const gateway_metrics_t *m, uint64_t *requests, uint64_t *errors);

/* emit-metric (spec §2.7): adds `value` to the series meridian_policy_metric with the
 * labels metric=`name`, namespace=`ns` and the dimension pairs dims[0..2*dim_count) (name,
 * value, name, value...). Exported as _sum and _count. Series beyond
 * GATEWAY_METRICS_MAX_CUSTOM are dropped and counted (meridian_policy_metric_dropped_total),
 * so a dimension with unbounded values cannot grow the unit without limit. */
#define GATEWAY_METRICS_MAX_CUSTOM 1000
void gateway_metrics_custom(gateway_metrics_t *m, const char *ns, const char *name, double value,
                            const char *const *dims, size_t dim_count);

typedef struct {
    size_t connections_active;
    size_t exchanges_active;
    bool draining;
    uint64_t access_log_dropped;
    const upstream_pool_t *pool;
} gateway_metrics_live_t;

/* Appends the Prometheus text exposition (format 0.0.4). */
int gateway_metrics_render(const gateway_metrics_t *m, const gateway_metrics_live_t *live, buf_t *out);

#endif
