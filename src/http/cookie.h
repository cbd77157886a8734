/* http_cookie: reading one cookie out of a Cookie header (RFC 6265 §5.4: "name=value"
 * pairs separated by "; "). Shared by the management plane's sessions and the router
 * edge's session affinity, so that both read cookies the same way. */
#ifndef MERIDIAN_HTTP_COOKIE_H
#define MERIDIAN_HTTP_COOKIE_H

#include "base/slice.h"

#include <stdbool.h>
#include <stddef.h>

/* The value of the first cookie called `name` in `header` (trailing spaces removed) into
 * out, NUL-terminated. false when there is none, when its value is empty, or when it does
 * not fit in `size` bytes (out is then ""). */
bool http_cookie_value(slice_t header, const char *name, char *out, size_t size);

#endif
