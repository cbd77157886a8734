#include "gateway/config.h"
#include "gateway/subscription.h"
#include "http/parser.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the key table on its own ---- */

Test(subscription_table, finds_primary_and_secondary_keys)
{
    gw_subscription_t subs[2] = {
        {.id = "a", .primary_key = "key-a1", .secondary_key = "key-a2"},
        {.id = "b", .primary_key = "key-b1"},
    };
    subscription_table_t *t;
    cr_assert_eq(subscription_table_build(subs, 2, &t, NULL), 0);
    cr_assert_eq(subscription_table_key_count(t), 3);
    bool primary = false;
    cr_assert_eq(subscription_table_find(t, "key-a1", 6, &primary), &subs[0]);
    cr_assert(primary);
    cr_assert_eq(subscription_table_find(t, "key-a2", 6, &primary), &subs[0]);
    cr_assert(!primary);
    cr_assert_eq(subscription_table_find(t, "key-b1", 6, NULL), &subs[1]);
    subscription_table_free(t);
}

Test(subscription_table, refuses_unknown_prefix_longer_and_empty_keys)
{
    gw_subscription_t subs[1] = {{.id = "a", .primary_key = "0123456789abcdef"}};
    subscription_table_t *t;
    cr_assert_eq(subscription_table_build(subs, 1, &t, NULL), 0);
    cr_assert_null(subscription_table_find(t, "0123456789abcdeF", 16, NULL)); /* case counts */
    cr_assert_null(subscription_table_find(t, "0123456789abcde", 15, NULL));  /* a prefix */
    cr_assert_null(subscription_table_find(t, "0123456789abcdef0", 17, NULL));
    cr_assert_null(subscription_table_find(t, "", 0, NULL));
    /* The length given is what counts, not the NUL. */
    cr_assert_null(subscription_table_find(t, "0123456789abcdef", 10, NULL));
    char huge[SUBSCRIPTION_MAX_KEY + 2];
    memset(huge, 'a', sizeof huge);
    cr_assert_null(subscription_table_find(t, huge, sizeof huge, NULL));
    subscription_table_free(t);
}

Test(subscription_table, empty_and_missing_keys_are_not_indexed)
{
    gw_subscription_t subs[2] = {{.id = "a", .primary_key = ""}, {.id = "b"}};
    subscription_table_t *t;
    cr_assert_eq(subscription_table_build(subs, 2, &t, NULL), 0);
    cr_assert_eq(subscription_table_key_count(t), 0);
    cr_assert_null(subscription_table_find(t, "x", 1, NULL));
    subscription_table_free(t);
    cr_assert_eq(subscription_table_build(NULL, 0, &t, NULL), 0);
    cr_assert_null(subscription_table_find(t, "x", 1, NULL));
    subscription_table_free(t);
    cr_assert_null(subscription_table_find(NULL, "x", 1, NULL));
}

Test(subscription_table, a_shared_key_is_a_clash)
{
    gw_subscription_t subs[3] = {
        {.id = "a", .primary_key = "k1", .secondary_key = "k2"},
        {.id = "b", .primary_key = "k3"},
        {.id = "c", .primary_key = "k4", .secondary_key = "k2"},
    };
    subscription_table_t *t = (subscription_table_t *)1;
    subscription_table_clash_t clash;
    cr_assert_eq(subscription_table_build(subs, 3, &t, &clash), -EEXIST);
    cr_assert_null(t);
    cr_assert_eq(clash.first, 0);
    cr_assert(!clash.first_is_primary);
    cr_assert_eq(clash.second, 2);
    cr_assert(!clash.second_is_primary);
    /* One subscription with the same key twice clashes with itself. */
    gw_subscription_t same[1] = {{.id = "s", .primary_key = "k", .secondary_key = "k"}};
    cr_assert_eq(subscription_table_build(same, 1, &t, &clash), -EEXIST);
    cr_assert_eq(clash.first, 0);
    cr_assert_eq(clash.second, 0);
    cr_assert(clash.first_is_primary);
}

