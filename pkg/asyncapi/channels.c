#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/asyncapi/internal.h"
#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define MAX_MSGS         32
#define MAX_TAG_NODES    8
#define CONFIG_VALUE_MAX (64u * 1024)

/* What one channel says, gathered from 2.x operations or 3.0 `operations`. */
struct chan {
        const char *key;
        struct ynode *node;
        const char *address;
        bool produce;
        struct ynode *msgs[MAX_MSGS];
        size_t nmsgs;
        struct ynode *tags[MAX_TAG_NODES]; /* nodes that may carry `tags:` */
        size_t ntags;
        char path[512];
        char msg_path[600]; /* where its messages are, for diagnostics */
};

static void add_tags(struct chan *ch, struct ynode *n)
{
        if (n && ch->ntags < MAX_TAG_NODES)
                ch->tags[ch->ntags++] = n;
}

static void add_msg(struct actx *c, struct chan *ch, struct ynode *m, const char *path)
{
        m = deref(c, m, path);
        if (!m)
                return;
        if (ch->nmsgs == MAX_MSGS) {
                actx_error(c, m, path, "more than %d messages on one channel", MAX_MSGS);
                return;
        }
        ch->msgs[ch->nmsgs++] = m;
        add_tags(ch, m);
}

/* 2.x: `publish` means this product writes to the channel (SpecMesh's reading). */
static void gather_v2(struct actx *c, struct chan *ch)
{
        struct ynode *pub = ynode_get(ch->node, "publish");
        struct ynode *msg, *one_of;
        char path[600];

        ch->address = ch->key;
        add_tags(ch, ch->node);
        if (!pub)
                return;
        ch->produce = true;
        add_tags(ch, pub);
        snprintf(ch->msg_path, sizeof(ch->msg_path), "%s.publish", ch->path);
        snprintf(path, sizeof(path), "%s.publish.message", ch->path);
        msg = deref(c, ynode_get(pub, "message"), path);
        one_of = ynode_get(msg, "oneOf");
        if (one_of && one_of->type == YNODE_SEQ) {
                for (size_t i = 0; i < one_of->len; i++)
                        add_msg(c, ch, one_of->items[i], path);
        } else if (msg) {
                add_msg(c, ch, msg, path);
        }
}

/* 3.0: the channel's messages, unless the operation names its own. */
static void gather_v3_send(struct actx *c, struct chan *ch, struct ynode *op, const char *path)
{
        struct ynode *list = ynode_get(op, "messages");
        struct ynode *msgs = ynode_get(ch->node, "messages");

        ch->produce = true;
        add_tags(ch, op);
        snprintf(ch->msg_path, sizeof(ch->msg_path), "%s", path);
        if (list && list->type == YNODE_SEQ) {
                for (size_t i = 0; i < list->len; i++)
                        add_msg(c, ch, list->items[i], path);
                return;
        }
        for (size_t i = 0; msgs && msgs->type == YNODE_MAP && i < msgs->len; i++)
                add_msg(c, ch, msgs->items[i], path);
}

static bool yaml_null(const struct ynode *n)
{
        static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

        if (n->type != YNODE_SCALAR || !n->plain)
                return false;
        for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
                if (strcmp(n->scalar, nulls[i]) == 0)
                        return true;
        return false;
}

/* 3.0 `address`: absent -> the channel key; null (unknown or dynamic) or not a string is an
 * error, never quietly replaced by the key or read as the text "null". */
static void read_address(struct actx *c, struct chan *ch)
{
        const struct ynode *a = ynode_get(ch->node, "address");
        char path[600];

        ch->address = ch->key;
        add_tags(ch, ch->node);
        if (!a)
                return;
        snprintf(path, sizeof(path), "%s.address", ch->path);
        if (a->type != YNODE_SCALAR)
                actx_error(c, a, path, "address must be a string");
        else if (yaml_null(a))
                actx_error(c, a, path,
                           "address is null (unknown or dynamic): a data product's channel "
                           "needs the topic address, or no 'address' to use the channel key");
        else
                ch->address = a->scalar;
}

