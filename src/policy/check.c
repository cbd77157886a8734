#include "policy/check.h"

#include "policy/exec.h"

#include "policy/compose.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FRAGMENT_REFS 64

static const char default_global[] = "<policies><inbound><base/></inbound>"
                                     "<backend><forward-request/></backend>"
                                     "<outbound><base/></outbound><on-error><base/></on-error>"
                                     "</policies>";

const char *policy_check_placeholder(const char *name)
{
    /* A name that reads like an address most likely fills a URL-typed attribute. */
    static const char *const url_words[] = {"url", "uri", "host", "endpoint"};
    for (size_t i = 0; i < sizeof url_words / sizeof url_words[0]; i++)
        if (strcasestr(name, url_words[i])) return "https://placeholder.invalid";
    /* Keys a policy decodes when it compiles (validate-jwt's <key>{{signing-key}}</key>). */
    static const char *const key_words[] = {"secret", "signing", "base64"};
    for (size_t i = 0; i < sizeof key_words / sizeof key_words[0]; i++)
        if (strcasestr(name, key_words[i])) return "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    /* Anything else is written where a number, a string or an expression goes
     * (`var key = {{TokenEncryptionKey}};`, `"{{ClientId}}"`): 1 fits them all. */
    return "1";
}

static const char *placeholder_named_value(void *ctx, const char *name)
{
    size_t *count = ctx;
    (*count)++;
    return policy_check_placeholder(name);
}

int policy_check_any_backend(void *ctx, const char *backend_id, const char **base_url,
                             const void **handle)
{
    (void)ctx, (void)backend_id;
    *base_url = "https://placeholder.invalid/";
    *handle = NULL;
    return 0;
}

typedef struct {
    const char *ids[MAX_FRAGMENT_REFS];
    size_t count;
} fragment_ids_t;

static void collect_fragment_ids(const policy_doc_node_t *node, fragment_ids_t *out)
{
    if (node->kind != POLICY_DOC_NODE_ELEMENT) return;
    if (policy_doc_is_element(node, "include-fragment")) {
        const char *id = policy_doc_attr_value(node, "fragment-id");
        bool seen = false;
        for (size_t i = 0; id && i < out->count; i++) seen = seen || strcmp(out->ids[i], id) == 0;
        if (id && !seen && out->count < MAX_FRAGMENT_REFS) out->ids[out->count++] = id;
    }
    for (size_t i = 0; i < node->child_count; i++) collect_fragment_ids(&node->children[i], out);
}

static size_t count_external(const policy_statement_t *s, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].needs_external) total++;
        for (size_t b = 0; b < s[i].block_count; b++)
            total += count_external(s[i].blocks[b].statements, s[i].blocks[b].count);
    }
    return total;
}

/* Composes `api_doc` under the default global policy with placeholder fragments for every
 * fragment it includes (plus `extra`, the fragment under test, when given). */