Test(subscription_table, many_keys_all_found)
{
    enum { N = 3000 };
    gw_subscription_t *subs = calloc(N, sizeof *subs);
    char (*keys)[2][24] = calloc(N, sizeof *keys);
    for (int i = 0; i < N; i++) {
        snprintf(keys[i][0], sizeof keys[i][0], "primary-%d", i);
        snprintf(keys[i][1], sizeof keys[i][1], "secondary-%d", i);
        subs[i] = (gw_subscription_t){.id = "s", .primary_key = keys[i][0],
                                      .secondary_key = keys[i][1]};
    }
    subscription_table_t *t;
    cr_assert_eq(subscription_table_build(subs, N, &t, NULL), 0);
    cr_assert_eq(subscription_table_key_count(t), 2 * N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(subscription_table_find(t, keys[i][0], strlen(keys[i][0]), NULL), &subs[i]);
        cr_assert_eq(subscription_table_find(t, keys[i][1], strlen(keys[i][1]), NULL), &subs[i]);
    }
    cr_assert_null(subscription_table_find(t, "primary-3000", 12, NULL));
    subscription_table_free(t);
    free(keys);
    free(subs);
}

/* ---- compiled from a snapshot, and the per-request decision ---- */

static const char snapshot[] =
    "{\"revision\": 1, \"service\": {\"name\": \"contoso\"},\n"
    " \"regions\": [{\"name\": \"West US\", \"primary\": true}],\n"
    " \"apis\": [\n"
    "  {\"id\": \"orders\", \"path\": \"orders\", \"serviceUrl\": \"http://127.0.0.1:1\",\n"
    "   \"operations\": [{\"id\": \"any\", \"method\": \"*\", \"urlTemplate\": \"/*\"}]},\n"
    "  {\"id\": \"custom\", \"path\": \"custom\", \"serviceUrl\": \"http://127.0.0.1:1\",\n"
    "   \"subscriptionKeyParameterNames\": {\"header\": \"X-Key\", \"query\": \"key\"},\n"
    "   \"operations\": [{\"id\": \"any\", \"method\": \"*\", \"urlTemplate\": \"/*\"}]},\n"
    "  {\"id\": \"free\", \"path\": \"free\", \"serviceUrl\": \"http://127.0.0.1:1\",\n"
    "   \"subscriptionRequired\": false,\n"
    "   \"operations\": [{\"id\": \"any\", \"method\": \"*\", \"urlTemplate\": \"/*\"}]},\n"
    "  {\"id\": \"opened\", \"path\": \"opened\", \"serviceUrl\": \"http://127.0.0.1:1\",\n"
    "   \"operations\": [{\"id\": \"any\", \"method\": \"*\", \"urlTemplate\": \"/*\"}]}],\n"
    " \"products\": [\n"
    "  {\"id\": \"gold\", \"displayName\": \"Gold\", \"apis\": [\"orders\", \"custom\"],\n"
    "   \"subscriptionsLimit\": 3, \"approvalRequired\": true, \"state\": \"notPublished\"},\n"
    "  {\"id\": \"starter\", \"subscriptionRequired\": false, \"apis\": [\"opened\"]}],\n"
    " \"users\": [{\"id\": \"ann\", \"email\": \"ann@example.com\", \"firstName\": \"Ann\",\n"
    "             \"registrationDate\": \"2026-01-02T03:04:05Z\"},\n"
    "            {\"id\": \"bob\", \"state\": \"blocked\"}],\n"
    " \"subscriptions\": [\n"
    "  {\"id\": \"all\", \"scope\": \"/apis\", \"primaryKey\": \"k-all\"},\n"
    "  {\"id\": \"one\", \"displayName\": \"One\", \"scope\": \"/apis/orders\",\n"
    "   \"state\": \"active\", \"primaryKey\": \"k-one\", \"secondaryKey\": \"k-one-2\"},\n"
    "  {\"id\": \"gold-sub\", \"scope\": \"/products/gold\", \"ownerId\": \"/users/ann\",\n"
    "   \"primaryKey\": \"k-gold\", \"createdDate\": \"2026-11-01T00:00:00.5Z\"},\n"
    "  {\"id\": \"paused\", \"scope\": \"/apis\", \"state\": \"suspended\", \"primaryKey\": \"k-s\"},\n"
    "  {\"id\": \"gone\", \"scope\": \"/apis\", \"state\": \"expired\", \"primaryKey\": \"k-e\"},\n"
    "  {\"id\": \"orphan\", \"scope\": \"/apis/custom\", \"ownerId\": \"/users/nobody\",\n"
    "   \"primaryKey\": \"k-c\"},\n"
    "  {\"id\": \"bobs\", \"scope\": \"/apis\", \"ownerId\": \"/users/bob\", \"primaryKey\": \"k-b\"}]}\n";

