/* The combiner: every piece is run exactly once, by one batch, and concurrent pieces share
 * batches. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "pkg/runtime/combine.h"

#define THREADS 8
#define EACH    50

static struct combiner comb;
static atomic_int seen[THREADS * EACH];
static atomic_int running; /* batches in flight: never more than one */
static atomic_int overlap;

static void run(void *arg, void **pieces, size_t n)
{
        (void)arg;
        if (atomic_fetch_add(&running, 1) != 0)
                atomic_store(&overlap, 1);
        cr_assert_leq(n, 16);
        for (size_t i = 0; i < n; i++)
                atomic_fetch_add(&seen[(intptr_t)pieces[i]], 1);
        atomic_fetch_sub(&running, 1);
}

static void *worker(void *arg)
{
        intptr_t t = (intptr_t)arg;

        for (intptr_t i = 0; i < EACH; i++)
                combine(&comb, (void *)(t * EACH + i), run, NULL);
        return NULL;
}

Test(combine, every_piece_runs_once_and_concurrent_ones_share_batches)
{
        pthread_t th[THREADS];

        combiner_init(&comb, 200, 16);
        for (intptr_t i = 0; i < THREADS; i++)
                pthread_create(&th[i], NULL, worker, (void *)i);
        for (int i = 0; i < THREADS; i++)
                pthread_join(th[i], NULL);
        for (int i = 0; i < THREADS * EACH; i++)
                cr_assert_eq(atomic_load(&seen[i]), 1, "piece %d ran %d times", i,
                             atomic_load(&seen[i]));
        cr_assert_eq(comb.pieces, THREADS * EACH);
        cr_assert_lt(comb.batches, THREADS * EACH / 2, "%lu batches for %d pieces", comb.batches,
                     THREADS * EACH);
        cr_assert_eq(atomic_load(&overlap), 0, "two batches at once");
        combiner_release(&comb);
}

static void run_alone(void *arg, void **pieces, size_t n)
{
        *(size_t *)arg += n;
        cr_assert_eq(n, 1);
        cr_assert_eq((intptr_t)pieces[0], 7);
}

Test(combine, a_lone_piece_runs_at_once_in_its_own_thread)
{
        struct combiner c;
        size_t ran = 0;

        combiner_init(&c, 0, 8);
        combine(&c, (void *)7, run_alone, &ran);
        cr_assert_eq(ran, 1);
        cr_assert_eq(c.batches, 1);
        combiner_release(&c);
}
