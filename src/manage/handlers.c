/* The management REST methods (docs/manage-api.md): GET/HEAD/PUT/PATCH/DELETE on
 * entities, GET on collections, POST actions, the service, the snapshot and the change
 * log. Conventions follow spec §6.1-6.2 and ../wt/MANAGE-CONTRACT.md. */
#include "manage/cache_purge.h"
#include "manage/locations.h"
#include "manage/profiles.h"
#include "manage/service_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_MAX 100

static bool is(const manage_call_t *c, const char *m)
{
    return strcmp(c->method, m) == 0;
}

static bool is_read(const manage_call_t *c)
{
    return is(c, "GET") || is(c, "HEAD");
}

static void method_not_allowed(const manage_call_t *c, manage_response_t *resp, const char *allowed)
{
    manage_error_t e;
    manage_error_set(&e, 405, "MethodNotAllowed", c->route.path[0] ? c->route.path : "/",
                     "The method '%s' is not allowed here (allowed: %s).", c->method, allowed);
    manage_respond_error(resp, &e);
}

static const char *query(const manage_call_t *c, const char *name)
{
    return json_string_value(json_object_get(c->query, name));
}

static const json_t *entry_of(const manage_service_t *s, const char *path)
{
    return json_object_get(s->resources, path);
}

static const char *etag_of(const json_t *entry)
{
    return json_string_value(json_object_get(entry, "etag"));
}

static int check_parents(const manage_service_t *s, const manage_route_t *r, manage_error_t *e)
{
    for (size_t i = 0; i < r->parent_count; i++)
        if (!entry_of(s, r->parents[i]))
            return manage_error_set(e, 404, "ResourceNotFound", r->parents[i],
                                    "'%s' does not exist.", r->parents[i]);
    return 0;
}

/* If-Match (spec §6.2): optional on PUT, required on PATCH and DELETE; '*' matches
 * anything; otherwise the current entity tag, quoted or not. */
int manage_check_if_match(const manage_call_t *c, const json_t *entry, bool is_required,
                          manage_error_t *e)
{
    const char *im = c->raw->if_match;
    if (!im) {
        if (!is_required) return 0;
        return manage_error_set(e, 400, "MissingIfMatch", "If-Match",
                                "The If-Match header is required for %s (use the ETag from a GET, "
                                "or '*').",
                                c->method);
    }
    if (strcmp(im, "*") == 0) return 0;
    const char *tag = etag_of(entry);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", tag ? tag : "");
    if (tag && (strcmp(im, tag) == 0 || strcmp(im, quoted) == 0)) return 0;
    return manage_error_set(e, 412, "PreconditionFailed", c->route.path,
                            "The entity has changed: If-Match '%s' does not match its current "
                            "ETag%s.",
                            im, entry ? "" : " (it does not exist)");
}

/* The request body as a JSON object ({} when empty and is_empty_ok). */
json_t *manage_parse_body(const manage_call_t *c, bool is_empty_ok, manage_error_t *e)
{
    if (c->raw->body_len == 0) {
        if (is_empty_ok) return json_object();
        manage_error_set(e, 400, "InvalidRequestContent", "body",
                         "The request body is empty; send a JSON object {\"properties\": {...}}.");
        return NULL;
    }
    json_error_t jerr;
    json_t *body = json_loadb(c->raw->body, c->raw->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!body) {
        manage_error_set(e, 400, "InvalidRequestContent", "body",
                         "The request body is not valid JSON: %s (line %d, column %d).", jerr.text,
                         jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        manage_error_set(e, 400, "InvalidRequestContent", "body",
                         "The request body must be a JSON object.");
        return NULL;
    }
    return body;
}

/* The "properties" of an ARM envelope {"id", "name", "type", "properties"} (+ "location"
 * when allowed). Borrowed from body; an absent properties gives an empty object (owned by
 * the body). */
json_t *manage_body_props(json_t *body, bool allow_location, manage_error_t *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        bool ok = strcmp(key, "properties") == 0 || strcmp(key, "id") == 0 ||
                  strcmp(key, "name") == 0 || strcmp(key, "type") == 0 ||
                  (allow_location && strcmp(key, "location") == 0);
        if (!ok) {
            manage_error_set(e, 400, "InvalidRequestContent", key,
                             "Unknown member '%s' (a body is {\"properties\": {...}}).", key);
            return NULL;
        }
    }
    json_t *props = json_object_get(body, "properties");
    if (!props || json_is_null(props)) {
        props = json_object();
        json_object_set_new(body, "properties", props);
    }
    if (!json_is_object(props)) {
        manage_error_set(e, 400, "InvalidRequestContent", "properties",
                         "'properties' must be an object.");
        return NULL;
    }
    return props;
}

