#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"

#define D "acme.shop"

static struct product *product(void)
{
        struct product *p = product_new();

        p->domain = strdup(D);
        p->principal = strdup("User:" D);
        return p;
}

static struct topic *add_topic(struct product *p, const char *name, int parts)
{
        struct topic *t = topic_new(name, parts, 1);

        vec_push(&p->topics, t);
        return t;
}

static void add_acl(struct product *p, const char *name, const char *principal, enum acl_op op)
{
        vec_push(&p->acls, acl_new(ACL_RES_TOPIC, name, ACL_PAT_LITERAL, principal, op));
}

static struct subject *add_subject(struct product *p, const char *name, const char *schema)
{
        struct subject *s = subject_new(name, SCHEMA_AVRO, schema);

        s->compatibility = strdup("FULL_TRANSITIVE");
        vec_push(&p->subjects, s);
        return s;
}

static size_t count(const struct plan *p, enum plan_action a, enum plan_resource r)
{
        size_t n = 0;

        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                n += op->action == a && op->resource == r;
        }
        return n;
}

static void build(struct product *want, struct product *have, unsigned flags, struct plan *out)
{
        struct err err;

        product_sort(want);
        product_sort(have);
        cr_assert_eq(plan_build(want, have, flags, out, &err), 0, "%s", err.msg);
}

