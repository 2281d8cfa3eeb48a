/*
 * A stand-in for the part of Criterion the thread tests use, so that they run under
 * ThreadSanitizer (Criterion's runner cannot start under TSan). The TSan build puts test/tsan
 * first on the include path: `#include <criterion/criterion.h>` finds this file, the test
 * files stay unchanged. Tests run in order in one process; the first failed assertion prints
 * file:line and the expression and exits 1. Messages and Test() options (.timeout) are ignored.
 */
#ifndef TEST_TSAN_CRITERION_H
#define TEST_TSAN_CRITERION_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHIM_MAX_TESTS 256

struct shim_test {
        const char *suite, *name;
        void (*fn)(void);
};

static struct shim_test shim_tests[SHIM_MAX_TESTS];
static int shim_ntests;

static void shim_register(const char *suite, const char *name, void (*fn)(void))
{
        if (shim_ntests < SHIM_MAX_TESTS)
                shim_tests[shim_ntests++] = (struct shim_test){suite, name, fn};
}

static void shim_fail(const char *file, int line, const char *expr)
{
        fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
        exit(1);
}

#define Test(suite, name, ...)                                                   \
        static void suite##_##name(void);                                        \
        __attribute__((constructor)) static void shim_reg_##suite##_##name(void) \
        {                                                                        \
                shim_register(#suite, #name, suite##_##name);                    \
        }                                                                        \
        static void suite##_##name(void)

#define SHIM_CHECK(cond, text)                               \
        do {                                                 \
                if (!(cond))                                 \
                        shim_fail(__FILE__, __LINE__, text); \
        } while (0)

#define cr_assert(cond, ...)         SHIM_CHECK(cond, #cond)
#define cr_expect(cond, ...)         SHIM_CHECK(cond, #cond)
#define cr_assert_eq(a, b, ...)      SHIM_CHECK((a) == (b), #a " == " #b)
#define cr_assert_neq(a, b, ...)     SHIM_CHECK((a) != (b), #a " != " #b)
#define cr_assert_lt(a, b, ...)      SHIM_CHECK((a) < (b), #a " < " #b)
#define cr_assert_leq(a, b, ...)     SHIM_CHECK((a) <= (b), #a " <= " #b)
#define cr_assert_gt(a, b, ...)      SHIM_CHECK((a) > (b), #a " > " #b)
#define cr_assert_geq(a, b, ...)     SHIM_CHECK((a) >= (b), #a " >= " #b)
#define cr_assert_null(a, ...)       SHIM_CHECK((a) == NULL, #a " == NULL")
#define cr_assert_not_null(a, ...)   SHIM_CHECK((a) != NULL, #a " != NULL")
#define cr_assert_str_eq(a, b, ...)  SHIM_CHECK(strcmp((a), (b)) == 0, #a " equals " #b)
#define cr_assert_str_neq(a, b, ...) SHIM_CHECK(strcmp((a), (b)) != 0, #a " differs from " #b)

int main(void)
{
        for (int i = 0; i < shim_ntests; i++) {
                shim_tests[i].fn();
                printf("ok %s::%s\n", shim_tests[i].suite, shim_tests[i].name);
        }
        printf("%d tests passed under the stand-in harness\n", shim_ntests);
        return 0;
}

#endif
