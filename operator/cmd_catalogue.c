/*
 * `specmesh catalogue`: the data catalogue of a set of specs, as JSON, HTML or Backstage
 * entities. Also the spec loader `specmesh topology` shares.
 */
#include "operator/cli.h"
#include "operator/catalogue.h"

#include <dirent.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/yaml/diag.h"
#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/base/err.h"
#include "pkg/catalog/catalog.h"
#include "pkg/runtime/httpd.h"
#include "pkg/base/banned.h"

#define OUT_MAX   (64u << 20)
#define SPEC_MAX  (4u << 20)
#define DIR_DEPTH 8

static const char usage[] =
    "usage: specmesh catalogue DIR|FILE... [-o json|html|backstage] [--tag TAG] [--q TEXT]\n"
    "       specmesh catalogue --cluster [--kubeconfig FILE] [--namespace NS] [...]\n\n"
    "The data catalogue of the given specs (AsyncAPI documents or DataProduct manifests;\n"
    "a DIR is searched for *.yaml, *.yml and *.json files that are specs): every product's\n"
    "domain, owner, title and description, its public and protected topics with partitions,\n"
    "tags, message names, schema subject and text, and who may read each protected topic.\n"
    "Private topics are never listed. With --cluster, the DataProducts in the API server\n"
    "(their Ready too) instead of files.\n\n"
    "  -o, --output FORMAT   json (default), html (a page for people) or backstage (catalog\n"
    "                        entities: Domain, System, Component, API of type asyncapi,\n"
    "                        Resources for topics)\n"
    "  --tag TAG             only products with a topic tagged TAG\n"
    "  --q TEXT              only products that mention TEXT (case-insensitive)\n"
    "  --serve ADDR          serve the catalogue on HOST:PORT instead (the operator's pages:\n"
    "                        /catalogue, /api/v1/products, /topology,\n"
    "                        /backstage/catalog-info.yaml) until SIGINT or SIGTERM\n\n"
    "  --cluster             read the DataProducts from the API server instead of files\n"
    "  --kubeconfig FILE     (default: $KUBECONFIG, in-cluster, ~/.kube/config)\n"
    "  --namespace NS        only this namespace (default: all)\n\n"
    "Exit: 0, or 1 when a spec is invalid (the problems are printed as file:line:column).\n";

static bool spec_name(const char *name)
{
        return str_ends_with(name, ".yaml") || str_ends_with(name, ".yml") ||
               str_ends_with(name, ".json");
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The spec files under `dir`, sorted, appended to `files`. */
static int walk(const char *dir, int depth, struct vec *files)
{
        DIR *d = depth > DIR_DEPTH ? NULL : opendir(dir);
        struct dirent *e;
        struct vec here = VEC_INIT;
        int rc = 0;

        if (!d)
                return 0;
        while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                        continue;
                char *path = str_printf("%s/%s", dir, e->d_name);
                if (!path || vec_push(&here, path) < 0) {
                        free(path);
                        rc = -1;
                        break;
                }
        }
        closedir(d);
        vec_sort(&here, cmp_str);
        for (size_t i = 0; rc == 0 && i < here.len; i++) {
                struct stat st;
                char *path = here.items[i];
                if (stat(path, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        rc = walk(path, depth + 1, files);
                } else if (S_ISREG(st.st_mode) && spec_name(path)) {
                        if (vec_push(files, path) == 0)
                                here.items[i] = NULL;
                }
        }
        vec_release(&here, free);
        return rc;
}

/* Add one file: named files must be specs, files found in a directory may be other YAML. */
static int add_one(struct catalog *c, const char *path, bool named, struct diags *d)
{
        size_t len = 0;
        char *data = str_read_file(path, SPEC_MAX, &len);
        int rc = 0;

        if (!data)
                return diags_add(d, path, 0, 0, NULL, "cannot read the file");
        if (named || catalog_is_spec(path, data, len))
                rc = catalog_add_file(c, path, d);
        free(data);
        return rc;
}

int cli_load_catalog(char **paths, int n, struct catalog *c)
{
        struct diags d;
        int rc = 0;

        diags_init(&d);
        for (int i = 0; i < n; i++) {
                struct stat st;
                struct vec files = VEC_INIT;
                if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
                        if (walk(paths[i], 0, &files) < 0)
                                rc = diags_add(&d, paths[i], 0, 0, NULL, "out of memory");
                        for (size_t k = 0; k < files.len; k++)
                                rc |= add_one(c, files.items[k], false, &d);
                        vec_release(&files, free);
                } else {
                        rc |= add_one(c, paths[i], true, &d);
                }
        }
        diags_print(&d, stderr);
        diags_release(&d);
        catalog_sort(c);
        return rc < 0 ? -1 : 0;
}

static volatile sig_atomic_t serving = 1;

static void on_signal(int sig)
{
        (void)sig;
        serving = 0;
}

