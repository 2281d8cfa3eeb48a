#include "pkg/plan/plan.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pkg/base/buf.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define RENDER_MAX (64u << 20)

/*
 * Everything in a text plan comes from a spec or a cluster, so every string is shown escaped:
 * control characters, '"', '\\' and bytes above 0x7e become \n, \t, \", \\ or \xNN. A
 * newline in a config value or a subject name can then never forge a plan line. The escaped
 * copies live in a small ring, valid for the next ESC_SLOTS calls.
 */
#define ESC_SLOTS 8

struct esc {
        char *slot[ESC_SLOTS];
        int next;
};

static bool needs_escape(unsigned char c)
{
        return c < 0x20 || c > 0x7e || c == '"' || c == '\\';
}

static const char *esc(struct esc *x, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        size_t n = 0, bad = 0;
        char *out, *w;

        for (; s[n]; n++)
                bad += needs_escape((unsigned char)s[n]);
        if (!bad)
                return s;
        out = malloc(n + 3 * bad + 1);
        if (!out)
                return "(escaped value: out of memory)";
        w = out;
        for (const unsigned char *r = (const unsigned char *)s; *r; r++) {
                if (!needs_escape(*r)) {
                        *w++ = (char)*r;
                } else if (*r == '\n' || *r == '\t' || *r == '"' || *r == '\\') {
                        *w++ = '\\';
                        *w++ = *r == '\n' ? 'n' : *r == '\t' ? 't' : (char)*r;
                } else {
                        *w++ = '\\';
                        *w++ = 'x';
                        *w++ = hex[*r >> 4];
                        *w++ = hex[*r & 0xf];
                }
        }
        *w = '\0';
        free(x->slot[x->next]);
        x->slot[x->next] = out;
        x->next = (x->next + 1) % ESC_SLOTS;
        return out;
}

static void esc_release(struct esc *x)
{
        for (int i = 0; i < ESC_SLOTS; i++)
                free(x->slot[i]);
}

const char *plan_op_name(const struct plan_op *op)
{
        const struct topic *t = op->want_topic ? op->want_topic : op->have_topic;
        const struct subject *s = op->want_subject ? op->want_subject : op->have_subject;
        const struct quota *q = op->want_quota ? op->want_quota : op->have_quota;

        if (op->resource == PLAN_TOPIC && t)
                return t->name;
        if (op->resource == PLAN_SUBJECT && s)
                return s->name;
        if (op->resource == PLAN_ACL && op->acl)
                return op->acl->name;
        if (op->resource == PLAN_QUOTA && q)
                return q->user;
        return "?";
}

static const char *mark(enum plan_action a)
{
        static const char *marks[] = {"+", "~", "-", "="};
        return a <= PLAN_ORPHAN ? marks[a] : "?";
}

static void text_count(struct buf *b, int n, const char *what)
{
        if (n > 0)
                buf_printf(b, "%d", n);
        else
                buf_puts(b, "default");
        buf_printf(b, " %s", what);
}

