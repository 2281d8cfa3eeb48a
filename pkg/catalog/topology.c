/*
 * Drawing the mesh: the graph is decided once (which nodes, which edges of which kind) and
 * written as DOT or Mermaid. Names from specs are quoted for DOT (\" and \\; control
 * characters dropped) and for Mermaid (#quot; and friends), never trusted.
 */
#include "pkg/catalog/topology.h"

#include <stdio.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/catalog/catalog.h"
#include "pkg/base/banned.h"

enum edge_kind { EDGE_PRODUCE, EDGE_READ, EDGE_DENIED, EDGE_GRANT };

static const char *const edge_names[] = {"produce", "read", "denied", "grant"};

/* A DOT double-quoted string. */
static void dq(struct buf *out, const char *s)
{
        buf_putc(out, '"');
        for (; s && *s; s++) {
                if (*s == '"' || *s == '\\')
                        buf_putc(out, '\\');
                if ((unsigned char)*s >= 0x20)
                        buf_putc(out, *s);
        }
        buf_putc(out, '"');
}

/* A DOT quoted id "<prefix><s>". */
static void dq2(struct buf *out, const char *prefix, const char *s)
{
        struct buf tmp;

        buf_init(&tmp, 4096);
        buf_puts(&tmp, prefix);
        buf_puts(&tmp, s);
        dq(out, tmp.data);
        buf_release(&tmp);
}

/* A link attribute: the catalogue anchor of `id`, percent-encoded where needed. */
static void url_attr(struct buf *out, const char *link, const char *prefix, const char *id)
{
        if (!link)
                return;
        buf_printf(out, ", URL=\"%s#%s", link, prefix);
        for (; *id; id++) {
                unsigned char ch = (unsigned char)*id;
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9') || strchr("._-", ch);
                buf_putc(out, ok ? (char)ch : '_');
        }
        buf_putc(out, '"');
}

/* The label of a topic inside its domain's box: the part after "<domain>.". */
static const char *short_name(const char *topic, const char *domain)
{
        size_t n = strlen(domain);

        return strncmp(topic, domain, n) == 0 && topic[n] == '.' ? topic + n + 1 : topic;
}

static void product_cluster(struct buf *out, const struct cat_product *p, size_t i,
                            const char *link)
{
        buf_printf(out, "  subgraph cluster_%zu {\n    id=", i);
        dq2(out, "domain-", p->domain);
        buf_puts(out, "; label=");
        dq(out, p->domain);
        buf_puts(out,
                 "; style=\"rounded,filled\"; fillcolor=\"#f4f6fb\"; color=\"#9aa7c7\";\n    ");
        dq2(out, "p:", p->domain);
        buf_puts(out, " [shape=box, style=\"rounded,filled\", fillcolor=\"#dfe8fb\", id=");
        dq2(out, "product-", p->domain);
        buf_puts(out, ", label=");
        dq(out, p->title ? p->title : p->domain);
        url_attr(out, link, "product-", p->domain);
        buf_puts(out, "];\n");
        for (size_t k = 0; k < p->topics.len; k++) {
                const struct cat_topic *t = p->topics.items[k];
                bool pub = t->access == ACCESS_PUBLIC;
                buf_puts(out, "    ");
                dq2(out, "t:", t->name);
                buf_printf(out, " [shape=cds, style=filled, fillcolor=\"%s\", id=",
                           pub ? "#d8f0dc" : "#fbe8cc");
                dq2(out, "topic-", t->name);
                buf_puts(out, ", label=");
                dq(out, short_name(t->name, p->domain));
                url_attr(out, link, "topic-", t->name);
                buf_puts(out, "];\n");
        }
        buf_puts(out, "  }\n");
}

