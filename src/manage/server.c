/* `meridian manage`: the management REST API server (server.h). */
#include "manage/server.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "http/drain.h"
#include "http/server.h"
#include "manage/assets.h"
#include "manage/feed.h"
#include "manage/portal_try.h"
#include "manage/web.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define STOP_DRAIN_MS 30000u
/* Requests waiting for the worker: past this, new ones get 503 at once, which bounds the
 * memory held by queued bodies (each up to MANAGE_MAX_BODY_BYTES). */
#define MAX_QUEUED_JOBS 64
#define STOP_POLL_MS 20u

typedef struct manage_server manage_server_t;

typedef enum { JOB_READING, JOB_QUEUED } job_state_t;

typedef struct job {
    manage_exchange_kind_t kind; /* first: MANAGE_EXCHANGE_JOB (feed.h) */
    struct job *next;
    manage_server_t *srv;
    http_exchange_t *ex; /* NULL once the exchange is gone (client left) */
    job_state_t state;
    char *method, *path, *query, *authorization, *if_match, *host;
    size_t authorization_len;
    bool is_web; /* a browser UI's API (web.h) */
    char *cookie, *csrf_token, *origin, *content_type;
    buf_t body;
    manage_response_t resp;
    uv_work_t work;
} job_t;

struct manage_server {
    uv_loop_t loop;
    http_server_t *http;
    manage_service_t *svc;
    manage_feed_t *feed;
    manage_try_t *try_it; /* the portal's try-it forwarding (portal_try.h) */
    bool is_tls;          /* the listener is https: the web UIs' cookies get Secure */
    job_t *queue_head, *queue_tail;
    size_t job_count; /* jobs reading, queued or running */
    bool is_busy;
    http_drain_t drain; /* SIGTERM/SIGINT: a graceful stop */
};

static char *dup_slice(slice_t s)
{
    char *p = malloc(s.len + 1);
    if (!p) abort();
    if (s.len) memcpy(p, s.ptr, s.len);
    p[s.len] = 0;
    return p;
}

static void job_free(job_t *j)
{
    j->srv->job_count--;
    free(j->method);
    free(j->path);
    free(j->query);
    free(j->authorization);
    free(j->if_match);
    free(j->host);
    free(j->cookie);
    free(j->csrf_token);
    free(j->origin);
    free(j->content_type);
    buf_free(&j->body);
    manage_response_free(&j->resp);
    free(j);
}

/* 413 in the ARM error shape: the body is not read further and the connection closes. */
static void respond_too_large(http_exchange_t *ex)
{
    static const char body[] =
        "{\"error\":{\"code\":\"RequestEntityTooLarge\",\"message\":\"The request body is larger "
        "than 4194304 bytes (4 MiB), the management API's limit.\",\"details\":[]}}";
    http_exchange_close_after(ex);
    http_exchange_respond(ex, 413, "application/json; charset=utf-8", body, sizeof body - 1);
}

static void respond_busy(http_exchange_t *ex)
{
    static const char body[] =
        "{\"error\":{\"code\":\"ServerBusy\",\"message\":\"Too many management requests are "
        "waiting; retry shortly.\",\"details\":[]}}";
    static const http_header_t headers[] = {
        {SLICE_LIT("Content-Type"), SLICE_LIT("application/json; charset=utf-8")},
        {SLICE_LIT("Retry-After"), SLICE_LIT("1")},
    };
    http_response_head_t head = {.status = 503, .headers = headers, .header_count = 2,
                                 .content_length = sizeof body - 1};
    http_exchange_close_after(ex);
    if (http_exchange_send_head(ex, &head) == 0 && http_exchange_send_body(ex, body, sizeof body - 1) == 0)
        http_exchange_finish(ex);
}

/* ---- the work queue: one job at a time on the thread pool ---- */

static void pump(manage_server_t *srv);

static void work_cb(uv_work_t *w)
{
    job_t *j = w->data;
    manage_request_t req = {
        .method = j->method,
        .path = j->path,
        .query = j->query,
        .authorization = j->authorization,
        .authorization_len = j->authorization_len,
        .if_match = j->if_match,
        .host = j->host,
        .body = j->body.data ? j->body.data : "",
        .body_len = j->body.len,
    };
    if (j->is_web) {
        manage_web_request_t web = {
            .http = req,
            .cookie = j->cookie,
            .csrf_token = j->csrf_token,
            .origin = j->origin,
            .content_type = j->content_type,
            .is_tls = j->srv->is_tls,
        };
        manage_web_handle(j->srv->svc, &web, &j->resp);
    } else {
        manage_service_handle(j->srv->svc, &req, &j->resp);
    }
}

