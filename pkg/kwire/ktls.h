/*
 * The TLS material of our own protocol client, from the same properties as librdkafka's
 * (props.h lists them): the trusted CAs (ssl.ca.location as a file, a directory or "probe",
 * or ssl.ca.pem), the client certificate and key (ssl.certificate.* and ssl.key.* with
 * ssl.key.password, or a PKCS#12 ssl.keystore.location with ssl.keystore.password). Private to
 * pkg/kafka: kconn.c builds its connections' context here, and kafka_open() calls it once
 * before anything connects, so that unreadable or wrong TLS files fail at start-up.
 */
#ifndef PKG_KWIRE_KTLS_H
#define PKG_KWIRE_KTLS_H

#include <openssl/ssl.h>

struct err;
struct kprops;

/*
 * A client SSL_CTX (TLS 1.2 or later) loaded with the CAs, certificate and key `p` names
 * (caller frees with SSL_CTX_free()). NULL with `err` set (ERR_INVALID) naming the key and
 * file and why: unreadable, not PEM or PKCS#12, a wrong password, a key that does not match
 * its certificate, or a client certificate that has expired or is not yet valid.
 */
SSL_CTX *ktls_context(const struct kprops *p, struct err *err);

#endif
