/* mgmt_cmd: what every management subcommand shares (`meridian api|policy get/set|
 * product|subscription|named-value|apply|export`): its command line (positional
 * arguments, options with values, flags, and the connection options), the client built
 * from them, and small output helpers. docs/cli.md "Management commands" documents it. */
#ifndef MERIDIAN_CLI_MGMT_CMD_H
#define MERIDIAN_CLI_MGMT_CMD_H

#include "cli/mgmt_client.h"

#include <stdbool.h>

#define MGMT_MAX_POSITIONALS 4
#define MGMT_MAX_OPTIONS 32

/* Text shared by every management command's help. */
#define MGMT_CONNECTION_HELP                                                                       \
    "Connection (every management command):\n"                                                     \
    "  --endpoint URL          management API (default: $MERIDIAN_ENDPOINT, else\n"                \
    "                          " MGMT_DEFAULT_ENDPOINT ")\n"                                       \
    "  --key-file PATH         admin-key.json to sign a SharedAccessSignature with\n"              \
    "                          (default: $MERIDIAN_KEY_FILE)\n"                                    \
    "  --token TOKEN           bearer token instead (default: $MERIDIAN_TOKEN)\n"                  \
    "  --service NAME          service name (default: " MGMT_DEFAULT_SERVICE ")\n"                 \
    "  --subscription-id ID    (default: " MGMT_DEFAULT_SUBSCRIPTION ")\n"                         \
    "  --resource-group NAME   (default: " MGMT_DEFAULT_RESOURCE_GROUP ")\n"                       \
    "  --timeout SECONDS       per request (default: 30)\n"                                        \
    "  --ca-file PATH          https:// endpoints: CAs the server's certificate is checked\n"     \
    "                          against (default: $MERIDIAN_CA_FILE, else the system's)\n"        \
    "  --tls-client-cert PATH --tls-client-key PATH\n"                                            \
    "                          client certificate for a management plane that asks for one\n"   \
    "                          (default: $MERIDIAN_TLS_CLIENT_CERT, $MERIDIAN_TLS_CLIENT_KEY)\n"  \
    "\n"                                                                                           \
    "Exit codes: 0 success, 1 the server refused or could not be reached (its error is\n"          \
    "printed as 'meridian: CODE: message'), 2 bad command line.\n"

typedef struct {
    const char *name;   /* "--file" */
    const char **value; /* for options with a value; NULL for a flag */
    bool *flag;         /* for flags */
} mgmt_opt_t;

typedef struct {
    const char *command; /* "api list", for messages */
    const char *positionals[MGMT_MAX_POSITIONALS];
    int positional_count;
    /* connection */
    const char *endpoint, *key_file, *token, *service, *subscription_id, *resource_group;
    const char *timeout;
    const char *ca_file, *tls_client_cert, *tls_client_key;
    bool is_json; /* --json */
} mgmt_cmdline_t;

/* A subcommand: its name, how many positional arguments it takes, whether --json applies. */
typedef struct {
    const char *verb; /* "list" */
    int positionals;
    bool accepts_json;
} mgmt_verb_t;

/* The subcommand argv[0] of `command`, looked up in `verbs`. NULL when there is none to
 * run, with *exit_code set: CLI_EXIT_OK after printing `help` for -h/--help, CLI_EXIT_USAGE
 * after the usage error for a missing or an unknown one (naming the `expected` list). */
const mgmt_verb_t *mgmt_cmd_verb(const char *command, const char *help, const char *expected,
                                 const mgmt_verb_t *verbs, size_t count, int argc, char **argv,
                                 int *exit_code);

/* Parses argv (after the subcommand) into positionals, `extra` options and the connection
 * options (always accepted) plus --json when `accepts_json`. Positionals beyond
 * `max_positionals` are an error. A value may also be given as --name=value. Returns true
 * when *cl is ready; false when the command is over, with *exit_code: CLI_EXIT_OK after
 * printing `help` (-h or --help anywhere), CLI_EXIT_USAGE after printing the error. */
bool mgmt_cmd_parse(mgmt_cmdline_t *cl, const char *command, const char *help, int argc,
                    char **argv, const mgmt_opt_t *extra, size_t extra_count, int max_positionals,
                    bool accepts_json, int *exit_code);

/* Builds the client from the command line and the environment. Returns 0, or an exit code
 * (CLI_EXIT_USAGE for a bad endpoint/timeout, CLI_EXIT_FAILURE for an unreadable key file)
 * after printing why. */
int mgmt_cmd_client(const mgmt_cmdline_t *cl, mgmt_client_t *client);

/* Sends a request and turns every failure into a printed message: returns 0 with *resp
 * filled when the status is one of `ok_statuses` (0-terminated), otherwise prints the
 * transport error or the server's error and returns CLI_EXIT_FAILURE (resp freed). */
int mgmt_cmd_call(mgmt_client_t *client, const char *method, const char *path, const json_t *body,
                  const char *if_match, const int *ok_statuses, mgmt_response_t *resp);

/* GETs every page of a list; returns 0 with *items, or CLI_EXIT_FAILURE after printing. */
int mgmt_cmd_list(mgmt_client_t *client, const char *path, json_t **items);

/* "/COLLECTION/ID[SUFFIX]" with the id percent-encoded; NULL when out of memory. */
char *mgmt_entity_path(const char *collection, const char *id, const char *suffix);

/* GETs every page of the list at `path` and prints it: with --json the array of resources,
 * otherwise a table whose first column is each resource's name and the others the
 * properties keys[1..columns-1]. Returns 0 or CLI_EXIT_FAILURE (printed). */
int mgmt_list_table(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path,
                    const char *const *headers, const char *const *keys, size_t columns);

/* GETs one resource and prints it: the JSON, or "id: NAME" and its properties. */
int mgmt_show_entity(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path);

/* mgmt_show_entity for a resource with more to say than its properties: without --json,
 * the property `hidden` (NULL: none) is left out, and `then` (NULL: none) prints the rest
 * from the resource after them. */
int mgmt_show_entity_with(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path,
                          const char *hidden, void (*then)(const json_t *resource));

/* PUTs {"properties": props} (consumed) at `path` and prints the resource the server
 * returns (--json) or "created|replaced WHAT ID". Returns 0 or CLI_EXIT_FAILURE (printed). */
int mgmt_put_entity(const mgmt_cmdline_t *cl, mgmt_client_t *client, const char *path,
                    json_t *props, const char *what, const char *id);

/* DELETE with If-Match: * and prints "deleted WHAT ID" or "WHAT ID did not exist". */
int mgmt_delete_entity(mgmt_client_t *client, const char *path, const char *what, const char *id);

/* Prints JSON on stdout, indented, with a newline. */
void mgmt_print_json(const json_t *j);

/* A table on stdout: `columns` headers, then rows of `columns` strings ("-" for NULL),
 * padded to the widest cell per column. rows is a flat array of rows * columns. */
void mgmt_print_table(const char *const *headers, size_t columns, const char **rows,
                      size_t row_count);

/* Prints "key: value" lines for every member of an object (nested values as compact
 * JSON), indented by `indent` spaces. */
void mgmt_print_properties(const json_t *properties, int indent);

/* Percent-encodes an id for a path segment (RFC 3986 unreserved kept). Caller frees. */
char *mgmt_path_escape(const char *id);

/* Reads a whole file ("-" = stdin); NULL with a message printed (prefixed "meridian:"). */
char *mgmt_read_file(const char *path, size_t *len);

/* Parses "true"/"false"; false when the text is neither. */
bool mgmt_parse_bool(const char *text, bool *out);

#endif
