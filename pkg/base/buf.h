/*
 * Growing byte buffers with a hard cap (curl's dynbuf). Every buffer that grows from outside
 * input has a maximum size; an append past it fails instead of eating the machine. The data is
 * always NUL-terminated, so it can be used as a C string when it holds text.
 */
#ifndef PKG_BASE_BUF_H
#define PKG_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
        char *data; /* NULL until the first append; NUL-terminated after */
        size_t len;
        size_t cap;
        size_t max; /* largest len allowed */
        int failed; /* sticky: an append failed (no memory or cap), so the contents are short */
};

/* Prepare an empty buffer that may hold up to `max` bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);

/* Free the contents and leave `b` empty, ready for reuse with the same cap. */
void buf_release(struct buf *b);

/* Drop the contents but keep the allocation. */
void buf_reset(struct buf *b);

/* Append `n` bytes. Returns 0, or -1 when memory runs out or the cap would be passed (b unchanged).
 */
int buf_add(struct buf *b, const void *p, size_t n);

/* Append a C string. Same failures as buf_add(). */
int buf_puts(struct buf *b, const char *s);

/* Append one byte. */
int buf_putc(struct buf *b, char c);

/* Append formatted text. Same failures as buf_add(). */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/*
 * Append `s` as a double-quoted string with \" \\ \n \t \r and \u00XX escapes: valid as a JSON
 * string and as a YAML double-quoted scalar alike. Same failures as buf_add().
 */
int buf_put_quoted(struct buf *b, const char *s);

/*
 * Hand the contents over to the caller (free() it) and leave `b` empty. Never NULL on success:
 * an empty buffer yields an allocated "". Returns NULL only when memory runs out.
 */
char *buf_detach(struct buf *b, size_t *len);

#endif
