/* The shared snapshot: one read serves a window of reconciles, never a domain written since. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pkg/base/clock.h"
#include "pkg/base/err.h"
#include "pkg/runtime/snapshot.h"

static double t;
static int reads, fail_next;

static double at(void *arg)
{
        (void)arg;
        return t;
}

/* A "cluster read": the data is the number of the read. */
static void *read_it(void *arg, struct err *err)
{
        int *n;

        (void)arg;
        if (fail_next) {
                fail_next = 0;
                err_set(err, ERR_TRANSIENT, "kafka: timed out");
                return NULL;
        }
        if (clock_is_real())
                usleep(1000); /* a read takes time: writes land while it is in flight */
        n = malloc(sizeof(*n));
        *n = ++reads;
        return n;
}

static int got(struct snapshot_cache *c, const char *domain)
{
        struct err err;
        struct snapshot *s = snapshot_get(c, domain, read_it, NULL, &err);
        int n;

        cr_assert_not_null(s, "%s", err.msg);
        n = *(int *)s->data;
        snapshot_put(c, s);
        return n;
}

static void setup(void)
{
        t = 1000.0;
        reads = fail_next = 0;
        clock_override(at, NULL);
}

static void teardown(void)
{
        clock_override(NULL, NULL);
}

Test(snapshot, one_read_serves_every_domain_within_the_window)
{
        setup();
        struct snapshot_cache c;

        snapshot_cache_init(&c, 1.0, free);
        cr_assert_eq(got(&c, "a"), 1);
        t += 0.5;
        cr_assert_eq(got(&c, "b"), 1);
        cr_assert_eq(got(&c, "c"), 1);
        t += 0.6; /* 1.1 s old: too old for anybody */
        cr_assert_eq(got(&c, "a"), 2);
        cr_assert_eq(snapshot_reads(&c), 2);
        snapshot_cache_release(&c);
        teardown();
}

static int freed;
static void count_free(void *data)
{
        freed++;
        free(data);
}

Test(snapshot, a_stale_reading_nobody_holds_is_freed_before_the_next_is_read)
{
        setup();
        struct snapshot_cache c;
        struct snapshot *held;
        struct err err;

        freed = 0;
        snapshot_cache_init(&c, 1.0, count_free);
        cr_assert_eq(got(&c, "a"), 1);
        t += 1.1;
        fail_next = 1; /* the next read fails: the stale one must be gone all the same */
        cr_assert_null(snapshot_get(&c, "a", read_it, NULL, &err));
        cr_assert_eq(freed, 1, "reading 1 freed when reading 2 began");
        held = snapshot_get(&c, "a", read_it, NULL, &err);
        cr_assert_eq(*(int *)held->data, 2);
        t += 1.1;
        cr_assert_eq(got(&c, "b"), 3);
        cr_assert_eq(freed, 1, "reading 2 is still held by a reader");
        snapshot_put(&c, held);
        cr_assert_eq(freed, 2, "and goes with its last reader");
        t += 0.5;
        snapshot_wrote(&c, "a");
        cr_assert_eq(got(&c, "a"), 4, "a fenced domain reads again");
        cr_assert_eq(freed, 3, "reading 3, replaced by the newer one");
        cr_assert_eq(got(&c, "b"), 4, "which serves the others");
        snapshot_cache_release(&c);
        cr_assert_eq(freed, 4);
        teardown();
}

Test(snapshot, a_domain_written_since_the_read_gets_a_fresh_one_others_do_not)
{
        setup();
        struct snapshot_cache c;

        snapshot_cache_init(&c, 5.0, free);
        cr_assert_eq(got(&c, "a"), 1);
        t += 0.1;
        snapshot_wrote(&c, "a");
        cr_assert_eq(got(&c, "b"), 1, "b was not written: the snapshot still serves it");
        t += 0.1;
        cr_assert_eq(got(&c, "a"), 2, "a's own write must be seen");
        cr_assert_eq(got(&c, "a"), 2, "the new one was taken after the write");
        cr_assert_eq(got(&c, "b"), 2);
        snapshot_cache_release(&c);
        teardown();
}