static void text_topic(struct buf *b, struct esc *x, const struct plan_op *op)
{
        const struct topic *t = op->want_topic ? op->want_topic : op->have_topic;

        buf_printf(b, "  %s topic %s", mark(op->action), esc(x, t->name));
        if (op->action == PLAN_CREATE) {
                buf_puts(b, "  ");
                text_count(b, t->partitions, "partitions, ");
                text_count(b, t->replicas, "replicas\n");
                for (size_t i = 0; i < t->configs.len; i++) {
                        const struct strmap_ent *kv = &t->configs.items[i];
                        buf_printf(b, "      %s = \"%s\"\n", esc(x, kv->key), esc(x, kv->value));
                }
                return;
        }
        if (op->action == PLAN_ORPHAN) {
                buf_puts(b, "  (no longer declared; kept: deletionPolicy Retain)\n");
                return;
        }
        buf_putc(b, '\n');
        if (op->grow_partitions)
                buf_printf(b, "      partitions %d -> %d\n", op->have_topic->partitions,
                           op->want_topic->partitions);
        if (!op->alter_configs)
                return;
        for (size_t i = 0; i < op->want_topic->configs.len; i++) {
                const struct strmap_ent *kv = &op->want_topic->configs.items[i];
                const char *old = topic_config(op->have_topic, kv->key);
                if (!old)
                        buf_printf(b, "      + %s = \"%s\"\n", esc(x, kv->key), esc(x, kv->value));
                else if (strcmp(old, kv->value) != 0)
                        buf_printf(b, "      ~ %s = \"%s\" -> \"%s\"\n", esc(x, kv->key),
                                   esc(x, old), esc(x, kv->value));
        }
        for (size_t i = 0; i < op->have_topic->configs.len; i++) {
                const struct strmap_ent *kv = &op->have_topic->configs.items[i];
                if (!topic_config(op->want_topic, kv->key))
                        buf_printf(b, "      - %s = \"%s\" (not declared)\n", esc(x, kv->key),
                                   esc(x, kv->value));
        }
}

static void text_acl(struct buf *b, struct esc *x, const struct plan_op *op)
{
        const struct acl *a = op->acl;

        buf_printf(b, "  %s acl %s %s %s %s %s %s", mark(op->action), acl_perm_str(a->perm),
                   esc(x, a->principal), acl_op_str(a->op), acl_resource_str(a->resource),
                   acl_pattern_str(a->pattern), esc(x, a->name));
        if (op->legacy && a->resource == ACL_RES_CLUSTER)
                buf_puts(b, "  (SpecMesh legacy form: replaced by LITERAL)");
        else if (op->legacy)
                buf_printf(b, "  (SpecMesh legacy form: replaced by PREFIXED %s.)",
                           esc(x, a->name));
        buf_putc(b, '\n');
}

static void text_subject(struct buf *b, struct esc *x, const struct plan_op *op)
{
        const struct subject *s = op->want_subject ? op->want_subject : op->have_subject;

        buf_printf(b, "  %s subject %s (%s", mark(op->action), esc(x, s->name),
                   schema_type_str(s->type));
        if (op->action == PLAN_CREATE && s->compatibility)
                buf_printf(b, ", compatibility %s", esc(x, s->compatibility));
        buf_puts(b, ")");
        if (op->action == PLAN_ORPHAN)
                buf_puts(b, "  (no longer declared; kept: deletionPolicy Retain)");
        if (op->new_schema)
                buf_printf(b, "  new schema version after v%d", op->have_subject->version);
        if (op->set_compatibility)
                buf_printf(b, "  compatibility %s -> %s",
                           op->have_subject->compatibility ? esc(x, op->have_subject->compatibility)
                                                           : "(default)",
                           esc(x, s->compatibility));
        buf_putc(b, '\n');
}

static void text_quota(struct buf *b, struct esc *x, const struct plan_op *op)
{
        const struct quota *q = op->want_quota ? op->want_quota : op->have_quota;

        buf_printf(b, "  %s quota user=%s", mark(op->action), esc(x, q->user));
        for (int k = 0; k < QUOTA_KEY_COUNT; k++)
                if (q->set & (1u << k))
                        buf_printf(b, " %s=%.0f", quota_key_str(k), q->values[k]);
        buf_putc(b, '\n');
}

