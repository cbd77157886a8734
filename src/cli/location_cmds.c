/* `meridian location ...`: a client of {svc}/locations (docs/regions.md, docs/cli.md). A
 * location is named by its display name ("East Asia") or its slug ("eastasia"). */
#include "cli/args.h"
#include "cli/mgmt_cmd.h"
#include "cli/mgmt_commands.h"
#include "manage/gateway_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char location_help[] =
    "Usage: meridian location list [--json]\n"
    "       meridian location show NAME [--json]\n"
    "       meridian location add NAME [--units N] [--disable-gateway true|false]\n"
    "       meridian location set NAME [--units N] [--disable-gateway true|false]\n"
    "       meridian location remove NAME\n"
    "       meridian location token NAME [--key primary|secondary] [--days N]\n"
    "\n"
    "NAME is the display name (\"East Asia\", what context.Deployment.Region reports) or its\n"
    "slug (eastasia).\n"
    "list    every location, the primary first, with its health and units up\n"
    "show    one location's properties and the status of its units\n"
    "add     adds a location (units 1-64, default 1); it must not exist yet\n"
    "set     changes the units or disableGateway of a location (the primary too)\n"
    "remove  removes a location (not the primary); its units are to drain and stop\n"
    "token   prints a gateway token for the location (default: the primary key, 30 days)\n"
    "\n" MGMT_CONNECTION_HELP;

static const int ok_put[] = {201, 0};
static const int ok_patch[] = {200, 0};
static const int ok_token[] = {200, 0};

typedef struct {
    const char *units, *disable_gateway, *key, *days;
} location_opts_t;

/* {"displayName"?, "units"?, "disableGateway"?} from the options; NULL after a usage error. */
static json_t *location_props(const mgmt_cmdline_t *cl, const location_opts_t *o, const char *display_name)
{
    json_t *p = json_object();
    if (display_name) json_object_set_new(p, "displayName", json_string(display_name));
    if (o->units) {
        long units;
        if (!cli_parse_int(o->units, 1, 64, &units)) {
            json_decref(p);
            cli_usage_error(cl->command, "--units must be a whole number from 1 to 64");
            return NULL;
        }
        json_object_set_new(p, "units", json_integer(units));
    }
    if (o->disable_gateway) {
        bool b;
        if (!mgmt_parse_bool(o->disable_gateway, &b)) {
            json_decref(p);
            cli_usage_error(cl->command, "--disable-gateway must be true or false");
            return NULL;
        }
        json_object_set_new(p, "disableGateway", json_boolean(b));
    }
    return p;
}

static void print_location(const mgmt_cmdline_t *cl, const json_t *loc, const char *verb)
{
    if (cl->is_json) {
        mgmt_print_json(loc);
        return;
    }
    const json_t *p = json_object_get(loc, "properties");
    printf("%s location %s (%s): %lld unit(s)%s, %s\n", verb,
           json_string_value(json_object_get(p, "displayName")),
           json_string_value(json_object_get(loc, "name")),
           (long long)json_integer_value(json_object_get(p, "units")),
           json_is_true(json_object_get(p, "disableGateway")) ? ", gateway disabled" : "",
           json_string_value(json_object_get(p, "regionalHostname")));
}

