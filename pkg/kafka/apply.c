#include "pkg/kafka/kafka.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/internal.h"
#include "pkg/kwire/acls.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/base/banned.h"

typedef bool (*op_pred)(const struct plan_op *op);

static bool is_topic_create(const struct plan_op *op)
{
        return op->resource == PLAN_TOPIC && op->action == PLAN_CREATE;
}
static bool is_topic_grow(const struct plan_op *op)
{
        return op->resource == PLAN_TOPIC && op->action == PLAN_UPDATE && op->grow_partitions;
}
static bool is_topic_alter(const struct plan_op *op)
{
        return op->resource == PLAN_TOPIC && op->action == PLAN_UPDATE && op->alter_configs;
}
static bool is_topic_delete(const struct plan_op *op)
{
        return op->resource == PLAN_TOPIC && op->action == PLAN_DELETE;
}
static bool is_acl_create(const struct plan_op *op)
{
        return op->resource == PLAN_ACL && op->action == PLAN_CREATE;
}
static bool is_acl_delete(const struct plan_op *op)
{
        return op->resource == PLAN_ACL && op->action == PLAN_DELETE;
}

/* One kafka_apply(): the plan, the mode, and whether some failure is worth a retry. */
struct run {
        struct kafka *k;
        struct plan *p;
        bool dry;
        enum err_kind kind; /* of the first failure; ERR_TRANSIENT once any failure is */
};

/* Whether `op` still has work for the batch of `pred`: pending, or a topic update whose
 * partitions grew (or validated) in this run and whose configs are still to be set. */
static bool has_work(const struct plan_op *op, op_pred pred)
{
        if (op->state == OP_PENDING)
                return true;
        return pred == is_topic_alter && op->grow_partitions &&
               (op->state == OP_DONE || op->state == OP_SKIPPED);
}

/* The ops that `pred` selects and that still have work (borrowed pointers; caller frees the
 * array). NULL when out of memory: the ops then stay pending and kafka_apply() counts them as
 * failed. */
static struct plan_op **select_ops(struct plan *p, op_pred pred, size_t *n)
{
        struct plan_op **v = calloc(p->ops.len ? p->ops.len : 1, sizeof(*v));

        *n = 0;
        for (size_t i = 0; v && i < p->ops.len; i++) {
                struct plan_op *op = p->ops.items[i];
                if (pred(op) && has_work(op, pred))
                        v[(*n)++] = op;
        }
        return v;
}

static const char *op_name(const struct plan_op *op)
{
        return op->want_topic ? op->want_topic->name : op->have_topic->name;
}

static void op_failed(struct run *r, struct plan_op *op, enum err_kind kind, const char *what,
                      const char *why)
{
        op->state = OP_FAILED;
        op->kind = kind;
        free(op->error);
        op->error = str_printf("%s: %s", what, why);
        r->kind = kafka_apply_kind(r->kind, kind);
}

static void ops_failed(struct run *r, struct plan_op **ops, size_t n, const struct err *err)
{
        for (size_t i = 0; i < n; i++)
                op_failed(r, ops[i], err->kind,
                          ops[i]->resource == PLAN_TOPIC ? op_name(ops[i])
                          : ops[i]->resource == PLAN_ACL ? "acl"
                                                         : "quota",
                          err->msg);
}

static void op_succeeded(const struct run *r, struct plan_op *op)
{
        op->state = r->dry ? OP_SKIPPED : OP_DONE;
}

/* The kind of a per-topic error code (see kafka_err). */
static enum err_kind code_kind(rd_kafka_resp_err_t code)
{
        struct err e;

        kafka_err(&e, code, "-");
        return e.kind;
}

