/* manage_locations: the service's locations (regions), their gateway keys and tokens, the
 * service's domain and hostnames (docs/manage-api.md "Locations", docs/regions.md).
 *
 * A location is the entity "/locations/{slug}" (kind "locations"): props {"displayName",
 * "units", "disableGateway", "isPrimary"}, secrets {"primaryKey", "secondaryKey"} (the
 * gateway keys). The primary location exists from the service's first start (manage's
 * --location); it is stored then without a revision (manage_store_put_row), and can be
 * changed but not deleted. Internal to src/manage. */
#ifndef MERIDIAN_MANAGE_LOCATIONS_H
#define MERIDIAN_MANAGE_LOCATIONS_H

#include "manage/service_internal.h"

#define MANAGE_DEFAULT_DOMAIN "meridian.local"
#define MANAGE_STATUS_PATH "/status-0123456789abcdef"
#define MANAGE_UNITS_MAX 64

/* At open: creates and stores the primary location when there is none, and writes
 * DATA/gateway-tokens/{slug}.token for every location. Returns 0, or -1 with a malloc'd
 * *err. Blocking. */
int manage_locations_open(manage_service_t *s, char **err);

/* Every request whose route kind is "locations" (entity, collection, actions). */
void manage_locations_handle(manage_service_t *s, manage_call_t *c, manage_response_t *resp);

/* Checks the service properties this module owns in a PATCH {svc} body ("domain",
 * "hostnameConfigurations"). Returns 0, or -1 with a 400 in *e. */
int manage_locations_check_service(const json_t *given, manage_error_t *e);

/* PATCH {svc} "location": the primary moves to the location of that display name (any
 * spelling with the same slug), which must exist (PUT .../locations/{slug} first); the old
 * primary stays as a secondary. Edits `next` (a shallow copy of s->resources) and sets
 * service_props' "location" to the location's display name as stored. Returns 0, or -1
 * with a 400 in *e. */
int manage_locations_set_primary(const manage_service_t *s, json_t *next, json_t *service_props,
                                 manage_error_t *e);

/* The snapshot's service.domain, service.hostnames and regions (docs/snapshot.md), from
 * `resources`, into doc (which has "service"). */
void manage_locations_snapshot(const json_t *resources, const char *service_name, json_t *doc);

/* slug → {"displayName", "primaryKey", "secondaryKey"} for every location (a new object). */
json_t *manage_locations_keys(const json_t *resources);

#endif
