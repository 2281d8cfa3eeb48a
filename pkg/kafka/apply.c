#include "pkg/kafka/kafka.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/internal.h"
#include "pkg/kafka/acls.h"
#include "pkg/kafka/quota.h"
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

/* The pending ops that `pred` selects (borrowed pointers; caller frees the array). */
static struct plan_op **select_ops(struct plan *p, op_pred pred, size_t *n)
{
        struct plan_op **v = calloc(p->ops.len ? p->ops.len : 1, sizeof(*v));

        *n = 0;
        for (size_t i = 0; v && i < p->ops.len; i++) {
                struct plan_op *op = p->ops.items[i];
                if (op->state == OP_PENDING && pred(op))
                        v[(*n)++] = op;
        }
        return v;
}

static const char *op_name(const struct plan_op *op)
{
        return op->want_topic ? op->want_topic->name : op->have_topic->name;
}

static void op_failed(struct plan_op *op, const char *what, const char *why)
{
        op->state = OP_FAILED;
        free(op->error);
        op->error = str_printf("%s: %s", what, why);
}

static void ops_failed(struct plan_op **ops, size_t n, const struct err *err)
{
        for (size_t i = 0; i < n; i++)
                op_failed(ops[i], op_name(ops[i]), err->msg);
}

/* Match per-topic results back to ops by name. */
static void topic_results(struct plan_op **ops, size_t n, const rd_kafka_topic_result_t **res,
                          size_t cnt, bool dry, bool exists_ok)
{
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < cnt; j++) {
                        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[j]);
                        if (strcmp(rd_kafka_topic_result_name(res[j]), op_name(ops[i])) != 0)
                                continue;
                        if (e == RD_KAFKA_RESP_ERR_NO_ERROR ||
                            (exists_ok && e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS))
                                ops[i]->state = dry ? OP_SKIPPED : OP_DONE;
                        else
                                op_failed(ops[i], op_name(ops[i]),
                                          rd_kafka_topic_result_error_string(res[j])
                                              ? rd_kafka_topic_result_error_string(res[j])
                                              : rd_kafka_err2str(e));
                }
        }
}

static int create_topics(struct kafka *k, struct plan *p, bool dry, struct err *err)
{
        size_t n;
        struct plan_op **ops = select_ops(p, is_topic_create, &n);
        rd_kafka_NewTopic_t **nt = calloc(n ? n : 1, sizeof(*nt));
        const rd_kafka_topic_result_t **res;
        rd_kafka_event_t *ev;
        char errstr[256];
        size_t cnt;

        if (!ops || !nt || n == 0)
                goto out;
        for (size_t i = 0; i < n; i++) {
                const struct topic *t = ops[i]->want_topic;
                nt[i] = rd_kafka_NewTopic_new(t->name, t->partitions, t->replicas, errstr,
                                              sizeof(errstr));
                for (size_t c = 0; nt[i] && c < t->configs.len; c++) {
                        const struct kv *kv = t->configs.items[c];
                        rd_kafka_NewTopic_set_config(nt[i], kv->key, kv->value);
                }
        }
        rd_kafka_CreateTopics(k->rk, nt, n, kafka_options(k, RD_KAFKA_ADMIN_OP_CREATETOPICS, dry),
                              k->queue);
        ev = kafka_wait(k, RD_KAFKA_EVENT_CREATETOPICS_RESULT, "create topics", err);
        if (!ev) {
                ops_failed(ops, n, err);
                goto out;
        }
        res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
        topic_results(ops, n, res, cnt, dry, false);
        rd_kafka_event_destroy(ev);
out:
        if (nt)
                rd_kafka_NewTopic_destroy_array(nt, n);
        free(nt);
        free(ops);
        return 0;
}

