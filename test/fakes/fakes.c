#include "test/fakes/fakes.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"

void fake_init(struct fake *f, const char *domain)
{
        memset(f, 0, sizeof(*f));
        f->state = product_new();
        f->state->domain = str_dup(domain);
        f->state->principal = str_printf("User:%s", domain);
        f->next_id = 1;
}

void fake_release(struct fake *f)
{
        product_free(f->state);
        f->state = NULL;
}

/* The fault this call meets, FAULT_NONE when none. Counts the call. */
static enum fault_mode hit(struct fake *f)
{
        unsigned n = ++f->calls;

        if (!f->fault.mode || !f->fault.nth)
                return FAULT_NONE;
        if (n == f->fault.nth || (f->fault.persistent && n > f->fault.nth))
                return f->fault.mode;
        return FAULT_NONE;
}

/* FAULT_ERROR and FAULT_TIMEOUT: fail the whole call. Returns -1, or 0 for other faults. */
static int whole_call_fails(const struct fake *f, enum fault_mode m, const char *what,
                            struct err *err)
{
        if (m == FAULT_TIMEOUT)
                return err_set(err, ERR_TRANSIENT, "fake %s: timed out", what);
        if (m == FAULT_ERROR)
                return err_set(err, f->fault.kind ? f->fault.kind : ERR_TRANSIENT,
                               "fake %s: injected failure", what);
        return 0;
}

static bool is_kafka_op(const struct plan_op *op)
{
        return op->resource != PLAN_SUBJECT && op->action != PLAN_ORPHAN;
}

static bool is_registry_op(const struct plan_op *op)
{
        return op->resource == PLAN_SUBJECT && op->action != PLAN_ORPHAN;
}

static void remove_topic(struct product *s, const char *name)
{
        for (size_t i = 0; i < s->topics.len; i++)
                if (!strcmp(((struct topic *)s->topics.items[i])->name, name)) {
                        topic_free(vec_remove(&s->topics, i));
                        return;
                }
}

static void remove_acl(struct product *s, const struct acl *a)
{
        for (size_t i = 0; i < s->acls.len; i++)
                if (acl_cmp(s->acls.items[i], a) == 0) {
                        acl_free(vec_remove(&s->acls, i));
                        return;
                }
}

static void remove_subject(struct product *s, const char *name)
{
        for (size_t i = 0; i < s->subjects.len; i++)
                if (!strcmp(((struct subject *)s->subjects.items[i])->name, name)) {
                        subject_free(vec_remove(&s->subjects, i));
                        return;
                }
}

/* Carry out one Kafka op on the held state. Returns 0, or -1 with `why`. */
static int kafka_one(struct fake *f, const struct plan_op *op, const char **why)
{
        struct product *s = f->state;

        (void)why;
        switch (op->resource) {
        case PLAN_TOPIC:
                remove_topic(s, op->want_topic ? op->want_topic->name : op->have_topic->name);
                if (op->action != PLAN_DELETE)
                        vec_push(&s->topics, topic_dup(op->want_topic));
                break;
        case PLAN_ACL:
                remove_acl(s, op->acl);
                if (op->action == PLAN_CREATE)
                        vec_push(&s->acls, acl_dup(op->acl));
                break;
        case PLAN_QUOTA:
                quota_free(s->quota);
                s->quota = op->want_quota ? quota_dup(op->want_quota) : NULL;
                break;
        case PLAN_SUBJECT:
                break;
        }
        product_sort(s);
        return 0;
}

/* Carry out one registry op on the held state. Returns 0, or -1 with `why`. */
static int registry_one(struct fake *f, const struct plan_op *op, const char **why)
{
        struct product *s = f->state;
        const struct subject *old;
        struct subject *x;

        if (op->action == PLAN_DELETE) {
                remove_subject(s, op->have_subject->name);
                return 0;
        }
        old = product_subject(s, op->want_subject->name);
        if (f->refuse_schemas && old && op->new_schema) {
                *why = "schema is incompatible with an earlier schema";
                return -1;
        }
        x = subject_dup(op->want_subject);
        free(x->topic);
        x->topic = NULL;
        x->version = old ? old->version + (op->new_schema ? 1 : 0) : 1;
        x->id = old && !op->new_schema ? old->id : f->next_id++;
        remove_subject(s, x->name);
        vec_push(&s->subjects, x);
        product_sort(s);
        return 0;
}

