#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/model/model.h"
#include "pkg/policy/policy.h"

static const char *const POLICY =
    "apiVersion: specmesh.io/v1alpha1\nkind: MeshPolicy\nmetadata: {name: platform}\nspec:\n"
    "  claims:\n    - namespaces: [team-a]\n      domains: [acme.shop]\n"
    "    - namespaces: [team-b]\n      domains: [acme.billing]\n"
    "  principals:\n    allowOverride: true\n    allowed: ['User:svc-*']\n"
    "    reserved: ['User:admin', 'User:svc-root']\n"
    "  topics:\n    partitions: {min: 1, max: 12}\n    replicas: {min: 3, max: 3}\n"
    "    retentionMsMax: 604800000\n    allowedConfigs: [retention.ms, cleanup.policy]\n"
    "  quotas: {required: true, producerByteRateMax: 1048576}\n"
    "  deletion: {allowDelete: false}\n  schemas: {minCompatibility: BACKWARD}\n";

static struct policy *parse(const char *text)
{
        struct diags d;
        struct policy *p;

        diags_init(&d);
        p = policy_parse("policy.yaml", text, strlen(text), &d);
        if (!p && d.items.len)
                cr_log_info("%s", ((struct diag *)d.items.items[0])->msg);
        diags_release(&d);
        return p;
}

static struct product *product(const char *body)
{
        struct diags d;
        struct product *p;

        diags_init(&d);
        p = asyncapi_load_buffer("dp.yaml", body, strlen(body), NULL, NULL, &d);
        cr_assert_not_null(p, "%s", d.items.len ? ((struct diag *)d.items.items[0])->msg : "");
        diags_release(&d);
        return p;
}

#define GOOD_BODY                                                                           \
        "kind: DataProduct\nspec:\n  quotas: {producerByteRate: 1024}\n  asyncapi:\n"       \
        "    asyncapi: 2.6.0\n    id: urn:acme:shop\n    channels:\n      _public/o:\n"     \
        "        bindings: {kafka: {partitions: 6, replicas: 3, configs: {retention.ms: "   \
        "86400000}}}\n        publish:\n          message:\n            bindings: {kafka: " \
        "{compatibility: FULL}}\n            payload: {type: string}\n"

/* The rules `pol` finds broken for `p` in `ns`, space-separated. */
static char *rules(const struct policy *pol, const struct product *p, const char *ns)
{
        struct vec v = VEC_INIT;
        char buf[1024] = "";

        cr_assert_geq(policy_check(pol, p, ns, &v), 0);
        for (size_t i = 0; i < v.len; i++) {
                const struct policy_violation *x = v.items[i];
                strcat(buf, i ? " " : "");
                strcat(buf, x->rule);
                cr_assert(strstr(x->message, x->rule), "the message names the rule: %s",
                          x->message);
                cr_assert(x->field && *x->field);
        }
        vec_release(&v, policy_violation_free_item);
        return strdup(buf);
}

Test(policy, a_conforming_product_passes)
{
        struct policy *pol = parse(POLICY);
        struct product *p = product(GOOD_BODY);
        char *r;

        cr_assert_not_null(pol);
        cr_assert_str_eq(pol->name, "platform");
        r = rules(pol, p, "team-a");
        cr_assert_str_eq(r, "");
        free(r);
        r = rules(pol, p, NULL);
        cr_assert_str_eq(r, "", "the CLI: some namespace may claim acme.shop");
        free(r);
        product_free(p);
        policy_free(pol);
}

Test(policy, claims_bind_namespaces_to_subtrees)
{
        struct policy *pol = parse(POLICY);
        struct product *p = product(GOOD_BODY);
        char *r = rules(pol, p, "team-b");

        cr_assert_str_eq(r, "claims", "team-b may not claim acme.shop");
        free(r);
        cr_assert(policy_domain_within("acme.shop.x", "acme.shop"));
        cr_assert(policy_domain_within("acme.shop", "acme.shop"));
        cr_assert_not(policy_domain_within("acme.shopping", "acme.shop"));
        cr_assert_not(policy_domain_within("acme", "acme.shop"));
        product_free(p);
        policy_free(pol);
}

