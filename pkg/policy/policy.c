#include "pkg/policy/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/yaml/diag.h"
#include "pkg/yaml/ytree.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

/* ---- parsing ---- */

struct pctx {
        const char *file;
        struct diags *d;
        struct policy *p;
};

static int perr(struct pctx *c, const struct ynode *n, const char *path, const char *fmt,
                const char *arg)
{
        return diags_add(c->d, c->file, n ? n->line : 0, n ? n->col : 0, path, fmt, arg);
}

/* Every key of map `m` must be one of `known`. */
static void keys_known(struct pctx *c, const struct ynode *m, const char *path,
                       const char *const *known)
{
        char sub[256];

        for (size_t i = 0; m && m->type == YNODE_MAP && i < m->len; i++) {
                bool ok = false;
                for (const char *const *k = known; *k && !ok; k++)
                        ok = strcmp(m->keys[i], *k) == 0;
                if (ok)
                        continue;
                snprintf(sub, sizeof(sub), "%s.%s", path, m->keys[i]);
                perr(c, m->items[i], sub, "unknown key '%s' in a MeshPolicy", m->keys[i]);
        }
}

static const struct ynode *map_at(struct pctx *c, const struct ynode *parent, const char *key,
                                  const char *path)
{
        const struct ynode *n = ynode_get(parent, key);

        if (n && n->type != YNODE_MAP) {
                perr(c, n, path, "%s must be a mapping", key);
                return NULL;
        }
        return n;
}

static void read_bool(struct pctx *c, const struct ynode *m, const char *key, const char *path,
                      bool *out)
{
        const struct ynode *n = ynode_get(m, key);

        if (!n)
                return;
        if (n->type == YNODE_SCALAR && strcmp(n->scalar, "true") == 0)
                *out = true;
        else if (n->type == YNODE_SCALAR && strcmp(n->scalar, "false") == 0)
                *out = false;
        else
                perr(c, n, path, "%s must be true or false", key);
}

static void read_long(struct pctx *c, const struct ynode *m, const char *key, const char *path,
                      long *out, bool *set)
{
        const struct ynode *n = ynode_get(m, key);

        if (!n)
                return;
        if (n->type != YNODE_SCALAR || str_to_long(n->scalar, 0, 1L << 62, out) < 0)
                perr(c, n, path, "%s must be a whole number >= 0", key);
        else if (set)
                *set = true;
}

/* A list of strings; each checked by `ok` (NULL: any non-empty string). */
static void read_list(struct pctx *c, const struct ynode *m, const char *key, const char *path,
                      struct vec *out, bool (*ok)(const char *))
{
        const struct ynode *n = ynode_get(m, key);

        if (!n)
                return;
        if (n->type != YNODE_SEQ) {
                perr(c, n, path, "%s must be a list", key);
                return;
        }
        for (size_t i = 0; i < n->len; i++) {
                const struct ynode *it = n->items[i];
                char *s;
                if (it->type != YNODE_SCALAR || !*it->scalar || (ok && !ok(it->scalar))) {
                        perr(c, it, path, "'%s' is not a valid entry here",
                             it->type == YNODE_SCALAR ? it->scalar : "(a collection)");
                        continue;
                }
                s = str_dup(it->scalar);
                if (!s || vec_push(out, s) < 0)
                        free(s);
        }
}

static bool domain_ok(const char *s)
{
        return model_domain_valid(s, NULL);
}

static bool principal_pattern_ok(const char *s)
{
        size_t n = strlen(s);
        char *copy;
        bool ok;

        /* a trailing '*' makes a prefix pattern; the rest must be a valid principal */
        if (n > 6 && s[n - 1] == '*') {
                copy = str_ndup(s, n - 1);
                ok = copy && str_starts_with(copy, "User:") && !strchr(copy, '*');
                free(copy);
                return ok;
        }
        return model_principal_valid(s, NULL);
}

