/* The management plane's state, commits and request entry point (service.h). */
#include "manage/service_internal.h"

#include "base/clock.h"
#include "base/log.h"
#include "manage/locations.h"
#include "manage/portal_try.h"
#include "manage/profiles.h"
#include "manage/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p) abort();
    return p;
}

/* ---- entries ---- */

json_t *manage_entry_new(const char *kind, int64_t seq, int64_t revision, json_t *props,
                         json_t *secrets)
{
    char etag[32];
    snprintf(etag, sizeof etag, "%llx", (unsigned long long)revision);
    json_t *e = json_pack("{s:s, s:I, s:s, s:o}", "kind", kind, "seq", (json_int_t)seq, "etag",
                          etag, "props", props);
    if (!e) abort();
    if (secrets) json_object_set_new(e, "secrets", secrets);
    return e;
}

json_t *manage_entity_json(const manage_service_t *s, const manage_kind_t *k, const char *path,
                           const json_t *entry)
{
    char type[160], id[MANAGE_ID_MAX + 1];
    manage_kind_type_name(k, type, sizeof type);
    const char *slash = strrchr(path, '/');
    snprintf(id, sizeof id, "%s", slash ? slash + 1 : path);
    char *full;
    if (asprintf(&full, "%s%s", s->base_path, path) < 0) abort();
    json_t *out = json_pack("{s:s, s:s, s:s, s:O}", "id", full, "type", type, "name", id,
                            "properties", json_object_get(entry, "props"));
    free(full);
    if (!out) abort();
    return out;
}

json_t *manage_service_entity_json(const manage_service_t *s)
{
    const json_t *props = json_object_get(json_object_get(s->resources, ""), "props");
    json_t *p = json_deep_copy(json_object_get(props, "properties"));
    if (!p) p = json_object();
    char url[400];
    snprintf(url, sizeof url, "https://%s.azure-api.net", s->service_name);
    json_object_set_new(p, "gatewayUrl", json_string(url));
    json_object_set_new(p, "provisioningState", json_string("Succeeded"));
    json_t *out = json_pack("{s:s, s:s, s:s, s:O, s:o}", "id", s->base_path, "type",
                            "Microsoft.ApiManagement/service", "name", s->service_name, "location",
                            json_object_get(props, "location"), "properties", p);
    if (!out) abort();
    return out;
}

/* ---- open / load ---- */

static int load_row(const manage_store_row_t *row, void *ud)
{
    manage_service_t *s = ud;
    json_error_t jerr;
    json_t *props = json_loads(row->props, 0, &jerr);
    json_t *secrets = row->secrets ? json_loads(row->secrets, 0, &jerr) : NULL;
    if (!props || (row->secrets && !secrets)) {
        log_error("store: resource %s has unreadable JSON: %s", row->path, jerr.text);
        json_decref(props);
        json_decref(secrets);
        return -1;
    }
    json_t *e = json_pack("{s:s, s:I, s:s, s:o}", "kind", row->kind, "seq", (json_int_t)row->seq,
                          "etag", row->etag, "props", props);
    if (!e) abort();
    if (secrets) json_object_set_new(e, "secrets", secrets);
    json_object_set_new(s->resources, row->path, e);
    return 0;
}

int manage_service_open(const manage_options_t *opts, manage_service_t **out, bool *key_created,
                        char **err)
{
    *out = NULL;
    *err = NULL;
    manage_service_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->service_name = xstrdup(opts->service_name ? opts->service_name : "meridian");
    s->subscription_id =
        xstrdup(opts->subscription_id ? opts->subscription_id : "00000000-0000-0000-0000-000000000000");
    s->resource_group = xstrdup(opts->resource_group ? opts->resource_group : "meridian");
    if (asprintf(&s->base_path,
                 "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ApiManagement/service/%s",
                 s->subscription_id, s->resource_group, s->service_name) < 0)
        abort();
    s->resources = json_object();
    s->data_dir = xstrdup(opts->data_dir);
    s->units = manage_units_new(opts->lag_after_ms, opts->silent_after_ms);
    s->sessions = manage_sessions_new(0, 0);
    s->global_endpoint = opts->global_endpoint ? xstrdup(opts->global_endpoint) : NULL;
    if (opts->location && (!*opts->location || !manage_utf8_is_valid(opts->location))) {
        if (asprintf(err, "the location must be a non-empty UTF-8 name") < 0) *err = NULL;
        goto fail;
    }
    if (manage_auth_load_or_create(opts->data_dir, &s->auth, key_created, err) < 0) goto fail;
    if (manage_store_open(opts->data_dir, &s->store, err) < 0) goto fail;
    if (manage_store_scan(s->store, load_row, s, err) != 0) {
        if (!*err && asprintf(err, "the store holds an unreadable resource") < 0) *err = NULL;
        goto fail;
    }
    s->revision = manage_store_revision(s->store);
    s->next_seq = manage_store_next_seq(s->store);
    if (!json_object_get(s->resources, "")) {
        /* The service itself exists from the first start; its location comes from
         * --location until a PATCH stores one. */
        json_t *props = json_pack("{s:s, s:{}}", "location",
                                  opts->location ? opts->location : "West US", "properties");
        json_t *e = manage_entry_new("service", 0, 0, props, NULL);
        json_object_set_new(s->resources, "", e);
    }
    if (manage_locations_open(s, err) < 0) goto fail;
    manage_units_note_revision(s->units, s->revision, clock_mono_ms());
    manage_snapshot_build(s->resources, s->service_name, manage_service_base_path(s), s->revision,
                          &s->snapshot);
    manage_error_t e;
    s->is_snapshot_valid = manage_snapshot_validate(&s->snapshot, &e) == 0;
    if (!s->is_snapshot_valid)
        log_warn("the stored configuration (revision %lld) does not compile: %s",
                 (long long)s->revision, e.message);
    *out = s;
    return 0;
fail:
    manage_service_close(s);
    return -1;
}

