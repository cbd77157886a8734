/* The public policy documents of ../shared/conformance, read in place by the conformance
 * tests (never copied into the repository). Tests run from the repository root. A missing
 * directory or fewer documents than expected is a failure, never a skip (STYLE.md §10).
 * Header-only: every test is one translation unit. */
#ifndef MERIDIAN_TESTS_CONFORMANCE_FILES_H
#define MERIDIAN_TESTS_CONFORMANCE_FILES_H

#include "file_text.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFORMANCE "../shared/conformance"
#define EXPECTED_DOCUMENTS 118

typedef struct {
    char **paths; /* sorted by path */
    size_t count, cap;
} list_t;

static int conformance_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void conformance_collect_dir(list_t *l, const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s: %s (tests run from the repository root)", dir, strerror(errno));
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".xml") != 0) continue;
        if (l->count == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 128;
            l->paths = realloc(l->paths, l->cap * sizeof *l->paths);
        }
        size_t len = strlen(dir) + 1 + n + 1;
        l->paths[l->count] = malloc(len);
        snprintf(l->paths[l->count++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
}

/* Every document of both collections, sorted; asserts there are at least 118. */
static list_t conformance_list(void)
{
    list_t l = {0};
    conformance_collect_dir(&l, CONFORMANCE "/policy-snippets");
    conformance_collect_dir(&l, CONFORMANCE "/policy-toolkit");
    cr_assert_geq(l.count, EXPECTED_DOCUMENTS, "found %zu documents under " CONFORMANCE
                  ", expected %d", l.count, EXPECTED_DOCUMENTS);
    qsort(l.paths, l.count, sizeof *l.paths, conformance_by_name);
    return l;
}

static void conformance_list_free(list_t *l)
{
    for (size_t i = 0; i < l->count; i++) free(l->paths[i]);
    free(l->paths);
}

#endif
