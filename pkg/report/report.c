#include "pkg/report/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

static const char *const access_segments[] = {"._public.", "._protected.", "._private."};

static void topic_free(void *p)
{
        struct usage_topic *t = p;

        if (!t)
                return;
        free(t->topic);
        free(t->domain);
        free(t);
}

static void group_free(void *p)
{
        struct usage_group *g = p;

        if (!g)
                return;
        free(g->topic);
        free(g->topic_domain);
        free(g->group);
        free(g->domain);
        free(g->principal);
        free(g->state);
        free(g);
}

static void owner_free(void *p)
{
        struct usage_owner *o = p;

        if (!o)
                return;
        free(o->prefix);
        free(o->principal);
        free(o);
}

void report_init(struct report *r)
{
        vec_init(&r->topics);
        vec_init(&r->groups);
        vec_init(&r->owners);
}

void report_release(struct report *r)
{
        vec_release(&r->topics, topic_free);
        vec_release(&r->groups, group_free);
        vec_release(&r->owners, owner_free);
}

int report_format_parse(const char *s)
{
        if (str_eq(s, "text"))
                return REPORT_TEXT;
        if (str_eq(s, "json"))
                return REPORT_JSON;
        if (str_eq(s, "csv"))
                return REPORT_CSV;
        return -1;
}

int report_add_owner(struct report *r, char kind, const char *prefix, const char *principal)
{
        struct usage_owner *o = calloc(1, sizeof(*o));

        if (!o)
                return -1;
        o->kind = kind;
        o->prefix = str_dup(prefix);
        o->principal = str_dup(principal);
        if (!o->prefix || !o->principal || vec_push(&r->owners, o) < 0) {
                owner_free(o);
                return -1;
        }
        return 0;
}

const struct usage_owner *report_owner(const struct report *r, char kind, const char *name)
{
        const struct usage_owner *best = NULL;

        for (size_t i = 0; i < r->owners.len; i++) {
                const struct usage_owner *o = r->owners.items[i];
                if (o->kind != kind || !str_starts_with(name, o->prefix))
                        continue;
                if (!best || strlen(o->prefix) > strlen(best->prefix))
                        best = o;
        }
        return best;
}

char *report_domain_of(const struct report *r, char kind, const char *name)
{
        const struct usage_owner *o = report_owner(r, kind, name);

        if (o && strlen(o->prefix) > 1)
                return str_ndup(o->prefix, strlen(o->prefix) - 1);
        if (kind != 'T')
                return NULL;
        for (size_t i = 0; i < sizeof(access_segments) / sizeof(access_segments[0]); i++) {
                const char *at = strstr(name, access_segments[i]);
                if (at && at > name)
                        return str_ndup(name, (size_t)(at - name));
        }
        return NULL;
}

struct usage_topic *report_add_topic(struct report *r, const char *topic)
{
        struct usage_topic *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->topic = str_dup(topic);
        if (!t->topic || vec_push(&r->topics, t) < 0) {
                topic_free(t);
                return NULL;
        }
        return t;
}

struct usage_group *report_add_group(struct report *r, const char *topic, const char *group)
{
        struct usage_group *g = calloc(1, sizeof(*g));

        if (!g)
                return NULL;
        g->topic = str_dup(topic);
        g->group = str_dup(group);
        if (!g->topic || !g->group || vec_push(&r->groups, g) < 0) {
                group_free(g);
                return NULL;
        }
        return g;
}

struct usage_topic *report_topic(const struct report *r, const char *topic)
{
        for (size_t i = 0; i < r->topics.len; i++) {
                struct usage_topic *t = r->topics.items[i];
                if (str_eq(t->topic, topic))
                        return t;
        }
        return NULL;
}

/* NULL sorts first. */
static int cmp_str(const char *a, const char *b)
{
        if (!a || !b)
                return (a != NULL) - (b != NULL);
        return strcmp(a, b);
}

static int cmp_topic(const void *a, const void *b)
{
        const struct usage_topic *x = *(const struct usage_topic *const *)a;
        const struct usage_topic *y = *(const struct usage_topic *const *)b;
        int c = cmp_str(x->domain, y->domain);

        return c ? c : strcmp(x->topic, y->topic);
}

