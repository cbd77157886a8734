#include "cli/yaml_out.h"

#include "base/buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    buf_t text;
    bool failed;
} sink_t;

static int write_handler(void *ctx, unsigned char *buffer, size_t size)
{
    sink_t *s = ctx;
    if (buf_append_text(&s->text, buffer, size)) {
        s->failed = true;
        return 0;
    }
    return 1;
}

/* Would this text, written as a plain scalar, read back as something other than this
 * string? (YAML 1.2 core schema, §10.3.2: null, booleans, numbers; plus anything starting
 * like a number or an indicator, which is quoted to stay on the safe side.) */
static bool needs_quotes(const char *s)
{
    static const char *const words[] = {"null", "Null",  "NULL",  "~",     "true", "True",
                                        "TRUE", "false", "False", "FALSE", NULL};
    if (!*s) return true;
    for (size_t i = 0; words[i]; i++)
        if (strcmp(s, words[i]) == 0) return true;
    if (strchr("0123456789+-.", *s)) return true;
    return false;
}

static int emit_scalar(yaml_emitter_t *e, const char *text, size_t len, yaml_scalar_style_t style,
                       bool is_plain_ok)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)len, is_plain_ok,
                                      !is_plain_ok, style))
        return -1;
    return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
    if (memchr(s, '\n', len)) return emit_scalar(e, s, len, YAML_LITERAL_SCALAR_STYLE, false);
    if (needs_quotes(s)) return emit_scalar(e, s, len, YAML_DOUBLE_QUOTED_SCALAR_STYLE, false);
    return emit_scalar(e, s, len, YAML_ANY_SCALAR_STYLE, true);
}

static int emit_value(yaml_emitter_t *e, const json_t *v)
{
    yaml_event_t ev;
    char num[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_MAPPING_STYLE) ||
            !yaml_emitter_emit(e, &ev))
            return -1;
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)v, key, member)
        {
            if (emit_string(e, key, strlen(key)) || emit_value(e, member)) return -1;
        }
        if (!yaml_mapping_end_event_initialize(&ev)) return -1;
        return yaml_emitter_emit(e, &ev) ? 0 : -1;
    }
    case JSON_ARRAY: {
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(e, &ev))
            return -1;
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            if (emit_value(e, item)) return -1;
        }
        if (!yaml_sequence_end_event_initialize(&ev)) return -1;
        return yaml_emitter_emit(e, &ev) ? 0 : -1;
    }
    case JSON_STRING:
        return emit_string(e, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return emit_scalar(e, num, strlen(num), YAML_PLAIN_SCALAR_STYLE, true);
    case JSON_REAL:
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        /* "1" would read back as an integer */
        if (!strpbrk(num, ".eEn")) strcat(num, ".0");
        return emit_scalar(e, num, strlen(num), YAML_PLAIN_SCALAR_STYLE, true);
    case JSON_TRUE:
        return emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE, true);
    case JSON_FALSE:
        return emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE, true);
    case JSON_NULL:
        return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE, true);
    }
    return -1;
}

char *yaml_out_dump(const json_t *value)
{
    yaml_emitter_t e;
    sink_t sink = {.failed = false};
    buf_init(&sink.text);
    if (!yaml_emitter_initialize(&e)) return NULL;
    yaml_emitter_set_output(&e, write_handler, &sink);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1); /* no folding: one line stays one line */
    yaml_emitter_set_indent(&e, 2);
    yaml_event_t ev;
    int rc = -1;
    if (yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&e, &ev) &&
        yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
        yaml_emitter_emit(&e, &ev) && emit_value(&e, value) == 0 &&
        yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
        yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev) &&
        yaml_emitter_flush(&e))
        rc = 0;
    yaml_emitter_delete(&e);
    if (rc < 0 || sink.failed || !sink.text.data) {
        buf_free(&sink.text);
        return NULL;
    }
    return sink.text.data;
}
