#include "operator/cli.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
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
    "  --name N        metadata.name of the DataProduct (required; a Kubernetes name:\n"
    "                  a-z, 0-9, '-', '.')\n"
    "  --namespace NS  metadata.namespace (default: none, kubectl's current namespace;\n"
    "                  a-z, 0-9, '-')\n"
    "  --schemas DIR   resolve schema $refs against DIR instead of the document's folder\n"
    "                  (only regular files beneath it: no '..', no symbolic links)\n\n"
    "Exit: 0 written, 1 an error.\n";

#define MANIFEST_MAX (64u << 20)

/* The text of schema file `ref` beneath `dir`, under the rules of the document's $refs. */
static char *schema_text(const char *dir, const char *ref)
{
        char why[256];
        char *text = asyncapi_read_schema_file(dir, ref[0] == '/' ? ref + 1 : ref, 1u << 20, why,
                                               sizeof(why));

        if (!text)
                fprintf(stderr, "specmesh manifest: cannot read schema '%s' in '%s': %s\n", ref,
                        dir, why);
        return text;
}

/* Can `text` be a literal block scalar that reads back byte for byte? Every line must be
 * printable (no CR, no control character, no BOM, nothing YAML reads as a line break: U+0085,
 * U+2028, U+2029) and the first line must not start with a space (an explicit indentation
 * indicator covers the rest). */
static bool block_safe(const char *text)
{
        if (!*text || text[0] == ' ' || text[0] == '\n')
                return false;
        for (const unsigned char *s = (const unsigned char *)text; *s; s++)
                if ((*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f ||
                    (s[0] == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0) ||
                    (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9)) ||
                    (s[0] == 0xef && ((s[1] == 0xbb && s[2] == 0xbf) ||
                                      (s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf)))))
                        return false;
        return true;
}

/* A schema file as written: a literal block (indentation indicator 2, chomping chosen from
 * its trailing newlines) when that reads back exactly, else a double-quoted scalar. */
static void block(struct buf *b, const char *text, int indent)
{
        size_t n = strlen(text), nl = 0;

        if (!block_safe(text)) {
                buf_put_quoted(b, text);
                buf_putc(b, '\n');
                return;
        }
        while (nl < n && text[n - 1 - nl] == '\n')
                nl++;
        buf_printf(b, "|2%s\n", nl == 0 ? "-" : nl == 1 ? "" : "+");
        for (const char *line = text; *line;) {
                size_t len = strcspn(line, "\n");
                buf_printf(b, "%*s%.*s\n", len ? indent : 0, "", (int)len, line);
                line += len + (line[len] == '\n');
        }
}

/* Kubernetes names: a DNS-1123 subdomain (name, at most 253) or label (namespace, 63). */
static bool k8s_name_ok(const char *s, size_t max, bool dots)
{
        size_t n = strlen(s);

        if (n == 0 || n > max || s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
                      (dots && *s == '.')))
                        return false;
        return true;
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
                buf_puts(b, "    ");
                buf_put_quoted(b, refs->items[i]);
                buf_puts(b, ": ");
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
        if (asyncapi_schema_refs(spec, dir, NULL, &refs, &d) < 0)
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
        if (!k8s_name_ok(name, 253, true) || (ns && !k8s_name_ok(ns, 63, false))) {
                fprintf(stderr,
                        "specmesh manifest: --name must be a Kubernetes name (lower case a-z, "
                        "0-9, '-', '.', at most 253) and --namespace a label (a-z, 0-9, '-', at "
                        "most 63)\n");
                return EXIT_ERROR;
        }
        return run(argv[optind], name, ns, dir);
}
