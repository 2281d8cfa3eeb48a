#include "pkg/reconcile/reconcile.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/clock.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/base/banned.h"

static bool configured(const struct backend *b)
{
        return b->ops != NULL;
}

/* Tell the on_call hook about one port call of `b` that took since `t0`. */
static void note(struct reconciler *r, const struct backend *b, double t0, int rc,
                 const struct err *err)
{
        if (r->on_call)
                r->on_call(r->on_call_arg, b->ops->name, clock_now() - t0,
                           rc < 0 ? err->kind : ERR_NONE);
}

static int observe_one(struct reconciler *r, const struct backend *b, const struct product *want,
                       struct product *have, double *spent, struct err *err)
{
        double t0 = clock_now();
        int rc = b->ops->observe(b->self, want, have, err);

        note(r, b, t0, rc, err);
        *spent += clock_now() - t0;
        if (rc < 0)
                r->failed = b->ops->name;
        return rc;
}

/*
 * reconcile_observe(); when `registry_err` is not NULL, a registry that cannot be reached
 * (ERR_TRANSIENT: refused, timed out, 5xx) leaves `have` without subjects, its error in
 * *registry_err and *registry_down true instead of failing the call. Any other failure
 * (credentials refused, a certificate not trusted, a bad URL) is a configuration to fix, not
 * an outage to ride out: it fails the call before anything is applied. (Only a failed observe
 * counts: a port may leave a handled error, such as a 404, behind on success.)
 */
