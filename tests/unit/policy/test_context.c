/* The context object model (src/policy/context.h, spec/apim-gateway.md §3.4, §3.5, §1.5):
 * member tables walked the way the interpreter calls them, over an executor state built by
 * hand. */
#include "policy/context_internal.h"

#include "../expr/expr_outcome.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static arena_t arena;
static expr_rt_t rt;
static policy_exec_t exec;

#define F(n, v) {(n), (v), sizeof(n) - 1, sizeof(v) - 1}

static policy_field_t req_headers[] = {
    F("Accept", "text/plain"),
    F("X-Multi", "a"),
    F("Host", "api.example.com"),
    F("x-multi", "b, c"),
};
static policy_field_t resp_headers[] = {F("Cache-Control", "max-age=60")};
static policy_field_t matched[] = {F("uid", "1"), F("include", "password")};
static policy_field_t query[] = {F("include", "password"), F("hash", "true"), F("sp", "a+b%21"),
                                 F("hash", "x")};
static char body_text[] = "{\"a\":1}";
static policy_variable_t vars[4];
static policy_response_t sent; /* a send-request result */
static policy_field_t sent_headers[] = {F("x-csrf-token", "t0k")};

static void setup(void)
{
    arena_init(&arena, 4096);
    memset(&exec, 0, sizeof exec);
    exec.arena = &arena;
    expr_rt_init(&rt, &arena, &exec);
    exec.request.method = "GET";
    exec.request.headers = (policy_fields_t){req_headers, 4, 4, true};
    exec.request.body = (policy_body_t){POLICY_BODY_BYTES, body_text, strlen(body_text), false};
    exec.request.url = (policy_url_t){.scheme = "https",
                                      .host = "backend.example.com",
                                      .port = 8443,
                                      .base_path = "/v2/",
                                      .path = "/user/1/credentials",
                                      .query = {query, 4, 4, false}};
    exec.response.headers = (policy_fields_t){resp_headers, 1, 1, true};
    exec.response.status = 200;
    exec.response.reason = "OK";
    exec.info.client_ip = "10.0.0.1";
    exec.info.original_url = (policy_url_t){
        .scheme = "http", .host = "api.example.com", .port = 80, .base_path = "", .path = "/echo"};
    exec.info.matched_parameters = (policy_fields_t){matched, 2, 2, true};
    sent = (policy_response_t){.status = 403,
                               .headers = {sent_headers, 1, 1, true},
                               .body = {POLICY_BODY_BYTES, "denied", 6, false}};
    vars[3] = (policy_variable_t){"s", 1, expr_str_ref("text", 4), NULL}; /* oldest */
    vars[2] = (policy_variable_t){"n", 1, expr_int(42), &vars[3]};
    vars[1] = (policy_variable_t){"r", 1, expr_object(&policy_response_class, &sent), &vars[2]};
    vars[0] = (policy_variable_t){"nothing", 7, expr_null(), &vars[1]};
    exec.variables = &vars[0];
    exec.info.region = "West US";
    exec.info.service_name = "contoso";
    exec.info.service_id = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/contoso";
    exec.info.api_id = "echo-api";
    exec.info.api_path = "echo";
    exec.info.operation_id = "get-user";
    exec.info.operation_url_template = "/user/{uid}/credentials?include={include}";
    exec.info.timestamp_ticks = 638000000000000000LL;
    rt.now_ticks = exec.info.timestamp_ticks + 15 * 10000000LL;
    exec.info.is_tracing = true;
    for (int i = 0; i < 16; i++) exec.info.request_id[i] = (uint8_t)i;
}

static void teardown(void)
{
    expr_rt_end(&rt);
    arena_free(&arena);
}

TestSuite(context, .init = setup, .fini = teardown);

static const expr_member_t *find(const expr_class_t *cls, const char *name)
{
    for (; cls; cls = cls->base)
        for (size_t i = 0; i < cls->member_count; i++)
            if (strcmp(cls->members[i].name, name) == 0) return &cls->members[i];
    return NULL;
}

/* Calls member `name` of v (a property, method or indexer "[]") with args; returns the
 * native's result and *out. */
static int call_t(expr_value_t v, const char *name, const expr_class_t *type_arg,
                  expr_value_t *args, unsigned argc, expr_value_t *out)
{
    cr_assert_eq(v.tag, EXPR_V_OBJECT, "calling %s on a non-object (tag %d)", name, v.tag);
    const expr_member_t *m = find(v.u.obj.cls, name);
    cr_assert(m, "%s has no member %s", v.u.obj.cls->name, name);
    cr_assert(argc >= m->min_args && argc <= (m->kind == EXPR_M_PROPERTY ? 0 : m->max_args),
              "%s.%s: %u arguments", v.u.obj.cls->name, name, argc);
    expr_call_t call = {.member = m, .type_arg = type_arg};
    *out = expr_null();
    return m->fn(&rt, &call, &v, args, argc, out);
}

