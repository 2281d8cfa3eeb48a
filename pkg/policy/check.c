#include "pkg/policy/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/yaml/diag.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

/* Compatibility levels as guarantees: backward, forward, transitive. */
enum { C_BACK = 1, C_FWD = 2, C_TRANS = 4 };

static int compat_bits(const char *s)
{
        static const struct {
                const char *name;
                int bits;
        } levels[] = {
            {"NONE", 0},
            {"BACKWARD", C_BACK},
            {"BACKWARD_TRANSITIVE", C_BACK | C_TRANS},
            {"FORWARD", C_FWD},
            {"FORWARD_TRANSITIVE", C_FWD | C_TRANS},
            {"FULL", C_BACK | C_FWD},
            {"FULL_TRANSITIVE", C_BACK | C_FWD | C_TRANS},
        };

        for (size_t i = 0; s && i < sizeof(levels) / sizeof(levels[0]); i++)
                if (strcmp(s, levels[i].name) == 0)
                        return levels[i].bits;
        return -1;
}

bool policy_compat_at_least(const char *level, const char *min)
{
        int l = compat_bits(level), m = compat_bits(min);

        return l >= 0 && m >= 0 && (l & m) == m;
}

bool policy_domain_within(const char *domain, const char *root)
{
        size_t n = strlen(root);

        return strncmp(domain, root, n) == 0 && (domain[n] == '\0' || domain[n] == '.');
}

struct cctx {
        const struct policy *pol;
        const struct product *p;
        struct vec *out;
        int count;
        bool nomem;
};

