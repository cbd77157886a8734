/* meridian <command>: parses the command line and hands over to the library (STYLE.md
 * habit 2). Every command, flag, default and exit code here is documented in docs/cli.md;
 * keep the two in step. */
#include "base/fdlimit.h"
#include "base/log.h"
#include "base/redis_url.h"
#include "cli/args.h"
#include "cli/mgmt_commands.h"
#include "cli/policy_cmd.h"
#include "deploy/demo_backend.h"
#include "deploy/host_port.h"
#include "deploy/run.h"
#include "deploy/up.h"
#include "gateway/unit.h"
#include "manage/resources.h"
#include "manage/server.h"
#include "router/geoip.h"
#include "router/router.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef MERIDIAN_VERSION
#define MERIDIAN_VERSION "0.1.0-dev"
#endif

/* More units than this is a typo, not a deployment: units are processes, one per core. */
#define MAX_UNITS 256
/* A drain longer than an hour is almost certainly a unit mix-up (ms for s). */
#define MAX_DRAIN_SECONDS 3600
#define DEFAULT_DRAIN_MS 30000u

static const char general_help[] =
    "Usage: meridian <command> [options]\n"
    "\n"
    "Meridian is a multi-region API gateway with Azure API Management-compatible policies.\n"
    "\n"
    "Commands:\n"
    "  up             run a whole multi-region service on this machine (make run)\n"
    "  run            start the single-region demo: 2 gateway units and 2 demo backends\n"
    "  gateway        run a gateway of one region (snapshot file or config feed)\n"
    "  demo-backend   run an HTTP server that echoes every request as JSON\n"
    "  manage         run the management REST API (store, validation, snapshot)\n"
    "  router         global routing: endpoint probes, authoritative DNS and the L7 edge\n"
    "  policy check   compile policy documents and print their errors as FILE:LINE:COL\n"
    "\n"
    "Management (clients of 'meridian manage'):\n"
    "  api            list, show, import (OpenAPI) and delete APIs\n"
    "  policy get|set read and write the policy of a scope\n"
    "  product        list, show, create and delete products; link APIs\n"
    "  location       list, show, add, set and remove locations (regions); gateway tokens\n"
    "  profile        list, show, apply and delete traffic-manager profiles\n"
    "  latency        show and set the router's latency table\n"
    "  cache          purge the gateways' caches of one location or all\n"
    "  subscription   list, show, create and delete subscriptions; keys\n"
    "  named-value    list, show, set and delete named values\n"
    "  apply          make the service match a declarative file (prints the plan first)\n"
    "  export         write the service as such a file\n"
    "\n"
    "  version        print the version\n"
    "  help [COMMAND] print this help, or a command's help\n"
    "\n"
    "Run 'meridian COMMAND --help' for a command's options. Exit codes: 0 success,\n"
    "1 start-up or run-time failure, 2 bad command line. See docs/cli.md.\n";