static int location_list(const mgmt_cmdline_t *cl, mgmt_client_t *client)
{
    json_t *items;
    int rc = mgmt_cmd_list(client, "/locations", &items);
    if (rc) return rc;
    if (cl->is_json) {
        mgmt_print_json(items);
        json_decref(items);
        return 0;
    }
    static const char *const headers[] = {"NAME", "DISPLAY NAME", "PRIMARY", "UNITS", "UP",
                                          "HEALTH", "REGIONAL HOSTNAME"};
    size_t n = json_array_size(items);
    const char **rows = calloc(n * 7 + 1, sizeof *rows);
    char (*numbers)[2][24] = calloc(n + 1, sizeof *numbers);
    if (!rows || !numbers) abort();
    for (size_t i = 0; i < n; i++) {
        const json_t *loc = json_array_get(items, i);
        const json_t *p = json_object_get(loc, "properties");
        const json_t *st = json_object_get(p, "status");
        snprintf(numbers[i][0], sizeof numbers[i][0], "%lld", (long long)json_integer_value(json_object_get(p, "units")));
        snprintf(numbers[i][1], sizeof numbers[i][1], "%lld",
                 (long long)json_integer_value(json_object_get(st, "unitsUp")));
        const char **row = rows + i * 7;
        row[0] = json_string_value(json_object_get(loc, "name"));
        row[1] = json_string_value(json_object_get(p, "displayName"));
        row[2] = json_is_true(json_object_get(p, "isPrimary")) ? "yes" : "no";
        row[3] = numbers[i][0];
        row[4] = numbers[i][1];
        row[5] = json_string_value(json_object_get(st, "health"));
        row[6] = json_string_value(json_object_get(p, "regionalHostname"));
    }
    mgmt_print_table(headers, 7, rows, n);
    free(rows);
    free(numbers);
    json_decref(items);
    return 0;
}

/* What `location show` prints after the properties: the status from the units' heartbeats
 * and the router's probe. */
static void print_location_status(const json_t *location)
{
    const json_t *st = json_object_get(json_object_get(location, "properties"), "status");
    printf("health: %s (%lld unit(s) up)\n", json_string_value(json_object_get(st, "health")),
           (long long)json_integer_value(json_object_get(st, "unitsUp")));
    const json_t *probe = json_object_get(st, "probe");
    if (probe)
        printf("router probe: %s (reported %s)\n",
               json_string_value(json_object_get(probe, "status")),
               json_string_value(json_object_get(probe, "checkedAt")));
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(st, "units"), i, u)
    {
        printf("  unit %lld: revision %lld from %s, last heartbeat %s%s%s\n",
               (long long)json_integer_value(json_object_get(u, "unit")),
               (long long)json_integer_value(json_object_get(u, "revision")),
               json_string_value(json_object_get(u, "source")),
               json_string_value(json_object_get(u, "lastHeartbeat")),
               json_is_true(json_object_get(u, "isSilent")) ? " (silent)" : "",
               json_is_true(json_object_get(u, "isLagging")) ? " (lagging)" : "");
    }
}

static int location_show(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path)
{
    return mgmt_show_entity_with(cl, client, path, "status", print_location_status);
}

static int location_add(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path, const char *name,
                        const location_opts_t *o)
{
    mgmt_response_t cur;
    char err[512];
    if (mgmt_request(client, "GET", path, NULL, NULL, &cur, err, sizeof err) < 0) {
        fprintf(stderr, "meridian: %s\n", err);
        return CLI_EXIT_FAILURE;
    }
    bool exists = cur.status == 200;
    mgmt_response_free(&cur);
    if (exists) {
        fprintf(stderr, "meridian: the location '%s' exists already (change it with 'meridian location set')\n", name);
        return CLI_EXIT_FAILURE;
    }
    json_t *props = location_props(cl, o, name);
    if (!props) return CLI_EXIT_USAGE;
    json_t *body = json_pack("{s:o}", "properties", props);
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, "PUT", path, body, NULL, ok_put, &resp);
    json_decref(body);
    if (rc) return rc;
    print_location(cl, resp.json, "added");
    mgmt_response_free(&resp);
    return 0;
}

static int location_set(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path, const location_opts_t *o)
{
    if (!o->units && !o->disable_gateway)
        return cli_usage_error(cl->command, "nothing to set: give --units and/or --disable-gateway");
    json_t *props = location_props(cl, o, NULL);
    if (!props) return CLI_EXIT_USAGE;
    json_t *body = json_pack("{s:o}", "properties", props);
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, "PATCH", path, body, "*", ok_patch, &resp);
    json_decref(body);
    if (rc) return rc;
    print_location(cl, resp.json, "changed");
    mgmt_response_free(&resp);
    return 0;
}