char *plan_render_text(const struct plan *p)
{
        int count[PLAN_ORPHAN + 1] = {0};
        struct esc x = {0};
        struct buf b;

        buf_init(&b, RENDER_MAX);
        buf_printf(&b, "specmesh plan for domain %s (principal %s)\n\n",
                   p->domain ? esc(&x, p->domain) : "?",
                   p->principal ? esc(&x, p->principal) : "?");
        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                count[op->action]++;
                if (op->resource == PLAN_TOPIC)
                        text_topic(&b, &x, op);
                else if (op->resource == PLAN_ACL)
                        text_acl(&b, &x, op);
                else if (op->resource == PLAN_SUBJECT)
                        text_subject(&b, &x, op);
                else
                        text_quota(&b, &x, op);
        }
        for (size_t i = 0; i < p->problems.len; i++)
                buf_printf(&b, "  ! %s\n",
                           esc(&x, ((struct plan_problem *)p->problems.items[i])->message));
        if (plan_change_count(p) == 0)
                buf_puts(&b, "No changes. Kafka and the registry match the spec.\n");
        else
                buf_printf(&b, "\nPlan: %d to create, %d to update, %d to delete.\n",
                           count[PLAN_CREATE], count[PLAN_UPDATE], count[PLAN_DELETE]);
        if (count[PLAN_ORPHAN] || p->problems.len)
                buf_printf(&b, "%d orphaned (kept), %zu problems.\n", count[PLAN_ORPHAN],
                           p->problems.len);
        esc_release(&x);
        if (b.failed) {
                buf_release(&b);
                return NULL;
        }
        return buf_detach(&b, NULL);
}

static json_object *json_str_or_null(const char *s)
{
        return s ? json_object_new_string(s) : NULL;
}

static json_object *json_count(int n)
{
        return n > 0 ? json_object_new_int(n) : NULL;
}

static json_object *json_configs(const struct topic *t)
{
        json_object *o = json_object_new_object();

        for (size_t i = 0; i < t->configs.len; i++) {
                const struct strmap_ent *kv = &t->configs.items[i];
                json_object_object_add(o, kv->key, json_object_new_string(kv->value));
        }
        return o;
}

static void json_topic(json_object *o, const struct plan_op *op)
{
        const struct topic *t = op->want_topic ? op->want_topic : op->have_topic;

        json_object_object_add(o, "name", json_object_new_string(t->name));
        json_object_object_add(o, "partitions", json_count(t->partitions));
        json_object_object_add(o, "replicas", json_count(t->replicas));
        json_object_object_add(o, "configs", json_configs(t));
        if (op->action == PLAN_UPDATE) {
                json_object *from = json_object_new_object();
                json_object_object_add(from, "partitions", json_count(op->have_topic->partitions));
                json_object_object_add(from, "configs", json_configs(op->have_topic));
                json_object_object_add(o, "from", from);
        }
}

static void json_acl(json_object *o, const struct plan_op *op)
{
        const struct acl *a = op->acl;

        json_object_object_add(o, "resourceType",
                               json_object_new_string(acl_resource_str(a->resource)));
        json_object_object_add(o, "resourceName", json_object_new_string(a->name));
        json_object_object_add(o, "patternType",
                               json_object_new_string(acl_pattern_str(a->pattern)));
        json_object_object_add(o, "principal", json_object_new_string(a->principal));
        json_object_object_add(o, "host", json_object_new_string(a->host));
        json_object_object_add(o, "operation", json_object_new_string(acl_op_str(a->op)));
        json_object_object_add(o, "permission", json_object_new_string(acl_perm_str(a->perm)));
        if (op->legacy)
                json_object_object_add(o, "legacy", json_object_new_boolean(1));
}

static void json_subject_fields(json_object *o, const struct subject *s)
{
        json_object_object_add(o, "name", json_object_new_string(s->name));
        json_object_object_add(o, "schemaType", json_object_new_string(schema_type_str(s->type)));
        json_object_object_add(o, "schema", json_str_or_null(s->schema));
        json_object_object_add(o, "compatibility", json_str_or_null(s->compatibility));
        if (s->refs.len) {
                json_object *refs = json_object_new_array();
                for (size_t i = 0; i < s->refs.len; i++) {
                        const struct schema_ref *r = s->refs.items[i];
                        json_object *e = json_object_new_object();
                        json_object_object_add(e, "name", json_object_new_string(r->name));
                        json_object_object_add(e, "subject", json_object_new_string(r->subject));
                        json_object_array_add(refs, e);
                }
                json_object_object_add(o, "references", refs);
        }
}

