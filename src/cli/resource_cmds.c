/* `meridian api ...` and `meridian product ...`: clients of /apis and /products
 * (docs/manage-api.md). */
#include "cli/args.h"
#include "cli/mgmt_cmd.h"
#include "cli/mgmt_commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char api_help[] =
    "Usage: meridian api list [--json]\n"
    "       meridian api show ID [--json]\n"
    "       meridian api import ID --file FILE [--path PATH] [--format FORMAT]\n"
    "       meridian api delete ID\n"
    "\n"
    "list    every API: id, path, display name, backend URL\n"
    "show    one API's properties and its operations\n"
    "import  creates or replaces API ID from an OpenAPI 3.x or Swagger 2.0 document (JSON\n"
    "        or YAML; FILE - reads stdin). --path is the API's URL suffix (default: the\n"
    "        existing API's path, else ID). --format: openapi (YAML), openapi+json or\n"
    "        swagger-json (default: guessed from the document)\n"
    "delete  deletes API ID with its operations, policies and product links\n"
    "\n" MGMT_CONNECTION_HELP;

const char product_help[] =
    "Usage: meridian product list [--json]\n"
    "       meridian product show ID [--json]\n"
    "       meridian product create ID --display-name NAME [--description TEXT]\n"
    "                [--terms TEXT] [--state published|notPublished]\n"
    "                [--subscription-required true|false] [--approval-required true|false]\n"
    "                [--subscriptions-limit N]\n"
    "       meridian product delete ID\n"
    "       meridian product add-api ID API\n"
    "       meridian product remove-api ID API\n"
    "\n"
    "create puts the product (an existing one is replaced). add-api and remove-api link\n"
    "and unlink an API.\n"
    "\n" MGMT_CONNECTION_HELP;

static const int ok_put[] = {200, 201, 0};
static const int ok_delete[] = {200, 204, 0};

/* ---- api ------------------------------------------------------------------------------ */

static const char *guess_import_format(const char *text)
{
    json_t *doc = json_loads(text, 0, NULL);
    if (!doc) return "openapi";
    const char *format = json_object_get(doc, "swagger") ? "swagger-json" : "openapi+json";
    json_decref(doc);
    return format;
}

static int api_import(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *id,
                      const char *file, const char *path_opt, const char *format)
{
    if (format && strcmp(format, "openapi") && strcmp(format, "openapi+json") &&
        strcmp(format, "swagger-json"))
        return cli_usage_error(cl->command,
                               "--format must be openapi, openapi+json or swagger-json");
    size_t len;
    char *text = mgmt_read_file(file, &len);
    if (!text) return CLI_EXIT_FAILURE;
    char *path = mgmt_entity_path("apis", id, NULL);
    json_t *props = json_object();
    json_object_set_new(props, "format", json_string(format ? format : guess_import_format(text)));
    json_object_set_new(props, "value", json_stringn(text, len));
    free(text);
    int rc = 0;
    if (path_opt) {
        json_object_set_new(props, "path", json_string(path_opt));
    } else {
        /* Re-importing keeps the API where it is; a new API is served under its id. */
        char err[512];
        mgmt_response_t cur;
        if (mgmt_request(client, "GET", path, NULL, NULL, &cur, err, sizeof err) < 0) {
            fprintf(stderr, "meridian: %s\n", err);
            rc = CLI_EXIT_FAILURE;
        } else {
            json_t *p = json_object_get(json_object_get(cur.json, "properties"), "path");
            json_object_set_new(
                props, "path",
                json_string(cur.status == 200 && json_is_string(p) ? json_string_value(p) : id));
            mgmt_response_free(&cur);
        }
    }
    if (rc == 0) {
        json_t *body = json_pack("{s:o}", "properties", props);
        props = NULL;
        mgmt_response_t resp;
        rc = mgmt_cmd_call(client, "PUT", path, body, NULL, ok_put, &resp);
        json_decref(body);
        if (rc == 0) {
            if (cl->is_json) {
                mgmt_print_json(resp.json);
            } else {
                json_t *ops;
                char *ops_path = mgmt_entity_path("apis", id, "/operations");
                size_t count = 0;
                if (ops_path && mgmt_cmd_list(client, ops_path, &ops) == 0) {
                    count = json_array_size(ops);
                    json_decref(ops);
                }
                free(ops_path);
                printf("%s api %s (%zu operations)\n", resp.status == 201 ? "created" : "replaced",
                       id, count);
            }
            mgmt_response_free(&resp);
        }
    }
    json_decref(props);
    free(path);
    return rc;
}

