/* router_profile: the router's configuration — traffic-manager profiles, their endpoints
 * and monitor settings, the latency table (Performance) and the location table
 * (Geographic) — loaded from a JSON file (docs/router.md) into an immutable set.
 *
 * Addresses are kept as 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so one
 * comparison serves both families (router_addr_*). Every error the loader finds names
 * FILE:LINE:COL of the offending value (STYLE.md §5). */
#ifndef MERIDIAN_ROUTER_PROFILE_H
#define MERIDIAN_ROUTER_PROFILE_H

#include "router/region_geo.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTER_MAX_NESTING 10     /* spec §1.2: at most 10 levels */
#define ROUTER_MAX_HEADERS 8      /* spec §1.3: up to 8 custom headers */
#define ROUTER_MAX_STATUS_RANGES 8
#define ROUTER_MAX_RETURN 10      /* spec §12: MultiValue accepts 1…10 */

typedef struct {
    uint8_t b[16]; /* IPv4 as ::ffff:a.b.c.d */
} router_addr_t;

/* Parses an IPv4 or IPv6 literal. */
bool router_addr_parse(const char *text, router_addr_t *out);
bool router_addr_is_v4(const router_addr_t *a);
/* Numeric text ("10.0.0.1", "2001:db8::1") into out (>= 46 bytes). */
void router_addr_format(const router_addr_t *a, char *out, size_t size);
int router_addr_cmp(const router_addr_t *a, const router_addr_t *b);

/* An inclusive address range [first, last]; a CIDR block is stored as its range and
 * its prefix length (in IPv6 bits; 96 + n for IPv4), -1 for a first–last span. */
typedef struct {
    router_addr_t first, last;
    int prefix;
} router_range_t;

/* "10.0.0.0/8", "1.2.3.4-1.2.3.9", "2001:db8::/32" or one address. A CIDR address must
 * be the network address of its block (spec §3.6). Returns NULL or an error text. */
const char *router_range_parse(const char *text, router_range_t *out);
bool router_range_contains(const router_range_t *r, const router_addr_t *a);

typedef enum {
    ROUTER_PERFORMANCE,
    ROUTER_PRIORITY,
    ROUTER_WEIGHTED,
    ROUTER_GEOGRAPHIC,
    ROUTER_SUBNET,
    ROUTER_MULTIVALUE,
} router_method_t;

const char *router_method_name(router_method_t m);

typedef enum { ROUTER_PROBE_HTTP, ROUTER_PROBE_HTTPS, ROUTER_PROBE_TCP } router_protocol_t;

typedef struct {
    char *name, *value;
} router_header_t;

typedef struct {
    router_protocol_t protocol;
    uint16_t port;
    char *path;                       /* HTTP only, default "/" */
    uint32_t interval_ms;             /* >= 1000 */
    uint32_t timeout_ms;              /* < interval */
    unsigned tolerated_failures;      /* 0…9 */
    struct { int min, max; } ranges[ROUTER_MAX_STATUS_RANGES];
    size_t range_count;               /* default: 200-200 */
    router_header_t headers[ROUTER_MAX_HEADERS];
    size_t header_count;
} router_monitor_config_t;

typedef enum { ROUTER_TARGET_NAME, ROUTER_TARGET_V4, ROUTER_TARGET_V6 } router_target_kind_t;

typedef struct router_endpoint {
    char *name;
    char *target;                     /* DNS name or IP literal, as written */
    router_target_kind_t kind;
    router_addr_t addr;               /* when kind is V4/V6 */
    uint16_t port;                    /* probe and L7 forwarding port (monitor port by default) */
    char *location;                   /* region name (Performance) */
    int region;                       /* index into router_config_t.regions, -1 = none */
    unsigned weight;                  /* 1…1000 */
    unsigned priority;                /* 1…1000, unique per profile */
    char **geo;                       /* geographic codes */
    size_t geo_count;
    router_range_t *subnets;
    size_t subnet_count;
    bool is_enabled;
    bool always_serve;
    int child;                        /* nested profile index, -1 = none */
    unsigned min_child;               /* >= 1 */
    router_header_t headers[ROUTER_MAX_HEADERS]; /* probe headers, override the profile's */
    size_t header_count;
    size_t index;                     /* position in router_config_t.endpoints (health) */
    size_t profile;                   /* owning profile index */
    char affinity[17];                /* the edge's session-affinity cookie value: a hash of
                                         target and port, 16 hex digits */
} router_endpoint_t;

