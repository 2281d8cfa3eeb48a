/*
 * Errors. A failing function returns -1 (or NULL) and fills a caller-owned `struct err` with a
 * kind and one lowercase message that names what failed and why. The kind decides what the
 * caller does next: retry (transient), report and stop for this object (terminal), or fix the
 * input (invalid). Messages are composed once, where the failure is understood; callers up the
 * stack may prefix context with err_prefix() but never log the same error twice.
 */
#ifndef PKG_BASE_ERR_H
#define PKG_BASE_ERR_H

#include <stddef.h>

enum err_kind {
        ERR_NONE = 0,
        ERR_INVALID,   /* bad input from the user: fix the spec or the flags */
        ERR_TERMINAL,  /* will not heal by retrying (e.g. partitions cannot shrink) */
        ERR_TRANSIENT, /* network, timeouts, leader moves: retry with backoff */
        ERR_AUTH,      /* authentication or authorization refused */
        ERR_NOT_FOUND, /* the named thing does not exist */
        ERR_CONFLICT,  /* optimistic concurrency lost: re-read and retry */
        ERR_NOMEM,     /* allocation failed or a size cap was hit */
        ERR_INTERNAL,  /* a bug or an unexpected answer from a server */
};

#define ERR_MSG_MAX 1024

struct err {
        enum err_kind kind;
        char msg[ERR_MSG_MAX];
};

/* Reset `e` to "no error". */
void err_clear(struct err *e);

/*
 * Record an error of kind `k` with a printf-style message. Always returns -1 so that callers
 * can write `return err_set(err, ...)`. `e` may be NULL (the error is then dropped).
 */
int err_set(struct err *e, enum err_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "<context>: " to the current message, keeping the kind. Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Out of memory: kind ERR_NOMEM with a fixed message. Returns -1. */
int err_nomem(struct err *e);

/* A short lowercase name for a kind, e.g. "transient". */
const char *err_kind_name(enum err_kind k);

#endif
