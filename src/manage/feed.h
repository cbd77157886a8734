/* manage_feed: the configuration feed and the heartbeats of gateway units, served by
 * `meridian manage` on its event loop (docs/regions.md "Configuration feed"):
 *
 *   GET  /gateway/v1/config?region={slug}&after={R}[&wait={0-60, default 30}]
 *   POST /gateway/v1/heartbeat?region={slug}
 *   Authorization: GatewayKey {slug}&{yyyyMMddHHmm}&{signature}   (gateway_token.h)
 *
 * A config poll answers 200 with the snapshot at once when the current revision is newer
 * than `after`; otherwise it is parked on the loop (never on the worker thread that runs
 * SQLite) until manage_feed_update() brings a newer revision (200) or `wait` seconds pass
 * (304). Everything here runs on the loop thread; the feed reads the service only through
 * the manage_feed_view_t the server hands it between jobs. */
#ifndef MERIDIAN_MANAGE_FEED_H
#define MERIDIAN_MANAGE_FEED_H

#include "http/server.h"
#include "manage/service.h"
#include "manage/units.h"

#include <stdbool.h>
#include <uv.h>

/* The first member of whatever the server stores as an exchange's userdata, to tell a
 * queued management request from a feed request. */
typedef enum {
    MANAGE_EXCHANGE_JOB = 1,
    MANAGE_EXCHANGE_FEED = 2,
    MANAGE_EXCHANGE_TRY = 3, /* the portal's try-it (portal_try.h) */
} manage_exchange_kind_t;

typedef struct manage_feed manage_feed_t;

manage_feed_t *manage_feed_new(uv_loop_t *loop, manage_units_t *units);
/* Frees the feed; every request must be over (manage_feed_release_all, then the loop ran). */
void manage_feed_free(manage_feed_t *f);

/* True for paths under /gateway/v1/. */
bool manage_feed_is_feed_path(const http_request_t *req);

/* The http_handler_t callbacks for an exchange on a feed path (on_request sets the
 * userdata, whose first member is MANAGE_EXCHANGE_FEED). */
void manage_feed_on_request(manage_feed_t *f, http_exchange_t *ex);
void manage_feed_on_body(http_exchange_t *ex, const char *data, size_t len);
void manage_feed_on_body_end(http_exchange_t *ex);
void manage_feed_on_complete(http_exchange_t *ex);

/* Installs the view of a new committed state (stolen) and answers every parked poll whose
 * `after` is older than its revision. */
void manage_feed_update(manage_feed_t *f, manage_feed_view_t *view);
int64_t manage_feed_revision(const manage_feed_t *f);

/* Stopping: answers every parked poll 503 (the units retry elsewhere or later), and every
 * feed request from now on. */
void manage_feed_release_all(manage_feed_t *f);
size_t manage_feed_parked_count(const manage_feed_t *f);

#endif
