/* Internals shared by service.c (state, commits, rendering) and handlers.c (the REST
 * methods). Not for other modules. */
#ifndef MERIDIAN_MANAGE_SERVICE_INTERNAL_H
#define MERIDIAN_MANAGE_SERVICE_INTERNAL_H

#include "manage/resources.h"
#include "manage/service.h"
#include "manage/snapshot.h"
#include "manage/store.h"
#include "manage/units.h"

#include <jansson.h>

struct manage_service {
    manage_store_t *store;
    manage_auth_t auth;
    json_t *resources;          /* path → entry (snapshot.h), the committed state */
    int64_t revision;
    int64_t next_seq;
    manage_snapshot_t snapshot; /* of `revision`, built once per revision */
    bool is_snapshot_valid;     /* it compiles (false only for a store that was edited
                                   behind our back or by an older build) */
    char *service_name;
    char *subscription_id;
    char *resource_group;
    char *base_path;            /* {svc} */
    char *data_dir;
    manage_units_t *units;      /* heartbeats (units.h): shared with the event loop */
    struct manage_sessions *sessions; /* browser sessions (session.h): shared with the loop */
    char *global_endpoint;      /* --global-endpoint or NULL */
};

/* The request being handled, decoded. */
typedef struct {
    const manage_request_t *raw;
    const char *method;
    manage_route_t route;
    json_t *query;              /* decoded query parameters name → string */
    const char *actor;
} manage_call_t;

/* A new entry {"kind", "seq", "etag", "props", "secrets"?} (props and secrets stolen). */
json_t *manage_entry_new(const char *kind, int64_t seq, int64_t revision, json_t *props,
                         json_t *secrets);
/* The ARM JSON of an entity: {"id", "type", "name", "properties"}. */
json_t *manage_entity_json(const manage_service_t *s, const manage_kind_t *k, const char *path,
                           const json_t *entry);
json_t *manage_service_entity_json(const manage_service_t *s);

/* Commits `next` (a modified shallow copy of s->resources) as revision + 1: builds and
 * compiles its snapshot (400 ValidationError, or 409 Conflict when `is_delete`), writes
 * the difference in one transaction, then makes it current (steals `next` either way).
 * Returns 0, or -1 with *e set. */
int manage_commit(manage_service_t *s, json_t *next, const manage_call_t *call, bool is_delete,
                  manage_error_t *e);

/* Response helpers: set resp->status and a JSON body (stolen). */
void manage_respond_json(manage_response_t *resp, int status, json_t *body);
void manage_respond_error(manage_response_t *resp, const manage_error_t *e);

/* PUT /apis/{apiId} with properties.format and .value: imports the document (import.c)
 * and commits the API with all its operations (replacing those it had). `given` = the
 * request's properties (PATCH: merged), `existing` = the API's entry or NULL. Returns 0,
 * or -1 with *e set. */
int manage_import_api(manage_service_t *s, const manage_call_t *c, const json_t *given,
                      const json_t *existing, manage_error_t *e);

/* Request helpers of the REST methods (handlers.c), for the modules that handle a kind
 * themselves (profiles.c): If-Match (optional on PUT, required on PATCH/DELETE; '*' or the
 * ETag, quoted or not); the body as a JSON object ({} when empty and is_empty_ok); the
 * "properties" of an ARM envelope (borrowed from body). Each returns -1/NULL with *e set. */
int manage_check_if_match(const manage_call_t *c, const json_t *entry, bool is_required,
                          manage_error_t *e);
json_t *manage_parse_body(const manage_call_t *c, bool is_empty_ok, manage_error_t *e);
json_t *manage_body_props(json_t *body, bool allow_location, manage_error_t *e);

/* The REST methods (handlers.c). */
void manage_handle_call(manage_service_t *s, manage_call_t *call, manage_response_t *resp);

#endif
