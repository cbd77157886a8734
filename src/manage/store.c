/* The management store on SQLite (store.h). */
#include "manage/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct manage_store {
    sqlite3 *db;
    int64_t revision;
    int64_t next_seq;
};

static int fail(char **err, const char *what, sqlite3 *db)
{
    if (err && asprintf(err, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory") < 0)
        *err = NULL;
    return -1;
}

static int exec(sqlite3 *db, const char *sql, char **err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    if (err && asprintf(err, "%s: %s", sql, msg ? msg : "error") < 0) *err = NULL;
    sqlite3_free(msg);
    return -1;
}

/* Schema migrations: migrations[v] brings a version-v database to v + 1. Never edit a
 * shipped step; append a new one and bump MANAGE_STORE_SCHEMA_VERSION. */
static const char *const migrations[MANAGE_STORE_SCHEMA_VERSION] = {
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO meta VALUES ('revision', 0), ('next_seq', 1);"
    "CREATE TABLE resources (path TEXT PRIMARY KEY, kind TEXT NOT NULL, seq INTEGER NOT NULL,"
    " etag TEXT NOT NULL, props TEXT NOT NULL, secrets TEXT);"
    "CREATE INDEX resources_seq ON resources(seq);"
    "CREATE TABLE changes (revision INTEGER PRIMARY KEY, time TEXT NOT NULL,"
    " actor TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL);",
};

static int schema_version(sqlite3 *db, int64_t *out, char **err)
{
    if (exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", err) < 0)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &st, NULL) != SQLITE_OK)
        return fail(err, "schema_version", db);
    *out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return 0;
}

static int migrate(sqlite3 *db, char **err)
{
    if (exec(db, "BEGIN IMMEDIATE", err) < 0) return -1;
    int64_t version;
    if (schema_version(db, &version, err) < 0) goto rollback;
    if (version > MANAGE_STORE_SCHEMA_VERSION) {
        if (asprintf(err, "the store has schema version %lld; this build knows up to %d "
                          "(a newer meridian wrote it)",
                     (long long)version, MANAGE_STORE_SCHEMA_VERSION) < 0)
            *err = NULL;
        goto rollback;
    }
    for (int64_t v = version; v < MANAGE_STORE_SCHEMA_VERSION; v++) {
        if (exec(db, migrations[v], err) < 0) goto rollback;
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%lld)", (long long)v + 1);
        if (exec(db, sql, err) < 0) goto rollback;
    }
    if (exec(db, "COMMIT", err) < 0) goto rollback;
    return 0;
rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static int read_meta(manage_store_t *s, const char *key, int64_t *out, char **err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return fail(err, "meta", s->db);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        if (asprintf(err, "meta row '%s' is missing", key) < 0) *err = NULL;
        return -1;
    }
    return 0;
}

int manage_store_open(const char *dir, manage_store_t **out, char **err)
{
    *out = NULL;
    *err = NULL;
    manage_store_t *s = calloc(1, sizeof *s);
    if (!s) return fail(err, "open", NULL);
    char *path;
    if (asprintf(&path, "%s/meridian.db", dir) < 0) abort();
    /* The store holds secrets (subscription keys, secret named values): owner-only, and
     * SQLite gives its -wal and -shm files the database file's mode. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (fchmod(fd, 0600) < 0) { /* best effort: the directory is 0700 anyway */ }
        close(fd);
    }
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                               SQLITE_OPEN_NOMUTEX, NULL);
    free(path);
    if (rc != SQLITE_OK) {
        fail(err, "cannot open the store", s->db);
        goto fail_open;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* WAL + synchronous=FULL: COMMIT returns after the WAL is fsync'd, so an acknowledged
     * write survives a crash or power loss (issue 4). */
    if (exec(s->db, "PRAGMA journal_mode=WAL", err) < 0 ||
        exec(s->db, "PRAGMA synchronous=FULL", err) < 0 ||
        exec(s->db, "PRAGMA foreign_keys=ON", err) < 0)
        goto fail_open;
    if (migrate(s->db, err) < 0) goto fail_open;
    if (read_meta(s, "revision", &s->revision, err) < 0 ||
        read_meta(s, "next_seq", &s->next_seq, err) < 0)
        goto fail_open;
    *out = s;
    return 0;

fail_open:
    sqlite3_close(s->db);
    free(s);
    return -1;
}

void manage_store_close(manage_store_t *s)
{
    if (!s) return;
    sqlite3_close(s->db);
    free(s);
}

int64_t manage_store_revision(const manage_store_t *s)
{
    return s->revision;
}

