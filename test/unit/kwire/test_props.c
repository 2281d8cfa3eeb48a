/*
 * The one connection configuration of both Kafka paths: kprops_check() accepts exactly the keys
 * both honour, names the key it refuses, folds aliases, sets the verification default; PEM
 * strings on one line become PEM text; properties files may continue lines with a backslash.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkg/base/err.h"
#include "pkg/kwire/props.h"

/* Properties from "key=value" strings, NULL-terminated. */
static void with(struct kprops *p, const char *const *kvs)
{
        kprops_init(p);
        for (size_t i = 0; kvs[i]; i++) {
                const char *eq = strchr(kvs[i], '=');
                char key[128];
                snprintf(key, sizeof(key), "%.*s", (int)(eq - kvs[i]), kvs[i]);
                cr_assert_eq(kprops_set(p, key, eq + 1), 0);
        }
}

/* Check `kvs`; returns the error message ("" when accepted). */
static const char *check(const char *const *kvs, struct err *err)
{
        struct kprops p;

        with(&p, kvs);
        err_clear(err);
        kprops_check(&p, err);
        kprops_release(&p);
        return err->msg;
}

#define KVS(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(props, every_supported_mode_is_accepted)
{
        struct err err;

        cr_assert_str_empty(check(KVS("bootstrap.servers=a:1"), &err));
        cr_assert_str_empty(
            check(KVS("security.protocol=SASL_SSL", "sasl.mechanisms=SCRAM-SHA-512",
                      "sasl.username=u", "sasl.password=p", "ssl.ca.location=/ca.pem"),
                  &err));
        cr_assert_str_empty(
            check(KVS("security.protocol=ssl", "ssl.certificate.location=/c", "ssl.key.location=/k",
                      "ssl.key.password=x", "ssl.endpoint.identification.algorithm=none"),
                  &err));
        cr_assert_str_empty(
            check(KVS("security.protocol=SSL", "ssl.keystore.location=/a.p12",
                      "ssl.keystore.password=x", "enable.ssl.certificate.verification=false"),
                  &err));
        cr_assert_str_empty(check(KVS("security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
                                      "sasl.username=u", "sasl.password=p", "client.id=x"),
                                  &err));
}

Test(props, refusals_name_the_key)
{
        const struct {
                const char *const *kvs;
                const char *want;
        } cases[] = {
            {KVS("security.protocol=TLS"), "security.protocol: 'TLS' is not"},
            {KVS("security.protocol=SSL", "ssl.crl.location=/x"),
             "ssl.crl.location: not supported"},
            {KVS("security.protocol=SSL", "ssl.truststore.location=/x.jks"),
             "ssl.truststore.location: a Java client key; use ssl.ca.location"},
            {KVS("security.protocol=SASL_SSL", "sasl.jaas.config=x", "sasl.username=u",
                 "sasl.password=p"),
             "sasl.jaas.config: a Java client key"},
            {KVS("security.protocol=SASL_SSL", "sasl.mechanisms=GSSAPI", "sasl.username=u",
                 "sasl.password=p"),
             "sasl.mechanisms: 'GSSAPI' is not supported"},
            {KVS("security.protocol=SASL_SSL", "sasl.oauthbearer.config=x", "sasl.username=u",
                 "sasl.password=p"),
             "sasl.oauthbearer.config: not supported"},
            {KVS("security.protocol=SASL_PLAINTEXT", "sasl.username=u", "sasl.password=p",
                 "ssl.ca.location=/ca"),
             "ssl.ca.location: security.protocol is not SSL or SASL_SSL"},
            {KVS("sasl.username=u"), "sasl.username: security.protocol is not SASL_"},
            {KVS("security.protocol=SASL_SSL", "sasl.username=u"), "sasl.password: missing"},
            {KVS("security.protocol=SSL", "ssl.endpoint.identification.algorithm=HTTPS"),
             "ssl.endpoint.identification.algorithm: 'HTTPS' is not https or none"},
            {KVS("security.protocol=SSL", "enable.ssl.certificate.verification=no"),
             "enable.ssl.certificate.verification: 'no'"},
            {KVS("security.protocol=SSL", "ssl.ca.location=/a", "ssl.ca.pem=x"),
             "ssl.ca.pem: set together with ssl.ca.location"},
            {KVS("security.protocol=SSL", "ssl.certificate.location=/c"),
             "ssl.certificate.location: a client certificate needs its key"},
            {KVS("security.protocol=SSL", "ssl.key.pem=x"),
             "ssl.key.location: a client certificate needs its key"},
            {KVS("security.protocol=SSL", "ssl.keystore.location=/a", "ssl.certificate.location=/c",
                 "ssl.key.location=/k"),
             "ssl.certificate.location: set together with ssl.keystore.location"},
            {KVS("security.protocol=SSL", "ssl.keystore.password=x"),
             "ssl.keystore.password: no ssl.keystore.location"},
            {KVS("security.protocol=SSL", "ssl.ca.pem=not pem"),
             "ssl.ca.pem: no complete PEM block"},
            {KVS("security.protocol=SASL_SSL", "sasl.mechanism=PLAIN",
                 "sasl.mechanisms=SCRAM-SHA-256", "sasl.username=u", "sasl.password=p"),
             "sasl.mechanism: differs from sasl.mechanisms"},
        };
        struct err err;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *msg = check(cases[i].kvs, &err);
                cr_expect(strstr(msg, cases[i].want), "case %zu: '%s' lacks '%s'", i, msg,
                          cases[i].want);
                cr_expect_eq(err.kind, ERR_INVALID, "case %zu", i);
                cr_expect(strncmp(msg, "kafka config ", 13) == 0, "case %zu: %s", i, msg);
        }
}

