/* openapi: parameters, request bodies and responses of one operation (contract in
 * openapi.h, internals in openapi_internal.h, mapping in docs/openapi-import.md). */
#include "manage/openapi_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A literal value as the contract carries it (defaultValue and values are strings). */
static json_t *value_text(json_t *v)
{
    if (!v || json_is_null(v)) return NULL;
    if (json_is_string(v)) return json_incref(v);
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    json_t *out = s ? json_string(s) : NULL;
    free(s);
    return out;
}

/* The schema's type; OpenAPI 3.1 allows a list ("type": ["string", "null"]). */
static const char *schema_type(json_t *schema)
{
    json_t *t = json_object_get(schema, "type");
    if (json_is_string(t)) return json_string_value(t);
    for (size_t i = 0; i < json_array_size(t); i++) {
        const char *s = json_string_value(json_array_get(t, i));
        if (s && strcmp(s, "null")) return s;
    }
    return NULL;
}

/* "#/components/schemas/Pet" or "#/definitions/Pet" → "Pet": the contract's typeName. */
static const char *schema_type_name(json_t *schema)
{
    const char *ref = json_string_value(json_object_get(schema, "$ref"));
    if (!ref) return NULL;
    static const char *const prefixes[] = {"#/components/schemas/", "#/definitions/"};
    for (size_t i = 0; i < 2; i++)
        if (!strncmp(ref, prefixes[i], strlen(prefixes[i])) &&
            !strchr(ref + strlen(prefixes[i]), '/'))
            return ref + strlen(prefixes[i]);
    return NULL;
}

/* Builds {name, type, required, description?, defaultValue?, values[]} from an object that
 * describes a value either directly (Swagger 2.0 parameters and headers: type, enum,
 * default) or through a schema (OpenAPI 3: schema, or content with one schema). */
static json_t *contract(oa_ctx_t *c, const char *name, json_t *desc, bool required)
{
    json_t *typed = desc;
    json_t *schema = json_object_get(desc, "schema");
    if (!schema && json_is_object(json_object_get(desc, "content"))) {
        const char *media;
        json_t *m;
        json_object_foreach(json_object_get(desc, "content"), media, m)
        {
            schema = json_object_get(m, "schema");
            break;
        }
    }
    if (schema && !(c->is_v2 && json_object_get(desc, "type"))) {
        typed = oa_deref(c, schema);
        if (!typed) return NULL;
    }
    const char *type = schema_type(typed);
    bool bad = false;
    const char *description = oa_string(c, desc, "description", &bad);
    if (bad) return NULL;
    json_t *out =
        json_pack("{sssssb}", "name", name, "type", type ? type : "string", "required", required);
    if (!out) return NULL;
    if (description && *description)
        json_object_set_new(out, "description", json_string(description));
    json_t *def = value_text(json_object_get(typed, "default"));
    if (def) json_object_set_new(out, "defaultValue", def);
    json_t *values = json_array();
    json_t *en = json_object_get(typed, "enum");
    for (size_t i = 0; i < json_array_size(en); i++) {
        json_t *v = value_text(json_array_get(en, i));
        if (v) json_array_append_new(values, v);
    }
    json_object_set_new(out, "values", values);
    return out;
}

json_t *oa_parameter_contract(oa_ctx_t *c, json_t *param, bool required)
{
    return contract(c, json_string_value(json_object_get(param, "name")), param, required);
}

/* OpenAPI 3 Media Type "example"/"examples" → the contract's examples map
 * {name: {summary, description, value, externalValue}}; NULL when there are none. */