static void edge(struct buf *out, const char *from, const char *to, const char *id_a,
                 const char *id_b, enum edge_kind kind)
{
        struct buf id;

        buf_init(&id, 8192);
        buf_printf(&id, "%s:%s:%s", edge_names[kind], id_a, id_b);
        buf_puts(out, "  ");
        dq(out, from);
        buf_puts(out, " -> ");
        dq(out, to);
        buf_puts(out, " [id=");
        dq(out, id.data);
        buf_printf(out, ", class=\"%s\"", edge_names[kind]);
        if (kind == EDGE_DENIED)
                buf_puts(out, ", color=\"#d0021b\", fontcolor=\"#d0021b\", style=dashed, "
                              "label=\"denied\"");
        else if (kind == EDGE_GRANT)
                buf_puts(out, ", color=\"#a15c00\", style=dotted, label=\"granted\"");
        buf_puts(out, "];\n");
        buf_release(&id);
}

/* May domain `reader` read topic `t` of `owner`? */
static bool may_read(const struct cat_product *owner, const struct cat_topic *t, const char *reader)
{
        if (strcmp(owner->domain, reader) == 0 || t->access == ACCESS_PUBLIC)
                return true;
        for (size_t i = 0; i < t->readers.len; i++)
                if (strcmp(t->readers.items[i], reader) == 0)
                        return true;
        return false;
}

static bool reads(const struct cat_product *p, const char *topic)
{
        for (size_t i = 0; i < p->consumes.len; i++)
                if (strcmp(p->consumes.items[i], topic) == 0)
                        return true;
        return false;
}

/* The product owning the domain of topic `name` (it may be unlisted: private). */
static const struct cat_product *domain_owner(const struct catalog *c, const char *name)
{
        for (size_t i = 0; i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                if (model_topic_in_domain(name, p->domain))
                        return p;
        }
        return NULL;
}

/* Topics read but not listed (other meshes, private topics): a node outside every box. */
static void consumed_edges(struct buf *out, const struct catalog *c, const struct cat_product *p)
{
        char from[512], to[512];

        snprintf(to, sizeof(to), "p:%s", p->domain);
        for (size_t i = 0; i < p->consumes.len; i++) {
                const char *name = p->consumes.items[i];
                const struct cat_product *owner = NULL;
                const struct cat_topic *t = catalog_topic(c, name, &owner);
                bool ok = t ? may_read(owner, t, p->domain) : !domain_owner(c, name);
                snprintf(from, sizeof(from), "t:%s", name);
                if (!t) {
                        buf_puts(out, "  ");
                        dq(out, from);
                        buf_puts(out, " [shape=cds, style=dashed, color=\"#888888\", id=");
                        dq2(out, "topic-", name);
                        buf_puts(out, ", label=");
                        dq(out, name);
                        buf_puts(out, "];\n");
                }
                edge(out, from, to, name, p->domain, ok ? EDGE_READ : EDGE_DENIED);
        }
}

/* Grants that no listed product consumes yet: to the grantee (a plain node if unlisted). */
static void grant_edges(struct buf *out, const struct catalog *c, const struct cat_product *p)
{
        char from[512], to[512];

        for (size_t k = 0; k < p->topics.len; k++) {
                const struct cat_topic *t = p->topics.items[k];
                snprintf(from, sizeof(from), "t:%s", t->name);
                for (size_t i = 0; i < t->readers.len; i++) {
                        const char *d = t->readers.items[i];
                        const struct cat_product *g = catalog_find(c, d);
                        if (g && reads(g, t->name))
                                continue; /* drawn as a read */
                        snprintf(to, sizeof(to), "%s:%s", g ? "p" : "d", d);
                        if (!g) {
                                buf_puts(out, "  ");
                                dq(out, to);
                                buf_puts(out, " [shape=box, style=dashed, id=");
                                dq2(out, "domain-", d);
                                buf_puts(out, ", label=");
                                dq(out, d);
                                buf_puts(out, "];\n");
                        }
                        edge(out, from, to, t->name, d, EDGE_GRANT);
                }
        }
}

