/*
 * Schema references, the Confluent way: a schema file that names a type from another file
 * (an Avro named type by full name, a JSON Schema `$ref` to another file, a Protobuf `import`)
 * gets that file registered as its own subject, and a `references` entry (name, subject) on
 * the subject that uses it. Referenced files are found next to the file that names them:
 * Avro type `a.b.Money` in `<dir>/a.b.Money.avsc` (SpecMesh's convention), JSON and Protobuf
 * by the path written, relative to that file's directory. Subjects: an Avro type's full name,
 * a JSON or Protobuf file's base name; when that is not one of the domain's own names
 * ("<domain>.<access>.<rest>") it is put under "<domain>.<access of the topic>.", so that a
 * product's subjects stay inside its domain. See docs/schemas.md.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/yaml/diag.h"
#include "pkg/asyncapi/internal.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define MAX_REF_DEPTH 8

/* ---- Avro: named types used but not defined in the schema ---- */

static bool avro_builtin(const char *t)
{
        static const char *names[] = {"null",   "boolean", "int",    "long",   "float",
                                      "double", "bytes",   "string", "record", "enum",
                                      "array",  "map",     "fixed",  "error"};

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(t, names[i]) == 0)
                        return true;
        return false;
}

/* The full name of `name` in namespace `ns` (a dotted name is already full). Caller frees. */
static char *full_name(const char *name, const char *ns)
{
        if (strchr(name, '.') || !ns || !*ns)
                return str_dup(name);
        return str_printf("%s.%s", ns, name);
}

static int push_unique(struct vec *v, char *s)
{
        if (!s)
                return -1;
        for (size_t i = 0; i < v->len; i++)
                if (strcmp(v->items[i], s) == 0) {
                        free(s);
                        return 0;
                }
        if (vec_push(v, s) < 0) {
                free(s);
                return -1;
        }
        return 0;
}

struct avro_walk {
        struct vec defined; /* char *: full names defined in the schema */
        struct vec used;    /* char *: full names used by reference */
};

static int avro_type(struct avro_walk *w, const struct ynode *t, const char *ns, int depth);

static int avro_named(struct avro_walk *w, const struct ynode *n, const char *ns, int depth)
{
        const char *name = ynode_str(n, "name"), *own = ynode_str(n, "namespace");
        const struct ynode *fields = ynode_get(n, "fields");
        char *full = NULL, *inner = NULL;
        int rc = 0;

        if (name) {
                full = full_name(name, own ? own : ns);
                if (!full || push_unique(&w->defined, str_dup(full)) < 0)
                        rc = -1;
        }
        /* a dotted name sets the namespace of what it encloses */
        if (full && strrchr(full, '.'))
                inner = str_ndup(full, (size_t)(strrchr(full, '.') - full));
        for (size_t i = 0; rc == 0 && fields && fields->type == YNODE_SEQ && i < fields->len; i++)
                rc = avro_type(w, ynode_get(fields->items[i], "type"), inner ? inner : ns,
                               depth + 1);
        free(inner);
        free(full);
        return rc;
}

static int avro_type(struct avro_walk *w, const struct ynode *t, const char *ns, int depth)
{
        const char *kind;

        if (!t || depth > YTREE_MAX_DEPTH)
                return 0;
        if (t->type == YNODE_SCALAR)
                return avro_builtin(t->scalar) ? 0
                                               : push_unique(&w->used, full_name(t->scalar, ns));
        if (t->type == YNODE_SEQ) {
                for (size_t i = 0; i < t->len; i++)
                        if (avro_type(w, t->items[i], ns, depth + 1) < 0)
                                return -1;
                return 0;
        }
        kind = ynode_str(t, "type");
        if (kind && (!strcmp(kind, "record") || !strcmp(kind, "error") || !strcmp(kind, "enum") ||
                     !strcmp(kind, "fixed")))
                return avro_named(w, t, ns, depth);
        if (kind && !strcmp(kind, "array"))
                return avro_type(w, ynode_get(t, "items"), ns, depth + 1);
        if (kind && !strcmp(kind, "map"))
                return avro_type(w, ynode_get(t, "values"), ns, depth + 1);
        return avro_type(w, ynode_get(t, "type"), ns, depth + 1);
}