static int grow_partitions(struct kafka *k, struct plan *p, bool dry, struct err *err)
{
        size_t n, cnt;
        struct plan_op **ops = select_ops(p, is_topic_grow, &n);
        rd_kafka_NewPartitions_t **np = calloc(n ? n : 1, sizeof(*np));
        const rd_kafka_topic_result_t **res;
        rd_kafka_event_t *ev;
        char errstr[256];

        if (!ops || !np || n == 0)
                goto out;
        for (size_t i = 0; i < n; i++)
                np[i] = rd_kafka_NewPartitions_new(op_name(ops[i]),
                                                   (size_t)ops[i]->want_topic->partitions, errstr,
                                                   sizeof(errstr));
        rd_kafka_CreatePartitions(
            k->rk, np, n, kafka_options(k, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, dry), k->queue);
        ev = kafka_wait(k, RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, "create partitions", err);
        if (!ev) {
                ops_failed(ops, n, err);
                goto out;
        }
        res = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev),
                                                      &cnt);
        topic_results(ops, n, res, cnt, dry, false);
        rd_kafka_event_destroy(ev);
out:
        if (np)
                rd_kafka_NewPartitions_destroy_array(np, n);
        free(np);
        free(ops);
        return 0;
}

/* AlterConfigs (the non-incremental one) replaces a topic's whole dynamic config set: exactly
 * "the declared configs are the source of truth", out-of-band keys included. */
static int alter_configs(struct kafka *k, struct plan *p, bool dry, struct err *err)
{
        size_t n, cnt;
        struct plan_op **ops = select_ops(p, is_topic_alter, &n);
        rd_kafka_ConfigResource_t **res = calloc(n ? n : 1, sizeof(*res));
        const rd_kafka_ConfigResource_t **out;
        rd_kafka_event_t *ev;

        if (!ops || !res || n == 0)
                goto out;
        for (size_t i = 0; i < n; i++) {
                const struct topic *t = ops[i]->want_topic;
                res[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t->name);
                for (size_t c = 0; c < t->configs.len; c++) {
                        const struct kv *kv = t->configs.items[c];
                        rd_kafka_ConfigResource_set_config(res[i], kv->key, kv->value);
                }
        }
        rd_kafka_AlterConfigs(k->rk, res, n, kafka_options(k, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, dry),
                              k->queue);
        ev = kafka_wait(k, RD_KAFKA_EVENT_ALTERCONFIGS_RESULT, "alter configs", err);
        if (!ev) {
                ops_failed(ops, n, err);
                goto out;
        }
        out = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &cnt);
        for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < cnt; j++) {
                        if (strcmp(rd_kafka_ConfigResource_name(out[j]), op_name(ops[i])) != 0)
                                continue;
                        if (rd_kafka_ConfigResource_error(out[j]))
                                op_failed(ops[i], op_name(ops[i]),
                                          rd_kafka_ConfigResource_error_string(out[j]));
                        else if (ops[i]->state == OP_PENDING || ops[i]->state == OP_DONE)
                                ops[i]->state = dry ? OP_SKIPPED : OP_DONE;
                }
        }
        rd_kafka_event_destroy(ev);
out:
        if (res)
                rd_kafka_ConfigResource_destroy_array(res, n);
        free(res);
        free(ops);
        return 0;
}

static int delete_topics(struct kafka *k, struct plan *p, bool dry, struct err *err)
{
        size_t n, cnt;
        struct plan_op **ops = select_ops(p, is_topic_delete, &n);
        rd_kafka_DeleteTopic_t **dt = calloc(n ? n : 1, sizeof(*dt));
        const rd_kafka_topic_result_t **res;
        rd_kafka_event_t *ev;

        if (!ops || !dt || n == 0)
                goto out;
        if (dry) {
                for (size_t i = 0; i < n; i++)
                        ops[i]->state = OP_SKIPPED;
                goto out;
        }
        for (size_t i = 0; i < n; i++)
                dt[i] = rd_kafka_DeleteTopic_new(op_name(ops[i]));
        rd_kafka_DeleteTopics(k->rk, dt, n, kafka_options(k, RD_KAFKA_ADMIN_OP_DELETETOPICS, 0),
                              k->queue);
        ev = kafka_wait(k, RD_KAFKA_EVENT_DELETETOPICS_RESULT, "delete topics", err);
        if (!ev) {
                ops_failed(ops, n, err);
                goto out;
        }
        res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &cnt);
        topic_results(ops, n, res, cnt, false, false);
        rd_kafka_event_destroy(ev);
