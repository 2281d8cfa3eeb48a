#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/runtime/wq.h"

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}

/* Take the next key, check it is `want`, mark it done. */
static void expect_next(struct wq *q, const char *want)
{
        char *key = wq_get(q);

        cr_assert_not_null(key, "expected '%s'", want);
        cr_assert_str_eq(key, want);
        wq_done(q, key);
        free(key);
}

Test(wq, queued_key_is_deduplicated)
{
        struct wq q;

        wq_init(&q, 10, 1000);
        wq_add(&q, "shop/orders");
        wq_add(&q, "shop/orders");
        wq_add(&q, "shop/orders");
        cr_assert_eq(wq_len(&q), 1);
        wq_add(&q, "shop/payments");
        cr_assert_eq(wq_len(&q), 2);
        expect_next(&q, "shop/orders");
        expect_next(&q, "shop/payments");
        cr_assert_eq(wq_len(&q), 0);
        wq_add(&q, "shop/orders");
        cr_assert_eq(wq_len(&q), 1, "a processed key can be queued again");
        wq_release(&q);
}

Test(wq, fifo_order)
{
        struct wq q;
        char key[32];

        wq_init(&q, 10, 1000);
        /* enough keys, taken in halves, to go through the queue's compaction of its front */
        for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 200; i++) {
                        snprintf(key, sizeof(key), "r%d-k%03d", round, i);
                        wq_add(&q, key);
                }
                for (int i = 0; i < 200; i++) {
                        snprintf(key, sizeof(key), "r%d-k%03d", round, i);
                        expect_next(&q, key);
                }
        }
        cr_assert_eq(wq_len(&q), 0);
        wq_release(&q);
}

struct getter {
        struct wq *q;
        char *key;
        atomic_int returned;
};

static void *getter_main(void *arg)
{
        struct getter *g = arg;

        g->key = wq_get(g->q);
        atomic_store(&g->returned, 1);
        return NULL;
}

Test(wq, key_added_while_processing_waits_for_done)
{
        struct wq q;
        struct getter g = {.q = &q};
        pthread_t t;
        char *key;

        wq_init(&q, 10, 1000);
        wq_add(&q, "shop/orders");
        key = wq_get(&q);
        cr_assert_str_eq(key, "shop/orders");
        wq_add(&q, "shop/orders");
        wq_add(&q, "shop/orders");
        cr_assert_eq(wq_len(&q), 0, "an active key is not queued a second time");

        cr_assert_eq(pthread_create(&t, NULL, getter_main, &g), 0);
        sleep_ms(150);
        cr_assert_eq(atomic_load(&g.returned), 0, "a second worker must not get an active key");

        wq_done(&q, key); /* the add during processing now queues it once */
        free(key);
        pthread_join(t, NULL);
        cr_assert_str_eq(g.key, "shop/orders");
        cr_assert_eq(wq_len(&q), 0, "queued once, however many adds came in");
        wq_done(&q, g.key);
        free(g.key);
        cr_assert_eq(wq_len(&q), 0, "done without a new add queues nothing");
        wq_release(&q);
}

Test(wq, add_after_delays)
{
        struct wq q;
        double t0, dt;
        char *key;

        wq_init(&q, 10, 1000);
        t0 = now_s();
        wq_add_after(&q, "later", 200);
        cr_assert_eq(wq_len(&q), 0, "a delayed key is not queued yet");
        key = wq_get(&q);
        dt = now_s() - t0;
        cr_assert_str_eq(key, "later");
        cr_assert_geq(dt, 0.19, "came back after %.3fs", dt);
        cr_assert_lt(dt, 2.0, "came back after %.3fs", dt);
        wq_done(&q, key);
        free(key);
        wq_release(&q);
}

Test(wq, add_after_earlier_time_wins)
{
        struct wq q;
        double t0, dt;
        char *key;

        wq_init(&q, 10, 1000);
        t0 = now_s();
        wq_add_after(&q, "k", 10000);
        wq_add_after(&q, "k", 50);
        wq_add_after(&q, "k", 20000);
        key = wq_get(&q);
        dt = now_s() - t0;
        cr_assert_str_eq(key, "k");
        cr_assert_geq(dt, 0.045, "came back after %.3fs", dt);
        cr_assert_lt(dt, 2.0, "the earlier due time wins: came back after %.3fs", dt);
        wq_done(&q, key);
        free(key);
        wq_release(&q);
}

