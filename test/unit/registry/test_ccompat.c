#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/model/model.h"
#include "pkg/registry/ccompat.h"

/* The parsed fixture test/fixtures/registry/<name>; json_object_put() it. */
static struct json_object *fixture(const char *name)
{
        char *path = str_printf("%s/registry/%s", FIXTURES_DIR, name);
        size_t len = 0;
        char *text = str_read_file(path, 1u << 20, &len);
        struct json_object *j;

        cr_assert_not_null(text, "cannot read %s", path);
        j = ccompat_parse(text, len);
        free(text);
        free(path);
        return j;
}

Test(ccompat, url_encode_keeps_only_unreserved)
{
        char *a = ccompat_url_encode("london.x._public.attendee-value");
        char *b = ccompat_url_encode("a/b c:d%e?f#g&h+~");

        cr_assert_str_eq(a, "london.x._public.attendee-value");
        cr_assert_str_eq(b, "a%2Fb%20c%3Ad%25e%3Ff%23g%26h%2B~");
        free(a);
        free(b);
}

Test(ccompat, split_url_takes_userinfo_out)
{
        struct err e = {0};
        char *bare, *user, *password;

        cr_assert_eq(ccompat_split_url("https://u%40x:p%3Aw@reg:8081/apis/ccompat/v7/", &bare,
                                       &user, &password, &e),
                     0);
        cr_assert_str_eq(bare, "https://reg:8081/apis/ccompat/v7");
        cr_assert_str_eq(user, "u@x");
        cr_assert_str_eq(password, "p:w");
        free(bare);
        free(user);
        free(password);
        cr_assert_eq(ccompat_split_url("http://h:1/x@y", &bare, &user, &password, &e), 0);
        cr_assert_str_eq(bare, "http://h:1/x@y", "an @ in the path is not userinfo");
        cr_assert_null(user);
        cr_assert_null(password);
        free(bare);
}

Test(ccompat, split_url_rejects_other_schemes)
{
        struct err e = {0};
        char *bare, *user, *password;

        cr_assert_eq(ccompat_split_url("ftp://h/x", &bare, &user, &password, &e), -1);
        cr_assert_eq(e.kind, ERR_INVALID);
        cr_assert_null(bare);
        cr_assert_eq(ccompat_split_url("127.0.0.1:8081", &bare, &user, &password, &e), -1);
}

Test(ccompat, schema_body_always_names_the_type)
{
        char *avro = ccompat_schema_body(SCHEMA_AVRO, "{\"type\":\"string\"}");
        char *proto = ccompat_schema_body(SCHEMA_PROTOBUF, "syntax = \"proto3\";\n");
        char *config = ccompat_config_body("FULL_TRANSITIVE");

        cr_assert_str_eq(avro,
                         "{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\",\"schemaType\":\"AVRO\"}");
        cr_assert_str_eq(
            proto, "{\"schema\":\"syntax = \\\"proto3\\\";\\n\",\"schemaType\":\"PROTOBUF\"}");
        cr_assert_str_eq(config, "{\"compatibility\":\"FULL_TRANSITIVE\"}");
        free(avro);
        free(proto);
        free(config);
}

Test(ccompat, parse_rejects_junk_and_trailing_bytes)
{
        cr_assert_null(ccompat_parse("<html>", 6));
        cr_assert_null(ccompat_parse("{} x", 4));
        cr_assert_null(ccompat_parse("", 0));
        cr_assert_null(ccompat_parse(NULL, 0));
}

Test(ccompat, observes_domain_and_wanted_subjects)
{
        struct product *want = product_new();
        struct json_object *j = fixture("subjects.json");
        struct vec names = VEC_INIT;
        struct err e = {0};
        size_t n = 0;

        vec_push(&want->subjects, subject_new("com.acme.Attendee", SCHEMA_AVRO, "{}"));
        cr_assert_eq(ccompat_parse_subjects(j, &names, &e), 0);
        cr_assert_eq(names.len, 5);
        for (size_t i = 0; i < names.len; i++)
                n += ccompat_observes(names.items[i], "london.x", want);
        cr_assert_eq(n, 3, "london.x.* twice and the wanted record-name subject");
        cr_assert_not(ccompat_observes("london.xy._public.other-value", "london.x", want));
        cr_assert_not(ccompat_observes("com.acme.Attendee", "london.x", NULL));
        cr_assert_not(ccompat_observes("london.x.sub._public.t-value", "london.x", NULL),
                      "a longer domain's subject is not observed");
        vec_release(&names, free);
        json_object_put(j);
        product_free(want);
}

