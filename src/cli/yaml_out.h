/* yaml_out: writes a jansson value as a YAML 1.2 document (libyaml's emitter) that
 * yaml_json (manage/yaml_json.h) reads back to an equal value: strings that a plain
 * scalar would turn into something else (`true`, `null`, `12`, `0x1F`, `""`) are quoted,
 * multi-line strings (policies) are literal blocks, numbers and booleans are plain. Used by
 * `meridian export --format yaml`. */
#ifndef MERIDIAN_CLI_YAML_OUT_H
#define MERIDIAN_CLI_YAML_OUT_H

#include <jansson.h>

/* Returns a malloc'd NUL-terminated document, or NULL when out of memory or when the
 * emitter refuses the value (invalid UTF-8). */
char *yaml_out_dump(const json_t *value);

#endif
