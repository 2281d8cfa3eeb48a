#include "operator/cli.h"

#include <getopt.h>
#include <string.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh validate FILE... [--policy FILE]\n\n"
    "Parse and validate AsyncAPI documents (2.0-2.6, 3.0; YAML or JSON) or DataProduct\n"
    "manifests, without talking to any server. Every problem is printed as\n"
    "file:line:column: error: <what>, at <path>. For a valid file, one line says what it\n"
    "declares.\n\n" CLI_POLICY_HELP "\n"
    "Exit: 0 all files valid, 1 otherwise.\n";

int cmd_validate(int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'}, CLI_POLICY_OPTION, {NULL, 0, NULL, 0}};
        const char *policy = NULL;
        int opt, rc = EXIT_OK;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (opt == OPT_POLICY) {
                        policy = optarg;
                        continue;
                }
                if (opt == 'h') {
                        fputs(usage, stdout);
                        return EXIT_OK;
                }
                fputs(usage, stderr);
                return EXIT_ERROR;
        }
        if (optind == argc) {
                fprintf(stderr, "specmesh validate: no FILE given\n%s", usage);
                return EXIT_ERROR;
        }
        for (int i = optind; i < argc; i++) {
                struct product *p = cli_load_spec(argv[i], policy);
                if (!p) {
                        rc = EXIT_ERROR;
                        continue;
                }
                printf("ok: %s (domain %s: %zu topics, %zu ACLs, %zu subjects%s)\n", argv[i],
                       p->domain, p->topics.len, p->acls.len, p->subjects.len,
                       p->quota ? ", a quota" : "");
                product_free(p);
        }
        return rc;
}