Test(props, canonical_spelling_and_verification_default)
{
        struct kprops p;
        struct err err;

        with(&p, KVS("security.protocol=sasl_ssl", "sasl.mechanism=SCRAM-SHA-256",
                     "sasl.username=u", "sasl.password=p"));
        cr_assert_eq(kprops_check(&p, &err), 0, "%s", err.msg);
        cr_expect_str_eq(kprops_get(&p, "security.protocol"), "SASL_SSL");
        cr_expect_str_eq(kprops_get(&p, "sasl.mechanisms"), "SCRAM-SHA-256");
        cr_expect_null(kprops_get(&p, "sasl.mechanism"));
        cr_expect_str_eq(kprops_get(&p, "ssl.endpoint.identification.algorithm"), "https");
        cr_expect_str_eq(kprops_sasl_mechanism(&p), "SCRAM-SHA-256");
        cr_expect(kprops_tls(&p));
        kprops_release(&p);

        with(&p, KVS("security.protocol=SASL_PLAINTEXT", "sasl.username=u", "sasl.password=p"));
        cr_assert_eq(kprops_check(&p, &err), 0, "%s", err.msg);
        cr_expect_str_eq(kprops_sasl_mechanism(&p), "PLAIN");
        cr_expect_not(kprops_tls(&p));
        cr_expect_null(kprops_get(&p, "ssl.endpoint.identification.algorithm"));
        kprops_release(&p);
}

/* A new file from the mkstemp template `path`, open for writing. */
static FILE *temp_file(char *path)
{
        FILE *f = fdopen(mkstemp(path), "w");

        cr_assert_not_null(f, "%s", path);
        return f;
}

Test(props, backslash_continues_a_line)
{
        char path[] = "/tmp/test_props_XXXXXX";
        FILE *f = temp_file(path);
        struct kprops p;
        struct err err;

        fputs("# comment\nssl.ca.pem=-----BEGIN CERTIFICATE----- \\\n   QUJD \\\n"
              "  -----END CERTIFICATE-----\nsasl.username = u \n",
              f);
        fclose(f);
        kprops_init(&p);
        cr_assert_eq(kprops_load(&p, path, &err), 0, "%s", err.msg);
        cr_expect_str_eq(kprops_get(&p, "ssl.ca.pem"),
                         "-----BEGIN CERTIFICATE----- QUJD -----END CERTIFICATE-----");
        cr_expect_str_eq(kprops_get(&p, "sasl.username"), "u");
        kprops_unset(&p, "sasl.username");
        cr_expect_null(kprops_get(&p, "sasl.username"));
        cr_expect_str_eq(kprops_get(&p, "ssl.ca.pem"),
                         "-----BEGIN CERTIFICATE----- QUJD -----END CERTIFICATE-----");
        kprops_release(&p);
        unlink(path);
}

Test(props, a_later_line_replaces_and_the_count_is_capped)
{
        char path[] = "/tmp/test_props_XXXXXX";
        FILE *f = temp_file(path);
        struct kprops p;
        struct err err;

        fputs("client.id=a\nclient.id=b\n", f);
        for (int i = 1; i < KPROPS_MAX; i++)
                fprintf(f, "x.%d=%d\n", i, i);
        fclose(f);
        kprops_init(&p);
        cr_assert_eq(kprops_load(&p, path, &err), 0, "%s", err.msg);
        cr_expect_str_eq(kprops_get(&p, "client.id"), "b");
        cr_expect_eq(p.kvs.len, KPROPS_MAX);
        kprops_release(&p);

        f = fopen(path, "a");
        fputs("one.more=x\n", f);
        fclose(f);
        kprops_init(&p);
        err_clear(&err);
        cr_assert_eq(kprops_load(&p, path, &err), -1);
        cr_expect_eq(err.kind, ERR_INVALID);
        cr_expect(strstr(err.msg, ":1026: more than 1024 properties"), "%s", err.msg);
        kprops_release(&p);
        unlink(path);
}
