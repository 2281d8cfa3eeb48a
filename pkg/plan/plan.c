#include "pkg/plan/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

void plan_init(struct plan *p)
{
        memset(p, 0, sizeof(*p));
}

void plan_op_free(struct plan_op *op)
{
        if (!op)
                return;
        topic_free(op->want_topic);
        topic_free(op->have_topic);
        acl_free(op->acl);
        subject_free(op->want_subject);
        subject_free(op->have_subject);
        quota_free(op->want_quota);
        quota_free(op->have_quota);
        free(op->error);
        free(op);
}

static void problem_free(struct plan_problem *pr)
{
        if (!pr)
                return;
        free(pr->resource);
        free(pr->reason);
        free(pr->message);
        free(pr);
}

/* plan_op_free for vec_release, which calls through void (*)(void *) */
static void plan_op_free_item(void *x)
{
        plan_op_free(x);
}

/* problem_free for vec_release, which calls through void (*)(void *) */
static void problem_free_item(void *x)
{
        problem_free(x);
}

void plan_release(struct plan *p)
{
        free(p->domain);
        free(p->principal);
        vec_release(&p->ops, plan_op_free_item);
        vec_release(&p->problems, problem_free_item);
        plan_init(p);
}

size_t plan_change_count(const struct plan *p)
{
        size_t n = 0;

        for (size_t i = 0; p && i < p->ops.len; i++)
                n += ((const struct plan_op *)p->ops.items[i])->action != PLAN_ORPHAN;
        return n;
}

const char *plan_action_str(enum plan_action a)
{
        static const char *names[] = {"create", "update", "delete", "orphan"};
        return a <= PLAN_ORPHAN ? names[a] : "unknown";
}

const char *plan_resource_str(enum plan_resource r)
{
        static const char *names[] = {"topic", "acl", "subject", "quota"};
        return r <= PLAN_QUOTA ? names[r] : "unknown";
}

/* Append `op` to the plan; on failure frees it. */
static int push(struct plan *p, struct plan_op *op)
{
        if (!op || vec_push(&p->ops, op) < 0) {
                plan_op_free(op);
                return -1;
        }
        return 0;
}

static struct plan_op *op_new(enum plan_action a, enum plan_resource r)
{
        struct plan_op *op = calloc(1, sizeof(*op));

        if (op) {
                op->action = a;
                op->resource = r;
        }
        return op;
}

