#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"

Test(buf, appends_and_terminates)
{
        struct buf b;

        buf_init(&b, 64);
        cr_assert_eq(buf_puts(&b, "topic"), 0);
        cr_assert_eq(buf_printf(&b, "-%d", 42), 0);
        cr_assert_str_eq(b.data, "topic-42");
        cr_assert_eq(b.len, 8);
        buf_release(&b);
}

Test(buf, cap_is_enforced_and_sticky)
{
        struct buf b;

        buf_init(&b, 8);
        cr_assert_eq(buf_puts(&b, "12345678"), 0);
        cr_assert_eq(buf_putc(&b, '9'), -1, "the 9th byte passes the cap");
        cr_assert_str_eq(b.data, "12345678", "a failed append leaves the contents unchanged");
        cr_assert(b.failed);
        buf_release(&b);
}

Test(buf, detach_hands_over_and_empties)
{
        struct buf b;
        size_t n;
        char *s;

        buf_init(&b, 16);
        s = buf_detach(&b, &n);
        cr_assert_str_eq(s, "", "an empty buffer detaches to an allocated empty string");
        free(s);
        buf_puts(&b, "abc");
        s = buf_detach(&b, &n);
        cr_assert_str_eq(s, "abc");
        cr_assert_eq(n, 3);
        cr_assert_null(b.data);
        free(s);
}

Test(buf, quoted_escapes_what_yaml_cannot_hold_raw)
{
        struct buf b;

        buf_init(&b, 1024);
        buf_put_quoted(&b, "a\x7f"
                           "b\xc2\x85"
                           "c\xef\xbb\xbf"
                           "d\xef\xbf\xbf"
                           "e\xc3\xa9\x01\xe2\x80\xa8");
        cr_assert_str_eq(b.data, "\"a\\u007fb\\u0085c\\ufeffd\\uffffe\xc3\xa9\\u0001\\u2028\"");
        buf_release(&b);
}
