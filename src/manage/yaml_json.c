/* yaml_json: YAML/JSON text → jansson tree with positions (contract in yaml_json.h). */
#include "manage/yaml_json.h"

#include "base/json_locate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Positions of the values built from YAML events, keyed by node identity (open addressing,
 * at most half full). JSON documents have none: json_locate re-scans their text. */
typedef struct {
    const json_t *node;
    yaml_json_pos_t pos;
} pos_slot_t;

struct yaml_json_doc {
    char *text; /* own copy, for json_locate */
    size_t len;
    char *source;
    json_t *root;
    bool is_json;
    pos_slot_t *slots;
    size_t slot_cap, slot_count;
};

static char *format_error(const char *source, unsigned line, unsigned col, const char *fmt,
                          va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char *out = NULL;
    if (asprintf(&out, "%s:%u:%u: %s", source, line, col, msg) < 0) return NULL;
    return out;
}

static char *make_error(const char *source, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static char *make_error(const char *source, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = format_error(source, line, col, fmt, ap);
    va_end(ap);
    return out;
}

/* ---- position map ---- */

static size_t pos_hash(const json_t *node, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)node * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (cap - 1);
}

static int pos_put(yaml_json_doc_t *d, const json_t *node, yaml_mark_t mark)
{
    /* jansson shares one true, false and null: they carry no position of their own. */
    if (json_is_boolean(node) || json_is_null(node)) return 0;
    if ((d->slot_count + 1) * 2 > d->slot_cap) {
        size_t cap = d->slot_cap ? d->slot_cap * 2 : 1024;
        pos_slot_t *slots = calloc(cap, sizeof *slots);
        if (!slots) return -1;
        for (size_t i = 0; i < d->slot_cap; i++) {
            if (!d->slots[i].node) continue;
            size_t j = pos_hash(d->slots[i].node, cap);
            while (slots[j].node)
                j = (j + 1) & (cap - 1);
            slots[j] = d->slots[i];
        }
        free(d->slots);
        d->slots = slots;
        d->slot_cap = cap;
    }
    size_t j = pos_hash(node, d->slot_cap);
    while (d->slots[j].node && d->slots[j].node != node)
        j = (j + 1) & (d->slot_cap - 1);
    if (!d->slots[j].node) d->slot_count++;
    d->slots[j].node = node;
    d->slots[j].pos = (yaml_json_pos_t){(unsigned)mark.line + 1, (unsigned)mark.column + 1};
    return 0;
}

static const yaml_json_pos_t *pos_get(const yaml_json_doc_t *d, const json_t *node)
{
    if (!d->slot_cap) return NULL;
    size_t j = pos_hash(node, d->slot_cap);
    while (d->slots[j].node) {
        if (d->slots[j].node == node) return &d->slots[j].pos;
        j = (j + 1) & (d->slot_cap - 1);
    }
    return NULL;
}

/* ---- YAML 1.2 core schema (§10.3.2) ---- */

#define TAG_PREFIX "tag:yaml.org,2002:"

static bool is_one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0) return true;
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};

static bool all_digits(const char *s, int base)
{
    if (!*s) return false;
    for (; *s; s++) {
        char c = *s;
        bool ok = base == 8    ? (c >= '0' && c <= '7')
                  : base == 10 ? (c >= '0' && c <= '9')
                               : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                                  (c >= 'A' && c <= 'F'));
        if (!ok) return false;
    }
    return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_core_float(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    size_t int_digits = strspn(s, "0123456789");
    s += int_digits;
    size_t frac_digits = 0;
    if (*s == '.') {
        s++;
        frac_digits = strspn(s, "0123456789");
        s += frac_digits;
    }
    if (int_digits == 0 && frac_digits == 0) return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+') s++;
        size_t exp_digits = strspn(s, "0123456789");
        if (!exp_digits) return false;
        s += exp_digits;
    }
    return *s == '\0';
}

