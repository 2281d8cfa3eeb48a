#include <criterion/criterion.h>

#include "pkg/base/clock.h"

static double at(void *arg)
{
        return *(double *)arg;
}

Test(clock, real_clock_never_goes_back)
{
        double a = clock_now(), b = clock_now();

        cr_assert(clock_is_real());
        cr_assert_geq(b, a);
}

Test(clock, a_test_clock_replaces_it_until_restored)
{
        double t = 1000.0;

        clock_override(at, &t);
        cr_assert(!clock_is_real());
        cr_assert_float_eq(clock_now(), 1000.0, 1e-9);
        t = 1060.5;
        cr_assert_float_eq(clock_now(), 1060.5, 1e-9);
        clock_override(NULL, NULL);
        cr_assert(clock_is_real());
}
