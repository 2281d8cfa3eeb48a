/*
 * Building the catalogue: the AsyncAPI reader gives the provisioned facts (topic names,
 * access levels, partitions, grants, subjects); a second look at the same document gives
 * what only people need (title, description, summaries, tags, message names).
 */
#include "pkg/catalog/catalog.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/yaml/ytree.h"
#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

#define DOC_MAX    (4u << 20)
#define GRANT_TAG  "grant-access:"
#define DENY_TAG   "deny-access:"
#define MAX_DEREFS 8

static void topic_release(void *v)
{
        struct cat_topic *t = v;

        if (!t)
                return;
        free(t->name);
        free(t->channel);
        free(t->summary);
        vec_release(&t->tags, free);
        vec_release(&t->messages, free);
        vec_release(&t->readers, free);
        vec_release(&t->denied, free);
        free(t->subject);
        free(t->schema_type);
        free(t->schema);
        free(t);
}

static void product_release(void *v)
{
        struct cat_product *p = v;

        if (!p)
                return;
        free(p->domain);
        free(p->principal);
        free(p->title);
        free(p->description);
        free(p->version);
        free(p->ns);
        free(p->name);
        free(p->document);
        vec_release(&p->topics, topic_release);
        vec_release(&p->consumes, free);
        free(p);
}

void catalog_init(struct catalog *c)
{
        vec_init(&c->products);
}

void catalog_release(struct catalog *c)
{
        vec_release(&c->products, product_release);
}

/* Follow a local "#/a/b" $ref (at most MAX_DEREFS hops); the node itself otherwise. */
static const struct ynode *deref(const struct ynode *doc, const struct ynode *n)
{
        for (int hop = 0; n && hop < MAX_DEREFS; hop++) {
                const char *ref = ynode_str(n, "$ref");
                const struct ynode *at = doc;
                char seg[256];

                if (!ref || strncmp(ref, "#/", 2) != 0)
                        return n;
                for (const char *s = ref + 2; at && *s;) {
                        size_t k = 0;
                        for (; *s && *s != '/' && k + 1 < sizeof(seg); s++) {
                                if (s[0] == '~' && (s[1] == '0' || s[1] == '1')) {
                                        seg[k++] = s[1] == '0' ? '~' : '/';
                                        s++;
                                } else {
                                        seg[k++] = *s;
                                }
                        }
                        seg[k] = 0;
                        at = ynode_get(at, seg);
                        if (*s == '/')
                                s++;
                }
                n = at;
        }
        return n;
}

static int push_unique(struct vec *v, const char *s)
{
        char *copy;

        for (size_t i = 0; i < v->len; i++)
                if (strcmp(v->items[i], s) == 0)
                        return 0;
        copy = str_dup(s);
        if (!copy || vec_push(v, copy) < 0) {
                free(copy);
                return -1;
        }
        return 0;
}

/* The tag names `n` carries; grant-access:* left out (they are readers), deny-access:<d>
 * recorded as refused domains in `denied` (NULL: ignored). */
static int take_tags(const struct ynode *doc, const struct ynode *n, struct vec *tags,
                     struct vec *denied)
{
        const struct ynode *list = ynode_get(n, "tags");

        for (size_t i = 0; list && list->type == YNODE_SEQ && i < list->len; i++) {
                const struct ynode *t = deref(doc, list->items[i]);
                const char *name = t && t->type == YNODE_SCALAR ? t->scalar : ynode_str(t, "name");
                if (!name || !*name || strncasecmp(name, GRANT_TAG, strlen(GRANT_TAG)) == 0)
                        continue;
                if (strncasecmp(name, DENY_TAG, strlen(DENY_TAG)) == 0) {
                        if (denied && name[strlen(DENY_TAG)] &&
                            push_unique(denied, name + strlen(DENY_TAG)) < 0)
                                return -1;
                        continue;
                }
                if (push_unique(tags, name) < 0)
                        return -1;
        }
        return 0;
}

