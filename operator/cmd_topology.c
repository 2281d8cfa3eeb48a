/*
 * `specmesh topology`: who produces and who reads which topic, as SVG, DOT or Mermaid.
 */
#include "operator/cli.h"

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
    "                        (e.g. catalogue.html)\n\n"
    "  --cluster             read the DataProducts from the API server instead of files\n"
    "  --kubeconfig FILE     (default: $KUBECONFIG, in-cluster, ~/.kube/config)\n"
    "  --namespace NS        only this namespace (default: all)\n\n"
    "Exit: 0, or 1 when a spec is invalid.\n";

int cmd_topology(int argc, char **argv)
{
        static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                             {"link", required_argument, NULL, 'l'},
                                             {"cluster", no_argument, NULL, 'C'},
                                             {"kubeconfig", required_argument, NULL, 'K'},
                                             {"namespace", required_argument, NULL, 'N'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
        const char *format = "svg", *link = NULL;
        struct catalog c;
        struct buf dot, svg;
        struct err err;
        const char *kubeconfig = NULL, *ns = NULL;
        bool cluster = false;
        int opt, rc = EXIT_ERROR;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
                if (opt == 'C' || opt == 'K' || opt == 'N') {
                        cluster = true;
                        kubeconfig = opt == 'K' ? optarg : kubeconfig;
                        ns = opt == 'N' ? optarg : ns;
                        continue;
                }
                if (opt == 'h') {
                        fputs(usage, stdout);
                        return EXIT_OK;
                }
                if (opt == 'o') {
                        format = optarg;
                } else if (opt == 'l') {
                        link = optarg;
                } else {
                        fputs(usage, stderr);
                        return EXIT_ERROR;
                }
        }
        if (strcmp(format, "svg") && strcmp(format, "dot") && strcmp(format, "mermaid")) {
                fprintf(stderr, "specmesh topology: -o is svg, dot or mermaid, not '%s'\n", format);
                return EXIT_ERROR;
        }
        if (cluster && optind != argc) {
                fprintf(stderr, "specmesh %s: --cluster or DIR|FILE, not both\n", argv[0]);
                return EXIT_ERROR;
        }
        if (optind == argc && !cluster) {
                fprintf(stderr, "specmesh topology: no DIR or FILE given\n%s", usage);
                return EXIT_ERROR;
        }
        catalog_init(&c);
        buf_init(&dot, OUT_MAX);
        buf_init(&svg, OUT_MAX);
        err_clear(&err);
        if (cluster ? cli_load_cluster(kubeconfig, ns, &c) < 0
                    : cli_load_catalog(argv + optind, argc - optind, &c) < 0)
                goto out;
        if (strcmp(format, "mermaid") == 0) {
                if (topology_mermaid(&c, &dot) == 0)
                        rc = EXIT_OK;
        } else if (topology_dot(&c, link, &dot) == 0) {
                rc = EXIT_OK;
                if (format[0] == 's' && topology_svg(dot.data, &svg, &err) < 0) {
                        fprintf(stderr, "specmesh topology: %s\n", err.msg);
                        rc = EXIT_ERROR;
                }
        }
        if (rc == EXIT_OK) {
                const struct buf *b = format[0] == 's' ? &svg : &dot;
                fwrite(b->data ? b->data : "", 1, b->len, stdout);
        } else if (!err.msg[0]) {
                fprintf(stderr, "specmesh topology: the output is larger than %u MiB\n",
                        OUT_MAX >> 20);
        }
out:
        buf_release(&dot);
        buf_release(&svg);
        catalog_release(&c);
        return rc;
}