void manage_service_close(manage_service_t *s)
{
    if (!s) return;
    manage_store_close(s->store);
    json_decref(s->resources);
    manage_snapshot_free(&s->snapshot);
    free(s->service_name);
    free(s->subscription_id);
    free(s->resource_group);
    free(s->base_path);
    free(s->data_dir);
    manage_units_free(s->units);
    manage_sessions_free(s->sessions);
    free(s->global_endpoint);
    memset(&s->auth, 0, sizeof s->auth);
    free(s);
}

int64_t manage_service_revision(const manage_service_t *s)
{
    return s->revision;
}

const char *manage_service_base_path(const manage_service_t *s)
{
    return s->base_path;
}

/* ---- commit ---- */

static char *dump(const json_t *v)
{
    if (!v) return NULL;
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!t) abort();
    return t;
}

/* A change that leaves the published configuration as it was (a user, a group, a
 * description the snapshot does not carry) needs no compile: the same document compiled
 * at the current revision. */
static bool is_same_configuration(const manage_service_t *s, const manage_snapshot_t *next)
{
    if (!s->is_snapshot_valid) return false;
    json_t *rev = json_incref(json_object_get(next->doc, "revision"));
    json_object_set(next->doc, "revision", json_object_get(s->snapshot.doc, "revision"));
    bool same = json_equal(next->doc, s->snapshot.doc);
    json_object_set_new(next->doc, "revision", rev);
    return same;
}