static const char gateway_help[] =
    "Usage: meridian gateway --region NAME --snapshot FILE --listen HOST:PORT [options]\n"
    "       meridian gateway --region NAME --config-url URL --token-file FILE\n"
    "                        --listen HOST:PORT [--state-dir DIR] [--seed-from HOST:PORT] [options]\n"
    "\n"
    "Runs the data plane of one region, serving the configuration in FILE (file mode) or\n"
    "the one the management plane publishes (feed mode, docs/regions.md).\n"
    "\n"
    "  --region NAME           region display name, e.g. \"West US\", or its slug (\"westus\")\n"
    "                          (required)\n"
    "  --snapshot FILE         file mode: configuration snapshot (JSON, docs/snapshot.md),\n"
    "                          re-read on SIGHUP\n"
    "  --config-url URL        feed mode: the management plane, http(s)://HOST:PORT; the unit\n"
    "                          long-polls its /gateway/v1/config and heartbeats every 5 s\n"
    "  --token-file FILE       feed mode: file holding the region's gateway token (re-read\n"
    "                          every 5 s)\n"
    "  --token TOKEN           feed mode: the token itself (visible in ps: prefer the file)\n"
    "  --state-dir DIR         feed mode: where DIR/last-known-good.json is kept (created\n"
    "                          0700 when missing; units of a region may share it)\n"
    "                          (default: none, no last-known-good)\n"
    "  --seed-from HOST:PORT   feed mode: without a usable last-known-good, first fetch the\n"
    "                          configuration from this peer unit's admin listener\n"
    "  --listen HOST:PORT      client listener, e.g. 127.0.0.1:8080 or [::1]:8080 (required);\n"
    "                          units share it with SO_REUSEPORT\n"
    "  --admin HOST:PORT       admin listener with /metrics (and /config for peers in feed\n"
    "                          mode); unit k listens on PORT + k (default: none)\n"
    "  --connect-to HOST:PORT=HOST:PORT[,...]\n"
    "                          connect to the second address whenever a backend URL names\n"
    "                          the first (Host stays as written; port 0 on the left = any)\n"
    "  --units N               run N unit processes (1-256) under a supervisor that restarts\n"
    "                          a unit that dies; without --units, one unit runs in this\n"
    "                          process, unsupervised\n"
    "  --access-log PATH|-|off access log file (appended), - for stdout, off for none\n"
    "                          (default: -)\n"
    "  --drain-timeout SECONDS on SIGTERM/SIGINT, longest wait for requests in flight\n"
    "                          (default: 30)\n"
    "  --cache-size MIB        the region's built-in cache (caching policies), shared by its\n"
    "                          units: 4-65536 MiB (default: 64; docs/caching.md)\n"
    "  --tls-listen HOST:PORT  HTTPS listener, with or without --listen (docs/tls.md)\n"
    "  --tls-cert FILE --tls-key FILE\n"
    "                          its default certificate chain and key (PEM)\n"
    "  --tls-cert-dir DIR      more certificates, chosen by SNI: every NAME.crt + NAME.key\n"
    "                          in DIR, for the DNS names in its subjectAltName\n"
    "  --ca-file FILE          CAs that https backends and an https feed are verified\n"
    "                          against (default: the system's)\n"
    "  --tls-client-cert FILE --tls-client-key FILE\n"
    "                          client certificate for an https feed asking for one\n"
    "  --redis URL             rate-limit and quota counters in Redis (docs/limits.md):\n"
    "                          redis://HOST[:PORT][/DB][?counting=regional|global&\n"
    "                          failure=open|closed]; wins over the region's redis in the\n"
    "                          configuration (default: the region's, else a table shared\n"
    "                          by the region's units in memory)\n"
    "\n"
    "Signals: SIGHUP reloads the snapshot (file mode); SIGTERM or SIGINT drains and exits 0.\n";

static const char demo_backend_help[] =
    "Usage: meridian demo-backend --listen HOST:PORT [--name NAME]\n"
    "\n"
    "Answers every request with 200 and a JSON echo of it:\n"
    "{\"backend\", \"method\", \"path\", \"query\", \"headers\", \"bodyBytes\"}.\n"
    "\n"
    "  --listen HOST:PORT   address to listen on (required)\n"
    "  --name NAME          value of \"backend\" in answers (default: demo)\n"
    "\n"
    "Signals: SIGTERM or SIGINT stops it (requests in flight get up to 2 s).\n";

static const char run_help[] =
    "Usage: meridian run [--listen HOST:PORT] [--admin HOST:PORT] [--state-dir DIR]\n"
    "\n"
    "Starts the demo service from the configuration built into the binary: demo backends\n"
    "\"West US echo\" on 127.0.0.1:19081 and \"orders\" on 127.0.0.1:19082, and a gateway of\n"
    "region \"West US\" with 2 units. Ctrl-C stops everything.\n"
    "\n"
    "  --listen HOST:PORT   gateway listener (default: " DEPLOY_RUN_LISTEN_DEFAULT ")\n"
    "  --admin HOST:PORT    admin listener of unit 0; unit 1 uses PORT + 1\n"
    "                       (default: " DEPLOY_RUN_ADMIN_DEFAULT ")\n"
    "  --state-dir DIR      where the snapshot is written (default: $MERIDIAN_STATE_DIR,\n"
    "                       else ./" DEPLOY_RUN_STATE_DIR_DEFAULT ")\n"
    "\n"
    "Signals: SIGHUP reloads DIR/snapshot.json; SIGTERM or SIGINT stops everything.\n";

static const char version_help[] = "Usage: meridian version\n"
                                   "\n"
                                   "Prints \"meridian VERSION\".\n";

static const char help_help[] = "Usage: meridian help [COMMAND]\n"
                                "\n"
                                "Prints the list of commands, or COMMAND's help.\n";

static int print_help(const char *text)
{
    fputs(text, stdout);
    return CLI_EXIT_OK;
}

/* Parses an address option; prints the usage error and returns false when it is bad. */
static bool parse_address(const char *command, const char *option, const char *text,
                          host_port_t *out)
{
    const char *err;
    if (host_port_parse(text, out, &err) == 0) return true;
    cli_usage_error(command, "%s \"%s\": %s", option, text, err);
    return false;
}

static bool is_unspecified_host(const host_port_t *hp)
{
    return strcmp(hp->host, "0.0.0.0") == 0 || strcmp(hp->host, "::") == 0;
}

