#include "gateway/route.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building gw_api_t by hand (the table only reads them) ---- */

typedef struct {
    const char *method;
    const char *tpl;
} op_spec_t;

#define MAX_APIS 1100
static gw_api_t apis[MAX_APIS];
static size_t api_count;

static void reset(void)
{
    for (size_t i = 0; i < api_count; i++)
        free(apis[i].operations);
    memset(apis, 0, sizeof apis);
    api_count = 0;
}

static gw_api_t *add_api(const char *id, const char *path, const char *const *hosts, size_t nhosts,
                         const op_spec_t *ops, size_t nops)
{
    gw_api_t *a = &apis[api_count++];
    a->id = (char *)id;
    a->path = (char *)path;
    a->hostnames = (char **)hosts;
    a->hostname_count = nhosts;
    a->operations = calloc(nops ? nops : 1, sizeof *a->operations);
    a->operation_count = nops;
    for (size_t j = 0; j < nops; j++) {
        a->operations[j].id = (char *)ops[j].tpl;
        a->operations[j].method = (char *)ops[j].method;
        a->operations[j].url_template = (char *)ops[j].tpl;
        a->operations[j].api = a;
    }
    return a;
}

static const op_spec_t any_op[] = {{"*", "/*"}};

static route_table_t *build(void)
{
    char *err = NULL;
    route_table_t *t = route_table_build(apis, api_count, &err);
    cr_assert_not_null(t, "build failed: %s", err ? err : "?");
    return t;
}

static char *build_error(void)
{
    char *err = NULL;
    route_table_t *t = route_table_build(apis, api_count, &err);
    cr_assert_null(t, "build should have failed");
    cr_assert_not_null(err);
    return err;
}

static int match(const route_table_t *t, const char *host, const char *method, const char *path,
                 const char *query, route_match_t *m)
{
    return route_table_match(t, slice_from_cstr(host), slice_from_cstr(method),
                             slice_from_cstr(path), slice_from_cstr(query), m);
}

static bool slice_is(slice_t s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* The parameter named `name`, or NULL. */
static const slice_t *param(const route_match_t *m, const char *name)
{
    for (size_t i = 0; i < m->param_count; i++)
        if (slice_is(m->params[i].name, name)) return &m->params[i].value;
    return NULL;
}

/* The index in apis[0].operations of the operation a request to host "h" selects; -1 when
 * the match is not ROUTE_OK. */
static long op_index(const route_table_t *t, const char *method, const char *path,
                     const char *query)
{
    route_match_t m;
    if (match(t, "h", method, path, query, &m) != ROUTE_OK) return -1;
    return m.operation - apis[0].operations;
}

/* A GET request and the API it must route to; suffix: the request path below the API's path
 * (NULL: not checked). */
typedef struct {
    const char *host, *path, *api, *suffix;
} api_case_t;

static void expect_apis(const route_table_t *t, const api_case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const api_case_t *c = &cases[i];
        route_match_t m;
        cr_assert_eq(match(t, c->host, "GET", c->path, "", &m), ROUTE_OK, "%s %s", c->host,
                     c->path);
        cr_assert_str_eq(m.api->id, c->api, "%s %s", c->host, c->path);
        if (c->suffix) cr_assert(slice_is(m.suffix, c->suffix), "%s %s", c->host, c->path);
    }
}

TestSuite(route, .fini = reset);

/* ---- API selection ---- */

Test(route, longest_prefix_wins)
{
    add_api("root", "", NULL, 0, any_op, 1);
    add_api("orders", "orders", NULL, 0, any_op, 1);
    add_api("orders-v2", "orders/v2", NULL, 0, any_op, 1);
    route_table_t *t = build();
    static const api_case_t cases[] = {
        {"h", "/orders/v2/x", "orders-v2", "/x"},
        {"h", "/orders/v3", "orders", "/v3"},
        {"h", "/orders", "orders", ""},
        {"h", "/orders/", "orders", "/"},
        {"h", "/other/thing", "root", "/other/thing"},
    };
    expect_apis(t, cases, sizeof cases / sizeof cases[0]);
    route_table_free(t);
}