/* Named types `root` uses without defining them, in order of first use (char *). */
static int avro_refs(const struct ynode *root, struct vec *out)
{
        struct avro_walk w = {VEC_INIT, VEC_INIT};
        int rc = avro_type(&w, root, NULL, 0);

        for (size_t i = 0; rc == 0 && i < w.used.len; i++) {
                bool local = false;
                for (size_t j = 0; j < w.defined.len && !local; j++)
                        local = strcmp(w.used.items[i], w.defined.items[j]) == 0;
                if (!local)
                        rc = push_unique(out, str_dup(w.used.items[i]));
        }
        vec_release(&w.defined, free);
        vec_release(&w.used, free);
        return rc;
}

/* ---- JSON Schema: $refs to other files; Protobuf: imports ---- */

static int json_refs(const struct ynode *n, struct vec *out, int depth)
{
        if (!n || depth > YTREE_MAX_DEPTH)
                return 0;
        for (size_t i = 0; n->type != YNODE_SCALAR && i < n->len; i++) {
                const struct ynode *v = n->items[i];
                if (n->type == YNODE_MAP && strcmp(n->keys[i], "$ref") == 0 &&
                    v->type == YNODE_SCALAR && v->scalar[0] != '#') {
                        if (push_unique(out, str_ndup(v->scalar, strcspn(v->scalar, "#"))) < 0)
                                return -1;
                } else if (json_refs(v, out, depth + 1) < 0) {
                        return -1;
                }
        }
        return 0;
}

/* `import [public|weak] "path";` lines, google/protobuf/ well-known types left out. */
static int proto_refs(const char *text, struct vec *out)
{
        for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                const char *q, *e;
                l += strspn(l, " \t");
                if (!str_starts_with(l, "import ") && !str_starts_with(l, "import\t"))
                        continue;
                q = strchr(l, '"');
                e = q ? strchr(q + 1, '"') : NULL;
                if (!q || !e || memchr(l, '\n', (size_t)(e - l)))
                        continue;
                if (strncmp(q + 1, "google/protobuf/", 16) == 0)
                        continue;
                if (push_unique(out, str_ndup(q + 1, (size_t)(e - q - 1))) < 0)
                        return -1;
        }
        return 0;
}

/* ---- paths and subjects ---- */

/*
 * The file a reference written in `from` (a schema ref) names: `rel` relative to from's
 * directory; a leading '/' is relative to the document (as schema $refs are). Refuses what
 * could leave the spec directory (a ".." segment, a backslash, a URL) so that a spec cannot
 * make specmesh read files of its choosing. Caller frees; NULL with `why` set when refused.
 */
char *schema_ref_join(const char *from, const char *rel, const char **why)
{
        const char *slash = strrchr(from, '/');

        *why = NULL;
        if (!*rel || strchr(rel, '\\') || strstr(rel, "://") || strchr(rel, ':'))
                *why = "must be a relative file path";
        for (const char *s = rel; !*why && s; s = strchr(s, '/'), s = s ? s + 1 : NULL)
                if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0'))
                        *why = "may not contain '..'";
        if (*why)
                return NULL;
        if (rel[0] == '/' || !slash)
                return str_dup(rel);
        return str_printf("%.*s/%s", (int)(slash - from), from, rel);
}

/* The access segment ("_public", ...) of `topic` in `domain`; "_private" when it has none. */
static const char *access_segment(const char *topic, const char *domain)
{
        switch (model_access_of(topic, domain)) {
        case ACCESS_PUBLIC:
                return "_public";
        case ACCESS_PROTECTED:
                return "_protected";
        default:
                return "_private";
        }
}