static int command_gateway(int argc, char **argv)
{
    const char *region = NULL, *snapshot = NULL, *listen = NULL, *admin = NULL;
    const char *units_text = NULL, *access_log = NULL, *drain_text = NULL;
    const char *connect_to_text = NULL;
    const char *config_url = NULL, *token = NULL, *token_file = NULL, *state_dir = NULL;
    const char *seed_from = NULL, *cache_size_text = NULL, *redis = NULL;
    const char *tls_listen = NULL, *tls_cert = NULL, *tls_key = NULL, *tls_cert_dir = NULL;
    const char *ca_file = NULL, *tls_client_cert = NULL, *tls_client_key = NULL;
    const cli_option_t options[] = {
        {"--cache-size", &cache_size_text},
        {"--redis", &redis},
        {"--tls-listen", &tls_listen},
        {"--tls-cert", &tls_cert},
        {"--tls-key", &tls_key},
        {"--tls-cert-dir", &tls_cert_dir},
        {"--ca-file", &ca_file},
        {"--tls-client-cert", &tls_client_cert},
        {"--tls-client-key", &tls_client_key},
        {"--config-url", &config_url},
        {"--token", &token},
        {"--token-file", &token_file},
        {"--state-dir", &state_dir},
        {"--seed-from", &seed_from},
        {"--region", &region},
        {"--connect-to", &connect_to_text},
        {"--snapshot", &snapshot},
        {"--listen", &listen},
        {"--admin", &admin},
        {"--units", &units_text},
        {"--access-log", &access_log},
        {"--drain-timeout", &drain_text},
    };
    int exit_code;
    if (!cli_parse_command("gateway", gateway_help, argc, argv, options, sizeof options / sizeof options[0], &exit_code)) return exit_code;
    if (!region) return cli_usage_error("gateway", "--region is required");
    if (snapshot && config_url)
        return cli_usage_error("gateway", "--snapshot (file mode) and --config-url (feed mode) "
                                          "exclude each other");
    if (!snapshot && !config_url)
        return cli_usage_error("gateway", "--snapshot FILE or --config-url URL is required");
    if (config_url && !token == !token_file)
        return cli_usage_error("gateway", "feed mode needs exactly one of --token-file and --token");
    if (!config_url && (token || token_file || state_dir || seed_from))
        return cli_usage_error("gateway", "--token, --token-file, --state-dir and --seed-from "
                                          "need --config-url");
    if (config_url && strncasecmp(config_url, "http://", 7) != 0 && strncasecmp(config_url, "https://", 8) != 0)
        return cli_usage_error("gateway", "--config-url \"%s\" must be http(s)://HOST:PORT",
                               config_url);
    if (state_dir && !*state_dir) return cli_usage_error("gateway", "--state-dir must not be empty");
    host_port_t seed_hp;
    if (seed_from && !parse_address("gateway", "--seed-from", seed_from, &seed_hp))
        return CLI_EXIT_USAGE;
    if (!listen && !tls_listen) return cli_usage_error("gateway", "--listen or --tls-listen is required");
    if (tls_listen && (!tls_cert || !tls_key))
        return cli_usage_error("gateway", "--tls-listen needs --tls-cert and --tls-key");
    if (!tls_listen && (tls_cert || tls_key || tls_cert_dir))
        return cli_usage_error("gateway", "--tls-cert, --tls-key and --tls-cert-dir need --tls-listen");
    if (!tls_client_cert != !tls_client_key)
        return cli_usage_error("gateway", "--tls-client-cert and --tls-client-key go together");
    host_port_t tls_hp;
    if (tls_listen && !parse_address("gateway", "--tls-listen", tls_listen, &tls_hp)) return CLI_EXIT_USAGE;
    redis_url_t redis_parsed;
    const char *redis_why;
    if (redis && redis_url_parse(redis, &redis_parsed, &redis_why) < 0)
        return cli_usage_error("gateway", "--redis \"%s\": %s", redis, redis_why);

    long units = 1;
    if (units_text && !cli_parse_int(units_text, 1, MAX_UNITS, &units))
        return cli_usage_error("gateway",
                               "--units must be a whole number from 1 to %d (got \"%s\")",
                               MAX_UNITS, units_text);
    uint32_t drain_ms = DEFAULT_DRAIN_MS;
    if (drain_text && !cli_parse_seconds(drain_text, MAX_DRAIN_SECONDS, &drain_ms))
        return cli_usage_error("gateway",
                               "--drain-timeout must be seconds from 0 to %d, at most 3 decimals "
                               "(got \"%s\")",
                               MAX_DRAIN_SECONDS, drain_text);

    long cache_mib = REGION_CACHE_DEFAULT_BUDGET >> 20;
    if (cache_size_text && !cli_parse_int(cache_size_text, 4, 65536, &cache_mib))
        return cli_usage_error("gateway", "--cache-size must be MiB from 4 to 65536 (got \"%s\")",
                               cache_size_text);

    host_port_t listen_hp, admin_hp;
    if (!listen) listen_hp = tls_hp; /* the checks below apply to the only listener */
    else if (!parse_address("gateway", "--listen", listen, &listen_hp)) return CLI_EXIT_USAGE;
    if (listen_hp.port == 0 && units > 1)
        return cli_usage_error("gateway", "--listen port 0 cannot be shared by %ld units", units);
    if (admin) {
        if (!parse_address("gateway", "--admin", admin, &admin_hp)) return CLI_EXIT_USAGE;
        if (admin_hp.port != 0 && admin_hp.port + units - 1 > 65535)
            return cli_usage_error("gateway",
                                   "--admin port %u is too high for %ld units "
                                   "(unit k listens on port + k, at most 65535)",
                                   (unsigned)admin_hp.port, units);
        bool is_same_host = strcmp(admin_hp.host, listen_hp.host) == 0 ||
                            is_unspecified_host(&admin_hp) || is_unspecified_host(&listen_hp);
        if (is_same_host && admin_hp.port != 0 && listen_hp.port >= admin_hp.port &&
            listen_hp.port <= admin_hp.port + units - 1)
            return cli_usage_error("gateway", "--listen port %u collides with the admin ports",
                                   (unsigned)listen_hp.port);
    }

    static gateway_connect_to_t connect_to; /* lives as long as the process */
    if (connect_to_text) {
        char why[256];
        if (gateway_connect_to_parse(connect_to_text, &connect_to, why, sizeof why) < 0)
            return cli_usage_error("gateway", "--connect-to: %s", why);
    }

    gateway_unit_options_t opts = {
        .connect_to = connect_to_text ? &connect_to : NULL,
        .region = region,
        .snapshot_path = snapshot,
        .config_url = config_url,
        .token = token,
        .token_file = token_file,
        .state_dir = state_dir,
        .seed_from = seed_from,
        .listen_addr = listen,
        .admin_addr = admin,
        .unit_index = 0,
        .access_log_path = access_log,
        .drain_timeout_ms = drain_ms,
        .cache_bytes = (uint64_t)cache_mib << 20,
        .tls_listen_addr = tls_listen,
        .tls_cert = tls_cert,
        .tls_key = tls_key,
        .tls_cert_dir = tls_cert_dir,
        .ca_file = ca_file,
        .tls_client_cert = tls_client_cert,
        .tls_client_key = tls_client_key,
        .redis_url = redis,
    };
    /* Unusable certificate files stop here, before any unit is forked. */
    http_tls_ctx_t *check_server, *check_client;
    char tls_err[512];
    if (gateway_unit_tls_load(&opts, &check_server, &check_client, tls_err, sizeof tls_err) < 0) {
        fprintf(stderr, "meridian gateway: %s\n", tls_err);
        return CLI_EXIT_FAILURE;
    }
    http_tls_ctx_unref(check_server);
    http_tls_ctx_unref(check_client);
    /* Without --units one unit runs in this process: its pid is the unit's, so signals and
     * sanitizer reports go straight to it. --units N (even 1) adds the supervisor. */
    if (!units_text) {
        char prefix[128];
        snprintf(prefix, sizeof prefix, "gateway[%s/0]", region);
        log_set_prefix(prefix);
        return gateway_unit_run(&opts);
    }
    return gateway_supervise(&opts, (int)units);
}