/* Match per-topic results back to ops by name. */
static void topic_results(struct run *r, struct plan_op **ops, size_t n,
                          const rd_kafka_topic_result_t **res, size_t cnt)
{
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < cnt; j++) {
                        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[j]);
                        const char *msg = rd_kafka_topic_result_error_string(res[j]);
                        if (strcmp(rd_kafka_topic_result_name(res[j]), op_name(ops[i])) != 0)
                                continue;
                        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
                                op_succeeded(r, ops[i]);
                        else
                                op_failed(r, ops[i], code_kind(e), op_name(ops[i]),
                                          msg ? msg : rd_kafka_err2str(e));
                }
        }
}

/*
 * One kind of change sent as one librdkafka admin call. `build` makes the request objects for
 * ops[0..*n) as one array (returned as void *, NULL when out of memory); an op whose object
 * librdkafka refuses is marked failed and dropped from `ops` (n shrinks). `send` makes the
 * call, `match` records the result of each op, `destroy` frees the array.
 */
struct batch {
        const char *what;
        op_pred select;
        rd_kafka_admin_op_t api;
        rd_kafka_event_type_t result;
        bool validates; /* has validate_only; a dry run of the others sends nothing */
        void *(*build)(struct run *r, struct plan_op **ops, size_t *n);
        void (*send)(struct kafka *k, void *objs, size_t n, rd_kafka_AdminOptions_t *o);
        void (*match)(struct run *r, rd_kafka_event_t *ev, struct plan_op **ops, size_t n);
        void (*destroy)(void *objs, size_t n);
        /* how many metadata records the controller writes for an op (at least 1; at most
         * KAFKA_RECORDS_PER_REQUEST go in one request) */
        size_t (*records)(const struct plan_op *op);
};

/* Drop ops[i] from ops[0..*n) after it failed to become a request object. */
static void drop(struct plan_op **ops, size_t *n, size_t i)
{
        memmove(&ops[i], &ops[i + 1], (*n - i - 1) * sizeof(*ops));
        (*n)--;
}

/* Mark every op of the batch that the answer did not mention as failed. */
static void unanswered(struct run *r, struct plan_op **ops, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (ops[i]->state == OP_PENDING)
                        op_failed(r, ops[i], ERR_TRANSIENT, op_name(ops[i]),
                                  "no result for it in the broker's answer");
}

/* One request for ops[0..n) (a chunk of the batch's ops). */
static void run_chunk(struct run *r, const struct batch *b, struct plan_op **ops, size_t n)
{
        void *objs = b->build(r, ops, &n);
        rd_kafka_event_t *ev;
        struct err e;

        err_clear(&e);
        if (!objs) {
                err_nomem(&e);
                ops_failed(r, ops, n, &e);
                return;
        }
        if (n > 0) {
                b->send(r->k, objs, n, kafka_options(r->k, b->api, r->dry));
                ev = kafka_wait(r->k, b->result, b->what, &e);
                if (!ev) {
                        ops_failed(r, ops, n, &e);
                } else {
                        b->match(r, ev, ops, n);
                        rd_kafka_event_destroy(ev);
                        unanswered(r, ops, n);
                }
        }
        b->destroy(objs, n);
}

static void run_batch(struct run *r, const struct batch *b)
{
        size_t n, start = 0, records = 0;
        struct plan_op **ops = select_ops(r->p, b->select, &n);

        if (!ops || n == 0)
                goto out;
        for (size_t i = 0; i < n; i++) /* a grown topic's configs: its outcome is this batch's */
                ops[i]->state = OP_PENDING;
        if (r->dry && !b->validates) {
                for (size_t i = 0; i < n; i++)
                        ops[i]->state = OP_SKIPPED;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                size_t w = b->records(ops[i]);
                if (i > start && records + w > KAFKA_RECORDS_PER_REQUEST) {
                        run_chunk(r, b, ops + start, i - start);
                        start = i;
                        records = 0;
                }
                records += w;
        }
        run_chunk(r, b, ops + start, n - start);
out:
        free(ops);
}

/* CreateTopics */

