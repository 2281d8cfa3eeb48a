#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pkg/kube/lease.h"

#define NOW 1800000000.0

static struct lease held(const char *holder, int duration_s, double renew)
{
        struct lease l;

        memset(&l, 0, sizeof(l));
        l.exists = true;
        snprintf(l.holder, sizeof(l.holder), "%s", holder);
        l.duration_s = duration_s;
        l.renew = renew;
        snprintf(l.rv, sizeof(l.rv), "42");
        return l;
}

Test(lease, free_when_none_exists)
{
        struct lease l;

        memset(&l, 0, sizeof(l));
        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_ACQUIRE);
}

Test(lease, released_holder_is_free)
{
        struct lease l = held("", 15, NOW);

        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_ACQUIRE,
                     "a released lease is free even while its renew time is fresh");
}

Test(lease, ours_is_renewed)
{
        struct lease l = held("pod-a", 15, NOW - 5);

        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_RENEW);
        l.renew = NOW - 3600;
        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_RENEW,
                     "our own lease is renewed, not re-acquired, even when it lapsed");
}

Test(lease, someone_elses_live_lease_waits)
{
        struct lease l = held("pod-b", 15, NOW - 5);

        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_WAIT);
        cr_assert_eq(lease_decide(&l, "pod-a", NOW - 5 + 15), LEASE_WAIT,
                     "exactly at the end of the duration the lease still holds");
        cr_assert_eq(lease_decide(&l, "pod-a2", NOW), LEASE_WAIT, "a prefix is not the holder");
}

Test(lease, expired_is_acquired)
{
        struct lease l = held("pod-b", 15, NOW - 16);

        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_ACQUIRE);
        l.duration_s = 60;
        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_WAIT,
                     "the holder's own duration decides, not ours");
        cr_assert_eq(lease_decide(&l, "pod-a", NOW + 45), LEASE_ACQUIRE);
}

Test(lease, zero_duration_defaults_to_15s)
{
        struct lease l = held("pod-b", 0, NOW - 10);

        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_WAIT,
                     "a lease without a duration is not expired at once");
        l.renew = NOW - 16;
        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_ACQUIRE);
        l.duration_s = -1;
        l.renew = NOW - 10;
        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_WAIT, "negative counts as unset");
}

Test(lease, never_renewed_is_expired)
{
        struct lease l = held("pod-b", 15, 0);

        cr_assert_eq(lease_decide(&l, "pod-a", NOW), LEASE_ACQUIRE,
                     "a lease without renewTime has not been renewed within its duration");
}
