/* manage_snapshot: the gateway snapshot (docs/snapshot.md) built from the management
 * plane's resources, and compile errors mapped back to the resource that caused them.
 *
 * The resources are a JSON object: entity path ("/apis/orders", "" for the service) →
 * entry {"kind": <type suffix, resources.h>, "seq": n, "etag": "...", "props": {...},
 * "secrets": {...}?}, in creation order. The service entry's props are
 * {"location": "West US", "properties": {...}}.
 *
 * The snapshot is what `meridian gateway` loads: the same document is compiled with
 * gateway_config_compile() to validate a write (issue 4, "the same code, not a second
 * implementation") and served by GET {svc}/snapshot. */
#ifndef MERIDIAN_MANAGE_SNAPSHOT_H
#define MERIDIAN_MANAGE_SNAPSHOT_H

#include "manage/resources.h"

#include <jansson.h>
#include <stdint.h>

typedef struct {
    json_t *doc;  /* the snapshot document */
    char *text;   /* doc as JSON text (what is compiled and served) */
    size_t len;
    json_t *ids;  /* private: array index → resource id, for mapping errors */
} manage_snapshot_t;

/* Builds the snapshot of `resources` at `revision` for service `service_name`, whose ARM
 * resource id is `service_id` (context.Deployment.ServiceId; NULL = none).
 * Never fails except on out-of-memory (abort). */
void manage_snapshot_build(const json_t *resources, const char *service_name,
                           const char *service_id, int64_t revision, manage_snapshot_t *out);
void manage_snapshot_free(manage_snapshot_t *s);

/* Compiles the snapshot with the gateway's compiler. Returns 0, or -1 with *e set to a
 * 400 ValidationError whose target is the resource path the error is in, with the policy
 * document's line and column when the error is inside one. */
int manage_snapshot_validate(const manage_snapshot_t *s, manage_error_t *e);

/* Maps a compile error message ("snapshot.json:L:C: [scope:l:c: ]what (at path)") onto
 * *e (exposed for tests). */
void manage_snapshot_map_error(const manage_snapshot_t *s, const char *msg, manage_error_t *e);

/* The API id and operation id of an "apis/operations" entity path; false when malformed. */
bool manage_path_ids(const char *path, int index, char *out, size_t n);

#endif
