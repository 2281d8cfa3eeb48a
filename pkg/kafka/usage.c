#include "pkg/kafka/usage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/kwire/acls.h"
#include "pkg/kafka/internal.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kafka/logdirs.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"
#include "pkg/report/report.h"
#include "pkg/base/banned.h"

#define WATERMARK_TIMEOUT_MS 10000

/* Whether `topic` is in the report's scope: the domain's, or any non-internal one. */
static bool in_scope(const char *topic, const char *domain)
{
        if (domain)
                return model_topic_in_domain(topic, domain);
        return !str_starts_with(topic, "__");
}

static void free_acl(void *a)
{
        acl_free(a);
}

/* The owners of topic and group prefixes, from the cluster's prefixed ALLOW ACLs. */
static int load_owners(struct kafka *k, struct report *out, struct err *err)
{
        struct kconn *c = kafka_own_conn(k, err);
        struct vec acls = VEC_INIT;
        int rc = 0;

        if (!c || kafka_acls_describe(c, &acls, err) < 0) {
                vec_release(&acls, free_acl);
                return -1;
        }
        for (size_t i = 0; i < acls.len && rc == 0; i++) {
                const struct acl *a = acls.items[i];
                char kind = a->resource == ACL_RES_TOPIC && a->op == ACL_OP_WRITE  ? 'T'
                            : a->resource == ACL_RES_GROUP && a->op == ACL_OP_READ ? 'G'
                                                                                   : 0;
                if (!kind || a->pattern != ACL_PAT_PREFIXED || a->perm != ACL_PERM_ALLOW ||
                    !str_ends_with(a->name, ".") || str_eq(a->principal, "User:*"))
                        continue;
                if (report_add_owner(out, kind, a->name, a->principal) < 0)
                        rc = err_nomem(err);
        }
        vec_release(&acls, free_acl);
        return rc;
}

static const struct rd_kafka_metadata *metadata(struct kafka *k, struct err *err)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t e = rd_kafka_metadata(k->rk, 1, NULL, &md, KAFKA_TIMEOUT_MS);

        k->requests++;
        if (e) {
                kafka_err(err, e, "kafka %s: metadata: %s", k->bootstrap, rd_kafka_err2str(e));
                return NULL;
        }
        return md;
}

/* One row per topic in scope, with its partitions, replication factor and domain. */
static int add_topics(struct report *out, const struct rd_kafka_metadata *md, const char *domain,
                      struct err *err)
{
        for (int i = 0; i < md->topic_cnt; i++) {
                const rd_kafka_metadata_topic_t *mt = &md->topics[i];
                struct usage_topic *t;
                if (mt->err || !in_scope(mt->topic, domain))
                        continue;
                t = report_add_topic(out, mt->topic);
                if (!t)
                        return err_nomem(err);
                t->partitions = mt->partition_cnt;
                t->replication = mt->partition_cnt ? mt->partitions[0].replica_cnt : 0;
                t->domain = domain ? str_dup(domain) : report_domain_of(out, 'T', mt->topic);
        }
        return 0;
}

static int32_t leader_of(const struct rd_kafka_metadata *md, const char *topic, int32_t part)
{
        for (int i = 0; i < md->topic_cnt; i++) {
                const rd_kafka_metadata_topic_t *mt = &md->topics[i];
                if (strcmp(mt->topic, topic) != 0)
                        continue;
                for (int j = 0; j < mt->partition_cnt; j++)
                        if (mt->partitions[j].id == part)
                                return mt->partitions[j].leader;
        }
        return -1;
}

/*
 * The replica logs of broker `b`, over a connection of our own to that broker: the client's
 * properties with bootstrap.servers swapped for the broker's address for the time of the
 * connect.
 */
static int broker_logs(struct kafka *k, const rd_kafka_metadata_broker_t *b, struct vec *out,
                       struct err *err)
{
        char *saved = str_dup(kprops_get(&k->props, "bootstrap.servers"));
        char *addr = str_printf("%s:%d", b->host, b->port);
        struct kconn *c = NULL;
        int rc = -1;

        if (!saved || !addr || kprops_set(&k->props, "bootstrap.servers", addr) < 0) {
                err_nomem(err);
        } else {
                c = kconn_open(&k->props, 10000, err);
                if (kprops_set(&k->props, "bootstrap.servers", saved) < 0 && c) {
                        err_nomem(err);
                } else if (c) {
                        rc = kafka_logdirs(c, b->id, out, err);
                }
        }
        kconn_close(c);
        free(saved);
        free(addr);
        return rc;
}

/* Add one broker's replica logs to the topics' sums. */
static void sum_logs(struct report *out, const struct rd_kafka_metadata *md, struct vec *logs)
{
        for (size_t i = 0; i < logs->len; i++) {
                const struct logdir_entry *e = logs->items[i];
                struct usage_topic *t = report_topic(out, e->topic);
                if (!t || e->future)
                        continue;
                t->logs++;
                t->bytes += e->size;
                if (leader_of(md, e->topic, e->partition) == e->broker)
                        t->leader_bytes += e->size;
        }
}

int kafka_usage_storage(struct kafka *k, const char *domain, struct report *out, struct err *err)
{
        const struct rd_kafka_metadata *md;
        int rc = -1;

        if (load_owners(k, out, err) < 0)
                return -1;
        md = metadata(k, err);
        if (!md)
                return -1;
        if (add_topics(out, md, domain, err) < 0)
                goto out;
        for (int i = 0; i < md->broker_cnt; i++) {
                struct vec logs = VEC_INIT;
                int brc = broker_logs(k, &md->brokers[i], &logs, err);
                if (brc == 0)
                        sum_logs(out, md, &logs);
                vec_release(&logs, logdir_entry_free);
                if (brc < 0)
                        goto out;
        }
        report_sort(out);
        rc = 0;
out:
        rd_kafka_metadata_destroy(md);
        return rc;
}

