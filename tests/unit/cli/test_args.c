/* cli/args: the option parser every command uses, and cli_parse_command's two early ends
 * (help, usage error) that each command used to spell out in a switch. */
#include "cli/args.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>

static const char help[] = "Usage: meridian demo --listen HOST:PORT\n";

Test(cli_args, options_are_read_and_the_command_goes_on)
{
    const char *listen = NULL, *name = NULL;
    const cli_option_t options[] = {{"--listen", &listen}, {"--name", &name}};
    char *argv[] = {"--listen", "127.0.0.1:1", "--name=x"};
    int code = -1;
    cr_assert(cli_parse_command("demo", help, 3, argv, options, 2, &code));
    cr_assert_eq(code, -1, "the exit code is left alone when the command goes on");
    cr_assert_str_eq(listen, "127.0.0.1:1");
    cr_assert_str_eq(name, "x");
}

Test(cli_args, help_prints_the_text_and_exits_0, .init = cr_redirect_stdout)
{
    const char *listen = NULL;
    const cli_option_t options[] = {{"--listen", &listen}};
    char *argv[] = {"--help"};
    int code = -1;
    cr_assert_not(cli_parse_command("demo", help, 1, argv, options, 1, &code));
    cr_assert_eq(code, CLI_EXIT_OK);
    fflush(stdout);
    cr_assert_stdout_eq_str(help);
}

Test(cli_args, a_bad_option_is_a_usage_error, .init = cr_redirect_stderr)
{
    const char *listen = NULL;
    const cli_option_t options[] = {{"--listen", &listen}};
    char *argv[] = {"--lissen", "x"};
    int code = -1;
    cr_assert_not(cli_parse_command("demo", help, 2, argv, options, 1, &code));
    cr_assert_eq(code, CLI_EXIT_USAGE);
    cr_assert_null(listen);
}
