/* The management subcommands of `meridian` (docs/cli.md "Management commands"): clients
 * of `meridian manage` (docs/manage-api.md). Each takes the arguments after its name and
 * returns the exit code: 0 ok, 1 the server refused or could not be reached, 2 bad command
 * line. */
#ifndef MERIDIAN_CLI_MGMT_COMMANDS_H
#define MERIDIAN_CLI_MGMT_COMMANDS_H

extern const char api_help[];
extern const char product_help[];
extern const char subscription_help[];
extern const char named_value_help[];
extern const char policy_remote_help[];
extern const char apply_help[];
extern const char export_help[];
extern const char location_help[];
extern const char profile_help[];
extern const char latency_help[];
extern const char cache_help[];

int command_api(int argc, char **argv);          /* resource_cmds.c */
int command_product(int argc, char **argv);      /* resource_cmds.c */
int command_subscription(int argc, char **argv); /* access_cmds.c */
int command_named_value(int argc, char **argv);  /* access_cmds.c */
/* `policy get|set|delete`; argv starts at the verb (access_cmds.c). */
int command_policy_remote(int argc, char **argv);
int command_apply(int argc, char **argv);  /* apply_cmd.c */
int command_export(int argc, char **argv); /* apply_cmd.c */
int command_location(int argc, char **argv); /* location_cmds.c */
int command_profile(int argc, char **argv);  /* profile_cmds.c */
int command_latency(int argc, char **argv);  /* profile_cmds.c */
int command_cache(int argc, char **argv);    /* cache_cmds.c */

#endif
