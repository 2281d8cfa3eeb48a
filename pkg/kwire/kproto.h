/*
 * The Kafka wire format, for the requests librdkafka does not offer (client quotas, some ACLs)
 * and the handshake they need (ApiVersions, SASL). Owns the encoding rules of both families of
 * message versions: the classic ones (int16/int32 lengths, -1 for null) and the flexible ones
 * (unsigned varint lengths stored plus one, 0 for null, tagged fields after every structure),
 * the request headers v1/v2 and the response headers v0/v1, and the names and kinds of the
 * broker's error codes.
 *
 * The writer appends big-endian fields to a capped `struct buf`; a failure (no memory, cap,
 * a string too long for its length field) is sticky in b->failed and checked once at the end.
 * The reader never reads past the frame it was given: a short, oversized or garbled field marks
 * it bad, after which every read returns 0/NULL, so a decoder reads on and checks `bad` once.
 */
#ifndef PKG_KWIRE_KPROTO_H
#define PKG_KWIRE_KPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"

enum {
        KAFKA_API_SASL_HANDSHAKE = 17,
        KAFKA_API_API_VERSIONS = 18,
        KAFKA_API_SASL_AUTHENTICATE = 36,
        KAFKA_API_DESCRIBE_CLIENT_QUOTAS = 48,
        KAFKA_API_ALTER_CLIENT_QUOTAS = 49,
        KAFKA_API_KEY_MAX = 128, /* api keys at or above this are ignored */
};

/* The broker error codes we act on. */
enum {
        KAFKA_ERR_NONE = 0,
        KAFKA_ERR_CLUSTER_AUTHORIZATION_FAILED = 31,
        KAFKA_ERR_UNSUPPORTED_SASL_MECHANISM = 33,
        KAFKA_ERR_UNSUPPORTED_VERSION = 35,
        KAFKA_ERR_SASL_AUTHENTICATION_FAILED = 58,
};

/* Classic writer: each call appends; failures are sticky in b->failed. */
void kw_i8(struct buf *b, int8_t v);
void kw_i16(struct buf *b, int16_t v);
void kw_i32(struct buf *b, int32_t v);
void kw_i64(struct buf *b, int64_t v);
void kw_f64(struct buf *b, double v);
void kw_str(struct buf *b, const char *s);             /* int16 length; NULL -> -1 (nullable) */
void kw_bytes(struct buf *b, const void *p, size_t n); /* int32 length */

/* Flexible writer: unsigned varint (LEB128), compact string/bytes/array, empty tagged fields. */
void kw_uvarint(struct buf *b, uint32_t v);
void kw_cstr(struct buf *b, const char *s); /* length + 1; NULL -> 0 (nullable) */
void kw_cbytes(struct buf *b, const void *p, size_t n);
void kw_carray(struct buf *b, size_t n); /* the count of an array that follows */
void kw_tags(struct buf *b);             /* no tagged fields */

/* Either encoding, chosen by `flex` (whether the message version is flexible). */
void kw_string(struct buf *b, bool flex, const char *s);
void kw_array(struct buf *b, bool flex, size_t n);
void kw_end(struct buf *b, bool flex); /* end of a structure: tagged fields when flexible */

/*
 * Start a request: a 4-byte size placeholder and request header v1 (api key, version,
 * correlation id, nullable client id), or header v2 (the same plus empty tagged fields) for
 * kw_request_flex(), which every flexible request version uses. kw_finish() fills in the size.
 */
void kw_request(struct buf *b, int16_t api, int16_t version, int32_t correlation,
                const char *client_id);
void kw_request_flex(struct buf *b, int16_t api, int16_t version, int32_t correlation,
                     const char *client_id);
void kw_finish(struct buf *b);

/* Reader over one response. After a failed read every later read fails too. */
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
/* Skip `n` bytes. */
void kr_skip(struct kreader *r, size_t n);

/* An unsigned varint of at most 5 bytes that fits 32 bits; longer or larger marks it bad. */
uint32_t kr_uvarint(struct kreader *r);
char *kr_cstr(struct kreader *r);
const unsigned char *kr_cbytes(struct kreader *r, int32_t *len);
int32_t kr_ccount(struct kreader *r, int32_t max);
/* Skip a tagged-field section (at most 64 fields); we know no tags, so all are ignored. */
void kr_tags(struct kreader *r);

/* Either encoding, chosen by `flex`. */
char *kr_string(struct kreader *r, bool flex);
int32_t kr_array(struct kreader *r, bool flex, int32_t max);
void kr_end(struct kreader *r, bool flex);

/*
 * Response header v0 (correlation id) or v1 (correlation id and tagged fields). Returns the
 * correlation id; a short header marks the reader bad.
 */
int32_t kr_response_header(struct kreader *r, int version);

/* "CLUSTER_AUTHORIZATION_FAILED" for 31, "UNKNOWN_ERROR" for codes we do not name. */
const char *kafka_error_name(int16_t code);

/* What a broker error code means for the caller: auth, transient, invalid or terminal. */
enum err_kind kafka_error_kind(int16_t code);

#endif
