#include "deploy/up_service.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_up_service_XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

Test(up_slug, keeps_letters_and_digits_lowercased)
{
    char slug[32];
    cr_assert_eq(up_slug("East Asia", slug, sizeof slug), 8);
    cr_assert_str_eq(slug, "eastasia");
    up_slug("  Brazil-South 2!", slug, sizeof slug);
    cr_assert_str_eq(slug, "brazilsouth2");
    cr_assert_eq(up_slug("Zürich", slug, sizeof slug), 5, "non-ASCII letters are dropped");
    cr_assert_str_eq(slug, "zrich");
    cr_assert_eq(up_slug("--", slug, sizeof slug), 0);
    cr_assert_eq(up_slug("abcdef", slug, 4), 3, "truncated to the buffer");
    cr_assert_str_eq(slug, "abc");
}

/* The unit tests run from the repository root, where ../shared/conformance is. */
Test(up_service, embedded_default_has_two_locations_and_the_canonical_policy)
{
    up_service_t s;
    char *err = NULL;
    cr_assert_eq(up_service_load(NULL, NULL, &s, &err), 0, "%s", err ? err : "");
    cr_assert_eq(s.location_count, 2);
    cr_assert_str_eq(s.locations[0].display_name, "West US");
    cr_assert_str_eq(s.locations[0].slug, "westus");
    cr_assert_str_eq(s.locations[1].display_name, "East Asia");
    cr_assert_str_eq(s.locations[1].slug, "eastasia");
    cr_assert_eq(s.locations[1].units, 2);
    json_t *doc = json_loads(s.apply_json, 0, NULL);
    cr_assert_not_null(doc);
    cr_assert_null(json_object_get(doc, "locations"), "apply never sees `locations`");
    const char *policy =
        json_string_value(json_object_get(json_object_get(json_object_get(doc, "apis"), "echo"),
                                          "policy"));
    cr_assert_not_null(policy);
    cr_assert_not_null(strstr(policy, "http://contoso-asia.com/"));
    cr_assert_not_null(strstr(policy, "<!--"), "the file is used as written, comment included");
    json_decref(doc);
    up_service_free(&s);
}

Test(up_service, file_without_locations_runs_west_us)
{
    char *path = write_temp("apis: {}\n");
    up_service_t s;
    char *err = NULL;
    cr_assert_eq(up_service_load(path, NULL, &s, &err), 0, "%s", err ? err : "");
    cr_assert_eq(s.location_count, 1);
    cr_assert_str_eq(s.locations[0].display_name, "West US");
    cr_assert_eq(s.locations[0].units, 1);
    cr_assert_str_eq(s.apply_json, "{\n  \"apis\": {}\n}");
    up_service_free(&s);
    unlink(path);
}

static void assert_refused(const char *text, const char *expected)
{
    char *path = write_temp(text);
    up_service_t s;
    char *err = NULL;
    cr_assert_eq(up_service_load(path, NULL, &s, &err), -1, "accepted: %s", text);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err, expected), "message \"%s\" lacks \"%s\"", err, expected);
    cr_assert_eq(strncmp(err, path, strlen(path)), 0, "the message names the file: %s", err);
    free(err);
    unlink(path);
}

Test(up_service, bad_locations_are_refused_with_their_place)
{
    assert_refused("locations: {a: 1}\n", "'locations' must be a non-empty list");
    assert_refused("locations: []\n", "non-empty list");
    assert_refused("locations:\n  - displayName: West US\n    units: 0\n",
                   "units must be a whole number from 1 to 64");
    assert_refused("locations:\n  - displayName: West US\n    units: 65\n", "from 1 to 64");
    assert_refused("locations:\n  - units: 2\n", "needs a displayName");
    assert_refused("locations:\n  - displayName: West US\n    region: x\n",
                   "unknown location property 'region'");
    assert_refused("locations:\n  - displayName: West US\n  - displayName: west-us\n",
                   "listed twice");
    assert_refused("locations:\n  - displayName: \"--\"\n", "no letter or digit");
    assert_refused("locations: [\n", ":1:");
}

Test(up_service, missing_file_is_named)
{
    up_service_t s;
    char *err = NULL;
    cr_assert_eq(up_service_load("/nonexistent/service.yaml", NULL, &s, &err), -1);
    cr_assert_str_eq(err, "/nonexistent/service.yaml: No such file or directory");
    free(err);
}
