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

/* Spec text in a diagnostic is shown escaped, so that a newline or a terminal escape in a
 * field can never forge another diagnostic line. */
static void put_escaped(FILE *out, const char *s)
{
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if (*c == '\n')
                        fputs("\\n", out);
                else if (*c < 0x20 || *c == 0x7f)
                        fprintf(out, "\\x%02x", *c);
                else
                        fputc(*c, out);
        }
}

void diags_print(const struct diags *d, FILE *out)
{
        for (size_t i = 0; i < d->items.len; i++) {
                const struct diag *g = d->items.items[i];
                put_escaped(out, g->file);
                fprintf(out, ":%d:%d: error: ", g->line, g->col);
                put_escaped(out, g->msg);
                if (g->path) {
                        fputs(", at ", out);
                        put_escaped(out, g->path);
                }
                fputc('\n', out);
        }
        if (d->items.len >= DIAGS_MAX)
                fprintf(out, "(stopped after %d errors)\n", DIAGS_MAX);
}
