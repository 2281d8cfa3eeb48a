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

/* Was cut silently at the NUL: "ok\u0000 hidden" read as "ok" (issue #11). */
Test(ytree, an_escaped_nul_is_an_error_naming_line_and_field)
{
        static const char doc[] = "a: 1\nchannels:\n  x:\n    description: \"ok\\u0000 hidden\"\n";
        struct diags d;
        const struct diag *g = only_diag(doc, sizeof(doc) - 1, &d);

        cr_assert_eq(g->line, 4);
        cr_assert_eq(g->col, 18);
        cr_assert_str_eq(g->path, "channels.x.description");
        cr_assert(strstr(g->msg, "U+0000"), "%s", g->msg);
        diags_release(&d);
}

Test(ytree, escaped_control_characters_in_json_and_yaml_are_errors)
{
        static const struct {
                const char *doc, *path, *code;
        } cases[] = {
            {"{\"a\": {\"t\": [{\"n\": \"x\"}, {\"n\": \"y\\u0000z\"}]}}", "a.t[1].n", "U+0000"},
            {"a: \"\\0\"\n", "a", "U+0000"},
            {"a: [\"x\\e[2J\"]\n", "a[0]", "U+001B"},
            {"a: \"\\x1f\"\n", "a", "U+001F"},
            {"a: \"x\\by\"\n", "a", "U+0008"},
            {"a:\n  \"k\\x01\": 1\n", "a", "U+0001"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct diags d;
                const struct diag *g = only_diag(cases[i].doc, strlen(cases[i].doc), &d);

                cr_assert_eq(g->line, 1 + (i == 5), "%s", cases[i].doc);
                cr_assert_str_eq(g->path, cases[i].path, "%s", cases[i].doc);
                cr_assert(strstr(g->msg, cases[i].code), "%s: %s", cases[i].doc, g->msg);
                diags_release(&d);
        }
}

/* DEL and NEL are what `specmesh manifest` must round-trip (test/cli/manifest_roundtrip.sh). */
Test(ytree, tabs_newlines_del_nel_and_unicode_stay_as_written)
{
        static const char doc[] = "a: \"x\\ty\\r\\nz \\u00e9 \\u00a0 \\x7f \\u0085\"\n";
        struct diags d;
        struct ynode *n;

        diags_init(&d);
        n = ytree_parse("x.yaml", doc, sizeof(doc) - 1, &d);
        cr_assert_not_null(n);
        cr_assert_eq(d.items.len, 0);
        cr_assert_str_eq(ynode_str(n, "a"), "x\ty\r\nz \xc3\xa9 \xc2\xa0 \x7f \xc2\x85");
        ynode_free(n);
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
