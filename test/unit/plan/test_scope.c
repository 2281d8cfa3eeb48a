/*
 * The tenancy invariant at the planner (docs/security.md): a plan never deletes, revokes or
 * reports anything of a longer domain found in the cluster, and plan_build() refuses a plan
 * with any op outside the domain, whatever the desired product says (a reader bug must not
 * become a cross-tenant change). The property test feeds generated hostile states both ways.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pkg/base/err.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"

static struct product *product(const char *domain)
{
        struct product *p = product_new();
        char who[256];

        snprintf(who, sizeof(who), "User:%s", domain);
        p->domain = strdup(domain);
        p->principal = strdup(who);
        return p;
}

static void topic(struct product *p, const char *name)
{
        vec_push(&p->topics, topic_new(name, 1, 1));
}

static void acl(struct product *p, enum acl_resource r, const char *name, enum acl_pattern pat,
                const char *who, enum acl_op op)
{
        vec_push(&p->acls, acl_new(r, name, pat, who, op));
}

static void subject(struct product *p, const char *name)
{
        vec_push(&p->subjects, subject_new(name, SCHEMA_AVRO, "\"string\""));
}

/* Everything the cluster holds for the parent a, the child a.b.c, a sibling and a.bc. */
static struct product *crowded_cluster(void)
{
        struct product *h = product("a.b");

        topic(h, "a.b.c._public.x");
        topic(h, "a.b.c._private.y");
        topic(h, "a.b.c.d._protected.z");
        topic(h, "a.b.c");
        topic(h, "a.b.x");
        topic(h, "a.bc._public.x");
        acl(h, ACL_RES_TOPIC, "a.b.c.", ACL_PAT_PREFIXED, "User:a.b.c", ACL_OP_WRITE);
        acl(h, ACL_RES_TOPIC, "a.b.c._public.", ACL_PAT_PREFIXED, "User:*", ACL_OP_READ);
        acl(h, ACL_RES_TOPIC, "a.b.c._protected.t", ACL_PAT_LITERAL, "User:z", ACL_OP_READ);
        acl(h, ACL_RES_GROUP, "a.b.c.", ACL_PAT_PREFIXED, "User:a.b.c", ACL_OP_READ);
        acl(h, ACL_RES_TRANSACTIONAL_ID, "a.b.c.", ACL_PAT_PREFIXED, "User:a.b.c", ACL_OP_WRITE);
        acl(h, ACL_RES_CLUSTER, "kafka-cluster", ACL_PAT_LITERAL, "User:a.b.c",
            ACL_OP_IDEMPOTENT_WRITE);
        acl(h, ACL_RES_TOPIC, "a.b.x", ACL_PAT_LITERAL, "User:q", ACL_OP_READ);
        acl(h, ACL_RES_TOPIC, "a.", ACL_PAT_PREFIXED, "User:a", ACL_OP_READ);
        subject(h, "a.b.c._public.x-value");
        subject(h, "a.b.c.Record");
        subject(h, "a.b.c");
        subject(h, "a.bc._public.x-value");
        return h;
}