/* One message: its name (or `fallback`, a v3 message key) and its tags. */
static int take_message(const struct ynode *doc, const struct ynode *m, const char *fallback,
                        struct cat_topic *t)
{
        const char *name;

        m = deref(doc, m);
        if (!m || m->type != YNODE_MAP)
                return 0;
        name = ynode_str(m, "name");
        if (!name)
                name = ynode_str(m, "messageId");
        if (!name)
                name = fallback;
        if (name && push_unique(&t->messages, name) < 0)
                return -1;
        return take_tags(doc, m, &t->tags, &t->denied);
}

static int take_messages(const struct ynode *doc, const struct ynode *msg, struct cat_topic *t)
{
        const struct ynode *one_of;

        msg = deref(doc, msg);
        one_of = ynode_get(msg, "oneOf");
        if (one_of && one_of->type == YNODE_SEQ) {
                for (size_t i = 0; i < one_of->len; i++)
                        if (take_message(doc, one_of->items[i], NULL, t) < 0)
                                return -1;
                return 0;
        }
        if (msg && msg->type == YNODE_MAP && !ynode_get(msg, "payload") &&
            !ynode_get(msg, "name")) {
                /* 3.0: a map of message id -> message */
                for (size_t i = 0; i < msg->len; i++)
                        if (take_message(doc, msg->items[i], msg->keys[i], t) < 0)
                                return -1;
                return 0;
        }
        return take_message(doc, msg, NULL, t);
}

static void take_summary(const struct ynode *n, struct cat_topic *t)
{
        const char *s = ynode_str(n, "summary");

        if (!s)
                s = ynode_str(n, "description");
        if (s && !t->summary)
                t->summary = str_dup(s);
}

/* What the document says about the channel of `t`: summary, tags, message names. */
static int describe_topic(const struct ynode *doc, struct cat_topic *t)
{
        const struct ynode *chan = deref(doc, ynode_get(ynode_get(doc, "channels"), t->channel));
        const struct ynode *pub = ynode_get(chan, "publish");
        const struct ynode *ops = ynode_get(doc, "operations");
        int rc = take_tags(doc, chan, &t->tags, &t->denied);

        if (pub) { /* 2.x */
                take_summary(pub, t);
                rc |= take_tags(doc, pub, &t->tags, &t->denied);
                rc |= take_messages(doc, ynode_get(pub, "message"), t);
        }
        for (size_t i = 0; ops && ops->type == YNODE_MAP && i < ops->len; i++) {
                const struct ynode *op = ops->items[i];
                const char *action = ynode_str(op, "action");
                if (!action || strcmp(action, "send") != 0 ||
                    deref(doc, ynode_get(op, "channel")) != chan)
                        continue;
                take_summary(op, t);
                rc |= take_tags(doc, op, &t->tags, &t->denied);
                rc |= take_messages(doc,
                                    ynode_get(op, "messages") ? ynode_get(op, "messages")
                                                              : ynode_get(chan, "messages"),
                                    t);
        }
        take_summary(chan, t);
        return rc < 0 ? -1 : 0;
}

/* The topic's value subject (or its first subject) with the schema text. */
static int take_subject(const struct product *p, struct cat_topic *t)
{
        const struct subject *best = NULL;

        for (size_t i = 0; i < p->subjects.len; i++) {
                const struct subject *s = p->subjects.items[i];
                if (!s->topic || strcmp(s->topic, t->name) != 0)
                        continue;
                if (!best || str_ends_with(s->name, "-value"))
                        best = s;
        }
        if (!best)
                return 0;
        t->subject = str_dup(best->name);
        t->schema_type = str_dup(schema_type_str(best->type));
        t->schema = best->schema ? str_dup(best->schema) : NULL;
        return t->subject && t->schema_type && (t->schema || !best->schema) ? 0 : -1;
}