static rd_kafka_NewTopic_t *new_topic(const struct topic *t, char *errstr, size_t len)
{
        rd_kafka_NewTopic_t *x =
            rd_kafka_NewTopic_new(t->name, t->partitions, t->replicas, errstr, len);

        for (size_t c = 0; x && c < t->configs.len; c++) {
                const struct strmap_ent *kv = &t->configs.items[c];
                if (rd_kafka_NewTopic_set_config(x, kv->key, kv->value) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR) {
                        snprintf(errstr, len, "config '%s' cannot be set", kv->key);
                        rd_kafka_NewTopic_destroy(x);
                        x = NULL;
                }
        }
        return x;
}

static void *build_create(struct run *r, struct plan_op **ops, size_t *n)
{
        rd_kafka_NewTopic_t **v = calloc(*n, sizeof(*v));
        char errstr[256];

        for (size_t i = 0; v && i < *n;) {
                v[i] = new_topic(ops[i]->want_topic, errstr, sizeof(errstr));
                if (v[i]) {
                        i++;
                        continue;
                }
                op_failed(r, ops[i], ERR_INVALID, op_name(ops[i]), errstr);
                drop(ops, n, i);
        }
        return v;
}

static void send_create(struct kafka *k, void *objs, size_t n, rd_kafka_AdminOptions_t *o)
{
        rd_kafka_CreateTopics(k->rk, objs, n, o, k->queue);
}

static void match_create(struct run *r, rd_kafka_event_t *ev, struct plan_op **ops, size_t n)
{
        size_t cnt;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);

        topic_results(r, ops, n, res, cnt);
}

size_t kafka_topic_records(const struct topic *t)
{
        return 1 + (t->partitions > 0 ? (size_t)t->partitions : 1) + t->configs.len;
}

static size_t create_records(const struct plan_op *op)
{
        return kafka_topic_records(op->want_topic);
}

static void destroy_create(void *objs, size_t n)
{
        rd_kafka_NewTopic_destroy_array(objs, n);
        free(objs);
}

static const struct batch create_topics = {"create topics",
                                           is_topic_create,
                                           RD_KAFKA_ADMIN_OP_CREATETOPICS,
                                           RD_KAFKA_EVENT_CREATETOPICS_RESULT,
                                           true,
                                           build_create,
                                           send_create,
                                           match_create,
                                           destroy_create,
                                           create_records};

/* CreatePartitions */

static void *build_grow(struct run *r, struct plan_op **ops, size_t *n)
{
        rd_kafka_NewPartitions_t **v = calloc(*n, sizeof(*v));
        char errstr[256];

        for (size_t i = 0; v && i < *n;) {
                v[i] = rd_kafka_NewPartitions_new(op_name(ops[i]),
                                                  (size_t)ops[i]->want_topic->partitions, errstr,
                                                  sizeof(errstr));
                if (v[i]) {
                        i++;
                        continue;
                }
                op_failed(r, ops[i], ERR_INVALID, op_name(ops[i]), errstr);
                drop(ops, n, i);
        }
        return v;
}

static void send_grow(struct kafka *k, void *objs, size_t n, rd_kafka_AdminOptions_t *o)
{
        rd_kafka_CreatePartitions(k->rk, objs, n, o, k->queue);
}

static void match_grow(struct run *r, rd_kafka_event_t *ev, struct plan_op **ops, size_t n)
{
        size_t cnt;
        const rd_kafka_topic_result_t **res = rd_kafka_CreatePartitions_result_topics(
            rd_kafka_event_CreatePartitions_result(ev), &cnt);

        topic_results(r, ops, n, res, cnt);
}

static size_t grow_records(const struct plan_op *op)
{
        int added = op->want_topic->partitions - op->have_topic->partitions;

        return added > 0 ? (size_t)added : 1;
}

static void destroy_grow(void *objs, size_t n)
{
        rd_kafka_NewPartitions_destroy_array(objs, n);
        free(objs);
}

