/* router: `meridian router` — loads the profile file (or follows the management plane's
 * feed, reloading without closing its listeners), probes the endpoints and serves the
 * two front doors (authoritative DNS, L7 edge) plus an admin listener, on one libuv loop,
 * until SIGTERM or SIGINT. */
#ifndef MERIDIAN_ROUTER_ROUTER_H
#define MERIDIAN_ROUTER_ROUTER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *profiles_path; /* the profile file (docs/router.md), or NULL for feed mode */
    /* Feed mode (router/feed.h): the management plane's URL, the token (or its file), the
     * directory of the last-known-good. */
    const char *config_url;
    const char *token;
    const char *token_file;
    const char *state_dir;
    uint32_t wait_s;           /* long-poll wait, 0 = 30 s */
    uint32_t report_ms;        /* status report period, 0 = 5 s */
    /* TLS as a client (docs/tls.md): CAs for the management plane's certificate in feed
     * mode over https and for the edge's HTTPS endpoints (NULL = the system's store), and
     * a client certificate + key (both or neither) for whichever asks for one. */
    const char *ca_file;
    const char *tls_client_cert;
    const char *tls_client_key;
    const char *dns_addr;      /* "HOST:PORT" for UDP+TCP DNS, NULL = none */
    const char *edge_addr;     /* "HOST:PORT" for the L7 edge, NULL = none */
    const char *edge_tls_addr; /* "HOST:PORT" for the edge's HTTPS listener, NULL = none */
    const char *tls_cert;      /* its default certificate chain and key (PEM) */
    const char *tls_key;
    const char *tls_cert_dir;  /* more certificates chosen by SNI, NULL = none */
    const char *admin_addr;    /* "HOST:PORT": GET /status (JSON), NULL = none */
    const char *edge_profile;  /* profile for requests whose Host names none; NULL = first */
    bool trust_xff;            /* route the edge by X-Forwarded-For's last address */
    /* Client locations for Geographic routing (router/geoip.h), opened by the caller and
     * kept open until router_run returns; NULL = the location table only. */
    const struct router_geoip *geoip;
    const char *geoip_path;    /* its file, for the start-up log */
} router_options_t;

/* Checks the profile file only: prints "FILE: ok, N profiles" or the error. Returns 0/1. */
int router_check(const char *profiles_path);

/* Runs until SIGTERM/SIGINT. Returns a process exit code (0, or 1 on a start-up failure,
 * whose reason is printed). */
int router_run(const router_options_t *opts);

#endif
