/* Heartbeats and the health of a location (manage/units.h). */
#include "manage/units.h"

#include <criterion/criterion.h>
#include <string.h>

static json_t *status(manage_units_t *u, const char *slug, int64_t rev, bool disabled, uint64_t now)
{
    return manage_units_status(u, slug, rev, disabled, now);
}

static const char *health(json_t *st)
{
    return json_string_value(json_object_get(st, "health"));
}

static void beat(manage_units_t *u, const char *slug, int unit, int64_t rev, uint64_t now)
{
    manage_heartbeat_t hb = {.unit = unit, .instance_id = "i", .revision = rev, .source = "feed",
                             .uptime_seconds = 1, .requests = 2, .errors = 0};
    manage_units_record(u, slug, &hb, now, 1798070400);
}

Test(units, down_ok_silent_lagging_disabled)
{
    manage_units_t *u = manage_units_new(1000, 2000);
    manage_units_note_revision(u, 5, 100);
    json_t *st = status(u, "eastasia", 5, false, 100);
    cr_expect_str_eq(health(st), "down");
    cr_expect_eq(json_integer_value(json_object_get(st, "unitsUp")), 0);
    json_decref(st);

    beat(u, "eastasia", 0, 5, 200);
    beat(u, "eastasia", 1, 5, 200);
    beat(u, "westus", 0, 5, 200);
    st = status(u, "eastasia", 5, false, 300);
    cr_expect_str_eq(health(st), "ok");
    cr_expect_eq(json_integer_value(json_object_get(st, "unitsUp")), 2);
    json_t *u0 = json_array_get(json_object_get(st, "units"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(u0, "lastHeartbeat")), "2026-12-24T00:00:00Z");
    cr_expect_eq(json_integer_value(json_object_get(u0, "requests")), 2);
    json_decref(st);
    st = status(u, "eastasia", 5, true, 300);
    cr_expect_str_eq(health(st), "disabled");
    json_decref(st);

    /* revision 6 at t=1000: behind, but not for more than 1000 ms yet */
    manage_units_note_revision(u, 6, 1000);
    beat(u, "eastasia", 0, 6, 1500);
    beat(u, "eastasia", 1, 5, 1500);
    st = status(u, "eastasia", 6, false, 1900);
    cr_expect_str_eq(health(st), "ok");
    json_decref(st);
    st = status(u, "eastasia", 6, false, 2100);
    cr_expect_str_eq(health(st), "lagging");
    json_decref(st);

    /* unit 1 catches up, unit 0 goes quiet (last beat at 1500, silent after 2000 ms) */
    beat(u, "eastasia", 1, 6, 3000);
    st = status(u, "eastasia", 6, false, 3600);
    cr_expect_str_eq(health(st), "silent");
    cr_expect_eq(json_integer_value(json_object_get(st, "unitsUp")), 1);
    json_decref(st);
    st = status(u, "eastasia", 6, false, 5100);
    cr_expect_str_eq(health(st), "down");
    json_decref(st);

    manage_units_forget(u, "eastasia");
    st = status(u, "eastasia", 6, false, 5100);
    cr_expect_eq(json_array_size(json_object_get(st, "units")), 0);
    json_decref(st);
    st = status(u, "westus", 6, false, 300);
    cr_expect_eq(json_array_size(json_object_get(st, "units")), 1, "other locations are kept");
    json_decref(st);
    manage_units_free(u);
}

