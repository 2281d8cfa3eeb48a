/*
 * Domain ownership between DataProducts: when several claim a domain, the oldest claim owns it
 * and the others are refused (DomainConflict) and touch nothing. Pure: the caller supplies the
 * claims (the operator takes them from its cache), so the rule is tested without a cluster.
 */
#ifndef PKG_RECONCILE_OWNER_H
#define PKG_RECONCILE_OWNER_H

#include <stdbool.h>
#include <stddef.h>

/* One DataProduct's claim: its key "namespace/name", its domain, its creationTimestamp. */
struct claim {
        const char *key;
        const char *domain;
        const char *created; /* RFC 3339 UTC, so that text order is time order */
};

/* Whether two claims are on the same domain (and so cannot both be served). */
bool claim_conflicts(const struct claim *a, const struct claim *b);

/* Whether `a` takes precedence over `b`: created earlier, or at the same second with the
 * smaller key. A claim never precedes itself. */
bool claim_precedes(const struct claim *a, const struct claim *b);

/*
 * One step of finding who owns `self`'s domain: when `other` conflicts with and precedes
 * `self`, keep in `owner` (size `n`, "" at the start) the smallest such key. After every other
 * claim was offered, `owner` is "" when `self` owns its domain.
 */
void claim_owner_step(const struct claim *self, const struct claim *other, char *owner, size_t n);

#endif
