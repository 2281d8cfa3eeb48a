/* Every transition of the DataProduct status (kstatus: Ready, Reconciling, Stalled). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/status/status.h"

#define D  "acme.shop"
#define T1 "2026-01-01T00:00:00Z"
#define T2 "2026-01-01T00:05:00Z"

struct world {
        struct product *want, *have;
        struct plan plan;
};

static struct product *product(int partitions)
{
        struct product *p = product_new();

        p->domain = strdup(D);
        p->principal = strdup("User:" D);
        if (partitions)
                vec_push(&p->topics, topic_new(D "._public.orders", partitions, 1));
        return p;
}

/* want: one topic of `want_parts` partitions; have: the same topic with `have_parts` (0: none) */
static void world_init(struct world *w, int want_parts, int have_parts)
{
        struct err err;

        w->want = product(want_parts);
        w->have = product(have_parts);
        plan_init(&w->plan);
        cr_assert_eq(plan_build(w->want, w->have, 0, &w->plan, &err), 0);
}

static void world_release(struct world *w)
{
        plan_release(&w->plan);
        product_free(w->want);
        product_free(w->have);
}

static void all_ops(struct world *w, enum plan_op_state s)
{
        for (size_t i = 0; i < w->plan.ops.len; i++)
                ((struct plan_op *)w->plan.ops.items[i])->state = s;
}

static json_object *build(struct world *w, enum status_outcome o, long long gen, const char *now,
                          json_object *old)
{
        struct status_input in = {0};

        in.outcome = o;
        in.generation = gen;
        in.domain = D;
        in.want = w->want;
        in.have = w->have;
        in.plan = &w->plan;
        in.now = now;
        in.message = "boom";
        return status_build(&in, old);
}

/* The field `f` of condition `type`, or NULL when the condition is absent. */
static const char *cond(json_object *st, const char *type, const char *f)
{
        json_object *conds, *v;

        cr_assert(json_object_object_get_ex(st, "conditions", &conds));
        for (size_t i = 0; i < json_object_array_length(conds); i++) {
                json_object *c = json_object_array_get_idx(conds, i);
                json_object_object_get_ex(c, "type", &v);
                if (strcmp(json_object_get_string(v), type) != 0)
                        continue;
                return json_object_object_get_ex(c, f, &v) ? json_object_get_string(v) : NULL;
        }
        return NULL;
}

/* kstatus as Flux reads it: Stalled -> Failed, Reconciling -> InProgress, then Ready. */
static const char *kstatus(json_object *st, long long generation)
{
        json_object *og;

        if (!st || !json_object_object_get_ex(st, "observedGeneration", &og) ||
            json_object_get_int64(og) != generation)
                return "InProgress";
        if (cond(st, "Stalled", "status") && !strcmp(cond(st, "Stalled", "status"), "True"))
                return "Failed";
        if (cond(st, "Reconciling", "status") && !strcmp(cond(st, "Reconciling", "status"), "True"))
                return "InProgress";
        if (cond(st, "Ready", "status") && !strcmp(cond(st, "Ready", "status"), "True"))
                return "Current";
        return "InProgress";
}

Test(status, progressing_before_apply_is_reconciling_for_the_new_generation)
{
        struct world w;
        json_object *st;

        world_init(&w, 3, 0);
        st = build(&w, STATUS_PROGRESSING, 4, T1, NULL);
        cr_assert_str_eq(cond(st, "Reconciling", "status"), "True");
        cr_assert_str_eq(cond(st, "Reconciling", "reason"), "Progressing");
        cr_assert_str_eq(cond(st, "Reconciling", "observedGeneration"), "4");
        cr_assert_str_eq(cond(st, "Ready", "status"), "False");
        cr_assert_str_eq(cond(st, "Ready", "reason"), "Progressing");
        cr_assert(strstr(cond(st, "Ready", "message"), "applying 1 changes for generation 4"));
        cr_assert_null(cond(st, "Stalled", "status"));
        cr_assert_str_eq(kstatus(st, 4), "InProgress");
        json_object_put(st);
        world_release(&w);
}

Test(status, synced_with_every_change_done_is_ready)
{
        struct world w;
        json_object *st;

        world_init(&w, 3, 0);
        all_ops(&w, OP_DONE);
        st = build(&w, STATUS_SYNCED, 4, T1, NULL);
        cr_assert_str_eq(cond(st, "Ready", "status"), "True");
        cr_assert_str_eq(cond(st, "Ready", "reason"), "Reconciled");
        cr_assert_null(cond(st, "Reconciling", "status"));
        cr_assert_null(cond(st, "Stalled", "status"));
        cr_assert_str_eq(kstatus(st, 4), "Current");
        cr_assert_str_eq(kstatus(st, 5), "InProgress", "a newer generation is not Current yet");
        json_object_put(st);
        world_release(&w);
}

