#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/asyncapi/export.h"
#include "pkg/base/buf.h"
#include "pkg/model/model.h"

#define BDL "london.hammersmith.olympia.bigdatalondon"

static struct product *load(const char *text, struct diags *d)
{
        diags_init(d);
        return asyncapi_load_buffer("mem.yaml", text, strlen(text), NULL, NULL, d);
}

static bool has_acl(const struct product *p, enum acl_resource r, const char *name,
                    enum acl_pattern pat, const char *principal, enum acl_op op)
{
        for (size_t i = 0; i < p->acls.len; i++) {
                const struct acl *a = p->acls.items[i];
                if (a->resource == r && !strcmp(a->name, name) && a->pattern == pat &&
                    !strcmp(a->principal, principal) && a->op == op && a->perm == ACL_PERM_ALLOW &&
                    !strcmp(a->host, "*"))
                        return true;
        }
        return false;
}

Test(asyncapi, bigdatalondon_as_the_talk_describes_it)
{
        struct diags d;
        struct product *p;
        const struct topic *t;

        diags_init(&d);
        p = asyncapi_load_file(FIXTURES_DIR "/asyncapi/bigdatalondon/asyncapi.yaml", NULL, &d);
        cr_assert_not_null(p, "%zu diagnostics", d.items.len);
        cr_assert_str_eq(p->domain, BDL);
        cr_assert_str_eq(p->principal, "User:" BDL);
        cr_assert_eq(p->topics.len, 3);
        t = product_topic(p, BDL "._protected.retail.purchase");
        cr_assert_not_null(t);
        cr_assert_eq(t->partitions, 6);
        cr_assert_eq(t->access, ACCESS_PROTECTED);
        cr_assert_str_eq(topic_config(t, "retention.ms"), "2592000000");
        cr_assert_eq(t->grants.len, 1);
        t = product_topic(p, BDL "._public.attendee");
        cr_assert_eq(t->partitions, 3);
        cr_assert_str_eq(topic_config(t, "cleanup.policy"), "delete");
        cr_assert_eq(p->acls.len, 14);
        cr_assert(has_acl(p, ACL_RES_TOPIC, BDL ".", ACL_PAT_PREFIXED, "User:" BDL, ACL_OP_WRITE));
        cr_assert(has_acl(p, ACL_RES_TOPIC, BDL "._private.", ACL_PAT_PREFIXED, "User:" BDL,
                          ACL_OP_CREATE));
        cr_assert(has_acl(p, ACL_RES_TRANSACTIONAL_ID, BDL ".", ACL_PAT_PREFIXED, "User:" BDL,
                          ACL_OP_WRITE));
        cr_assert(has_acl(p, ACL_RES_CLUSTER, "kafka-cluster", ACL_PAT_LITERAL, "User:" BDL,
                          ACL_OP_IDEMPOTENT_WRITE));
        cr_assert(
            has_acl(p, ACL_RES_TOPIC, BDL "._public.", ACL_PAT_PREFIXED, "User:*", ACL_OP_READ));
        cr_assert(has_acl(p, ACL_RES_TOPIC, BDL "._protected.retail.purchase", ACL_PAT_LITERAL,
                          "User:london.hammersmith.transport", ACL_OP_READ));
        cr_assert_eq(p->subjects.len, 3);
        const struct subject *s = product_subject(p, BDL "._public.attendee-value");
        cr_assert_eq(s->type, SCHEMA_AVRO);
        cr_assert_str_eq(s->compatibility, "FULL_TRANSITIVE");
        cr_assert(strstr(s->schema, "\"Attendee\""));
        cr_assert_eq(product_subject(p, BDL "._private.ticket-scans-value")->type, SCHEMA_JSON);
        cr_assert_eq(p->consumed.len, 1);
        cr_assert_str_eq(p->consumed.items[0], "london.hammersmith.transport._public.tube");
        product_free(p);
        diags_release(&d);
}

Test(asyncapi, v3_operations_and_addresses)
{
        struct diags d;
        struct product *p;

        diags_init(&d);
        p = asyncapi_load_file(FIXTURES_DIR "/asyncapi/v3-heathrow.yaml", NULL, &d);
        cr_assert_not_null(p);
        cr_assert_eq(p->topics.len, 1, "the received channel is another domain's");
        cr_assert_not_null(product_topic(p, "london.heathrow.transport._public.airport"));
        cr_assert_eq(p->subjects.len, 1);
        cr_assert_str_eq(p->consumed.items[0], BDL "._protected.retail.purchase");
        product_free(p);
        diags_release(&d);
}