static int paging(const manage_call_t *c, long *top, long *skip, manage_error_t *e)
{
    *top = PAGE_MAX;
    *skip = 0;
    const char *t = query(c, "$top"), *k = query(c, "$skip");
    char *end;
    if (t) {
        *top = strtol(t, &end, 10);
        if (!*t || *end || *top < 1 || *top > PAGE_MAX)
            return manage_error_set(e, 400, "InvalidRequestContent", "$top",
                                    "$top must be a whole number from 1 to %d, not '%s'.",
                                    PAGE_MAX, t);
    }
    if (k) {
        *skip = strtol(k, &end, 10);
        if (!*k || *end || *skip < 0)
            return manage_error_set(e, 400, "InvalidRequestContent", "$skip",
                                    "$skip must be a whole number >= 0, not '%s'.", k);
    }
    return 0;
}

static void set_next_link(const manage_service_t *s, const manage_call_t *c, json_t *page,
                          const char *collection, long top, long next_skip)
{
    char *link;
    const char *host = c->raw->host && *c->raw->host ? c->raw->host : "localhost";
    if (asprintf(&link, "http://%s%s%s?api-version=%s&$top=%ld&$skip=%ld", host, s->base_path,
                 collection, query(c, "api-version"), top, next_skip) < 0)
        abort();
    json_object_set_new(page, "nextLink", json_string(link));
    free(link);
}

/* ---- collections ---- */

static bool is_child(const char *path, const char *collection)
{
    size_t n = strlen(collection);
    return strncmp(path, collection, n) == 0 && path[n] == '/' && !strchr(path + n + 1, '/');
}

static void list_collection(manage_service_t *s, const manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    long top, skip;
    if (check_parents(s, &c->route, &e) < 0 || paging(c, &top, &skip, &e) < 0) {
        manage_respond_error(resp, &e);
        return;
    }
    const manage_kind_t *k = c->route.kind;
    json_t *value = json_array();
    long count = 0;
    const char *path;
    json_t *entry;
    json_object_foreach(s->resources, path, entry)
    {
        if (!is_child(path, c->route.path)) continue;
        if (strcmp(json_string_value(json_object_get(entry, "kind")), k->type) != 0) continue;
        count++;
        if (count <= skip || (long)json_array_size(value) >= top) continue;
        if (k->flags & MANAGE_KIND_FLAG_LINK) {
            /* A product's APIs, a group's users: the linked resources themselves. */
            char target[MANAGE_PATH_MAX];
            manage_route_t tr;
            manage_error_t ignored;
            snprintf(target, sizeof target, "/%s%s", k->link_target, strrchr(path, '/'));
            const json_t *te = entry_of(s, target);
            if (te && manage_route(target, &tr, &ignored) == 0)
                json_array_append_new(value, manage_entity_json(s, tr.kind, target, te));
        } else {
            json_array_append_new(value, manage_entity_json(s, k, path, entry));
        }
    }
    json_t *page = json_pack("{s:o, s:I}", "value", value, "count", (json_int_t)count);
    if (skip + top < count) set_next_link(s, c, page, c->route.path, top, skip + top);
    manage_respond_json(resp, 200, page);
}

/* ---- change log ---- */

static int change_row(const manage_store_change_t *ch, void *ud)
{
    json_array_append_new(ud, json_pack("{s:I, s:s, s:s, s:s, s:s}", "revision",
                                        (json_int_t)ch->revision, "time", ch->time, "actor",
                                        ch->actor, "method", ch->method, "path", ch->path));
    return 0;
}

