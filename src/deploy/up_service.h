/* up_service: the service `meridian up` starts (docs/up.md "The service file").
 *
 * A service file (docs/service-file.md) plus one section only `up` reads:
 *   locations: [{displayName: "West US", units: 2}, {displayName: "East Asia"}]
 * The first entry is the primary location (the management plane is started with it); the
 * others are created through the locations resource, in order. The section is removed from
 * what `meridian apply` gets. Without a file, the embedded examples/up/service.yaml is used
 * and its API "echo" gets the canonical multi-region policy read from
 * UP_SERVICE_POLICY_RELATIVE (see up_service_load). */
#ifndef MERIDIAN_DEPLOY_UP_SERVICE_H
#define MERIDIAN_DEPLOY_UP_SERVICE_H

#include <stddef.h>

#define UP_SERVICE_POLICY_RELATIVE                                                                \
    "../shared/conformance/policy-snippets/Route-requests-to-regional-backend-instances.xml"
#define UP_SERVICE_MAX_LOCATIONS 32
#define UP_SERVICE_MAX_UNITS 64
#define UP_SLUG_MAX 128

typedef struct {
    char display_name[128];
    char slug[UP_SLUG_MAX];
    int units; /* 1..UP_SERVICE_MAX_UNITS, default 1 */
} up_location_t;

typedef struct {
    up_location_t locations[UP_SERVICE_MAX_LOCATIONS]; /* [0] = the primary */
    size_t location_count;
    char *apply_json; /* the service file for `meridian apply` (JSON, no `locations`) */
    char *source;     /* the file's name for messages, or "embedded examples/up/service.yaml" */
} up_service_t;

/* Reads `path` (NULL = the embedded default). For the default, the policy file is looked
 * for relative to the working directory, then relative to `repo_dir` (the directory above
 * the binary's, may be NULL). Returns 0, or -1 with a malloc'd message in *err
 * ("FILE:LINE:COL: ..." for a bad file). A file without `locations` gets the primary
 * "West US" with 1 unit. */
int up_service_load(const char *path, const char *repo_dir, up_service_t *out, char **err);
void up_service_free(up_service_t *s);

/* The locations resource's slug: the name lower-cased, everything but ASCII letters and
 * digits removed ("East Asia" → "eastasia"). Returns the slug's length (0 = no letter or
 * digit at all); truncated to size - 1. */
size_t up_slug(const char *display_name, char *out, size_t size);

#endif
