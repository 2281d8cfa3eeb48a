#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/map.h"

#define MANY 10000

Test(map, put_get_has_del)
{
        struct map m;
        int a = 1, b = 2;

        map_init(&m);
        cr_assert_null(map_get(&m, "orders"), "an empty map has no buckets yet");
        cr_assert_not(map_has(&m, "orders"));
        cr_assert_null(map_del(&m, "orders"));

        cr_assert_eq(map_put(&m, "orders", &a, NULL), 0);
        cr_assert_eq(map_put(&m, "payments", &b, NULL), 0);
        cr_assert_eq(m.len, 2);
        cr_assert_eq(map_get(&m, "orders"), &a);
        cr_assert_eq(map_get(&m, "payments"), &b);
        cr_assert(map_has(&m, "orders"));
        cr_assert_not(map_has(&m, "order"), "a prefix is another key");
        cr_assert_null(map_get(&m, "Orders"), "keys are case-sensitive");

        cr_assert_eq(map_del(&m, "orders"), &a);
        cr_assert_eq(m.len, 1);
        cr_assert_not(map_has(&m, "orders"));
        cr_assert_null(map_del(&m, "orders"), "a second delete finds nothing");
        cr_assert_eq(map_get(&m, "payments"), &b, "deleting one key leaves the others");
        map_release(&m, NULL);
        cr_assert_eq(m.len, 0);
        cr_assert_null(m.buckets);
}

Test(map, null_value_is_present)
{
        struct map m;

        map_init(&m);
        cr_assert_eq(map_put(&m, "k", NULL, NULL), 0);
        cr_assert(map_has(&m, "k"), "map_has tells a NULL value from an absent key");
        cr_assert_null(map_get(&m, "k"));
        map_release(&m, NULL);
}

Test(map, empty_key)
{
        struct map m;
        int v = 7;

        map_init(&m);
        cr_assert_eq(map_put(&m, "", &v, NULL), 0);
        cr_assert_eq(map_get(&m, ""), &v);
        cr_assert_eq(map_del(&m, ""), &v);
        map_release(&m, NULL);
}

Test(map, overwrite_returns_old)
{
        struct map m;
        int a = 1, b = 2, c = 3;
        void *old = &c;

        map_init(&m);
        cr_assert_eq(map_put(&m, "k", &a, &old), 0);
        cr_assert_null(old, "a new key has no previous value");
        cr_assert_eq(map_put(&m, "k", &b, &old), 0);
        cr_assert_eq(old, &a);
        cr_assert_eq(map_get(&m, "k"), &b);
        cr_assert_eq(m.len, 1, "an overwrite adds no entry");
        cr_assert_eq(map_put(&m, "k", &c, NULL), 0, "`old` may be NULL");
        cr_assert_eq(map_get(&m, "k"), &c);
        map_release(&m, NULL);
}

Test(map, grows_past_many_buckets)
{
        struct map m;
        char key[32];

        map_init(&m);
        for (uintptr_t i = 0; i < MANY; i++) {
                snprintf(key, sizeof(key), "ns-%lu/product", (unsigned long)i);
                cr_assert_eq(map_put(&m, key, (void *)(i + 1), NULL), 0);
        }
        cr_assert_eq(m.len, MANY);
        cr_assert_geq(m.nbuckets, MANY, "the load factor stays at most 1");
        cr_assert_eq(m.nbuckets & (m.nbuckets - 1), 0, "bucket count is a power of two");
        for (uintptr_t i = 0; i < MANY; i++) {
                snprintf(key, sizeof(key), "ns-%lu/product", (unsigned long)i);
                cr_assert_eq((uintptr_t)map_get(&m, key), i + 1, "key %s after growth", key);
        }
        /* delete every other key, the rest must still be found */
        for (uintptr_t i = 0; i < MANY; i += 2) {
                snprintf(key, sizeof(key), "ns-%lu/product", (unsigned long)i);
                cr_assert_eq((uintptr_t)map_del(&m, key), i + 1);
        }
        cr_assert_eq(m.len, MANY / 2);
        for (uintptr_t i = 0; i < MANY; i++) {
                snprintf(key, sizeof(key), "ns-%lu/product", (unsigned long)i);
                cr_assert_eq(map_has(&m, key), i % 2 == 1, "key %s", key);
        }
        map_release(&m, NULL);
}

Test(map, iteration_visits_every_entry_once)
{
        struct map m;
        struct map_ent *e = NULL;
        unsigned char *seen = calloc(MANY, 1);
        size_t it = 0, n = 0;
        char key[32];

        cr_assert_not_null(seen);
        map_init(&m);
        cr_assert_null(map_next(&m, &it, &e), "an empty map yields nothing");
        for (uintptr_t i = 0; i < MANY; i++) {
                snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
                cr_assert_eq(map_put(&m, key, (void *)i, NULL), 0);
        }
        it = 0;
        e = NULL;
        while (map_next(&m, &it, &e)) {
                uintptr_t i = (uintptr_t)e->value;
                snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
                cr_assert_str_eq(e->key, key, "entry key matches its value");
                cr_assert_eq(seen[i], 0, "entry %s visited twice", key);
                seen[i] = 1;
                n++;
        }
        cr_assert_eq(n, MANY);
        cr_assert_null(map_next(&m, &it, &e), "the end is sticky");
        free(seen);
        map_release(&m, NULL);
}

static int freed;

static void count_free(void *v)
{
        freed++;
        free(v);
}

Test(map, release_frees_values)
{
        struct map m;
        char key[16];

        freed = 0;
        map_init(&m);
        for (int i = 0; i < 100; i++) {
                snprintf(key, sizeof(key), "k%d", i);
                cr_assert_eq(map_put(&m, key, strdup(key), NULL), 0);
        }
        free(map_del(&m, "k0"));
        map_release(&m, count_free);
        cr_assert_eq(freed, 99, "every remaining value is freed once");
        cr_assert_eq(m.len, 0);
        cr_assert_null(map_get(&m, "k1"), "the released map is empty and usable");
        cr_assert_eq(map_put(&m, "again", NULL, NULL), 0);
        map_release(&m, NULL);
}