out:
        if (dt && n && !dry)
                rd_kafka_DeleteTopic_destroy_array(dt, n);
        free(dt);
        free(ops);
        return 0;
}

static void acl_ops_skipped(struct plan_op **ops, size_t n)
{
        for (size_t i = 0; i < n; i++)
                ops[i]->state = OP_SKIPPED;
}

static void acl_ops_failed(struct plan_op **ops, size_t n, const struct err *err)
{
        for (size_t i = 0; i < n; i++)
                op_failed(ops[i], "acl", err->msg);
}

/* ACL creates, then (later in the order) deletes, through our own protocol client: one
 * request each. CreateAcls has no validate-only mode, so a dry run skips them. */
static int apply_acls(struct kafka *k, struct plan *p, op_pred pred, bool dry, struct err *err)
{
        size_t n;
        struct plan_op **ops = select_ops(p, pred, &n);
        struct err cerr;
        int rc;

        if (!ops || n == 0 || dry) {
                if (ops)
                        acl_ops_skipped(ops, n);
                free(ops);
                return 0;
        }
        err_clear(&cerr);
        if (!kafka_own_conn(k, &cerr)) {
                acl_ops_failed(ops, n, &cerr);
                free(ops);
                return 0;
        }
        k->requests++;
        rc = pred == is_acl_create ? kafka_acls_create(k->quota_conn, ops, n, &cerr)
                                   : kafka_acls_delete(k->quota_conn, ops, n, &cerr);
        if (rc < 0)
                acl_ops_failed(ops, n, &cerr);
        free(ops);
        (void)err;
        return 0;
}

static int apply_quota(struct kafka *k, struct plan *p, bool dry, struct err *err)
{
        for (size_t i = 0; i < p->ops.len; i++) {
                struct plan_op *op = p->ops.items[i];
                struct err qerr;
                if (op->resource != PLAN_QUOTA || op->state != OP_PENDING)
                        continue;
                if (dry) {
                        op->state = OP_SKIPPED;
                        continue;
                }
                k->requests++;
                if (!kafka_own_conn(k, &qerr) ||
                    kafka_quota_alter(k->quota_conn, op->want_quota, op->have_quota, &qerr) < 0) {
                        op_failed(op, "quota", qerr.msg);
                        kconn_close(k->quota_conn); /* reconnect next time */
                        k->quota_conn = NULL;
                } else {
                        op->state = OP_DONE;
                }
        }
        (void)err;
        return 0;
}

int kafka_apply(struct kafka *k, struct plan *p, unsigned flags, struct err *err)
{
        bool dry = flags & KAFKA_APPLY_DRY_RUN;
        size_t failed = 0, total = 0;
        const struct plan_op *first = NULL;

        create_topics(k, p, dry, err);
        grow_partitions(k, p, dry, err);
        alter_configs(k, p, dry, err);
        apply_acls(k, p, is_acl_create, dry, err);
        apply_quota(k, p, dry, err);
        plan_hold_legacy(p); /* a migration removes SpecMesh's ACLs only once ours exist */
        apply_acls(k, p, is_acl_delete, dry, err);
        delete_topics(k, p, dry, err);
        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                if (op->resource == PLAN_SUBJECT || op->action == PLAN_ORPHAN)
                        continue;
                total++;
                if (op->state == OP_FAILED) {
                        failed++;
                        first = first ? first : op;
                }
        }
        if (failed)
                return err_set(err, ERR_TERMINAL, "%zu of %zu Kafka changes failed: %s", failed,
                               total, first->error);
        return 0;
}
