/* The snapshot's policies (docs/snapshot.md "policies", "policyFragments", "namedValues"),
 * compiled with the rest of the configuration: every document is loaded (spec §0), every
 * operation gets one executable program composed from the global, API and operation
 * documents, plus one per product holding its API with that product's document (§1.2, §1.3;
 * the request's product context picks one), and every expression in them is compiled — a
 * snapshot whose policies do not compile is refused as a whole, naming the document, line
 * and column. */
#include "gateway/config_policy.h"

#include "gateway/config_internal.h"
#include "policy/compose.h"
#include "policy/document.h"
#include "policy/exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gw_policies {
    policy_doc_t **docs; /* every loaded document and fragment, for freeing */
    size_t doc_count;
    policy_fragment_t *fragments;
    size_t fragment_count;
    policy_named_value_t *named_values;
    size_t named_value_count;
    policy_program_t **programs; /* composed, one per operation with any document */
    policy_exec_program_t **exec_programs;
    size_t program_count;
    const json_t *backends; /* the snapshot's backends array (borrowed from cfg->doc) */
    const json_t *endpoints; /* service → name → URL (borrowed), or NULL */
    bool is_global_default;  /* the snapshot has no global document: the default is used */
    void **owned;            /* keep_alloc: tables the operations point at */
    size_t owned_count;
};

/* The global document of a service that has not written one: the vendor's default global
 * policy, which forwards in <backend>. Without it `<backend><base /></backend>` in an API
 * document (the canonical regional example) would call no backend at all (§1.4). */
static const char default_global_policy[] =
    "<policies><inbound /><backend><forward-request /></backend><outbound /><on-error />"
    "</policies>";

static void keep_doc(gw_policies_t *p, policy_doc_t *doc)
{
    policy_doc_t **grown = realloc(p->docs, (p->doc_count + 1) * sizeof *grown);
    if (!grown) abort();
    p->docs = grown;
    p->docs[p->doc_count++] = doc;
}

/* Loads the document at the current path (a string, or null = absent). */
static int load_doc(cfg_ctx_t *c, gw_policies_t *p, const json_t *value, policy_doc_type_t type,
                    const char *scope, const policy_doc_t **out)
{
    *out = NULL;
    if (!value || json_is_null(value)) return 0;
    if (!json_is_string(value))
        return cfg_fail(c, "a policy document must be a string of XML, not %s", cfg_type_name(value));
    policy_doc_t *doc;
    policy_doc_error_t err;
    if (policy_doc_load(json_string_value(value), json_string_length(value), type, scope, &doc,
                        &err) != 0)
        return cfg_fail(c, "%s", err.message);
    keep_doc(p, doc);
    *out = doc;
    return 0;
}

static const gw_api_t *find_api(const gateway_config_t *cfg, const char *id, size_t len)
{
    for (size_t i = 0; i < cfg->api_count; i++)
        if (strlen(cfg->apis[i].id) == len && memcmp(cfg->apis[i].id, id, len) == 0)
            return &cfg->apis[i];
    return NULL;
}

static int load_fragments(cfg_ctx_t *c, const json_t *root, gw_policies_t *p)
{
    json_t *frags;
    if (cfg_want_container(c, root, "policyFragments", false, JSON_OBJECT, &frags) < 0) return -1;
    if (!frags) return 0;
    p->fragments = calloc(json_object_size(frags) + 1, sizeof *p->fragments);
    if (!p->fragments) abort();
    cfg_push_key(c, "policyFragments");
    const char *id;
    json_t *v;
    json_object_foreach(frags, id, v)
    {
        char scope[300];
        snprintf(scope, sizeof scope, "fragment '%s'", id);
        const policy_doc_t *doc;
        cfg_push_key(c, id);
        if (load_doc(c, p, v, POLICY_DOC_FRAGMENT, scope, &doc) < 0) return -1;
        cfg_pop(c);
        if (doc) p->fragments[p->fragment_count++] = (policy_fragment_t){id, doc};
    }
    cfg_pop(c);
    return 0;
}