static struct cat_topic *make_topic(const struct ynode *doc, const struct product *p,
                                    const struct topic *mt)
{
        struct cat_topic *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->name = str_dup(mt->name);
        t->channel = str_dup(mt->channel ? mt->channel : mt->name);
        t->access = mt->access;
        t->partitions = mt->partitions;
        if (!t->name || !t->channel || describe_topic(doc, t) < 0 || take_subject(p, t) < 0)
                goto fail;
        for (size_t i = 0; mt->access == ACCESS_PROTECTED && i < mt->grants.len; i++)
                if (push_unique(&t->readers, mt->grants.items[i]) < 0)
                        goto fail;
        return t;
fail:
        topic_release(t);
        return NULL;
}

static char *dup_or_null(const char *s)
{
        return s ? str_dup(s) : NULL;
}

/* Ready from a DataProduct's status.conditions: 1, 0, or -1 when it says nothing. */
static int ready_of(const struct ynode *root)
{
        const struct ynode *conds = ynode_get(ynode_get(root, "status"), "conditions");

        for (size_t i = 0; conds && conds->type == YNODE_SEQ && i < conds->len; i++) {
                const char *type = ynode_str(conds->items[i], "type");
                const char *status = ynode_str(conds->items[i], "status");
                if (type && status && strcmp(type, "Ready") == 0)
                        return strcmp(status, "True") == 0;
        }
        return -1;
}

/* Whether the operator refused the DataProduct's claim (its Ready condition's reason). */
static bool refused_of(const struct ynode *root)
{
        static const char *const refusals[] = {"DomainConflict", "PolicyViolation", "InvalidSpec"};
        const struct ynode *conds = ynode_get(ynode_get(root, "status"), "conditions");

        for (size_t i = 0; conds && conds->type == YNODE_SEQ && i < conds->len; i++) {
                const char *type = ynode_str(conds->items[i], "type");
                const char *reason = ynode_str(conds->items[i], "reason");
                if (!type || strcmp(type, "Ready") != 0 || !reason)
                        continue;
                for (size_t k = 0; k < sizeof(refusals) / sizeof(refusals[0]); k++)
                        if (strcmp(reason, refusals[k]) == 0)
                                return true;
        }
        return false;
}

/* True when channel `key` of the document carries a topic the catalogue must not show. */
static bool hidden_channel(const struct product *p, const char *key)
{
        for (size_t i = 0; i < p->topics.len; i++) {
                const struct topic *t = p->topics.items[i];
                if (t->channel && strcmp(t->channel, key) == 0)
                        return t->access != ACCESS_PUBLIC && t->access != ACCESS_PROTECTED;
        }
        return false;
}

/* `map` as JSON without the entries `skip` says no to. */
static void map_json(const struct ynode *doc, const struct ynode *map, const struct product *p,
                     bool channels, struct buf *out)
{
        const struct ynode *chans = ynode_get(doc, "channels");
        bool first = true;

        buf_putc(out, '{');
        for (size_t i = 0; i < map->len; i++) {
                const struct ynode *target = deref(doc, ynode_get(map->items[i], "channel"));
                bool hide = channels ? hidden_channel(p, map->keys[i]) : false;
                for (size_t k = 0; !channels && chans && k < chans->len; k++)
                        if (target && chans->items[k] == target)
                                hide = hidden_channel(p, chans->keys[k]);
                if (hide)
                        continue;
                if (!first)
                        buf_putc(out, ',');
                first = false;
                buf_put_quoted(out, map->keys[i]);
                buf_putc(out, ':');
                ynode_to_json(map->items[i], out);
        }
        buf_putc(out, '}');
}

/* The document as JSON without its private channels and the operations on them. */
static int public_json(const struct ynode *doc, const struct product *p, struct buf *out)
{
        buf_putc(out, '{');
        for (size_t i = 0; i < doc->len; i++) {
                const struct ynode *v = doc->items[i];
                bool chans = strcmp(doc->keys[i], "channels") == 0;
                bool ops = strcmp(doc->keys[i], "operations") == 0;
                if (i)
                        buf_putc(out, ',');
                buf_put_quoted(out, doc->keys[i]);
                buf_putc(out, ':');
                if ((chans || ops) && v->type == YNODE_MAP)
                        map_json(doc, v, p, chans, out);
                else
                        ynode_to_json(v, out);
        }
        buf_putc(out, '}');
        return out->failed ? -1 : 0;
}

