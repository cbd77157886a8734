/* OpenAPI import errors: each names source:line:col (the place marked '^' in the case). */
#include "manage/openapi.h"

#include "../marked_text.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_error(const char *marked, int code, const char *message)
{
    marked_text_t m = marked_text(marked, '^');
    openapi_result_t r;
    char *err = NULL;
    int rc = openapi_import(m.text, strlen(m.text), "api.yaml", NULL, &r, &err);
    cr_assert_eq(rc, code, "rc %d, want %d (%s)", rc, code, err ? err : "no error");
    cr_assert_not_null(err);
    char want[64];
    snprintf(want, sizeof want, "api.yaml:%u:%u: ", m.line, m.col);
    cr_assert(strncmp(err, want, strlen(want)) == 0, "want %s..., got %s", want, err);
    cr_assert(strstr(err, message), "want \"%s\" in %s", message, err);
    cr_assert_null(r.api);
    cr_assert_null(r.operations);
    free(err);
    free(m.text);
}

#define HEAD "openapi: 3.0.0\ninfo: {title: T, version: '1'}\n"

Test(openapi_errors, not_yaml)
{
    expect_error("openapi: 3.0.0\ninfo: {title: T\npaths^: {}\n", OPENAPI_ESYNTAX,
                 "did not find expected ',' or '}'");
    expect_error("{\"openapi\": \"3.0.0\",\n \"info\": {},^, }", OPENAPI_ESYNTAX, "");
}

Test(openapi_errors, not_openapi)
{
    expect_error("^- a\n- b\n", OPENAPI_EINVALID, "the top level must be a mapping");
    expect_error("^name: x\n", OPENAPI_EINVALID, "no \"openapi\" or \"swagger\" field");
    expect_error("^openapi: 2.5.0\n", OPENAPI_EINVALID, "unsupported version \"2.5.0\"");
    expect_error("^swagger: '1.2'\n", OPENAPI_EINVALID, "unsupported version \"1.2\"");
}

Test(openapi_errors, required_fields)
{
    expect_error("^openapi: 3.0.0\npaths: {}\n", OPENAPI_EINVALID,
                 "required field \"info\" is missing");
    expect_error("openapi: 3.0.0\ninfo: ^{version: '1'}\npaths: {}\n", OPENAPI_EINVALID,
                 "required field \"title\" is missing (at info)");
    expect_error("^" HEAD, OPENAPI_EINVALID, "required field \"paths\" is missing");
    expect_error(HEAD "paths:\n  pets:\n    ^get: {}\n", OPENAPI_EINVALID,
                 "path \"pets\" must start with '/'");
}

Test(openapi_errors, references)
{
    expect_error(HEAD "paths: {}\n"
                      "components:\n"
                      "  schemas:\n"
                      "    Pet:\n"
                      "      properties:\n"
                      "        owner: {$ref: ^'#/components/schemas/Owner'}\n",
                 OPENAPI_EINVALID,
                 "$ref \"#/components/schemas/Owner\" does not resolve: nothing at \"Owner\"");
    expect_error(HEAD "paths:\n"
                      "  /pets:\n"
                      "    get:\n"
                      "      parameters:\n"
                      "        - $ref: ^'common.yaml#/components/parameters/Limit'\n",
                 OPENAPI_EINVALID, "points into another document");
    /* A → B → A: each only refers onwards. */
    expect_error(HEAD "paths: {}\n"
                      "components:\n"
                      "  parameters:\n"
                      "    A: {$ref: ^'#/components/parameters/B'}\n"
                      "    B: {$ref: '#/components/parameters/A'}\n",
                 OPENAPI_EINVALID, "is part of a cycle of references");
    /* A schema that contains itself further down is fine: only pure hops loop. */
    const char *tree =
        HEAD "paths: {}\n"
             "components:\n"
             "  schemas:\n"
             "    Tree: {properties: {kids: {items: {$ref: '#/components/schemas/Tree'}}}}\n"
             "    Escaped: {$ref: '#/components/schemas/a~1b%20c'}\n"
             "    a/b c: {type: string}\n";
    openapi_result_t r;
    char *err = NULL;
    cr_assert_eq(openapi_import(tree, strlen(tree), "t", NULL, &r, &err), 0, "%s", err);
    openapi_result_free(&r);
}

Test(openapi_errors, duplicate_operation_ids)
{
    expect_error(HEAD "paths:\n"
                      "  /a:\n"
                      "    get: {operationId: same, responses: {}}\n"
                      "  /b:\n"
                      "    get: {operationId: ^same, responses: {}}\n",
                 OPENAPI_EINVALID, "duplicate operationId \"same\" (first used at line 5)");
}

Test(openapi_errors, templates_the_gateway_cannot_match)
{
    expect_error(HEAD "paths:\n  /files/{name}.json:\n    ^get: {}\n", OPENAPI_EINVALID,
                 "a parameter must be a whole segment");
    expect_error(HEAD "paths:\n  /a//b:\n    ^get: {}\n", OPENAPI_EINVALID, "has an empty segment");
    expect_error(HEAD "paths:\n  /a/{x y}:\n    ^get: {}\n", OPENAPI_EINVALID,
                 "parameter \"x y\" must use letters, digits");
    expect_error(HEAD "paths:\n  /a/{x}/{x}:\n    ^get: {}\n", OPENAPI_EINVALID,
                 "names parameter \"x\" twice");
}

Test(openapi_errors, malformed_parts)
{
    expect_error(HEAD "paths:\n  /a:\n    get:\n      parameters: [^{in: query}]\n",
                 OPENAPI_EINVALID, "a parameter needs a string \"name\" and \"in\"");
    expect_error(HEAD
                 "paths:\n  /a:\n    get:\n      parameters:\n        - ^{name: q, in: body}\n",
                 OPENAPI_EINVALID, "unknown location \"body\"");
    expect_error(HEAD "paths:\n  /a:\n    get: {summary: ^[x]}\n", OPENAPI_EINVALID,
                 "\"summary\" must be a string");
    expect_error(HEAD "paths:\n  /a:\n    get: {responses: ^[x]}\n", OPENAPI_EINVALID,
                 "\"responses\" must be a mapping");
}

Test(openapi_errors, alias_bomb)
{
    char doc[2048];
    size_t n = (size_t)snprintf(doc, sizeof doc, HEAD "paths: {}\nx-l0: &l0 [a, a, a, a, a]\n");
    for (int i = 1; i <= 9; i++) {
        n += (size_t)snprintf(doc + n, sizeof doc - n, "x-l%d: &l%d [", i, i);
        for (int j = 0; j < 10; j++)
            n += (size_t)snprintf(doc + n, sizeof doc - n, "%s*l%d", j ? ", " : "", i - 1);
        n += (size_t)snprintf(doc + n, sizeof doc - n, "]\n");
    }
    openapi_result_t r;
    char *err = NULL;
    cr_assert_eq(openapi_import(doc, n, "bomb.yaml", NULL, &r, &err), OPENAPI_ESYNTAX);
    cr_assert(strstr(err, "document expands to more than"), "%s", err);
    free(err);
}
