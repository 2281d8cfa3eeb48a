/*
 * The catalogue as Backstage catalog entities (backstage.io/v1alpha1): per product a Domain
 * (the product's domain), a System and a Component (the product), an API of type `asyncapi`
 * whose definition is the product's document, and a Resource per public or protected topic.
 * The Component provides its API, consumes the APIs of the products whose topics it reads,
 * and depends on its topics. Backstage names allow [A-Za-z0-9] separated by [-_.], at most 63
 * characters, and tags [a-z0-9:+#] separated by '-': anything else is mapped into that.
 */
#include "pkg/catalog/catalog.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "pkg/base/buf.h"
#include "pkg/base/banned.h"

#define NAME_MAX_LEN 63
#define TAGS_MAX     20

/* A valid entity name for `s`: long or odd names keep a hash of the original. */
static void entity_name(const char *s, char *out, size_t n)
{
        unsigned long h = 1469598103934665603ul;
        size_t k = 0, len = strlen(s);
        bool changed = false;

        for (const char *p = s; *p; p++)
                h = (h ^ (unsigned char)*p) * 1099511628211ul;
        for (const char *p = s; *p && k + 1 < n && k < NAME_MAX_LEN; p++) {
                bool alnum = isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80);
                bool sep = strchr("-_.", *p) != NULL;
                if (!alnum && !sep)
                        changed = true;
                if (!alnum && (k == 0 || !isalnum((unsigned char)out[k - 1]))) {
                        changed = true; /* no leading or doubled separators */
                        continue;
                }
                out[k++] = alnum ? *p : sep ? *p : '-';
        }
        while (k > 0 && !isalnum((unsigned char)out[k - 1]))
                k--;
        out[k] = 0;
        if (changed || len > NAME_MAX_LEN || k == 0) {
                size_t keep = k > NAME_MAX_LEN - 9 ? NAME_MAX_LEN - 9 : k;
                while (keep > 0 && !isalnum((unsigned char)out[keep - 1]))
                        keep--;
                snprintf(out + keep, n - keep, "%s%08lx", keep ? "-" : "x", h & 0xfffffffful);
        }
}

/* A Backstage tag from a spec tag, or "" when nothing of it survives. */
static void entity_tag(const char *s, char *out, size_t n)
{
        size_t k = 0;

        for (; *s && k + 1 < n && k < NAME_MAX_LEN; s++) {
                char ch = (char)tolower((unsigned char)*s);
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr(":+#", ch);
                if (ok)
                        out[k++] = ch;
                else if (k > 0 && out[k - 1] != '-')
                        out[k++] = '-';
        }
        while (k > 0 && out[k - 1] == '-')
                k--;
        out[k] = 0;
}

static json_object *entity(const char *kind, const char *name, const char *title,
                           const char *description)
{
        json_object *e = json_object_new_object();
        json_object *meta = json_object_new_object();

        json_object_object_add(e, "apiVersion", json_object_new_string("backstage.io/v1alpha1"));
        json_object_object_add(e, "kind", json_object_new_string(kind));
        json_object_object_add(meta, "name", json_object_new_string(name));
        if (title && *title)
                json_object_object_add(meta, "title", json_object_new_string(title));
        if (description && *description)
                json_object_object_add(meta, "description", json_object_new_string(description));
        json_object_object_add(e, "metadata", meta);
        json_object_object_add(e, "spec", json_object_new_object());
        return e;
}

static json_object *spec_of(json_object *e)
{
        json_object *s = NULL;

        json_object_object_get_ex(e, "spec", &s);
        return s;
}

static void set(json_object *o, const char *key, const char *value)
{
        json_object_object_add(o, key, json_object_new_string(value));
}

static int emit(json_object *e, struct buf *out)
{
        const char *s = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE);
        int rc = s ? buf_printf(out, "---\n%s\n", s) : -1;

        json_object_put(e);
        return rc;
}

