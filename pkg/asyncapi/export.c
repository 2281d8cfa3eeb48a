#include "pkg/asyncapi/export.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

static const char *schema_format(enum schema_type t)
{
        switch (t) {
        case SCHEMA_AVRO:
                return "application/vnd.apache.avro+json;version=1.9.0";
        case SCHEMA_JSON:
                return "application/schema+json;version=draft-07";
        case SCHEMA_PROTOBUF:
                return "application/vnd.google.protobuf;version=3";
        }
        return "";
}

/*
 * Emit a message's schema the AsyncAPI 2.x way: `schemaFormat` on the message and the schema
 * itself as the value. AVRO and JSON schema texts are JSON, hence valid YAML flow nodes, and go
 * in verbatim; a PROTOBUF text goes in as a string.
 */
static void put_schema(struct buf *b, const char *key, const struct subject *s, int indent)
{
        const char *text = s->schema ? s->schema : "";
        char *file = s->refs.len ? export_file_name(s) : NULL;

        buf_printf(b, "%*s%s: ", indent, "", key);
        if (file) { /* it references other schemas: a file beside them (asyncapi_export_files) */
                buf_puts(b, "{$ref: ");
                buf_put_quoted(b, file);
                buf_puts(b, "}\n");
                free(file);
                return;
        }
        if (s->type == SCHEMA_PROTOBUF || (text[0] != '{' && text[0] != '['))
                buf_put_quoted(b, text);
        else
                buf_puts(b, text);
        buf_putc(b, '\n');
}

static void put_grants(struct buf *b, const struct product *have, const struct topic *t)
{
        int any = 0;

        for (size_t i = 0; i < have->acls.len; i++) {
                const struct acl *a = have->acls.items[i];
                if (a->resource != ACL_RES_TOPIC || a->pattern != ACL_PAT_LITERAL ||
                    a->op != ACL_OP_READ || strcmp(a->name, t->name) != 0 ||
                    !str_starts_with(a->principal, "User:"))
                        continue;
                if (!any)
                        buf_puts(b, "      tags:\n");
                any = 1;
                buf_puts(b, "        - name: ");
                {
                        char *tag = str_printf("grant-access:%s", a->principal + 5);
                        buf_put_quoted(b, tag ? tag : "");
                        free(tag);
                }
                buf_putc(b, '\n');
        }
}

static void put_topic(struct buf *b, const struct product *have, const struct topic *t)
{
        char *value = str_printf("%s-value", t->name);
        char *key = str_printf("%s-key", t->name);
        const struct subject *sv = value ? product_subject(have, value) : NULL;
        const struct subject *sk = key ? product_subject(have, key) : NULL;

        buf_puts(b, "  ");
        buf_put_quoted(b, t->name);
        buf_puts(b, ":\n    bindings:\n      kafka:\n");
        if (t->partitions > 0)
                buf_printf(b, "        partitions: %d\n", t->partitions);
        if (t->replicas > 0)
                buf_printf(b, "        replicas: %d\n", t->replicas);
        if (t->configs.len) {
                buf_puts(b, "        configs:\n");
                for (size_t i = 0; i < t->configs.len; i++) {
                        const struct strmap_ent *kv = &t->configs.items[i];
                        buf_printf(b, "          %s: ", kv->key);
                        buf_put_quoted(b, kv->value);
                        buf_putc(b, '\n');
                }
        }
        buf_puts(b, "    publish:\n");
        put_grants(b, have, t);
        buf_puts(b, "      message:\n");
        if (sv) {
                buf_puts(b, "        schemaFormat: ");
                buf_put_quoted(b, schema_format(sv->type));
                buf_putc(b, '\n');
        }
        if (sk || (sv && sv->compatibility)) {
                buf_puts(b, "        bindings:\n          kafka:\n");
                if (sv && sv->compatibility) {
                        buf_puts(b, "            compatibility: ");
                        buf_put_quoted(b, sv->compatibility);
                        buf_putc(b, '\n');
                }
        }
        if (sk)
                put_schema(b, "key", sk, 12);
        if (sv)
                put_schema(b, "payload", sv, 8);
        else
                buf_puts(b, "        payload: {}\n");
        free(value);
        free(key);
}

static void put_quota(struct buf *b, const struct quota *q)
{
        static const char *keys[QUOTA_KEY_COUNT] = {"producerByteRate", "consumerByteRate",
                                                    "requestPercentage"};

        buf_puts(b, "x-specmesh-quotas:\n");
        for (int k = 0; k < QUOTA_KEY_COUNT; k++)
                if (q->set & (1u << k))
                        buf_printf(b, "  %s: %.0f\n", keys[k], q->values[k]);
}

char *asyncapi_export(const struct product *have)
{
        struct buf b;
        char *urn;

        buf_init(&b, 64u << 20);
        urn = str_dup(have->domain ? have->domain : "");
        if (!urn)
                return NULL;
        str_replace_char(urn, '.', ':');
        buf_puts(&b, "# exported by specmesh from the live cluster\nasyncapi: \"2.6.0\"\nid: ");
        {
                char *id = str_printf("urn:%s", urn);
                buf_put_quoted(&b, id ? id : "");
                free(id);
        }
        buf_puts(&b, "\ninfo:\n  title: ");
        buf_put_quoted(&b, have->domain ? have->domain : "");
        buf_puts(&b, "\n  version: \"1.0.0\"\n");
        if (have->quota && have->quota->set)
                put_quota(&b, have->quota);
        buf_puts(&b, have->topics.len ? "channels:\n" : "channels: {}\n");
        for (size_t i = 0; i < have->topics.len; i++)
                put_topic(&b, have, have->topics.items[i]);
        free(urn);
        if (b.failed) {
                buf_release(&b);
                return NULL;
        }
        return buf_detach(&b, NULL);
}