static gateway_config_t *load(void)
{
    char *err = NULL;
    gateway_config_t *c = gateway_config_compile(snapshot, strlen(snapshot), "t.json", "West US",
                                                 &err);
    cr_assert_not_null(c, "%s", err ? err : "");
    return c;
}

static const gw_api_t *api_of(const gateway_config_t *c, const char *id)
{
    for (size_t i = 0; i < c->api_count; i++)
        if (strcmp(c->apis[i].id, id) == 0) return &c->apis[i];
    cr_assert_fail("no api %s", id);
    return NULL;
}

/* Parses `head` and runs the decision for `api_id`. */
static int authorize(const gateway_config_t *c, const char *api_id, const char *head,
                     subscription_grant_t *g, arena_t *a)
{
    static http_request_t req;
    int n = http_parse_request(head, strlen(head), &http_default_limits, &req);
    cr_assert_gt(n, 0, "bad request head %s", head);
    return subscription_authorize(c->keys, api_of(c, api_id), &req, a, g);
}

Test(subscription_config, compiles_products_users_and_subscriptions)
{
    gateway_config_t *c = load();
    cr_assert_eq(c->subscription_count, 7);
    cr_assert_eq(subscription_table_key_count(c->keys), 8);
    cr_assert(c->subscriptions[6].user->is_blocked);
    cr_assert(!c->subscriptions[2].user->is_blocked);
    const gw_subscription_t *one = &c->subscriptions[1];
    cr_assert_str_eq(one->name, "One");
    cr_assert_eq(one->scope, SUBSCRIPTION_SCOPE_API);
    cr_assert_eq(one->api, api_of(c, "orders"));
    cr_assert_str_eq(c->subscriptions[0].name, "all"); /* displayName defaults to the id */
    const gw_subscription_t *gold = &c->subscriptions[2];
    cr_assert_eq(gold->scope, SUBSCRIPTION_SCOPE_PRODUCT);
    cr_assert_str_eq(gold->product->id, "gold");
    cr_assert_str_eq(gold->user->email, "ann@example.com");
    cr_assert_str_eq(gold->user_id, "ann");
    /* 2026-11-01T00:00:00.5Z in .NET ticks. */
    cr_assert_eq(gold->created_ticks, 639290880005000000LL); /* the .5 s kept: DateTime has 100 ns ticks */
    cr_assert_eq(c->users[0].registration_ticks, 639029198450000000LL);
    cr_assert_null(c->subscriptions[5].user); /* no such user in the snapshot */
    cr_assert_str_eq(c->subscriptions[5].user_id, "nobody");
    cr_assert_eq(c->subscriptions[3].state, SUBSCRIPTION_SUSPENDED);

    const gw_product_t *p = api_of(c, "orders")->products[0];
    cr_assert_str_eq(p->name, "Gold");
    cr_assert(p->is_subscription_required && p->is_approval_required && !p->is_published);
    cr_assert_eq(p->subscriptions_limit, 3);
    const gw_api_t *opened = api_of(c, "opened");
    cr_assert_eq(opened->product_count, 1);
    cr_assert_str_eq(opened->open_product->id, "starter");
    cr_assert_eq(opened->open_product->subscriptions_limit, -1);
    cr_assert_str_eq(api_of(c, "orders")->key_header, "Ocp-Apim-Subscription-Key");
    cr_assert_str_eq(api_of(c, "orders")->key_query, "subscription-key");
    cr_assert_str_eq(api_of(c, "custom")->key_header, "X-Key");
    cr_assert_str_eq(api_of(c, "custom")->key_query, "key");
    gateway_config_unref(c);
}

