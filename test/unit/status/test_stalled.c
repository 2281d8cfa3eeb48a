/* Stalled over time: the reconcile core against the fakes (test/fakes) with a backend down,
 * retried the way the operator retries, each outcome written as the status the operator
 * writes. The Warning Event comes once per transition into Stalled, never per retry. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/err.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/reconcile/reconcile.h"
#include "pkg/status/status.h"
#include "test/fakes/fakes.h"

#define D          "acme.shop"
#define STALL_S    60
#define START_UNIX 1767225600 /* 2026-01-01T00:00:00Z */

static struct fake kafka, registry;
static struct reconciler core;

struct op_sim {
        json_object *status; /* what the API server holds */
        const struct product *want;
        char now[32];
        int events; /* Warning Events for transitions into Stalled */
        char event_reason[64], event_message[1024];
};

static struct op_sim sim;

static void setup(void)
{
        fake_init(&kafka, D);
        fake_init(&registry, D);
        memset(&core, 0, sizeof(core));
        memset(&sim, 0, sizeof(sim));
        core.kafka = (struct backend){&fake_kafka_ops, &kafka};
        core.registry = (struct backend){&fake_registry_ops, &registry};
}

static void teardown(void)
{
        json_object_put(sim.status);
        fake_release(&kafka);
        fake_release(&registry);
}

TestSuite(stalled, .init = setup, .fini = teardown);

static struct product *want_product(void)
{
        struct product *p = product_new();
        struct subject *s;

        p->domain = strdup(D);
        p->principal = strdup("User:" D);
        vec_push(&p->topics, topic_new(D "._public.orders", 3, 1));
        vec_push(&p->acls, acl_new(ACL_RES_TOPIC, D ".", ACL_PAT_PREFIXED, "User:" D, ACL_OP_READ));
        s = subject_new(D "._public.orders-value", SCHEMA_AVRO, "{\"type\":\"string\"}");
        s->compatibility = strdup("FULL_TRANSITIVE");
        s->topic = strdup(D "._public.orders");
        vec_push(&p->subjects, s);
        product_sort(p);
        return p;
}

/* The operator's write_status: build, "patch", and a Warning Event on a Stalled transition. */
static void write_status(const struct status_input *in)
{
        json_object *st = status_build(in, sim.status);
        const char *reason, *message;

        cr_assert_not_null(st);
        if (status_stalled_transition(sim.status, st, &reason, &message)) {
                sim.events++;
                snprintf(sim.event_reason, sizeof(sim.event_reason), "%s", reason);
                snprintf(sim.event_message, sizeof(sim.event_message), "%s", message);
        }
        json_object_put(sim.status);
        sim.status = st;
}

static bool progressing(void *arg, const struct plan *p, const struct product *have)
{
        struct status_input in = {0};

        (void)arg;
        in.outcome = STATUS_PROGRESSING;
        in.generation = 1;
        in.domain = D;
        in.want = sim.want;
        in.have = have;
        in.plan = p;
        in.now = sim.now;
        write_status(&in);
        return true;
}

/* One reconcile at `t` seconds after the start, its outcome written as the operator does. */
static int reconcile_at(int t)
{
        time_t when = START_UNIX + t;
        struct status_input in = {0};
        struct product *have = NULL;
        struct plan p;
        struct err err;
        int rc;

        strftime(sim.now, sizeof(sim.now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&when));
        plan_init(&p);
        err_clear(&err);
        core.before_apply = progressing;
        rc = reconcile_run(&core, sim.want, RECONCILE_REGISTRY_MAY_LAG, &p, &have,
                           &err) /* as the operator */;
        in.outcome = rc < 0 ? STATUS_FAILED : STATUS_SYNCED;
        in.generation = 1;
        in.domain = D;
        in.want = sim.want;
        in.have = have;
        in.plan = &p;
        in.now = sim.now;
        in.message = err.msg;
        in.terminal = rc < 0 && (err.kind == ERR_TERMINAL || err.kind == ERR_INVALID);
        in.reason = rc < 0 ? status_failure_reason(core.failed, err.kind) : NULL;
        in.stall_after = STALL_S;
        write_status(&in);
        plan_release(&p);
        product_free(have);
        return rc;
}

static const char *cond(const char *type, const char *f)
{
        json_object *conds, *v;

        cr_assert(json_object_object_get_ex(sim.status, "conditions", &conds));
        for (size_t i = 0; i < json_object_array_length(conds); i++) {
                json_object *c = json_object_array_get_idx(conds, i);
                json_object_object_get_ex(c, "type", &v);
                if (strcmp(json_object_get_string(v), type) != 0)
                        continue;
                return json_object_object_get_ex(c, f, &v) ? json_object_get_string(v) : NULL;
        }
        return NULL;
}

