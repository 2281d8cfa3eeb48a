/* The reconcile core against in-memory backends (test/fakes): every observe -> plan -> apply ->
 * outcome path, failures of each kind, and retries that converge. No servers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/reconcile/reconcile.h"
#include "test/fakes/fakes.h"

#define D "acme.shop"

static struct fake kafka, registry;
static struct reconciler core;

static void setup(void)
{
        fake_init(&kafka, D);
        fake_init(&registry, D);
        memset(&core, 0, sizeof(core));
        core.kafka = (struct backend){&fake_kafka_ops, &kafka};
        core.registry = (struct backend){&fake_registry_ops, &registry};
}

static void teardown(void)
{
        fake_release(&kafka);
        fake_release(&registry);
}

TestSuite(reconcile, .init = setup, .fini = teardown);

/* What a spec of `topics` topics (3 partitions), two ACLs, one subject and a quota wants. */
static struct product *want_product(int topics, int partitions)
{
        struct product *p = product_new();
        char name[64];
        struct subject *s;

        p->domain = strdup(D);
        p->principal = strdup("User:" D);
        for (int i = 0; i < topics; i++) {
                snprintf(name, sizeof(name), D "._public.t%d", i);
                vec_push(&p->topics, topic_new(name, partitions, 1));
        }
        vec_push(&p->acls, acl_new(ACL_RES_TOPIC, D ".", ACL_PAT_PREFIXED, "User:" D, ACL_OP_READ));
        vec_push(&p->acls,
                 acl_new(ACL_RES_TOPIC, D ".", ACL_PAT_PREFIXED, "User:" D, ACL_OP_WRITE));
        s = subject_new(D "._public.t0-value", SCHEMA_AVRO, "{\"type\":\"string\"}");
        s->compatibility = strdup("FULL_TRANSITIVE");
        s->topic = strdup(D "._public.t0");
        vec_push(&p->subjects, s);
        p->quota = quota_new(D);
        p->quota->values[QUOTA_PRODUCER_BYTE_RATE] = 1024;
        p->quota->set = 1u << QUOTA_PRODUCER_BYTE_RATE;
        product_sort(p);
        return p;
}

/* One reconcile; returns its rc, leaves the plan's change count in *changes. */
static int run(const struct product *want, unsigned flags, size_t *changes, struct err *err)
{
        struct plan p;
        int rc;

        plan_init(&p);
        err_clear(err);
        rc = reconcile_run(&core, want, flags, &p, NULL, err);
        if (changes)
                *changes = plan_change_count(&p);
        plan_release(&p);
        return rc;
}

static void assert_converged(const struct product *want)
{
        size_t changes = 99;
        struct err err;

        cr_assert_eq(run(want, RECONCILE_PLAN_ONLY, &changes, &err), 0, "%s", err.msg);
        cr_assert_eq(changes, 0, "%zu changes left", changes);
}

Test(reconcile, a_new_product_is_created_then_nothing_changes)
{
        struct product *want = want_product(3, 3);
        struct err err;
        size_t changes;

        cr_assert_eq(run(want, 0, &changes, &err), 0, "%s", err.msg);
        cr_assert_gt(changes, 5);
        cr_assert_eq(kafka.state->topics.len, 3);
        cr_assert_eq(kafka.state->acls.len, 2);
        cr_assert_not_null(kafka.state->quota);
        cr_assert_eq(registry.state->subjects.len, 1);
        assert_converged(want);
        cr_assert_eq(run(want, 0, &changes, &err), 0);
        cr_assert_eq(changes, 0);
        cr_assert_eq(kafka.applies, 1, "an unchanged product is not applied again");
        product_free(want);
}

Test(reconcile, have_after_holds_what_the_servers_assigned)
{
        struct product *want = want_product(1, 3), *have = NULL;
        struct plan p;
        struct err err;

        plan_init(&p);
        err_clear(&err);
        cr_assert_eq(reconcile_run(&core, want, 0, &p, &have, &err), 0, "%s", err.msg);
        cr_assert_not_null(product_topic(have, D "._public.t0"));
        cr_assert_eq(product_subject(have, D "._public.t0-value")->version, 1);
        cr_assert_eq(product_subject(have, D "._public.t0-value")->id, 1);
        plan_release(&p);
        product_free(have);
        product_free(want);
}

