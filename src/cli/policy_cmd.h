/* `meridian policy ...`: offline tools for policy documents. */
#ifndef MERIDIAN_CLI_POLICY_CMD_H
#define MERIDIAN_CLI_POLICY_CMD_H

extern const char policy_help[];

/* argv: the arguments after "policy". Returns the exit code. */
int command_policy(int argc, char **argv);

#endif