/* namedValues[i]: {"name": "...", "value": "...", "secret": bool} (§3.6). */
static int load_named_value(cfg_ctx_t *c, const json_t *nv, size_t i, void *data)
{
    (void)i;
    gw_policies_t *p = data;
    const char *name, *value;
    bool secret = false;
    if (cfg_want_string(c, nv, "name", true, true, &name) < 0) return -1;
    if (cfg_want_string(c, nv, "value", true, false, &value) < 0) return -1;
    if (cfg_want_bool(c, nv, "secret", &secret) < 0) return -1;
    for (const char *q = name; *q; q++)
        if (!(((*q | 32) >= 'a' && (*q | 32) <= 'z') || (*q >= '0' && *q <= '9') || *q == '-' ||
              *q == '.' || *q == '_'))
            return cfg_fail_key(c, "name", "a named value's name may hold only letters, digits, "
                                           "'-', '.' and '_' (spec §3.6)");
    if (strlen(value) > 4096)
        return cfg_fail_key(c, "value", "a named value holds at most 4096 characters");
    for (size_t k = 0; k < p->named_value_count; k++)
        if (strcmp(p->named_values[k].name, name) == 0)
            return cfg_fail_key(c, "name", "named value \"%s\" is defined twice (also "
                                           "namedValues[%zu])", name, k);
    p->named_values[p->named_value_count++] = (policy_named_value_t){name, value};
    return 0;
}

static int load_named_values(cfg_ctx_t *c, const json_t *root, gw_policies_t *p)
{
    json_t *nvs;
    if (cfg_want_container(c, root, "namedValues", false, JSON_ARRAY, &nvs) < 0) return -1;
    if (!nvs) return 0;
    p->named_values = calloc(json_array_size(nvs) + 1, sizeof *p->named_values);
    if (!p->named_values) abort();
    return cfg_each_object(c, nvs, "namedValues", "a named value", load_named_value, p);
}

/* endpoints: {"logger": {"my-logger": "http://..."}, "dapr": {...}, ...}: where the §2.7
 * policies send what the vendor sends to Azure services (docs/policies.md). */
static int load_endpoints(cfg_ctx_t *c, const json_t *root, gw_policies_t *p)
{
    json_t *endpoints;
    if (cfg_want_container(c, root, "endpoints", false, JSON_OBJECT, &endpoints) < 0) return -1;
    if (!endpoints) return 0;
    cfg_push_key(c, "endpoints");
    const char *service;
    json_t *names;
    json_object_foreach(endpoints, service, names)
    {
        cfg_push_key(c, service);
        if (!json_is_object(names))
            return cfg_fail(c, "must be an object of name → URL, not %s", cfg_type_name(names));
        const char *name;
        json_t *url;
        json_object_foreach(names, name, url)
        {
            if (!json_is_string(url))
                return cfg_fail_key(c, name, "must be a URL string, not %s", cfg_type_name(url));
            const char *u = json_string_value(url);
            if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
                return cfg_fail_key(c, name, "must be an absolute http:// or https:// URL");
        }
        cfg_pop(c);
    }
    cfg_pop(c);
    p->endpoints = endpoints;
    return 0;
}

const char *gateway_policies_endpoint(const gw_policies_t *p, const char *service, const char *name)
{
    if (!p || !p->endpoints || !service || !name) return NULL;
    return json_string_value(json_object_get(json_object_get(p->endpoints, service), name));
}

/* set-backend-service backend-id (§2.2): the snapshot's backends[] by id. Thread-safe: it
 * only reads the immutable snapshot. */
static int lookup_backend(void *ctx, const char *backend_id, const char **base_url,
                          const void **handle)
{
    const gw_policies_t *p = ctx;
    size_t i;
    json_t *b;
    json_array_foreach(p->backends, i, b)
    {
        const char *id = json_string_value(json_object_get(b, "id"));
        if (id && strcmp(id, backend_id) == 0) {
            *base_url = json_string_value(json_object_get(b, "url"));
            *handle = b;
            return 0;
        }
    }
    return -ENOENT;
}

