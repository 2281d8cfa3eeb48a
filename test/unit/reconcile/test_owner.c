#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "pkg/reconcile/owner.h"

static const struct claim self = {"shop/orders", "acme.orders", "2026-01-02T00:00:00Z", false,
                                  NULL};

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
        struct claim others[] = {{"ops/copy", "acme.orders", "2026-01-01T00:00:00Z", false, NULL}};
        char owner[64];

        owner_of(&self, others, 1, owner, sizeof(owner));
        cr_assert_str_eq(owner, "ops/copy");
}

Test(owner, a_newer_claim_does_not)
{
        struct claim others[] = {{"ops/copy", "acme.orders", "2026-01-03T00:00:00Z", false, NULL}};
        char owner[64];

        owner_of(&self, others, 1, owner, sizeof(owner));
        cr_assert_str_empty(owner);
}

Test(owner, the_same_second_goes_to_the_smaller_key)
{
        struct claim older_key = {"a/x", "acme.orders", "2026-01-02T00:00:00Z", false, NULL};
        struct claim newer_key = {"z/x", "acme.orders", "2026-01-02T00:00:00Z", false, NULL};

        cr_assert(claim_precedes(&older_key, &self));
        cr_assert(!claim_precedes(&newer_key, &self));
        cr_assert(!claim_precedes(&self, &self));
}

Test(owner, other_domains_do_not_conflict)
{
        struct claim others[] = {{"ops/pay", "acme.payments", "2025-01-01T00:00:00Z", false, NULL},
                                 {"ops/ord", "acme.order", "2025-01-01T00:00:00Z", false, NULL}};
        char owner[64];

        owner_of(&self, others, 2, owner, sizeof(owner));
        cr_assert_str_empty(owner);
}

Test(owner, among_several_older_claims_the_smallest_key_is_named)
{
        struct claim others[] = {{"ops/b", "acme.orders", "2025-06-01T00:00:00Z", false, NULL},
                                 {"ops/a", "acme.orders", "2025-07-01T00:00:00Z", false, NULL},
                                 {"ops/0", "acme.orders", "2027-01-01T00:00:00Z", false, NULL}};
        char owner[64];

        owner_of(&self, others, 3, owner, sizeof(owner));
        cr_assert_str_eq(owner, "ops/a");
}

Test(owner, an_empty_domain_claims_nothing)
{
        struct claim none = {"x/none", "", "2026-01-02T00:00:00Z", false, NULL};
        struct claim older = {"x/old", "", "2020-01-01T00:00:00Z", false, NULL};

        cr_assert(!claim_conflicts(&none, &older));
}

Test(owner, domains_are_a_tree)
{
        struct claim parent = {"a/p", "acme", "2026-01-01T00:00:00Z", false, NULL};
        struct claim child = {"b/c", "acme.orders.eu", "2026-01-02T00:00:00Z", false, NULL};
        struct claim sibling = {"c/s", "acme.ordersx", "2026-01-03T00:00:00Z", false, NULL};
        char owner[64] = "";

        cr_assert(claim_conflicts(&parent, &child), "an ancestor's claim clashes");
        cr_assert(claim_conflicts(&child, &parent), "and a descendant's");
        cr_assert_not(claim_conflicts(&sibling, &self), "acme.ordersx is not below acme.orders");
        claim_owner_step(&child, &parent, owner, sizeof(owner));
        cr_assert_str_eq(owner, "a/p", "the older parent owns: the child is a DomainConflict");
        child.nested = true;
        cr_assert_not(claim_conflicts(&parent, &child), "unless a MeshPolicy allows nesting");
}

/* Two products acting as one principal would each get the other's grants, quota and
 * credentials: the older keeps it, the newer is a PrincipalConflict naming it. */
Test(owner, a_principal_belongs_to_the_older_product)
{
        struct claim me = {"shop/orders", "acme.orders", "2026-01-02T00:00:00Z", false,
                           "User:acme.orders"};
        struct claim older = {"ops/pay", "acme.payments", "2026-01-01T00:00:00Z", false,
                              "User:acme.orders"};
        struct claim newer = {"ops/late", "acme.late", "2026-01-03T00:00:00Z", false,
                              "User:acme.orders"};
        char owner[64] = "";

        cr_assert_not(claim_conflicts(&me, &older), "different domains: no DomainConflict");
        cr_assert(claim_shares_principal(&me, &older));
        claim_principal_step(&me, &older, owner, sizeof(owner));
        claim_principal_step(&me, &newer, owner, sizeof(owner));
        cr_assert_str_eq(owner, "ops/pay");
        owner[0] = 0;
        claim_principal_step(&older, &me, owner, sizeof(owner));
        claim_principal_step(&older, &newer, owner, sizeof(owner));
        cr_assert_str_empty(owner, "the oldest keeps its principal");
}

