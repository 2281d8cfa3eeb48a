/*
 * Logging: one process-wide logger (the only global besides stop flags), lines on stderr as
 * `ts=... level=info msg="..." ns=... name=... rid=...` (logfmt) or one JSON object per line.
 * A `struct log_ctx` carries the object a line is about, so every line of one reconcile can be
 * found with one grep. Log where an error is handled, not at every level it passes through.
 */
#ifndef PKG_BASE_LOG_H
#define PKG_BASE_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };
enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON };

struct log_ctx {
        const char *ns;   /* namespace of the object, or NULL */
        const char *name; /* name of the object, or NULL */
        const char *rid;  /* reconcile id, or NULL */
        const char *rv;   /* resourceVersion, or NULL */
};

/* Configure the logger. Defaults: LOG_INFO, text. */
void log_setup(enum log_level level, enum log_format format);

/* Parse "debug|info|warn|error|off". Returns 0, or -1 on an unknown name. */
int log_level_parse(const char *s, enum log_level *out);

int log_enabled(enum log_level level);

/* Write one line at `level`; `ctx` may be NULL. */
void log_write(enum log_level level, const struct log_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(ctx, ...) log_write(LOG_DEBUG, ctx, __VA_ARGS__)
#define log_info(ctx, ...)  log_write(LOG_INFO, ctx, __VA_ARGS__)
#define log_warn(ctx, ...)  log_write(LOG_WARN, ctx, __VA_ARGS__)
#define log_error(ctx, ...) log_write(LOG_ERROR, ctx, __VA_ARGS__)

#endif