static json_object *topic_resource(const struct cat_product *p, const struct cat_topic *t,
                                   const char *owner, const char *sys)
{
        char name[80], tag[80];
        json_object *e, *spec, *tags = json_object_new_array(), *ann = json_object_new_object();
        size_t ntags = 0;

        entity_name(t->name, name, sizeof(name));
        e = entity("Resource", name, t->name, t->summary);
        spec = spec_of(e);
        set(spec, "type", "kafka-topic");
        set(spec, "owner", owner);
        set(spec, "system", sys);
        for (size_t i = 0; i < t->tags.len && ntags < TAGS_MAX; i++) {
                entity_tag(t->tags.items[i], tag, sizeof(tag));
                if (tag[0] && ++ntags)
                        json_object_array_add(tags, json_object_new_string(tag));
        }
        json_object_array_add(tags, json_object_new_string(access_level_str(t->access)));
        json_object *meta = NULL;
        json_object_object_get_ex(e, "metadata", &meta);
        json_object_object_add(meta, "tags", tags);
        set(ann, "specmesh.io/topic", t->name);
        set(ann, "specmesh.io/domain", p->domain);
        if (t->subject)
                set(ann, "specmesh.io/subject", t->subject);
        json_object_object_add(meta, "annotations", ann);
        return e;
}

/* "api:<name>" of every product whose topics `p` reads, each once. */
static json_object *consumed_apis(const struct catalog *c, const struct cat_product *p)
{
        json_object *a = json_object_new_array();
        char name[80], ref[90];

        for (size_t i = 0; i < c->products.len; i++) {
                const struct cat_product *o = c->products.items[i];
                bool reads = false;
                if (o == p)
                        continue;
                for (size_t k = 0; !reads && k < p->consumes.len; k++)
                        for (size_t j = 0; !reads && j < o->topics.len; j++)
                                reads = strcmp(p->consumes.items[k],
                                               ((struct cat_topic *)o->topics.items[j])->name) == 0;
                if (!reads)
                        continue;
                entity_name(o->domain, name, sizeof(name));
                snprintf(ref, sizeof(ref), "api:%s", name);
                json_object_array_add(a, json_object_new_string(ref));
        }
        return a;
}

static int product_entities(const struct catalog *c, const struct cat_product *p, struct buf *out)
{
        char name[80], owner[90], ref[90], tname[80];
        json_object *e, *spec, *deps = json_object_new_array(), *provides;
        int rc = 0;

        entity_name(p->domain, name, sizeof(name));
        snprintf(owner, sizeof(owner), "group:%s", name);
        e = entity("Domain", name, p->domain, NULL);
        set(spec_of(e), "owner", owner);
        rc |= emit(e, out);
        e = entity("System", name, p->title, p->description);
        set(spec_of(e), "owner", owner);
        set(spec_of(e), "domain", name);
        rc |= emit(e, out);
        e = entity("API", name, p->title, p->description);
        spec = spec_of(e);
        set(spec, "type", "asyncapi");
        set(spec, "lifecycle", "production");
        set(spec, "owner", owner);
        set(spec, "system", name);
        set(spec, "definition", p->document);
        rc |= emit(e, out);
        for (size_t i = 0; i < p->topics.len; i++) {
                const struct cat_topic *t = p->topics.items[i];
                entity_name(t->name, tname, sizeof(tname));
                snprintf(ref, sizeof(ref), "resource:%s", tname);
                json_object_array_add(deps, json_object_new_string(ref));
                rc |= emit(topic_resource(p, t, owner, name), out);
        }
        e = entity("Component", name, p->title, p->description);
        spec = spec_of(e);
        set(spec, "type", "data-product");
        set(spec, "lifecycle", "production");
        set(spec, "owner", owner);
        set(spec, "system", name);
        provides = json_object_new_array();
        snprintf(ref, sizeof(ref), "api:%s", name);
        json_object_array_add(provides, json_object_new_string(ref));
        json_object_object_add(spec, "providesApis", provides);
        json_object_object_add(spec, "consumesApis", consumed_apis(c, p));
        json_object_object_add(spec, "dependsOn", deps);
        rc |= emit(e, out);
        return rc < 0 ? -1 : 0;
}

int catalog_render_backstage(const struct catalog *c, const char *tag, const char *q,
                             struct buf *out)
{
        for (size_t i = 0; i < c->products.len; i++)
                if (cat_product_matches(c->products.items[i], tag, q) &&
                    product_entities(c, c->products.items[i], out) < 0)
                        return -1;
        return out->failed ? -1 : 0;
}