static expr_value_t call(expr_value_t v, const char *name, expr_value_t *args, unsigned argc)
{
    expr_value_t out;
    int rc = call_t(v, name, NULL, args, argc, &out);
    cr_assert_eq(rc, 0, "%s threw %s: %s", name, rt.exception_type, rt.exception_message);
    return out;
}

/* context.A.B.C (properties only). */
static expr_value_t path(const char *dotted)
{
    expr_value_t v = expr_object(&policy_context_class, &exec);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, ".")) v = call(v, tok, NULL, 0);
    return v;
}

static expr_value_t str(const char *s)
{
    return expr_str_ref(s, strlen(s));
}

#define assert_str(v, expected)                                                                    \
    do {                                                                                           \
        expr_value_t v_ = (v);                                                                     \
        cr_assert_eq(v_.tag, EXPR_V_STRING, "not a string (tag %d)", v_.tag);                     \
        cr_assert_eq(v_.u.s.len, strlen(expected), "got '%.*s'", (int)v_.u.s.len, v_.u.s.ptr);    \
        cr_assert(memcmp(v_.u.s.ptr, (expected), v_.u.s.len) == 0, "got '%.*s'",                   \
                  (int)v_.u.s.len, v_.u.s.ptr);                                                    \
    } while (0)

#define assert_throws(rc, type, msg_part)                                                          \
    do {                                                                                           \
        cr_assert_eq((rc), EXPR_THROWN);                                                           \
        cr_assert_str_eq(rt.exception_type, (type));                                               \
        cr_assert(strstr(rt.exception_message, (msg_part)), "message: %s",                        \
                  rt.exception_message);                                                           \
    } while (0)

Test(context, headers_get_value_or_default_is_case_insensitive_and_comma_joins)
{
    expr_value_t h = path("Request.Headers");
    expr_value_t args[2] = {str("accept"), str("none")};
    expr_value_t v = call(h, "GetValueOrDefault", args, 2);
    assert_str(v, "text/plain");
    cr_assert_eq(v.u.s.ptr, req_headers[0].value, "one value is returned without a copy");
    args[0] = str("X-MULTI");
    assert_str(call(h, "GetValueOrDefault", args, 2), "a,b, c");
    args[0] = str("Missing");
    assert_str(call(h, "GetValueOrDefault", args, 2), "none");
    cr_assert_eq(call(h, "GetValueOrDefault", args, 1).tag, EXPR_V_NULL);
}

Test(context, headers_indexer_keys_count_contains_try)
{
    expr_value_t h = path("Request.Headers");
    expr_value_t args[2] = {str("x-multi")};
    expr_value_t v = call(h, "[]", args, 1);
    cr_assert_eq(v.tag, EXPR_V_ARRAY);
    cr_assert_eq(v.u.arr.count, 2);
    assert_str(v.u.arr.items[0], "a");
    assert_str(v.u.arr.items[1], "b, c");

    args[0] = str("nope");
    expr_value_t out;
    assert_throws(call_t(h, "[]", NULL, args, 1, &out),
                  "System.Collections.Generic.KeyNotFoundException", "'nope'");

    v = call(h, "Keys", NULL, 0);
    cr_assert_eq(v.u.arr.count, 3, "X-Multi and x-multi are one key");
    assert_str(v.u.arr.items[1], "X-Multi");
    cr_assert_eq(call(h, "Count", NULL, 0).u.i, 3);

    args[0] = str("HOST");
    cr_assert(call(h, "ContainsKey", args, 1).u.b);
    args[0] = str("Hos");
    cr_assert_not(call(h, "ContainsKey", args, 1).u.b);

    args[0] = str("host");
    args[1] = expr_null();
    cr_assert(call(h, "TryGetValue", args, 2).u.b);
    cr_assert_eq(args[1].tag, EXPR_V_ARRAY);
    assert_str(args[1].u.arr.items[0], "api.example.com");
    args[0] = str("absent");
    cr_assert_not(call(h, "TryGetValue", args, 2).u.b);
    cr_assert_eq(args[1].tag, EXPR_V_NULL);

    args[0] = expr_null();
    assert_throws(call_t(h, "GetValueOrDefault", NULL, args, 1, &out),
                  "System.ArgumentNullException", "'key'");
}

Test(context, headers_enumerate_as_key_value_pairs)
{
    expr_value_t h = path("Response.Headers");
    expr_value_t *items;
    uint32_t n;
    cr_assert_eq(h.u.obj.cls->enumerate(&rt, &h, &items, &n), 0);
    cr_assert_eq(n, 1);
    assert_str(call(items[0], "Key", NULL, 0), "Cache-Control");
    expr_value_t v = call(items[0], "Value", NULL, 0);
    cr_assert_eq(v.u.arr.count, 1);
    assert_str(v.u.arr.items[0], "max-age=60");
}

