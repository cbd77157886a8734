/* What the management tests share: a JSON value compared with the text of what it should
 * be, and a management service on a real store in a temporary directory, driven without
 * HTTP with the admin's SAS token. Header-only (static inline): every test is one
 * translation unit linked with the library. Files are read with ../file_text.h. */
#ifndef MERIDIAN_TESTS_MANAGE_SUPPORT_H
#define MERIDIAN_TESTS_MANAGE_SUPPORT_H

#include "manage/auth.h"
#include "manage/service.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The service's ARM resource id: every management path starts with it. */
#define SUPPORT_SVC                                                                                \
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/meridian/providers/"       \
    "Microsoft.ApiManagement/service/meridian"

/* Compares a value with the JSON text of what it should be (keys in any order). */
static inline void support_expect_json(json_t *got, const char *want_text)
{
    json_error_t je;
    json_t *want = json_loads(want_text, 0, &je);
    cr_assert_not_null(want, "bad expectation: %s", je.text);
    char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
    char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
    cr_assert_str_eq(g, w);
    free(g);
    free(w);
    json_decref(want);
}

typedef struct {
    char dir[64];             /* the data directory, removed by support_service_close */
    manage_options_t options; /* what the service opens with; data_dir is dir */
    manage_service_t *svc;
    json_t *admin_key; /* admin-key.json as the first open wrote it */
    char *auth;        /* the admin's SAS Authorization, valid for an hour */
} support_service_t;

/* Opens the service on f->dir with f->options (again after a test closed it: the store is
 * kept); returns whether the store was created. */
static inline bool support_service_start(support_service_t *f)
{
    bool created;
    char *err = NULL;
    cr_assert_eq(manage_service_open(&f->options, &f->svc, &created, &err), 0, "%s", err);
    return created;
}

/* A fresh temporary directory /tmp/meridian-<tag>-XXXXXX and the service on it, opened at
 * `location` (NULL: the default). */
static inline void support_service_open(support_service_t *f, const char *tag, const char *location)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/meridian-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(f->dir));
    f->options.data_dir = f->dir;
    f->options.location = location;
    support_service_start(f);
    char path[128];
    snprintf(path, sizeof path, "%s/admin-key.json", f->dir);
    f->admin_key = json_load_file(path, 0, NULL);
    cr_assert_not_null(f->admin_key);
    f->auth = manage_auth_sas("admin", json_string_value(json_object_get(f->admin_key, "key")),
                              time(NULL) + 3600);
}

static inline void support_service_close(support_service_t *f)
{
    manage_service_close(f->svc);
    json_decref(f->admin_key);
    free(f->auth);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    cr_assert_eq(system(cmd), 0);
}

typedef struct {
    int status;
    json_t *body; /* the parsed body (NULL without one); the caller decrefs it */
    char etag[64];
    long long revision;
} support_res_t;

/* One management request as the admin: `rel` below SUPPORT_SVC, `query` (NULL: none) after
 * the api-version, `if_match` NULL for none. */
static inline support_res_t support_call(const support_service_t *f, const char *method,
                                         const char *rel, const char *query, const char *body,
                                         const char *if_match)
{
    char path[1024], q[256];
    snprintf(path, sizeof path, SUPPORT_SVC "%s", rel);
    snprintf(q, sizeof q, "api-version=2022-08-01%s%s", query ? "&" : "", query ? query : "");
    manage_request_t req = {method,
                            path,
                            q,
                            f->auth,
                            strlen(f->auth),
                            if_match,
                            "h",
                            body ? body : "",
                            body ? strlen(body) : 0};
    manage_response_t r;
    manage_service_handle(f->svc, &req, &r);
    support_res_t out = {r.status, r.body ? json_loads(r.body, 0, NULL) : NULL, "", r.revision};
    snprintf(out.etag, sizeof out.etag, "%s", r.etag);
    manage_response_free(&r);
    return out;
}

/* The ARM error body's error.code (NULL when there is none). */
static inline const char *support_error_code(json_t *body)
{
    return json_string_value(json_object_get(json_object_get(body, "error"), "code"));
}

#endif
