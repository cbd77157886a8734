/* Locations through the management service without HTTP (manage/locations.h): the primary
 * created at open without a revision, slugs, the snapshot's regions, the feed's view, the
 * heartbeat status in GET, and the token file. */
#include "base/clock.h"
#include "manage/gateway_token.h"
#include "manage/service.h"
#include "manage/units.h"
#include "support.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static support_service_t fx;

static void setup(void)
{
    support_service_open(&fx, "loc", "North Europe");
}

static void teardown(void)
{
    support_service_close(&fx);
}

TestSuite(locations, .init = setup, .fini = teardown);

typedef support_res_t res_t;

static res_t call(const char *method, const char *rel, const char *body, const char *if_match)
{
    return support_call(&fx, method, rel, NULL, body, if_match);
}

static const char *prop(const res_t *r, const char *name)
{
    return json_string_value(json_object_get(json_object_get(r->body, "properties"), name));
}

Test(locations, primary_from_the_location_option_without_a_revision)
{
    cr_expect_eq(manage_service_revision(fx.svc), 0);
    res_t r = call("GET", "/locations/northeurope", NULL, NULL);
    cr_assert_eq(r.status, 200);
    cr_expect_str_eq(prop(&r, "displayName"), "North Europe");
    cr_expect_str_eq(prop(&r, "regionalHostname"), "meridian-northeurope-01.regional.meridian.local");
    cr_expect(json_is_true(json_object_get(json_object_get(r.body, "properties"), "isPrimary")));
    json_decref(r.body);
    /* its keys survive a reopen, still without a revision */
    r = call("POST", "/locations/northeurope/listKeys", NULL, NULL);
    char *keys = json_dumps(r.body, JSON_COMPACT);
    json_decref(r.body);
    manage_service_close(fx.svc);
    support_service_start(&fx);
    cr_expect_eq(manage_service_revision(fx.svc), 0);
    r = call("POST", "/locations/northeurope/listKeys", NULL, NULL);
    char *again = json_dumps(r.body, JSON_COMPACT);
    cr_expect_str_eq(again, keys);
    free(keys);
    free(again);
    json_decref(r.body);
    r = call("DELETE", "/locations/northeurope", NULL, "*");
    cr_expect_eq(r.status, 409);
    json_decref(r.body);
}

Test(locations, regions_feed_view_and_token_file)
{
    res_t r = call("PUT", "/locations/eastasia", "{\"properties\":{\"displayName\":\"East Asia\",\"units\":2}}", NULL);
    cr_assert_eq(r.status, 201);
    json_decref(r.body);
    cr_expect_eq(manage_service_revision(fx.svc), 1);

    manage_feed_view_t v;
    manage_service_feed_view(fx.svc, &v);
    cr_expect_eq(v.revision, 1);
    json_t *snap = json_loadb(v.snapshot, v.snapshot_len, 0, NULL);
    json_t *regions = json_object_get(snap, "regions");
    cr_assert_eq(json_array_size(regions), 2);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(regions, 0), "slug")), "northeurope");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(regions, 1), "name")), "East Asia");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(regions, 1), "units")), 2);
    json_decref(snap);
    const char *pk = json_string_value(json_object_get(json_object_get(v.locations, "eastasia"), "primaryKey"));
    cr_assert_not_null(pk);

    /* the token file verifies with the location's primary key */
    char path[128], token[MANAGE_TOKEN_MAX] = "";
    snprintf(path, sizeof path, "%s/gateway-tokens/eastasia.token", fx.dir);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(token, sizeof token, f));
    fclose(f);
    cr_expect_eq(manage_token_verify(token, pk, NULL, time(NULL)), MANAGE_TOKEN_OK);
    cr_expect_eq(manage_token_verify(token, NULL, pk, time(NULL) + 31 * 86400), MANAGE_TOKEN_EXPIRED);
    manage_feed_view_free(&v);

    /* a heartbeat shows in GET */
    manage_heartbeat_t hb = {.unit = 1, .instance_id = "u1", .revision = 1, .source = "peer"};
    manage_units_record(manage_service_units(fx.svc), "eastasia", &hb, clock_mono_ms(), time(NULL));
    r = call("GET", "/locations/eastasia", NULL, NULL);
    json_t *status = json_object_get(json_object_get(r.body, "properties"), "status");
    json_t *u = json_array_get(json_object_get(status, "units"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(u, "source")), "peer");
    cr_expect_eq(json_integer_value(json_object_get(u, "unit")), 1);
    cr_expect_str_eq(json_string_value(json_object_get(status, "health")), "ok");
    cr_expect_eq(json_integer_value(json_object_get(status, "unitsUp")), 1);
    json_decref(r.body);

    /* deleting it removes the file */
    r = call("DELETE", "/locations/eastasia", NULL, "*");
    cr_expect_eq(r.status, 200);
    json_decref(r.body);
    cr_expect_neq(stat(path, &st), 0);
}

Test(locations, slugs_are_checked)
{
    const char *bad[][2] = {
        {"/locations/eastasia", "{\"properties\":{\"displayName\":\"East  Asia 2\"}}"},
        {"/locations/EastAsia", "{\"properties\":{\"displayName\":\"East Asia\"}}"},
        {"/locations/east-asia", "{\"properties\":{\"displayName\":\"East Asia\"}}"},
        {"/locations/eastasia", "{\"properties\":{\"displayName\":\"East Asia\",\"units\":64.5}}"},
        {"/locations/eastasia", "{\"properties\":{\"displayName\":\"East Asia\"},\"location\":\"x\"}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        res_t r = call("PUT", bad[i][0], bad[i][1], NULL);
        cr_expect_eq(r.status, 400, "%s %s", bad[i][0], bad[i][1]);
        json_decref(r.body);
    }
    cr_expect_eq(manage_service_revision(fx.svc), 0);
    res_t r = call("PUT", "/locations/eastasia2", "{\"properties\":{\"displayName\":\"East-Asia 2\"}}", NULL);
    cr_expect_eq(r.status, 201);
    json_decref(r.body);
}
