#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kube/kube.h"

#define KUBE_DIR FIXTURES_DIR "/kube"

#define CA_PEM                                                                        \
        "-----BEGIN CERTIFICATE-----\nZmFrZSBjYSBmb3Igc3BlY21lc2ggdW5pdCB0ZXN0cw==\n" \
        "-----END CERTIFICATE-----\n"
#define CERT_PEM                                                          \
        "-----BEGIN CERTIFICATE-----\nZmFrZSBjbGllbnQgY2VydGlmaWNhdGU=\n" \
        "-----END CERTIFICATE-----\n"
#define KEY_PEM                                                                       \
        "-----BEGIN PRIVATE KEY-----\nZmFrZSBjbGllbnQga2V5LCBub3QgYSByZWFsIGtleQ==\n" \
        "-----END PRIVATE KEY-----\n"

/* Parse fixture `name` under its own path, so that relative paths resolve next to it. */
static int parse_fixture(struct kube_config *c, const char *name, struct err *err)
{
        char *path = str_printf("%s/%s", KUBE_DIR, name);
        size_t len = 0;
        char *text;
        int rc;

        cr_assert_not_null(path);
        text = str_read_file(path, 1u << 20, &len);
        cr_assert_not_null(text, "fixture %s", path);
        rc = kube_config_parse(c, path, text, len, err);
        free(text);
        free(path);
        return rc;
}

static int parse_text(struct kube_config *c, const char *text, struct err *err)
{
        return kube_config_parse(c, "/etc/kube/inline.yaml", text, strlen(text), err);
}

/* The config is released and zeroed after a failure. */
static void assert_empty(const struct kube_config *c)
{
        cr_assert_null(c->server);
        cr_assert_null(c->token);
        cr_assert_null(c->ca_pem);
        cr_assert_null(c->cert_pem);
        cr_assert_null(c->key_pem);
        cr_assert_null(c->namespace);
        cr_assert_null(c->source);
}

Test(config, token_and_ca_data)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_fixture(&c, "token.yaml", &err), 0, "%s", err.msg);
        cr_assert_str_eq(c.server, "https://127.0.0.1:6443", "the trailing slash is dropped");
        cr_assert_str_eq(c.token, "dev-token-123", "the current context's user, not the first");
        cr_assert_str_eq(c.ca_pem, CA_PEM);
        cr_assert_null(c.cert_pem);
        cr_assert_null(c.key_pem);
        cr_assert_null(c.token_file);
        cr_assert_not(c.insecure);
        cr_assert_str_eq(c.namespace, "shop", "the namespace comes from the context");
        cr_assert_str_eq(c.source, KUBE_DIR "/token.yaml");
        kube_config_release(&c);
        cr_assert_null(c.server, "release zeroes the config");
}

Test(config, client_cert_data)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_fixture(&c, "certdata.yaml", &err), 0, "%s", err.msg);
        cr_assert_str_eq(c.server, "https://kind-control-plane:6443");
        cr_assert_null(c.token);
        cr_assert_str_eq(c.ca_pem, CA_PEM);
        cr_assert_str_eq(c.cert_pem, CERT_PEM);
        cr_assert_str_eq(c.key_pem, KEY_PEM, "base64 wrapped over lines decodes too");
        cr_assert_null(c.namespace, "no namespace in the context");
        kube_config_release(&c);
}

Test(config, relative_paths_resolve_next_to_the_kubeconfig)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_fixture(&c, "files.yaml", &err), 0, "%s", err.msg);
        cr_assert_str_eq(c.ca_pem, CA_PEM);
        cr_assert_str_eq(c.cert_pem, CERT_PEM);
        cr_assert_str_eq(c.key_pem, KEY_PEM);
        kube_config_release(&c);
}

Test(config, absolute_paths_and_token_file)
{
        static const char text[] = "current-context: a\n"
                                   "clusters:\n"
                                   "- name: a\n"
                                   "  cluster:\n"
                                   "    server: https://a:6443\n"
                                   "    certificate-authority: " KUBE_DIR "/certs/ca.crt\n"
                                   "contexts:\n"
                                   "- name: a\n"
                                   "  context: {cluster: a, user: a}\n"
                                   "users:\n"
                                   "- name: a\n"
                                   "  user:\n"
                                   "    tokenFile: tokens/a\n";
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_text(&c, text, &err), 0, "%s", err.msg);
        cr_assert_str_eq(c.ca_pem, CA_PEM, "an absolute path is taken as it is");
        cr_assert_str_eq(c.token_file, "/etc/kube/tokens/a", "tokenFile is relative too");
        cr_assert_null(c.token);
        kube_config_release(&c);
}

Test(config, insecure_skip_tls_verify)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_fixture(&c, "insecure.yaml", &err), 0, "%s", err.msg);
        cr_assert_str_eq(c.server, "https://lab.internal:443");
        cr_assert(c.insecure);
        cr_assert_null(c.ca_pem);
        cr_assert_null(c.token, "a context without a user is anonymous");
        cr_assert_null(c.cert_pem);
        kube_config_release(&c);
}