static const json_t *empty_array(void)
{
    static json_t *empty;
    if (!empty) empty = json_array(); /* compile runs on one thread at a time per process */
    return empty;
}

/* Memory the configuration's operations point at (product program tables), freed with p. */
static void *keep_alloc(gw_policies_t *p, size_t n, size_t size)
{
    void *mem = calloc(n ? n : 1, size);
    void **grown = realloc(p->owned, (p->owned_count + 1) * sizeof *grown);
    if (!mem || !grown) abort();
    p->owned = grown;
    p->owned[p->owned_count++] = mem;
    return mem;
}

static int compile_operation(cfg_ctx_t *c, gw_policies_t *p, const policy_compose_input_t *in,
                             const gw_operation_t *op, const policy_exec_program_t **out)
{
    policy_program_t *program;
    policy_doc_error_t err;
    int rc = policy_compose(in, &program, &err);
    if (rc == -ENOMEM) abort();
    if (rc != 0) return cfg_fail(c, "%s", err.message);
    policy_exec_options_t opts = {.backend_lookup = lookup_backend, .backend_ctx = p};
    if (op) {
        opts.examples = op->examples;
        opts.example_count = op->example_count;
    }
    policy_exec_program_t *exec_program;
    rc = policy_exec_compile(program, &opts, &exec_program, &err);
    if (rc == -ENOMEM) abort();
    if (rc != 0) {
        policy_program_free(program);
        return cfg_fail(c, "%s", err.message);
    }
    size_t n = p->program_count + 1;
    policy_program_t **programs = realloc(p->programs, n * sizeof *programs);
    if (!programs) abort();
    p->programs = programs;
    policy_exec_program_t **execs = realloc(p->exec_programs, n * sizeof *execs);
    if (!execs) abort();
    p->exec_programs = execs;
    p->programs[p->program_count] = program;
    p->exec_programs[p->program_count++] = exec_program;
    *out = exec_program;
    return 0;
}

void gateway_policies_free(gw_policies_t *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->program_count; i++) {
        policy_exec_program_free(p->exec_programs[i]);
        policy_program_free(p->programs[i]);
    }
    for (size_t i = 0; i < p->doc_count; i++)
        policy_doc_free(p->docs[i]);
    free(p->programs);
    free(p->exec_programs);
    free(p->docs);
    free(p->fragments);
    free(p->named_values);
    for (size_t i = 0; i < p->owned_count; i++)
        free(p->owned[i]);
    free(p->owned);
    free(p);
}

/* A document map of `policies` (apis, operations, products): an object of strings. */
static int want_doc_map(cfg_ctx_t *c, const json_t *policies, const char *key, json_t **out)
{
    return cfg_want_container(c, policies, key, false, JSON_OBJECT, out);
}

