/*
 * specmesh: specification-driven data mesh on Apache Kafka. One binary, git-style
 * subcommands; this file only dispatches.
 */
#include "operator/cli.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/banned.h"

static const struct cli_command commands[] = {
    {"validate", "parse and validate AsyncAPI documents or DataProduct manifests", cmd_validate},
    {"plan", "show the changes that would make Kafka and the registry match a spec", cmd_plan},
    {"apply", "make Kafka and the registry match a spec (idempotent)", cmd_apply},
    {"export", "write the live state of a domain as an AsyncAPI document", cmd_export},
    {"manifest", "wrap an AsyncAPI document and its schemas in a DataProduct manifest",
     cmd_manifest},
    {"operator", "run the Kubernetes controller", cmd_operator},
    {"catalogue", "the data catalogue: products, topics, tags, readers", cmd_catalogue},
    {"topology", "draw who produces and who reads which topic", cmd_topology},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
        fprintf(out, "usage: specmesh [--version] [--help] <command> [<args>]\n\n"
                     "Specification-driven data mesh on Apache Kafka: AsyncAPI documents become\n"
                     "topics, ACLs, client quotas and schema-registry subjects.\n\n"
                     "Commands:\n");
        for (const struct cli_command *c = commands; c->name; c++)
                fprintf(out, "  %-10s %s\n", c->name, c->summary);
        fprintf(out, "\nRun 'specmesh <command> --help' for a command's flags.\n");
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return EXIT_ERROR;
        }
        if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
                printf("specmesh %s\n", SPECMESH_VERSION);
                return EXIT_OK;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
            strcmp(argv[1], "help") == 0) {
                usage(stdout);
                return EXIT_OK;
        }
        for (const struct cli_command *c = commands; c->name; c++)
                if (strcmp(argv[1], c->name) == 0)
                        return c->run(argc - 1, argv + 1);
        fprintf(stderr, "specmesh: '%s' is not a command; see 'specmesh --help'\n", argv[1]);
        return EXIT_ERROR;
}