int manage_commit(manage_service_t *s, json_t *next, const manage_call_t *call, bool is_delete,
                  manage_error_t *e)
{
    int64_t revision = s->revision + 1;
    manage_snapshot_t snap;
    manage_snapshot_build(next, s->service_name, manage_service_base_path(s), revision, &snap);
    if (!is_same_configuration(s, &snap) && manage_snapshot_validate(&snap, e) < 0) {
        if (is_delete) {
            /* Removing something the rest of the configuration still uses. */
            e->status = 409;
            e->code = "Conflict";
        }
        manage_snapshot_free(&snap);
        json_decref(next);
        return -1;
    }

    /* The difference: entries are immutable, so a changed entry is a different object. */
    size_t cap = 16, n = 0;
    manage_store_op_t *ops = malloc(cap * sizeof *ops);
    char **texts = malloc(2 * cap * sizeof *texts);
    if (!ops || !texts) abort();
    const char *path;
    json_t *entry;
    json_object_foreach(next, path, entry)
    {
        if (json_object_get(s->resources, path) == entry) continue;
        if (n == cap) {
            cap *= 2;
            ops = realloc(ops, cap * sizeof *ops);
            texts = realloc(texts, 2 * cap * sizeof *texts);
            if (!ops || !texts) abort();
        }
        texts[2 * n] = dump(json_object_get(entry, "props"));
        texts[2 * n + 1] = dump(json_object_get(entry, "secrets"));
        ops[n] = (manage_store_op_t){
            .row = {path, json_string_value(json_object_get(entry, "kind")),
                    (int64_t)json_integer_value(json_object_get(entry, "seq")),
                    json_string_value(json_object_get(entry, "etag")), texts[2 * n],
                    texts[2 * n + 1]},
        };
        n++;
    }
    size_t puts = n;
    json_object_foreach(s->resources, path, entry)
    {
        if (json_object_get(next, path)) continue;
        if (n == cap) {
            cap *= 2;
            ops = realloc(ops, cap * sizeof *ops);
            texts = realloc(texts, 2 * cap * sizeof *texts);
            if (!ops || !texts) abort();
        }
        ops[n++] = (manage_store_op_t){.delete_path = path};
    }

    char when[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char change_path[MANAGE_PATH_MAX + 64];
    snprintf(change_path, sizeof change_path, "%s%s%s", call->route.path,
             call->route.action ? "/" : "", call->route.action ? call->route.action : "");
    manage_store_change_t change = {revision, when, call->actor, call->method,
                                    change_path[0] ? change_path : "/"};
    char *err = NULL;
    int rc = manage_store_commit(s->store, ops, n, &change, s->next_seq, &err);
    for (size_t i = 0; i < puts; i++) {
        free(texts[2 * i]);
        free(texts[2 * i + 1]);
    }
    free(texts);
    free(ops);
    if (rc < 0) {
        log_error("store: %s", err ? err : "commit failed");
        manage_error_set(e, 500, "InternalServerError", call->route.path,
                         "The change could not be stored: %s", err ? err : "commit failed");
        free(err);
        manage_snapshot_free(&snap);
        json_decref(next);
        return -1;
    }
    json_decref(s->resources);
    s->resources = next;
    s->revision = revision;
    manage_snapshot_free(&s->snapshot);
    s->snapshot = snap;
    s->is_snapshot_valid = true;
    manage_units_note_revision(s->units, revision, clock_mono_ms());
    return 0;
}

void manage_service_feed_view(const manage_service_t *s, manage_feed_view_t *out)
{
    out->revision = s->revision;
    out->snapshot = malloc(s->snapshot.len + 1);
    if (!out->snapshot) abort();
    memcpy(out->snapshot, s->snapshot.text, s->snapshot.len + 1);
    out->snapshot_len = s->snapshot.len;
    out->locations = manage_locations_keys(s->resources);
    out->router_doc = manage_profiles_document(s->resources, s->service_name, &out->router_doc_len,
                                               out->router_slug, sizeof out->router_slug);
    out->service_name = strdup(s->service_name);
    if (!out->service_name) abort();
}

void manage_feed_view_free(manage_feed_view_t *v)
{
    free(v->snapshot);
    json_decref(v->locations);
    free(v->router_doc);
    free(v->service_name);
    memset(v, 0, sizeof *v);
}

struct manage_units *manage_service_units(manage_service_t *s)
{
    return s->units;
}

struct manage_sessions *manage_service_sessions(manage_service_t *s)
{
    return s->sessions;
}

const char *manage_service_global_endpoint(const manage_service_t *s)
{
    return s->global_endpoint;
}

/* ---- responses ---- */

void manage_respond_json(manage_response_t *resp, int status, json_t *body)
{
    resp->status = status;
    free(resp->body);
    resp->body = json_dumps(body, JSON_INDENT(2));
    if (!resp->body) abort();
    resp->body_len = strlen(resp->body);
    resp->content_type = "application/json; charset=utf-8";
    json_decref(body);
}

void manage_respond_error(manage_response_t *resp, const manage_error_t *e)
{
    /* Messages quote client input and may have been cut mid-character. */
    char message[sizeof e->message], target[sizeof e->target], reason[sizeof e->detail];
    snprintf(message, sizeof message, "%s", e->message);
    snprintf(target, sizeof target, "%s", e->target);
    snprintf(reason, sizeof reason, "%.511s", e->detail[0] ? e->detail : e->message);
    manage_utf8_repair(message);
    manage_utf8_repair(target);
    manage_utf8_repair(reason);
    json_t *detail = json_pack("{s:s, s:s, s:s}", "code", e->code, "target", target, "message",
                               reason);
    if (e->line) {
        json_object_set_new(detail, "line", json_integer(e->line));
        json_object_set_new(detail, "column", json_integer(e->column));
    }
    json_t *body = json_pack("{s:{s:s, s:s, s:[o]}}", "error", "code", e->code, "message",
                             message, "details", detail);
    if (!body) abort();
    resp->etag[0] = 0;
    manage_respond_json(resp, e->status, body);
}

void manage_response_free(manage_response_t *resp)
{
    free(resp->body);
    resp->body = NULL;
    manage_forward_free(resp->forward);
    resp->forward = NULL;
}

/* ---- request entry ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f') return (c | 32) - 'a' + 10;
    return -1;
}

/* Percent-decodes [s, s+len) into out (NUL-terminated); '+' as space when is_query.
 * Returns false on a bad escape, a NUL, or (paths) an encoded '/'. */
static bool decode(const char *s, size_t len, char *out, size_t cap, bool is_query)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len) return false;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) return false;
            c = (char)(h * 16 + l);
            if (c == 0 || (!is_query && c == '/')) return false;
            i += 2;
        } else if (c == '+' && is_query) {
            c = ' ';
        }
        if (o + 1 >= cap) return false;
        out[o++] = c;
    }
    out[o] = 0;
    return true;
}