/* Integer forms of the core schema. 1 = *out set, 0 = not an integer, -1 = out of range
 * (octal or hex; decimal falls back to a real). */
static int parse_core_int(const char *s, json_t **out)
{
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && s[1] == 'o')
        base = 8, digits = s + 2;
    else if (s[0] == '0' && s[1] == 'x')
        base = 16, digits = s + 2;
    else if (*s == '-' || *s == '+')
        digits = s + 1;
    if (!all_digits(digits, base)) return 0;
    errno = 0;
    long long v = strtoll(base == 10 ? s : digits, NULL, base);
    if (errno == ERANGE) {
        if (base != 10) return -1;
        *out = json_real(strtod(s, NULL));
        return 1;
    }
    *out = json_integer(v);
    return 1;
}

/* Converts one scalar. Returns NULL with *msg set (a static message) when refused. */
static json_t *scalar_value(const yaml_event_t *ev, const char **msg)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool resolve = !tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    const char *kind = NULL; /* the core tag asked for, without prefix */
    if (tag && strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0)
        kind = tag + strlen(TAG_PREFIX);
    else if (tag && strcmp(tag, "!") != 0) {
        *msg = "unsupported tag (only the YAML core tags !!str, !!int, !!float, !!bool, !!null)";
        return NULL;
    }
    bool has_nul = memchr(s, '\0', n) != NULL;
    if (!resolve && !kind) return json_stringn(s, n);
    if (kind &&
        (strcmp(kind, "str") == 0 || strcmp(kind, "binary") == 0 || strcmp(kind, "timestamp") == 0))
        return json_stringn(s, n);
    if (kind && strcmp(kind, "null") && strcmp(kind, "bool") && strcmp(kind, "int") &&
        strcmp(kind, "float")) {
        *msg = "unsupported tag (only the YAML core tags !!str, !!int, !!float, !!bool, !!null)";
        return NULL;
    }
    if (has_nul) goto not_that_kind;
    if ((!kind || strcmp(kind, "null") == 0) && is_one_of(s, null_words)) return json_null();
    if (!kind || strcmp(kind, "bool") == 0) {
        if (is_one_of(s, true_words)) return json_true();
        if (is_one_of(s, false_words)) return json_false();
    }
    if (!kind || strcmp(kind, "int") == 0 || strcmp(kind, "float") == 0) {
        json_t *v = NULL;
        int r = parse_core_int(s, &v);
        if (r < 0) {
            *msg = "integer out of range";
            return NULL;
        }
        if (r > 0) {
            if (kind && strcmp(kind, "float") == 0 && json_is_integer(v)) {
                json_t *real = json_real((double)json_integer_value(v));
                json_decref(v);
                v = real;
            }
            return v;
        }
    }
    if (!kind || strcmp(kind, "float") == 0) {
        if (is_core_float(s)) return json_real(strtod(s, NULL));
        const char *t = (*s == '-' || *s == '+') ? s + 1 : s;
        if (strcmp(t, ".inf") == 0 || strcmp(t, ".Inf") == 0 || strcmp(t, ".INF") == 0 ||
            strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0) {
            *msg = "infinity and NaN cannot be represented in JSON";
            return NULL;
        }
    }
not_that_kind:
    if (!kind) return json_stringn(s, n);
    *msg = strcmp(kind, "null") == 0   ? "not a null (!!null)"
           : strcmp(kind, "bool") == 0 ? "not a boolean (!!bool)"
           : strcmp(kind, "int") == 0  ? "not an integer (!!int)"
                                       : "not a number (!!float)";
    return NULL;
}

/* ---- YAML events → tree ---- */

typedef struct {
    json_t *node; /* the mapping or sequence being filled */
    char *key;    /* mapping: the key waiting for its value, or NULL */
    size_t key_len;
    char *anchor; /* anchor to register when the node ends, or NULL */
    size_t nodes_at_start, bytes_at_start;
} frame_t;

typedef struct {
    json_t *value;
    size_t nodes, bytes; /* expanded size, charged again at every alias */
} anchor_t;

