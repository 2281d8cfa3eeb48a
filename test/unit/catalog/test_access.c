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

/* The owner's status.accessRequests: only its own Pending requests, sorted; none: absent. */
Test(access, the_owners_pending_list)
{
        struct catalog c;
        const struct cat_product *sales, *eu, *shipping;
        const struct access_entry e[] = {
            {"shipping", "b", SALES, "acme.shipping", "forecasts", ACCESS_PENDING},
            {"shipping", "a", SALES, "acme.shipping", NULL, ACCESS_PENDING},
            {"shipping", "granted", SALES, "acme.shipping", NULL, ACCESS_GRANTED},
            {"shipping", "denied", SALES, "acme.shipping", NULL, ACCESS_DENIED},
            {"shipping", "invalid", "acme.sales._private.raw", "acme.shipping", NULL,
             ACCESS_PENDING},
            {"shipping", "eu", "acme.sales.eu._protected.orders", "acme.shipping", NULL,
             ACCESS_PENDING},
            {"shipping", "no-topic", NULL, "acme.shipping", NULL, ACCESS_PENDING},
        };
        json_object *l;

        catalog_init(&c);
        add(&c, "sales", "urn:acme:sales", "");
        add(&c, "sales-eu", "urn:acme:sales:eu", "");
        add(&c, "shipping", "urn:acme:shipping", "");
        catalog_sort(&c);
        sales = catalog_find(&c, "acme.sales");
        eu = catalog_find(&c, "acme.sales.eu");
        shipping = catalog_find(&c, "acme.shipping");
        cr_assert(sales && eu && shipping);

        l = access_pending_list(&c, sales, e, sizeof(e) / sizeof(e[0]));
        cr_assert_str_eq(json_object_to_json_string_ext(l, JSON_C_TO_STRING_PLAIN),
                         "[{\"namespace\":\"shipping\",\"name\":\"a\",\"topic\":\"" SALES
                         "\",\"domain\":\"acme.shipping\"},"
                         "{\"namespace\":\"shipping\",\"name\":\"b\",\"topic\":\"" SALES
                         "\",\"domain\":\"acme.shipping\",\"purpose\":\"forecasts\"}]",
                         "only its own Pending requests, by name; not a sub-domain's");
        json_object_put(l);
        l = access_pending_list(&c, eu, e, sizeof(e) / sizeof(e[0]));
        cr_assert_eq(json_object_array_length(l), 1, "the sub-domain's own request");
        cr_assert_str_eq(
            json_object_get_string(json_object_object_get(json_object_array_get_idx(l, 0), "name")),
            "eu");
        json_object_put(l);
        cr_assert_null(access_pending_list(&c, shipping, e, sizeof(e) / sizeof(e[0])),
                       "no requests: no list");
        cr_assert_null(access_pending_list(&c, sales, NULL, 0));
        cr_assert_null(access_pending_list(&c, NULL, e, 1));
        catalog_release(&c);
}

/* A DataProduct `name` in `ns` claiming `id` whose claim the operator refused (`reason`). */
static void add_refused(struct catalog *c, const char *ns, const char *name, const char *id,
                        const char *tags, const char *reason)
{
        char doc[2048];
        struct diags d;

        snprintf(doc, sizeof(doc),
                 "apiVersion: specmesh.io/v1alpha1\nkind: DataProduct\n"
                 "metadata: {name: %s, namespace: %s}\n"
                 "spec:\n  asyncapi:\n    asyncapi: '2.5.0'\n    id: '%s'\n"
                 "    info: {title: t, version: '1'}\n    channels:\n"
                 "      _protected/orders:\n        publish:\n          tags: [%s]\n"
                 "          message: {payload: {type: string}}\n"
                 "status:\n  conditions:\n"
                 "    - {type: Ready, status: 'False', reason: %s, message: no}\n",
                 name, ns, id, tags, reason);
        diags_init(&d);
        cr_assert_eq(catalog_add(c, name, doc, strlen(doc), NULL, &d), 0, "%s", doc);
        diags_release(&d);
}

/* Who may ask and who answers: only DataProducts whose claim the operator accepted. */
Test(access, a_refused_claim_neither_asks_nor_grants)
{
        static const char *const reasons[] = {"DomainConflict", "PolicyViolation"};

        for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
                struct catalog c;
                char why[256];
                struct access_request r = {"evil", SALES, "acme.shipping", ACCESS_PENDING};
                const struct cat_product *owner = NULL;

                catalog_init(&c);
                add(&c, "sales", "urn:acme:sales", "");
                add(&c, "shipping", "urn:acme:shipping", "");
                /* a squatter in namespace evil: claims sales' domain and grants itself, and
                 * claims shipping's domain to ask in its name */
                add_refused(&c, "evil", "squat-sales", "urn:acme:sales",
                            "{name: 'grant-access:acme.shipping'}", reasons[i]);
                add_refused(&c, "evil", "squat-shipping", "urn:acme:shipping", "", reasons[i]);
                catalog_sort(&c);
                cr_assert_str_eq(catalog_find(&c, "acme.sales")->ns, "sales",
                                 "the catalogue's product for the domain is its owner");
                cr_assert_not_null(access_topic(&c, SALES, &owner));
                cr_assert_str_eq(owner->ns, "sales",
                                 "the accepted owner's topic, not the squatter's");
                cr_assert_eq(access_decide(&c, &r, why, sizeof(why)), ACCESS_INVALID, "%s",
                             reasons[i]);
                cr_assert_str_eq(why, "the requesting domain is not owned by a DataProduct in this "
                                      "namespace");
                r.ns = "shipping";
                cr_assert_eq(access_decide(&c, &r, why, sizeof(why)), ACCESS_PENDING,
                             "the squatter's grant tag grants nothing: %s", why);
                catalog_release(&c);
        }
}
