#include "cli/service_file.h"

#include "cli/service_model.h"
#include "manage/yaml_json.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const yaml_json_doc_t *doc;
    char *err; /* the first error, malloc'd */
} checker_t;

/* Records the first error at `node`; true/false/null have no position of their own, so
 * the error is placed at `container`. Returns -1 for `return fail(...)`. */
static int fail(checker_t *c, const json_t *node, const json_t *container, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(checker_t *c, const json_t *node, const json_t *container, const char *fmt, ...)
{
    if (c->err) return -1;
    const json_t *at = node;
    if (!at || json_is_boolean(at) || json_is_null(at)) at = container;
    va_list ap;
    va_start(ap, fmt);
    c->err = yaml_json_doc_verror(c->doc, at, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "a mapping";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* Ids become one path segment: the server's rules apply too, but a '/' or a control
 * character would change which resource a path names. */
static int check_id(checker_t *c, const char *id, const json_t *value, const json_t *container,
                    const char *what)
{
    if (!*id) return fail(c, value, container, "%s id must not be empty", what);
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p < 0x20 || *p == 0x7f || strchr("/?#\\", *p))
            return fail(c, value, container,
                        "%s id \"%s\" must not contain '/', '?', '#', '\\' "
                        "or control characters",
                        what, id);
    if (strlen(id) > 256)
        return fail(c, value, container, "%s id is longer than 256 characters", what);
    return 0;
}

static int check_string_or_absent(checker_t *c, const json_t *entry, const char *key,
                                  const char *what)
{
    json_t *v = json_object_get(entry, key);
    if (v && !json_is_string(v))
        return fail(c, v, entry, "%s '%s' must be a string (rawxml policy text), not %s", what, key,
                    type_name(v));
    return 0;
}

/* A section that maps ids to resources whose properties are written inline. */
static int check_entries(checker_t *c, const json_t *section, const char *name, const char *what)
{
    if (!json_is_object(section))
        return fail(c, section, section,
                    "'%s' must be a mapping of %s ids to their properties, "
                    "not %s",
                    name, what, type_name(section));
    const char *id;
    json_t *entry;
    json_object_foreach((json_t *)section, id, entry)
    {
        if (check_id(c, id, entry, section, what)) return -1;
        if (!json_is_object(entry))
            return fail(c, entry, section, "%s '%s' must be a mapping of its properties, not %s",
                        what, id, type_name(entry));
        json_t *props = json_object_get(entry, "properties");
        if (props && json_is_object(props))
            return fail(c, props, entry,
                        "%s '%s': write its properties directly, without "
                        "'properties'",
                        what, id);
    }
    return 0;
}

static int check_name_list(checker_t *c, const json_t *entry, const char *key, const char *owner,
                           const json_t *known, const char *known_section)
{
    json_t *list = json_object_get(entry, key);
    if (!list) return 0;
    if (!json_is_array(list))
        return fail(c, list, entry, "%s '%s' must be a list of ids, not %s", owner, key,
                    type_name(list));
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v))
            return fail(c, v, list, "%s '%s' must list ids (strings), not %s", owner, key,
                        type_name(v));
        if (check_id(c, json_string_value(v), v, list, key)) return -1;
        json_array_foreach(list, j, w)
        {
            if (j >= i) break;
            if (json_equal(v, w))
                return fail(c, v, list, "%s '%s' lists \"%s\" twice", owner, key,
                            json_string_value(v));
        }
        /* Only a section the file has can be checked: one it leaves out stays as the
         * server has it. */
        if (known && !json_object_get(known, json_string_value(v)))
            return fail(c, v, list, "%s '%s': \"%s\" is not in the file's '%s'", owner, key,
                        json_string_value(v), known_section);
    }
    return 0;
}

static int check_apis(checker_t *c, const json_t *apis)
{
    if (check_entries(c, apis, "apis", "api")) return -1;
    const char *id;
    json_t *api;
    json_object_foreach((json_t *)apis, id, api)
    {
        char owner[300];
        snprintf(owner, sizeof owner, "api '%s'", id);
        if (check_string_or_absent(c, api, "policy", owner)) return -1;
        json_t *ops = json_object_get(api, "operations");
        if (!ops) continue;
        if (check_entries(c, ops, "operations", "operation")) return -1;
        const char *op_id;
        json_t *op;
        json_object_foreach(ops, op_id, op)
        {
            snprintf(owner, sizeof owner, "operation '%s/%s'", id, op_id);
            if (check_string_or_absent(c, op, "policy", owner)) return -1;
        }
    }
    return 0;
}

