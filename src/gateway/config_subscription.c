/* Products, users and subscriptions of the snapshot: see config_subscription.h. Strings are
 * borrowed from the snapshot document (cfg->doc), which lives as long as the configuration. */
#include "gateway/config_subscription.h"

#include "gateway/subscription.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Ticks from 0001-01-01 to the Unix epoch (.NET DateTime.UnixEpoch.Ticks). */
#define UNIX_EPOCH_TICKS 621355968000000000LL

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) abort(); /* configuration compile may abort on OOM (STYLE.md habit 4) */
    return p;
}

static const gw_api_t *find_api(const gateway_config_t *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->api_count; i++)
        if (strcmp(cfg->apis[i].id, id) == 0) return &cfg->apis[i];
    return NULL;
}

static const gw_product_t *find_product(const gateway_config_t *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->product_count; i++)
        if (strcmp(cfg->products[i].id, id) == 0) return &cfg->products[i];
    return NULL;
}

static void api_add_product(gw_api_t *api, const gw_product_t *product)
{
    const gw_product_t **grown = realloc(api->products, (api->product_count + 1) * sizeof *grown);
    if (!grown) abort();
    api->products = grown;
    api->products[api->product_count++] = product;
}

/* An ISO 8601 date-time as the management plane writes them ("2026-11-27T06:00:00Z",
 * optional fraction, "Z" or no zone = UTC) → DateTime ticks; -1 when malformed. */
static int64_t parse_date(const char *s)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    int64_t fraction = 0; /* in ticks (100 ns): 7 digits are kept, more are dropped */
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) return -1;
    const char *p = s + used;
    if (*p == 'T' || *p == ' ') {
        int n2 = 0;
        if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &n2) != 3 || n2 != 8) return -1;
        p += 1 + n2;
        if (*p == '.') {
            p++;
            int64_t scale = 1000000;
            while (*p >= '0' && *p <= '9') {
                fraction += (*p - '0') * scale;
                scale /= 10;
                p++;
            }
        }
    }
    if (*p == 'Z') p++;
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = sec};
    time_t t = timegm(&tm);
    return UNIX_EPOCH_TICKS + (int64_t)t * 10000000 + fraction;
}

static int want_date(cfg_ctx_t *c, const json_t *obj, const char *key, int64_t *out)
{
    const char *text;
    *out = 0;
    if (cfg_want_string(c, obj, key, false, false, &text) < 0) return -1;
    if (!text) return 0;
    int64_t ticks = parse_date(text);
    if (ticks < 0)
        return cfg_fail_key(c, key, "must be an ISO 8601 date-time such as "
                                    "\"2026-11-27T06:00:00Z\"");
    *out = ticks;
    return 0;
}

/* products: [{"id", "displayName", "subscriptionRequired", "approvalRequired", "state",
 * "subscriptionsLimit", "apis": [apiId...]}]. An API belongs to at most one open product
 * (subscriptionRequired false, spec §1.2). */
