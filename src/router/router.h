/* router: `meridian router` — loads the profile file, probes the endpoints and serves the
 * two front doors (authoritative DNS, L7 edge) plus an admin listener, on one libuv loop,
 * until SIGTERM or SIGINT. */
#ifndef MERIDIAN_ROUTER_ROUTER_H
#define MERIDIAN_ROUTER_ROUTER_H

#include <stdbool.h>

typedef struct {
    const char *profiles_path; /* the profile file (docs/router.md), required */
    const char *dns_addr;      /* "HOST:PORT" for UDP+TCP DNS, NULL = none */
    const char *edge_addr;     /* "HOST:PORT" for the L7 edge, NULL = none */
    const char *admin_addr;    /* "HOST:PORT": GET /status (JSON), NULL = none */
    const char *edge_profile;  /* profile for requests whose Host names none; NULL = first */
    bool trust_xff;            /* route the edge by X-Forwarded-For's last address */
} router_options_t;

/* Checks the profile file only: prints "FILE: ok, N profiles" or the error. Returns 0/1. */
int router_check(const char *profiles_path);

/* Runs until SIGTERM/SIGINT. Returns a process exit code (0, or 1 on a start-up failure,
 * whose reason is printed). */
int router_run(const router_options_t *opts);

#endif