/*
 * The subject of a referenced Avro type `name` (or file `file`'s base name) for a schema of
 * `topic`: the name itself when it is one of the domain's own ("<domain>.<access>.<rest>"),
 * else "<domain>.<access of topic>.<name without a leading "<domain>.">". Caller frees.
 */
static char *ref_subject(const char *domain, const char *topic, enum schema_type type,
                         const char *name, const char *file)
{
        const char *base = name;
        size_t n = strlen(domain);

        if (type != SCHEMA_AVRO)
                base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        if (model_access_of(base, domain) != ACCESS_NONE && strchr(base + n + 1, '.') &&
            strchr(base + n + 1, '.')[1] != '\0')
                return str_dup(base);
        if (model_topic_in_domain(base, domain))
                base += n + 1;
        return str_printf("%s.%s.%s", domain, access_segment(topic, domain), base);
}

/* The subject called `name` in the product being read, or NULL. */
static struct subject *find_subject(struct actx *c, const char *name)
{
        for (size_t i = 0; i < c->p->subjects.len; i++) {
                struct subject *s = c->p->subjects.items[i];
                if (strcmp(s->name, name) == 0)
                        return s;
        }
        return NULL;
}

/* ---- reading ---- */

struct refctx {
        struct actx *c;
        const struct ynode *at; /* the $ref node, for diagnostics */
        const char *path;       /* the field, for diagnostics */
        const char *topic;
        const char *compat;
};

static int add_refs(struct refctx *x, struct subject *s, const char *file, int depth);

/* The Avro file of type `name` must define exactly that type. */
static int check_avro_name(struct refctx *x, const char *file, const char *text, const char *name)
{
        struct diags quiet;
        struct ynode *n;
        char *full = NULL;
        int rc;

        diags_init(&quiet);
        n = ytree_parse(file, text, strlen(text), &quiet);
        if (ynode_str(n, "name"))
                full = full_name(ynode_str(n, "name"), ynode_str(n, "namespace"));
        rc = full && strcmp(full, name) == 0
                 ? 0
                 : actx_error(x->c, x->at, x->path, "schema file '%s' should define type '%s'",
                              file, name);
        free(full);
        ynode_free(n);
        diags_release(&quiet);
        return rc;
}

/* How much a compatibility level demands: NONE < BACKWARD, FORWARD < FULL < ..._TRANSITIVE. */
static int strictness(const char *level)
{
        static const char *order[] = {"NONE",
                                      "BACKWARD",
                                      "FORWARD",
                                      "FULL",
                                      "BACKWARD_TRANSITIVE",
                                      "FORWARD_TRANSITIVE",
                                      "FULL_TRANSITIVE"};
        static const int rank[] = {0, 1, 1, 2, 3, 3, 4};

        for (size_t i = 0; level && i < sizeof(order) / sizeof(order[0]); i++)
                if (strcmp(level, order[i]) == 0)
                        return rank[i];
        return 4; /* unknown: treat as the strictest, the registry will say */
}

/*
 * A shared type must not break any of its users, and the registry checks only the type's own
 * subject (Apicurio neither checks a schema with references nor re-checks a user whose
 * reference moved): the type's subject takes the strictest level of its users. BACKWARD and
 * FORWARD (or their transitive forms) together demand FULL (FULL_TRANSITIVE).
 */
static int tighten(struct actx *c, struct subject *s, const char *level)
{
        const char *want = level ? level : "FULL_TRANSITIVE", *merged = want;
        int a = strictness(s->compatibility), b = strictness(want);
        char *copy;

        if (str_eq(s->compatibility, want) || a > b)
                return 0;
        if (a == b) /* BACKWARD vs FORWARD */
                merged = a == 1 ? "FULL" : "FULL_TRANSITIVE";
        copy = str_dup(merged);
        if (!copy)
                return actx_error(c, NULL, NULL, "out of memory");
        free(s->compatibility);
        s->compatibility = copy;
        return 0;
}