Test(wq, add_after_zero_is_immediate_and_merges_with_queued)
{
        struct wq q;

        wq_init(&q, 10, 1000);
        wq_add_after(&q, "k", 0);
        cr_assert_eq(wq_len(&q), 1);
        wq_add(&q, "j");
        wq_add_after(&q, "j", 1);
        sleep_ms(20);
        expect_next(&q, "k");
        expect_next(&q, "j");
        cr_assert_eq(wq_len(&q), 0, "a due delayed key that is queued already is not queued twice");
        wq_release(&q);
}

Test(wq, delayed_key_wakes_a_blocked_getter)
{
        struct wq q;
        struct getter g = {.q = &q};
        pthread_t t;
        double t0, dt;

        wq_init(&q, 10, 1000);
        cr_assert_eq(pthread_create(&t, NULL, getter_main, &g), 0);
        sleep_ms(50); /* the getter now waits without a deadline */
        t0 = now_s();
        wq_add_after(&q, "k", 100);
        pthread_join(t, NULL);
        dt = now_s() - t0;
        cr_assert_str_eq(g.key, "k");
        cr_assert_geq(dt, 0.09, "came back after %.3fs", dt);
        cr_assert_lt(dt, 2.0, "came back after %.3fs", dt);
        wq_done(&q, g.key);
        free(g.key);
        wq_release(&q);
}

Test(wq, retry_backoff_grows_per_key_and_forget_resets)
{
        struct wq q;
        uint32_t d;

        wq_init(&q, 10, 1000);
        d = wq_retry(&q, "a");
        cr_assert(d >= 5 && d <= 10, "first retry in [5,10]: %u", d);
        d = wq_retry(&q, "a");
        cr_assert(d >= 10 && d <= 20, "second retry in [10,20]: %u", d);
        d = wq_retry(&q, "a");
        cr_assert(d >= 20 && d <= 40, "third retry in [20,40]: %u", d);
        d = wq_retry(&q, "b");
        cr_assert(d >= 5 && d <= 10, "failures are counted per key: %u", d);
        for (int i = 0; i < 20; i++)
                d = wq_retry(&q, "a");
        cr_assert(d >= 500 && d <= 1000, "capped at max: %u", d);
        wq_forget(&q, "a");
        d = wq_retry(&q, "a");
        cr_assert(d >= 5 && d <= 10, "forget starts over: %u", d);
        wq_forget(&q, "never-failed"); /* harmless */

        /* the retried keys come back, once each */
        expect_next(&q, "a");
        expect_next(&q, "b");
        cr_assert_eq(wq_len(&q), 0);
        wq_release(&q);
}

Test(wq, shutdown_wakes_a_blocked_getter)
{
        struct wq q;
        struct getter g = {.q = &q, .key = (char *)"sentinel"};
        pthread_t t;

        wq_init(&q, 10, 1000);
        wq_add_after(&q, "far-away", 60000);
        cr_assert_eq(pthread_create(&t, NULL, getter_main, &g), 0);
        sleep_ms(100);
        cr_assert_eq(atomic_load(&g.returned), 0);
        wq_shutdown(&q);
        pthread_join(t, NULL);
        cr_assert_null(g.key, "a getter woken by shutdown gets NULL");
        wq_add(&q, "after-shutdown");
        cr_assert_eq(wq_len(&q), 0, "adds after shutdown are dropped");
        cr_assert_null(wq_get(&q), "every later get returns NULL at once");
        wq_release(&q);
}

Test(wq, release_frees_queued_delayed_and_active)
{
        struct wq q;
        char *key;

        wq_init(&q, 10, 1000);
        wq_add(&q, "active");
        wq_add(&q, "queued");
        wq_add_after(&q, "delayed", 60000);
        wq_retry(&q, "failed");
        key = wq_get(&q);
        cr_assert_str_eq(key, "active");
        wq_add(&q, "active"); /* dirty while active */
        free(key);
        wq_release(&q); /* LeakSanitizer checks the rest */
}

/* Stress: producers add overlapping keys while workers process them. */

#define NKEYS      128
#define NPRODUCERS 4
#define NWORKERS   3
#define NADDS      3000

struct stress {
        struct wq q;
        atomic_int pending[NKEYS];   /* 1 from before an add until a worker took the key */
        atomic_int busy[NKEYS];      /* 1 while a worker processes the key */
        atomic_int processed[NKEYS]; /* times processed */
        atomic_int overlaps;         /* a key handed to two workers at once */
        atomic_int bad_keys;
};

struct producer {
        struct stress *s;
        int id;
};