Test(scope, prune_never_touches_a_longer_domain)
{
        struct product *want = product("a.b"), *have = crowded_cluster();
        struct plan p;
        struct err err;

        product_sort(want);
        product_sort(have);
        cr_assert_eq(plan_build(want, have, PLAN_PRUNE, &p, &err), 0, "%s", err.msg);
        for (size_t i = 0; i < p.ops.len; i++) {
                const struct plan_op *op = p.ops.items[i];
                cr_assert_fail("op %s %s %s on a resource that is not a.b's",
                               plan_action_str(op->action), plan_resource_str(op->resource),
                               plan_op_name(op));
        }
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(scope, own_leftovers_are_still_pruned)
{
        struct product *want = product("a.b"), *have = crowded_cluster();
        struct plan p;
        struct err err;

        topic(have, "a.b._public.gone");
        subject(have, "a.b._public.gone-value");
        subject(have, "a.b._public.GoneRecord");
        acl(have, ACL_RES_TOPIC, "a.b._protected.t", ACL_PAT_LITERAL, "User:z", ACL_OP_READ);
        product_sort(want);
        product_sort(have);
        cr_assert_eq(plan_build(want, have, PLAN_PRUNE, &p, &err), 0, "%s", err.msg);
        cr_assert_eq(p.ops.len, 4, "the topic, two subjects and the grant: %zu", p.ops.len);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

/* Build `want` against an empty cluster; expect a refusal that names `what`. */
static void refused(struct product *want, const char *what)
{
        struct product *have = product(want->domain);
        struct plan p;
        struct err err;

        product_sort(want);
        cr_expect_eq(plan_build(want, have, 0, &p, &err), -1, "%s accepted", what);
        cr_expect(strstr(err.msg, what), "'%s' not in '%s'", what, err.msg);
        cr_expect_eq(p.ops.len, 0);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(scope, the_gate_refuses_ops_outside_the_domain)
{
        struct product *w;

        w = product("a.b");
        topic(w, "a.b.c._public.x");
        refused(w, "a.b.c._public.x");
        w = product("a.b");
        topic(w, "a.b.x");
        refused(w, "a.b.x");
        w = product("a.b");
        subject(w, "a.b.c.Rec");
        refused(w, "a.b.c.Rec");
        w = product("a.b");
        acl(w, ACL_RES_TOPIC, "a.", ACL_PAT_PREFIXED, "User:a.b", ACL_OP_WRITE);
        refused(w, "a.");
        w = product("a.b");
        acl(w, ACL_RES_TOPIC, "a.b.", ACL_PAT_PREFIXED, "User:*", ACL_OP_READ);
        refused(w, "a.b.");
        w = product("a.b");
        acl(w, ACL_RES_TOPIC, "a.b._public.x", ACL_PAT_LITERAL, "User:z", ACL_OP_WRITE);
        refused(w, "a.b._public.x");
        w = product("a.b");
        acl(w, ACL_RES_CLUSTER, "kafka-cluster", ACL_PAT_LITERAL, "User:z",
            ACL_OP_IDEMPOTENT_WRITE);
        refused(w, "kafka-cluster");
        w = product("a.b");
        w->quota = quota_new("z");
        w->quota->set = 1;
        refused(w, "quota 'z'");
        w = product("a.b");
        free(w->principal);
        w->principal = strdup("User:*");
        refused(w, "principal 'User:*'");
        w = product("a._public");
        refused(w, "a._public");
        /* a reference pins the referenced version: never another domain's subject */
        w = product("a.b");
        subject(w, "a.b._public.x-value");
        subject_add_ref(w->subjects.items[0], "a.b.c.Money", "a.b.c._public.Money", 0);
        refused(w, "a.b._public.x-value");
}

Test(scope, references_to_own_subjects_pass_the_gate)
{
        struct product *w = product("a.b"), *h = product("a.b");
        struct plan p;
        struct err err;

        subject(w, "a.b._public.Money");
        subject(w, "a.b._public.x-value");
        subject_add_ref(w->subjects.items[1], "a.b._public.Money", "a.b._public.Money", 0);
        err_clear(&err);
        cr_assert_eq(plan_build(w, h, 0, &p, &err), 0, "%s", err.msg);
        plan_release(&p);
        product_free(w);
        product_free(h);
}

/* ---- property ---- */

static const char *const names[] = {
    "a.b._public.x", "a.b._private.y",      "a.b._protected.z", "a.b.c._public.x", "a.b.x",
    "a.b",           "a.bc._public.x",      "a._public.x",      "a.b._public.",    "a.b.Rec",
    "a.b.c.Rec",     "a.b._public.x-value", "b._public.x",      "a.b.c",           "a.b.__x",
};
static const char *const prefixes[] = {
    "a.b.", "a.b._public.", "a.b._private.", "a.b.c.", "a.", "a.b._protected.", "", "a.b"};
static const char *const principals[] = {"User:a.b", "User:*", "User:z", "User:a.b.c",
                                         "User:ANONYMOUS"};

static unsigned next(unsigned *s)
{
        *s = *s * 1103515245u + 12345u;
        return *s >> 8;
}

#define PICK(s, t) t[next(s) % (sizeof(t) / sizeof(t[0]))]

static const char *const good[] = {"a.b._public.x", "a.b._private.y", "a.b._protected.z"};

/* A hostile state; `mostly_good` keeps most names valid so that many plans get built. */
static const char *name(unsigned *s, bool mostly_good)
{
        return mostly_good && next(s) % 16 ? PICK(s, good) : PICK(s, names);
}

static void fill(struct product *p, unsigned *s, bool mostly_good)
{
        for (int i = (int)(next(s) % 6); i > 0; i--)
                topic(p, name(s, mostly_good));
        for (int i = (int)(next(s) % 6); i > 0; i--)
                subject(p, name(s, mostly_good));
        for (int i = (int)(next(s) % 8); i > 0; i--) {
                bool pre = next(s) & 1;
                if (mostly_good && next(s) % 16) {
                        acl(p, ACL_RES_TOPIC, pre ? "a.b." : PICK(s, good),
                            pre ? ACL_PAT_PREFIXED : ACL_PAT_LITERAL, "User:a.b",
                            (enum acl_op)(2 + next(s) % 11));
                        continue;
                }
                acl(p, (enum acl_resource)(2 + next(s) % 4),
                    pre ? PICK(s, prefixes) : PICK(s, names),
                    pre ? ACL_PAT_PREFIXED : ACL_PAT_LITERAL, PICK(s, principals),
                    (enum acl_op)(2 + next(s) % 11));
        }
        if (next(s) % 3 == 0) {
                p->quota = quota_new(mostly_good ? "a.b" : PICK(s, principals) + 5);
                p->quota->set = 1;
        }
}

static bool starts(const char *s, const char *p)
{
        return strncmp(s, p, strlen(p)) == 0;
}

/* a.b's own topic names, checked without the model's helpers */
static bool own(const char *n)
{
        return (starts(n, "a.b._public.") && n[12]) || (starts(n, "a.b._private.") && n[13]) ||
               (starts(n, "a.b._protected.") && n[15]);
}

static void check_op(const struct plan_op *op)
{
        const char *n = plan_op_name(op);
        const struct acl *a = op->acl;

        switch (op->resource) {
        case PLAN_TOPIC:
                cr_assert(own(n), "topic op on %s", n);
                break;
        case PLAN_SUBJECT:
                cr_assert(own(n), "subject op on %s", n);
                break;
        case PLAN_QUOTA:
                cr_assert_str_eq(n, "a.b");
                break;
        case PLAN_ACL:
                if (a->resource == ACL_RES_CLUSTER) {
                        cr_assert_str_eq(a->principal, "User:a.b");
                } else if (a->pattern == ACL_PAT_PREFIXED && op->legacy) {
                        /* the SpecMesh CLI's form of a.b's own set, only ever deleted */
                        cr_assert(op->action == PLAN_DELETE && a->perm == ACL_PERM_ALLOW &&
                                      (!strcmp(n, "a.b") || !strcmp(n, "a.b._public") ||
                                       !strcmp(n, "a.b._private") || !strcmp(n, "a.b._protected")),
                                  "legacy acl op on %s", n);
                } else if (a->pattern == ACL_PAT_PREFIXED) {
                        cr_assert(!strcmp(n, "a.b.") || !strcmp(n, "a.b._public.") ||
                                      !strcmp(n, "a.b._private.") || !strcmp(n, "a.b._protected."),
                                  "prefixed acl op on %s", n);
                } else {
                        cr_assert(own(n), "literal acl op on %s", n);
                }
                if (op->action == PLAN_CREATE && strcmp(a->principal, "User:a.b") != 0)
                        cr_assert(
                            a->resource == ACL_RES_TOPIC &&
                                (a->op == ACL_OP_READ || a->op == ACL_OP_DESCRIBE) &&
                                (strcmp(a->principal, "User:*") != 0 || !strcmp(n, "a.b._public.")),
                            "grant %s %s on %s", a->principal, acl_op_str(a->op), n);
                break;
        }
}

Test(scope, property_no_plan_leaves_the_domain)
{
        unsigned seed = 7, built = 0, refusals = 0;

        for (int round = 0; round < 4000; round++) {
                struct product *want = product("a.b"), *have = product("a.b");
                struct plan p;
                struct err err;
                fill(want, &seed, true);
                fill(have, &seed, false);
                product_sort(want);
                product_sort(have);
                if (plan_build(want, have, (next(&seed) & 1) ? PLAN_PRUNE : 0, &p, &err) == 0) {
                        built++;
                        for (size_t i = 0; i < p.ops.len; i++)
                                check_op(p.ops.items[i]);
                } else {
                        refusals++;
                        cr_assert_eq(err.kind, ERR_INVALID, "%s", err.msg);
                }
                plan_release(&p);
                product_free(want);
                product_free(have);
        }
        cr_assert_gt(built, 100, "built %u, refused %u", built, refusals);
        cr_assert_gt(refusals, 100, "built %u, refused %u", built, refusals);
}

Test(scope, text_plan_escapes_what_could_forge_lines)
{
        struct product *want = product("a.b"), *have = product("a.b");
        struct plan p;
        struct err err;
        char *text;

        vec_push(&want->topics, topic_new("a.b._public.x", 1, 1));
        topic_set_config(want->topics.items[0], "retention.ms",
                         "1\"\n  - topic a.b._public.other\n\x1b[2J\xe2\x80\xae");
        subject(have, "a.b._public.y\n  - acl ALLOW User:* ALL TOPIC PREFIXED a.");
        product_sort(want);
        product_sort(have);
        cr_assert_eq(plan_build(want, have, 0, &p, &err), 0, "%s", err.msg);
        text = plan_render_text(&p);
        cr_assert_not_null(text);
        cr_assert_null(strstr(text, "\n  - topic a.b._public.other"), "%s", text);
        cr_assert_null(strstr(text, "\n  - acl"), "%s", text);
        cr_assert_null(strchr(text, '\x1b'), "no terminal escapes");
        cr_assert(strstr(text, "retention.ms = \"1\\\"\\n  - topic a.b._public.other\\n\\x1b[2J"
                               "\\xe2\\x80\\xae\""),
                  "%s", text);
        free(text);
        plan_release(&p);
        product_free(want);
        product_free(have);
}

Test(scope, json_plan_carries_hostile_values_exactly)
{
        static const char *const value = "1\"\n}, {\"action\": \"delete\"\x01\xe2\x80\xa8";
        struct product *want = product("a.b"), *have = product("a.b");
        struct plan p;
        struct err err;
        json_object *root, *changes, *cfg = NULL;
        char *text;

        vec_push(&want->topics, topic_new("a.b._public.x", 1, 1));
        topic_set_config(want->topics.items[0], "retention.ms", value);
        product_sort(want);
        cr_assert_eq(plan_build(want, have, 0, &p, &err), 0, "%s", err.msg);
        text = plan_render_json(&p);
        root = json_tokener_parse(text);
        cr_assert_not_null(root, "%s", text);
        json_object_object_get_ex(root, "changes", &changes);
        cr_assert_eq(json_object_array_length(changes), 1, "no forged change: %s", text);
        json_object_object_get_ex(json_object_array_get_idx(changes, 0), "configs", &cfg);
        json_object_object_get_ex(cfg, "retention.ms", &cfg);
        cr_assert_str_eq(json_object_get_string(cfg), value, "the value, exactly");
        json_object_put(root);
        free(text);
        plan_release(&p);
        product_free(want);
        product_free(have);
}
