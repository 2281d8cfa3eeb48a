#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/kwire/kproto.h"
#include "pkg/kafka/scramcred.h"
#include "test/unit/kwire/hexfixture.h"

static void assert_frame(const struct buf *b, const char *fixture)
{
        size_t n;
        unsigned char *want = load_hex(fixture, &n);

        cr_assert(!b->failed);
        cr_assert_eq(b->len, n, "%s: length %zu, want %zu", fixture, b->len, n);
        /* the correlation id depends on the requests before it on the connection */
        cr_assert_arr_eq(b->data, want, 8, "%s", fixture);
        cr_assert_arr_eq(b->data + 12, want + 12, n - 12, "%s", fixture);
        free(want);
}

/* A response fixture's body after size and correlation id, into `r` (frame freed by caller). */
static unsigned char *reader(const char *fixture, struct kreader *r)
{
        size_t n;
        unsigned char *frame = load_hex(fixture, &n);

        kr_init(r, frame + 8, n - 8);
        return frame;
}

Test(scramcred, describe_request_bytes)
{
        struct buf b;

        buf_init(&b, 1024);
        scramcred_encode_describe(&b, 4, "wire-fx-cred");
        assert_frame(&b, "describe_user_scram_credentials_v0_request.hex");
        buf_release(&b);
}

Test(scramcred, delete_request_bytes)
{
        struct scramcred_change c = {
            .user = "wire-fx-cred", .mech = SCRAM_MECH_SHA_512, .delete = 1};
        struct buf b;

        buf_init(&b, 1024);
        scramcred_encode_alter(&b, 5, &c);
        assert_frame(&b, "alter_user_scram_credentials_v0_delete_request.hex");
        buf_release(&b);
}

Test(scramcred, upsert_request_layout)
{
        static const unsigned char salt[3] = {1, 2, 3}, salted[4] = {9, 8, 7, 6};
        static const unsigned char want[] = {
            0x00, 0x00, 0x00, 0x27, 0x00, 0x33, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
            0x00, 0x08, 's',  'p',  'e',  'c',  'm',  'e',  's',  'h',  0x00, /* header v2 */
            0x01,                                                             /* no deletions */
            0x02, 0x02, 'u',  0x01, 0x00, 0x00, 0x20, 0x00,                   /* u, SHA-256, 8192 */
            0x04, 1,    2,    3,    0x05, 9,    8,    7,    6,    0x00, /* salt, salted, tags */
            0x00,
        };
        struct scramcred_change c = {.user = "u",
                                     .mech = SCRAM_MECH_SHA_256,
                                     .iterations = 8192,
                                     .salt = salt,
                                     .salt_len = sizeof(salt),
                                     .salted = salted,
                                     .salted_len = sizeof(salted)};
        struct buf b;

        buf_init(&b, 1024);
        scramcred_encode_alter(&b, 7, &c);
        cr_assert_eq(b.len, sizeof(want), "length %zu", b.len);
        cr_assert_arr_eq(b.data, want, sizeof(want));
        buf_release(&b);
}

Test(scramcred, describe_of_a_user_without_credentials)
{
        struct kreader r;
        struct err err;
        unsigned mechs = 99;
        unsigned char *f = reader("describe_user_scram_credentials_v0_none.hex", &r);

        cr_assert_eq(scramcred_decode_describe(&r, "wire-fx-cred", &mechs, &err), 0, "%s", err.msg);
        cr_assert_eq(mechs, 0);
        free(f);
}

Test(scramcred, describe_of_a_user_with_sha512)
{
        struct kreader r;
        struct err err;
        unsigned mechs = 0;
        unsigned char *f = reader("describe_user_scram_credentials_v0_sha512.hex", &r);

        cr_assert_eq(scramcred_decode_describe(&r, "wire-fx-cred", &mechs, &err), 0, "%s", err.msg);
        cr_assert_eq(mechs, 1u << SCRAM_MECH_SHA_512);
        cr_assert_eq(r.off, r.len);
        free(f);
}

Test(scramcred, alter_ok)
{
        struct kreader r;
        struct err err;
        unsigned char *f = reader("alter_user_scram_credentials_v0_ok.hex", &r);

        cr_assert_eq(scramcred_decode_alter(&r, &err), 0, "%s", err.msg);
        cr_assert_eq(r.off, r.len);
        free(f);
}

Test(scramcred, describe_with_both_mechanisms)
{
        struct kreader r;
        struct err err;
        unsigned mechs = 0;
        struct buf b;

        buf_init(&b, 1024);
        kw_tags(&b);
        kw_i32(&b, 0);
        kw_i16(&b, 0);
        kw_cstr(&b, NULL);
        kw_carray(&b, 2);
        kw_cstr(&b, "someone-else");
        kw_i16(&b, 0);
        kw_cstr(&b, NULL);
        kw_carray(&b, 1);
        kw_i8(&b, 1);
        kw_i32(&b, 4096);
        kw_tags(&b);
        kw_tags(&b);
        kw_cstr(&b, "me");
        kw_i16(&b, 0);
        kw_cstr(&b, NULL);
        kw_carray(&b, 1);
        kw_i8(&b, 2);
        kw_i32(&b, 8192);
        kw_tags(&b);
        kw_tags(&b);
        kw_tags(&b);
        kr_init(&r, b.data, b.len);
        cr_assert_eq(scramcred_decode_describe(&r, "me", &mechs, &err), 0, "%s", err.msg);
        cr_assert_eq(mechs, 1u << SCRAM_MECH_SHA_512, "only me's mechanism: %u", mechs);
        buf_release(&b);
}