Test(ccompat, parse_subjects_rejects_non_strings)
{
        struct json_object *j = ccompat_parse("[\"a\", 1]", 8);
        struct vec names = VEC_INIT;
        struct err e = {0};

        cr_assert_eq(ccompat_parse_subjects(j, &names, &e), -1);
        cr_assert_eq(e.kind, ERR_INTERNAL);
        vec_release(&names, free);
        json_object_put(j);
}

Test(ccompat, parse_version_avro_without_type)
{
        struct json_object *j = fixture("latest_avro.json");
        struct subject *s = NULL;
        struct err e = {0};

        cr_assert_eq(ccompat_parse_version(j, "n", &s, &e), 0);
        cr_assert_str_eq(s->name, "n");
        cr_assert_eq(s->type, SCHEMA_AVRO);
        cr_assert_eq(s->version, 2);
        cr_assert_eq(s->id, 7);
        cr_assert(str_starts_with(s->schema, "{\"type\":\"record\""));
        cr_assert_null(s->compatibility);
        subject_free(s);
        json_object_put(j);
}

Test(ccompat, parse_version_types_any_case)
{
        struct json_object *a = fixture("latest_json.json");
        struct json_object *b = fixture("latest_protobuf_lower.json");
        struct subject *s = NULL, *t = NULL;
        struct err e = {0};

        cr_assert_eq(ccompat_parse_version(a, "a", &s, &e), 0);
        cr_assert_eq(s->type, SCHEMA_JSON);
        cr_assert_eq(ccompat_parse_version(b, "b", &t, &e), 0);
        cr_assert_eq(t->type, SCHEMA_PROTOBUF);
        cr_assert_eq(t->version, 4);
        subject_free(s);
        subject_free(t);
        json_object_put(a);
        json_object_put(b);
}

Test(ccompat, parse_version_needs_id)
{
        struct json_object *j = fixture("latest_missing_id.json");
        struct subject *s = NULL;
        struct err e = {0};

        cr_assert_eq(ccompat_parse_version(j, "p", &s, &e), -1);
        cr_assert_null(s);
        cr_assert_eq(e.kind, ERR_INTERNAL);
        cr_assert(strstr(e.msg, "subject 'p'"), "%s", e.msg);
        json_object_put(j);
}

Test(ccompat, parse_config_both_spellings)
{
        struct json_object *get = fixture("config_get.json");
        struct json_object *put = fixture("config_put.json");
        struct json_object *bad = fixture("check_ok.json");
        char *a = NULL, *b = NULL, *c = NULL;
        struct err e = {0};

        cr_assert_eq(ccompat_parse_config(get, &a, &e), 0);
        cr_assert_eq(ccompat_parse_config(put, &b, &e), 0);
        cr_assert_str_eq(a, "FULL_TRANSITIVE");
        cr_assert_str_eq(b, "FULL_TRANSITIVE");
        cr_assert_eq(ccompat_parse_config(bad, &c, &e), -1);
        cr_assert_null(c);
        free(a);
        free(b);
        json_object_put(get);
        json_object_put(put);
        json_object_put(bad);
}

Test(ccompat, parse_check_collects_reasons)
{
        struct json_object *ok = fixture("check_ok.json");
        struct json_object *no = fixture("check_refused_confluent.json");
        struct json_object *objs = fixture("check_refused_objects.json");
        struct vec reasons = VEC_INIT;
        struct err e = {0};
        bool compatible = false;

        cr_assert_eq(ccompat_parse_check(ok, &compatible, &reasons, &e), 0);
        cr_assert(compatible);
        cr_assert_eq(reasons.len, 0);
        cr_assert_eq(ccompat_parse_check(no, &compatible, &reasons, &e), 0);
        cr_assert_not(compatible);
        cr_assert_eq(reasons.len, 3);
        cr_assert(strstr(reasons.items[0], "READER_FIELD_MISSING_DEFAULT_VALUE"));
        cr_assert_eq(ccompat_parse_check(objs, &compatible, &reasons, &e), 0);
        cr_assert_eq(reasons.len, 4);
        cr_assert_str_eq(
            reasons.items[3],
            "{\"description\":\"field added without default\",\"context\":\"/fields/1\"}");
        vec_release(&reasons, free);
        json_object_put(ok);
        json_object_put(no);
        json_object_put(objs);
}

