/*
 * Diagnostics: every problem found in a document, each with the file, line and column it is
 * about and the path to the field ("channels./public/attendee.bindings.kafka.partitions"),
 * printed as `file:line:column: error: <what>, at <path>`. Collected rather than returned one
 * at a time so that a user sees all problems in one run.
 */
#ifndef PKG_YAML_DIAG_H
#define PKG_YAML_DIAG_H

#include <stdio.h>

#include "pkg/base/vec.h"

struct diag {
        char *file;
        int line; /* 1-based; 0 when unknown */
        int col;  /* 1-based; 0 when unknown */
        char *path;
        char *msg;
};

struct diags {
        struct vec items; /* struct diag * */
};

/* Stop collecting after this many: a broken generator can produce millions. */
#define DIAGS_MAX 200

void diags_init(struct diags *d);
void diags_release(struct diags *d);

/* Record one problem. `path` may be NULL. Returns -1 so callers can `return diags_add(...)`. */
int diags_add(struct diags *d, const char *file, int line, int col, const char *path,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Print every diagnostic, one per line, in the order found. */
void diags_print(const struct diags *d, FILE *out);

#endif