Test(reconcile, dry_run_and_plan_only_change_nothing)
{
        struct product *want = want_product(2, 3);
        struct err err;
        size_t changes;

        cr_assert_eq(run(want, RECONCILE_DRY_RUN, &changes, &err), 0, "%s", err.msg);
        cr_assert_gt(changes, 0);
        cr_assert_eq(kafka.applies, 1, "a dry run is sent (validate only)");
        cr_assert_eq(run(want, RECONCILE_PLAN_ONLY, &changes, &err), 0);
        cr_assert_eq(kafka.applies, 1, "plan only sends nothing");
        cr_assert_eq(kafka.state->topics.len, 0);
        cr_assert_eq(registry.state->subjects.len, 0);
        product_free(want);
}

Test(reconcile, observe_failing_applies_nothing)
{
        struct product *want = want_product(2, 3);
        struct err err;

        kafka.fault = (struct fault){FAULT_TIMEOUT, 1, false, ERR_NONE};
        cr_assert_eq(run(want, 0, NULL, &err), -1);
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        cr_assert(strstr(err.msg, "timed out"), "%s", err.msg);
        cr_assert_eq(kafka.applies, 0);
        cr_assert_eq(registry.applies, 0);
        cr_assert_eq(run(want, 0, NULL, &err), 0, "the retry converges: %s", err.msg);
        assert_converged(want);
        product_free(want);
}

Test(reconcile, the_registry_runs_even_when_kafka_failed_and_the_first_error_is_kept)
{
        struct product *want = want_product(2, 3);
        struct err err;

        kafka.fault = (struct fault){FAULT_ERROR, 2, false, ERR_AUTH}; /* its apply */
        cr_assert_eq(run(want, 0, NULL, &err), -1);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert(strstr(err.msg, "fake kafka"), "%s", err.msg);
        cr_assert_eq(registry.state->subjects.len, 1, "the registry's changes went through");
        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        assert_converged(want);
        product_free(want);
}

Test(reconcile, a_partial_failure_then_a_retry_converges)
{
        struct product *want = want_product(4, 3);
        struct err err;
        size_t first, second;

        kafka.fault = (struct fault){FAULT_PARTIAL, 2, false, ERR_TRANSIENT};
        cr_assert_eq(run(want, 0, &first, &err), -1);
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        cr_assert_gt(kafka.state->topics.len, 0, "the first half went through");
        cr_assert_eq(run(want, 0, &second, &err), 0, "%s", err.msg);
        cr_assert_lt(second, first, "the retry plans only what is left (%zu < %zu)", second, first);
        assert_converged(want);
        product_free(want);
}

Test(reconcile, a_dropped_answer_then_a_retry_finds_nothing_left)
{
        struct product *want = want_product(2, 3);
        struct err err;
        size_t changes;

        kafka.fault = (struct fault){FAULT_DROPPED, 2, false, ERR_NONE};
        cr_assert_eq(run(want, 0, NULL, &err), -1);
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        cr_assert_eq(run(want, 0, &changes, &err), 0, "%s", err.msg);
        cr_assert_eq(changes, 0, "everything had gone through: %zu changes", changes);
        product_free(want);
}

Test(reconcile, a_persistent_failure_keeps_failing_and_changes_nothing_more)
{
        struct product *want = want_product(2, 3);
        struct err err;

        kafka.fault = (struct fault){FAULT_ERROR, 2, true, ERR_TERMINAL};
        for (int i = 0; i < 3; i++) {
                cr_assert_eq(run(want, 0, NULL, &err), -1);
                cr_assert_eq(err.kind, ERR_TERMINAL);
        }
        cr_assert_eq(kafka.state->topics.len, 0);
        product_free(want);
}

Test(reconcile, a_shrink_is_refused_with_its_reason_while_the_rest_lands)
{
        struct product *want = want_product(2, 6), *smaller = want_product(3, 3);
        struct plan p;
        struct err err;

        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        plan_init(&p);
        cr_assert_eq(reconcile_run(&core, smaller, 0, &p, NULL, &err), 0, "%s", err.msg);
        cr_assert_eq(p.problems.len, 2);
        cr_assert_str_eq(((struct plan_problem *)p.problems.items[0])->reason, "PartitionDecrease");
        cr_assert_not_null(product_topic(kafka.state, D "._public.t2"), "the new topic landed");
        cr_assert_eq(product_topic(kafka.state, D "._public.t0")->partitions, 6);
        plan_release(&p);
        product_free(want);
        product_free(smaller);
}

Test(reconcile, an_incompatible_schema_is_refused_and_the_rest_lands)
{
        struct product *want = want_product(1, 3), *changed = want_product(2, 3);
        struct subject *s = changed->subjects.items[0];
        struct plan p;
        struct err err;

        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        free(s->schema);
        s->schema = strdup("{\"type\":\"int\"}");
        registry.refuse_schemas = true;
        plan_init(&p);
        cr_assert_eq(reconcile_run(&core, changed, 0, &p, NULL, &err), -1);
        cr_assert_eq(err.kind, ERR_INVALID);
        cr_assert(strstr(err.msg, "1 of 1"), "%s", err.msg);
        cr_assert_not_null(product_topic(kafka.state, D "._public.t1"));
        cr_assert_eq(product_subject(registry.state, D "._public.t0-value")->version, 1);
        plan_release(&p);
        product_free(want);
        product_free(changed);
}