Test(ccompat, incompatible_msg_joins_and_caps)
{
        struct vec reasons = VEC_INIT;
        char *msg, *none, *big;
        char *huge = malloc(CCOMPAT_REASONS_MAX);

        memset(huge, 'x', CCOMPAT_REASONS_MAX - 1);
        huge[CCOMPAT_REASONS_MAX - 1] = '\0';
        vec_push(&reasons, strdup("field a: no default"));
        vec_push(&reasons, strdup("{compatibility: 'FULL_TRANSITIVE'}"));
        msg = ccompat_incompatible_msg(2, &reasons);
        cr_assert_str_eq(msg, "schema is incompatible with version 2: field a: no default; "
                              "{compatibility: 'FULL_TRANSITIVE'}");
        vec_push(&reasons, huge);
        big = ccompat_incompatible_msg(2, &reasons);
        cr_assert_str_eq(big, msg, "a reason that does not fit is dropped whole");
        vec_release(&reasons, free);
        none = ccompat_incompatible_msg(0, &reasons);
        cr_assert_str_eq(none, "schema is incompatible with the latest version (the registry "
                               "gave no reasons)");
        free(msg);
        free(big);
        free(none);
}

Test(ccompat, http_errors_map_to_kinds)
{
        struct json_object *nf = fixture("error_40401.json");
        struct json_object *conflict = fixture("error_409.json");
        struct err e = {0};

        cr_assert_eq(ccompat_error_code(nf), 40401);
        cr_assert_eq(ccompat_error_code(NULL), 0);
        cr_assert_eq(ccompat_http_error(404, nf, NULL, &e), -1);
        cr_assert_eq(e.kind, ERR_NOT_FOUND);
        cr_assert_str_eq(e.msg, "Subject 'london.x._public.attendee-value' not found. (http 404, "
                                "error_code 40401)");
        ccompat_http_error(409, conflict, NULL, &e);
        cr_assert_eq(e.kind, ERR_INVALID);
        cr_assert(strstr(e.msg, "incompatible with an earlier schema"));
        ccompat_http_error(422, NULL, NULL, &e);
        cr_assert_eq(e.kind, ERR_INVALID);
        ccompat_http_error(401, NULL, "", &e);
        cr_assert_eq(e.kind, ERR_AUTH);
        cr_assert_str_eq(e.msg, "http 401");
        ccompat_http_error(403, NULL, NULL, &e);
        cr_assert_eq(e.kind, ERR_AUTH);
        ccompat_http_error(503, NULL, "<html><body>502 Bad Gateway</body></html>", &e);
        cr_assert_eq(e.kind, ERR_TRANSIENT);
        cr_assert_str_eq(e.msg, "http 503: '<html><body>502 Bad Gateway</body></html>'");
        /* a proxy's page is one line: its title, or the text with blanks folded */
        ccompat_http_error(401, NULL, "<html>\n<head><title>401 Authorization Required</title>",
                           &e);
        cr_assert_str_eq(e.msg, "http 401: '401 Authorization Required'");
        ccompat_http_error(400, NULL, "  bad\n\n   request \n", &e);
        cr_assert_str_eq(e.msg, "http 400: 'bad request'");
        ccompat_http_error(429, NULL, NULL, &e);
        cr_assert_eq(e.kind, ERR_TRANSIENT);
        ccompat_http_error(302, NULL, NULL, &e);
        cr_assert_eq(e.kind, ERR_INTERNAL);
        json_object_put(nf);
        json_object_put(conflict);
}

