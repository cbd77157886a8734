/* Every public document of ../shared/conformance composed against the registry and compiled
 * by the executor, every expression included (issue 3 "Done when": at least 90% compile,
 * and each that does not names the unsupported construct).
 *
 * The 90% target (REQUIRED_COMPILING) is not met. Until it holds the test asserts a floor
 * (COMPILING_FLOOR: no document that compiled may stop compiling) and prints the count
 * against the target; raise the floor as policies and libraries land, and switch the
 * assertion to REQUIRED_COMPILING when it holds. The 13 documents that do not compile, each
 * with its fault:
 * - C# errors in the published expressions (5): syntax in
 *   policy-snippets/Call-out-to-an-HTTP-endpoint-and-cache-the-response.policy.xml,
 *   Loopback-request-for-service-at-same-API-Management-service.xml and
 *   Pre-authorize-requests-based-on-HTTP-method-with-validate-jwt.policy.xml (a string
 *   literal where ',' or ')' must come); DELETE-a-from-to-blobStorage-account.xml and
 *   PUT-a-file-to-blobStorage-account.xml call the dictionary
 *   context.Request.MatchedParameters("name") like a method (C# CS1955; the checker reports
 *   "'MatchedParameters' is not a member of IRequest", finding no such method);
 * - policies that do not exist (3): policy-toolkit/cache-value.xml (<cache-value>),
 *   invoke-darp-binding.xml and publish-to-darp.xml ("darp" for "dapr");
 * - malformed attribute values or structure (4): GET-a-file-from-blobStorage-account.xml
 *   (<outbound> after <on-error>), Generate-Azure-Relay-Token.policy.xml (base-url=""),
 *   Get-OAuth2-access-token-from-AAD-using-client-id-and-certificate-using-key-vault-m...
 *   (duration '{{cachetime}]'), policy-toolkit/llm-token-limit.xml (token-quota-period
 *   'day');
 * - Return-a-blob-URL-signed-with-a-user-delegation-SAS-token.xml: XmlDocument is not
 *   supported, and the document also calls DateTime.AddSeconds with a string, a C# compile
 *   error, so it cannot compile anyway.
 * So 105/118 is every document that can compile: the 90% target cannot be met with these
 * documents as published.
 * Each document is the API scope under a minimal global document; a <fragment> is included
 * from a one-line API policy. Named values get placeholder values, so that a document never
 * fails for using one. Read in place; a missing directory is a failure (STYLE.md §10). */
#include "policy/check.h"
#include "policy/compose.h"
#include "policy/exec.h"

#include "../conformance_files.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REQUIRED_COMPILING 107 /* 90% of 118, rounded up: the target */
#define COMPILING_FLOOR 105     /* what compiles on main now (see above) */

static const char global_text[] = "<policies><inbound><base/></inbound>"
                                  "<backend><forward-request/></backend>"
                                  "<outbound><base/></outbound><on-error><base/></on-error>"
                                  "</policies>";
static const char include_text[] = "<policies><inbound><include-fragment fragment-id=\"under-test\"/>"
                                   "</inbound></policies>";


static const char *placeholder(void *ctx, const char *name)
{
    (void)ctx;
    return policy_check_placeholder(name);
}

static policy_doc_t *load(const char *text, size_t len, policy_doc_type_t type, const char *scope);


/* A refusal names what it refuses after the place (FILE:LINE:COL:): a quoted construct
 * ('using', 'Foo'), an element (<x>), or a construct in words ("local functions are not
 * supported"). */
static bool names_the_construct(const char *message)
{
    const char *text = strstr(message, ": ");
    return text && (strchr(text, '\'') || strchr(text, '<') || strstr(text, " not supported"));
}

/* The fragments a document includes: the conformance fragment whose file name ends with
 * "-<id>.xml" when there is one, else an empty placeholder fragment. */
