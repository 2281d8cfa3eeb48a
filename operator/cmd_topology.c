/*
 * `specmesh topology`: who produces and who reads which topic, as SVG, DOT or Mermaid.
 */
#include "operator/cli.h"
#include "operator/catalogue.h"

#include <getopt.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/catalog/catalog.h"
#include "pkg/catalog/topology.h"
#include "pkg/base/banned.h"

#define OUT_MAX (64u << 20)

static const char usage[] =
    "usage: specmesh topology DIR|FILE... [-o svg|dot|mermaid] [--link URL]\n"
    "       specmesh topology --cluster [--kubeconfig FILE] [--namespace NS] [...]\n\n"
    "Draw the mesh the given specs describe: domains as boxes, their products and public and\n"
    "protected topics, arrows from producer to topic and from topic to the domains that read\n"
    "it (consumed channels, and grants nobody consumes yet, dotted). A consumed channel the\n"
    "reader has no access to (a protected topic without its grant-access tag, a private\n"
    "topic) is drawn red and dashed: Kafka will deny it. Laid out by Graphviz (dot).\n\n"
    "  -o, --output FORMAT   svg (default), dot or mermaid\n"
    "  --link URL            make nodes links to URL#product-<domain> / URL#topic-<topic>\n"
    "                        (e.g. catalogue.html)\n"
    "  --cluster             read the DataProducts from the API server instead of files\n"
    "  --kubeconfig FILE     (default: $KUBECONFIG, in-cluster, ~/.kube/config)\n"
    "  --namespace NS        only this namespace (default: all)\n\n"
    "Exit: 0, or 1 when a spec is invalid.\n";

struct opts {
        const char *format, *link;
        struct cat_source src;
};

/* 1: go on, 0: --help printed, -1: bad flags (said why). */
static int parse(int argc, char **argv, struct opts *o)
{
        static const struct option longs[] = {{"output", required_argument, NULL, 'o'},
                                              {"link", required_argument, NULL, 'l'},
                                              {"help", no_argument, NULL, 'h'},
                                              CAT_SOURCE_OPTIONS,
                                              {NULL, 0, NULL, 0}};
        int opt;

        memset(o, 0, sizeof(*o));
        o->format = "svg";
        optind = 1;
        while ((opt = getopt_long(argc, argv, "ho:", longs, NULL)) != -1) {
                if (cat_source_flag(&o->src, opt, optarg))
                        continue;
                if (opt == 'h') {
                        fputs(usage, stdout);
                        return 0;
                }
                if (opt == 'o') {
                        o->format = optarg;
                } else if (opt == 'l') {
                        o->link = optarg;
                } else {
                        fputs(usage, stderr);
                        return -1;
                }
        }
        if (strcmp(o->format, "svg") && strcmp(o->format, "dot") && strcmp(o->format, "mermaid")) {
                fprintf(stderr, "specmesh topology: -o is svg, dot or mermaid, not '%s'\n",
                        o->format);
                return -1;
        }
        return cat_source_args(&o->src, "topology", argc, argv, optind) < 0 ? -1 : 1;
}

/* The drawing in `out`; 0, or -1 after saying why. */
static int draw(const struct catalog *c, const struct opts *o, struct buf *out)
{
        struct buf dot;
        struct err err;
        bool said = false;
        int rc = 0;

        err_clear(&err);
        if (strcmp(o->format, "mermaid") == 0) {
                rc = topology_mermaid(c, out);
        } else if (strcmp(o->format, "dot") == 0) {
                rc = topology_dot(c, o->link, out);
        } else {
                buf_init(&dot, OUT_MAX);
                rc = topology_dot(c, o->link, &dot);
                if (rc == 0 && topology_svg(dot.data, out, &err) < 0) {
                        fprintf(stderr, "specmesh topology: %s\n", err.msg);
                        rc = -1;
                        said = true;
                }
                buf_release(&dot);
        }
        if (rc < 0 && !said)
                fprintf(stderr, "specmesh topology: the output is larger than %u MiB\n",
                        OUT_MAX >> 20);
        return rc;
}

int cmd_topology(int argc, char **argv)
{
        struct opts o;
        struct catalog c;
        struct buf out;
        int rc = parse(argc, argv, &o);

        if (rc <= 0)
                return rc == 0 ? EXIT_OK : EXIT_ERROR;
        catalog_init(&c);
        buf_init(&out, OUT_MAX);
        rc = EXIT_ERROR;
        if (cat_source_load(&o.src, &c) == 0 && draw(&c, &o, &out) == 0) {
                fwrite(out.data ? out.data : "", 1, out.len, stdout);
                rc = EXIT_OK;
        }
        buf_release(&out);
        catalog_release(&c);
        return rc;
}