Test(route, prefix_only_on_segment_boundary)
{
    add_api("orders", "orders", NULL, 0, any_op, 1);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "h", "GET", "/ordersX", "", &m), ROUTE_NO_API);
    cr_assert_null(m.api);
    cr_assert_eq(match(t, "h", "GET", "/orders-old/1", "", &m), ROUTE_NO_API);
    cr_assert_eq(match(t, "h", "GET", "/order", "", &m), ROUTE_NO_API);
    cr_assert_eq(match(t, "h", "GET", "/", "", &m), ROUTE_NO_API);
    cr_assert_eq(match(t, "h", "GET", "/orders/1", "", &m), ROUTE_OK);
    route_table_free(t);
}

Test(route, catch_all_api)
{
    add_api("all", "", NULL, 0, any_op, 1);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "", "GET", "/", "", &m), ROUTE_OK);
    cr_assert(slice_is(m.suffix, "/"));
    cr_assert_eq(match(t, "", "DELETE", "/a/b/c", "x=1", &m), ROUTE_OK);
    cr_assert(slice_is(m.suffix, "/a/b/c"));
    /* OPTIONS * (asterisk-form) has no path to route. */
    cr_assert_eq(match(t, "", "OPTIONS", "*", "", &m), ROUTE_NO_API);
    cr_assert_eq(match(t, "", "GET", "", "", &m), ROUTE_NO_API);
    route_table_free(t);
}

Test(route, empty_table)
{
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "h", "GET", "/x", "", &m), ROUTE_NO_API);
    route_table_free(t);
}

Test(route, hostnames_ports_and_case)
{
    static const char *const contoso[] = {"api.contoso.com", "www.contoso.com"};
    static const char *const v6[] = {"[::1]"};
    add_api("host-x", "x", contoso, 2, any_op, 1);
    add_api("any-x", "x", NULL, 0, any_op, 1);
    add_api("v6-x", "x", v6, 1, any_op, 1);
    route_table_t *t = build();
    static const api_case_t cases[] = {
        {"api.contoso.com", "/x", "host-x", NULL},
        {"API.Contoso.COM:8080", "/x/1", "host-x", NULL},
        {"www.contoso.com.", "/x", "host-x", NULL},
        {"[::1]:8080", "/x", "v6-x", NULL},
        {"[::1]", "/x", "v6-x", NULL},
        {"other.example", "/x", "any-x", NULL},
        {"", "/x", "any-x", NULL},
        {"api.contoso.com.evil", "/x", "any-x", NULL},
    };
    expect_apis(t, cases, sizeof cases / sizeof cases[0]);
    route_table_free(t);
}

Test(route, host_group_falls_back_to_unbound_apis)
{
    static const char *const h[] = {"api.contoso.com"};
    add_api("bound", "orders", h, 1, any_op, 1);
    add_api("default", "", NULL, 0, any_op, 1);
    route_table_t *t = build();
    static const api_case_t cases[] = {
        {"api.contoso.com", "/orders/1", "bound", NULL},
        {"api.contoso.com", "/users", "default", NULL},
        {"elsewhere", "/orders/1", "default", NULL},
    };
    expect_apis(t, cases, sizeof cases / sizeof cases[0]);
    route_table_free(t);
}

Test(route, bound_api_is_not_served_on_other_hosts)
{
    static const char *const h[] = {"api.contoso.com"};
    add_api("bound", "orders", h, 1, any_op, 1);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "other", "GET", "/orders", "", &m), ROUTE_NO_API);
    cr_assert_eq(match(t, "", "GET", "/orders", "", &m), ROUTE_NO_API);
    route_table_free(t);
}

Test(route, path_literals_are_case_insensitive)
{
    static const op_spec_t ops[] = {{"GET", "/Items/Special"}};
    add_api("orders", "Orders/V1", NULL, 0, ops, 1);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "h", "GET", "/ORDERS/v1/items/SPECIAL", "", &m), ROUTE_OK);
    cr_assert_str_eq(m.api->id, "orders");
    cr_assert(slice_is(m.suffix, "/items/SPECIAL"));
    route_table_free(t);
}