static void *produce(void *arg)
{
        struct producer *pr = arg;
        struct stress *s = pr->s;
        unsigned seed = (unsigned)pr->id * 2654435761u + 1;
        char key[16];

        for (int i = 0; i < NADDS; i++) {
                int k;
                seed = seed * 1103515245u + 12345u;
                k = (int)((seed >> 8) % NKEYS);
                snprintf(key, sizeof(key), "key-%03d", k);
                atomic_store(&s->pending[k], 1);
                if (i % 16 == 0)
                        wq_add_after(&s->q, key, 1 + (seed >> 4) % 5);
                else
                        wq_add(&s->q, key);
                if (i % 64 == 0)
                        sched_yield();
        }
        return NULL;
}

static void *work(void *arg)
{
        struct stress *s = arg;
        char *key;

        while ((key = wq_get(&s->q))) {
                int k = -1;
                if (sscanf(key, "key-%d", &k) != 1 || k < 0 || k >= NKEYS) {
                        atomic_fetch_add(&s->bad_keys, 1);
                        wq_done(&s->q, key);
                        free(key);
                        continue;
                }
                atomic_store(&s->pending[k], 0);
                if (atomic_exchange(&s->busy[k], 1) != 0)
                        atomic_fetch_add(&s->overlaps, 1);
                if (k % 8 == 0)
                        sched_yield(); /* widen the window for a second worker */
                if (atomic_fetch_add(&s->processed[k], 1) == 0 && k % 5 == 0)
                        wq_retry(&s->q, key); /* fail once, come back after a backoff */
                else
                        wq_forget(&s->q, key);
                atomic_store(&s->busy[k], 0);
                wq_done(&s->q, key);
                free(key);
        }
        return NULL;
}

/* Nothing pending, nothing queued, no worker busy. */
static int idle(struct stress *s)
{
        for (int k = 0; k < NKEYS; k++)
                if (atomic_load(&s->pending[k]) || atomic_load(&s->busy[k]))
                        return 0;
        return wq_len(&s->q) == 0;
}

static long total_processed(struct stress *s)
{
        long n = 0;

        for (int k = 0; k < NKEYS; k++)
                n += atomic_load(&s->processed[k]);
        return n;
}

/*
 * Wait until the workers have been idle, with no processing at all, for 200ms: a key re-added
 * while a worker held it (or retried) is then processed too. 0 when that never happened.
 */
static int wait_drained(struct stress *s, double timeout_s)
{
        double deadline = now_s() + timeout_s;
        long before;

        while (now_s() < deadline) {
                before = total_processed(s);
                if (idle(s)) {
                        sleep_ms(200);
                        if (idle(s) && total_processed(s) == before)
                                return 1;
                }
                sleep_ms(5);
        }
        return 0;
}

Test(wq, stress_producers_and_workers, .timeout = 120)
{
        struct stress *s = calloc(1, sizeof(*s));
        struct producer pr[NPRODUCERS];
        pthread_t producers[NPRODUCERS], workers[NWORKERS];
        int drained;

        cr_assert_not_null(s);
        wq_init(&s->q, 1, 20);
        for (int i = 0; i < NWORKERS; i++)
                cr_assert_eq(pthread_create(&workers[i], NULL, work, s), 0);
        for (int i = 0; i < NPRODUCERS; i++) {
                pr[i] = (struct producer){.s = s, .id = i};
                cr_assert_eq(pthread_create(&producers[i], NULL, produce, &pr[i]), 0);
        }
        for (int i = 0; i < NPRODUCERS; i++)
                pthread_join(producers[i], NULL);
        drained = wait_drained(s, 60);
        wq_shutdown(&s->q);
        for (int i = 0; i < NWORKERS; i++)
                pthread_join(workers[i], NULL);

        cr_assert(drained, "every add was followed by a processing of its key");
        cr_assert_eq(atomic_load(&s->overlaps), 0, "two workers had the same key at once");
        cr_assert_eq(atomic_load(&s->bad_keys), 0);
        for (int k = 0; k < NKEYS; k++)
                cr_assert_geq(atomic_load(&s->processed[k]), 1, "key-%03d never processed", k);
        wq_release(&s->q);
        free(s);
}

Test(wq, a_change_is_served_before_a_thousand_resyncs)
{
        struct wq q;
        char key[32];

        wq_init(&q, 10, 1000);
        for (int i = 0; i < 1000; i++) {
                snprintf(key, sizeof(key), "bulk/p%04d", i);
                wq_add_low(&q, key);
        }
        expect_next(&q, "bulk/p0000");
        wq_add(&q, "shop/orders"); /* a user's edit, after the resync began */
        expect_next(&q, "shop/orders");
        expect_next(&q, "bulk/p0001");
        wq_release(&q);
}

