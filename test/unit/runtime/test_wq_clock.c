/* The workqueue's delays read pkg/base/clock: with a test clock they are exact, not slept. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "pkg/base/clock.h"
#include "pkg/runtime/wq.h"

static double t;

static double at(void *arg)
{
        (void)arg;
        return t;
}

Test(wq_clock, a_delayed_key_is_due_when_the_test_clock_says_so)
{
        struct wq q;
        char *key;

        t = 500.0;
        clock_override(at, NULL);
        wq_init(&q, 10, 1000);
        wq_add_after(&q, "ns/a", 30000);
        cr_assert_eq(wq_len(&q), 0);
        t += 29.9; /* not yet */
        wq_add(&q, "ns/b");
        key = wq_get(&q);
        cr_assert_str_eq(key, "ns/b");
        wq_done(&q, key);
        free(key);
        t += 0.2; /* now due */
        key = wq_get(&q);
        cr_assert_str_eq(key, "ns/a");
        wq_done(&q, key);
        free(key);
        wq_release(&q);
        clock_override(NULL, NULL);
}

/* A retry's backoff grows on the test clock too: the first retry is due after base (jittered). */
Test(wq_clock, a_retry_waits_its_backoff_on_the_test_clock)
{
        struct wq q;
        uint32_t delay;
        char *key;

        t = 10.0;
        clock_override(at, NULL);
        wq_init(&q, 1000, 60000);
        delay = wq_retry(&q, "ns/a");
        cr_assert_gt(delay, 0);
        cr_assert_eq(wq_len(&q), 0);
        t += delay / 1000.0 + 0.001;
        key = wq_get(&q);
        cr_assert_str_eq(key, "ns/a");
        wq_done(&q, key);
        free(key);
        wq_release(&q);
        clock_override(NULL, NULL);
}

/* A backend back after an outage: failing keys' retries come forward (one for a probe, or
 * all), a key merely delayed (not failing) keeps its time. */
Test(wq_clock, failing_retries_come_forward_on_demand)
{
        struct wq q;
        uint32_t da, db;
        char *key;

        t = 10.0;
        clock_override(at, NULL);
        wq_init(&q, 60000, 300000); /* a minute's backoff at least */
        da = wq_retry(&q, "ns/a");
        db = wq_retry(&q, "ns/b");
        wq_add_after(&q, "ns/later", 1000);
        wq_add_after(&q, "ns/later2", 600000);
        cr_assert_eq(wq_retry_now(&q, false), 1, "one: the probe");
        key = wq_get(&q);
        cr_assert_str_eq(key, da <= db ? "ns/a" : "ns/b", "the failing key due first");
        wq_done(&q, key);
        free(key);
        cr_assert_eq(wq_retry_now(&q, true), 1, "all: the other failing key");
        key = wq_get(&q);
        cr_assert_str_eq(key, da <= db ? "ns/b" : "ns/a");
        wq_done(&q, key);
        free(key);
        cr_assert_eq(wq_retry_now(&q, true), 0, "the delayed keys that do not fail stay");
        t += 1.001;
        key = wq_get(&q);
        cr_assert_str_eq(key, "ns/later", "at its own time");
        wq_done(&q, key);
        free(key);
        cr_assert_eq(wq_len(&q), 0);
        wq_release(&q);
        clock_override(NULL, NULL);
}
