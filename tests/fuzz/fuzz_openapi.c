/* Fuzz driver for the OpenAPI import and the YAML/JSON reader under it (openapi.h,
 * yaml_json.h). abort() on any broken invariant:
 * - yaml_json_doc_parse returns a document with a root, or NULL with a message
 *   "fuzz:L:C: ..." (L, C >= 1);
 * - on a parsed document, every value can be located (yaml_json_doc_locate finds the root);
 * - openapi_import returns 0 with an api object, an operations array whose entries have a
 *   name and a urlTemplate starting with '/', and a warnings array; or OPENAPI_E* with a
 *   "fuzz:L:C: " message and an empty result;
 * - nothing leaks (LeakSanitizer), no sanitizer report, and alias bombs stay bounded. */
#include "manage/openapi.h"
#include "manage/yaml_json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_openapi: invariant failed: %s (line %d)\n", #cond, __LINE__);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_message(const char *err)
{
    CHECK(err != NULL);
    unsigned line = 0, col = 0;
    CHECK(sscanf(err, "fuzz:%u:%u: ", &line, &col) == 2);
    CHECK(line >= 1 && col >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    /* An exact-size copy: nothing may read past `size`. */
    char *text = malloc(size ? size : 1);
    if (!text) abort();
    if (size) memcpy(text, data, size);

    char *err = NULL;
    yaml_json_doc_t *doc = yaml_json_doc_parse(text, size, "fuzz", &err);
    if (doc) {
        CHECK(err == NULL);
        CHECK(yaml_json_doc_root(doc) != NULL);
        yaml_json_pos_t pos;
        char path[64];
        CHECK(yaml_json_doc_locate(doc, yaml_json_doc_root(doc), &pos, path, sizeof path) == 0);
        CHECK(pos.line >= 1 && pos.column >= 1 && path[0] == '\0');
        yaml_json_doc_free(doc);
    } else {
        check_message(err);
        free(err);
        err = NULL;
    }

    openapi_result_t r;
    int rc = openapi_import(text, size, "fuzz", NULL, &r, &err);
    if (rc == 0) {
        CHECK(err == NULL);
        CHECK(json_is_object(r.api) && json_is_array(r.operations) && json_is_array(r.warnings));
        size_t i;
        json_t *op;
        json_array_foreach(r.operations, i, op) {
            CHECK(json_is_string(json_object_get(op, "name")));
            const char *tpl = json_string_value(
                json_object_get(json_object_get(op, "properties"), "urlTemplate"));
            CHECK(tpl && tpl[0] == '/');
        }
        openapi_result_free(&r);
    } else {
        CHECK(rc == OPENAPI_ESYNTAX || rc == OPENAPI_EINVALID || rc == OPENAPI_ENOMEM);
        CHECK(r.api == NULL && r.operations == NULL && r.warnings == NULL);
        check_message(err);
        free(err);
    }
    free(text);
    return 0;
}