static void list_changes(manage_service_t *s, const manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    long top, skip;
    if (paging(c, &top, &skip, &e) < 0) {
        manage_respond_error(resp, &e);
        return;
    }
    json_t *value = json_array();
    int64_t total = 0;
    char *err = NULL;
    if (manage_store_changes(s->store, skip, top, change_row, value, &total, &err) != 0) {
        manage_error_set(&e, 500, "InternalServerError", "/changes", "Cannot read the change log: %s",
                         err ? err : "error");
        free(err);
        json_decref(value);
        manage_respond_error(resp, &e);
        return;
    }
    json_t *page = json_pack("{s:o, s:I}", "value", value, "count", (json_int_t)total);
    if (skip + top < total) set_next_link(s, c, page, "/changes", top, skip + top);
    manage_respond_json(resp, 200, page);
}

/* ---- referential rules on PUT/PATCH ---- */

static int check_references(const manage_service_t *s, const manage_kind_t *k, const json_t *props,
                            manage_error_t *e)
{
    char path[MANAGE_PATH_MAX];
    if (strcmp(k->type, "subscriptions") == 0) {
        const char *scope = json_string_value(json_object_get(props, "scope"));
        if (strcmp(scope, "/apis") != 0 && !entry_of(s, scope))
            return manage_error_set(e, 400, "ValidationError", "properties.scope",
                                    "The subscription's scope '%s' does not exist.", scope);
        const char *owner = json_string_value(json_object_get(props, "ownerId"));
        if (owner) {
            const char *u = strstr(owner, "/users/");
            snprintf(path, sizeof path, "%s", u ? u : owner);
            if (!u || !entry_of(s, path))
                return manage_error_set(e, 400, "ValidationError", "properties.ownerId",
                                        "The owner '%s' is not an existing user (/users/{userId}).",
                                        owner);
        }
    }
    if (strcmp(k->type, "apis") == 0) {
        const char *set = json_string_value(json_object_get(props, "apiVersionSetId"));
        if (set) {
            const char *slash = strrchr(set, '/');
            snprintf(path, sizeof path, "/apiVersionSets/%s", slash ? slash + 1 : set);
            if (!entry_of(s, path))
                return manage_error_set(e, 400, "ValidationError", "properties.apiVersionSetId",
                                        "The version set '%s' does not exist.", set);
        }
    }
    return 0;
}

/* ---- entity writes ---- */

static void respond_entity(manage_service_t *s, const manage_call_t *c, manage_response_t *resp,
                           int status)
{
    const json_t *entry = entry_of(s, c->route.path);
    snprintf(resp->etag, sizeof resp->etag, "%s", etag_of(entry));
    manage_respond_json(resp, status, manage_entity_json(s, c->route.kind, c->route.path, entry));
}

static void put_entity(manage_service_t *s, manage_call_t *c, manage_response_t *resp, bool is_patch)
{
    manage_error_t e;
    const manage_kind_t *k = c->route.kind;
    const json_t *existing = entry_of(s, c->route.path);
    json_t *body = NULL, *props = NULL, *secrets = NULL, *merged = NULL;
    if (check_parents(s, &c->route, &e) < 0) goto error;
    if (is_patch && !existing) {
        manage_error_set(&e, 404, "ResourceNotFound", c->route.path, "'%s' does not exist.",
                         c->route.path);
        goto error;
    }
    if (manage_check_if_match(c, existing, is_patch, &e) < 0) goto error;
    if (!(body = manage_parse_body(c, (k->flags & MANAGE_KIND_FLAG_LINK) != 0, &e))) goto error;
    json_t *given = manage_body_props(body, false, &e);
    if (!given) goto error;
    if (is_patch) {
        merged = json_copy(json_object_get(existing, "props"));
        json_object_update(merged, given);
        given = merged;
    }
    if (strcmp(k->type, "apis") == 0 && json_object_get(given, "format")) {
        /* An import: the fields are checked as usual first (format's allowed values). */
        json_t *checked_secrets = NULL, *probe = json_copy(given);
        if (!json_object_get(probe, "path")) json_object_set_new(probe, "path", json_string(""));
        json_t *checked = manage_props_check(k, probe, NULL, &checked_secrets, &e);
        json_decref(probe);
        json_decref(checked);
        json_decref(checked_secrets);
        if (!checked) goto error;
        bool is_new = existing == NULL;
        if (manage_import_api(s, c, given, existing, &e) < 0) goto error;
        json_decref(body);
        json_decref(merged);
        respond_entity(s, c, resp, is_new ? 201 : 200);
        return;
    }
    const json_t *old_secrets = existing ? json_object_get(existing, "secrets") : NULL;
    if (!(props = manage_props_check(k, given, old_secrets, &secrets, &e))) goto error;
    /* A user's secrets (the developer portal's password hash, portal.h) are no property:
     * a PUT or PATCH of the user keeps them. */
    if (!secrets && old_secrets && strcmp(k->type, "users") == 0) secrets = json_deep_copy(old_secrets);
    if (check_references(s, k, props, &e) < 0) goto error;

    bool is_new = existing == NULL;
    int64_t seq = is_new ? s->next_seq++ : (int64_t)json_integer_value(json_object_get(existing, "seq"));
    json_t *next = json_copy(s->resources);
    json_object_set_new(next, c->route.path, manage_entry_new(k->type, seq, s->revision + 1, props, secrets));
    props = secrets = NULL;
    if (manage_commit(s, next, c, false, &e) < 0) {
        if (is_new) s->next_seq--;
        goto error;
    }
    json_decref(body);
    json_decref(merged);
    respond_entity(s, c, resp, is_new ? 201 : 200);
    return;
error:
    json_decref(body);
    json_decref(merged);
    json_decref(props);
    json_decref(secrets);
    manage_respond_error(resp, &e);
}

