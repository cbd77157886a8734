/* lkg: feed signatures, token files and the last-known-good file (docs/regions.md,
 * "Last-known-good"), used by the feed client that gateway units (gateway/sync.h) and the
 * router (router/feed.h) share: http/feed_client.h.
 *
 * Signature: "hmac-sha256=" + base64(HMAC-SHA256(key = the UTF-8 bytes of the token,
 * message = the document bytes)), exactly what the feed sends in X-Meridian-Signature
 * (REGIONS-CONTRACT.md, "Configuration feed").
 *
 * File DIR/last-known-good.json: one header line {"revision": R, "signature": "..."} and
 * a '\n', then the snapshot bytes. Written to a temp file in DIR whose name is unique per
 * process and write (units of a region may share DIR), fsync'd, renamed over the file,
 * then DIR is fsync'd, so a crash leaves either the old file or the new one, never half
 * of one. A file that does not parse, has no signature, or whose signature does not match
 * its bytes is refused as a whole.
 *
 * Every call here blocks on the file system: run them on the thread pool (or at start-up,
 * before the loop serves anything). They touch no shared state. */
#ifndef MERIDIAN_BASE_LKG_H
#define MERIDIAN_BASE_LKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A token file holds at most this many bytes (surrounding whitespace aside). */
#define LKG_TOKEN_MAX 1024
#define LKG_FILE "last-known-good.json"
/* "hmac-sha256=" + base64 of 32 bytes (44 characters) + NUL. */
#define LKG_SIGNATURE_MAX 64

/* Writes the signature of body[0..len) under `token` into out. Returns 0, or -1 when
 * OpenSSL fails. */
int lkg_signature_compute(const char *token, const char *body, size_t len,
                          char out[LKG_SIGNATURE_MAX]);

/* True when `signature` (a header value, need not be NUL-terminated) is the signature of
 * body under token. Compares in constant time. */
bool lkg_signature_verify(const char *token, const char *body, size_t len,
                          const char *signature, size_t signature_len);

/* Persists body (revision R) signed with token as DIR/last-known-good.json, atomically
 * and durably (see above). Returns 0, or a negative errno with *err set to a malloc'd
 * message naming the step and path. */
int lkg_write(const char *dir, const char *token, uint64_t revision, const char *body,
              size_t len, char **err);

typedef struct {
    char *body;          /* the snapshot bytes (malloc'd, NUL-terminated) */
    size_t len;
    uint64_t revision;   /* from the header line */
    char signature[LKG_SIGNATURE_MAX];
} lkg_t;

/* Reads and verifies DIR/last-known-good.json. Returns 0 with *out filled (free it with
 * lkg_free), -ENOENT when there is no file (*err set too), or another negative code
 * with *err set to a malloc'd reason: unreadable, no header line, header not
 * {"revision": integer, "signature": string}, or a signature that does not match. */
int lkg_read(const char *dir, const char *token, lkg_t *out, char **err);
void lkg_free(lkg_t *l);

/* Reads a token file: its content without surrounding whitespace (malloc'd). Returns NULL
 * with *err set (malloc'd) when the file cannot be read, is empty or longer than
 * LKG_TOKEN_MAX. Blocking. */
char *lkg_read_token_file(const char *path, char **err);

/* True when the token can be sent as a header value (no control characters). */
bool lkg_token_is_header_safe(const char *token);

#endif
