/* bench/manage: what the management plane costs at scale (issue 4): the time to build the
 * gateway snapshot of a service with 1,000 APIs x 10 operations (target <= 1 s), the time
 * to compile it with the gateway's compiler (the validation every write pays), and write
 * throughput (PUT through manage_service_handle: checks, snapshot build, compile, SQLite
 * commit with fsync) on an empty service and on the large one. Not a test: it prints
 * figures for docs/benchmarks.md. HTTP is left out (one request at a time on the loop adds
 * little next to these); run it with `bench/manage/run`. */
#include "manage/service.h"
#include "manage/snapshot.h"
#include "manage/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SVC "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/meridian/providers/Microsoft.ApiManagement/service/meridian"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The resources of a service with `apis` APIs of `ops` operations, each API with a policy. */
static json_t *big_service(int apis, int ops)
{
    json_t *res = json_object();
    long seq = 1;
    json_object_set_new(res, "", json_pack("{s:s, s:I, s:s, s:{s:s, s:{}}}", "kind", "service", "seq",
                                           (json_int_t)0, "etag", "0", "props", "location", "West US",
                                           "properties"));
    for (int a = 0; a < apis; a++) {
        char path[64], url[64], api_path[32];
        snprintf(path, sizeof path, "/apis/api-%d", a);
        snprintf(api_path, sizeof api_path, "svc%d", a);
        snprintf(url, sizeof url, "http://10.0.%d.%d:8080/base", a / 250, a % 250);
        json_object_set_new(res, path, json_pack("{s:s, s:I, s:s, s:{s:s, s:s, s:s, s:[ss]}}", "kind", "apis",
                                                 "seq", (json_int_t)seq++, "etag", "1", "props", "displayName",
                                                 api_path, "path", api_path, "serviceUrl", url, "protocols",
                                                 "http", "https"));
        for (int o = 0; o < ops; o++) {
            char op_path[96], tmpl[64];
            snprintf(op_path, sizeof op_path, "/apis/api-%d/operations/op-%d", a, o);
            snprintf(tmpl, sizeof tmpl, "/resource%d/{id}/items", o);
            json_object_set_new(res, op_path, json_pack("{s:s, s:I, s:s, s:{s:s, s:s, s:s}}", "kind",
                                                        "apis/operations", "seq", (json_int_t)seq++, "etag",
                                                        "1", "props", "displayName", tmpl, "method",
                                                        o % 2 ? "POST" : "GET", "urlTemplate", tmpl));
        }
        char pol[96];
        snprintf(pol, sizeof pol, "/apis/api-%d/policies/policy", a);
        json_object_set_new(res, pol,
                            json_pack("{s:s, s:I, s:s, s:{s:s, s:s}}", "kind", "apis/policies", "seq",
                                      (json_int_t)seq++, "etag", "1", "props", "value",
                                      "<policies><inbound><base /><set-header name=\"x-api\" "
                                      "exists-action=\"override\"><value>@(context.Api.Name)</value>"
                                      "</set-header></inbound><backend><base /></backend><outbound>"
                                      "<base /></outbound><on-error><base /></on-error></policies>",
                                      "format", "rawxml"));
    }
    return res;
}

/* Writes the resources straight into a store (one transaction), so that opening the
 * service loads them: building the big service through 11,000 validated PUTs would
 * measure a quadratic set-up, not the steady state. */
