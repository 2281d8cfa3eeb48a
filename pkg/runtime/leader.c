/*
 * Leader election.
 */
#include "pkg/runtime/leader.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pkg/base/err.h"
#include "pkg/base/log.h"
#include "pkg/kube/kube.h"
#include "pkg/kube/lease.h"
#include "pkg/base/banned.h"

static double wall(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(struct leader *l, int s)
{
        for (int i = 0; i < s * 10 && !atomic_load(l->stop); i++) {
                struct timespec ts = {0, 100 * 1000000L};
                nanosleep(&ts, NULL);
        }
}

int leader_init(struct leader *l, const struct kube_config *kc, struct err *err)
{
        l->k = kube_new(kc, err);
        if (!l->k)
                return -1;
        if (l->duration_s <= 0)
                l->duration_s = 15;
        if (l->renew_deadline_s <= 0 || l->renew_deadline_s >= l->duration_s)
                l->renew_deadline_s = l->duration_s * 2 / 3;
        if (l->retry_s <= 0)
                l->retry_s = 2;
        atomic_store(&l->leading, false);
        atomic_store(&l->lost, false);
        pthread_mutex_init(&l->mu, NULL);
        return 0;
}

/* One round: read, decide, write. Returns 1 when we hold the lease afterwards. */
static int try_once(struct leader *l, char *holder, size_t n)
{
        struct lease cur;
        struct err err;
        int held = 0;

        err_clear(&err);
        pthread_mutex_lock(&l->mu);
        if (lease_get(l->k, l->ns, l->name, &cur, &err) < 0) {
                log_warn(NULL, "lease %s/%s: %s", l->ns, l->name, err.msg);
                goto out;
        }
        snprintf(holder, n, "%s", cur.holder);
        if (lease_decide(&cur, l->id, wall()) == LEASE_WAIT)
                goto out;
        if (lease_put(l->k, l->ns, l->name, &cur, l->id, l->duration_s, &err) < 0) {
                if (err.kind != ERR_CONFLICT) /* a lost race is the normal way to lose */
                        log_warn(NULL, "lease %s/%s: %s", l->ns, l->name, err.msg);
                goto out;
        }
        held = 1;
out:
        pthread_mutex_unlock(&l->mu);
        return held;
}

int leader_acquire(struct leader *l)
{
        char holder[256] = "", said[256] = "-";

        while (!atomic_load(l->stop)) {
                if (try_once(l, holder, sizeof(holder))) {
                        atomic_store(&l->leading, true);
                        log_info(NULL, "leader election: %s is the leader (lease %s/%s)", l->id,
                                 l->ns, l->name);
                        return 0;
                }
                if (strcmp(holder, said) != 0) {
                        log_info(NULL, "leader election: waiting, lease %s/%s held by %s", l->ns,
                                 l->name, holder[0] ? holder : "(nobody)");
                        snprintf(said, sizeof(said), "%s", holder);
                }
                nap(l, l->retry_s);
        }
        return -1;
}

static void *renew_loop(void *arg)
{
        struct leader *l = arg;
        double last = wall();
        char holder[256];

        while (!atomic_load(l->stop) && !atomic_load(&l->lost)) {
                nap(l, l->retry_s);
                if (atomic_load(l->stop))
                        break;
                /* a renewal may take only what is left of the deadline: an API server that
                 * accepts but never answers must not keep us leading past it */
                double left = last + l->renew_deadline_s - wall();
                holder[0] = 0;
                if (left > 0) {
                        kube_set_timeout(l->k, left);
                        if (try_once(l, holder, sizeof(holder)) && strcmp(holder, l->id) == 0) {
                                last = wall();
                                continue;
                        }
                }
                if (wall() - last >= l->renew_deadline_s - 0.01 ||
                    (holder[0] && strcmp(holder, l->id) != 0)) {
                        log_error(NULL, "leader election: lost the lease %s/%s (holder now %s)",
                                  l->ns, l->name, holder[0] ? holder : "nobody");
                        atomic_store(&l->leading, false);
                        atomic_store(&l->lost, true);
                }
        }
        return NULL;
}

void leader_start_renewing(struct leader *l)
{
        if (pthread_create(&l->thread, NULL, renew_loop, l) == 0)
                l->renewing = true;
}

void leader_release(struct leader *l)
{
        struct lease cur;
        struct err err;

        if (l->renewing)
                pthread_join(l->thread, NULL);
        l->renewing = false;
        err_clear(&err);
        if (atomic_load(&l->leading) && !atomic_load(&l->lost) &&
            lease_get(l->k, l->ns, l->name, &cur, &err) == 0 && cur.exists &&
            strcmp(cur.holder, l->id) == 0) {
                if (lease_put(l->k, l->ns, l->name, &cur, "", 1, &err) == 0)
                        log_info(NULL, "leader election: released the lease %s/%s", l->ns, l->name);
        }
        atomic_store(&l->leading, false);
        kube_free(l->k);
        l->k = NULL;
        pthread_mutex_destroy(&l->mu);
}