Test(wq, a_resync_key_changed_by_the_user_moves_up_and_runs_once)
{
        struct wq q;
        char *key;

        wq_init(&q, 10, 1000);
        wq_add_low(&q, "bulk/a");
        wq_add_low(&q, "bulk/b");
        wq_add_low(&q, "bulk/b"); /* deduplicated */
        wq_add(&q, "bulk/b");     /* edited: moves to the high lane */
        wq_add_low(&q, "bulk/b"); /* a resync of a key waiting high stays high */
        expect_next(&q, "bulk/b");
        expect_next(&q, "bulk/a");
        /* b's old low entry is gone: nothing else is due */
        wq_add(&q, "shop/x");
        expect_next(&q, "shop/x");
        cr_assert_eq(wq_len(&q), 0);
        /* a key moved up while it runs is not handed to a second worker through its old entry */
        wq_add_low(&q, "bulk/c");
        wq_add(&q, "bulk/c");
        key = wq_get(&q);
        cr_assert_str_eq(key, "bulk/c");
        wq_add_low(&q, "bulk/c"); /* while active: queued again when done */
        wq_add(&q, "shop/y");
        expect_next(&q, "shop/y"); /* not bulk/c's stale low entry */
        wq_done(&q, key);
        free(key);
        expect_next(&q, "bulk/c");
        cr_assert_eq(wq_len(&q), 0);
        wq_release(&q);
}

struct lane_getter {
        struct wq *q;
        char *got;
};

static void *get_high(void *arg)
{
        struct lane_getter *g = arg;

        g->got = wq_get_lane(g->q, true);
        return NULL;
}

Test(wq, a_priority_worker_takes_changes_only_and_wakes_for_one)
{
        struct lane_getter g;
        pthread_t th;
        struct wq q;

        wq_init(&q, 10, 1000);
        wq_add_low(&q, "bulk/a");
        g = (struct lane_getter){&q, NULL};
        pthread_create(&th, NULL, get_high, &g);
        sleep_ms(50);
        cr_assert_null(g.got, "a low key is not for the priority worker");
        wq_add(&q, "shop/edit");
        pthread_join(th, NULL);
        cr_assert_str_eq(g.got, "shop/edit");
        wq_done(&q, g.got);
        free(g.got);
        expect_next(&q, "bulk/a"); /* still there for the others */
        wq_release(&q);
}

Test(wq, retries_take_their_turn_and_never_starve_new_keys)
{
        struct wq q;

        wq_init(&q, 1, 1);
        wq_add_low(&q, "new/a");
        wq_retry(&q, "fail/x"); /* due in ~1 ms */
        wq_retry(&q, "fail/y");
        sleep_ms(20);
        expect_next(&q, "new/a"); /* queued first, served first */
        expect_next(&q, "fail/x");
        wq_add(&q, "shop/edit"); /* an edit still goes before the retries */
        expect_next(&q, "shop/edit");
        expect_next(&q, "fail/y");
        wq_release(&q);
}

Test(wq, a_resync_comes_before_a_retry_and_an_edit_lifts_a_retry)
{
        struct wq q;

        wq_init(&q, 1, 1);
        wq_retry(&q, "fail/x");
        wq_retry(&q, "fail/z");
        sleep_ms(20);
        wq_add_low(&q, "ok/resync");
        wq_add_low(&q, "fail/z"); /* a resync of a retrying key: it stays where it is */
        wq_add(&q, "fail/x");     /* edited: up to the first lane */
        expect_next(&q, "fail/x");
        expect_next(&q, "ok/resync");
        expect_next(&q, "fail/z");
        cr_assert_eq(wq_len(&q), 0);
        wq_release(&q);
}

Test(wq, a_resync_does_not_bypass_a_failing_keys_backoff)
{
        struct wq q;

        wq_init(&q, 60000, 60000);
        wq_retry(&q, "fail/x"); /* next attempt in a minute */
        wq_add_low(&q, "fail/x");
        cr_assert_eq(wq_len(&q), 0, "the resync of a failing key waits for its retry");
        wq_add(&q, "fail/x"); /* an edit is not held back */
        expect_next(&q, "fail/x");
        wq_forget(&q, "fail/x"); /* it succeeded */
        wq_add_low(&q, "fail/x");
        cr_assert_eq(wq_len(&q), 1);
        wq_release(&q);
}