/* Register (once) the file a reference names, with its own references, as subject `sub`. */
static int ref_target(struct refctx *x, const char *file, const char *sub, const char *avro_name,
                      int depth)
{
        enum schema_type type;
        char *text = NULL;
        struct subject *s = find_subject(x->c, sub), *made = NULL;
        int rc = -1;

        if (file_schema(x->c, x->at, file, NULL, x->path, &type, &text) < 0)
                return -1;
        if (s) { /* a type shared by several schemas: one subject, the same content */
                rc = s->type == type && str_eq(s->schema, text)
                         ? tighten(x->c, s, x->compat)
                         : actx_error(x->c, x->at, x->path,
                                      "subject '%s' (from '%s') is declared twice with different "
                                      "schemas",
                                      sub, file);
                goto out;
        }
        if (avro_name && check_avro_name(x, file, text, avro_name) < 0)
                goto out;
        made = subject_new(sub, type, text);
        if (made) {
                made->compatibility = str_dup(x->compat ? x->compat : "FULL_TRANSITIVE");
                made->topic = str_dup(x->topic);
        }
        if (!made || !made->compatibility || !made->topic ||
            vec_push(&x->c->p->subjects, made) < 0) {
                subject_free(made);
                actx_error(x->c, x->at, x->path, "out of memory");
                goto out;
        }
        rc = add_refs(x, made, file, depth + 1); /* pushed first: a cycle finds it and stops */
out:
        free(text);
        return rc;
}

static int names_of(struct refctx *x, const struct subject *s, struct vec *names)
{
        struct diags quiet;
        struct ynode *n;
        int rc;

        if (s->type == SCHEMA_PROTOBUF)
                return proto_refs(s->schema, names);
        diags_init(&quiet);
        n = ytree_parse(s->name, s->schema, strlen(s->schema), &quiet);
        rc = !n ? 0 : s->type == SCHEMA_AVRO ? avro_refs(n, names) : json_refs(n, names, 0);
        ynode_free(n);
        diags_release(&quiet);
        (void)x;
        return rc;
}

static int add_refs(struct refctx *x, struct subject *s, const char *file, int depth)
{
        struct vec names = VEC_INIT;
        int rc = 0;

        if (depth > MAX_REF_DEPTH)
                return actx_error(x->c, x->at, x->path,
                                  "schema references nested deeper than %d files", MAX_REF_DEPTH);
        if (names_of(x, s, &names) < 0)
                rc = actx_error(x->c, x->at, x->path, "out of memory");
        for (size_t i = 0; rc == 0 && i < names.len; i++) {
                const char *name = names.items[i], *why = NULL;
                bool avro = s->type == SCHEMA_AVRO;
                char *rel = avro ? str_printf("%s.avsc", name) : str_dup(name);
                char *target = rel ? schema_ref_join(file, rel, &why) : NULL;
                char *sub =
                    target ? ref_subject(x->c->p->domain, x->topic, s->type, name, target) : NULL;

                if (why)
                        rc = actx_error(x->c, x->at, x->path, "schema '%s' references '%s': %s",
                                        file, name, why);
                else if (!sub)
                        rc = actx_error(x->c, x->at, x->path, "out of memory");
                else if (ref_target(x, target, sub, avro ? name : NULL, depth) < 0 ||
                         subject_add_ref(s, name, sub, 0) < 0)
                        rc = -1;
                free(sub);
                free(target);
                free(rel);
        }
        vec_release(&names, free);
        return rc;
}

int add_schema_refs(struct actx *c, struct ynode *schema, const char *topic, const char *compat,
                    const char *path, struct subject *s)
{
        const char *file = schema_file_ref(c, schema);
        struct refctx x = {c, schema, path, topic, compat};

        if (!file || !s->schema)
                return 0; /* inline schemas reference nothing outside the document */
        x.at = ynode_get(schema, "$ref") ? ynode_get(schema, "$ref") : schema;
        return add_refs(&x, s, file, 0);
}