static int location_token(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path,
                          const location_opts_t *o)
{
    long days = 30;
    if (o->days && !cli_parse_int(o->days, 1, 30, &days))
        return cli_usage_error(cl->command, "--days must be a whole number from 1 to 30");
    const char *key = o->key ? o->key : "primary";
    if (strcmp(key, "primary") != 0 && strcmp(key, "secondary") != 0)
        return cli_usage_error(cl->command, "--key must be primary or secondary");
    /* A minute short of the limit: the server checks "at most 30 days ahead" on its clock. */
    time_t expiry = time(NULL) + days * 86400 - (days == 30 ? 60 : 0);
    struct tm tm;
    char when[32];
    gmtime_r(&expiry, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *body = json_pack("{s:s, s:s}", "keyType", key, "expiry", when);
    char *action = NULL;
    if (asprintf(&action, "%s/generateToken", path) < 0) abort();
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, "POST", action, body, NULL, ok_token, &resp);
    free(action);
    json_decref(body);
    if (rc) return rc;
    if (cl->is_json) mgmt_print_json(resp.json);
    else printf("%s\n", json_string_value(json_object_get(resp.json, "value")));
    mgmt_response_free(&resp);
    return 0;
}

int command_location(int argc, char **argv)
{
    static const mgmt_verb_t verbs[] = {{"list", 0, true}, {"show", 1, true},   {"add", 1, true},
                                        {"set", 1, true},  {"remove", 1, true}, {"token", 1, true}};
    int exit_code;
    const mgmt_verb_t *v =
        mgmt_cmd_verb("location", location_help, "list, show, add, set, remove or token", verbs,
                      sizeof verbs / sizeof verbs[0], argc, argv, &exit_code);
    if (!v) return exit_code;
    const char *verb = v->verb;
    location_opts_t o = {0};
    const mgmt_opt_t change_opts[] = {{"--units", &o.units, NULL}, {"--disable-gateway", &o.disable_gateway, NULL}};
    const mgmt_opt_t token_opts[] = {{"--key", &o.key, NULL}, {"--days", &o.days, NULL}};
    const mgmt_opt_t *opts = NULL;
    size_t opt_count = 0;
    int want = v->positionals;
    if (strcmp(verb, "add") == 0 || strcmp(verb, "set") == 0) {
        opts = change_opts;
        opt_count = 2;
    } else if (strcmp(verb, "token") == 0) {
        opts = token_opts;
        opt_count = 2;
    }
    mgmt_cmdline_t cl;
    if (!mgmt_cmd_parse(&cl, "location", location_help, argc - 1, argv + 1, opts, opt_count, want,
                        v->accepts_json, &exit_code))
        return exit_code;
    if (cl.positional_count < want) return cli_usage_error("location", "%s needs a location name", verb);
    char slug[MANAGE_SLUG_MAX];
    const char *name = want ? cl.positionals[0] : NULL;
    if (name && manage_slugify(name, slug, sizeof slug) == 0)
        return cli_usage_error("location", "\"%s\" has no letters or digits to name a location by", name);
    mgmt_client_t client;
    int rc = mgmt_cmd_client(&cl, &client);
    if (rc) return rc;
    char *path = name ? mgmt_entity_path("locations", slug, NULL) : NULL;
    if (strcmp(verb, "list") == 0) rc = location_list(&cl, &client);
    else if (strcmp(verb, "show") == 0) rc = location_show(&cl, &client, path);
    else if (strcmp(verb, "add") == 0) rc = location_add(&cl, &client, path, name, &o);
    else if (strcmp(verb, "set") == 0) rc = location_set(&cl, &client, path, &o);
    else if (strcmp(verb, "token") == 0) rc = location_token(&cl, &client, path, &o);
    else rc = mgmt_delete_entity(&client, path, "location", name);
    free(path);
    mgmt_client_free(&client);
    return rc;
}
