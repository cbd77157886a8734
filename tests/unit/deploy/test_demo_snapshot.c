/* The snapshot embedded for `meridian run` must compile for the region it runs. */
#include "deploy/demo.h"
#include "gateway/config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(demo_snapshot, embedded_copy_compiles_for_west_us)
{
    cr_assert_eq(strlen(demo_snapshot_json), demo_snapshot_json_len,
                 "embedded bytes end with exactly one NUL");
    char *err = NULL;
    gateway_config_t *c =
        gateway_config_compile(demo_snapshot_json, demo_snapshot_json_len, "demo", "West US", &err);
    cr_assert_not_null(c, "%s", err ? err : "?");
    cr_expect(c->region_known);
    cr_expect_geq(c->api_count, 1);
    gateway_config_unref(c);
    free(err);
}
