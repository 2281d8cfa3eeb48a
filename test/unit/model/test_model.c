#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/model/model.h"

Test(model, topic_names_follow_kafka_rules)
{
        char long_name[300];
        const char *why = NULL;

        cr_assert(model_topic_name_valid("london.x._public.attendee", NULL));
        cr_assert_not(model_topic_name_valid("has space", &why));
        cr_assert_str_eq(why, "topic name may only contain [a-zA-Z0-9._-]");
        cr_assert_not(model_topic_name_valid("..", NULL));
        memset(long_name, 'a', 250);
        long_name[250] = '\0';
        cr_assert_not(model_topic_name_valid(long_name, &why));
        long_name[249] = '\0';
        cr_assert(model_topic_name_valid(long_name, NULL));
}

Test(model, domain_prefix_ends_with_a_dot)
{
        cr_assert(model_topic_in_domain("acme.user.x", "acme.user"));
        cr_assert_not(model_topic_in_domain("acme.userprops.x", "acme.user"),
                      "acme.user never covers acme.userprops");
        cr_assert_eq(model_access_of("acme.user._protected.x", "acme.user"), ACCESS_PROTECTED);
        cr_assert_eq(model_access_of("acme.user.plain", "acme.user"), ACCESS_NONE);
}

Test(model, acl_ownership)
{
        struct acl *own =
            acl_new(ACL_RES_TOPIC, "acme.user.", ACL_PAT_PREFIXED, "User:acme.user", ACL_OP_READ);
        struct acl *other = acl_new(ACL_RES_TOPIC, "acme.userprops.", ACL_PAT_PREFIXED,
                                    "User:acme.userprops", ACL_OP_READ);
        struct acl *child = acl_new(ACL_RES_TOPIC, "acme.user.sub.", ACL_PAT_PREFIXED,
                                    "User:acme.user.sub", ACL_OP_READ);
        struct acl *grant = acl_new(ACL_RES_TOPIC, "acme.user._protected.t", ACL_PAT_LITERAL,
                                    "User:other", ACL_OP_READ);
        struct acl *cluster = acl_new(ACL_RES_CLUSTER, "kafka-cluster", ACL_PAT_LITERAL,
                                      "User:acme.user", ACL_OP_IDEMPOTENT_WRITE);

        cr_assert(model_acl_owned(own, "acme.user", "User:acme.user"));
        cr_assert_not(model_acl_owned(other, "acme.user", "User:acme.user"));
        cr_assert_not(model_acl_owned(child, "acme.user", "User:acme.user"),
                      "a nested domain's prefix ACL belongs to the nested product");
        cr_assert(model_acl_owned(grant, "acme.user", "User:acme.user"));
        cr_assert(model_acl_owned(cluster, "acme.user", "User:acme.user"));
        cr_assert_not(model_acl_owned(cluster, "acme.other", "User:acme.other"));
        acl_free(own);
        acl_free(other);
        acl_free(child);
        acl_free(grant);
        acl_free(cluster);
}

static bool legacy(enum acl_resource r, const char *name, const char *principal, enum acl_op op)
{
        struct acl *a = acl_new(r, name, ACL_PAT_PREFIXED, principal, op);
        bool yes = model_acl_legacy(a, "a.b", "User:a.b");
        bool owned = model_acl_owned(a, "a.b", "User:a.b");

        cr_assert_eq(yes, owned, "%s: legacy and owned disagree", name);
        acl_free(a);
        return yes;
}