static json_t *parse_query(const char *q, manage_error_t *e)
{
    json_t *out = json_object();
    while (q && *q) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        char name[128], value[2048];
        size_t nlen = eq ? (size_t)(eq - q) : len;
        if (!decode(q, nlen, name, sizeof name, true) ||
            !decode(eq ? eq + 1 : "", eq ? len - nlen - 1 : 0, value, sizeof value, true)) {
            json_decref(out);
            manage_error_set(e, 400, "InvalidRequestContent", "query",
                             "The query string is malformed.");
            return NULL;
        }
        if (!manage_utf8_is_valid(name) || !manage_utf8_is_valid(value)) {
            json_decref(out);
            manage_error_set(e, 400, "InvalidRequestContent", "query",
                             "The query parameter '%s' is not UTF-8 once decoded.", name);
            return NULL;
        }
        if (name[0] && !json_object_get(out, name)) json_object_set_new(out, name, json_string(value));
        q = end ? end + 1 : NULL;
    }
    return out;
}

static const char *const api_versions[] = {"2019-12-01", "2021-08-01", "2022-08-01",
                                           "2023-05-01-preview", "2024-05-01", NULL};

/* Strips {svc} (compared ASCII case-insensitively, like ARM) from a decoded path; returns
 * the rest ("" or "/apis/..."), or NULL when the path is not under this service. */
static const char *strip_base(const manage_service_t *s, const char *path)
{
    size_t n = strlen(s->base_path);
    if (strncasecmp(path, s->base_path, n) != 0) return NULL;
    if (path[n] != 0 && path[n] != '/') return NULL;
    return path + n;
}

void manage_service_handle(manage_service_t *s, const manage_request_t *req, manage_response_t *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->revision = -1;
    manage_error_t e;
    const char *why;
    if (manage_auth_check(&s->auth, req->authorization, req->authorization_len, time(NULL),
                          resp->actor, sizeof resp->actor, &why) < 0) {
        manage_error_set(&e, 401, "Unauthorized", "Authorization",
                         "Access denied: %s. Send 'Authorization: SharedAccessSignature "
                         "uid=...&ex=...&sn=...' or 'Authorization: Bearer <token>'.",
                         why);
        manage_respond_error(resp, &e);
        resp->needs_www_authenticate = true;
        return;
    }
    manage_call_t call = {.raw = req, .method = req->method, .actor = resp->actor};
    bool is_write = strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0 ||
                    strcmp(req->method, "DELETE") == 0 || strcmp(req->method, "POST") == 0;
    char *path = malloc(strlen(req->path) + 1);
    if (!path) abort();
    const char *rel = NULL;
    if (!decode(req->path, strlen(req->path), path, strlen(req->path) + 1, false) ||
        !(rel = strip_base(s, path))) {
        manage_error_set(&e, 404, "ResourceNotFound", req->path,
                         "No resource at '%s': paths start with '%s'.", req->path, s->base_path);
        goto error;
    }
    if (!(call.query = parse_query(req->query, &e))) goto error;
    const char *version = json_string_value(json_object_get(call.query, "api-version"));
    if (!version) {
        manage_error_set(&e, 400, "MissingApiVersionParameter", "api-version",
                         "The api-version query parameter (?api-version=) is required for all "
                         "requests.");
        goto error;
    }
    bool known = false;
    for (const char *const *v = api_versions; *v; v++) known = known || strcmp(*v, version) == 0;
    if (!known) {
        manage_error_set(&e, 400, "InvalidApiVersionParameter", "api-version",
                         "The api-version '%s' is invalid. The supported versions are "
                         "'2019-12-01, 2021-08-01, 2022-08-01, 2023-05-01-preview, 2024-05-01'.",
                         version);
        goto error;
    }
    if (manage_route(rel, &call.route, &e) < 0) goto error;
    manage_handle_call(s, &call, resp);
    if (is_write) resp->revision = s->revision;
    json_decref(call.query);
    free(path);
    return;

error:
    manage_respond_error(resp, &e);
    if (is_write) resp->revision = s->revision;
    json_decref(call.query);
    free(path);
}
