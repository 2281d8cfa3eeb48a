/* pem_normalize: PEM strings on one line, or with literal "\\n"s, become PEM text. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "pkg/base/pem.h"

#define PEM_BODY \
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk="
#define WANT_BODY \
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\nd3h5ejAxMjM0NTY3ODk=\n"

Test(pem, one_line_becomes_pem_text)
{
        char *a = pem_normalize("-----BEGIN CERTIFICATE----- " PEM_BODY
                                " -----END CERTIFICATE----- -----BEGIN CERTIFICATE-----"
                                "QUJD -----END CERTIFICATE-----");
        char *b = pem_normalize("-----BEGIN PRIVATE KEY-----\\nQUJD\\nREVG\\n-----END "
                                "PRIVATE KEY-----\\n");
        char *c = pem_normalize("-----BEGIN X-----\nabc\n-----END X-----\n");

        cr_assert_str_eq(a, "-----BEGIN CERTIFICATE-----\n" WANT_BODY
                            "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nQUJD\n"
                            "-----END CERTIFICATE-----\n");
        cr_assert_str_eq(b, "-----BEGIN PRIVATE KEY-----\nQUJDREVG\n-----END PRIVATE KEY-----\n");
        cr_assert_str_eq(c, "-----BEGIN X-----\nabc\n-----END X-----\n"); /* already text */
        cr_assert_null(pem_normalize("-----BEGIN CERTIFICATE----- abc"));
        cr_assert_null(pem_normalize("abc"));
        free(a);
        free(b);
        free(c);
}
