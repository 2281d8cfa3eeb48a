#include <criterion/criterion.h>

#include "pkg/reconcile/owner.h"

static const struct claim self = {"shop/orders", "acme.orders", "2026-01-02T00:00:00Z"};

static void owner_of(const struct claim *me, const struct claim *others, size_t n, char *out,
                     size_t len)
{
        out[0] = 0;
        for (size_t i = 0; i < n; i++)
                claim_owner_step(me, &others[i], out, len);
}

Test(owner, alone_it_owns_its_domain)
{
        char owner[64];

        owner_of(&self, &self, 1, owner, sizeof(owner));
        cr_assert_str_empty(owner);
}

Test(owner, an_older_claim_on_the_same_domain_owns_it)
{
        struct claim others[] = {{"ops/copy", "acme.orders", "2026-01-01T00:00:00Z"}};
        char owner[64];

        owner_of(&self, others, 1, owner, sizeof(owner));
        cr_assert_str_eq(owner, "ops/copy");
}

Test(owner, a_newer_claim_does_not)
{
        struct claim others[] = {{"ops/copy", "acme.orders", "2026-01-03T00:00:00Z"}};
        char owner[64];

        owner_of(&self, others, 1, owner, sizeof(owner));
        cr_assert_str_empty(owner);
}

Test(owner, the_same_second_goes_to_the_smaller_key)
{
        struct claim older_key = {"a/x", "acme.orders", "2026-01-02T00:00:00Z"};
        struct claim newer_key = {"z/x", "acme.orders", "2026-01-02T00:00:00Z"};

        cr_assert(claim_precedes(&older_key, &self));
        cr_assert(!claim_precedes(&newer_key, &self));
        cr_assert(!claim_precedes(&self, &self));
}

Test(owner, other_domains_do_not_conflict)
{
        struct claim others[] = {{"ops/pay", "acme.payments", "2025-01-01T00:00:00Z"},
                                 {"ops/ord", "acme.order", "2025-01-01T00:00:00Z"}};
        char owner[64];

        owner_of(&self, others, 2, owner, sizeof(owner));
        cr_assert_str_empty(owner);
}

Test(owner, among_several_older_claims_the_smallest_key_is_named)
{
        struct claim others[] = {{"ops/b", "acme.orders", "2025-06-01T00:00:00Z"},
                                 {"ops/a", "acme.orders", "2025-07-01T00:00:00Z"},
                                 {"ops/0", "acme.orders", "2027-01-01T00:00:00Z"}};
        char owner[64];

        owner_of(&self, others, 3, owner, sizeof(owner));
        cr_assert_str_eq(owner, "ops/a");
}

Test(owner, an_empty_domain_claims_nothing)
{
        struct claim none = {"x/none", "", "2026-01-02T00:00:00Z"};
        struct claim older = {"x/old", "", "2020-01-01T00:00:00Z"};

        cr_assert(!claim_conflicts(&none, &older));
}
