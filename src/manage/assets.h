/* manage_assets: the browser UIs' files (web/, compiled into the binary by the Makefile:
 * scripts/embed_web generates build/.../gen/web_assets.c), served by the management plane
 * on its event loop. No file is read from disk at run time: the binary is the release.
 *
 * URL mapping (GET and HEAD only; other methods 405):
 *   /web/<path>        the file web/<path> ("/web/common/base.css")
 *   /<name>, /<name>/  the page web/<name>/index.html, when that file exists
 *                      ("/portal" → web/portal/index.html, "/dashboard" → web/dashboard/...)
 * Pages are single documents whose views are chosen by the URL fragment (#/apis/echo), so a
 * new view needs no server route. Query strings are ignored.
 *
 * Every response carries the web security headers (manage_web_headers: a strict CSP with
 * no inline script or style — pages load /web/... files only —, nosniff, no framing, no
 * referrer) and an ETag (CRC and size of the file); Cache-Control: no-cache makes the
 * browser revalidate, answered 304 when If-None-Match matches. Content types come from
 * the file's extension (.html .css .js .json .svg .png .ico .txt; others
 * application/octet-stream). */
#ifndef MERIDIAN_MANAGE_ASSETS_H
#define MERIDIAN_MANAGE_ASSETS_H

#include "http/server.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *path;          /* relative to web/: "portal/index.html" */
    const unsigned char *data; /* NUL-terminated (not counted in len) */
    size_t len;
    const char *etag;          /* with its quotes: "\"123-456\"" */
} manage_asset_t;

/* The embedded file at `path` (relative to web/, `len` bytes), or NULL. */
const manage_asset_t *manage_asset_find(const char *path, size_t len);
/* "text/html; charset=utf-8"... for a file name. */
const char *manage_asset_content_type(const char *path);

/* Serves the request when its path is a web file or page (see above) and returns true;
 * returns false without touching the exchange otherwise. Runs on the loop. */
bool manage_assets_try_serve(http_exchange_t *ex, const http_request_t *req);

/* The security headers of every web response (pages, files, and the JSON APIs the pages
 * call): Content-Security-Policy, X-Content-Type-Options, X-Frame-Options,
 * Referrer-Policy, Cross-Origin-Opener-Policy. */
extern const http_header_t manage_web_headers[];
extern const size_t manage_web_header_count;

#endif
