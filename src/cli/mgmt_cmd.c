#include "cli/mgmt_cmd.h"

#include "cli/args.h"
#include "cli/file_text.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A SharedAccessSignature header: identifier + expiry + an 88-character signature. */
#define AUTH_HEADER_MAX 1024
#define MAX_TIMEOUT_SECONDS 3600

static const int ok_get[] = {200, 0};
static const int ok_delete[] = {200, 204, 0};

/* "/apis/ID" with the id escaped; NULL on allocation failure. */
char *mgmt_entity_path(const char *collection, const char *id, const char *suffix)
{
    char *escaped = mgmt_path_escape(id), *path = NULL;
    if (escaped && asprintf(&path, "/%s/%s%s", collection, escaped, suffix ? suffix : "") < 0)
        path = NULL;
    free(escaped);
    return path;
}

/* GET a list and print it as a table of `columns` properties (the id first), or as JSON. */
int mgmt_list_table(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path,
                    const char *const *headers, const char *const *keys, size_t columns)
{
    json_t *items;
    int rc = mgmt_cmd_list(client, path, &items);
    if (rc) return rc;
    if (cl->is_json) {
        mgmt_print_json(items);
        json_decref(items);
        return 0;
    }
    size_t count = json_array_size(items);
    const char **rows = calloc(count * columns + 1, sizeof *rows);
    char **owned = calloc(count * columns + 1, sizeof *owned);
    if (!rows || !owned) {
        free(rows);
        free(owned);
        json_decref(items);
        fprintf(stderr, "meridian: out of memory\n");
        return CLI_EXIT_FAILURE;
    }
    for (size_t r = 0; r < count; r++) {
        json_t *item = json_array_get(items, r);
        json_t *props = json_object_get(item, "properties");
        rows[r * columns] = json_string_value(json_object_get(item, "name"));
        for (size_t c = 1; c < columns; c++) {
            json_t *v = json_object_get(props, keys[c]);
            if (json_is_string(v)) {
                rows[r * columns + c] = json_string_value(v);
            } else if (v && !json_is_null(v)) {
                owned[r * columns + c] = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
                rows[r * columns + c] = owned[r * columns + c];
            }
        }
    }
    mgmt_print_table(headers, columns, rows, count);
    for (size_t i = 0; i < count * columns; i++)
        free(owned[i]);
    free(owned);
    free(rows);
    json_decref(items);
    return 0;
}

/* GET one entity and print it (JSON, or its name and properties). */
int mgmt_show_entity(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path)
{
    return mgmt_show_entity_with(cl, client, path, NULL, NULL);
}

int mgmt_show_entity_with(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path,
                          const char *hidden, void (*then)(const json_t *resource))
{
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, "GET", path, NULL, NULL, ok_get, &resp);
    if (rc) return rc;
    if (cl->is_json) {
        mgmt_print_json(resp.json);
    } else {
        printf("id: %s\n", json_string_value(json_object_get(resp.json, "name")));
        json_t *shown = json_object_get(resp.json, "properties");
        if (hidden) {
            shown = json_copy(shown);
            json_object_del(shown, hidden);
        }
        mgmt_print_properties(shown, 0);
        if (hidden) json_decref(shown);
        if (then) then(resp.json);
    }
    mgmt_response_free(&resp);
    return 0;
}

int mgmt_put_entity(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path,
                    json_t *props, const char *what, const char *id)
{
    static const int ok_put[] = {200, 201, 0};
    json_t *body = json_pack("{s:o}", "properties", props);
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, "PUT", path, body, NULL, ok_put, &resp);
    json_decref(body);
    if (rc) return rc;
    if (cl->is_json)
        mgmt_print_json(resp.json);
    else
        printf("%s %s %s\n", resp.status == 201 ? "created" : "replaced", what, id);
    mgmt_response_free(&resp);
    return 0;
}

/* DELETE unconditionally (If-Match: *) and say what happened. */
int mgmt_delete_entity(mgmt_client_t *client, const char *path, const char *what, const char *id)
{
    mgmt_response_t resp;
    int rc = mgmt_cmd_call(client, "DELETE", path, NULL, "*", ok_delete, &resp);
    if (rc) return rc;
    if (resp.status == 204)
        printf("%s %s did not exist\n", what, id);
    else
        printf("deleted %s %s\n", what, id);
    mgmt_response_free(&resp);
    return 0;
}

const mgmt_verb_t *mgmt_cmd_verb(const char *command, const char *help, const char *expected,
                                 const mgmt_verb_t *verbs, size_t count, int argc, char **argv,
                                 int *exit_code)
{
    *exit_code = CLI_EXIT_USAGE;
    if (argc == 0) {
        cli_usage_error(command, "expected a subcommand: %s", expected);
        return NULL;
    }
    if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
        fputs(help, stdout);
        *exit_code = CLI_EXIT_OK;
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (strcmp(verbs[i].verb, argv[0]) == 0) return &verbs[i];
    cli_usage_error(command, "unknown subcommand '%s' (expected: %s)", argv[0], expected);
    return NULL;
}

