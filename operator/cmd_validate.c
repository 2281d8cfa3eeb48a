#include "operator/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/model/model.h"
#include "pkg/reconcile/owner.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh validate FILE... [--policy FILE]\n\n"
    "Parse and validate AsyncAPI documents (2.0-2.6, 3.0; YAML or JSON) or DataProduct\n"
    "manifests, without talking to any server. Every problem is printed as\n"
    "file:line:column: error: <what>, at <path>. For a valid file, one line says what it\n"
    "declares. Several files are also checked against one another: two products acting as\n"
    "one Kafka principal are an error on the later file (it would get the other's "
    "grants).\n\n" CLI_POLICY_HELP "\n"
    "Exit: 0 all files valid, 1 otherwise.\n";

/*
 * Products of several files act as one principal: an error on each later file, naming the
 * first file that uses it (the operator's PrincipalConflict, in command-line order). Sets
 * bad[i] for each such file.
 */
static void principal_conflicts(char **files, struct product **ps, int n, bool *bad)
{
        for (int i = 0; i < n; i++) {
                char owner[32] = "", key_i[16];
                int first;
                struct claim self = {key_i, "", "", false, ps[i] ? ps[i]->principal : NULL};

                snprintf(key_i, sizeof(key_i), "%06d", i);
                self.created = key_i; /* earlier on the command line: first */
                for (int j = 0; j < i; j++) {
                        char key_j[16];
                        struct claim other = {key_j, "", key_j, false,
                                              ps[j] ? ps[j]->principal : NULL};

                        snprintf(key_j, sizeof(key_j), "%06d", j);
                        claim_principal_step(&self, &other, owner, sizeof(owner));
                }
                if (!owner[0])
                        continue;
                first = (int)strtol(owner, NULL, 10);
                fprintf(stderr,
                        "%s: error: principal '%s' is also the principal of %s (domain %s): a "
                        "principal belongs to one product, at spec.principal\n",
                        files[i], ps[i]->principal, files[first], ps[first]->domain);
                bad[i] = true;
        }
}

static int validate_files(char **files, int n, const char *policy)
{
        struct product **ps = calloc((size_t)n, sizeof(*ps));
        bool *bad = calloc((size_t)n, sizeof(*bad));
        int rc = EXIT_OK;

        if (!ps || !bad) {
                free(ps);
                free(bad);
                fprintf(stderr, "specmesh validate: out of memory\n");
                return EXIT_ERROR;
        }
        for (int i = 0; i < n; i++) {
                ps[i] = cli_load_spec(files[i], policy);
                if (!ps[i])
                        rc = EXIT_ERROR;
        }
        principal_conflicts(files, ps, n, bad);
        for (int i = 0; i < n; i++) {
                if (bad[i])
                        rc = EXIT_ERROR;
                else if (ps[i])
                        printf("ok: %s (domain %s: %zu topics, %zu ACLs, %zu subjects%s)\n",
                               files[i], ps[i]->domain, ps[i]->topics.len, ps[i]->acls.len,
                               ps[i]->subjects.len, ps[i]->quota ? ", a quota" : "");
                product_free(ps[i]);
        }
        free(ps);
        free(bad);
        return rc;
}

int cmd_validate(int argc, char **argv)
{
        static const struct option opts[] = {
            {"help", no_argument, NULL, 'h'}, CLI_POLICY_OPTION, {NULL, 0, NULL, 0}};
        const char *policy = NULL;
        int opt;

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
        return validate_files(argv + optind, argc - optind, policy);
}
