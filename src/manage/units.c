/* Heartbeats of gateway units and the health of a location (units.h). */
#include "manage/units.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LAG_MS 10000
#define DEFAULT_SILENT_MS 15000
/* Commit times remembered for the lag rule; a unit further behind than this many
 * revisions is behind a commit at least as old as the oldest one remembered. */
#define REVISION_RING 256
#define MAX_UNIT 63

typedef struct {
    char slug[128];
    int unit;
    char instance_id[65];
    char source[24];
    int64_t revision, uptime, requests, errors;
    uint64_t last_ms;
    time_t last_wall;
    /* Per second over the last two heartbeats (docs/regions.md "Rates"); 0 after the
     * first one. */
    double request_rate, error_rate;
    bool has_beaten;
} record_t;

struct manage_units {
    pthread_mutex_t lock;
    uint64_t lag_ms, silent_ms;
    record_t *records;
    size_t count, cap;
    int64_t ring_rev[REVISION_RING];
    uint64_t ring_ms[REVISION_RING];
};

manage_units_t *manage_units_new(uint64_t lag_ms, uint64_t silent_ms)
{
    manage_units_t *u = calloc(1, sizeof *u);
    if (!u) abort();
    pthread_mutex_init(&u->lock, NULL);
    u->lag_ms = lag_ms ? lag_ms : DEFAULT_LAG_MS;
    u->silent_ms = silent_ms ? silent_ms : DEFAULT_SILENT_MS;
    for (size_t i = 0; i < REVISION_RING; i++) u->ring_rev[i] = -1;
    return u;
}

void manage_units_free(manage_units_t *u)
{
    if (!u) return;
    pthread_mutex_destroy(&u->lock);
    free(u->records);
    free(u);
}