static int compose_checked(const policy_doc_t *global, const policy_doc_t *api_doc,
                           const policy_fragment_t *extra, policy_check_result_t *res,
                           policy_doc_error_t *err)
{
    fragment_ids_t ids = {.count = 0};
    collect_fragment_ids(policy_doc_root(api_doc), &ids);
    policy_fragment_t fragments[MAX_FRAGMENT_REFS + 1];
    policy_doc_t *placeholders[MAX_FRAGMENT_REFS];
    size_t nfrag = 0, nplace = 0;
    int rc = 0;
    for (size_t i = 0; i < ids.count; i++) {
        if (extra && strcmp(extra->id, ids.ids[i]) == 0) continue;
        static const char empty[] = "<fragment></fragment>";
        rc = policy_doc_load(empty, sizeof empty - 1, POLICY_DOC_FRAGMENT, "fragment", &placeholders[nplace], err);
        if (rc < 0) goto done;
        fragments[nfrag++] = (policy_fragment_t){ids.ids[i], placeholders[nplace++]};
    }
    if (extra) fragments[nfrag++] = *extra;
    if (!extra) res->fragment_refs = ids.count;

    size_t named_refs = 0;
    policy_compose_input_t in = {
        .docs = {[POLICY_SCOPE_GLOBAL] = global, [POLICY_SCOPE_API] = api_doc},
        .is_product_context = false,
        .fragments = fragments,
        .fragment_count = nfrag,
        .named_value_lookup = placeholder_named_value,
        .named_value_ctx = &named_refs,
    };
    policy_program_t *program = NULL;
    rc = policy_compose(&in, &program, err);
    if (rc == 0) {
        /* Expressions and policy-specific values are compiled by the executor. */
        policy_exec_options_t opts = {.backend_lookup = policy_check_any_backend};
        policy_exec_program_t *compiled = NULL;
        rc = policy_exec_compile(program, &opts, &compiled, err);
        if (rc == 0) policy_exec_program_free(compiled);
    }
    if (rc == 0) {
        res->named_value_refs += named_refs;
        res->external_statements = 0;
        for (int s = 0; s < POLICY_SECTION_COUNT; s++) {
            size_t n = 0;
            const policy_statement_t *st = policy_program_section(program, (policy_section_t)s, &n);
            res->statements[s] = n;
            res->external_statements += count_external(st, n);
        }
    }
    policy_program_free(program);
done:
    for (size_t i = 0; i < nplace; i++) policy_doc_free(placeholders[i]);
    return rc;
}

static int check_fragment(const policy_doc_t *global, const policy_doc_t *fragment, const char *name,
                          policy_check_result_t *res, policy_doc_error_t *err)
{
    static const char *const section_names[] = {"inbound", "backend", "outbound", "on-error"};
    policy_doc_error_t first_err = {.line = 0};
    int first_rc = -EINVAL;
    for (int s = 0; s < POLICY_SECTION_COUNT; s++) {
        /* The fragment's own statements come from its document; the include site is only
         * the wrapper, so errors found in the fragment carry the file's positions. */
        char wrapper[256];
        snprintf(wrapper, sizeof wrapper,
                 "<policies><%s><include-fragment fragment-id=\"under-check\"/></%s></policies>",
                 section_names[s], section_names[s]);
        policy_doc_t *api = NULL;
        int rc = policy_doc_load(wrapper, strlen(wrapper), POLICY_DOC_POLICY, name, &api, err);
        if (rc < 0) return rc;
        policy_fragment_t self = {"under-check", fragment};
        policy_check_result_t attempt = {.is_fragment = true};
        rc = compose_checked(global, api, &self, &attempt, err);
        policy_doc_free(api);
        if (rc == 0) {
            *res = attempt;
            res->is_fragment = true;
            res->fragment_section = (policy_section_t)s;
            return 0;
        }
        if (s == 0) {
            first_err = *err;
            first_rc = rc;
        }
    }
    *err = first_err;
    return first_rc;
}

int policy_check_text(const char *text, size_t len, const char *name, policy_check_result_t *res,
                      policy_doc_error_t *err)
{
    memset(res, 0, sizeof *res);
    policy_doc_t *global = NULL, *doc = NULL;
    int rc = policy_doc_load(default_global, sizeof default_global - 1, POLICY_DOC_POLICY,
                             "global policy", &global, err);
    if (rc < 0) return rc;
    rc = policy_doc_load(text, len, POLICY_DOC_POLICY, name, &doc, err);
    if (rc == -EINVAL && strstr(err->message, "the root element is <fragment>")) {
        rc = policy_doc_load(text, len, POLICY_DOC_FRAGMENT, name, &doc, err);
        if (rc == 0) rc = check_fragment(global, doc, name, res, err);
    } else if (rc == 0) {
        rc = compose_checked(global, doc, NULL, res, err);
    }
    policy_doc_free(doc);
    policy_doc_free(global);
    return rc;
}
