#include "pkg/base/clock.h"

#include <stddef.h>
#include <time.h>

#include "pkg/base/banned.h"

/* The test clock; set only by tests, before their threads start. */
static double (*fake)(void *arg);
static void *fake_arg;

double clock_now(void)
{
        struct timespec ts;

        if (fake)
                return fake(fake_arg);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void clock_override(double (*fn)(void *arg), void *arg)
{
        fake = fn;
        fake_arg = arg;
}

bool clock_is_real(void)
{
        return fake == NULL;
}