static int command_demo_backend(int argc, char **argv)
{
    const char *listen = NULL, *name = NULL;
    const cli_option_t options[] = {{"--listen", &listen}, {"--name", &name}};
    int exit_code;
    if (!cli_parse_command("demo-backend", demo_backend_help, argc, argv, options, sizeof options / sizeof options[0], &exit_code)) return exit_code;
    if (!listen) return cli_usage_error("demo-backend", "--listen is required");
    host_port_t hp;
    if (!parse_address("demo-backend", "--listen", listen, &hp)) return CLI_EXIT_USAGE;
    demo_backend_options_t opts = {.listen_addr = listen, .name = name ? name : "demo"};
    return demo_backend_run(&opts);
}

static int command_run(int argc, char **argv)
{
    const char *listen = NULL, *admin = NULL, *state_dir = NULL;
    const cli_option_t options[] = {
        {"--listen", &listen}, {"--admin", &admin}, {"--state-dir", &state_dir}};
    int exit_code;
    if (!cli_parse_command("run", run_help, argc, argv, options, sizeof options / sizeof options[0], &exit_code)) return exit_code;
    host_port_t hp;
    if (listen) {
        if (!parse_address("run", "--listen", listen, &hp)) return CLI_EXIT_USAGE;
        if (hp.port == 0) return cli_usage_error("run", "--listen needs a fixed port, not 0");
    }
    if (admin) {
        if (!parse_address("run", "--admin", admin, &hp)) return CLI_EXIT_USAGE;
        if (hp.port == 0 || hp.port == 65535)
            return cli_usage_error("run", "--admin needs a fixed port from 1 to 65534 "
                                          "(unit 1 uses port + 1)");
    }
    deploy_run_options_t opts = {
        .listen_addr = listen, .admin_addr = admin, .state_dir = state_dir};
    return deploy_run(&opts);
}