static void gather_v3(struct actx *c, struct chan *chans, size_t n)
{
        struct ynode *ops = ynode_get(c->doc, "operations");
        char path[600];

        for (size_t i = 0; i < n; i++)
                read_address(c, &chans[i]);
        for (size_t i = 0; ops && ops->type == YNODE_MAP && i < ops->len; i++) {
                struct ynode *op = ops->items[i];
                const char *action = ynode_str(op, "action");
                struct ynode *target;

                snprintf(path, sizeof(path), "operations.%s", ops->keys[i]);
                if (!action || (strcmp(action, "send") && strcmp(action, "receive"))) {
                        actx_error(c, op, path, "operation needs action: send or receive");
                        continue;
                }
                target = deref(c, ynode_get(op, "channel"), path);
                for (size_t k = 0; target && k < n; k++)
                        if (chans[k].node == target && strcmp(action, "send") == 0)
                                gather_v3_send(c, &chans[k], op, path);
        }
}

/* The topic a channel names (DESIGN §3, first rule that matches). Sets *provision. */
static char *topic_name(struct actx *c, const struct chan *ch, bool *provision)
{
        const char *d = c->p->domain, *a = ch->address;
        char *name;

        *provision = true;
        if (a[0] == '/') {
                name = str_replace_char(str_dup(a + 1), '/', '.');
                if (name && !model_topic_in_domain(name, d)) {
                        if (ch->produce)
                                actx_error(c, ch->node, ch->path,
                                           "channel names topic '%s' outside domain %s: a "
                                           "product only provisions its own topics",
                                           name, d);
                        *provision = false;
                }
        } else if (model_topic_in_domain(a, d)) {
                name = str_dup(a);
        } else if (ch->produce) {
                return str_replace_char(str_printf("%s.%s", d, a), '/', '.');
        } else {
                *provision = false;
                return str_dup(a);
        }
        /* read-only use of a longer domain's topic is consuming it, not provisioning it; a
         * produced one is refused by read_access */
        if (name && *provision && !ch->produce && !model_topic_owned(name, d))
                *provision = false;
        return name;
}

static int config_value(struct actx *c, const struct ynode *v, const char *path, struct buf *b)
{
        if (v->type == YNODE_SCALAR)
                return buf_puts(b, v->scalar);
        if (v->type == YNODE_SEQ) {
                for (size_t i = 0; i < v->len; i++) {
                        if (v->items[i]->type != YNODE_SCALAR)
                                return actx_error(c, v->items[i], path,
                                                  "config list items must be scalars");
                        buf_printf(b, "%s%s", i ? "," : "", v->items[i]->scalar);
                }
                return 0;
        }
        return actx_error(c, v, path, "config value must be a scalar or a list");
}

static void read_configs(struct actx *c, struct topic *t, const struct ynode *m, const char *path)
{
        char sub[700];

        if (!m)
                return;
        if (m->type != YNODE_MAP) {
                actx_error(c, m, path, "topic configs must be a mapping");
                return;
        }
        for (size_t i = 0; i < m->len; i++) {
                struct buf b;
                const char *k = m->keys[i];
                int r, set = STRMAP_OK;
                snprintf(sub, sizeof(sub), "%s.%s", path, k);
                if (!*k || strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(k)) {
                        actx_error(c, m->items[i], sub, "'%s' is not a topic config name", k);
                        continue;
                }
                buf_init(&b, CONFIG_VALUE_MAX);
                /* a value over the cap is an error, never a shorter value */
                r = config_value(c, m->items[i], sub, &b);
                if (b.failed)
                        actx_error(c, m->items[i], sub, "config value is larger than %u bytes",
                                   CONFIG_VALUE_MAX);
                else if (r == 0)
                        set = topic_set_config(t, k, b.data ? b.data : "");
                buf_release(&b);
                if (set == STRMAP_FULL) {
                        actx_error(c, m, path, "more than %d topic configs",
                                   MODEL_TOPIC_CONFIGS_MAX);
                        return;
                }
                if (set < 0)
                        actx_error(c, m->items[i], sub, "out of memory");
        }
}

