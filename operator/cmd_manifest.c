#include "operator/cli.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/yaml/ytree.h"
#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh manifest SPEC --name N [--namespace NS] [--schemas DIR]\n\n"
    "Wrap an AsyncAPI document and every schema file it $refs into one DataProduct\n"
    "manifest (YAML on standard output), ready to commit for Argo CD or Flux. The document\n"
    "is validated first; an invalid one is refused with its diagnostics.\n\n"
    "  --name N        metadata.name of the DataProduct (required)\n"
    "  --namespace NS  metadata.namespace (default: none, kubectl's current namespace)\n"
    "  --schemas DIR   resolve schema $refs against DIR instead of the document's folder\n\n"
    "Exit: 0 written, 1 an error.\n";

#define MANIFEST_MAX (64u << 20)

/* The text of schema file `ref` (relative to `dir`; a leading '/' is relative too). */
static char *schema_text(const char *dir, const char *ref)
{
        char *path = str_printf("%s/%s", dir, ref[0] == '/' ? ref + 1 : ref);
        char *text = path ? str_read_file(path, 1u << 20, NULL) : NULL;

        if (!text)
                fprintf(stderr, "specmesh manifest: cannot read schema '%s': %s\n",
                        path ? path : ref, strerror(errno));
        free(path);
        return text;
}

/* A block scalar keeps a schema file exactly as written (indentation is added). */
static void block(struct buf *b, const char *text, int indent)
{
        buf_puts(b, "|\n");
        for (const char *line = text; *line;) {
                size_t n = strcspn(line, "\n");
                buf_printf(b, "%*s%.*s\n", n ? indent : 0, "", (int)n, line);
                line += n + (line[n] == '\n');
        }
}

static int emit(struct buf *b, const struct ynode *doc, const struct vec *refs, const char *dir)
{
        buf_puts(b, "spec:\n  asyncapi:");
        ynode_to_yaml(doc, 4, b);
        if (refs->len)
                buf_puts(b, "  schemas:\n");
        for (size_t i = 0; i < refs->len; i++) {
                char *text = schema_text(dir, refs->items[i]);
                if (!text)
                        return -1;
                buf_printf(b, "    \"%s\": ", (char *)refs->items[i]);
                block(b, text, 6);
                free(text);
        }
        return b->failed ? -1 : 0;
}

static int run(const char *spec, const char *name, const char *ns, const char *dir)
{
        struct diags d;
        struct vec refs = VEC_INIT;
        struct ynode *doc = NULL;
        struct buf b;
        char *text = NULL, *copy = str_dup(spec);
        size_t len;
        int rc = EXIT_ERROR;

        diags_init(&d);
        buf_init(&b, MANIFEST_MAX);
        if (asyncapi_schema_refs(spec, NULL, &refs, &d) < 0)
                goto out;
        text = str_read_file(spec, 4u << 20, &len);
        doc = text ? ytree_parse(spec, text, len, &d) : NULL;
        if (!doc)
                goto out;
        buf_printf(&b,
                   "apiVersion: specmesh.io/v1alpha1\nkind: DataProduct\nmetadata:\n"
                   "  name: %s\n",
                   name);
        if (ns)
                buf_printf(&b, "  namespace: %s\n", ns);
        if (emit(&b, doc, &refs, dir ? dir : dirname(copy)) < 0)
                goto out;
        fputs(b.data, stdout);
        rc = EXIT_OK;
out:
        diags_print(&d, stderr);
        diags_release(&d);
        vec_release(&refs, free);
        ynode_free(doc);
        buf_release(&b);
        free(text);
        free(copy);
        return rc;
}

int cmd_manifest(int argc, char **argv)
{
        static const struct option opts[] = {
            {"name", required_argument, NULL, 'n'},
            {"namespace", required_argument, NULL, 'N'},
            {"schemas", required_argument, NULL, 's'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *name = NULL, *ns = NULL, *dir = NULL;
        int opt;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (opt == 'n') {
                        name = optarg;
                } else if (opt == 'N') {
                        ns = optarg;
                } else if (opt == 's') {
                        dir = optarg;
                } else if (opt == 'h') {
                        fputs(usage, stdout);
                        return EXIT_OK;
                } else {
                        fputs(usage, stderr);
                        return EXIT_ERROR;
                }
        }
        if (!name || optind != argc - 1) {
                fprintf(stderr, "specmesh manifest: expected SPEC and --name\n%s", usage);
                return EXIT_ERROR;
        }
        return run(argv[optind], name, ns, dir);
}
