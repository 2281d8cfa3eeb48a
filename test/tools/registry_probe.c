/*
 * registry_probe: drives pkg/registry against a real registry for e2e/tests/40_registry.sh,
 * without the rest of the engine. The registry URL comes from $SPECMESH_REGISTRY_URL.
 *
 *   registry_probe observe DOMAIN [SUBJECT...]
 *       one line per observed subject: name type version id compatibility ("-" when unset)
 *   registry_probe apply [--dry-run] [--force] DOMAIN SPEC...
 *       SPEC is SUBJECT=TYPE:COMPATIBILITY:FILE (desired; empty COMPATIBILITY: none) or
 *       -SUBJECT (delete). Observes, derives the subject ops the planner would (create when
 *       absent; update when the schema text or the level differs, --force: always a new
 *       schema), applies them and prints one line per op: action subject state [error].
 *
 * Exit status: 0 success, 1 an op or the registry failed, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/registry/registry.h"

struct opts {
        unsigned flags;
        int force;
};

static const char *const states[] = {"pending", "done", "failed", "skipped"};
static const char *const actions[] = {"create", "update", "delete", "orphan"};

static int usage(void)
{
        fprintf(stderr, "usage: registry_probe observe DOMAIN [SUBJECT...]\n"
                        "       registry_probe apply [--dry-run] [--force] DOMAIN SPEC...\n");
        return 2;
}

/* Parse SUBJECT=TYPE:COMPAT:FILE into a desired subject. */
static struct subject *parse_spec(const char *spec)
{
        char *copy = strdup(spec);
        char *eq = strchr(copy, '=');
        char *c1 = eq ? strchr(eq + 1, ':') : NULL;
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        struct subject *s = NULL;
        enum schema_type t;
        char *text;

        if (!c2)
                goto out;
        *eq = *c1 = *c2 = '\0';
        text = str_read_file(c2 + 1, 1u << 20, NULL);
        if (text && schema_type_parse(eq + 1, &t) == 0)
                s = subject_new(copy, t, text);
        if (s && *(c1 + 1))
                s->compatibility = strdup(c1 + 1);
        free(text);
out:
        if (!s)
                fprintf(stderr, "registry_probe: bad spec '%s'\n", spec);
        free(copy);
        return s;
}

static struct subject *copy_subject(const struct subject *s)
{
        struct subject *c = subject_new(s->name, s->type, s->schema);

        c->compatibility = str_dup(s->compatibility);
        c->version = s->version;
        c->id = s->id;
        return c;
}

/* The op for desired `w` against observed `h` (NULL: absent), or NULL when nothing differs. */
static struct plan_op *diff(const struct subject *w, const struct subject *h, int force)
{
        struct plan_op *op = calloc(1, sizeof(*op));

        op->resource = PLAN_SUBJECT;
        op->want_subject = copy_subject(w);
        op->action = h ? PLAN_UPDATE : PLAN_CREATE;
        if (h) {
                op->have_subject = copy_subject(h);
                op->new_schema = force || strcmp(w->schema, h->schema) != 0 || w->type != h->type;
                op->set_compatibility = !str_eq(w->compatibility, h->compatibility);
        }
        if (h && !op->new_schema && !op->set_compatibility) {
                subject_free(op->want_subject);
                subject_free(op->have_subject);
                free(op);
                return NULL;
        }
        return op;
}

static struct plan_op *delete_op(const struct product *have, const char *name)
{
        struct subject *h = product_subject(have, name);
        struct plan_op *op;

        if (!h)
                return NULL;
        op = calloc(1, sizeof(*op));
        op->resource = PLAN_SUBJECT;
        op->action = PLAN_DELETE;
        op->have_subject = copy_subject(h);
        return op;
}

static void free_op(void *item)
{
        struct plan_op *op = item;

        subject_free(op->want_subject);
        subject_free(op->have_subject);
        free(op->error);
        free(op);
}

