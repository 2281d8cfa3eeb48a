/*
 * The TLS material of our own protocol client (ktls_context) from the fixtures that
 * e2e/stack/certs made: PEM files, PEM strings, encrypted keys and PKCS#12 load; a wrong
 * password, an expired certificate, a key of another certificate and a missing file each fail
 * with one line naming the key.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kwire/ktls.h"
#include "pkg/kwire/props.h"

#define TLS FIXTURES_DIR "/kafka/tls/"

static void set(struct kprops *p, const char *key, const char *value)
{
        cr_assert_eq(kprops_set(p, key, value), 0);
}

/* ktls_context on `p` (released after); the error message, "" on success. */
static const char *load(struct kprops *p, struct err *err)
{
        SSL_CTX *ctx;

        err_clear(err);
        ctx = ktls_context(p, err);
        cr_expect((ctx != NULL) == (err->kind == ERR_NONE));
        SSL_CTX_free(ctx);
        kprops_release(p);
        return err->msg;
}

static void base(struct kprops *p)
{
        kprops_init(p);
        set(p, "security.protocol", "SSL");
        set(p, "ssl.ca.location", TLS "ca.crt");
}

Test(ktls, pem_files_encrypted_key_and_pkcs12_load)
{
        struct kprops p;
        struct err err;

        base(&p);
        set(&p, "ssl.certificate.location", TLS "admin.crt");
        set(&p, "ssl.key.location", TLS "admin.key");
        cr_expect_str_empty(load(&p, &err));

        base(&p);
        set(&p, "ssl.certificate.location", TLS "admin.crt");
        set(&p, "ssl.key.location", TLS "admin-enc.key");
        set(&p, "ssl.key.password", "changeit");
        cr_expect_str_empty(load(&p, &err));

        base(&p);
        set(&p, "ssl.keystore.location", TLS "admin.p12");
        set(&p, "ssl.keystore.password", "changeit");
        cr_expect_str_empty(load(&p, &err));

        base(&p); /* only the CA: server authentication */
        cr_expect_str_empty(load(&p, &err));
}

Test(ktls, pem_strings_load)
{
        char *ca = str_read_file(TLS "ca.crt", 1u << 16, NULL);
        char *crt = str_read_file(TLS "admin.crt", 1u << 16, NULL);
        char *key = str_read_file(TLS "admin-enc.key", 1u << 16, NULL);
        struct kprops p;
        struct err err;

        kprops_init(&p);
        set(&p, "security.protocol", "SSL");
        set(&p, "ssl.ca.pem", ca);
        set(&p, "ssl.certificate.pem", crt);
        set(&p, "ssl.key.pem", key);
        set(&p, "ssl.key.password", "changeit");
        cr_expect_str_empty(load(&p, &err));
        free(ca);
        free(crt);
        free(key);
}

Test(ktls, failures_name_the_key)
{
        struct kprops p;
        struct err err;

        base(&p);
        set(&p, "ssl.certificate.location", TLS "admin.crt");
        set(&p, "ssl.key.location", TLS "admin-enc.key");
        set(&p, "ssl.key.password", "wrong");
        cr_expect(strstr(load(&p, &err), "ssl.key.location: cannot read the private key: is "
                                         "ssl.key.password right?"),
                  "%s", err.msg);
        cr_expect_eq(err.kind, ERR_INVALID);

        base(&p);
        set(&p, "ssl.keystore.location", TLS "admin.p12");
        set(&p, "ssl.keystore.password", "wrong");
        cr_expect(strstr(load(&p, &err), "is ssl.keystore.password right?"), "%s", err.msg);

        base(&p);
        set(&p, "ssl.certificate.location", TLS "expired.crt");
        set(&p, "ssl.key.location", TLS "expired.key");
        cr_expect(strstr(load(&p, &err), "ssl.certificate.location: the client certificate "
                                         "expired on Jan  2 00:00:00 2020 GMT"),
                  "%s", err.msg);

        base(&p);
        set(&p, "ssl.certificate.location", TLS "admin.crt");
        set(&p, "ssl.key.location", TLS "expired.key");
        cr_expect(strstr(load(&p, &err), "the key does not match the client certificate"), "%s",
                  err.msg);

        kprops_init(&p);
        set(&p, "ssl.ca.location", TLS "missing.crt");
        cr_expect(strstr(load(&p, &err), "ssl.ca.location '" TLS "missing.crt': cannot load"), "%s",
                  err.msg);

        kprops_init(&p);
        set(&p, "ssl.ca.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        cr_expect(strstr(load(&p, &err), "ssl.ca.pem: no PEM certificate"), "%s", err.msg);
}
