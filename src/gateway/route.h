/* route_table: API and operation selection (spec apim-gateway.md §4.2).
 *
 * 1. API: the request's host (port removed, case-insensitive) selects the APIs bound to
 *    that hostname, falling back to the APIs bound to no hostname; among them, the API
 *    whose path is the longest prefix of the request path on a segment boundary
 *    (case-insensitive). An API with path "" matches every path.
 * 2. Operation: among the API's operations whose method equals the request method (or is
 *    "*"), the URL template that matches the rest of the path (and its query part, if the
 *    template has one). Precedence: more literal segments > {param} > wildcard (a last
 *    segment "*"); ties go to the operation defined first.
 *
 * Cost: hash lookups per path segment (a segment trie per host group, with hashed
 * children), so matching does not grow with the number of APIs. Built once per config. */
#ifndef MERIDIAN_GATEWAY_ROUTE_H
#define MERIDIAN_GATEWAY_ROUTE_H

#include "base/slice.h"
#include "gateway/config.h"

#define ROUTE_MAX_PARAMS 16

typedef struct {
    const gw_api_t *api;
    const gw_operation_t *operation;
    slice_t suffix;        /* request path after the API path, starting with '/' or empty */
    size_t param_count;
    struct {
        slice_t name;      /* points into the config (template), lives as long as it */
        slice_t value;     /* points into the request path/query, still percent-encoded */
    } params[ROUTE_MAX_PARAMS];
} route_match_t;

/* Builds the table for `apis` (which must outlive it). Checks each URL template:
 * segments, "{name}" parameters (unique names, no empty name, whole segment), the wildcard
 * segment "*" only as the last one, an optional "?a={b}&c={d}" query part. On a bad
 * template returns NULL and *err = malloc'd "apis[i].operations[j].urlTemplate: message".
 * Two APIs with the same hostnames and path are an error too. */
route_table_t *route_table_build(const gw_api_t *apis, size_t api_count, char **err);
void route_table_free(route_table_t *t);

typedef enum {
    ROUTE_OK = 0,
    ROUTE_NO_API = -1,       /* → 404 */
    ROUTE_NO_OPERATION = -2, /* → 404 */
} route_result_t;

/* host: the Host header value (may carry ":port"); path: the request path from '/'
 * (never containing '?'); query: the query string without '?'. */
int route_table_match(const route_table_t *t, slice_t host, slice_t method, slice_t path,
                      slice_t query, route_match_t *out);

#endif