static bool reserved_ok(const char *s)
{
        return str_starts_with(s, "User:") && s[5];
}

static bool compat_ok(const char *s)
{
        return policy_compat_at_least(s, "NONE");
}

static void read_claims(struct pctx *c, const struct ynode *spec)
{
        static const char *const known[] = {"namespaces", "domains", NULL};
        const struct ynode *n = ynode_get(spec, "claims");

        if (!n)
                return;
        if (n->type != YNODE_SEQ) {
                perr(c, n, "spec.claims", "%s must be a list", "claims");
                return;
        }
        for (size_t i = 0; i < n->len; i++) {
                struct policy_claim *cl = calloc(1, sizeof(*cl));
                if (!cl || vec_push(&c->p->claims, cl) < 0) {
                        free(cl);
                        perr(c, n, "spec.claims", "%s", "out of memory");
                        return;
                }
                if (n->items[i]->type != YNODE_MAP) {
                        perr(c, n->items[i], "spec.claims", "%s", "a claim is a mapping");
                        continue;
                }
                keys_known(c, n->items[i], "spec.claims[]", known);
                read_list(c, n->items[i], "namespaces", "spec.claims[].namespaces", &cl->namespaces,
                          NULL);
                read_list(c, n->items[i], "domains", "spec.claims[].domains", &cl->domains,
                          domain_ok);
        }
}

static void read_range(struct pctx *c, const struct ynode *topics, const char *key,
                       const char *path, struct policy_range *r)
{
        static const char *const known[] = {"min", "max", NULL};
        const struct ynode *m = map_at(c, topics, key, path);

        keys_known(c, m, path, known);
        read_long(c, m, "min", path, &r->min, &r->has_min);
        read_long(c, m, "max", path, &r->max, &r->has_max);
}

static void read_topics(struct pctx *c, const struct ynode *spec)
{
        static const char *const known[] = {"partitions",        "replicas",       "retentionMsMax",
                                            "retentionBytesMax", "allowedConfigs", NULL};
        const struct ynode *t = map_at(c, spec, "topics", "spec.topics");

        keys_known(c, t, "spec.topics", known);
        read_range(c, t, "partitions", "spec.topics.partitions", &c->p->partitions);
        read_range(c, t, "replicas", "spec.topics.replicas", &c->p->replicas);
        read_long(c, t, "retentionMsMax", "spec.topics.retentionMsMax", &c->p->retention_ms_max,
                  NULL);
        read_long(c, t, "retentionBytesMax", "spec.topics.retentionBytesMax",
                  &c->p->retention_bytes_max, NULL);
        read_list(c, t, "allowedConfigs", "spec.topics.allowedConfigs", &c->p->allowed_configs,
                  NULL);
}

static void read_rest(struct pctx *c, const struct ynode *spec)
{
        static const char *const pk[] = {"allowOverride", "allowed", "reserved", NULL};
        static const char *const qk[] = {"required", "producerByteRateMax", "consumerByteRateMax",
                                         "requestPercentageMax", NULL};
        static const char *const dk[] = {"allowDelete", NULL};
        static const char *const sk[] = {"minCompatibility", NULL};
        static const char *const qmax[] = {"producerByteRateMax", "consumerByteRateMax",
                                           "requestPercentageMax"};
        const struct ynode *pr = map_at(c, spec, "principals", "spec.principals");
        const struct ynode *q = map_at(c, spec, "quotas", "spec.quotas");
        const struct ynode *del = map_at(c, spec, "deletion", "spec.deletion");
        const struct ynode *sc = map_at(c, spec, "schemas", "spec.schemas");
        const char *mc = ynode_str(sc, "minCompatibility");

        keys_known(c, pr, "spec.principals", pk);
        read_bool(c, pr, "allowOverride", "spec.principals.allowOverride",
                  &c->p->allow_principal_override);
        read_list(c, pr, "allowed", "spec.principals.allowed", &c->p->principals,
                  principal_pattern_ok);
        read_list(c, pr, "reserved", "spec.principals.reserved", &c->p->reserved_principals,
                  reserved_ok);
        keys_known(c, q, "spec.quotas", qk);
        read_bool(c, q, "required", "spec.quotas.required", &c->p->quotas_required);
        for (int k = 0; k < 3; k++) {
                long v = 0;
                read_long(c, q, qmax[k], "spec.quotas", &v, NULL);
                c->p->quota_max[k] = (double)v;
        }
        keys_known(c, del, "spec.deletion", dk);
        read_bool(c, del, "allowDelete", "spec.deletion.allowDelete", &c->p->allow_delete);
        keys_known(c, sc, "spec.schemas", sk);
        if (mc && !compat_ok(mc))
                perr(c, ynode_get(sc, "minCompatibility"), "spec.schemas.minCompatibility",
                     "unknown compatibility '%s'", mc);
        else if (mc)
                c->p->min_compatibility = str_dup(mc);
}