static int cmp_group(const void *a, const void *b)
{
        const struct usage_group *x = *(const struct usage_group *const *)a;
        const struct usage_group *y = *(const struct usage_group *const *)b;
        int c = strcmp(x->topic, y->topic);

        return c ? c : strcmp(x->group, y->group);
}

void report_sort(struct report *r)
{
        vec_sort(&r->topics, cmp_topic);
        vec_sort(&r->groups, cmp_group);
}

static const char *or_dash(const char *s)
{
        return s ? s : "-";
}

/* --- storage ------------------------------------------------------------------------------- */

/* Per-domain totals, in the topics' (sorted) order: call for each run of one domain. */
struct total {
        const char *domain;
        int topics;
        int64_t bytes, leader_bytes;
};

/* The next run of topics of one domain, starting at *i; *i moves past it. */
static struct total next_total(const struct report *r, size_t *i)
{
        const struct usage_topic *first = r->topics.items[*i];
        struct total t = {first->domain, 0, 0, 0};

        for (; *i < r->topics.len; (*i)++) {
                const struct usage_topic *u = r->topics.items[*i];
                if (cmp_str(u->domain, first->domain) != 0)
                        break;
                t.topics++;
                t.bytes += u->bytes;
                t.leader_bytes += u->leader_bytes;
        }
        return t;
}

static int storage_text(const struct report *r, struct buf *out)
{
        buf_printf(out, "%-40s %-60s %10s %8s %14s %14s\n", "DOMAIN", "TOPIC", "PARTITIONS",
                   "REPLICAS", "BYTES", "LEADER_BYTES");
        for (size_t i = 0; i < r->topics.len; i++) {
                const struct usage_topic *t = r->topics.items[i];
                buf_printf(out, "%-40s %-60s %10d %8d %14" PRId64 " %14" PRId64 "\n",
                           or_dash(t->domain), t->topic, (int)t->partitions, (int)t->replication,
                           t->bytes, t->leader_bytes);
        }
        buf_printf(out, "\n%-40s %6s %14s %14s\n", "DOMAIN", "TOPICS", "BYTES", "LEADER_BYTES");
        for (size_t i = 0; i < r->topics.len;) {
                struct total t = next_total(r, &i);
                buf_printf(out, "%-40s %6d %14" PRId64 " %14" PRId64 "\n", or_dash(t.domain),
                           t.topics, t.bytes, t.leader_bytes);
        }
        return out->failed ? -1 : 0;
}

static void json_add_str(struct json_object *o, const char *k, const char *v)
{
        json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static int put_json(struct json_object *root, struct buf *out)
{
        const char *s =
            json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE);
        int rc = s ? buf_puts(out, s) : -1;

        if (rc == 0)
                rc = buf_putc(out, '\n');
        json_object_put(root);
        return rc < 0 || out->failed ? -1 : 0;
}

static int storage_json(const struct report *r, struct buf *out)
{
        struct json_object *root = json_object_new_object(), *topics = json_object_new_array(),
                           *domains = json_object_new_array();

        for (size_t i = 0; i < r->topics.len; i++) {
                const struct usage_topic *t = r->topics.items[i];
                struct json_object *o = json_object_new_object();
                json_add_str(o, "domain", t->domain);
                json_add_str(o, "topic", t->topic);
                json_object_object_add(o, "partitions", json_object_new_int(t->partitions));
                json_object_object_add(o, "replicationFactor", json_object_new_int(t->replication));
                json_object_object_add(o, "bytes", json_object_new_int64(t->bytes));
                json_object_object_add(o, "leaderBytes", json_object_new_int64(t->leader_bytes));
                json_object_array_add(topics, o);
        }
        for (size_t i = 0; i < r->topics.len;) {
                struct total t = next_total(r, &i);
                struct json_object *o = json_object_new_object();
                json_add_str(o, "domain", t.domain);
                json_object_object_add(o, "topics", json_object_new_int(t.topics));
                json_object_object_add(o, "bytes", json_object_new_int64(t.bytes));
                json_object_object_add(o, "leaderBytes", json_object_new_int64(t.leader_bytes));
                json_object_array_add(domains, o);
        }
        json_object_object_add(root, "topics", topics);
        json_object_object_add(root, "domains", domains);
        return put_json(root, out);
}

