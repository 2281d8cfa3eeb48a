/*
 * coordination.k8s.io/v1 Leases for leader election: read one, decide (purely, from the lease
 * and the clock) whether to acquire, renew or wait, and write it back with optimistic
 * concurrency so that two candidates can never both win the same round.
 */
#ifndef PKG_KUBE_LEASE_H
#define PKG_KUBE_LEASE_H

#include <stdbool.h>

struct err;
struct kube;

struct lease {
        bool exists;
        char holder[256];  /* holderIdentity; "" when released */
        int duration_s;    /* leaseDurationSeconds */
        double renew;      /* renewTime, seconds since the epoch; 0 when unset */
        char acquired[40]; /* acquireTime as written, kept on renewal */
        long transitions;  /* leaseTransitions */
        char rv[64];       /* resourceVersion: the write fails if someone wrote since */
};

enum lease_action {
        LEASE_WAIT,    /* someone else holds a live lease */
        LEASE_ACQUIRE, /* free, released or expired: take it */
        LEASE_RENEW,   /* ours: renew it */
};

/* What `me` should do about lease `l` at time `now` (seconds). Pure. */
enum lease_action lease_decide(const struct lease *l, const char *me, double now);

/* Read lease ns/name into `l` (l->exists false when there is none). 0, or -1 with `err`. */
int lease_get(struct kube *k, const char *ns, const char *name, struct lease *l, struct err *err);

/*
 * Write the lease as held by `me` for `duration_s` (or released when `me` is ""), created
 * when `prev` does not exist, else replaced at prev->rv. A lost race is -1 with ERR_CONFLICT.
 */
int lease_put(struct kube *k, const char *ns, const char *name, const struct lease *prev,
              const char *me, int duration_s, struct err *err);

#endif