Test(config, error_no_current_context_match)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_fixture(&c, "no_context.yaml", &err), -1);
        cr_assert_eq(err.kind, ERR_INVALID);
        cr_assert_not_null(strstr(err.msg, "no_context.yaml"), "names the file: %s", err.msg);
        cr_assert_not_null(strstr(err.msg, "'staging'"), "names the context: %s", err.msg);
        assert_empty(&c);
}

Test(config, error_no_current_context_at_all)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_text(&c, "apiVersion: v1\nkind: Config\n", &err), -1);
        cr_assert_not_null(strstr(err.msg, "inline.yaml"), "%s", err.msg);
        cr_assert_not_null(strstr(err.msg, "current-context"), "%s", err.msg);
        assert_empty(&c);
}

Test(config, error_cluster_without_server)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_fixture(&c, "no_server.yaml", &err), -1);
        cr_assert_eq(err.kind, ERR_INVALID);
        cr_assert_not_null(strstr(err.msg, "no_server.yaml"), "%s", err.msg);
        cr_assert_not_null(strstr(err.msg, "cluster 'kind-dev' has no server"), "%s", err.msg);
        assert_empty(&c);
}

Test(config, error_bad_base64)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_fixture(&c, "bad_base64.yaml", &err), -1);
        cr_assert_eq(err.kind, ERR_INVALID);
        cr_assert_not_null(strstr(err.msg, "bad_base64.yaml"), "%s", err.msg);
        cr_assert_not_null(strstr(err.msg, "certificate-authority-data is not base64"), "%s",
                           err.msg);
        assert_empty(&c);
}

Test(config, error_bad_base64_length_in_user)
{
        static const char text[] = "current-context: a\n"
                                   "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
                                   "contexts: [{name: a, context: {cluster: a, user: u}}]\n"
                                   "users: [{name: u, user: {client-key-data: abcde}}]\n";
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_text(&c, text, &err), -1);
        cr_assert_not_null(strstr(err.msg, "client-key-data is not base64"), "%s", err.msg);
        assert_empty(&c);
}

Test(config, error_missing_cert_file_names_field_and_path)
{
        static const char text[] = "current-context: a\n"
                                   "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
                                   "contexts: [{name: a, context: {cluster: a, user: u}}]\n"
                                   "users: [{name: u, user: {client-certificate: nope.crt}}]\n";
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_text(&c, text, &err), -1);
        cr_assert_not_null(strstr(err.msg, "inline.yaml"), "%s", err.msg);
        cr_assert_not_null(strstr(err.msg, "client-certificate"), "%s", err.msg);
        cr_assert_not_null(strstr(err.msg, "/etc/kube/nope.crt"), "%s", err.msg);
        assert_empty(&c);
}

Test(config, error_exec_only_user)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_fixture(&c, "exec_only.yaml", &err), -1);
        cr_assert_eq(err.kind, ERR_INVALID);
        cr_assert_not_null(strstr(err.msg, "exec_only.yaml"), "%s", err.msg);
        cr_assert_not_null(strstr(err.msg, "exec"), "%s", err.msg);
        cr_assert_not_null(strstr(err.msg, "not supported"), "%s", err.msg);
        assert_empty(&c);
}

Test(config, exec_with_a_token_is_fine)
{
        static const char text[] = "current-context: a\n"
                                   "clusters: [{name: a, cluster: {server: 'https://a'}}]\n"
                                   "contexts: [{name: a, context: {cluster: a, user: u}}]\n"
                                   "users: [{name: u, user: {token: t, exec: {command: x}}}]\n";
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_text(&c, text, &err), 0, "%s", err.msg);
        cr_assert_str_eq(c.token, "t");
        kube_config_release(&c);
}

Test(config, error_not_yaml)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(parse_text(&c, "clusters: [unclosed\n", &err), -1);
        cr_assert_eq(err.kind, ERR_INVALID);
        cr_assert_not_null(strstr(err.msg, "inline.yaml:"), "%s", err.msg);
        assert_empty(&c);
}

Test(config, load_names_a_missing_file)
{
        struct kube_config c;
        struct err err;

        err_clear(&err);
        cr_assert_eq(kube_config_load(&c, KUBE_DIR "/does-not-exist.yaml", &err), -1);
        cr_assert_not_null(strstr(err.msg, "does-not-exist.yaml"), "%s", err.msg);
        cr_assert_eq(kube_config_load(&c, KUBE_DIR "/token.yaml", &err), 0, "%s", err.msg);
        cr_assert_str_eq(c.token, "dev-token-123");
        kube_config_release(&c);
}

