/* `meridian cache purge [--location NAME]`: a client of {svc}/purgeCache and
 * {svc}/locations/{slug}/purgeCache (docs/caching.md "Purge", manage/cache_purge.h). */
#include "cli/args.h"
#include "cli/mgmt_cmd.h"
#include "cli/mgmt_commands.h"
#include "manage/gateway_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cache_help[] =
    "Usage: meridian cache purge [--location NAME] [--json]\n"
    "\n"
    "purge   empties the gateways' caches (built-in and external) of every location, or of\n"
    "        the location NAME (display name \"East Asia\" or slug eastasia). Gateways apply it\n"
    "        with their next configuration from the feed (usually within a second).\n"
    "\n" MGMT_CONNECTION_HELP;

int command_cache(int argc, char **argv)
{
    static const mgmt_verb_t verbs[] = {{"purge", 0, true}};
    int exit_code;
    if (!mgmt_cmd_verb("cache", cache_help, "purge", verbs, 1, argc, argv, &exit_code))
        return exit_code;
    const char *location = NULL;
    const mgmt_opt_t opts[] = {{"--location", &location, NULL}};
    mgmt_cmdline_t cl;
    if (!mgmt_cmd_parse(&cl, "cache purge", cache_help, argc - 1, argv + 1, opts, 1, 0, true,
                        &exit_code))
        return exit_code;
    char slug[MANAGE_SLUG_MAX];
    if (location && manage_slugify(location, slug, sizeof slug) == 0)
        return cli_usage_error("cache purge", "\"%s\" has no letters or digits to name a location by", location);
    mgmt_client_t client;
    int rc = mgmt_cmd_client(&cl, &client);
    if (rc) return rc;
    char *path = location ? mgmt_entity_path("locations", slug, "/purgeCache") : strdup("/purgeCache");
    if (!path) abort();
    static const int ok[] = {200, 0};
    mgmt_response_t resp;
    rc = mgmt_cmd_call(&client, "POST", path, NULL, NULL, ok, &resp);
    free(path);
    if (rc == 0) {
        if (cl.is_json) {
            mgmt_print_json(resp.json);
        } else if (location) {
            printf("purged the cache of location %s (generation %lld)\n", slug,
                   (long long)json_integer_value(json_object_get(resp.json, "generation")));
        } else {
            printf("purged the caches of every location (generation %lld)\n",
                   (long long)json_integer_value(json_object_get(resp.json, "generation")));
        }
        mgmt_response_free(&resp);
    }
    mgmt_client_free(&client);
    return rc;
}
