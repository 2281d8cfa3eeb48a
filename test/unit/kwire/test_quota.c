#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/kwire/kproto.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"
#include "test/unit/kwire/hexfixture.h"

static struct quota *mkquota(const char *user, int key, double v)
{
        struct quota *q = quota_new(user);

        cr_assert_not_null(q);
        if (key >= 0) {
                q->set |= 1u << key;
                q->values[key] = v;
        }
        return q;
}

static void assert_frame(const struct buf *b, const char *fixture)
{
        size_t n;
        unsigned char *want = load_hex(fixture, &n);

        cr_assert(!b->failed);
        cr_assert_eq(b->len, n, "%s: length %zu, want %zu", fixture, b->len, n);
        cr_assert_arr_eq(b->data, want, n, "%s", fixture);
        free(want);
}

Test(quota, describe_v1_request_bytes)
{
        struct buf b;

        buf_init(&b, 1024);
        quota_encode_describe(&b, 1, 4, "wire-fx");
        assert_frame(&b, "describe_client_quotas_v1_request.hex");
        buf_release(&b);
}

Test(quota, describe_v0_request_bytes)
{
        static const unsigned char want[] = {
            0x00, 0x00, 0x00, 0x25,                                   /* size 37 */
            0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,           /* api 48, v0, corr 7 */
            0x00, 0x08, 's',  'p',  'e',  'c',  'm',  'e',  's', 'h', /* client id */
            0x00, 0x00, 0x00, 0x01,                                   /* 1 component */
            0x00, 0x04, 'u',  's',  'e',  'r',  0x00,                 /* user, match exact */
            0x00, 0x05, 'a',  'l',  'i',  'c',  'e',  0x01,           /* alice, strict */
        };
        struct buf b;

        buf_init(&b, 1024);
        quota_encode_describe(&b, 0, 7, "alice");
        cr_assert_eq(b.len, sizeof(want));
        cr_assert_arr_eq(b.data, want, sizeof(want));
        buf_release(&b);
}

Test(quota, alter_v1_request_sets_and_removes)
{
        struct quota *w = mkquota("wire-fx", QUOTA_PRODUCER_BYTE_RATE, 1048576);
        struct quota *h = mkquota("wire-fx", QUOTA_CONSUMER_BYTE_RATE, 5);
        struct buf b;

        buf_init(&b, 1024);
        quota_encode_alter(&b, 1, 5, w, h);
        assert_frame(&b, "alter_client_quotas_v1_request.hex");
        buf_release(&b);
        quota_free(w);
        quota_free(h);
}

Test(quota, alter_v0_request_sets_and_removes)
{
        static const unsigned char want[] = {
            0x00, 0x00, 0x00, 0x66, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08,
            's',  'p',  'e',  'c',  'm',  'e',  's',  'h',  0x00, 0x00, 0x00, 0x01, /* 1 entry */
            0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 'u',  's',  'e',  'r',  0x00, 0x05, 'a',  'l',
            'i',  'c',  'e',  0x00, 0x00, 0x00, 0x02, /* 2 ops */
            0x00, 0x12, 'p',  'r',  'o',  'd',  'u',  'c',  'e',  'r',  '_',  'b',  'y',  't',
            'e',  '_',  'r',  'a',  't',  'e',  0x41, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x12, 'c',  'o',  'n',  's',  'u',  'm',  'e',  'r',  '_',  'b',  'y',
            't',  'e',  '_',  'r',  'a',  't',  'e',  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x01, 0x00, /* validate only: no */
        };
        struct quota *w = mkquota("alice", QUOTA_PRODUCER_BYTE_RATE, 1048576);
        struct quota *h = mkquota("alice", QUOTA_CONSUMER_BYTE_RATE, 5);
        struct buf b;

        buf_init(&b, 1024);
        quota_encode_alter(&b, 0, 1, w, h);
        cr_assert_eq(b.len, sizeof(want));
        cr_assert_arr_eq(b.data, want, sizeof(want));
        buf_release(&b);
        quota_free(w);
        quota_free(h);
}

