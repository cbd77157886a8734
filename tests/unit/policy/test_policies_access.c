/* Access restriction and authentication policies through the executor (spec §2.4, §1.5,
 * §4.6): check-header, ip-filter, cors, validate-jwt, authentication-*; compile errors with
 * their positions, run behaviour, LastError in on-error. */
#include "expr/lib_auth.h"
#include "exec_harness.h"
#include "jwt_sign.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

TestSuite(access, .init = harness_setup, .fini = harness_teardown);

/* on-error that copies LastError into response headers, to assert every field. */
#define SHOW_ERROR                                                                                 \
    "<set-header name=\"X-Source\"><value>@(context.LastError.Source)</value></set-header>"        \
    "<set-header name=\"X-Reason\"><value>@(context.LastError.Reason)</value></set-header>"        \
    "<set-header name=\"X-Message\"><value>@(context.LastError.Message)</value></set-header>"      \
    "<set-header name=\"X-Section\"><value>@(context.LastError.Section)</value></set-header>"

static int status(void)
{
    return H.io.exec->response.status;
}

/* ---- check-header ---- */

#define CHECK_HEADER                                                                               \
    "<check-header name=\"X-Key\" failed-check-httpcode=\"401\" failed-check-error-message=\"Key "  \
    "required\" ignore-case=\"true\"><value>Alpha</value><value>beta</value></check-header>"

Test(access, check_header_missing_is_header_not_found)
{
    compile_ok(POLICIES(CHECK_HEADER, "<base/>", "<base/>", ""));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(status(), 401);
    cr_assert_str_eq(response_body(), "{ \"statusCode\": 401, \"message\": \"Key required\" }");
    const policy_last_error_t *e = H.io.exec->last_error;
    cr_assert_str_eq(e->source, "check-header");
    cr_assert_str_eq(e->reason, "HeaderNotFound");
    cr_assert_str_eq(e->message, "Header X-Key was not found in the request. Access denied.");
}

Test(access, check_header_values_and_ignore_case)
{
    add_header(&H.io.headers, "X-Key", "ALPHA");
    compile_ok(POLICIES(CHECK_HEADER, "<base/>", "<base/>", ""));
    run();
    cr_assert(H.io.is_forwarded, "ignore-case: ALPHA matches Alpha");
}

Test(access, check_header_value_not_allowed_reaches_on_error)
{
    add_header(&H.io.headers, "X-Key", "gamma");
    compile_ok(POLICIES("<check-header name=\"X-Key\" failed-check-httpcode=\"403\" "
                        "failed-check-error-message=\"no\" ignore-case=\"false\">"
                        "<value>Gamma</value></check-header>",
                        "<base/>", "<base/>", SHOW_ERROR));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_str_eq(response_header("X-Source"), "check-header");
    cr_assert_str_eq(response_header("X-Reason"), "HeaderValueNotAllowed");
    cr_assert_str_eq(response_header("X-Message"),
                     "Header X-Key value of gamma is not allowed. Access denied.");
    cr_assert_str_eq(response_header("X-Section"), "inbound");
    cr_assert_eq(status(), 403, "on-error sees the error's status");
}