/* Every key of mapping `m` must be in `known` (NULL-terminated): a typo such as
 * `partitons` would otherwise be silently ignored. Reports each unknown key at <path>.<key>
 * and returns -1 if there was one. */
int check_keys(struct actx *c, const struct ynode *m, const char *path, const char *const *known)
{
        char sub[700], list[400] = "";
        int rc = 0;

        for (const char *const *k = known; *k; k++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                         k == known ? "" : ", ", *k);
        for (size_t i = 0; m && m->type == YNODE_MAP && i < m->len; i++) {
                bool ok = false;
                for (const char *const *k = known; *k && !ok; k++)
                        ok = strcmp(m->keys[i], *k) == 0;
                if (ok)
                        continue;
                snprintf(sub, sizeof(sub), "%s.%s", path, m->keys[i]);
                rc = actx_error(c, m->items[i], sub, "unknown key '%s' (known: %s)", m->keys[i],
                                list);
        }
        return rc;
}

/* bindings.kafka in the SpecMesh form and the AsyncAPI Kafka binding form. */
static void read_bindings(struct actx *c, struct topic *t, const struct chan *ch)
{
        static const char *const known[] = {"partitions", "replicas",           "configs",
                                            "topic",      "topicConfiguration", "bindingVersion",
                                            NULL};
        const struct ynode *k = ynode_get(ynode_get(ch->node, "bindings"), "kafka");
        const char *declared;
        char path[600];

        if (!k)
                return;
        snprintf(path, sizeof(path), "%s.bindings.kafka", ch->path);
        if (k->type != YNODE_MAP) {
                actx_error(c, k, path, "bindings.kafka must be a mapping");
                return;
        }
        check_keys(c, k, path, known);
        snprintf(path, sizeof(path), "%s.bindings.kafka.partitions", ch->path);
        /* Kafka's own limits: partitions are an int32, the replication factor an int16 */
        t->partitions =
            (int)read_positive(c, ynode_get(k, "partitions"), path, "partitions", INT32_MAX);
        snprintf(path, sizeof(path), "%s.bindings.kafka.replicas", ch->path);
        t->replicas = (int)read_positive(c, ynode_get(k, "replicas"), path, "replicas", INT16_MAX);
        snprintf(path, sizeof(path), "%s.bindings.kafka.configs", ch->path);
        read_configs(c, t, ynode_get(k, "configs"), path);
        snprintf(path, sizeof(path), "%s.bindings.kafka.topicConfiguration", ch->path);
        read_configs(c, t, ynode_get(k, "topicConfiguration"), path);
        declared = ynode_str(k, "topic");
        if (declared && strcmp(declared, t->name) != 0) {
                snprintf(path, sizeof(path), "%s.bindings.kafka.topic", ch->path);
                actx_error(c, ynode_get(k, "topic"), path,
                           "bindings.kafka.topic '%s' disagrees with the topic name '%s' the "
                           "channel gives",
                           declared, t->name);
        }
}

static void read_grants(struct actx *c, struct topic *t, const struct chan *ch)
{
        for (size_t n = 0; n < ch->ntags; n++) {
                const struct ynode *tags = ynode_get(ch->tags[n], "tags");
                for (size_t i = 0; tags && tags->type == YNODE_SEQ && i < tags->len; i++) {
                        const char *name = ynode_str(tags->items[i], "name");
                        char *g;
                        if (!name || !str_starts_with(name, "grant-access:"))
                                continue;
                        g = str_dup(name + strlen("grant-access:"));
                        /* the grantee is a domain, read as User:<domain>: never a wildcard */
                        if (!g || !model_domain_valid(g, NULL) || strcasecmp(g, "ANONYMOUS") == 0) {
                                actx_error(c, tags->items[i], ch->path,
                                           "'%s' does not name a domain to grant", name);
                        } else if (t->access != ACCESS_PROTECTED) {
                                actx_error(c, tags->items[i], ch->path,
                                           "'%s': grants apply only to _protected topics, and "
                                           "'%s' is %s",
                                           name, t->name, access_level_str(t->access));
                        } else if (vec_push(&t->grants, g) == 0) {
                                g = NULL;
                        }
                        free(g);
                }
        }
}

