#include <criterion/criterion.h>
#include <string.h>

#include "pkg/model/model.h"
#include "pkg/reconcile/speccache.h"

static struct product *parsed(const char *domain)
{
        struct product *p = product_new();

        p->domain = strdup(domain);
        return p;
}

Test(speccache, an_unchanged_generation_is_parsed_once)
{
        struct spec_cache c;
        const struct product *p = NULL;
        const char *msg = NULL;

        spec_cache_init(&c);
        cr_assert_eq(spec_cache_get(&c, "ns/a", "u1", 1, &p, &msg), 0);
        cr_assert_eq(spec_cache_put(&c, "ns/a", "u1", 1, parsed("acme.a"), NULL), 0);
        for (int resync = 0; resync < 3; resync++) {
                cr_assert_eq(spec_cache_get(&c, "ns/a", "u1", 1, &p, &msg), 1);
                cr_assert_str_eq(p->domain, "acme.a");
                cr_assert_null(msg);
        }
        cr_assert_eq(c.hits, 3);
        cr_assert_eq(c.misses, 1);
        spec_cache_release(&c);
}

Test(speccache, a_new_generation_or_a_new_object_misses)
{
        struct spec_cache c;
        const struct product *p;
        const char *msg;

        spec_cache_init(&c);
        spec_cache_put(&c, "ns/a", "u1", 1, parsed("acme.a"), NULL);
        cr_assert_eq(spec_cache_get(&c, "ns/a", "u1", 2, &p, &msg), 0, "spec edited");
        cr_assert_eq(spec_cache_get(&c, "ns/a", "u2", 1, &p, &msg), 0, "deleted and re-created");
        cr_assert_eq(spec_cache_get(&c, "ns/b", "u1", 1, &p, &msg), 0, "another object");
        spec_cache_put(&c, "ns/a", "u1", 2, parsed("acme.a2"), NULL);
        cr_assert_eq(spec_cache_get(&c, "ns/a", "u1", 2, &p, &msg), 1);
        cr_assert_str_eq(p->domain, "acme.a2");
        cr_assert_eq(spec_cache_get(&c, "ns/a", "u1", 1, &p, &msg), 0, "the old one is gone");
        spec_cache_release(&c);
}

Test(speccache, an_invalid_spec_keeps_its_diagnostics)
{
        struct spec_cache c;
        const struct product *p = (const struct product *)1;
        const char *msg = NULL;

        spec_cache_init(&c);
        spec_cache_put(&c, "ns/bad", "u1", 7, NULL, "partitions must be > 0, at channels.x");
        cr_assert_eq(spec_cache_get(&c, "ns/bad", "u1", 7, &p, &msg), 1);
        cr_assert_null(p);
        cr_assert_str_eq(msg, "partitions must be > 0, at channels.x");
        spec_cache_drop(&c, "ns/bad");
        cr_assert_eq(spec_cache_get(&c, "ns/bad", "u1", 7, &p, &msg), 0);
        spec_cache_release(&c);
}
