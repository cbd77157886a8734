/* deploy_up: `meridian up`, a whole multi-region service on one machine (docs/up.md).
 *
 * Started in order, every one a child running this same binary (deploy/up_proc.h):
 *  1. the management plane, `meridian manage` on 127.0.0.1:P (P = base port, default 8070),
 *     data in STATE/manage, primary location = the service file's first location;
 *  2. `meridian apply -f STATE/service.json` (the service file without its `locations`),
 *     then a PUT of every location of the file on the locations resource;
 *  3. the demo backends contoso-us, contoso-asia, contoso-other on 127.0.0.1:P+1..P+3;
 *  4. for every location (R = 1 for the primary, then 2, 3... in the order they are first
 *     seen), a supervised `meridian gateway` with the location's unit count, listening on
 *     127.0.R.1:P+10, admin listeners on 127.0.R.1:P+20+k for unit k, state in
 *     STATE/regions/{slug}, `--connect-to` sending contoso-{us,asia,other}.com:80 to the
 *     backends, and its configuration from the management plane in feed mode
 *     (--config-url, --token-file STATE/manage/gateway-tokens/{slug}.token, --state-dir);
 *  5. the global endpoint, `meridian router` (deploy/up_router.h) with its L7 edge on
 *     127.0.0.1:P+9, DNS on P+8 and status on P+7, restarted when the locations change.
 * Then it prints the table of endpoints and watches GET {svc}/locations every
 * UP_WATCH_INTERVAL_MS: a new location's gateway starts at once, a removed or disabled one
 * is drained (SIGTERM: requests in flight finish) and stopped, a changed unit count drains
 * the location's gateway and starts it again with the new count. A gateway, backend or
 * management process that dies is restarted with back-off (units inside a gateway are
 * restarted by its own supervisor). One status line per location is printed whenever its
 * units up or the revision they serve change (read from the units' /metrics).
 *
 * SIGINT/SIGTERM: the gateways drain, then the backends and the management plane stop;
 * returns 0. Returns 1 when start-up fails (a port already in use, the management plane
 * not answering, apply refusing the file). Must be called without a libuv loop. */
#ifndef MERIDIAN_DEPLOY_UP_H
#define MERIDIAN_DEPLOY_UP_H

#include <stdbool.h>
#include <stdint.h>

#define DEPLOY_UP_BASE_PORT_DEFAULT 8070
#define DEPLOY_UP_STATE_DIR_DEFAULT "build/up"
#define UP_WATCH_INTERVAL_MS 500u
/* A gateway told to stop (removed location, Ctrl-C) waits this long for requests in
 * flight. */
#define UP_DRAIN_SECONDS 10

typedef struct {
    const char *service_file; /* NULL = the embedded examples/up/service.yaml */
    const char *state_dir;    /* NULL = $MERIDIAN_STATE_DIR, else DEPLOY_UP_STATE_DIR_DEFAULT */
    uint16_t base_port;       /* 0 = DEPLOY_UP_BASE_PORT_DEFAULT; must leave room for +99 */
    /* --tls (docs/tls.md): a local CA in STATE/tls (made on first start) and a certificate
     * for up's names; every location's gateway also serves HTTPS on 127.0.R.1:P+11. */
    bool tls;
    /* --geoip (docs/router.md): a MaxMind DB the router places clients with (an absolute
     * path, checked by the caller); NULL = none. */
    const char *geoip_path;
} deploy_up_options_t;

/* Returns the process exit code (0 clean stop, 1 failure; messages already logged). */
int deploy_up(const deploy_up_options_t *opts);

#endif
