/*
 * The one monotonic clock of the program: seconds since an arbitrary start, never going back
 * (CLOCK_MONOTONIC). Everything that measures a duration or schedules a retry reads it here,
 * so that a test can replace it and make backoff, delayed requeues and timings deterministic.
 */
#ifndef PKG_BASE_CLOCK_H
#define PKG_BASE_CLOCK_H

#include <stdbool.h>

/* Seconds on the monotonic clock (or on the test clock when one is set). */
double clock_now(void);

/*
 * Tests: make clock_now() return `fn(arg)`; `fn` NULL restores the real clock. Set it before
 * the threads that read the clock start, and restore it after they stop.
 */
void clock_override(double (*fn)(void *arg), void *arg);

/* False while a test clock is set (code that sleeps on the real clock then polls instead). */
bool clock_is_real(void);

#endif