static void json_subject(json_object *o, const struct plan_op *op)
{
        json_subject_fields(o, op->want_subject ? op->want_subject : op->have_subject);
        if (op->action == PLAN_UPDATE) {
                json_object *from = json_object_new_object();
                json_subject_fields(from, op->have_subject);
                json_object_object_add(from, "version",
                                       json_object_new_int(op->have_subject->version));
                json_object_object_add(o, "from", from);
        }
}

static void json_quota(json_object *o, const struct plan_op *op)
{
        const struct quota *q = op->want_quota ? op->want_quota : op->have_quota;
        json_object *entity = json_object_new_object(), *values = json_object_new_object();

        json_object_object_add(entity, "user", json_object_new_string(q->user));
        for (int k = 0; k < QUOTA_KEY_COUNT; k++)
                if (op->want_quota && (op->want_quota->set & (1u << k)))
                        json_object_object_add(values, quota_key_str(k),
                                               json_object_new_double(op->want_quota->values[k]));
        json_object_object_add(o, "entity", entity);
        json_object_object_add(o, "values", values);
}

static json_object *json_op(const struct plan_op *op)
{
        json_object *o = json_object_new_object();

        json_object_object_add(o, "action", json_object_new_string(plan_action_str(op->action)));
        json_object_object_add(o, "resource",
                               json_object_new_string(plan_resource_str(op->resource)));
        if (op->resource == PLAN_TOPIC)
                json_topic(o, op);
        else if (op->resource == PLAN_ACL)
                json_acl(o, op);
        else if (op->resource == PLAN_SUBJECT)
                json_subject(o, op);
        else
                json_quota(o, op);
        return o;
}

/*
 * Print empty objects and arrays as {} and [] in place. json-c's pretty printer writes them as
 * "{\n<indent>}" up to 0.16 (Debian bookworm) and as "{}" from 0.17 (trixie); the documented
 * JSON must not depend on the library version. Strings cannot hold a raw newline, so the
 * pattern only ever matches an empty container.
 */
static void squeeze_empty(char *s)
{
        char *w = s;
        for (const char *r = s; *r;) {
                if ((*r == '{' || *r == '[') && r[1] == '\n') {
                        const char *q = r + 1;
                        while (*q == '\n' || *q == ' ')
                                q++;
                        if (*q == (*r == '{' ? '}' : ']')) {
                                *w++ = *r;
                                *w++ = *q;
                                r = q + 1;
                                continue;
                        }
                }
                *w++ = *r++;
        }
        *w = '\0';
}

char *plan_render_json(const struct plan *p)
{
        json_object *root = json_object_new_object();
        json_object *changes = json_object_new_array(), *problems = json_object_new_array();
        char *out;

        json_object_object_add(root, "domain", json_str_or_null(p->domain));
        json_object_object_add(root, "principal", json_str_or_null(p->principal));
        for (size_t i = 0; i < p->ops.len; i++)
                json_object_array_add(changes, json_op(p->ops.items[i]));
        for (size_t i = 0; i < p->problems.len; i++) {
                const struct plan_problem *pr = p->problems.items[i];
                json_object *o = json_object_new_object();
                json_object_object_add(o, "resource", json_object_new_string(pr->resource));
                json_object_object_add(o, "reason", json_object_new_string(pr->reason));
                json_object_object_add(o, "message", json_object_new_string(pr->message));
                json_object_array_add(problems, o);
        }
        json_object_object_add(root, "changes", changes);
        json_object_object_add(root, "problems", problems);
        out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                              JSON_C_TO_STRING_SPACED |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
        if (out)
                squeeze_empty(out);
        return out;
}