Test(policy, every_rule_names_itself)
{
        struct policy *pol = parse(POLICY);
        struct product *p = product(
            "kind: DataProduct\nspec:\n  principal: User:admin\n  deletionPolicy: Delete\n"
            "  quotas: {producerByteRate: 99999999}\n  asyncapi:\n"
            "    asyncapi: 2.6.0\n    id: urn:acme:shop\n    channels:\n      _public/o:\n"
            "        bindings: {kafka: {partitions: 100, replicas: 1, configs: {retention.ms: "
            "-1, min.insync.replicas: 1}}}\n        publish:\n          message:\n"
            "            bindings: {kafka: {compatibility: NONE}}\n"
            "            payload: {type: string}\n");
        char *r = rules(pol, p, "team-a");

        cr_assert_str_eq(r, "principals.reserved topics.partitions.max topics.replicas.min "
                            "topics.retentionMsMax topics.allowedConfigs "
                            "quotas.producerByteRateMax deletion.allowDelete "
                            "schemas.minCompatibility");
        free(r);
        product_free(p);
        policy_free(pol);
}

Test(policy, principal_overrides_need_the_policy)
{
        struct policy *none = parse("spec: {}\n");
        struct policy *pol = parse(POLICY);
        struct product *p = product("kind: DataProduct\nspec:\n  principal: User:svc-shop\n"
                                    "  quotas: {producerByteRate: 1}\n  asyncapi: {asyncapi: "
                                    "2.6.0, id: 'urn:acme:shop'}\n");
        struct product *q = product("kind: DataProduct\nspec:\n  principal: User:acme.billing\n"
                                    "  quotas: {producerByteRate: 1}\n  asyncapi: {asyncapi: "
                                    "2.6.0, id: 'urn:acme:shop'}\n");
        char *r;

        r = rules(none, p, NULL);
        cr_assert_str_eq(r, "principals.allowOverride", "no policy allows overrides by default");
        free(r);
        r = rules(pol, p, "team-a");
        cr_assert_str_eq(r, "", "User:svc-* is allowed");
        free(r);
        r = rules(pol, q, "team-a");
        cr_assert_str_eq(r, "principals.allowOverride", "another product's principal");
        free(r);
        product_free(p);
        product_free(q);
        policy_free(pol);
        policy_free(none);
}

Test(policy, compatibility_order)
{
        cr_assert(policy_compat_at_least("FULL_TRANSITIVE", "BACKWARD"));
        cr_assert(policy_compat_at_least("FULL", "FORWARD"));
        cr_assert(policy_compat_at_least("BACKWARD_TRANSITIVE", "BACKWARD"));
        cr_assert_not(policy_compat_at_least("BACKWARD", "BACKWARD_TRANSITIVE"));
        cr_assert_not(policy_compat_at_least("FORWARD", "BACKWARD"));
        cr_assert_not(policy_compat_at_least("NONE", "BACKWARD"));
        cr_assert_not(policy_compat_at_least("bogus", "NONE"));
        cr_assert(policy_compat_at_least("NONE", "NONE"));
}

Test(policy, bad_policies_are_refused_with_the_field)
{
        static const char *const bad[] = {
            "spec: {topics: {partitons: {max: 3}}}\n",
            "spec: {principals: {allowed: ['User:*']}}\n",
            "spec: {claims: [{namespaces: [a], domains: ['a._public']}]}\n",
            "spec: {schemas: {minCompatibility: SOME}}\n",
            "kind: DataProduct\nspec: {}\n",
            "spec: {deletion: {allowDelete: maybe}}\n",
            "spec: {topics: {retentionMsMax: -5}}\n",
            "spec: [1]\n",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct policy *p = parse(bad[i]);
                cr_expect_null(p, "accepted: %s", bad[i]);
                policy_free(p);
        }
}

Test(policy, json_policies_parse_too)
{
        struct policy *p = parse("{\"kind\":\"MeshPolicy\",\"metadata\":{\"name\":\"j\"},"
                                 "\"spec\":{\"topics\":{\"partitions\":{\"max\":3}}}}");

        cr_assert_not_null(p);
        cr_assert(p->partitions.has_max);
        cr_assert_eq(p->partitions.max, 3);
        policy_free(p);
}