Test(time, parse_known_instants)
{
        cr_assert_float_eq(kube_time_parse("1970-01-01T00:00:00Z"), 0.0, 1e-9);
        cr_assert_float_eq(kube_time_parse("2026-11-25T19:44:08Z"), 1795635848.0, 1e-6);
        cr_assert_float_eq(kube_time_parse("2026-11-25T19:44:08.123456Z"), 1795635848.123456, 1e-6);
        cr_assert_float_eq(kube_time_parse("2024-02-29T23:59:59.5Z"), 1709251199.5, 1e-6);
}

Test(time, parse_rejects_bad_input)
{
        cr_assert_eq(kube_time_parse(NULL), -1);
        cr_assert_eq(kube_time_parse(""), -1);
        cr_assert_eq(kube_time_parse("yesterday"), -1);
        cr_assert_eq(kube_time_parse("2026-11-25T19:44:08"), -1, "no zone");
        cr_assert_eq(kube_time_parse("2026-11-25T19:44:08+01:00"), -1, "only UTC");
        cr_assert_eq(kube_time_parse("2026-11-25 19:44:08Z"), -1);
}

Test(time, now_round_trips)
{
        struct timespec before, after;
        char now[32];
        double t;

        clock_gettime(CLOCK_REALTIME, &before);
        kube_now(now);
        clock_gettime(CLOCK_REALTIME, &after);
        cr_assert_eq(strlen(now), 27, "RFC 3339 with microseconds: %s", now);
        cr_assert_eq(now[10], 'T');
        cr_assert_eq(now[19], '.');
        cr_assert_eq(now[26], 'Z');
        t = kube_time_parse(now);
        cr_assert_geq(t, (double)before.tv_sec + before.tv_nsec / 1e9 - 1e-6, "%s", now);
        cr_assert_leq(t, (double)after.tv_sec + after.tv_nsec / 1e9 + 1e-6, "%s", now);
}

Test(query, escape)
{
        char out[64];

        cr_assert_eq(kube_query_escape("abc-XYZ_0.9~", out, sizeof(out)), 0);
        cr_assert_str_eq(out, "abc-XYZ_0.9~", "unreserved characters stay");
        cr_assert_eq(kube_query_escape("app=shop,tier in (a b)", out, sizeof(out)), 0);
        cr_assert_str_eq(out, "app%3Dshop%2Ctier%20in%20%28a%20b%29");
        cr_assert_eq(kube_query_escape("a/b&c?d#e+f%", out, sizeof(out)), 0);
        cr_assert_str_eq(out, "a%2Fb%26c%3Fd%23e%2Bf%25");
        cr_assert_eq(kube_query_escape("\xc3\xa9", out, sizeof(out)), 0);
        cr_assert_str_eq(out, "%C3%A9", "UTF-8 bytes are escaped one by one");
        cr_assert_eq(kube_query_escape("", out, sizeof(out)), 0);
        cr_assert_str_eq(out, "");
}

Test(query, escape_capacity)
{
        char out[8];

        cr_assert_eq(kube_query_escape("abcdefg", out, sizeof(out)), 0, "7 chars and a NUL fit");
        cr_assert_str_eq(out, "abcdefg");
        cr_assert_eq(kube_query_escape("abcdefgh", out, sizeof(out)), -1, "no room for the NUL");
        cr_assert_eq(kube_query_escape("ab=cd", out, sizeof(out)), 0);
        cr_assert_str_eq(out, "ab%3Dcd");
        cr_assert_eq(kube_query_escape("abcd=e", out, sizeof(out)), -1, "8 bytes and a NUL");
        cr_assert_eq(kube_query_escape("a", out, 1), -1);
}

Test(meta, identity_of_objects)
{
        json_object *obj = json_tokener_parse(
            "{\"metadata\":{\"namespace\":\"shop\",\"name\":\"orders\",\"generation\":7,"
            "\"resourceVersion\":\"1234\",\"uid\":\"u-1\"},\"spec\":{}}");
        json_object *bare = json_tokener_parse("{\"spec\":{}}");
        json_object *big = json_tokener_parse("{\"metadata\":{\"generation\":9007199254740993}}");

        cr_assert_not_null(obj);
        cr_assert_str_eq(kube_ns(obj), "shop");
        cr_assert_str_eq(kube_name(obj), "orders");
        cr_assert_eq(kube_generation(obj), 7);
        cr_assert_str_eq(kube_meta_str(obj, "resourceVersion"), "1234");
        cr_assert_str_eq(kube_meta_str(obj, "uid"), "u-1");
        cr_assert_str_eq(kube_meta_str(obj, "missing"), "");

        cr_assert_str_eq(kube_ns(bare), "", "absent is \"\", never NULL");
        cr_assert_str_eq(kube_name(bare), "");
        cr_assert_eq(kube_generation(bare), 0);
        cr_assert_eq(kube_generation(big), 9007199254740993LL, "64-bit generations survive");
        json_object_put(obj);
        json_object_put(bare);
        json_object_put(big);
}
