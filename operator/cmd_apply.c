#include "operator/cli.h"

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "operator/engine.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh apply FILE|DIR... [--dry-run] [--prune] [--policy FILE] [connection "
    "flags]\n\n"
    "Make Kafka and the schema registry match FILE (an AsyncAPI document or a DataProduct\n"
    "manifest): create and grow topics, set their configs, create and delete ACLs, set\n"
    "quotas, register schemas. Idempotent: a second run changes nothing. A partition\n"
    "shrink, a replication-factor change or an incompatible schema is refused for that\n"
    "resource while everything else is applied.\n\n"
    "Several products in one process: give several FILEs, or a DIR (its *.yaml, *.yml and\n"
    "*.json files, in name order). Every file is loaded and checked first (two products\n"
    "claiming the same or nested domains, or acting as the same principal, are refused):\n"
    "one bad file and nothing is applied. Then each is applied in turn, sharing one\n"
    "reading of Kafka and of the registry's subject list; one product's failure does not\n"
    "stop the others.\n\n"
    "  --dry-run   ask the servers to validate the changes, change nothing\n"
    "  --prune     delete topics and subjects the spec no longer declares (also implied\n"
    "              by deletionPolicy: Delete in a manifest); default: keep and report "
    "them\n" CLI_POLICY_HELP "\n"
    "Exit: 0 everything applied, 1 an error or a refused change (in any product).\n\n";

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

/* Apply one loaded product with an open engine; prints its plan and results. */
static int apply_one(struct engine *e, const struct product *want, unsigned flags)
{
        struct plan p;
        struct err err;
        size_t done, failed;
        int rc, erc;
        char *text;

        plan_init(&p);
        err_clear(&err);
        if (want->deletion == DELETION_DELETE)
                flags |= ENGINE_PRUNE;
        erc = engine_reconcile(e, want, flags, &p, NULL, &err);
        if (erc < 0 && !p.ops.len) {
                fprintf(stderr, "specmesh apply: %s\n", err.msg);
                plan_release(&p);
                return EXIT_ERROR;
        }
        text = plan_render_text(&p);
        if (text)
                fputs(text, stdout);
        free(text);
        print_results(&p, &done, &failed);
        if (plan_change_count(&p) == 0)
                printf("No changes applied.\n");
        else if (flags & ENGINE_DRY_RUN) /* the servers validate what they can: none is made */
                printf("\nApply dry run: none of %zu changes made, %zu refused.\n",
                       plan_change_count(&p), failed);
        else
                printf("\nApply complete: %zu of %zu changes made, %zu failed.\n", done,
                       plan_change_count(&p), failed);
        rc = (erc < 0 || failed || p.problems.len) ? EXIT_ERROR : EXIT_OK;
        plan_release(&p);
        return rc;
}

static bool spec_file(const char *name)
{
        size_t n = strlen(name);

        return name[0] != '.' && ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
                                  (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
                                  (n > 5 && strcmp(name + n - 5, ".json") == 0));
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of `arg`: itself, or a directory's spec files in name order. */
static int add_files(const char *arg, struct vec *files)
{
        struct stat st;
        struct dirent *d;
        DIR *dir;
        size_t first = files->len;

        if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode)) {
                char *copy = str_dup(arg);
                return copy && vec_push(files, copy) == 0 ? 0 : (free(copy), -1);
        }
        dir = opendir(arg);
        if (!dir) {
                fprintf(stderr, "specmesh apply: %s: cannot read the directory\n", arg);
                return -1;
        }
        while ((d = readdir(dir))) {
                char *path;
                if (!spec_file(d->d_name))
                        continue;
                path = str_printf("%s/%s", arg, d->d_name);
                if (!path || vec_push(files, path) < 0) {
                        free(path);
                        closedir(dir);
                        return -1;
                }
        }
        closedir(dir);
        if (files->len == first) {
                fprintf(stderr, "specmesh apply: %s: no *.yaml, *.yml or *.json file in it\n", arg);
                return -1;
        }
        qsort(files->items + first, files->len - first, sizeof(void *), cmp_str);
        return 0;
}

/* Two products of one apply may not claim overlapping domains or the same principal. */
static int check_apart(const struct vec *files, const struct vec *products)
{
        for (size_t i = 0; i < products->len; i++) {
                const struct product *a = products->items[i];
                for (size_t j = 0; j < i; j++) {
                        const struct product *b = products->items[j];
                        if (model_domains_overlap(a->domain, b->domain)) {
                                fprintf(stderr,
                                        "specmesh apply: %s: domain %s overlaps domain %s of "
                                        "%s: one product per domain; nothing applied\n",
                                        (char *)files->items[i], a->domain, b->domain,
                                        (char *)files->items[j]);
                                return -1;
                        }
                        if (a->principal && b->principal &&
                            strcmp(a->principal, b->principal) == 0) {
                                fprintf(stderr,
                                        "specmesh apply: %s: principal %s is also %s's: one "
                                        "product per principal; nothing applied\n",
                                        (char *)files->items[i], a->principal,
                                        (char *)files->items[j]);
                                return -1;
                        }
                }
        }
        return 0;
}

static void product_free_item(void *p)
{
        product_free(p);
}

static int run(const struct vec *files, const char *policy, const struct cli_conn *conn,
               unsigned flags)
{
        struct vec products = VEC_INIT;
        struct engine_shared shared;
        struct engine e = {0};
        struct err err;
        size_t failed = 0;
        int rc = EXIT_ERROR;

        err_clear(&err);
        for (size_t i = 0; i < files->len; i++) {
                struct product *want = cli_load_spec(files->items[i], policy);
                if (!want || vec_push(&products, want) < 0) {
                        product_free(want);
                        if (files->len > 1)
                                fprintf(stderr,
                                        "specmesh apply: %s is not valid: nothing "
                                        "applied\n",
                                        (char *)files->items[i]);
                        goto out;
                }
        }
        if (check_apart(files, &products) < 0)
                goto out;
        if (engine_open(&e, conn, &err) < 0) {
                fprintf(stderr, "specmesh apply: %s\n", err.msg);
                goto out;
        }
        /* the run is one window: a product's own writes fence it, nobody else's */
        engine_shared_init(&shared, 24 * 3600.0);
        if (products.len > 1)
                e.shared = &shared;
        for (size_t i = 0; i < products.len; i++) {
                if (products.len > 1)
                        printf("%s== %s (%s)\n", i ? "\n" : "", (char *)files->items[i],
                               ((struct product *)products.items[i])->domain);
                failed += apply_one(&e, products.items[i], flags) != EXIT_OK;
        }
        if (products.len > 1)
                printf("\n%zu products: %zu applied, %zu failed.\n", products.len,
                       products.len - failed, failed);
        engine_close(&e);
        engine_shared_release(&shared);
        rc = failed ? EXIT_ERROR : EXIT_OK;
out:
        vec_release(&products, product_free_item);
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
        if (optind >= argc) {
                fprintf(stderr, "specmesh apply: expected a FILE or DIR\n%s", usage);
                return EXIT_ERROR;
        }
        struct vec files = VEC_INIT;
        int rc = EXIT_ERROR;
        for (int i = optind; i < argc; i++)
                if (add_files(argv[i], &files) < 0)
                        goto out;
        rc = run(&files, policy, &conn, flags);
out:
        vec_release(&files, free);
        return rc;
}
