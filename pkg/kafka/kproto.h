/*
 * The Kafka wire format, for the few requests librdkafka does not offer (client quotas) and
 * the SASL exchange they need: a writer that appends big-endian fields to a capped buffer and
 * a reader that never reads past the frame it was given (a short or garbled frame is an error,
 * never a crash). Only the classic (non-flexible) encodings are used, so every version we send
 * has fixed-width lengths.
 */
#ifndef PKG_KAFKA_KPROTO_H
#define PKG_KAFKA_KPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "pkg/base/buf.h"

enum {
        KAFKA_API_SASL_HANDSHAKE = 17,
        KAFKA_API_SASL_AUTHENTICATE = 36,
        KAFKA_API_DESCRIBE_CLIENT_QUOTAS = 48,
        KAFKA_API_ALTER_CLIENT_QUOTAS = 49,
};

/* Writer: each call appends; failures are sticky in b->failed. */
void kw_i8(struct buf *b, int8_t v);
void kw_i16(struct buf *b, int16_t v);
void kw_i32(struct buf *b, int32_t v);
void kw_f64(struct buf *b, double v);
void kw_str(struct buf *b, const char *s);             /* int16 length; NULL -> -1 (nullable) */
void kw_bytes(struct buf *b, const void *p, size_t n); /* int32 length */

/*
 * Start a request: a 4-byte size placeholder and request header v1 (api key, version,
 * correlation id, client id). kw_finish() fills in the size.
 */
void kw_request(struct buf *b, int16_t api, int16_t version, int32_t correlation,
                const char *client_id);
void kw_finish(struct buf *b);

/* Reader over one response body. After a failed read every later read fails too. */
struct kreader {
        const unsigned char *p;
        size_t len, off;
        int bad;
};

void kr_init(struct kreader *r, const void *p, size_t len);
int8_t kr_i8(struct kreader *r);
int16_t kr_i16(struct kreader *r);
int32_t kr_i32(struct kreader *r);
int64_t kr_i64(struct kreader *r);
double kr_f64(struct kreader *r);
/* A string, copied into a fresh allocation (caller frees); NULL for a null string or when bad. */
char *kr_str(struct kreader *r);
/* Bytes, borrowed from the frame (valid while it lives); NULL when null or bad. */
const unsigned char *kr_bytes(struct kreader *r, int32_t *len);
/* An array count: -1 (null) or 0..max; anything else marks the reader bad. */
int32_t kr_count(struct kreader *r, int32_t max);

#endif
