#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/kafka/scram.h"

/* RFC 7677 section 3: the SCRAM-SHA-256 example exchange (server signature also checked with
 * Python's hashlib/hmac, independently of OpenSSL). */
Test(scram, rfc7677_vector)
{
        struct scram s;
        struct err err;
        char *first, *final;

        cr_assert_eq(
            scram_init(&s, "SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO", &err), 0);
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

        scram_init(&s, "SCRAM-SHA-512", "u", "p", "abc", &err);
        cr_assert_null(scram_client_final(&s, "r=xyz123,s=QUJD,i=4096", &err));
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert_null(scram_client_final(&s, "r=abc,s=QUJD,i=4096", &err),
                       "the server must add its own nonce");
        scram_release(&s);
}

Test(scram, usernames_are_escaped)
{
        struct scram s;
        struct err err;
        char *first;

        scram_init(&s, "SCRAM-SHA-256", "a=b,c", "p", "n", &err);
        first = scram_client_first(&s);
        cr_assert_str_eq(first, "n,,n=a=3Db=2Cc,r=n");
        free(first);
        scram_release(&s);
}
