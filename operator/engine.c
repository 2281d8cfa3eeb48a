#include "operator/engine.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "operator/cli.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/kafka.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/registry/registry.h"
#include "pkg/base/banned.h"

int engine_open(struct engine *e, const struct cli_conn *conn, struct err *err)
{
        e->kafka = NULL;
        e->registry = NULL;
        if (!conn->kafka_config && !conn->bootstrap)
                return err_set(err, ERR_INVALID,
                               "no Kafka connection: pass --kafka-config FILE or set "
                               "SPECMESH_KAFKA_CONFIG");
        e->kafka = kafka_open(conn->kafka_config, conn->bootstrap, err);
        if (!e->kafka)
                return -1;
        if (conn->registry_url || conn->registry_config) {
                e->registry = registry_open(conn->registry_url, conn->registry_config, err);
                if (!e->registry) {
                        engine_close(e);
                        return -1;
                }
        }
        return 0;
}

void engine_close(struct engine *e)
{
        kafka_close(e->kafka);
        registry_free(e->registry);
        e->kafka = NULL;
        e->registry = NULL;
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct product *engine_observe(struct engine *e, const struct product *want, struct err *err)
{
        struct product *have = product_new();
        double t0;

        if (!have) {
                err_nomem(err);
                return NULL;
        }
        have->domain = str_dup(want->domain);
        have->principal = str_dup(want->principal);
        if (!have->domain || !have->principal) {
                err_nomem(err);
                goto fail;
        }
        t0 = now_s();
        if (kafka_observe(e->kafka, want->domain, want->principal, have, err) < 0)
                goto fail;
        e->t.observe_kafka += now_s() - t0;
        if (e->registry) {
                t0 = now_s();
                if (registry_observe(e->registry, want->domain, want, have, err) < 0)
                        goto fail;
                e->t.observe_registry += now_s() - t0;
        } else if (want->subjects.len) {
                err_set(err, ERR_INVALID,
                        "the spec declares %zu schema subjects but no registry is configured: "
                        "pass --registry-url or --registry-config (or set SPECMESH_REGISTRY_URL)",
                        want->subjects.len);
                goto fail;
        }
        product_sort(have);
        return have;
fail:
        product_free(have);
        return NULL;
}

/* Carry out `p`: Kafka first (topics before the subjects that describe them), then the
 * registry. Both run even when the other failed; the first error is kept. */
static int apply_plan(struct engine *e, struct plan *p, unsigned flags, struct err *err)
{
        struct err rerr;
        int rc = 0;

        double t0 = now_s();

        err_clear(&rerr);
        if (kafka_apply(e->kafka, p, flags & ENGINE_DRY_RUN ? KAFKA_APPLY_DRY_RUN : 0, err) < 0)
                rc = -1;
        e->t.apply_kafka += now_s() - t0;
        t0 = now_s();
        if (e->registry &&
            registry_apply(e->registry, p, flags & ENGINE_DRY_RUN ? REGISTRY_APPLY_DRY_RUN : 0,
                           rc < 0 ? &rerr : err) < 0)
                rc = -1;
        e->t.apply_registry += now_s() - t0;
        return rc;
}

/* Put `t` (taken) in place of the topic of its name in `p`, or add it. */
static int put_topic(struct product *p, struct topic *t)
{
        for (size_t i = 0; i < p->topics.len; i++) {
                struct topic *x = p->topics.items[i];
                if (strcmp(x->name, t->name) == 0) {
                        topic_free(x);
                        p->topics.items[i] = t;
                        return 0;
                }
        }
        if (vec_push(&p->topics, t) < 0) {
                topic_free(t);
                return -1;
        }
        return 0;
}

/* The same for subjects; `s` NULL removes the subject called `name`. */
static int put_subject(struct product *p, const char *name, struct subject *s)
{
        for (size_t i = 0; i < p->subjects.len; i++) {
                struct subject *x = p->subjects.items[i];
                if (strcmp(x->name, name) != 0)
                        continue;
                subject_free(x);
                if (s)
                        p->subjects.items[i] = s;
                else
                        vec_remove(&p->subjects, i);
                return 0;
        }
        if (s && vec_push(&p->subjects, s) < 0) {
                subject_free(s);
                return -1;
        }
        return 0;
}

/*
 * Bring `have` (observed before the plan ran) up to date with the ops that went through,
 * without observing everything again: topics from the plan, and each changed subject read back
 * for its new version and id (one subject at a time, no listing). ACLs and quotas are not
 * updated: the status does not show them. Returns 0, or -1 with `err` set.
 */
static int after_plan(struct engine *e, struct product *have, const struct plan *p,
                      const struct product *want, struct err *err)
{
        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                struct subject *s = NULL;
                struct topic *t;
                if (op->state != OP_DONE)
                        continue;
                if (op->resource == PLAN_TOPIC && op->want_topic) {
                        t = topic_dup(op->want_topic);
                        if (!t || put_topic(have, t) < 0)
                                return err_nomem(err);
                } else if (op->resource == PLAN_SUBJECT && op->want_subject && e->registry) {
                        const char *name = op->want_subject->name;
                        if (registry_read_subject(e->registry, name, product_subject(want, name),
                                                  &s, err) < 0)
                                return -1;
                        if (put_subject(have, name, s) < 0)
                                return err_nomem(err);
                } else if (op->resource == PLAN_SUBJECT && op->action == PLAN_DELETE &&
                           op->have_subject) {
                        put_subject(have, op->have_subject->name, NULL);
                }
        }
        product_sort(have);
        return 0;
}

int engine_reconcile(struct engine *e, const struct product *want, unsigned flags, struct plan *out,
                     struct product **have_after, struct err *err)
{
        struct product *have;
        unsigned pflags = (flags & ENGINE_PRUNE) ? PLAN_PRUNE : 0;
        int rc = -1;

        memset(&e->t, 0, sizeof(e->t));
        have = engine_observe(e, want, err);
        if (!have)
                return -1;
        if (plan_build(want, have, pflags, out, err) < 0)
                goto out;
        rc = 0;
        /* a dry run still goes to the servers: validate-only creates, compatibility checks */
        if (plan_change_count(out) > 0 && !(flags & ENGINE_PLAN_ONLY))
                rc = apply_plan(e, out, flags, err);
        if (have_after && plan_change_count(out) > 0 && !(flags & ENGINE_DRY_RUN)) {
                struct err oerr;
                err_clear(&oerr);
                if (after_plan(e, have, out, want, rc < 0 ? &oerr : err) < 0)
                        rc = -1;
        }
out:
        if (have_after) {
                *have_after = have;
                have = NULL;
        }
        product_free(have);
        return rc;
}