static int compile_product(cfg_ctx_t *c, const json_t *pr, size_t i, void *data)
{
    (void)i;
    gateway_config_t *cfg = data;
    gw_product_t *p = &cfg->products[cfg->product_count];
    const char *id, *name, *state;
    bool required = true, approval = false;
    json_t *apis, *limit;
    if (cfg_want_string(c, pr, "id", true, true, &id) < 0) return -1;
    if (cfg_want_string(c, pr, "displayName", false, false, &name) < 0) return -1;
    if (cfg_want_bool(c, pr, "subscriptionRequired", &required) < 0) return -1;
    if (cfg_want_bool(c, pr, "approvalRequired", &approval) < 0) return -1;
    if (cfg_want_string(c, pr, "state", false, false, &state) < 0) return -1;
    if (state && strcmp(state, "published") != 0 && strcmp(state, "notPublished") != 0)
        return cfg_fail_key(c, "state", "must be \"published\" or \"notPublished\"");
    if (cfg_want_container(c, pr, "apis", false, JSON_ARRAY, &apis) < 0) return -1;
    if (find_product(cfg, id))
        return cfg_fail_key(c, "id", "product id \"%s\" is used twice", id);
    p->subscriptions_limit = -1;
    limit = cfg_member(pr, "subscriptionsLimit");
    if (limit) {
        if (!json_is_integer(limit) || json_integer_value(limit) < 0)
            return cfg_fail_key(c, "subscriptionsLimit", "must be a non-negative integer");
        p->subscriptions_limit = json_integer_value(limit);
    }
    p->id = id;
    p->name = name ? name : id;
    p->is_subscription_required = required;
    p->is_approval_required = approval;
    /* A hand-written snapshot without state means a product in use: published. */
    p->is_published = !state || strcmp(state, "published") == 0;
    cfg->product_count++;
    if (apis) {
        cfg_push_key(c, "apis");
        size_t j;
        json_t *a;
        json_array_foreach(apis, j, a)
        {
            cfg_push_index(c, j);
            if (!json_is_string(a))
                return cfg_fail(c, "an API id must be a string, not %s", cfg_type_name(a));
            gw_api_t *api = (gw_api_t *)find_api(cfg, json_string_value(a));
            if (!api) return cfg_fail(c, "no API has the id \"%s\"", json_string_value(a));
            for (size_t k = 0; k < api->product_count; k++)
                if (api->products[k] == p)
                    return cfg_fail(c, "API \"%s\" is listed twice", api->id);
            if (!required) {
                if (api->open_product)
                    return cfg_fail(c, "API \"%s\" is already in the open product \"%s\": an "
                                       "API belongs to at most one product that needs no "
                                       "subscription (spec §1.2)",
                                    api->id, api->open_product->id);
                api->open_product = p;
                api->open_product_slot = api->product_count;
            }
            api_add_product(api, p);
            cfg_pop(c);
        }
        cfg_pop(c);
    }
    return 0;
}

static int compile_products(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg)
{
    json_t *products;
    if (cfg_want_container(c, root, "products", false, JSON_ARRAY, &products) < 0) return -1;
    if (!products) return 0;
    cfg->products = xcalloc(json_array_size(products), sizeof *cfg->products);
    return cfg_each_object(c, products, "products", "a product", compile_product, cfg);
}

/* users: [{"id", "email", "firstName", "lastName", "note", "registrationDate", "state"}]:
 * the owners of subscriptions, for context.User (§3.4). */
static int compile_user(cfg_ctx_t *c, const json_t *u, size_t i, void *data)
{
    (void)i;
    gateway_config_t *cfg = data;
    gw_user_t *user = &cfg->users[cfg->user_count];
    const char *state;
    if (cfg_want_string(c, u, "id", true, true, &user->id) < 0 ||
        cfg_want_string(c, u, "email", false, false, &user->email) < 0 ||
        cfg_want_string(c, u, "firstName", false, false, &user->first_name) < 0 ||
        cfg_want_string(c, u, "lastName", false, false, &user->last_name) < 0 ||
        cfg_want_string(c, u, "note", false, false, &user->note) < 0 ||
        want_date(c, u, "registrationDate", &user->registration_ticks) < 0 ||
        cfg_want_string(c, u, "state", false, false, &state) < 0)
        return -1;
    if (state && strcmp(state, "active") != 0 && strcmp(state, "blocked") != 0 &&
        strcmp(state, "pending") != 0 && strcmp(state, "deleted") != 0)
        return cfg_fail_key(c, "state", "must be one of active, blocked, pending, deleted");
    /* A blocked user calls no API with their keys (the vendor's rule for blocking). */
    user->is_blocked = state && (strcmp(state, "blocked") == 0 || strcmp(state, "deleted") == 0);
    for (size_t k = 0; k < cfg->user_count; k++)
        if (strcmp(cfg->users[k].id, user->id) == 0)
            return cfg_fail_key(c, "id", "user id \"%s\" is used twice (also users[%zu])",
                                user->id, k);
    cfg->user_count++;
    return 0;
}

