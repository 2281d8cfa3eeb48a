/*
 * The operator's side of the platform policy: read every MeshPolicy in the cluster (cluster-
 * scoped, crds/meshpolicies.specmesh.io.yaml) and judge a product with pkg/policy. Fails
 * closed: when the policies cannot be read, nothing is touched and the reconcile retries.
 */
#include "operator/operator.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "pkg/yaml/diag.h"
#include "pkg/base/err.h"
#include "pkg/kube/kube.h"
#include "pkg/policy/policy.h"
#include "pkg/base/banned.h"

/* Parse each item of a MeshPolicyList into `out`; a broken one is itself a violation. */
static int parse_items(json_object *list, struct vec *out, char *msg, size_t n)
{
        json_object *items = NULL;

        json_object_object_get_ex(list, "items", &items);
        for (size_t i = 0; items && i < json_object_array_length(items); i++) {
                json_object *it = json_object_array_get_idx(items, i);
                const char *text = json_object_to_json_string(it);
                struct diags d;
                struct policy *pol;
                diags_init(&d);
                pol = policy_parse(kube_name(it), text, strlen(text), &d);
                if (!pol) {
                        const struct diag *g = d.items.len ? d.items.items[0] : NULL;
                        snprintf(msg, n, "MeshPolicy %s is not valid: %s%s%s", kube_name(it),
                                 g ? g->msg : "out of memory", g && g->path ? ", at " : "",
                                 g && g->path ? g->path : "");
                        diags_release(&d);
                        return -1;
                }
                diags_release(&d);
                if (vec_push(out, pol) < 0) {
                        policy_free(pol);
                        snprintf(msg, n, "out of memory");
                        return -1;
                }
        }
        return 0;
}

int op_policy_verdict(struct kube *k, const struct product *p, const char *ns, bool *nested,
                      char *msg, size_t n)
{
        json_object *list = NULL;
        struct vec pols = VEC_INIT;
        struct err err;
        int rc;

        err_clear(&err);
        *nested = false;
        if (kube_request(k, "GET", "/apis/" DP_GROUP_VERSION "/meshpolicies", NULL, NULL, &list,
                         &err) < 0 &&
            err.kind != ERR_NOT_FOUND) {
                snprintf(msg, n, "cannot read MeshPolicies: %s", err.msg);
                return -1;
        }
        rc = parse_items(list, &pols, msg, n);
        if (rc == 0) {
                rc = policy_check_all(&pols, p, ns, msg, n, nested);
                if (rc < 0)
                        snprintf(msg, n, "out of memory checking the MeshPolicies");
                rc = rc < 0 ? -1 : rc > 0;
        } else {
                rc = 1; /* a broken policy refuses everything: fail closed, with its reason */
        }
        vec_release(&pols, policy_free_item);
        json_object_put(list);
        return rc;
}
