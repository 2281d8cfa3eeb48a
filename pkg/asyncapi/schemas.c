#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/internal.h"
#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define MAX_REF_HOPS 8

/* One JSON-pointer token, with ~1 -> '/' and ~0 -> '~'. Caller frees. */
static char *pointer_token(const char *s, size_t n)
{
        char *t = str_ndup(s, n), *w = t;

        if (!t)
                return NULL;
        for (const char *r = t; *r; r++) {
                if (r[0] == '~' && (r[1] == '0' || r[1] == '1')) {
                        *w++ = r[1] == '1' ? '/' : '~';
                        r++;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
        return t;
}

struct ynode *resolve_pointer(struct actx *c, const char *ref)
{
        struct ynode *n = c->doc;
        const char *s = ref + 2;

        if (!str_starts_with(ref, "#/"))
                return NULL;
        while (n && *s) {
                size_t len = strcspn(s, "/");
                char *tok = pointer_token(s, len);
                long idx;
                if (!tok)
                        return NULL;
                if (n->type == YNODE_MAP)
                        n = ynode_get(n, tok);
                else if (n->type == YNODE_SEQ && str_to_long(tok, 0, (long)n->len - 1, &idx) == 0)
                        n = n->items[idx];
                else
                        n = NULL;
                free(tok);
                s += len + (s[len] == '/');
        }
        return n;
}

struct ynode *deref(struct actx *c, struct ynode *n, const char *path)
{
        for (int hop = 0; n && hop < MAX_REF_HOPS; hop++) {
                const struct ynode *r = ynode_get(n, "$ref");
                struct ynode *to;
                if (!r || r->type != YNODE_SCALAR || !str_starts_with(r->scalar, "#/"))
                        return n;
                to = resolve_pointer(c, r->scalar);
                if (!to) {
                        actx_error(c, r, path, "unresolvable $ref '%s'", r->scalar);
                        return NULL;
                }
                n = to;
        }
        if (n)
                actx_error(c, n, path, "$ref chain longer than %d hops", MAX_REF_HOPS);
        return NULL;
}

static int type_of_format(const char *f, enum schema_type *t)
{
        if (str_starts_with(f, "application/vnd.apache.avro"))
                *t = SCHEMA_AVRO;
        else if (str_starts_with(f, "application/schema+json") ||
                 str_starts_with(f, "application/schema+yaml") ||
                 str_starts_with(f, "application/vnd.aai.asyncapi"))
                *t = SCHEMA_JSON;
        else if (str_starts_with(f, "application/vnd.google.protobuf"))
                *t = SCHEMA_PROTOBUF;
        else
                return -1;
        return 0;
}

/* Read a schema file named by `ref`: from a manifest's spec.schemas, else relative to the
 * document (a leading '/' is relative to the document too, SpecMesh-style). */
static char *read_ref(struct actx *c, const struct ynode *at, const char *ref, const char *path)
{
        const struct ynode *inline_text = ynode_get(c->schemas, ref);
        const char *why = NULL;
        char *file, *text;
        bool seen = false;
        size_t len = 0;

        for (size_t i = 0; i < c->refs.len && !seen; i++)
                seen = strcmp(c->refs.items[i], ref) == 0;
        if (!seen) {
                char *copy = str_dup(ref);
                if (copy && vec_push(&c->refs, copy) < 0)
                        free(copy);
        }
        if (inline_text && inline_text->type == YNODE_SCALAR)
                return str_dup(inline_text->scalar);
        /* a DataProduct stands alone: never the file system, in the CLI as in the operator */
        if (!c->base_dir || c->manifest) {
                actx_error(c, at, path, "unresolvable $ref '%s': not in spec.schemas", ref);
                return NULL;
        }
        file = str_printf("%s/%s", c->base_dir, ref[0] == '/' ? ref + 1 : ref);
        text = file ? ref_read_beneath(c->base_dir, ref, c->max_schema, &len, &why) : NULL;
        if (!text) {
                actx_error(c, at, path, "cannot read schema file '%s' ($ref '%s'): %s",
                           file ? file : ref, ref,
                           why              ? why
                           : errno == EFBIG ? "larger than the schema size limit"
                                            : strerror(errno));
                free(file);
                return NULL;
        }
        why = ref_text_problem(text, len);
        if (why) {
                actx_error(c, at, path, "schema file '%s' ($ref '%s') %s", file, ref, why);
                free(text);
                text = NULL;
        }
        free(file);
        return text;
}

/* YAML or JSON text -> compact JSON text (JSON Schema written as YAML). */
static char *yaml_text_to_json(struct actx *c, const char *name, const char *text)
{
        struct ynode *n = ytree_parse(name, text, strlen(text), c->d);
        struct buf b;
        char *out = NULL;

        if (!n)
                return NULL;
        buf_init(&b, c->max_schema * 2);
        if (ynode_to_json(n, &b) == 0)
                out = buf_detach(&b, NULL);
        buf_release(&b);
        ynode_free(n);
        return out;
}

int file_schema(struct actx *c, const struct ynode *at, const char *ref, const char *fmt,
                const char *path, enum schema_type *type, char **text)
{
        bool yaml = str_ends_with(ref, ".yaml") || str_ends_with(ref, ".yml");

        if (str_ends_with(ref, ".avsc"))
                *type = SCHEMA_AVRO;
        else if (str_ends_with(ref, ".json") || yaml)
                *type = SCHEMA_JSON;
        else if (str_ends_with(ref, ".proto"))
                *type = SCHEMA_PROTOBUF;
        else if (fmt && type_of_format(fmt, type) < 0)
                return actx_error(c, at, path, "unknown schemaFormat '%s' for '%s'", fmt, ref);
        else if (!fmt)
                return actx_error(c, at, path,
                                  "unknown schema format for '%s': use .avsc, .json, .yaml, "
                                  ".proto or a schemaFormat",
                                  ref);
        *text = read_ref(c, at, ref, path);
        if (*text && yaml) {
                char *json = yaml_text_to_json(c, ref, *text);
                free(*text);
                *text = json;
        }
        return *text ? 0 : -1;
}

/* The schema a payload or key node stands for: type and text. */
static int schema_of(struct actx *c, struct ynode *n, const char *fmt, const char *path,
                     enum schema_type *type, char **text)
{
        const char *ref = ynode_str(n, "$ref");
        struct buf b;

        *text = NULL;
        if (ref && !str_starts_with(ref, "#/"))
                return file_schema(c, ynode_get(n, "$ref"), ref, fmt, path, type, text);
        n = deref(c, n, path);
        if (!n)
                return -1;
        if (ynode_get(n, "schemaFormat") && ynode_get(n, "schema")) /* 3.0 multi-format */
                return schema_of(c, ynode_get(n, "schema"), ynode_str(n, "schemaFormat"), path,
                                 type, text);
        *type = SCHEMA_JSON;
        if (fmt && type_of_format(fmt, type) < 0)
                return actx_error(c, n, path, "unknown schemaFormat '%s'", fmt);
        if (n->type == YNODE_SCALAR) {
                if (*type == SCHEMA_JSON)
                        return actx_error(c, n, path, "a schema must be a mapping or a $ref");
                *text = str_dup(n->scalar);
                return *text ? 0 : -1;
        }
        buf_init(&b, c->max_schema);
        if (ynode_to_json(n, &b) == 0)
                *text = buf_detach(&b, NULL);
        else
                actx_error(c, n, path, "schema is larger than the size limit");
        buf_release(&b);
        if (*text && *type == SCHEMA_JSON && n->type == YNODE_MAP && !ynode_get(n, "$schema"))
                *text = json_add_dialect(*text); /* docs/schemas.md */
        return *text ? 0 : -1;
}

enum strategy { TOPIC_NAME, RECORD_NAME, TOPIC_RECORD_NAME };

/* The record's full name (Avro namespace.name, or a JSON Schema's title) for the
 * RecordNameStrategy subjects. */
static char *record_name(struct actx *c, enum schema_type type, const char *text)
{
        struct diags quiet;
        struct ynode *n;
        const char *name, *ns;
        char *out = NULL;

        (void)c;
        diags_init(&quiet);
        n = ytree_parse("schema", text, strlen(text), &quiet);
        name = ynode_str(n, type == SCHEMA_AVRO ? "name" : "title");
        ns = type == SCHEMA_AVRO ? ynode_str(n, "namespace") : NULL;
        if (name)
                out = ns && !strchr(name, '.') ? str_printf("%s.%s", ns, name) : str_dup(name);
        ynode_free(n);
        diags_release(&quiet);
        return out;
}

/*
 * A record name becomes (part of) a subject name: it must be made of topic-name characters,
 * and under RecordNameStrategy the subject must be one of the domain's own
 * (model_subject_owned), or a product could change another domain's subject.
 */
static bool record_name_ok(struct actx *c, const struct ynode *at, const char *rec,
                           enum strategy st, const char *path)
{
        const char *d = c->p->domain;

        if (!model_topic_name_valid(rec, NULL)) {
                actx_error(c, at, path,
                           "record name '%s' (Avro namespace.name, JSON Schema title) may only "
                           "hold [a-zA-Z0-9._-], at most 249 characters, as it names a subject",
                           rec);
                return false;
        }
        if (st == RECORD_NAME && !model_subject_owned(rec, d)) {
                actx_error(
                    c, at, path,
                    "RecordNameStrategy: record name '%s' (Avro namespace.name, JSON "
                    "Schema title) gives subject '%s' outside domain %s's own names: name it "
                    "%s._public|_protected|_private.<Name> (e.g. Avro namespace "
                    "%s._public)",
                    rec, rec, d, d, d);
                return false;
        }
        return true;
}

/* bindings.kafka.compatibility: one of the registry's levels, nothing else is sent. */
static bool compatibility_ok(struct actx *c, const struct ynode *kb, const char *path)
{
        static const char *const levels[] = {
            "NONE", "BACKWARD",       "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
            "FULL", "FULL_TRANSITIVE"};
        const char *v = ynode_str(kb, "compatibility");

        if (!v)
                return true;
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                if (strcmp(v, levels[i]) == 0)
                        return true;
        actx_error(c, ynode_get(kb, "compatibility"), path,
                   "unknown compatibility '%s' (NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, "
                   "FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE)",
                   v);
        return false;
}

static int add_subject(struct actx *c, const struct ynode *at, const char *name, const char *path,
                       enum schema_type type, char *text, const char *compat, const char *topic)
{
        struct subject *s;
        char why[160];

        if (text && schema_text_check(type, text, why, sizeof(why)) < 0)
                return actx_error(c, at, path, "invalid %s schema for subject '%s': %s",
                                  schema_type_str(type), name, why);
        for (size_t i = 0; i < c->p->subjects.len; i++)
                if (strcmp(((struct subject *)c->p->subjects.items[i])->name, name) == 0)
                        return actx_error(c, at, path, "subject '%s' is declared twice", name);
        s = subject_new(name, type, text);
        if (s) {
                s->compatibility = str_dup(compat ? compat : "FULL_TRANSITIVE");
                s->topic = str_dup(topic);
        }
        if (!s || !s->compatibility || !s->topic || vec_push(&c->p->subjects, s) < 0) {
                subject_free(s);
                return actx_error(c, at, path, "out of memory");
        }
        return 0;
}

static int subject_for(struct actx *c, struct ynode *msg, struct ynode *schema, const char *part,
                       enum strategy st, const char *topic, const char *path)
{
        const struct ynode *kb = ynode_get(ynode_get(msg, "bindings"), "kafka");
        enum schema_type type;
        char *text = NULL, *name = NULL, *rec = NULL;
        int rc = -1;

        if (schema_of(c, schema, ynode_str(msg, "schemaFormat"), path, &type, &text) < 0)
                goto out;
        if (st == TOPIC_NAME) {
                name = str_printf("%s-%s", topic, part);
        } else {
                rec = record_name(c, type, text);
                if (!rec) {
                        actx_error(c, schema, path,
                                   "RecordNameStrategy needs a named record (Avro name, JSON "
                                   "Schema title)");
                        goto out;
                }
                if (!record_name_ok(c, schema, rec, st, path))
                        goto out;
                name = st == RECORD_NAME ? str_dup(rec) : str_printf("%s-%s", topic, rec);
        }
        if (name && !compatibility_ok(c, kb, path))
                goto out;
        rc = name ? add_subject(c, schema, name, path, type, text, ynode_str(kb, "compatibility"),
                                topic)
                  : -1;
        if (rc == 0) /* the subject just added is the last one */
                rc = add_schema_refs(c, schema, topic, ynode_str(kb, "compatibility"), path,
                                     c->p->subjects.items[c->p->subjects.len - 1]);
out:
        free(text);
        free(name);
        free(rec);
        return rc;
}

static int strategy_of(struct actx *c, struct ynode *msg, const char *path, enum strategy *st)
{
        const struct ynode *kb = ynode_get(ynode_get(msg, "bindings"), "kafka");
        const char *s = ynode_str(kb, "schemaLookupStrategy");

        *st = TOPIC_NAME;
        if (!s || strcmp(s, "TopicNameStrategy") == 0)
                return 0;
        if (strcmp(s, "RecordNameStrategy") == 0)
                *st = RECORD_NAME;
        else if (strcmp(s, "TopicRecordNameStrategy") == 0)
                *st = TOPIC_RECORD_NAME;
        else
                return actx_error(c, ynode_get(kb, "schemaLookupStrategy"), path,
                                  "unknown schemaLookupStrategy '%s'", s);
        return 0;
}

int read_messages(struct actx *c, const char *topic, struct ynode *const *msgs, size_t n,
                  const char *path)
{
        char sub[700];
        bool inl = true;

        if (inline_schemas_enabled(c, &inl) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                struct ynode *payload = ynode_get(msgs[i], "payload");
                struct ynode *key =
                    ynode_get(ynode_get(ynode_get(msgs[i], "bindings"), "kafka"), "key");
                enum strategy st;

                if (strategy_of(c, msgs[i], path, &st) < 0)
                        continue;
                if (st == TOPIC_NAME && n > 1) {
                        actx_error(c, msgs[i], path,
                                   "%zu messages on topic '%s' cannot share one <topic>-value "
                                   "subject: set schemaLookupStrategy RecordNameStrategy or "
                                   "TopicRecordNameStrategy",
                                   n, topic);
                        return -1;
                }
                snprintf(sub, sizeof(sub), "%s.message.payload", path);
                if (payload && (inl || !schema_is_inline(c, payload)))
                        subject_for(c, msgs[i], payload, "value", st, topic, sub);
                snprintf(sub, sizeof(sub), "%s.message.bindings.kafka.key", path);
                if (key && st == TOPIC_NAME && (inl || !schema_is_inline(c, key)) &&
                    key_gets_subject(c, msgs[i], key))
                        subject_for(c, msgs[i], key, "key", st, topic, sub);
        }
        return 0;
}
