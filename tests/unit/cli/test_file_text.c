/* file_text: whole files and streams read into memory, the limit that stops a read early,
 * and the errno of a failure. */
#include "cli/file_text.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void make_file(void)
{
    snprintf(path, sizeof path, "/tmp/meridian-file-text-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
}

static void remove_file(void)
{
    unlink(path);
}

TestSuite(file_text, .init = make_file, .fini = remove_file);

/* Writes `size` bytes of a pattern (byte i is i % 251) to the test file. */
static void write_pattern(size_t size)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (size_t i = 0; i < size; i++)
        fputc((int)(i % 251), f);
    cr_assert_eq(fclose(f), 0);
}

static void expect_pattern(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)data[i] != i % 251) cr_assert_fail("byte %zu is %d", i, data[i]);
}

Test(file_text, a_file_larger_than_the_first_buffer_is_read_whole_and_terminated)
{
    write_pattern(300000); /* the buffer starts at 64 KiB: it grows three times */
    size_t len = 0;
    char *data = cli_read_file(path, SIZE_MAX, &len);
    cr_assert_not_null(data);
    cr_assert_eq(len, 300000);
    expect_pattern(data, len);
    cr_assert_eq(data[len], '\0');
    free(data);
}

Test(file_text, an_empty_file_is_an_empty_string)
{
    size_t len = 99;
    char *data = cli_read_file(path, SIZE_MAX, &len);
    cr_assert_not_null(data);
    cr_assert_eq(len, 0);
    cr_assert_str_eq(data, "");
    free(data);
}

Test(file_text, the_limit_stops_the_read_past_it_but_not_at_it)
{
    write_pattern(1000000);
    size_t len = 0;
    char *data = cli_read_file(path, 100000, &len);
    cr_assert_not_null(data);
    cr_assert_gt(len, 100000, "more than the limit, so that the caller can refuse it");
    cr_assert_lt(len, 1000000, "the rest is left unread");
    expect_pattern(data, len);
    cr_assert_eq(data[len], '\0');
    free(data);
    /* a file within the limit is read whole */
    data = cli_read_file(path, 1000000, &len);
    cr_assert_not_null(data);
    cr_assert_eq(len, 1000000);
    free(data);
}

Test(file_text, a_missing_file_fails_with_the_errno_of_open)
{
    size_t len = 0;
    errno = 0;
    cr_assert_null(cli_read_file("/nonexistent/meridian-file-text", SIZE_MAX, &len));
    cr_assert_eq(errno, ENOENT);
}

Test(file_text, a_stream_is_read_to_its_end)
{
    static const char text[] = "line one\nline two\n";
    FILE *f = fmemopen((void *)text, sizeof text - 1, "r");
    cr_assert_not_null(f);
    size_t len = 0;
    char *data = cli_read_stream(f, SIZE_MAX, &len);
    fclose(f);
    cr_assert_not_null(data);
    cr_assert_eq(len, sizeof text - 1);
    cr_assert_str_eq(data, text);
    free(data);
}

Test(file_text, a_read_error_is_eio)
{
    FILE *f = fopen(path, "w"); /* write-only: reading it fails */
    cr_assert_not_null(f);
    size_t len = 0;
    errno = 0;
    cr_assert_null(cli_read_stream(f, SIZE_MAX, &len));
    cr_assert_eq(errno, EIO);
    fclose(f);
}
