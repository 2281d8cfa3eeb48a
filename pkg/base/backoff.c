#include "pkg/base/backoff.h"

#include "pkg/base/banned.h"

uint32_t backoff_delay_ms(const struct backoff *b, unsigned attempt, uint32_t rnd)
{
        uint64_t cap = b->base_ms ? b->base_ms : 1;

        for (unsigned i = 0; i < attempt && cap < b->max_ms; i++)
                cap *= 2;
        if (cap > b->max_ms)
                cap = b->max_ms;
        /* half fixed, half jitter: never a thundering herd, never a zero delay */
        return (uint32_t)(cap / 2 + (cap - cap / 2) * (uint64_t)rnd / UINT32_MAX);
}
