/*
 * The catalogue as JSON (the API), HTML (for people) and Backstage catalog entities.
 * Everything that comes from a spec is hostile: JSON goes through json-c, HTML through
 * html_escape(), URLs are percent-encoded first and escaped after.
 */
#include "pkg/catalog/catalog.h"

#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

static json_object *jstr(const char *s)
{
        return s ? json_object_new_string(s) : json_object_new_null();
}

static json_object *jlist(const struct vec *v)
{
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < v->len; i++)
                json_object_array_add(a, json_object_new_string(v->items[i]));
        return a;
}

static json_object *topic_json(const struct cat_topic *t)
{
        json_object *o = json_object_new_object();
        json_object *readers;

        json_object_object_add(o, "name", jstr(t->name));
        json_object_object_add(o, "channel", jstr(t->channel));
        json_object_object_add(o, "access", jstr(access_level_str(t->access)));
        json_object_object_add(o, "partitions",
                               t->partitions > 0 ? json_object_new_int(t->partitions)
                                                 : json_object_new_null());
        json_object_object_add(o, "summary", jstr(t->summary));
        json_object_object_add(o, "tags", jlist(&t->tags));
        json_object_object_add(o, "messages", jlist(&t->messages));
        if (t->access == ACCESS_PUBLIC) {
                readers = json_object_new_array();
                json_object_array_add(readers, json_object_new_string("*"));
        } else {
                readers = jlist(&t->readers);
        }
        json_object_object_add(o, "readers", readers);
        if (t->subject) {
                json_object *s = json_object_new_object();
                json_object_object_add(s, "subject", jstr(t->subject));
                json_object_object_add(s, "type", jstr(t->schema_type));
                json_object_object_add(s, "version",
                                       t->version > 0 ? json_object_new_int(t->version)
                                                      : json_object_new_null());
                json_object_object_add(s, "text", jstr(t->schema));
                json_object_object_add(o, "schema", s);
        } else {
                json_object_object_add(o, "schema", json_object_new_null());
        }
        return o;
}

static json_object *product_json(const struct cat_product *p)
{
        json_object *o = json_object_new_object();
        json_object *topics = json_object_new_array();

        json_object_object_add(o, "domain", jstr(p->domain));
        json_object_object_add(o, "namespace", jstr(p->ns));
        json_object_object_add(o, "name", jstr(p->name));
        json_object_object_add(o, "principal", jstr(p->principal));
        json_object_object_add(o, "title", jstr(p->title));
        json_object_object_add(o, "description", jstr(p->description));
        json_object_object_add(o, "version", jstr(p->version));
        json_object_object_add(
            o, "ready", p->ready < 0 ? json_object_new_null() : json_object_new_boolean(p->ready));
        for (size_t i = 0; i < p->topics.len; i++)
                json_object_array_add(topics, topic_json(p->topics.items[i]));
        json_object_object_add(o, "topics", topics);
        json_object_object_add(o, "consumes", jlist(&p->consumes));
        return o;
}

static int put_json(json_object *o, struct buf *out)
{
        const char *s = json_object_to_json_string_ext(
            o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
        int rc = s ? buf_puts(out, s) : -1;

        if (rc == 0)
                rc = buf_putc(out, '\n');
        json_object_put(o);
        return rc;
}

int catalog_render_product_json(const struct cat_product *p, struct buf *out)
{
        return put_json(product_json(p), out);
}

int catalog_render_json(const struct catalog *c, const char *tag, const char *q, struct buf *out)
{
        json_object *o = json_object_new_object();
        json_object *list = json_object_new_array();

        for (size_t i = 0; i < c->products.len; i++)
                if (cat_product_matches(c->products.items[i], tag, q))
                        json_object_array_add(list, product_json(c->products.items[i]));
        json_object_object_add(o, "products", list);
        return put_json(o, out);
}

int html_escape(struct buf *out, const char *s)
{
        for (; s && *s; s++) {
                switch (*s) {
                case '&':
                        buf_puts(out, "&amp;");
                        break;
                case '<':
                        buf_puts(out, "&lt;");
                        break;
                case '>':
                        buf_puts(out, "&gt;");
                        break;
                case '"':
                        buf_puts(out, "&quot;");
                        break;
                case '\'':
                        buf_puts(out, "&#39;");
                        break;
                default:
                        buf_putc(out, *s);
                }
        }
        return out->failed ? -1 : 0;
}

/* Percent-encode `s` for a query value; the result needs no further HTML escaping. */
static void url_encode(struct buf *out, const char *s)
{
        for (; s && *s; s++) {
                unsigned char ch = (unsigned char)*s;
                if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || strchr("._-~", ch))
                        buf_putc(out, (char)ch);
                else
                        buf_printf(out, "%%%02X", ch);
        }
}

/* An id attribute value: topic and domain characters kept, anything else as '_'. */
static void html_id(struct buf *out, const char *prefix, const char *s)
{
        buf_puts(out, prefix);
        for (; s && *s; s++) {
                unsigned char ch = (unsigned char)*s;
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9') || strchr("._-", ch);
                buf_putc(out, ok ? (char)ch : '_');
        }
}

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>specmesh catalogue</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;color:#222}\n"
    "h1{margin-bottom:.2rem} .product{border:1px solid #ccc;border-radius:6px;padding:.2rem "
    "1rem 1rem;margin:1rem 0}\n"
    ".domain{font-family:monospace;color:#555} table{border-collapse:collapse;width:100%}\n"
    "td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:left;vertical-align:top}\n"
    ".tag{display:inline-block;background:#e8f0fe;border-radius:4px;padding:0 .4rem;"
    "margin:0 .2rem .2rem 0;text-decoration:none;color:#1a4d8f}\n"
    ".public{color:#17702a} .protected{color:#a15c00} .ready{color:#17702a} "
    ".notready{color:#b00020}\n"
    "td code{word-break:break-all} td:first-child{width:34%}\n"
    "pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:20rem}\n"
    "</style></head><body>\n";