Test(snapshot, a_write_at_the_same_instant_as_the_read_fences_it)
{
        setup();
        struct snapshot_cache c;

        snapshot_cache_init(&c, 5.0, free);
        cr_assert_eq(got(&c, "a"), 1);
        snapshot_wrote(&c, "a"); /* same clock reading: the write may have missed the read */
        cr_assert_eq(got(&c, "a"), 2);
        snapshot_cache_release(&c);
        teardown();
}

Test(snapshot, a_failed_read_is_reported_and_the_next_caller_reads_again)
{
        setup();
        struct snapshot_cache c;
        struct err err;

        snapshot_cache_init(&c, 5.0, free);
        fail_next = 1;
        cr_assert_null(snapshot_get(&c, "a", read_it, NULL, &err));
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        cr_assert_eq(got(&c, "a"), 1);
        snapshot_cache_release(&c);
        teardown();
}

Test(snapshot, a_snapshot_outlives_its_replacement_while_someone_holds_it)
{
        setup();
        struct snapshot_cache c;
        struct snapshot *old;
        struct err err;

        snapshot_cache_init(&c, 1.0, free);
        old = snapshot_get(&c, "a", read_it, NULL, &err);
        t += 2;
        cr_assert_eq(got(&c, "a"), 2);
        cr_assert_eq(*(int *)old->data, 1, "still readable (ASan would see a use after free)");
        snapshot_put(&c, old);
        snapshot_cache_release(&c);
        teardown();
}

Test(snapshot, old_writes_are_forgotten_but_recent_ones_still_fence)
{
        setup();
        struct snapshot_cache c;
        char name[32];

        snapshot_cache_init(&c, 1.0, free);
        for (int i = 0; i < 1000; i++) { /* 50 s of writes, SNAPSHOT_WRITE_MEMORY_S kept */
                snprintf(name, sizeof(name), "d%d", i);
                snapshot_wrote(&c, name);
                t += 0.05;
        }
        cr_assert_lt(c.writes.len, 400, "%zu writes kept", c.writes.len);
        cr_assert_eq(snapshot_last_write(&c, "d0"), 0, "past the memory: not known");
        cr_assert_eq(snapshot_last_write(&c, "never"), 0);
        double d990 = snapshot_last_write(&c, "d990") - (t - 0.05 * 10);
        cr_assert(d990 > -1e-5 && d990 < 1e-5, "a recent write's time (off by %g)", d990);
        cr_assert_eq(got(&c, "d999"), 1);
        t += 0.01;
        snapshot_wrote(&c, "d999");
        cr_assert_eq(got(&c, "d999"), 2);
        snapshot_cache_release(&c);
        teardown();
}

/* Many threads at once: every caller gets a snapshot, far fewer reads than callers. */
static struct snapshot_cache shared;

static void *hammer(void *arg)
{
        char domain[16];

        snprintf(domain, sizeof(domain), "d%ld", (long)(intptr_t)arg);
        for (int i = 0; i < 200; i++) {
                struct err err;
                struct snapshot *s = snapshot_get(&shared, domain, read_it, NULL, &err);
                cr_assert_not_null(s);
                snapshot_put(&shared, s);
                if (i % 50 == 0)
                        snapshot_wrote(&shared, domain);
        }
        return NULL;
}

Test(snapshot, threads_share_reads)
{
        setup();
        pthread_t th[8];

        clock_override(NULL, NULL); /* real time: the threads race for real */
        snapshot_cache_init(&shared, 10.0, free);
        for (long i = 0; i < 8; i++)
                pthread_create(&th[i], NULL, hammer, (void *)(intptr_t)i);
        for (int i = 0; i < 8; i++)
                pthread_join(th[i], NULL);
        /* at most one read per write fence (8 x 4) plus the first */
        cr_assert_leq(snapshot_reads(&shared), 33, "%lu reads", snapshot_reads(&shared));
        snapshot_cache_release(&shared);
        teardown();
}