/* `show` of an entity with children (an API's operations, a product's APIs): the entity,
 * then, without --json, the list at its `children` path as a table under "LABEL:". */
static int show_with_children(const mgmt_cmdline_t *cl, mgmt_client_t *client,
                              const char *collection, const char *id, const char *children,
                              const char *label, const char *const *headers,
                              const char *const *keys, size_t columns)
{
    char *path = mgmt_entity_path(collection, id, NULL);
    int rc = mgmt_show_entity(cl, client, path);
    free(path);
    if (rc || cl->is_json) return rc;
    char *list = mgmt_entity_path(collection, id, children);
    printf("%s:\n", label);
    rc = mgmt_list_table(cl, client, list, headers, keys, columns);
    free(list);
    return rc;
}

static int api_show(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *id)
{
    static const char *const headers[] = {"OPERATION", "METHOD", "URL TEMPLATE", "DISPLAY NAME"};
    static const char *const keys[] = {"", "method", "urlTemplate", "displayName"};
    return show_with_children(cl, client, "apis", id, "/operations", "operations", headers, keys,
                              4);
}

int command_api(int argc, char **argv)
{
    static const mgmt_verb_t verbs[] = {
        {"list", 0, true}, {"show", 1, true}, {"import", 1, true}, {"delete", 1, false}};
    int exit_code;
    const mgmt_verb_t *v = mgmt_cmd_verb("api", api_help, "list, show, import or delete", verbs,
                                         sizeof verbs / sizeof verbs[0], argc, argv, &exit_code);
    if (!v) return exit_code;
    const char *verb = v->verb;
    const char *file = NULL, *path_opt = NULL, *format = NULL;
    const mgmt_opt_t import_opts[] = {
        {"--file", &file, NULL}, {"--path", &path_opt, NULL}, {"--format", &format, NULL}};
    bool is_import = strcmp(verb, "import") == 0;
    int want = v->positionals;
    char command[32];
    snprintf(command, sizeof command, "api %s", verb);
    mgmt_cmdline_t cl;
    if (!mgmt_cmd_parse(&cl, "api", api_help, argc - 1, argv + 1, import_opts, is_import ? 3 : 0,
                        want, v->accepts_json, &exit_code))
        return exit_code;
    if (cl.positional_count < want) return cli_usage_error("api", "%s needs an API id", command);
    if (is_import && !file) return cli_usage_error("api", "import needs --file FILE");
    mgmt_client_t client;
    int rc = mgmt_cmd_client(&cl, &client);
    if (rc) return rc;
    const char *id = cl.positionals[0];
    if (strcmp(verb, "list") == 0) {
        static const char *const headers[] = {"ID", "PATH", "DISPLAY NAME", "SERVICE URL"};
        static const char *const keys[] = {"", "path", "displayName", "serviceUrl"};
        rc = mgmt_list_table(&cl, &client, "/apis", headers, keys, 4);
    } else if (strcmp(verb, "show") == 0) {
        rc = api_show(&cl, &client, id);
    } else if (is_import) {
        rc = api_import(&cl, &client, id, file, path_opt, format);
    } else {
        char *path = mgmt_entity_path("apis", id, NULL);
        rc = mgmt_delete_entity(&client, path, "api", id);
        free(path);
    }
    mgmt_client_free(&client);
    return rc;
}

/* ---- product -------------------------------------------------------------------------- */

typedef struct {
    const char *display_name, *description, *terms, *state, *subscription_required,
        *approval_required, *subscriptions_limit;
} product_opts_t;

static int product_create(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *id,
                          const product_opts_t *o)
{
    if (!o->display_name) return cli_usage_error(cl->command, "create needs --display-name NAME");
    json_t *props = json_pack("{s:s}", "displayName", o->display_name);
    if (o->description) json_object_set_new(props, "description", json_string(o->description));
    if (o->terms) json_object_set_new(props, "terms", json_string(o->terms));
    if (o->state) {
        if (strcmp(o->state, "published") && strcmp(o->state, "notPublished")) {
            json_decref(props);
            return cli_usage_error(cl->command, "--state must be published or notPublished");
        }
        json_object_set_new(props, "state", json_string(o->state));
    }
    const struct {
        const char *option, *text, *key;
    } bools[] = {{"--subscription-required", o->subscription_required, "subscriptionRequired"},
                 {"--approval-required", o->approval_required, "approvalRequired"}};
    for (size_t i = 0; i < 2; i++) {
        bool b;
        if (!bools[i].text) continue;
        if (!mgmt_parse_bool(bools[i].text, &b)) {
            json_decref(props);
            return cli_usage_error(cl->command, "%s must be true or false", bools[i].option);
        }
        json_object_set_new(props, bools[i].key, json_boolean(b));
    }
    if (o->subscriptions_limit) {
        long limit;
        if (!cli_parse_int(o->subscriptions_limit, 0, 1000000000, &limit)) {
            json_decref(props);
            return cli_usage_error(cl->command, "--subscriptions-limit must be a whole number");
        }
        json_object_set_new(props, "subscriptionsLimit", json_integer(limit));
    }
    char *path = mgmt_entity_path("products", id, NULL);
    int rc = mgmt_put_entity(cl, client, path, props, "product", id);
    free(path);
    return rc;
}

