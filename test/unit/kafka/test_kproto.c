#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/vec.h"
#include "pkg/kafka/acls.h"
#include "pkg/kafka/kproto.h"
#include "pkg/kafka/quota.h"
#include "pkg/model/model.h"

/* Byte fixtures written out by hand from the message definitions (v0/v1, non-flexible). */

Test(kproto, describe_client_quotas_request_bytes)
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
        quota_encode_describe(&b, 7, "alice");
        cr_assert_eq(b.len, sizeof(want));
        cr_assert_arr_eq(b.data, want, sizeof(want));
        buf_release(&b);
}

Test(kproto, alter_client_quotas_sets_and_removes)
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
        struct quota *w = quota_new("alice"), *h = quota_new("alice");
        struct buf b;

        w->set = 1u << QUOTA_PRODUCER_BYTE_RATE;
        w->values[QUOTA_PRODUCER_BYTE_RATE] = 1048576;
        h->set = 1u << QUOTA_CONSUMER_BYTE_RATE;
        h->values[QUOTA_CONSUMER_BYTE_RATE] = 5;
        buf_init(&b, 1024);
        quota_encode_alter(&b, 1, w, h);
        cr_assert_eq(b.len, sizeof(want));
        cr_assert_arr_eq(b.data, want, sizeof(want));
        buf_release(&b);
        quota_free(w);
        quota_free(h);
}

static const unsigned char describe_response[] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, /* throttle, no error, null message */
    0x00, 0x00, 0x00, 0x01,                         /* 1 entry */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x04, 'u',  's',  'e',  'r',  0x00, 0x05, 'a',
    'l',  'i',  'c',  'e',  0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 'p',  'r',  'o',
    'd',  'u',  'c',  'e',  'r',  '_',  'b',  'y',  't',  'e',  '_',  'r',  'a',
    't',  'e',  0x41, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

Test(kproto, describe_client_quotas_response)
{
        struct quota *q = NULL;
        struct err err;

        cr_assert_eq(
            quota_decode_describe(describe_response, sizeof(describe_response), "alice", &q, &err),
            0);
        cr_assert_not_null(q);
        cr_assert_eq(q->set, 1u << QUOTA_PRODUCER_BYTE_RATE);
        cr_assert_eq(q->values[QUOTA_PRODUCER_BYTE_RATE], 1048576.0);
        quota_free(q);
}

Test(kproto, truncated_frames_fail_cleanly)
{
        struct err err;

        for (size_t n = 0; n < sizeof(describe_response); n++) {
                struct quota *q = NULL;
                cr_assert_eq(quota_decode_describe(describe_response, n, "alice", &q, &err), -1,
                             "a frame cut at %zu bytes", n);
                cr_assert_null(q);
        }
}

Test(kproto, authorization_errors_are_auth)
{
        static const unsigned char resp[] = {0,    0,   0,   0,    0x00, 0x1f, 0x00,
                                             0x02, 'n', 'o', 0xff, 0xff, 0xff, 0xff};
        struct quota *q = NULL;
        struct err err;

        cr_assert_eq(quota_decode_describe(resp, sizeof(resp), "alice", &q, &err), -1);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert(strstr(err.msg, "no (error 31)"), "%s", err.msg);
}

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
        vec_release(&acls, (void (*)(void *))acl_free);
}