/* No empty segment: "a..b", ".a" and "a." are legal in Kafka but never what was meant. */
static bool segments_ok(const char *name)
{
        return name[0] != '.' && !str_ends_with(name, ".") && !strstr(name, "..");
}

/*
 * Access level from the first segment after the domain. A provisioned topic must be one of
 * the domain's own names (model_topic_owned): any other segment there names a longer domain
 * ("a.b" + "c._public.x" is domain a.b.c's topic), which a product never touches.
 * Returns -1 after reporting.
 */
static int read_access(struct actx *c, struct topic *t, const struct chan *ch)
{
        const char *d = c->p->domain, *seg = t->name + strlen(d) + 1;
        size_t n = strcspn(seg, ".");
        bool longer;

        t->access = model_access_of(t->name, d);
        if (seg[0] == '_' && t->access == ACCESS_NONE)
                return actx_error(c, ch->node, ch->path,
                                  "unknown access level '%.*s' in topic '%s' (_public, "
                                  "_protected or _private)",
                                  (int)n, seg, t->name);
        if (model_topic_owned(t->name, d) && !segments_ok(t->name))
                return actx_error(c, ch->node, ch->path,
                                  "channel '%s' gives topic '%s' with an empty segment", ch->key,
                                  t->name);
        longer = n && seg[0] != '_';
        if (!model_topic_owned(t->name, d))
                return actx_error(c, ch->node, ch->path,
                                  "channel '%s' gives topic '%s', which is not one of domain "
                                  "%s's own (%s.<_public|_protected|_private>.<name>)%s%s%.*s",
                                  ch->key, t->name, d, d,
                                  longer ? ": it lies in the longer domain " : "", longer ? d : "",
                                  (int)(longer ? n + 1 : 0), seg - 1);
        return 0;
}

static void check_message_bindings(struct actx *c, const struct chan *ch)
{
        static const char *const known[] = {"key",
                                            "schemaIdLocation",
                                            "schemaIdPayloadEncoding",
                                            "schemaLookupStrategy",
                                            "compatibility",
                                            "bindingVersion",
                                            NULL};
        char path[700];

        for (size_t i = 0; i < ch->nmsgs; i++) {
                snprintf(path, sizeof(path), "%s.message.bindings.kafka", ch->msg_path);
                check_keys(c, ynode_get(ynode_get(ch->msgs[i], "bindings"), "kafka"), path, known);
        }
}

static int duplicate(struct actx *c, const char *name, const struct chan *ch)
{
        for (size_t i = 0; i < c->p->topics.len; i++) {
                const struct topic *t = c->p->topics.items[i];
                if (strcmp(t->name, name) == 0)
                        return actx_error(c, ch->node, ch->path,
                                          "channels '%s' and '%s' both map to topic '%s'",
                                          t->channel, ch->key, name);
        }
        return 0;
}

