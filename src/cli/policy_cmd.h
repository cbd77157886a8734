/* `meridian policy ...`: offline tools for policy documents. */
#ifndef MERIDIAN_CLI_POLICY_CMD_H
#define MERIDIAN_CLI_POLICY_CMD_H

extern const char policy_help[];

extern const char policy_run_help[];

/* argv: the arguments after "policy run" (policy_run.c). Returns the exit code. */
int policy_run_command(int argc, char **argv);

/* argv: the arguments after "policy". Returns the exit code. */
int command_policy(int argc, char **argv);

#endif