static void route(void *arg, const struct httpd_request *r, struct httpd_response *w)
{
        if (!catalog_route(arg, r->path, httpd_query(r, "tag"), httpd_query(r, "q"), &w->status,
                           &w->content_type, &w->body)) {
                w->status = 404;
                buf_puts(&w->body, "not found\n");
        }
}

/* Serve `c` read-only until a signal. */
static int serve(const struct catalog *c, const char *addr)
{
        struct httpd h;
        struct err err;
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        err_clear(&err);
        if (httpd_start(&h, addr, NULL, route, (void *)c, &err) < 0) {
                fprintf(stderr, "specmesh catalogue: %s\n", err.msg);
                return EXIT_ERROR;
        }
        fprintf(stderr, "specmesh catalogue: %zu products on %s (port %d)\n", c->products.len, addr,
                h.port);
        while (serving)
                pause();
        httpd_stop(&h);
        return EXIT_OK;
}

int cat_source_flag(struct cat_source *s, int opt, const char *arg)
{
        if (opt != CAT_OPT_CLUSTER && opt != CAT_OPT_KUBECONFIG && opt != CAT_OPT_NAMESPACE)
                return 0;
        s->cluster = true;
        if (opt == CAT_OPT_KUBECONFIG)
                s->kubeconfig = arg;
        else if (opt == CAT_OPT_NAMESPACE)
                s->ns = arg;
        return 1;
}

int cat_source_args(struct cat_source *s, const char *cmd, int argc, char **argv, int optind_)
{
        s->paths = argv + optind_;
        s->npaths = argc - optind_;
        if (s->cluster && s->npaths) {
                fprintf(stderr, "specmesh %s: --cluster or DIR|FILE, not both\n", cmd);
                return -1;
        }
        if (!s->cluster && !s->npaths) {
                fprintf(stderr, "specmesh %s: no DIR or FILE given (or --cluster)\n", cmd);
                return -1;
        }
        return 0;
}

int cat_source_load(const struct cat_source *s, struct catalog *c)
{
        return s->cluster ? cli_load_cluster(s->kubeconfig, s->ns, c)
                          : cli_load_catalog(s->paths, s->npaths, c);
}

struct opts {
        const char *format, *tag, *q, *addr;
        struct cat_source src;
};

/* 1: go on, 0: --help printed, -1: bad flags (said why). */
static int parse(int argc, char **argv, struct opts *o)
{
        static const struct option longs[] = {{"output", required_argument, NULL, 'o'},
                                              {"tag", required_argument, NULL, 't'},
                                              {"q", required_argument, NULL, 'q'},
                                              {"serve", required_argument, NULL, 's'},
                                              {"help", no_argument, NULL, 'h'},
                                              CAT_SOURCE_OPTIONS,
                                              {NULL, 0, NULL, 0}};
        int opt;

        memset(o, 0, sizeof(*o));
        o->format = "json";
        optind = 1;
        while ((opt = getopt_long(argc, argv, "ho:", longs, NULL)) != -1) {
                if (cat_source_flag(&o->src, opt, optarg))
                        continue;
                if (opt == 'h') {
                        fputs(usage, stdout);
                        return 0;
                }
                switch (opt) {
                case 'o':
                        o->format = optarg;
                        break;
                case 't':
                        o->tag = optarg;
                        break;
                case 'q':
                        o->q = optarg;
                        break;
                case 's':
                        o->addr = optarg;
                        break;
                default:
                        fputs(usage, stderr);
                        return -1;
                }
        }
        if (strcmp(o->format, "json") && strcmp(o->format, "html") &&
            strcmp(o->format, "backstage")) {
                fprintf(stderr, "specmesh catalogue: -o is json, html or backstage, not '%s'\n",
                        o->format);
                return -1;
        }
        return cat_source_args(&o->src, "catalogue", argc, argv, optind) < 0 ? -1 : 1;
}

static int print(const struct catalog *c, const struct opts *o)
{
        struct buf out;
        int rc = EXIT_OK;

        buf_init(&out, OUT_MAX);
        if (o->format[0] == 'j')
                catalog_render_json(c, o->tag, o->q, &out);
        else if (o->format[0] == 'h')
                catalog_render_html(c, o->tag, o->q, &out);
        else
                catalog_render_backstage(c, o->tag, o->q, &out);
        if (out.failed) {
                fprintf(stderr, "specmesh catalogue: the output is larger than %u MiB\n",
                        OUT_MAX >> 20);
                rc = EXIT_ERROR;
        } else {
                fwrite(out.data ? out.data : "", 1, out.len, stdout);
        }
        buf_release(&out);
        return rc;
}

int cmd_catalogue(int argc, char **argv)
{
        struct opts o;
        struct catalog c;
        int rc = parse(argc, argv, &o);

        if (rc <= 0)
                return rc == 0 ? EXIT_OK : EXIT_ERROR;
        catalog_init(&c);
        if (cat_source_load(&o.src, &c) < 0)
                rc = EXIT_ERROR;
        else
                rc = o.addr ? serve(&c, o.addr) : print(&c, &o);
        catalog_release(&c);
        return rc;
}
