/* manage_profiles: traffic-manager profiles, the latency table and the router's document
 * (docs/manage-api.md "Traffic manager", docs/router.md "Feed mode").
 *
 * - `{svc}/trafficManagerProfiles/{name}` (kind "trafficManagerProfiles"): a custom
 *   profile; its properties are a profile of the router's profile file (docs/router.md)
 *   without "name", whose endpoints may also be `{"name", "gatewayLocation": "East Asia"}`:
 *   the location's gateways (target and port from its gatewayAddress, else its regional
 *   hostname on port 80; Disabled while the location has disableGateway).
 * - The built-in profile, named like the service: Performance over every location without
 *   disableGateway. It is not stored: its endpoints follow the locations. A PUT may set
 *   its status, ttl, failMode and monitor (stored as overrides); DELETE is refused.
 * - `{svc}/trafficManagerLatency` (kind "trafficManagerLatency", one per service): the
 *   "latency" and "locations" tables of the profile file.
 * - Every write is checked by parsing the whole resulting router document with the
 *   router's own loader (router/profile.h): 400 ValidationError naming the member.
 * - The router's probe reports (POST /router/v1/status) are kept in memory and shown as
 *   `probe` in each location's status.
 * Internal to src/manage. */
#ifndef MERIDIAN_MANAGE_PROFILES_H
#define MERIDIAN_MANAGE_PROFILES_H

#include "manage/service_internal.h"

#include <jansson.h>
#include <stddef.h>
#include <time.h>

/* Every request whose route kind is "trafficManagerProfiles" or "trafficManagerLatency". */
void manage_profiles_handle(manage_service_t *s, manage_call_t *c, manage_response_t *resp);
bool manage_profiles_is_kind(const manage_kind_t *k);

/* A location's "gatewayAddress": "HOST:PORT" (a host name or IP literal, IPv6 in
 * brackets). Returns 0, or -1 with a 400 for `target` in *e. */
int manage_profiles_check_address(const json_t *v, const char *target, manage_error_t *e);

/* Adds to a location's rendered properties what this module owns: gatewayAddress (from
 * the stored props) and "probe" (the router's last report for the location's endpoint of
 * the built-in profile) inside "status" when there is one. */
void manage_profiles_location_json(const json_t *stored, const char *slug, json_t *props);

/* The router's document for `resources` (the profile file's format), malloc'd, and the
 * primary location's slug (the router authenticates with its gateway tokens). */
char *manage_profiles_document(const json_t *resources, const char *service_name, size_t *len,
                               char *primary_slug, size_t slug_size);

/* A router's status report (its admin GET /status JSON): remembers, for the built-in
 * profile named service_name, each location endpoint's status with `now`. Returns 0, or
 * -1 with *why for a body that is not such a report. Thread-safe. */
int manage_profiles_record_report(const char *body, size_t len, const char *service_name,
                                  time_t now, const char **why);
/* Forgets every report (tests). */
void manage_profiles_reset_reports(void);

#endif