int topology_dot(const struct catalog *c, const char *link, struct buf *out)
{
        char from[512], to[512];

        buf_puts(out, "digraph mesh {\n  id=\"mesh\"; rankdir=LR; nodesep=0.3; ranksep=0.9;\n"
                      "  fontname=\"Helvetica\"; node [fontname=\"Helvetica\", fontsize=11];\n"
                      "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#4a5a7a\"];\n");
        for (size_t i = 0; i < c->products.len; i++)
                product_cluster(out, c->products.items[i], i, link);
        for (size_t i = 0; i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                snprintf(from, sizeof(from), "p:%s", p->domain);
                for (size_t k = 0; k < p->topics.len; k++) {
                        const struct cat_topic *t = p->topics.items[k];
                        snprintf(to, sizeof(to), "t:%s", t->name);
                        edge(out, from, to, p->domain, t->name, EDGE_PRODUCE);
                }
                consumed_edges(out, c, p);
                grant_edges(out, c, p);
        }
        buf_puts(out, "}\n");
        return out->failed ? -1 : 0;
}

/* A Mermaid label: quotes and markup characters as entity codes. */
static void mq(struct buf *out, const char *s)
{
        buf_putc(out, '"');
        for (; s && *s; s++) {
                unsigned char ch = (unsigned char)*s;
                if (ch < 0x20)
                        continue;
                if (strchr("\"<>&#`", ch))
                        buf_printf(out, "#%u;", ch);
                else
                        buf_putc(out, (char)ch);
        }
        buf_putc(out, '"');
}

/* The Mermaid index of listed topic `name` (products in order, their topics in order). */
static bool topic_index(const struct catalog *c, const char *name, size_t *at)
{
        size_t n = 0;

        for (size_t i = 0; i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                for (size_t k = 0; k < p->topics.len; k++, n++) {
                        if (strcmp(((struct cat_topic *)p->topics.items[k])->name, name) == 0) {
                                *at = n;
                                return true;
                        }
                }
        }
        return false;
}

int topology_mermaid(const struct catalog *c, struct buf *out)
{
        size_t n = 0, ext = 0, at = 0, links = 0;

        buf_puts(out, "flowchart LR\n");
        for (size_t i = 0; i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                buf_printf(out, "  subgraph d%zu[", i);
                mq(out, p->domain);
                buf_printf(out, "]\n    p%zu[", i);
                mq(out, p->title ? p->title : p->domain);
                buf_puts(out, "]\n");
                for (size_t k = 0; k < p->topics.len; k++) {
                        buf_printf(out, "    t%zu>", n + k);
                        mq(out,
                           short_name(((struct cat_topic *)p->topics.items[k])->name, p->domain));
                        buf_puts(out, "]\n");
                }
                buf_puts(out, "  end\n");
                for (size_t k = 0; k < p->topics.len; k++, n++, links++)
                        buf_printf(out, "  p%zu --> t%zu\n", i, n);
        }
        for (size_t i = 0; i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                for (size_t k = 0; k < p->consumes.len; k++, links++) {
                        const char *name = p->consumes.items[k];
                        const struct cat_product *owner = NULL;
                        const struct cat_topic *t = catalog_topic(c, name, &owner);
                        bool found = topic_index(c, name, &at);
                        bool ok = t ? may_read(owner, t, p->domain) : !domain_owner(c, name);
                        if (!found) {
                                buf_printf(out, "  x%zu>", ext);
                                mq(out, name);
                                buf_printf(out, "]\n  x%zu", ext++);
                        } else {
                                buf_printf(out, "  t%zu", at);
                        }
                        buf_printf(out, " %s p%zu\n", ok ? "-->" : "-. denied .->", i);
                        if (!ok)
                                buf_printf(out, "  linkStyle %zu stroke:#d0021b\n", links);
                }
        }
        return out->failed ? -1 : 0;
}
