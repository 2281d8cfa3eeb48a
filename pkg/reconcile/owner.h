/*
 * Domain and principal ownership between DataProducts: when several claim a domain, the oldest
 * claim owns it and the others are refused (DomainConflict) and touch nothing; likewise when
 * several use one Kafka principal (each would get the other's grants, quota and credentials),
 * the oldest keeps it and the others are refused (PrincipalConflict). Pure: the caller supplies
 * the claims (the operator takes them from its cache), so the rules are tested without a cluster.
 */
#ifndef PKG_RECONCILE_OWNER_H
#define PKG_RECONCILE_OWNER_H

#include <stdbool.h>
#include <stddef.h>

/* One DataProduct's claim: its key "namespace/name", its domain, its creationTimestamp. */
struct claim {
        const char *key;
        const char *domain;
        const char *created;   /* RFC 3339 UTC, so that text order is time order */
        bool nested;           /* a MeshPolicy allows claims inside one another */
        const char *principal; /* the Kafka principal it acts as ("User:a.b"); NULL or "": none */
};

/* Whether two claims clash: domains are a tree, so the same domain, an ancestor or a
 * descendant (model_domains_overlap) — only the same domain when either claim is `nested`. */
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

/*
 * Whether two different products act as the same Kafka principal. Principals are compared
 * exactly, after the "User:" prefix is made explicit: "a.b" and "User:a.b" are one principal.
 */
bool claim_shares_principal(const struct claim *a, const struct claim *b);

/*
 * claim_owner_step for the principal: when `other` shares `self`'s principal and precedes it,
 * keep in `owner` the smallest such key. `owner` stays "" when `self` may use its principal.
 */
void claim_principal_step(const struct claim *self, const struct claim *other, char *owner,
                          size_t n);

/*
 * The label the operator keeps beside each cached DataProduct: "<domain>\t<principal>" (a
 * domain never holds a tab), truncated to `n` bytes. claim_label_split() undoes it into two
 * buffers; a label without a tab is a domain alone.
 */
void claim_label(const char *domain, const char *principal, char *out, size_t n);
void claim_label_split(const char *label, char *domain, size_t dn, char *principal, size_t pn);

#endif