/* The operator's retry delays: 0.5 s doubling, capped; here in whole seconds, at least 1. */
static int next_retry(int attempt)
{
        int d = 1 << (attempt < 8 ? attempt : 8);
        return d > 300 ? 300 : d;
}

Test(stalled, a_registry_down_stalls_once_after_the_deadline_and_heals)
{
        struct product *want = want_product();
        int t = 0, attempt = 0;

        sim.want = want;
        registry.fault = (struct fault){FAULT_TIMEOUT, 1, true, ERR_NONE};
        cr_assert_eq(reconcile_at(t), -1);
        cr_assert_eq(kafka.state->topics.len, 1, "the topic is there despite the registry");
        cr_assert_eq(kafka.state->acls.len, 1);
        cr_assert_str_eq(cond("Ready", "status"), "False");
        cr_assert_str_eq(cond("Ready", "reason"), "RegistryUnavailable");
        cr_assert_str_eq(cond("Reconciling", "reason"), "Retrying", "retrying, not stalled yet");
        cr_assert_null(cond("Stalled", "status"));
        cr_assert_eq(sim.events, 0);
        /* the retries go on for ten minutes: the deadline passes once */
        while (t < 600) {
                t += next_retry(attempt++);
                cr_assert_eq(reconcile_at(t), -1);
                if (t < STALL_S) {
                        cr_assert_null(cond("Stalled", "status"), "at %ds", t);
                        continue;
                }
                cr_assert_str_eq(cond("Stalled", "status"), "True", "at %ds", t);
                cr_assert_str_eq(cond("Stalled", "reason"), "RegistryUnavailable");
                cr_assert_null(cond("Reconciling", "status"));
        }
        cr_assert_eq(sim.events, 1, "one Warning Event for one transition, not %d", sim.events);
        cr_assert_str_eq(sim.event_reason, "RegistryUnavailable");
        cr_assert(strstr(sim.event_message, "fake registry observe: timed out"), "%s",
                  sim.event_message);
        cr_assert_eq(kafka.applies, 1, "Kafka in sync: nothing applied on the retries");
        /* the registry comes back: Ready, the subject registered, Stalled gone */
        registry.fault.mode = FAULT_NONE;
        cr_assert_eq(reconcile_at(t += 5), 0);
        cr_assert_str_eq(cond("Ready", "status"), "True");
        cr_assert_null(cond("Stalled", "status"));
        cr_assert_eq(registry.state->subjects.len, 1);
        /* down again: a new transition, a second Event after the deadline */
        registry.fault = (struct fault){FAULT_TIMEOUT, registry.calls + 1, true, ERR_NONE};
        while (registry.state->subjects.len) /* and its subject with it */
                subject_free(vec_remove(&registry.state->subjects, 0));
        for (int i = 0; i < 6; i++)
                reconcile_at(t += 20);
        cr_assert_eq(sim.events, 2);
        product_free(want);
}

Test(stalled, a_terminal_failure_stalls_at_once_and_says_so_once)
{
        struct product *want = want_product();

        sim.want = want;
        kafka.fault = (struct fault){FAULT_ERROR, 1, true, ERR_TERMINAL};
        for (int t = 0; t < 100; t += 10)
                cr_assert_eq(reconcile_at(t), -1);
        cr_assert_str_eq(cond("Stalled", "status"), "True");
        cr_assert_eq(sim.events, 1);
        product_free(want);
}

Test(stalled, kafka_unreachable_is_named)
{
        cr_assert_str_eq(status_failure_reason("kafka", ERR_TRANSIENT), "KafkaUnavailable");
        cr_assert_str_eq(status_failure_reason("registry", ERR_AUTH), "RegistryAccessDenied");
        cr_assert_str_eq(status_failure_reason("kafka", ERR_AUTH), "KafkaAccessDenied");
        cr_assert_null(status_failure_reason("kafka", ERR_TERMINAL));
        cr_assert_null(status_failure_reason(NULL, ERR_TRANSIENT));
}

Test(stalled, no_deadline_means_never_stalled_by_retries)
{
        struct product *want = want_product();
        struct status_input in = {0};
        json_object *a, *b;

        in.outcome = STATUS_FAILED;
        in.generation = 1;
        in.domain = D;
        in.want = want;
        in.message = "down";
        in.reason = "KafkaUnavailable";
        in.now = "2026-01-01T00:00:00Z";
        a = status_build(&in, NULL);
        in.now = "2026-01-02T00:00:00Z";
        b = status_build(&in, a);
        sim.status = json_object_get(b);
        cr_assert_str_eq(cond("Reconciling", "status"), "True");
        cr_assert_null(cond("Stalled", "status"));
        json_object_put(a);
        json_object_put(b);
        product_free(want);
}
