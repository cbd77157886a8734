/* router_feed: the router's client of the management plane (docs/router.md "Feed mode"):
 * the same long poll, token and signature as the gateway units (docs/regions.md), on the
 * router's own paths, with its own last-known-good file.
 *
 *   GET  {url}/router/v1/config?after={revision in use, -1 for none}&wait={s}
 *        → 200 the profile document (the profile file's format) with X-Meridian-Revision
 *          and X-Meridian-Signature, or 304 after `wait`
 *   POST {url}/router/v1/status   the endpoint statuses (GET /status of the admin
 *        listener), every 5 s: the management plane shows them per location
 *   Authorization: the token (a gateway token of the service's primary location)
 *
 * A 200 is applied only when its signature verifies with the token and its revision is
 * newer than the one in use; the host parses it (host->apply) and, when it was applied,
 * it is persisted as STATE_DIR/last-known-good.json (base/lkg.h, on the thread pool). A
 * refused document is not asked for again. Errors back off 100 ms doubling to 5 s. The
 * token file is re-read every 5 s. Everything runs on the loop thread except the
 * last-known-good write and the token file read. The mechanics are the shared
 * http/feed_client.h, as for the gateway units. */
#ifndef MERIDIAN_ROUTER_FEED_H
#define MERIDIAN_ROUTER_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct {
    const char *config_url; /* "http://host:port[/base]" of the management plane */
    const char *token;      /* the token, or NULL when token_file is given */
    const char *token_file; /* file holding the token (surrounding whitespace ignored) */
    const char *state_dir;  /* where last-known-good.json lives; NULL = none */
    uint32_t wait_s;        /* long-poll wait asked of the feed; 0 = 30 */
    uint32_t report_ms;     /* status report period; 0 = 5000 */
    /* https config_url (docs/tls.md): the CAs the management plane's certificate is
     * verified against (NULL = the system's store), and the client certificate presented
     * when it asks for one (both or neither). Ignored for http. */
    const char *ca_file;
    const char *tls_client_cert;
    const char *tls_client_key;
} router_feed_options_t;

typedef struct {
    /* A verified document (text of len bytes, NUL-terminated) to use from now on; `source`
     * names it for messages ("feed revision 12", "last-known-good revision 12"). Returns
     * 0 when applied, or -1 with a reason in err (the document is refused). */
    int (*apply)(const char *text, size_t len, const char *source, void *ud, char *err,
                 size_t err_size);
    /* The status report's JSON body (malloc'd), or NULL for none this time. */
    char *(*report)(void *ud);
    void *ud;
} router_feed_host_t;

typedef struct router_feed router_feed_t;

/* Checks the URL, reads the token and, for https, loads the TLS client context (through
 * http/tls.h and the upstream pool, as the gateways' feed does). Returns NULL with *err
 * (malloc'd) when unusable. */
router_feed_t *router_feed_new(uv_loop_t *loop, const router_feed_options_t *opts,
                               const router_feed_host_t *host, char **err);
/* At start-up (blocking): applies STATE_DIR/last-known-good.json when it verifies. */
bool router_feed_load_lkg(router_feed_t *f);
/* Starts the long poll and the status reports. */
void router_feed_start(router_feed_t *f);
/* The revision in use, -1 for none. */
int64_t router_feed_revision(const router_feed_t *f);
/* Cancels everything; the handles close on the loop. Idempotent. */
void router_feed_stop(router_feed_t *f);
/* After the loop has run dry. */
void router_feed_free(router_feed_t *f);

/* Splits "http://host[:port][/base]" or "https://..." (no query, no user info; port 80
 * or 443 by default); IPv6 in brackets. Returns NULL, or the reason the URL is refused.
 * host >= 256 bytes, base >= 256 bytes. */
const char *router_feed_parse_url(const char *url, char *host, uint16_t *port, char *base,
                                  bool *is_https);

#endif
