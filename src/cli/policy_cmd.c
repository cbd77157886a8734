#include "cli/policy_cmd.h"

#include "cli/args.h"
#include "cli/file_text.h"
#include "cli/mgmt_commands.h"
#include "policy/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char policy_help[] =
    "Usage: meridian policy check FILE...\n"
    "       meridian policy run FILE --request 'METHOD URL' [options]\n"
    "\n"
    "check:\n"
    "Compiles each policy document (root <policies>) or policy fragment (root <fragment>)\n"
    "the way the gateway will, and prints one line per file: what it holds, or the first\n"
    "error as FILE:LINE:COL: message. Documents may be written as users paste them\n"
    "(rawxml: expressions with unescaped quotes) or as well-formed XML.\n"
    "\n"
    "A document is checked as an API-scope policy under a default global policy;\n"
    "{{named values}} and included fragments are not known here and are replaced by\n"
    "placeholders (the line says how many).\n"
    "\n"
    "Exit codes: 0 every file compiles, 1 some file does not, 2 bad command line.\n"
    "\n"
    "run: compiles one document and runs it against a described request with a simulated\n"
    "backend; 'meridian policy run --help' lists its options.\n"
    "\n"
    "get, set, delete: the policy of a scope on the management server\n"
    "('meridian policy get --help').\n";

static int check_one(const char *path)
{
    size_t len = 0;
    /* Documents over the loader's limits are refused by it with a clear message: read a
     * little past them so that it can say so. */
    char *text = cli_read_file(path, 4 * POLICY_DOC_MAX_FRAGMENT_BYTES, &len);
    if (!text) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
        return 1;
    }
    policy_check_result_t res;
    policy_doc_error_t err;
    int rc = policy_check_text(text, len, path, &res, &err);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    if (res.is_fragment) {
        printf("%s: ok: fragment, %zu statements (fits <%s>)", path,
               res.statements[res.fragment_section], policy_section_name(res.fragment_section));
    } else {
        printf("%s: ok: inbound %zu, backend %zu, outbound %zu, on-error %zu statements", path,
               res.statements[POLICY_SECTION_INBOUND], res.statements[POLICY_SECTION_BACKEND],
               res.statements[POLICY_SECTION_OUTBOUND], res.statements[POLICY_SECTION_ON_ERROR]);
    }
    if (res.named_value_refs) printf("; %zu named-value references (placeholders)", res.named_value_refs);
    if (res.fragment_refs) printf("; %zu fragments included (placeholders)", res.fragment_refs);
    if (res.external_statements)
        printf("; %zu policies call external services", res.external_statements);
    printf("\n");
    return 0;
}

int command_policy(int argc, char **argv)
{
    if (argc == 0) return cli_usage_error("policy", "expected a subcommand: check, run, get, set or delete");
    if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
        fputs(policy_help, stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[0], "run") == 0) return policy_run_command(argc - 1, argv + 1);
    if (strcmp(argv[0], "get") == 0 || strcmp(argv[0], "set") == 0 ||
        strcmp(argv[0], "delete") == 0)
        return command_policy_remote(argc, argv);
    if (strcmp(argv[0], "check") != 0)
        return cli_usage_error("policy", "unknown subcommand '%s' (expected: check, run, get, set or delete)", argv[0]);
    if (argc == 1) return cli_usage_error("policy", "check needs at least one FILE");
    int failures = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(policy_help, stdout);
            return CLI_EXIT_OK;
        }
        failures += check_one(argv[i]);
    }
    return failures ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
