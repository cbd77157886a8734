/* A whole test input file read into memory (the conformance documents, the canonical policy
 * of the document and pre-pass tests). Tests run from the repository root; a file that
 * cannot be read fails the test. Header-only: every test is one translation unit. */
#ifndef MERIDIAN_TESTS_FILE_TEXT_H
#define MERIDIAN_TESTS_FILE_TEXT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

/* The whole file, NUL-terminated (malloc'd); its length in *len. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s (tests run from the repository root)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    cr_assert_eq(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    data[n] = '\0';
    *len = (size_t)n;
    return data;
}

#endif