static int problem(struct plan *p, const char *resource, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int problem(struct plan *p, const char *resource, const char *reason, const char *fmt, ...)
{
        struct plan_problem *pr = calloc(1, sizeof(*pr));
        va_list ap;
        int n;

        if (!pr)
                return -1;
        pr->resource = strdup(resource);
        pr->reason = strdup(reason);
        va_start(ap, fmt);
        n = vasprintf(&pr->message, fmt, ap);
        va_end(ap);
        if (n < 0)
                pr->message = NULL;
        if (!pr->resource || !pr->reason || !pr->message || vec_push(&p->problems, pr) < 0) {
                problem_free(pr);
                return -1;
        }
        return 0;
}

/* Declared configs are the whole truth: any extra, missing or different key is drift. */
static bool configs_equal(const struct topic *a, const struct topic *b)
{
        return strmap_equal(&a->configs, &b->configs);
}

/* What `want` says of an existing topic; shrinks and RF changes are problems, not ops. */
static int diff_topic(struct plan *p, const struct topic *t, const struct topic *h)
{
        struct plan_op *op;
        bool grow = t->partitions > 0 && t->partitions > h->partitions;
        bool alter = !configs_equal(t, h);
        const char *where = t->channel ? t->channel : t->name;

        if (t->partitions > 0 && t->partitions < h->partitions &&
            problem(p, t->name, "PartitionDecrease",
                    "topic %s (channel %s): partitions cannot shrink (%d -> %d)", t->name, where,
                    h->partitions, t->partitions) < 0)
                return -1;
        if (t->replicas > 0 && h->replicas > 0 && t->replicas != h->replicas &&
            problem(p, t->name, "ReplicationFactorChange",
                    "topic %s (channel %s): replication factor cannot change (%d -> %d) without "
                    "a reassignment",
                    t->name, where, h->replicas, t->replicas) < 0)
                return -1;
        if (!grow && !alter)
                return 0;
        op = op_new(PLAN_UPDATE, PLAN_TOPIC);
        if (!op)
                return -1;
        op->grow_partitions = grow;
        op->alter_configs = alter;
        op->want_topic = topic_dup(t);
        op->have_topic = topic_dup(h);
        if (!op->want_topic || !op->have_topic) {
                plan_op_free(op);
                return -1;
        }
        return push(p, op);
}

static int plan_topics(struct plan *p, const struct product *want, const struct product *have)
{
        for (size_t i = 0; i < want->topics.len; i++) {
                const struct topic *t = want->topics.items[i];
                const struct topic *h = product_topic(have, t->name);
                struct plan_op *op;

                if (h) {
                        if (diff_topic(p, t, h) < 0)
                                return -1;
                        continue;
                }
                op = op_new(PLAN_CREATE, PLAN_TOPIC);
                if (op)
                        op->want_topic = topic_dup(t);
                if (!op || !op->want_topic) {
                        plan_op_free(op);
                        return -1;
                }
                if (push(p, op) < 0)
                        return -1;
        }
        return 0;
}

/* True when `name` is one of want's domain's own (model_topic_owned / model_subject_owned). */
static bool owned_name(const char *name, const struct product *want, bool subject)
{
        if (!want->domain)
                return false;
        return subject ? model_subject_owned(name, want->domain)
                       : model_topic_owned(name, want->domain);
}

/* Topics and subjects that exist but are no longer declared: delete or keep (orphan). */
static int plan_undeclared_topics(struct plan *p, const struct product *want,
                                  const struct product *have, enum plan_action a)
{
        for (size_t i = 0; i < have->topics.len; i++) {
                const struct topic *h = have->topics.items[i];
                struct plan_op *op;

                /* a longer domain's topic is never ours to delete or report */
                if (product_topic(want, h->name) || !owned_name(h->name, want, false))
                        continue;
                op = op_new(a, PLAN_TOPIC);
                if (op)
                        op->have_topic = topic_dup(h);
                if (!op || !op->have_topic) {
                        plan_op_free(op);
                        return -1;
                }
                if (push(p, op) < 0)
                        return -1;
        }
        return 0;
}

/* Same schema? JSON and AVRO compare as JSON values (formatting and key order do not
 * matter); PROTOBUF and unparsable texts compare as text. */
static bool schema_equal(const struct subject *a, const struct subject *b)
{
        json_object *x, *y;
        bool eq;

        if (a->type != b->type)
                return false;
        if (!a->schema || !b->schema)
                return a->schema == b->schema;
        if (a->type == SCHEMA_PROTOBUF)
                return strcmp(a->schema, b->schema) == 0;
        x = json_tokener_parse(a->schema);
        y = json_tokener_parse(b->schema);
        eq = (x && y) ? json_object_equal(x, y) : strcmp(a->schema, b->schema) == 0;
        json_object_put(x);
        json_object_put(y);
        return eq;
}

/* A pending op of `p` registers a new schema for subject `name`. */
static bool registers(const struct plan *p, const char *name)
{
        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                if (op->resource == PLAN_SUBJECT && op->want_subject &&
                    (op->action == PLAN_CREATE || op->new_schema) &&
                    strcmp(op->want_subject->name, name) == 0)
                        return true;
        }
        return false;
}

/* The references of `h` (registered) are not what `s` asks for: other names or subjects, a
 * referenced subject with a newer version than the one referenced, or one this plan changes. */
static bool refs_changed(const struct plan *p, const struct subject *s, const struct subject *h,
                         const struct product *have)
{
        if (!subject_refs_alike(s, h))
                return true;
        for (size_t i = 0; i < h->refs.len; i++) {
                const struct schema_ref *r = h->refs.items[i];
                const struct subject *target = product_subject(have, r->subject);
                if ((target && target->version != r->version) || registers(p, r->subject))
                        return true;
        }
        return false;
}

static int plan_subject(struct plan *p, const struct subject *s, const struct subject *h,
                        const struct product *have)
{
        struct plan_op *op;
        bool schema = h && (!schema_equal(s, h) || refs_changed(p, s, h, have));
        bool compat = h && s->compatibility && !str_eq(s->compatibility, h->compatibility);

        if (h && !schema && !compat)
                return 0;
        op = op_new(h ? PLAN_UPDATE : PLAN_CREATE, PLAN_SUBJECT);
        if (!op)
                return -1;
        op->new_schema = schema;
        op->set_compatibility = compat;
        op->want_subject = subject_dup(s);
        op->have_subject = subject_dup(h);
        if (!op->want_subject || (h && !op->have_subject)) {
                plan_op_free(op);
                return -1;
        }
        return push(p, op);
}

