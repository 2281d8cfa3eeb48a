#include "operator/cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "operator/engine.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh plan FILE [--offline] [-o text|json] [--prune] [--policy FILE]\n"
    "                     [connection flags]\n\n"
    "Show the ordered changes that would make Kafka and the schema registry match FILE (an\n"
    "AsyncAPI document or a DataProduct manifest), without changing anything.\n\n"
    "  --offline       plan against an empty cluster; talk to no server\n"
    "  -o, --output F  text (default, like a terraform plan) or json (documented in\n"
    "                  docs/plan-json.md)\n"
    "  --prune         plan deletes of undeclared topics and subjects (deletionPolicy\n"
    "                  Delete); by default they are reported as orphaned and kept\n" CLI_POLICY_HELP
    "\n"
    "Exit: 0 no changes, 2 changes pending, 1 an error.\n\n";

struct plan_args {
        const char *file;
        const char *policy;
        bool offline, json;
        unsigned flags;
        struct cli_conn conn;
};

/* An empty actual state: what an offline plan compares against. */
static struct product *empty_like(const struct product *want)
{
        struct product *have = product_new();

        if (have) {
                have->domain = str_dup(want->domain);
                have->principal = str_dup(want->principal);
        }
        return have;
}

static int make_plan(const struct plan_args *a, const struct product *want, struct plan *p,
                     struct err *err)
{
        struct product *have;
        struct engine e = {0};
        int rc;

        if (a->offline) {
                have = empty_like(want);
                if (!have)
                        return err_nomem(err);
                rc = plan_build(want, have, a->flags & ENGINE_PRUNE ? PLAN_PRUNE : 0, p, err);
                product_free(have);
                return rc;
        }
        if (engine_open(&e, &a->conn, err) < 0)
                return -1;
        rc = engine_reconcile(&e, want, a->flags | ENGINE_DRY_RUN | ENGINE_PLAN_ONLY, p, NULL, err);
        engine_close(&e);
        return rc;
}

static int run(const struct plan_args *a)
{
        struct product *want = cli_load_spec(a->file, a->policy);
        struct plan p;
        struct err err;
        char *out = NULL;
        int rc = EXIT_ERROR;

        plan_init(&p);
        err_clear(&err);
        if (!want)
                return EXIT_ERROR;
        if (make_plan(a, want, &p, &err) < 0) {
                fprintf(stderr, "specmesh plan: %s\n", err.msg);
                goto out;
        }
        out = a->json ? plan_render_json(&p) : plan_render_text(&p);
        if (!out)
                goto out;
        fputs(out, stdout);
        if (a->json)
                fputc('\n', stdout);
        rc = plan_change_count(&p) ? EXIT_CHANGES : EXIT_OK;
out:
        free(out);
        plan_release(&p);
        product_free(want);
        return rc;
}

int cmd_plan(int argc, char **argv)
{
        static const struct option opts[] = {
            {"offline", no_argument, NULL, 'O'},
            {"output", required_argument, NULL, 'o'},
            {"prune", no_argument, NULL, 'p'},
            {"help", no_argument, NULL, 'h'},
            CLI_POLICY_OPTION,
            CLI_CONN_OPTIONS,
            {NULL, 0, NULL, 0},
        };
        struct plan_args a = {0};
        int opt;

        cli_conn_from_env(&a.conn);
        optind = 1;
        while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
                if (cli_conn_flag(&a.conn, opt, optarg))
                        continue;
                if (opt == OPT_POLICY) {
                        a.policy = optarg;
                } else if (opt == 'O') {
                        a.offline = true;
                } else if (opt == 'p') {
                        a.flags |= ENGINE_PRUNE;
                } else if (opt == 'o' && (!strcmp(optarg, "json") || !strcmp(optarg, "text"))) {
                        a.json = strcmp(optarg, "json") == 0;
                } else if (opt == 'h') {
                        printf("%s%s", usage, cli_conn_help);
                        return EXIT_OK;
                } else {
                        fprintf(stderr, "%s%s", usage, cli_conn_help);
                        return EXIT_ERROR;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, "specmesh plan: expected exactly one FILE\n%s", usage);
                return EXIT_ERROR;
        }
        a.file = argv[optind];
        return run(&a);
}
