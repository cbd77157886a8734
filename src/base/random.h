/* random: unpredictable bytes for identifiers (request ids, activity ids), cheap enough for
 * the request path.
 *
 * getrandom(2) costs a system call each time; a request id per request made it the only
 * system call a policy added besides the proxying itself. Bytes are drawn from a per-thread
 * pool refilled by getrandom 512 bytes at a time, so 32 ids cost one call. The pool is
 * emptied in a child after fork(), so that units forked from one supervisor never hand out
 * the same bytes. These bytes are for identifiers, not keys: cryptographic material comes
 * from OpenSSL's RAND_bytes. */
#ifndef MERIDIAN_BASE_RANDOM_H
#define MERIDIAN_BASE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fills out with n random bytes. Never fails: if the kernel has no entropy to give
 * (GRND_NONBLOCK early at boot), bytes are mixed from the clocks and a counter instead. */
void random_fill(void *out, size_t n);

/* A version-4 UUID (RFC 9562 §5.4) in byte order. */
void random_uuid_v4(uint8_t out[16]);

#endif
