/* `meridian profile ...` and `meridian latency ...`: clients of
 * {svc}/trafficManagerProfiles and {svc}/trafficManagerLatency (docs/manage-api.md
 * "Traffic manager", docs/cli.md). */
#include "cli/args.h"
#include "cli/mgmt_cmd.h"
#include "cli/mgmt_commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char profile_help[] =
    "Usage: meridian profile list [--json]\n"
    "       meridian profile show NAME [--json]\n"
    "       meridian profile apply -f FILE [NAME]\n"
    "       meridian profile delete NAME\n"
    "\n"
    "Traffic-manager profiles: the built-in one (named like the service: Performance over\n"
    "the enabled locations) and custom ones, which the router (meridian router\n"
    "--config-url) serves as NAME.tm.DOMAIN.\n"
    "list    every profile, the built-in one first\n"
    "show    one profile's properties (its fqdn, routing method, monitor, endpoints)\n"
    "apply   creates or replaces profiles from FILE (JSON; '-' = stdin): one profile as in\n"
    "        the router's profile file (docs/router.md), with its \"name\" or NAME; an\n"
    "        array of them; or a profile file's {\"profiles\": [...]}. Endpoints may name a\n"
    "        location's gateways: {\"name\": \"us\", \"gatewayLocation\": \"West US\"}\n"
    "delete  deletes a custom profile\n"
    "\n" MGMT_CONNECTION_HELP;

const char latency_help[] =
    "Usage: meridian latency show [--json]\n"
    "       meridian latency set -f FILE\n"
    "\n"
    "The latency table of Performance routing (client subnets -> milliseconds per region)\n"
    "and the location table of Geographic routing.\n"
    "show    the tables\n"
    "set     replaces them with FILE's \"latency\" and \"locations\" members (JSON; a router\n"
    "        profile file will do: its other members are ignored)\n"
    "\n" MGMT_CONNECTION_HELP;

static const int ok_get[] = {200, 0};
static const int ok_put[] = {200, 201, 0};

/* Reads FILE as JSON; NULL after printing why. */
static json_t *read_json(const char *file)
{
    size_t len;
    char *text = mgmt_read_file(file, &len);
    if (!text) return NULL;
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!j) fprintf(stderr, "meridian: %s:%d:%d: %s\n", file, jerr.line, jerr.column, jerr.text);
    return j;
}

static int put_profile(mgmt_client_t *client, const json_t *profile, const char *name)
{
    json_t *props = json_deep_copy(json_object_get(profile, "properties"));
    if (!props) props = json_deep_copy(profile);
    const char *given = json_string_value(json_object_get(profile, "name"));
    if (!name) name = given;
    if (!name) {
        json_decref(props);
        fprintf(stderr, "meridian: a profile in the file has no \"name\" (or give NAME)\n");
        return CLI_EXIT_FAILURE;
    }
    json_object_del(props, "name");
    json_t *body = json_pack("{s:o}", "properties", props);
    char *path = mgmt_entity_path("trafficManagerProfiles", name, NULL);
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, "PUT", path, body, NULL, ok_put, &resp);
    free(path);
    json_decref(body);
    if (rc) return rc;
    const json_t *p = json_object_get(resp.json, "properties");
    printf("%s profile %s (%s, %zu endpoint(s))\n", resp.status == 201 ? "created" : "replaced",
           json_string_value(json_object_get(p, "fqdn")),
           json_string_value(json_object_get(p, "routingMethod")),
           json_array_size(json_object_get(p, "endpoints")));
    mgmt_response_free(&resp);
    return 0;
}

static int profile_apply(mgmt_client_t *client, const char *file, const char *name)
{
    json_t *doc = read_json(file);
    if (!doc) return CLI_EXIT_FAILURE;
    json_t *list = json_is_array(doc) ? doc : json_object_get(doc, "profiles");
    int rc = 0;
    if (list) {
        if (name) {
            json_decref(doc);
            return cli_usage_error("profile apply", "NAME goes with a file of one profile");
        }
        size_t i;
        json_t *p;
        json_array_foreach(list, i, p) if (!rc) rc = put_profile(client, p, NULL);
    } else {
        rc = put_profile(client, doc, name);
    }
    json_decref(doc);
    return rc;
}

static void print_latency(const json_t *props)
{
    size_t i;
    json_t *row;
    printf("latency (client subnet: ms per region):\n");
    json_array_foreach(json_object_get(props, "latency"), i, row) {
        printf("  %-24s", json_string_value(json_object_get(row, "subnet")));
        const char *region;
        json_t *ms;
        json_object_foreach(json_object_get(row, "regions"), region, ms)
            printf(" %s=%g", region, json_number_value(ms));
        printf("\n");
    }
    printf("locations (client subnet: codes, most specific first):\n");
    json_array_foreach(json_object_get(props, "locations"), i, row) {
        char *codes = json_dumps(json_object_get(row, "codes"), JSON_COMPACT);
        printf("  %-24s %s\n", json_string_value(json_object_get(row, "subnet")), codes ? codes : "");
        free(codes);
    }
}

