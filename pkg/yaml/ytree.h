/*
 * A YAML (or JSON) document as a small tree of nodes that remember where they were written, so
 * that every diagnostic can name file:line:column. Built from libyaml's event stream with hard
 * limits: nesting depth, node count and no aliases (an alias can multiply a small document into
 * a huge one). Mapping keys keep their order; duplicate keys are an error. Parsing is linear in
 * the input: a large mapping gets a hash of its keys, so neither the duplicate check nor a
 * lookup walks every key.
 */
#ifndef PKG_YAML_YTREE_H
#define PKG_YAML_YTREE_H

#include <stdbool.h>
#include <stddef.h>

struct buf;
struct diags;
struct ykeys;

enum ynode_type { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode {
        enum ynode_type type;
        int line, col;        /* 1-based */
        char *scalar;         /* SCALAR: the text */
        bool plain;           /* SCALAR: unquoted (so `3` may be a number, `'3'` is a string) */
        size_t len;           /* MAP: pairs; SEQ: items */
        char **keys;          /* MAP: keys, in document order */
        int *key_lines;       /* MAP: where each key was written */
        struct ynode **items; /* MAP: values; SEQ: items */
        size_t cap;           /* slots allocated in keys, key_lines and items */
        struct ykeys *hash;   /* MAP: index of the keys once the map is large; private */
};

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_NODES 1000000

/*
 * Parse `len` bytes named `file` (for diagnostics). Returns the root node (a document that is
 * empty yields an empty map), or NULL with the problems added to `d`.
 */
struct ynode *ytree_parse(const char *file, const char *data, size_t len, struct diags *d);
void ynode_free(struct ynode *n);

/* The value of `key` in map `n`, or NULL (also when n is not a map). Borrowed. */
struct ynode *ynode_get(const struct ynode *n, const char *key);
/* The text of scalar `key` in map `n`, or NULL. Borrowed. */
const char *ynode_str(const struct ynode *n, const char *key);
/* Index of `key` in map `n`, or -1. */
int ynode_index(const struct ynode *n, const char *key);

/*
 * Serialise `n` as compact JSON (keys in document order; plain scalars that read as numbers,
 * booleans or null stay bare). Returns 0, or -1 when the buffer's cap is hit.
 */
int ynode_to_json(const struct ynode *n, struct buf *out);

/* Emit `n` as block YAML at `indent` (used by `specmesh manifest`). */
int ynode_to_yaml(const struct ynode *n, int indent, struct buf *out);

#endif