Test(model, specmesh_legacy_acls_are_exactly_that_domains)
{
        /* the set SpecMesh v0.20.2 creates for domain a.b (KafkaApiSpec.requiredAcls) */
        cr_assert(legacy(ACL_RES_TOPIC, "a.b", "User:a.b", ACL_OP_WRITE));
        cr_assert(legacy(ACL_RES_TOPIC, "a.b", "User:a.b", ACL_OP_DELETE));
        cr_assert(legacy(ACL_RES_TOPIC, "a.b._private", "User:a.b", ACL_OP_CREATE));
        cr_assert(legacy(ACL_RES_TOPIC, "a.b._public", "User:*", ACL_OP_READ));
        cr_assert(legacy(ACL_RES_GROUP, "a.b", "User:a.b", ACL_OP_READ));
        cr_assert(legacy(ACL_RES_TRANSACTIONAL_ID, "a.b", "User:a.b", ACL_OP_WRITE));
        cr_assert(legacy(ACL_RES_CLUSTER, "kafka-cluster", "User:a.b", ACL_OP_IDEMPOTENT_WRITE));
        /* other domains: longer, sibling with the same start, shorter, nested public */
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.b.c", "User:a.b", ACL_OP_WRITE));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.b.c", "User:a.b.c", ACL_OP_WRITE));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.bc", "User:a.b", ACL_OP_WRITE));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.bc._public", "User:*", ACL_OP_READ));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a", "User:a.b", ACL_OP_WRITE));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.b.c._public", "User:*", ACL_OP_READ));
        cr_assert_not(legacy(ACL_RES_GROUP, "a.bc", "User:a.b", ACL_OP_READ));
        /* not what SpecMesh grants: other principals, operations, resources */
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.b", "User:x", ACL_OP_READ));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.b", "User:*", ACL_OP_READ));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.b._public", "User:a.b", ACL_OP_READ));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.b._public", "User:*", ACL_OP_WRITE));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.b", "User:a.b", ACL_OP_ALTER));
        cr_assert_not(legacy(ACL_RES_TOPIC, "a.b._protected", "User:a.b", ACL_OP_READ));
}

Test(model, legacy_needs_allow_any_host_and_prefixed)
{
        struct acl *a =
            acl_new(ACL_RES_TOPIC, "a.b._public", ACL_PAT_PREFIXED, "User:*", ACL_OP_READ);

        cr_assert(model_acl_legacy(a, "a.b", "User:a.b"));
        a->perm = ACL_PERM_DENY;
        cr_assert_not(model_acl_legacy(a, "a.b", "User:a.b"), "a DENY is nobody's legacy");
        a->perm = ACL_PERM_ALLOW;
        free(a->host);
        a->host = strdup("10.0.0.1");
        cr_assert_not(model_acl_legacy(a, "a.b", "User:a.b"));
        free(a->host);
        a->host = strdup("*");
        a->pattern = ACL_PAT_LITERAL;
        cr_assert_not(model_acl_legacy(a, "a.b", "User:a.b"));
        acl_free(a);
}

Test(model, configs_stay_sorted_and_replace)
{
        struct topic *t = topic_new("a.b", 3, 1);

        cr_assert_eq(topic_set_config(t, "retention.ms", "1"), 0);
        cr_assert_eq(topic_set_config(t, "cleanup.policy", "delete"), 0);
        cr_assert_eq(topic_set_config(t, "retention.ms", "2"), 0);
        cr_assert_eq(t->configs.len, 2);
        cr_assert_str_eq(t->configs.items[0].key, "cleanup.policy");
        cr_assert_str_eq(topic_config(t, "retention.ms"), "2");
        cr_assert_null(topic_config(t, "nope"));
        topic_free(t);
}

Test(model, configs_are_capped_and_copied_deep)
{
        struct topic *t = topic_new("a.b", 3, 1), *c;
        char key[16];

        for (int i = 0; i < MODEL_TOPIC_CONFIGS_MAX; i++) {
                snprintf(key, sizeof(key), "k%d", i);
                cr_assert_eq(topic_set_config(t, key, "v"), 0);
        }
        cr_assert_eq(topic_set_config(t, "one.more", "v"), STRMAP_FULL);
        cr_assert_null(topic_config(t, "one.more"));
        cr_assert_eq(topic_set_config(t, "k0", "w"), 0, "replacing stays allowed at the cap");
        c = topic_dup(t);
        cr_assert_not_null(c);
        cr_assert(strmap_equal(&t->configs, &c->configs));
        cr_assert_eq(topic_set_config(c, "k0", "x"), 0);
        cr_assert_str_eq(topic_config(t, "k0"), "w", "the copy owns its own strings");
        topic_free(c);
        topic_free(t);
}

