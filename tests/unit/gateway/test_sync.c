#include "gateway/sync.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

Test(sync, region_slugs_match_the_management_plane)
{
    char out[16];
    cr_assert_eq(gateway_region_slug("East Asia", out, sizeof out), 8);
    cr_assert_str_eq(out, "eastasia");
    cr_assert_eq(gateway_region_slug("West US 2", out, sizeof out), 7);
    cr_assert_str_eq(out, "westus2");
    cr_assert_eq(gateway_region_slug("Région-Sud", out, sizeof out), 8, "non-ASCII is dropped");
    cr_assert_str_eq(out, "rgionsud");
    cr_assert_eq(gateway_region_slug(" - ", out, sizeof out), 0);
    cr_assert_eq(gateway_region_slug("abcdefghijklmnopq", out, sizeof out), 0, "too long");
}

Test(sync, source_names_are_the_heartbeat_values)
{
    cr_assert_str_eq(gateway_source_name(GATEWAY_SOURCE_NONE), "none");
    cr_assert_str_eq(gateway_source_name(GATEWAY_SOURCE_FEED), "feed");
    cr_assert_str_eq(gateway_source_name(GATEWAY_SOURCE_LKG), "last-known-good");
    cr_assert_str_eq(gateway_source_name(GATEWAY_SOURCE_PEER), "peer");
}

static void no_install(gateway_config_t *c, gateway_source_t s, void *ud)
{
    (void)s, (void)ud;
    gateway_config_unref(c);
}

/* gateway_sync_new with `opts`: NULL plus the message, or a sync that is stopped and freed. */
static char *try_new(const gateway_sync_options_t *opts)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    gateway_metrics_t *m = gateway_metrics_new("East Asia", 0);
    gateway_sync_host_t host = {.install = no_install, .metrics = m};
    char *err = NULL;
    gateway_sync_t *s = gateway_sync_new(&loop, opts, &host, &err);
    if (s) {
        gateway_sync_stop(s);
        uv_run(&loop, UV_RUN_DEFAULT);
        gateway_sync_free(s);
    }
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left open");
    gateway_metrics_free(m);
    return err;
}

Test(sync, refuses_unusable_options_with_a_reason)
{
    char token_file[] = "/tmp/meridian-test-token-XXXXXX";
    int fd = mkstemp(token_file);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "  GatewayKey eastasia&1&x\n", 26), 26);
    close(fd);

    gateway_sync_options_t ok = {.config_url = "http://127.0.0.1:8070", .region = "East Asia",
                                 .token_file = token_file};
    cr_assert_null(try_new(&ok));
    ok.config_url = "https://manage.test:8443"; /* TLS to the feed (docs/tls.md) */
    cr_assert_null(try_new(&ok));
    ok.config_url = "http://127.0.0.1:8070";

    static const struct {
        const char *url, *region, *token, *token_file, *seed, *why;
    } bad[] = {
        {"ftp://127.0.0.1:8070", "East Asia", "t", NULL, NULL, "--config-url"},
        {"127.0.0.1:8070", "East Asia", "t", NULL, NULL, "--config-url"},
        {"http://127.0.0.1:8070", " - ", "t", NULL, NULL, "no letters or digits"},
        {"http://127.0.0.1:8070", "East Asia", NULL, "/nonexistent/token", NULL, "cannot read the token file"},
        {"http://127.0.0.1:8070", "East Asia", "a\r\nX-Injected: 1", NULL, NULL, "control characters"},
        {"http://127.0.0.1:8070", "East Asia", "t", NULL, "host:99999", "--seed-from"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gateway_sync_options_t o = {.config_url = bad[i].url, .region = bad[i].region,
                                    .token = bad[i].token, .token_file = bad[i].token_file,
                                    .seed_from = bad[i].seed};
        char *err = try_new(&o);
        cr_assert_not_null(err, "case %zu accepted", i);
        cr_assert_not_null(strstr(err, bad[i].why), "case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].why);
        free(err);
    }

    /* An empty token file is refused too. */
    FILE *f = fopen(token_file, "w");
    fputs(" \n", f);
    fclose(f);
    char *err = try_new(&ok);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err, "is empty"), "%s", err);
    free(err);
    unlink(token_file);
}
