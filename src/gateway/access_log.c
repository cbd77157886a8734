#include "gateway/access_log.h"

#include "base/buf.h"
#include "base/clock.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_INTERVAL_MS 200
#define FLUSH_BYTES (64 * 1024)
#define MAX_BATCH (4u << 20)

struct gateway_access_log {
    uv_loop_t *loop;
    uv_file fd;
    bool disabled;
    bool owns_fd;
    bool closing;
    buf_t batch;
    buf_t writing;
    bool write_in_flight;
    uv_fs_t req;
    uv_timer_t timer;
    uint64_t dropped;
    void (*flush_done)(void *);
    void *flush_ud;
};

static void start_write(gateway_access_log_t *log);
static void on_timer(uv_timer_t *t);

gateway_access_log_t *gateway_access_log_open(uv_loop_t *loop, const char *path, const char **err)
{
    gateway_access_log_t *log = calloc(1, sizeof *log);
    if (!log) {
        *err = "out of memory";
        return NULL;
    }
    log->loop = loop;
    if (path && strcmp(path, "off") == 0) {
        log->disabled = true;
    } else if (!path || strcmp(path, "-") == 0) {
        log->fd = STDOUT_FILENO;
    } else {
        log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log->fd < 0) {
            *err = "cannot open the access log file";
            free(log);
            return NULL;
        }
        log->owns_fd = true;
    }
    uv_timer_init(loop, &log->timer);
    log->timer.data = log;
    uv_unref((uv_handle_t *)&log->timer);
    return log;
}

static void finish_close(uv_handle_t *h)
{
    gateway_access_log_t *log = h->data;
    if (log->owns_fd) close(log->fd);
    buf_free(&log->batch);
    buf_free(&log->writing);
    free(log);
}

static void on_written(uv_fs_t *req)
{
    gateway_access_log_t *log = req->data;
    uv_fs_req_cleanup(req);
    log->write_in_flight = false;
    log->writing.len = 0;
    /* What arrived while this write was in flight waits for its own threshold or the timer:
     * writing it at once would turn a busy unit's log into one small write (a thread-pool
     * round trip: a futex wake and an eventfd write) every few requests. A flush or close
     * writes everything now. */
    if (log->batch.len >= FLUSH_BYTES || (log->batch.len && (log->flush_done || log->closing))) {
        start_write(log);
        return;
    }
    if (log->batch.len && !log->closing && !uv_is_active((uv_handle_t *)&log->timer))
        uv_timer_start(&log->timer, on_timer, FLUSH_INTERVAL_MS, 0);
    if (log->flush_done) {
        void (*done)(void *) = log->flush_done;
        log->flush_done = NULL;
        done(log->flush_ud);
    }
    if (log->closing) uv_close((uv_handle_t *)&log->timer, finish_close);
}

static void start_write(gateway_access_log_t *log)
{
    if (log->write_in_flight || log->batch.len == 0) return;
    buf_t t = log->writing;
    log->writing = log->batch;
    log->batch = t;
    log->batch.len = 0;
    uv_buf_t b = uv_buf_init(log->writing.data, (unsigned)log->writing.len);
    log->req.data = log;
    log->write_in_flight = true;
    if (uv_fs_write(log->loop, &log->req, log->fd, &b, 1, -1, on_written) < 0) {
        log->write_in_flight = false;
        log->dropped++;
        log->writing.len = 0;
    }
}

static void on_timer(uv_timer_t *t)
{
    start_write(t->data);
}

void gateway_access_log_write(gateway_access_log_t *log, const gateway_access_entry_t *e)
{
    if (log->disabled || log->closing) return;
    if (log->batch.len > MAX_BATCH) {
        log->dropped++;
        return;
    }
    buf_t *b = &log->batch;
    size_t mark = b->len;
    char when[40];
    clock_format_iso8601(clock_wall_ms(), when, sizeof when);
    int rc = buf_printf(b, "{\"time\":\"%s\",\"region\":\"", when);
    rc |= buf_append_json_escaped(b, e->region, strlen(e->region));
    rc |= buf_printf(b, "\",\"unit\":%d,\"api\":\"", e->unit);
    rc |= buf_append_json_escaped(b, e->api, strlen(e->api));
    rc |= buf_append_cstr(b, "\",\"operation\":\"");
    rc |= buf_append_json_escaped(b, e->operation, strlen(e->operation));
    rc |= buf_append_cstr(b, "\",\"method\":\"");
    rc |= buf_append_json_escaped(b, e->method.ptr, e->method.len);
    rc |= buf_append_cstr(b, "\",\"path\":\"");
    rc |= buf_append_json_escaped(b, e->path.ptr, e->path.len);
    rc |= buf_printf(b, "\",\"status\":%d,\"bytesIn\":%llu,\"bytesOut\":%llu,", e->status,
                     (unsigned long long)e->bytes_in, (unsigned long long)e->bytes_out);
    if (e->backend_ms >= 0) rc |= buf_printf(b, "\"backendMs\":%.3f,", e->backend_ms);
    else rc |= buf_append_cstr(b, "\"backendMs\":null,");
    rc |= buf_printf(b, "\"totalMs\":%.3f,\"clientIp\":\"%s\"", e->total_ms, e->client_ip);
    if (e->error) {
        rc |= buf_append_cstr(b, ",\"error\":\"");
        rc |= buf_append_json_escaped(b, e->error, strlen(e->error));
        rc |= buf_append_cstr(b, "\"");
    }
    rc |= buf_append_cstr(b, "}\n");
    if (rc < 0) {
        b->len = mark;
        log->dropped++;
        return;
    }
    if (b->len >= FLUSH_BYTES) start_write(log);
    else if (!uv_is_active((uv_handle_t *)&log->timer))
        uv_timer_start(&log->timer, on_timer, FLUSH_INTERVAL_MS, 0);
}

uint64_t gateway_access_log_dropped(const gateway_access_log_t *log)
{
    return log->dropped;
}

void gateway_access_log_flush(gateway_access_log_t *log, void (*done)(void *), void *ud)
{
    log->flush_done = done;
    log->flush_ud = ud;
    if (!log->write_in_flight && log->batch.len == 0) {
        log->flush_done = NULL;
        if (done) done(ud);
        return;
    }
    start_write(log);
}

void gateway_access_log_close(gateway_access_log_t *log)
{
    log->closing = true;
    uv_timer_stop(&log->timer);
    start_write(log);
    if (!log->write_in_flight) uv_close((uv_handle_t *)&log->timer, finish_close);
}