Test(asyncapi, json_and_topic_name_rules)
{
        const char *doc =
            "{\"asyncapi\": \"2.6.0\", \"id\": \"urn:acme:shop\", \"channels\": {"
            "\"/acme/shop/_public/legacy\": {\"publish\": {}},"
            "\"acme.shop._private.state\": {\"subscribe\": {}},"
            "\"_public/orders\": {\"publish\": {\"message\": {\"payload\": "
            "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}}}}}},"
            "\"other.domain._public.x\": {\"subscribe\": {}}}}";
        struct diags d;
        struct product *p = load(doc, &d);

        cr_assert_not_null(p);
        cr_assert_not_null(product_topic(p, "acme.shop._public.legacy"),
                           "rule 1: strip '/', '/' -> '.'");
        cr_assert_not_null(product_topic(p, "acme.shop._private.state"), "rule 2: own domain");
        cr_assert_not_null(product_topic(p, "acme.shop._public.orders"), "rule 3: produced");
        cr_assert_null(product_topic(p, "other.domain._public.x"), "rule 4: consumed only");
        cr_assert_str_eq(
            product_subject(p, "acme.shop._public.orders-value")->schema,
            "{\"$schema\":\"http://json-schema.org/draft-07/"
            "schema#\",\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}}");
        product_free(p);
        diags_release(&d);
}

Test(asyncapi, manifest_from_memory_uses_spec_schemas)
{
        const char *doc =
            "apiVersion: specmesh.io/v1alpha1\nkind: DataProduct\n"
            "metadata: {name: shop}\nspec:\n  principal: User:shop-svc\n"
            "  deletionPolicy: Delete\n  quotas: {producerByteRate: 1048576}\n"
            "  schemas:\n    /s/o.avsc: '{\"type\":\"record\",\"name\":\"O\","
            "\"namespace\":\"acme.shop._public\",\"fields\":[]}'\n"
            "  asyncapi:\n    asyncapi: 2.5.0\n    id: urn:acme:shop\n    channels:\n"
            "      _public/orders:\n        publish:\n          message:\n"
            "            bindings: {kafka: {schemaLookupStrategy: RecordNameStrategy}}\n"
            "            payload: {$ref: /s/o.avsc}\n";
        struct diags d;
        struct product *p = load(doc, &d);

        cr_assert_not_null(p, "%zu diagnostics", d.items.len);
        cr_assert_str_eq(p->principal, "User:shop-svc");
        cr_assert_eq(p->deletion, DELETION_DELETE);
        cr_assert_eq(p->quota->values[QUOTA_PRODUCER_BYTE_RATE], 1048576);
        cr_assert_str_eq(p->quota->user, "shop-svc");
        cr_assert_not_null(product_subject(p, "acme.shop._public.O"),
                           "RecordNameStrategy: namespace.name");
        product_free(p);
        diags_release(&d);
}

Test(asyncapi, relative_refs_need_a_base)
{
        const char *doc = "asyncapi: 2.5.0\nid: urn:acme:shop\nchannels:\n  _public/o:\n"
                          "    publish: {message: {payload: {$ref: s/o.avsc}}}\n";
        struct diags d;

        cr_assert_null(load(doc, &d), "the operator has no files to read");
        cr_assert_eq(d.items.len, 1);
        cr_assert(strstr(((struct diag *)d.items.items[0])->msg, "not in spec.schemas"));
        diags_release(&d);
}

Test(asyncapi, aliases_and_deep_nesting_are_refused)
{
        struct buf b;
        struct diags d;

        cr_assert_null(load("a: &x [1]\nb: [*x, *x]\n", &d));
        cr_assert(strstr(((struct diag *)d.items.items[0])->msg, "aliases"));
        diags_release(&d);
        buf_init(&b, 1 << 20);
        for (int i = 0; i < 5000; i++)
                buf_putc(&b, '[');
        cr_assert_null(load(b.data, &d));
        cr_assert(strstr(((struct diag *)d.items.items[0])->msg, "deeper than 64"));
        diags_release(&d);
        buf_release(&b);
}

Test(asyncapi, every_problem_is_reported)
{
        const char *doc = "asyncapi: 2.5.0\nid: urn:acme:shop\nchannels:\n"
                          "  _bad/a: {publish: {}}\n  _public/b c: {publish: {}}\n"
                          "  _public/d: {bindings: {kafka: {partitions: 0}}, publish: {}}\n";
        struct diags d;

        cr_assert_null(load(doc, &d));
        cr_assert_eq(d.items.len, 3);
        cr_assert_eq(((struct diag *)d.items.items[2])->line, 6);
        diags_release(&d);
}

