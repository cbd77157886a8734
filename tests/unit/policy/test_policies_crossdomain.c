/* cross-domain and redirect-content-urls (src/policy/transform_misc.h) through the executor
 * and its offline host: compile errors, the answer for the policy files, pass-through, URL
 * rewriting in both directions, and the replacement helper's boundaries. */
#include "exec_harness.h"

#include "policy/transform_misc.h"

#include <stdio.h>

TestSuite(xdomain, .init = harness_setup, .fini = harness_teardown);

/* ---- cross-domain ---- */

#define FLASH "<cross-domain-policy><allow-access-from domain=\"*.example\" /></cross-domain-policy>"
#define SILVERLIGHT                                                                                \
    "<access-policy><cross-domain-access><policy><allow-from http-request-headers=\"*\">"         \
    "<domain uri=\"*\"/></allow-from><grant-to><resource path=\"/\" include-subpaths=\"true\"/>"   \
    "</grant-to></policy></cross-domain-access></access-policy>"

static const char xml_decl[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

Test(xdomain, answers_crossdomain_xml_without_the_backend)
{
    compile_ok(POLICIES("<cross-domain>\n  " FLASH "\n</cross-domain><base />", "<base />",
                        "<base /><set-header name=\"X-Out\"><value>1</value></set-header>", ""));
    cr_expect_eq(program_flags() & (POLICY_NEEDS_REQUEST_BODY | POLICY_NEEDS_RESPONSE_BODY), 0);
    H.io.url = "http://gw.example/crossdomain.xml";
    run();
    cr_expect_not(H.io.is_forwarded, "the backend was called");
    cr_expect_eq(H.io.exec->response.status, 200);
    char want[512];
    snprintf(want, sizeof want, "%s%s", xml_decl,
             "<cross-domain-policy><allow-access-from domain=\"*.example\" />"
             "</cross-domain-policy>");
    cr_expect_str_eq(response_body(), want);
    cr_expect_str_eq(response_header("Content-Type"), "text/xml");
    char length[24];
    snprintf(length, sizeof length, "%zu", strlen(want));
    cr_expect_str_eq(response_header("Content-Length"), length);
    cr_expect_null(response_header("X-Out"), "outbound ran after the answer");
}

Test(xdomain, answers_under_the_api_path_and_ignores_case)
{
    compile_ok(POLICIES("<cross-domain>" FLASH "</cross-domain><base />", "<base />", "<base />", ""));
    H.io.api_path = "orders";
    H.io.url = "https://gw.example/orders/CrossDomain.xml?v=2";
    run();
    cr_expect_not(H.io.is_forwarded);
    cr_expect(strstr(response_body(), "<allow-access-from domain=\"*.example\" />") != NULL);
}

Test(xdomain, other_requests_pass_through)
{
    compile_ok(POLICIES("<cross-domain>" FLASH "</cross-domain><base />", "<base />", "<base />", ""));
    H.io.backend_body = "from backend";
    const char *const urls[] = {
        "http://gw.example/orders/1",              /* another resource */
        "http://gw.example/deep/er/crossdomain.xml", /* not at the root nor under the API */
        "http://gw.example/clientaccesspolicy.xml", /* no Silverlight document configured */
        "http://gw.example/crossdomain.xmlx",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        H.io.url = urls[i];
        H.io.is_done = false;
        H.io.is_forwarded = false;
        run();
        cr_expect(H.io.is_forwarded, "%s was answered", urls[i]);
        cr_expect_str_eq(response_body(), "from backend", "%s", urls[i]);
    }
}

Test(xdomain, post_for_the_file_passes_through)
{
    compile_ok(POLICIES("<cross-domain>" FLASH "</cross-domain><base />", "<base />", "<base />", ""));
    H.io.method = "POST";
    H.io.url = "http://gw.example/crossdomain.xml";
    run();
    cr_expect(H.io.is_forwarded);
}

Test(xdomain, silverlight_document_and_both_files)
{
    compile_ok(POLICIES("<cross-domain>" FLASH SILVERLIGHT "</cross-domain><base />", "<base />",
                        "<base />", ""));
    H.io.url = "http://gw.example/clientaccesspolicy.xml";
    run();
    cr_expect_not(H.io.is_forwarded);
    const char *body = response_body();
    cr_assert_not_null(body);
    cr_expect(strncmp(body, xml_decl, strlen(xml_decl)) == 0);
    cr_expect(strstr(body, "<access-policy><cross-domain-access>") != NULL, "%s", body);
    cr_expect(strstr(body, "<domain uri=\"*\" />") != NULL, "%s", body);
    cr_expect(strstr(body, "cross-domain-policy") == NULL, "the Flash document leaked: %s", body);

    H.io.url = "http://gw.example/crossdomain.xml";
    H.io.is_done = false;
    run();
    body = response_body();
    cr_expect(strstr(body, "<cross-domain-policy>") != NULL, "%s", body);
    cr_expect(strstr(body, "access-policy>") == NULL, "%s", body);
}

Test(xdomain, silverlight_only_leaves_crossdomain_xml_to_the_backend)
{
    compile_ok(POLICIES("<cross-domain>" SILVERLIGHT "</cross-domain><base />", "<base />",
                        "<base />", ""));
    H.io.url = "http://gw.example/crossdomain.xml";
    run();
    cr_expect(H.io.is_forwarded);
}

Test(xdomain, the_toolkit_document_in_a_global_policy)
{
    policy_local_options_t o = {.is_global = true};
    cr_assert_eq(compile_with("<policies><inbound><cross-domain><cross-domain-policy>"
                              "<allow-access-from domain=\"*\" /></cross-domain-policy>"
                              "</cross-domain></inbound><backend><forward-request /></backend>"
                              "<outbound /><on-error /></policies>",
                              &o),
                 0, "%s", H.err.message);
    H.io.url = "http://gw.example/crossdomain.xml";
    run();
    cr_expect_not(H.io.is_forwarded);
    cr_expect_eq(H.io.exec->response.status, 200);
}

Test(xdomain, compile_errors)
{
    compile_error(POLICIES("<cross-domain />", "<base />", "<base />", ""),
                  "<cross-domain> holds no <cross-domain-policy> or <access-policy> document");
    compile_error(POLICIES("<cross-domain>allow all</cross-domain>", "<base />", "<base />", ""),
                  "<cross-domain> holds text");
    compile_error(POLICIES("<cross-domain><policy /></cross-domain>", "<base />", "<base />", ""),
                  "<policy> is not a cross-domain policy document");
    compile_error(POLICIES("<cross-domain>" FLASH FLASH "</cross-domain>", "<base />", "<base />", ""),
                  "a second <cross-domain-policy>");
    /* inbound only (§1.6) */
    compile_error(POLICIES("<base />", "<base />", "<base /><cross-domain>" FLASH "</cross-domain>", ""),
                  "<cross-domain> is not allowed in <outbound>");
}

/* ---- redirect-content-urls ---- */

Test(xdomain, outbound_masks_backend_urls)
{
    compile_ok(POLICIES("<base />", "<base />", "<base /><redirect-content-urls />", ""));
    cr_expect(program_flags() & POLICY_NEEDS_RESPONSE_BODY);
    cr_expect_eq(program_flags() & POLICY_NEEDS_REQUEST_BODY, 0);
    H.io.url = "https://gw.example/orders/1";
    H.io.api_path = "orders";
    H.io.service_url = "https://backend.internal:8443/api/v1";
    add_header(&H.io.backend_headers, "Content-Type", "application/json");
    add_header(&H.io.backend_headers, "Location", "https://backend.internal:8443/api/v1/1");
    H.io.backend_body = "{\"self\": \"https://backend.internal:8443/api/v1/1\", "
                        "\"list\": \"HTTPS://Backend.Internal:8443/api/v1?page=2\", "
                        "\"other\": \"https://backend.internal:8443/api/v10\", "
                        "\"host\": \"https://backend.internal:8443\"}";
    run();
    cr_expect_str_eq(response_body(), "{\"self\": \"https://gw.example/orders/1\", "
                                      "\"list\": \"https://gw.example/orders?page=2\", "
                                      "\"other\": \"https://backend.internal:8443/api/v10\", "
                                      "\"host\": \"https://backend.internal:8443\"}");
    char length[24];
    snprintf(length, sizeof length, "%zu", strlen(response_body()));
    cr_expect_str_eq(response_header("Content-Length"), length);
    /* headers are not touched (vendor doc: use set-header) */
    cr_expect_str_eq(response_header("Location"), "https://backend.internal:8443/api/v1/1");
}

Test(xdomain, outbound_with_a_root_backend_and_default_ports)
{
    compile_ok(POLICIES("<base />", "<base />", "<base /><redirect-content-urls />", ""));
    H.io.url = "http://gw.example:8080/shop/items";
    H.io.api_path = "/shop/";
    H.io.service_url = "https://backend.example:443/";
    H.io.backend_body = "<a href=\"https://backend.example/items/3\">3</a> "
                        "<a href=\"https://backend.example.evil/x\">x</a> https://backend.example";
    run();
    cr_expect_str_eq(response_body(), "<a href=\"http://gw.example:8080/shop/items/3\">3</a> "
                                      "<a href=\"https://backend.example.evil/x\">x</a> "
                                      "http://gw.example:8080/shop");
}

Test(xdomain, inbound_reverses_gateway_urls)
{
    compile_ok(POLICIES("<base /><redirect-content-urls />", "<base />", "<base />", ""));
    cr_expect(program_flags() & POLICY_NEEDS_REQUEST_BODY);
    H.io.method = "POST";
    H.io.url = "https://gw.example/orders";
    H.io.api_path = "orders";
    H.io.service_url = "http://backend.internal/api";
    H.io.body = "callback=https://gw.example/orders/hooks/7&home=https://gw.example/ordersX";
    H.io.body_len = strlen(H.io.body);
    add_header(&H.io.headers, "Content-Type", "application/x-www-form-urlencoded");
    run();
    cr_expect_str_eq(request_body_sent(),
                     "callback=http://backend.internal/api/hooks/7&home=https://gw.example/ordersX");
}

Test(xdomain, inbound_uses_the_backend_set_before_it)
{
    compile_ok(POLICIES("<base /><set-backend-service base-url=\"https://other.internal/v2\" />"
                        "<redirect-content-urls />",
                        "<base />", "<base />", ""));
    H.io.method = "PUT";
    H.io.url = "https://gw.example/orders/1";
    H.io.api_path = "orders";
    H.io.service_url = "http://backend.internal/api";
    H.io.body = "see https://gw.example/orders/2";
    H.io.body_len = strlen(H.io.body);
    run();
    cr_expect_str_eq(request_body_sent(), "see https://other.internal/v2/2");
}

Test(xdomain, leaves_binary_encoded_and_empty_bodies_alone)
{
    compile_ok(POLICIES("<base />", "<base />", "<base /><redirect-content-urls />", ""));
    H.io.url = "https://gw.example/orders/1";
    H.io.api_path = "orders";
    H.io.service_url = "https://backend.internal/api";
    H.io.backend_body = "https://backend.internal/api/1";
    add_header(&H.io.backend_headers, "Content-Type", "image/png");
    run();
    cr_expect_str_eq(response_body(), "https://backend.internal/api/1");

    H.io.backend_headers = (policy_fields_t){.is_case_insensitive = true};
    add_header(&H.io.backend_headers, "Content-Type", "text/plain");
    add_header(&H.io.backend_headers, "Content-Encoding", "gzip");
    H.io.is_done = false;
    run();
    cr_expect_str_eq(response_body(), "https://backend.internal/api/1");

    H.io.backend_headers = (policy_fields_t){.is_case_insensitive = true};
    H.io.backend_body = "";
    H.io.is_done = false;
    run();
    cr_expect_eq(H.io.exec->response.status, 200);
    cr_expect_null(H.io.exec->last_error);
}

Test(xdomain, redirect_errors)
{
    compile_error(POLICIES("<base />", "<base />", "<base /><redirect-content-urls />"
                                                   "<redirect-content-urls />", ""),
                  "<redirect-content-urls> may appear only once per section");
    compile_error(POLICIES("<base />", "<base /><redirect-content-urls />", "<base />", ""),
                  "<redirect-content-urls> is not allowed in <backend>");
    compile_error(POLICIES("<base />", "<base />", "<base /><redirect-content-urls>x"
                                                   "</redirect-content-urls>", ""),
                  "<redirect-content-urls> takes no text");
}

/* ---- the replacement helper ---- */

static const char *replace(const char *text, const char *from, size_t ci_len, const char *to,
                           long *count)
{
    const char *out = NULL;
    size_t len = 0;
    *count = policy_redirect_urls_replace(&H.arena, text, strlen(text), from, strlen(from), ci_len,
                                          to, strlen(to), &out, &len);
    cr_assert_geq(*count, 0);
    cr_assert_eq(strlen(out), len);
    return out;
}

Test(xdomain, replace_boundaries)
{
    long n;
    cr_expect_str_eq(replace("a http://b/p b", "http://b/p", 8, "https://g", &n), "a https://g b");
    cr_expect_eq(n, 1);
    cr_expect_str_eq(replace("http://b/p/x,http://b/p?q,http://b/p#f,http://b/p", "http://b/p", 8,
                             "G", &n),
                     "G/x,G?q,G#f,G");
    cr_expect_eq(n, 4);
    cr_expect_str_eq(replace("http://b/pp http://b/p.x http://b/p-1 http://b/p:1", "http://b/p", 8,
                             "G", &n),
                     "http://b/pp http://b/p.x http://b/p-1 http://b/p:1");
    cr_expect_eq(n, 0);
    /* the path compares case-sensitively, scheme and host do not */
    cr_expect_str_eq(replace("HTTP://B/p HTTP://B/P", "http://b/p", 8, "G", &n), "G HTTP://B/P");
    cr_expect_eq(n, 1);
    cr_expect_str_eq(replace("", "http://b", 8, "G", &n), "");
    cr_expect_str_eq(replace("http://", "http://b", 8, "G", &n), "http://");
}