Test(access, check_header_presence_only)
{
    add_header(&H.io.headers, "X-Key", "anything");
    compile_ok(POLICIES("<check-header name=\"X-Key\" failed-check-httpcode=\"401\" "
                        "failed-check-error-message=\"m\" ignore-case=\"true\"/>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert(H.io.is_forwarded);
}

Test(access, check_header_compile_errors)
{
    cr_assert_neq(try_compile(POLICIES("<check-header name=\"X\" failed-check-httpcode=\"401\" "
                                       "ignore-case=\"true\"/>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert(strstr(H.err.message, "failed-check-error-message"), "%s", H.err.message);
    cr_assert_neq(try_compile(POLICIES("<check-header name=\"X\" failed-check-httpcode=\"@(1 +)\" "
                                       "failed-check-error-message=\"m\" ignore-case=\"true\"/>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert(strstr(H.err.message, "api policy:1:"), "%s", H.err.message);
}

/* ---- ip-filter ---- */

#define IP_ALLOW                                                                                   \
    "<ip-filter action=\"allow\"><address>13.66.201.169</address>"                                \
    "<address-range from=\"10.0.0.1\" to=\"10.0.0.9\"/><address-range from=\"2001:db8::\" "        \
    "to=\"2001:db8::ff\"/></ip-filter>"

Test(access, ip_filter_allow)
{
    const char *allowed[] = {"13.66.201.169", "10.0.0.5", "2001:db8::42", "::ffff:10.0.0.1"};
    for (size_t i = 0; i < 4; i++) {
        harness_teardown();
        harness_setup();
        H.io.client_ip = allowed[i];
        compile_ok(POLICIES(IP_ALLOW, "<base/>", "<base/>", ""));
        run();
        cr_assert(H.io.is_forwarded, "%s", allowed[i]);
    }
    harness_teardown();
    harness_setup();
    H.io.client_ip = "10.0.0.10";
    compile_ok(POLICIES(IP_ALLOW, "<base/>", "<base/>", ""));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(status(), 403);
    const policy_last_error_t *e = H.io.exec->last_error;
    cr_assert_str_eq(e->source, "ip-filter");
    cr_assert_str_eq(e->reason, "CallerIpNotAllowed");
    cr_assert_str_eq(e->message, "Caller IP address 10.0.0.10 is not allowed. Access denied.");
}

Test(access, ip_filter_forbid_and_expressions)
{
    H.io.client_ip = "192.168.1.7";
    compile_ok(POLICIES("<ip-filter action=\"@(&quot;for&quot; + &quot;bid&quot;)\">"
                        "<address>@(&quot;192.168.1.&quot; + 7)</address></ip-filter>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert_eq(status(), 403);
    cr_assert_str_eq(H.io.exec->last_error->reason, "CallerIpBlocked");
    cr_assert_str_eq(H.io.exec->last_error->message, "Caller IP address is blocked. Access denied.");
}

Test(access, ip_filter_compile_errors_name_the_place)
{
    cr_assert_neq(try_compile(POLICIES("<ip-filter action=\"allow\">\n<address>10.0.0.0/8</address></ip-filter>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert(strstr(H.err.message, "api policy:2:1: <address>: '10.0.0.0/8' is not an IP address"),
              "%s", H.err.message);
    cr_assert_neq(try_compile(POLICIES("<ip-filter action=\"allow\"><address-range from=\"10.0.0.9\" "
                                       "to=\"10.0.0.1\"/></ip-filter>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert(strstr(H.err.message, "ends before it starts"), "%s", H.err.message);
}

/* ---- cors ---- */

#define CORS                                                                                       \
    "<cors allow-credentials=\"true\"><allowed-origins><origin>https://app.example.com/</origin>"  \
    "</allowed-origins><allowed-methods preflight-result-max-age=\"300\"><method>GET</method>"     \
    "<method>put</method></allowed-methods><allowed-headers><header>Content-Type</header>"         \
    "<header>X-Trace</header></allowed-headers><expose-headers><header>X-Total</header>"          \
    "</expose-headers></cors>"

Test(access, cors_preflight_is_answered_by_the_gateway)
{
    H.io.method = "OPTIONS";
    add_header(&H.io.headers, "Origin", "https://app.example.com");
    add_header(&H.io.headers, "Access-Control-Request-Method", "PUT");
    add_header(&H.io.headers, "Access-Control-Request-Headers", "content-type, x-trace");
    compile_ok(POLICIES(CORS, "<base/>", "<base/>", ""));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(status(), 200);
    cr_assert_str_eq(response_header("Access-Control-Allow-Origin"), "https://app.example.com");
    cr_assert_str_eq(response_header("Access-Control-Allow-Credentials"), "true");
    cr_assert_str_eq(response_header("Access-Control-Allow-Methods"), "GET, PUT");
    cr_assert_str_eq(response_header("Access-Control-Allow-Headers"), "Content-Type, X-Trace");
    cr_assert_str_eq(response_header("Access-Control-Max-Age"), "300");
    cr_assert_str_eq(response_header("Vary"), "Origin");
}

Test(access, cors_unmatched_preflight_gets_an_empty_200)
{
    H.io.method = "OPTIONS";
    add_header(&H.io.headers, "Origin", "https://evil.example.com");
    add_header(&H.io.headers, "Access-Control-Request-Method", "GET");
    compile_ok(POLICIES(CORS, "<base/>", "<base/>", ""));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(status(), 200);
    cr_assert_null(response_header("Access-Control-Allow-Origin"));
}

/* The headers of an allowed actual request reach the response the client gets, whether or not
 * the backend was called: without a backend (an empty 200)... */
Test(access, cors_actual_request_gets_headers_on_the_response)
{
    add_header(&H.io.headers, "Origin", "https://APP.example.com:443");
    compile_ok("<policies><inbound>" CORS "</inbound><backend/><outbound/></policies>");
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_str_eq(response_header("Access-Control-Allow-Origin"), "https://APP.example.com:443");
    cr_assert_str_eq(response_header("Access-Control-Allow-Credentials"), "true");
    cr_assert_str_eq(response_header("Access-Control-Expose-Headers"), "X-Total");
    cr_assert_str_eq(response_header("Vary"), "Origin");
}

/* ...on the backend's response, which replaces the one inbound edited: the backend's own
 * Access-Control-Allow-Origin gives way, its Vary values stay and Origin is not repeated... */
Test(access, cors_actual_request_that_is_forwarded_keeps_its_headers)
{
    add_header(&H.io.headers, "Origin", "https://app.example.com");
    add_header(&H.io.backend_headers, "Access-Control-Allow-Origin", "*");
    add_header(&H.io.backend_headers, "Vary", "Accept-Encoding");
    add_header(&H.io.backend_headers, "Vary", "Origin");
    add_header(&H.io.backend_headers, "X-Total", "7");
    H.io.backend_status = 201;
    H.io.backend_body = "created";
    compile_ok(POLICIES(CORS, "<base/>",
                        "<set-header name=\"X-Saw-Acao\" exists-action=\"override\"><value>@(context."
                        "Response.Headers.GetValueOrDefault(&quot;Access-Control-Allow-Origin&quot;, "
                        "&quot;none&quot;))</value></set-header>",
                        ""));
    run();
    cr_assert(H.io.is_forwarded);
    cr_assert_eq(status(), 201);
    cr_assert_str_eq(response_body(), "created");
    cr_assert_str_eq(response_header("X-Total"), "7");
    cr_assert_str_eq(response_header("Access-Control-Allow-Origin"), "https://app.example.com");
    cr_assert_str_eq(response_header("Access-Control-Allow-Credentials"), "true");
    cr_assert_str_eq(response_header("Access-Control-Expose-Headers"), "X-Total");
    cr_assert_str_eq(response_header("Vary"), "Accept-Encoding,Origin");
    /* merged after outbound: outbound saw the backend's response as it came */
    cr_assert_str_eq(response_header("X-Saw-Acao"), "*");
    cr_assert_null(forwarded_header("Access-Control-Allow-Origin"), "not sent to the backend");
}

/* ...and on an error response or a return-response decided after cors. */
Test(access, cors_actual_request_headers_reach_errors_and_return_response)
{
    add_header(&H.io.headers, "Origin", "https://app.example.com");
    compile_ok(POLICIES(CORS CHECK_HEADER, "<base/>", "<base/>", ""));
    run();
    cr_assert_eq(status(), 401);
    cr_assert_str_eq(response_header("Access-Control-Allow-Origin"), "https://app.example.com");
    cr_assert_str_eq(response_header("Content-Type"), "application/json; charset=utf-8");
    harness_teardown();
    harness_setup();
    add_header(&H.io.headers, "Origin", "https://app.example.com");
    compile_ok(POLICIES(CORS "<return-response><set-status code=\"202\"/></return-response>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert_eq(status(), 202);
    cr_assert_str_eq(response_header("Access-Control-Allow-Origin"), "https://app.example.com");
    cr_assert_str_eq(response_header("Vary"), "Origin");
    /* a disallowed origin gets none of them, forwarded or not */
    harness_teardown();
    harness_setup();
    add_header(&H.io.headers, "Origin", "https://evil.example.com");
    compile_ok(POLICIES(CORS, "<base/>", "<base/>", ""));
    run();
    cr_assert(H.io.is_forwarded);
    cr_assert_null(response_header("Access-Control-Allow-Origin"));
    cr_assert_null(response_header("Vary"));
}

Test(access, cors_any_origin_without_credentials_is_a_star)
{
    add_header(&H.io.headers, "Origin", "http://localhost:4200");
    compile_ok("<policies><inbound><cors><allowed-origins><origin>*</origin></allowed-origins>"
               "</cors></inbound><backend/><outbound/></policies>");
    run();
    cr_assert_str_eq(response_header("Access-Control-Allow-Origin"), "*");
    cr_assert_null(response_header("Access-Control-Allow-Credentials"));
}

Test(access, cors_unmatched_simple_request_with_terminate)
{
    add_header(&H.io.headers, "Origin", "https://evil.example.com");
    compile_ok(POLICIES("<cors terminate-unmatched-request=\"true\"><allowed-origins>"
                        "<origin>https://app.example.com</origin></allowed-origins></cors>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(status(), 200);
}

/* ---- authentication ---- */

Test(access, authentication_basic_sets_the_authorization_header)
{
    add_header(&H.io.headers, "Authorization", "Bearer old");
    compile_ok(POLICIES("<authentication-basic username=\"Aladdin\" password=\"open sesame\"/>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert_str_eq(forwarded_header("Authorization"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

Test(access, authentication_certificate_fails_clearly)
{
    compile_ok(POLICIES("<authentication-certificate thumbprint=\"ABC\"/>", "<base/>", "<base/>", ""));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_eq(status(), 500);
    cr_assert_str_eq(H.io.exec->last_error->source, "authentication-certificate");
    cr_assert(strstr(H.io.exec->last_error->message, "does not present client certificates"));
}

Test(access, managed_identity_without_endpoint_fails_clearly)
{
    compile_ok(POLICIES("<authentication-managed-identity resource=\"https://vault.azure.net\"/>",
                        "<base/>", "<base/>", SHOW_ERROR));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_str_eq(response_header("X-Source"), "authentication-managed-identity");
    cr_assert_str_eq(response_header("X-Reason"), "ExternalEndpointNotConfigured");
    cr_assert(strstr(response_header("X-Message"), "none is configured for managed-identity 'system'"),
              "%s", response_header("X-Message"));
    harness_teardown();
    harness_setup();
    compile_ok(POLICIES("<authentication-managed-identity resource=\"r\" ignore-error=\"true\"/>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert(H.io.is_forwarded, "ignore-error lets the request go on");
}

/* ---- validate-jwt ---- */

/* "secret-key-for-tests-0123456789!" as Base64, for <issuer-signing-keys>. */
#define KEY_TEXT "secret-key-for-tests-0123456789!"
#define KEY_B64 "c2VjcmV0LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OSE="

/* An HS256 or RS256 token for `payload`; pkey NULL = HS256 with KEY_TEXT. Static buffer. */
static const char *token(const char *payload, EVP_PKEY *pkey, const char *kid)
{
    static char out[4096];
    char header[128];
    snprintf(header, sizeof header, "{\"alg\":\"%s\",\"typ\":\"JWT\"%s%s%s}", pkey ? "RS256" : "HS256",
             kid ? ",\"kid\":\"" : "", kid ? kid : "", kid ? "\"" : "");
    char *t = jwt_sign(pkey ? "RS256" : "HS256", pkey, (const unsigned char *)KEY_TEXT,
                       strlen(KEY_TEXT), header, payload);
    snprintf(out, sizeof out, "%s", t);
    free(t);
    return out;
}

static const char *payload_exp(long offset, const char *extra)
{
    static char out[512];
    snprintf(out, sizeof out, "{\"sub\":\"alice\",\"exp\":%ld%s}", (long)time(NULL) + offset, extra);
    return out;
}

static void bearer(const char *t)
{
    char value[4200];
    snprintf(value, sizeof value, "Bearer %s", t);
    add_header(&H.io.headers, "Authorization", value);
}

#define JWT_HS "<validate-jwt header-name=\"Authorization\" output-token-variable-name=\"jwt\">" JWT_BODY
#define JWT_BODY                                                                                   \
    "<issuer-signing-keys><key>" KEY_B64 "</key></issuer-signing-keys>"                            \
    "<audiences><audience>api://orders</audience></audiences>"                                     \
    "<issuers><issuer>https://sts.example.com/</issuer></issuers>"                                 \
    "<required-claims><claim name=\"roles\" match=\"any\"><value>reader</value></claim>"           \
    "</required-claims></validate-jwt>"

#define GOOD_CLAIMS ",\"aud\":\"api://orders\",\"iss\":\"https://sts.example.com/\",\"roles\":[\"reader\"]"

Test(access, validate_jwt_accepts_a_valid_token)
{
    const char *t = token(payload_exp(600, GOOD_CLAIMS), NULL, NULL);
    bearer(t);
    compile_ok(POLICIES(JWT_HS, "<base/>", "<base/>", ""));
    run();
    cr_assert(H.io.is_forwarded, "%s", H.io.exec->last_error ? H.io.exec->last_error->message : "");
    const expr_value_t *v = policy_exec_var_get(H.io.exec, "jwt", 3);
    cr_assert_not_null(v);
    cr_assert_eq(v->tag, EXPR_V_OBJECT, "output-token-variable-name holds a Jwt");
    cr_assert_eq(v->u.obj.cls, &expr_class_jwt);
    cr_assert(strlen(t) > 0);
}

Test(access, validate_jwt_missing_token)
{
    compile_ok(POLICIES(JWT_HS, "<base/>", "<base/>", ""));
    run();
    cr_assert_eq(status(), 401);
    cr_assert_str_eq(H.io.exec->last_error->reason, "TokenNotPresent");
    cr_assert_str_eq(response_body(), "{ \"statusCode\": 401, \"message\": \"JWT not present.\" }");
}

Test(access, validate_jwt_expired_token_reaches_on_error)
{
    bearer(token(payload_exp(-60, GOOD_CLAIMS), NULL, NULL));
    compile_ok(POLICIES(JWT_HS, "<base/>", "<base/>", SHOW_ERROR));
    run();
    cr_assert_not(H.io.is_forwarded);
    cr_assert_str_eq(response_header("X-Source"), "validate-jwt");
    cr_assert_str_eq(response_header("X-Reason"), "TokenExpired");
    cr_assert(strstr(response_header("X-Message"), "Lifetime validation failed. The token is expired."));
    cr_assert_eq(status(), 401);
}

Test(access, validate_jwt_tampered_token)
{
    char t[4096];
    snprintf(t, sizeof t, "%s", token(payload_exp(600, GOOD_CLAIMS), NULL, NULL));
    t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
    bearer(t);
    compile_ok(POLICIES(JWT_HS, "<base/>", "<base/>", ""));
    run();
    cr_assert_eq(status(), 401);
    cr_assert_str_eq(H.io.exec->last_error->reason, "TokenSignatureInvalid");
    cr_assert_str_eq(response_body(), "{ \"statusCode\": 401, \"message\": \"Invalid JWT.\" }");
}

Test(access, validate_jwt_claims_audience_issuer_and_custom_status)
{
    struct {
        const char *extra, *reason;
    } cases[] = {
        {",\"aud\":\"other\",\"iss\":\"https://sts.example.com/\",\"roles\":[\"reader\"]", "TokenAudienceNotAllowed"},
        {",\"aud\":\"api://orders\",\"iss\":\"https://x/\",\"roles\":[\"reader\"]", "TokenIssuerNotAllowed"},
        {",\"aud\":\"api://orders\",\"iss\":\"https://sts.example.com/\"", "TokenClaimNotFound"},
        {",\"aud\":\"api://orders\",\"iss\":\"https://sts.example.com/\",\"roles\":\"admin\"", "TokenClaimValueNotAllowed"},
    };
    for (size_t i = 0; i < 4; i++) {
        harness_teardown();
        harness_setup();
        bearer(token(payload_exp(600, cases[i].extra), NULL, NULL));
        compile_ok(POLICIES("<validate-jwt header-name=\"Authorization\" failed-validation-httpcode=\"403\" "
                            "failed-validation-error-message=\"Nope\">" JWT_BODY,
                            "<base/>", "<base/>", ""));
        run();
        cr_assert_eq(status(), 403);
        cr_assert_str_eq(H.io.exec->last_error->reason, cases[i].reason);
        cr_assert_str_eq(response_body(), "{ \"statusCode\": 403, \"message\": \"Nope\" }");
    }
}

Test(access, validate_jwt_require_scheme_and_query_parameter)
{
    add_header(&H.io.headers, "Authorization", token(payload_exp(600, GOOD_CLAIMS), NULL, NULL));
    compile_ok(POLICIES("<validate-jwt header-name=\"Authorization\" require-scheme=\"Bearer\" "
                        "require-expiration-time=\"false\"><issuer-signing-keys><key>" KEY_B64
                        "</key></issuer-signing-keys></validate-jwt>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert_str_eq(H.io.exec->last_error->reason, "TokenNotPresent", "no Bearer scheme");

    harness_teardown();
    harness_setup();
    char url[4200];
    snprintf(url, sizeof url, "http://gw.example/orders/1?access_token=%s", token(payload_exp(600, ""), NULL, NULL));
    H.io.url = url;
    compile_ok(POLICIES("<validate-jwt query-parameter-name=\"access_token\"><issuer-signing-keys>"
                        "<key>" KEY_B64 "</key></issuer-signing-keys></validate-jwt>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert(H.io.is_forwarded);
}

/* The offline host answers every side request with one body: a document that is both an
 * OpenID configuration (jwks_uri) and a JWK Set (keys) serves both fetches. */
Test(access, validate_jwt_openid_config_keys_are_fetched)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    char *n64 = bn_param_b64url(k, OSSL_PKEY_PARAM_RSA_N);
    char *e64 = bn_param_b64url(k, OSSL_PKEY_PARAM_RSA_E);
    char doc[2048];
    snprintf(doc, sizeof doc,
             "{\"issuer\":\"https://idp.example/\",\"jwks_uri\":\"http://idp.example/keys\","
             "\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"use\":\"sig\",\"n\":\"%s\",\"e\":\"%s\"}]}",
             n64, e64);
    H.io.send_body = doc;
    bearer(token(payload_exp(600, ""), k, "k1"));
    compile_ok(POLICIES("<validate-jwt header-name=\"Authorization\"><openid-config "
                        "url=\"http://idp.example/.well-known/openid-configuration\"/></validate-jwt>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert(H.io.is_forwarded, "%s", H.io.exec->last_error ? H.io.exec->last_error->message : "");
    cr_assert_eq(H.io.sent_count, 2);
    cr_assert_str_eq(H.io.sent[0].url, "http://idp.example/.well-known/openid-configuration");
    cr_assert_str_eq(H.io.sent[1].url, "http://idp.example/keys");
    /* The step's state across the fetches is not a variable users can enumerate. */
    for (const policy_variable_t *var = H.io.exec->variables; var; var = var->next)
        cr_assert((unsigned char)var->name[0] >= 0x20, "a private variable: %s", var->name + 1);
    /* The next request of the same configuration uses the cache. */
    policy_local_t again = H.io;
    again.sent_count = 0;
    again.is_done = again.is_forwarded = false;
    cr_assert_eq(policy_local_run(policy_local_program(H.program), &H.arena, &again), 0);
    cr_assert(again.is_forwarded);
    cr_assert_eq(again.sent_count, 0);
    /* A token signed by another key with an unknown kid: one refetch, then key not found. */
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    policy_local_t third = H.io;
    third.sent_count = 0;
    third.is_done = third.is_forwarded = false;
    third.headers = (policy_fields_t){.is_case_insensitive = true};
    char value[4200];
    snprintf(value, sizeof value, "Bearer %s", token(payload_exp(600, ""), other, "k9"));
    policy_fields_add(&third.headers, &H.arena, "Authorization", 13, value, strlen(value));
    cr_assert_eq(policy_local_run(policy_local_program(H.program), &H.arena, &third), 0);
    cr_assert_not(third.is_forwarded);
    cr_assert_str_eq(third.exec->last_error->reason, "TokenSignatureKeyNotFound");
    cr_assert_eq(third.sent_count, 0, "fetched less than 5 minutes ago: no refetch");
    EVP_PKEY_free(other);
    free(n64);
    free(e64);
    EVP_PKEY_free(k);
}

Test(access, validate_jwt_unreachable_openid_config_says_so)
{
    H.io.send_status = 503;
    bearer(token(payload_exp(600, ""), NULL, "x"));
    compile_ok(POLICIES("<validate-jwt header-name=\"Authorization\"><openid-config "
                        "url=\"http://down.example/cfg\"/></validate-jwt>",
                        "<base/>", "<base/>", ""));
    run();
    cr_assert_str_eq(H.io.exec->last_error->reason, "TokenSignatureKeyNotFound");
    cr_assert(strstr(H.io.exec->last_error->message,
                     "Signing keys could not be obtained from http://down.example/cfg: the response status was 503."),
              "%s", H.io.exec->last_error->message);
}

Test(access, validate_jwt_compile_errors)
{
    cr_assert_neq(try_compile(POLICIES("<validate-jwt header-name=\"Authorization\">\n"
                                       "  <issuer-signing-keys><key>not base64!</key></issuer-signing-keys>"
                                       "</validate-jwt>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert(strstr(H.err.message, "api policy:2:24: <key>: the key is not valid Base64"), "%s",
              H.err.message);
    cr_assert_neq(try_compile(POLICIES("<validate-jwt header-name=\"A\" token-value=\"x\"/>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert_neq(try_compile(POLICIES("<validate-jwt header-name=\"A\"><audiences><audience>"
                                       "@(context.Api.Name)</audience></audiences></validate-jwt>",
                                       "<base/>", "<base/>", "")),
                  0);
    cr_assert(strstr(H.err.message, "<audience> must be a literal value"), "%s", H.err.message);
    /* decryption keys compile; a JWE token is refused at run time */
    compile_ok(POLICIES("<validate-jwt header-name=\"Authorization\"><decryption-keys><key>dGVzdA==</key>"
                        "<key certificate-id=\"c\"/></decryption-keys></validate-jwt>",
                        "<base/>", "<base/>", ""));
    add_header(&H.io.headers, "Authorization", "Bearer a.b.c.d.e");
    run();
    cr_assert_str_eq(H.io.exec->last_error->reason, "JwtInvalid");
    cr_assert(strstr(H.io.exec->last_error->message, "decryption is not supported"));
}
