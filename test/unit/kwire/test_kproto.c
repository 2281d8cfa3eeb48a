#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/kwire/acls.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kwire/kproto.h"
#include "pkg/model/model.h"
#include "test/unit/kwire/hexfixture.h"

static void assert_bytes(const struct buf *b, const void *want, size_t n)
{
        cr_assert(!b->failed);
        cr_assert_eq(b->len, n, "length %zu, want %zu", b->len, n);
        cr_assert_arr_eq(b->data, want, n);
}

Test(kproto, unsigned_varints)
{
        static const unsigned char want[] = {0x00, 0x7f, 0x80, 0x01, 0xac, 0x02,
                                             0xff, 0xff, 0xff, 0xff, 0x0f};
        const uint32_t vals[] = {0, 127, 128, 300, UINT32_MAX};
        struct kreader r;
        struct buf b;

        buf_init(&b, 64);
        for (size_t i = 0; i < 5; i++)
                kw_uvarint(&b, vals[i]);
        assert_bytes(&b, want, sizeof(want));
        kr_init(&r, b.data, b.len);
        for (size_t i = 0; i < 5; i++)
                cr_assert_eq(kr_uvarint(&r), vals[i]);
        cr_assert(!r.bad);
        cr_assert_eq(r.off, r.len);
        buf_release(&b);
}