static size_t referenced_fragments(const char *text, const list_t *l, policy_fragment_t *out,
                                   size_t max)
{
    static const char empty[] = "<fragment></fragment>";
    size_t n = 0;
    for (const char *p = text; n < max && (p = strstr(p, "fragment-id=\""));) {
        p += strlen("fragment-id=\"");
        const char *end = strchr(p, '"');
        cr_assert_not_null(end);
        char *id = strndup(p, (size_t)(end - p));
        char suffix[300];
        snprintf(suffix, sizeof suffix, "-%s.xml", id);
        policy_doc_t *doc = NULL;
        for (size_t i = 0; i < l->count && !doc; i++) {
            size_t pl = strlen(l->paths[i]), sl = strlen(suffix);
            if (pl < sl || strcmp(l->paths[i] + pl - sl, suffix) != 0) continue;
            size_t len;
            char *body = read_file(l->paths[i], &len);
            doc = load(body, len, POLICY_DOC_FRAGMENT, l->paths[i]);
            free(body);
        }
        if (!doc) doc = load(empty, sizeof empty - 1, POLICY_DOC_FRAGMENT, "placeholder fragment");
        out[n++] = (policy_fragment_t){id, doc};
        p = end;
    }
    return n;
}

static policy_doc_t *load(const char *text, size_t len, policy_doc_type_t type, const char *scope)
{
    policy_doc_t *doc = NULL;
    policy_doc_error_t err;
    int rc = policy_doc_load(text, len, type, scope, &doc, &err);
    cr_assert_eq(rc, 0, "%s", err.message);
    return doc;
}

Test(conformance_compile, public_documents_compile_with_their_expressions)
{
    list_t l = conformance_list();

    policy_doc_t *global = load(global_text, sizeof global_text - 1, POLICY_DOC_POLICY,
                                "global policy");
    size_t compiled = 0, unnamed = 0;
    for (size_t i = 0; i < l.count; i++) {
        size_t len;
        char *text = read_file(l.paths[i], &len);
        bool is_fragment = strstr(text, "<fragment") && !strstr(text, "<policies");
        policy_doc_t *doc =
            load(text, len, is_fragment ? POLICY_DOC_FRAGMENT : POLICY_DOC_POLICY, l.paths[i]);
        policy_doc_t *api = is_fragment ? load(include_text, sizeof include_text - 1,
                                               POLICY_DOC_POLICY, "api policy")
                                        : doc;
        policy_fragment_t fragments[16];
        size_t fragment_count = 0;
        if (is_fragment)
            fragments[fragment_count++] = (policy_fragment_t){"under-test", doc};
        else
            fragment_count = referenced_fragments(text, &l, fragments, 16);
        policy_compose_input_t in = {
            .docs = {[POLICY_SCOPE_GLOBAL] = global, [POLICY_SCOPE_API] = api},
            .fragments = fragments,
            .fragment_count = fragment_count,
            .named_value_lookup = placeholder,
        };
        policy_program_t *program = NULL;
        policy_exec_program_t *exec = NULL;
        policy_doc_error_t err;
        policy_exec_options_t opts = {.backend_lookup = policy_check_any_backend};
        if (policy_compose(&in, &program, &err) == 0 &&
            policy_exec_compile(program, &opts, &exec, &err) == 0) {
            compiled++;
        } else {
            printf("conformance: does not compile: %s\n", err.message);
            if (!names_the_construct(err.message)) unnamed++;
        }
        policy_exec_program_free(exec);
        policy_program_free(program);
        for (size_t f = 0; !is_fragment && f < fragment_count; f++) {
            free((char *)fragments[f].id);
            policy_doc_free((policy_doc_t *)fragments[f].doc);
        }
        if (api != doc) policy_doc_free(api);
        policy_doc_free(doc);
        free(text);
    }
    printf("conformance: %zu/%zu compile fully (target %d, floor %d)\n", compiled, l.count,
           REQUIRED_COMPILING, COMPILING_FLOOR);
    fflush(stdout);
    policy_doc_free(global);
    size_t total = l.count;
    conformance_list_free(&l);
    cr_expect_eq(unnamed, 0, "%zu refusals do not name what they refuse", unnamed);
    cr_assert_geq(compiled, COMPILING_FLOOR, "%zu/%zu compile, expected at least %d", compiled,
                  total, COMPILING_FLOOR);
}