static json_t *examples_v3(oa_ctx_t *c, json_t *media, bool *failed)
{
    json_t *out = NULL;
    json_t *example = json_object_get(media, "example");
    if (example) out = json_pack("{s{sO}}", "default", "value", example);
    json_t *examples = json_object_get(media, "examples");
    if (json_is_object(examples)) {
        const char *key;
        json_t *raw;
        json_object_foreach(examples, key, raw)
        {
            json_t *ex = oa_deref(c, raw);
            if (!ex) {
                *failed = true;
                json_decref(out);
                return NULL;
            }
            if (!json_is_object(ex)) continue;
            json_t *item = json_object();
            static const char *const fields[] = {"summary", "description", "value",
                                                 "externalValue"};
            for (size_t i = 0; i < 4; i++) {
                json_t *f = json_object_get(ex, fields[i]);
                if (f) json_object_set(item, fields[i], f);
            }
            if (!out) out = json_object();
            json_object_set_new(out, key, item);
        }
    }
    return out;
}

/* content: {mediaType: MediaType} → representations[]. */
static json_t *representations_v3(oa_ctx_t *c, json_t *owner, json_t *content)
{
    json_t *reps = json_array();
    if (!content || json_is_null(content)) return reps;
    if (!json_is_object(content)) {
        json_decref(reps);
        return oa_fail(c, owner, "\"content\" must be a mapping"), NULL;
    }
    const char *type;
    json_t *media;
    json_object_foreach(content, type, media)
    {
        json_t *rep = json_pack("{ss}", "contentType", type);
        const char *type_name = schema_type_name(json_object_get(media, "schema"));
        if (type_name) json_object_set_new(rep, "typeName", json_string(type_name));
        bool failed = false;
        json_t *examples = examples_v3(c, media, &failed);
        if (failed) {
            json_decref(rep);
            json_decref(reps);
            return NULL;
        }
        if (examples) json_object_set_new(rep, "examples", examples);
        json_array_append_new(reps, rep);
    }
    return reps;
}

json_t *oa_request_representations_v3(oa_ctx_t *c, json_t *body)
{
    if (!body) return json_array();
    if (!json_is_object(body)) return oa_fail(c, body, "\"requestBody\" must be a mapping"), NULL;
    return representations_v3(c, body, json_object_get(body, "content"));
}

/* Swagger 2.0 consumes/produces: the operation's list, else the document's, else JSON. */
static json_t *media_list(oa_ctx_t *c, json_t *op, const char *key)
{
    json_t *list = json_object_get(op, key);
    if (!json_is_array(list))
        list = !strcmp(key, "consumes") ? c->global_consumes : c->global_produces;
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(list); i++)
        if (json_is_string(json_array_get(list, i)))
            json_array_append(out, json_array_get(list, i));
    if (json_array_size(out) == 0) json_array_append_new(out, json_string("application/json"));
    return out;
}

json_t *oa_request_representations_v2(oa_ctx_t *c, json_t *op, json_t *body_param,
                                      json_t *form_params)
{
    json_t *reps = json_array();
    json_t *consumes = media_list(c, op, "consumes");
    if (body_param) {
        const char *type_name = schema_type_name(json_object_get(body_param, "schema"));
        for (size_t i = 0; i < json_array_size(consumes); i++) {
            json_t *rep = json_pack("{sO}", "contentType", json_array_get(consumes, i));
            if (type_name) json_object_set_new(rep, "typeName", json_string(type_name));
            json_array_append_new(reps, rep);
        }
    }
    if (json_array_size(form_params) > 0) {
        /* formData goes as multipart when the operation says so, else as a form. */
        const char *type = "application/x-www-form-urlencoded";
        for (size_t i = 0; i < json_array_size(consumes); i++)
            if (!strcmp(json_string_value(json_array_get(consumes, i)), "multipart/form-data"))
                type = "multipart/form-data";
        json_t *fields = json_array();
        for (size_t i = 0; i < json_array_size(form_params); i++) {
            json_t *p = json_array_get(form_params, i);
            json_t *f = oa_parameter_contract(c, p, json_is_true(json_object_get(p, "required")));
            if (!f) {
                json_decref(fields);
                json_decref(reps);
                json_decref(consumes);
                return NULL;
            }
            json_array_append_new(fields, f);
        }
        json_array_append_new(reps,
                              json_pack("{sssO}", "contentType", type, "formParameters", fields));
        json_decref(fields);
    }
    json_decref(consumes);
    return reps;
}

