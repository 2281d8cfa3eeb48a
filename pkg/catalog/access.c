/*
 * The access-request decision: validity first (what can never be granted), then the owner's
 * answer as its spec states it.
 */
#include "pkg/catalog/access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/catalog/catalog.h"
#include "pkg/base/banned.h"

const char *access_phase_str(enum access_phase p)
{
        static const char *const names[] = {"Invalid", "Pending", "Granted", "Denied", "Revoked"};

        return p <= ACCESS_REVOKED ? names[p] : "Invalid";
}

static bool listed(const struct vec *v, const char *s)
{
        for (size_t i = 0; i < v->len; i++)
                if (strcmp(v->items[i], s) == 0)
                        return true;
        return false;
}

/* The product owning the domain of `topic`, listed or not (private topics are not). */
static const struct cat_product *owner_of(const struct catalog *c, const char *topic)
{
        for (size_t i = 0; i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                if (!p->refused && model_topic_in_domain(topic, p->domain))
                        return p;
        }
        return NULL;
}

const struct cat_topic *access_topic(const struct catalog *c, const char *name,
                                     const struct cat_product **owner)
{
        for (size_t i = 0; name && i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                for (size_t k = 0; !p->refused && k < p->topics.len; k++) {
                        const struct cat_topic *t = p->topics.items[k];
                        if (strcmp(t->name, name) == 0) {
                                if (owner)
                                        *owner = p;
                                return t;
                        }
                }
        }
        return NULL;
}

/* Whether a DataProduct in `ns` owns `domain` (one the operator did not refuse). */
static bool owned_in(const struct catalog *c, const char *domain, const char *ns)
{
        for (size_t i = 0; ns && i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                if (!p->refused && p->ns && strcmp(p->domain, domain) == 0 &&
                    strcmp(p->ns, ns) == 0)
                        return true;
        }
        return false;
}

/* Why the request can never be granted as asked, or NULL. */
static const char *invalid(const struct catalog *c, const struct access_request *r,
                           const struct cat_topic *t, const struct cat_product *owner)
{
        if (!r->topic || !*r->topic || !r->domain || !*r->domain)
                return "spec.topic and spec.domain are required";
        if (!t)
                return owner_of(c, r->topic) ? "a private topic cannot be requested"
                                             : "no data product provides this topic";
        if (t->access == ACCESS_PUBLIC)
                return "a public topic needs no request: every domain may read it";
        if (strcmp(owner->domain, r->domain) == 0)
                return "the requesting domain owns the topic";
        if (!owned_in(c, r->domain, r->ns))
                return "the requesting domain is not owned by a DataProduct in this namespace";
        return NULL;
}

enum access_phase access_decide(const struct catalog *c, const struct access_request *r, char *why,
                                size_t n)
{
        const struct cat_product *owner = NULL;
        const struct cat_topic *t = r->topic ? access_topic(c, r->topic, &owner) : NULL;
        const char *bad = invalid(c, r, t, owner);

        if (bad) {
                snprintf(why, n, "%s", bad);
                return ACCESS_INVALID;
        }
        if (listed(&t->readers, r->domain)) {
                snprintf(why, n, "%s grants read to %s (grant-access tag)", owner->domain,
                         r->domain);
                return ACCESS_GRANTED;
        }
        if (listed(&t->denied, r->domain)) {
                snprintf(why, n, "%s refuses %s (deny-access tag)", owner->domain, r->domain);
                return ACCESS_DENIED;
        }
        if (r->previous == ACCESS_GRANTED || r->previous == ACCESS_REVOKED) {
                snprintf(why, n, "%s no longer grants read to %s", owner->domain, r->domain);
                return ACCESS_REVOKED;
        }
        snprintf(why, n, "waiting for %s to add grant-access:%s to the channel", owner->domain,
                 r->domain);
        return ACCESS_PENDING;
}

static int by_ns_name(const void *a, const void *b)
{
        const struct access_entry *x = *(const struct access_entry *const *)a;
        const struct access_entry *y = *(const struct access_entry *const *)b;
        int c = strcmp(x->ns ? x->ns : "", y->ns ? y->ns : "");

        return c ? c : strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static void put(json_object *o, const char *k, const char *v)
{
        if (v)
                json_object_object_add(o, k, json_object_new_string(v));
}

json_object *access_pending_list(const struct catalog *c, const struct cat_product *owner,
                                 const struct access_entry *e, size_t n)
{
        const struct access_entry **mine = n ? calloc(n, sizeof(*mine)) : NULL;
        json_object *list = NULL;
        size_t m = 0;

        if (!owner || (n && !mine)) {
                free(mine);
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                const struct cat_product *o = NULL;
                if (e[i].phase == ACCESS_PENDING && e[i].topic && access_topic(c, e[i].topic, &o) &&
                    o == owner)
                        mine[m++] = &e[i];
        }
        if (m) {
                qsort(mine, m, sizeof(*mine), by_ns_name);
                list = json_object_new_array();
        }
        for (size_t i = 0; i < m; i++) {
                json_object *o = json_object_new_object();
                put(o, "namespace", mine[i]->ns);
                put(o, "name", mine[i]->name);
                put(o, "topic", mine[i]->topic);
                put(o, "domain", mine[i]->domain);
                put(o, "purpose", mine[i]->purpose);
                json_object_array_add(list, o);
        }
        free(mine);
        return list;
}