/* The registry's versions, as the operator wrote them on the status ({name, version, id}). */
static void take_versions(const struct ynode *subjects, struct cat_product *cp)
{
        for (size_t i = 0; subjects && subjects->type == YNODE_SEQ && i < subjects->len; i++) {
                const char *name = ynode_str(subjects->items[i], "name");
                const char *version = ynode_str(subjects->items[i], "version");
                long v;
                if (!name || !version || str_to_long(version, 1, 1L << 30, &v) < 0)
                        continue;
                for (size_t k = 0; k < cp->topics.len; k++) {
                        struct cat_topic *t = cp->topics.items[k];
                        if (t->subject && strcmp(t->subject, name) == 0)
                                t->version = (int)v;
                }
        }
}

static int fill_product(struct cat_product *cp, const struct ynode *root, const struct ynode *doc,
                        const struct product *p)
{
        const struct ynode *info = ynode_get(doc, "info");
        const struct ynode *meta = ynode_get(root, "metadata");
        struct buf json;

        cp->domain = str_dup(p->domain);
        cp->principal = str_dup(p->principal);
        cp->title = dup_or_null(ynode_str(info, "title"));
        cp->description = dup_or_null(ynode_str(info, "description"));
        cp->version = dup_or_null(ynode_str(info, "version"));
        cp->ns = dup_or_null(ynode_str(meta, "namespace"));
        cp->name = dup_or_null(ynode_str(meta, "name"));
        cp->ready = root == doc ? -1 : ready_of(root);
        cp->refused = root != doc && refused_of(root);
        cp->current = ynode_str(meta, "generation") &&
                      str_eq(ynode_str(meta, "generation"),
                             ynode_str(ynode_get(root, "status"), "observedGeneration"));
        buf_init(&json, DOC_MAX);
        if (public_json(doc, p, &json) < 0) {
                buf_release(&json);
                return -1;
        }
        cp->document = buf_detach(&json, NULL);
        if (!cp->domain || !cp->principal || !cp->document)
                return -1;
        for (size_t i = 0; i < p->topics.len; i++) {
                const struct topic *mt = p->topics.items[i];
                struct cat_topic *t;
                if (mt->access != ACCESS_PUBLIC && mt->access != ACCESS_PROTECTED)
                        continue; /* private topics are never listed */
                t = make_topic(doc, p, mt);
                if (!t || vec_push(&cp->topics, t) < 0) {
                        topic_release(t);
                        return -1;
                }
        }
        for (size_t i = 0; i < p->consumed.len; i++)
                if (push_unique(&cp->consumes, p->consumed.items[i]) < 0)
                        return -1;
        take_versions(ynode_get(ynode_get(root, "status"), "subjects"), cp);
        return 0;
}

int catalog_add(struct catalog *c, const char *name, const char *data, size_t len,
                const char *base_dir, struct diags *d)
{
        struct asyncapi_opts opts = {0};
        size_t before = d->items.len;
        struct product *p = asyncapi_load_buffer(name, data, len, base_dir, &opts, d);
        struct ynode *root = NULL;
        const struct ynode *doc;
        struct cat_product *cp = NULL;
        int rc = -1;

        if (!p || d->items.len > before)
                goto out;
        root = ytree_parse(name, data, len, d);
        if (!root)
                goto out;
        doc = ynode_get(root, "asyncapi") && ynode_get(root, "asyncapi")->type == YNODE_SCALAR
                  ? root
                  : ynode_get(ynode_get(root, "spec"), "asyncapi");
        cp = calloc(1, sizeof(*cp));
        if (!doc || !cp || fill_product(cp, root, doc, p) < 0 || vec_push(&c->products, cp) < 0) {
                diags_add(d, name, 0, 0, NULL, "cannot build the catalogue entry (no memory)");
                goto out;
        }
        cp = NULL;
        rc = 0;
out:
        product_release(cp);
        ynode_free(root);
        product_free(p);
        return rc;
}

