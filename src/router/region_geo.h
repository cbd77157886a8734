/* router_region_geo: where the regions are, so that Performance routing can rank regions
 * by great-circle distance for a client the latency table does not know (spec §3.3,
 * "[our choice]": unknown prefix → great-circle distance from a GeoIP lookup).
 *
 * Azure's public regions are built in (approximate coordinates of each region's city,
 * as `az account list-locations` lists them); a profile file's `regionCoordinates`
 * places any other region name (docs/router.md). Positions are kept as unit vectors, so
 * a distance per region is one dot product and one acos. */
#ifndef MERIDIAN_ROUTER_REGION_GEO_H
#define MERIDIAN_ROUTER_REGION_GEO_H

#include <stdbool.h>

typedef struct {
    bool is_known;
    double x, y, z;   /* unit vector of the point */
} router_point_t;

/* The point at latitude/longitude in degrees. */
router_point_t router_point_from_degrees(double latitude, double longitude);

/* The built-in position of an Azure region, by its display name or its programmatic name
 * ("West US", "westus", "East US 2", "eastus2": case, spaces and hyphens ignored).
 * false when the name is not one of them. */
bool router_region_builtin_point(const char *name, router_point_t *out);

/* Great-circle distance in km between two known points (mean Earth radius). */
double router_point_distance_km(const router_point_t *a, const router_point_t *b);

#endif