/* Read back the ops of an AlterClientQuotas v1 request we encoded: "key=value" or "-key". */
static void read_ops(const struct buf *b, char *out, size_t n)
{
        struct kreader r;
        int32_t ops;

        out[0] = '\0';
        kr_init(&r, b->data, b->len);
        kr_skip(&r, 4 + 8);
        free(kr_str(&r));
        kr_tags(&r);
        cr_assert_eq(kr_ccount(&r, 10), 1);
        cr_assert_eq(kr_ccount(&r, 10), 1);
        free(kr_cstr(&r));
        free(kr_cstr(&r));
        kr_tags(&r);
        ops = kr_ccount(&r, 10);
        for (int32_t i = 0; i < ops; i++) {
                char *key = kr_cstr(&r);
                double v = kr_f64(&r);
                int8_t remove = kr_i8(&r);
                kr_tags(&r);
                snprintf(out + strlen(out), n - strlen(out), "%s%s%s", remove ? "-" : "", key,
                         remove ? " " : "");
                if (!remove)
                        snprintf(out + strlen(out), n - strlen(out), "=%.0f ", v);
                free(key);
        }
        cr_assert(!r.bad);
}

Test(quota, alter_without_want_removes_everything_have_has)
{
        struct quota *h = mkquota("bob", QUOTA_CONSUMER_BYTE_RATE, 5);
        char ops[256];
        struct buf b;

        h->set |= 1u << QUOTA_REQUEST_PERCENTAGE;
        buf_init(&b, 1024);
        quota_encode_alter(&b, 1, 1, NULL, h);
        read_ops(&b, ops, sizeof(ops));
        cr_assert_str_eq(ops, "-consumer_byte_rate -request_percentage ");
        buf_release(&b);
        quota_free(h);
}

Test(quota, alter_sets_every_wanted_key)
{
        struct quota *w = mkquota("bob", QUOTA_CONSUMER_BYTE_RATE, 5);
        struct quota *h = mkquota("bob", QUOTA_CONSUMER_BYTE_RATE, 7);
        char ops[256];
        struct buf b;

        w->set |= 1u << QUOTA_REQUEST_PERCENTAGE;
        w->values[QUOTA_REQUEST_PERCENTAGE] = 50;
        buf_init(&b, 1024);
        quota_encode_alter(&b, 1, 1, w, h);
        read_ops(&b, ops, sizeof(ops));
        cr_assert_str_eq(ops, "consumer_byte_rate=5 request_percentage=50 ");
        buf_release(&b);
        quota_free(w);
        quota_free(h);
}

/* Decode a whole fixture frame's body (after size and correlation id). */
static int decode_describe(const char *fixture, size_t cut, struct quota **q, struct err *err)
{
        size_t n;
        unsigned char *frame = load_hex(fixture, &n);
        struct kreader r;
        int rc;

        kr_init(&r, frame + 8, (cut ? cut : n) - 8);
        rc = quota_decode_describe(&r, 1, "wire-fx", q, err);
        free(frame);
        return rc;
}

Test(quota, describe_v1_response)
{
        struct quota *q = NULL;
        struct err err;

        cr_assert_eq(decode_describe("describe_client_quotas_v1_response.hex", 0, &q, &err), 0,
                     "%s", err.msg);
        cr_assert_not_null(q);
        cr_assert_str_eq(q->user, "wire-fx");
        cr_assert_eq(q->set, 1u << QUOTA_PRODUCER_BYTE_RATE | 1u << QUOTA_CONSUMER_BYTE_RATE);
        cr_assert_eq(q->values[QUOTA_PRODUCER_BYTE_RATE], 1048576.0);
        cr_assert_eq(q->values[QUOTA_CONSUMER_BYTE_RATE], 2097152.0);
        quota_free(q);
}

