/*
 * What a domain's data costs and who reads it, read from Kafka into a `struct report`
 * (pkg/report): the bytes of every replica log (DescribeLogDirs, asked of every broker over our
 * own protocol client), and the consumer groups with their committed offsets and lag
 * (librdkafka's ListConsumerGroups and ListConsumerGroupOffsets, and the partitions' high
 * watermarks). Topics and groups are attributed to domains through the prefixed ACLs that make
 * a principal their owner (DESIGN §3: TOPIC and GROUP `<domain>.` PREFIXED).
 */
#ifndef PKG_KAFKA_USAGE_H
#define PKG_KAFKA_USAGE_H

struct err;
struct kafka;
struct report;

/*
 * Fill out->topics (and out->owners) with every topic of `domain` (every non-internal topic
 * when `domain` is NULL): partitions, replication factor, bytes over all replicas and over the
 * leaders only. Future logs (a replica being moved between directories) are not counted.
 * Fails, naming the broker, when one broker cannot be asked: a report never silently leaves a
 * broker out.
 */
int kafka_usage_storage(struct kafka *k, const char *domain, struct report *out, struct err *err);

/*
 * Fill out->groups (and out->owners) with one row per consumer group and topic of `domain`
 * (every topic when NULL) it has committed offsets on: partitions, lag (high watermark minus
 * committed offset, summed; never negative), state, and the group's domain and principal.
 */
int kafka_usage_consumption(struct kafka *k, const char *domain, struct report *out,
                            struct err *err);

#endif
