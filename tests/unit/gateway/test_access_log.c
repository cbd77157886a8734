/* gateway_access_log: every line written reaches the file — by the size threshold, by the
 * timer, by flush and by close — and lines that arrive while a write is in flight wait for
 * their own threshold or the timer instead of a write each (the busy-unit case). */
#include "gateway/access_log.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/meridian-access-log-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
}

static void teardown(void)
{
    unlink(path);
}

static size_t lines_in_file(void)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        if (c == '\n') n++;
    fclose(f);
    return n;
}

static void write_entries(gateway_access_log_t *log, int count)
{
    for (int i = 0; i < count; i++) {
        gateway_access_entry_t e = {
            .region = "West US",
            .unit = 0,
            .api = "echo",
            .operation = "get",
            .method = slice_from_cstr("GET"),
            .path = slice_from_cstr("/echo/x"),
            .status = 200,
            .backend_ms = 1.5,
            .total_ms = 2.0,
            .client_ip = "127.0.0.1",
        };
        gateway_access_log_write(log, &e);
    }
}

static void on_keep(uv_timer_t *t)
{
    (void)t;
}

static void flagged(void *ud)
{
    *(int *)ud += 1;
}

TestSuite(access_log, .init = setup, .fini = teardown);

Test(access_log, timer_writes_a_small_batch)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    const char *err = NULL;
    gateway_access_log_t *log = gateway_access_log_open(&loop, path, &err);
    cr_assert_not_null(log, "%s", err ? err : "");
    write_entries(log, 3);
    cr_assert_eq(lines_in_file(), 0, "a small batch waits for the timer");
    /* The timer is unreferenced: keep the loop alive with a longer timer of our own. */
    uv_timer_t keep;
    uv_timer_init(&loop, &keep);
    uv_timer_start(&keep, on_keep, 600, 0);
    while (lines_in_file() < 3 && uv_run(&loop, UV_RUN_ONCE)) {
    }
    cr_assert_eq(lines_in_file(), 3);
    gateway_access_log_close(log);
    uv_close((uv_handle_t *)&keep, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(access_log, lines_written_during_a_write_are_kept_and_flushed)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    const char *err = NULL;
    gateway_access_log_t *log = gateway_access_log_open(&loop, path, &err);
    cr_assert_not_null(log);
    /* Past the 64 KiB threshold: a write starts; then more lines arrive while it is in
     * flight. */
    write_entries(log, 400);
    write_entries(log, 7);
    /* Run until nothing but the (unreferenced) timer is left: the first write completes
     * and what arrived meanwhile is below the threshold, so it is not written at once. */
    uv_run(&loop, UV_RUN_DEFAULT);
    size_t first = lines_in_file();
    cr_assert(first > 0 && first < 407, "first batch %zu: the rest waits for the timer", first);
    int done = 0;
    gateway_access_log_flush(log, flagged, &done);
    while (!done && uv_run(&loop, UV_RUN_ONCE)) {
    }
    cr_assert_eq(done, 1);
    cr_assert_eq(lines_in_file(), 407, "flush writes what arrived during the first write");
    cr_assert_eq(gateway_access_log_dropped(log), 0);
    write_entries(log, 5);
    gateway_access_log_close(log);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(lines_in_file(), 412, "close writes the rest");
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(access_log, off_writes_nothing)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    const char *err = NULL;
    gateway_access_log_t *log = gateway_access_log_open(&loop, "off", &err);
    cr_assert_not_null(log);
    write_entries(log, 10);
    int done = 0;
    gateway_access_log_flush(log, flagged, &done);
    cr_assert_eq(done, 1, "nothing to write: done at once");
    gateway_access_log_close(log);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(lines_in_file(), 0);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