bool mgmt_cmd_parse(mgmt_cmdline_t *cl, const char *command, const char *help, int argc,
                    char **argv, const mgmt_opt_t *extra, size_t extra_count, int max_positionals,
                    bool accepts_json, int *exit_code)
{
    *exit_code = CLI_EXIT_USAGE; /* unless the line is fine, or asks for help */
    memset(cl, 0, sizeof *cl);
    cl->command = command;
    mgmt_opt_t opts[MGMT_MAX_OPTIONS];
    size_t n = 0;
    const mgmt_opt_t common[] = {
        {"--endpoint", &cl->endpoint, NULL},
        {"--key-file", &cl->key_file, NULL},
        {"--token", &cl->token, NULL},
        {"--service", &cl->service, NULL},
        {"--subscription-id", &cl->subscription_id, NULL},
        {"--resource-group", &cl->resource_group, NULL},
        {"--timeout", &cl->timeout, NULL},
        {"--ca-file", &cl->ca_file, NULL},
        {"--tls-client-cert", &cl->tls_client_cert, NULL},
        {"--tls-client-key", &cl->tls_client_key, NULL},
        {"--json", NULL, &cl->is_json},
    };
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        if (common[i].flag != &cl->is_json || accepts_json) opts[n++] = common[i];
    for (size_t i = 0; i < extra_count && n < MGMT_MAX_OPTIONS; i++)
        opts[n++] = extra[i];
    bool is_seen[MGMT_MAX_OPTIONS] = {false};

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(help, stdout);
            *exit_code = CLI_EXIT_OK;
            return false;
        }
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (cl->positional_count >= max_positionals) {
                cli_usage_error(command, "unexpected argument '%s'", arg);
                return false;
            }
            cl->positionals[cl->positional_count++] = arg;
            continue;
        }
        const char *equals = strchr(arg, '=');
        size_t name_len = equals ? (size_t)(equals - arg) : strlen(arg);
        size_t k = 0;
        while (k < n &&
               !(strlen(opts[k].name) == name_len && memcmp(opts[k].name, arg, name_len) == 0))
            k++;
        if (k == n) {
            cli_usage_error(command, "unknown option '%.*s'", (int)name_len, arg);
            return false;
        }
        if (is_seen[k]) {
            cli_usage_error(command, "%s given more than once", opts[k].name);
            return false;
        }
        is_seen[k] = true;
        if (opts[k].flag) {
            if (equals) {
                cli_usage_error(command, "%s takes no value", opts[k].name);
                return false;
            }
            *opts[k].flag = true;
            continue;
        }
        const char *value = cli_option_value(command, opts[k].name, equals, argc, argv, &i);
        if (!value) return false;
        *opts[k].value = value;
    }
    return true;
}

int mgmt_cmd_client(const mgmt_cmdline_t *cl, mgmt_client_t *client)
{
    const char *endpoint = cl->endpoint ? cl->endpoint : getenv("MERIDIAN_ENDPOINT");
    if (endpoint && !*endpoint) endpoint = NULL;
    const char *token = cl->token ? cl->token : NULL;
    const char *key_file = cl->key_file;
    if (!token && !key_file) {
        key_file = getenv("MERIDIAN_KEY_FILE");
        if (key_file && !*key_file) key_file = NULL;
    }
    if (!token && !key_file) {
        token = getenv("MERIDIAN_TOKEN");
        if (token && !*token) token = NULL;
    }
    if (cl->token && cl->key_file)
        return cli_usage_error(cl->command, "--token and --key-file exclude each other");
    uint32_t timeout_ms = 0;
    if (cl->timeout &&
        (!cli_parse_seconds(cl->timeout, MAX_TIMEOUT_SECONDS, &timeout_ms) || timeout_ms == 0))
        return cli_usage_error(cl->command,
                               "--timeout must be seconds from 0.001 to %d (got \"%s\")",
                               MAX_TIMEOUT_SECONDS, cl->timeout);
    char auth[AUTH_HEADER_MAX] = "";
    char err[512];
    if (token) {
        if ((size_t)snprintf(auth, sizeof auth, "Bearer %s", token) >= sizeof auth)
            return cli_usage_error(cl->command, "--token is too long");
    } else if (key_file) {
        if (mgmt_sas_from_key_file(key_file, auth, sizeof auth, err, sizeof err) < 0) {
            fprintf(stderr, "meridian: %s\n", err);
            return CLI_EXIT_FAILURE;
        }
    } else {
        return cli_usage_error(cl->command, "no credentials: give --key-file PATH (the server's "
                                            "admin-key.json) or --token, or set MERIDIAN_KEY_FILE");
    }
    /* A flag, else its environment variable; "" counts as unset. */
    const char *tls[3] = {cl->ca_file, cl->tls_client_cert, cl->tls_client_key};
    static const char *const tls_env[3] = {"MERIDIAN_CA_FILE", "MERIDIAN_TLS_CLIENT_CERT",
                                           "MERIDIAN_TLS_CLIENT_KEY"};
    for (int i = 0; i < 3; i++) {
        if (!tls[i]) tls[i] = getenv(tls_env[i]);
        if (tls[i] && !*tls[i]) tls[i] = NULL;
    }
    if (!tls[1] != !tls[2])
        return cli_usage_error(cl->command, "--tls-client-cert and --tls-client-key go together");
    mgmt_client_options_t opts = {
        .ca_file = tls[0],
        .tls_client_cert = tls[1],
        .tls_client_key = tls[2],
        .endpoint = endpoint,
        .subscription_id = cl->subscription_id,
        .resource_group = cl->resource_group,
        .service = cl->service,
        .auth_header = auth,
        .timeout_ms = (int)timeout_ms,
    };
    if (mgmt_client_init(client, &opts, err, sizeof err) < 0)
        return cli_usage_error(cl->command, "%s", err);
    return 0;
}