Test(subscription_authorize, decision_table)
{
    gateway_config_t *c = load();
    arena_t arena;
    arena_init(&arena, 4096);
    arena_t *a = &arena;
    subscription_grant_t g;
#define REQ(target, headers) "GET " target " HTTP/1.1\r\nHost: gw.test\r\n" headers "\r\n"
    /* No key: required → missing; not required → anonymous; open product → its context. */
    cr_assert_eq(authorize(c, "orders", REQ("/orders/1", ""), &g, a), SUBSCRIPTION_KEY_MISSING);
    cr_assert_eq(authorize(c, "free", REQ("/free/1", ""), &g, a), SUBSCRIPTION_OK);
    cr_assert_null(g.subscription);
    cr_assert_null(g.product);
    cr_assert_eq(authorize(c, "opened", REQ("/opened", ""), &g, a), SUBSCRIPTION_OK);
    cr_assert_str_eq(g.product->id, "starter");
    cr_assert_eq(g.product_slot, 0);
    /* An empty key is no key. */
    cr_assert_eq(authorize(c, "orders", REQ("/orders", "Ocp-Apim-Subscription-Key:\r\n"), &g, a),
                 SUBSCRIPTION_KEY_MISSING);

    /* API scope: valid for its API only, primary and secondary keys; no product. */
    cr_assert_eq(authorize(c, "orders", REQ("/orders", "ocp-apim-subscription-key: k-one\r\n"),
                           &g, a), SUBSCRIPTION_OK);
    cr_assert_str_eq(g.subscription->id, "one");
    cr_assert_null(g.product);
    cr_assert_str_eq(g.key, "k-one");
    cr_assert_eq(authorize(c, "orders", REQ("/orders?subscription-key=k-one-2", ""), &g, a),
                 SUBSCRIPTION_OK);
    cr_assert_str_eq(g.subscription->id, "one");
    cr_assert_eq(authorize(c, "custom", REQ("/custom", "X-Key: k-one\r\n"), &g, a),
                 SUBSCRIPTION_KEY_INVALID);
    /* A valid key is accepted, and identifies the caller, where none is needed (§4.3). */
    cr_assert_eq(authorize(c, "free", REQ("/free", "Ocp-Apim-Subscription-Key: k-all\r\n"), &g, a),
                 SUBSCRIPTION_OK);
    cr_assert_str_eq(g.subscription->id, "all");
    /* ...but a bad key is refused there too, and on an open product's API. */
    cr_assert_eq(authorize(c, "free", REQ("/free", "Ocp-Apim-Subscription-Key: nope\r\n"), &g, a),
                 SUBSCRIPTION_KEY_INVALID);
    cr_assert_eq(authorize(c, "opened", REQ("/opened?subscription-key=nope", ""), &g, a),
                 SUBSCRIPTION_KEY_INVALID);
    /* All-APIs key on an open product's API: no product context (§1.2). */
    cr_assert_eq(authorize(c, "opened", REQ("/opened?subscription-key=k-all", ""), &g, a),
                 SUBSCRIPTION_OK);
    cr_assert_null(g.product);

    /* Product scope: its APIs, in its context. */
    cr_assert_eq(authorize(c, "custom", REQ("/custom?key=k-gold", ""), &g, a), SUBSCRIPTION_OK);
    cr_assert_str_eq(g.product->id, "gold");
    cr_assert_eq(authorize(c, "opened", REQ("/opened", "Ocp-Apim-Subscription-Key: k-gold\r\n"),
                           &g, a), SUBSCRIPTION_KEY_INVALID);

    /* Inactive subscriptions. */
    cr_assert_eq(authorize(c, "orders", REQ("/orders", "Ocp-Apim-Subscription-Key: k-s\r\n"), &g,
                           a), SUBSCRIPTION_KEY_INVALID);
    cr_assert_eq(authorize(c, "orders", REQ("/orders", "Ocp-Apim-Subscription-Key: k-e\r\n"), &g,
                           a), SUBSCRIPTION_KEY_INVALID);

    /* An active subscription of a blocked user. */
    cr_assert_eq(authorize(c, "orders", REQ("/orders", "Ocp-Apim-Subscription-Key: k-b\r\n"), &g,
                           a), SUBSCRIPTION_KEY_INVALID);

    /* Custom names: the default names mean nothing on that API. */
    cr_assert_eq(authorize(c, "custom", REQ("/custom", "Ocp-Apim-Subscription-Key: k-all\r\n"),
                           &g, a), SUBSCRIPTION_KEY_MISSING);
    cr_assert_eq(authorize(c, "custom", REQ("/custom?subscription-key=k-all", ""), &g, a),
                 SUBSCRIPTION_KEY_MISSING);
    cr_assert_eq(authorize(c, "custom", REQ("/custom?x=1&key=k-all", ""), &g, a), SUBSCRIPTION_OK);

    /* The header wins over the query parameter (§4.3), even when it is the wrong one. */
    cr_assert_eq(authorize(c, "orders", REQ("/orders?subscription-key=k-all",
                                            "Ocp-Apim-Subscription-Key: bad\r\n"), &g, a),
                 SUBSCRIPTION_KEY_INVALID);
    /* Query values are percent-decoded; names are exact. */
    cr_assert_eq(authorize(c, "orders", REQ("/orders?subscription-key=k%2Dall", ""), &g, a),
                 SUBSCRIPTION_OK);
    cr_assert_str_eq(g.key, "k-all");
    cr_assert_eq(authorize(c, "orders", REQ("/orders?Subscription-Key=k-all", ""), &g, a),
                 SUBSCRIPTION_KEY_MISSING);
#undef REQ
    arena_free(a);
    gateway_config_unref(c);
}

