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
        bool manifest;         /* a DataProduct: schemas only from spec.schemas, never files */
        int major;             /* 2 or 3 */
        struct product *p;
        struct vec refs;      /* char *: schema file refs seen, each once */
        struct vec topic_src; /* char *: channel key for p->topics[i] (parallel, unsorted) */
};

/* Record a problem about node `n` (may be NULL) at `path`. Returns -1. */
int actx_error(struct actx *c, const struct ynode *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* channels.c: every key of mapping `m` (may be NULL) must be one of `known` (NULL-terminated);
 * each other key is reported at <path>.<key>. Returns 0, or -1 if one was unknown. */
int check_keys(struct actx *c, const struct ynode *m, const char *path, const char *const *known);

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

/*
 * reffile.c: read schema file `ref` beneath `base_dir`, as a $ref may name it: relative (a
 * leading '/' is relative too), no '..' component, no symbolic link on the way, and only a
 * regular file (a FIFO or a device is refused before it is opened, so nothing blocks).
 * Returns the text (caller frees) and its length, or NULL with errno set and, for a refusal,
 * `why` pointing to a static reason (NULL: errno says it).
 */
char *ref_read_beneath(const char *base_dir, const char *ref, size_t max, size_t *len,
                       const char **why);

/*
 * schemacheck.c: 0 when `text` is a well-formed schema of `type` (Avro: one JSON value with the
 * shape of the Avro spec; JSON Schema: one JSON object or boolean; Protobuf: balanced braces,
 * closed strings and comments, a message, enum or service), else -1 with the reason in `why`.
 */
enum schema_type;
int schema_text_check(enum schema_type type, const char *text, char *why, size_t n);

/* NULL when `text` is fit to be a schema (no NUL byte, valid UTF-8), else a static reason. */
const char *ref_text_problem(const char *text, size_t len);

#endif