static const struct batch grow_partitions = {"create partitions",
                                             is_topic_grow,
                                             RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
                                             RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT,
                                             true,
                                             build_grow,
                                             send_grow,
                                             match_grow,
                                             destroy_grow,
                                             grow_records};

/* AlterConfigs (the non-incremental one) replaces a topic's whole dynamic config set: exactly
 * "the declared configs are the source of truth", out-of-band keys included. */

static void *build_alter(struct run *r, struct plan_op **ops, size_t *n)
{
        rd_kafka_ConfigResource_t **v = calloc(*n, sizeof(*v));

        for (size_t i = 0; v && i < *n;) {
                const struct topic *t = ops[i]->want_topic;
                const char *bad = NULL;
                v[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t->name);
                for (size_t c = 0; v[i] && !bad && c < t->configs.len; c++) {
                        const struct strmap_ent *kv = &t->configs.items[c];
                        if (rd_kafka_ConfigResource_set_config(v[i], kv->key, kv->value))
                                bad = kv->key;
                }
                if (v[i] && !bad) {
                        i++;
                        continue;
                }
                op_failed(r, ops[i], ERR_INVALID, t->name,
                          bad ? "a config cannot be set" : "not a valid config resource");
                if (v[i])
                        rd_kafka_ConfigResource_destroy(v[i]);
                v[i] = NULL;
                drop(ops, n, i);
        }
        return v;
}

static void send_alter(struct kafka *k, void *objs, size_t n, rd_kafka_AdminOptions_t *o)
{
        rd_kafka_AlterConfigs(k->rk, objs, n, o, k->queue);
}

static void match_alter(struct run *r, rd_kafka_event_t *ev, struct plan_op **ops, size_t n)
{
        size_t cnt;
        const rd_kafka_ConfigResource_t **out =
            rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &cnt);

        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < cnt; j++) {
                        rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(out[j]);
                        if (strcmp(rd_kafka_ConfigResource_name(out[j]), op_name(ops[i])) != 0)
                                continue;
                        if (e)
                                op_failed(r, ops[i], code_kind(e), op_name(ops[i]),
                                          rd_kafka_ConfigResource_error_string(out[j])
                                              ? rd_kafka_ConfigResource_error_string(out[j])
                                              : rd_kafka_err2str(e));
                        else
                                op_succeeded(r, ops[i]);
                }
        }
}

/* The topic's configs as set, and as many removed at most. */
static size_t alter_records(const struct plan_op *op)
{
        return 1 + op->want_topic->configs.len + (op->have_topic ? op->have_topic->configs.len : 0);
}

static void destroy_alter(void *objs, size_t n)
{
        rd_kafka_ConfigResource_destroy_array(objs, n);
        free(objs);
}

static const struct batch alter_configs = {"alter configs",
                                           is_topic_alter,
                                           RD_KAFKA_ADMIN_OP_ALTERCONFIGS,
                                           RD_KAFKA_EVENT_ALTERCONFIGS_RESULT,
                                           true,
                                           build_alter,
                                           send_alter,
                                           match_alter,
                                           destroy_alter,
                                           alter_records};

/* DeleteTopics (no validate_only: a dry run skips it) */

static void *build_delete(struct run *r, struct plan_op **ops, size_t *n)
{
        rd_kafka_DeleteTopic_t **v = calloc(*n, sizeof(*v));

        for (size_t i = 0; v && i < *n;) {
                v[i] = rd_kafka_DeleteTopic_new(op_name(ops[i]));
                if (v[i]) {
                        i++;
                        continue;
                }
                op_failed(r, ops[i], ERR_INVALID, op_name(ops[i]), "not a valid topic name");
                drop(ops, n, i);
        }
        return v;
}

static void send_delete(struct kafka *k, void *objs, size_t n, rd_kafka_AdminOptions_t *o)
{
        rd_kafka_DeleteTopics(k->rk, objs, n, o, k->queue);
}

