#include "pkg/kafka/kafka.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/internal.h"
#include "pkg/kwire/acls.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

/* Topics of the domain from one metadata request: partitions and replication factor. */
static int observe_topics(struct kafka *k, const char *domain, struct product *have,
                          struct err *err)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t e = rd_kafka_metadata(k->rk, 1, NULL, &md, KAFKA_TIMEOUT_MS);

        k->requests++;
        if (e)
                return kafka_err(err, e, "kafka %s: metadata: %s", k->bootstrap,
                                 rd_kafka_err2str(e));
        for (int i = 0; i < md->topic_cnt; i++) {
                const rd_kafka_metadata_topic_t *mt = &md->topics[i];
                struct topic *t;
                if (mt->err || !model_topic_in_domain(mt->topic, domain))
                        continue;
                t = topic_new(mt->topic, mt->partition_cnt,
                              mt->partition_cnt ? mt->partitions[0].replica_cnt : -1);
                if (!t || vec_push(&have->topics, t) < 0) {
                        topic_free(t);
                        rd_kafka_metadata_destroy(md);
                        return err_nomem(err);
                }
        }
        rd_kafka_metadata_destroy(md);
        product_sort(have);
        return 0;
}

static int take_configs(struct product *have, const rd_kafka_ConfigResource_t *res)
{
        struct topic *t = product_topic(have, rd_kafka_ConfigResource_name(res));
        const rd_kafka_ConfigEntry_t **entries;
        size_t n;

        if (!t || rd_kafka_ConfigResource_error(res))
                return 0;
        entries = rd_kafka_ConfigResource_configs(res, &n);
        for (size_t i = 0; i < n; i++) {
                const char *v = rd_kafka_ConfigEntry_value(entries[i]);
                /* only what was set on the topic itself: defaults are not ours to own */
                if (rd_kafka_ConfigEntry_source(entries[i]) !=
                        RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG ||
                    !v)
                        continue;
                if (topic_set_config(t, rd_kafka_ConfigEntry_name(entries[i]), v) < 0)
                        return -1;
        }
        return 0;
}

/* Dynamic configs of all the domain's topics in one DescribeConfigs. */
static int observe_configs(struct kafka *k, struct product *have, struct err *err)
{
        size_t n = have->topics.len, cnt;
        rd_kafka_ConfigResource_t **res;
        const rd_kafka_ConfigResource_t **out;
        rd_kafka_event_t *ev;
        int rc = -1;

        if (n == 0)
                return 0;
        res = calloc(n, sizeof(*res));
        if (!res)
                return err_nomem(err);
        for (size_t i = 0; i < n; i++)
                res[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC,
                                                     ((struct topic *)have->topics.items[i])->name);
        rd_kafka_DescribeConfigs(k->rk, res, n,
                                 kafka_options(k, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, 0), k->queue);
        ev = kafka_wait(k, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, "describe configs", err);
        if (ev) {
                out = rd_kafka_DescribeConfigs_result_resources(
                    rd_kafka_event_DescribeConfigs_result(ev), &cnt);
                rc = 0;
                for (size_t i = 0; i < cnt && rc == 0; i++)
                        if (take_configs(have, out[i]) < 0)
                                rc = err_nomem(err);
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_ConfigResource_destroy_array(res, n);
        free(res);
        return rc;
}

/* acl_free for vec_release, which calls through void (*)(void *) */
static void acl_free_item(void *x)
{
        acl_free(x);
}

/* Every ACL in one DescribeAcls (our own client: librdkafka cannot read TRANSACTIONAL_ID
 * bindings), keeping those the domain owns. */
static int observe_acls(struct kafka *k, const char *domain, const char *principal,
                        struct product *have, struct err *err)
{
        struct vec all = VEC_INIT;
        int rc = -1;

        if (!kafka_own_conn(k, err))
                return -1;
        k->requests++;
        if (kafka_acls_describe(k->quota_conn, &all, err) < 0)
                goto out;
        for (size_t i = 0; i < all.len; i++) {
                struct acl *a = all.items[i];
                if (!model_acl_owned(a, domain, principal))
                        continue;
                if (vec_push(&have->acls, a) < 0)
                        goto out;
                all.items[i] = NULL; /* owned by have now */
        }
        rc = 0;
out:
        vec_release(&all, acl_free_item);
        return rc;
}

static int observe_quota(struct kafka *k, const char *principal, struct product *have,
                         struct err *err)
{
        const char *user = str_starts_with(principal, "User:") ? principal + 5 : principal;

        if (!kafka_own_conn(k, err))
                return -1;
        k->requests++;
        return kafka_quota_describe(k->quota_conn, user, &have->quota, err);
}

int kafka_observe(struct kafka *k, const char *domain, const char *principal, struct product *have,
                  struct err *err)
{
        if (observe_topics(k, domain, have, err) < 0 || observe_configs(k, have, err) < 0 ||
            observe_acls(k, domain, principal, have, err) < 0 ||
            observe_quota(k, principal, have, err) < 0)
                return -1;
        product_sort(have);
        return 0;
}