static int compile_users(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg)
{
    json_t *users;
    if (cfg_want_container(c, root, "users", false, JSON_ARRAY, &users) < 0) return -1;
    if (!users) return 0;
    cfg->users = xcalloc(json_array_size(users), sizeof *cfg->users);
    return cfg_each_object(c, users, "users", "a user", compile_user, cfg);
}

static const struct {
    const char *name;
    subscription_state_t state;
} states[] = {
    {"active", SUBSCRIPTION_ACTIVE},       {"suspended", SUBSCRIPTION_SUSPENDED},
    {"submitted", SUBSCRIPTION_SUBMITTED}, {"rejected", SUBSCRIPTION_REJECTED},
    {"cancelled", SUBSCRIPTION_CANCELLED}, {"expired", SUBSCRIPTION_EXPIRED},
};

static int compile_scope(cfg_ctx_t *c, const gateway_config_t *cfg, const char *scope,
                         gw_subscription_t *s)
{
    if (strcmp(scope, "/apis") == 0) {
        s->scope = SUBSCRIPTION_SCOPE_ALL_APIS;
        return 0;
    }
    if (strncmp(scope, "/apis/", 6) == 0) {
        s->scope = SUBSCRIPTION_SCOPE_API;
        s->api = find_api(cfg, scope + 6);
        if (!s->api) return cfg_fail_key(c, "scope", "no API has the id \"%s\"", scope + 6);
        return 0;
    }
    if (strncmp(scope, "/products/", 10) == 0) {
        s->scope = SUBSCRIPTION_SCOPE_PRODUCT;
        s->product = find_product(cfg, scope + 10);
        if (!s->product)
            return cfg_fail_key(c, "scope", "no product has the id \"%s\"", scope + 10);
        return 0;
    }
    return cfg_fail_key(c, "scope", "must be \"/apis\", \"/apis/{apiId}\" or "
                                    "\"/products/{productId}\"");
}

static int want_key(cfg_ctx_t *c, const json_t *obj, const char *key, const char **out)
{
    if (cfg_want_string(c, obj, key, false, true, out) < 0) return -1;
    if (*out && strlen(*out) > SUBSCRIPTION_MAX_KEY)
        return cfg_fail_key(c, key, "a key holds at most %d characters", SUBSCRIPTION_MAX_KEY);
    return 0;
}

/* subscriptions: [{"id", "displayName", "scope", "state", "ownerId", "primaryKey",
 * "secondaryKey", "createdDate", "startDate", "endDate", "expirationDate"}]. */
static int compile_subscription(cfg_ctx_t *c, const json_t *sj, size_t i, void *data)
{
    gateway_config_t *cfg = data;
    gw_subscription_t *s = &cfg->subscriptions[i];
    const char *scope, *state, *owner;
    int64_t expiration_ticks = 0;
    if (cfg_want_string(c, sj, "id", true, true, &s->id) < 0 ||
        cfg_want_string(c, sj, "displayName", false, false, &s->name) < 0 ||
        cfg_want_string(c, sj, "scope", true, true, &scope) < 0 ||
        cfg_want_string(c, sj, "state", false, false, &state) < 0 ||
        cfg_want_string(c, sj, "ownerId", false, false, &owner) < 0 ||
        want_key(c, sj, "primaryKey", &s->primary_key) < 0 ||
        want_key(c, sj, "secondaryKey", &s->secondary_key) < 0 ||
        want_date(c, sj, "createdDate", &s->created_ticks) < 0 ||
        want_date(c, sj, "startDate", &s->start_ticks) < 0 ||
        want_date(c, sj, "endDate", &s->end_ticks) < 0 ||
        want_date(c, sj, "expirationDate", &expiration_ticks) < 0)
        return -1;
    /* Before the epoch (a date in year 1) would be "always expired": kept as 1 ms. */
    if (expiration_ticks)
        s->expires_wall_ms = expiration_ticks > UNIX_EPOCH_TICKS
                                 ? (uint64_t)((expiration_ticks - UNIX_EPOCH_TICKS) / 10000)
                                 : 1;
    if (!s->name) s->name = s->id;
    if (compile_scope(c, cfg, scope, s) < 0) return -1;
    /* A hand-written snapshot without state means a subscription in use; the management
     * plane always writes it (its own default is "submitted"). */
    s->state = SUBSCRIPTION_ACTIVE;
    if (state) {
        size_t k = 0;
        while (k < sizeof states / sizeof states[0] && strcmp(states[k].name, state) != 0)
            k++;
        if (k == sizeof states / sizeof states[0])
            return cfg_fail_key(c, "state", "must be one of active, suspended, submitted, "
                                            "rejected, cancelled, expired");
        s->state = states[k].state;
    }
    if (owner && *owner) {
        /* "/users/{id}", or a full resource id ending so. */
        const char *at = strstr(owner, "/users/");
        if (!at || !at[7] || strchr(at + 7, '/'))
            return cfg_fail_key(c, "ownerId", "must be \"/users/{userId}\"");
        s->user_id = at + 7;
        for (size_t k = 0; k < cfg->user_count; k++)
            if (strcmp(cfg->users[k].id, s->user_id) == 0) s->user = &cfg->users[k];
    }
    for (size_t k = 0; k < i; k++)
        if (strcmp(cfg->subscriptions[k].id, s->id) == 0)
            return cfg_fail_key(c, "id", "subscription id \"%s\" is used twice (also "
                                         "subscriptions[%zu])",
                                s->id, k);
    cfg->subscription_count++;
    return 0;
}

