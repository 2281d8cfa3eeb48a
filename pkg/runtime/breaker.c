/*
 * The backend circuit breaker.
 */
#include "pkg/runtime/breaker.h"

#include "pkg/base/clock.h"
#include "pkg/base/banned.h"

void breaker_init(struct breaker *b, double hold_s)
{
        pthread_mutex_init(&b->mu, NULL);
        b->hold = hold_s;
        b->open = false;
        b->failed_at = 0;
        b->probing = false;
        err_clear(&b->last);
        b->short_circuits = 0;
}

void breaker_release(struct breaker *b)
{
        pthread_mutex_destroy(&b->mu);
}

/* Whether the next reading of an open breaker is its probe. Lock held. */
static bool probe_due(const struct breaker *b)
{
        return !b->probing && clock_now() - b->failed_at >= b->hold;
}

bool breaker_allow(struct breaker *b, bool *probe, struct err *err)
{
        bool go = true;

        *probe = false;
        if (!b)
                return true;
        pthread_mutex_lock(&b->mu);
        if (b->open) {
                if (probe_due(b))
                        b->probing = *probe = true;
                else {
                        *err = b->last;
                        b->short_circuits++;
                        go = false;
                }
        }
        pthread_mutex_unlock(&b->mu);
        return go;
}

void breaker_done(struct breaker *b, bool probe, int rc, const struct err *err)
{
        if (!b)
                return;
        pthread_mutex_lock(&b->mu);
        if (probe)
                b->probing = false;
        if (rc >= 0) {
                b->open = false;
        } else if (err->kind == ERR_TRANSIENT) {
                b->open = true;
                b->failed_at = clock_now();
                b->last = *err;
        } else if (probe) {
                /* it answered, with something other than an outage: the backend is up */
                b->open = false;
        }
        pthread_mutex_unlock(&b->mu);
}

bool breaker_wants_probe(struct breaker *b)
{
        bool wants;

        if (!b)
                return false;
        pthread_mutex_lock(&b->mu);
        wants = b->open && probe_due(b);
        pthread_mutex_unlock(&b->mu);
        return wants;
}

bool breaker_is_open(struct breaker *b)
{
        bool open;

        if (!b)
                return false;
        pthread_mutex_lock(&b->mu);
        open = b->open;
        pthread_mutex_unlock(&b->mu);
        return open;
}
