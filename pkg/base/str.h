/*
 * Small string helpers the libc lacks or spells unsafely. Allocating ones return NULL when
 * memory runs out; the caller frees with free().
 */
#ifndef PKG_BASE_STR_H
#define PKG_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>

/* strdup that accepts NULL (returns NULL) */
char *str_dup(const char *s);

/* A copy of the first `n` bytes of `s`, NUL-terminated. */
char *str_ndup(const char *s, size_t n);

/* printf into a fresh allocation. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool str_eq(const char *a, const char *b); /* NULL-safe: NULL equals only NULL */
bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);

/* Replace every `from` byte with `to`, in place. Returns s. */
char *str_replace_char(char *s, char from, char to);

/* Parse a whole decimal integer in [min, max]. Returns 0, or -1 on junk or out of range. */
int str_to_long(const char *s, long min, long max, long *out);

/* Read a whole file into a fresh NUL-terminated buffer of at most `max` bytes. Returns NULL on
 * failure with errno set (EFBIG when the file is larger than `max`). */
char *str_read_file(const char *path, size_t max, size_t *len);

#endif
