#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/strmap.h"

/* The keys of `m` joined with ',' (to assert the order in one line). */
static void keys_of(const struct strmap *m, char *out, size_t n)
{
        out[0] = '\0';
        for (size_t i = 0; i < m->len; i++) {
                size_t used = strlen(out);
                snprintf(out + used, n - used, "%s%s", i ? "," : "", m->items[i].key);
        }
}

Test(strmap, set_get_replace_del)
{
        struct strmap m;
        char keys[128];

        strmap_init(&m, 16);
        cr_assert_null(strmap_get(&m, "retention.ms"), "an empty map allocates nothing");
        cr_assert_null(m.items);
        cr_assert_not(strmap_del(&m, "retention.ms"));

        cr_assert_eq(strmap_set(&m, "retention.ms", "1"), STRMAP_OK);
        cr_assert_eq(strmap_set(&m, "cleanup.policy", "delete"), STRMAP_OK);
        cr_assert_eq(strmap_set(&m, "retention.ms", "2"), STRMAP_OK, "a set replaces");
        cr_assert_eq(m.len, 2);
        cr_assert_str_eq(strmap_get(&m, "retention.ms"), "2");
        cr_assert_str_eq(strmap_get(&m, "cleanup.policy"), "delete");
        cr_assert_null(strmap_get(&m, "retention"), "a prefix is another key");
        cr_assert_null(strmap_get(&m, "Retention.ms"), "keys are case-sensitive");
        keys_of(&m, keys, sizeof(keys));
        cr_assert_str_eq(keys, "cleanup.policy,retention.ms");

        cr_assert(strmap_del(&m, "cleanup.policy"));
        cr_assert_not(strmap_del(&m, "cleanup.policy"), "a second delete finds nothing");
        cr_assert_eq(m.len, 1);
        cr_assert_str_eq(strmap_get(&m, "retention.ms"), "2", "deleting one key leaves others");
        strmap_release(&m);
        cr_assert_eq(m.len, 0);
        cr_assert_null(m.items);
        cr_assert_eq(m.max, 16, "release keeps the cap");
}

Test(strmap, keeps_copies_not_the_callers_strings)
{
        struct strmap m;
        char key[] = "k", value[] = "v";

        strmap_init(&m, 4);
        cr_assert_eq(strmap_set(&m, key, value), STRMAP_OK);
        key[0] = 'x';
        value[0] = 'x';
        cr_assert_str_eq(strmap_get(&m, "k"), "v");
        cr_assert_eq(strmap_set(&m, "empty", ""), STRMAP_OK, "an empty value is a value");
        cr_assert_str_eq(strmap_get(&m, "empty"), "");
        cr_assert_eq(strmap_set(&m, "", "empty key"), STRMAP_OK, "so is an empty key");
        cr_assert_str_eq(strmap_get(&m, ""), "empty key");
        cr_assert_str_eq(m.items[0].key, "", "the empty key sorts first");
        strmap_release(&m);
}

Test(strmap, iterates_in_key_order_whatever_the_insert_order)
{
        static const char *const in[] = {"m", "c", "x", "a", "q", "b", "z", "a.b", "ab", "A"};
        struct strmap m;
        char keys[128];

        strmap_init(&m, 64);
        for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
                cr_assert_eq(strmap_set(&m, in[i], in[i]), STRMAP_OK);
        keys_of(&m, keys, sizeof(keys));
        cr_assert_str_eq(keys, "A,a,a.b,ab,b,c,m,q,x,z", "strcmp order: bytes, not locale");
        for (size_t i = 0; i < m.len; i++)
                cr_assert_str_eq(m.items[i].key, m.items[i].value);
        cr_assert(strmap_del(&m, "a"));
        cr_assert(strmap_del(&m, "z"));
        cr_assert(strmap_del(&m, "A"));
        keys_of(&m, keys, sizeof(keys));
        cr_assert_str_eq(keys, "a.b,ab,b,c,m,q,x", "first, last and middle removals keep order");
        strmap_release(&m);
}

