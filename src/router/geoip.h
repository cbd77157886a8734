/* router_geoip: client locations from a MaxMind DB file (GeoIP2/GeoLite2 Country or City,
 * or any database with the same record shape), for Geographic routing (spec §3.4).
 *
 * The file is opened once (mmap, libmaxminddb's MMDB_MODE_MMAP) and is read-only from then
 * on, so any number of loops may look up at once. A lookup walks the search tree and reads
 * three strings in place: it allocates nothing.
 *
 * The codes follow Azure's geographic hierarchy (spec §3.4), most specific first:
 *   subdivision  COUNTRY-SUB  (subdivisions[0].iso_code; US, CA, AU and GB only, the
 *                             countries Azure maps below the country level)
 *   country      country.iso_code                      "US"
 *   grouping     GEO-xx from continent.code            "GEO-NA"; OC → GEO-AP, and the
 *                             Middle East's countries (MaxMind: Asia) → GEO-ME
 * WORLD is not returned: the router implies it last. */
#ifndef MERIDIAN_ROUTER_GEOIP_H
#define MERIDIAN_ROUTER_GEOIP_H

#include "router/profile.h"
#include "router/region_geo.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct router_geoip router_geoip_t;

#define ROUTER_GEO_CODES 3
#define ROUTER_GEO_CODE_MAX 16

/* Where one address is: codes most specific first, and the prefix of the database's
 * network that held it (in the family's own bits: 24 for an IPv4 /24), the ECS scope. */
typedef struct {
    char codes[ROUTER_GEO_CODES][ROUTER_GEO_CODE_MAX];
    size_t code_count;
    unsigned prefix;
} router_geo_location_t;

/* Opens `path`. Returns NULL with a message (not naming the file) in err when the file is
 * missing, unreadable or not a MaxMind DB. */
router_geoip_t *router_geoip_open(const char *path, char *err, size_t err_size);
void router_geoip_close(router_geoip_t *g);

/* The database's type and build time, for the start-up log ("GeoLite2-City, built
 * 2026-11-20"). */
const char *router_geoip_type(const router_geoip_t *g);
unsigned long long router_geoip_build_epoch(const router_geoip_t *g);

/* Looks `a` up. false when the address is not in the database (or an IPv6 address is asked
 * of an IPv4-only one, or the record has no country): the caller falls back to the
 * profile's location table. */
bool router_geoip_locate(const router_geoip_t *g, const router_addr_t *a, router_geo_location_t *out);

/* Where `a` is on the map: the record's location.latitude/longitude (City databases), for
 * Performance routing by distance, and the ECS prefix as above. Reads only those two
 * numbers. false when the address is not in the database or its record has no location. */
bool router_geoip_locate_point(const router_geoip_t *g, const router_addr_t *a, router_point_t *out,
                               unsigned *prefix);

#endif
