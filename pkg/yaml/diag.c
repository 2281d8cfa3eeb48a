#include "pkg/yaml/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/str.h"
#include "pkg/base/banned.h"

void diags_init(struct diags *d)
{
        vec_init(&d->items);
}

static void diag_free(struct diag *g)
{
        if (!g)
                return;
        free(g->file);
        free(g->path);
        free(g->msg);
        free(g);
}

/* diag_free for vec_release, which calls through void (*)(void *) */
static void diag_free_item(void *x)
{
        diag_free(x);
}

void diags_release(struct diags *d)
{
        vec_release(&d->items, diag_free_item);
}

int diags_add(struct diags *d, const char *file, int line, int col, const char *path,
              const char *fmt, ...)
{
        struct diag *g;
        va_list ap;
        int n;

        if (!d || d->items.len >= DIAGS_MAX)
                return -1;
        g = calloc(1, sizeof(*g));
        if (!g)
                return -1;
        g->file = str_dup(file ? file : "<input>");
        g->path = str_dup(path && *path ? path : NULL);
        g->line = line;
        g->col = col;
        va_start(ap, fmt);
        n = vasprintf(&g->msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                g->msg = NULL;
        if (!g->file || !g->msg || vec_push(&d->items, g) < 0)
                diag_free(g);
        return -1;
}

void diags_print(const struct diags *d, FILE *out)
{
        for (size_t i = 0; i < d->items.len; i++) {
                const struct diag *g = d->items.items[i];
                fprintf(out, "%s:%d:%d: error: %s", g->file, g->line, g->col, g->msg);
                if (g->path)
                        fprintf(out, ", at %s", g->path);
                fputc('\n', out);
        }
        if (d->items.len >= DIAGS_MAX)
                fprintf(out, "(stopped after %d errors)\n", DIAGS_MAX);
}