/* Paths that go with `path` when it is deleted: everything under it, and the links that
 * name it from elsewhere (a deleted API leaves no product links, a user no group links). */
static void delete_cascade(const manage_service_t *s, json_t *next, const manage_call_t *c)
{
    const char *target = c->route.path;
    size_t n = strlen(target);
    const char *linked_kind = NULL;
    if (strcmp(c->route.kind->type, "apis") == 0) linked_kind = "products/apis";
    if (strcmp(c->route.kind->type, "users") == 0) linked_kind = "groups/users";
    const char *path;
    json_t *entry;
    json_object_foreach(s->resources, path, entry)
    {
        bool under = strncmp(path, target, n) == 0 && path[n] == '/';
        const char *kind = json_string_value(json_object_get(entry, "kind"));
        bool is_link = linked_kind && strcmp(kind, linked_kind) == 0 &&
                       strcmp(strrchr(path, '/') + 1, c->route.name) == 0;
        if (under || is_link) json_object_del(next, path);
    }
    json_object_del(next, target);
}

/* Subscriptions that would be left pointing at a deleted API or product, or owned by a
 * deleted user: refused (409) unless ?deleteSubscriptions=true, which deletes them too. */
static int dependent_subscriptions(const manage_service_t *s, json_t *next, const manage_call_t *c,
                                   manage_error_t *e)
{
    const char *type = c->route.kind->type;
    bool by_scope = strcmp(type, "apis") == 0 || strcmp(type, "products") == 0;
    bool by_owner = strcmp(type, "users") == 0;
    if (!by_scope && !by_owner) return 0;
    const char *del = query(c, "deleteSubscriptions");
    bool may_delete = del && strcmp(del, "true") == 0;
    const char *path;
    json_t *entry;
    json_object_foreach(s->resources, path, entry)
    {
        if (strcmp(json_string_value(json_object_get(entry, "kind")), "subscriptions") != 0) continue;
        const json_t *props = json_object_get(entry, "props");
        const char *ref = json_string_value(json_object_get(props, by_scope ? "scope" : "ownerId"));
        if (!ref) continue;
        const char *tail = by_owner ? strstr(ref, "/users/") : ref;
        if (!tail || strcmp(tail, c->route.path) != 0) continue;
        if (!may_delete)
            return manage_error_set(e, 409, "Conflict", path,
                                    "'%s' is used by the subscription '%s'; delete it first or "
                                    "pass ?deleteSubscriptions=true.",
                                    c->route.path, path);
        json_object_del(next, path);
    }
    return 0;
}

static int version_set_in_use(const manage_service_t *s, const manage_call_t *c, manage_error_t *e)
{
    if (strcmp(c->route.kind->type, "apiVersionSets") != 0) return 0;
    const char *path;
    json_t *entry;
    json_object_foreach(s->resources, path, entry)
    {
        const char *set = json_string_value(
            json_object_get(json_object_get(entry, "props"), "apiVersionSetId"));
        const char *slash = set ? strrchr(set, '/') : NULL;
        if (set && strcmp(slash ? slash + 1 : set, c->route.name) == 0)
            return manage_error_set(e, 409, "Conflict", path,
                                    "The version set '%s' is used by the API '%s'.", c->route.name,
                                    path);
    }
    return 0;
}