/* ---- meridian up (deploy/up.h, docs/up.md) ---- */

static const char up_help[] =
    "Usage: meridian up [-f SERVICE_FILE] [--state-dir DIR] [--base-port P] [--tls]\n"
    "                   [--geoip FILE.mmdb]\n"
    "\n"
    "Runs a whole multi-region service on this machine: the management plane on\n"
    "127.0.0.1:P, the service file applied to it, the demo backends contoso-us,\n"
    "contoso-asia and contoso-other (127.0.0.1:P+1..P+3), and for every location a\n"
    "supervised gateway on 127.0.R.1:P+10 (R = 1 for the primary, then 2, 3...). Adding or\n"
    "removing a location through the API starts, or drains and stops, its gateway.\n"
    "Prints the endpoints and one line per location when its state changes.\n"
    "\n"
    "  -f, --file FILE    service file (docs/up.md); default: the embedded demo service\n"
    "                     (West US + East Asia, API echo with the canonical regional\n"
    "                     routing policy)\n"
    "  --state-dir DIR    data, tokens and unit state (default: $MERIDIAN_STATE_DIR, else\n"
    "                     ./" DEPLOY_UP_STATE_DIR_DEFAULT ")\n"
    "  --base-port P      first of the ports used (default: 8070; P to P+99)\n"
    "  --tls              also serve HTTPS (127.0.R.1:P+11) with certificates from a local\n"
    "                     CA made in STATE/tls on first start (docs/tls.md)\n"
    "  --geoip FILE.mmdb  the global endpoint places clients with this MaxMind DB\n"
    "                     (meridian router --geoip, docs/router.md)\n"
    "\n"
    "Signals: SIGINT or SIGTERM drains the gateways, then stops everything and exits 0.\n";

static int command_up(int argc, char **argv)
{
    const char *file = NULL, *state_dir = NULL, *base_text = NULL, *geoip = NULL;
    bool tls = false; /* --tls takes no value: taken out before the parser sees it */
    int kept = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--tls") == 0) tls = true;
        else argv[kept++] = argv[i];
    }
    argc = kept;
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "-f") == 0) argv[i] = "--file";
    const cli_option_t options[] = {
        {"--file", &file}, {"--state-dir", &state_dir}, {"--base-port", &base_text},
        {"--geoip", &geoip}};
    int exit_code;
    if (!cli_parse_command("up", up_help, argc, argv, options, sizeof options / sizeof options[0], &exit_code)) return exit_code;
    long base_port = DEPLOY_UP_BASE_PORT_DEFAULT;
    if (base_text && !cli_parse_int(base_text, 1, 65535 - 100, &base_port))
        return cli_usage_error("up", "--base-port must be a whole number from 1 to %d (got \"%s\")",
                               65535 - 100, base_text);
    /* The router opens the database itself; it is checked here so that a bad file is the
     * command's error, not a router that keeps failing to start. */
    char geoip_abs[PATH_MAX];
    if (geoip) {
        char why[512];
        router_geoip_t *g = router_geoip_open(geoip, why, sizeof why);
        if (!g) {
            fprintf(stderr, "meridian up: %s: %s\n", geoip, why);
            return CLI_EXIT_USAGE;
        }
        router_geoip_close(g);
        if (!realpath(geoip, geoip_abs)) return cli_usage_error("up", "--geoip %s: %s", geoip, strerror(errno));
    }
    deploy_up_options_t opts = {
        .service_file = file,
        .state_dir = state_dir,
        .base_port = (uint16_t)base_port,
        .tls = tls,
        .geoip_path = geoip ? geoip_abs : NULL,
    };
    return deploy_up(&opts);
}

