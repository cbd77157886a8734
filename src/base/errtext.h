/* errtext: a message written into a caller's fixed buffer, the `char *why, size_t why_size`
 * out-parameter of parsers and loaders that have no arena to put an error in (ipmatch,
 * jwt_verify, the management client).
 *
 * The buffer is optional: callers that only want the return code pass NULL or a size of 0,
 * and every writer would otherwise repeat that check before formatting. */
#ifndef MERIDIAN_BASE_ERRTEXT_H
#define MERIDIAN_BASE_ERRTEXT_H

#include <stddef.h>

/* Formats into out[0, size), cut to fit and always NUL-terminated; does nothing when out is
 * NULL or size is 0. */
void errtext_set(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
