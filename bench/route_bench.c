/* route_bench: nanoseconds per route_table_match() over tables of 10 to 10,000 APIs, to
 * show that matching cost does not grow with the number of APIs (route.h). Not a test.
 *
 *   gcc -std=c17 -O2 -D_GNU_SOURCE -Isrc bench/route_bench.c src/gateway/route.c \
 *       src/base/slice.c -o /tmp/route_bench && /tmp/route_bench
 *
 * Each API has path "svcN/vM", one in seven is bound to a host name, and five operations
 * (literal, two parameterised, a query template, a wildcard); requests cycle over all APIs
 * and hit different operations. */
#include "gateway/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    const char *method, *tpl;
} op_spec_t;

static const op_spec_t ops[] = {
    {"GET", "/items"},
    {"GET", "/items/{id}"},
    {"GET", "/items/{id}/parts/{part}"},
    {"GET", "/search?q={q}"},
    {"*", "/*"},
};
#define OPS (sizeof ops / sizeof ops[0])

typedef struct {
    char host[48], path[96], query[16];
    const char *method;
} request_t;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void run(size_t n)
{
    gw_api_t *apis = calloc(n, sizeof *apis);
    char(*paths)[48] = calloc(n, sizeof *paths);
    char(*hosts)[48] = calloc(n, sizeof *hosts);
    char **hostptr = calloc(n, sizeof *hostptr);
    for (size_t i = 0; i < n; i++) {
        snprintf(paths[i], sizeof paths[i], "svc%zu/v%zu", i / 10, i % 10);
        apis[i].id = paths[i];
        apis[i].path = paths[i];
        if (i % 7 == 0) {
            snprintf(hosts[i], sizeof hosts[i], "tenant%zu.example", i);
            hostptr[i] = hosts[i];
            apis[i].hostnames = &hostptr[i];
            apis[i].hostname_count = 1;
        }
        apis[i].operations = calloc(OPS, sizeof *apis[i].operations);
        apis[i].operation_count = OPS;
        for (size_t j = 0; j < OPS; j++) {
            apis[i].operations[j].method = (char *)ops[j].method;
            apis[i].operations[j].url_template = (char *)ops[j].tpl;
            apis[i].operations[j].api = &apis[i];
        }
    }
    char *err = NULL;
    double t0 = now_ns();
    route_table_t *t = route_table_build(apis, n, &err);
    double build_ms = (now_ns() - t0) / 1e6;
    if (!t) {
        fprintf(stderr, "build: %s\n", err);
        exit(1);
    }

    enum { NREQ = 4096 };
    request_t *reqs = calloc(NREQ, sizeof *reqs);
    for (size_t r = 0; r < NREQ; r++) {
        size_t i = (r * 7919) % n;
        request_t *q = &reqs[r];
        snprintf(q->host, sizeof q->host, i % 7 == 0 ? "Tenant%zu.example:8080" : "h%zu:80", i);
        q->method = "GET";
        switch (r % 4) {
        case 0:
            snprintf(q->path, sizeof q->path, "/svc%zu/v%zu/items", i / 10, i % 10);
            break;
        case 1:
            snprintf(q->path, sizeof q->path, "/svc%zu/v%zu/items/%zu/parts/x", i / 10, i % 10, r);
            break;
        case 2:
            snprintf(q->path, sizeof q->path, "/svc%zu/v%zu/search", i / 10, i % 10);
            strcpy(q->query, "q=cats&n=1");
            break;
        default:
            snprintf(q->path, sizeof q->path, "/svc%zu/v%zu/a/b/c", i / 10, i % 10);
            q->method = "DELETE";
            break;
        }
    }

    const size_t iterations = 4000000;
    route_match_t m;
    size_t ok = 0;
    t0 = now_ns();
    for (size_t k = 0; k < iterations; k++) {
        const request_t *q = &reqs[k % NREQ];
        ok +=
            route_table_match(t, slice_from_cstr(q->host), slice_from_cstr(q->method),
                              slice_from_cstr(q->path), slice_from_cstr(q->query), &m) == ROUTE_OK;
    }
    double ns = (now_ns() - t0) / (double)iterations;
    printf("%6zu APIs: %6.1f ns/match (incl. strlen of inputs), build %.2f ms, %zu/%zu ok\n", n, ns,
           build_ms, ok, iterations);

    route_table_free(t);
    for (size_t i = 0; i < n; i++)
        free(apis[i].operations);
    free(apis);
    free(paths);
    free(hosts);
    free(hostptr);
    free(reqs);
}

int main(void)
{
    size_t sizes[] = {10, 100, 1000, 10000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        run(sizes[i]);
    return 0;
}