Test(quota, describe_v1_nothing_set_is_null)
{
        struct quota *q = NULL;
        struct err err;

        cr_assert_eq(decode_describe("describe_client_quotas_v1_empty.hex", 0, &q, &err), 0);
        cr_assert_null(q);
}

Test(quota, describe_truncated_frames_fail_cleanly)
{
        size_t n;
        unsigned char *frame = load_hex("describe_client_quotas_v1_response.hex", &n);
        struct err err;

        for (size_t cut = 8; cut < n; cut++) {
                struct quota *q = NULL;
                cr_assert_eq(
                    decode_describe("describe_client_quotas_v1_response.hex", cut, &q, &err), -1,
                    "a frame cut at %zu bytes", cut);
                cr_assert_null(q);
                cr_assert_eq(err.kind, ERR_INTERNAL);
        }
        free(frame);
}

Test(quota, describe_garbage_fails_cleanly)
{
        unsigned char junk[256];
        struct err err;
        unsigned seed = 1;

        for (int round = 0; round < 2000; round++) {
                struct quota *q = NULL;
                struct kreader r;
                size_t n = (size_t)(rand_r(&seed) % sizeof(junk));
                for (size_t i = 0; i < n; i++)
                        junk[i] = (unsigned char)rand_r(&seed);
                kr_init(&r, junk, n);
                if (quota_decode_describe(&r, (int16_t)(round & 1), "alice", &q, &err) < 0)
                        cr_assert_null(q);
                quota_free(q);
        }
}

Test(quota, describe_ignores_other_entities)
{
        static const unsigned char body[] = {
            0x00, 0,    0,   0,   0,    0,    0,    0, /* tags, throttle, no error, null message */
            0x02,                                      /* 1 entry */
            0x03, 0x05, 'u', 's', 'e',  'r',  0x06, 'a', 'l', 'i', 'c',  'e', 0x00, /* user, */
            0x0a, 'c',  'l', 'i', 'e',  'n',  't',  '-', 'i', 'd', 0x02, 'x', 0x00, /* client */
            0x02, 0x13, 'p', 'r', 'o',  'd',  'u',  'c', 'e', 'r', '_',  'b', 'y',  't',  'e',  '_',
            'r',  'a',  't', 'e', 0x41, 0x30, 0,    0,   0,   0,   0,    0,   0x00, 0x00, 0x00,
        };
        struct quota *q = NULL;
        struct kreader r;
        struct err err;

        kr_init(&r, body, sizeof(body));
        cr_assert_eq(quota_decode_describe(&r, 1, "alice", &q, &err), 0, "%s", err.msg);
        cr_assert_null(q, "user+client-id is not user=alice");
}

Test(quota, describe_all_keeps_every_named_user_and_nothing_else)
{
        /* three entries: user=alice (a rate), user+client-id (not a user's own), user=bob */
        static const unsigned char body[] = {
            0x00, 0,    0,    0,    0,   0,   0,    0, /* tags, throttle, no error, null message */
            0x04,                                      /* 3 entries */
            0x02, 0x05, 'u',  's',  'e', 'r', 0x06, 'a',  'l',  'i',  'c',  'e',  0x00, /* user */
            0x02, 0x13, 'p',  'r',  'o', 'd', 'u',  'c',  'e',  'r',  '_',  'b',  'y',
            't',  'e',  '_',  'r',  'a', 't', 'e',  0x41, 0x30, 0,    0,    0,    0,
            0,    0,    0x00, 0x00, /* value tags, entry tags */
            0x03, 0x05, 'u',  's',  'e', 'r', 0x02, 'x',  0x00, 0x0a, 'c',  'l',  'i',
            'e',  'n',  't',  '-',  'i', 'd', 0x02, 'y',  0x00, 0x01, 0x00, /* no values, tags */
            0x02, 0x05, 'u',  's',  'e', 'r', 0x04, 'b',  'o',  'b',  0x00, 0x01, 0x00,
            0x00, /* response tags */
        };
        struct vec all = VEC_INIT;
        struct kreader r;
        struct err err;

        kr_init(&r, body, sizeof(body));
        cr_assert_eq(quota_decode_describe_all(&r, 1, &all, &err), 0, "%s", err.msg);
        cr_assert_eq(all.len, 2);
        cr_assert_str_eq(((struct quota *)all.items[0])->user, "alice");
        cr_assert_eq(((struct quota *)all.items[0])->set, 1u << QUOTA_PRODUCER_BYTE_RATE);
        cr_assert_float_eq(((struct quota *)all.items[0])->values[QUOTA_PRODUCER_BYTE_RATE],
                           1048576.0, 0.5);
        cr_assert_str_eq(((struct quota *)all.items[1])->user, "bob");
        cr_assert_eq(((struct quota *)all.items[1])->set, 0u);
        for (size_t i = 0; i < all.len; i++)
                quota_free(all.items[i]);
        vec_release(&all, NULL);
}