static int product_show(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *id)
{
    static const char *const headers[] = {"API", "PATH", "DISPLAY NAME"};
    static const char *const keys[] = {"", "path", "displayName"};
    return show_with_children(cl, client, "products", id, "/apis", "apis", headers, keys, 3);
}

static int product_link(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *id,
                        const char *api, bool is_add)
{
    char *escaped = mgmt_path_escape(api), *suffix = NULL;
    if (!escaped || asprintf(&suffix, "/apis/%s", escaped) < 0) suffix = NULL;
    free(escaped);
    char *path = suffix ? mgmt_entity_path("products", id, suffix) : NULL;
    free(suffix);
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, is_add ? "PUT" : "DELETE", path, NULL, is_add ? NULL : "*",
                           is_add ? ok_put : ok_delete, &resp);
    free(path);
    if (rc) return rc;
    if (cl->is_json && resp.json)
        mgmt_print_json(resp.json);
    else if (is_add)
        printf("api %s %s product %s\n", api, resp.status == 201 ? "added to" : "already in", id);
    else if (resp.status == 204)
        printf("api %s was not in product %s\n", api, id);
    else
        printf("api %s removed from product %s\n", api, id);
    mgmt_response_free(&resp);
    return 0;
}

int command_product(int argc, char **argv)
{
    static const mgmt_verb_t verbs[] = {{"list", 0, true},    {"show", 1, true},
                                        {"create", 1, true},  {"delete", 1, true},
                                        {"add-api", 2, true}, {"remove-api", 2, true}};
    int exit_code;
    const mgmt_verb_t *v =
        mgmt_cmd_verb("product", product_help, "list, show, create, delete, add-api or remove-api",
                      verbs, sizeof verbs / sizeof verbs[0], argc, argv, &exit_code);
    if (!v) return exit_code;
    const char *verb = v->verb;
    product_opts_t o = {0};
    const mgmt_opt_t create_opts[] = {
        {"--display-name", &o.display_name, NULL},
        {"--description", &o.description, NULL},
        {"--terms", &o.terms, NULL},
        {"--state", &o.state, NULL},
        {"--subscription-required", &o.subscription_required, NULL},
        {"--approval-required", &o.approval_required, NULL},
        {"--subscriptions-limit", &o.subscriptions_limit, NULL},
    };
    bool is_create = strcmp(verb, "create") == 0;
    bool is_link = v->positionals == 2;
    int want = v->positionals;
    mgmt_cmdline_t cl;
    if (!mgmt_cmd_parse(&cl, "product", product_help, argc - 1, argv + 1, create_opts,
                        is_create ? sizeof create_opts / sizeof create_opts[0] : 0, want,
                        v->accepts_json, &exit_code))
        return exit_code;
    if (cl.positional_count < want)
        return cli_usage_error("product", "%s needs %s", verb,
                               want == 2 ? "a product id and an API id" : "a product id");
    mgmt_client_t client;
    int rc = mgmt_cmd_client(&cl, &client);
    if (rc) return rc;
    const char *id = cl.positionals[0];
    if (strcmp(verb, "list") == 0) {
        static const char *const headers[] = {"ID", "STATE", "SUBSCRIPTION REQUIRED",
                                              "DISPLAY NAME"};
        static const char *const keys[] = {"", "state", "subscriptionRequired", "displayName"};
        rc = mgmt_list_table(&cl, &client, "/products", headers, keys, 4);
    } else if (strcmp(verb, "show") == 0) {
        rc = product_show(&cl, &client, id);
    } else if (is_create) {
        rc = product_create(&cl, &client, id, &o);
    } else if (is_link) {
        rc = product_link(&cl, &client, id, cl.positionals[1], verb[0] == 'a');
    } else {
        char *path = mgmt_entity_path("products", id, NULL);
        rc = mgmt_delete_entity(&client, path, "product", id);
        free(path);
    }
    mgmt_client_free(&client);
    return rc;
}
