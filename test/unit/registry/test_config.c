/*
 * The registry properties file (--registry-config): Confluent's key names for basic auth,
 * bearer token, truststore and keystore; unknown keys and contradictions are refused naming
 * the key; secrets never appear in the messages.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/registry/config.h"
#include "pkg/registry/registry.h"

static int parse(struct registry_config *c, const char *text, struct err *err)
{
        char *t = str_dup(text);
        int rc;

        err_clear(err);
        rc = registry_config_parse(c, "reg.properties", t, err);
        free(t);
        return rc;
}

Test(registry_config, basic_auth_and_pem_truststore)
{
        struct registry_config c;
        struct err err;

        cr_assert_eq(parse(&c,
                           "# comment\n"
                           "schema.registry.url=https://sr:8081\n"
                           "basic.auth.credentials.source=USER_INFO\n"
                           "basic.auth.user.info = alice:pa:ss\n"
                           "schema.registry.ssl.truststore.location=/ca.pem\n"
                           "schema.registry.ssl.truststore.type=PEM\n"
                           "schema.registry.ssl.keystore.location=/client.p12\n"
                           "schema.registry.ssl.keystore.password=kpw\n",
                           &err),
                     0, "%s", err.msg);
        cr_expect_str_eq(c.url, "https://sr:8081");
        cr_expect_str_eq(c.user, "alice");
        cr_expect_str_eq(c.password, "pa:ss");
        cr_expect_str_eq(c.ca_file, "/ca.pem");
        cr_expect_str_eq(c.cert_file, "/client.p12");
        cr_expect(c.cert_p12);
        cr_expect_str_eq(c.cert_password, "kpw");
        cr_expect_not(c.no_verify_host);
        cr_expect_null(c.token);
        registry_config_release(&c);
}

Test(registry_config, bearer_pem_keystore_and_pem_string)
{
        struct registry_config c;
        struct err err;

        cr_assert_eq(
            parse(&c,
                  "bearer.auth.credentials.source=STATIC_TOKEN\n"
                  "bearer.auth.token=t0k3n\n"
                  "schema.registry.ssl.truststore.certificates=-----BEGIN CERTIFICATE----- "
                  "\\\n   QUJD -----END CERTIFICATE-----\n"
                  "schema.registry.ssl.keystore.type=PEM\n"
                  "schema.registry.ssl.keystore.location=/client.pem\n"
                  "schema.registry.ssl.key.password=kpw\n"
                  "schema.registry.ssl.endpoint.identification.algorithm=\n",
                  &err),
            0, "%s", err.msg);
        cr_expect_str_eq(c.token, "t0k3n");
        cr_expect_null(c.user);
        cr_expect_str_eq(c.ca_pem,
                         "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n");
        cr_expect_not(c.cert_p12);
        cr_expect_str_eq(c.cert_password, "kpw");
        cr_expect(c.no_verify_host);
        registry_config_release(&c);
}

Test(registry_config, refusals_name_the_key_never_the_secret)
{
        const struct {
                const char *text, *want;
        } cases[] = {
            {"schema.registry.basic.auth.user.info=a:SECRET\n",
             "reg.properties:1: registry config schema.registry.basic.auth.user.info: not "
             "supported"},
            {"basic.auth.credentials.source=SASL_INHERIT\n",
             "basic.auth.credentials.source: only USER_INFO or URL"},
            {"basic.auth.credentials.source=USER_INFO\n", "basic.auth.user.info: missing"},
            {"basic.auth.user.info=SECRET\n", "basic.auth.user.info: expected user:password"},
            {"basic.auth.user.info=a:SECRET\nbearer.auth.token=SECRET\n",
             "bearer.auth.token: set together with basic.auth.user.info"},
            {"bearer.auth.credentials.source=OAUTHBEARER\n",
             "bearer.auth.credentials.source: only STATIC_TOKEN"},
            {"bearer.auth.credentials.source=STATIC_TOKEN\n", "bearer.auth.token: missing"},
            {"schema.registry.ssl.truststore.type=JKS\n", "truststore.type: only PEM"},
            {"schema.registry.ssl.keystore.type=JKS\nschema.registry.ssl.keystore.location=/k\n",
             "keystore.type: only PKCS12 or PEM"},
            {"schema.registry.ssl.keystore.password=SECRET\n", "keystore.location: missing"},
            {"schema.registry.ssl.truststore.certificates=SECRET\n",
             "truststore.certificates: no complete PEM block"},
            {"schema.registry.ssl.endpoint.identification.algorithm=HTTPS\n",
             "identification.algorithm: https, none or empty"},
            {"no equals sign\n", "reg.properties:1: expected key=value"},
        };
        struct registry_config c;
        struct err err;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cr_expect_eq(parse(&c, cases[i].text, &err), -1, "case %zu", i);
                cr_expect(strstr(err.msg, cases[i].want), "case %zu: '%s' lacks '%s'", i, err.msg,
                          cases[i].want);
                cr_expect_null(strstr(err.msg, "SECRET"), "case %zu: %s", i, err.msg);
                cr_expect_eq(err.kind, ERR_INVALID, "case %zu", i);
        }
}

Test(registry_config, url_from_the_file_and_flag_wins)
{
        char path[] = "/tmp/test_regcfg_XXXXXX";
        int fd = mkstemp(path);
        FILE *f = fdopen(fd, "w");
        struct registry *r;
        struct err err;

        fputs("schema.registry.url=https://from-file:8081/apis/ccompat/v7\n"
              "basic.auth.user.info=u:SECRET\n",
              f);
        fclose(f);
        err_clear(&err);
        r = registry_open(NULL, path, &err);
        cr_assert_not_null(r, "%s", err.msg);
        cr_expect_str_eq(registry_url(r), "https://from-file:8081/apis/ccompat/v7");
        registry_free(r);
        r = registry_open("http://flag:1", path, &err);
        cr_assert_not_null(r, "%s", err.msg);
        cr_expect_str_eq(registry_url(r), "http://flag:1");
        registry_free(r);
        cr_expect_null(registry_open(NULL, "/nonexistent/reg.properties", &err));
        cr_expect_eq(err.kind, ERR_NOT_FOUND);
        unlink(path);
}