Test(owner, principals_compare_with_the_user_type_made_explicit)
{
        struct claim a = {"x/a", "acme.a", "2026-01-01T00:00:00Z", false, "User:svc"};
        struct claim b = {"x/b", "acme.b", "2026-01-02T00:00:00Z", false, "svc"};
        struct claim c = {"x/c", "acme.c", "2026-01-02T00:00:00Z", false, "User:svc2"};
        struct claim d = {"x/d", "acme.d", "2026-01-02T00:00:00Z", false, "User:SVC"};

        cr_assert(claim_shares_principal(&a, &b), "svc is User:svc");
        cr_assert_not(claim_shares_principal(&a, &c), "no prefix match");
        cr_assert_not(claim_shares_principal(&a, &d), "Kafka principals are case-sensitive");
}

Test(owner, no_principal_and_the_same_product_never_conflict)
{
        struct claim a = {"x/a", "acme.a", "2026-01-01T00:00:00Z", false, "User:svc"};
        struct claim again = {"x/a", "acme.a", "2026-01-01T00:00:00Z", false, "User:svc"};
        struct claim none = {"x/n", "acme.n", "2025-01-01T00:00:00Z", false, NULL};
        struct claim empty = {"x/e", "acme.e", "2025-01-01T00:00:00Z", false, ""};
        char owner[64] = "";

        cr_assert_not(claim_shares_principal(&a, &again));
        cr_assert_not(claim_shares_principal(&none, &empty));
        claim_principal_step(&a, &none, owner, sizeof(owner));
        claim_principal_step(&a, &empty, owner, sizeof(owner));
        claim_principal_step(&a, &again, owner, sizeof(owner));
        cr_assert_str_empty(owner);
}

Test(owner, the_label_carries_domain_and_principal)
{
        char label[64], domain[32], principal[32];

        claim_label("acme.orders", "User:svc", label, sizeof(label));
        claim_label_split(label, domain, sizeof(domain), principal, sizeof(principal));
        cr_assert_str_eq(domain, "acme.orders");
        cr_assert_str_eq(principal, "User:svc");
        claim_label_split("acme.old", domain, sizeof(domain), principal, sizeof(principal));
        cr_assert_str_eq(domain, "acme.old", "a label without a tab is a domain");
        cr_assert_str_empty(principal);
        claim_label("", "", label, sizeof(label));
        claim_label_split(label, domain, sizeof(domain), principal, sizeof(principal));
        cr_assert_str_empty(domain);
        cr_assert_str_empty(principal);
}

/*
 * Property: over random claims drawn from a few principals, exactly the oldest user of each
 * principal keeps it, and every other names an older user of the same principal.
 */
Test(owner, property_each_principal_has_exactly_one_user)
{
        static const char *const pool[] = {"User:p0", "User:p1", "p1", "User:p2", NULL};
        unsigned seed = 12345;

        for (int round = 0; round < 200; round++) {
                struct claim cs[12];
                char keys[12][16], created[12][32], domains[12][16], owner[16];
                int n = 2 + round % 10;

                for (int i = 0; i < n; i++) {
                        seed = seed * 1103515245u + 12345u;
                        snprintf(keys[i], sizeof(keys[i]), "ns/k%02d", i);
                        snprintf(created[i], sizeof(created[i]), "2026-01-%02uT00:00:00Z",
                                 1 + (seed >> 16) % 5);
                        snprintf(domains[i], sizeof(domains[i]), "d%d.x", i);
                        cs[i] = (struct claim){keys[i], domains[i], created[i], false,
                                               pool[(seed >> 8) % 5]};
                }
                for (int i = 0; i < n; i++) {
                        bool oldest = true;

                        owner[0] = 0;
                        for (int j = 0; j < n; j++) {
                                claim_principal_step(&cs[i], &cs[j], owner, sizeof(owner));
                                if (claim_shares_principal(&cs[i], &cs[j]) &&
                                    claim_precedes(&cs[j], &cs[i]))
                                        oldest = false;
                        }
                        cr_assert_eq(owner[0] == 0, oldest, "round %d claim %d", round, i);
                        for (int j = 0; j < n && owner[0]; j++)
                                if (strcmp(cs[j].key, owner) == 0)
                                        cr_assert(claim_shares_principal(&cs[i], &cs[j]) &&
                                                  claim_precedes(&cs[j], &cs[i]));
                }
        }
}
