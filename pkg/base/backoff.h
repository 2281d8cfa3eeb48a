/*
 * Exponential backoff with full jitter, as a pure function of the attempt number and a random
 * draw, so that it is testable and shared by the workqueue, watch restarts and broker retries.
 */
#ifndef PKG_BASE_BACKOFF_H
#define PKG_BASE_BACKOFF_H

#include <stdint.h>

struct backoff {
        uint32_t base_ms; /* delay cap for the first retry */
        uint32_t max_ms;  /* no delay is longer than this */
};

/*
 * Delay in milliseconds before retry number `attempt` (0 for the first retry): a value in
 * [cap/2, cap] where cap = min(max_ms, base_ms * 2^attempt). `rnd` is any 32-bit random draw.
 */
uint32_t backoff_delay_ms(const struct backoff *b, unsigned attempt, uint32_t rnd);

#endif