static struct product *observe(struct reconciler *r, const struct product *want,
                               struct err *registry_err, bool *registry_down, struct err *err)
{
        struct product *have = product_new();

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
        if (observe_one(r, &r->kafka, want, have, &r->t.observe_kafka, err) < 0)
                goto fail;
        if (configured(&r->registry)) {
                if (observe_one(r, &r->registry, want, have, &r->t.observe_registry,
                                registry_err ? registry_err : err) < 0) {
                        if (!registry_err)
                                goto fail;
                        if (registry_err->kind != ERR_TRANSIENT) {
                                *err = *registry_err;
                                goto fail;
                        }
                        *registry_down = true;
                        for (size_t i = 0; i < have->subjects.len; i++)
                                subject_free(have->subjects.items[i]);
                        have->subjects.len = 0;
                }
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

struct product *reconcile_observe(struct reconciler *r, const struct product *want, struct err *err)
{
        r->failed = NULL;
        return observe(r, want, NULL, NULL, err);
}

/* Carry out `p`: Kafka first (topics before the subjects that describe them), then the
 * registry unless `skip_registry`. Both run even when the other failed; the first error is
 * kept. */
static int apply_plan(struct reconciler *r, struct plan *p, bool dry, bool skip_registry,
                      struct err *err)
{
        struct err rerr;
        int rc = 0;
        double t0 = clock_now();

        err_clear(&rerr);
        if (r->kafka.ops->apply(r->kafka.self, p, dry, err) < 0) {
                rc = -1;
                r->failed = r->kafka.ops->name;
        }
        note(r, &r->kafka, t0, rc, err);
        r->t.apply_kafka += clock_now() - t0;
        if (!configured(&r->registry) || skip_registry)
                return rc;
        t0 = clock_now();
        if (r->registry.ops->apply(r->registry.self, p, dry, rc < 0 ? &rerr : err) < 0) {
                note(r, &r->registry, t0, -1, rc < 0 ? &rerr : err);
                if (rc == 0)
                        r->failed = r->registry.ops->name;
                rc = -1;
        } else {
                note(r, &r->registry, t0, 0, err);
        }
        r->t.apply_registry += clock_now() - t0;
        return rc;
}

/* The registry could not be observed: its ops fail with `why`, the rest still runs. */
static void fail_subject_ops(struct plan *p, const char *why)
{
        for (size_t i = 0; i < p->ops.len; i++) {
                struct plan_op *op = p->ops.items[i];
                if (op->resource != PLAN_SUBJECT || op->action == PLAN_ORPHAN ||
                    op->state != OP_PENDING)
                        continue;
                op->state = OP_FAILED;
                free(op->error);
                op->error = str_printf("%s", why);
        }
}

static size_t pending(const struct plan *p)
{
        size_t n = 0;

        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                n += op->action != PLAN_ORPHAN && op->state == OP_PENDING;
        }
        return n;
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

/* `have` after one op that went through: from the op's wanted value, or read back by the
 * backend's refresh port. ACLs and quotas are not updated: the status does not show them. */
static int after_op(struct reconciler *r, const struct plan_op *op, const struct product *want,
                    struct product *have, struct err *err)
{
        const struct backend *b = op->resource == PLAN_SUBJECT ? &r->registry : &r->kafka;
        struct topic *t;
        struct subject *s;

        if (op->resource == PLAN_TOPIC && op->want_topic) {
                if (configured(b) && b->ops->refresh)
                        return b->ops->refresh(b->self, op, want, have, err);
                t = topic_dup(op->want_topic);
                return !t || put_topic(have, t) < 0 ? err_nomem(err) : 0;
        }
        if (op->resource != PLAN_SUBJECT || !configured(b))
                return 0;
        if (op->action == PLAN_DELETE && op->have_subject)
                return put_subject(have, op->have_subject->name, NULL);
        if (!op->want_subject)
                return 0;
        if (b->ops->refresh)
                return b->ops->refresh(b->self, op, want, have, err);
        s = subject_dup(op->want_subject);
        return !s || put_subject(have, s->name, s) < 0 ? err_nomem(err) : 0;
}

/*
 * Bring `have` (observed before the plan ran) up to date with the ops that went through,
 * without observing everything again. Returns 0, or -1 with `err` set.
 */
static int after_plan(struct reconciler *r, struct product *have, const struct plan *p,
                      const struct product *want, struct err *err)
{
        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                if (op->state == OP_DONE && after_op(r, op, want, have, err) < 0)
                        return -1;
        }
        product_sort(have);
        return 0;
}

int reconcile_run(struct reconciler *r, const struct product *want, unsigned flags,
                  struct plan *out, struct product **have_after, struct err *err)
{
        struct product *have;
        unsigned pflags = (flags & RECONCILE_PRUNE) ? PLAN_PRUNE : 0;
        bool dry = flags & RECONCILE_DRY_RUN;
        struct err rerr, later;
        bool registry_down = false;
        int rc = -1;

        memset(&r->t, 0, sizeof(r->t));
        r->failed = NULL;
        r->held = false;
        err_clear(&rerr);
        err_clear(&later);
        have = observe(r, want, (flags & RECONCILE_REGISTRY_MAY_LAG) ? &rerr : NULL, &registry_down,
                       err);
        if (!have)
                return -1;
        if (plan_build(want, have, pflags, out, err) < 0) {
                r->failed = NULL;
                goto out;
        }
        rc = 0;
        if (registry_down) { /* the registry is down: Kafka goes on, subjects wait */
                fail_subject_ops(out, rerr.msg);
                *err = rerr;
                r->failed = r->registry.ops->name;
                rc = -1;
        }
        /* a dry run still goes to the servers: validate-only creates, compatibility checks */
        if (pending(out) > 0 && !(flags & RECONCILE_PLAN_ONLY)) {
                const char *failed = r->failed;
                r->held =
                    r->before_apply && !dry && !r->before_apply(r->before_apply_arg, out, have);
                if (!r->held && apply_plan(r, out, dry, registry_down, rc < 0 ? &later : err) < 0)
                        rc = -1;
                if (failed)
                        r->failed = failed; /* the first error is the one returned */
        }
        if (have_after && plan_change_count(out) > 0 && !dry && !r->held) {
                struct err oerr;
                err_clear(&oerr);
                if (after_plan(r, have, out, want, rc < 0 ? &oerr : err) < 0)
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