static const char manage_help[] =
    "Usage: meridian manage --listen HOST:PORT --data DIR [options]\n"
    "\n"
    "Runs the management plane: the REST API of docs/manage-api.md over the store in\n"
    "DIR/meridian.db. The first start creates DIR/admin-key.json (mode 0600) and prints\n"
    "its path on stderr.\n"
    "\n"
    "  --listen HOST:PORT         REST API listener (required)\n"
    "  --data DIR                 data directory, created when missing (required)\n"
    "  --service NAME             service name in resource paths (default: meridian)\n"
    "  --location NAME            primary region until PATCHed (default: West US)\n"
    "  --subscription-id ID       (default: 00000000-0000-0000-0000-000000000000)\n"
    "  --resource-group NAME      (default: meridian)\n"
    "  --lag-after MS             a location's unit lags after MS behind (default: 10000)\n"
    "  --silent-after MS          ... is silent after MS without a heartbeat (default: 15000)\n"
    "  --global-endpoint URL      the service's global endpoint (http://host:port), where the\n"
    "                             developer portal's try-it console sends requests\n"
    "  --tls-cert FILE --tls-key FILE\n"
    "                             serve HTTPS with this certificate chain and key (PEM)\n"
    "  --tls-client-ca FILE       mutual TLS: clients must present a certificate from\n"
    "                             these CAs (docs/tls.md)\n"
    "\n"
    "The developer portal is served at /portal (docs/portal.md).\n"
    "\n"
    "Signals: SIGTERM or SIGINT stops accepting, finishes the writes in flight, exits 0.\n";

static int command_manage(int argc, char **argv)
{
    const char *listen = NULL, *data = NULL, *service = NULL, *location = NULL;
    const char *subscription = NULL, *group = NULL, *lag = NULL, *silent = NULL;
    const char *global_endpoint = NULL;
    const char *tls_cert = NULL, *tls_key = NULL, *tls_client_ca = NULL;
    const cli_option_t options[] = {
        {"--tls-cert", &tls_cert}, {"--tls-key", &tls_key}, {"--tls-client-ca", &tls_client_ca},
        {"--listen", &listen},           {"--data", &data},
        {"--service", &service},         {"--location", &location},
        {"--subscription-id", &subscription}, {"--resource-group", &group},
        {"--lag-after", &lag},           {"--silent-after", &silent},
        {"--global-endpoint", &global_endpoint},
    };
    int exit_code;
    if (!cli_parse_command("manage", manage_help, argc, argv, options, sizeof options / sizeof options[0], &exit_code)) return exit_code;
    if (!listen) return cli_usage_error("manage", "--listen is required");
    if (!tls_cert != !tls_key) return cli_usage_error("manage", "--tls-cert and --tls-key go together");
    if (tls_client_ca && !tls_cert) return cli_usage_error("manage", "--tls-client-ca needs --tls-cert");
    if (!data || !*data) return cli_usage_error("manage", "--data is required");
    host_port_t hp;
    if (!parse_address("manage", "--listen", listen, &hp)) return CLI_EXIT_USAGE;
    const char *names[] = {service, subscription, group};
    for (size_t i = 0; i < 3; i++)
        if (names[i] && !manage_id_is_valid(names[i], strlen(names[i])))
            return cli_usage_error("manage", "\"%s\": names are 1-256 letters, digits, '-', '.', "
                                             "'_' or '~'", names[i]);
    if (location && !*location) return cli_usage_error("manage", "--location must not be empty");
    unsigned long long lag_ms = 0, silent_ms = 0;
    if ((lag && (!slice_to_u64(slice_from_cstr(lag), &lag_ms) || lag_ms == 0)) ||
        (silent && (!slice_to_u64(slice_from_cstr(silent), &silent_ms) || silent_ms == 0)))
        return cli_usage_error("manage", "--lag-after and --silent-after take milliseconds (> 0)");
    if (global_endpoint && strncmp(global_endpoint, "http://", 7) != 0 &&
        strncmp(global_endpoint, "https://", 8) != 0)
        return cli_usage_error("manage", "--global-endpoint takes a URL: http://host:port");
    manage_server_options_t opts = {
        .service = {.data_dir = data, .service_name = service, .location = location,
                    .subscription_id = subscription, .resource_group = group,
                    .lag_after_ms = lag_ms, .silent_after_ms = silent_ms,
                    .global_endpoint = global_endpoint},
        .listen_addr = listen,
        .tls_cert = tls_cert,
        .tls_key = tls_key,
        .tls_client_ca = tls_client_ca,
    };
    return manage_server_run(&opts);
}

static int command_version(int argc, char **argv)
{
    int exit_code;
    if (!cli_parse_command("version", version_help, argc, argv, NULL, 0, &exit_code)) return exit_code;
    printf("meridian %s\n", MERIDIAN_VERSION);
    return CLI_EXIT_OK;
}

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command_t;

/* ---- meridian router (src/router) ---- */

