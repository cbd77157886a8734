/* API import: PUT /apis/{apiId} with properties.format (openapi, openapi+json,
 * swagger-json) and properties.value (the document's text) creates or replaces the API and
 * all its operations from an OpenAPI 3.0/3.1 or Swagger 2.0 document (openapi.h), in one
 * validated commit (spec §6.4 "import-only" properties). */
#include "manage/service_internal.h"

#include "manage/openapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "properties.value:LINE:COL: message (at path)" → line, column and the message. */
static void import_error(const char *msg, manage_error_t *e)
{
    unsigned line = 0, col = 0;
    int used = 0;
    const char *rest = msg;
    const char *colon = strchr(msg, ':');
    if (colon && sscanf(colon, ":%u:%u: %n", &line, &col, &used) == 2 && used > 0) rest = colon + used;
    char where[64] = "";
    if (line) snprintf(where, sizeof where, " (line %u, column %u)", line, col);
    manage_error_set(e, 400, "ValidationError", "properties.value",
                     "The document in properties.value cannot be imported%s: %.900s", where, rest);
    e->line = line;
    e->column = col;
    snprintf(e->detail, sizeof e->detail, "%.500s", rest);
}

int manage_import_api(manage_service_t *s, const manage_call_t *c, const json_t *given,
                      const json_t *existing, manage_error_t *e)
{
    const char *text = json_string_value(json_object_get(given, "value"));
    if (!text)
        return manage_error_set(e, 400, "InvalidRequestContent", "properties.value",
                                "An import needs the document's text in properties.value "
                                "(a string).");
    openapi_result_t res;
    char *err = NULL;
    int64_t first_seq = s->next_seq;
    if (openapi_import(text, json_string_length(json_object_get(given, "value")),
                       "properties.value", NULL, &res, &err) != 0) {
        import_error(err ? err : "properties.value:0:0: cannot import", e);
        free(err);
        return -1;
    }

    /* The document's API properties, then what the request says (the caller's path,
     * serviceUrl, displayName... win). */
    json_t *merged = json_copy(res.api);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)given, key, v)
    {
        if (strcmp(key, "format") == 0 || strcmp(key, "value") == 0) continue;
        json_object_set(merged, key, v);
    }
    const manage_kind_t *k = c->route.kind;
    json_t *secrets = NULL, *next = NULL;
    json_t *api_props = manage_props_check(k, merged, NULL, &secrets, e);
    json_decref(merged);
    if (!api_props) goto fail;

    next = json_copy(s->resources);
    int64_t seq = existing ? (int64_t)json_integer_value(json_object_get(existing, "seq")) : s->next_seq++;
    json_object_set_new(next, c->route.path, manage_entry_new(k->type, seq, s->revision + 1, api_props, NULL));

    /* An import replaces the API's operations (and their policies). */
    char prefix[MANAGE_PATH_MAX + 16];
    snprintf(prefix, sizeof prefix, "%s/operations/", c->route.path);
    const char *path;
    json_t *entry;
    json_object_foreach(s->resources, path, entry)
    if (strncmp(path, prefix, strlen(prefix)) == 0) json_object_del(next, path);

    size_t i;
    json_t *op;
    json_array_foreach(res.operations, i, op)
    {
        const char *name = json_string_value(json_object_get(op, "name"));
        char op_path[MANAGE_PATH_MAX + MANAGE_ID_MAX + 16];
        snprintf(op_path, sizeof op_path, "%s%s", prefix, name ? name : "");
        manage_route_t r;
        if (!name || manage_route(op_path, &r, e) < 0) {
            manage_error_set(e, 400, "ValidationError", "properties.value",
                             "The document's operation '%s' has no usable id.", name ? name : "");
            goto fail;
        }
        json_t *op_secrets = NULL;
        json_t *props = manage_props_check(r.kind, json_object_get(op, "properties"), NULL, &op_secrets, e);
        if (!props) {
            char why[sizeof e->message];
            snprintf(why, sizeof why, "%s", e->message);
            manage_error_set(e, 400, "ValidationError", "properties.value",
                             "The document's operation '%s' cannot be imported: %s", name, why);
            goto fail;
        }
        json_object_set_new(next, op_path,
                            manage_entry_new(r.kind->type, s->next_seq++, s->revision + 1, props, NULL));
    }
    openapi_result_free(&res);
    json_decref(secrets);
    if (manage_commit(s, next, c, false, e) < 0) {
        s->next_seq = first_seq;
        return -1;
    }
    return 0;

fail:
    s->next_seq = first_seq;
    json_decref(next);
    json_decref(secrets);
    openapi_result_free(&res);
    return -1;
}