/* ---- operation selection ---- */

Test(route, template_parameters)
{
    static const op_spec_t ops[] = {{"GET", "/users/{uid}/orders/{oid}"}};
    add_api("shop", "shop", NULL, 0, ops, 1);
    route_table_t *t = build();
    route_match_t m;
    const char *path = "/shop/users/u%20x/orders/7";
    cr_assert_eq(match(t, "h", "GET", path, "", &m), ROUTE_OK);
    cr_assert_eq(m.operation, &apis[0].operations[0]);
    cr_assert_eq(m.param_count, 2);
    cr_assert(slice_is(m.params[0].name, "uid"));
    cr_assert(slice_is(m.params[0].value, "u%20x")); /* still percent-encoded */
    cr_assert(slice_is(m.params[1].name, "oid"));
    cr_assert(slice_is(m.params[1].value, "7"));
    /* Names point into the config, values into the request. */
    const char *tpl = apis[0].operations[0].url_template;
    cr_assert(m.params[0].name.ptr >= tpl && m.params[0].name.ptr < tpl + strlen(tpl));
    cr_assert(m.params[1].value.ptr >= path && m.params[1].value.ptr < path + strlen(path));

    cr_assert_eq(match(t, "h", "GET", "/shop/users/u/orders", "", &m), ROUTE_NO_OPERATION);
    cr_assert_eq(m.param_count, 0);
    cr_assert_str_eq(m.api->id, "shop");
    cr_assert_null(m.operation);
    cr_assert_eq(match(t, "h", "GET", "/shop/users/u/orders/7/x", "", &m), ROUTE_NO_OPERATION);
    /* A parameter never matches an empty segment. */
    cr_assert_eq(match(t, "h", "GET", "/shop/users//orders/7", "", &m), ROUTE_NO_OPERATION);
    /* One trailing '/' is ignored. */
    cr_assert_eq(match(t, "h", "GET", "/shop/users/u/orders/7/", "", &m), ROUTE_OK);
    cr_assert(slice_is(*param(&m, "oid"), "7"));
    route_table_free(t);
}

Test(route, precedence_literal_param_wildcard)
{
    static const op_spec_t ops[] = {
        {"GET", "/*"},
        {"GET", "/items/{id}"},
        {"GET", "/items/special"},
        {"GET", "/items/*"},
    };
    add_api("a", "a", NULL, 0, ops, 4);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "h", "GET", "/a/items/special", "", &m), ROUTE_OK);
    cr_assert_str_eq(m.operation->url_template, "/items/special");
    cr_assert_eq(m.param_count, 0);
    cr_assert_eq(match(t, "h", "GET", "/a/items/42", "", &m), ROUTE_OK);
    cr_assert_str_eq(m.operation->url_template, "/items/{id}");
    cr_assert_eq(match(t, "h", "GET", "/a/items/42/more", "", &m), ROUTE_OK);
    cr_assert_str_eq(m.operation->url_template, "/items/*");
    cr_assert_eq(match(t, "h", "GET", "/a/other", "", &m), ROUTE_OK);
    cr_assert_str_eq(m.operation->url_template, "/*");
    route_table_free(t);
}

Test(route, ties_go_to_first_defined)
{
    static const op_spec_t ops[] = {{"GET", "/{x}/b"}, {"GET", "/a/{y}"}};
    add_api("a", "", NULL, 0, ops, 2);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "h", "GET", "/a/b", "", &m), ROUTE_OK);
    cr_assert_eq(m.operation, &apis[0].operations[0]);
    cr_assert(slice_is(*param(&m, "x"), "a"));
    cr_assert_eq(m.param_count, 1);
    route_table_free(t);
}

