/*
 * Combining: threads that each have one piece of work of the same kind (a plan's Kafka writes)
 * hand it in, and one of them — the leader — carries out everything that arrived within a short
 * window in one go (one CreateTopics for every plan), while the others wait for their piece to
 * be done. No thread of its own: whoever finds no leader becomes it; when the leader's batch is
 * done, a thread whose piece is still waiting leads the next. Thread-safe.
 */
#ifndef PKG_RUNTIME_COMBINE_H
#define PKG_RUNTIME_COMBINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "pkg/base/vec.h"

struct combiner {
        pthread_mutex_t mu;
        pthread_cond_t cond;
        struct vec pending; /* struct combine_item *, oldest first */
        bool leading;
        long window_us; /* how long a new leader waits for others to join */
        size_t max;     /* pieces per batch */
        unsigned long batches, pieces;
};

void combiner_init(struct combiner *c, long window_us, size_t max);
void combiner_release(struct combiner *c);

/*
 * Have `piece` carried out by `run(arg, pieces, n)` — called by this thread with up to `max`
 * pieces (its own among them, or in a later batch it also runs), or by another thread's call
 * with that thread's `arg`. Returns once `piece` is done. `run` must handle every piece it is
 * given; pieces handed in together must be of one kind (one combiner per kind of work).
 */
void combine(struct combiner *c, void *piece, void (*run)(void *arg, void **pieces, size_t n),
             void *arg);

#endif
