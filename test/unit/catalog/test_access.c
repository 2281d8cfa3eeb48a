#include "pkg/catalog/access.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pkg/yaml/diag.h"
#include "pkg/catalog/catalog.h"

#define SALES "acme.sales._protected.orders"

/* A DataProduct in `ns` owning `id`, producing one protected and one public channel; `tags`
 * go on the protected one. */
static void add(struct catalog *c, const char *ns, const char *id, const char *tags)
{
        char doc[2048];
        struct diags d;

        snprintf(doc, sizeof(doc),
                 "apiVersion: specmesh.io/v1alpha1\nkind: DataProduct\n"
                 "metadata: {name: p, namespace: %s}\n"
                 "spec:\n  asyncapi:\n    asyncapi: '2.5.0'\n    id: '%s'\n"
                 "    info: {title: t, version: '1'}\n    channels:\n"
                 "      _protected/orders:\n        publish:\n          tags: [%s]\n"
                 "          message: {payload: {type: string}}\n"
                 "      _public/prices:\n        publish:\n"
                 "          message: {payload: {type: string}}\n"
                 "      _private/raw:\n        publish:\n"
                 "          message: {payload: {type: string}}\n",
                 ns, id, tags);
        diags_init(&d);
        cr_assert_eq(catalog_add(c, id, doc, strlen(doc), NULL, &d), 0, "%s", doc);
        diags_release(&d);
}

static enum access_phase decide(const char *sales_tags, const char *ns, const char *topic,
                                const char *domain, enum access_phase previous, char *why)
{
        struct catalog c;
        struct access_request r = {ns, topic, domain, previous};
        enum access_phase p;

        catalog_init(&c);
        add(&c, "sales", "urn:acme:sales", sales_tags);
        add(&c, "shipping", "urn:acme:shipping", "");
        catalog_sort(&c);
        p = access_decide(&c, &r, why, 256);
        catalog_release(&c);
        return p;
}

Test(access, the_flow_pending_granted_revoked)
{
        char why[256];

        cr_assert_eq(decide("", "shipping", SALES, "acme.shipping", ACCESS_PENDING, why),
                     ACCESS_PENDING);
        cr_assert_str_eq(why, "waiting for acme.sales to add grant-access:acme.shipping to the "
                              "channel");
        cr_assert_eq(decide("{name: 'grant-access:acme.shipping'}", "shipping", SALES,
                            "acme.shipping", ACCESS_PENDING, why),
                     ACCESS_GRANTED);
        cr_assert_eq(decide("", "shipping", SALES, "acme.shipping", ACCESS_GRANTED, why),
                     ACCESS_REVOKED);
        cr_assert_eq(decide("", "shipping", SALES, "acme.shipping", ACCESS_REVOKED, why),
                     ACCESS_REVOKED);
        cr_assert_eq(decide("{name: 'grant-access:acme.shipping'}", "shipping", SALES,
                            "acme.shipping", ACCESS_REVOKED, why),
                     ACCESS_GRANTED, "granted again");
        cr_assert_str_eq(access_phase_str(ACCESS_REVOKED), "Revoked");
}

Test(access, denied_by_the_owner)
{
        char why[256];

        cr_assert_eq(decide("{name: 'deny-access:acme.shipping'}", "shipping", SALES,
                            "acme.shipping", ACCESS_PENDING, why),
                     ACCESS_DENIED);
        cr_assert_str_eq(why, "acme.sales refuses acme.shipping (deny-access tag)");
}

Test(access, what_cannot_be_requested)
{
        char why[256];

        cr_assert_eq(decide("", "shipping", "acme.sales._public.prices", "acme.shipping",
                            ACCESS_PENDING, why),
                     ACCESS_INVALID);
        cr_assert_not_null(strstr(why, "public topic needs no request"));
        cr_assert_eq(
            decide("", "shipping", "acme.sales._private.raw", "acme.shipping", ACCESS_PENDING, why),
            ACCESS_INVALID);
        cr_assert_str_eq(why, "a private topic cannot be requested");
        cr_assert_eq(
            decide("", "shipping", "other.x._protected.y", "acme.shipping", ACCESS_PENDING, why),
            ACCESS_INVALID);
        cr_assert_str_eq(why, "no data product provides this topic");
        /* a request from a namespace that does not own the requesting domain */
        cr_assert_eq(decide("", "sales", SALES, "acme.shipping", ACCESS_PENDING, why),
                     ACCESS_INVALID);
        cr_assert_not_null(strstr(why, "not owned by a DataProduct in this namespace"));
        cr_assert_eq(decide("", "sales", SALES, "acme.sales", ACCESS_PENDING, why), ACCESS_INVALID);
        cr_assert_eq(decide("", "shipping", "", "acme.shipping", ACCESS_PENDING, why),
                     ACCESS_INVALID);
}

Test(access, deny_tags_are_not_shown_as_tags)
{
        struct catalog c;
        const struct cat_topic *t;

        catalog_init(&c);
        add(&c, "sales", "urn:acme:sales", "{name: 'deny-access:acme.x'}, {name: ok}");
        t = catalog_topic(&c, SALES, NULL);
        cr_assert_eq(t->tags.len, 1);
        cr_assert_str_eq(t->tags.items[0], "ok");
        cr_assert_eq(t->denied.len, 1);
        cr_assert_str_eq(t->denied.items[0], "acme.x");
        catalog_release(&c);
}
