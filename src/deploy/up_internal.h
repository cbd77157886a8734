/* Internals of `meridian up` shared by up.c (start-up, the main loop, stopping, the
 * endpoint table, the router) and up_regions.c (the locations watch, their gateways and
 * live lines). Not a public contract: deploy/up.h is. */
#ifndef MERIDIAN_DEPLOY_UP_INTERNAL_H
#define MERIDIAN_DEPLOY_UP_INTERNAL_H

#include "deploy/up.h"
#include "deploy/up_proc.h"
#include "deploy/up_http.h"
#include "deploy/up_service.h"

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* The gateway supervisor kills its units at drain + 5 s; we wait a little longer. */
#define UP_KILL_AFTER_MS ((UP_DRAIN_SECONDS + 8) * 1000u)
#define UP_MAX_REGIONS 64
#define UP_BACKEND_COUNT 3
#define UP_STATUS_PATH "/status-0123456789abcdef"

typedef struct {
    bool is_used;
    char slug[UP_SLUG_MAX];
    char display_name[128];
    int octet;         /* R in 127.0.R.1 */
    int units;         /* wanted */
    int running_units; /* the count the running gateway was started with */
    bool is_wanted;    /* listed */
    bool is_disabled;  /* disableGateway: runs (answering 503), left out of the router */
    bool is_draining;  /* SIGTERM sent; not restarted when it exits */
    uint64_t kill_at_ms;
    bool is_announced; /* "location added" printed */
    up_proc_t proc;
    char listen[64];
    /* live line */
    int units_up;
    long long revision;
    char health[32];
    char last_line[256];
    char regional_hostname[256]; /* from the locations resource, "" when unknown */
} up_region_t;

typedef struct {
    const deploy_up_options_t *opts;
    up_service_t service;
    char exe[PATH_MAX];
    char repo_dir[PATH_MAX];
    char state_dir[PATH_MAX];
    char data_dir[PATH_MAX];
    uint16_t base_port;
    char manage_listen[64];
    char endpoint[80];
    char svc_path[512];
    char connect_to[512];
    char auth[1024];
    time_t auth_made_at;
    up_proc_t manage;
    up_proc_t router;             /* the global endpoint, once a location runs */
    char router_endpoints[4096];  /* "slug@R ..." the router's settings were written for */
    bool is_router_restarting;    /* SIGTERM sent to restart the router */
    up_proc_t backends[UP_BACKEND_COUNT];
    up_region_t regions[UP_MAX_REGIONS];
    char octet_slugs[256][UP_SLUG_MAX]; /* octet → the slug it was given to, for the run */
    pid_t pid;
    sigset_t original_mask;
    bool is_ready; /* endpoint table printed */
    bool is_stopping;
    uint64_t stop_kill_at_ms;
    bool has_sent_kill;
    bool has_stopped_others; /* backends and manage told to stop */
    uint64_t next_watch_ms;
    uint64_t next_status_ms;
    uint64_t table_deadline_ms; /* print the table then even if a location is not up */
    int exit_code;
} up_t;

/* up.c */
int up__make_directories(const char *path, mode_t mode);
/* Temp file, fsync, rename (mode 0600). Logs and returns -1 on failure. */
int up__write_file(const char *path, const char *data, size_t len);
/* A request to the management API: `suffix` after {svc} ("/locations"), api-version added,
 * signed with the admin key. Returns 0 with *resp filled (any status), else -1. */
/* up_router.c: writes the locations' gatewayAddress and the latency table when the set of
 * locations changed, and starts the router (feed mode) once one runs. */
void up__update_router(up_t *u);

int up__mgmt_call(up_t *u, const char *method, const char *suffix, const char *body,
                  up_http_response_t *resp);

/* up_regions.c */
/* One tick of the watch: GET {svc}/locations, and the running gateways reconciled with
 * it. */
void up__watch(up_t *u);
/* Starts the gateways that should run and may (first start, restart after back-off). */
void up__start_regions(up_t *u, uint64_t now);
/* SIGTERM to a location's gateway; it is not restarted when it exits. */
void up__gateway_drain(up_region_t *r, const char *why);
void up__on_region_exit(up_t *u, up_region_t *r, int status);
/* Reads every running location's units' /metrics and prints the lines that changed. */
void up__print_status_lines(up_t *u);
/* True when every wanted location's units all serve (the table can be printed). */
bool up__initial_gateways_accepting(const up_t *u);
void up__announce_new_regions(up_t *u);
size_t up__live_gateways(const up_t *u);
void up__kill_stuck_drains(up_t *u, uint64_t now);

#endif
