#include "pkg/catalog/catalog.h"

#include <criterion/criterion.h>
#include <string.h>
#include <json-c/json.h>

#include "pkg/yaml/diag.h"
#include "pkg/base/buf.h"

#define EXAMPLES FIXTURES_DIR "/../../examples"

static void load(struct catalog *c, const char *path)
{
        struct diags d;

        diags_init(&d);
        cr_assert_eq(catalog_add_file(c, path, &d), 0, "%s", path);
        cr_assert_eq(d.items.len, 0);
        diags_release(&d);
}

static void load_examples(struct catalog *c)
{
        catalog_init(c);
        load(c, EXAMPLES "/bigdatalondon/asyncapi.yaml");
        load(c, EXAMPLES "/transport/asyncapi.yaml");
        load(c, EXAMPLES "/heathrow/asyncapi.yaml");
        catalog_sort(c);
}

Test(catalog, examples_model)
{
        struct catalog c;
        const struct cat_product *p, *owner = NULL;
        const struct cat_topic *t;

        load_examples(&c);
        cr_assert_eq(c.products.len, 3);
        p = catalog_find(&c, "london.hammersmith.olympia.bigdatalondon");
        cr_assert_not_null(p);
        cr_assert_str_eq(p->title, "BigDataLondon API");
        cr_assert_str_eq(p->principal, "User:london.hammersmith.olympia.bigdatalondon");
        cr_assert_eq(p->ready, -1);
        /* the private ticket-scans topic is never listed */
        cr_assert_eq(p->topics.len, 2);
        t = catalog_topic(&c, "london.hammersmith.olympia.bigdatalondon._public.attendee", &owner);
        cr_assert_not_null(t);
        cr_assert_eq(owner, p);
        cr_assert_eq(t->partitions, 3);
        cr_assert_eq(t->tags.len, 2);
        cr_assert_str_eq(t->tags.items[0], "human");
        cr_assert_str_eq(t->messages.items[0], "Human");
        cr_assert_str_eq(t->subject,
                         "london.hammersmith.olympia.bigdatalondon._public.attendee-value");
        cr_assert_str_eq(t->schema_type, "AVRO");
        cr_assert_not_null(strstr(t->schema, "Attendee"));
        t = catalog_topic(&c, "london.hammersmith.olympia.bigdatalondon._protected.retail.purchase",
                          NULL);
        cr_assert_eq(t->readers.len, 1);
        cr_assert_str_eq(t->readers.items[0], "london.hammersmith.transport");
        cr_assert_eq(t->tags.len, 0, "grant tags are readers, not tags");
        cr_assert_null(catalog_topic(
            &c, "london.hammersmith.olympia.bigdatalondon._private.ticket-scans", NULL));
        /* 3.0: message names from the channel's message keys */
        t = catalog_topic(&c, "london.heathrow.transport._public.airport", NULL);
        cr_assert_not_null(t);
        cr_assert_str_eq(t->messages.items[0], "flight");
        p = catalog_find(&c, "london.heathrow.transport");
        cr_assert_eq(p->consumes.len, 1);
        catalog_release(&c);
}

Test(catalog, search)
{
        struct catalog c;
        const struct cat_product *p;

        load_examples(&c);
        p = catalog_find(&c, "london.hammersmith.olympia.bigdatalondon");
        cr_assert(cat_product_matches(p, "HUMAN", NULL));
        cr_assert(cat_product_matches(p, NULL, "retailers"));
        cr_assert(cat_product_matches(p, "human", "attendee"));
        cr_assert_not(cat_product_matches(p, "human", "heathrow"));
        cr_assert_not(
            cat_product_matches(catalog_find(&c, "london.heathrow.transport"), "human", NULL));
        cr_assert(cat_product_matches(catalog_find(&c, "london.heathrow.transport"), NULL, NULL));
        catalog_release(&c);
}

Test(catalog, json_filters_and_parses)
{
        struct catalog c;
        struct buf out;
        json_object *o, *list;

        load_examples(&c);
        buf_init(&out, 1u << 24);
        cr_assert_eq(catalog_render_json(&c, "human", NULL, &out), 0);
        o = json_tokener_parse(out.data);
        cr_assert_not_null(o);
        cr_assert(json_object_object_get_ex(o, "products", &list));
        cr_assert_eq(json_object_array_length(list), 1);
        json_object_put(o);
        buf_release(&out);
        catalog_release(&c);
}

Test(catalog, manifest_with_status)
{
        static const char dp[] =
            "{\"apiVersion\":\"specmesh.io/v1alpha1\",\"kind\":\"DataProduct\","
            "\"metadata\":{\"name\":\"tube\",\"namespace\":\"transport\",\"generation\":2},"
            "\"spec\":{\"asyncapi\":{\"asyncapi\":\"2.5.0\",\"id\":\"urn:a:b\","
            "\"info\":{\"title\":\"T\",\"version\":\"1\"},\"channels\":{\"_public/x\":"
            "{\"publish\":{\"message\":{\"payload\":{\"type\":\"string\"}}}}}}},"
            "\"status\":{\"observedGeneration\":2,\"conditions\":[{\"type\":\"Ready\",\"status\":"
            "\"True\"}],"
            "\"subjects\":[{\"name\":\"a.b._public.x-value\",\"version\":3,\"id\":7}]}}";
        struct catalog c;
        struct diags d;
        const struct cat_product *p;

        catalog_init(&c);
        diags_init(&d);
        cr_assert_eq(catalog_add(&c, "dp", dp, strlen(dp), NULL, &d), 0);
        p = c.products.items[0];
        cr_assert_str_eq(p->ns, "transport");
        cr_assert_str_eq(p->name, "tube");
        cr_assert_eq(p->ready, 1);
        cr_assert(p->current, "observedGeneration == generation");
        cr_assert_eq(p->topics.len, 1);
        cr_assert_str_eq(((struct cat_topic *)p->topics.items[0])->subject, "a.b._public.x-value");
        cr_assert_eq(((struct cat_topic *)p->topics.items[0])->version, 3,
                     "the registry's version");
        cr_assert(catalog_is_spec("dp", dp, strlen(dp)));
        cr_assert_not(catalog_is_spec("s", "{\"type\":\"record\"}", 17));
        diags_release(&d);
        catalog_release(&c);
}

Test(catalog, invalid_spec_adds_nothing)
{
        static const char bad[] = "asyncapi: '2.5.0'\nid: 'not-a-urn'\n";
        struct catalog c;
        struct diags d;

        catalog_init(&c);
        diags_init(&d);
        cr_assert_eq(catalog_add(&c, "bad.yaml", bad, strlen(bad), NULL, &d), -1);
        cr_assert_gt(d.items.len, 0);
        cr_assert_eq(c.products.len, 0);
        diags_release(&d);
        catalog_release(&c);
}
