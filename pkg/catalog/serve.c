/*
 * The catalogue's HTTP routes as a pure function of (catalogue, path, search).
 */
#include "pkg/catalog/catalog.h"

#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/catalog/topology.h"
#include "pkg/base/banned.h"

#define PRODUCTS "/api/v1/products"

static void topology(const struct catalog *c, const char *fmt, int *status, const char **ctype,
                     struct buf *out)
{
        struct buf dot;
        struct err err;

        if (strcmp(fmt, "mmd") == 0) {
                *ctype = "text/plain; charset=utf-8";
                topology_mermaid(c, out);
                return;
        }
        buf_init(&dot, out->max);
        err_clear(&err);
        topology_dot(c, "/catalogue", &dot);
        if (strcmp(fmt, "dot") == 0) {
                *ctype = "text/vnd.graphviz; charset=utf-8";
                buf_add(out, dot.data ? dot.data : "", dot.len);
        } else if (topology_svg(dot.data ? dot.data : "digraph{}", out, &err) < 0) {
                *status = 500;
                buf_printf(out, "%s\n", err.msg);
        } else {
                *ctype = "image/svg+xml";
        }
        buf_release(&dot);
}

bool catalog_route(const struct catalog *c, const char *path, const char *tag, const char *q,
                   int *status, const char **ctype, struct buf *out)
{
        *status = 200;
        *ctype = "application/json";
        if (strcmp(path, PRODUCTS) == 0 || strcmp(path, PRODUCTS "/") == 0) {
                catalog_render_json(c, tag, q, out);
        } else if (strncmp(path, PRODUCTS "/", strlen(PRODUCTS "/")) == 0) {
                const struct cat_product *p = catalog_find(c, path + strlen(PRODUCTS "/"));
                if (p) {
                        catalog_render_product_json(p, out);
                } else {
                        *status = 404;
                        buf_puts(out, "{\"error\": \"no data product owns this domain\"}\n");
                }
        } else if (strcmp(path, "/catalogue") == 0 || strcmp(path, "/") == 0) {
                *ctype = "text/html; charset=utf-8";
                catalog_render_html(c, tag, q, out);
        } else if (strcmp(path, "/topology") == 0 || strcmp(path, "/topology.svg") == 0) {
                topology(c, "svg", status, ctype, out);
        } else if (strcmp(path, "/topology.dot") == 0 || strcmp(path, "/topology.mmd") == 0) {
                topology(c, path + strlen("/topology."), status, ctype, out);
        } else if (strcmp(path, "/backstage/catalog-info.yaml") == 0) {
                *ctype = "application/yaml";
                catalog_render_backstage(c, tag, q, out);
        } else {
                return false;
        }
        return true;
}
