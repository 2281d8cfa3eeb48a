/*
 * The subcommands of the `specmesh` binary and what they share: how connection settings are
 * found (flags win over environment variables) and the exit codes. Each subcommand lives in
 * its own cmd_<name>.c and is only wiring: it parses flags and calls into pkg/.
 */
#ifndef OPERATOR_CLI_H
#define OPERATOR_CLI_H

#include <stdio.h>

/* Exit codes: like `terraform plan -detailed-exitcode` for plan. */
enum {
        EXIT_OK = 0,
        EXIT_ERROR = 1,
        EXIT_CHANGES = 2,
};

/* Connection settings of every command that talks to a server. Borrowed strings. */
struct cli_conn {
        const char *kafka_config; /* --kafka-config FILE, or $SPECMESH_KAFKA_CONFIG */
        const char *bootstrap;    /* --bootstrap-server HOST:PORT, overrides the file's */
        const char *registry_url; /* --registry-url URL, or $SPECMESH_REGISTRY_URL */
};

/* Fill `c` from the environment; flags parsed later overwrite the fields. */
void cli_conn_from_env(struct cli_conn *c);

/* The help text block describing the connection flags, for the commands' --help. */
extern const char cli_conn_help[];

struct cli_command {
        const char *name;
        const char *summary;
        int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_operator(int argc, char **argv);

#endif
