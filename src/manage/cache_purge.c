/* Purge generations of the gateways' caches (cache_purge.h). */
#include "manage/cache_purge.h"

#include <string.h>

#define PURGE_PATH "/cachePurge"
#define PURGE_KIND "cachePurge"
#define ACTION "purgeCache"

bool manage_cache_purge_is_call(const manage_call_t *c)
{
    return c->route.type == MANAGE_ROUTE_ACTION && c->route.action &&
           strcmp(c->route.action, ACTION) == 0;
}

void manage_cache_purge_handle(manage_service_t *s, manage_call_t *c, manage_response_t *resp)
{
    manage_error_t e;
    if (strcmp(c->method, "POST") != 0) {
        manage_error_set(&e, 405, "MethodNotAllowed", c->route.path,
                         "The method '%s' is not allowed here (allowed: POST).", c->method);
        manage_respond_error(resp, &e);
        return;
    }
    /* {svc}/purgeCache has no kind; {svc}/locations/{slug}/purgeCache names a location */
    const char *slug = c->route.kind ? c->route.name : NULL;
    if (slug && !json_object_get(s->resources, c->route.path)) {
        manage_error_set(&e, 404, "ResourceNotFound", c->route.path, "The location '%s' does not exist.", slug);
        manage_respond_error(resp, &e);
        return;
    }
    const json_t *entry = json_object_get(s->resources, PURGE_PATH);
    json_t *props = entry ? json_deep_copy(json_object_get(entry, "props")) : json_object();
    json_t *locations = json_object_get(props, "locations");
    if (!json_is_object(locations)) {
        locations = json_object();
        json_object_set_new(props, "locations", locations);
    }
    json_int_t all = json_integer_value(json_object_get(props, "all"));
    json_int_t generation;
    if (slug) {
        json_int_t own = json_integer_value(json_object_get(locations, slug)) + 1;
        json_object_set_new(locations, slug, json_integer(own));
        generation = all + own;
    } else {
        json_object_set_new(props, "all", json_integer(++all));
        generation = all;
    }
    int64_t seq = entry ? (int64_t)json_integer_value(json_object_get(entry, "seq")) : s->next_seq++;
    json_t *next = json_copy(s->resources);
    json_object_set_new(next, PURGE_PATH, manage_entry_new(PURGE_KIND, seq, s->revision + 1, props, NULL));
    if (manage_commit(s, next, c, false, &e) < 0) {
        if (!entry) s->next_seq--;
        manage_respond_error(resp, &e);
        return;
    }
    json_t *body = json_pack("{s:o, s:I, s:I}", "location", slug ? json_string(slug) : json_null(),
                             "generation", generation, "revision", (json_int_t)s->revision);
    manage_respond_json(resp, 200, body);
}

void manage_cache_purge_snapshot(const json_t *resources, json_t *doc)
{
    const json_t *entry = json_object_get(resources, PURGE_PATH);
    if (!entry) return;
    json_object_set_new(doc, "cachePurge", json_deep_copy(json_object_get(entry, "props")));
}
