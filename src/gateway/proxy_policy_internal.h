/* What the policy path's files share: proxy_policy.c (the executor's host: starting a run,
 * the client's body, timers, writing the response), proxy_policy_describe.c (the messages
 * as the executor sees them) and proxy_policy_backend.c (forward-request and send-request).
 * Internal to the gateway's request path; proxy.c sees only proxy_internal.h. */
#ifndef MERIDIAN_GATEWAY_PROXY_POLICY_INTERNAL_H
#define MERIDIAN_GATEWAY_PROXY_POLICY_INTERNAL_H

#include "gateway/proxy_internal.h"

/* A body a policy must see is held in memory; larger ones are refused rather than risk the
 * unit (413 for the client's, 502 for a backend's). */
#define POLICY_MAX_BUFFERED_BODY (16u * 1024 * 1024)

/* A field's name against a lower-case `name`, case-insensitively (RFC 9110 §5.1). */
static inline bool proxy_policy_field_is(const policy_field_t *f, const char *name)
{
    return slice_eq_nocase_cstr(slice_make(f->name, f->name_len), name);
}

/* ---- proxy_policy_describe.c ---- */

/* Fills exec->info, exec->request and the response's header table for the matched request
 * (context.Request, .Deployment, .Api, .Operation, .Subscription... spec §3.4), everything
 * in exec->arena. 0, or -1 when out of memory. */
int proxy_policy_describe_request(proxy_ctx_t *ctx, policy_exec_t *exec, const route_match_t *m);
/* A backend's response head as `resp` (status, reason, end-to-end fields only: hop-by-hop
 * ones are dropped, RFC 9110 §7.6.1), copied into `a`. 0, or -1 when out of memory. */
int proxy_policy_describe_response(arena_t *a, const http_response_t *r, policy_response_t *resp);

/* ---- proxy_policy_backend.c: policy_host_t.forward and .send (policy/exec.h) ---- */

int proxy_policy_forward(policy_exec_t *exec, const policy_forward_t *opts);
int proxy_policy_send(policy_exec_t *exec, const policy_send_t *s);

#endif
