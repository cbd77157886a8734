/* What proxy.c (the request pipeline) and proxy_policy.c (the policy executor's host) share.
 * Internal to the gateway's request path. */
#ifndef MERIDIAN_GATEWAY_PROXY_INTERNAL_H
#define MERIDIAN_GATEWAY_PROXY_INTERNAL_H

#include "base/buf.h"
#include "gateway/proxy.h"
#include "gateway/route.h"
#include "gateway/subscription.h"
#include "http/hop.h"
#include "policy/exec.h"

#include <stdbool.h>
#include <stdint.h>

/* One request in flight (in the exchange's arena). */
typedef struct {
    gateway_t *gw;
    http_exchange_t *ex;
    gateway_config_t *config;
    const gw_api_t *api;
    const gw_operation_t *op;
    upstream_request_t *up;
    uint64_t backend_start_ns;
    double backend_ms;
    const char *error;
    /* ---- the policy path (proxy_policy.c); unused when the operation has no program ---- */
    policy_exec_t *exec;
    buf_t body_in;               /* the client's body, buffered for the program */
    buf_t body_out;              /* a backend or side-request body being buffered */
    upstream_request_t *side;    /* send-request in flight */
    policy_response_t *side_response; /* its response, once the head arrived */
    struct proxy_timer *timer;   /* wait / retry interval in flight */
    struct proxy_cache_wait *cache_wait; /* a cache lookup's queued completion (proxy_cache.h) */
    int64_t backend_length;      /* framing of a streamed backend body: -1 = unknown */
    bool is_policy;              /* this request runs the policy program */
    bool is_buffering_request;   /* reading the client body before the program starts */
    bool is_client_body_started; /* http_exchange_read_body was called */
    bool is_client_body_done;    /* on_body_end seen */
    bool is_buffering_response;  /* forward asked for the backend body as bytes */
    bool is_response_streaming;  /* the backend body is piped after host->done */
    bool is_upstream_done;       /* the backend finished while the pipe was paused */
    bool is_upstream_failed;     /* ... or failed */
    bool is_done;                /* host->done ran: the response is being written */
    /* ---- subscriptions (subscription.h): who called, in which product context ---- */
    subscription_grant_t grant;
    const policy_exec_program_t *program; /* the program of that context, or NULL: none */
    struct limits_pending *counter_pending; /* a counter reply awaited (limits_host.c) */
} proxy_ctx_t;

/* The policy path (proxy_policy.c). proxy_policy_start runs the operation's program for the
 * matched request; the server callbacks below take over for it. */
void proxy_policy_start(proxy_ctx_t *ctx, const route_match_t *m);
/* The same for a request the subscription check refused (`refusal`: SUBSCRIPTION_KEY_*):
 * the program starts in on-error with the 401 as its default response (§1.4, §4.3). */
void proxy_policy_start_refused(proxy_ctx_t *ctx, const route_match_t *m, int refusal);
void proxy_policy_on_body(proxy_ctx_t *ctx, const char *data, size_t len);
void proxy_policy_on_body_end(proxy_ctx_t *ctx);
void proxy_policy_on_drain(proxy_ctx_t *ctx);
/* The exchange is over: cancel whatever is still pending, free what is not in the arena. */
void proxy_policy_complete(proxy_ctx_t *ctx);

#endif
