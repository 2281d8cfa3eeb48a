/*
 * Which message schemas become subjects: inline schemas can be switched off for a document
 * (`x-specmesh-inline-schemas: false`), and a key with a primitive type gets no subject unless
 * the message says its schemas are Avro (then it is an Avro primitive). See docs/schemas.md.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/internal.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

#define MAX_REF_HOPS 8

/* Follow local "#/" $refs quietly; NULL when one does not resolve or the chain is too long. */
static struct ynode *follow(struct actx *c, struct ynode *n)
{
        for (int hop = 0; n && hop < MAX_REF_HOPS; hop++) {
                const char *r = ynode_str(n, "$ref");
                if (!r || !str_starts_with(r, "#/"))
                        return n;
                n = resolve_pointer(c, r);
        }
        return NULL;
}

bool schema_is_inline(struct actx *c, struct ynode *n)
{
        struct ynode *s = follow(c, n);

        if (!s)
                return false; /* unresolvable: let the reader report it */
        if (ynode_get(s, "schemaFormat") && ynode_get(s, "schema"))
                return schema_is_inline(c, ynode_get(s, "schema"));
        return !ynode_str(s, "$ref");
}

const char *schema_file_ref(struct actx *c, struct ynode *n)
{
        struct ynode *s = follow(c, n);
        const char *ref;

        if (s && ynode_get(s, "schemaFormat") && ynode_get(s, "schema"))
                s = follow(c, ynode_get(s, "schema"));
        ref = ynode_str(s, "$ref");
        return ref && !str_starts_with(ref, "#/") ? ref : NULL;
}

int inline_schemas_enabled(struct actx *c, bool *on)
{
        const struct ynode *v = ynode_get(c->doc, "x-specmesh-inline-schemas");

        *on = true;
        if (!v)
                return 0;
        if (v->type == YNODE_SCALAR && strcmp(v->scalar, "false") == 0)
                *on = false;
        else if (v->type != YNODE_SCALAR || strcmp(v->scalar, "true") != 0)
                return actx_error(c, v, "x-specmesh-inline-schemas", "must be true or false");
        return 0;
}

/* JSON Schema and Avro primitive type names. */
static bool primitive_type(const char *t)
{
        static const char *names[] = {"string", "integer", "number", "boolean", "null",
                                      "int",    "long",    "float",  "double",  "bytes"};

        for (size_t i = 0; t && i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(t, names[i]) == 0)
                        return true;
        return false;
}

static bool avro_format(const char *fmt)
{
        return fmt && str_starts_with(fmt, "application/vnd.apache.avro");
}

bool key_gets_subject(struct actx *c, struct ynode *msg, struct ynode *key)
{
        struct ynode *s = follow(c, key);
        const char *fmt = ynode_str(msg, "schemaFormat");

        if (!s || s->type != YNODE_MAP)
                return true; /* a file $ref, a scalar, or broken: the reader decides */
        if (ynode_get(s, "schemaFormat") && ynode_get(s, "schema")) {
                fmt = ynode_str(s, "schemaFormat");
                s = follow(c, ynode_get(s, "schema"));
                if (!s || s->type != YNODE_MAP)
                        return true;
        }
        if (ynode_str(s, "$ref") || !primitive_type(ynode_str(s, "type")))
                return true;
        /* a primitive key is written by a primitive serializer (Kafka's LongSerializer, ...):
         * it has no JSON Schema subject; with Avro it is an Avro primitive */
        return avro_format(fmt);
}

char *json_add_dialect(char *text)
{
        char *out;

        if (text[0] != '{')
                return text;
        out = str_printf("{\"$schema\":\"%s\"%s%s", JSON_DIALECT, text[1] == '}' ? "" : ",",
                         text + 1);
        free(text);
        return out;
}