int mgmt_cmd_call(mgmt_client_t *client, const char *method, const char *path, const json_t *body,
                  const char *if_match, const int *ok_statuses, mgmt_response_t *resp)
{
    char err[512];
    if (mgmt_request(client, method, path, body, if_match, resp, err, sizeof err) < 0) {
        fprintf(stderr, "meridian: %s\n", err);
        return CLI_EXIT_FAILURE;
    }
    for (const int *s = ok_statuses; *s; s++)
        if (resp->status == *s) return 0;
    mgmt_print_error(resp);
    mgmt_response_free(resp);
    return CLI_EXIT_FAILURE;
}

int mgmt_cmd_list(mgmt_client_t *client, const char *path, json_t **items)
{
    char err[512];
    mgmt_response_t resp;
    int rc = mgmt_list_all(client, path, items, &resp, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "meridian: %s\n", err);
        return CLI_EXIT_FAILURE;
    }
    if (!*items) {
        mgmt_print_error(&resp);
        mgmt_response_free(&resp);
        return CLI_EXIT_FAILURE;
    }
    return 0;
}

void mgmt_print_json(const json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    }
}

void mgmt_print_table(const char *const *headers, size_t columns, const char **rows,
                      size_t row_count)
{
    size_t width[16] = {0};
    if (columns > 16) columns = 16;
    for (size_t c = 0; c < columns; c++)
        width[c] = strlen(headers[c]);
    for (size_t r = 0; r < row_count; r++)
        for (size_t c = 0; c < columns; c++) {
            const char *cell = rows[r * columns + c];
            size_t w = strlen(cell ? cell : "-");
            if (w > width[c]) width[c] = w;
        }
    /* The last column is not padded: no trailing blanks. */
    for (size_t c = 0; c < columns; c++)
        printf("%-*s%s", c + 1 < columns ? (int)width[c] : 0, headers[c],
               c + 1 < columns ? "  " : "\n");
    for (size_t r = 0; r < row_count; r++)
        for (size_t c = 0; c < columns; c++) {
            const char *cell = rows[r * columns + c];
            printf("%-*s%s", c + 1 < columns ? (int)width[c] : 0, cell ? cell : "-",
                   c + 1 < columns ? "  " : "\n");
        }
}

void mgmt_print_properties(const json_t *properties, int indent)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)properties, key, v)
    {
        if (json_is_string(v)) {
            printf("%*s%s: %s\n", indent, "", key, json_string_value(v));
        } else {
            char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("%*s%s: %s\n", indent, "", key, text ? text : "?");
            free(text);
        }
    }
}

char *mgmt_path_escape(const char *id)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(id);
    char *out = malloc(len * 3 + 1), *o = out;
    if (!out) return NULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        bool is_unreserved = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                             (*p >= '0' && *p <= '9') || strchr("-._~;=", *p);
        if (is_unreserved) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

char *mgmt_read_file(const char *path, size_t *len)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "meridian: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *data = cli_read_stream(f, SIZE_MAX, len);
    if (!is_stdin) fclose(f);
    if (!data) fprintf(stderr, "meridian: %s: cannot read\n", path);
    return data;
}

bool mgmt_parse_bool(const char *text, bool *out)
{
    if (strcmp(text, "true") == 0)
        *out = true;
    else if (strcmp(text, "false") == 0)
        *out = false;
    else
        return false;
    return true;
}