/* --- consumption --------------------------------------------------------------------------- */

/* Every consumer group: ids and states, as parallel vectors of strings. */
static int list_groups(struct kafka *k, struct vec *ids, struct vec *states, struct err *err)
{
        const rd_kafka_ListConsumerGroups_result_t *res;
        const rd_kafka_ConsumerGroupListing_t **gs;
        rd_kafka_event_t *ev;
        size_t n;
        int rc = 0;

        rd_kafka_ListConsumerGroups(
            k->rk, kafka_options(k, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, 0), k->queue);
        ev = kafka_wait(k, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, "list consumer groups", err);
        if (!ev)
                return -1;
        res = rd_kafka_event_ListConsumerGroups_result(ev);
        gs = rd_kafka_ListConsumerGroups_result_valid(res, &n);
        for (size_t i = 0; i < n && rc == 0; i++) {
                char *id = str_dup(rd_kafka_ConsumerGroupListing_group_id(gs[i]));
                char *st = str_dup(
                    rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(gs[i])));
                if (!id || !st || vec_push(ids, id) < 0) {
                        free(id);
                        free(st);
                        rc = err_nomem(err);
                } else if (vec_push(states, st) < 0) {
                        free(st);
                        rc = err_nomem(err);
                }
        }
        rd_kafka_event_destroy(ev);
        return rc;
}

/* The committed offsets of `group` (caller destroys the list), or NULL with `err` set. */
static rd_kafka_topic_partition_list_t *group_offsets(struct kafka *k, const char *group,
                                                      struct err *err)
{
        rd_kafka_ListConsumerGroupOffsets_t *req =
            rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
        const rd_kafka_group_result_t **gs;
        rd_kafka_topic_partition_list_t *out = NULL;
        rd_kafka_event_t *ev;
        size_t n;

        rd_kafka_ListConsumerGroupOffsets(
            k->rk, &req, 1, kafka_options(k, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, 0),
            k->queue);
        rd_kafka_ListConsumerGroupOffsets_destroy(req);
        ev = kafka_wait(k, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT,
                        "list consumer group offsets", err);
        if (!ev)
                return NULL;
        gs = rd_kafka_ListConsumerGroupOffsets_result_groups(
            rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
        if (n == 1 && rd_kafka_group_result_error(gs[0]))
                kafka_err(err, rd_kafka_error_code(rd_kafka_group_result_error(gs[0])),
                          "kafka %s: offsets of group %s: %s", k->bootstrap, group,
                          rd_kafka_error_string(rd_kafka_group_result_error(gs[0])));
        else if (n == 1)
                out = rd_kafka_topic_partition_list_copy(rd_kafka_group_result_partitions(gs[0]));
        else
                err_set(err, ERR_INTERNAL, "kafka %s: offsets of group %s: no result", k->bootstrap,
                        group);
        rd_kafka_event_destroy(ev);
        return out;
}

/* The row of (topic, group), added on first use with the group's attribution. */
static struct usage_group *row(struct report *out, const char *topic, const char *group,
                               const char *state)
{
        const struct usage_owner *o;
        struct usage_group *g;

        for (size_t i = 0; i < out->groups.len; i++) {
                g = out->groups.items[i];
                if (str_eq(g->topic, topic) && str_eq(g->group, group))
                        return g;
        }
        g = report_add_group(out, topic, group);
        if (!g)
                return NULL;
        o = report_owner(out, 'G', group);
        g->domain = report_domain_of(out, 'G', group);
        g->principal = o ? str_dup(o->principal) : NULL;
        g->topic_domain = report_domain_of(out, 'T', topic);
        g->state = str_dup(state);
        return g;
}

/* Add the lag of one group's committed offsets on topics in scope. */
static int add_group(struct kafka *k, struct report *out, const char *domain, const char *group,
                     const char *state, struct err *err)
{
        rd_kafka_topic_partition_list_t *offs = group_offsets(k, group, err);
        int rc = 0;

        if (!offs)
                return -1;
        for (int i = 0; i < offs->cnt && rc == 0; i++) {
                const rd_kafka_topic_partition_t *tp = &offs->elems[i];
                struct usage_group *g;
                int64_t lo = 0, hi = 0;
                rd_kafka_resp_err_t e;
                if (tp->err || tp->offset < 0 || !in_scope(tp->topic, domain))
                        continue;
                e = rd_kafka_query_watermark_offsets(k->rk, tp->topic, tp->partition, &lo, &hi,
                                                     WATERMARK_TIMEOUT_MS);
                k->requests++;
                if (e) {
                        rc = kafka_err(err, e, "kafka %s: high watermark of %s[%d]: %s",
                                       k->bootstrap, tp->topic, (int)tp->partition,
                                       rd_kafka_err2str(e));
                        break;
                }
                g = row(out, tp->topic, group, state);
                if (!g) {
                        rc = err_nomem(err);
                        break;
                }
                g->partitions++;
                g->lag += hi > tp->offset ? hi - tp->offset : 0;
        }
        rd_kafka_topic_partition_list_destroy(offs);
        return rc;
}

int kafka_usage_consumption(struct kafka *k, const char *domain, struct report *out,
                            struct err *err)
{
        struct vec ids = VEC_INIT, states = VEC_INIT;
        int rc = load_owners(k, out, err);

        if (rc == 0)
                rc = list_groups(k, &ids, &states, err);
        for (size_t i = 0; rc == 0 && i < ids.len; i++)
                rc = add_group(k, out, domain, ids.items[i], states.items[i], err);
        if (rc == 0)
                report_sort(out);
        vec_release(&ids, free);
        vec_release(&states, free);
        return rc;
}
