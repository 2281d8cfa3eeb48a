#include "pkg/kwire/kproto.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/str.h"
#include "pkg/base/banned.h"

static void put_be(struct buf *b, uint64_t v, int bytes)
{
        unsigned char out[8];

        for (int i = 0; i < bytes; i++)
                out[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
        buf_add(b, out, (size_t)bytes);
}

void kw_i8(struct buf *b, int8_t v)
{
        put_be(b, (uint8_t)v, 1);
}

void kw_i16(struct buf *b, int16_t v)
{
        put_be(b, (uint16_t)v, 2);
}

void kw_i32(struct buf *b, int32_t v)
{
        put_be(b, (uint32_t)v, 4);
}

void kw_i64(struct buf *b, int64_t v)
{
        put_be(b, (uint64_t)v, 8);
}

void kw_f64(struct buf *b, double v)
{
        uint64_t bits;

        memcpy(&bits, &v, sizeof(bits));
        put_be(b, bits, 8);
}

void kw_str(struct buf *b, const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (!s) {
                kw_i16(b, -1);
                return;
        }
        if (n > INT16_MAX) {
                b->failed = 1;
                return;
        }
        kw_i16(b, (int16_t)n);
        buf_add(b, s, n);
}

void kw_bytes(struct buf *b, const void *p, size_t n)
{
        if (n > INT32_MAX) {
                b->failed = 1;
                return;
        }
        kw_i32(b, (int32_t)n);
        buf_add(b, p, n);
}

void kw_request(struct buf *b, int16_t api, int16_t version, int32_t correlation,
                const char *client_id)
{
        kw_i32(b, 0); /* size, filled in by kw_finish() */
        kw_i16(b, api);
        kw_i16(b, version);
        kw_i32(b, correlation);
        kw_str(b, client_id);
}

void kw_request_flex(struct buf *b, int16_t api, int16_t version, int32_t correlation,
                     const char *client_id)
{
        /* header v2: the client id keeps its classic encoding, then the header's tags */
        kw_request(b, api, version, correlation, client_id);
        kw_tags(b);
}

void kw_finish(struct buf *b)
{
        uint32_t n = (uint32_t)(b->len - 4);

        if (b->failed || b->len < 4)
                return;
        for (int i = 0; i < 4; i++)
                b->data[i] = (char)(n >> (8 * (3 - i)));
}

void kr_init(struct kreader *r, const void *p, size_t len)
{
        r->p = p;
        r->len = len;
        r->off = 0;
        r->bad = 0;
}

static uint64_t get_be(struct kreader *r, int bytes)
{
        uint64_t v = 0;

        if (r->bad || r->len - r->off < (size_t)bytes) {
                r->bad = 1;
                return 0;
        }
        for (int i = 0; i < bytes; i++)
                v = (v << 8) | r->p[r->off + (size_t)i];
        r->off += (size_t)bytes;
        return v;
}

int8_t kr_i8(struct kreader *r)
{
        return (int8_t)get_be(r, 1);
}

int16_t kr_i16(struct kreader *r)
{
        return (int16_t)get_be(r, 2);
}

int32_t kr_i32(struct kreader *r)
{
        return (int32_t)get_be(r, 4);
}

int64_t kr_i64(struct kreader *r)
{
        return (int64_t)get_be(r, 8);
}

double kr_f64(struct kreader *r)
{
        uint64_t bits = get_be(r, 8);
        double v;

        memcpy(&v, &bits, sizeof(v));
        return v;
}

/* The next `n` bytes (n < 0: null), or NULL with r->bad set when the frame is shorter. */
static const unsigned char *take(struct kreader *r, int32_t n, int32_t *len)
{
        const unsigned char *p;

        *len = 0;
        if (r->bad || n < 0)
                return NULL;
        if (r->len - r->off < (size_t)n) {
                r->bad = 1;
                return NULL;
        }
        p = r->p + r->off;
        r->off += (size_t)n;
        *len = n;
        return p;
}

/* A string of `n` bytes (n < 0: null) as a new C string, or NULL. */
static char *take_str(struct kreader *r, int32_t n)
{
        int32_t len;
        const unsigned char *p = take(r, n, &len);

        return p ? str_ndup((const char *)p, (size_t)len) : NULL;
}

char *kr_str(struct kreader *r)
{
        return take_str(r, kr_i16(r));
}

const unsigned char *kr_bytes(struct kreader *r, int32_t *len)
{
        return take(r, kr_i32(r), len);
}

int32_t kr_count(struct kreader *r, int32_t max)
{
        int32_t n = kr_i32(r);

        if (n < -1 || n > max)
                r->bad = 1;
        return r->bad ? 0 : n;
}

void kr_skip(struct kreader *r, size_t n)
{
        if (r->bad || r->len - r->off < n) {
                r->bad = 1;
                return;
        }
        r->off += n;
}

/* --- flexible versions (KIP-482) ----------------------------------------------------------- */

void kw_uvarint(struct buf *b, uint32_t v)
{
        unsigned char out[5];
        size_t n = 0;

        while (v >= 0x80) {
                out[n++] = (unsigned char)(v | 0x80);
                v >>= 7;
        }
        out[n++] = (unsigned char)v;
        buf_add(b, out, n);
}

void kw_cstr(struct buf *b, const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (!s) {
                kw_uvarint(b, 0);
                return;
        }
        if (n > INT16_MAX) { /* Kafka's strings are at most 32767 bytes in every encoding */
                b->failed = 1;
                return;
        }
        kw_uvarint(b, (uint32_t)n + 1);
        buf_add(b, s, n);
}

void kw_cbytes(struct buf *b, const void *p, size_t n)
{
        if (n >= INT32_MAX) {
                b->failed = 1;
                return;
        }
        kw_uvarint(b, (uint32_t)n + 1);
        buf_add(b, p, n);
}

void kw_carray(struct buf *b, size_t n)
{
        if (n >= INT32_MAX) {
                b->failed = 1;
                return;
        }
        kw_uvarint(b, (uint32_t)n + 1);
}

void kw_tags(struct buf *b)
{
        kw_uvarint(b, 0);
}

void kw_string(struct buf *b, bool flex, const char *s)
{
        if (flex)
                kw_cstr(b, s);
        else
                kw_str(b, s);
}

void kw_array(struct buf *b, bool flex, size_t n)
{
        if (flex) {
                kw_carray(b, n);
        } else if (n > INT32_MAX) {
                b->failed = 1;
        } else {
                kw_i32(b, (int32_t)n);
        }
}

void kw_end(struct buf *b, bool flex)
{
        if (flex)
                kw_tags(b);
}

uint32_t kr_uvarint(struct kreader *r)
{
        uint32_t v = 0;

        for (int i = 0; i < 5 && !r->bad; i++) {
                uint8_t byte = (uint8_t)get_be(r, 1);
                if (i == 4 && byte > 0x0f)
                        break; /* more than 32 bits */
                v |= (uint32_t)(byte & 0x7f) << (7 * i);
                if (!(byte & 0x80))
                        return v;
        }
        r->bad = 1;
        return 0;
}

/* A compact length: -1 for null (0 on the wire), else the length, at most `max`. */
static int32_t clen(struct kreader *r, int32_t max)
{
        uint32_t n = kr_uvarint(r);

        if (r->bad)
                return 0;
        if (n == 0)
                return -1;
        if (n - 1 > (uint32_t)max) {
                r->bad = 1;
                return 0;
        }
        return (int32_t)(n - 1);
}

char *kr_cstr(struct kreader *r)
{
        return take_str(r, clen(r, INT16_MAX));
}

const unsigned char *kr_cbytes(struct kreader *r, int32_t *len)
{
        return take(r, clen(r, INT32_MAX - 1), len);
}

int32_t kr_ccount(struct kreader *r, int32_t max)
{
        return clen(r, max);
}

void kr_tags(struct kreader *r)
{
        uint32_t n = kr_uvarint(r);

        if (n > 64)
                r->bad = 1;
        for (uint32_t i = 0; i < n && !r->bad; i++) {
                kr_uvarint(r); /* tag */
                kr_skip(r, kr_uvarint(r));
        }
}

char *kr_string(struct kreader *r, bool flex)
{
        return flex ? kr_cstr(r) : kr_str(r);
}

int32_t kr_array(struct kreader *r, bool flex, int32_t max)
{
        return flex ? kr_ccount(r, max) : kr_count(r, max);
}

void kr_end(struct kreader *r, bool flex)
{
        if (flex)
                kr_tags(r);
}

int32_t kr_response_header(struct kreader *r, int version)
{
        int32_t id = kr_i32(r);

        if (version >= 1)
                kr_tags(r);
        return r->bad ? 0 : id;
}

/* --- error codes ----------------------------------------------------------------------------- */

static const struct {
        int16_t code;
        const char *name;
        enum err_kind kind;
} errors[] = {
    {-1, "UNKNOWN_SERVER_ERROR", ERR_TRANSIENT},
    {7, "REQUEST_TIMED_OUT", ERR_TRANSIENT},
    {8, "NETWORK_EXCEPTION", ERR_TRANSIENT},
    {14, "COORDINATOR_LOAD_IN_PROGRESS", ERR_TRANSIENT},
    {15, "COORDINATOR_NOT_AVAILABLE", ERR_TRANSIENT},
    {29, "TOPIC_AUTHORIZATION_FAILED", ERR_AUTH},
    {30, "GROUP_AUTHORIZATION_FAILED", ERR_AUTH},
    {31, "CLUSTER_AUTHORIZATION_FAILED", ERR_AUTH},
    {33, "UNSUPPORTED_SASL_MECHANISM", ERR_AUTH},
    {34, "ILLEGAL_SASL_STATE", ERR_AUTH},
    {35, "UNSUPPORTED_VERSION", ERR_TERMINAL},
    {40, "INVALID_CONFIG", ERR_INVALID},
    {41, "NOT_CONTROLLER", ERR_TRANSIENT},
    {42, "INVALID_REQUEST", ERR_INVALID},
    {44, "POLICY_VIOLATION", ERR_INVALID},
    {56, "KAFKA_STORAGE_ERROR", ERR_TRANSIENT},
    {58, "SASL_AUTHENTICATION_FAILED", ERR_AUTH},
    {89, "THROTTLING_QUOTA_EXCEEDED", ERR_TRANSIENT},
};

const char *kafka_error_name(int16_t code)
{
        if (code == 0)
                return "NONE";
        for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
                if (errors[i].code == code)
                        return errors[i].name;
        }
        return "UNKNOWN_ERROR";
}

enum err_kind kafka_error_kind(int16_t code)
{
        if (code == 0)
                return ERR_NONE;
        for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
                if (errors[i].code == code)
                        return errors[i].kind;
        }
        return ERR_TERMINAL;
}
