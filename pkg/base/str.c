#include "pkg/base/str.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/banned.h"

char *str_dup(const char *s)
{
        return s ? strdup(s) : NULL;
}

char *str_ndup(const char *s, size_t n)
{
        char *p = malloc(n + 1);

        if (!p)
                return NULL;
        memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

char *str_printf(const char *fmt, ...)
{
        va_list ap;
        char *p = NULL;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&p, fmt, ap);
        va_end(ap);
        return n < 0 ? NULL : p;
}

bool str_eq(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

bool str_starts_with(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

char *str_replace_char(char *s, char from, char to)
{
        for (char *p = s; *p; p++)
                if (*p == from)
                        *p = to;
        return s;
}

int str_to_long(const char *s, long min, long max, long *out)
{
        char *end;
        long v;

        if (!s || !*s)
                return -1;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

char *str_read_file(const char *path, size_t max, size_t *len)
{
        FILE *f = fopen(path, "rb");
        struct buf b;
        char chunk[8192];
        size_t n;

        if (!f)
                return NULL;
        buf_init(&b, max);
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
                if (buf_add(&b, chunk, n) < 0) {
                        int big = b.len + n > max;
                        buf_release(&b);
                        fclose(f);
                        errno = big ? EFBIG : ENOMEM;
                        return NULL;
                }
        }
        if (ferror(f)) {
                int e = errno;
                buf_release(&b);
                fclose(f);
                errno = e ? e : EIO;
                return NULL;
        }
        fclose(f);
        return buf_detach(&b, len);
}