static void send_response(job_t *j)
{
    const manage_response_t *r = &j->resp;
    http_header_t headers[16];
    size_t n = 0;
    if (r->is_web) {
        for (size_t i = 0; i < manage_web_header_count; i++) headers[n++] = manage_web_headers[i];
        headers[n++] = (http_header_t){SLICE_LIT("Cache-Control"), SLICE_LIT("no-store")};
        if (r->set_cookie[0])
            headers[n++] = (http_header_t){SLICE_LIT("Set-Cookie"), slice_from_cstr(r->set_cookie)};
    }
    char etag[64], rev[32];
    if (r->content_type)
        headers[n++] = (http_header_t){SLICE_LIT("Content-Type"), slice_from_cstr(r->content_type)};
    if (r->etag[0]) {
        snprintf(etag, sizeof etag, "\"%s\"", r->etag);
        headers[n++] = (http_header_t){SLICE_LIT("ETag"), slice_from_cstr(etag)};
    }
    if (r->revision >= 0) {
        snprintf(rev, sizeof rev, "%lld", (long long)r->revision);
        headers[n++] = (http_header_t){SLICE_LIT("X-Meridian-Revision"), slice_from_cstr(rev)};
    }
    if (r->needs_www_authenticate)
        headers[n++] = (http_header_t){SLICE_LIT("WWW-Authenticate"),
                                       SLICE_LIT("SharedAccessSignature realm=\"meridian\", "
                                                 "Bearer realm=\"meridian\"")};
    http_response_head_t head = {.status = r->status,
                                 .headers = headers,
                                 .header_count = n,
                                 .content_length = (int64_t)r->body_len};
    http_exchange_t *ex = j->ex;
    if (http_exchange_send_head(ex, &head) < 0) return;
    if (r->body_len && http_exchange_send_body(ex, r->body, r->body_len) < 0) return;
    http_exchange_finish(ex);
}

/* Writes and refusals are logged, with the path under {svc}; bodies never are (they may
 * hold keys and secret values). */
static void log_job(const job_t *j)
{
    const char *base = manage_service_base_path(j->srv->svc);
    const char *path = strncasecmp(j->path, base, strlen(base)) == 0 ? j->path + strlen(base) : j->path;
    bool is_read = strcmp(j->method, "GET") == 0 || strcmp(j->method, "HEAD") == 0;
    if (j->is_web) {
        /* The pages' APIs: no revision of their own; a try-it is answered later. */
        const char *by = j->resp.actor[0] ? " by " : "";
        if (j->resp.forward)
            log_info("%s %s -> to the global endpoint%s%s", j->method, j->path, by, j->resp.actor);
        else if (j->resp.status >= 400 || !is_read)
            log_info("%s %s -> %d%s%s", j->method, j->path, j->resp.status, by, j->resp.actor);
        return;
    }
    if (j->resp.status >= 400 && j->resp.status != 404)
        log_info("%s {svc}%s -> %d%s%s", j->method, path, j->resp.status,
                 j->resp.actor[0] ? " by " : "", j->resp.actor);
    else if (!is_read)
        log_info("%s {svc}%s -> %d by %s (revision %lld)", j->method, path, j->resp.status,
                 j->resp.actor, (long long)j->resp.revision);
}

/* Between jobs the service is not in use: a commit is handed to the feed, which wakes the
 * parked polls (a write's response and the feed's answers leave in the same loop turn). */
static void refresh_feed(manage_server_t *srv)
{
    if (manage_service_revision(srv->svc) == manage_feed_revision(srv->feed)) return;
    manage_feed_view_t view;
    manage_service_feed_view(srv->svc, &view);
    manage_feed_update(srv->feed, &view);
}

static void after_work_cb(uv_work_t *w, int status)
{
    job_t *j = w->data;
    manage_server_t *srv = j->srv;
    srv->is_busy = false;
    refresh_feed(srv);
    if (status == 0) log_job(j);
    if (j->ex) {
        http_exchange_set_userdata(j->ex, NULL);
        if (status == 0 && j->resp.forward) {
            /* Try-it: the exchange is answered when the global endpoint has answered. */
            manage_forward_t *f = j->resp.forward;
            j->resp.forward = NULL;
            manage_try_start(srv->try_it, j->ex, f);
        } else if (status == 0) {
            send_response(j);
        } else {
            http_exchange_respond_error(j->ex, 503, "Service unavailable");
        }
    }
    job_free(j);
    pump(srv);
}

