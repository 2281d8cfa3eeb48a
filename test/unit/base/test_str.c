#include <criterion/criterion.h>
#include <stdlib.h>

#include "pkg/base/backoff.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"

Test(str, to_long_rejects_junk_and_range)
{
        long v = 0;

        cr_assert_eq(str_to_long("12", 1, 100, &v), 0);
        cr_assert_eq(v, 12);
        cr_assert_eq(str_to_long("12x", 1, 100, &v), -1);
        cr_assert_eq(str_to_long("", 1, 100, &v), -1);
        cr_assert_eq(str_to_long("0", 1, 100, &v), -1);
        cr_assert_eq(str_to_long("99999999999999999999", 1, 100, &v), -1);
}

Test(str, prefixes_and_suffixes)
{
        cr_assert(str_starts_with("london.x", "london."));
        cr_assert_not(str_starts_with("lon", "london."));
        cr_assert(str_ends_with("a.avsc", ".avsc"));
        cr_assert_not(str_ends_with("avsc", ".avsc"));
        cr_assert(str_eq(NULL, NULL));
        cr_assert_not(str_eq("a", NULL));
}

Test(vec, push_remove_release)
{
        struct vec v = VEC_INIT;

        for (int i = 0; i < 100; i++)
                cr_assert_eq(vec_push(&v, str_printf("%d", i)), 0);
        char *third = vec_remove(&v, 2);
        cr_assert_str_eq(third, "2");
        free(third);
        cr_assert_eq(v.len, 99);
        cr_assert_str_eq(v.items[2], "3");
        vec_release(&v, free);
        cr_assert_eq(v.len, 0);
}

Test(backoff, grows_caps_and_jitters)
{
        struct backoff b = {.base_ms = 100, .max_ms = 5000};

        cr_assert_eq(backoff_delay_ms(&b, 0, 0), 50);
        cr_assert_eq(backoff_delay_ms(&b, 0, UINT32_MAX), 100);
        cr_assert_eq(backoff_delay_ms(&b, 3, UINT32_MAX), 800);
        cr_assert_eq(backoff_delay_ms(&b, 30, UINT32_MAX), 5000, "capped at max_ms");
        cr_assert_geq(backoff_delay_ms(&b, 30, 0), 2500, "never below half the cap");
}