Test(route, wildcard_matches_any_remainder)
{
    static const op_spec_t ops[] = {{"GET", "/files/*"}, {"*", "/*"}};
    add_api("w", "w", NULL, 0, ops, 2);
    route_table_t *t = build();
    const char *paths[] = {"/w", "/w/", "/w/x", "/w/x/y/z"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(op_index(t, "PUT", paths[i], ""), 1, "%s", paths[i]);
    cr_assert_eq(op_index(t, "GET", "/w/files", ""), 0);
    cr_assert_eq(op_index(t, "GET", "/w/files/a/b", ""), 0);
    cr_assert_eq(op_index(t, "GET", "/w/filesx", ""), 1);

    /* More segments than any template may have: only a wildcard can take them. */
    char deep[1024] = "/w/files";
    for (int i = 0; i < 100; i++)
        strcat(deep, "/s");
    cr_assert_eq(op_index(t, "GET", deep, ""), 0);
    route_table_free(t);
}

Test(route, root_template_matches_empty_suffix)
{
    static const op_spec_t ops[] = {{"GET", "/"}, {"GET", "/{id}"}};
    add_api("r", "r", NULL, 0, ops, 2);
    route_table_t *t = build();
    cr_assert_eq(op_index(t, "GET", "/r", ""), 0);
    cr_assert_eq(op_index(t, "GET", "/r/", ""), 0);
    cr_assert_eq(op_index(t, "GET", "/r/5", ""), 1);
    route_table_free(t);
}

Test(route, query_templates)
{
    static const op_spec_t ops[] = {
        {"GET", "/search"},
        {"GET", "/search?q={term}&page={p}"},
        {"GET", "/search?q={term}"},
    };
    add_api("s", "s", NULL, 0, ops, 3);
    route_table_t *t = build();
    route_match_t m;

    cr_assert_eq(match(t, "h", "GET", "/s/search", "page=2&q=cats", &m), ROUTE_OK);
    cr_assert_eq(m.operation, &apis[0].operations[1]);
    cr_assert_eq(m.param_count, 2);
    cr_assert(slice_is(*param(&m, "term"), "cats"));
    cr_assert(slice_is(*param(&m, "p"), "2"));

    cr_assert_eq(match(t, "h", "GET", "/s/search", "x=1&q=dogs", &m), ROUTE_OK);
    cr_assert_eq(m.operation, &apis[0].operations[2]);
    cr_assert(slice_is(*param(&m, "term"), "dogs"));

    /* Present with an empty value, or without '=', is present. */
    cr_assert_eq(match(t, "h", "GET", "/s/search", "q=", &m), ROUTE_OK);
    cr_assert_eq(m.operation, &apis[0].operations[2]);
    cr_assert(slice_is(*param(&m, "term"), ""));
    cr_assert_eq(match(t, "h", "GET", "/s/search", "q", &m), ROUTE_OK);
    cr_assert_eq(m.operation, &apis[0].operations[2]);

    /* Missing: not a match for the query templates. */
    cr_assert_eq(match(t, "h", "GET", "/s/search", "qq=1&xq=2", &m), ROUTE_OK);
    cr_assert_eq(m.operation, &apis[0].operations[0]);
    cr_assert_eq(m.param_count, 0);
    route_table_free(t);
}

Test(route, query_template_alone_requires_parameter)
{
    static const op_spec_t ops[] = {{"GET", "/items/{id}?fields={f}"}};
    add_api("q", "q", NULL, 0, ops, 1);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "h", "GET", "/q/items/1", "", &m), ROUTE_NO_OPERATION);
    cr_assert_eq(match(t, "h", "GET", "/q/items/1", "fields=a,b", &m), ROUTE_OK);
    cr_assert(slice_is(*param(&m, "id"), "1"));
    cr_assert(slice_is(*param(&m, "f"), "a,b"));
    route_table_free(t);
}