static int observe(struct registry *r, int argc, char **argv)
{
        struct product *want = product_new(), *have = product_new();
        struct err e = {0};
        int rc = 1;

        for (int i = 1; i < argc; i++)
                vec_push(&want->subjects, subject_new(argv[i], SCHEMA_AVRO, NULL));
        if (registry_observe(r, argv[0], want, have, &e) < 0) {
                fprintf(stderr, "registry_probe: %s (%s)\n", e.msg, err_kind_name(e.kind));
                goto out;
        }
        for (size_t i = 0; i < have->subjects.len; i++) {
                const struct subject *s = have->subjects.items[i];

                printf("%s %s %d %d %s\n", s->name, schema_type_str(s->type), s->version, s->id,
                       s->compatibility ? s->compatibility : "-");
        }
        rc = 0;
out:
        product_free(want);
        product_free(have);
        return rc;
}

/* Build the ops for SPEC... against what is in the registry now. */
static int build(struct registry *r, const char *domain, int argc, char **argv, int force,
                 struct plan *p)
{
        struct product *want = product_new(), *have = product_new();
        struct err e = {0};
        struct plan_op *op;
        int rc = -1;

        for (int i = 0; i < argc; i++) {
                struct subject *s = argv[i][0] == '-' ? subject_new(argv[i] + 1, SCHEMA_AVRO, NULL)
                                                      : parse_spec(argv[i]);
                if (!s)
                        goto out;
                vec_push(&want->subjects, s);
        }
        if (registry_observe(r, domain, want, have, &e) < 0) {
                fprintf(stderr, "registry_probe: %s (%s)\n", e.msg, err_kind_name(e.kind));
                goto out;
        }
        for (size_t i = 0; i < want->subjects.len; i++) {
                const struct subject *w = want->subjects.items[i];

                op = w->schema ? diff(w, product_subject(have, w->name), force)
                               : delete_op(have, w->name);
                if (op)
                        vec_push(&p->ops, op);
        }
        rc = 0;
out:
        product_free(want);
        product_free(have);
        return rc;
}

static int apply(struct registry *r, const struct opts *o, int argc, char **argv)
{
        struct plan p = {0};
        struct err e = {0};
        int rc = 1;

        if (build(r, argv[0], argc - 1, argv + 1, o->force, &p) < 0)
                goto out;
        printf("ops: %zu\n", p.ops.len);
        rc = registry_apply(r, &p, o->flags, &e) < 0 ? 1 : 0;
        for (size_t i = 0; i < p.ops.len; i++) {
                const struct plan_op *op = p.ops.items[i];
                const struct subject *s = op->want_subject ? op->want_subject : op->have_subject;

                printf("%s%s%s %s %s%s%s\n", actions[op->action], op->new_schema ? "+schema" : "",
                       op->set_compatibility ? "+compatibility" : "", s->name, states[op->state],
                       op->error ? " " : "", op->error ? op->error : "");
        }
        if (rc)
                fprintf(stderr, "registry_probe: %s (%s)\n", e.msg, err_kind_name(e.kind));
out:
        vec_release(&p.ops, free_op);
        return rc;
}

int main(int argc, char **argv)
{
        const char *url = getenv("SPECMESH_REGISTRY_URL");
        struct opts o = {0, 0};
        struct registry *r;
        struct err e = {0};
        int rc, i = 2;

        if (argc < 3 || !url)
                return usage();
        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (strcmp(argv[i], "--dry-run") == 0)
                        o.flags |= REGISTRY_APPLY_DRY_RUN;
                else if (strcmp(argv[i], "--force") == 0)
                        o.force = 1;
                else
                        return usage();
        }
        if (i >= argc)
                return usage();
        r = registry_new(url, &e);
        if (!r) {
                fprintf(stderr, "registry_probe: %s\n", e.msg);
                return 1;
        }
        if (strcmp(argv[1], "observe") == 0)
                rc = observe(r, argc - i, argv + i);
        else if (strcmp(argv[1], "apply") == 0)
                rc = apply(r, &o, argc - i, argv + i);
        else
                rc = usage();
        registry_free(r);
        return rc;
}