static int want_int(const json_t *body, const char *name, bool required, int64_t max, int64_t *out,
                    const char **why, const char *msg)
{
    const json_t *v = json_object_get(body, name);
    *out = 0;
    if (!v) {
        if (!required) return 0;
        *why = msg;
        return -1;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        *why = msg;
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

int manage_heartbeat_parse(const json_t *body, manage_heartbeat_t *hb, const char **why)
{
    memset(hb, 0, sizeof *hb);
    if (!json_is_object(body)) {
        *why = "the heartbeat must be a JSON object";
        return -1;
    }
    int64_t unit;
    if (want_int(body, "unit", true, MAX_UNIT, &unit, why, "'unit' must be an integer 0-63") < 0 ||
        want_int(body, "revision", true, INT64_MAX, &hb->revision, why,
                 "'revision' must be an integer >= 0") < 0 ||
        want_int(body, "uptimeSeconds", false, INT64_MAX, &hb->uptime_seconds, why,
                 "'uptimeSeconds' must be an integer >= 0") < 0 ||
        want_int(body, "requests", false, INT64_MAX, &hb->requests, why,
                 "'requests' must be an integer >= 0") < 0 ||
        want_int(body, "errors", false, INT64_MAX, &hb->errors, why,
                 "'errors' must be an integer >= 0") < 0)
        return -1;
    hb->unit = (int)unit;
    const char *id = json_string_value(json_object_get(body, "instanceId"));
    if (!id || !*id || strlen(id) > 64) {
        *why = "'instanceId' must be a string of 1-64 characters";
        return -1;
    }
    for (const char *p = id; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
            *why = "'instanceId' must be printable ASCII";
            return -1;
        }
    hb->instance_id = id;
    const char *src = json_string_value(json_object_get(body, "source"));
    if (!src || (strcmp(src, "feed") != 0 && strcmp(src, "last-known-good") != 0 &&
                 strcmp(src, "peer") != 0 && strcmp(src, "none") != 0)) {
        *why = "'source' must be \"feed\", \"last-known-good\", \"peer\" or \"none\"";
        return -1;
    }
    hb->source = src;
    return 0;
}

/* The counters are totals since the unit started: the rate is the difference between two
 * heartbeats over the time between them. A unit that restarted (another instance, or a
 * total that went down) counts from zero: its new total is what it did since. */
static double rate_of(int64_t before, int64_t now_total, bool is_restart, double seconds)
{
    int64_t delta = is_restart || now_total < before ? now_total : now_total - before;
    return seconds > 0 ? (double)delta / seconds : 0;
}

static void update_rates(record_t *r, const manage_heartbeat_t *hb, uint64_t now_ms)
{
    if (!r->has_beaten || now_ms <= r->last_ms) {
        r->request_rate = r->error_rate = 0;
        return;
    }
    bool is_restart = strcmp(r->instance_id, hb->instance_id) != 0;
    double seconds = (double)(now_ms - r->last_ms) / 1000.0;
    r->request_rate = rate_of(r->requests, hb->requests, is_restart, seconds);
    r->error_rate = rate_of(r->errors, hb->errors, is_restart, seconds);
}

void manage_units_record(manage_units_t *u, const char *slug, const manage_heartbeat_t *hb,
                         uint64_t now_ms, time_t wall)
{
    pthread_mutex_lock(&u->lock);
    record_t *r = NULL;
    for (size_t i = 0; i < u->count && !r; i++)
        if (u->records[i].unit == hb->unit && strcmp(u->records[i].slug, slug) == 0) r = &u->records[i];
    if (!r) {
        if (u->count == u->cap) {
            u->cap = u->cap ? 2 * u->cap : 16;
            u->records = realloc(u->records, u->cap * sizeof *u->records);
            if (!u->records) abort();
        }
        r = &u->records[u->count++];
        memset(r, 0, sizeof *r);
        snprintf(r->slug, sizeof r->slug, "%s", slug);
        r->unit = hb->unit;
    }
    update_rates(r, hb, now_ms);
    snprintf(r->instance_id, sizeof r->instance_id, "%s", hb->instance_id);
    snprintf(r->source, sizeof r->source, "%s", hb->source);
    r->revision = hb->revision;
    r->uptime = hb->uptime_seconds;
    r->requests = hb->requests;
    r->errors = hb->errors;
    r->last_ms = now_ms;
    r->last_wall = wall;
    r->has_beaten = true;
    pthread_mutex_unlock(&u->lock);
}

void manage_units_forget(manage_units_t *u, const char *slug)
{
    pthread_mutex_lock(&u->lock);
    size_t o = 0;
    for (size_t i = 0; i < u->count; i++)
        if (strcmp(u->records[i].slug, slug) != 0) u->records[o++] = u->records[i];
    u->count = o;
    pthread_mutex_unlock(&u->lock);
}

void manage_units_note_revision(manage_units_t *u, int64_t revision, uint64_t now_ms)
{
    pthread_mutex_lock(&u->lock);
    size_t i = (size_t)revision % REVISION_RING;
    u->ring_rev[i] = revision;
    u->ring_ms[i] = now_ms;
    pthread_mutex_unlock(&u->lock);
}

/* How long a unit serving `rev` has been behind: since revision rev + 1 was committed;
 * when that is no longer remembered, since before everything remembered (or since this
 * process started, when it remembers nothing: then it counts as behind for ever). Returns
 * 0 when rev is current. */
static uint64_t behind_ms(const manage_units_t *u, int64_t rev, int64_t current, uint64_t now_ms)
{
    if (rev >= current) return 0;
    size_t i = (size_t)(rev + 1) % REVISION_RING;
    if (u->ring_rev[i] == rev + 1) return now_ms - u->ring_ms[i];
    uint64_t oldest = UINT64_MAX;
    for (size_t k = 0; k < REVISION_RING; k++)
        if (u->ring_rev[k] >= 0 && u->ring_ms[k] < oldest) oldest = u->ring_ms[k];
    return oldest == UINT64_MAX ? UINT64_MAX : now_ms - oldest;
}

static bool is_lagging(const manage_units_t *u, int64_t rev, int64_t current, uint64_t now_ms)
{
    return rev < current && behind_ms(u, rev, current, now_ms) > u->lag_ms;
}

/* Rates are reported with two decimals: they are estimates over one heartbeat interval. */
static double rounded(double v)
{
    return (double)(int64_t)(v * 100 + 0.5) / 100;
}

json_t *manage_units_status(manage_units_t *u, const char *slug, int64_t current_revision,
                            bool is_disabled, uint64_t now_ms)
{
    pthread_mutex_lock(&u->lock);
    json_t *units = json_array();
    int up = 0, seen = 0;
    bool lagging = false;
    double request_rate = 0, error_rate = 0;
    int64_t lowest = -1;
    for (size_t i = 0; i < u->count; i++) {
        const record_t *r = &u->records[i];
        if (strcmp(r->slug, slug) != 0) continue;
        seen++;
        bool silent = now_ms - r->last_ms > u->silent_ms;
        bool is_unit_lagging = !silent && is_lagging(u, r->revision, current_revision, now_ms);
        if (!silent) {
            up++;
            lagging = lagging || is_unit_lagging;
            request_rate += r->request_rate;
            error_rate += r->error_rate;
            if (lowest < 0 || r->revision < lowest) lowest = r->revision;
        }
        char when[40];
        struct tm tm;
        gmtime_r(&r->last_wall, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_t *o = json_pack("{s:i, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:b, s:b}", "unit",
                              r->unit, "instanceId", r->instance_id, "revision", (json_int_t)r->revision,
                              "source", r->source, "lastHeartbeat", when, "uptimeSeconds",
                              (json_int_t)r->uptime, "requests", (json_int_t)r->requests, "errors",
                              (json_int_t)r->errors, "requestsPerSecond", rounded(silent ? 0 : r->request_rate),
                              "errorsPerSecond", rounded(silent ? 0 : r->error_rate), "isSilent", silent,
                              "isLagging", is_unit_lagging);
        if (!o) abort();
        json_array_append_new(units, o);
    }
    bool any_silent = up < seen;
    /* The lag of the location is that of its unit furthest behind; none when no unit is up. */
    uint64_t lag_ms = lowest >= 0 ? behind_ms(u, lowest, current_revision, now_ms) : 0;
    pthread_mutex_unlock(&u->lock);
    const char *health = is_disabled    ? "disabled"
                         : up == 0      ? "down"
                         : lagging      ? "lagging"
                         : any_silent   ? "silent"
                                        : "ok";
    json_t *st = json_pack("{s:i, s:o, s:s}", "unitsUp", up, "units", units, "health", health);
    if (!st) abort();
    if (up > 0) {
        json_object_set_new(st, "requestsPerSecond", json_real(rounded(request_rate)));
        json_object_set_new(st, "errorsPerSecond", json_real(rounded(error_rate)));
        json_object_set_new(st, "revision", json_integer(lowest));
        json_object_set_new(st, "revisionsBehind", json_integer(current_revision > lowest ? current_revision - lowest : 0));
        /* Behind since before this process remembers: at least the oldest commit it knows. */
        json_object_set_new(st, "lagSeconds", lag_ms == UINT64_MAX ? json_null() : json_integer((json_int_t)(lag_ms / 1000)));
    }
    return st;
}