Test(route, method_must_match)
{
    static const op_spec_t ops[] = {{"GET", "/orders"}, {"POST", "/orders"}, {"PURGE", "/cache"}};
    add_api("o", "o", NULL, 0, ops, 3);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "h", "POST", "/o/orders", "", &m), ROUTE_OK);
    cr_assert_eq(m.operation, &apis[0].operations[1]);
    cr_assert_eq(match(t, "h", "DELETE", "/o/orders", "", &m), ROUTE_NO_OPERATION);
    cr_assert_str_eq(m.api->id, "o");
    /* RFC 9110 §9.1: methods are case-sensitive. */
    cr_assert_eq(match(t, "h", "get", "/o/orders", "", &m), ROUTE_NO_OPERATION);
    cr_assert_eq(match(t, "h", "PURGE", "/o/cache", "", &m), ROUTE_OK);
    cr_assert_eq(match(t, "h", "PURG", "/o/cache", "", &m), ROUTE_NO_OPERATION);
    route_table_free(t);
}

Test(route, no_backtracking_to_a_shorter_api)
{
    /* Spec §4.2: the API is chosen first; an operation miss there is a 404. */
    static const op_spec_t get_only[] = {{"GET", "/x"}};
    add_api("root", "", NULL, 0, any_op, 1);
    add_api("orders", "orders", NULL, 0, get_only, 1);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "h", "POST", "/orders/x", "", &m), ROUTE_NO_OPERATION);
    cr_assert_str_eq(m.api->id, "orders");
    route_table_free(t);
}

Test(route, sixteen_parameters)
{
    static const op_spec_t ops[] = {
        {"GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}?p={p}"}};
    add_api("p", "", NULL, 0, ops, 1);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "h", "GET", "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15", "p=16", &m),
                 ROUTE_OK);
    cr_assert_eq(m.param_count, ROUTE_MAX_PARAMS);
    cr_assert(slice_is(*param(&m, "p"), "16"));
    cr_assert(slice_is(*param(&m, "o"), "15"));
    route_table_free(t);
}

/* ---- build errors ---- */