static json_t *response_headers(oa_ctx_t *c, json_t *resp)
{
    json_t *out = json_array();
    json_t *headers = json_object_get(resp, "headers");
    if (!headers || json_is_null(headers)) return out;
    if (!json_is_object(headers)) {
        json_decref(out);
        return oa_fail(c, resp, "\"headers\" must be a mapping"), NULL;
    }
    const char *name;
    json_t *raw;
    json_object_foreach(headers, name, raw)
    {
        json_t *h = oa_deref(c, raw);
        json_t *item = h && json_is_object(h)
                           ? contract(c, name, h, json_is_true(json_object_get(h, "required")))
                           : NULL;
        if (!item) {
            if (!c->err) oa_fail(c, headers, "header \"%s\" must be a mapping", name);
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, item);
    }
    return out;
}

static json_t *response_representations_v2(oa_ctx_t *c, json_t *op, json_t *resp)
{
    json_t *reps = json_array();
    json_t *schema = json_object_get(resp, "schema");
    json_t *examples = json_object_get(resp, "examples");
    const char *type_name = schema_type_name(schema);
    if (schema) {
        json_t *produces = media_list(c, op, "produces");
        for (size_t i = 0; i < json_array_size(produces); i++) {
            json_t *rep = json_pack("{sO}", "contentType", json_array_get(produces, i));
            if (type_name) json_object_set_new(rep, "typeName", json_string(type_name));
            json_array_append_new(reps, rep);
        }
        json_decref(produces);
    }
    /* examples: {mimeType: value}, attached to that representation (added if missing). */
    const char *mime;
    json_t *value;
    json_object_foreach(examples, mime, value)
    {
        json_t *rep = NULL;
        for (size_t i = 0; i < json_array_size(reps) && !rep; i++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(reps, i), "contentType")),
                        mime))
                rep = json_array_get(reps, i);
        if (!rep) {
            rep = json_pack("{ss}", "contentType", mime);
            json_array_append_new(reps, rep);
        }
        json_object_set_new(rep, "examples", json_pack("{s{sO}}", "default", "value", value));
    }
    return reps;
}

static bool is_status_code(const char *s)
{
    return strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' &&
           s[2] >= '0' && s[2] <= '9';
}

json_t *oa_responses(oa_ctx_t *c, json_t *op)
{
    json_t *out = json_array();
    json_t *responses = json_object_get(op, "responses");
    if (!responses || json_is_null(responses)) return out;
    if (!json_is_object(responses)) {
        json_decref(out);
        return oa_fail(c, json_is_array(responses) ? responses : op,
                       "\"responses\" must be a mapping"),
               NULL;
    }
    const char *code;
    json_t *raw;
    json_object_foreach(responses, code, raw)
    {
        /* The contract's statusCode is a number: "default" has no place in it, nor do
         * ranges such as "2XX" (OpenAPI 3 §4.8.16.2). */
        if (!strcmp(code, "default") || !strncmp(code, "x-", 2)) continue;
        if (!is_status_code(code)) {
            oa_warn(c, json_is_object(raw) ? raw : responses,
                    "response \"%s\" is not a status code: left out", code);
            continue;
        }
        json_t *resp = oa_deref(c, raw);
        if (!resp) goto fail;
        if (!json_is_object(resp)) {
            oa_fail(c, responses, "response \"%s\" must be a mapping", code);
            goto fail;
        }
        json_t *reps = c->is_v2 ? response_representations_v2(c, op, resp)
                                : representations_v3(c, resp, json_object_get(resp, "content"));
        json_t *headers = reps ? response_headers(c, resp) : NULL;
        if (!headers) {
            json_decref(reps);
            goto fail;
        }
        json_t *item = json_pack("{sisoso}", "statusCode", atoi(code), "representations", reps,
                                 "headers", headers);
        const char *description = json_string_value(json_object_get(resp, "description"));
        if (description) json_object_set_new(item, "description", json_string(description));
        json_array_append_new(out, item);
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}