static void search_form(struct buf *out, const char *tag, const char *q, size_t shown, size_t total)
{
        buf_puts(out, "<h1>Data products</h1>\n<p>Discover the mesh: every product's public and "
                      "protected topics, straight from the specs that provision them. "
                      "<a href=\"topology\">Topology</a></p>\n"
                      "<form method=\"get\" action=\"\" id=\"search\">"
                      "<input type=\"search\" name=\"q\" placeholder=\"search\" value=\"");
        html_escape(out, q);
        buf_puts(out, "\"> <input type=\"text\" name=\"tag\" placeholder=\"tag\" value=\"");
        html_escape(out, tag);
        buf_printf(out,
                   "\"> <button type=\"submit\">Search</button></form>\n"
                   "<p id=\"count\">%zu of %zu products</p>\n",
                   shown, total);
}

static void tag_links(struct buf *out, const struct vec *tags)
{
        for (size_t i = 0; i < tags->len; i++) {
                buf_puts(out, "<a class=\"tag\" href=\"?tag=");
                url_encode(out, tags->items[i]);
                buf_puts(out, "\">");
                html_escape(out, tags->items[i]);
                buf_puts(out, "</a>");
        }
}

static void list_text(struct buf *out, const struct vec *v)
{
        for (size_t i = 0; i < v->len; i++) {
                if (i)
                        buf_puts(out, ", ");
                html_escape(out, v->items[i]);
        }
}

static void topic_row(struct buf *out, const struct cat_topic *t)
{
        const char *level = access_level_str(t->access);

        buf_puts(out, "<tr class=\"topic\" id=\"");
        html_id(out, "topic-", t->name);
        buf_puts(out, "\"><td><code>");
        html_escape(out, t->name);
        buf_puts(out, "</code><br><small>");
        html_escape(out, t->summary);
        buf_printf(out, "</small></td><td class=\"%s\">%s</td><td>", level, level);
        if (t->partitions > 0)
                buf_printf(out, "%d", t->partitions);
        buf_puts(out, "</td><td>");
        tag_links(out, &t->tags);
        buf_puts(out, "</td><td>");
        list_text(out, &t->messages);
        buf_puts(out, "</td><td>");
        if (t->access == ACCESS_PUBLIC)
                buf_puts(out, "everyone");
        else if (t->readers.len)
                list_text(out, &t->readers);
        else
                buf_puts(out, "owner only");
        buf_puts(out, "</td><td>");
        if (t->subject) {
                buf_puts(out, "<details><summary><code>");
                html_escape(out, t->subject);
                buf_puts(out, "</code> ");
                html_escape(out, t->schema_type);
                if (t->version > 0)
                        buf_printf(out, " v%d", t->version);
                buf_puts(out, "</summary><pre>");
                html_escape(out, t->schema);
                buf_puts(out, "</pre></details>");
        }
        buf_puts(out, "</td></tr>\n");
}

static void product_section(struct buf *out, const struct cat_product *p)
{
        buf_puts(out, "<section class=\"product\" id=\"");
        html_id(out, "product-", p->domain);
        buf_puts(out, "\"><h2>");
        html_escape(out, p->title ? p->title : p->domain);
        if (p->ready >= 0)
                buf_printf(out, " <small class=\"%s\">%s</small>", p->ready ? "ready" : "notready",
                           p->ready ? "Ready" : "not ready");
        buf_puts(out, "</h2>\n<p class=\"domain\">");
        html_escape(out, p->domain);
        if (p->ns && p->name) {
                buf_puts(out, " &middot; ");
                html_escape(out, p->ns);
                buf_putc(out, '/');
                html_escape(out, p->name);
        }
        buf_puts(out, " &middot; owner <code>");
        html_escape(out, p->principal);
        buf_puts(out, "</code></p>\n<p class=\"description\">");
        html_escape(out, p->description);
        buf_puts(out, "</p>\n<table><tr><th>topic</th><th>access</th><th>partitions</th>"
                      "<th>tags</th><th>messages</th><th>readers</th><th>schema</th></tr>\n");
        for (size_t i = 0; i < p->topics.len; i++)
                topic_row(out, p->topics.items[i]);
        buf_puts(out, "</table>\n");
        if (p->consumes.len) {
                buf_puts(out, "<p class=\"consumes\">reads: ");
                list_text(out, &p->consumes);
                buf_puts(out, "</p>\n");
        }
        buf_puts(out, "</section>\n");
}

int catalog_render_html(const struct catalog *c, const char *tag, const char *q, struct buf *out)
{
        size_t shown = 0;

        for (size_t i = 0; i < c->products.len; i++)
                shown += cat_product_matches(c->products.items[i], tag, q);
        buf_puts(out, page_head);
        search_form(out, tag, q, shown, c->products.len);
        for (size_t i = 0; i < c->products.len; i++)
                if (cat_product_matches(c->products.items[i], tag, q))
                        product_section(out, c->products.items[i]);
        buf_puts(out, "</body></html>\n");
        return out->failed ? -1 : 0;
}