/* Plan subject i of want after the subjects it references (depth first; a cycle is cut). */
static int plan_subject_after_refs(struct plan *p, const struct product *want,
                                   const struct product *have, size_t i, unsigned char *seen)
{
        const struct subject *s = want->subjects.items[i];

        if (seen[i])
                return 0;
        seen[i] = 1;
        for (size_t k = 0; k < s->refs.len; k++) {
                const struct schema_ref *r = s->refs.items[k];
                for (size_t j = 0; j < want->subjects.len; j++)
                        if (strcmp(((const struct subject *)want->subjects.items[j])->name,
                                   r->subject) == 0 &&
                            plan_subject_after_refs(p, want, have, j, seen) < 0)
                                return -1;
        }
        return plan_subject(p, s, product_subject(have, s->name), have);
}

/* Subjects in name order, each after the subjects it references (they must exist first). */
static int plan_subjects(struct plan *p, const struct product *want, const struct product *have)
{
        unsigned char *seen = calloc(want->subjects.len + 1, 1);
        int rc = seen ? 0 : -1;

        for (size_t i = 0; rc == 0 && i < want->subjects.len; i++)
                rc = plan_subject_after_refs(p, want, have, i, seen);
        free(seen);
        return rc;
}

static int plan_undeclared_subjects(struct plan *p, const struct product *want,
                                    const struct product *have, enum plan_action a)
{
        for (size_t i = 0; i < have->subjects.len; i++) {
                const struct subject *h = have->subjects.items[i];
                struct plan_op *op;

                if (product_subject(want, h->name) || !owned_name(h->name, want, true))
                        continue;
                op = op_new(a, PLAN_SUBJECT);
                if (op)
                        op->have_subject = subject_dup(h);
                if (!op || !op->have_subject) {
                        plan_op_free(op);
                        return -1;
                }
                if (push(p, op) < 0)
                        return -1;
        }
        return 0;
}

/* ACLs in `from` that `other` lacks (both sorted by acl_cmp) become `a` ops. */
static int plan_acl_difference(struct plan *p, const struct vec *from, const struct vec *other,
                               enum plan_action a)
{
        size_t j = 0;

        for (size_t i = 0; i < from->len; i++) {
                const struct acl *x = from->items[i];
                struct plan_op *op;
                int c = 1;

                /* revoke only what the domain owns: never a longer domain's grants */
                if (a == PLAN_DELETE &&
                    (!p->domain || !p->principal || !model_acl_owned(x, p->domain, p->principal)))
                        continue;

                while (j < other->len && (c = acl_cmp(other->items[j], x)) < 0)
                        j++;
                if (j < other->len && c == 0)
                        continue;
                op = op_new(a, PLAN_ACL);
                if (op) {
                        op->acl = acl_dup(x);
                        op->legacy = a == PLAN_DELETE && p->domain && p->principal &&
                                     model_acl_legacy(x, p->domain, p->principal);
                }
                if (!op || !op->acl) {
                        plan_op_free(op);
                        return -1;
                }
                if (push(p, op) < 0)
                        return -1;
        }
        return 0;
}

static bool quota_equal(const struct quota *a, const struct quota *b)
{
        if (a->set != b->set)
                return false;
        for (int k = 0; k < QUOTA_KEY_COUNT; k++)
                if ((a->set & (1u << k)) && a->values[k] != b->values[k])
                        return false;
        return true;
}

/* Quotas follow the spec exactly: none declared removes what is set. */
static int plan_quota(struct plan *p, const struct product *want, const struct product *have)
{
        const struct quota *w = want->quota && want->quota->set ? want->quota : NULL;
        const struct quota *h = have->quota && have->quota->set ? have->quota : NULL;
        struct plan_op *op;

        if ((!w && !h) || (w && h && quota_equal(w, h)))
                return 0;
        op = op_new(!h ? PLAN_CREATE : (w ? PLAN_UPDATE : PLAN_DELETE), PLAN_QUOTA);
        if (!op)
                return -1;
        op->want_quota = quota_dup(w);
        op->have_quota = quota_dup(h);
        if ((w && !op->want_quota) || (h && !op->have_quota)) {
                plan_op_free(op);
                return -1;
        }
        return push(p, op);
}