typedef struct {
    yaml_json_doc_t *doc;
    frame_t frames[YAML_JSON_MAX_DEPTH];
    size_t depth;
    json_t *anchor_index; /* name → index into anchors (latest definition wins, §3.2.2.2) */
    anchor_t *anchors;
    size_t anchor_count, anchor_cap;
    size_t nodes, bytes;
    char *err;
} builder_t;

static int fail_at(builder_t *b, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(builder_t *b, yaml_mark_t m, const char *fmt, ...)
{
    if (b->err) return -1;
    va_list ap;
    va_start(ap, fmt);
    b->err = format_error(b->doc->source, (unsigned)m.line + 1, (unsigned)m.column + 1, fmt, ap);
    va_end(ap);
    return -1;
}

static int charge(builder_t *b, yaml_mark_t m, size_t nodes, size_t bytes)
{
    b->nodes += nodes;
    b->bytes += bytes;
    if (b->nodes > YAML_JSON_MAX_NODES)
        return fail_at(b, m, "document expands to more than %u values (aliases included)",
                       YAML_JSON_MAX_NODES);
    if (b->bytes > YAML_JSON_MAX_SCALAR_BYTES)
        return fail_at(b, m, "document expands to more than %u bytes of text (aliases included)",
                       YAML_JSON_MAX_SCALAR_BYTES);
    return 0;
}

static int anchor_define(builder_t *b, const char *name, json_t *value, size_t nodes, size_t bytes,
                         yaml_mark_t m)
{
    if (b->anchor_count == b->anchor_cap) {
        size_t cap = b->anchor_cap ? b->anchor_cap * 2 : 16;
        anchor_t *a = realloc(b->anchors, cap * sizeof *a);
        if (!a) return fail_at(b, m, "out of memory");
        b->anchors = a;
        b->anchor_cap = cap;
    }
    b->anchors[b->anchor_count] = (anchor_t){json_incref(value), nodes, bytes};
    if (json_object_set_new(b->anchor_index, name, json_integer((json_int_t)b->anchor_count)))
        return fail_at(b, m, "out of memory");
    b->anchor_count++;
    return 0;
}

/* Places a finished value: the root, a sequence element or the pending key's value. Takes
 * the reference. */
static int place(builder_t *b, json_t *v, yaml_mark_t m)
{
    if (!v) return fail_at(b, m, "out of memory or invalid UTF-8");
    if (pos_put(b->doc, v, m) < 0) {
        json_decref(v);
        return fail_at(b, m, "out of memory");
    }
    if (b->depth == 0) {
        b->doc->root = v;
        return 0;
    }
    frame_t *f = &b->frames[b->depth - 1];
    int rc;
    if (json_is_array(f->node)) {
        rc = json_array_append_new(f->node, v);
    } else {
        rc = json_object_setn_new(f->node, f->key, f->key_len, v);
        free(f->key);
        f->key = NULL;
    }
    return rc ? fail_at(b, m, "out of memory") : 0;
}

/* In a mapping waiting for a key, a scalar (or alias to a string) is that key. */
static bool wants_key(const builder_t *b)
{
    if (b->depth == 0) return false;
    const frame_t *f = &b->frames[b->depth - 1];
    return json_is_object(f->node) && !f->key;
}

static int set_key(builder_t *b, const char *s, size_t n, yaml_mark_t m)
{
    frame_t *f = &b->frames[b->depth - 1];
    /* YAML 1.2 §3.2.1.1: the keys of a mapping are unique. */
    if (json_object_getn(f->node, s, n)) return fail_at(b, m, "duplicate key \"%.*s\"", (int)n, s);
    f->key = malloc(n + 1);
    if (!f->key) return fail_at(b, m, "out of memory");
    memcpy(f->key, s, n);
    f->key[n] = '\0';
    f->key_len = n;
    return 0;
}

static int on_scalar(builder_t *b, const yaml_event_t *ev)
{
    yaml_mark_t m = ev->start_mark;
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (charge(b, m, 1, n) < 0) return -1;
    if (wants_key(b)) {
        if (set_key(b, s, n, m) < 0) return -1;
        if (!ev->data.scalar.anchor) return 0;
        json_t *key = json_stringn(s, n);
        int rc = key ? anchor_define(b, (const char *)ev->data.scalar.anchor, key, 1, n, m)
                     : fail_at(b, m, "invalid UTF-8");
        json_decref(key);
        return rc;
    }
    const char *msg = "out of memory or invalid UTF-8";
    json_t *v = scalar_value(ev, &msg);
    if (!v) return fail_at(b, m, "%s", msg);
    if (ev->data.scalar.anchor &&
        anchor_define(b, (const char *)ev->data.scalar.anchor, v, 1, n, m) < 0) {
        json_decref(v);
        return -1;
    }
    return place(b, v, m);
}

static int on_alias(builder_t *b, const yaml_event_t *ev)
{
    yaml_mark_t m = ev->start_mark;
    const char *name = (const char *)ev->data.alias.anchor;
    json_t *idx = json_object_get(b->anchor_index, name);
    if (!idx)
        return fail_at(b, m,
                       "alias *%s names no finished anchor (undefined, or a recursive "
                       "structure)",
                       name);
    const anchor_t *a = &b->anchors[json_integer_value(idx)];
    if (charge(b, m, a->nodes, a->bytes) < 0) return -1;
    if (wants_key(b)) {
        if (!json_is_string(a->value)) return fail_at(b, m, "mapping keys must be scalars");
        return set_key(b, json_string_value(a->value), json_string_length(a->value), m);
    }
    return place(b, json_deep_copy(a->value), m);
}

static int on_start(builder_t *b, const yaml_event_t *ev, bool is_mapping)
{
    yaml_mark_t m = ev->start_mark;
    if (wants_key(b)) return fail_at(b, m, "mapping keys must be scalars");
    if (b->depth == YAML_JSON_MAX_DEPTH)
        return fail_at(b, m, "nested deeper than %u levels", YAML_JSON_MAX_DEPTH);
    if (charge(b, m, 1, 0) < 0) return -1;
    json_t *node = is_mapping ? json_object() : json_array();
    if (!node || pos_put(b->doc, node, m) < 0) {
        json_decref(node);
        return fail_at(b, m, "out of memory");
    }
    const yaml_char_t *anchor =
        is_mapping ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const yaml_char_t *tag = is_mapping ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    if (tag && strcmp((const char *)tag, is_mapping ? TAG_PREFIX "map" : TAG_PREFIX "seq") != 0 &&
        strcmp((const char *)tag, "!") != 0) {
        json_decref(node);
        return fail_at(b, m, "unsupported tag \"%s\"", (const char *)tag);
    }
    frame_t *f = &b->frames[b->depth++];
    *f = (frame_t){node,         NULL,    0, anchor ? strdup((const char *)anchor) : NULL,
                   b->nodes - 1, b->bytes};
    return 0;
}

static int on_end(builder_t *b, const yaml_event_t *ev)
{
    frame_t f = b->frames[--b->depth];
    int rc = 0;
    if (f.anchor) {
        rc = anchor_define(b, f.anchor, f.node, b->nodes - f.nodes_at_start,
                           b->bytes - f.bytes_at_start, ev->start_mark);
        free(f.anchor);
    }
    free(f.key);
    if (rc < 0) {
        json_decref(f.node);
        return -1;
    }
    /* place() registers the position again: keep the start mark, not the end. */
    const yaml_json_pos_t *p = pos_get(b->doc, f.node);
    yaml_mark_t start = {0, p ? p->line - 1 : 0, p ? p->column - 1 : 0};
    return place(b, f.node, start);
}

static void builder_release(builder_t *b)
{
    while (b->depth > 0) {
        frame_t *f = &b->frames[--b->depth];
        json_decref(f->node);
        free(f->key);
        free(f->anchor);
    }
    for (size_t i = 0; i < b->anchor_count; i++)
        json_decref(b->anchors[i].value);
    free(b->anchors);
    json_decref(b->anchor_index);
}

static int parse_yaml(yaml_json_doc_t *d, char **err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        *err = make_error(d->source, 1, 1, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)d->text, d->len);
    builder_t *b = calloc(1, sizeof *b);
    if (!b) {
        yaml_parser_delete(&parser);
        *err = make_error(d->source, 1, 1, "out of memory");
        return -1;
    }
    b->doc = d;
    b->anchor_index = json_object();
    int documents = 0;
    bool done = false;
    while (!done && !b->err) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_mark_t m = parser.problem_mark;
            if (parser.error == YAML_MEMORY_ERROR)
                fail_at(b, m, "out of memory");
            else if (parser.context)
                fail_at(b, m, "%s %s", parser.problem ? parser.problem : "syntax error",
                        parser.context);
            else
                fail_at(b, m, "%s", parser.problem ? parser.problem : "syntax error");
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1) fail_at(b, ev.start_mark, "only one YAML document is allowed");
            break;
        case YAML_SCALAR_EVENT:
            on_scalar(b, &ev);
            break;
        case YAML_ALIAS_EVENT:
            on_alias(b, &ev);
            break;
        case YAML_MAPPING_START_EVENT:
            on_start(b, &ev, true);
            break;
        case YAML_SEQUENCE_START_EVENT:
            on_start(b, &ev, false);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            on_end(b, &ev);
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    if (!b->err && documents == 0) {
        yaml_mark_t m = {0, 0, 0};
        fail_at(b, m, "empty document");
    }
    int rc = b->err ? -1 : 0;
    *err = b->err;
    builder_release(b);
    free(b);
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- JSON ---- */

