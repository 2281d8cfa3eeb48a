#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/yaml/diag.h"
#include "pkg/asyncapi/internal.h"
#include "pkg/model/model.h"

#define T "acme.shop._public.orders"

static struct product *load(const char *text, struct diags *d)
{
        diags_init(d);
        return asyncapi_load_buffer("mem.yaml", text, strlen(text), NULL, NULL, d);
}

/* A one-channel document whose message has `msg` (YAML flow mapping body). */
static struct product *load_msg(const char *extra, const char *msg, struct diags *d)
{
        char doc[2048];

        snprintf(doc, sizeof(doc),
                 "asyncapi: 2.6.0\nid: urn:acme:shop\n%s"
                 "components:\n  schemas:\n    Id: {type: integer}\n"
                 "    Key: {type: object, properties: {id: {type: string}}}\n"
                 "channels:\n  _public/orders:\n    publish:\n      message: {%s}\n",
                 extra, msg);
        return load(doc, d);
}

Test(schemakind, primitive_keys_get_no_json_subject)
{
        static const char *keys[] = {"{type: long}", "{type: string}", "{type: integer}",
                                     "{$ref: '#/components/schemas/Id'}"};

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                char msg[256];
                struct diags d;
                struct product *p;

                snprintf(msg, sizeof(msg), "payload: {type: object}, bindings: {kafka: {key: %s}}",
                         keys[i]);
                p = load_msg("", msg, &d);
                cr_assert_not_null(p, "%s", keys[i]);
                cr_assert_null(product_subject(p, T "-key"), "%s", keys[i]);
                cr_assert_not_null(product_subject(p, T "-value"));
                product_free(p);
                diags_release(&d);
        }
}

Test(schemakind, object_keys_keep_their_subject)
{
        struct diags d;
        struct product *p =
            load_msg("", "bindings: {kafka: {key: {$ref: '#/components/schemas/Key'}}}", &d);
        const struct subject *s;

        cr_assert_not_null(p);
        s = product_subject(p, T "-key");
        cr_assert_not_null(s);
        cr_assert_eq(s->type, SCHEMA_JSON);
        product_free(p);
        diags_release(&d);
}

Test(schemakind, avro_primitive_keys_are_avro_subjects)
{
        struct diags d;
        struct product *p = load_msg("",
                                     "schemaFormat: 'application/vnd.apache.avro;version=1.9.0', "
                                     "bindings: {kafka: {key: {type: long}}}",
                                     &d);
        const struct subject *s;

        cr_assert_not_null(p);
        s = product_subject(p, T "-key");
        cr_assert_not_null(s, "an Avro message's primitive key is an Avro primitive");
        cr_assert_eq(s->type, SCHEMA_AVRO);
        cr_assert_str_eq(s->schema, "{\"type\":\"long\"}");
        product_free(p);
        diags_release(&d);
}

Test(schemakind, inline_schemas_can_be_switched_off)
{
        const char *doc = "apiVersion: specmesh.io/v1alpha1\nkind: DataProduct\n"
                          "metadata: {name: shop}\nspec:\n"
                          "  schemas:\n    /s/k.json: '{\"type\":\"object\"}'\n"
                          "  asyncapi:\n    asyncapi: 2.5.0\n    id: urn:acme:shop\n"
                          "    x-specmesh-inline-schemas: false\n    channels:\n"
                          "      _public/orders:\n        publish:\n          message:\n"
                          "            bindings: {kafka: {key: {$ref: /s/k.json}}}\n"
                          "            payload: {type: object}\n";
        struct diags d;
        struct product *p = load(doc, &d);

        cr_assert_not_null(p);
        cr_assert_null(product_subject(p, T "-value"), "the inline payload is not registered");
        cr_assert_not_null(product_subject(p, T "-key"), "the file schema still is");
        cr_assert_eq(p->subjects.len, 1);
        product_free(p);
        diags_release(&d);
}

Test(schemakind, inline_switch_must_be_a_boolean)
{
        struct diags d;
        struct product *p =
            load_msg("x-specmesh-inline-schemas: no\n", "payload: {type: object}", &d);

        cr_assert_null(p);
        cr_assert_geq(d.items.len, 1);
        product_free(p);
        diags_release(&d);
}

static const struct subject *subject(const struct product *p, const char *name)
{
        const struct subject *s = product_subject(p, name);

        cr_assert_not_null(s, "no subject %s", name);
        return s;
}

