/* manage_resources: the management API's resource model (docs/manage-api.md): which paths
 * under {svc} name which kind of resource, and what a kind's properties may hold.
 *
 * A path is split into segments after {svc}: "apis/orders/operations/get" is the
 * operation "get" of API "orders". Every resource lives at one *entity path*
 * ("/apis/orders/operations/get"); its collection is the path without the last segment.
 * Ids are 1-256 characters of letters, digits, '-', '.', '_' and '~' (ARM names are
 * URL path segments; these need no encoding anywhere, including the snapshot's
 * "apiId/operationId" keys). */
#ifndef MERIDIAN_MANAGE_RESOURCES_H
#define MERIDIAN_MANAGE_RESOURCES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define MANAGE_PATH_MAX 1400
#define MANAGE_ID_MAX 256

typedef enum {
    MANAGE_FIELD_STRING,
    MANAGE_FIELD_BOOL,
    MANAGE_FIELD_INT,
    MANAGE_FIELD_ARRAY,        /* any JSON array */
    MANAGE_FIELD_STRING_ARRAY, /* array of strings (values checked against `allowed`) */
    MANAGE_FIELD_OBJECT,       /* any JSON object */
} manage_field_type_t;

typedef struct {
    const char *name;
    manage_field_type_t type;
    bool is_required;
    bool is_read_only;           /* accepted on input (GET → PUT round trips) and ignored */
    const char *const *allowed;  /* NULL-terminated allowed values, or NULL = any */
    size_t max_len;              /* strings: at most this many bytes (0 = no limit) */
} manage_field_t;

/* An error found while checking a request: an HTTP status, the ARM error code, a message
 * and where (target = resource path or "properties.<field>"; line/column > 0 for a place
 * in a policy document). */
typedef struct {
    int status;
    const char *code;
    char message[1024];
    char target[MANAGE_PATH_MAX];
    unsigned line, column;
    /* details[].message when set: the bare reason, without the target and place that the
     * detail's own fields carry ("" = the message) */
    char detail[512];
} manage_error_t;

/* Texts that go into JSON must be UTF-8 (RFC 8259 §8.1): repair replaces every byte of an
 * invalid sequence (including one cut by truncation) with '?', in place. */
void manage_utf8_repair(char *s);
bool manage_utf8_is_valid(const char *s);

/* Fills *e and returns -1 (for `return manage_error_set(...)`). */
int manage_error_set(manage_error_t *e, int status, const char *code, const char *target,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

typedef enum {
    MANAGE_KIND_FLAG_POLICY = 1,      /* a policy document: value + format */
    MANAGE_KIND_FLAG_LINK = 2,        /* a link: the last id names a resource elsewhere */
    MANAGE_KIND_FLAG_SUBSCRIPTION = 4,
    MANAGE_KIND_FLAG_NAMED_VALUE = 8,
} manage_kind_flags_t;

typedef struct manage_kind {
    const char *pattern;       /* like "apis/{}/operations/{}" with "*" for each id */
    const char *type;          /* suffix after "Microsoft.ApiManagement/service/" */
    const manage_field_t *fields;
    unsigned flags;            /* MANAGE_KIND_FLAG_* */
    const char *link_target;   /* LINK: collection the last id refers to ("apis", "users") */
    const char *const *actions; /* POST actions on an entity ("listSecrets"...), or NULL */
} manage_kind_t;

typedef enum {
    MANAGE_ROUTE_SERVICE,    /* {svc} itself */
    MANAGE_ROUTE_SNAPSHOT,   /* {svc}/snapshot */
    MANAGE_ROUTE_CHANGES,    /* {svc}/changes */
    MANAGE_ROUTE_ENTITY,
    MANAGE_ROUTE_COLLECTION,
    MANAGE_ROUTE_ACTION,
} manage_route_type_t;

typedef struct {
    manage_route_type_t type;
    const manage_kind_t *kind;       /* ENTITY, COLLECTION, ACTION */
    char path[MANAGE_PATH_MAX];      /* entity path, or collection path ("/apis") */
    char name[MANAGE_ID_MAX + 1];    /* the entity's id (last segment) */
    const char *action;              /* ACTION: the action name */
    /* Entity paths that must exist for this one to (the API of an operation, the product
     * and API of a product link...). */
    char parents[3][MANAGE_PATH_MAX];
    size_t parent_count;
} manage_route_t;

/* Resolves a path relative to {svc} ("" or "/apis/orders"; already percent-decoded into
 * segments by the caller, joined with '/'). Returns 0, or -1 with a 404 in *e (unknown
 * path or a malformed id). */
int manage_route(const char *rel_path, manage_route_t *out, manage_error_t *e);

/* Checks a request body's "properties" for kind `k` (unknown fields, types, required
 * fields, allowed values, lengths, the kind's own rules) and returns the properties to
 * store (a new reference: read-only fields dropped, defaults applied, subscription scopes
 * normalised). `secrets` receives a new object for the kind's secret members (subscription
 * keys, a secret named value's value), or NULL. `existing_secrets` (may be NULL) are kept
 * for secrets the body does not set. Returns NULL with *e set (400) on a bad body. */
json_t *manage_props_check(const manage_kind_t *k, const json_t *props,
                           const json_t *existing_secrets, json_t **secrets, manage_error_t *e);

/* The service's own properties (publisherEmail, publisherName; gatewayUrl read-only). */
extern const manage_field_t manage_service_fields[];
int manage_fields_check(const manage_field_t *fields, const json_t *props, manage_error_t *e);

/* "Microsoft.ApiManagement/service/" + type. out >= 128 bytes. */
void manage_kind_type_name(const manage_kind_t *k, char *out, size_t n);
/* True when `id` is a valid resource id (see above). */
bool manage_id_is_valid(const char *id, size_t len);
/* Random key material: base64 of `bytes` random bytes (subscription keys, admin keys).
 * Returns a malloc'd string. */
char *manage_random_base64(size_t bytes, bool url_safe);

#endif
