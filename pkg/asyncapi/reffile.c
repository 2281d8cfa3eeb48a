#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/asyncapi/internal.h"
#include "pkg/base/buf.h"
#include "pkg/base/banned.h"

/* The next '/'-separated component of *s (empty ones skipped); its length, 0 at the end. */
static size_t component(const char **s)
{
        while (**s == '/')
                (*s)++;
        return strcspn(*s, "/");
}

/* Open directory `name` (n chars) beneath `dfd`, never through a symlink. */
static int open_dir(int dfd, const char *name, size_t n)
{
        char comp[256];

        if (n >= sizeof(comp)) {
                errno = ENAMETOOLONG;
                return -1;
        }
        memcpy(comp, name, n);
        comp[n] = '\0';
        return openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Open regular file `name` beneath `dfd`: no symlink, and never a FIFO, socket or device
 * (checked before opening, and again on the open descriptor). */
static int open_regular(int dfd, const char *name, const char **why)
{
        struct stat st;
        int fd;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -1;
        if (S_ISLNK(st.st_mode)) {
                *why = "a symbolic link (refs must name regular files)";
                return -1;
        }
        if (!S_ISREG(st.st_mode)) {
                *why = "not a regular file";
                return -1;
        }
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
                close(fd);
                *why = "not a regular file";
                return -1;
        }
        return fd;
}

/* Read all of `fd`, at most `max` bytes. */
static char *read_all_fd(int fd, size_t max, size_t *len)
{
        struct buf b;
        char chunk[8192];
        ssize_t n;

        buf_init(&b, max);
        while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 || buf_add(&b, chunk, (size_t)n) < 0) {
                        int e = n < 0 ? errno : (b.len + (size_t)n > max ? EFBIG : ENOMEM);
                        buf_release(&b);
                        errno = e;
                        return NULL;
                }
        }
        if (!b.data && buf_add(&b, "", 0) < 0) {
                buf_release(&b);
                errno = ENOMEM;
                return NULL;
        }
        return buf_detach(&b, len);
}

/* Walk `ref` beneath directory fd `dfd` (consumed). Returns the file's descriptor or -1. */
static int walk(int dfd, const char *ref, const char **why)
{
        const char *s = ref;
        size_t n = component(&s);

        while (n && s[n]) {
                const char *next = s + n;
                size_t m = component(&next);
                int sub;
                if (!m)
                        break; /* trailing slashes: s is the last component */
                sub = open_dir(dfd, s, n);
                close(dfd);
                if (sub < 0) {
                        if (errno == ELOOP || errno == ENOTDIR)
                                *why = "a folder on its path is a symbolic link or not a folder";
                        return -1;
                }
                dfd = sub;
                s = next;
                n = m;
        }
        if (!n || s[n]) {
                close(dfd);
                *why = "not a file name";
                return -1;
        }
        {
                int fd = open_regular(dfd, s, why);
                close(dfd);
                return fd;
        }
}

char *ref_read_beneath(const char *base_dir, const char *ref, size_t max, size_t *len,
                       const char **why)
{
        int dfd, fd;
        char *text;

        *why = NULL;
        for (const char *s = ref; *s;) {
                size_t n = component(&s);
                if (n == 2 && s[0] == '.' && s[1] == '.') {
                        *why = "'..' may not leave the document's folder";
                        return NULL;
                }
                s += n;
        }
        dfd = open(base_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return NULL;
        fd = walk(dfd, ref, why);
        if (fd < 0)
                return NULL;
        text = read_all_fd(fd, max, len);
        close(fd);
        return text;
}

/* Bytes that may follow a UTF-8 lead byte `c` as its second byte (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static bool second_ok(unsigned char c, unsigned char d)
{
        if ((d & 0xc0) != 0x80)
                return false;
        if (c == 0xe0)
                return d >= 0xa0;
        if (c == 0xed)
                return d < 0xa0;
        if (c == 0xf0)
                return d >= 0x90;
        if (c == 0xf4)
                return d < 0x90;
        return true;
}

const char *ref_text_problem(const char *text, size_t len)
{
        const unsigned char *s = (const unsigned char *)text, *end = s + len;

        if (memchr(text, '\0', len))
                return "holds a NUL byte";
        while (s < end) {
                size_t need;
                if (*s < 0x80) {
                        s++;
                        continue;
                }
                if (*s >= 0xc2 && *s <= 0xdf)
                        need = 1;
                else if (*s >= 0xe0 && *s <= 0xef)
                        need = 2;
                else if (*s >= 0xf0 && *s <= 0xf4)
                        need = 3;
                else
                        return "is not UTF-8";
                if ((size_t)(end - s) <= need || !second_ok(s[0], s[1]))
                        return "is not UTF-8";
                for (size_t i = 2; i <= need; i++)
                        if ((s[i] & 0xc0) != 0x80)
                                return "is not UTF-8";
                s += need + 1;
        }
        return NULL;
}

char *asyncapi_read_schema_file(const char *dir, const char *ref, size_t max, char *why,
                                size_t why_len)
{
        const char *reason = NULL;
        size_t len = 0;
        char *text = ref_read_beneath(dir, ref, max, &len, &reason);

        if (!text) {
                snprintf(why, why_len, "%s",
                         reason           ? reason
                         : errno == EFBIG ? "too large"
                                          : strerror(errno));
                return NULL;
        }
        reason = ref_text_problem(text, len);
        if (reason) {
                snprintf(why, why_len, "%s", reason);
                free(text);
                return NULL;
        }
        return text;
}