/* A CSV field: quoted (RFC 4180) when it holds a comma, a quote or a line break. */
static void csv_field(struct buf *out, const char *s)
{
        if (!s)
                return;
        if (!strpbrk(s, ",\"\r\n")) {
                buf_puts(out, s);
                return;
        }
        buf_putc(out, '"');
        for (; *s; s++) {
                if (*s == '"')
                        buf_putc(out, '"');
                buf_putc(out, *s);
        }
        buf_putc(out, '"');
}

static int storage_csv(const struct report *r, struct buf *out)
{
        buf_puts(out, "domain,topic,partitions,replication_factor,bytes,leader_bytes\n");
        for (size_t i = 0; i < r->topics.len; i++) {
                const struct usage_topic *t = r->topics.items[i];
                csv_field(out, t->domain);
                buf_putc(out, ',');
                csv_field(out, t->topic);
                buf_printf(out, ",%d,%d,%" PRId64 ",%" PRId64 "\n", (int)t->partitions,
                           (int)t->replication, t->bytes, t->leader_bytes);
        }
        return out->failed ? -1 : 0;
}

int report_render_storage(const struct report *r, enum report_format f, struct buf *out)
{
        if (f == REPORT_JSON)
                return storage_json(r, out);
        if (f == REPORT_CSV)
                return storage_csv(r, out);
        return storage_text(r, out);
}

/* --- consumption --------------------------------------------------------------------------- */

static int consumption_text(const struct report *r, struct buf *out)
{
        buf_printf(out, "%-60s %-30s %-40s %-30s %-36s %-12s %10s %12s\n", "TOPIC", "TOPIC_DOMAIN",
                   "GROUP", "CONSUMER_DOMAIN", "PRINCIPAL", "STATE", "PARTITIONS", "LAG");
        for (size_t i = 0; i < r->groups.len; i++) {
                const struct usage_group *g = r->groups.items[i];
                buf_printf(out, "%-60s %-30s %-40s %-30s %-36s %-12s %10d %12" PRId64 "\n",
                           g->topic, or_dash(g->topic_domain), g->group, or_dash(g->domain),
                           or_dash(g->principal), or_dash(g->state), (int)g->partitions, g->lag);
        }
        return out->failed ? -1 : 0;
}

static int consumption_json(const struct report *r, struct buf *out)
{
        struct json_object *root = json_object_new_object(), *rows = json_object_new_array();

        for (size_t i = 0; i < r->groups.len; i++) {
                const struct usage_group *g = r->groups.items[i];
                struct json_object *o = json_object_new_object();
                json_add_str(o, "topic", g->topic);
                json_add_str(o, "topicDomain", g->topic_domain);
                json_add_str(o, "group", g->group);
                json_add_str(o, "consumerDomain", g->domain);
                json_add_str(o, "principal", g->principal);
                json_add_str(o, "state", g->state);
                json_object_object_add(o, "partitions", json_object_new_int(g->partitions));
                json_object_object_add(o, "lag", json_object_new_int64(g->lag));
                json_object_array_add(rows, o);
        }
        json_object_object_add(root, "consumers", rows);
        return put_json(root, out);
}

static int consumption_csv(const struct report *r, struct buf *out)
{
        buf_puts(out, "topic,topic_domain,group,consumer_domain,principal,state,partitions,lag\n");
        for (size_t i = 0; i < r->groups.len; i++) {
                const struct usage_group *g = r->groups.items[i];
                const char *f[] = {g->topic,  g->topic_domain, g->group,
                                   g->domain, g->principal,    g->state};
                for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
                        csv_field(out, f[k]);
                        buf_putc(out, ',');
                }
                buf_printf(out, "%d,%" PRId64 "\n", (int)g->partitions, g->lag);
        }
        return out->failed ? -1 : 0;
}

int report_render_consumption(const struct report *r, enum report_format f, struct buf *out)
{
        if (f == REPORT_JSON)
                return consumption_json(r, out);
        if (f == REPORT_CSV)
                return consumption_csv(r, out);
        return consumption_text(r, out);
}