Test(plan, empty_cluster_creates_everything_in_order)
{
        struct product *want = product(), *have = product();
        struct plan p;

        add_topic(want, D "._public.a", 3);
        add_acl(want, D "._public.a", "User:x", ACL_OP_READ);
        add_subject(want, D "._public.a-value", "{\"type\":\"string\"}");
        want->quota = quota_new(D);
        want->quota->set = 1u << QUOTA_PRODUCER_BYTE_RATE;
        want->quota->values[QUOTA_PRODUCER_BYTE_RATE] = 1024;
        build(want, have, 0, &p);
        cr_assert_eq(p.ops.len, 4);
        cr_assert_eq(((struct plan_op *)p.ops.items[0])->resource, PLAN_TOPIC);
        cr_assert_eq(((struct plan_op *)p.ops.items[1])->resource, PLAN_SUBJECT,
                     "subjects after the topics they describe");
        cr_assert_eq(((struct plan_op *)p.ops.items[2])->resource, PLAN_ACL);
        cr_assert_eq(((struct plan_op *)p.ops.items[3])->resource, PLAN_QUOTA);
        cr_assert_eq(plan_change_count(&p), 4);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(plan, same_state_is_no_change)
{
        struct product *want = product(), *have = product();
        struct plan p;

        topic_set_config(add_topic(want, D "._private.t", 3), "retention.ms", "1000");
        topic_set_config(add_topic(have, D "._private.t", 3), "retention.ms", "1000");
        add_acl(want, D "._private.t", "User:x", ACL_OP_READ);
        add_acl(have, D "._private.t", "User:x", ACL_OP_READ);
        add_subject(want, D "._private.t-value",
                    "{\"type\": \"record\", \"name\": \"R\", \"fields\": []}");
        add_subject(have, D "._private.t-value",
                    "{\"name\":\"R\",\"type\":\"record\",\"fields\":[]}");
        build(want, have, 0, &p);
        cr_assert_eq(plan_change_count(&p), 0, "formatting and key order are not changes");
        cr_assert_eq(p.problems.len, 0);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(plan, partitions_grow)
{
        struct product *want = product(), *have = product();
        struct plan p;

        add_topic(want, D "._private.t", 6);
        add_topic(have, D "._private.t", 3);
        build(want, have, 0, &p);
        cr_assert_eq(count(&p, PLAN_UPDATE, PLAN_TOPIC), 1);
        cr_assert(((struct plan_op *)p.ops.items[0])->grow_partitions);
        cr_assert_not(((struct plan_op *)p.ops.items[0])->alter_configs);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(plan, shrink_is_terminal)
{
        struct product *want = product(), *have = product();
        struct plan p;

        topic_set_config(add_topic(want, D "._private.t", 3), "retention.ms", "5");
        add_topic(have, D "._private.t", 6);
        build(want, have, 0, &p);
        cr_assert_eq(p.problems.len, 1);
        struct plan_problem *pr = p.problems.items[0];
        cr_assert_str_eq(pr->reason, "PartitionDecrease");
        cr_assert(strstr(pr->message, "partitions cannot shrink (6 -> 3)"), "%s", pr->message);
        cr_assert_eq(count(&p, PLAN_UPDATE, PLAN_TOPIC), 1, "configs are still reconciled");
        cr_assert_not(((struct plan_op *)p.ops.items[0])->grow_partitions);
        cr_assert_eq(count(&p, PLAN_DELETE, PLAN_TOPIC), 0, "never delete to fix a shrink");
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(plan, replication_factor_change_is_a_problem)
{
        struct product *want = product(), *have = product();
        struct plan p;

        add_topic(want, D "._private.t", 3)->replicas = 3;
        add_topic(have, D "._private.t", 3);
        build(want, have, 0, &p);
        cr_assert_eq(p.problems.len, 1);
        cr_assert_str_eq(((struct plan_problem *)p.problems.items[0])->reason,
                         "ReplicationFactorChange");
        cr_assert_eq(plan_change_count(&p), 0);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(plan, out_of_band_config_is_drift)
{
        struct product *want = product(), *have = product();
        struct plan p;
        struct topic *h;

        topic_set_config(add_topic(want, D "._private.t", 3), "retention.ms", "1000");
        h = add_topic(have, D "._private.t", 3);
        topic_set_config(h, "retention.ms", "1000");
        topic_set_config(h, "segment.ms", "60000");
        build(want, have, 0, &p);
        cr_assert_eq(count(&p, PLAN_UPDATE, PLAN_TOPIC), 1);
        cr_assert(((struct plan_op *)p.ops.items[0])->alter_configs);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(plan, revoked_grant_deletes_exactly_its_acls)
{
        struct product *want = product(), *have = product();
        struct plan p;

        add_acl(want, D ".", "User:" D, ACL_OP_WRITE);
        add_acl(have, D ".", "User:" D, ACL_OP_WRITE);
        add_acl(have, D "._protected.t", "User:other", ACL_OP_READ);
        add_acl(have, D "._protected.t", "User:other", ACL_OP_DESCRIBE);
        build(want, have, 0, &p);
        cr_assert_eq(count(&p, PLAN_DELETE, PLAN_ACL), 2);
        cr_assert_eq(count(&p, PLAN_CREATE, PLAN_ACL), 0);
        for (size_t i = 0; i < p.ops.len; i++)
                cr_assert_str_eq(((struct plan_op *)p.ops.items[i])->acl->principal, "User:other");
        plan_release(&p);
        product_free(want);
        product_free(have);
}

static void add_prefixed(struct product *p, enum acl_resource r, const char *name,
                         const char *principal, enum acl_op op)
{
        vec_push(&p->acls, acl_new(r, name, ACL_PAT_PREFIXED, principal, op));
}

/* A domain SpecMesh provisioned: our set is created first, its set deleted after, marked. */
Test(plan, specmesh_legacy_acls_are_replaced_after_ours_exist)
{
        struct product *want = product(), *have = product();
        struct plan p;
        size_t last_create = 0, first_delete = 0;
        char *text;

        add_prefixed(want, ACL_RES_TOPIC, D ".", "User:" D, ACL_OP_READ);
        add_prefixed(want, ACL_RES_TOPIC, D "._public.", "User:*", ACL_OP_READ);
        add_prefixed(have, ACL_RES_TOPIC, D, "User:" D, ACL_OP_READ);
        add_prefixed(have, ACL_RES_TOPIC, D "._public", "User:*", ACL_OP_READ);
        add_prefixed(have, ACL_RES_CLUSTER, "kafka-cluster", "User:" D, ACL_OP_IDEMPOTENT_WRITE);
        build(want, have, 0, &p);
        cr_assert_eq(count(&p, PLAN_CREATE, PLAN_ACL), 2);
        cr_assert_eq(count(&p, PLAN_DELETE, PLAN_ACL), 3);
        for (size_t i = 0; i < p.ops.len; i++) {
                const struct plan_op *op = p.ops.items[i];
                if (op->action == PLAN_CREATE)
                        last_create = i;
                if (op->action == PLAN_DELETE && !first_delete)
                        first_delete = i;
                cr_assert_eq(op->legacy, op->action == PLAN_DELETE);
        }
        cr_assert_lt(last_create, first_delete);
        text = plan_render_text(&p);
        cr_assert(strstr(text,
                         "- acl ALLOW User:* READ TOPIC PREFIXED " D
                         "._public  (SpecMesh legacy form: replaced by PREFIXED " D "._public.)"),
                  "%s", text);
        cr_assert(strstr(text, "CLUSTER PREFIXED kafka-cluster  (SpecMesh legacy form: "
                               "replaced by LITERAL)"),
                  "%s", text);
        free(text);
        text = plan_render_json(&p);
        cr_assert(strstr(text, "\"legacy\": true"), "%s", text);
        free(text);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(plan, undeclared_topics_orphan_or_prune)
{
        struct product *want = product(), *have = product();
        struct plan p;

        add_topic(have, D "._private.old", 1);
        add_subject(have, D "._private.old-value", "\"string\"");
        build(want, have, 0, &p);
        cr_assert_eq(count(&p, PLAN_ORPHAN, PLAN_TOPIC), 1);
        cr_assert_eq(count(&p, PLAN_ORPHAN, PLAN_SUBJECT), 1);
        cr_assert_eq(plan_change_count(&p), 0, "orphans are kept, not changed");
        plan_release(&p);
        build(want, have, PLAN_PRUNE, &p);
        cr_assert_eq(count(&p, PLAN_DELETE, PLAN_TOPIC), 1);
        cr_assert_eq(count(&p, PLAN_DELETE, PLAN_SUBJECT), 1);
        cr_assert_eq(((struct plan_op *)p.ops.items[p.ops.len - 1])->resource, PLAN_TOPIC,
                     "topics are deleted last");
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(plan, quotas_follow_the_spec)
{
        struct product *want = product(), *have = product();
        struct plan p;

        have->quota = quota_new(D);
        have->quota->set = 1u << QUOTA_CONSUMER_BYTE_RATE;
        have->quota->values[QUOTA_CONSUMER_BYTE_RATE] = 10;
        build(want, have, 0, &p);
        cr_assert_eq(count(&p, PLAN_DELETE, PLAN_QUOTA), 1, "undeclared quota is removed");
        plan_release(&p);
        want->quota = quota_dup(have->quota);
        want->quota->values[QUOTA_CONSUMER_BYTE_RATE] = 20;
        build(want, have, 0, &p);
        cr_assert_eq(count(&p, PLAN_UPDATE, PLAN_QUOTA), 1);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(plan, schema_and_compatibility_changes)
{
        struct product *want = product(), *have = product();
        struct plan p;
        struct subject *h;

        add_subject(want, D "._private.a-value", "{\"type\":\"int\"}");
        add_subject(have, D "._private.a-value", "{\"type\":\"long\"}");
        add_subject(want, D "._private.b-value", "{\"type\":\"int\"}");
        h = add_subject(have, D "._private.b-value", "{\"type\":\"int\"}");
        free(h->compatibility);
        h->compatibility = strdup("BACKWARD");
        build(want, have, 0, &p);
        cr_assert_eq(p.ops.len, 2);
        cr_assert(((struct plan_op *)p.ops.items[0])->new_schema);
        cr_assert_not(((struct plan_op *)p.ops.items[0])->set_compatibility);
        cr_assert(((struct plan_op *)p.ops.items[1])->set_compatibility);
        cr_assert_not(((struct plan_op *)p.ops.items[1])->new_schema);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

/* A referenced subject is planned before the subjects that reference it, whatever the names. */
Test(plan, referenced_subjects_come_first)
{
        struct product *want = product(), *have = product();
        struct plan p;
        const struct plan_op *first, *second;

        subject_add_ref(add_subject(want, D "._public.a-value", "{\"type\":\"record\"}"), "z.Money",
                        D "._public.z.Money", 0);
        add_subject(want, D "._public.z.Money", "{\"type\":\"record\",\"name\":\"Money\"}");
        build(want, have, 0, &p);
        cr_assert_eq(p.ops.len, 2);
        first = p.ops.items[0];
        second = p.ops.items[1];
        cr_assert_str_eq(first->want_subject->name, D "._public.z.Money");
        cr_assert_str_eq(second->want_subject->name, D "._public.a-value");
        cr_assert_eq(second->want_subject->refs.len, 1);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

/* A change to a shared type is its own change and re-registers every user pointing at it. */
Test(plan, a_changed_reference_updates_its_users)
{
        struct product *want = product(), *have = product();
        struct plan p;
        struct subject *h;

        subject_add_ref(add_subject(want, D "._public.a-value", "{\"type\":\"string\"}"), "M",
                        D "._public.M", 0);
        add_subject(want, D "._public.M", "{\"type\":\"long\"}");
        h = add_subject(have, D "._public.a-value", "{\"type\":\"string\"}");
        h->version = 1;
        subject_add_ref(h, "M", D "._public.M", 1);
        add_subject(have, D "._public.M", "{\"type\":\"long\"}")->version = 1;
        build(want, have, 0, &p);
        cr_assert_eq(p.ops.len, 0, "same texts, same references: no change");
        plan_release(&p);

        ((struct subject *)product_subject(have, D "._public.M"))->version = 2;
        build(want, have, 0, &p);
        cr_assert_eq(p.ops.len, 1, "the user points at v1, the latest is v2");
        cr_assert(((struct plan_op *)p.ops.items[0])->new_schema);
        plan_release(&p);

        ((struct subject *)product_subject(have, D "._public.M"))->version = 1;
        free(((struct subject *)product_subject(want, D "._public.M"))->schema);
        ((struct subject *)product_subject(want, D "._public.M"))->schema =
            strdup("{\"type\":\"int\"}");
        build(want, have, 0, &p);
        cr_assert_eq(count(&p, PLAN_UPDATE, PLAN_SUBJECT), 2);
        cr_assert_str_eq(((struct plan_op *)p.ops.items[0])->want_subject->name, D "._public.M");
        plan_release(&p);
        product_free(want);
        product_free(have);
}