Test(snapshot, a_domain_fenced_in_a_fresh_window_looks_alone_and_the_others_keep_it)
{
        struct snapshot_cache c;
        struct snapshot *s;
        struct err err;
        bool fenced;

        setup();
        snapshot_cache_init(&c, 5.0, free);
        cr_assert_eq(got(&c, "a"), 1);
        t += 0.1;
        snapshot_wrote(&c, "a");
        s = snapshot_get_unfenced(&c, "a", read_it, NULL, &fenced, &err);
        cr_assert_null(s);
        cr_assert(fenced, "a wrote since: it should observe alone");
        cr_assert_eq(reads, 1, "nothing read for it");
        s = snapshot_get_unfenced(&c, "b", read_it, NULL, &fenced, &err);
        cr_assert_not_null(s);
        cr_assert(!fenced);
        cr_assert_eq(*(int *)s->data, 1, "b still served by the first reading");
        snapshot_put(&c, s);
        t += 6; /* the window is over: a new reading serves everybody again */
        s = snapshot_get_unfenced(&c, "a", read_it, NULL, &fenced, &err);
        cr_assert_not_null(s);
        cr_assert_eq(*(int *)s->data, 2);
        snapshot_put(&c, s);
        snapshot_cache_release(&c);
        teardown();
}

/* A read that fails fails every caller that waited for it: none of them reads again. */
static struct snapshot_cache slow;
static atomic_int slow_reads;

static void *read_slowly_and_fail(void *arg, struct err *err)
{
        (void)arg;
        atomic_fetch_add(&slow_reads, 1);
        usleep(100 * 1000);
        err_set(err, ERR_TRANSIENT, "kafka: timed out");
        return NULL;
}

static void *waiter(void *arg)
{
        struct err err;

        (void)arg;
        cr_assert_null(snapshot_get(&slow, "d", read_slowly_and_fail, NULL, &err));
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        return NULL;
}

Test(snapshot, a_failed_read_fails_its_waiters_instead_of_each_reading_again)
{
        pthread_t th[4];

        setup();
        clock_override(NULL, NULL);
        snapshot_cache_init(&slow, 1.0, free);
        for (int i = 0; i < 4; i++)
                pthread_create(&th[i], NULL, waiter, NULL);
        for (int i = 0; i < 4; i++)
                pthread_join(th[i], NULL);
        cr_assert_lt(atomic_load(&slow_reads), 4, "%d reads for 4 callers at once",
                     atomic_load(&slow_reads));
        snapshot_cache_release(&slow);
        teardown();
}

/* A "cluster read" that takes 3 s of the test clock (a large cluster), and one write to "b"
 * lands while it is in flight. */
static void *read_for_3s(void *arg, struct err *err)
{
        struct snapshot_cache *c = arg;
        int *n;

        (void)err;
        t += 1.5;
        snapshot_wrote(c, "b");
        t += 1.5;
        n = malloc(sizeof(*n));
        *n = ++reads;
        return n;
}

static int got_slowly(struct snapshot_cache *c, const char *domain)
{
        struct err err;
        struct snapshot *s = snapshot_get(c, domain, read_for_3s, c, &err);
        int n;

        cr_assert_not_null(s, "%s", err.msg);
        n = *(int *)s->data;
        snapshot_put(c, s);
        return n;
}

Test(snapshot, a_reading_longer_than_the_window_serves_a_window_after_it_finished)
{
        setup();
        struct snapshot_cache c;

        snapshot_cache_init(&c, 1.0, free);
        cr_assert_eq(got_slowly(&c, "a"), 1);
        t += 0.9; /* 3.9 s after it began, 0.9 s after it finished */
        cr_assert_eq(got_slowly(&c, "c"), 1, "still serves the others");
        cr_assert_eq(got_slowly(&c, "a"), 1);
        cr_assert_eq(got_slowly(&c, "b"), 2, "but not b, written while it was read");
        t += 1.1; /* reading 2 finished 1.1 s ago */
        cr_assert_eq(got_slowly(&c, "a"), 3, "past its window: read again");
        cr_assert_eq(snapshot_reads(&c), 3);
        snapshot_cache_release(&c);
        teardown();
}