Test(kproto, bad_varints_mark_the_reader_bad)
{
        static const unsigned char too_long[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
        static const unsigned char too_big[] = {0xff, 0xff, 0xff, 0xff, 0x1f};
        static const unsigned char cut[] = {0x80};
        const unsigned char *cases[] = {too_long, too_big, cut};
        const size_t lens[] = {sizeof(too_long), sizeof(too_big), sizeof(cut)};
        struct kreader r;

        for (size_t i = 0; i < 3; i++) {
                kr_init(&r, cases[i], lens[i]);
                cr_assert_eq(kr_uvarint(&r), 0);
                cr_assert(r.bad, "case %zu", i);
                cr_assert_eq(kr_i8(&r), 0, "a bad reader stays bad");
        }
}

Test(kproto, compact_strings_and_bytes)
{
        static const unsigned char want[] = {0x00, 0x01, 0x03, 'a', 'b', 0x03, 0x00, 0xff, 0x02};
        struct kreader r;
        struct buf b;
        char *s;
        int32_t n;
        const unsigned char *p;

        buf_init(&b, 64);
        kw_cstr(&b, NULL);
        kw_cstr(&b, "");
        kw_cstr(&b, "ab");
        kw_cbytes(&b, "\0\xff", 2);
        kw_carray(&b, 1);
        assert_bytes(&b, want, sizeof(want));
        kr_init(&r, b.data, b.len);
        cr_assert_null(kr_cstr(&r));
        s = kr_cstr(&r);
        cr_assert_str_eq(s, "");
        free(s);
        s = kr_cstr(&r);
        cr_assert_str_eq(s, "ab");
        free(s);
        p = kr_cbytes(&r, &n);
        cr_assert_eq(n, 2);
        cr_assert_eq(p[1], 0xff);
        cr_assert_eq(kr_ccount(&r, 10), 1);
        cr_assert(!r.bad);
        buf_release(&b);
}

Test(kproto, short_or_oversized_strings_fail_cleanly)
{
        static const unsigned char cut[] = {0x04, 'a', 'b'};           /* says 3, has 2 */
        static const unsigned char huge[] = {0x81, 0x80, 0x02};        /* 32769 - 1 > int16 */
        static const unsigned char classic[] = {0x00, 0x05, 'a', 'b'}; /* says 5, has 2 */
        static const unsigned char many[] = {0x0b};                    /* 10 items, max 4 */
        struct kreader r;

        kr_init(&r, cut, sizeof(cut));
        cr_assert_null(kr_cstr(&r));
        cr_assert(r.bad);
        kr_init(&r, huge, sizeof(huge));
        cr_assert_null(kr_cstr(&r));
        cr_assert(r.bad);
        kr_init(&r, classic, sizeof(classic));
        cr_assert_null(kr_str(&r));
        cr_assert(r.bad);
        kr_init(&r, many, sizeof(many));
        cr_assert_eq(kr_ccount(&r, 4), 0);
        cr_assert(r.bad);
}

Test(kproto, tagged_fields_are_skipped)
{
        static const unsigned char tags[] = {0x02, 0x00, 0x01, 0xee, 0x05, 0x02, 0xaa, 0xbb, 0x7e};
        static const unsigned char past_end[] = {0x01, 0x00, 0x05, 0xaa};
        static const unsigned char too_many[] = {0x41};
        struct kreader r;

        kr_init(&r, tags, sizeof(tags));
        kr_tags(&r);
        cr_assert(!r.bad);
        cr_assert_eq(kr_i8(&r), 0x7e, "reading goes on after the tags");
        kr_init(&r, past_end, sizeof(past_end));
        kr_tags(&r);
        cr_assert(r.bad);
        kr_init(&r, too_many, sizeof(too_many));
        kr_tags(&r);
        cr_assert(r.bad);
}

Test(kproto, request_and_response_headers)
{
        static const unsigned char v1[] = {0, 0, 0, 10, 0, 17, 0, 1, 0, 0, 0, 9, 0xff, 0xff};
        static const unsigned char v2[] = {0, 0, 0, 12, 0, 36, 0, 2, 0, 0, 0, 9, 0, 1, 'x', 0};
        static const unsigned char resp1[] = {0, 0, 0, 9, 0x01, 0x00, 0x00, 0x42};
        struct kreader r;
        struct buf b;

        buf_init(&b, 64);
        kw_request(&b, KAFKA_API_SASL_HANDSHAKE, 1, 9, NULL);
        kw_finish(&b);
        assert_bytes(&b, v1, sizeof(v1));
        buf_reset(&b);
        kw_request_flex(&b, KAFKA_API_SASL_AUTHENTICATE, 2, 9, "x");
        kw_finish(&b);
        assert_bytes(&b, v2, sizeof(v2));
        buf_release(&b);
        kr_init(&r, resp1, sizeof(resp1));
        cr_assert_eq(kr_response_header(&r, 1), 9);
        cr_assert_eq(kr_i8(&r), 0x42, "tag 0 with 0 bytes skipped");
        kr_init(&r, resp1, sizeof(resp1));
        cr_assert_eq(kr_response_header(&r, 0), 9);
        cr_assert_eq(kr_i8(&r), 0x01, "v0 has no tagged fields");
        kr_init(&r, resp1, 3);
        kr_response_header(&r, 0);
        cr_assert(r.bad);
}

Test(kproto, error_codes)
{
        cr_assert_str_eq(kafka_error_name(31), "CLUSTER_AUTHORIZATION_FAILED");
        cr_assert_eq(kafka_error_kind(31), ERR_AUTH);
        cr_assert_eq(kafka_error_kind(58), ERR_AUTH);
        cr_assert_eq(kafka_error_kind(41), ERR_TRANSIENT);
        cr_assert_eq(kafka_error_kind(42), ERR_INVALID);
        cr_assert_str_eq(kafka_error_name(12345), "UNKNOWN_ERROR");
        cr_assert_eq(kafka_error_kind(12345), ERR_TERMINAL);
}

Test(kproto, api_versions_v3_request_bytes)
{
        size_t n;
        unsigned char *want = load_hex("api_versions_v3_request.hex", &n);
        struct buf b;

        buf_init(&b, 1024);
        kconn_encode_api_versions(&b, 3, 1);
        assert_bytes(&b, want, n);
        buf_release(&b);
        free(want);
}

Test(kproto, api_versions_v3_response)
{
        size_t n;
        unsigned char *frame = load_hex("api_versions_v3_response.hex", &n);
        struct kconn c;
        struct kreader r;
        struct err err;

        memset(&c, 0, sizeof(c));
        kr_init(&r, frame + 8, n - 8); /* after size and correlation id */
        cr_assert_eq(kconn_decode_api_versions(&r, 3, &c.versions, &err), 0, "%s", err.msg);
        cr_assert_eq(r.off, r.len);
        cr_assert_eq(kconn_version(&c, KAFKA_API_DESCRIBE_CLIENT_QUOTAS, 0, 1), 1);
        cr_assert_eq(kconn_version(&c, KAFKA_API_SASL_AUTHENTICATE, 0, 2), 2);
        cr_assert_eq(kconn_version(&c, KAFKA_API_API_VERSIONS, 0, 3), 3);
        cr_assert_eq(kconn_version(&c, KAFKA_API_SASL_HANDSHAKE, 2, 3), -1, "no overlap");
        cr_assert_eq(kconn_version(&c, 29, 0, 1), 1, "DescribeAcls 1-3: ours is v1");
        cr_assert_eq(kconn_version(&c, 29, 0, 0), -1, "DescribeAcls v0 is gone in Kafka 4");
        cr_assert_eq(kconn_version(&c, 4, 0, 7), -1, "LeaderAndIsr is not offered");
        for (size_t cut = 8; cut < n; cut++) {
                kr_init(&r, frame + 8, cut - 8);
                cr_assert_eq(kconn_decode_api_versions(&r, 3, &c.versions, &err), -1, "cut at %zu",
                             cut);
        }
        free(frame);
}

Test(kproto, api_versions_unsupported_version)
{
        static const unsigned char body[] = {0x00, 0x23, 0, 0, 0, 1, 0, 18, 0, 0, 0, 2};
        struct kversions v;
        struct kreader r;
        struct err err;

        kr_init(&r, body, sizeof(body));
        cr_assert_eq(kconn_decode_api_versions(&r, 3, &v, &err), -1);
        cr_assert(strstr(err.msg, "UNSUPPORTED_VERSION"), "%s", err.msg);
}

Test(kproto, sasl_authenticate_v2_request_bytes)
{
        size_t n;
        unsigned char *want = load_hex("sasl_authenticate_v2_request.hex", &n);
        struct buf b;

        buf_init(&b, 1024);
        sasl_encode_authenticate(&b, 2, 3, "\0admin\0admin-secret", 19);
        assert_bytes(&b, want, n);
        buf_release(&b);
        free(want);
}

Test(kproto, sasl_authenticate_failure_carries_the_broker_message)
{
        size_t n;
        unsigned char *frame = load_hex("sasl_authenticate_v2_failed.hex", &n);
        struct kreader r;
        struct buf out;
        struct err err;

        buf_init(&out, 1024);
        kr_init(&r, frame + 8, n - 8);
        cr_assert_eq(sasl_decode_authenticate(&r, 2, &out, &err), -1);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert_str_eq(err.msg, "authentication failed: Authentication failed: Invalid "
                                  "username or password");
        cr_assert_eq(out.len, 0);
        for (size_t cut = 8; cut < n; cut++) {
                kr_init(&r, frame + 8, cut - 8);
                cr_assert_eq(sasl_decode_authenticate(&r, 2, &out, &err), -1);
                cr_assert_eq(err.kind, ERR_INTERNAL, "cut at %zu", cut);
        }
        buf_release(&out);
        free(frame);
}

Test(kproto, sasl_authenticate_v1_success_returns_the_server_bytes)
{
        static const unsigned char body[] = {0,   0, 0xff, 0xff, 0, 0, 0, 3, 'v', '=',
                                             'x', 0, 0,    0,    0, 0, 0, 0, 0};
        struct kreader r;
        struct buf out;
        struct err err;

        buf_init(&out, 1024);
        kr_init(&r, body, sizeof(body));
        cr_assert_eq(sasl_decode_authenticate(&r, 1, &out, &err), 0, "%s", err.msg);
        cr_assert_str_eq(out.data, "v=x");
        buf_release(&out);
}

/* acl_free for vec_release, which calls through void (*)(void *) */
static void acl_free_item(void *x)
{
        acl_free(x);
}

/* DescribeAcls v1 (acls.c shares the classic reader). */
Test(kproto, describe_acls_response)
{
        static const unsigned char resp[] = {
            0,    0,    0,    0,   0,   0,    0xff, 0xff, 0,    0,    0,   1, /* 1 resource */
            0x05, 0x00, 0x02, 'd', '.', 0x04, 0,    0,    0,    1, /* TXN_ID d. PREFIXED */
            0x00, 0x06, 'U',  's', 'e', 'r',  ':',  'd',  0x00, 0x01, '*', 0x04, 0x03,
        };
        struct vec acls = VEC_INIT;
        struct err err;
        struct acl *a;

        cr_assert_eq(acls_decode_describe(resp, sizeof(resp), &acls, &err), 0);
        cr_assert_eq(acls.len, 1);
        a = acls.items[0];
        cr_assert_eq(a->resource, ACL_RES_TRANSACTIONAL_ID, "what librdkafka 2.0.2 cannot read");
        cr_assert_eq(a->pattern, ACL_PAT_PREFIXED);
        cr_assert_str_eq(a->principal, "User:d");
        cr_assert_eq(a->op, ACL_OP_WRITE);
        cr_assert_eq(a->perm, ACL_PERM_ALLOW);
        vec_release(&acls, acl_free_item);
}