static void read_channel(struct actx *c, struct chan *ch)
{
        bool provision;
        char *name = topic_name(c, ch, &provision);
        const char *why;
        struct topic *t;

        if (!name) {
                actx_error(c, ch->node, ch->path, "out of memory");
                return;
        }
        if (!model_topic_name_valid(name, &why)) {
                actx_error(c, ch->node, ch->path, "illegal topic name '%s': %s", name, why);
                free(name);
                return;
        }
        if (!provision) {
                if (vec_push(&c->p->consumed, name) < 0)
                        free(name);
                return;
        }
        if (duplicate(c, name, ch) < 0) {
                free(name);
                return;
        }
        t = topic_new(name, -1, -1);
        free(name);
        if (t)
                t->channel = str_dup(ch->key);
        if (!t || !t->channel || vec_push(&c->p->topics, t) < 0) {
                topic_free(t);
                actx_error(c, ch->node, ch->path, "out of memory");
                return;
        }
        if (read_access(c, t, ch) < 0)
                return;
        read_bindings(c, t, ch);
        read_grants(c, t, ch);
        if (ch->produce) {
                check_message_bindings(c, ch);
                read_messages(c, t->name, ch->msgs, ch->nmsgs, ch->msg_path);
        }
}

/* bindings.kafka of an operation (2.x publish/subscribe, 3.0 operations) and of a server:
 * AsyncAPI Kafka binding keys only, so that a typo is an error rather than ignored. */
static void check_other_bindings(struct actx *c, const struct ynode *chans)
{
        static const char *const op_keys[] = {"groupId", "clientId", "bindingVersion", NULL};
        static const char *const server_keys[] = {"schemaRegistryUrl", "schemaRegistryVendor",
                                                  "bindingVersion", NULL};
        static const char *const verbs[] = {"publish", "subscribe"};
        const struct ynode *ops = ynode_get(c->doc, "operations");
        const struct ynode *servers = ynode_get(c->doc, "servers");
        char path[700];

        for (size_t i = 0; c->major == 2 && chans && chans->type == YNODE_MAP && i < chans->len;
             i++)
                for (int v = 0; v < 2; v++) {
                        snprintf(path, sizeof(path), "channels.%s.%s.bindings.kafka",
                                 chans->keys[i], verbs[v]);
                        check_keys(
                            c,
                            ynode_get(ynode_get(ynode_get(chans->items[i], verbs[v]), "bindings"),
                                      "kafka"),
                            path, op_keys);
                }
        for (size_t i = 0; c->major == 3 && ops && ops->type == YNODE_MAP && i < ops->len; i++) {
                snprintf(path, sizeof(path), "operations.%s.bindings.kafka", ops->keys[i]);
                check_keys(c, ynode_get(ynode_get(ops->items[i], "bindings"), "kafka"), path,
                           op_keys);
        }
        for (size_t i = 0; servers && servers->type == YNODE_MAP && i < servers->len; i++) {
                snprintf(path, sizeof(path), "servers.%s.bindings.kafka", servers->keys[i]);
                check_keys(c, ynode_get(ynode_get(servers->items[i], "bindings"), "kafka"), path,
                           server_keys);
        }
}

int read_channels(struct actx *c)
{
        struct ynode *chans = ynode_get(c->doc, "channels");
        struct chan *cs;

        check_other_bindings(c, chans);
        if (!chans)
                return 0;
        if (chans->type != YNODE_MAP)
                return actx_error(c, chans, "channels", "channels must be a mapping");
        cs = calloc(chans->len ? chans->len : 1, sizeof(*cs));
        if (!cs)
                return actx_error(c, chans, "channels", "out of memory");
        for (size_t i = 0; i < chans->len; i++) {
                cs[i].key = chans->keys[i];
                cs[i].node = chans->items[i];
                snprintf(cs[i].path, sizeof(cs[i].path), "channels.%s", cs[i].key);
                if (cs[i].node->type != YNODE_MAP)
                        actx_error(c, cs[i].node, cs[i].path, "a channel must be a mapping");
                else if (c->major == 2)
                        gather_v2(c, &cs[i]);
        }
        if (c->major == 3)
                gather_v3(c, cs, chans->len);
        for (size_t i = 0; i < chans->len; i++)
                if (cs[i].node->type == YNODE_MAP)
                        read_channel(c, &cs[i]);
        free(cs);
        return 0;
}
