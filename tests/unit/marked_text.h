/* Test inputs that carry a marker character where an error must point: the marker is
 * removed, and its 1-based line and column (columns count UTF-8 characters, as every
 * Meridian error does) are computed. Header-only: every test is one translation unit. */
#ifndef MERIDIAN_TESTS_MARKED_TEXT_H
#define MERIDIAN_TESTS_MARKED_TEXT_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *text; /* `marked` without its marker, malloc'd */
    unsigned line, col;
} marked_text_t;

static marked_text_t marked_text(const char *marked, char marker)
{
    const char *at = strchr(marked, marker);
    cr_assert_not_null(at, "test case lacks a '%c' marker", marker);
    size_t off = (size_t)(at - marked);
    marked_text_t m = {malloc(strlen(marked)), 1, 1};
    memcpy(m.text, marked, off);
    strcpy(m.text + off, at + 1);
    for (size_t i = 0; i < off; i++) {
        if (marked[i] == '\n') {
            m.line++;
            m.col = 1;
        } else if (((unsigned char)marked[i] & 0xC0) != 0x80) {
            m.col++;
        }
    }
    return m;
}

#endif