static void delete_entity(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    const json_t *existing = entry_of(s, c->route.path);
    if (check_parents(s, &c->route, &e) < 0) goto error;
    if (!c->raw->if_match) {
        manage_check_if_match(c, existing, true, &e);
        goto error;
    }
    if (!existing) {
        resp->status = 204;
        return;
    }
    if (manage_check_if_match(c, existing, true, &e) < 0 || version_set_in_use(s, c, &e) < 0) goto error;
    json_t *next = json_copy(s->resources);
    if (dependent_subscriptions(s, next, c, &e) < 0) {
        json_decref(next);
        goto error;
    }
    delete_cascade(s, next, c);
    if (manage_commit(s, next, c, true, &e) < 0) goto error;
    resp->status = 200;
    return;
error:
    manage_respond_error(resp, &e);
}

static void get_entity(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    const json_t *entry = entry_of(s, c->route.path);
    const char *format = query(c, "format");
    if (format && (c->route.kind->flags & MANAGE_KIND_FLAG_POLICY) && strcmp(format, "xml") != 0 &&
        strcmp(format, "rawxml") != 0) {
        manage_error_set(&e, 400, "InvalidRequestContent", "format",
                         "format must be 'xml' or 'rawxml', not '%s'.", format);
        manage_respond_error(resp, &e);
        return;
    }
    if (!entry) {
        manage_error_set(&e, 404, "ResourceNotFound", c->route.path, "'%s' does not exist.",
                         c->route.path);
        manage_respond_error(resp, &e);
        return;
    }
    respond_entity(s, c, resp, 200);
}

/* ---- actions ---- */

static void run_action(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    const json_t *entry = entry_of(s, c->route.path);
    if (!entry) {
        manage_error_set(&e, 404, "ResourceNotFound", c->route.path, "'%s' does not exist.",
                         c->route.path);
        manage_respond_error(resp, &e);
        return;
    }
    const json_t *secrets = json_object_get(entry, "secrets");
    const json_t *props = json_object_get(entry, "props");
    if (strcmp(c->route.action, "listSecrets") == 0) {
        manage_respond_json(resp, 200,
                            json_pack("{s:O, s:O}", "primaryKey", json_object_get(secrets, "primaryKey"),
                                      "secondaryKey", json_object_get(secrets, "secondaryKey")));
        return;
    }
    if (strcmp(c->route.action, "listValue") == 0) {
        const json_t *v = secrets ? json_object_get(secrets, "value") : json_object_get(props, "value");
        manage_respond_json(resp, 200, json_pack("{s:s}", "value", v ? json_string_value(v) : ""));
        return;
    }
    /* regeneratePrimaryKey / regenerateSecondaryKey: a fresh key, committed like a PUT. */
    const char *which = strcmp(c->route.action, "regeneratePrimaryKey") == 0 ? "primaryKey"
                                                                             : "secondaryKey";
    json_t *new_secrets = NULL;
    json_t *check_props = json_copy((json_t *)props);
    json_t *kept = json_copy((json_t *)secrets);
    json_object_del(kept, which);
    json_t *new_props = manage_props_check(c->route.kind, check_props, kept, &new_secrets, &e);
    json_decref(check_props);
    json_decref(kept);
    if (!new_props) {
        manage_respond_error(resp, &e);
        return;
    }
    json_t *next = json_copy(s->resources);
    json_object_set_new(next, c->route.path,
                        manage_entry_new(c->route.kind->type,
                                         (int64_t)json_integer_value(json_object_get(entry, "seq")),
                                         s->revision + 1, new_props, new_secrets));
    if (manage_commit(s, next, c, false, &e) < 0) {
        manage_respond_error(resp, &e);
        return;
    }
    resp->status = 204;
}

/* ---- the service itself ---- */