Test(scramcred, describe_denied)
{
        struct kreader r;
        struct err err;
        unsigned mechs;
        struct buf b;

        buf_init(&b, 1024);
        kw_tags(&b);
        kw_i32(&b, 0);
        kw_i16(&b, 31);
        kw_cstr(&b, "Cluster authorization failed.");
        kw_carray(&b, 0);
        kw_tags(&b);
        kr_init(&r, b.data, b.len);
        cr_assert_eq(scramcred_decode_describe(&r, "me", &mechs, &err), -1);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert(strstr(err.msg, "CLUSTER_AUTHORIZATION_FAILED: Cluster authorization failed."),
                  "%s", err.msg);
        buf_release(&b);
}

Test(scramcred, delete_of_a_missing_credential_is_not_found)
{
        struct kreader r;
        struct err err;
        unsigned char *f = reader("alter_user_scram_credentials_v0_not_found.hex", &r);

        cr_assert_eq(scramcred_decode_alter(&r, &err), -1);
        cr_assert_eq(err.kind, ERR_NOT_FOUND, "%s", err.msg);
        cr_assert(strstr(err.msg, "wire-fx-cred: RESOURCE_NOT_FOUND"), "%s", err.msg);
        free(f);
}

Test(scramcred, salted_password_is_pbkdf2)
{
        static const unsigned char want[32] = {
            0xc5, 0xe4, 0x78, 0xd5, 0x92, 0x88, 0xc8, 0x41, 0xaa, 0x53, 0x0d,
            0xb6, 0x84, 0x5c, 0x4c, 0x8d, 0x96, 0x28, 0x93, 0xa0, 0x01, 0xce,
            0x4e, 0x11, 0xa4, 0x96, 0x38, 0x73, 0xaa, 0x98, 0x13, 0x4a,
        }; /* PBKDF2-HMAC-SHA256("password", "salt", 4096), the published vector */
        unsigned char out[64];

        cr_assert_eq(scramcred_salt_password(SCRAM_MECH_SHA_256, "password",
                                             (const unsigned char *)"salt", 4, 4096, out,
                                             sizeof(out)),
                     32);
        cr_assert_arr_eq(out, want, 32);
        cr_assert_eq(scramcred_salt_password(SCRAM_MECH_SHA_512, "p", (const unsigned char *)"s", 1,
                                             1, out, sizeof(out)),
                     64);
        cr_assert_eq(scramcred_salt_password(3, "p", (const unsigned char *)"s", 1, 1, out, 64),
                     -1);
}

Test(scramcred, random_passwords)
{
        struct err err;
        char *a = scramcred_random_password(&err), *b = scramcred_random_password(&err);

        cr_assert_not_null(a);
        cr_assert_not_null(b);
        cr_assert_eq(strlen(a), SCRAMCRED_PASSWORD_LEN);
        cr_assert_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
                     SCRAMCRED_PASSWORD_LEN);
        cr_assert_str_neq(a, b);
        free(a);
        free(b);
}

Test(scramcred, user_of_a_domain)
{
        static const char *const bad[] = {"ANONYMOUS", "anonymous", "*",       "User:*",      "",
                                          "a..b",      ".a",        "a.",      "a.b._public", "a/b",
                                          "admin",     "urn:",      "urn:a::b"};
        struct err err;
        char *u = scramcred_user_of("urn:a:b:c", "admin", &err);

        cr_assert_str_eq(u, "a.b.c");
        free(u);
        u = scramcred_user_of("a.b-c_d", NULL, &err);
        cr_assert_str_eq(u, "a.b-c_d");
        free(u);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                cr_assert_null(scramcred_user_of(bad[i], "admin", &err), "%s", bad[i]);
                cr_assert_eq(err.kind, ERR_INVALID);
                cr_assert(strstr(err.msg, "cannot own a credential"), "%s", err.msg);
        }
}

Test(scramcred, client_properties)
{
        char *j = scramcred_properties(true, SCRAM_MECH_SHA_512, "a.b", "pw", "h:1", NULL);
        char *r = scramcred_properties(false, SCRAM_MECH_SHA_256, "a.b", "pw", NULL, "SASL_SSL");

        cr_assert_str_eq(j, "bootstrap.servers=h:1\nsecurity.protocol=SASL_PLAINTEXT\n"
                            "sasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka."
                            "common.security.scram.ScramLoginModule required username=\"a.b\" "
                            "password=\"pw\";\n");
        cr_assert_str_eq(r, "security.protocol=SASL_SSL\nsasl.mechanisms=SCRAM-SHA-256\n"
                            "sasl.username=a.b\nsasl.password=pw\n");
        free(j);
        free(r);
}
