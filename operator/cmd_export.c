#include "operator/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "operator/engine.h"
#include "pkg/asyncapi/export.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/strmap.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh export --domain ID [--principal User:NAME] [-o FILE] [connection flags]\n\n"
    "Write the live state of a domain (its topics with partitions and configs, grants on\n"
    "_protected topics, schema subjects and quota) as an AsyncAPI document that, applied,\n"
    "plans no changes. ID is the domain (a.b.c) or the AsyncAPI id (urn:a:b:c). Schemas that\n"
    "reference other schemas are written as files under schema/ beside FILE.\n\n"
    "  --domain ID           the domain to export (required)\n"
    "  --principal User:N    the owner principal (default User:<domain>)\n"
    "  -o, --output FILE     write there instead of standard output\n\n";

/* "urn:a:b:c" or "a.b.c" -> "a.b.c" */
static char *domain_of(const char *id)
{
        char *d;

        if (str_starts_with(id, "urn:"))
                return str_replace_char(str_dup(id + 4), ':', '.');
        d = str_dup(id);
        return d;
}

/* mkdir -p the directory part of `path`. */
static int make_dirs(const char *path)
{
        char *d = str_dup(path);
        int rc = d ? 0 : -1;

        for (char *s = d ? strchr(d + 1, '/') : NULL; rc == 0 && s; s = strchr(s + 1, '/')) {
                *s = '\0';
                if (mkdir(d, 0755) < 0 && errno != EEXIST)
                        rc = -1;
                *s = '/';
        }
        free(d);
        return rc;
}

/*
 * Write the schema files the document $refs (subjects with references) beside `output`.
 * Without -o there is nowhere to put them: an error. Returns 0 or -1 with `err` set.
 */
static int write_schema_files(const struct product *have, const char *output, struct err *err)
{
        struct strmap files;
        const char *why = NULL;
        const char *slash = output ? strrchr(output, '/') : NULL;
        int rc = -1;

        strmap_init(&files, EXPORT_FILES_MAX);
        if (asyncapi_export_files(have, &files, &why) < 0) {
                err_set(err, ERR_INVALID, "schema references: %s", why);
                goto out;
        }
        if (files.len && !output) {
                err_set(err, ERR_INVALID,
                        "%zu schemas use references: give -o FILE, their files are written "
                        "beside it",
                        files.len);
                goto out;
        }
        for (size_t i = 0; i < files.len; i++) {
                const struct strmap_ent *f = &files.items[i];
                char *path = slash ? str_printf("%.*s/%s", (int)(slash - output), output, f->key)
                                   : str_dup(f->key);
                FILE *out = path && make_dirs(path) == 0 ? fopen(path, "w") : NULL;
                bool ok = out && fputs(f->value, out) >= 0;
                if (out && fclose(out) != 0)
                        ok = false;
                if (!ok)
                        err_set(err, ERR_INTERNAL, "cannot write %s", path ? path : f->key);
                free(path);
                if (!ok)
                        goto out;
        }
        rc = 0;
out:
        strmap_release(&files);
        return rc;
}

static int run(const char *id, const char *principal, const char *output,
               const struct cli_conn *conn)
{
        struct product *want = product_new(), *have = NULL;
        struct engine e = {0};
        struct err err;
        char *doc = NULL;
        FILE *out = stdout;
        int rc = EXIT_ERROR;

        err_clear(&err);
        if (!want)
                return EXIT_ERROR;
        want->domain = domain_of(id);
        want->principal = principal ? str_dup(principal) : str_printf("User:%s", want->domain);
        if (engine_open(&e, conn, &err) < 0)
                goto fail;
        have = engine_observe(&e, want, &err);
        if (!have)
                goto fail;
        doc = asyncapi_export(have);
        if (write_schema_files(have, output, &err) < 0)
                goto fail;
        if (output)
                out = fopen(output, "w");
        if (!doc || !out) {
                err_set(&err, ERR_INTERNAL, "cannot write %s", output ? output : "the document");
                goto fail;
        }
        fputs(doc, out);
        rc = EXIT_OK;
        goto out;
fail:
        fprintf(stderr, "specmesh export: %s\n", err.msg);
out:
        if (out && out != stdout)
                fclose(out);
        free(doc);
        engine_close(&e);
        product_free(have);
        product_free(want);
        return rc;
}

int cmd_export(int argc, char **argv)
{
        static const struct option opts[] = {
            {"domain", required_argument, NULL, 'd'},
            {"principal", required_argument, NULL, 'P'},
            {"output", required_argument, NULL, 'o'},
            {"help", no_argument, NULL, 'h'},
            CLI_CONN_OPTIONS,
            {NULL, 0, NULL, 0},
        };
        const char *domain = NULL, *principal = NULL, *output = NULL;
        struct cli_conn conn;
        int opt;

        cli_conn_from_env(&conn);
        optind = 1;
        while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
                if (cli_conn_flag(&conn, opt, optarg))
                        continue;
                if (opt == 'd') {
                        domain = optarg;
                } else if (opt == 'P') {
                        principal = optarg;
                } else if (opt == 'o') {
                        output = optarg;
                } else if (opt == 'h') {
                        printf("%s%s", usage, cli_conn_help);
                        return EXIT_OK;
                } else {
                        fprintf(stderr, "%s%s", usage, cli_conn_help);
                        return EXIT_ERROR;
                }
        }
        if (!domain || optind != argc) {
                fprintf(stderr, "specmesh export: --domain is required\n%s", usage);
                return EXIT_ERROR;
        }
        return run(domain, principal, output, &conn);
}
