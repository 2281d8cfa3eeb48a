/*
 * A circuit breaker for one backend the operator's workers share (Kafka, the registry).
 *
 * Reading a backend that does not answer holds a worker for the whole request timeout (30 s).
 * Without a breaker, every queued reconcile pays that again while the backend is down, and a
 * product that needs no backend at all (a spec to reject, a change to another backend) waits
 * behind them. With one: once a reading failed with a transient error (the backend down,
 * frozen or refusing connections), the next readings fail at once with that same error for
 * `hold` seconds; after that, one reading at a time goes through (the probe) while the others
 * still fail at once; the probe's success closes the breaker, its failure holds it again.
 * Only transient errors open it: a refusal (ERR_AUTH), a bad spec or a bug does not say the
 * backend is down. Thread-safe; a NULL breaker lets everything through.
 */
#ifndef PKG_RUNTIME_BREAKER_H
#define PKG_RUNTIME_BREAKER_H

#include <pthread.h>
#include <stdbool.h>

#include "pkg/base/err.h"

struct breaker {
        pthread_mutex_t mu;
        double hold;      /* seconds after a failure before the next probe */
        bool open;        /* the last reading failed, with `last` */
        double failed_at; /* clock_now() of that failure */
        bool probing;     /* a probe is in flight */
        struct err last;
        unsigned long short_circuits; /* readings failed at once, not tried */
};

void breaker_init(struct breaker *b, double hold_s);
void breaker_release(struct breaker *b);

/*
 * Whether a reading may go to the backend: true (*probe says whether it is the one probe of
 * an open breaker), or false with `err` = the failure that opened it, the backend not tried.
 */
bool breaker_allow(struct breaker *b, bool *probe, struct err *err);

/* The outcome of an allowed reading (`rc` < 0: failed with `err`). */
void breaker_done(struct breaker *b, bool probe, int rc, const struct err *err);

/* Whether the breaker is open, its hold over and no probe in flight: the next reading goes. */
bool breaker_wants_probe(struct breaker *b);

/* Whether the breaker is open (the backend failed and has not answered since). */
bool breaker_is_open(struct breaker *b);

#endif
