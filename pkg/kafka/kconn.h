/*
 * One connection of our own Kafka protocol client (see quota.h for the public part): the
 * socket, TLS state and correlation ids, the request/response call and the SASL exchange.
 * Private to pkg/kafka.
 */
#ifndef PKG_KAFKA_KCONN_H
#define PKG_KAFKA_KCONN_H

#include <stdint.h>

#include <openssl/ssl.h>

struct buf;
struct err;
struct kprops;

struct kconn {
        int fd;
        SSL_CTX *ctx;
        SSL *ssl;
        int32_t correlation;
        int timeout_ms;
        char peer[300];
};

/* Send a request built with kw_request()/kw_finish() and read its response body (after the
 * correlation id) into `body`. */
int kconn_call(struct kconn *c, struct buf *req, struct buf *body, struct err *err);
int32_t kconn_next_id(struct kconn *c);

/* SaslHandshake v1 + SaslAuthenticate v1 with PLAIN or SCRAM-SHA-256/512 (sasl.c). */
int kconn_sasl(struct kconn *c, const struct kprops *p, struct err *err);

#define KCONN_CLIENT_ID "specmesh"

#endif
