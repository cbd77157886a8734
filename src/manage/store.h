/* manage_store: the management plane's durable store, one SQLite file (DIR/meridian.db).
 *
 * The database is opened in WAL mode with synchronous=FULL, so a transaction is on disk
 * (the WAL fsync'd) when COMMIT returns: a write is acknowledged only after
 * manage_store_commit() returned 0 (issue 4, "a write is acknowledged only once durable").
 * The schema is versioned (table schema_version) and migrated forward on open.
 *
 * Resources are rows keyed by their path under the service ("/apis/orders"): kind, a
 * creation sequence number (list order), the entity tag, the properties as JSON text and
 * the secrets (subscription keys, secret named values) as JSON text kept apart so that
 * nothing that reads properties can leak them. One service-wide revision lives in the
 * meta table and is bumped in the same transaction as every accepted change, which also
 * appends a row to the change log.
 *
 * Blocking: every call does file I/O. The server calls them only from its worker thread
 * (never on the event loop, STYLE.md habit 8); one store is used by one thread at a time. */
#ifndef MERIDIAN_MANAGE_STORE_H
#define MERIDIAN_MANAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct manage_store manage_store_t;

/* The schema version this build writes (migrations bring older files up to it). */
#define MANAGE_STORE_SCHEMA_VERSION 1

typedef struct {
    const char *path;    /* "/apis/orders" ("" = the service itself) */
    const char *kind;    /* "apis", "apis/operations"... (resources.h) */
    int64_t seq;         /* creation order */
    const char *etag;    /* without quotes */
    const char *props;   /* JSON text of the properties object */
    const char *secrets; /* JSON text, or NULL when the resource has none */
} manage_store_row_t;

/* One change of a commit: a row to insert or replace (`row.path` set), or a path to
 * delete (`delete_path` set, row ignored). */
typedef struct {
    manage_store_row_t row;
    const char *delete_path;
} manage_store_op_t;

typedef struct {
    int64_t revision;
    const char *time; /* RFC 3339 UTC */
    const char *actor;
    const char *method;
    const char *path;
} manage_store_change_t;

/* Opens (creating when missing) DIR/meridian.db and migrates it. Returns 0, or -1 with a
 * malloc'd message in *err. A file written by a newer schema is refused. */
int manage_store_open(const char *dir, manage_store_t **out, char **err);
void manage_store_close(manage_store_t *s);

/* The committed revision and the next free sequence number. */
int64_t manage_store_revision(const manage_store_t *s);
int64_t manage_store_next_seq(const manage_store_t *s);

/* Calls fn for every resource row in creation order; fn returning non-zero stops the scan
 * and is returned. Strings are valid only during the call. */
int manage_store_scan(manage_store_t *s, int (*fn)(const manage_store_row_t *row, void *ud),
                      void *ud, char **err);

/* Applies `ops` in one transaction together with the revision bump to `change->revision`
 * (which must be revision + 1) and the change log row. Returns 0 once COMMIT returned
 * (durable), or -1 with *err set and nothing changed. */
int manage_store_commit(manage_store_t *s, const manage_store_op_t *ops, size_t op_count,
                        const manage_store_change_t *change, int64_t next_seq, char **err);

/* Inserts or replaces one row without a revision bump or a change-log entry: only for
 * state created at start-up that changes no configuration (the primary location, with its
 * gateway keys, on a service's first start). Returns 0 once durable, or -1 with *err. */
int manage_store_put_row(manage_store_t *s, const manage_store_row_t *row, char **err);

/* The change log, newest first: calls fn for rows skip .. skip+top-1. *total is the number
 * of rows. Returns 0 or -1 with *err. */
int manage_store_changes(manage_store_t *s, int64_t skip, int64_t top,
                         int (*fn)(const manage_store_change_t *c, void *ud), void *ud,
                         int64_t *total, char **err);

#endif
