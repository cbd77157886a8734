/* docs/policy-composition.md lists every registered policy with its sections, scopes and
 * rules; this test keeps that table equal to the registry (src/policy/registry.h). On a
 * mismatch it prints the table the registry gives, ready to paste. */
#include "policy/registry.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC "docs/policy-composition.md"
#define REGISTRY_ROWS_MAX 256

static void row(const policy_descriptor_t *d, char *out, size_t size)
{
    static const char letters[] = "IBOE";
    char sections[16] = "", scopes[64] = "", notes[96] = "";
    size_t used = 0;
    for (int s = 0; s < POLICY_SECTION_COUNT; s++)
        if (d->sections & (1u << s))
            used += (size_t)snprintf(sections + used, sizeof sections - used, "%s%c",
                                     used ? "," : "", letters[s]);
    if (d->scopes == POLICY_ALL_SCOPES)
        snprintf(scopes, sizeof scopes, "all");
    else
        for (int s = 0, u = 0; s < POLICY_SCOPE_COUNT; s++)
            if (d->scopes & (1u << s))
                u += snprintf(scopes + u, sizeof scopes - (size_t)u, "%s%s", u ? ", " : "",
                              policy_scope_name((policy_scope_t)s));
    used = 0;
    if (d->flags & POLICY_ONCE_PER_SECTION)
        used += (size_t)snprintf(notes + used, sizeof notes - used, "once per section");
    if (d->flags & POLICY_ONCE_PER_DOCUMENT)
        used += (size_t)snprintf(notes + used, sizeof notes - used, "%sonce per document",
                                 used ? "; " : "");
    if (d->flags & POLICY_NEEDS_EXTERNAL)
        used += (size_t)snprintf(notes + used, sizeof notes - used, "%sexternal endpoint",
                                 used ? "; " : "");
    snprintf(out, size, "| `%s` | %s | %s | %s | %s |", d->name, d->family, sections, scopes,
             notes);
}

Test(policy_table, doc_table_matches_registry)
{
    FILE *f = fopen(DOC, "r");
    cr_assert_not_null(f, DOC " is missing (tests run from the repository root)");
    char line[512], *doc_rows[REGISTRY_ROWS_MAX];
    size_t doc_count = 0;
    while (fgets(line, sizeof line, f) && doc_count < REGISTRY_ROWS_MAX) {
        if (strncmp(line, "| `", 3) != 0) continue;
        line[strcspn(line, "\n")] = '\0';
        doc_rows[doc_count++] = strdup(line);
    }
    fclose(f);
    size_t count;
    const policy_descriptor_t *const *all = policy_registry_all(&count);
    bool is_same = count == doc_count;
    char expected[512];
    for (size_t i = 0; i < count && is_same; i++) {
        row(all[i], expected, sizeof expected);
        is_same = strcmp(expected, doc_rows[i]) == 0;
    }
    if (!is_same) {
        printf("%s differs from the registry; the table should read:\n", DOC);
        for (size_t i = 0; i < count; i++) {
            row(all[i], expected, sizeof expected);
            printf("%s\n", expected);
        }
    }
    for (size_t i = 0; i < doc_count; i++) free(doc_rows[i]);
    cr_assert(is_same, DOC " lists %zu policies, the registry %zu (or a row differs)", doc_count,
              count);
}
