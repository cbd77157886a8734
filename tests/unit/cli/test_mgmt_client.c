/* mgmt_client: the SharedAccessSignature header against a vector computed independently
 * (Python hmac/hashlib), endpoint parsing, key files. */
#include "cli/mgmt_client.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

Test(mgmt_sas, matches_known_vector)
{
    char out[512];
    /* expiry 1800000000 = 2027-01-15T08:00:00Z; the key is used as UTF-8 text, not
     * base64-decoded (contract: key bytes = UTF-8 of the key string). */
    cr_assert_eq(mgmt_sas_header("admin", "k3Y+base64/secret==", 1800000000, out, sizeof out), 0);
    cr_assert_str_eq(out, "SharedAccessSignature uid=admin&ex=2027-01-15T08:00:00.0000000Z&sn="
                          "S8f351jl3NAQ8aS0I1rsKWQIozaMKlaJXMkv17/RQdZd+65J5Lk2SD8tu0gY7HCXmv"
                          "FG110r/kHSKvAQs1t+2Q==");
}

Test(mgmt_sas, a_different_key_gives_a_different_signature)
{
    char a[512], b[512];
    cr_assert_eq(mgmt_sas_header("admin", "key-one", 1800000000, a, sizeof a), 0);
    cr_assert_eq(mgmt_sas_header("admin", "key-two", 1800000000, b, sizeof b), 0);
    cr_assert_str_neq(a, b);
}

Test(mgmt_sas, too_small_buffer_fails)
{
    char out[40];
    cr_assert_eq(mgmt_sas_header("admin", "key", 1800000000, out, sizeof out), -1);
}

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/mgmt_key_XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

Test(mgmt_sas, from_key_file_expires_in_about_an_hour)
{
    char *path = write_temp("{\"identifier\":\"admin\",\"key\":\"abc\",\"token\":\"t\"}");
    char out[512], err[256];
    time_t before = time(NULL);
    cr_assert_eq(mgmt_sas_from_key_file(path, out, sizeof out, err, sizeof err), 0, "%s", err);
    unlink(path);
    cr_assert(strncmp(out, "SharedAccessSignature uid=admin&ex=", 35) == 0, "%s", out);
    struct tm tm = {0};
    cr_assert_not_null(strptime(out + 35, "%Y-%m-%dT%H:%M:%S", &tm));
    time_t ex = timegm(&tm);
    cr_assert(ex >= before + MGMT_SAS_LIFETIME_SECONDS - 1 &&
              ex <= time(NULL) + MGMT_SAS_LIFETIME_SECONDS + 1);
}

Test(mgmt_sas, key_file_errors_name_the_file)
{
    char out[512], err[256];
    char *path = write_temp("{\"identifier\": \"admin\"}");
    cr_assert_eq(mgmt_sas_from_key_file(path, out, sizeof out, err, sizeof err), -1);
    cr_assert(strstr(err, path) && strstr(err, "\"key\""), "%s", err);
    unlink(path);
    path = write_temp("{\"identifier\": ");
    cr_assert_eq(mgmt_sas_from_key_file(path, out, sizeof out, err, sizeof err), -1);
    cr_assert(strstr(err, path) && strstr(err, ":1:"), "%s", err);
    unlink(path);
}

Test(mgmt_client, endpoint_parts_and_service_path)
{
    mgmt_client_t c;
    char err[256];
    mgmt_client_options_t o = {
        .endpoint = "http://[::1]:9000/mgmt/", .service = "svc", .auth_header = "Bearer x"};
    cr_assert_eq(mgmt_client_init(&c, &o, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.host, "::1");
    cr_assert_str_eq(c.port, "9000");
    cr_assert_str_eq(c.base_path, "/mgmt");
    cr_assert_str_eq(c.host_header, "[::1]:9000");
    cr_assert_str_eq(c.svc_path, "/subscriptions/00000000-0000-0000-0000-000000000000/"
                                 "resourceGroups/meridian/providers/Microsoft.ApiManagement/"
                                 "service/svc");
    mgmt_client_free(&c);
    o.endpoint = "http://127.0.0.1";
    cr_assert_eq(mgmt_client_init(&c, &o, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.port, "80");
    cr_assert_str_eq(c.base_path, "");
    mgmt_client_free(&c);
}

Test(mgmt_client, bad_endpoints_are_refused)
{
    mgmt_client_t c;
    char err[256];
    const char *bad[] = {"ftp://x:1",   "127.0.0.1:8070", "http://:80",  "http://h:99999",
                         "http://h:8a", "http://[::1",    "http://h:1?x", "https://h:0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mgmt_client_options_t o = {.endpoint = bad[i], .auth_header = ""};
        cr_assert_eq(mgmt_client_init(&c, &o, err, sizeof err), -1, "%s accepted", bad[i]);
        cr_assert(strstr(err, bad[i]), "%s", err);
    }
}

Test(mgmt_client, https_endpoints_default_to_port_443_and_check_tls_options)
{
    mgmt_client_t c;
    char err[256];
    mgmt_client_options_t o = {.endpoint = "https://mgmt.example/prefix/", .auth_header = ""};
    cr_assert_eq(mgmt_client_init(&c, &o, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(c.port, "443");
    cr_assert_str_eq(c.host, "mgmt.example");
    cr_assert_str_eq(c.base_path, "/prefix");
    cr_assert_not_null(c.tls_ctx);
    mgmt_client_free(&c);
    mgmt_client_options_t plain = {.endpoint = "http://h:1", .auth_header = "", .ca_file = "ca.pem"};
    cr_assert_eq(mgmt_client_init(&c, &plain, err, sizeof err), -1);
    cr_assert(strstr(err, "needs an https:// endpoint"), "%s", err);
    mgmt_client_options_t missing = {.endpoint = "https://h:1", .auth_header = "",
                                     .ca_file = "/nonexistent/ca.pem"};
    cr_assert_eq(mgmt_client_init(&c, &missing, err, sizeof err), -1);
    cr_assert(strstr(err, "/nonexistent/ca.pem"), "%s", err);
}

Test(mgmt_client, unreachable_server_is_a_connect_error)
{
    mgmt_client_t c;
    char err[256];
    /* Port 1 on loopback: nothing listens there in a test environment. */
    mgmt_client_options_t o = {
        .endpoint = "http://127.0.0.1:1", .auth_header = "Bearer x", .timeout_ms = 2000};
    cr_assert_eq(mgmt_client_init(&c, &o, err, sizeof err), 0);
    mgmt_response_t resp;
    cr_assert_eq(mgmt_request(&c, "GET", "/apis", NULL, NULL, &resp, err, sizeof err),
                 MGMT_ERR_CONNECT);
    cr_assert(strstr(err, "cannot connect to 127.0.0.1:1"), "%s", err);
    mgmt_client_free(&c);
}
