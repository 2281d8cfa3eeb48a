/*
 * The Kafka side of a data product, over librdkafka's admin API: read the actual state of a
 * domain (its topics with partitions, replication and dynamic configs; the ACLs it owns; the
 * client quota of its principal) and carry out the Kafka ops of a plan. Every read and write
 * is batched: one Metadata, one DescribeConfigs, one DescribeAcls per observe; one call per
 * kind of change per apply, never one round trip per topic.
 *
 * A `struct kafka` owns one librdkafka client and, opened on first use, one connection of our
 * own protocol client for ACLs and quotas (librdkafka has no quota API). Not thread-safe: one
 * per worker.
 */
#ifndef PKG_KAFKA_KAFKA_H
#define PKG_KAFKA_KAFKA_H

#include <stddef.h>

struct err;
struct plan;
struct product;
struct topic;
struct kafka;
struct kafka_view;
struct map;

enum kafka_apply_flags {
        KAFKA_APPLY_DRY_RUN = 1 << 0, /* validate_only where Kafka offers it; skip the rest */
};

/*
 * Connect with the librdkafka properties in `config_file` (may be NULL when `bootstrap` is
 * given); `bootstrap` overrides bootstrap.servers. Checks the connection with one metadata
 * request, so an unreachable broker or refused credentials fail here, in one line naming the
 * broker and the cause (ERR_TRANSIENT / ERR_AUTH). Before connecting, the properties are
 * checked as kafka_config_check() does. With a SCRAM mechanism and a librdkafka older than
 * 2.6.1, a Kafka 4.x broker (asked over our own client) is refused in one line saying what
 * to use instead. Over TLS our own client connects first, so that a refused certificate, a
 * name mismatch or wrong credentials fail in one line. Returns NULL with `err` set on failure.
 */
struct kafka *kafka_open(const char *config_file, const char *bootstrap, struct err *err);

/*
 * Check the connection properties without connecting: every key is one both of our Kafka
 * paths honour (props.h), the TLS files load with their passwords and a client certificate is
 * within its validity. Returns 0, or -1 with `err` naming the key (ERR_INVALID) or the file.
 */
int kafka_config_check(const char *config_file, const char *bootstrap, struct err *err);

/* Close the client. NULL is fine. */
void kafka_close(struct kafka *k);

/*
 * Append to `have` the actual state of `domain`: topics named "<domain>.*", the ACLs the
 * domain owns (model_acl_owned with `principal`), and the quota of user=<principal's name>.
 * Returns 0, or -1 with `err` set (have may then be partly filled).
 */
int kafka_observe(struct kafka *k, const char *domain, const char *principal, struct product *have,
                  struct err *err);

/*
 * A KRaft controller writes a request's changes as one batch of metadata records and refuses
 * the whole request when that would be more than this many records ("Unable to perform
 * excessively large batch operation"; more than 10,000 new partitions: "Excessively large
 * number of partitions per request"): every topic in it fails. Measured on Kafka 4.1.1 with
 * validate_only: 2,490 topics of 3 partitions pass, 2,510 do not (a topic is one record, each
 * partition one, each config one). kafka_apply() sends its changes in requests of at most this
 * many records, so only a change that alone is larger fails.
 */
#define KAFKA_RECORDS_PER_REQUEST 10000

/* The records creating `t` writes: the topic, each partition (the broker's default count, -1,
 * as one) and each config. */
size_t kafka_topic_records(const struct topic *t);

/*
 * Carry out the topic, ACL and quota ops of `p`, recording each op's state and error. One
 * failing op does not stop the others. Returns 0 when none failed, else -1 with `err`
 * summarising ("2 of 17 Kafka changes failed: <first>").
 */
int kafka_apply(struct kafka *k, struct plan *p, unsigned flags, struct err *err);

/*
 * kafka_apply() of several plans at once (of different domains: the operator's workers, a
 * batch): each kind of change is one request for all of them (one CreateTopics, one
 * CreateAcls, ...), in kafka_apply()'s order, and each op's result goes back to its plan. One
 * plan's failure does not fail another: rcs[i] and errs[i] are what kafka_apply() would have
 * returned for plans[i]. Returns 0 when every plan went through, else -1.
 */
int kafka_apply_many(struct kafka *k, struct plan **plans, size_t n, unsigned flags,
                     struct err *errs, int *rcs);

/* Which objects a shared view reads: those of these domains and principals (map keys). */
struct kafka_scope {
        const struct map *domains;    /* "a.b.c": its topics and the bindings on them */
        const struct map *principals; /* "User:x": its cluster bindings and its user's quota */
};

/*
 * One observation of the cluster, to be shared by every reconcile of a short window (the
 * operator's fleet) instead of each reading the whole cluster for its own domain: the topics
 * with their partitions, replication and dynamic configs, the ACL bindings and the named
 * users' quotas, in four requests whatever the number of products. `scope` (NULL: everything)
 * keeps only the objects of the products served, so that a large cluster's other topics cost
 * no DescribeConfigs and its other bindings no memory. Immutable once read, so threads may
 * select from one view at the same time. NULL with `err` set on failure.
 */
struct kafka_view *kafka_view_read(struct kafka *k, const struct kafka_scope *scope,
                                   struct err *err);
void kafka_view_free(struct kafka_view *v);

/*
 * Append to `have` exactly what kafka_observe() would for `domain` and `principal`, taken from
 * the view. Returns 0; 1 when the view's scope did not have `domain` and `principal` (observe
 * it another way);
 * -1 with `err` set (out of memory).
 */
int kafka_view_select(const struct kafka_view *v, const char *domain, const char *principal,
                      struct product *have, struct err *err);

/* The number of admin requests sent so far (for the benchmarks and tests). */
unsigned long kafka_request_count(const struct kafka *k);

#endif