static void match_delete(struct run *r, rd_kafka_event_t *ev, struct plan_op **ops, size_t n)
{
        size_t cnt;
        const rd_kafka_topic_result_t **res =
            rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &cnt);

        topic_results(r, ops, n, res, cnt);
}

static size_t one_record(const struct plan_op *op)
{
        (void)op;
        return 1;
}

static void destroy_delete(void *objs, size_t n)
{
        rd_kafka_DeleteTopic_destroy_array(objs, n);
        free(objs);
}

static const struct batch delete_topics = {"delete topics",
                                           is_topic_delete,
                                           RD_KAFKA_ADMIN_OP_DELETETOPICS,
                                           RD_KAFKA_EVENT_DELETETOPICS_RESULT,
                                           false,
                                           build_delete,
                                           send_delete,
                                           match_delete,
                                           destroy_delete,
                                           one_record};

/* ACL creates, then (later in the order) deletes, through our own protocol client: one
 * request each. CreateAcls has no validate-only mode, so a dry run skips them. */
static void run_acls(struct run *r, op_pred pred)
{
        size_t n;
        struct plan_op **ops = select_ops(r->p, pred, &n);
        struct kconn *c;
        struct err e;
        size_t per;
        int rc;

        err_clear(&e);
        if (!ops || n == 0)
                goto out;
        if (r->dry) {
                for (size_t i = 0; i < n; i++)
                        ops[i]->state = OP_SKIPPED;
                goto out;
        }
        c = kafka_own_conn(r->k, &e);
        if (!c) {
                ops_failed(r, ops, n, &e);
                goto out;
        }
        per = pred == is_acl_create ? ACLS_PER_REQUEST : ACLS_PER_DELETE_REQUEST;
        r->k->requests += (n + per - 1) / per;
        rc = pred == is_acl_create ? kafka_acls_create(c, ops, n, &e)
                                   : kafka_acls_delete(c, ops, n, &e);
        /* a lost connection stops at that request: the earlier ones' results stand */
        for (size_t i = 0; rc < 0 && i < n; i++)
                if (ops[i]->state == OP_PENDING)
                        ops_failed(r, ops + i, 1, &e);
        for (size_t i = 0; i < n; i++) /* refused by the broker, one by one */
                if (ops[i]->state == OP_FAILED) {
                        ops[i]->kind = ops[i]->kind ? ops[i]->kind : ERR_TERMINAL;
                        r->kind = kafka_apply_kind(r->kind, ERR_TERMINAL);
                }
        unanswered(r, ops, n);
out:
        free(ops);
}

static void run_quota(struct run *r)
{
        for (size_t i = 0; i < r->p->ops.len; i++) {
                struct plan_op *op = r->p->ops.items[i];
                struct err e;
                if (op->resource != PLAN_QUOTA || op->state != OP_PENDING)
                        continue;
                if (r->dry) {
                        op->state = OP_SKIPPED;
                        continue;
                }
                err_clear(&e);
                r->k->requests++;
                if (!kafka_own_conn(r->k, &e) ||
                    kafka_quota_alter(r->k->quota_conn, op->want_quota, op->have_quota, &e) < 0) {
                        op_failed(r, op, e.kind, "quota", e.msg);
                        kconn_close(r->k->quota_conn); /* reconnect next time */
                        r->k->quota_conn = NULL;
                } else {
                        op->state = OP_DONE;
                }
        }
}

size_t kafka_hold_legacy(struct plan *p)
{
        bool failed = false;
        size_t held = 0;

        for (size_t i = 0; i < p->ops.len && !failed; i++) {
                const struct plan_op *op = p->ops.items[i];
                failed =
                    op->resource == PLAN_ACL && op->action == PLAN_CREATE && op->state == OP_FAILED;
        }
        for (size_t i = 0; i < p->ops.len && failed; i++) {
                struct plan_op *op = p->ops.items[i];
                if (!op->legacy || op->state != OP_PENDING)
                        continue;
                free(op->error);
                op->error = str_dup("kept: the ACLs that replace it were not all created");
                op->state = OP_SKIPPED;
                held++;
        }
        return held;
}

