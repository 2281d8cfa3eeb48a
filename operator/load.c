#include "operator/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/policy/policy.h"
#include "pkg/base/banned.h"

/* The policy in `file`, or the default one (no overrides, no limits) when `file` is NULL. */
static struct policy *load_policy(const char *file)
{
        static const char defaults[] = "spec: {}\n";
        struct diags d;
        struct policy *pol;
        size_t len;
        char *text = file ? str_read_file(file, 1u << 20, &len) : NULL;

        if (file && !text) {
                fprintf(stderr, "specmesh: cannot read policy %s: %s\n", file, strerror(errno));
                return NULL;
        }
        diags_init(&d);
        pol = text ? policy_parse(file, text, len, &d)
                   : policy_parse("(default policy)", defaults, strlen(defaults), &d);
        diags_print(&d, stderr);
        diags_release(&d);
        free(text);
        return pol;
}

/* 0 when `p` satisfies the policy, else -1 after printing each violation. */
static int check_policy(const char *path, const char *policy_file, const struct product *p)
{
        struct policy *pol = load_policy(policy_file);
        struct vec v = VEC_INIT;
        int n;

        if (!pol)
                return -1;
        n = policy_check(pol, p, NULL, &v);
        for (size_t i = 0; i < v.len; i++) {
                const struct policy_violation *x = v.items[i];
                fprintf(stderr, "%s: error: %s, at %s\n", path, x->message, x->field);
        }
        if (n < 0)
                fprintf(stderr, "%s: error: out of memory checking the policy\n", path);
        vec_release(&v, policy_violation_free_item);
        policy_free(pol);
        return n == 0 ? 0 : -1;
}

struct product *cli_load_spec(const char *path, const char *policy_file)
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
        if (p && check_policy(path, policy_file, p) < 0) {
                product_free(p);
                p = NULL;
        }
        return p;
}
