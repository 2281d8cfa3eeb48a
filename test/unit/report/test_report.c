#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pkg/base/buf.h"
#include "pkg/report/report.h"

static void fill(struct report *r)
{
        struct usage_topic *t;
        struct usage_group *g;

        report_init(r);
        cr_assert_eq(report_add_owner(r, 'T', "acme.shop.", "User:acme.shop"), 0);
        cr_assert_eq(report_add_owner(r, 'T', "acme.", "User:acme"), 0);
        cr_assert_eq(report_add_owner(r, 'G', "acme.ops.", "User:acme.ops"), 0);
        t = report_add_topic(r, "acme.shop._public.orders");
        t->domain = report_domain_of(r, 'T', t->topic);
        t->partitions = 3;
        t->replication = 2;
        t->bytes = 2000;
        t->leader_bytes = 1000;
        t = report_add_topic(r, "acme.shop._private.x,y");
        t->domain = report_domain_of(r, 'T', t->topic);
        t->partitions = 1;
        t->replication = 1;
        t->bytes = 5;
        t->leader_bytes = 5;
        t = report_add_topic(r, "loose");
        t->partitions = 1;
        t->replication = 1;
        g = report_add_group(r, "acme.shop._public.orders", "acme.ops.billing");
        g->domain = report_domain_of(r, 'G', g->group);
        g->principal = strdup(report_owner(r, 'G', g->group)->principal);
        g->topic_domain = strdup("acme.shop");
        g->state = strdup("Stable");
        g->partitions = 3;
        g->lag = 42;
        report_sort(r);
}

Test(report, longest_owner_prefix_wins)
{
        struct report r;
        char *d;

        fill(&r);
        d = report_domain_of(&r, 'T', "acme.shop.x");
        cr_assert_str_eq(d, "acme.shop");
        free(d);
        d = report_domain_of(&r, 'T', "acme.other.x");
        cr_assert_str_eq(d, "acme");
        free(d);
        /* "acme.shopping" is not "acme.shop.": prefixes end with a dot */
        d = report_domain_of(&r, 'T', "acme.shopping.x");
        cr_assert_str_eq(d, "acme");
        free(d);
        cr_assert_null(report_domain_of(&r, 'G', "other.group"));
        report_release(&r);
}

Test(report, access_level_segment_when_no_owner)
{
        struct report r;
        char *d;

        report_init(&r);
        d = report_domain_of(&r, 'T', "x.y._protected.t");
        cr_assert_str_eq(d, "x.y");
        free(d);
        cr_assert_null(report_domain_of(&r, 'T', "_public.t"));
        cr_assert_null(report_domain_of(&r, 'T', "plain"));
        report_release(&r);
}

Test(report, storage_csv_quotes_and_totals_json)
{
        struct json_object *root, *domains, *d;
        struct report r;
        struct buf b;

        fill(&r);
        buf_init(&b, 1 << 16);
        cr_assert_eq(report_render_storage(&r, REPORT_CSV, &b), 0);
        buf_putc(&b, '\0');
        cr_assert_str_eq((char *)b.data,
                         "domain,topic,partitions,replication_factor,bytes,leader_bytes\n"
                         ",loose,1,1,0,0\n"
                         "acme.shop,\"acme.shop._private.x,y\",1,1,5,5\n"
                         "acme.shop,acme.shop._public.orders,3,2,2000,1000\n");
        buf_reset(&b);
        cr_assert_eq(report_render_storage(&r, REPORT_JSON, &b), 0);
        buf_putc(&b, '\0');
        root = json_tokener_parse((char *)b.data);
        cr_assert_not_null(root);
        cr_assert(json_object_object_get_ex(root, "domains", &domains));
        cr_assert_eq(json_object_array_length(domains), 2);
        d = json_object_array_get_idx(domains, 1); /* unknown domain (null) sorts first */
        cr_assert_str_eq(json_object_get_string(json_object_object_get(d, "domain")), "acme.shop");
        cr_assert_eq(json_object_get_int(json_object_object_get(d, "topics")), 2);
        cr_assert_eq(json_object_get_int64(json_object_object_get(d, "bytes")), 2005);
        cr_assert_eq(json_object_get_int64(json_object_object_get(d, "leaderBytes")), 1005);
        json_object_put(root);
        buf_reset(&b);
        cr_assert_eq(report_render_storage(&r, REPORT_TEXT, &b), 0);
        buf_putc(&b, '\0');
        cr_assert(strstr((char *)b.data, "acme.shop"), "%s", (char *)b.data);
        buf_release(&b);
        report_release(&r);
}

Test(report, consumption_rows)
{
        struct report r;
        struct buf b;

        fill(&r);
        buf_init(&b, 1 << 16);
        cr_assert_eq(report_render_consumption(&r, REPORT_CSV, &b), 0);
        buf_putc(&b, '\0');
        cr_assert_str_eq((char *)b.data,
                         "topic,topic_domain,group,consumer_domain,principal,state,partitions,lag\n"
                         "acme.shop._public.orders,acme.shop,acme.ops.billing,acme.ops,"
                         "User:acme.ops,Stable,3,42\n");
        buf_reset(&b);
        cr_assert_eq(report_render_consumption(&r, REPORT_JSON, &b), 0);
        buf_putc(&b, '\0');
        cr_assert(strstr((char *)b.data, "\"consumerDomain\": \"acme.ops\""), "%s", (char *)b.data);
        cr_assert(strstr((char *)b.data, "\"lag\": 42"), "%s", (char *)b.data);
        buf_release(&b);
        report_release(&r);
}

Test(report, format_names)
{
        cr_assert_eq(report_format_parse("text"), REPORT_TEXT);
        cr_assert_eq(report_format_parse("json"), REPORT_JSON);
        cr_assert_eq(report_format_parse("csv"), REPORT_CSV);
        cr_assert_eq(report_format_parse("yaml"), -1);
}