Test(units, heartbeat_parse)
{
    manage_heartbeat_t hb;
    const char *why = NULL;
    json_t *ok = json_loads("{\"unit\": 3, \"instanceId\": \"abc\", \"revision\": 41, \"source\": "
                            "\"last-known-good\", \"uptimeSeconds\": 12, \"requests\": 1234, \"errors\": 2}",
                            0, NULL);
    cr_assert_eq(manage_heartbeat_parse(ok, &hb, &why), 0);
    cr_expect_eq(hb.unit, 3);
    cr_expect_eq(hb.revision, 41);
    cr_expect_str_eq(hb.source, "last-known-good");
    cr_expect_eq(hb.requests, 1234);
    json_decref(ok);
    struct {
        const char *body, *why;
    } bad[] = {
        {"[]", "object"},
        {"{\"instanceId\": \"a\", \"revision\": 1, \"source\": \"feed\"}", "'unit'"},
        {"{\"unit\": 64, \"instanceId\": \"a\", \"revision\": 1, \"source\": \"feed\"}", "'unit'"},
        {"{\"unit\": 0, \"revision\": 1, \"source\": \"feed\"}", "'instanceId'"},
        {"{\"unit\": 0, \"instanceId\": \"a b\", \"revision\": 1, \"source\": \"feed\"}", "'instanceId'"},
        {"{\"unit\": 0, \"instanceId\": \"a\", \"revision\": -1, \"source\": \"feed\"}", "'revision'"},
        {"{\"unit\": 0, \"instanceId\": \"a\", \"revision\": 1, \"source\": \"disk\"}", "'source'"},
        {"{\"unit\": 0, \"instanceId\": \"a\", \"revision\": 1, \"source\": \"feed\", \"errors\": 1.5}", "'errors'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *b = json_loads(bad[i].body, JSON_DECODE_ANY, NULL);
        why = NULL;
        cr_expect_eq(manage_heartbeat_parse(b, &hb, &why), -1, "%s", bad[i].body);
        cr_expect(why && strstr(why, bad[i].why), "%s: %s", bad[i].body, why ? why : "(none)");
        json_decref(b);
    }
}

static void beat_counts(manage_units_t *u, int unit, const char *instance, int64_t rev, int64_t requests,
                        int64_t errors, uint64_t now)
{
    manage_heartbeat_t hb = {.unit = unit, .instance_id = instance, .revision = rev, .source = "feed",
                             .uptime_seconds = 1, .requests = requests, .errors = errors};
    manage_units_record(u, "eastasia", &hb, now, 1798070400);
}

static double num(const json_t *o, const char *name)
{
    cr_assert(json_is_number(json_object_get(o, name)), "'%s' is a number", name);
    return json_number_value(json_object_get(o, name));
}

Test(units, rates_from_heartbeat_counters)
{
    manage_units_t *u = manage_units_new(1000, 20000);
    beat_counts(u, 0, "a", 3, 100, 1, 1000);
    beat_counts(u, 1, "b", 3, 10, 0, 1000);
    json_t *st = status(u, "eastasia", 3, false, 1100);
    cr_expect_eq(num(st, "requestsPerSecond"), 0, "one heartbeat is no rate yet");
    json_decref(st);

    beat_counts(u, 0, "a", 3, 600, 11, 6000); /* 500 in 5 s, 10 errors */
    beat_counts(u, 1, "b", 3, 260, 0, 6000);  /* 250 in 5 s */
    st = status(u, "eastasia", 3, false, 6100);
    cr_expect_eq(num(st, "requestsPerSecond"), 150);
    cr_expect_eq(num(st, "errorsPerSecond"), 2);
    cr_expect_eq(num(json_array_get(json_object_get(st, "units"), 0), "requestsPerSecond"), 100);
    json_decref(st);

    /* unit 0 restarted (another instance): its total counts from zero */
    beat_counts(u, 0, "c", 3, 40, 0, 10000);
    st = status(u, "eastasia", 3, false, 10100);
    cr_expect_eq(num(json_array_get(json_object_get(st, "units"), 0), "requestsPerSecond"), 10);
    cr_expect_eq(num(st, "requestsPerSecond"), 60);
    json_decref(st);

    /* a silent unit counts for nothing */
    st = status(u, "eastasia", 3, false, 26500);
    cr_expect_eq(num(st, "requestsPerSecond"), 10, "unit 1 (last beat at 6000) is silent");
    cr_expect_eq(num(json_array_get(json_object_get(st, "units"), 1), "requestsPerSecond"), 0);
    json_decref(st);
    manage_units_free(u);
}

Test(units, revision_served_and_lag)
{
    manage_units_t *u = manage_units_new(1000, 20000);
    json_t *st = status(u, "eastasia", 7, false, 100);
    cr_expect_null(json_object_get(st, "revision"), "no unit up: no revision");
    json_decref(st);

    manage_units_note_revision(u, 6, 1000);
    manage_units_note_revision(u, 7, 3000);
    beat_counts(u, 0, "a", 7, 0, 0, 4000);
    beat_counts(u, 1, "b", 5, 0, 0, 4000);
    st = status(u, "eastasia", 7, false, 8000);
    cr_expect_eq(json_integer_value(json_object_get(st, "revision")), 5, "the lowest served");
    cr_expect_eq(json_integer_value(json_object_get(st, "revisionsBehind")), 2);
    cr_expect_eq(json_integer_value(json_object_get(st, "lagSeconds")), 7, "behind since revision 6 (t=1000)");
    json_decref(st);

    beat_counts(u, 1, "b", 7, 0, 0, 9000);
    st = status(u, "eastasia", 7, false, 9500);
    cr_expect_eq(json_integer_value(json_object_get(st, "revisionsBehind")), 0);
    cr_expect_eq(json_integer_value(json_object_get(st, "lagSeconds")), 0);
    json_decref(st);

    /* behind a revision committed before anything was remembered */
    manage_units_t *fresh = manage_units_new(1000, 20000);
    manage_heartbeat_t hb = {.unit = 0, .instance_id = "x", .revision = 2, .source = "last-known-good"};
    manage_units_record(fresh, "eastasia", &hb, 100, 1798070400);
    st = status(fresh, "eastasia", 4, false, 200);
    cr_expect(json_is_null(json_object_get(st, "lagSeconds")));
    cr_expect_str_eq(health(st), "lagging");
    json_decref(st);
    manage_units_free(fresh);
    manage_units_free(u);
}
