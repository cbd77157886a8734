/* yaml_json: reads a YAML or JSON document into a jansson tree, remembering where every
 * value came from so that later checks (an OpenAPI import, `meridian apply -f`) can name
 * `source:line:col` like a syntax error does (STYLE.md §5).
 *
 * Input. Text whose first character after optional whitespace (and a UTF-8 BOM) is `{` or
 * `[` is JSON and goes to jansson directly, so numbers, escapes and duplicate-key checks
 * are exactly the snapshot's. Anything else is YAML (libyaml; one document per stream):
 *  - plain scalars resolve by the YAML 1.2 core schema (yaml.org/spec/1.2.2 §10.3.2):
 *    `null`/`Null`/`NULL`/`~`/empty → null, `true`/`True`/`TRUE`/`false`/... → bool,
 *    `[-+]?[0-9]+`, `0o17`, `0x1F` → integer (a decimal integer outside int64 becomes a
 *    real), decimal floats → real; `.inf` and `.nan` are refused (JSON has neither).
 *    YAML 1.1 words such as `yes`, `no`, `on` stay strings, as YAML 1.2 says.
 *  - quoted and block scalars are strings; the core tags `!!str`, `!!int`, `!!float`,
 *    `!!bool`, `!!null` are honoured, `!!binary` and `!!timestamp` stay strings, any other
 *    tag is refused.
 *  - mapping keys must be scalars and become their text (`200:` is the key "200"); a key
 *    given twice in one mapping is refused. `<<` is an ordinary key (merge keys are YAML
 *    1.1 only).
 *  - anchors and aliases are expanded (each alias is a deep copy). Expansion is bounded:
 *    the whole expanded document may hold at most YAML_JSON_MAX_NODES values and
 *    YAML_JSON_MAX_SCALAR_BYTES bytes of scalar text, which stops "billion laughs"
 *    documents early and in linear time. An alias to an unfinished anchor (a recursive
 *    structure) is refused.
 * Nesting is limited to YAML_JSON_MAX_DEPTH, input to YAML_JSON_MAX_INPUT bytes.
 *
 * Errors: "source:line:col: message". Lines and columns start at 1 and columns count
 * characters, like the snapshot's (docs/snapshot.md, "Errors").
 *
 * Thread safety: a document is immutable after parsing; separate documents may be used
 * from separate threads. Nothing here blocks except on the caller's CPU. */
#ifndef MERIDIAN_MANAGE_YAML_JSON_H
#define MERIDIAN_MANAGE_YAML_JSON_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define YAML_JSON_MAX_INPUT (64u << 20)         /* bytes of text */
#define YAML_JSON_MAX_NODES 2000000u            /* values after alias expansion */
#define YAML_JSON_MAX_SCALAR_BYTES (128u << 20) /* scalar text after alias expansion */
#define YAML_JSON_MAX_DEPTH 256u                /* nested mappings and sequences */

typedef struct yaml_json_doc yaml_json_doc_t;

typedef struct {
    unsigned line;   /* 1-based */
    unsigned column; /* 1-based, in characters */
} yaml_json_pos_t;

/* Parses `text` (len bytes, need not be NUL-terminated; the document keeps its own copy).
 * `source_name` names the input in messages. Returns NULL with *err = malloc'd
 * "source:line:col: message" on failure. */
yaml_json_doc_t *yaml_json_doc_parse(const char *text, size_t len, const char *source_name,
                                     char **err);

/* The document's root value, borrowed: valid until yaml_json_doc_free. */
json_t *yaml_json_doc_root(const yaml_json_doc_t *doc);

/* True when the text was read as JSON. */
bool yaml_json_doc_is_json(const yaml_json_doc_t *doc);

/* Where `node` (a value inside the root, found by identity) starts in the text. Values of
 * an alias's expansion point at the alias. true/false/null are jansson singletons and
 * cannot be told apart: pass their container instead. Writes the node's path in the
 * snapshot's notation (`paths["/pets"].get`) to `path` when path_size > 0. Returns 0, or
 * -1 when `node` is not in the document (then *pos is 1:1 and path is ""). */
int yaml_json_doc_locate(const yaml_json_doc_t *doc, const json_t *node, yaml_json_pos_t *pos,
                         char *path, size_t path_size);

/* Formats a malloc'd "source:line:col: <message> (at <path>)" for `node` (see
 * yaml_json_doc_locate; the "(at ...)" part is left out for the root). */
char *yaml_json_doc_error(const yaml_json_doc_t *doc, const json_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *yaml_json_doc_verror(const yaml_json_doc_t *doc, const json_t *node, const char *fmt,
                           va_list ap);

const char *yaml_json_doc_source(const yaml_json_doc_t *doc);

void yaml_json_doc_free(yaml_json_doc_t *doc);

/* Convenience: parses and returns a new reference to the root (positions are dropped). */
json_t *yaml_json_parse(const char *text, size_t len, const char *source_name, char **err);

#endif