Test(ccompat, curl_errors_map_to_kinds)
{
        struct err e = {0};
        const char *u = "http://127.0.0.1:18081/apis/ccompat/v7";

        ccompat_curl_error(CURLE_COULDNT_CONNECT, ECONNREFUSED, u, "Failed to connect", &e);
        cr_assert_eq(e.kind, ERR_TRANSIENT);
        cr_assert_str_eq(e.msg, "schema registry http://127.0.0.1:18081/apis/ccompat/v7: "
                                "connection refused");
        ccompat_curl_error(CURLE_OPERATION_TIMEDOUT, 0, u, "", &e);
        cr_assert_eq(e.kind, ERR_TRANSIENT);
        ccompat_curl_error(CURLE_COULDNT_RESOLVE_HOST, 0, u, "no such host", &e);
        cr_assert_eq(e.kind, ERR_TRANSIENT);
        ccompat_curl_error(CURLE_PEER_FAILED_VERIFICATION, 0, u, "bad cert", &e);
        cr_assert_eq(e.kind, ERR_AUTH);
        ccompat_curl_error(CURLE_WRITE_ERROR, 0, u, NULL, &e);
        cr_assert_eq(e.kind, ERR_INTERNAL);
        cr_assert(strstr(e.msg, "reply larger than"), "%s", e.msg);
}

Test(ccompat, refusal_reason_drops_java_class)
{
        struct json_object *apicurio = fixture("apicurio_register_409.json");
        struct json_object *confluent = fixture("error_409.json");
        char *a = ccompat_refusal_reason(apicurio);
        char *c = ccompat_refusal_reason(confluent);

        cr_assert_str_eq(a, "Incompatible artifact: probe.quirk-value [AVRO], num of incompatible "
                            "diffs: {1}, list of diff types: [age at /fields/1]");
        cr_assert(str_starts_with(c, "Schema being registered is incompatible"));
        cr_assert_null(ccompat_refusal_reason(NULL));
        free(a);
        free(c);
        json_object_put(apicurio);
        json_object_put(confluent);
}

Test(ccompat, apicurio_replies)
{
        struct json_object *put = fixture("apicurio_config_put.json");
        struct json_object *check = fixture("apicurio_check_refused.json");
        struct json_object *proto = fixture("apicurio_latest_protobuf.json");
        struct json_object *perm = fixture("apicurio_permanent_409.json");
        struct vec reasons = VEC_INIT;
        struct subject *s = NULL;
        struct err e = {0};
        char *level = NULL;
        bool ok = true;

        cr_assert_eq(ccompat_parse_config(put, &level, &e), 0, "extra \"normalize\" is ignored");
        cr_assert_str_eq(level, "FULL_TRANSITIVE");
        cr_assert_eq(ccompat_parse_check(check, &ok, &reasons, &e), 0);
        cr_assert_not(ok);
        cr_assert_eq(reasons.len, 0, "Apicurio gives no reasons even with verbose=true");
        cr_assert_eq(ccompat_parse_version(proto, "probe.proto-value", &s, &e), 0);
        cr_assert_eq(s->type, SCHEMA_PROTOBUF);
        cr_assert(str_ends_with(s->schema, "message V { string id = 1; }\n"));
        ccompat_http_error(409, perm, NULL, &e);
        cr_assert_eq(e.kind, ERR_INVALID);
        cr_assert_eq(ccompat_error_code(perm), 40405);
        free(level);
        subject_free(s);
        vec_release(&reasons, free);
        json_object_put(put);
        json_object_put(check);
        json_object_put(proto);
        json_object_put(perm);
}

Test(ccompat, schema_body_with_references)
{
        struct subject *s = subject_new("x", SCHEMA_AVRO, "{}");
        char *body;

        subject_add_ref(s, "acme.Money", "acme.Money", 3);
        body = ccompat_schema_body_refs(s->type, s->schema, &s->refs);
        cr_assert_str_eq(body,
                         "{\"schema\":\"{}\",\"references\":[{\"name\":\"acme.Money\",\"subject\":"
                         "\"acme.Money\",\"version\":3}],\"schemaType\":\"AVRO\"}");
        free(body);
        subject_free(s);
}

Test(ccompat, version_references_are_read)
{
        const char *text = "{\"subject\":\"s\",\"version\":2,\"id\":7,\"schema\":\"{}\","
                           "\"references\":[{\"name\":\"n\",\"subject\":\"m\",\"version\":4}]}";
        struct json_object *j = ccompat_parse(text, strlen(text));
        struct subject *s = NULL;
        struct err e = {0};
        const struct schema_ref *r;

        cr_assert_eq(ccompat_parse_version(j, "s", &s, &e), 0);
        cr_assert_eq(s->refs.len, 1);
        r = s->refs.items[0];
        cr_assert_str_eq(r->name, "n");
        cr_assert_str_eq(r->subject, "m");
        cr_assert_eq(r->version, 4);
        subject_free(s);
        json_object_put(j);
}
