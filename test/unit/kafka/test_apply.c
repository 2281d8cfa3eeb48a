#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/kafka/internal.h"
#include "pkg/kafka/kafka.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"

/* sm_kafka does not link sm_plan: the plan's own init and release, for these tests */
static void tplan_init(struct plan *p)
{
        memset(p, 0, sizeof(*p));
}

static void op_free(void *x)
{
        struct plan_op *op = x;

        topic_free(op->want_topic);
        topic_free(op->have_topic);
        acl_free(op->acl);
        quota_free(op->want_quota);
        free(op->error);
        free(op);
}

static void tplan_release(struct plan *p)
{
        vec_release(&p->ops, op_free);
}

static struct plan_op *add_op(struct plan *p, enum plan_action a, enum plan_resource r)
{
        struct plan_op *op = calloc(1, sizeof(*op));

        cr_assert_not_null(op);
        op->action = a;
        op->resource = r;
        if (r == PLAN_TOPIC) {
                op->want_topic = a == PLAN_DELETE ? NULL : topic_new("acme.shop.t", 3, 1);
                op->have_topic = a == PLAN_CREATE ? NULL : topic_new("acme.shop.t", 3, 1);
        } else if (r == PLAN_ACL) {
                op->acl = acl_new(ACL_RES_TOPIC, "acme.shop.", ACL_PAT_PREFIXED, "User:acme.shop",
                                  ACL_OP_READ);
        } else if (r == PLAN_QUOTA) {
                op->want_quota = quota_new("acme.shop");
        }
        cr_assert_eq(vec_push(&p->ops, op), 0);
        return op;
}

/* Was: an op left pending by an allocation failure counted as success, and kafka_apply
 * returned 0 (issue #10). */
Test(kafka_apply, an_op_never_attempted_is_a_transient_failure)
{
        struct plan p;
        struct plan_op *done, *pending;
        struct err err;

        tplan_init(&p);
        err_clear(&err);
        done = add_op(&p, PLAN_CREATE, PLAN_TOPIC);
        done->state = OP_DONE;
        pending = add_op(&p, PLAN_CREATE, PLAN_ACL);
        cr_assert_eq(kafka_apply_outcome(&p, ERR_NONE, &err), -1);
        cr_assert_eq(pending->state, OP_FAILED);
        cr_assert_str_eq(pending->error, "not attempted: out of memory");
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        cr_assert(strstr(err.msg, "1 of 2 Kafka changes failed"), "%s", err.msg);
        tplan_release(&p);
}

/* Was: every failure was reported as terminal, so nothing distinguished a timeout. */
Test(kafka_apply, the_kind_is_transient_once_any_failure_is)
{
        cr_assert_eq(kafka_apply_kind(ERR_NONE, ERR_AUTH), ERR_AUTH);
        cr_assert_eq(kafka_apply_kind(ERR_AUTH, ERR_TERMINAL), ERR_AUTH);
        cr_assert_eq(kafka_apply_kind(ERR_TERMINAL, ERR_TRANSIENT), ERR_TRANSIENT);
        cr_assert_eq(kafka_apply_kind(ERR_TRANSIENT, ERR_INVALID), ERR_TRANSIENT);
        cr_assert_eq(kafka_apply_kind(ERR_INVALID, ERR_NOMEM), ERR_TRANSIENT);
}

Test(kafka_apply, failures_keep_their_kind)
{
        struct plan p;
        struct plan_op *op;
        struct err err;

        tplan_init(&p);
        err_clear(&err);
        op = add_op(&p, PLAN_CREATE, PLAN_TOPIC);
        op->state = OP_FAILED;
        op->error = strdup("acme.shop.t: authorization failed");
        cr_assert_eq(kafka_apply_outcome(&p, ERR_AUTH, &err), -1);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert(strstr(err.msg, "authorization failed"));
        tplan_release(&p);
}

Test(kafka_apply, a_topic_that_already_exists_is_transient_and_refusals_are_not)
{
        struct err err;

        kafka_err(&err, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "t: already exists");
        cr_assert_eq(err.kind, ERR_TRANSIENT, "the reading was behind: a new one sees it");
        kafka_err(&err, RD_KAFKA_RESP_ERR_INVALID_CONFIG, "t: retention.ms");
        cr_assert_eq(err.kind, ERR_TERMINAL);
}

Test(kafka_apply, subjects_and_orphans_are_not_kafka_changes)
{
        struct plan p;
        struct err err;

        tplan_init(&p);
        err_clear(&err);
        add_op(&p, PLAN_CREATE, PLAN_SUBJECT);
        add_op(&p, PLAN_ORPHAN, PLAN_TOPIC);
        cr_assert_eq(kafka_apply_outcome(&p, ERR_NONE, &err), 0);
        cr_assert_eq(((struct plan_op *)p.ops.items[0])->state, OP_PENDING);
        tplan_release(&p);
}

/* A dry run skips what Kafka cannot validate (ACLs, the quota, topic deletes) without a
 * connection: the handle is never used. */
Test(kafka_apply, dry_run_skips_what_cannot_be_validated)
{
        struct kafka k;
        struct plan p;
        struct err err;

        memset(&k, 0, sizeof(k));
        tplan_init(&p);
        err_clear(&err);
        add_op(&p, PLAN_CREATE, PLAN_ACL);
        add_op(&p, PLAN_DELETE, PLAN_ACL);
        add_op(&p, PLAN_UPDATE, PLAN_QUOTA);
        add_op(&p, PLAN_DELETE, PLAN_TOPIC);
        cr_assert_eq(kafka_apply(&k, &p, KAFKA_APPLY_DRY_RUN, &err), 0, "%s", err.msg);
        for (size_t i = 0; i < p.ops.len; i++)
                cr_assert_eq(((struct plan_op *)p.ops.items[i])->state, OP_SKIPPED, "op %zu", i);
        cr_assert_eq(kafka_request_count(&k), 0);
        tplan_release(&p);
}

static struct plan_op *acl_op(enum plan_action a, const char *name, bool legacy)
{
        struct plan_op *op = calloc(1, sizeof(*op));

        op->action = a;
        op->resource = PLAN_ACL;
        op->acl = acl_new(ACL_RES_TOPIC, name, ACL_PAT_PREFIXED, "User:a.b", ACL_OP_READ);
        op->legacy = legacy;
        return op;
}

/* A migration keeps SpecMesh's ACLs when one that replaces them could not be created. */
Test(kafka_apply, legacy_acls_are_kept_when_a_create_failed)
{
        struct plan p;
        struct plan_op *create, *legacy, *revoked;

        tplan_init(&p);
        create = acl_op(PLAN_CREATE, "a.b.", false);
        legacy = acl_op(PLAN_DELETE, "a.b", true);
        revoked = acl_op(PLAN_DELETE, "a.b._protected.t", false);
        vec_push(&p.ops, create);
        vec_push(&p.ops, legacy);
        vec_push(&p.ops, revoked);
        cr_assert_eq(kafka_hold_legacy(&p), 0, "nothing failed: nothing held");
        cr_assert_eq(legacy->state, OP_PENDING);
        create->state = OP_FAILED;
        cr_assert_eq(kafka_hold_legacy(&p), 1);
        cr_assert_eq(legacy->state, OP_SKIPPED);
        cr_assert(strstr(legacy->error, "not all created"));
        cr_assert_eq(revoked->state, OP_PENDING, "a revoked grant is still revoked");
        tplan_release(&p);
}
