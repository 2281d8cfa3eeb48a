#include "pkg/kafka/kafka.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/map.h"
#include "pkg/base/str.h"
#include "pkg/kafka/internal.h"
#include "pkg/kwire/acls.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

/*
 * Whether a dot-separated prefix of `name` is one of `domains` (a set of domain names) that
 * `owns` it (NULL: any), or with `whole`, `name` itself (less the trailing dot of a PREFIXED
 * "<domain>." pattern) is one.
 */
static bool under_a_domain(const char *name, const struct map *domains, bool whole,
                           bool (*owns)(const char *name, const char *domain))
{
        char prefix[512];
        size_t n = strlen(name);

        if (n >= sizeof(prefix))
                return false;
        memcpy(prefix, name, n + 1);
        if (whole) {
                if (n && prefix[n - 1] == '.')
                        prefix[--n] = '\0';
                if (map_has(domains, prefix))
                        return true;
        }
        for (char *dot = strchr(prefix, '.'); dot; dot = strchr(dot + 1, '.')) {
                *dot = '\0';
                bool hit = map_has(domains, prefix) && (!owns || owns(name, prefix));
                *dot = '.';
                if (hit)
                        return true;
        }
        return false;
}

/* Topics of the domain (every topic when `domain` is NULL; then only those of `domains` when
 * that is not NULL) from one metadata request: partitions and replication factor. */
static int observe_topics(struct kafka *k, const char *domain, const struct map *domains,
                          struct product *have, struct err *err)
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
                /* the domain's own names only: a longer domain's topics are not ours */
                if (mt->err || (domain && !model_topic_owned(mt->topic, domain)) ||
                    (!domain && domains &&
                     !under_a_domain(mt->topic, domains, false, model_topic_owned)))
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

/* Whether a binding may belong to one of the scope's products (a superset of what
 * model_acl_owned() will keep for each): a cluster binding of one of their principals, or a
 * resource in one of their domains. */
static bool acl_in_scope(const struct acl *a, const struct kafka_scope *scope)
{
        if (a->resource == ACL_RES_CLUSTER)
                return map_has(scope->principals, a->principal);
        return under_a_domain(a->name, scope->domains, true, NULL);
}

/* Every ACL in one DescribeAcls (our own client: librdkafka cannot read TRANSACTIONAL_ID
 * bindings), keeping those the domain owns (all of them when `domain` is NULL). */
static int observe_acls(struct kafka *k, const char *domain, const char *principal,
                        const struct kafka_scope *scope, struct product *have, struct err *err)
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
                if (domain ? !model_acl_owned(a, domain, principal)
                           : scope && !acl_in_scope(a, scope))
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
        if (observe_topics(k, domain, NULL, have, err) < 0 || observe_configs(k, have, err) < 0 ||
            observe_acls(k, domain, principal, NULL, have, err) < 0 ||
            observe_quota(k, principal, have, err) < 0)
                return -1;
        product_sort(have);
        return 0;
}

/*
 * The shared observation. One Metadata, one DescribeConfigs, one DescribeAcls and one
 * DescribeClientQuotas for the whole cluster, whatever the number of products that read it.
 */
struct kafka_view {
        struct product *all;   /* the topics (with their dynamic configs), every ACL binding */
        struct vec quotas;     /* struct quota *: every named user's */
        struct map domains;    /* the domains whose objects were read (with `every`: all) */
        struct map principals; /* and their principals */
        bool every;
};

void kafka_view_free(struct kafka_view *v)
{
        if (!v)
                return;
        product_free(v->all);
        map_release(&v->domains, NULL);
        map_release(&v->principals, NULL);
        for (size_t i = 0; i < v->quotas.len; i++)
                quota_free(v->quotas.items[i]);
        vec_release(&v->quotas, NULL);
        free(v);
}

/* Copy the keys of `from` into `to`. Returns 0, or -1 when memory runs out. */
static int copy_keys(struct map *to, const struct map *from)
{
        size_t it = 0;
        struct map_ent *e = NULL;

        while (map_next(from, &it, &e))
                if (map_put(to, e->key, NULL, NULL) < 0)
                        return -1;
        return 0;
}

/* Keep only the quotas of the scope's principals' users. */
static void quotas_in_scope(struct vec *quotas, const struct map *principals)
{
        size_t kept = 0;

        for (size_t i = 0; i < quotas->len; i++) {
                struct quota *q = quotas->items[i];
                char *principal = str_printf("User:%s", q->user);
                bool in = principal && map_has(principals, principal);
                free(principal);
                if (in)
                        quotas->items[kept++] = q;
                else
                        quota_free(q);
        }
        quotas->len = kept;
}

struct kafka_view *kafka_view_read(struct kafka *k, const struct kafka_scope *scope,
                                   struct err *err)
{
        struct kafka_view *v = calloc(1, sizeof(*v));

        if (!v) {
                err_nomem(err);
                return NULL;
        }
        vec_init(&v->quotas);
        map_init(&v->domains);
        map_init(&v->principals);
        v->every = !scope;
        v->all = product_new();
        if (!v->all || (scope && (copy_keys(&v->domains, scope->domains) < 0 ||
                                  copy_keys(&v->principals, scope->principals) < 0))) {
                err_nomem(err);
                kafka_view_free(v);
                return NULL;
        }
        if (observe_topics(k, NULL, scope ? scope->domains : NULL, v->all, err) < 0 ||
            observe_configs(k, v->all, err) < 0 ||
            observe_acls(k, NULL, NULL, scope, v->all, err) < 0 || !kafka_own_conn(k, err) ||
            (k->requests++, kafka_quota_describe_all(k->quota_conn, &v->quotas, err)) < 0) {
                kafka_view_free(v);
                return NULL;
        }
        if (scope)
                quotas_in_scope(&v->quotas, scope->principals);
        return v;
}

int kafka_view_select(const struct kafka_view *v, const char *domain, const char *principal,
                      struct product *have, struct err *err)
{
        const char *user = str_starts_with(principal, "User:") ? principal + 5 : principal;

        if (!v->every && (!map_has(&v->domains, domain) || !map_has(&v->principals, principal)))
                return 1; /* its objects were not read */
        for (size_t i = 0; i < v->all->topics.len; i++) {
                const struct topic *t = v->all->topics.items[i];
                struct topic *copy;
                if (!model_topic_owned(t->name, domain))
                        continue;
                copy = topic_dup(t);
                if (!copy || vec_push(&have->topics, copy) < 0) {
                        topic_free(copy);
                        return err_nomem(err);
                }
        }
        for (size_t i = 0; i < v->all->acls.len; i++) {
                const struct acl *a = v->all->acls.items[i];
                struct acl *copy;
                if (!model_acl_owned(a, domain, principal))
                        continue;
                copy = acl_dup(a);
                if (!copy || vec_push(&have->acls, copy) < 0) {
                        acl_free(copy);
                        return err_nomem(err);
                }
        }
        for (size_t i = 0; i < v->quotas.len && !have->quota; i++) {
                const struct quota *q = v->quotas.items[i];
                if (strcmp(q->user, user) == 0 && !(have->quota = quota_dup(q)))
                        return err_nomem(err);
        }
        product_sort(have);
        return 0;
}
