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
        const char *kafka_config;    /* --kafka-config FILE, or $SPECMESH_KAFKA_CONFIG */
        const char *bootstrap;       /* --bootstrap-server HOST:PORT, overrides the file's */
        const char *registry_url;    /* --registry-url URL, or $SPECMESH_REGISTRY_URL */
        const char *registry_config; /* --registry-config FILE, or $SPECMESH_REGISTRY_CONFIG */
};

/* Fill `c` from the environment; flags parsed later overwrite the fields. */
void cli_conn_from_env(struct cli_conn *c);

/* The help text block describing the connection flags, for the commands' --help. */
extern const char cli_conn_help[];

/* getopt_long option values of the connection flags, shared by every command. */
enum {
        OPT_KAFKA_CONFIG = 0x100,
        OPT_BOOTSTRAP,
        OPT_REGISTRY_URL,
        OPT_REGISTRY_CONFIG,
};

#define CLI_CONN_OPTIONS                                                        \
        {"kafka-config", required_argument, NULL, OPT_KAFKA_CONFIG},            \
            {"bootstrap-server", required_argument, NULL, OPT_BOOTSTRAP},       \
            {"registry-url", required_argument, NULL, OPT_REGISTRY_URL},        \
        {                                                                       \
                "registry-config", required_argument, NULL, OPT_REGISTRY_CONFIG \
        }

/* Take a connection flag parsed by getopt_long. Returns 1 when `opt` was one, else 0. */
int cli_conn_flag(struct cli_conn *c, int opt, const char *arg);

struct product;

/*
 * Load a spec file (AsyncAPI document or DataProduct manifest) and check it against the
 * platform policy in `policy_file` (NULL: the default policy, which allows no principal
 * override). On failure prints every diagnostic and policy violation to stderr and returns
 * NULL.
 */
struct product *cli_load_spec(const char *path, const char *policy_file);

/* The --policy option every spec-reading command takes, and its help line. */
enum { OPT_POLICY = 0x180 };
#define CLI_POLICY_OPTION                                     \
        {                                                     \
                "policy", required_argument, NULL, OPT_POLICY \
        }
#define CLI_POLICY_HELP                                                                       \
        "  --policy FILE   check the spec against a MeshPolicy (YAML or JSON); without it,\n" \
        "                  the default policy: principal User:<domain>, no limits\n"

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
int cmd_catalogue(int argc, char **argv);
int cmd_topology(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_credentials(int argc, char **argv);

#endif
