#include "pkg/base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pkg/base/buf.h"
#include "pkg/base/banned.h"

static struct {
        enum log_level level;
        enum log_format format;
        pthread_mutex_t lock;
} logger = {LOG_INFO, LOG_FORMAT_TEXT, PTHREAD_MUTEX_INITIALIZER};

static const char *level_names[] = {"debug", "info", "warn", "error", "off"};

void log_setup(enum log_level level, enum log_format format)
{
        logger.level = level;
        logger.format = format;
}

int log_level_parse(const char *s, enum log_level *out)
{
        for (int i = 0; i <= LOG_OFF; i++) {
                if (strcmp(s, level_names[i]) == 0) {
                        *out = (enum log_level)i;
                        return 0;
                }
        }
        return -1;
}

int log_enabled(enum log_level level)
{
        return level >= logger.level && logger.level != LOG_OFF;
}

static void put_field(struct buf *b, const char *key, const char *val, int first)
{
        if (!val)
                return;
        if (logger.format == LOG_FORMAT_JSON) {
                buf_printf(b, "%s\"%s\":", first ? "" : ",", key);
                buf_put_quoted(b, val);
        } else {
                buf_printf(b, "%s%s=", first ? "" : " ", key);
                buf_put_quoted(b, val);
        }
}

void log_write(enum log_level level, const struct log_ctx *ctx, const char *fmt, ...)
{
        char ts[40], msg[2048];
        struct timespec now;
        struct tm tm;
        struct buf b;
        va_list ap;

        if (!log_enabled(level))
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 now.tv_nsec / 1000000);
        buf_init(&b, 16384);
        if (logger.format == LOG_FORMAT_JSON)
                buf_putc(&b, '{');
        put_field(&b, "ts", ts, 1);
        put_field(&b, "level", level_names[level], 0);
        put_field(&b, "msg", msg, 0);
        if (ctx) {
                put_field(&b, "ns", ctx->ns, 0);
                put_field(&b, "name", ctx->name, 0);
                put_field(&b, "rid", ctx->rid, 0);
                put_field(&b, "rv", ctx->rv, 0);
        }
        if (logger.format == LOG_FORMAT_JSON)
                buf_putc(&b, '}');
        buf_putc(&b, '\n');
        pthread_mutex_lock(&logger.lock);
        if (b.data)
                fputs(b.data, stderr);
        pthread_mutex_unlock(&logger.lock);
        buf_release(&b);
}
