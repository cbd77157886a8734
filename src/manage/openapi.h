/* openapi: turns an OpenAPI 3.0 / 3.1 or Swagger 2.0 document (JSON or YAML) into the
 * management API's API and operation properties (MANAGE-CONTRACT.md, spec §6.4), the way
 * an import (`PUT /apis/{apiId}` with `properties.format` = openapi, openapi+json or
 * swagger-json and `properties.value` = the text) creates an API. docs/openapi-import.md
 * says what is read, how each field maps and what is left out.
 *
 * Every operation's urlTemplate is one the gateway compiles (docs/snapshot.md, "URL
 * templates"): a path whose parameters are not whole segments (`/files/{name}.json`), a
 * parameter name outside letters, digits and `_ - . $ ~`, or an empty segment is refused
 * rather than imported as something that would route differently.
 *
 * Errors name the place: "source:line:col: message (at paths["/pets"].get)". Local `$ref`s
 * (`#/...`, JSON pointers, RFC 6901) are followed everywhere, cycles of references that
 * only refer onwards are refused, and references to other documents are refused.
 *
 * Pure computation: no I/O, safe on any thread. Call it off the event loop for large
 * documents (a 400 KB spec takes a few milliseconds). */
#ifndef MERIDIAN_MANAGE_OPENAPI_H
#define MERIDIAN_MANAGE_OPENAPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define OPENAPI_MAX_OPERATIONS 10000
#define OPENAPI_MAX_WARNINGS 100 /* then one "more warnings left out" */

enum {
    OPENAPI_ESYNTAX = -1,  /* not YAML or JSON */
    OPENAPI_EINVALID = -2, /* not an OpenAPI/Swagger document we can import */
    OPENAPI_ENOMEM = -3,
};

typedef struct {
    /* Azure's `translateRequiredQueryParameters`: false (the default, "template") puts
     * required query parameters into the urlTemplate as `?name={name}`, so a request
     * without them does not match the operation; true ("query") leaves them in
     * request.queryParameters only. */
    bool required_query_as_query;
} openapi_options_t;

typedef struct {
    char *spec_version; /* the document's "openapi" or "swagger" value: "3.0.0", "2.0" */
    char *doc_version;  /* info.version, or NULL; not mapped to apiVersion (that one names
                           a version in an API version set) */
    /* The API's "properties": displayName (info.title), description (info.description),
     * serviceUrl (servers[0].url, or schemes[0]://host basePath; absent when the document
     * gives no absolute URL), path (a suggestion from the server URL's path or basePath,
     * else from the title; the caller's path wins). */
    json_t *api;
    /* One element per operation, in document order:
     * {"name": "<operation id>", "properties": {displayName, method, urlTemplate,
     *  templateParameters, description?, request, responses}}. Names are unique
     * (case-insensitively), made of letters, digits and `-_.~`, at most 80 characters. */
    json_t *operations;
    /* What was imported with a loss: "source:line:col: message (at path)" strings, at
     * most OPENAPI_MAX_WARNINGS of them. */
    json_t *warnings;
} openapi_result_t;

/* Imports `text` (len bytes). `opts` may be NULL (defaults). On success returns 0 and
 * fills *out (free it with openapi_result_free). On failure returns OPENAPI_E*, sets *err
 * to a malloc'd message and leaves *out empty. */
int openapi_import(const char *text, size_t len, const char *source_name,
                   const openapi_options_t *opts, openapi_result_t *out, char **err);

void openapi_result_free(openapi_result_t *r);

#endif
