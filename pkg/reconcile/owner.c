#include "pkg/reconcile/owner.h"

#include <stdio.h>
#include <string.h>

#include "pkg/base/banned.h"

bool claim_conflicts(const struct claim *a, const struct claim *b)
{
        return a->domain[0] && strcmp(a->domain, b->domain) == 0;
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
