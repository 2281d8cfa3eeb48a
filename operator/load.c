#include "operator/cli.h"

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

struct product *cli_load_spec(const char *path)
{
        struct asyncapi_opts opts = {0};
        struct diags d;
        struct product *p;

        diags_init(&d);
        p = asyncapi_load_file(path, &opts, &d);
        if (!p || d.items.len) {
                diags_print(&d, stderr);
                product_free(p);
                p = NULL;
        }
        diags_release(&d);
        return p;
}
