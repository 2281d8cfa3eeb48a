/*
 * The Kafka tests' byte fixtures (test/fixtures/kafka/, format in its README), read into
 * memory, shared by test_kproto.c, test_quota.c and test_quota_conn.c.
 */
#ifndef TEST_UNIT_KWIRE_HEXFIXTURE_H
#define TEST_UNIT_KWIRE_HEXFIXTURE_H

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/str.h"

/* Read FIXTURES_DIR/kafka/<name>: hex bytes, "text" and # comments (see its README). */
static unsigned char *load_hex(const char *name, size_t *n)
{
        char path[512];
        char *text;
        unsigned char *out;
        const char *s;

        snprintf(path, sizeof(path), "%s/kafka/%s", FIXTURES_DIR, name);
        text = str_read_file(path, 1u << 20, NULL);
        cr_assert_not_null(text, "cannot read %s", path);
        out = malloc(strlen(text) + 1);
        *n = 0;
        for (s = text; *s;) {
                if (*s == '#') {
                        s += strcspn(s, "\n");
                } else if (*s == '"') {
                        size_t k = strcspn(s + 1, "\"");
                        memcpy(out + *n, s + 1, k);
                        *n += k;
                        s += k + (s[k + 1] ? 2 : 1);
                } else if (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1])) {
                        char hex[3] = {s[0], s[1], 0};
                        out[(*n)++] = (unsigned char)strtoul(hex, NULL, 16);
                        s += 2;
                } else {
                        cr_assert(isspace((unsigned char)*s), "%s: stray '%c'", name, *s);
                        s++;
                }
        }
        free(text);
        cr_assert_geq(*n, 4, "%s: no size", name);
        cr_assert_eq((size_t)(out[0] << 24 | out[1] << 16 | out[2] << 8 | out[3]), *n - 4,
                     "%s: the size field does not match the frame", name);
        return out;
}

#endif