static void pump(manage_server_t *srv)
{
    if (srv->is_busy || !srv->queue_head) return;
    job_t *j = srv->queue_head;
    srv->queue_head = j->next;
    if (!srv->queue_head) srv->queue_tail = NULL;
    srv->is_busy = true;
    j->work.data = j;
    int rc = uv_queue_work(&srv->loop, &j->work, work_cb, after_work_cb);
    if (rc) {
        log_error("uv_queue_work: %s", uv_strerror(rc));
        srv->is_busy = false;
        if (j->ex) {
            http_exchange_set_userdata(j->ex, NULL);
            http_exchange_respond_error(j->ex, 503, "Service unavailable");
        }
        job_free(j);
    }
}

/* ---- HTTP handler ---- */

static char *header_copy(const http_request_t *req, const char *name, size_t *len)
{
    const http_header_t *h = http_find_header(req->headers, req->header_count, name);
    if (!h) return NULL;
    if (len) *len = h->value.len;
    return dup_slice(h->value);
}

static void on_request(http_exchange_t *ex, void *ud)
{
    manage_server_t *srv = ud;
    const http_request_t *req = http_exchange_request(ex);
    if (manage_feed_is_feed_path(req)) {
        manage_feed_on_request(srv->feed, ex);
        return;
    }
    if (manage_assets_try_serve(ex, req)) return;
    if (req->content_length > (int64_t)MANAGE_MAX_BODY_BYTES) {
        respond_too_large(ex);
        return;
    }
    if (srv->job_count >= MAX_QUEUED_JOBS) {
        respond_busy(ex);
        return;
    }
    job_t *j = calloc(1, sizeof *j);
    if (!j) abort();
    srv->job_count++;
    j->kind = MANAGE_EXCHANGE_JOB;
    j->srv = srv;
    j->ex = ex;
    j->state = JOB_READING;
    j->method = dup_slice(req->method);
    j->path = dup_slice(req->path);
    j->query = dup_slice(req->query);
    j->host = dup_slice(req->host);
    j->authorization = header_copy(req, "Authorization", &j->authorization_len);
    j->if_match = header_copy(req, "If-Match", NULL);
    j->is_web = manage_web_is_api_path(j->path);
    if (j->is_web) {
        j->cookie = header_copy(req, "Cookie", NULL);
        j->csrf_token = header_copy(req, MANAGE_CSRF_HEADER, NULL);
        j->origin = header_copy(req, "Origin", NULL);
        j->content_type = header_copy(req, "Content-Type", NULL);
    }
    buf_init(&j->body);
    http_exchange_set_userdata(ex, j);
    http_exchange_read_body(ex);
}

static void on_body(http_exchange_t *ex, const char *data, size_t len, void *ud)
{
    (void)ud;
    job_t *j = http_exchange_userdata(ex);
    if (!j) return;
    if (j->kind == MANAGE_EXCHANGE_FEED) {
        manage_feed_on_body(ex, data, len);
        return;
    }
    if (j->body.len + len > MANAGE_MAX_BODY_BYTES) {
        /* Chunked bodies have no length up front: stop at the limit. on_complete frees j. */
        respond_too_large(ex);
        return;
    }
    if (buf_append(&j->body, data, len) != 0) {
        http_exchange_respond_error(ex, 503, "Out of memory");
    }
}

static void on_body_end(http_exchange_t *ex, void *ud)
{
    manage_server_t *srv = ud;
    job_t *j = http_exchange_userdata(ex);
    if (!j) return;
    if (j->kind == MANAGE_EXCHANGE_FEED) {
        manage_feed_on_body_end(ex);
        return;
    }
    j->state = JOB_QUEUED;
    if (srv->queue_tail) srv->queue_tail->next = j;
    else srv->queue_head = j;
    srv->queue_tail = j;
    pump(srv);
}

static void on_complete(http_exchange_t *ex, bool ok, void *ud)
{
    (void)ok;
    (void)ud;
    job_t *j = http_exchange_userdata(ex);
    if (!j) return;
    if (j->kind == MANAGE_EXCHANGE_FEED) {
        manage_feed_on_complete(ex);
        return;
    }
    if (j->kind == MANAGE_EXCHANGE_TRY) {
        manage_try_on_complete(ex);
        return;
    }
    http_exchange_set_userdata(ex, NULL);
    if (j->state == JOB_READING) job_free(j);
    else j->ex = NULL; /* queued or running: freed when its work completes */
}