Test(subscription_authorize, refusal_texts)
{
    subscription_refusal_t r;
    subscription_refusal(SUBSCRIPTION_KEY_MISSING, &r);
    cr_assert_eq(r.status, 401);
    cr_assert_str_eq(r.reason_phrase, "Access Denied");
    cr_assert_str_eq(r.error_reason, "SubscriptionKeyNotFound");
    cr_assert_str_eq(r.message, "Access denied due to missing subscription key. Make sure to "
                                "include subscription key when making requests to an API.");
    subscription_refusal(SUBSCRIPTION_KEY_INVALID, &r);
    cr_assert_str_eq(r.error_reason, "SubscriptionKeyInvalid");
    cr_assert_str_eq(r.message, "Access denied due to invalid subscription key. Make sure to "
                                "provide a valid key for an active subscription.");
}

/* ---- snapshot errors ---- */

static void expect_error(const char *subs, const char *message)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"revision\": 1, \"service\": {\"name\": \"c\"},\n"
             " \"regions\": [{\"name\": \"West US\", \"primary\": true}],\n"
             " \"apis\": [{\"id\": \"a\", \"path\": \"a\", \"serviceUrl\": \"http://x\",\n"
             "            \"operations\": []}],\n"
             " \"products\": [{\"id\": \"p\", \"apis\": [\"a\"]}],\n"
             " %s}\n",
             subs);
    char *err = NULL;
    gateway_config_t *c = gateway_config_compile(text, strlen(text), "t.json", "West US", &err);
    cr_assert_null(c, "compiled, expected %s", message);
    cr_assert(strstr(err, message), "want \"%s\" in %s", message, err);
    free(err);
}

