#include "pkg/base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pkg/base/banned.h"

void err_clear(struct err *e)
{
        if (!e)
                return;
        e->kind = ERR_NONE;
        e->msg[0] = '\0';
}

int err_set(struct err *e, enum err_kind k, const char *fmt, ...)
{
        va_list ap;

        if (!e)
                return -1;
        e->kind = k;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
        return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
        char head[ERR_MSG_MAX];
        char tail[ERR_MSG_MAX];
        va_list ap;

        if (!e)
                return -1;
        va_start(ap, fmt);
        vsnprintf(head, sizeof(head), fmt, ap);
        va_end(ap);
        memcpy(tail, e->msg, sizeof(tail));
        snprintf(e->msg, sizeof(e->msg), "%s: %s", head, tail);
        return -1;
}

int err_nomem(struct err *e)
{
        return err_set(e, ERR_NOMEM, "out of memory");
}

const char *err_kind_name(enum err_kind k)
{
        switch (k) {
        case ERR_NONE:
                return "none";
        case ERR_INVALID:
                return "invalid";
        case ERR_TERMINAL:
                return "terminal";
        case ERR_TRANSIENT:
                return "transient";
        case ERR_AUTH:
                return "auth";
        case ERR_NOT_FOUND:
                return "not-found";
        case ERR_CONFLICT:
                return "conflict";
        case ERR_NOMEM:
                return "nomem";
        case ERR_INTERNAL:
                return "internal";
        }
        return "unknown";
}
