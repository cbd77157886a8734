#include "cli/args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *command, const char *fmt, ...)
{
    fprintf(stderr, "meridian %s: ", command);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'meridian %s --help' for usage.\n", command);
    return CLI_EXIT_USAGE;
}

const char *cli_option_value(const char *command, const char *name, const char *equals, int argc,
                             char **argv, int *i)
{
    const char *value;
    if (equals) {
        value = equals + 1;
    } else if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0) {
        value = argv[++*i];
    } else {
        cli_usage_error(command, "%s needs a value", name);
        return NULL;
    }
    if (*value == '\0') {
        cli_usage_error(command, "%s needs a non-empty value", name);
        return NULL;
    }
    return value;
}

static const cli_option_t *find_option(const cli_option_t *options, size_t count, const char *name,
                                       size_t name_len)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(options[i].name) == name_len && memcmp(options[i].name, name, name_len) == 0)
            return &options[i];
    return NULL;
}

cli_parse_result_t cli_parse_options(const char *command, int argc, char **argv,
                                     const cli_option_t *options, size_t option_count)
{
    bool is_seen[32] = {false};
    if (option_count > sizeof is_seen / sizeof is_seen[0]) abort();
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) return CLI_PARSE_HELP;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            cli_usage_error(command, "unexpected argument '%s'", arg);
            return CLI_PARSE_ERROR;
        }
        const char *equals = strchr(arg, '=');
        size_t name_len = equals ? (size_t)(equals - arg) : strlen(arg);
        const cli_option_t *opt = find_option(options, option_count, arg, name_len);
        if (!opt) {
            cli_usage_error(command, "unknown option '%.*s'", (int)name_len, arg);
            return CLI_PARSE_ERROR;
        }
        size_t index = (size_t)(opt - options);
        if (is_seen[index]) {
            cli_usage_error(command, "%s given more than once", opt->name);
            return CLI_PARSE_ERROR;
        }
        is_seen[index] = true;
        const char *value = cli_option_value(command, opt->name, equals, argc, argv, &i);
        if (!value) return CLI_PARSE_ERROR;
        *opt->value = value;
    }
    return CLI_PARSE_OK;
}

bool cli_parse_int(const char *text, long min, long max, long *out)
{
    if (!text || !*text || strspn(text, "0123456789") != strlen(text)) return false;
    errno = 0;
    char *end;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

bool cli_parse_seconds(const char *text, uint32_t max_seconds, uint32_t *out_ms)
{
    /* Digits with at most three decimals: exact in milliseconds, no locale, no exponent. */
    const char *dot = strchr(text, '.');
    size_t int_len = dot ? (size_t)(dot - text) : strlen(text);
    if (int_len == 0 || int_len > 9 || strspn(text, "0123456789") != int_len) return false;
    uint64_t ms = 0;
    for (size_t i = 0; i < int_len; i++)
        ms = ms * 10 + (uint64_t)(text[i] - '0');
    ms *= 1000;
    if (dot) {
        const char *frac = dot + 1;
        size_t frac_len = strlen(frac);
        if (frac_len == 0 || frac_len > 3 || strspn(frac, "0123456789") != frac_len) return false;
        uint64_t scale = 100;
        for (size_t i = 0; i < frac_len; i++, scale /= 10)
            ms += (uint64_t)(frac[i] - '0') * scale;
    }
    if (ms > (uint64_t)max_seconds * 1000) return false;
    *out_ms = (uint32_t)ms;
    return true;
}

bool cli_parse_command(const char *command, const char *help, int argc, char **argv,
                       const cli_option_t *options, size_t count, int *exit_code)
{
    switch (cli_parse_options(command, argc, argv, options, count)) {
    case CLI_PARSE_HELP:
        fputs(help, stdout);
        *exit_code = CLI_EXIT_OK;
        return false;
    case CLI_PARSE_ERROR:
        *exit_code = CLI_EXIT_USAGE;
        return false;
    case CLI_PARSE_OK:
        break;
    }
    return true;
}
