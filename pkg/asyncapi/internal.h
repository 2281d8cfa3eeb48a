/*
 * What the reader's files share while reading one document. Private to pkg/asyncapi.
 */
#ifndef PKG_ASYNCAPI_INTERNAL_H
#define PKG_ASYNCAPI_INTERNAL_H

#include <stdbool.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/yaml/ytree.h"
#include "pkg/base/vec.h"

struct product;

struct actx {
        const char *file;     /* for diagnostics */
        const char *base_dir; /* for relative schema refs; may be NULL */
        size_t max_schema;
        struct diags *d;
        size_t errors_before;  /* diags already present when reading started */
        struct ynode *doc;     /* the AsyncAPI document */
        struct ynode *schemas; /* a manifest's spec.schemas, or NULL */
        int major;             /* 2 or 3 */
        struct product *p;
        struct vec refs;      /* char *: schema file refs seen, each once */
        struct vec topic_src; /* char *: channel key for p->topics[i] (parallel, unsorted) */
};

/* Record a problem about node `n` (may be NULL) at `path`. Returns -1. */
int actx_error(struct actx *c, const struct ynode *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* channels.c: every channel -> topics (and consumed names), grants and subjects. */
int read_channels(struct actx *c);

/* schemas.c: the subjects of the messages a produced topic carries. */
int read_messages(struct actx *c, const char *topic, struct ynode *const *msgs, size_t n,
                  const char *path);

/* Resolve a local "#/a/b" JSON pointer in the document; NULL when it does not resolve. */
struct ynode *resolve_pointer(struct actx *c, const char *ref);

/* Follow `{$ref: '#/...'}` chains (at most 8) from `n`; reports unresolvable ones. */
struct ynode *deref(struct actx *c, struct ynode *n, const char *path);

/* Read a whole number in 1..max from scalar `n`; -1 when absent, reports bad values. */
long read_positive(struct actx *c, const struct ynode *n, const char *path, const char *what,
                   long max);

#endif
