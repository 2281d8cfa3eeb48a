#include "pkg/base/pem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/banned.h"

/* Append the block's base64 body from `s` (n bytes) without whitespace, 64 columns a line. */
static void rewrap(struct buf *out, const char *s, size_t n)
{
        size_t col = 0;

        for (size_t i = 0; i < n; i++) {
                if (isspace((unsigned char)s[i]))
                        continue;
                if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'n') {
                        i++;
                        continue;
                }
                buf_putc(out, s[i]);
                if (++col == 64) {
                        buf_putc(out, '\n');
                        col = 0;
                }
        }
        if (col)
                buf_putc(out, '\n');
}

char *pem_normalize(const char *in)
{
        const char *s = in;
        struct buf out;
        int blocks = 0;

        if (strchr(in, '\n')) /* already PEM text: leave it to OpenSSL */
                return strstr(in, "-----BEGIN ") && strstr(in, "-----END ") ? strdup(in) : NULL;
        buf_init(&out, 1u << 20);
        while ((s = strstr(s, "-----BEGIN ")) != NULL) {
                const char *label = s + 11, *lend = strstr(label, "-----"), *end;
                char marker[128];
                if (!lend || lend - label > 64)
                        break;
                snprintf(marker, sizeof(marker), "-----END %.*s-----", (int)(lend - label), label);
                end = strstr(lend + 5, marker);
                if (!end)
                        break;
                buf_printf(&out, "-----BEGIN %.*s-----\n", (int)(lend - label), label);
                rewrap(&out, lend + 5, (size_t)(end - lend - 5));
                buf_printf(&out, "%s\n", marker);
                blocks++;
                s = end + strlen(marker);
        }
        if (!blocks || out.failed) {
                buf_release(&out);
                return NULL;
        }
        return buf_detach(&out, NULL);
}
