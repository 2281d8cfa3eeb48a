/*
 * One connection of our own Kafka protocol client (quota.h has the public part: kconn_open and
 * kconn_close). Owns the socket and its TLS state, the framing (size prefix, correlation ids,
 * a cap on response frames, I/O timeouts), the API versions the broker offers (ApiVersions,
 * asked once right after connecting) and the SASL exchange (sasl.c: SaslHandshake, then
 * SaslAuthenticate with PLAIN or SCRAM-SHA-256/512). Used by pkg/kafka for ACLs and quotas; the
 * encoders and decoders are exposed so that tests check them against byte fixtures.
 */
#ifndef PKG_KWIRE_KCONN_H
#define PKG_KWIRE_KCONN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "pkg/kwire/kproto.h"

struct buf;
struct err;
struct kprops;

/* The version range the broker supports per api key; min -1 when it lacks the api. */
struct kversions {
        int16_t min[KAFKA_API_KEY_MAX];
        int16_t max[KAFKA_API_KEY_MAX];
};

struct kconn {
        int fd;
        SSL_CTX *ctx;
        SSL *ssl;
        int32_t correlation;
        int timeout_ms;
        char peer[300];    /* "host:port" of the broker we talk to, for messages */
        int broken;        /* an I/O or framing failure left the stream out of step */
        char tls_why[160]; /* OpenSSL's reason for the latest failed TLS read or write */
        struct kversions versions;
};

#define KCONN_CLIENT_ID "specmesh"
#define KCONN_FRAME_MAX (16u << 20) /* larger response frames are refused */

/*
 * Send a request built with kw_request()/kw_request_flex() and kw_finish(), and read its
 * response. Checks the frame size (at most KCONN_FRAME_MAX) and that the correlation id is the
 * request's. `body` receives the response after the correlation id, so for a flexible version
 * (response header v1) it starts with the header's tagged fields. Fails with ERR_TRANSIENT
 * naming host:port on a timeout, reset or close, ERR_INTERNAL on a malformed frame. After
 * such a failure the connection is broken: every later call fails at once with ERR_TRANSIENT
 * (close it and open another). A broker's error inside a well-formed response is not that.
 */
int kconn_call(struct kconn *c, struct buf *req, struct buf *body, struct err *err);

/* A fresh correlation id for the next request on `c`. */
int32_t kconn_next_id(struct kconn *c);

/*
 * The highest version of `api` that both we (lo..hi) and the broker support, or -1 when there
 * is none (the caller then reports UNSUPPORTED_VERSION naming the api).
 */
int16_t kconn_version(const struct kconn *c, int16_t api, int16_t lo, int16_t hi);

/* ApiVersions request (v0 or v3: v3 is flexible and names the client software). */
void kconn_encode_api_versions(struct buf *b, int16_t version, int32_t correlation);

/*
 * Decode an ApiVersions response body (after the correlation id; the response header is v0 in
 * every version) into `out`. Returns 0, or -1 with `err` set: the broker's error code (for
 * UNSUPPORTED_VERSION the body is in v0 form, so the caller may retry with v0) or malformed.
 */
int kconn_decode_api_versions(struct kreader *r, int16_t version, struct kversions *out,
                              struct err *err);

/*
 * SaslHandshake v1 + SaslAuthenticate (v2, else v1 or v0) with PLAIN or SCRAM-SHA-256/512 as
 * `p` says (sasl.mechanism or sasl.mechanisms, sasl.username, sasl.password). ERR_AUTH with the
 * broker's message when refused; ERR_INVALID for a mechanism we do not speak.
 */
int kconn_sasl(struct kconn *c, const struct kprops *p, struct err *err);

/* SaslAuthenticate request carrying `token` (v0..v2; v2 is flexible). */
void sasl_encode_authenticate(struct buf *b, int16_t version, int32_t correlation,
                              const void *token, size_t n);

/*
 * Decode a SaslAuthenticate response body (after the correlation id). On success appends the
 * server's auth bytes to `out` and returns 0; a broker error becomes ERR_AUTH with its message.
 */
int sasl_decode_authenticate(struct kreader *r, int16_t version, struct buf *out, struct err *err);

#endif
