#include "pkg/reconcile/owner.h"

#include <stdio.h>
#include <string.h>

#include "pkg/model/model.h"
#include "pkg/base/banned.h"

bool claim_conflicts(const struct claim *a, const struct claim *b)
{
        if (!a->domain[0] || !b->domain[0])
                return false;
        if (a->nested || b->nested)
                return strcmp(a->domain, b->domain) == 0;
        return model_domains_overlap(a->domain, b->domain);
}

bool claim_precedes(const struct claim *a, const struct claim *b)
{
        int cmp = strcmp(a->created, b->created);

        if (strcmp(a->key, b->key) == 0)
                return false;
        return cmp < 0 || (cmp == 0 && strcmp(a->key, b->key) < 0);
}

void claim_owner_step(const struct claim *self, const struct claim *other, char *owner, size_t n)
{
        if (!claim_conflicts(self, other) || !claim_precedes(other, self))
                return;
        if (!owner[0] || strcmp(other->key, owner) < 0)
                snprintf(owner, n, "%s", other->key);
}

/* The principal without its "User:" prefix, which is the default type. */
static const char *principal_name(const char *p)
{
        return strncmp(p, "User:", 5) == 0 ? p + 5 : p;
}

bool claim_shares_principal(const struct claim *a, const struct claim *b)
{
        if (!a->principal || !b->principal || !a->principal[0] || !b->principal[0])
                return false;
        if (strcmp(a->key, b->key) == 0)
                return false;
        return strcmp(principal_name(a->principal), principal_name(b->principal)) == 0;
}

void claim_principal_step(const struct claim *self, const struct claim *other, char *owner,
                          size_t n)
{
        if (!claim_shares_principal(self, other) || !claim_precedes(other, self))
                return;
        if (!owner[0] || strcmp(other->key, owner) < 0)
                snprintf(owner, n, "%s", other->key);
}

void claim_label(const char *domain, const char *principal, char *out, size_t n)
{
        snprintf(out, n, "%s\t%s", domain, principal ? principal : "");
}

void claim_label_split(const char *label, char *domain, size_t dn, char *principal, size_t pn)
{
        const char *tab = strchr(label, '\t');
        size_t len = tab ? (size_t)(tab - label) : strlen(label);

        snprintf(domain, dn, "%.*s", (int)len, label);
        snprintf(principal, pn, "%s", tab ? tab + 1 : "");
}