Test(context, url_parts)
{
    assert_str(path("Request.Url.Scheme"), "https");
    assert_str(path("Request.Url.Host"), "backend.example.com");
    cr_assert_eq(path("Request.Url.Port").u.i, 8443);
    assert_str(path("Request.Url.Path"), "/v2/user/1/credentials");
    assert_str(path("Request.Url.QueryString"), "?include=password&hash=true&sp=a+b%21&hash=x");
    expr_value_t s;
    expr_value_t url = path("Request.Url");
    cr_assert_eq(url.u.obj.cls->to_string(&rt, &url, &s), 0);
    assert_str(s, "https://backend.example.com:8443/v2/user/1/credentials"
                  "?include=password&hash=true&sp=a+b%21&hash=x");
    assert_str(call(path("Request.OriginalUrl"), "ToString", NULL, 0), "http://api.example.com/echo");
    assert_str(path("Request.OriginalUrl.QueryString"), "");
    assert_str(path("Request.OriginalUrl.Path"), "/echo");
    cr_assert_eq(path("Request.OriginalUrl.Port").u.i, 80);
    exec.info.original_url.path = "";
    assert_str(path("Request.OriginalUrl.Path"), "/");
    exec.request.url.path = "";
    assert_str(path("Request.Url.Path"), "/v2/");
}

Test(context, url_query_dictionary)
{
    expr_value_t q = path("Request.Url.Query");
    expr_value_t args[2] = {str("HASH"), str("-")};
    assert_str(call(q, "GetValueOrDefault", args, 2), "-"); /* query names: case-sensitive */
    exec.request.url.query.is_case_insensitive = true;
    assert_str(call(q, "GetValueOrDefault", args, 2), "true,x"); /* unless the list says */
    exec.request.url.query.is_case_insensitive = false;
    args[0] = str("hash");
    assert_str(call(q, "GetValueOrDefault", args, 2), "true,x");
    args[0] = str("sp");
    assert_str(call(q, "GetValueOrDefault", args, 2), "a b!");
    args[0] = str("missing");
    assert_str(call(q, "GetValueOrDefault", args, 2), "-");
    cr_assert_eq(call(q, "Count", NULL, 0).u.i, 3);
    args[0] = str("include");
    expr_value_t v = call(q, "[]", args, 1);
    cr_assert_eq(v.u.arr.count, 1);
    assert_str(v.u.arr.items[0], "password");
}

Test(context, matched_parameters)
{
    expr_value_t m = path("Request.MatchedParameters");
    expr_value_t args[2] = {str("uid"), str("")};
    assert_str(call(m, "[]", args, 1), "1");
    assert_str(call(m, "GetValueOrDefault", args, 2), "1");
    args[0] = str("hash"); /* in Url.Query but not in the template */
    assert_str(call(m, "GetValueOrDefault", args, 2), "");
    cr_assert_not(call(m, "ContainsKey", args, 1).u.b);
    cr_assert_eq(call(m, "Count", NULL, 0).u.i, 2);
    args[0] = str("include");
    cr_assert(call(m, "TryGetValue", args, 2).u.b);
    assert_str(args[1], "password");
    args[0] = str("UID");
    cr_assert(call(m, "ContainsKey", args, 1).u.b);
    exec.info.matched_parameters.is_case_insensitive = false;
    cr_assert_not(call(m, "ContainsKey", args, 1).u.b);
}

