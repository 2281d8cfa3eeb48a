/*
 * The access-request decision: validity first (what can never be granted), then the owner's
 * answer as its spec states it.
 */
#include "pkg/catalog/access.h"

#include <stdio.h>
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
                if (model_topic_in_domain(topic, p->domain))
                        return p;
        }
        return NULL;
}

/* Why the request can never be granted as asked, or NULL. */
static const char *invalid(const struct catalog *c, const struct access_request *r,
                           const struct cat_topic *t, const struct cat_product *owner)
{
        const struct cat_product *req = catalog_find(c, r->domain);

        if (!r->topic || !*r->topic || !r->domain || !*r->domain)
                return "spec.topic and spec.domain are required";
        if (!t)
                return owner_of(c, r->topic) ? "a private topic cannot be requested"
                                             : "no data product provides this topic";
        if (t->access == ACCESS_PUBLIC)
                return "a public topic needs no request: every domain may read it";
        if (strcmp(owner->domain, r->domain) == 0)
                return "the requesting domain owns the topic";
        if (!req || !req->ns || !r->ns || strcmp(req->ns, r->ns) != 0)
                return "the requesting domain is not owned by a DataProduct in this namespace";
        return NULL;
}

enum access_phase access_decide(const struct catalog *c, const struct access_request *r, char *why,
                                size_t n)
{
        const struct cat_product *owner = NULL;
        const struct cat_topic *t = r->topic ? catalog_topic(c, r->topic, &owner) : NULL;
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
