/*
 * The data catalogue: what people may discover about the mesh, built from the same AsyncAPI
 * documents (or DataProduct objects) that provision it, so it is exactly what is provisioned.
 * For every product: domain, owner principal, title, description, Ready (when known), and its
 * public and protected topics with partitions, tags, message names, schema subject and text,
 * and who may read each protected topic. Private topics (and topics without an access level,
 * which only the owner reads) are never listed. Renderers turn a catalogue into JSON for the
 * API, HTML for people and Backstage catalog entities; topology.h draws the data flows.
 * Pure: no I/O besides reading the files named to catalog_add_file().
 *
 * Ownership: a catalogue owns its products, a product its topics, each its strings.
 */
#ifndef PKG_CATALOG_CATALOG_H
#define PKG_CATALOG_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "pkg/base/vec.h"
#include "pkg/model/model.h"

struct buf;
struct diags;

struct cat_topic {
        char *name;
        char *channel;            /* as written in the document */
        enum access_level access; /* ACCESS_PUBLIC or ACCESS_PROTECTED */
        int partitions;           /* -1: broker default */
        char *summary;            /* may be NULL */
        struct vec tags;          /* char *, without grant-access:* (those are readers) */
        struct vec messages;      /* char * message names */
        struct vec readers;       /* char * domains granted read (protected topics) */
        struct vec denied;        /* char * domains refused, from deny-access:<domain> tags */
        char *subject;            /* the value subject, or NULL without a schema */
        char *schema_type;        /* "AVRO", "JSON", "PROTOBUF", or NULL */
        char *schema;             /* the schema text, or NULL */
        int version;              /* the registry's latest version; 0: not known */
};

struct cat_product {
        char *domain, *principal;
        char *title, *description, *version; /* from info; may be NULL */
        char *ns, *name;                     /* the DataProduct's namespace/name; may be NULL */
        int ready;                           /* 1, 0, -1: not known (files) */
        bool current;        /* status.observedGeneration == metadata.generation: applied */
        bool refused;        /* the operator refused its claim (Ready reason DomainConflict,
                                PolicyViolation or InvalidSpec): it owns nothing */
        char *document;      /* the AsyncAPI document as JSON */
        struct vec topics;   /* struct cat_topic *, by name */
        struct vec consumes; /* char * topics of other domains it reads */
};

struct catalog {
        struct vec products; /* struct cat_product *, by domain after catalog_sort() */
};

void catalog_init(struct catalog *c);
void catalog_release(struct catalog *c);

/*
 * Add the product described by `data`: an AsyncAPI document, a DataProduct manifest or a
 * DataProduct object as the API server returns it (JSON; its status gives Ready). `name`
 * names the input in diagnostics; `base_dir` resolves schema $refs (NULL: only a manifest's
 * spec.schemas). Returns 0, or -1 with the problems in `d` (nothing added).
 */
int catalog_add(struct catalog *c, const char *name, const char *data, size_t len,
                const char *base_dir, struct diags *d);

/* The same from a file; schema $refs resolve relative to it. */
int catalog_add_file(struct catalog *c, const char *path, struct diags *d);

/*
 * True when `data` reads as an AsyncAPI document (a top-level `asyncapi`) or a DataProduct
 * manifest, so that a directory walk can skip schema files and other YAML quietly.
 */
bool catalog_is_spec(const char *name, const char *data, size_t len);

/* Sort products by domain, the owner before refused claims of it, then namespace/name. */
void catalog_sort(struct catalog *c);

/* The product that owns `domain`, or NULL. Borrowed. */
const struct cat_product *catalog_find(const struct catalog *c, const char *domain);

/* The product owning topic `name` and the topic itself, or NULL. Borrowed. */
const struct cat_topic *catalog_topic(const struct catalog *c, const char *name,
                                      const struct cat_product **owner);

/*
 * True when `p` matches the search: `tag` (NULL: any) equals a tag of one of its topics
 * (case-insensitive), and `q` (NULL: any) occurs case-insensitively in its domain, title,
 * description, principal or a topic's name, summary, tags or message names.
 */
bool cat_product_matches(const struct cat_product *p, const char *tag, const char *q);

/* Renderers. Each appends to `out` and returns 0, or -1 when the buffer's cap is hit. Only
 * products matching `tag` and `q` (NULL: all) are rendered. */
int catalog_render_json(const struct catalog *c, const char *tag, const char *q, struct buf *out);
int catalog_render_product_json(const struct cat_product *p, struct buf *out);
/* A whole HTML page with a search form; every text from a spec is escaped. */
int catalog_render_html(const struct catalog *c, const char *tag, const char *q, struct buf *out);
/* Backstage catalog entities as a YAML stream of JSON documents, one per entity. */
int catalog_render_backstage(const struct catalog *c, const char *tag, const char *q,
                             struct buf *out);

/*
 * The catalogue's read-only HTTP routes, without the HTTP: /api/v1/products (JSON),
 * /api/v1/products/<domain>, /catalogue and / (HTML), /topology (SVG; .dot and .mmd too),
 * /backstage/catalog-info.yaml (Backstage entities; register it as a location). `tag` and `q`
 * are the search (NULL: none). Returns false when `path` is none of them; else fills the
 * status, a static content type and `out`.
 */
bool catalog_route(const struct catalog *c, const char *path, const char *tag, const char *q,
                   int *status, const char **ctype, struct buf *out);

/* Append `s` with & < > " ' escaped for HTML text and attribute values. */
int html_escape(struct buf *out, const char *s);

#endif