Test(context, variables_typed_reads)
{
    expr_value_t vs = path("Variables");
    expr_value_t args[2] = {str("s"), str("dflt")};
    expr_value_t out;
    cr_assert_eq(call_t(vs, "GetValueOrDefault", &expr_class_string, args, 2, &out), 0);
    assert_str(out, "text");
    args[0] = str("n");
    cr_assert_eq(call_t(vs, "GetValueOrDefault", &expr_class_int, args, 1, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_INT);
    cr_assert_eq(out.u.i, 42);
    /* an int is not a long, nor a string (.NET unboxing) */
    assert_throws(call_t(vs, "GetValueOrDefault", &expr_class_long, args, 1, &out),
                  "System.InvalidCastException",
                  "Unable to cast object of type 'System.Int32' to type 'System.Int64'.");
    assert_throws(call_t(vs, "GetValueOrDefault", &expr_class_string, args, 2, &out),
                  "System.InvalidCastException", "to type 'System.String'");
    /* absent: the default, or default(T) */
    args[0] = str("absent");
    args[1] = expr_int(7);
    cr_assert_eq(call_t(vs, "GetValueOrDefault", &expr_class_int, args, 2, &out), 0);
    cr_assert_eq(out.u.i, 7);
    cr_assert_eq(call_t(vs, "GetValueOrDefault", &expr_class_int, args, 1, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_INT);
    cr_assert_eq(out.u.i, 0);
    cr_assert_eq(call_t(vs, "GetValueOrDefault", &expr_class_string, args, 1, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_NULL);
    /* a stored null: fine for a reference type, NullReferenceException for a value type */
    args[0] = str("nothing");
    cr_assert_eq(call_t(vs, "GetValueOrDefault", &expr_class_string, args, 1, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_NULL);
    assert_throws(call_t(vs, "GetValueOrDefault", &expr_class_bool, args, 1, &out),
                  "System.NullReferenceException", "Object reference");
    /* untyped: as stored */
    args[0] = str("n");
    args[1] = str("x");
    cr_assert_eq(call_t(vs, "GetValueOrDefault", NULL, args, 2, &out), 0);
    cr_assert_eq(out.u.i, 42);
    /* object: anything */
    cr_assert_eq(call_t(vs, "GetValueOrDefault", &expr_class_object, args, 1, &out), 0);
    cr_assert_eq(out.u.i, 42);
}

Test(context, variables_indexer_contains_try_keys)
{
    expr_value_t vs = path("Variables");
    expr_value_t args[2] = {str("s")};
    assert_str(call(vs, "[]", args, 1), "text");
    args[0] = str("S"); /* names are case-sensitive */
    expr_value_t out;
    assert_throws(call_t(vs, "[]", NULL, args, 1, &out),
                  "System.Collections.Generic.KeyNotFoundException",
                  "The given key 'S' was not present in the dictionary.");
    cr_assert_not(call(vs, "ContainsKey", args, 1).u.b);
    args[0] = str("n");
    cr_assert(call(vs, "ContainsKey", args, 1).u.b);
    cr_assert(call(vs, "TryGetValue", args, 2).u.b);
    cr_assert_eq(args[1].u.i, 42);
    expr_value_t keys = call(vs, "Keys", NULL, 0);
    cr_assert_eq(keys.u.arr.count, 4);
    assert_str(keys.u.arr.items[2], "r");
    cr_assert_eq(call(vs, "Count", NULL, 0).u.i, 4);
}

Test(context, send_request_result_as_iresponse)
{
    expr_value_t args[1] = {str("r")};
    expr_value_t r = call(path("Variables"), "[]", args, 1);
    cr_assert_eq(r.u.obj.cls, &policy_response_class);
    cr_assert(policy_response_class.is_nameable);
    cr_assert_str_eq(policy_response_class.name, "IResponse");
    cr_assert_eq(call(r, "StatusCode", NULL, 0).u.i, 403);
    args[0] = str("X-CSRF-Token");
    assert_str(call(call(r, "Headers", NULL, 0), "GetValueOrDefault", args, 1), "t0k");
    expr_value_t out;
    cr_assert_eq(call_t(call(r, "Body", NULL, 0), "As", &expr_class_string, NULL, 0, &out), 0);
    assert_str(out, "denied");
    cr_assert(sent.body.is_consumed);
    cr_assert_eq(policy_context_nameable_classes[0], &policy_response_class);
    /* context.Response */
    assert_str(path("Response.StatusReason"), "OK");
    cr_assert_eq(path("Response.StatusCode").u.i, 200);
    exec.response.status = 0;
    cr_assert_eq(path("Response.StatusCode").u.i, 200, "the default response");
}

Test(context, body_as_string_consumes_once)
{
    expr_value_t body = path("Request.Body");
    expr_value_t out, args[1] = {expr_bool(true)};
    cr_assert_eq(call_t(body, "As", &expr_class_string, args, 1, &out), 0);
    assert_str(out, "{\"a\":1}");
    cr_assert_eq(call_t(body, "As", &expr_class_bytes, NULL, 0, &out), 0, "preserved");
    cr_assert_eq(out.tag, EXPR_V_BYTES);
    cr_assert_eq(out.u.s.len, 7);
    cr_assert(exec.request.body.is_consumed);
    assert_throws(call_t(body, "As", &expr_class_string, args, 1, &out),
                  "System.InvalidOperationException", "already been read");
    /* a GET without a body: null */
    exec.response.body.kind = POLICY_BODY_NONE;
    cr_assert_eq(path("Response.Body").tag, EXPR_V_NULL);
}

Test(context, body_as_unsupported_type)
{
    expr_value_t out;
    assert_throws(call_t(path("Request.Body"), "As", &expr_class_int, NULL, 0, &out),
                  "System.NotSupportedException", "As<int>");
    cr_assert_not(exec.request.body.is_consumed, "nothing read");
}

Test(context, body_as_form)
{
    static char form[] = "code=abc%20d&state=s1&state=s2";
    exec.request.body.bytes = form;
    exec.request.body.len = strlen(form);
    expr_value_t f = call(path("Request.Body"), "AsFormUrlEncodedContent", NULL, 0);
    expr_value_t args[2] = {str("code")};
    expr_value_t v = call(f, "[]", args, 1);
    assert_str(v.u.arr.items[0], "abc d");
    args[0] = str("state");
    assert_str(call(f, "GetValueOrDefault", args, 1), "s1,s2");
}

Test(context, last_error_only_in_on_error)
{
    cr_assert_eq(path("LastError").tag, EXPR_V_NULL);
    policy_last_error_t err = {.source = ("rate-limit"),
                               .reason = ("RateLimitExceeded"),
                               .message = ("Rate limit is exceeded"),
                               .scope = ("api"),
                               .section = ("inbound"),
                               .path = ("choose[1]/when[1]/rate-limit[1]")};
    exec.last_error = &err;
    assert_str(path("LastError.Source"), "rate-limit");
    assert_str(path("LastError.Reason"), "RateLimitExceeded");
    assert_str(path("LastError.Message"), "Rate limit is exceeded");
    assert_str(path("LastError.Scope"), "api");
    assert_str(path("LastError.Section"), "inbound");
    assert_str(path("LastError.Path"), "choose[1]/when[1]/rate-limit[1]");
    cr_assert_eq(path("LastError.PolicyId").tag, EXPR_V_NULL);
}

Test(context, deployment_api_operation_and_scalars)
{
    assert_str(path("Deployment.Region"), "West US");
    assert_str(path("Deployment.ServiceName"), "contoso");
    assert_str(path("Deployment.ServiceId"),
               "/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/contoso");
    assert_str(path("Deployment.GatewayId"), "managed");
    assert_str(path("Deployment.Gateway.Id"), "managed");
    assert_str(path("Api.Id"), "echo-api");
    assert_str(path("Api.Path"), "echo");
    assert_str(path("Operation.UrlTemplate"), "/user/{uid}/credentials?include={include}");
    assert_str(path("Request.Method"), "GET");
    assert_str(path("Request.IpAddress"), "10.0.0.1");
    cr_assert_eq(path("Request.Certificate").tag, EXPR_V_NULL);
    cr_assert_eq(path("Response.StatusCode").u.i, 200);
    expr_value_t id = path("RequestId");
    cr_assert_eq(id.tag, EXPR_V_GUID);
    cr_assert_eq(id.u.guid[15], 15);
    expr_value_t ts = path("Timestamp");
    cr_assert_eq(ts.tag, EXPR_V_DATETIME);
    cr_assert_eq(ts.aux, 1, "DateTimeKind.Utc");
    cr_assert_eq(ts.u.i, exec.info.timestamp_ticks);
    expr_value_t el = path("Elapsed");
    cr_assert_eq(el.tag, EXPR_V_TIMESPAN);
    cr_assert_eq(el.u.i, 15 * 10000000LL);
    cr_assert(path("Tracing").u.b);
    cr_assert_eq(path("Subscription").tag, EXPR_V_NULL, "anonymous");
    cr_assert_eq(path("Product").tag, EXPR_V_NULL);
    cr_assert_eq(path("User").tag, EXPR_V_NULL);
    cr_assert(path("Deployment.Gateway.IsManaged").u.b);
    assert_str(path("Api.SubscriptionKeyParameterNames.Header"), "Ocp-Apim-Subscription-Key");
    cr_assert_eq(path("Api.ServiceUrl").tag, EXPR_V_NULL, "no service URL known");
    exec.info.operation_id = NULL;
    cr_assert_eq(path("Operation").tag, EXPR_V_NULL, "no operation matched");
}

Test(context, subscription_product_user_when_known)
{
    exec.info.subscription_id = "sub1";
    exec.info.subscription_key = "k3y";
    exec.info.product_id = "starter";
    exec.info.product_name = "Starter";
    exec.info.user_id = "u1";
    exec.info.gateway_id = "/gateways/edge";
    assert_str(path("Subscription.Id"), "sub1");
    assert_str(path("Subscription.Key"), "k3y");
    cr_assert_eq(path("Subscription.PrimaryKey").tag, EXPR_V_NULL);
    assert_str(path("Product.Name"), "Starter");
    assert_str(path("Product.State"), "Published");
    expr_value_t apis = path("Product.Apis");
    cr_assert_eq(apis.u.arr.count, 1);
    assert_str(call(apis.u.arr.items[0], "Id", NULL, 0), "echo-api");
    cr_assert_eq(path("Product.Groups").u.arr.count, 0);
    assert_str(path("User.Id"), "u1");
    assert_str(path("Deployment.GatewayId"), "/gateways/edge");
    cr_assert_not(path("Deployment.Gateway.IsManaged").u.b);
}

Test(context, subscription_details_from_the_host)
{
    exec.info.subscription_id = "sub1";
    exec.info.subscription_primary_key = "p-key";
    exec.info.subscription_created_ticks = 639290880000000000LL; /* 2026-11-01 */
    exec.info.product_id = "gold";
    exec.info.is_product_open = true;
    exec.info.is_product_approval_required = true;
    exec.info.is_product_unpublished = true;
    exec.info.has_product_subscriptions_limit = true;
    exec.info.product_subscriptions_limit = 0;
    exec.info.user_id = "ann";
    exec.info.user_email = "ann@example.com";
    exec.info.api_key_header = "X-Key";
    assert_str(path("Subscription.PrimaryKey"), "p-key");
    cr_assert_eq(path("Subscription.SecondaryKey").tag, EXPR_V_NULL);
    expr_value_t created = path("Subscription.CreatedDate");
    cr_assert_eq(created.tag, EXPR_V_DATETIME);
    cr_assert_eq(created.u.i, 639290880000000000LL);
    cr_assert_eq(path("Subscription.CreatedTime").u.i, 639290880000000000LL);
    cr_assert_eq(path("Subscription.StartDate").tag, EXPR_V_NULL);
    cr_assert_not(path("Product.SubscriptionRequired").u.b);
    cr_assert(path("Product.ApprovalRequired").u.b);
    assert_str(path("Product.State"), "NotPublished");
    expr_value_t limit = path("Product.SubscriptionLimit");
    cr_assert_eq(limit.tag, EXPR_V_INT);
    cr_assert_eq(limit.u.i, 0);
    assert_str(path("User.Email"), "ann@example.com");
    cr_assert_eq(path("User.FirstName").tag, EXPR_V_NULL);
    cr_assert_eq(path("User.RegistrationDate").tag, EXPR_V_NULL);
    assert_str(path("Api.SubscriptionKeyParameterNames.Header"), "X-Key");
    assert_str(path("Api.SubscriptionKeyParameterNames.Query"), "subscription-key");
}

static char traced[64];
static void host_trace(policy_exec_t *e, const policy_trace_t *t)
{
    cr_assert_eq(e, &exec);
    snprintf(traced, sizeof traced, "%s|%s", t->source, t->message);
}

Test(context, trace_goes_to_the_host_when_tracing)
{
    static const policy_host_t host = {.trace = host_trace};
    exec.host = &host;
    expr_value_t ctx = expr_object(&policy_context_class, &exec), args[1] = {str("hello")};
    cr_assert_eq(call(ctx, "Trace", args, 1).tag, EXPR_V_NULL);
    cr_assert_str_eq(traced, "context.Trace|hello");
    traced[0] = '\0';
    exec.info.is_tracing = false;
    call(ctx, "Trace", args, 1);
    cr_assert_str_eq(traced, "", "not traced when tracing is off");
}

/* Every member's static type names a class (or dynamic), so the checker can resolve chains:
 * walk the tables from `context` and check each reachable class's members. */
static void walk(const expr_class_t *cls, const expr_class_t **seen, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        if (seen[i] == cls) return;
    seen[(*n)++] = cls;
    for (size_t i = 0; i < cls->member_count; i++) {
        const expr_member_t *m = &cls->members[i];
        cr_assert(m->fn, "%s.%s has no native", cls->name, m->name);
        if (m->ret_rule != EXPR_RET_FIXED) continue;
        if (m->ret.cls && m->ret.cls->tag == EXPR_V_OBJECT && m->ret.cls->members)
            walk(m->ret.cls, seen, n);
        if (m->ret.elem && m->ret.elem->members) walk(m->ret.elem, seen, n);
    }
}

Test(context, member_tables_are_complete)
{
    const expr_class_t *seen[64];
    size_t n = 0;
    walk(&policy_context_class, seen, &n);
    cr_assert_geq(n, 20, "reached %zu classes", n);
    static const char *const context_names[] = {
        "Api", "Deployment", "Elapsed", "LastError", "Operation", "Product", "Request", "RequestId",
        "Response", "Subscription", "Timestamp", "Tracing", "User", "Variables", "Trace"};
    for (size_t i = 0; i < sizeof context_names / sizeof *context_names; i++)
        cr_assert(find(&policy_context_class, context_names[i]), "%s", context_names[i]);
}

/* ---- through the checker and the interpreter (compile.h) ---- */

static char result[512];

/* The outcome (expr_outcome.h) of `text` against the test's `context`. */
static const char *run(const char *text)
{
    static arena_t cfg;
    arena_init(&cfg, 4096);
    expr_compile_options_t o = {.context_class = &policy_context_class,
                               .host_classes = policy_context_nameable_classes};
    rt.context = expr_object(&policy_context_class, &exec);
    expr_outcome(&cfg, &o, &rt, text, result, sizeof result);
    arena_free(&cfg);
    return result;
}

#define EXPECT(text, want) cr_expect_str_eq(run(text), want, "%s\n  got: %s", text, result)

Test(context, expr_headers)
{
    EXPECT("@(context.Request.Headers.GetValueOrDefault(\"accept\", \"\"))", "text/plain");
    EXPECT("@(context.Request.Headers.GetValueOrDefault(\"X-MULTI\", \"\"))", "a,b, c");
    EXPECT("@(context.Request.Headers.GetValueOrDefault(\"nope\", \"dflt\"))", "dflt");
    EXPECT("@(context.Request.Headers.GetValueOrDefault(\"nope\"))", "null");
    EXPECT("@(context.Request.Headers[\"x-multi\"][1])", "b, c");
    EXPECT("@(context.Request.Headers[\"x-multi\"].Length)", "2");
    EXPECT("@(context.Request.Headers.ContainsKey(\"HOST\"))", "True");
    EXPECT("@(context.Request.Headers.Count)", "3");
    EXPECT("@(context.Request.Headers[\"nope\"])",
           "!System.Collections.Generic.KeyNotFoundException: "
           "The given key 'nope' was not present in the dictionary.");
    EXPECT("@(context.Request.Headers.Keys[1])", "X-Multi");
    EXPECT("@(context.Response.Headers.Keys.Where(h => h == \"Cache-Control\").Count())", "1");
    EXPECT("@{ var n = \"\"; foreach (var h in context.Request.Headers) { n += h.Key + \"=\" + "
           "h.Value.Length + \";\"; } return n; }",
           "Accept=1;X-Multi=2;Host=1;");
    EXPECT("@{ string[] v; return context.Request.Headers.TryGetValue(\"host\", out v) ? v[0] : "
           "\"none\"; }",
           "api.example.com");
}

Test(context, expr_url_and_parameters)
{
    EXPECT("@(context.Request.Url.ToString())",
           "https://backend.example.com:8443/v2/user/1/credentials"
           "?include=password&hash=true&sp=a+b%21&hash=x");
    EXPECT("@(context.Request.Url.Port)", "8443");
    EXPECT("@(context.Request.Url.Path)", "/v2/user/1/credentials");
    EXPECT("@(context.Request.Url.Query.GetValueOrDefault(\"hash\", \"\"))", "true,x");
    EXPECT("@(context.Request.Url.Query.GetValueOrDefault(\"sp\", \"\"))", "a b!");
    EXPECT("@(context.Request.OriginalUrl.QueryString)", "");
    EXPECT("@(context.Request.OriginalUrl.Host)", "api.example.com");
    EXPECT("@(\"to \" + context.Request.OriginalUrl)", "to http://api.example.com/echo");
    EXPECT("@(context.Request.MatchedParameters[\"uid\"])", "1");
    EXPECT("@(context.Request.MatchedParameters.GetValueOrDefault(\"hash\", \"-\"))", "-");
    EXPECT("@(context.Request.Method)", "GET");
    EXPECT("@(context.Request.IpAddress)", "10.0.0.1");
}

Test(context, expr_variables)
{
    EXPECT("@(context.Variables.GetValueOrDefault<int>(\"n\"))", "42");
    EXPECT("@(context.Variables.GetValueOrDefault<int>(\"n\") + 1)", "43");
    EXPECT("@(context.Variables.GetValueOrDefault<long>(\"n\"))",
           "!System.InvalidCastException: "
           "Unable to cast object of type 'System.Int32' to type 'System.Int64'.");
    EXPECT("@(context.Variables.GetValueOrDefault<string>(\"s\") + \"!\")", "text!");
    EXPECT("@(context.Variables.GetValueOrDefault<string>(\"absent\", \"d\"))", "d");
    EXPECT("@(context.Variables.GetValueOrDefault<int>(\"absent\"))", "0");
    EXPECT("@(context.Variables.GetValueOrDefault(\"s\", \"d\"))", "text");
    EXPECT("@((string)context.Variables[\"s\"])", "text");
    EXPECT("@(context.Variables.ContainsKey(\"n\") ? (int)context.Variables[\"n\"] : 3600)", "42");
    EXPECT("@(context.Variables[\"S\"])",
           "!System.Collections.Generic.KeyNotFoundException: "
           "The given key 'S' was not present in the dictionary.");
    EXPECT("@(context.Variables.Count)", "4");
}

Test(context, expr_iresponse_cast)
{
    EXPECT("@(((IResponse)context.Variables[\"r\"]).StatusCode)", "403");
    EXPECT("@(((IResponse)context.Variables[\"r\"]).Headers.GetValueOrDefault(\"x-csrf-token\"))",
           "t0k");
    EXPECT("@(((IResponse)context.Variables[\"r\"]).Body.As<string>())", "denied");
    EXPECT("@(((IResponse)context.Variables[\"s\"]).StatusCode)",
           "!System.InvalidCastException: "
           "Unable to cast object of type 'System.String' to type 'IResponse'.");
}

Test(context, expr_body_is_consumed_once)
{
    EXPECT("@(context.Request.Body.As<string>(preserveContent: true))", "{\"a\":1}");
    EXPECT("@(context.Request.Body.As<byte[]>() != null)", "True");
    EXPECT("@(context.Request.Body.As<string>())",
           "!System.InvalidOperationException: The message body has already been read. Use "
           "preserveContent: true to read it more than once.");
}

Test(context, expr_body_as_json)
{
    EXPECT("@((int)context.Request.Body.As<JObject>(preserveContent: true)[\"a\"])", "1");
    EXPECT("@(context.Request.Body.As<JToken>(preserveContent: true).Type)", "Object");
    EXPECT("@(context.Request.Body.As<JArray>())",
           "!Newtonsoft.Json.JsonReaderException: Error reading JArray from JsonReader. Current "
           "JsonReader item is not an array: StartObject. Path '', line 1, position 1.");
    static char list[] = "[1,2]";
    exec.request.body = (policy_body_t){POLICY_BODY_BYTES, list, 5, false};
    EXPECT("@(context.Request.Body.As<JArray>(preserveContent: true).Count)", "2");
    EXPECT("@(context.Request.Body.As<JObject>())",
           "!Newtonsoft.Json.JsonReaderException: Error reading JObject from JsonReader. Current "
           "JsonReader item is not an object: StartArray. Path '', line 1, position 1.");
}

Test(context, expr_body_as_xml)
{
    static char xml[] = "<order id=\"7\"><item>tea</item></order>";
    exec.request.body = (policy_body_t){POLICY_BODY_BYTES, xml, sizeof xml - 1, false};
    EXPECT("@((string)context.Request.Body.As<XDocument>(preserveContent: true).Root"
           ".Element(\"item\"))",
           "tea");
    EXPECT("@((int)context.Request.Body.As<XElement>(preserveContent: true).Attribute(\"id\"))",
           "7");
    static char bad[] = "<order>";
    exec.request.body = (policy_body_t){POLICY_BODY_BYTES, bad, sizeof bad - 1, false};
    cr_assert(strncmp(run("@(context.Request.Body.As<XDocument>().Root.Name.LocalName)"),
                      "!System.Xml.XmlException", 24) == 0,
              "%s", run("@(1)"));
}

Test(context, expr_last_error_and_nulls)
{
    EXPECT("@(context.LastError == null)", "True");
    EXPECT("@(context.LastError.Source)",
           "!System.NullReferenceException: Object reference not set to an instance of an object.");
    EXPECT("@(context.LastError?.Source ?? \"none\")", "none");
    EXPECT("@(context.Subscription?.Key ?? \"anonymous\")", "anonymous");
    EXPECT("@(context.Product?.Name)", "null");
    EXPECT("@(context.User == null)", "True");
    policy_last_error_t err = {.source = "rate-limit", .reason = "RateLimitExceeded",
                               .message = "Rate limit is exceeded", .section = "inbound"};
    exec.last_error = &err;
    EXPECT("@(context.LastError.Source + \"/\" + context.LastError.Reason)",
           "rate-limit/RateLimitExceeded");
    EXPECT("@(context.LastError.PolicyId == null)", "True");
}

Test(context, expr_scalars)
{
    EXPECT("@(context.Deployment.Region)", "West US");
    EXPECT("@(context.Deployment.GatewayId)", "managed");
    EXPECT("@(context.Api.Path)", "echo");
    EXPECT("@(context.Operation.UrlTemplate)", "/user/{uid}/credentials?include={include}");
    EXPECT("@(context.RequestId.ToString())", "00010203-0405-0607-0809-0a0b0c0d0e0f");
    EXPECT("@(context.Elapsed.TotalSeconds)", "15");
    EXPECT("@(context.Tracing)", "True");
    EXPECT("@(\"\" + context.Response.StatusCode)", "200");
}

Test(context, expr_compile_errors_name_the_member)
{
    cr_expect(strstr(run("@(context.Request.Header)"), "Header"), "%s", result);
    cr_expect_eq(strncmp(result, "error", 5), 0, "%s", result);
    cr_expect_eq(strncmp(run("@(context.Subscription.Nope)"), "error", 5), 0, "%s", result);
}