int gateway_policies_compile(cfg_ctx_t *c, const json_t *root, gateway_config_t *cfg)
{
    gw_policies_t *p = calloc(1, sizeof *p);
    if (!p) abort();
    cfg->policies = p;
    json_t *backends = cfg_member(root, "backends");
    p->backends = json_is_array(backends) ? backends : empty_array();
    if (load_fragments(c, root, p) < 0 || load_named_values(c, root, p) < 0 ||
        load_endpoints(c, root, p) < 0)
        return -1;

    json_t *policies, *apis = NULL, *operations = NULL, *products = NULL;
    if (cfg_want_container(c, root, "policies", false, JSON_OBJECT, &policies) < 0) return -1;
    const policy_doc_t *global = NULL;
    if (policies) {
        cfg_push_key(c, "policies");
        if (want_doc_map(c, policies, "apis", &apis) < 0 ||
            want_doc_map(c, policies, "operations", &operations) < 0 ||
            want_doc_map(c, policies, "products", &products) < 0)
            return -1;
        cfg_push_key(c, "global");
        if (load_doc(c, p, cfg_member(policies, "global"), POLICY_DOC_POLICY, "global policy",
                     &global) < 0)
            return -1;
        cfg_pop(c);
        cfg_pop(c);
    }
    if (!global) {
        policy_doc_t *doc;
        policy_doc_error_t err;
        if (policy_doc_load(default_global_policy, sizeof default_global_policy - 1,
                            POLICY_DOC_POLICY, "default global policy", &doc, &err) != 0)
            abort(); /* a constant that loads: only out of memory gets here */
        keep_doc(p, doc);
        global = doc;
        p->is_global_default = true;
    }
    policy_compose_input_t in = {
        .fragments = p->fragments,
        .fragment_count = p->fragment_count,
        .named_values = p->named_values,
        .named_value_count = p->named_value_count,
    };
    const char *key;
    json_t *v;

    /* Product documents: each is checked on its own here, and composed into the product-
     * context programs of the APIs its product holds (one per operation and product). */
    json_t *product_docs = json_object(); /* product id → index into p->docs */
    if (!product_docs) abort();
    if (products) {
        cfg_push_key(c, "policies");
        cfg_push_key(c, "products");
        json_object_foreach(products, key, v)
        {
            char scope[300];
            snprintf(scope, sizeof scope, "product '%s' policy", key);
            const policy_doc_t *doc;
            cfg_push_key(c, key);
            bool known = false;
            for (size_t pi = 0; pi < cfg->product_count; pi++)
                if (strcmp(cfg->products[pi].id, key) == 0) known = true;
            if (!known) {
                cfg_fail(c, "no product has the id \"%s\"", key);
                goto fail_products;
            }
            if (load_doc(c, p, v, POLICY_DOC_POLICY, scope, &doc) < 0) goto fail_products;
            if (doc) json_object_set_new(product_docs, key, json_integer((json_int_t)p->doc_count - 1));
            if (doc) {
                policy_compose_input_t check = in;
                check.docs[POLICY_SCOPE_PRODUCT] = doc;
                check.is_product_context = true;
                policy_program_t *program;
                policy_doc_error_t err;
                int rc = policy_compose(&check, &program, &err);
                if (rc == -ENOMEM) abort();
                if (rc != 0) {
                    cfg_fail(c, "%s", err.message);
                    goto fail_products;
                }
                policy_exec_options_t opts = {.backend_lookup = lookup_backend, .backend_ctx = p};
                policy_exec_program_t *exec_program;
                rc = policy_exec_compile(program, &opts, &exec_program, &err);
                if (rc == -ENOMEM) abort();
                if (rc == 0) policy_exec_program_free(exec_program);
                policy_program_free(program);
                if (rc != 0) {
                    cfg_fail(c, "%s", err.message);
                    goto fail_products;
                }
            }
            cfg_pop(c);
        }
        cfg_pop(c);
        cfg_pop(c);
    }

    if (0) {
    fail_products:
        json_decref(product_docs);
        return -1;
    }
    /* Every key of apis / operations must name an API / operation of the snapshot. */
    const policy_doc_t **api_docs = calloc(cfg->api_count + 1, sizeof *api_docs);
    if (!api_docs) abort();
    int rc = -1;
    if (apis) {
        cfg_push_key(c, "policies");
        cfg_push_key(c, "apis");
        json_object_foreach(apis, key, v)
        {
            const gw_api_t *api = find_api(cfg, key, strlen(key));
            cfg_push_key(c, key);
            if (!api) {
                cfg_fail(c, "no API has the id \"%s\"", key);
                goto done;
            }
            char scope[300];
            snprintf(scope, sizeof scope, "api '%s' policy", key);
            if (load_doc(c, p, v, POLICY_DOC_POLICY, scope, &api_docs[api - cfg->apis]) < 0)
                goto done;
            cfg_pop(c);
        }
        cfg_pop(c);
        cfg_pop(c);
    }
    /* operations: "apiId/operationId" → document. */
    const policy_doc_t **op_docs = NULL;
    size_t op_total = 0;
    for (size_t i = 0; i < cfg->api_count; i++)
        op_total += cfg->apis[i].operation_count;
    op_docs = calloc(op_total + 1, sizeof *op_docs);
    if (!op_docs) abort();
    if (operations) {
        cfg_push_key(c, "policies");
        cfg_push_key(c, "operations");
        json_object_foreach(operations, key, v)
        {
            cfg_push_key(c, key);
            const char *slash = strchr(key, '/');
            const gw_api_t *api = slash ? find_api(cfg, key, (size_t)(slash - key)) : NULL;
            size_t base = 0, found = SIZE_MAX;
            if (api) {
                for (const gw_api_t *a = cfg->apis; a < api; a++)
                    base += a->operation_count;
                for (size_t j = 0; j < api->operation_count; j++)
                    if (strcmp(api->operations[j].id, slash + 1) == 0) found = j;
            }
            if (!slash) {
                cfg_fail(c, "an operation policy is keyed \"apiId/operationId\"");
                goto done_ops;
            }
            if (!api || found == SIZE_MAX) {
                cfg_fail(c, "no operation \"%s\" in %s \"%.*s\"", slash + 1,
                         api ? "API" : "the snapshot: no API", (int)(slash - key), key);
                goto done_ops;
            }
            char scope[600];
            snprintf(scope, sizeof scope, "operation '%s' policy", key);
            if (load_doc(c, p, v, POLICY_DOC_POLICY, scope, &op_docs[base + found]) < 0)
                goto done_ops;
            cfg_pop(c);
        }
        cfg_pop(c);
        cfg_pop(c);
    }

    /* Per operation: the program without product context (NULL when no document applies),
     * then one per product holding the API (§1.2, §1.3: computed once per (operation,
     * product context) here, never per request). */
    size_t k = 0;
    for (size_t i = 0; i < cfg->api_count; i++) {
        gw_api_t *api = &cfg->apis[i];
        for (size_t j = 0; j < api->operation_count; j++, k++) {
            gw_operation_t *op = &api->operations[j];
            policy_compose_input_t op_in = in;
            op_in.docs[POLICY_SCOPE_GLOBAL] = global;
            op_in.docs[POLICY_SCOPE_API] = api_docs[i];
            op_in.docs[POLICY_SCOPE_OPERATION] = op_docs[k];
            char op_key[600];
            snprintf(op_key, sizeof op_key, "%s/%s", api->id, api->operations[j].id);
            if (!p->is_global_default || api_docs[i] || op_docs[k]) {
                /* Point errors at the document that failed: its place in the snapshot. */
                const char *where = op_docs[k] ? "operations" : api_docs[i] ? "apis" : "global";
                cfg_push_key(c, "policies");
                cfg_push_key(c, where);
                if (op_docs[k]) cfg_push_key(c, op_key);
                else if (api_docs[i]) cfg_push_key(c, api->id);
                int orc = compile_operation(c, p, &op_in, op, &op->policy);
                if (orc < 0) goto done_ops;
                if (op_docs[k] || api_docs[i]) cfg_pop(c);
                cfg_pop(c);
                cfg_pop(c);
                op->policy_flags = policy_exec_program_flags(op->policy);
            }
            if (!api->product_count) continue;
            op->product_policies = keep_alloc(p, api->product_count, sizeof *op->product_policies);
            for (size_t q = 0; q < api->product_count; q++) {
                const gw_product_t *product = api->products[q];
                json_t *pd = json_object_get(product_docs, product->id);
                op->product_policies[q] = op->policy;
                if (!pd) continue; /* no product document: product context changes nothing */
                policy_compose_input_t pin = op_in;
                pin.docs[POLICY_SCOPE_PRODUCT] = p->docs[json_integer_value(pd)];
                pin.is_product_context = true;
                cfg_push_key(c, "policies");
                cfg_push_key(c, "products");
                cfg_push_key(c, product->id);
                int orc = compile_operation(c, p, &pin, op, &op->product_policies[q]);
                if (orc < 0) goto done_ops;
                cfg_pop(c);
                cfg_pop(c);
                cfg_pop(c);
            }
        }
    }
    rc = 0;
done_ops:
    free(op_docs);
done:
    free(api_docs);
    json_decref(product_docs);
    return rc;
}