int catalog_add_file(struct catalog *c, const char *path, struct diags *d)
{
        size_t len = 0;
        char *data = str_read_file(path, DOC_MAX, &len);
        char *dir = str_dup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        int rc;

        if (!data || !dir) {
                free(data);
                free(dir);
                return diags_add(d, path, 0, 0, NULL, "cannot read the file");
        }
        if (slash)
                *slash = 0;
        rc = catalog_add(c, path, data, len, slash ? dir : ".", d);
        free(data);
        free(dir);
        return rc;
}

bool catalog_is_spec(const char *name, const char *data, size_t len)
{
        struct diags scratch;
        struct ynode *root;
        const char *kind;
        bool yes;

        diags_init(&scratch);
        root = ytree_parse(name, data, len, &scratch);
        kind = ynode_str(root, "kind");
        yes = root && (ynode_get(root, "asyncapi") || (kind && strcmp(kind, "DataProduct") == 0));
        ynode_free(root);
        diags_release(&scratch);
        return yes;
}

static int cmp_product(const void *a, const void *b)
{
        const struct cat_product *x = *(const struct cat_product *const *)a;
        const struct cat_product *y = *(const struct cat_product *const *)b;
        int r = strcmp(x->domain, y->domain);

        if (r)
                return r;
        if (x->refused != y->refused) /* the domain's owner first: catalog_find() finds it */
                return x->refused ? 1 : -1;
        r = strcmp(x->ns ? x->ns : "", y->ns ? y->ns : "");
        return r ? r : strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int cmp_topic(const void *a, const void *b)
{
        return strcmp((*(const struct cat_topic *const *)a)->name,
                      (*(const struct cat_topic *const *)b)->name);
}

void catalog_sort(struct catalog *c)
{
        vec_sort(&c->products, cmp_product);
        for (size_t i = 0; i < c->products.len; i++) {
                struct cat_product *p = c->products.items[i];
                vec_sort(&p->topics, cmp_topic);
        }
}

const struct cat_product *catalog_find(const struct catalog *c, const char *domain)
{
        for (size_t i = 0; i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                if (strcmp(p->domain, domain) == 0)
                        return p;
        }
        return NULL;
}

const struct cat_topic *catalog_topic(const struct catalog *c, const char *name,
                                      const struct cat_product **owner)
{
        for (size_t i = 0; i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                for (size_t k = 0; k < p->topics.len; k++) {
                        const struct cat_topic *t = p->topics.items[k];
                        if (strcmp(t->name, name) == 0) {
                                if (owner)
                                        *owner = p;
                                return t;
                        }
                }
        }
        return NULL;
}

static bool has(const char *s, const char *q)
{
        return s && strcasestr(s, q) != NULL;
}

static bool any_has(const struct vec *v, const char *q)
{
        for (size_t i = 0; i < v->len; i++)
                if (has(v->items[i], q))
                        return true;
        return false;
}

static bool topic_has(const struct cat_topic *t, const char *q)
{
        return has(t->name, q) || has(t->summary, q) || any_has(&t->tags, q) ||
               any_has(&t->messages, q);
}

static bool tagged(const struct cat_product *p, const char *tag)
{
        for (size_t i = 0; i < p->topics.len; i++) {
                const struct cat_topic *t = p->topics.items[i];
                for (size_t k = 0; k < t->tags.len; k++)
                        if (strcasecmp(t->tags.items[k], tag) == 0)
                                return true;
        }
        return false;
}

bool cat_product_matches(const struct cat_product *p, const char *tag, const char *q)
{
        bool found;

        if (tag && *tag && !tagged(p, tag))
                return false;
        if (!q || !*q)
                return true;
        found =
            has(p->domain, q) || has(p->title, q) || has(p->description, q) || has(p->principal, q);
        for (size_t i = 0; !found && i < p->topics.len; i++)
                found = topic_has(p->topics.items[i], q);
        return found;
}