static const char router_help[] =
    "Usage: meridian router --profiles FILE [--dns HOST:PORT] [--edge HOST:PORT] [options]\n"
    "       meridian router --config-url URL --token-file F [--state-dir D] [--dns ...] [...]\n"
    "\n"
    "Probes the endpoints of the traffic-manager profiles in FILE (or those the management\n"
    "plane serves) and routes clients to the closest healthy one, as an authoritative DNS\n"
    "server and/or as an L7 HTTP edge.\n"
    "\n"
    "  --profiles FILE         profile file (JSON, docs/router.md)\n"
    "  --config-url URL        feed mode: the management plane (http(s)://host:port); the\n"
    "                          profiles follow its changes without a restart\n"
    "  --ca-file FILE          CAs an https management plane (feed mode) and the edge's\n"
    "                          HTTPS endpoints are verified against (default: the system's)\n"
    "  --tls-client-cert FILE --tls-client-key FILE\n"
    "                          the client certificate presented when the management plane\n"
    "                          (manage --tls-client-ca) or an HTTPS endpoint asks for one\n"
    "  --token-file F          feed mode: file holding the token (a gateway token of the\n"
    "                          primary location); re-read every 5 s\n"
    "  --token TOKEN           feed mode: the token itself, instead of --token-file\n"
    "  --state-dir D           feed mode: where the last-known-good profiles are kept\n"
    "  --report-ms MS          feed mode: how often endpoint statuses are reported to the\n"
    "                          management plane (default: 5000)\n"
    "  --dns HOST:PORT         authoritative DNS on UDP and TCP (default: none)\n"
    "  --edge HOST:PORT        L7 edge: forwards each request to the chosen region and\n"
    "                          retries an idempotent request on the next one (default: none)\n"
    "  --edge-tls HOST:PORT    the edge's HTTPS listener, with or without --edge; endpoints\n"
    "                          of profiles probed over HTTPS are reached over HTTPS too\n"
    "  --tls-cert FILE --tls-key FILE\n"
    "                          its default certificate chain and key (PEM)\n"
    "  --tls-cert-dir DIR      more certificates, chosen by SNI (NAME.crt + NAME.key)\n"
    "  --edge-profile NAME     profile for edge requests whose Host names no profile\n"
    "                          (default: the first profile)\n"
    "  --trust-xff yes|no      route edge requests by the last X-Forwarded-For address\n"
    "                          instead of the peer (default: no)\n"
    "  --admin HOST:PORT       GET /status: profile and endpoint statuses as JSON\n"
    "  --check                 only check FILE: print 'FILE: ok, N profiles' or the error\n"
    "  --geoip FILE.mmdb       client locations from a MaxMind DB (GeoIP2/GeoLite2\n"
    "                          Country or City): Geographic routing's codes (addresses it\n"
    "                          does not hold fall back to the location table), and with a\n"
    "                          City DB the nearest region for Performance clients outside\n"
    "                          the latency table\n"
    "\n"
    "Signals: SIGTERM or SIGINT stops the router (exit 0).\n";