Test(asyncapi, export_reads_back_as_the_same_state)
{
        struct diags d;
        struct product *p, *q;
        char *doc;

        diags_init(&d);
        p = asyncapi_load_file(FIXTURES_DIR "/asyncapi/bigdatalondon/asyncapi.yaml", NULL, &d);
        cr_assert_not_null(p);
        doc = asyncapi_export(p);
        cr_assert_not_null(doc);
        q = asyncapi_load_buffer("export.yaml", doc, strlen(doc), NULL, NULL, &d);
        cr_assert_not_null(q, "%s", doc);
        cr_assert_eq(q->topics.len, p->topics.len);
        cr_assert_eq(q->acls.len, p->acls.len, "grants come back from the tags");
        cr_assert_eq(q->subjects.len, p->subjects.len);
        for (size_t i = 0; i < p->topics.len; i++) {
                const struct topic *a = p->topics.items[i], *b = q->topics.items[i];
                cr_assert_str_eq(a->name, b->name);
                cr_assert_eq(a->partitions, b->partitions);
                cr_assert_eq(a->configs.len, b->configs.len);
        }
        free(doc);
        product_free(p);
        product_free(q);
        diags_release(&d);
}

Test(asyncapi, kafka_binding_form_and_components)
{
        const char *doc =
            "asyncapi: 2.6.0\nid: urn:acme:shop\nchannels:\n  _public/orders:\n"
            "    bindings:\n      kafka:\n        topic: acme.shop._public.orders\n"
            "        partitions: 12\n        replicas: 3\n        topicConfiguration:\n"
            "          cleanup.policy: [delete, compact]\n          retention.ms: 604800000\n"
            "    publish:\n      message: {$ref: '#/components/messages/Order'}\n"
            "components:\n  messages:\n    Order:\n      payload: {$ref: "
            "'#/components/schemas/O'}\n"
            "  schemas:\n    O: {type: object, properties: {id: {type: string}}}\n";
        const char *wrong = "asyncapi: 2.6.0\nid: urn:acme:shop\nchannels:\n  _public/orders:\n"
                            "    bindings: {kafka: {topic: other.name}}\n    publish: {}\n";
        struct diags d;
        struct product *p = load(doc, &d);
        const struct topic *t;

        cr_assert_not_null(p);
        t = product_topic(p, "acme.shop._public.orders");
        cr_assert_eq(t->partitions, 12);
        cr_assert_eq(t->replicas, 3);
        cr_assert_str_eq(topic_config(t, "cleanup.policy"), "delete,compact");
        cr_assert_str_eq(topic_config(t, "retention.ms"), "604800000");
        cr_assert_str_eq(
            product_subject(p, "acme.shop._public.orders-value")->schema,
            "{\"$schema\":\"http://json-schema.org/draft-07/"
            "schema#\",\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}");
        product_free(p);
        diags_release(&d);
        cr_assert_null(load(wrong, &d));
        cr_assert(strstr(((struct diag *)d.items.items[0])->msg, "disagrees"));
        diags_release(&d);
}

/* A channel whose kafka binding declares `n` configs c0000, c0001, ... */
static char *doc_with_configs(int n)
{
        struct buf b;

        buf_init(&b, 1u << 20);
        buf_puts(&b, "asyncapi: 2.6.0\nid: urn:acme:shop\nchannels:\n  _public/orders:\n"
                     "    bindings:\n      kafka:\n        configs:\n");
        for (int i = 0; i < n; i++)
                buf_printf(&b, "          c%04d: %d\n", i, i);
        buf_puts(&b, "    publish: {}\n");
        cr_assert_not(b.failed);
        return buf_detach(&b, NULL);
}

Test(asyncapi, more_topic_configs_than_the_cap_is_one_error_at_the_mapping)
{
        char *ok = doc_with_configs(MODEL_TOPIC_CONFIGS_MAX);
        char *over = doc_with_configs(MODEL_TOPIC_CONFIGS_MAX + 1);
        struct diags d;
        struct product *p = load(ok, &d);
        const struct diag *e;

        cr_assert_not_null(p, "%zu diagnostics", d.items.len);
        cr_assert_eq(((struct topic *)p->topics.items[0])->configs.len, MODEL_TOPIC_CONFIGS_MAX);
        product_free(p);
        diags_release(&d);
        cr_assert_null(load(over, &d));
        cr_assert_eq(d.items.len, 1);
        e = d.items.items[0];
        cr_assert_str_eq(e->msg, "more than 1024 topic configs");
        cr_assert_str_eq(e->path, "channels._public/orders.bindings.kafka.configs");
        cr_assert_eq(e->line, 8, "the line of the first config");
        diags_release(&d);
        free(ok);
        free(over);
}
