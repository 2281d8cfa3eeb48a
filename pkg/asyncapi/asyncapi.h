/*
 * The AsyncAPI reader: turns a data product's AsyncAPI document (2.0-2.6 or 3.0, YAML or JSON),
 * or a DataProduct manifest embedding one, into the desired state of DESIGN §3 — topics with
 * their settings, the full ACL set, schema subjects, the quota — and reports every problem it
 * finds with file:line:column. Reading is strict: nothing is guessed, and a document with any
 * error yields no product. Schema files are read relative to the document (or from the
 * manifest's spec.schemas); nothing else is touched.
 */
#ifndef PKG_ASYNCAPI_ASYNCAPI_H
#define PKG_ASYNCAPI_ASYNCAPI_H

#include <stddef.h>

#include "pkg/yaml/diag.h"

struct product;
struct vec;

struct asyncapi_opts {
        size_t max_doc_bytes;    /* 0: 4 MiB */
        size_t max_schema_bytes; /* 0: 1 MiB */
};

/*
 * Load a document or manifest from `path`. Returns a sorted product (free with product_free),
 * or NULL when anything is wrong, with every problem appended to `d`.
 */
struct product *asyncapi_load_file(const char *path, const struct asyncapi_opts *o,
                                   struct diags *d);

/*
 * The same from memory: `name` names the input in diagnostics, `base_dir` resolves relative
 * schema $refs (NULL: only refs found in a manifest's spec.schemas resolve). The operator
 * passes a DataProduct's JSON here (JSON is YAML).
 */
struct product *asyncapi_load_buffer(const char *name, const char *data, size_t len,
                                     const char *base_dir, const struct asyncapi_opts *o,
                                     struct diags *d);

/*
 * The schema files the document at `path` $refs, each once, in order of appearance (char *,
 * as written), appended to `refs`. Returns 0, or -1 with problems in `d`.
 */
int asyncapi_schema_refs(const char *path, const struct asyncapi_opts *o, struct vec *refs,
                         struct diags *d);

#endif
