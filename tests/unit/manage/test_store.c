#include "manage/store.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/meridian-store-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(store, .init = make_dir, .fini = remove_dir);

typedef struct {
    char paths[8][64];
    char props[8][128];
    int n;
} rows_t;

static int collect(const manage_store_row_t *row, void *ud)
{
    rows_t *r = ud;
    snprintf(r->paths[r->n], sizeof r->paths[0], "%s", row->path);
    snprintf(r->props[r->n], sizeof r->props[0], "%s|%s", row->props, row->secrets ? row->secrets : "-");
    r->n++;
    return 0;
}

Test(store, new_store_starts_at_revision_zero_and_commits_bump_it)
{
    manage_store_t *s;
    char *err;
    cr_assert_eq(manage_store_open(dir, &s, &err), 0, "%s", err);
    cr_expect_eq(manage_store_revision(s), 0);
    cr_expect_eq(manage_store_next_seq(s), 1);
    manage_store_op_t ops[] = {
        {.row = {"/apis/a", "apis", 1, "1", "{\"path\":\"a\"}", NULL}},
        {.row = {"/subscriptions/s", "subscriptions", 2, "1", "{}", "{\"primaryKey\":\"k\"}"}},
    };
    manage_store_change_t ch = {1, "2026-01-01T00:00:00Z", "admin", "PUT", "/apis/a"};
    cr_assert_eq(manage_store_commit(s, ops, 2, &ch, 3, &err), 0, "%s", err);
    cr_expect_eq(manage_store_revision(s), 1);
    manage_store_close(s);

    /* Reopened: the rows, the revision and the sequence survive. */
    cr_assert_eq(manage_store_open(dir, &s, &err), 0, "%s", err);
    cr_expect_eq(manage_store_revision(s), 1);
    cr_expect_eq(manage_store_next_seq(s), 3);
    rows_t rows = {0};
    cr_assert_eq(manage_store_scan(s, collect, &rows, &err), 0);
    cr_assert_eq(rows.n, 2);
    cr_expect_str_eq(rows.paths[0], "/apis/a");
    cr_expect_str_eq(rows.props[0], "{\"path\":\"a\"}|-");
    cr_expect_str_eq(rows.props[1], "{}|{\"primaryKey\":\"k\"}");

    manage_store_op_t del[] = {{.delete_path = "/apis/a"}};
    manage_store_change_t ch2 = {2, "2026-01-01T00:00:01Z", "admin", "DELETE", "/apis/a"};
    cr_assert_eq(manage_store_commit(s, del, 1, &ch2, 3, &err), 0, "%s", err);
    rows = (rows_t){0};
    cr_assert_eq(manage_store_scan(s, collect, &rows, &err), 0);
    cr_expect_eq(rows.n, 1);
    manage_store_close(s);
}

Test(store, a_revision_that_does_not_follow_is_refused_and_changes_nothing)
{
    manage_store_t *s;
    char *err;
    cr_assert_eq(manage_store_open(dir, &s, &err), 0);
    manage_store_op_t ops[] = {{.row = {"/apis/a", "apis", 1, "1", "{}", NULL}}};
    manage_store_change_t ch = {5, "t", "admin", "PUT", "/apis/a"};
    cr_expect_eq(manage_store_commit(s, ops, 1, &ch, 2, &err), -1);
    cr_assert_not_null(err);
    cr_expect(strstr(err, "does not follow") != NULL, "%s", err);
    free(err);
    cr_expect_eq(manage_store_revision(s), 0);
    rows_t rows = {0};
    cr_assert_eq(manage_store_scan(s, collect, &rows, &err), 0);
    cr_expect_eq(rows.n, 0);
    manage_store_close(s);
}

typedef struct {
    long long revs[8];
    int n;
} changes_t;

static int collect_change(const manage_store_change_t *c, void *ud)
{
    changes_t *ch = ud;
    ch->revs[ch->n++] = (long long)c->revision;
    return 0;
}

Test(store, change_log_is_newest_first_and_paged)
{
    manage_store_t *s;
    char *err;
    cr_assert_eq(manage_store_open(dir, &s, &err), 0);
    for (int i = 1; i <= 5; i++) {
        char path[32];
        snprintf(path, sizeof path, "/backends/b%d", i);
        manage_store_op_t ops[] = {{.row = {path, "backends", i, "1", "{}", NULL}}};
        manage_store_change_t ch = {i, "t", "admin", "PUT", path};
        cr_assert_eq(manage_store_commit(s, ops, 1, &ch, i + 1, &err), 0);
    }
    changes_t got = {0};
    int64_t total;
    cr_assert_eq(manage_store_changes(s, 1, 2, collect_change, &got, &total, &err), 0);
    cr_expect_eq(total, 5);
    cr_assert_eq(got.n, 2);
    cr_expect_eq(got.revs[0], 4);
    cr_expect_eq(got.revs[1], 3);
    manage_store_close(s);
}

Test(store, refuses_a_newer_schema)
{
    manage_store_t *s;
    char *err;
    cr_assert_eq(manage_store_open(dir, &s, &err), 0);
    manage_store_close(s);
    char path[128];
    snprintf(path, sizeof path, "%s/meridian.db", dir);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    cr_expect_eq(manage_store_open(dir, &s, &err), -1);
    cr_assert_not_null(err);
    cr_expect(strstr(err, "schema version 99") != NULL, "%s", err);
    free(err);
}

Test(store, files_holding_secrets_are_owner_only)
{
    manage_store_t *s;
    char *err;
    cr_assert_eq(manage_store_open(dir, &s, &err), 0, "%s", err);
    manage_store_op_t ops[] = {{.row = {"/namedValues/k", "namedValues", 1, "1", "{}", "{\"value\":\"s\"}"}}};
    manage_store_change_t ch = {1, "2026-01-01T00:00:00Z", "admin", "PUT", "/namedValues/k"};
    cr_assert_eq(manage_store_commit(s, ops, 1, &ch, 2, &err), 0, "%s", err);
    const char *names[] = {"meridian.db", "meridian.db-wal"};
    for (size_t i = 0; i < 2; i++) {
        char path[128];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cr_assert_eq(stat(path, &st), 0, "%s", path);
        cr_expect_eq(st.st_mode & 0777, 0600, "%s has mode %o", names[i], st.st_mode & 0777);
    }
    manage_store_close(s);
}