static int parse_json(yaml_json_doc_t *d, size_t start, char **err)
{
    json_error_t je;
    d->root =
        json_loadb(d->text + start, d->len - start, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (d->root) return 0;
    *err = make_error(d->source, je.line > 0 ? (unsigned)je.line : 1,
                      je.column > 0 ? (unsigned)je.column : 1, "%s", je.text);
    return -1;
}

/* ---- public ---- */

yaml_json_doc_t *yaml_json_doc_parse(const char *text, size_t len, const char *source_name,
                                     char **err)
{
    *err = NULL;
    const char *source = source_name ? source_name : "<input>";
    if (len > YAML_JSON_MAX_INPUT) {
        *err = make_error(source, 1, 1, "document larger than %u bytes", YAML_JSON_MAX_INPUT);
        return NULL;
    }
    yaml_json_doc_t *d = calloc(1, sizeof *d);
    if (!d) goto fail_alloc;
    d->source = strdup(source);
    d->text = malloc(len + 1);
    if (!d->source || !d->text) goto fail_alloc;
    memcpy(d->text, text, len);
    d->text[len] = '\0';
    d->len = len;

    size_t start = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) start = 3;
    size_t first = start;
    while (first < len && strchr(" \t\r\n", text[first]) && text[first])
        first++;
    d->is_json = first < len && (text[first] == '{' || text[first] == '[');
    int rc = d->is_json ? parse_json(d, start, err) : parse_yaml(d, err);
    if (rc < 0) {
        if (!*err) *err = make_error(source, 1, 1, "out of memory");
        yaml_json_doc_free(d);
        return NULL;
    }
    return d;

fail_alloc:
    yaml_json_doc_free(d);
    *err = make_error(source, 1, 1, "out of memory");
    return NULL;
}