Test(status, synced_with_a_change_not_done_is_not_ready)
{
        struct world w;
        json_object *st;

        world_init(&w, 3, 0);
        all_ops(&w, OP_SKIPPED);
        st = build(&w, STATUS_SYNCED, 4, T1, NULL);
        cr_assert_str_eq(cond(st, "Ready", "status"), "False");
        cr_assert_str_eq(cond(st, "Reconciling", "status"), "True");
        cr_assert_str_eq(kstatus(st, 4), "InProgress");
        json_object_put(st);
        world_release(&w);
}

Test(status, a_plan_problem_is_stalled_with_its_reason)
{
        struct world w;
        json_object *st;

        world_init(&w, 3, 6); /* a shrink */
        all_ops(&w, OP_DONE);
        cr_assert_gt(w.plan.problems.len, 0);
        st = build(&w, STATUS_SYNCED, 2, T1, NULL);
        cr_assert_str_eq(cond(st, "Ready", "status"), "False");
        cr_assert_str_eq(cond(st, "Ready", "reason"), "PartitionDecrease");
        cr_assert_str_eq(cond(st, "Stalled", "status"), "True");
        cr_assert_str_eq(cond(st, "Stalled", "reason"), "PartitionDecrease");
        cr_assert(strstr(cond(st, "Stalled", "message"), "cannot shrink (6 -> 3)"));
        cr_assert_str_eq(kstatus(st, 2), "Failed");
        json_object_put(st);
        world_release(&w);
}

Test(status, a_transient_failure_is_retried_not_stalled)
{
        struct world w;
        json_object *st;

        world_init(&w, 3, 0);
        st = build(&w, STATUS_FAILED, 1, T1, NULL);
        cr_assert_str_eq(cond(st, "Ready", "status"), "False");
        cr_assert_str_eq(cond(st, "Ready", "reason"), "ReconcileFailed");
        cr_assert_str_eq(cond(st, "Ready", "message"), "boom");
        cr_assert_str_eq(cond(st, "Reconciling", "status"), "True");
        cr_assert_str_eq(cond(st, "Reconciling", "reason"), "Retrying");
        cr_assert_null(cond(st, "Stalled", "status"));
        json_object_put(st);
        world_release(&w);
}

Test(status, a_failure_a_retry_cannot_fix_is_stalled)
{
        struct world w;
        struct status_input in = {0};
        json_object *st;

        world_init(&w, 3, 0);
        all_ops(&w, OP_FAILED);
        ((struct plan_op *)w.plan.ops.items[0])->error = strdup("topic x: policy violation");
        in = (struct status_input){.outcome = STATUS_FAILED,
                                   .generation = 1,
                                   .domain = D,
                                   .want = w.want,
                                   .plan = &w.plan,
                                   .message = "1 failed",
                                   .now = T1,
                                   .terminal = true};
        st = status_build(&in, NULL);
        cr_assert_str_eq(cond(st, "Stalled", "status"), "True");
        cr_assert_str_eq(cond(st, "Stalled", "reason"), "ApplyFailed");
        cr_assert(strstr(cond(st, "Stalled", "message"), "policy violation"));
        cr_assert_null(cond(st, "Reconciling", "status"));
        cr_assert_str_eq(kstatus(st, 1), "Failed");
        json_object_put(st);
        world_release(&w);
}

Test(status, an_incompatible_schema_is_stalled)
{
        struct world w;
        json_object *st;

        world_init(&w, 3, 0);
        all_ops(&w, OP_FAILED);
        ((struct plan_op *)w.plan.ops.items[0])->error =
            strdup("subject x: schema is incompatible");
        st = build(&w, STATUS_FAILED, 1, T1, NULL);
        cr_assert_str_eq(cond(st, "Stalled", "reason"), "IncompatibleSchema");
        json_object_put(st);
        world_release(&w);
}