Test(route, bad_templates_are_refused)
{
    static const struct {
        const char *tpl, *why;
    } bad[] = {
        {"", "must start with '/'"},
        {"items", "must start with '/'"},
        {"/a//b", "empty segment"},
        {"//", "empty segment"},
        {"/a//", "empty segment"},
        {"/a/{}", "empty parameter name"},
        {"/a/{id", "whole segment"},
        {"/a/x{id}", "whole segment"},
        {"/a/{id}x", "whole segment"},
        {"/a/{i d}", "parameter names"},
        {"/{id}/{id}", "\"id\" appears twice"},
        {"/{id}?id={id}", "\"id\" appears twice"},
        {"/*/a", "last segment"},
        {"/a*", "whole last segment"},
        {"/a b", "not allowed"},
        {"/a%2", "percent-encoding"},
        {"/a%zz", "percent-encoding"},
        {"/a?", "empty query part"},
        {"/a?q", "name={param}"},
        {"/a?q=1", "name={param}"},
        {"/a?={x}", "name={param}"},
        {"/a?q={x}&", "ends with '&'"},
        {"/a?q={x}&q={y}", "named twice"},
        {"/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}", "16"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const op_spec_t ops[] = {{"GET", "/ok"}, {"GET", bad[i].tpl}};
        reset();
        add_api("a", "a", NULL, 0, ops, 2);
        char *err = build_error();
        const char *prefix = "apis[0].operations[1].urlTemplate: ";
        cr_assert(strncmp(err, prefix, strlen(prefix)) == 0, "%s: %s", bad[i].tpl, err);
        cr_assert(strstr(err, bad[i].why), "%s: %s", bad[i].tpl, err);
        free(err);
    }
}

Test(route, too_many_segments_refused)
{
    char tpl[256] = "";
    for (int i = 0; i < 65; i++)
        strcat(tpl, "/s");
    const op_spec_t ops[] = {{"GET", tpl}};
    add_api("a", "a", NULL, 0, ops, 1);
    char *err = build_error();
    cr_assert(strstr(err, "64 segments"), "%s", err);
    free(err);
}

Test(route, duplicate_api_paths_refused)
{
    static const char *const h1[] = {"a.example", "b.example"};
    static const char *const h2[] = {"c.example", "B.example"};
    add_api("one", "orders", NULL, 0, any_op, 1);
    add_api("two", "Orders", NULL, 0, any_op, 1);
    char *err = build_error();
    cr_assert_str_eq(err, "apis[1].path: \"Orders\" is already used by apis[0] (\"one\")");
    free(err);

    reset();
    add_api("one", "orders", h1, 2, any_op, 1);
    add_api("two", "orders", NULL, 0, any_op, 1);
    add_api("three", "orders", h2, 2, any_op, 1);
    err = build_error();
    cr_assert(strncmp(err, "apis[2].path: ", 14) == 0, "%s", err);
    cr_assert(strstr(err, "on host \"B.example\" is already used by apis[0]"), "%s", err);
    free(err);
}

Test(route, same_path_on_different_hosts_is_fine)
{
    static const char *const h1[] = {"a.example"};
    static const char *const h2[] = {"b.example"};
    add_api("one", "orders", h1, 1, any_op, 1);
    add_api("two", "orders", h2, 1, any_op, 1);
    add_api("three", "orders", NULL, 0, any_op, 1);
    route_table_t *t = build();
    route_match_t m;
    cr_assert_eq(match(t, "b.example", "GET", "/orders", "", &m), ROUTE_OK);
    cr_assert_str_eq(m.api->id, "two");
    route_table_free(t);
}

Test(route, bad_api_paths_refused)
{
    const char *bad[] = {"/orders", "orders/", "a//b"};
    for (size_t i = 0; i < 3; i++) {
        reset();
        add_api("a", bad[i], NULL, 0, any_op, 1);
        char *err = build_error();
        cr_assert(strncmp(err, "apis[0].path: ", 14) == 0, "%s", err);
        free(err);
    }
}

/* ---- scale ---- */

Test(route, thousand_apis)
{
    static char paths[1000][32];
    static char ids[1000][16];
    static char hostbuf[1000][32];
    static const char *hostptr[1000][1];
    static const op_spec_t ops[] = {
        {"GET", "/items/{id}"}, {"POST", "/items"}, {"GET", "/items/{id}/parts/{part}"}};
    for (int i = 0; i < 1000; i++) {
        snprintf(ids[i], sizeof ids[i], "api%d", i);
        /* Nested paths share prefixes: svc{i/10}/v{i%10}. */
        snprintf(paths[i], sizeof paths[i], "svc%d/v%d", i / 10, i % 10);
        if (i % 7 == 0) {
            snprintf(hostbuf[i], sizeof hostbuf[i], "tenant%d.example", i);
            hostptr[i][0] = hostbuf[i];
            add_api(ids[i], paths[i], hostptr[i], 1, ops, 3);
        } else {
            add_api(ids[i], paths[i], NULL, 0, ops, 3);
        }
    }
    route_table_t *t = build();
    route_match_t m;
    char path[128], host[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(path, sizeof path, "/SVC%d/v%d/items/%d/parts/p%d", i / 10, i % 10, i, i);
        snprintf(host, sizeof host, i % 7 == 0 ? "Tenant%d.example:80" : "x%d", i);
        cr_assert_eq(match(t, host, "GET", path, "", &m), ROUTE_OK, "%s", path);
        cr_assert_str_eq(m.api->id, ids[i]);
        cr_assert_eq(m.operation, &apis[i].operations[2]);
        cr_assert_eq(m.param_count, 2);
        snprintf(path, sizeof path, "p%d", i);
        cr_assert(slice_is(*param(&m, "part"), path));
    }
    /* A host-bound API is not visible from other hosts. */
    cr_assert_eq(match(t, "x", "GET", "/svc0/v0/items/1", "", &m), ROUTE_NO_API);
    cr_assert_eq(match(t, "x", "GET", "/svc100/v0/items/1", "", &m), ROUTE_NO_API);
    cr_assert_eq(match(t, "x", "GET", "/svc1/v10", "", &m), ROUTE_NO_API);
    route_table_free(t);
}
