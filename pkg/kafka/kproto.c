#include "pkg/kafka/kproto.h"

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

char *kr_str(struct kreader *r)
{
        int16_t n = kr_i16(r);
        char *s;

        if (r->bad || n < 0)
                return NULL;
        if (r->len - r->off < (size_t)n) {
                r->bad = 1;
                return NULL;
        }
        s = str_ndup((const char *)r->p + r->off, (size_t)n);
        r->off += (size_t)n;
        return s;
}

const unsigned char *kr_bytes(struct kreader *r, int32_t *len)
{
        int32_t n = kr_i32(r);
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

int32_t kr_count(struct kreader *r, int32_t max)
{
        int32_t n = kr_i32(r);

        if (n < -1 || n > max)
                r->bad = 1;
        return r->bad ? 0 : n;
}