static const char *key_name(bool is_primary)
{
    return is_primary ? "primaryKey" : "secondaryKey";
}

static int compile_subscriptions(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg)
{
    json_t *subs;
    if (cfg_want_container(c, root, "subscriptions", false, JSON_ARRAY, &subs) < 0) return -1;
    size_t n = subs ? json_array_size(subs) : 0;
    cfg->subscriptions = xcalloc(n, sizeof *cfg->subscriptions);
    if (subs &&
        cfg_each_object(c, subs, "subscriptions", "a subscription", compile_subscription, cfg) < 0)
        return -1;
    subscription_table_clash_t clash;
    int rc = subscription_table_build(cfg->subscriptions, cfg->subscription_count, &cfg->keys,
                                      &clash);
    if (rc == -ENOMEM) abort();
    if (rc == -EEXIST) {
        /* Never the key itself in a message: errors end up in logs. */
        cfg_push_key(c, "subscriptions");
        cfg_push_index(c, clash.second);
        return cfg_fail_key(c, key_name(clash.second_is_primary),
                            "this key is also the %s of subscriptions[%zu] (\"%s\"): keys must "
                            "be unique",
                            key_name(clash.first_is_primary), clash.first,
                            cfg->subscriptions[clash.first].id);
    }
    return 0;
}

int gateway_subscriptions_compile(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg)
{
    /* Key names first: they default even for snapshots without products or subscriptions. */
    for (size_t i = 0; i < cfg->api_count; i++) {
        gw_api_t *api = &cfg->apis[i];
        json_t *names = cfg_member(json_array_get(cfg_member(root, "apis"), i),
                                   "subscriptionKeyParameterNames");
        const char *header = json_string_value(json_object_get(names, "header"));
        const char *query = json_string_value(json_object_get(names, "query"));
        api->key_header = header && *header ? header : SUBSCRIPTION_DEFAULT_HEADER;
        api->key_query = query && *query ? query : SUBSCRIPTION_DEFAULT_QUERY;
    }
    if (compile_products(c, root, cfg) < 0 || compile_users(c, root, cfg) < 0 ||
        compile_subscriptions(c, root, cfg) < 0)
        return -1;
    return 0;
}

void gateway_subscriptions_free(gateway_config_t *cfg)
{
    subscription_table_free(cfg->keys);
    for (size_t i = 0; i < cfg->api_count; i++)
        free(cfg->apis[i].products);
    free(cfg->subscriptions);
    free(cfg->users);
    free(cfg->products);
}
