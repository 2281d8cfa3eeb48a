/*
 * What the reader's files share while reading one document. Private to pkg/asyncapi.
 */
#ifndef PKG_ASYNCAPI_INTERNAL_H
#define PKG_ASYNCAPI_INTERNAL_H

#include <stdbool.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/yaml/ytree.h"
#include "pkg/base/vec.h"
#include "pkg/model/model.h"

struct product;
struct subject;

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

/* schemakind.c: which message schemas become subjects (docs/schemas.md). */
/* True when `n` (after local $refs, through a 3.0 multi-format wrapper) is written in the
 * document rather than a $ref to a schema file. */
bool schema_is_inline(struct actx *c, struct ynode *n);
/* The document's x-specmesh-inline-schemas (default true); reports a non-boolean value. */
int inline_schemas_enabled(struct actx *c, bool *on);
/* False for a key with a primitive type ({type: long}, string, ...) unless its format is Avro. */
bool key_gets_subject(struct actx *c, struct ynode *msg, struct ynode *key);

/* The dialect an inline JSON Schema without `$schema` is registered with (AsyncAPI's default
 * schema format is a superset of draft-07; Apicurio cannot tell a bare {"type": "object"}
 * is a JSON Schema without it). */
#define JSON_DIALECT "http://json-schema.org/draft-07/schema#"
/* `text` (a JSON object, taken) with "$schema": JSON_DIALECT first; NULL on no memory. */
char *json_add_dialect(char *text);

/* The schema file `n` $refs (after local $refs and a 3.0 wrapper), or NULL. Borrowed. */
const char *schema_file_ref(struct actx *c, struct ynode *n);

/* schemas.c: read schema file `ref` (type from its extension or `fmt`) as text. */
int file_schema(struct actx *c, const struct ynode *at, const char *ref, const char *fmt,
                const char *path, enum schema_type *type, char **text);

/* schemarefs.c: the files schema file `schema` references become subjects first, and
 * references of `s` (docs/schemas.md). Returns 0, or -1 with the problem reported. */
int add_schema_refs(struct actx *c, struct ynode *schema, const char *topic, const char *compat,
                    const char *path, struct subject *s);
/* `rel` (a reference written in schema file `from`) as a schema ref; NULL with `why` set when
 * it could leave the spec directory. Caller frees. */
char *schema_ref_join(const char *from, const char *rel, const char **why);

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
