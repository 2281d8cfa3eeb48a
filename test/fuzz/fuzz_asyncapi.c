/*
 * libFuzzer target: any bytes through the AsyncAPI reader and, when they parse, through the
 * planner and both renderers. Must never crash, leak or allocate without bound, and whatever the
 * reader accepts must pass the planner's tenancy gate (docs/security.md): a spec the reader
 * lets through that plans outside its domain is a finding.
 * Build: cmake --preset fuzz && cmake --build --preset fuzz
 * Run:   build-fuzz/fuzz_asyncapi -max_total_time=60 test/fuzz/corpus/asyncapi
 */
#include <stdint.h>
#include <stdlib.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/base/err.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct diags d;
        struct product *want, *have;
        struct plan p;
        struct err err;

        diags_init(&d);
        want = asyncapi_load_buffer("fuzz.yaml", (const char *)data, size, NULL, NULL, &d);
        if (want) {
                have = product_new();
                if (have && plan_build(want, have, PLAN_PRUNE, &p, &err) == 0) {
                        free(plan_render_text(&p));
                        free(plan_render_json(&p));
                        plan_release(&p);
                } else if (have && err.kind == ERR_INVALID) {
                        abort(); /* the reader accepted what the scope gate refuses */
                }
                product_free(have);
        }
        product_free(want);
        diags_release(&d);
        return 0;
}