Test(reconcile, subjects_without_a_registry_are_invalid)
{
        struct product *want = want_product(1, 3);
        struct err err;

        core.registry = (struct backend){NULL, NULL};
        cr_assert_eq(run(want, 0, NULL, &err), -1);
        cr_assert_eq(err.kind, ERR_INVALID);
        cr_assert(strstr(err.msg, "no registry is configured"), "%s", err.msg);
        cr_assert_eq(kafka.applies, 0);
        product_free(want);
}

Test(reconcile, prune_deletes_what_is_no_longer_declared)
{
        struct product *want = want_product(3, 3), *fewer = want_product(1, 3);
        struct err err;

        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        cr_assert_eq(run(fewer, 0, NULL, &err), 0, "%s", err.msg);
        cr_assert_eq(kafka.state->topics.len, 3, "without prune topics are kept (orphans)");
        cr_assert_eq(run(fewer, RECONCILE_PRUNE, NULL, &err), 0, "%s", err.msg);
        cr_assert_eq(kafka.state->topics.len, 1);
        product_free(want);
        product_free(fewer);
}

static unsigned hook_calls;
static size_t hook_applies;

static bool hook_holds;

static bool before_apply(void *arg, const struct plan *p, const struct product *have)
{
        (void)p;
        (void)have;
        hook_calls++;
        hook_applies = ((struct fake *)arg)->applies;
        return !hook_holds;
}

Test(reconcile, before_apply_runs_once_before_anything_is_applied_and_only_for_changes)
{
        struct product *want = want_product(1, 3);
        struct err err;

        hook_calls = 0;
        hook_holds = false;
        core.before_apply = before_apply;
        core.before_apply_arg = &kafka;
        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        cr_assert_eq(hook_calls, 1);
        cr_assert_eq(hook_applies, 0, "called before the first apply");
        cr_assert_eq(run(want, 0, NULL, &err), 0);
        cr_assert_eq(hook_calls, 1, "nothing to apply: not called");
        cr_assert_eq(run(want, RECONCILE_DRY_RUN, NULL, &err), 0);
        cr_assert_eq(hook_calls, 1);
        product_free(want);
}

Test(reconcile, a_plan_held_before_apply_applies_nothing_and_says_so)
{
        struct product *want = want_product(1, 3);
        size_t changes = 0;
        struct err err;

        hook_calls = 0;
        hook_holds = true;
        core.before_apply = before_apply;
        core.before_apply_arg = &kafka;
        cr_assert_eq(run(want, 0, &changes, &err), 0, "%s", err.msg);
        cr_assert(core.held);
        cr_assert_gt(changes, 0, "the plan is there");
        cr_assert_eq(kafka.applies, 0, "nothing of it applied");
        cr_assert_eq(kafka.state->topics.len, 0);
        hook_holds = false;
        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        cr_assert_not(core.held, "let go: applied");
        cr_assert_eq(kafka.state->topics.len, 1);
        cr_assert_eq(hook_calls, 2);
        product_free(want);
}

struct calls {
        int n, failed;
        char last_failed[16];
};

static void count_call(void *arg, const char *backend, double seconds, enum err_kind kind)
{
        struct calls *c = arg;

        cr_assert_geq(seconds, 0);
        c->n++;
        if (kind != ERR_NONE) {
                c->failed++;
                snprintf(c->last_failed, sizeof(c->last_failed), "%s", backend);
        }
}

