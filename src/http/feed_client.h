/* feed_client: the client side of the management plane's configuration feed, shared by
 * gateway units (gateway/sync.h, docs/regions.md "Gateway units") and the router
 * (router/feed.h, docs/router.md "Feed mode"). It owns what both do the same way:
 *
 *   - the token: read from its file at start, re-read when the host asks (its timers) and
 *     after a 401; a new token re-signs the document in use and persists it again;
 *   - the long poll GET {base}{poll_path}after={R}&wait={S} (R: the revision in use, or
 *     the highest refused one when higher, -1 for none) with the token as Authorization;
 *     a 304 polls again at once; errors and non-200 answers back off 100 ms doubling to
 *     5 s, logging the first failure of a streak and "... reachable again" after it;
 *   - the checks of a 200: X-Meridian-Signature verifies with the token, an
 *     X-Meridian-Revision is present and newer than the revision in use; otherwise the
 *     document is refused (host->on_refused) and the poll backs off;
 *   - optionally a seed (a peer holding the same signed document, GET {base}{seed_path}),
 *     asked first while nothing is in use, then alternately with the feed after failures;
 *   - the last-known-good (base/lkg.h): read and verified at start, written on the thread
 *     pool after every accepted document, one write at a time;
 *   - side requests (heartbeats, status reports): one POST at a time with the token.
 *
 * What a document means is the host's: host->on_document hands it over, and the host
 * answers exactly once, at once or later (e.g. after compiling it on the thread pool),
 * with feed_client_accept() or feed_client_refuse(). The poll waits for that answer.
 *
 * Everything runs on the loop thread, except the token file reads and the last-known-good
 * writes (thread pool). No callback runs inside the call that caused it, except
 * on_document and on_refused from feed_client_read_lkg (start-up, before the loop). */
#ifndef MERIDIAN_HTTP_FEED_CLIENT_H
#define MERIDIAN_HTTP_FEED_CLIENT_H

#include "http/tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* Back-off after a failed poll (REGIONS-CONTRACT): 100 ms doubling to 5 s. */
#define FEED_CLIENT_BACKOFF_INITIAL_MS 100u
#define FEED_CLIENT_BACKOFF_MAX_MS 5000u
#define FEED_CLIENT_DEFAULT_WAIT_S 30u

/* An origin, parsed by the host (each host has its own URL rules and messages). The
 * strings are copied. */
typedef struct {
    const char *host;        /* name or IP literal, without brackets */
    uint16_t port;
    const char *base_path;   /* "" or "/base", without a trailing '/' */
    const char *host_header; /* the Host value */
    const char *origin_key;  /* the upstream pool's key, "host:port" */
    bool is_https;
} feed_client_origin_t;

typedef struct {
    feed_client_origin_t feed;
    /* The long poll's path and the start of its query, to which "after=R&wait=S" is
     * appended: "/gateway/v1/config?region=eastasia&", "/router/v1/config?". */
    const char *poll_path;
    const feed_client_origin_t *seed; /* NULL = none */
    const char *seed_path;            /* e.g. "/config" */
    const char *token;      /* the token, or NULL when token_file is given */
    const char *token_file; /* file holding the token (surrounding whitespace ignored) */
    const char *state_dir;  /* where last-known-good.json lives (created 0700); NULL = none */
    uint32_t wait_s;        /* long-poll wait asked of the feed; 0 = 30 */
    size_t max_document_bytes; /* a larger answer is a failed poll, not buffered */
    uint32_t max_idle_connections; /* kept open to the management plane */
    http_tls_ctx_t *tls;    /* https: the client context (referenced); NULL = system CAs */
    /* Log lines start with log_prefix ("" or "router: "); a failure while a document is
     * in use says "serving the {in_use_name} in use". */
    const char *log_prefix;
    const char *in_use_name;
} feed_client_options_t;

typedef enum {
    FEED_CLIENT_FROM_FEED,
    FEED_CLIENT_FROM_SEED,
    FEED_CLIENT_FROM_LKG,
} feed_client_from_t;

/* A document whose signature verified. Owned by the host from on_document until it is
 * handed back to feed_client_accept() or feed_client_refuse(). */
typedef struct {
    char *body;      /* NUL-terminated (not counted in len) */
    size_t len;
    uint64_t revision; /* X-Meridian-Revision, or the last-known-good's header line */
    feed_client_from_t from;
} feed_client_doc_t;

typedef struct feed_client feed_client_t;

typedef struct {
    /* A verified document newer than the one in use. Answer with feed_client_accept()
     * or feed_client_refuse(), at once or later. */
    void (*on_document)(feed_client_t *c, feed_client_doc_t *doc, void *ud);
    /* A document refused before on_document: reason "signature", "invalid" (no
     * revision), "stale" (not newer than the one in use) or "last-known-good" (the file
     * does not verify or parse); message says why. */
    void (*on_refused)(const char *reason, const char *message, void *ud);
    void *ud;
} feed_client_host_t;

/* Copies the options, reads the token (file), checks it can be sent as a header and
 * creates state_dir. Returns NULL with *err (malloc'd) when unusable. Nothing runs yet. */
feed_client_t *feed_client_new(uv_loop_t *loop, const feed_client_options_t *opts,
                               const feed_client_host_t *host, char **err);

/* Start-up (blocking): reads STATE_DIR/last-known-good.json and verifies it with the
 * token. Verified: on_document runs with it (from FEED_CLIENT_FROM_LKG) and this returns
 * 0. No file (or no state_dir): logs it, returns -ENOENT. Refused: on_refused
 * ("last-known-good", why), returns another negative code. */
int feed_client_read_lkg(feed_client_t *c);

/* Starts the long poll (the seed first when one is given and nothing is in use). */
void feed_client_start(feed_client_t *c);

/* The host's answer to on_document. accept: the document is the one in use (the client
 * keeps its bytes and signature); from the feed or the seed it is persisted as the
 * last-known-good and the poll goes on at once. refuse: the document is freed; when
 * is_remembered its revision is never asked for again and the poll goes on at once
 * (it waits for a newer one), otherwise the poll backs off. */
void feed_client_accept(feed_client_t *c, feed_client_doc_t *doc);
void feed_client_refuse(feed_client_t *c, feed_client_doc_t *doc, bool is_remembered);

/* The document in use: false when none; else its bytes, revision and signature under the
 * current token (what the feed would send). Valid until the next accept or token change. */
bool feed_client_in_use(const feed_client_t *c, const char **body, size_t *len,
                        uint64_t *revision, const char **signature);
const char *feed_client_token(const feed_client_t *c);

/* Re-reads the token file on the thread pool (no-op without one, or while a read runs). */
void feed_client_check_token(feed_client_t *c);

/* A side request: POST {base}{path_query} with a JSON body and the token. done runs once
 * with the status (err 0) or with status 0 and an upstream error code (http/upstream.h).
 * Returns 0, -EBUSY while the previous POST is out, or -EIO when it could not start. */
typedef void (*feed_client_post_cb)(int status, int err, void *ud);
int feed_client_post(feed_client_t *c, const char *path_query, const char *body, size_t len,
                     uint32_t timeout_ms, feed_client_post_cb done, void *ud);
bool feed_client_is_posting(const feed_client_t *c);

/* What an upstream error code means for the feed ("cannot connect", ...). */
const char *feed_client_error_text(int err);

/* Cancels the poll and the POST, closes the timer and connections. Idempotent. A
 * document out with the host is still answered (and then freed). */
void feed_client_stop(feed_client_t *c);
/* After the loop has run dry. */
void feed_client_free(feed_client_t *c);

#endif
