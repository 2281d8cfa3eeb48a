/*
 * Leader election on a coordination.k8s.io Lease (client-go's leaderelection): a candidate
 * takes the lease when it is free or expired and renews it every retry period; a leader that
 * has not renewed within the renew deadline stops acting (so two replicas never both write:
 * the deadline is shorter than the lease duration another candidate waits out). On a graceful
 * stop the lease is released so a standby takes over at once.
 */
#ifndef PKG_RUNTIME_LEADER_H
#define PKG_RUNTIME_LEADER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct err;
struct kube;
struct kube_config;

struct leader {
        const char *ns, *name, *id; /* lease namespace/name, our identity (borrowed) */
        int duration_s;             /* leaseDurationSeconds (15) */
        int renew_deadline_s;       /* stop leading after this long without a renewal (10) */
        int retry_s;                /* try or renew this often (2) */
        struct kube *k;
        atomic_int *stop; /* the process's stop flag (borrowed) */
        atomic_bool leading;
        atomic_bool lost; /* was leading, could not renew in time */
        pthread_t thread;
        bool renewing;
        pthread_mutex_t mu; /* serialises lease writes between the thread and release */
};

int leader_init(struct leader *l, const struct kube_config *kc, struct err *err);

/* Block until this candidate holds the lease (0) or *stop is set (-1). */
int leader_acquire(struct leader *l);

/* Renew in a thread; sets l->lost when the renew deadline passes without success. */
void leader_start_renewing(struct leader *l);

/* Stop renewing and, while still the holder, release the lease. Frees the client. */
void leader_release(struct leader *l);

#endif