static int check_service(checker_t *c, const json_t *service)
{
    if (!json_is_object(service))
        return fail(c, service, service, "'service' must be a mapping, not %s", type_name(service));
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)service, key, v)
    {
        if (strcmp(key, "publisherEmail") && strcmp(key, "publisherName"))
            return fail(c, v, service,
                        "'service' manages publisherEmail and publisherName only, "
                        "not '%s'",
                        key);
        if (!json_is_string(v))
            return fail(c, v, service, "service '%s' must be a string, not %s", key, type_name(v));
    }
    return 0;
}

/* A section whose entries list names from another section (groups' "users", products'
 * "apis"): its entries, each list, and each entry's policy text when `has_policy`. */
static int check_linking_section(checker_t *c, const json_t *root, const char *section,
                                 const char *what, const char *key, bool has_policy)
{
    json_t *entries = json_object_get(root, section);
    if (!entries) return 0;
    if (check_entries(c, entries, section, what)) return -1;
    const char *id;
    json_t *entry;
    json_object_foreach(entries, id, entry)
    {
        char owner[300];
        snprintf(owner, sizeof owner, "%s '%s'", what, id);
        if (check_name_list(c, entry, key, owner, json_object_get(root, key), key)) return -1;
        if (has_policy && check_string_or_absent(c, entry, "policy", owner)) return -1;
    }
    return 0;
}

static int check_document(checker_t *c, const json_t *root)
{
    if (!json_is_object(root))
        return fail(c, root, root,
                    "a service file is a mapping of sections (service, apis, "
                    "products, ...), not %s",
                    type_name(root));
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)root, key, v)
    {
        bool is_known = false;
        for (size_t i = 0; svc_sections[i]; i++)
            is_known = is_known || strcmp(key, svc_sections[i]) == 0;
        if (!is_known)
            return fail(c, v, root,
                        "unknown section '%s' (sections: service, policy, "
                        "namedValues, policyFragments, backends, apiVersionSets, apis, users, "
                        "groups, products, subscriptions)",
                        key);
    }
    json_t *service = json_object_get(root, "service");
    if (service && check_service(c, service)) return -1;
    json_t *policy = json_object_get(root, "policy");
    if (policy && !json_is_string(policy) && !json_is_null(policy))
        return fail(c, policy, root,
                    "'policy' must be the global policy's rawxml text or null, "
                    "not %s",
                    type_name(policy));
    static const struct {
        const char *section, *what;
    } simple[] = {
        {"namedValues", "named value"},
        {"policyFragments", "policy fragment"},
        {"backends", "backend"},
        {"apiVersionSets", "api version set"},
        {"users", "user"},
        {"subscriptions", "subscription"},
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        json_t *section = json_object_get(root, simple[i].section);
        if (section && check_entries(c, section, simple[i].section, simple[i].what)) return -1;
    }
    json_t *named = json_object_get(root, "namedValues");
    const char *id;
    json_t *entry;
    json_object_foreach(named, id, entry)
    {
        json_t *secret = json_object_get(entry, "secret");
        if (secret && !json_is_boolean(secret))
            return fail(c, secret, entry, "named value '%s': 'secret' must be true or false", id);
    }
    json_t *apis = json_object_get(root, "apis");
    if (apis && check_apis(c, apis)) return -1;
    if (check_linking_section(c, root, "groups", "group", "users", false)) return -1;
    return check_linking_section(c, root, "products", "product", "apis", true);
}

int svc_file_parse(const char *text, size_t len, const char *source, json_t **doc, char **err)
{
    *doc = NULL;
    *err = NULL;
    yaml_json_doc_t *parsed = yaml_json_doc_parse(text, len, source, err);
    if (!parsed) return -1;
    checker_t c = {.doc = parsed};
    json_t *root = yaml_json_doc_root(parsed);
    if (check_document(&c, root) < 0) {
        *err = c.err ? c.err : strdup("invalid service file");
        yaml_json_doc_free(parsed);
        return -1;
    }
    *doc = json_incref(root);
    yaml_json_doc_free(parsed);
    return 0;
}