static void assert_ref(const struct subject *s, size_t i, const char *name, const char *sub)
{
        const struct schema_ref *r;

        cr_assert_gt(s->refs.len, i, "%s: %zu references", s->name, s->refs.len);
        r = s->refs.items[i];
        cr_assert_str_eq(r->name, name);
        cr_assert_str_eq(r->subject, sub);
        cr_assert_eq(r->version, 0);
}

Test(schemarefs, referenced_files_become_subjects_inside_the_domain)
{
        struct diags d;
        struct product *p;
        const struct subject *s;

        diags_init(&d);
        p = asyncapi_load_file(FIXTURES_DIR "/asyncapi/refs/asyncapi.yaml", NULL, &d);
        cr_assert_not_null(p, "%zu diagnostics", d.items.len);
        s = subject(p, "acme.pay._public.payments-value");
        cr_assert_eq(s->refs.len, 2, "Kind is defined inline: not a reference");
        assert_ref(s, 0, "acme.pay.Money", "acme.pay._public.Money");
        assert_ref(s, 1, "common.Address", "acme.pay._public.common.Address");
        assert_ref(subject(p, "acme.pay._public.refunds-value"), 0, "acme.pay.Money",
                   "acme.pay._public.Money");
        s = subject(p, "acme.pay._public.Money");
        cr_assert_eq(s->type, SCHEMA_AVRO);
        cr_assert_str_eq(s->compatibility, "FULL_TRANSITIVE",
                         "payments says NONE, refunds the default: the strictest wins");
        cr_assert_str_eq(subject(p, "acme.pay._public.common.Address")->compatibility, "NONE",
                         "used by payments only");
        cr_assert_eq(subject(p, "acme.pay._public.common.Address")->refs.len, 0);
        assert_ref(subject(p, "acme.pay._public.orders-value"), 0, "address.json",
                   "acme.pay._public.address.json");
        cr_assert_eq(subject(p, "acme.pay._public.address.json")->type, SCHEMA_JSON);
        assert_ref(subject(p, "acme.pay._public.events-value"), 0, "money.proto",
                   "acme.pay._public.money.proto");
        cr_assert_eq(subject(p, "acme.pay._public.money.proto")->type, SCHEMA_PROTOBUF);
        cr_assert_eq(p->subjects.len, 8);
        product_free(p);
        diags_release(&d);
}

Test(schemarefs, paths_that_leave_the_spec_directory_are_refused)
{
        const char *why;
        char *ok = schema_ref_join("/schema/a.json", "b/c.json", &why);

        cr_assert_str_eq(ok, "/schema/b/c.json");
        free(ok);
        ok = schema_ref_join("a.json", "c.json", &why);
        cr_assert_str_eq(ok, "c.json");
        free(ok);
        cr_assert_null(schema_ref_join("/schema/a.json", "../etc/passwd", &why));
        cr_assert_not_null(why);
        cr_assert_null(schema_ref_join("/schema/a.json", "x/../../y.json", &why));
        cr_assert_null(schema_ref_join("/schema/a.json", "x/..", &why));
        cr_assert_null(schema_ref_join("/schema/a.json", "http://evil/x.json", &why));
        cr_assert_null(schema_ref_join("/schema/a.json", "C:\\x.json", &why));
        ok = schema_ref_join("/schema/a.json", "..x.json", &why);
        cr_assert_str_eq(ok, "/schema/..x.json", "a name starting with dots is fine");
        free(ok);
}

Test(schemarefs, a_manifest_reference_outside_is_an_error_naming_the_field)
{
        const char *doc = "apiVersion: specmesh.io/v1alpha1\nkind: DataProduct\n"
                          "metadata: {name: shop}\nspec:\n"
                          "  schemas:\n    /s/o.json: '{\"type\":\"object\",\"properties\":{\"a\":"
                          "{\"$ref\":\"../../etc/passwd\"}}}'\n"
                          "  asyncapi:\n    asyncapi: 2.5.0\n    id: urn:acme:shop\n    channels:\n"
                          "      _public/orders:\n        publish:\n          message:\n"
                          "            payload: {$ref: /s/o.json}\n";
        struct diags d;
        struct product *p;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        diags_init(&d);
        p = asyncapi_load_buffer("mem.yaml", doc, strlen(doc), NULL, NULL, &d);
        cr_assert_null(p);
        diags_print(&d, f);
        fclose(f);
        cr_assert(strstr(text, "may not contain '..'"), "%s", text);
        cr_assert(strstr(text, "message.payload"), "%s", text);
        free(text);
        diags_release(&d);
}