static void seed_store(const char *dir, const json_t *res)
{
    manage_store_t *st;
    char *err;
    if (manage_store_open(dir, &st, &err) < 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    size_t n = json_object_size(res), i = 0;
    manage_store_op_t *ops = calloc(n, sizeof *ops);
    char **texts = calloc(n, sizeof *texts);
    const char *path;
    json_t *e;
    long max_seq = 0;
    json_object_foreach((json_t *)res, path, e)
    {
        texts[i] = json_dumps(json_object_get(e, "props"), JSON_COMPACT);
        long seq = (long)json_integer_value(json_object_get(e, "seq"));
        if (seq > max_seq) max_seq = seq;
        ops[i] = (manage_store_op_t){.row = {path, json_string_value(json_object_get(e, "kind")), seq,
                                             "1", texts[i], NULL}};
        i++;
    }
    manage_store_change_t ch = {1, "2026-01-01T00:00:00Z", "bench", "PUT", "/"};
    if (manage_store_commit(st, ops, n, &ch, max_seq + 1, &err) < 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    for (i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(ops);
    manage_store_close(st);
}

/* PUTs n backends (they change the published configuration: a full compile each) or n
 * users (they do not: the unchanged configuration is not compiled again). */
static double writes_per_s(manage_service_t *svc, const char *auth, int n, const char *tag,
                           bool is_user)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        char path[256];
        snprintf(path, sizeof path, SVC "/%s/%s-%d", is_user ? "users" : "backends", tag, i);
        const char *body = is_user ? "{\"properties\":{\"email\":\"a@example.com\"}}"
                                   : "{\"properties\":{\"url\":\"http://10.9.9.9:80\",\"protocol\":\"http\"}}";
        manage_request_t req = {"PUT", path, "api-version=2022-08-01", auth, strlen(auth), NULL, "h",
                                body, strlen(body)};
        manage_response_t r;
        manage_service_handle(svc, &req, &r);
        if (r.status != 201) {
            fprintf(stderr, "PUT %s: %d %s\n", path, r.status, r.body ? r.body : "");
            exit(1);
        }
        manage_response_free(&r);
    }
    return n / (now_s() - t0);
}

static manage_service_t *open_service(const char *dir, char **auth)
{
    manage_options_t o = {.data_dir = dir};
    manage_service_t *svc;
    bool created;
    char *err;
    if (manage_service_open(&o, &svc, &created, &err) < 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    char kpath[512];
    snprintf(kpath, sizeof kpath, "%s/admin-key.json", dir);
    json_t *k = json_load_file(kpath, 0, NULL);
    *auth = manage_auth_sas("admin", json_string_value(json_object_get(k, "key")), time(NULL) + 3600);
    json_decref(k);
    return svc;
}

int main(int argc, char **argv)
{
    int apis = argc > 1 ? atoi(argv[1]) : 1000, ops = argc > 2 ? atoi(argv[2]) : 10;
    int writes = argc > 3 ? atoi(argv[3]) : 20;
    char small_dir[] = "/tmp/meridian-bench-manage-XXXXXX", big_dir[] = "/tmp/meridian-bench-manage-XXXXXX";
    if (!mkdtemp(small_dir) || !mkdtemp(big_dir)) return 1;

    json_t *res = big_service(apis, ops);
    manage_snapshot_t snap;
    double best_build = 1e9, best_compile = 1e9;
    for (int run = 0; run < 3; run++) {
        double t0 = now_s();
        manage_snapshot_build(res, "meridian", NULL, 1, &snap);
        double t1 = now_s();
        manage_error_t e;
        if (manage_snapshot_validate(&snap, &e) < 0) {
            fprintf(stderr, "the benchmark service does not compile: %s\n", e.message);
            return 1;
        }
        double t2 = now_s();
        if (t1 - t0 < best_build) best_build = t1 - t0;
        if (t2 - t1 < best_compile) best_compile = t2 - t1;
        if (run < 2) manage_snapshot_free(&snap);
    }
    printf("service: %d APIs x %d operations (+ one policy per API), snapshot %.1f MiB\n", apis, ops,
           (double)snap.len / (1024 * 1024));
    printf("snapshot build:             %7.3f s (best of 3)\n", best_build);
    printf("compile (gateway compiler): %7.3f s (best of 3)\n", best_compile);
    manage_snapshot_free(&snap);

    char *auth;
    manage_service_t *svc = open_service(small_dir, &auth);
    printf("writes, empty service:      %7.1f /s (%d PUTs, each validated and committed)\n",
           writes_per_s(svc, auth, writes * 5, "small", false), writes * 5);
    manage_service_close(svc);
    free(auth);

    seed_store(big_dir, res);
    double t0 = now_s();
    svc = open_service(big_dir, &auth);
    printf("open + load + first build:  %7.3f s\n", now_s() - t0);
    printf("writes, large service:      %7.2f /s (%d PUTs of a backend)\n",
           writes_per_s(svc, auth, writes, "big", false), writes);
    printf("  not changing the config:  %7.2f /s (%d PUTs of a user)\n",
           writes_per_s(svc, auth, writes, "user", true), writes);
    manage_service_close(svc);
    free(auth);
    json_decref(res);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", small_dir, big_dir);
    return system(cmd) == 0 ? 0 : 1;
}