enum err_kind kafka_apply_kind(enum err_kind so_far, enum err_kind next)
{
        if (so_far == ERR_TRANSIENT || next == ERR_TRANSIENT || next == ERR_NOMEM)
                return ERR_TRANSIENT;
        return so_far != ERR_NONE ? so_far : next;
}

int kafka_apply_outcome(struct plan *p, enum err_kind kind, struct err *err)
{
        size_t failed = 0, total = 0;
        const struct plan_op *first = NULL;

        for (size_t i = 0; i < p->ops.len; i++) {
                struct plan_op *op = p->ops.items[i];
                if (op->resource == PLAN_SUBJECT || op->action == PLAN_ORPHAN)
                        continue;
                total++;
                if (op->state == OP_PENDING) { /* its batch could not even be assembled */
                        op->state = OP_FAILED;
                        free(op->error);
                        op->error = str_dup("not attempted: out of memory");
                        kind = kafka_apply_kind(kind, ERR_NOMEM);
                }
                if (op->state == OP_FAILED) {
                        failed++;
                        first = first ? first : op;
                }
        }
        if (!failed)
                return 0;
        return err_set(err, kind == ERR_NONE ? ERR_TERMINAL : kind,
                       "%zu of %zu Kafka changes failed: %s", failed, total,
                       first->error ? first->error : "failed");
}

/* The kind of `p`'s failures, each op's own (a batch of several plans shares one run). */
static enum err_kind plan_kind(const struct plan *p)
{
        enum err_kind kind = ERR_NONE;

        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                if (op->state == OP_FAILED && op->resource != PLAN_SUBJECT)
                        kind = kafka_apply_kind(kind, op->kind ? op->kind : ERR_TERMINAL);
        }
        return kind;
}

int kafka_apply_many(struct kafka *k, struct plan **plans, size_t n, unsigned flags,
                     struct err *errs, int *rcs)
{
        /* one plan whose ops are every plan's (borrowed): each stage is one request for all */
        struct plan all;
        struct run r = {k, &all, flags & KAFKA_APPLY_DRY_RUN, ERR_NONE};
        int failed = 0;

        memset(&all, 0, sizeof(all));
        vec_init(&all.ops);
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < plans[i]->ops.len; j++) {
                        if (vec_push(&all.ops, plans[i]->ops.items[j]) < 0) {
                                /* no memory for the batch: the plans one by one */
                                vec_release(&all.ops, NULL);
                                for (size_t x = 0; x < n; x++)
                                        failed |= (rcs[x] = kafka_apply(k, plans[x], flags,
                                                                        &errs[x])) < 0;
                                return failed ? -1 : 0;
                        }
                }
        }
        run_batch(&r, &create_topics);
        run_batch(&r, &grow_partitions);
        run_batch(&r, &alter_configs);
        run_acls(&r, is_acl_create);
        run_quota(&r);
        for (size_t i = 0; i < n;
             i++) /* a migration removes SpecMesh's ACLs only once ours exist */
                kafka_hold_legacy(plans[i]);
        run_acls(&r, is_acl_delete);
        run_batch(&r, &delete_topics);
        vec_release(&all.ops, NULL); /* the ops are the plans' */
        for (size_t i = 0; i < n; i++) {
                err_clear(&errs[i]);
                failed |=
                    (rcs[i] = kafka_apply_outcome(plans[i], plan_kind(plans[i]), &errs[i])) < 0;
        }
        return failed ? -1 : 0;
}

int kafka_apply(struct kafka *k, struct plan *p, unsigned flags, struct err *err)
{
        int rc;

        kafka_apply_many(k, &p, 1, flags, err, &rc);
        return rc;
}
