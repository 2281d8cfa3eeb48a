#include "pkg/catalog/topology.h"

#include <criterion/criterion.h>
#include <string.h>

#include "pkg/yaml/diag.h"
#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/catalog/catalog.h"

#define EXAMPLES FIXTURES_DIR "/../../examples"

#define PURCHASE "london.hammersmith.olympia.bigdatalondon._protected.retail.purchase"

static void load(struct catalog *c, const char *const *paths, size_t n)
{
        struct diags d;

        catalog_init(c);
        diags_init(&d);
        for (size_t i = 0; i < n; i++)
                cr_assert_eq(catalog_add_file(c, paths[i], &d), 0, "%s", paths[i]);
        diags_release(&d);
        catalog_sort(c);
}

static void load_examples(struct catalog *c)
{
        static const char *const paths[] = {EXAMPLES "/bigdatalondon/asyncapi.yaml",
                                            EXAMPLES "/transport/asyncapi.yaml",
                                            EXAMPLES "/heathrow/asyncapi.yaml"};
        load(c, paths, 3);
}

Test(topology, dot_of_the_examples)
{
        struct catalog c;
        struct buf dot;

        load_examples(&c);
        buf_init(&dot, 1u << 20);
        cr_assert_eq(topology_dot(&c, "/catalogue", &dot), 0);
        /* one box per domain, products and topics inside */
        cr_assert_not_null(strstr(dot.data, "id=\"domain-london.heathrow.transport\""));
        cr_assert_not_null(strstr(dot.data, "id=\"product-london.hammersmith.transport\""));
        cr_assert_not_null(strstr(dot.data, "id=\"topic-" PURCHASE "\""));
        /* private topics are not drawn */
        cr_assert_null(strstr(dot.data, "_private"));
        /* producer -> topic, topic -> granted reader, topic -> denied reader (red, dashed) */
        cr_assert_not_null(strstr(dot.data, "[id=\"produce:london.hammersmith.olympia."
                                            "bigdatalondon:" PURCHASE "\""));
        cr_assert_not_null(strstr(dot.data, "[id=\"read:" PURCHASE ":london.hammersmith."
                                            "transport\", class=\"read\"]"));
        cr_assert_not_null(strstr(dot.data, "[id=\"denied:" PURCHASE
                                            ":london.heathrow.transport\", class=\"denied\", "
                                            "color=\"#d0021b\""));
        cr_assert_not_null(strstr(dot.data, "style=dashed, label=\"denied\""));
        /* links into the catalogue */
        cr_assert_not_null(strstr(dot.data, "URL=\"/catalogue#topic-" PURCHASE "\""));
        buf_release(&dot);
        catalog_release(&c);
}

Test(topology, grant_without_reader_is_dotted)
{
        static const char *const paths[] = {EXAMPLES "/bigdatalondon/asyncapi.yaml"};
        struct catalog c;
        struct buf dot;

        load(&c, paths, 1);
        buf_init(&dot, 1u << 20);
        cr_assert_eq(topology_dot(&c, NULL, &dot), 0);
        cr_assert_not_null(strstr(dot.data, "\"d:london.hammersmith.transport\" [shape=box"));
        cr_assert_not_null(strstr(dot.data, "[id=\"grant:" PURCHASE
                                            ":london.hammersmith.transport\", class=\"grant\", "
                                            "color=\"#a15c00\", style=dotted"));
        /* the tube topic it reads is not listed: drawn outside every box, readable */
        cr_assert_not_null(strstr(dot.data, "[id=\"read:london.hammersmith.transport._public.tube:"
                                            "london.hammersmith.olympia.bigdatalondon\""));
        cr_assert_null(strstr(dot.data, "URL="));
        buf_release(&dot);
        catalog_release(&c);
}

Test(topology, svg_has_the_nodes_and_edges)
{
        struct catalog c;
        struct buf dot, svg;
        struct err err;

        load_examples(&c);
        buf_init(&dot, 1u << 20);
        buf_init(&svg, 1u << 22);
        err_clear(&err);
        cr_assert_eq(topology_dot(&c, "/catalogue", &dot), 0);
        cr_assert_eq(topology_svg(dot.data, &svg, &err), 0, "%s", err.msg);
        cr_assert_not_null(strstr(svg.data, "<svg"));
        cr_assert_not_null(strstr(svg.data, "<g id=\"product&#45;london.hammersmith.transport\" "
                                            "class=\"node\""));
        cr_assert_not_null(strstr(svg.data, "<g id=\"topic&#45;" PURCHASE "\" class=\"node\""));
        cr_assert_not_null(strstr(svg.data, "<g id=\"denied:" PURCHASE
                                            ":london.heathrow.transport\" class=\"edge denied\""));
        cr_assert_not_null(strstr(svg.data, "stroke-dasharray"));
        cr_assert_not_null(strstr(svg.data, "xlink:href=\"/catalogue#topic-" PURCHASE "\""));
        /* the same graph again: the same SVG (kept, not laid out again) */
        {
                struct buf again;
                buf_init(&again, 1u << 22);
                cr_assert_eq(topology_svg(dot.data, &again, &err), 0);
                cr_assert_eq(again.len, svg.len);
                cr_assert_eq(memcmp(again.data, svg.data, svg.len), 0);
                buf_release(&again);
        }
        buf_release(&dot);
        buf_release(&svg);
        catalog_release(&c);
}

Test(topology, hostile_names_stay_text)
{
        static const char *const paths[] = {FIXTURES_DIR "/catalog/hostile.yaml"};
        struct catalog c;
        struct buf dot, svg, mm;
        struct err err;

        load(&c, paths, 1);
        buf_init(&dot, 1u << 20);
        buf_init(&svg, 1u << 22);
        buf_init(&mm, 1u << 20);
        err_clear(&err);
        cr_assert_eq(topology_dot(&c, "/catalogue", &dot), 0);
        cr_assert_eq(topology_svg(dot.data, &svg, &err), 0, "%s", err.msg);
        cr_assert_null(strstr(svg.data, "<script"));
        cr_assert_not_null(strstr(svg.data, "&lt;script&gt;"));
        cr_assert_eq(topology_mermaid(&c, &mm), 0);
        cr_assert_null(strstr(mm.data, "<script"));
        cr_assert_not_null(strstr(mm.data, "#60;script#62;"));
        buf_release(&dot);
        buf_release(&svg);
        buf_release(&mm);
        catalog_release(&c);
}

Test(topology, mermaid_of_the_examples)
{
        struct catalog c;
        struct buf mm;

        load_examples(&c);
        buf_init(&mm, 1u << 20);
        cr_assert_eq(topology_mermaid(&c, &mm), 0);
        cr_assert_not_null(strstr(mm.data, "flowchart LR\n"));
        cr_assert_not_null(strstr(mm.data, "  t0 --> p1\n"));
        cr_assert_not_null(
            strstr(mm.data, "  t0 -. denied .-> p2\n  linkStyle 6 stroke:#d0021b\n"));
        buf_release(&mm);
        catalog_release(&c);
}

Test(topology, bad_dot_is_an_error)
{
        struct buf svg;
        struct err err;

        buf_init(&svg, 1u << 20);
        err_clear(&err);
        cr_assert_eq(topology_svg("digraph { a -> ", &svg, &err), -1);
        cr_assert_not_null(strstr(err.msg, "graphviz"));
        buf_release(&svg);
}
