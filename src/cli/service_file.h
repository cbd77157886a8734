/* service_file: reads and checks a declarative service file (docs/service-file.md), YAML
 * or JSON, into the document service_model.h flattens.
 *
 * What is checked here is the file's shape — sections, ids, the inline children, value
 * types of the members apply itself interprets — with every error named
 * `FILE:LINE:COL: message (at PATH)`. Resource properties are otherwise passed to the
 * server as written: it validates them (and compiles every policy) when apply writes them. */
#ifndef MERIDIAN_CLI_SERVICE_FILE_H
#define MERIDIAN_CLI_SERVICE_FILE_H

#include <jansson.h>
#include <stddef.h>

/* Parses `text` (JSON when it starts with '{', YAML otherwise) named `source` in
 * messages. Returns 0 with *doc (a new reference), or -1 with *err = malloc'd
 * "source:line:col: message". */
int svc_file_parse(const char *text, size_t len, const char *source, json_t **doc, char **err);

#endif