json_t *yaml_json_doc_root(const yaml_json_doc_t *doc)
{
    return doc->root;
}

bool yaml_json_doc_is_json(const yaml_json_doc_t *doc)
{
    return doc->is_json;
}

const char *yaml_json_doc_source(const yaml_json_doc_t *doc)
{
    return doc->source;
}

void yaml_json_doc_free(yaml_json_doc_t *doc)
{
    if (!doc) return;
    json_decref(doc->root);
    free(doc->slots);
    free(doc->text);
    free(doc->source);
    free(doc);
}

json_t *yaml_json_parse(const char *text, size_t len, const char *source_name, char **err)
{
    yaml_json_doc_t *d = yaml_json_doc_parse(text, len, source_name, err);
    if (!d) return NULL;
    json_t *root = json_incref(d->root);
    yaml_json_doc_free(d);
    return root;
}

/* Depth-first search for `target` by identity, filling the path to it. Returns the depth
 * at which it was found, or -1. Used only when an error is reported, so a linear walk is
 * fine. */
static int find_path(const json_t *node, const json_t *target, json_locate_step_t *steps,
                     const json_t **nodes, size_t depth, size_t max)
{
    nodes[depth] = node;
    if (node == target) return (int)depth;
    if (depth == max) return -1;
    if (json_is_object(node)) {
        const char *key;
        json_t *child;
        json_object_foreach((json_t *)node, key, child)
        {
            steps[depth] = (json_locate_step_t){key, strlen(key), 0};
            int r = find_path(child, target, steps, nodes, depth + 1, max);
            if (r >= 0) return r;
        }
    } else if (json_is_array(node)) {
        for (size_t i = 0; i < json_array_size(node); i++) {
            steps[depth] = (json_locate_step_t){NULL, 0, i};
            int r = find_path(json_array_get(node, i), target, steps, nodes, depth + 1, max);
            if (r >= 0) return r;
        }
    }
    return -1;
}

