/*
 * The topology of the mesh, derived from the catalogue: domains as groups, their products
 * and public/protected topics, arrows from producer to topic and from topic to the domains
 * that read it (consumed channels of other domains, and grants nobody consumes yet). A
 * consumer whose channel has no access (a protected topic without its grant, a private
 * topic) is drawn as a denied edge: red and dashed.
 *
 * topology_dot() and topology_mermaid() are pure text; topology_svg() lays the DOT out with
 * Graphviz's C library (libgvc's `dot` layout), serialised by a lock because Graphviz keeps
 * global state. Ids in the output, for tests and links: product-<domain>, topic-<topic>,
 * domain-<domain>, and edges produce:<domain>:<topic>, read:<topic>:<domain>,
 * denied:<topic>:<domain>, grant:<topic>:<domain>.
 */
#ifndef PKG_CATALOG_TOPOLOGY_H
#define PKG_CATALOG_TOPOLOGY_H

struct buf;
struct catalog;
struct err;

/* `link` prefixes catalogue links on nodes ("/catalogue" -> "/catalogue#topic-x"); NULL: none. */
int topology_dot(const struct catalog *c, const char *link, struct buf *out);
int topology_mermaid(const struct catalog *c, struct buf *out);

/* Lay `dot` out and append it as SVG. Returns 0, or -1 with `err` set. */
int topology_svg(const char *dot, struct buf *out, struct err *err);

#endif
