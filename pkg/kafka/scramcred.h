/*
 * SCRAM credentials of a user over our own protocol client (librdkafka 2.0.2 has neither
 * call): DescribeUserScramCredentials (api 50) to observe which mechanisms a user has, and
 * AlterUserScramCredentials (api 51) to set or delete one. Both are v0 and flexible. The
 * password never travels: the client sends a random salt and the salted password
 * (PBKDF2-HMAC with the mechanism's hash, RFC 5802's Hi()), from which the broker derives the
 * stored and server keys. Owns the codecs, the salting and random passwords (OpenSSL
 * RAND_bytes).
 */
#ifndef PKG_KAFKA_SCRAMCRED_H
#define PKG_KAFKA_SCRAMCRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct err;
struct kconn;
struct kreader;

enum {
        KAFKA_API_DESCRIBE_USER_SCRAM_CREDENTIALS = 50,
        KAFKA_API_ALTER_USER_SCRAM_CREDENTIALS = 51,
};

/* Kafka's mechanism numbers, and the bits of the mask kafka_scram_describe() returns. */
enum scram_mech {
        SCRAM_MECH_SHA_256 = 1,
        SCRAM_MECH_SHA_512 = 2,
};

#define SCRAMCRED_ITERATIONS   8192 /* Kafka accepts 4096..16384 */
#define SCRAMCRED_SALT_LEN     32
#define SCRAMCRED_PASSWORD_LEN 32 /* characters of [A-Za-z0-9]: about 190 bits */

/* "SCRAM-SHA-256" -> 1, "SCRAM-SHA-512" -> 2, anything else -> 0. */
int scramcred_mech(const char *name);
const char *scramcred_mech_name(int mech);

/* One upsertion or deletion of AlterUserScramCredentials. */
struct scramcred_change {
        const char *user;
        int mech;
        int delete; /* 1: delete; the fields below are unused */
        int32_t iterations;
        const unsigned char *salt;
        size_t salt_len;
        const unsigned char *salted; /* the salted password: hash length bytes */
        size_t salted_len;
};

/* DescribeUserScramCredentials v0 for exactly `user`. */
void scramcred_encode_describe(struct buf *b, int32_t correlation, const char *user);

/*
 * Decode a DescribeUserScramCredentials response (after the correlation id) into *mechs: a bit
 * (1 << mech) per mechanism `user` has; 0 when the user has none (RESOURCE_NOT_FOUND). -1 with
 * `err` set for any other error or a malformed body.
 */
int scramcred_decode_describe(struct kreader *r, const char *user, unsigned *mechs,
                              struct err *err);

/* AlterUserScramCredentials v0 with one change. */
void scramcred_encode_alter(struct buf *b, int32_t correlation, const struct scramcred_change *c);

/* Decode an AlterUserScramCredentials response: 0, or -1 with the first user's error. */
int scramcred_decode_alter(struct kreader *r, struct err *err);

/*
 * PBKDF2-HMAC-SHA-256/512 of `password` into `out` (capacity `cap`, at least 64 bytes).
 * Returns the length written, or -1 for an unknown mechanism or a failure of OpenSSL.
 */
int scramcred_salt_password(int mech, const char *password, const unsigned char *salt,
                            size_t salt_len, int32_t iterations, unsigned char *out, size_t cap);

/*
 * A fresh random password of SCRAMCRED_PASSWORD_LEN characters from [A-Za-z0-9] (nothing to
 * quote in a JAAS line or a properties file). Caller frees. NULL with `err` set when OpenSSL
 * has no randomness.
 */
char *scramcred_random_password(struct err *err);

/*
 * The SCRAM user name of the product with id `id` ("urn:a:b:c" or "a.b.c"): its domain, the
 * principal being User:<domain>. Refused (NULL, ERR_INVALID naming the rule) with the same
 * rules as the spec reader's (a valid topic-name prefix: [a-zA-Z0-9._-], no empty segment),
 * and never a wildcard, ANONYMOUS, an access-level segment at the end, or `self` (the user
 * specmesh itself connects as, normally a super user). Caller frees.
 */
char *scramcred_user_of(const char *id, const char *self, struct err *err);

/* The sasl.jaas.config value of a Java client for `user`. Caller frees; NULL: no memory. */
char *scramcred_jaas(int mech, const char *user, const char *password);

/*
 * Client properties for `user`: for Java clients (`java` true: username, password,
 * bootstrap.servers, security.protocol, sasl.mechanism, sasl.jaas.config) or for librdkafka
 * (bootstrap.servers, security.protocol, sasl.mechanisms, sasl.username, sasl.password).
 * `bootstrap` and `protocol` may be NULL (left out). Caller frees; NULL: no memory.
 */
char *scramcred_properties(bool java, int mech, const char *user, const char *password,
                           const char *bootstrap, const char *protocol);

/* The mechanisms `user` has (bits 1 << mech). 0 or -1 with `err` set. */
int kafka_scram_describe(struct kconn *c, const char *user, unsigned *mechs, struct err *err);

/*
 * Set `user`'s credential for `mech` to `password` (a new random salt, SCRAMCRED_ITERATIONS).
 * Replaces an existing one: SCRAM keeps one credential per user and mechanism.
 */
int kafka_scram_upsert(struct kconn *c, const char *user, int mech, const char *password,
                       struct err *err);

/* Delete `user`'s credential for `mech`; one that does not exist is not an error. */
int kafka_scram_delete(struct kconn *c, const char *user, int mech, struct err *err);

/*
 * The same on the client's own protocol connection (struct kafka from kafka.h), for callers
 * outside pkg/kafka: the mechanisms `user` has, set one, delete one.
 */
struct kafka;
int kafka_credential_mechs(struct kafka *k, const char *user, unsigned *mechs, struct err *err);
int kafka_credential_set(struct kafka *k, const char *user, int mech, const char *password,
                         struct err *err);
int kafka_credential_delete(struct kafka *k, const char *user, int mech, struct err *err);

/* A property of the client's configuration (bootstrap.servers, security.protocol,
 * sasl.username), or NULL. Borrowed: valid while `k` lives. */
const char *kafka_config_get(const struct kafka *k, const char *key);

#endif
