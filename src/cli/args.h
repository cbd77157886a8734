/* cli_args: the small option parser every `meridian <command>` uses.
 *
 * Options are long only: "--name value" or "--name=value"; "-h"/"--help" asks for help.
 * Anything else is a usage error, reported on stderr as
 *   meridian COMMAND: WHAT IS WRONG
 *   Run 'meridian COMMAND --help' for usage.
 * and answered with exit code CLI_EXIT_USAGE. */
#ifndef MERIDIAN_CLI_ARGS_H
#define MERIDIAN_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILURE = 1, /* start-up or run-time failure */
    CLI_EXIT_USAGE = 2,   /* bad command line */
};

typedef struct {
    const char *name;   /* "--listen" */
    const char **value; /* receives the value; stays untouched when the option is absent */
} cli_option_t;

typedef enum {
    CLI_PARSE_OK,
    CLI_PARSE_HELP,  /* -h or --help was given: print the command's help, exit 0 */
    CLI_PARSE_ERROR, /* message already printed: exit CLI_EXIT_USAGE */
} cli_parse_result_t;

/* Parses argv[0..argc-1] (the arguments after the command name). An option given twice,
 * an unknown option, a missing or empty value, and any positional argument are errors. */
cli_parse_result_t cli_parse_options(const char *command, int argc, char **argv,
                                     const cli_option_t *options, size_t option_count);
/* cli_parse_options with its two early ends handled, for a command's own options: -h or
 * --help prints `help` (exit code CLI_EXIT_OK), an error leaves its message printed (exit
 * code CLI_EXIT_USAGE). Returns true when the command goes on; else false with *exit_code. */
bool cli_parse_command(const char *command, const char *help, int argc, char **argv,
                       const cli_option_t *options, size_t count, int *exit_code);

/* The value of the option `name` found at argv[*i], whose '=' is at `equals` (NULL when it
 * has none): what follows the '=', else the next argument unless that is an option (*i then
 * moves past it). NULL after a usage error for a missing or empty value. */
const char *cli_option_value(const char *command, const char *name, const char *equals, int argc,
                             char **argv, int *i);

/* Prints "meridian COMMAND: <message>" and the --help hint to stderr; returns
 * CLI_EXIT_USAGE so callers can `return cli_usage_error(...)`. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whole decimal integer in [min, max]. */
bool cli_parse_int(const char *text, long min, long max, long *out);
/* Non-negative decimal number of seconds ("30", "0.5") up to max_seconds, in ms. */
bool cli_parse_seconds(const char *text, uint32_t max_seconds, uint32_t *out_ms);

#endif
