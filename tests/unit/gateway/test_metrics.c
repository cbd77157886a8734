/* Unit tests for src/gateway/metrics.c: Prometheus text exposition. */
#include "gateway/metrics.h"

#include <criterion/criterion.h>
#include <string.h>

static char *render(gateway_metrics_t *m)
{
    buf_t b;
    buf_init(&b);
    gateway_metrics_live_t live = {.connections_active = 3, .exchanges_active = 1};
    cr_assert_eq(gateway_metrics_render(m, &live, &b), 0);
    buf_append(&b, "", 1);
    return b.data;
}

Test(metrics, counts_by_api_and_status_and_grows)
{
    gateway_metrics_t *m = gateway_metrics_new("West US", 2);
    char api[32];
    for (int i = 0; i < 200; i++) {
        snprintf(api, sizeof api, "api%d", i % 100);
        gateway_metrics_request(m, api, i < 100 ? 200 : 404, 0.002);
    }
    gateway_metrics_request(m, "api7", 200, 0.5);
    gateway_metrics_set_config(m, true, 42);
    char *text = render(m);
    cr_assert_not_null(strstr(text, "meridian_requests_total{api=\"api7\",status=\"200\"} 2\n"));
    cr_assert_not_null(strstr(text, "meridian_requests_total{api=\"api7\",status=\"404\"} 1\n"));
    cr_assert_not_null(strstr(text, "meridian_request_duration_seconds_count 201\n"));
    cr_assert_not_null(strstr(text, "meridian_request_duration_seconds_bucket{le=\"0.0025\"} 200\n"));
    cr_assert_not_null(strstr(text, "meridian_request_duration_seconds_bucket{le=\"+Inf\"} 201\n"));
    cr_assert_not_null(strstr(text, "meridian_config_revision 42\n"));
    cr_assert_not_null(strstr(text, "meridian_config_loaded 1\n"));
    cr_assert_not_null(strstr(text, "meridian_connections_active 3\n"));
    cr_assert_not_null(strstr(text, "meridian_unit_info{region=\"West US\",unit=\"2\"} 1\n"));
    free(text);
    gateway_metrics_free(m);
}

Test(metrics, label_values_are_escaped)
{
    gateway_metrics_t *m = gateway_metrics_new("Quote\"Land", 0);
    gateway_metrics_request(m, "we\\ird\n", 200, 0.1);
    char *text = render(m);
    cr_assert_not_null(strstr(text, "region=\"Quote\\\"Land\""));
    cr_assert_not_null(strstr(text, "api=\"we\\\\ird\\n\""));
    free(text);
    gateway_metrics_free(m);
}