static int latency_command(const mgmt_cmdline_t *cl, mgmt_client_t *client, bool is_set, const char *file)
{
    mgmt_response_t resp;
    int rc;
    if (is_set) {
        json_t *doc = read_json(file);
        if (!doc) return CLI_EXIT_FAILURE;
        json_t *props = json_object();
        json_t *src = json_object_get(doc, "properties") ? json_object_get(doc, "properties") : doc;
        json_t *latency = json_object_get(src, "latency"), *locations = json_object_get(src, "locations");
        json_object_set_new(props, "latency", latency ? json_incref(latency) : json_array());
        json_object_set_new(props, "locations", locations ? json_incref(locations) : json_array());
        json_t *body = json_pack("{s:o}", "properties", props);
        json_decref(doc);
        rc = mgmt_cmd_call(client, "PUT", "/trafficManagerLatency", body, NULL, ok_put, &resp);
        json_decref(body);
    } else {
        rc = mgmt_cmd_call(client, "GET", "/trafficManagerLatency", NULL, NULL, ok_get, &resp);
    }
    if (rc) return rc;
    if (cl->is_json) mgmt_print_json(resp.json);
    else print_latency(json_object_get(resp.json, "properties"));
    mgmt_response_free(&resp);
    return 0;
}

/* What both commands share: the verb, its options, the client. */
static int run(const char *command, const char *help, const char *expected,
               const mgmt_verb_t *verbs, size_t verb_count, int argc, char **argv)
{
    int exit_code;
    const mgmt_verb_t *v =
        mgmt_cmd_verb(command, help, expected, verbs, verb_count, argc, argv, &exit_code);
    if (!v) return exit_code;
    const char *verb = v->verb;
    bool is_profile = strcmp(command, "profile") == 0;
    const char *file = NULL;
    const mgmt_opt_t file_opts[] = {{"--file", &file, NULL}};
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-f") == 0) argv[i] = "--file";
    bool takes_file = strcmp(verb, "apply") == 0 || strcmp(verb, "set") == 0;
    int want = v->positionals;
    mgmt_cmdline_t cl;
    if (!mgmt_cmd_parse(&cl, command, help, argc - 1, argv + 1, takes_file ? file_opts : NULL,
                        takes_file ? 1 : 0, want, v->accepts_json, &exit_code))
        return exit_code;
    if (takes_file && !file) return cli_usage_error(command, "%s needs -f FILE", verb);
    const char *name = cl.positional_count ? cl.positionals[0] : NULL;
    if (is_profile && want && !name && strcmp(verb, "apply") != 0)
        return cli_usage_error(command, "%s needs a profile name", verb);
    mgmt_client_t client;
    int rc = mgmt_cmd_client(&cl, &client);
    if (rc) return rc;
    if (!is_profile) {
        rc = latency_command(&cl, &client, strcmp(verb, "set") == 0, file);
    } else if (strcmp(verb, "list") == 0) {
        static const char *const headers[] = {"NAME", "METHOD", "STATUS", "TTL", "FQDN"};
        static const char *const keys[] = {"name", "routingMethod", "status", "ttl", "fqdn"};
        rc = mgmt_list_table(&cl, &client, "/trafficManagerProfiles", headers, keys, 5);
    } else if (strcmp(verb, "apply") == 0) {
        rc = profile_apply(&client, file, name);
    } else {
        char *path = mgmt_entity_path("trafficManagerProfiles", name, NULL);
        rc = strcmp(verb, "show") == 0 ? mgmt_show_entity(&cl, &client, path)
                                       : mgmt_delete_entity(&client, path, "profile", name);
        free(path);
    }
    mgmt_client_free(&client);
    return rc;
}

int command_profile(int argc, char **argv)
{
    static const mgmt_verb_t verbs[] = {
        {"list", 0, true}, {"show", 1, true}, {"apply", 1, true}, {"delete", 1, true}};
    return run("profile", profile_help, "list, show, apply or delete", verbs,
               sizeof verbs / sizeof verbs[0], argc, argv);
}

int command_latency(int argc, char **argv)
{
    static const mgmt_verb_t verbs[] = {{"show", 0, true}, {"set", 0, true}};
    return run("latency", latency_help, "show or set", verbs, sizeof verbs / sizeof verbs[0], argc,
               argv);
}
