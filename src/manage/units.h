/* manage_units: what the gateway units of each location last reported (their heartbeats,
 * REGIONS-CONTRACT "Configuration feed") and the live `status` of a location derived from
 * it (docs/manage-api.md "Locations").
 *
 * In memory only: not durable, not part of a revision or an ETag. Thread-safe: the server's
 * event loop records heartbeats while the worker thread renders GET .../locations. */
#ifndef MERIDIAN_MANAGE_UNITS_H
#define MERIDIAN_MANAGE_UNITS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct manage_units manage_units_t;

/* A unit is lagging when it serves a revision older than current and the revision after
 * the one it serves was committed more than lag_ms ago; silent after silent_ms without a
 * heartbeat. 0 = the contract's defaults (10 s, 15 s). */
manage_units_t *manage_units_new(uint64_t lag_ms, uint64_t silent_ms);
void manage_units_free(manage_units_t *u);

typedef struct {
    int unit;                /* 0..63 */
    const char *instance_id; /* 1-64 characters */
    int64_t revision;
    const char *source;      /* "feed", "last-known-good", "peer", "none" */
    int64_t uptime_seconds, requests, errors;
} manage_heartbeat_t;

/* Checks a heartbeat body (JSON object) into *hb (strings borrowed from body). Returns 0,
 * or -1 with a static message in *why naming the bad member. */
int manage_heartbeat_parse(const json_t *body, manage_heartbeat_t *hb, const char **why);

/* Records a heartbeat of location `slug` received at now_ms (monotonic) / wall (UTC). */
void manage_units_record(manage_units_t *u, const char *slug, const manage_heartbeat_t *hb,
                         uint64_t now_ms, time_t wall);
/* Forgets the units of a removed location. */
void manage_units_forget(manage_units_t *u, const char *slug);

/* Notes that `revision` became current at now_ms (for the lag rule). */
void manage_units_note_revision(manage_units_t *u, int64_t revision, uint64_t now_ms);

/* The status object of a location: {"unitsUp", "units": [...], "health"} and, while a
 * unit is up, "requestsPerSecond", "errorsPerSecond", "revision" (the lowest
 * served by a unit that is up), "revisionsBehind" (current_revision - revision) and
 * "lagSeconds" (how long since the revision after it was committed; null when that was
 * before this process started). Rates are per second between a unit's last two heartbeats
 * (errors: responses with status >= 500), summed over the units that are up. */
json_t *manage_units_status(manage_units_t *u, const char *slug, int64_t current_revision,
                            bool is_disabled, uint64_t now_ms);

#endif