Test(quota, describe_all_encodes_any_named_user)
{
        struct buf b;

        buf_init(&b, 256);
        quota_encode_describe(&b, 1, 7, NULL);
        cr_assert_eq(b.failed, 0);
        /* ... components: [user, match type 2 (specified), null], strict */
        cr_assert_eq(b.data[b.len - 5], 2, "match type");
        cr_assert_eq(b.data[b.len - 4], 0, "null match (compact)");
        buf_release(&b);
}

Test(quota, describe_denied_is_auth)
{
        struct quota *q = NULL;
        struct err err;

        cr_assert_eq(decode_describe("describe_client_quotas_v1_denied.hex", 0, &q, &err), -1);
        cr_assert_null(q);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert_str_eq(err.msg, "describe client quotas of user=wire-fx: "
                                  "CLUSTER_AUTHORIZATION_FAILED (error 31)");
}

static int decode_alter(const char *fixture, size_t cut, struct err *err)
{
        size_t n;
        unsigned char *frame = load_hex(fixture, &n);
        struct kreader r;
        int rc;

        kr_init(&r, frame + 8, (cut ? cut : n) - 8);
        rc = quota_decode_alter(&r, 1, err);
        free(frame);
        return rc;
}

Test(quota, alter_v1_response_ok)
{
        struct err err;

        cr_assert_eq(decode_alter("alter_client_quotas_v1_response_ok.hex", 0, &err), 0);
}

Test(quota, alter_v1_entity_error_is_reported)
{
        struct err err;

        cr_assert_eq(decode_alter("alter_client_quotas_v1_response_invalid.hex", 0, &err), -1);
        cr_assert_eq(err.kind, ERR_INVALID);
        cr_assert_str_eq(err.msg, "alter client quotas of user=wire-fx: INVALID_REQUEST: "
                                  "producer_byte_rate cannot be a fractional value. (error 42)");
}

Test(quota, alter_truncated_frames_fail_cleanly)
{
        size_t n;
        unsigned char *frame = load_hex("alter_client_quotas_v1_response_ok.hex", &n);
        struct err err;

        for (size_t cut = 8; cut < n; cut++) {
                cr_assert_eq(decode_alter("alter_client_quotas_v1_response_ok.hex", cut, &err), -1,
                             "cut at %zu", cut);
                cr_assert_eq(err.kind, ERR_INTERNAL);
        }
        free(frame);
}

Test(quota, alter_v0_authorization_error)
{
        static const unsigned char body[] = {0,    0,    0,    0,   0, 0, 0,  1, 0x00,
                                             0x1f, 0xff, 0xff, 0,   0, 0, 1,  0, 4,
                                             'u',  's',  'e',  'r', 0, 1, 'b'};
        struct kreader r;
        struct err err;

        kr_init(&r, body, sizeof(body));
        cr_assert_eq(quota_decode_alter(&r, 0, &err), -1);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert_str_eq(err.msg,
                         "alter client quotas of user=b: CLUSTER_AUTHORIZATION_FAILED (error 31)");
}
