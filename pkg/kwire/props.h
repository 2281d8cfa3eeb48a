/*
 * librdkafka-style client properties (`key=value` lines, `#` comments), as given with
 * --kafka-config. The same properties drive the librdkafka admin client and our own small
 * protocol client (quotas), so both connect with identical bootstrap, SASL and TLS settings.
 */
#ifndef PKG_KWIRE_PROPS_H
#define PKG_KWIRE_PROPS_H

#include "pkg/base/strmap.h"

struct err;

/* The most properties one configuration may hold (librdkafka knows some two hundred). */
#define KPROPS_MAX 1024

struct kprops {
        struct strmap kvs; /* sorted by key; a later line replaces an earlier one */
};

void kprops_init(struct kprops *p);
void kprops_release(struct kprops *p);

/*
 * Read `path` into `p` (adding to what is there). Fails with ERR_INVALID naming the file and
 * line for a line without '=' or past KPROPS_MAX properties, or with ERR_NOT_FOUND when the
 * file cannot be read.
 */
int kprops_load(struct kprops *p, const char *path, struct err *err);

/*
 * Set or replace `key`. Returns 0, STRMAP_NOMEM or STRMAP_FULL (a new key past KPROPS_MAX);
 * both failures are negative and leave `p` unchanged.
 */
int kprops_set(struct kprops *p, const char *key, const char *value);

/* The value of `key` or NULL. Borrowed: valid until the key is set again or p is released. */
const char *kprops_get(const struct kprops *p, const char *key);

/* Remove `key` when present. */
void kprops_unset(struct kprops *p, const char *key);

/*
 * The one connection configuration of both Kafka paths, checked before anything connects, so
 * that a key neither path honours is an error naming the key instead of being ignored:
 *   security.protocol    PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL
 *   sasl.mechanisms      PLAIN (default), SCRAM-SHA-256, SCRAM-SHA-512 (`sasl.mechanism` is
 *                        taken as its alias), with sasl.username and sasl.password
 *   ssl.ca.location | ssl.ca.pem, ssl.certificate.location | ssl.certificate.pem,
 *   ssl.key.location | ssl.key.pem with ssl.key.password, or ssl.keystore.location (PKCS#12)
 *   with ssl.keystore.password; ssl.endpoint.identification.algorithm https (default) or none;
 *   enable.ssl.certificate.verification true (default) or false.
 * Any other ssl.* or sasl.* key, a Java client's key (ssl.truststore.*, sasl.jaas.config, ...),
 * an ssl.* key without TLS or a sasl.* key without SASL is ERR_INVALID naming the key. PEM
 * strings (*.pem) written on one line, with literal "\n"s or spaces, are rewritten as PEM.
 * ssl.endpoint.identification.algorithm=https is set when TLS is on and the key is absent, so
 * that both paths verify the broker's name. Returns 0 or -1 with `err` set.
 */
int kprops_check(struct kprops *p, struct err *err);

/* The SASL mechanism in use (upper case), or NULL when security.protocol is not SASL_*. */
const char *kprops_sasl_mechanism(const struct kprops *p);

/* Whether security.protocol is SSL or SASL_SSL. */
int kprops_tls(const struct kprops *p);

#endif