static void patch_service(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    const json_t *existing = entry_of(s, "");
    json_t *body = NULL;
    if (manage_check_if_match(c, existing, true, &e) < 0) goto error;
    if (!(body = manage_parse_body(c, false, &e))) goto error;
    json_t *given = manage_body_props(body, true, &e);
    if (!given || manage_fields_check(manage_service_fields, given, &e) < 0 ||
        manage_locations_check_service(given, &e) < 0)
        goto error;
    json_t *location = json_object_get(body, "location");
    if (location && (!json_is_string(location) || json_string_length(location) == 0)) {
        manage_error_set(&e, 400, "InvalidRequestContent", "location",
                         "'location' must be a non-empty string.");
        goto error;
    }
    const json_t *old = json_object_get(existing, "props");
    json_t *props = json_deep_copy(json_object_get(old, "properties"));
    const char *key;
    json_t *v;
    json_object_foreach(given, key, v)
    {
        if (strcmp(key, "gatewayUrl") == 0 || strcmp(key, "provisioningState") == 0) continue;
        if (json_is_null(v)) json_object_del(props, key);
        else json_object_set(props, key, v);
    }
    json_t *new_props = json_pack("{s:O, s:o}", "location",
                                  location ? location : json_object_get(old, "location"),
                                  "properties", props);
    json_t *next = json_copy(s->resources);
    if (location && manage_locations_set_primary(s, next, new_props, &e) < 0) {
        json_decref(next);
        json_decref(new_props);
        goto error;
    }
    json_object_set_new(next, "", manage_entry_new("service", 0, s->revision + 1, new_props, NULL));
    if (manage_commit(s, next, c, false, &e) < 0) goto error;
    json_decref(body);
    snprintf(resp->etag, sizeof resp->etag, "%s", etag_of(entry_of(s, "")));
    manage_respond_json(resp, 200, manage_service_entity_json(s));
    return;
error:
    json_decref(body);
    manage_respond_error(resp, &e);
}

/* ---- dispatch ---- */

void manage_handle_call(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    const manage_kind_t *k = c->route.kind;
    if (manage_cache_purge_is_call(c)) {
        manage_cache_purge_handle(s, c, resp);
        return;
    }
    if (k && strcmp(k->type, "locations") == 0) {
        manage_locations_handle(s, c, resp);
        return;
    }
    if (manage_profiles_is_kind(k)) {
        manage_profiles_handle(s, c, resp);
        return;
    }
    switch (c->route.type) {
    case MANAGE_ROUTE_SERVICE:
        if (is_read(c)) {
            snprintf(resp->etag, sizeof resp->etag, "%s", etag_of(entry_of(s, "")));
            manage_respond_json(resp, 200, manage_service_entity_json(s));
        } else if (is(c, "PATCH")) {
            patch_service(s, c, resp);
        } else {
            method_not_allowed(c, resp, "GET, HEAD, PATCH");
        }
        return;
    case MANAGE_ROUTE_SNAPSHOT:
        if (!is_read(c)) {
            method_not_allowed(c, resp, "GET, HEAD");
            return;
        }
        resp->status = 200;
        resp->body = malloc(s->snapshot.len + 1);
        if (!resp->body) abort();
        memcpy(resp->body, s->snapshot.text, s->snapshot.len + 1);
        resp->body_len = s->snapshot.len;
        resp->content_type = "application/json; charset=utf-8";
        snprintf(resp->etag, sizeof resp->etag, "%lld", (long long)s->revision);
        return;
    case MANAGE_ROUTE_CHANGES:
        if (is(c, "GET")) list_changes(s, c, resp);
        else method_not_allowed(c, resp, "GET");
        return;
    case MANAGE_ROUTE_COLLECTION:
        if (is(c, "GET")) list_collection(s, c, resp);
        else method_not_allowed(c, resp, "GET");
        return;
    case MANAGE_ROUTE_ACTION:
        if (is(c, "POST")) run_action(s, c, resp);
        else method_not_allowed(c, resp, "POST");
        return;
    case MANAGE_ROUTE_ENTITY:
        if (is_read(c)) get_entity(s, c, resp);
        else if (is(c, "PUT")) put_entity(s, c, resp, false);
        else if (is(c, "PATCH") && !(k->flags & MANAGE_KIND_FLAG_LINK)) put_entity(s, c, resp, true);
        else if (is(c, "DELETE")) delete_entity(s, c, resp);
        else
            method_not_allowed(c, resp, (k->flags & MANAGE_KIND_FLAG_LINK)
                                            ? "GET, HEAD, PUT, DELETE"
                                            : "GET, HEAD, PUT, PATCH, DELETE");
        return;
    }
}
