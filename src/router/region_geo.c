/* Region positions: see region_geo.h. */
#include "router/region_geo.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#define EARTH_RADIUS_KM 6371.0

/* Azure's public regions by programmatic name, at the coordinates Azure lists for them
 * (the region's city, to a few km): enough to rank regions by distance. */
static const struct {
    const char *name;
    double latitude, longitude;
} builtin[] = {
    {"australiacentral", -35.3075, 149.1244},   {"australiacentral2", -35.3075, 149.1244},
    {"australiaeast", -33.86, 151.2094},        {"australiasoutheast", -37.8136, 144.9631},
    {"brazilsouth", -23.55, -46.633},           {"brazilsoutheast", -22.90278, -43.2075},
    {"canadacentral", 43.653, -79.383},         {"canadaeast", 46.817, -71.217},
    {"centralindia", 18.5822, 73.9197},         {"centralus", 41.5908, -93.6208},
    {"chilecentral", -33.45, -70.67},           {"eastasia", 22.267, 114.188},
    {"eastus", 37.3719, -79.8164},              {"eastus2", 36.6681, -78.3889},
    {"francecentral", 46.3772, 2.373},          {"francesouth", 43.8345, 2.1972},
    {"germanynorth", 53.073635, 8.806422},      {"germanywestcentral", 50.110924, 8.682127},
    {"indonesiacentral", -6.2, 106.8},          {"israelcentral", 31.2655698, 33.4506633},
    {"italynorth", 45.46888, 9.18109},          {"japaneast", 35.68, 139.77},
    {"japanwest", 34.6939, 135.5022},           {"koreacentral", 37.5665, 126.978},
    {"koreasouth", 35.1796, 129.0756},          {"malaysiawest", 3.14, 101.69},
    {"mexicocentral", 20.588818, -100.389888},  {"newzealandnorth", -36.84, 174.76},
    {"northcentralus", 41.8819, -87.6278},      {"northeurope", 53.3478, -6.2597},
    {"norwayeast", 59.913868, 10.752245},       {"norwaywest", 58.969975, 5.733107},
    {"polandcentral", 52.23334, 21.01666},      {"qatarcentral", 25.551462, 51.439327},
    {"southafricanorth", -25.73134, 28.21837},  {"southafricawest", -34.075691, 18.843266},
    {"southcentralus", 29.4167, -98.5},         {"southeastasia", 1.283, 103.833},
    {"southindia", 12.9822, 80.1636},           {"spaincentral", 40.4259, -3.4209},
    {"swedencentral", 60.67488, 17.14127},      {"swedensouth", 55.60587, 13.00073},
    {"switzerlandnorth", 47.451542, 8.564572},  {"switzerlandwest", 46.204391, 6.143158},
    {"uaecentral", 24.466667, 54.366669},       {"uaenorth", 25.266666, 55.316666},
    {"uksouth", 50.941, -0.799},                {"ukwest", 53.427, -3.084},
    {"westcentralus", 40.89, -110.234},         {"westeurope", 52.3667, 4.9},
    {"westindia", 19.088, 72.868},              {"westus", 37.783, -122.417},
    {"westus2", 47.233, -119.852},              {"westus3", 33.448376, -112.074036},
};

router_point_t router_point_from_degrees(double latitude, double longitude)
{
    double phi = latitude * M_PI / 180.0, lambda = longitude * M_PI / 180.0;
    return (router_point_t){
        .is_known = true,
        .x = cos(phi) * cos(lambda),
        .y = cos(phi) * sin(lambda),
        .z = sin(phi),
    };
}

bool router_region_builtin_point(const char *name, router_point_t *out)
{
    char key[32];
    size_t n = 0;
    for (const char *p = name; *p; p++) {
        if (*p == ' ' || *p == '-') continue;
        if (n + 1 >= sizeof key) return false;
        key[n++] = (char)tolower((unsigned char)*p);
    }
    key[n] = '\0';
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        if (strcmp(builtin[i].name, key) == 0) {
            *out = router_point_from_degrees(builtin[i].latitude, builtin[i].longitude);
            return true;
        }
    return false;
}

double router_point_distance_km(const router_point_t *a, const router_point_t *b)
{
    double dot = a->x * b->x + a->y * b->y + a->z * b->z;
    if (dot > 1.0) dot = 1.0; /* rounding: acos is undefined past ±1 */
    if (dot < -1.0) dot = -1.0;
    return acos(dot) * EARTH_RADIUS_KM;
}