static const http_handler_t handler = {
    .on_request = on_request,
    .on_body = on_body,
    .on_body_end = on_body_end,
    .on_complete = on_complete,
};

/* ---- stopping (http/drain.h) ---- */

static void on_drain_stop(void *ud)
{
    manage_server_t *srv = ud;
    manage_feed_release_all(srv->feed); /* parked long polls answer now */
}

static bool is_drain_busy(void *ud)
{
    const manage_server_t *srv = ud;
    return srv->is_busy || srv->queue_head;
}

static void on_drain_close(void *ud)
{
    manage_server_t *srv = ud;
    if (srv->try_it) {
        manage_try_free(srv->try_it);
        srv->try_it = NULL;
    }
}

int manage_server_run(const manage_server_options_t *opts)
{
    log_set_prefix("manage");
    signal(SIGPIPE, SIG_IGN);
    const char *dir = opts->service.data_dir;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        log_error("cannot create the data directory %s: %s", dir, strerror(errno));
        return 1;
    }
    manage_server_t *srv = calloc(1, sizeof *srv);
    if (!srv) abort();
    char *err = NULL;
    bool key_created;
    if (manage_service_open(&opts->service, &srv->svc, &key_created, &err) < 0) {
        log_error("%s", err ? err : "cannot open the management store");
        free(err);
        free(srv);
        return 1;
    }
    /* The contract's line, exactly, whether the key was created now or not. */
    fprintf(stderr, "admin key: %s/admin-key.json\n", dir);
    if (key_created) log_info("created %s/admin-key.json (mode 0600)", dir);

    int rc = uv_loop_init(&srv->loop);
    if (rc) {
        log_error("uv_loop_init: %s", uv_strerror(rc));
        manage_service_close(srv->svc);
        free(srv);
        return 1;
    }
    srv->feed = manage_feed_new(&srv->loop, manage_service_units(srv->svc));
    srv->try_it = manage_try_new(&srv->loop);
    refresh_feed(srv);
    http_drain_options_t drain_opts = {
        .drain_ms = STOP_DRAIN_MS,
        .poll_ms = STOP_POLL_MS,
        .server = &srv->http,
        .on_stop = on_drain_stop,
        .is_busy = is_drain_busy,
        .on_close = on_drain_close,
        .ud = srv,
    };
    http_drain_init(&srv->drain, &srv->loop, &drain_opts);

    http_server_options_t hopts;
    http_server_options_default(&hopts);
    hopts.max_body_bytes = 0; /* enforced here, to answer in the ARM error shape */
    hopts.server_header = "meridian-manage";
    int exit_code = 0;
    rc = http_server_listen(&srv->loop, opts->listen_addr, false, &hopts, &handler, srv, &srv->http);
    if (rc) {
        log_error("cannot listen on %s: %s", opts->listen_addr, uv_strerror(rc));
        exit_code = 1;
        goto stop;
    }
    if (opts->tls_cert) {
        http_tls_ctx_t *tls = NULL;
        char err[512];
        if (http_tls_server_ctx_new(opts->tls_cert, opts->tls_key, &tls, err, sizeof err) < 0 ||
            (opts->tls_client_ca &&
             http_tls_server_ctx_require_client_cert(tls, opts->tls_client_ca, err, sizeof err) < 0) ||
            http_server_set_tls(srv->http, tls) < 0) {
            log_error("TLS: %s", err);
            http_tls_ctx_unref(tls);
            exit_code = 1;
            http_server_stop_accepting(srv->http);
            goto stop;
        }
        http_tls_ctx_unref(tls); /* the server holds its reference */
        srv->is_tls = true;
    }
    if ((rc = http_drain_watch(&srv->drain))) {
        log_error("uv_signal_start: %s", uv_strerror(rc));
        exit_code = 1;
        http_server_stop_accepting(srv->http);
        goto stop;
    }
    log_info("listening on %s%s (revision %lld, %s)", opts->listen_addr, opts->tls_cert ? " (https)" : "",
             (long long)manage_service_revision(srv->svc), manage_service_base_path(srv->svc));
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    goto closed;
stop:
    http_drain_close(&srv->drain);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
closed:
    uv_loop_close(&srv->loop);
    manage_feed_free(srv->feed);
    manage_service_close(srv->svc);
    free(srv);
    if (exit_code == 0) log_info("stopped");
    return exit_code;
}