int64_t manage_store_next_seq(const manage_store_t *s)
{
    return s->next_seq;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int manage_store_scan(manage_store_t *s, int (*fn)(const manage_store_row_t *row, void *ud),
                      void *ud, char **err)
{
    *err = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT path, kind, seq, etag, props, secrets FROM resources ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(err, "scan", s->db);
    int rc, result = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        manage_store_row_t row = {col_text(st, 0), col_text(st, 1), sqlite3_column_int64(st, 2),
                                  col_text(st, 3), col_text(st, 4), col_text(st, 5)};
        if ((result = fn(&row, ud)) != 0) break;
    }
    if (result == 0 && rc != SQLITE_DONE) result = fail(err, "scan", s->db);
    sqlite3_finalize(st);
    return result;
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int manage_store_put_row(manage_store_t *s, const manage_store_row_t *r, char **err)
{
    *err = NULL;
    sqlite3_stmt *put = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO resources (path, kind, seq, etag, props, secrets)"
                           " VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &put, NULL) != SQLITE_OK)
        return fail(err, "put", s->db);
    sqlite3_bind_text(put, 1, r->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(put, 2, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(put, 3, r->seq);
    sqlite3_bind_text(put, 4, r->etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(put, 5, r->props, -1, SQLITE_STATIC);
    if (r->secrets) sqlite3_bind_text(put, 6, r->secrets, -1, SQLITE_STATIC);
    else sqlite3_bind_null(put, 6);
    int rc = step_done(put);
    if (rc < 0) fail(err, "put", s->db);
    sqlite3_finalize(put);
    return rc;
}

int manage_store_commit(manage_store_t *s, const manage_store_op_t *ops, size_t op_count,
                        const manage_store_change_t *change, int64_t next_seq, char **err)
{
    *err = NULL;
    if (change->revision != s->revision + 1) {
        if (asprintf(err, "revision %lld does not follow %lld", (long long)change->revision,
                     (long long)s->revision) < 0)
            *err = NULL;
        return -1;
    }
    sqlite3_stmt *put = NULL, *del = NULL, *meta = NULL, *log = NULL;
    if (exec(s->db, "BEGIN IMMEDIATE", err) < 0) return -1;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO resources (path, kind, seq, etag, props, secrets)"
                           " VALUES (?, ?, ?, ?, ?, ?)",
                           -1, &put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "DELETE FROM resources WHERE path = ?", -1, &del, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE meta SET value = ? WHERE key = ?", -1, &meta, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT INTO changes VALUES (?, ?, ?, ?, ?)", -1, &log, NULL) !=
            SQLITE_OK)
        goto fail_sql;
    for (size_t i = 0; i < op_count; i++) {
        const manage_store_op_t *op = &ops[i];
        if (op->delete_path) {
            sqlite3_bind_text(del, 1, op->delete_path, -1, SQLITE_STATIC);
            if (step_done(del) < 0) goto fail_sql;
            continue;
        }
        const manage_store_row_t *r = &op->row;
        sqlite3_bind_text(put, 1, r->path, -1, SQLITE_STATIC);
        sqlite3_bind_text(put, 2, r->kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(put, 3, r->seq);
        sqlite3_bind_text(put, 4, r->etag, -1, SQLITE_STATIC);
        sqlite3_bind_text(put, 5, r->props, -1, SQLITE_STATIC);
        if (r->secrets)
            sqlite3_bind_text(put, 6, r->secrets, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(put, 6);
        if (step_done(put) < 0) goto fail_sql;
    }
    sqlite3_bind_int64(meta, 1, change->revision);
    sqlite3_bind_text(meta, 2, "revision", -1, SQLITE_STATIC);
    if (step_done(meta) < 0) goto fail_sql;
    sqlite3_bind_int64(meta, 1, next_seq);
    sqlite3_bind_text(meta, 2, "next_seq", -1, SQLITE_STATIC);
    if (step_done(meta) < 0) goto fail_sql;
    sqlite3_bind_int64(log, 1, change->revision);
    sqlite3_bind_text(log, 2, change->time, -1, SQLITE_STATIC);
    sqlite3_bind_text(log, 3, change->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(log, 4, change->method, -1, SQLITE_STATIC);
    sqlite3_bind_text(log, 5, change->path, -1, SQLITE_STATIC);
    if (step_done(log) < 0) goto fail_sql;
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto fail_sql;
    sqlite3_finalize(put);
    sqlite3_finalize(del);
    sqlite3_finalize(meta);
    sqlite3_finalize(log);
    s->revision = change->revision;
    s->next_seq = next_seq;
    return 0;

fail_sql:
    fail(err, "commit", s->db);
    sqlite3_finalize(put);
    sqlite3_finalize(del);
    sqlite3_finalize(meta);
    sqlite3_finalize(log);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int manage_store_changes(manage_store_t *s, int64_t skip, int64_t top,
                         int (*fn)(const manage_store_change_t *c, void *ud), void *ud,
                         int64_t *total, char **err)
{
    *err = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM changes", -1, &st, NULL) != SQLITE_OK)
        return fail(err, "changes", s->db);
    *total = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(s->db,
                           "SELECT revision, time, actor, method, path FROM changes"
                           " ORDER BY revision DESC LIMIT ? OFFSET ?",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(err, "changes", s->db);
    sqlite3_bind_int64(st, 1, top);
    sqlite3_bind_int64(st, 2, skip);
    int rc, result = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        manage_store_change_t c = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                                   col_text(st, 3), col_text(st, 4)};
        if ((result = fn(&c, ud)) != 0) break;
    }
    if (result == 0 && rc != SQLITE_DONE) result = fail(err, "changes", s->db);
    sqlite3_finalize(st);
    return result;
}