typedef int (*one_fn)(struct fake *f, const struct plan_op *op, const char **why);

/*
 * The apply of either backend: the pending ops `mine` selects, in order, carried out by `one`,
 * with the fault of this call. Returns 0 when none failed, else -1 with `err`.
 */
static int apply_ops(struct fake *f, struct plan *p, bool dry, bool (*mine)(const struct plan_op *),
                     one_fn one, const char *what, struct err *err)
{
        enum fault_mode m = hit(f);
        size_t total = 0, seen = 0, failed = 0;
        enum err_kind kind = ERR_NONE;

        f->applies++;
        if (whole_call_fails(f, m, what, err) < 0)
                return -1;
        for (size_t i = 0; i < p->ops.len; i++)
                total += mine(p->ops.items[i]) &&
                         ((struct plan_op *)p->ops.items[i])->state == OP_PENDING;
        for (size_t i = 0; i < p->ops.len; i++) {
                struct plan_op *op = p->ops.items[i];
                const char *why = NULL;
                if (!mine(op) || op->state != OP_PENDING)
                        continue;
                seen++;
                if (dry) {
                        op->state = OP_SKIPPED;
                        continue;
                }
                if (m == FAULT_PARTIAL && seen > total / 2) {
                        why = "injected partial failure";
                        kind = f->fault.kind ? f->fault.kind : ERR_TRANSIENT;
                } else if (one(f, op, &why) == 0) {
                        op->state = OP_DONE;
                        if (m != FAULT_DROPPED)
                                continue;
                        why = "no answer (the change went through)";
                        kind = ERR_TRANSIENT;
                } else {
                        kind = kind ? kind : ERR_INVALID;
                }
                op->state = OP_FAILED;
                free(op->error);
                op->error = str_printf("%s", why);
                failed++;
        }
        if (!failed)
                return 0;
        return err_set(err, kind, "fake %s: %zu of %zu changes failed", what, failed, total);
}

static int kafka_observe_fake(void *self, const struct product *want, struct product *have,
                              struct err *err)
{
        struct fake *f = self;
        const struct product *s = f->state;

        (void)want;
        f->observes++;
        if (whole_call_fails(f, hit(f), "kafka observe", err) < 0)
                return -1;
        for (size_t i = 0; i < s->topics.len; i++)
                vec_push(&have->topics, topic_dup(s->topics.items[i]));
        for (size_t i = 0; i < s->acls.len; i++)
                vec_push(&have->acls, acl_dup(s->acls.items[i]));
        have->quota = quota_dup(s->quota);
        return 0;
}

static int kafka_apply_fake(void *self, struct plan *p, bool dry_run, struct err *err)
{
        return apply_ops(self, p, dry_run, is_kafka_op, kafka_one, "kafka", err);
}

static int registry_observe_fake(void *self, const struct product *want, struct product *have,
                                 struct err *err)
{
        struct fake *f = self;
        const struct product *s = f->state;

        (void)want;
        f->observes++;
        if (whole_call_fails(f, hit(f), "registry observe", err) < 0)
                return -1;
        for (size_t i = 0; i < s->subjects.len; i++)
                vec_push(&have->subjects, subject_dup(s->subjects.items[i]));
        if (f->handled_error)
                err_set(err, ERR_NOT_FOUND, "fake registry: subject not found (handled)");
        return 0;
}

static int registry_apply_fake(void *self, struct plan *p, bool dry_run, struct err *err)
{
        return apply_ops(self, p, dry_run, is_registry_op, registry_one, "registry", err);
}

/* The subject as the server holds it now (version and id assigned). */
static int registry_refresh_fake(void *self, const struct plan_op *op, const struct product *want,
                                 struct product *have, struct err *err)
{
        struct fake *f = self;
        const struct subject *s = product_subject(f->state, op->want_subject->name);

        (void)want;
        (void)err;
        remove_subject(have, op->want_subject->name);
        if (s)
                vec_push(&have->subjects, subject_dup(s));
        return 0;
}

const struct backend_ops fake_kafka_ops = {"kafka", kafka_observe_fake, kafka_apply_fake, NULL};
const struct backend_ops fake_registry_ops = {"registry", registry_observe_fake,
                                              registry_apply_fake, registry_refresh_fake};
