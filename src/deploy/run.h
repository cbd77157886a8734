/* deploy_run: `meridian run`, the whole demo service on one machine from the binary alone.
 *
 * It writes the embedded demo snapshot (deploy/demo.h) to STATE_DIR/snapshot.json
 * (temp file, fsync, rename, fsync of the directory), starts two demo backends as child
 * processes ("West US echo" on 127.0.0.1:19081, "orders" on 127.0.0.1:19082) and a
 * supervised gateway of region "West US" with 2 units, waits until they accept
 * connections, prints what to try, and runs until SIGINT/SIGTERM. Then it stops every
 * child (SIGTERM; the gateway drains for up to DEPLOY_RUN_DRAIN_MS) and returns 0.
 * SIGHUP is passed to the gateway, which reloads STATE_DIR/snapshot.json.
 *
 * Any child that exits on its own (an address already in use, a crash the gateway's
 * supervisor cannot absorb) stops the rest, and deploy_run returns 1. It also returns 1,
 * before starting anything, when one of the addresses already accepts connections
 * (typically a `meridian run` still running) or the state directory cannot be written.
 *
 * Must be called from a process without a libuv loop: the children are forked. */
#ifndef MERIDIAN_DEPLOY_RUN_H
#define MERIDIAN_DEPLOY_RUN_H

#define DEPLOY_RUN_LISTEN_DEFAULT "127.0.0.1:8080"
#define DEPLOY_RUN_ADMIN_DEFAULT "127.0.0.1:9090"
#define DEPLOY_RUN_STATE_DIR_DEFAULT "build/run"
#define DEPLOY_RUN_REGION "West US"
#define DEPLOY_RUN_UNITS 2
#define DEPLOY_RUN_DRAIN_MS 5000u

typedef struct {
    const char *listen_addr; /* NULL = DEPLOY_RUN_LISTEN_DEFAULT; port must not be 0 */
    const char *admin_addr;  /* NULL = DEPLOY_RUN_ADMIN_DEFAULT; units use port, port + 1 */
    const char *state_dir;   /* NULL = $MERIDIAN_STATE_DIR, or DEPLOY_RUN_STATE_DIR_DEFAULT
                                relative to the working directory; created if missing */
} deploy_run_options_t;

/* Returns the process exit code (0 clean stop, 1 failure; messages already logged). */
int deploy_run(const deploy_run_options_t *opts);

#endif