static void violation(struct cctx *c, const char *rule, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void violation(struct cctx *c, const char *rule, const char *field, const char *fmt, ...)
{
        struct policy_violation *v = calloc(1, sizeof(*v));
        char msg[768];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (v) {
                v->rule = str_dup(rule);
                v->field = str_dup(field);
                v->message = str_printf("MeshPolicy %s, rule %s: %s", c->pol->name, rule, msg);
        }
        if (!v || !v->rule || !v->field || !v->message || vec_push(c->out, v) < 0) {
                policy_violation_free(v);
                c->nomem = true;
                return;
        }
        c->count++;
}

static bool in_list(const struct vec *v, const char *s)
{
        for (size_t i = 0; i < v->len; i++)
                if (strcmp(v->items[i], s) == 0)
                        return true;
        return false;
}

static void check_claims(struct cctx *c, const char *ns)
{
        const struct vec *claims = &c->pol->claims;

        if (!claims->len)
                return;
        for (size_t i = 0; i < claims->len; i++) {
                const struct policy_claim *cl = claims->items[i];
                bool ns_ok = !ns || in_list(&cl->namespaces, ns) || in_list(&cl->namespaces, "*");
                for (size_t k = 0; ns_ok && k < cl->domains.len; k++)
                        if (policy_domain_within(c->p->domain, cl->domains.items[k]))
                                return;
        }
        if (ns)
                violation(c, "claims", "id",
                          "namespace %s may not claim domain %s (no claim covers it)", ns,
                          c->p->domain);
        else
                violation(c, "claims", "id", "no namespace may claim domain %s", c->p->domain);
}

static bool principal_allowed(const struct policy *pol, const char *who)
{
        for (size_t i = 0; i < pol->principals.len; i++) {
                const char *pat = pol->principals.items[i];
                size_t n = strlen(pat);
                if (n && pat[n - 1] == '*' ? strncmp(who, pat, n - 1) == 0 : !strcmp(who, pat))
                        return true;
        }
        return false;
}

static void check_principal(struct cctx *c)
{
        char *own = str_printf("User:%s", c->p->domain);
        const char *who = c->p->principal;

        if (!own) {
                c->nomem = true;
                return;
        }
        if (in_list(&c->pol->reserved_principals, who))
                violation(c, "principals.reserved", "spec.principal",
                          "principal %s is reserved (a super user or the platform's own)", who);
        else if (strcmp(who, own) != 0 &&
                 (!c->pol->allow_principal_override || !principal_allowed(c->pol, who)))
                violation(c, "principals.allowOverride", "spec.principal",
                          "principal %s overrides the default %s, and the policy does not allow "
                          "it",
                          who, own);
        free(own);
}

static void check_range(struct cctx *c, const struct policy_range *r, const char *what, int v,
                        const struct topic *t)
{
        char rule[64], field[400];

        snprintf(field, sizeof(field), "channels.%s.bindings.kafka.%s",
                 t->channel ? t->channel : t->name, what);
        if ((r->has_min || r->has_max) && v < 0) {
                snprintf(rule, sizeof(rule), "topics.%s", what);
                violation(c, rule, field, "topic %s must declare %s (the policy limits them)",
                          t->name, what);
                return;
        }
        if (r->has_min && v < r->min) {
                snprintf(rule, sizeof(rule), "topics.%s.min", what);
                violation(c, rule, field, "topic %s: %s %d is below the minimum %ld", t->name, what,
                          v, r->min);
        }
        if (r->has_max && v > r->max) {
                snprintf(rule, sizeof(rule), "topics.%s.max", what);
                violation(c, rule, field, "topic %s: %s %d is above the maximum %ld", t->name, what,
                          v, r->max);
        }
}

/* retention.ms / retention.bytes under a cap; -1 (forever) never is. */
static void check_cap(struct cctx *c, const struct topic *t, const char *key, long cap,
                      const char *rule)
{
        const char *v = topic_config(t, key);
        char field[400];
        long n;

        if (!cap || !v)
                return;
        snprintf(field, sizeof(field), "channels.%s.bindings.kafka.configs.%s",
                 t->channel ? t->channel : t->name, key);
        if (str_to_long(v, -1, 1L << 62, &n) < 0 || n < 0 || n > cap)
                violation(c, rule, field, "topic %s: %s '%s' is over the cap %ld", t->name, key, v,
                          cap);
}

static void check_topic(struct cctx *c, const struct topic *t)
{
        char field[400];

        check_range(c, &c->pol->partitions, "partitions", t->partitions, t);
        check_range(c, &c->pol->replicas, "replicas", t->replicas, t);
        check_cap(c, t, "retention.ms", c->pol->retention_ms_max, "topics.retentionMsMax");
        check_cap(c, t, "retention.bytes", c->pol->retention_bytes_max, "topics.retentionBytesMax");
        for (size_t i = 0; c->pol->allowed_configs.len && i < t->configs.len; i++) {
                const struct strmap_ent *kv = &t->configs.items[i];
                if (in_list(&c->pol->allowed_configs, kv->key))
                        continue;
                snprintf(field, sizeof(field), "channels.%s.bindings.kafka.configs.%s",
                         t->channel ? t->channel : t->name, kv->key);
                violation(c, "topics.allowedConfigs", field,
                          "topic %s: config %s is not one the policy allows", t->name, kv->key);
        }
}

static void check_quota(struct cctx *c)
{
        static const char *const keys[] = {"producerByteRate", "consumerByteRate",
                                           "requestPercentage"};
        const struct quota *q = c->p->quota;
        char rule[64], field[64];

        if (c->pol->quotas_required && (!q || !q->set))
                violation(c, "quotas.required", "spec.quotas",
                          "the policy requires quotas (producerByteRate, consumerByteRate, "
                          "requestPercentage)");
        for (int k = 0; q && k < 3; k++) {
                bool set = q->set & (1u << k);
                if (!c->pol->quota_max[k])
                        continue;
                snprintf(rule, sizeof(rule), "quotas.%sMax", keys[k]);
                snprintf(field, sizeof(field), "spec.quotas.%s", keys[k]);
                if (set && q->values[k] > c->pol->quota_max[k])
                        violation(c, rule, field, "%s %.0f is above the ceiling %.0f", keys[k],
                                  q->values[k], c->pol->quota_max[k]);
                else if (!set && c->pol->quotas_required)
                        violation(c, rule, field, "%s must be set (ceiling %.0f)", keys[k],
                                  c->pol->quota_max[k]);
        }
}

static void check_subjects(struct cctx *c)
{
        const char *min = c->pol->min_compatibility;

        for (size_t i = 0; min && i < c->p->subjects.len; i++) {
                const struct subject *s = c->p->subjects.items[i];
                const char *lv = s->compatibility ? s->compatibility : "FULL_TRANSITIVE";
                if (!policy_compat_at_least(lv, min))
                        violation(c, "schemas.minCompatibility", "bindings.kafka.compatibility",
                                  "subject %s: compatibility %s is weaker than %s", s->name, lv,
                                  min);
        }
}

int policy_check(const struct policy *pol, const struct product *p, const char *ns, struct vec *out)
{
        struct cctx c = {.pol = pol, .p = p, .out = out};

        check_claims(&c, ns);
        check_principal(&c);
        for (size_t i = 0; i < p->topics.len; i++)
                check_topic(&c, p->topics.items[i]);
        check_quota(&c);
        if (!pol->allow_delete && p->deletion == DELETION_DELETE)
                violation(&c, "deletion.allowDelete", "spec.deletionPolicy",
                          "deletionPolicy Delete is not allowed: use Retain");
        check_subjects(&c);
        return c.nomem ? -1 : c.count;
}

static int check_one(const struct policy *pol, const struct product *p, const char *ns,
                     struct vec *all)
{
        return policy_check(pol, p, ns, all);
}

int policy_check_all(const struct vec *pols, const struct product *p, const char *ns, char *msg,
                     size_t n, bool *nested)
{
        static const char defaults[] = "spec: {}\n";
        struct vec all = VEC_INIT;
        struct policy *def = NULL;
        int rc = 0;
        size_t used = 0;

        *nested = pols->len > 0;
        if (n)
                msg[0] = '\0';
        if (!pols->len) {
                struct diags d;
                diags_init(&d);
                def = policy_parse("(default policy)", defaults, strlen(defaults), &d);
                diags_release(&d);
                if (!def)
                        return -1;
                rc = check_one(def, p, ns, &all);
        }
        for (size_t i = 0; rc >= 0 && i < pols->len; i++) {
                const struct policy *pol = pols->items[i];
                *nested = *nested && pol->allow_parent_ownership;
                if (check_one(pol, p, ns, &all) < 0)
                        rc = -1;
        }
        for (size_t i = 0; rc >= 0 && i < all.len && used + 1 < n; i++) {
                const struct policy_violation *v = all.items[i];
                int w = snprintf(msg + used, n - used, "%s%s, at %s", i ? "; " : "", v->message,
                                 v->field);
                used += w < 0 ? 0 : (size_t)w;
        }
        if (rc >= 0)
                rc = (int)all.len;
        vec_release(&all, policy_violation_free_item);
        policy_free(def);
        return rc;
}