Test(subscription_config, errors_name_the_place_and_never_the_key)
{
    expect_error("\"subscriptions\": [{\"id\": \"s\", \"scope\": \"/apis/zzz\"}]",
                 "no API has the id \"zzz\" (at subscriptions[0].scope)");
    expect_error("\"subscriptions\": [{\"id\": \"s\", \"scope\": \"/products/zzz\"}]",
                 "no product has the id \"zzz\" (at subscriptions[0].scope)");
    expect_error("\"subscriptions\": [{\"id\": \"s\", \"scope\": \"/service\"}]",
                 "must be \"/apis\", \"/apis/{apiId}\" or \"/products/{productId}\"");
    expect_error("\"subscriptions\": [{\"id\": \"s\"}]",
                 "required field is missing (at subscriptions[0].scope)");
    expect_error("\"subscriptions\": [{\"id\": \"s\", \"scope\": \"/apis\", \"state\": \"on\"}]",
                 "must be one of active, suspended");
    expect_error("\"subscriptions\": [{\"id\": \"s\", \"scope\": \"/apis\", \"primaryKey\": \"\"}]",
                 "must not be empty (at subscriptions[0].primaryKey)");
    expect_error("\"subscriptions\": [{\"id\": \"s\", \"scope\": \"/apis\", \"startDate\": \"soon\"}]",
                 "must be an ISO 8601 date-time");
    expect_error("\"subscriptions\": [{\"id\": \"s\", \"scope\": \"/apis\", \"ownerId\": \"ann\"}]",
                 "must be \"/users/{userId}\" (at subscriptions[0].ownerId)");
    expect_error("\"subscriptions\": [{\"id\": \"s\", \"scope\": \"/apis\"},"
                 " {\"id\": \"s\", \"scope\": \"/apis\"}]",
                 "subscription id \"s\" is used twice");
    expect_error("\"subscriptions\": [{\"id\": \"s\", \"scope\": \"/apis\", \"primaryKey\": \"SECRET1\"},"
                 " {\"id\": \"t\", \"scope\": \"/apis\", \"secondaryKey\": \"SECRET1\"}]",
                 "this key is also the primaryKey of subscriptions[0] (\"s\"): keys must be "
                 "unique (at subscriptions[1].secondaryKey)");
    expect_error("\"users\": [{\"id\": \"u\"}, {\"id\": \"u\"}]", "user id \"u\" is used twice");
    expect_error("\"users\": [{\"id\": \"u\", \"state\": \"gone\"}]",
                 "must be one of active, blocked, pending, deleted (at users[0].state)");
}

Test(subscription_config, clash_message_does_not_show_the_key)
{
    const char text[] =
        "{\"revision\": 1, \"service\": {\"name\": \"c\"},\n"
        " \"regions\": [{\"name\": \"West US\", \"primary\": true}], \"apis\": [],\n"
        " \"subscriptions\": [{\"id\": \"s\", \"scope\": \"/apis\", \"primaryKey\": \"TOPSECRET\"},\n"
        "  {\"id\": \"t\", \"scope\": \"/apis\", \"primaryKey\": \"TOPSECRET\"}]}";
    char *err = NULL;
    cr_assert_null(gateway_config_compile(text, strlen(text), "t.json", "West US", &err));
    cr_assert_null(strstr(err, "TOPSECRET"), "%s", err);
    free(err);
}

Test(subscription_config, products_errors)
{
    const char text[] =
        "{\"revision\": 1, \"service\": {\"name\": \"c\"},\n"
        " \"regions\": [{\"name\": \"West US\", \"primary\": true}],\n"
        " \"apis\": [{\"id\": \"a\", \"path\": \"a\", \"serviceUrl\": \"http://x\", \"operations\": []}],\n"
        " \"products\": [{\"id\": \"q\", \"apis\": [\"a\", \"a\"]}]}";
    char *err = NULL;
    cr_assert_null(gateway_config_compile(text, strlen(text), "t.json", "West US", &err));
    cr_assert(strstr(err, "API \"a\" is listed twice (at products[0].apis[1])"), "%s", err);
    free(err);
}
