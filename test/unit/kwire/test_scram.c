#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/kwire/scram.h"

/* Start an exchange with a fixed client nonce. */
static void start(struct scram *s, const char *mech, const char *user, const char *pass,
                  const char *nonce)
{
        struct err err;

        cr_assert_eq(scram_init(s, mech, user, pass, &err), 0, "%s", err.msg);
        cr_assert_eq(scram_set_nonce(s, nonce), 0);
}

/* RFC 7677 section 3: the SCRAM-SHA-256 example exchange (server signature also checked with
 * Python's hashlib/hmac, independently of OpenSSL). */
Test(scram, rfc7677_vector)
{
        struct scram s;
        struct err err;
        char *first, *final;

        start(&s, "SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        first = scram_client_first(&s);
        cr_assert_str_eq(first, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        final = scram_client_final(&s,
                                   "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                   "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                                   &err);
        cr_assert_not_null(final, "%s", err.msg);
        cr_assert_str_eq(final, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        cr_assert_eq(scram_verify(&s, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &err), 0);
        cr_assert_eq(scram_verify(&s, "v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", &err), -1,
                     "a forged server signature is refused");
        free(first);
        free(final);
        scram_release(&s);
}

Test(scram, a_nonce_that_does_not_extend_ours_is_refused)
{
        struct scram s;
        struct err err;

        start(&s, "SCRAM-SHA-512", "u", "p", "abc");
        cr_assert_null(scram_client_final(&s, "r=xyz123,s=QUJD,i=4096", &err));
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert_null(scram_client_final(&s, "r=abc,s=QUJD,i=4096", &err),
                       "the server must add its own nonce");
        scram_release(&s);
}

Test(scram, usernames_are_escaped)
{
        struct scram s;
        char *first;

        start(&s, "SCRAM-SHA-256", "a=b,c", "p", "n");
        first = scram_client_first(&s);
        cr_assert_str_eq(first, "n,,n=a=3Db=2Cc,r=n");
        free(first);
        scram_release(&s);
}

Test(scram, a_server_error_is_auth)
{
        struct scram s;
        struct err err;
        char *final;

        start(&s, "SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        final = scram_client_final(&s,
                                   "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                   "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                                   &err);
        cr_assert_eq(scram_verify(&s, "e=invalid-proof", &err), -1);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert_str_eq(err.msg, "SCRAM: server says invalid-proof");
        cr_assert_eq(scram_verify(&s, "v=", &err), -1, "an empty signature");
        free(final);
        scram_release(&s);
}

Test(scram, malformed_server_first_messages_are_refused)
{
        static const char *const bad[] = {
            "r=abcX,s=QUJD,i=0",       /* no iterations */
            "r=abcX,s=QUJD,i=9999999", /* absurd iterations */
            "r=abcX,s=Q,i=4096",       /* salt not base64 */
            "r=abcX,i=4096",           /* no salt */
            "s=QUJD,i=4096",           /* no nonce */
            "",
        };
        struct scram s;
        struct err err;

        start(&s, "SCRAM-SHA-512", "u", "p", "abc");
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                cr_assert_null(scram_client_final(&s, bad[i], &err), "'%s'", bad[i]);
        scram_release(&s);
}

Test(scram, unknown_mechanism)
{
        struct scram s;
        struct err err;

        cr_assert_eq(scram_init(&s, "SCRAM-SHA-1", "u", "p", &err), -1);
        cr_assert_eq(err.kind, ERR_INVALID);
}