static int build(struct plan *p, const struct product *want, const struct product *have,
                 unsigned flags)
{
        enum plan_action gone = (flags & PLAN_PRUNE) ? PLAN_DELETE : PLAN_ORPHAN;

        if (plan_topics(p, want, have) < 0 || plan_subjects(p, want, have) < 0 ||
            plan_acl_difference(p, &want->acls, &have->acls, PLAN_CREATE) < 0 ||
            plan_quota(p, want, have) < 0 ||
            plan_acl_difference(p, &have->acls, &want->acls, PLAN_DELETE) < 0)
                return -1;
        if (gone == PLAN_DELETE && (plan_undeclared_subjects(p, want, have, gone) < 0 ||
                                    plan_undeclared_topics(p, want, have, gone) < 0))
                return -1;
        if (gone == PLAN_ORPHAN && (plan_undeclared_topics(p, want, have, gone) < 0 ||
                                    plan_undeclared_subjects(p, want, have, gone) < 0))
                return -1;
        return 0;
}

int plan_build(const struct product *want, const struct product *have, unsigned flags,
               struct plan *out, struct err *err)
{
        plan_init(out);
        out->domain = str_dup(want->domain);
        out->principal = str_dup(want->principal);
        if ((want->domain && !out->domain) || (want->principal && !out->principal) ||
            build(out, want, have, flags) < 0) {
                plan_release(out);
                return err_nomem(err);
        }
        /* the last line of defence: a reader bug must not become a cross-tenant change */
        if (plan_check_scope(out, err) < 0) {
                plan_release(out);
                return -1;
        }
        return 0;
}

static bool acl_in_scope(const struct plan_op *op, const char *d, const char *owner)
{
        const struct acl *a = op->acl;
        bool reads = a->op == ACL_OP_READ || a->op == ACL_OP_DESCRIBE;
        char *pub;
        bool ok;

        if (!model_acl_owned(a, d, owner) || a->perm != ACL_PERM_ALLOW)
                return op->action == PLAN_DELETE && model_acl_owned(a, d, owner);
        /* the SpecMesh CLI's undotted form is this domain's only to remove: created, it would
         * also cover longer names (`a.b` covers `a.bc`) */
        if (op->action != PLAN_DELETE && model_acl_legacy(a, d, owner))
                return false;
        if (op->action == PLAN_DELETE || strcmp(a->principal, owner) == 0)
                return true;
        /* someone else's access: read-only, on the domain's own topics */
        if (a->resource != ACL_RES_TOPIC || !reads)
                return false;
        if (a->pattern == ACL_PAT_LITERAL)
                return strcmp(a->principal, "User:*") != 0 && model_topic_owned(a->name, d);
        pub = str_printf("%s._public.", d);
        ok = pub && strcmp(a->name, pub) == 0 && strcmp(a->principal, "User:*") == 0;
        free(pub);
        return ok;
}

/* A schema's references name subjects of the domain only: a reference to another domain's
 * subject would pin its versions (the registry keeps a referenced version from deletion). */
static bool refs_in_scope(const struct subject *s, const char *d)
{
        for (size_t i = 0; s && i < s->refs.len; i++) {
                const struct schema_ref *r = s->refs.items[i];
                if (!r->subject || !model_subject_owned(r->subject, d))
                        return false;
        }
        return true;
}

static bool op_in_scope(const struct plan_op *op, const char *d, const char *owner)
{
        const struct topic *t = op->want_topic ? op->want_topic : op->have_topic;
        const struct subject *s = op->want_subject ? op->want_subject : op->have_subject;
        const struct quota *q = op->want_quota ? op->want_quota : op->have_quota;

        switch (op->resource) {
        case PLAN_TOPIC:
                return t && model_topic_owned(t->name, d);
        case PLAN_SUBJECT:
                return s && model_subject_owned(s->name, d) && refs_in_scope(op->want_subject, d);
        case PLAN_ACL:
                return op->acl && acl_in_scope(op, d, owner);
        case PLAN_QUOTA:
                return q && str_starts_with(owner, "User:") && strcmp(q->user, owner + 5) == 0;
        }
        return false;
}

int plan_check_scope(const struct plan *p, struct err *err)
{
        if (!p->domain || !p->principal || !model_domain_valid(p->domain, NULL) ||
            !model_principal_valid(p->principal, NULL))
                return err_set(err, ERR_INVALID, "plan for domain '%s', principal '%s': refused",
                               p->domain ? p->domain : "(none)",
                               p->principal ? p->principal : "(none)");
        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                if (!op_in_scope(op, p->domain, p->principal))
                        return err_set(err, ERR_INVALID,
                                       "refused: the plan would %s %s '%s' outside domain %s "
                                       "(principal %s)",
                                       plan_action_str(op->action), plan_resource_str(op->resource),
                                       plan_op_name(op), p->domain, p->principal);
        }
        return 0;
}
