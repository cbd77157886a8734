/* Shared between openapi.c (documents, paths, operations) and openapi_parts.c
 * (parameters, bodies, responses). Not a public contract. */
#ifndef MERIDIAN_MANAGE_OPENAPI_INTERNAL_H
#define MERIDIAN_MANAGE_OPENAPI_INTERNAL_H

#include "manage/openapi.h"
#include "manage/yaml_json.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct {
    yaml_json_doc_t *doc;
    json_t *root;
    bool is_v2; /* Swagger 2.0; else OpenAPI 3.x */
    openapi_options_t opts;
    json_t *global_consumes; /* Swagger 2.0 document-level consumes/produces, or NULL */
    json_t *global_produces;
    json_t *warnings;
    char *err;
} oa_ctx_t;

/* Records the first error at `node` (a container or string: see yaml_json_doc_locate) and
 * returns -1. */
int oa_fail(oa_ctx_t *c, const json_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void oa_warn(oa_ctx_t *c, const json_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Follows `node` while it is an object with "$ref" (local references only). Returns the
 * target (borrowed), or NULL with the error recorded. A non-reference is returned as is. */
json_t *oa_deref(oa_ctx_t *c, json_t *node);

/* The string member `key` of `obj`, or NULL when absent; a present non-string is an
 * error (*bad set true). */
const char *oa_string(oa_ctx_t *c, json_t *obj, const char *key, bool *bad);

/* A parameter (after $ref) → ParameterContract {name, type, required, description,
 * defaultValue, values}. */
json_t *oa_parameter_contract(oa_ctx_t *c, json_t *param, bool required);

/* request.representations from an OpenAPI 3 requestBody, or Swagger 2.0 body/formData
 * parameters. Returns a new array or NULL (error recorded). */
json_t *oa_request_representations_v3(oa_ctx_t *c, json_t *body);
json_t *oa_request_representations_v2(oa_ctx_t *c, json_t *op, json_t *body_param,
                                      json_t *form_params);

/* responses[] of an operation. */
json_t *oa_responses(oa_ctx_t *c, json_t *op);

#endif
