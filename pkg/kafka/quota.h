/*
 * Client quotas over our own protocol client (librdkafka has no quota API): a connection to
 * one broker set up from the same librdkafka properties as the admin client (bootstrap,
 * PLAINTEXT/SSL/SASL_PLAINTEXT/SASL_SSL, SASL PLAIN or SCRAM-SHA-256/512, ssl.*), and
 * DescribeClientQuotas / AlterClientQuotas (v0) on entity user=<name>. The encoders and
 * decoders are separate functions so that they are tested against byte fixtures.
 */
#ifndef PKG_KAFKA_QUOTA_H
#define PKG_KAFKA_QUOTA_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct err;
struct kprops;
struct quota;
struct kconn;

/*
 * Connect and authenticate as the properties say, with `timeout_ms` for connect and each
 * read. Fails in one line naming host:port and the cause (ERR_TRANSIENT when unreachable,
 * ERR_AUTH when refused). Returns NULL with `err` set.
 */
struct kconn *kconn_open(const struct kprops *p, int timeout_ms, struct err *err);
void kconn_close(struct kconn *c);

/* The quota of user=`user` (strict match); *out NULL when none is set. */
int kafka_quota_describe(struct kconn *c, const char *user, struct quota **out, struct err *err);

/*
 * Make user=<want or have's user>'s quota equal `want`: set want's keys, remove keys that only
 * `have` has (want NULL removes all of have's). Returns 0 or -1 with the broker's reason.
 */
int kafka_quota_alter(struct kconn *c, const struct quota *want, const struct quota *have,
                      struct err *err);

/* Wire encoders and decoders (pure). */
void quota_encode_describe(struct buf *b, int32_t correlation, const char *user);
void quota_encode_alter(struct buf *b, int32_t correlation, const struct quota *want,
                        const struct quota *have);
int quota_decode_describe(const void *body, size_t len, const char *user, struct quota **out,
                          struct err *err);
int quota_decode_alter(const void *body, size_t len, struct err *err);

#endif
