/* gateway_config: the configuration snapshot (docs/snapshot.md) compiled into an immutable,
 * reference-counted structure that one unit serves from.
 *
 * Ownership: gateway_config_compile() returns a config with one reference, owned by the
 * caller. The unit holds one reference for "the current config" and every request in
 * flight holds one more, so a swap (SIGHUP, later a pushed snapshot) never frees a config
 * a request is still using. A unit is single-threaded: references are plain counters,
 * but compile may run on a worker thread because it touches no shared state.
 *
 * Nothing here is looked up by name on the request path: the route table, parsed backend
 * URLs and per-operation settings are all resolved when compiling. */
#ifndef MERIDIAN_GATEWAY_CONFIG_H
#define MERIDIAN_GATEWAY_CONFIG_H

#include "base/slice.h"
#include "http/parser.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct route_table route_table_t;
typedef struct gw_policies gw_policies_t;
struct policy_exec_program;

/* An http:// or https:// origin, parsed once. */
typedef struct {
    char *url;         /* as written */
    char *host;        /* host name or IP literal, without brackets */
    uint16_t port;
    char *base_path;   /* path prefix without trailing '/', "" for none */
    char *host_header; /* value to send as Host: "host" or "host:port" */
    char *origin_key;  /* "host:port", the upstream pool key */
    bool is_https;     /* https:// (default port 443): TLS to the backend, docs/tls.md */
    /* A Backend resource's tls.validateCertificateChain / validateCertificateName set to
     * false (spec §4.4: both default true). */
    bool skip_chain_check, skip_name_check;
} gw_backend_url_t;

typedef struct gw_api gw_api_t;
typedef struct gw_subscription gw_subscription_t;
typedef struct subscription_table subscription_table_t;

/* A product of the snapshot (spec §6 Product). Strings borrowed from the snapshot document. */
typedef struct gw_product {
    const char *id;
    const char *name;              /* displayName; the id when absent */
    bool is_subscription_required; /* default true; false = an *open* product (§1.2) */
    bool is_approval_required;
    bool is_published;             /* state "published" */
    int64_t subscriptions_limit;   /* -1: no limit (null) */
} gw_product_t;

/* A user that owns subscriptions (context.User, §3.4). Strings borrowed from the snapshot. */
typedef struct gw_user {
    const char *id;
    const char *email, *first_name, *last_name, *note; /* NULL when absent */
    int64_t registration_ticks;                        /* 0: unknown */
    bool is_blocked; /* state "blocked" or "deleted": the user's keys are refused */
} gw_user_t;

typedef struct {
    char *id;
    char *display_name;
    char *method;           /* upper-case token, "*" for any method */
    http_method_t method_id;
    char *url_template;     /* e.g. "/items/{id}", or a last segment "*" (wildcard) */
    uint32_t timeout_ms;    /* response timeout; default 300 s (spec §7 #1) */
    const gw_api_t *api;    /* owning API */
    /* The composed policy program (global → API → operation, spec §1.3), or NULL when no
     * document applies: the request is then proxied without the executor. */
    const struct policy_exec_program *policy;
    unsigned policy_flags;  /* POLICY_NEEDS_* (policy/exec.h) */
    /* The program of each product context, parallel to api->products: `policy` again when
     * the product has no document (product context then changes nothing, §1.3). The no-
     * product program `policy` runs for anonymous calls without an open product and for
     * API- and all-APIs-scoped keys (§1.2). */
    const struct policy_exec_program **product_policies;
    /* The operation's documented responses (snapshot responseExamples), which
     * mock-response answers with (policy/exec.h); owned. */
    struct policy_response_example *examples;
    size_t example_count;
} gw_operation_t;

struct gw_api {
    char *id;
    char *display_name;
    char *path;             /* URL suffix without leading or trailing '/', "" = catch-all */
    char **hostnames;       /* lower-case; none = any host */
    size_t hostname_count;
    gw_backend_url_t backend; /* from serviceUrl or the backend named by backendId */
    bool protocol_http;     /* "http" in protocols: served on the plain listener */
    bool protocol_https;    /* "https" in protocols: served on the TLS listener */
    bool subscription_required;
    gw_operation_t *operations;
    size_t operation_count;
    /* Subscription keys (spec §4.3): the header and query parameter names
     * (subscriptionKeyParameterNames; borrowed from the snapshot or static defaults). */
    const char *key_header, *key_query;
    /* The products holding this API, and among them the open one (subscriptionRequired
     * false), or NULL: anonymous requests run in its context (spec §1.2). */
    const gw_product_t **products;
    size_t product_count;
    const gw_product_t *open_product;
    size_t open_product_slot; /* its index in `products` */
};

typedef struct {
    uint64_t max_request_body_bytes; /* 413 above this; default 4 GiB */
    uint32_t connect_timeout_ms;     /* upstream connect, default 5000 */
    uint32_t idle_timeout_ms;        /* client keep-alive idle, default 75000 */
    uint32_t header_timeout_ms;      /* whole request head, default 10000 */
    uint32_t upstream_idle_ms;       /* pooled upstream connection idle, default 60000 */
    uint32_t upstream_max_idle;      /* pooled idle connections per origin, default 256 */
} gw_settings_t;

typedef struct gateway_config {
    int refcount;
    uint64_t revision;
    char *service_name;
    char *service_id;        /* the service's ARM resource id (service.id), or NULL */
    char *region;            /* the region this unit serves, display name */
    bool region_known;       /* region appears in the snapshot's regions */
    /* The region's disableGateway (spec §5.3): the status endpoint answers 503 so that the
     * router sends its traffic elsewhere; requests that still arrive are served. */
    bool is_gateway_disabled;
    gw_settings_t settings;
    gw_api_t *apis;
    size_t api_count;
    route_table_t *routes;
    gw_policies_t *policies; /* documents and programs (config_policy.c) */
    void *doc;               /* the parsed snapshot (json_t *), kept for later stages */
    /* Products, their owners and subscriptions (config_subscription.c), and the key table
     * (subscription.h) built from them. */
    gw_product_t *products;
    size_t product_count;
    gw_user_t *users;
    size_t user_count;
    gw_subscription_t *subscriptions;
    size_t subscription_count;
    subscription_table_t *keys;
    /* The region's Redis for counters and cache (regions[].redis, docs/limits.md), as a
     * redis:// URL with counting= and failure= in its query; NULL: none. */
    char *redis_url;
} gateway_config_t;

/* Compiles a snapshot. `source_name` names the input in errors (a file name).
 * On failure returns NULL and sets *err to a malloc'd message
 * "source:line:col: what is wrong (at apis[1].serviceUrl)". */
gateway_config_t *gateway_config_compile(const char *json, size_t len, const char *source_name,
                                         const char *region, char **err);
/* Reads and compiles a file. Blocking: call it off the event loop once running. */
gateway_config_t *gateway_config_load_file(const char *path, const char *region, char **err);

gateway_config_t *gateway_config_ref(gateway_config_t *c);
void gateway_config_unref(gateway_config_t *c);

/* Parses an http:// URL into a backend origin. Returns 0, or -1 with *err set to a static
 * message. https:// is refused until TLS to backends lands. */
int gateway_backend_url_parse(const char *url, gw_backend_url_t *out, const char **err);
void gateway_backend_url_free(gw_backend_url_t *u);

#endif