Test(model, product_sort_dedups_acls)
{
        struct product *p = product_new();

        for (int i = 0; i < 3; i++)
                vec_push(&p->acls,
                         acl_new(ACL_RES_GROUP, "d.", ACL_PAT_PREFIXED, "User:d", ACL_OP_READ));
        vec_push(&p->topics, topic_new("d.b", 1, 1));
        vec_push(&p->topics, topic_new("d.a", 1, 1));
        product_sort(p);
        cr_assert_eq(p->acls.len, 1);
        cr_assert_str_eq(((struct topic *)p->topics.items[0])->name, "d.a");
        cr_assert_not_null(product_topic(p, "d.b"));
        cr_assert_null(product_topic(p, "d.c"));
        product_free(p);
}

Test(model, domains_are_trees_of_plain_segments)
{
        const char *why = NULL;

        cr_assert(model_domain_valid("london.hammersmith.olympia", NULL));
        cr_assert(model_domain_valid("a-b.c_d.x9", NULL));
        cr_assert_not(model_domain_valid("a._public", &why));
        cr_assert(strstr(why, "access-level"), "%s", why);
        cr_assert_not(model_domain_valid("_private.a", NULL));
        cr_assert_not(model_domain_valid("a._x", NULL));
        cr_assert_not(model_domain_valid("a..b", NULL));
        cr_assert_not(model_domain_valid(".a", NULL));
        cr_assert_not(model_domain_valid("a.", NULL));
        cr_assert_not(model_domain_valid("", NULL));
        cr_assert_not(model_domain_valid("a*", NULL));
}

Test(model, a_longer_domains_names_are_never_ours)
{
        cr_assert(model_topic_owned("a.b._public.x", "a.b"));
        cr_assert(model_topic_owned("a.b._private.c.d", "a.b"));
        cr_assert_not(model_topic_owned("a.b.c._public.x", "a.b"), "a.b.c's topic");
        cr_assert_not(model_topic_owned("a.b.x", "a.b"), "no access level: a.b.x's");
        cr_assert_not(model_topic_owned("a.b._public", "a.b"));
        cr_assert_not(model_topic_owned("a.b._public.", "a.b"));
        cr_assert_not(model_topic_owned("a.bc._public.x", "a.b"));
        cr_assert_not(model_subject_owned("a.b.Record", "a.b"));
        cr_assert(model_subject_owned("a.b._public.x-value", "a.b"));
        struct acl *grant =
            acl_new(ACL_RES_TOPIC, "a.b.c._protected.t", ACL_PAT_LITERAL, "User:z", ACL_OP_READ);
        cr_assert_not(model_acl_owned(grant, "a.b", "User:a.b"), "the child's grant");
        acl_free(grant);
}

Test(model, principals_never_wildcards_or_anonymous)
{
        cr_assert(model_principal_valid("User:a.b", NULL));
        cr_assert(model_principal_valid("User:CN=app, O=acme", NULL));
        cr_assert_not(model_principal_valid("User:*", NULL));
        cr_assert_not(model_principal_valid("User:a*", NULL));
        cr_assert_not(model_principal_valid("User:ANONYMOUS", NULL));
        cr_assert_not(model_principal_valid("User:Anonymous", NULL));
        cr_assert_not(model_principal_valid("User:", NULL));
        cr_assert_not(model_principal_valid("Group:x", NULL));
        cr_assert_not(model_principal_valid("User:a\nb", NULL));
        cr_assert_not(model_principal_valid("User: a", NULL));
}

Test(model, claims_overlap_along_the_tree)
{
        cr_assert(model_domains_overlap("a.b", "a.b"));
        cr_assert(model_domains_overlap("a.b", "a.b.c"));
        cr_assert(model_domains_overlap("a.b.c.d", "a"));
        cr_assert_not(model_domains_overlap("a.b", "a.bc"));
        cr_assert_not(model_domains_overlap("a.bc", "a.b"));
        cr_assert_not(model_domains_overlap("a.b", "a.c"));
}
