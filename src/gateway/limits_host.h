/* gateway_limits: the gateway's side of counters (exec.h policy_host_t.counter) and the
 * unit's Redis link (docs/limits.md).
 *
 * Where a counter lives: in the region's shared table (region_counters.h) when the region
 * has no Redis; in Redis when it has one (regions[].redis in the snapshot, or --redis in
 * file mode, which wins). Redis keys are "meridian:{service}:{region slug}:{policy key}"
 * (counting "regional", the default: each region counts apart, as the vendor does) or
 * "meridian:{service}:global:{policy key}" (counting "global": every region pointing at
 * this Redis shares the count), with ":{bucket}" appended; one EVAL per check adds to the
 * current bucket, sets its expiry (two periods) and reads the previous bucket. Redis
 * unreachable (the link down, no reply within the timeout, an error reply): the request
 * passes (failure "open", the default) or gets 503 (failure "closed"); the table full:
 * the request passes. */
#ifndef MERIDIAN_GATEWAY_LIMITS_HOST_H
#define MERIDIAN_GATEWAY_LIMITS_HOST_H

#include "gateway/proxy_internal.h"
#include "policy/exec.h"

/* Makes gw->redis follow `url` (the --redis option when given, else the configuration's
 * regions[].redis; NULL: none): a new link when the URL changed, the old one closed. */
void gateway_limits_configure(gateway_t *gw, const char *url);
/* Closes the link (the unit is stopping). */
void gateway_limits_close(gateway_t *gw);

/* policy_host_t.counter of the gateway. */
int gateway_limits_counter(policy_exec_t *exec, const policy_counter_op_t *op,
                           policy_counter_result_t *out);
/* The exchange is over: a counter reply still on its way must not resume it. */
void gateway_limits_cancel(proxy_ctx_t *ctx);

#endif
