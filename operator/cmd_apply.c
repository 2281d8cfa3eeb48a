#include "operator/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "operator/engine.h"
#include "pkg/base/err.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh apply FILE [--dry-run] [--prune] [--policy FILE] [connection flags]\n\n"
    "Make Kafka and the schema registry match FILE (an AsyncAPI document or a DataProduct\n"
    "manifest): create and grow topics, set their configs, create and delete ACLs, set\n"
    "quotas, register schemas. Idempotent: a second run changes nothing. A partition\n"
    "shrink, a replication-factor change or an incompatible schema is refused for that\n"
    "resource while everything else is applied.\n\n"
    "  --dry-run   ask the servers to validate the changes, change nothing\n"
    "  --prune     delete topics and subjects the spec no longer declares (also implied\n"
    "              by deletionPolicy: Delete in a manifest); default: keep and report "
    "them\n" CLI_POLICY_HELP "\n"
    "Exit: 0 everything applied, 1 an error or a refused change.\n\n";

static void print_results(const struct plan *p, size_t *done, size_t *failed)
{
        *done = 0;
        *failed = 0;
        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                if (op->state == OP_DONE)
                        (*done)++;
                if (op->state != OP_FAILED)
                        continue;
                (*failed)++;
                fprintf(stderr, "error: %s\n", op->error ? op->error : "failed");
        }
        for (size_t i = 0; i < p->problems.len; i++)
                fprintf(stderr, "error: %s\n",
                        ((struct plan_problem *)p->problems.items[i])->message);
}

static int run(const char *file, const char *policy, const struct cli_conn *conn, unsigned flags)
{
        struct product *want = cli_load_spec(file, policy);
        struct engine e = {0};
        struct plan p;
        struct err err;
        size_t done, failed;
        int rc = EXIT_ERROR, erc;
        char *text;

        plan_init(&p);
        err_clear(&err);
        if (!want)
                return EXIT_ERROR;
        if (want->deletion == DELETION_DELETE)
                flags |= ENGINE_PRUNE;
        if (engine_open(&e, conn, &err) < 0) {
                fprintf(stderr, "specmesh apply: %s\n", err.msg);
                goto out;
        }
        erc = engine_reconcile(&e, want, flags, &p, NULL, &err);
        if (erc < 0 && !p.ops.len) {
                fprintf(stderr, "specmesh apply: %s\n", err.msg);
                goto out;
        }
        text = plan_render_text(&p);
        if (text)
                fputs(text, stdout);
        free(text);
        print_results(&p, &done, &failed);
        if (plan_change_count(&p) == 0)
                printf("No changes applied.\n");
        else
                printf("\nApply %s: %zu of %zu changes %s, %zu failed.\n",
                       flags & ENGINE_DRY_RUN ? "dry run" : "complete", done, plan_change_count(&p),
                       flags & ENGINE_DRY_RUN ? "validated" : "made", failed);
        rc = (erc < 0 || failed || p.problems.len) ? EXIT_ERROR : EXIT_OK;
out:
        engine_close(&e);
        plan_release(&p);
        product_free(want);
        return rc;
}

int cmd_apply(int argc, char **argv)
{
        static const struct option opts[] = {
            {"dry-run", no_argument, NULL, 'n'},
            {"prune", no_argument, NULL, 'p'},
            {"help", no_argument, NULL, 'h'},
            CLI_POLICY_OPTION,
            CLI_CONN_OPTIONS,
            {NULL, 0, NULL, 0},
        };
        struct cli_conn conn;
        const char *policy = NULL;
        unsigned flags = 0;
        int opt;

        cli_conn_from_env(&conn);
        optind = 1;
        while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (cli_conn_flag(&conn, opt, optarg))
                        continue;
                if (opt == OPT_POLICY) {
                        policy = optarg;
                } else if (opt == 'n') {
                        flags |= ENGINE_DRY_RUN;
                } else if (opt == 'p') {
                        flags |= ENGINE_PRUNE;
                } else if (opt == 'h') {
                        printf("%s%s", usage, cli_conn_help);
                        return EXIT_OK;
                } else {
                        fprintf(stderr, "%s%s", usage, cli_conn_help);
                        return EXIT_ERROR;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, "specmesh apply: expected exactly one FILE\n%s", usage);
                return EXIT_ERROR;
        }
        return run(argv[optind], policy, &conn, flags);
}
