/* Client locations from a MaxMind DB: see geoip.h. */
#include "router/geoip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct router_geoip {
    MMDB_s db;
};

router_geoip_t *router_geoip_open(const char *path, char *err, size_t err_size)
{
    router_geoip_t *g = calloc(1, sizeof *g);
    if (!g) abort();
    int rc = MMDB_open(path, MMDB_MODE_MMAP, &g->db);
    if (rc != MMDB_SUCCESS) {
        if (rc == MMDB_FILE_OPEN_ERROR) snprintf(err, err_size, "cannot open: %s", strerror(errno));
        else if (rc == MMDB_IO_ERROR) snprintf(err, err_size, "cannot read: %s", strerror(errno));
        else snprintf(err, err_size, "not a MaxMind DB: %s", MMDB_strerror(rc));
        free(g);
        return NULL;
    }
    return g;
}

void router_geoip_close(router_geoip_t *g)
{
    if (!g) return;
    MMDB_close(&g->db);
    free(g);
}

const char *router_geoip_type(const router_geoip_t *g)
{
    return g->db.metadata.database_type ? g->db.metadata.database_type : "?";
}

unsigned long long router_geoip_build_epoch(const router_geoip_t *g)
{
    return (unsigned long long)g->db.metadata.build_epoch;
}

/* Reads the UTF-8 string at `path` of the record into dst (upper-cased ASCII); false when
 * absent, not a string, empty or too long for a code. */
static bool read_code(MMDB_entry_s *entry, const char *const *path, char *dst, size_t size)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(entry, &d, path) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size == 0 || d.data_size >= size)
        return false;
    for (uint32_t i = 0; i < d.data_size; i++) {
        char ch = d.utf8_string[i];
        if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return false;
        dst[i] = ch;
    }
    dst[d.data_size] = '\0';
    return true;
}

/* Azure's regional groupings (spec §3.4) from MaxMind's continent codes; Oceania is
 * "Australia / Pacific", and the Middle East, which MaxMind files under Asia, is its own
 * grouping. */
static const char *grouping(const char *continent, const char *country)
{
    static const char middle_east[] = "AE BH IL IQ IR JO KW LB OM PS QA SA SY YE";
    if (country[0] && strlen(country) == 2 && strstr(middle_east, country)) return "GEO-ME";
    static const struct { const char *continent, *code; } map[] = {
        {"AF", "GEO-AF"}, {"AN", "GEO-AN"}, {"AS", "GEO-AS"}, {"EU", "GEO-EU"},
        {"NA", "GEO-NA"}, {"OC", "GEO-AP"}, {"SA", "GEO-SA"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(continent, map[i].continent) == 0) return map[i].code;
    return NULL;
}

/* Spec §3.4: states and provinces exist only for these countries. */
static bool has_subdivisions(const char *country)
{
    return strcmp(country, "US") == 0 || strcmp(country, "CA") == 0 || strcmp(country, "AU") == 0 ||
           strcmp(country, "GB") == 0;
}

/* The database's record for `a`, and its network's prefix in the client family's bits. */
static bool lookup(const router_geoip_t *g, const router_addr_t *a, MMDB_entry_s *entry,
                   unsigned *prefix)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    bool is_v4 = router_addr_is_v4(a);
    if (is_v4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, a->b + 12, 4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, a->b, 16);
    }
    int mmdb_error = MMDB_SUCCESS;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&g->db, (const struct sockaddr *)&ss, &mmdb_error);
    if (mmdb_error != MMDB_SUCCESS || !r.found_entry) return false;
    *entry = r.entry;
    /* An IPv4 address in an IPv6 database is found under ::/96 (libmaxminddb counts those
     * 96 bits); the ECS scope is in the client family's own bits (RFC 7871 §6). */
    unsigned bits = r.netmask;
    if (is_v4 && g->db.metadata.ip_version == 6) bits = bits >= 96 ? bits - 96 : 0;
    *prefix = bits;
    return true;
}

bool router_geoip_locate(const router_geoip_t *g, const router_addr_t *a, router_geo_location_t *out)
{
    out->code_count = 0;
    out->prefix = 0;
    MMDB_entry_s entry;
    unsigned prefix;
    if (!lookup(g, a, &entry, &prefix)) return false;
    static const char *const country_path[] = {"country", "iso_code", NULL};
    static const char *const continent_path[] = {"continent", "code", NULL};
    static const char *const subdivision_path[] = {"subdivisions", "0", "iso_code", NULL};
    char country[ROUTER_GEO_CODE_MAX] = "", continent[ROUTER_GEO_CODE_MAX] = "", sub[8];
    bool has_country = read_code(&entry, country_path, country, sizeof country);
    read_code(&entry, continent_path, continent, sizeof continent);
    if (has_country && has_subdivisions(country) &&
        read_code(&entry, subdivision_path, sub, sizeof sub))
        /* Bounded so the compiler can see it fits (a country is 2 letters, sub < 8 bytes). */
        snprintf(out->codes[out->code_count++], ROUTER_GEO_CODE_MAX, "%.7s-%.7s", country, sub);
    if (has_country) memcpy(out->codes[out->code_count++], country, sizeof country);
    const char *group = grouping(continent, country);
    if (group) snprintf(out->codes[out->code_count++], ROUTER_GEO_CODE_MAX, "%s", group);
    if (out->code_count == 0) return false;
    out->prefix = prefix;
    return true;
}

/* The double at `path`, within ±limit degrees. */
static bool read_degrees(MMDB_entry_s *entry, const char *const *path, double limit, double *out)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(entry, &d, path) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_DOUBLE || !(d.double_value >= -limit && d.double_value <= limit))
        return false;
    *out = d.double_value;
    return true;
}

bool router_geoip_locate_point(const router_geoip_t *g, const router_addr_t *a, router_point_t *out,
                               unsigned *prefix)
{
    out->is_known = false;
    MMDB_entry_s entry;
    if (!lookup(g, a, &entry, prefix)) return false;
    static const char *const latitude_path[] = {"location", "latitude", NULL};
    static const char *const longitude_path[] = {"location", "longitude", NULL};
    double lat, lon;
    if (!read_degrees(&entry, latitude_path, 90, &lat) || !read_degrees(&entry, longitude_path, 180, &lon))
        return false;
    *out = router_point_from_degrees(lat, lon);
    return true;
}
