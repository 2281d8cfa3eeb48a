#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/asyncapi.h"
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