#define LOCATE_MAX_DEPTH 2100 /* jansson nests at most 2048 (JSON_PARSER_MAX_DEPTH) */

int yaml_json_doc_locate(const yaml_json_doc_t *doc, const json_t *node, yaml_json_pos_t *pos,
                         char *path, size_t path_size)
{
    *pos = (yaml_json_pos_t){1, 1};
    if (path_size) path[0] = '\0';
    json_locate_step_t *steps = malloc(LOCATE_MAX_DEPTH * sizeof *steps);
    const json_t **nodes = malloc((LOCATE_MAX_DEPTH + 1) * sizeof *nodes);
    int depth = steps && nodes && doc->root
                    ? find_path(doc->root, node, steps, nodes, 0, LOCATE_MAX_DEPTH)
                    : -1;
    if (depth >= 0) {
        if (path_size) json_locate_format_path(steps, (size_t)depth, path, path_size);
        if (doc->is_json) {
            json_locate_pos_t p;
            size_t start = doc->len >= 3 && memcmp(doc->text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
            json_locate(doc->text + start, doc->len - start, steps, (size_t)depth, &p);
            *pos = (yaml_json_pos_t){p.line, p.column};
        } else {
            /* The deepest node on the way with a position of its own: values inside an
             * alias's copy have none, so they report the alias. */
            for (int i = depth; i >= 0; i--) {
                const yaml_json_pos_t *p = pos_get(doc, nodes[i]);
                if (p) {
                    *pos = *p;
                    break;
                }
            }
        }
    }
    free(steps);
    free(nodes);
    return depth >= 0 ? 0 : -1;
}

char *yaml_json_doc_verror(const yaml_json_doc_t *doc, const json_t *node, const char *fmt,
                           va_list ap)
{
    yaml_json_pos_t pos;
    char path[256];
    yaml_json_doc_locate(doc, node, &pos, path, sizeof path);
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char *out = NULL;
    int rc = path[0] ? asprintf(&out, "%s:%u:%u: %s (at %s)", doc->source, pos.line, pos.column,
                                msg, path)
                     : asprintf(&out, "%s:%u:%u: %s", doc->source, pos.line, pos.column, msg);
    return rc < 0 ? NULL : out;
}

char *yaml_json_doc_error(const yaml_json_doc_t *doc, const json_t *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = yaml_json_doc_verror(doc, node, fmt, ap);
    va_end(ap);
    return out;
}