Test(reconcile, a_registry_that_cannot_be_observed_does_not_hold_kafka_up)
{
        struct product *want = want_product(2, 3);
        struct calls calls = {0};
        struct plan p;
        struct err err;
        size_t failed = 0;

        core.on_call = count_call;
        core.on_call_arg = &calls;
        registry.fault =
            (struct fault){FAULT_TIMEOUT, 1, true, ERR_NONE}; /* the registry is down */
        plan_init(&p);
        err_clear(&err);
        cr_assert_eq(reconcile_run(&core, want, RECONCILE_REGISTRY_MAY_LAG, &p, NULL, &err), -1);
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        cr_assert(strstr(err.msg, "fake registry observe"), "the registry's error: %s", err.msg);
        cr_assert_str_eq(core.failed, "registry");
        cr_assert_eq(kafka.state->topics.len, 2, "the topics are created");
        cr_assert_eq(kafka.state->acls.len, 2, "the ACLs are created");
        cr_assert_not_null(kafka.state->quota);
        cr_assert_eq(registry.applies, 0, "nothing is sent to a registry that is down");
        for (size_t i = 0; i < p.ops.len; i++) {
                const struct plan_op *op = p.ops.items[i];
                if (op->resource != PLAN_SUBJECT)
                        continue;
                cr_assert_eq(op->state, OP_FAILED);
                cr_assert(strstr(op->error, "timed out"), "%s", op->error);
                failed++;
        }
        cr_assert_eq(failed, 1, "the subject waits, with the registry's error");
        cr_assert_eq(calls.n, 3, "kafka observe, registry observe, kafka apply: %d", calls.n);
        cr_assert_eq(calls.failed, 1);
        cr_assert_str_eq(calls.last_failed, "registry");
        plan_release(&p);
        /* a retry while it is still down: Kafka is in sync, nothing is applied */
        cr_assert_eq(run(want, RECONCILE_REGISTRY_MAY_LAG, NULL, &err), -1);
        cr_assert_eq(kafka.applies, 1);
        cr_assert_str_eq(core.failed, "registry");
        registry.fault.mode = FAULT_NONE; /* back */
        cr_assert_eq(run(want, RECONCILE_REGISTRY_MAY_LAG, NULL, &err), 0, "%s", err.msg);
        cr_assert_null(core.failed);
        assert_converged(want);
        product_free(want);
}

/* The CLI's one-shot apply (no RECONCILE_REGISTRY_MAY_LAG): a registry that is down holds
 * everything, nothing is written in Kafka either (60_cli_reconcile's contract). */
Test(reconcile, without_may_lag_a_registry_that_is_down_holds_everything)
{
        struct product *want = want_product(2, 3);
        struct err err;

        registry.fault = (struct fault){FAULT_TIMEOUT, 1, true, ERR_NONE};
        cr_assert_eq(run(want, 0, NULL, &err), -1);
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        cr_assert_str_eq(core.failed, "registry");
        cr_assert_eq(kafka.applies, 0, "nothing is applied to Kafka");
        cr_assert_eq(kafka.state->topics.len, 0);
        registry.fault.mode = FAULT_NONE;
        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        assert_converged(want);
        product_free(want);
}

/* A registry refusing our credentials (or a certificate, or the URL) is a configuration to fix,
 * not an outage: nothing is applied anywhere, the error is the registry's (25_tls's "nothing
 * written" for a wrong registry password). */
Test(reconcile, a_registry_refusing_us_holds_everything)
{
        struct product *want = want_product(2, 3);
        struct plan p;
        struct err err;

        registry.fault = (struct fault){FAULT_ERROR, 1, true, ERR_AUTH}; /* 401 at observe */
        plan_init(&p);
        err_clear(&err);
        cr_assert_eq(reconcile_run(&core, want, RECONCILE_REGISTRY_MAY_LAG, &p, NULL, &err), -1);
        cr_assert_eq(err.kind, ERR_AUTH, "%s", err.msg);
        cr_assert_str_eq(core.failed, "registry");
        cr_assert_eq(kafka.applies, 0, "nothing is applied to Kafka");
        cr_assert_eq(kafka.state->topics.len, 0);
        cr_assert_eq(kafka.state->acls.len, 0);
        cr_assert_eq(registry.applies, 0);
        plan_release(&p);
        registry.fault.mode = FAULT_NONE; /* fixed */
        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        assert_converged(want);
        product_free(want);
}

Test(reconcile, the_failed_backend_is_named)
{
        struct product *want = want_product(1, 3);
        struct err err;

        kafka.fault = (struct fault){FAULT_ERROR, 2, false, ERR_AUTH}; /* its apply */
        cr_assert_eq(run(want, 0, NULL, &err), -1);
        cr_assert_str_eq(core.failed, "kafka");
        kafka.fault = (struct fault){FAULT_TIMEOUT, 4, false, ERR_NONE}; /* the next observe */
        cr_assert_eq(run(want, 0, NULL, &err), -1);
        cr_assert_str_eq(core.failed, "kafka");
        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        cr_assert_null(core.failed);
        product_free(want);
}

Test(reconcile, an_error_a_port_handled_is_no_failure)
{
        struct product *want = want_product(1, 3);
        struct err err;

        registry.handled_error = true; /* observe returns 0 with a 404 left in err */
        cr_assert_eq(run(want, 0, NULL, &err), 0, "%s", err.msg);
        cr_assert_null(core.failed);
        cr_assert_eq(registry.state->subjects.len, 1, "the subject is registered");
        assert_converged(want);
        product_free(want);
}
