/*
 * The combiner.
 */
#include "pkg/runtime/combine.h"

#include <stdlib.h>
#include <time.h>

#include "pkg/base/banned.h"

struct combine_item {
        void *piece;
        bool done;
};

void combiner_init(struct combiner *c, long window_us, size_t max)
{
        pthread_mutex_init(&c->mu, NULL);
        pthread_cond_init(&c->cond, NULL);
        vec_init(&c->pending);
        c->leading = false;
        c->window_us = window_us;
        c->max = max ? max : 1;
        c->batches = c->pieces = 0;
}

void combiner_release(struct combiner *c)
{
        vec_release(&c->pending, NULL);
        pthread_cond_destroy(&c->cond);
        pthread_mutex_destroy(&c->mu);
}

/* Lead one batch: wait for others to join, take the oldest pieces, run them. Lock held on
 * entry and exit. */
static void lead(struct combiner *c, void (*run)(void *arg, void **pieces, size_t n), void *arg)
{
        struct timespec ts = {c->window_us / 1000000, (c->window_us % 1000000) * 1000};
        struct combine_item *batch[64];
        void *pieces[64];
        size_t n = 0, max = c->max < 64 ? c->max : 64;

        c->leading = true;
        if (c->window_us > 0) {
                pthread_mutex_unlock(&c->mu);
                nanosleep(&ts, NULL);
                pthread_mutex_lock(&c->mu);
        }
        while (n < max && n < c->pending.len) {
                batch[n] = c->pending.items[n];
                pieces[n] = batch[n]->piece;
                n++;
        }
        for (size_t i = 0; i < n; i++)
                vec_remove(&c->pending, 0);
        c->batches++;
        c->pieces += n;
        pthread_mutex_unlock(&c->mu);
        run(arg, pieces, n);
        pthread_mutex_lock(&c->mu);
        for (size_t i = 0; i < n; i++)
                batch[i]->done = true;
        c->leading = false;
        pthread_cond_broadcast(&c->cond);
}

void combine(struct combiner *c, void *piece, void (*run)(void *arg, void **pieces, size_t n),
             void *arg)
{
        struct combine_item it = {piece, false};

        pthread_mutex_lock(&c->mu);
        if (vec_push(&c->pending, &it) < 0) { /* no memory to queue it: run it alone */
                pthread_mutex_unlock(&c->mu);
                run(arg, &piece, 1);
                return;
        }
        while (!it.done) {
                if (!c->leading)
                        lead(c, run, arg);
                else
                        pthread_cond_wait(&c->cond, &c->mu);
        }
        pthread_mutex_unlock(&c->mu);
}