typedef struct {
    char *name;                       /* relative name; FQDN = name + "." + zone */
    char *fqdn;                       /* lower case, no final dot */
    bool is_enabled;
    router_method_t method;
    uint32_t ttl;
    unsigned max_return;              /* MultiValue */
    bool fail_open;                   /* spec §2.3 all-degraded rule (default true) */
    unsigned allowed_kinds;           /* allowedEndpointRecordTypes: bit 1 << kind for each
                                         router_target_kind_t endpoints may use (all: Any) */
    bool session_affinity;            /* sessionAffinityState Enabled: the L7 edge keeps a
                                         client on its endpoint by cookie (spec §8 step 5) */
    router_monitor_config_t monitor;
    router_endpoint_t **endpoints;    /* into router_config_t.endpoints */
    size_t endpoint_count;
} router_profile_t;

/* One row of the latency table: clients in `range` see these RTTs (ms) per region. */
typedef struct {
    router_range_t range;
    unsigned *rtt_ms;                 /* per region, UINT32_MAX = unknown */
} router_latency_row_t;

/* One row of the location table: clients in `range` are at `codes`, most specific first
 * (e.g. US-CA, US, GEO-NA); WORLD is implied last. */
typedef struct {
    router_range_t range;
    char **codes;
    size_t code_count;
} router_location_row_t;

typedef struct {
    char *zone;                       /* e.g. "trafficmanager.example", lower case */
    char *nameserver;                 /* NS / SOA MNAME, default "ns1." + zone */
    uint32_t negative_ttl;            /* SOA minimum (RFC 2308), default 30 */
    char **regions;                   /* every region named by the latency table */
    size_t region_count;
    router_point_t *region_points;    /* per region: where it is (built in for Azure's
                                         names, or regionCoordinates), for Performance
                                         clients outside the latency table */
    router_latency_row_t *latency;
    size_t latency_count;
    router_location_row_t *locations;
    size_t location_count;
    router_profile_t *profiles;
    size_t profile_count;
    router_endpoint_t *endpoints;     /* all endpoints of all profiles */
    size_t endpoint_count;
    /* Client locations for Geographic routing (router/geoip.h), ahead of the location
     * table; not owned, NULL = the table only. Set by the router before the configuration
     * is used, never by the loader. */
    const struct router_geoip *geoip;
} router_config_t;

/* Parses `text` (the contents of `file`, used in messages). Returns the configuration,
 * or NULL with a "FILE:LINE:COL: message" in err. */
router_config_t *router_config_parse(const char *text, size_t len, const char *file,
                                     char *err, size_t err_size);
/* The same; `where` (when not NULL) also receives the JSON path of the offending value
 * ("profiles[1].endpoints[0].priority", "" for the whole document), so that the
 * management API can name the member of a resource. */
router_config_t *router_config_parse_at(const char *text, size_t len, const char *file, char *err,
                                        size_t err_size, char *where, size_t where_size);
/* Reads and parses a file. */
router_config_t *router_config_load(const char *path, char *err, size_t err_size);
void router_config_free(router_config_t *c);

/* Profile by FQDN (case-insensitive, final dot optional), or NULL. */
const router_profile_t *router_config_find(const router_config_t *c, const char *fqdn,
                                           size_t len);
/* Latency row with the longest prefix containing `a`, or NULL. */
const router_latency_row_t *router_config_latency(const router_config_t *c,
                                                  const router_addr_t *a);
const router_location_row_t *router_config_location(const router_config_t *c,
                                                    const router_addr_t *a);

#endif