static void read_spec(struct pctx *c, const struct ynode *spec)
{
        static const char *const known[] = {"claims",     "allowParentOwnership",
                                            "principals", "topics",
                                            "quotas",     "deletion",
                                            "schemas",    NULL};

        keys_known(c, spec, "spec", known);
        read_claims(c, spec);
        read_bool(c, spec, "allowParentOwnership", "spec.allowParentOwnership",
                  &c->p->allow_parent_ownership);
        read_topics(c, spec);
        read_rest(c, spec);
}

struct policy *policy_parse(const char *file, const char *data, size_t len, struct diags *d)
{
        size_t before = d->items.len;
        struct ynode *root = ytree_parse(file, data, len, d);
        const struct ynode *spec = root;
        const char *kind = ynode_str(root, "kind");
        struct pctx c = {.file = file, .d = d};

        if (!root)
                return NULL;
        c.p = calloc(1, sizeof(*c.p));
        if (!c.p) {
                ynode_free(root);
                diags_add(d, file, 0, 0, NULL, "out of memory");
                return NULL;
        }
        c.p->allow_delete = true;
        c.p->name = str_dup(ynode_str(ynode_get(root, "metadata"), "name"));
        if (kind && strcmp(kind, "MeshPolicy") != 0)
                perr(&c, ynode_get(root, "kind"), "kind", "kind '%s' is not MeshPolicy", kind);
        if (kind || ynode_get(root, "spec"))
                spec = ynode_get(root, "spec");
        if (!spec || spec->type != YNODE_MAP)
                perr(&c, spec ? spec : root, "spec", "%s", "a MeshPolicy needs a spec mapping");
        else
                read_spec(&c, spec);
        ynode_free(root);
        if (!c.p->name)
                c.p->name = str_dup("default");
        if (d->items.len != before || !c.p->name) {
                policy_free(c.p);
                return NULL;
        }
        return c.p;
}

static void claim_free(struct policy_claim *cl)
{
        if (!cl)
                return;
        vec_release(&cl->namespaces, free);
        vec_release(&cl->domains, free);
        free(cl);
}

void policy_free(struct policy *p)
{
        if (!p)
                return;
        free(p->name);
        for (size_t i = 0; i < p->claims.len; i++)
                claim_free(p->claims.items[i]);
        vec_release(&p->claims, NULL);
        vec_release(&p->principals, free);
        vec_release(&p->reserved_principals, free);
        vec_release(&p->allowed_configs, free);
        free(p->min_compatibility);
        free(p);
}

void policy_violation_free(struct policy_violation *v)
{
        if (!v)
                return;
        free(v->rule);
        free(v->field);
        free(v->message);
        free(v);
}

void policy_free_item(void *p)
{
        policy_free(p);
}

void policy_violation_free_item(void *v)
{
        policy_violation_free(v);
}
