#include "pkg/base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/banned.h"

void buf_init(struct buf *b, size_t max)
{
        b->data = NULL;
        b->len = 0;
        b->cap = 0;
        b->max = max;
        b->failed = 0;
}

void buf_release(struct buf *b)
{
        free(b->data);
        buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
        b->len = 0;
        b->failed = 0;
        if (b->data)
                b->data[0] = '\0';
}

static int grow(struct buf *b, size_t need)
{
        size_t cap = b->cap ? b->cap : 64;
        char *p;

        if (need > b->max || need + 1 < need) {
                b->failed = 1;
                return -1;
        }
        while (cap < need + 1)
                cap *= 2;
        if (cap > b->max + 1)
                cap = b->max + 1;
        p = realloc(b->data, cap);
        if (!p) {
                b->failed = 1;
                return -1;
        }
        b->data = p;
        b->cap = cap;
        return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
        if (b->len + n < b->len) {
                b->failed = 1;
                return -1;
        }
        if (b->len + n + 1 > b->cap && grow(b, b->len + n) < 0)
                return -1;
        if (n)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
}

int buf_puts(struct buf *b, const char *s)
{
        return buf_add(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
        return buf_add(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
        va_list cp;
        int n;

        va_copy(cp, ap);
        n = vsnprintf(NULL, 0, fmt, cp);
        va_end(cp);
        if (n < 0) {
                b->failed = 1;
                return -1;
        }
        if (b->len + (size_t)n + 1 > b->cap && grow(b, b->len + (size_t)n) < 0)
                return -1;
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
        return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        int rc;

        va_start(ap, fmt);
        rc = buf_vprintf(b, fmt, ap);
        va_end(ap);
        return rc;
}

/* A character YAML does not take raw even inside quotes (C0 and C1 controls, DEL, U+FEFF,
 * U+FFFE, U+FFFF) or reads as a line break (U+0085, U+2028, U+2029): its code point, with its
 * length in bytes in *n; else 0. */
static unsigned unprintable(const unsigned char *s, size_t *n)
{
        if (s[0] < 0x20 || s[0] == 0x7f) {
                *n = 1;
                return s[0];
        }
        if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0) {
                *n = 2;
                return s[1];
        }
        if ((s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9)) ||
            (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) ||
            (s[0] == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))) {
                *n = 3;
                return (unsigned)(s[0] & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
        }
        return 0;
}

int buf_put_quoted(struct buf *b, const char *s)
{
        buf_putc(b, '"');
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\')
                        buf_printf(b, "\\%c", c);
                else if (c == '\n')
                        buf_puts(b, "\\n");
                else if (c == '\t')
                        buf_puts(b, "\\t");
                else if (c == '\r')
                        buf_puts(b, "\\r");
                else if (c < 0x20 || c >= 0x7f) {
                        size_t n = 1;
                        unsigned u = unprintable((const unsigned char *)s, &n);
                        if (u)
                                buf_printf(b, "\\u%04x", u);
                        else
                                buf_putc(b, (char)c);
                        s += n - 1;
                } else {
                        buf_putc(b, (char)c);
                }
        }
        buf_putc(b, '"');
        return b->failed ? -1 : 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
        char *p = b->data;

        if (!p) {
                p = calloc(1, 1);
                if (!p)
                        return NULL;
        }
        if (len)
                *len = b->len;
        buf_init(b, b->max);
        return p;
}
