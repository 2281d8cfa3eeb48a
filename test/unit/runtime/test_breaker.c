/* The backend breaker: a transient failure holds the backend, then one probe at a time. */
#include <criterion/criterion.h>
#include <string.h>

#include "pkg/base/clock.h"
#include "pkg/base/err.h"
#include "pkg/runtime/breaker.h"

static double t;
static struct breaker b;

static double at(void *arg)
{
        (void)arg;
        return t;
}

static void setup(void)
{
        t = 100.0;
        clock_override(at, NULL);
        breaker_init(&b, 5.0);
}

static void teardown(void)
{
        breaker_release(&b);
        clock_override(NULL, NULL);
}

/* One reading through the breaker that ends with `kind` (ERR_NONE: it succeeded); returns
 * whether it went to the backend. */
static bool reading(enum err_kind kind, const char *msg)
{
        struct err err;
        bool probe;

        err_clear(&err);
        if (!breaker_allow(&b, &probe, &err))
                return false;
        if (kind != ERR_NONE)
                err_set(&err, kind, "%s", msg);
        breaker_done(&b, probe, kind == ERR_NONE ? 0 : -1, &err);
        return true;
}

TestSuite(breaker, .init = setup, .fini = teardown);

Test(breaker, a_transient_failure_holds_the_backend_with_that_error)
{
        struct err err;
        bool probe;

        cr_assert(reading(ERR_NONE, NULL));
        cr_assert(reading(ERR_TRANSIENT, "kafka 127.0.0.1:9092: metadata: timed out"));
        cr_assert(breaker_is_open(&b));
        t += 4.9;
        err_clear(&err);
        cr_assert_not(breaker_allow(&b, &probe, &err), "held for 5 s");
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        cr_assert_str_eq(err.msg, "kafka 127.0.0.1:9092: metadata: timed out",
                         "the status says the real cause");
        cr_assert_eq(b.short_circuits, 1);
}

Test(breaker, one_probe_at_a_time_after_the_hold)
{
        struct err err;
        bool p1, p2;

        reading(ERR_TRANSIENT, "down");
        t += 5.0;
        cr_assert(breaker_allow(&b, &p1, &err));
        cr_assert(p1, "the first caller after the hold is the probe");
        cr_assert_not(breaker_allow(&b, &p2, &err), "the others fail at once while it probes");
        t += 30; /* the probe hangs for a whole timeout: still nobody else goes */
        cr_assert_not(breaker_allow(&b, &p2, &err));
        err_set(&err, ERR_TRANSIENT, "still down");
        breaker_done(&b, p1, -1, &err);
        cr_assert_not(breaker_allow(&b, &p2, &err), "a failed probe holds it again");
        cr_assert_str_eq(err.msg, "still down", "with the newest error");
        t += 5.0;
        cr_assert(reading(ERR_NONE, NULL), "the next probe goes, and answers");
        cr_assert_not(breaker_is_open(&b));
        cr_assert(reading(ERR_NONE, NULL));
        cr_assert(reading(ERR_NONE, NULL), "closed: everyone goes");
}

Test(breaker, only_an_outage_opens_it)
{
        cr_assert(reading(ERR_AUTH, "refused"));
        cr_assert(reading(ERR_INVALID, "bad spec"));
        cr_assert(reading(ERR_INTERNAL, "odd answer"));
        cr_assert(reading(ERR_NOT_FOUND, "no such subject"));
        cr_assert_not(breaker_is_open(&b));
}

Test(breaker, a_probe_that_gets_any_answer_closes_it)
{
        reading(ERR_TRANSIENT, "down");
        t += 5.0;
        cr_assert(reading(ERR_AUTH, "refused"), "the probe");
        cr_assert_not(breaker_is_open(&b), "a refusal is an answer: the backend is up");
}

Test(breaker, a_reading_in_flight_before_the_outage_may_close_it)
{
        struct err err;
        bool slow;

        cr_assert(breaker_allow(&b, &slow, &err)); /* started while it was closed */
        reading(ERR_TRANSIENT, "down");
        breaker_done(&b, slow, 0, &err); /* and answered after another reading failed */
        cr_assert_not(breaker_is_open(&b), "an answer says the backend is up");
}

Test(breaker, a_null_breaker_lets_everything_through)
{
        struct err err;
        bool probe = true;

        cr_assert(breaker_allow(NULL, &probe, &err));
        cr_assert_not(probe);
        breaker_done(NULL, false, -1, &err);
        cr_assert_not(breaker_is_open(NULL));
}
