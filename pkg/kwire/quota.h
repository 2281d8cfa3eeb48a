/*
 * Client quotas over our own protocol client (which also carries the ACL requests, acls.h),
 * since librdkafka 2.0.2 has no quota API. Owns the public face of that client: kconn_open(), a
 * connection to the first reachable broker of bootstrap.servers set up from the same librdkafka
 * properties as the admin client (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL; SASL PLAIN or
 * SCRAM-SHA-256/512; ssl.*), and the two quota requests on entity user=<name>: DescribeClientQuotas
 * and AlterClientQuotas (v1, flexible, or v0 when the broker is older). Any broker answers them;
 * KRaft brokers forward the alteration to the controller. The encoders and decoders are separate
 * pure functions so that tests check them against byte fixtures.
 */
#ifndef PKG_KWIRE_QUOTA_H
#define PKG_KWIRE_QUOTA_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct err;
struct kconn;
struct kprops;
struct kreader;
struct quota;
struct vec;

/*
 * Connect and authenticate as the properties say, with `timeout_ms` for the connect and for
 * each read or write. Returns the connection (close with kconn_close()), or NULL with `err`
 * set in one line: ERR_TRANSIENT naming each host:port tried and why when none is reachable or
 * one times out, ERR_AUTH with the broker's message when SASL is refused or the broker's
 * certificate does not verify, ERR_INVALID for properties we cannot use.
 */
struct kconn *kconn_open(const struct kprops *p, int timeout_ms, struct err *err);

/* Close the connection and free it. NULL is fine. */
void kconn_close(struct kconn *c);

/*
 * The quota of entity user=`user` (exact match, strict: entities with other components such as
 * user+client-id are not included). *out is a new quota (caller frees with quota_free()) or
 * NULL when none is set. Returns 0, or -1 with `err` set (ERR_AUTH when the principal may not
 * describe the cluster's configs); *out is then NULL.
 */
int kafka_quota_describe(struct kconn *c, const char *user, struct quota **out, struct err *err);

/*
 * Every named user's quota (entities of exactly one component, user=<name>; the default user's
 * is not ours) appended to `out` (struct quota *), in one request. Returns 0, or -1 with `err`
 * set (`out` then unchanged).
 */
int kafka_quota_describe_all(struct kconn *c, struct vec *out, struct err *err);

/*
 * Make user=<user>'s quota equal `want`: set the keys `want` has and remove the keys only
 * `have` has; `want` NULL removes all of have's keys. The user is want's (else have's). Does
 * nothing when there is nothing to send. Returns 0, or -1 with the broker's per-entity error
 * code and message in `err` (ERR_AUTH for CLUSTER_AUTHORIZATION_FAILED, ERR_INVALID for a value
 * the broker refuses).
 */
int kafka_quota_alter(struct kconn *c, const struct quota *want, const struct quota *have,
                      struct err *err);

/* DescribeClientQuotas (v0 or v1) for exactly user=`user`, or every named user when NULL. */
void quota_encode_describe(struct buf *b, int16_t version, int32_t correlation, const char *user);

/* AlterClientQuotas (v0 or v1) with the operations kafka_quota_alter() describes. */
void quota_encode_alter(struct buf *b, int16_t version, int32_t correlation,
                        const struct quota *want, const struct quota *have);

/*
 * Decode a DescribeClientQuotas response body (after the correlation id) into *out, as
 * kafka_quota_describe() returns it; entries for other entities are ignored. -1 with `err` set
 * for the broker's error or a malformed body.
 */
int quota_decode_describe(struct kreader *r, int16_t version, const char *user, struct quota **out,
                          struct err *err);

/* The same for a describe of every user: each named user's quota appended to `out`. */
int quota_decode_describe_all(struct kreader *r, int16_t version, struct vec *out, struct err *err);

/* Decode an AlterClientQuotas response body: 0, or -1 with the first entity's error. */
int quota_decode_alter(struct kreader *r, int16_t version, struct err *err);

#endif