static int command_router(int argc, char **argv)
{
    const char *profiles = NULL, *dns = NULL, *edge = NULL, *admin = NULL, *edge_profile = NULL,
               *trust_xff = NULL, *config_url = NULL, *token = NULL, *token_file = NULL,
               *state_dir = NULL, *report_ms = NULL, *geoip_path = NULL, *ca_file = NULL,
               *tls_client_cert = NULL, *tls_client_key = NULL, *edge_tls = NULL,
               *tls_cert = NULL, *tls_key = NULL, *tls_cert_dir = NULL;
    bool check = false;
    /* --check takes no value: strip it before the common parser sees the options. */
    char *rest[64];
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) check = true;
        else if (n < 64) rest[n++] = argv[i];
        else return cli_usage_error("router", "too many arguments");
    }
    const cli_option_t options[] = {{"--profiles", &profiles}, {"--dns", &dns},
                                    {"--edge", &edge},         {"--admin", &admin},
                                    {"--edge-profile", &edge_profile},
                                    {"--trust-xff", &trust_xff},
                                    {"--config-url", &config_url}, {"--token", &token},
                                    {"--token-file", &token_file}, {"--state-dir", &state_dir},
                                    {"--report-ms", &report_ms}, {"--geoip", &geoip_path},
                                    {"--ca-file", &ca_file},
                                    {"--tls-client-cert", &tls_client_cert},
                                    {"--tls-client-key", &tls_client_key},
                                    {"--edge-tls", &edge_tls}, {"--tls-cert", &tls_cert},
                                    {"--tls-key", &tls_key}, {"--tls-cert-dir", &tls_cert_dir}};
    int exit_code;
    if (!cli_parse_command("router", router_help, n, rest, options, sizeof options / sizeof options[0], &exit_code)) return exit_code;
    if (!profiles && !config_url) return cli_usage_error("router", "give --profiles or --config-url");
    if (profiles && config_url)
        return cli_usage_error("router", "--profiles and --config-url exclude each other");
    if (config_url && !token && !token_file)
        return cli_usage_error("router", "--config-url needs --token-file (or --token)");
    if (check && !profiles) return cli_usage_error("router", "--check needs --profiles");
    if ((ca_file || tls_client_cert || tls_client_key) && !edge && !edge_tls &&
        (!config_url || strncasecmp(config_url, "https://", 8) != 0))
        return cli_usage_error("router", "--ca-file, --tls-client-cert and --tls-client-key need "
                                         "an https:// --config-url or an edge");
    if (edge_tls && (!tls_cert || !tls_key))
        return cli_usage_error("router", "--edge-tls needs --tls-cert and --tls-key");
    if ((tls_cert || tls_key || tls_cert_dir) && !edge_tls)
        return cli_usage_error("router", "--tls-cert, --tls-key and --tls-cert-dir need --edge-tls");
    if (!tls_client_cert != !tls_client_key)
        return cli_usage_error("router", "--tls-client-cert and --tls-client-key go together");
    if (check) return router_check(profiles) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    if (!dns && !edge && !edge_tls) return cli_usage_error("router", "give at least one of --dns, --edge and --edge-tls");
    host_port_t hp;
    if (dns && !parse_address("router", "--dns", dns, &hp)) return CLI_EXIT_USAGE;
    if (edge && !parse_address("router", "--edge", edge, &hp)) return CLI_EXIT_USAGE;
    if (edge_tls && !parse_address("router", "--edge-tls", edge_tls, &hp)) return CLI_EXIT_USAGE;
    if (admin && !parse_address("router", "--admin", admin, &hp)) return CLI_EXIT_USAGE;
    if (trust_xff && strcmp(trust_xff, "yes") != 0 && strcmp(trust_xff, "no") != 0)
        return cli_usage_error("router", "--trust-xff must be yes or no");
    long report = report_ms ? strtol(report_ms, NULL, 10) : 0;
    if (report_ms && (report < 100 || report > 3600000))
        return cli_usage_error("router", "--report-ms must be 100 to 3600000");
    router_geoip_t *geoip = NULL;
    if (geoip_path) {
        char why[512];
        geoip = router_geoip_open(geoip_path, why, sizeof why);
        if (!geoip) {
            fprintf(stderr, "meridian router: %s: %s\n", geoip_path, why);
            return CLI_EXIT_USAGE;
        }
    }
    router_options_t o = {.profiles_path = profiles, .config_url = config_url, .token = token,
                          .report_ms = (uint32_t)report,
                          .token_file = token_file, .state_dir = state_dir,
                          .dns_addr = dns, .edge_addr = edge, .edge_tls_addr = edge_tls,
                          .tls_cert = tls_cert, .tls_key = tls_key, .tls_cert_dir = tls_cert_dir,
                          .admin_addr = admin, .edge_profile = edge_profile,
                          .trust_xff = trust_xff && strcmp(trust_xff, "yes") == 0,
                          .geoip = geoip, .geoip_path = geoip_path, .ca_file = ca_file,
                          .tls_client_cert = tls_client_cert, .tls_client_key = tls_client_key};
    int rc = router_run(&o);
    router_geoip_close(geoip);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static const command_t commands[] = {
    {"up", command_up, up_help},
    {"run", command_run, run_help},
    {"gateway", command_gateway, gateway_help},
    {"demo-backend", command_demo_backend, demo_backend_help},
    {"manage", command_manage, manage_help},
    {"router", command_router, router_help},
    {"version", command_version, version_help},
    {"policy", command_policy, policy_help},
    /* management clients (cli/mgmt_commands.h) */
    {"api", command_api, api_help},
    {"product", command_product, product_help},
    {"location", command_location, location_help},
    {"profile", command_profile, profile_help},
    {"latency", command_latency, latency_help},
    {"cache", command_cache, cache_help},
    {"subscription", command_subscription, subscription_help},
    {"named-value", command_named_value, named_value_help},
    {"apply", command_apply, apply_help},
    {"export", command_export, export_help},
};

static const command_t *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

static int command_help(int argc, char **argv)
{
    if (argc == 0) return print_help(general_help);
    if (argc > 1) return cli_usage_error("help", "expected at most one command name");
    if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0 ||
        strcmp(argv[0], "help") == 0)
        return print_help(help_help);
    const command_t *cmd = find_command(argv[0]);
    if (!cmd) return cli_usage_error("help", "unknown command '%s'", argv[0]);
    return print_help(cmd->help);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(general_help, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        return command_help(argc - 2, argv + 2);
    if (strcmp(name, "--version") == 0) return command_version(argc - 2, argv + 2);
    const command_t *cmd = find_command(name);
    if (!cmd) {
        fprintf(stderr,
                "meridian: unknown command '%s'\nRun 'meridian help' for the list of "
                "commands.\n",
                name);
        return CLI_EXIT_USAGE;
    }
    /* Servers hold a descriptor per connection: use the whole hard limit (base/fdlimit.h). */
    fdlimit_raise(1 << 20);
    return cmd->run(argc - 2, argv + 2);
}
