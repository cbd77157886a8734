/* up_service (contract in deploy/up_service.h). */
#include "deploy/up_service.h"

#include "manage/yaml_json.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char up_service_yaml[];
extern const size_t up_service_yaml_len;

#define EMBEDDED_NAME "embedded examples/up/service.yaml"
#define MAX_FILE_BYTES (64u << 20)

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0) out = NULL;
    va_end(ap);
    return out;
}

size_t up_slug(const char *display_name, char *out, size_t size)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)display_name; *p && n + 1 < size; p++)
        if (isascii(*p) && isalnum(*p)) out[n++] = (char)tolower(*p);
    if (size) out[n] = '\0';
    return n;
}

static char *read_file(const char *path, size_t *len, char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = format("%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *data = malloc(cap + 1);
    while (data) {
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
        if (n == cap) {
            if (cap >= MAX_FILE_BYTES) {
                free(data);
                data = NULL;
                *err = format("%s: larger than %u bytes", path, MAX_FILE_BYTES);
                fclose(f);
                return NULL;
            }
            char *bigger = realloc(data, cap * 2 + 1);
            if (!bigger) free(data);
            data = bigger;
            cap *= 2;
        }
    }
    bool is_error = ferror(f);
    fclose(f);
    if (!data || is_error) {
        free(data);
        *err = format("%s: %s", path, data ? "read error" : "out of memory");
        return NULL;
    }
    data[n] = '\0';
    *len = n;
    return data;
}

/* The canonical policy, as written: the working directory first (the repository root when
 * run from it, like `make run`), then the repository the binary was built in. */
static char *read_canonical_policy(const char *repo_dir, char **err)
{
    size_t len;
    char *first_err = NULL;
    char *text = read_file(UP_SERVICE_POLICY_RELATIVE, &len, &first_err);
    if (text || !repo_dir) {
        if (!text) *err = first_err;
        else free(first_err);
        return text;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", repo_dir, UP_SERVICE_POLICY_RELATIVE);
    char *second_err = NULL;
    text = read_file(path, &len, &second_err);
    if (!text)
        *err = format("the policy of API \"echo\" is read from %s; not found (%s; %s)",
                      UP_SERVICE_POLICY_RELATIVE, first_err, second_err);
    free(first_err);
    free(second_err);
    return text;
}

static int take_locations(yaml_json_doc_t *doc, json_t *root, up_service_t *out, char **err)
{
    json_t *list = json_object_get(root, "locations");
    if (!list) {
        snprintf(out->locations[0].display_name, sizeof out->locations[0].display_name,
                 "West US");
        up_slug("West US", out->locations[0].slug, sizeof out->locations[0].slug);
        out->locations[0].units = 1;
        out->location_count = 1;
        return 0;
    }
    if (!json_is_array(list) || json_array_size(list) == 0) {
        *err = yaml_json_doc_error(doc, list, "'locations' must be a non-empty list");
        return -1;
    }
    if (json_array_size(list) > UP_SERVICE_MAX_LOCATIONS) {
        *err = yaml_json_doc_error(doc, list, "at most %d locations", UP_SERVICE_MAX_LOCATIONS);
        return -1;
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        up_location_t *loc = &out->locations[i];
        const char *key;
        json_t *value;
        if (!json_is_object(item)) {
            *err = yaml_json_doc_error(doc, list, "a location is a mapping with displayName "
                                                  "and units");
            return -1;
        }
        json_object_foreach(item, key, value)
        {
            if (strcmp(key, "displayName") != 0 && strcmp(key, "units") != 0) {
                *err = yaml_json_doc_error(doc, item, "unknown location property '%s' (known: "
                                                      "displayName, units)", key);
                return -1;
            }
        }
        json_t *name = json_object_get(item, "displayName");
        json_t *units = json_object_get(item, "units");
        if (!json_is_string(name) || json_string_length(name) == 0 ||
            json_string_length(name) >= sizeof loc->display_name) {
            *err = yaml_json_doc_error(doc, item, "a location needs a displayName (1-127 "
                                                  "characters)");
            return -1;
        }
        if (units && (!json_is_integer(units) || json_integer_value(units) < 1 ||
                      json_integer_value(units) > UP_SERVICE_MAX_UNITS)) {
            *err = yaml_json_doc_error(doc, item, "units must be a whole number from 1 to %d",
                                       UP_SERVICE_MAX_UNITS);
            return -1;
        }
        snprintf(loc->display_name, sizeof loc->display_name, "%s", json_string_value(name));
        loc->units = units ? (int)json_integer_value(units) : 1;
        if (up_slug(loc->display_name, loc->slug, sizeof loc->slug) == 0) {
            *err = yaml_json_doc_error(doc, item, "location \"%s\" has no letter or digit",
                                       loc->display_name);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(out->locations[j].slug, loc->slug) == 0) {
                *err = yaml_json_doc_error(doc, item, "location \"%s\" is listed twice (as "
                                                      "\"%s\")", loc->display_name,
                                           out->locations[j].display_name);
                return -1;
            }
        }
    }
    out->location_count = json_array_size(list);
    return 0;
}

int up_service_load(const char *path, const char *repo_dir, up_service_t *out, char **err)
{
    *out = (up_service_t){0};
    *err = NULL;
    size_t len = up_service_yaml_len;
    char *text = NULL;
    if (path) {
        text = read_file(path, &len, err);
        if (!text) return -1;
    }
    out->source = strdup(path ? path : EMBEDDED_NAME);
    yaml_json_doc_t *doc = yaml_json_doc_parse(text ? text : up_service_yaml, len,
                                               out->source ? out->source : "?", err);
    free(text);
    if (!doc) goto fail;
    json_t *root = yaml_json_doc_root(doc);
    if (!json_is_object(root)) {
        *err = yaml_json_doc_error(doc, root, "a service file is a mapping of sections");
        goto fail_doc;
    }
    if (take_locations(doc, root, out, err)) goto fail_doc;
    json_t *apply = json_deep_copy(root);
    if (!apply) goto fail_nomem;
    json_object_del(apply, "locations");
    if (!path) {
        char *policy = read_canonical_policy(repo_dir, err);
        if (!policy) {
            json_decref(apply);
            goto fail_doc;
        }
        json_t *echo = json_object_get(json_object_get(apply, "apis"), "echo");
        json_object_set_new(echo, "policy", json_string(policy));
        free(policy);
    }
    out->apply_json = json_dumps(apply, JSON_INDENT(2));
    json_decref(apply);
    if (!out->apply_json) goto fail_nomem;
    yaml_json_doc_free(doc);
    return 0;

fail_nomem:
    *err = format("out of memory");
fail_doc:
    yaml_json_doc_free(doc);
fail:
    if (!*err) *err = format("cannot read the service file");
    up_service_free(out);
    return -1;
}

void up_service_free(up_service_t *s)
{
    free(s->apply_json);
    free(s->source);
    s->apply_json = NULL;
    s->source = NULL;
}