Test(status, invalid_spec_and_domain_conflict_are_stalled)
{
        struct status_input in = {.outcome = STATUS_INVALID,
                                  .generation = 3,
                                  .message = "partitions must be > 0",
                                  .now = T1};
        json_object *st = status_build(&in, NULL);

        cr_assert_str_eq(cond(st, "Ready", "reason"), "InvalidSpec");
        cr_assert_str_eq(cond(st, "Stalled", "status"), "True");
        cr_assert_str_eq(kstatus(st, 3), "Failed");
        json_object_put(st);
        in.outcome = STATUS_CONFLICT;
        in.domain = D;
        st = status_build(&in, NULL);
        cr_assert_str_eq(cond(st, "Ready", "reason"), "DomainConflict");
        cr_assert_str_eq(cond(st, "Stalled", "reason"), "DomainConflict");
        json_object_put(st);
        in.outcome = STATUS_PRINCIPAL;
        in.message = "principal User:x is used by DataProduct ns/other";
        st = status_build(&in, NULL);
        cr_assert_str_eq(cond(st, "Ready", "status"), "False");
        cr_assert_str_eq(cond(st, "Ready", "reason"), "PrincipalConflict");
        cr_assert_str_eq(cond(st, "Ready", "message"), in.message);
        cr_assert_str_eq(cond(st, "Stalled", "reason"), "PrincipalConflict");
        cr_assert_str_eq(kstatus(st, 3), "Failed");
        json_object_put(st);
}

Test(status, suspended_in_sync_is_ready)
{
        struct world w;
        json_object *st;

        world_init(&w, 3, 3);
        cr_assert_eq(plan_change_count(&w.plan), 0);
        st = build(&w, STATUS_SUSPENDED, 2, T1, NULL);
        cr_assert_str_eq(cond(st, "Ready", "status"), "True");
        cr_assert_str_eq(cond(st, "Ready", "reason"), "Suspended");
        cr_assert_str_eq(kstatus(st, 2), "Current");
        json_object_put(st);
        world_release(&w);
}

/* Was Ready=False alone, which kstatus reads as Current (issue #14). */
Test(status, suspended_with_pending_changes_is_not_ready_and_not_current)
{
        struct world w;
        json_object *st;

        world_init(&w, 3, 0);
        st = build(&w, STATUS_SUSPENDED, 2, T1, NULL);
        cr_assert_str_eq(cond(st, "Ready", "status"), "False");
        cr_assert_str_eq(cond(st, "Ready", "reason"), "Suspended");
        cr_assert_str_eq(cond(st, "Stalled", "status"), "True");
        cr_assert_str_eq(cond(st, "Stalled", "reason"), "Suspended");
        cr_assert(strstr(cond(st, "Stalled", "message"), "1 changes pending"));
        cr_assert_str_neq(kstatus(st, 2), "Current");
        json_object_put(st);
        world_release(&w);
}

Test(status, deleting_is_reconciling)
{
        struct status_input in = {.outcome = STATUS_DELETING,
                                  .generation = 5,
                                  .domain = D,
                                  .message = "kafka down",
                                  .now = T1};
        json_object *st = status_build(&in, NULL);

        cr_assert_str_eq(cond(st, "Ready", "reason"), "Deleting");
        cr_assert_str_eq(cond(st, "Reconciling", "status"), "True");
        cr_assert_str_eq(cond(st, "Reconciling", "reason"), "Deleting");
        json_object_put(st);
}

Test(status, no_status_yet_is_not_current)
{
        cr_assert_str_eq(kstatus(NULL, 1), "InProgress");
}

/* lastTransitionTime moves only when a condition's status does: new -> progressing -> ready
 * -> (drift) progressing -> ready. */
Test(status, transition_times_follow_status_changes)
{
        struct world w;
        json_object *a, *b, *c, *d;

        world_init(&w, 3, 0);
        a = build(&w, STATUS_PROGRESSING, 1, T1, NULL);
        cr_assert_str_eq(cond(a, "Ready", "lastTransitionTime"), T1);
        all_ops(&w, OP_DONE);
        b = build(&w, STATUS_SYNCED, 1, T2, a);
        cr_assert_str_eq(cond(b, "Ready", "status"), "True");
        cr_assert_str_eq(cond(b, "Ready", "lastTransitionTime"), T2, "False -> True moves");
        c = build(&w, STATUS_SYNCED, 1, "2026-01-01T01:00:00Z", b);
        cr_assert_str_eq(cond(c, "Ready", "lastTransitionTime"), T2, "True -> True stays");
        cr_assert(json_object_equal(b, c), "an unchanged outcome builds an equal status");
        all_ops(&w, OP_PENDING);
        d = build(&w, STATUS_PROGRESSING, 1, "2026-01-01T02:00:00Z", c);
        cr_assert_str_eq(cond(d, "Ready", "lastTransitionTime"), "2026-01-01T02:00:00Z");
        cr_assert(status_is_ready(b, 1));
        cr_assert(!status_is_ready(d, 1));
        cr_assert(!status_is_ready(b, 2));
        json_object_put(a);
        json_object_put(b);
        json_object_put(c);
        json_object_put(d);
        world_release(&w);
}
