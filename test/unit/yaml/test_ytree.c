#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/yaml/diag.h"
#include "pkg/yaml/ytree.h"
#include "pkg/base/buf.h"

/* A one-mapping document of `n` keys "k0".."k<n-1>", plus `extra` appended verbatim. */
static char *many_keys(size_t n, const char *extra, size_t *len)
{
        struct buf b;
        char *s;

        buf_init(&b, 64u << 20);
        for (size_t i = 0; i < n; i++)
                buf_printf(&b, "k%zu: %zu\n", i, i);
        buf_puts(&b, extra);
        cr_assert(!b.failed);
        s = buf_detach(&b, len);
        return s;
}

static double cpu_seconds(void)
{
        return (double)clock() / CLOCKS_PER_SEC;
}

/* Was quadratic: 80,000 keys took 28 s of CPU (issue #10). */
Test(ytree, eighty_thousand_keys_parse_in_linear_time)
{
        struct diags d;
        size_t len;
        char *doc = many_keys(80000, "", &len);
        double t0 = cpu_seconds();
        struct ynode *root;

        diags_init(&d);
        root = ytree_parse("big.yaml", doc, len, &d);
        cr_assert_not_null(root);
        /* well under a second even under ASan; the quadratic check took tens of seconds */
        cr_expect_lt(cpu_seconds() - t0, 1.0, "parse took %.2f s", cpu_seconds() - t0);
        cr_assert_eq(root->len, 80000);
        cr_assert_eq(ynode_index(root, "k0"), 0);
        cr_assert_eq(ynode_index(root, "k79999"), 79999);
        cr_assert_str_eq(ynode_str(root, "k41234"), "41234");
        cr_assert_eq(ynode_index(root, "k80000"), -1);
        cr_assert_null(ynode_get(root, "nope"));
        ynode_free(root);
        diags_release(&d);
        free(doc);
}

Test(ytree, duplicate_key_in_a_large_map_is_found_with_its_line)
{
        struct diags d;
        size_t len;
        char *doc = many_keys(5000, "k4321: again\n", &len);
        struct ynode *root;
        const struct diag *g;

        diags_init(&d);
        root = ytree_parse("dup.yaml", doc, len, &d);
        cr_assert_null(root);
        cr_assert_eq(d.items.len, 1);
        g = d.items.items[0];
        cr_assert_eq(g->line, 5001);
        cr_assert(strstr(g->msg, "duplicate key 'k4321'"), "%s", g->msg);
        diags_release(&d);
        free(doc);
}

Test(ytree, every_size_around_the_hash_threshold_keeps_order_and_lookups)
{
        for (size_t n = 1; n < 80; n++) {
                struct diags d;
                size_t len;
                char *doc = many_keys(n, "", &len);
                struct ynode *root;
                char key[32];

                diags_init(&d);
                root = ytree_parse("n.yaml", doc, len, &d);
                cr_assert_not_null(root, "n=%zu", n);
                cr_assert_eq(root->len, n);
                for (size_t i = 0; i < n; i++) {
                        snprintf(key, sizeof(key), "k%zu", i);
                        cr_assert_str_eq(root->keys[i], key);
                        cr_assert_eq(ynode_index(root, key), (int)i, "n=%zu key=%s", n, key);
                }
                ynode_free(root);
                diags_release(&d);
                free(doc);
        }
}

static const struct diag *only_diag(const char *text, size_t len, struct diags *d)
{
        diags_init(d);
        cr_assert_null(ytree_parse("x.yaml", text, len, d));
        cr_assert_eq(d->items.len, 1);
        return d->items.items[0];
}

/* Reader errors carry a byte offset, not a mark: they used to be reported at 1:1. */
Test(ytree, invalid_utf8_points_at_its_line_and_column)
{
        static const char doc[] = "a: 1\nb: 2\nc: 'caf\xe9 x'\n";
        struct diags d;
        const struct diag *g = only_diag(doc, sizeof(doc) - 1, &d);

        cr_assert_eq(g->line, 3);
        cr_assert_eq(g->col, 8);
        cr_assert(strstr(g->msg, "UTF-8") && strstr(g->msg, "0xe9"), "%s", g->msg);
        diags_release(&d);
}

Test(ytree, nul_byte_points_at_its_line_and_column)
{
        static const char doc[] = "a: 1\n\nc: x\0y\n";
        struct diags d;
        const struct diag *g = only_diag(doc, sizeof(doc) - 1, &d);

        cr_assert_eq(g->line, 3);
        cr_assert_eq(g->col, 5);
        cr_assert(strstr(g->msg, "NUL byte"), "%s", g->msg);
        diags_release(&d);
}

Test(ytree, columns_count_characters_not_bytes)
{
        static const char doc[] = "a: 1\nb: '\xc3\xa9\xc3\xa9\x01'\n";
        struct diags d;
        const struct diag *g = only_diag(doc, sizeof(doc) - 1, &d);

        cr_assert_eq(g->line, 2);
        cr_assert_eq(g->col, 7);
        diags_release(&d);
}