Test(strmap, the_cap_refuses_a_new_key_and_leaves_the_map_alone)
{
        struct strmap m;
        char key[16];

        strmap_init(&m, 3);
        cr_assert_eq(strmap_set(&m, "a", "1"), STRMAP_OK);
        cr_assert_eq(strmap_set(&m, "b", "2"), STRMAP_OK);
        cr_assert_eq(strmap_set(&m, "c", "3"), STRMAP_OK);
        cr_assert_eq(strmap_set(&m, "d", "4"), STRMAP_FULL);
        cr_assert_eq(strmap_set(&m, "0", "4"), STRMAP_FULL, "whatever its place");
        cr_assert_eq(m.len, 3);
        cr_assert_null(strmap_get(&m, "d"));
        cr_assert_eq(m.cap, 3, "the array never grows past the cap");
        cr_assert_eq(strmap_set(&m, "b", "two"), STRMAP_OK, "replacing is always allowed");
        cr_assert_str_eq(strmap_get(&m, "b"), "two");
        cr_assert(strmap_del(&m, "a"));
        cr_assert_eq(strmap_set(&m, "d", "4"), STRMAP_OK, "a removal makes room");
        strmap_release(&m);

        strmap_init(&m, 0);
        cr_assert_eq(strmap_set(&m, "a", "1"), STRMAP_FULL, "a cap of 0 holds nothing");
        strmap_release(&m);

        strmap_init(&m, 1000);
        for (int i = 0; i < 1000; i++) {
                snprintf(key, sizeof(key), "k%04d", 999 - i); /* reverse order: every insert
                                                                 moves the whole tail */
                cr_assert_eq(strmap_set(&m, key, key), STRMAP_OK);
        }
        cr_assert_eq(strmap_set(&m, "k1000", "x"), STRMAP_FULL);
        for (size_t i = 1; i < m.len; i++)
                cr_assert_lt(strcmp(m.items[i - 1].key, m.items[i].key), 0);
        cr_assert_str_eq(strmap_get(&m, "k0500"), "k0500");
        strmap_release(&m);
}

Test(strmap, copy_and_equal)
{
        struct strmap a, b, small;

        strmap_init(&a, 8);
        strmap_init(&b, 8);
        strmap_init(&small, 1);
        cr_assert(strmap_equal(&a, &b), "two empty maps are equal");
        cr_assert_eq(strmap_copy(&b, &a), STRMAP_OK, "copying an empty map");
        cr_assert_eq(b.len, 0);
        strmap_set(&a, "retention.ms", "1000");
        strmap_set(&a, "cleanup.policy", "compact");
        cr_assert_not(strmap_equal(&a, &b));

        strmap_set(&b, "stale", "x"); /* what dst held goes */
        cr_assert_eq(strmap_copy(&b, &a), STRMAP_OK);
        cr_assert(strmap_equal(&a, &b));
        cr_assert_null(strmap_get(&b, "stale"));
        cr_assert_neq(a.items[0].value, b.items[0].value, "a deep copy");
        cr_assert_eq(strmap_set(&b, "z", "new"), STRMAP_OK, "the copy grows like any map");

        strmap_set(&b, "retention.ms", "2000");
        strmap_del(&b, "z");
        cr_assert_not(strmap_equal(&a, &b), "same keys, another value");
        strmap_set(&b, "retention.ms", "1000");
        cr_assert(strmap_equal(&a, &b));
        strmap_del(&b, "retention.ms");
        strmap_set(&b, "retention.bytes", "1000");
        cr_assert_not(strmap_equal(&a, &b), "same values, another key");

        strmap_set(&small, "x", "y");
        cr_assert_eq(strmap_copy(&small, &a), STRMAP_FULL, "a copy respects dst's cap");
        cr_assert_eq(small.len, 0, "and leaves dst empty");
        strmap_release(&a);
        strmap_release(&b);
        strmap_release(&small);
}
